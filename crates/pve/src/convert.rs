//! The only place PVE's answers become the console's neutral rows: nodes as hosts, QEMU VMs and
//! LXC containers as instances (their tags as profiles, VMID, node, type, lock and HA state in
//! their config), guest disks as volumes, snapshots as instance snapshots.

use std::collections::BTreeMap;

use atlas_core::inventory::{
    BackupRow, HostRow, Instance, InstanceKind, InstanceSnapshot, InstanceState, MemoryState,
    UsedTotal, Volume, VolumeRow,
};
use chrono::{DateTime, TimeZone, Utc};

use crate::types::{Content, Resource, Snapshot};

/// Seconds since the epoch as a time.
pub fn time(secs: u64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(secs as i64, 0).single()
}

/// A guest's status as the console words it.
pub fn status(s: &str) -> String {
    match s {
        "running" => "Running".into(),
        "stopped" => "Stopped".into(),
        "paused" | "suspended" => "Paused".into(),
        "" => "Unknown".into(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

/// The config keys under which a guest's PVE identity is kept.
pub mod keys {
    pub const VMID: &str = "pve.vmid";
    pub const NODE: &str = "pve.node";
    pub const TYPE: &str = "pve.type";
    pub const LOCK: &str = "pve.lock";
    pub const HA: &str = "pve.ha";
    pub const TEMPLATE: &str = "pve.template";
}

/// A guest's (or a snapshot's) config as flat text: what a rollback would change is compared
/// on it. PVE's bookkeeping (`digest`, `snaptime`, `snapstate`, `parent`) is left out.
pub fn config_map(v: &serde_json::Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "digest" | "snaptime" | "snapstate" | "parent")
                })
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the worker has read of a guest besides `/cluster/resources`.
#[derive(Debug, Clone, Default)]
pub struct Details<'a> {
    /// Its CPU time as accumulated by the worker (PVE gives a fraction of its CPUs per sample).
    pub cpu_ns: Option<u64>,
    /// IPv4 addresses from the guest agent.
    pub addresses: Vec<String>,
    pub snapshots: Option<&'a [Snapshot]>,
    /// Its config (`…/config`), and each snapshot's (`…/snapshot/{name}/config`).
    pub config: Option<&'a BTreeMap<String, String>>,
    pub snapshot_configs: Option<&'a std::collections::HashMap<String, BTreeMap<String, String>>>,
}

/// What of a guest changes only when its details are read again or it moves, locks or is
/// made a template: its config (with its PVE identity), tags and snapshots. Built once and
/// kept by the worker between polls.
#[derive(Clone)]
pub struct Fixed {
    pub config: atlas_core::compact::Config,
    pub tags: Vec<String>,
    pub snapshots: Option<Vec<InstanceSnapshot>>,
}

/// What of a guest's resource its [`Fixed`] part is built from.
pub type FixedKey = (
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);

/// The part of `r` that [`Fixed`] is built from, to know when to build it again.
pub fn fixed_key(r: &Resource) -> FixedKey {
    (
        r.node.clone(),
        r.kind.clone(),
        r.tags.clone(),
        r.lock.clone(),
        r.hastate.clone(),
        r.template,
    )
}

/// The [`Fixed`] part of guest `r`.
pub fn fixed(r: &Resource, d: &Details) -> Fixed {
    let tags: Vec<String> = r
        .tags
        .as_deref()
        .unwrap_or("")
        .split([';', ',', ' '])
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    let mut config = d.config.cloned().unwrap_or_default();
    config.insert(keys::VMID.into(), r.vmid.unwrap_or_default().to_string());
    config.insert(keys::NODE.into(), r.node.clone().unwrap_or_default());
    config.insert(keys::TYPE.into(), r.kind.clone());
    if let Some(l) = r.lock.as_ref().filter(|l| !l.is_empty()) {
        config.insert(keys::LOCK.into(), l.clone());
    }
    if let Some(h) = r.hastate.as_ref().filter(|h| !h.is_empty()) {
        config.insert(keys::HA.into(), h.clone());
    }
    if r.template {
        config.insert(keys::TEMPLATE.into(), "1".into());
    }
    let snapshots = d.snapshots.map(|s| {
        s.iter()
            .filter_map(snapshot)
            .map(|mut snap| {
                // The snapshot's config, with the guest's identity (which a rollback keeps).
                if let Some(c) = d.snapshot_configs.and_then(|m| m.get(&snap.name)) {
                    let mut merged = c.clone();
                    if let Some(desc) = snap.config.get("description") {
                        merged
                            .entry("description".into())
                            .or_insert_with(|| desc.to_string());
                    }
                    for k in [keys::VMID, keys::NODE, keys::TYPE] {
                        if let Some(v) = config.get(k) {
                            merged.insert(k.into(), v.clone());
                        }
                    }
                    snap.config = merged.into();
                }
                snap
            })
            .collect()
    });
    Fixed {
        config: config.into(),
        tags,
        snapshots,
    }
}

/// A guest of `/cluster/resources` (`qemu` or `lxc`) with what else was read of it.
pub fn instance(r: &Resource, d: Details, now: DateTime<Utc>) -> Option<Instance> {
    let f = fixed(r, &d);
    instance_with(r, f, d.cpu_ns, d.addresses, now)
}

/// The sum of two counters, when either is known.
fn sum2(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

/// A guest of `/cluster/resources` with its [`Fixed`] part built already.
pub fn instance_with(
    r: &Resource,
    f: Fixed,
    cpu_ns: Option<u64>,
    addresses: Vec<String>,
    now: DateTime<Utc>,
) -> Option<Instance> {
    let vmid = r.vmid?;
    let kind = match r.kind.as_str() {
        "qemu" => InstanceKind::VirtualMachine,
        "lxc" => InstanceKind::Container,
        _ => return None,
    };
    let name = r.name.clone().unwrap_or_else(|| vmid.to_string());
    let st = status(r.status.as_deref().unwrap_or(""));
    let running = r.status.as_deref() == Some("running");
    let state = InstanceState {
        status: st.clone(),
        cpu_ns: if running { cpu_ns } else { None },
        memory: r.mem.filter(|_| running).map(|m| MemoryState {
            usage: m,
            usage_peak: 0,
            total: r.maxmem.unwrap_or(0),
        }),
        disk: r.disk.filter(|d| *d > 0),
        disk_io: sum2(r.diskread, r.diskwrite).filter(|_| running),
        net_io: sum2(r.netin, r.netout).filter(|_| running),
        addresses,
        processes: 0,
        started_at: r
            .uptime
            .filter(|u| running && *u > 0)
            .map(|u| now - chrono::Duration::seconds(u as i64)),
        // Addresses come from the guest agent with the details.
        full: f.snapshots.is_some(),
    };
    Some(Instance {
        name,
        project: r.pool.clone().unwrap_or_default(),
        status: st,
        kind,
        location: r.node.clone().unwrap_or_default(),
        profiles: f.tags,
        description: String::new(),
        config: f.config,
        state: Some(Box::new(state)),
        snapshots: f.snapshots,
        // pve-exporter's `id` label.
        aliases: vec![r.id.clone()],
        ..Default::default()
    })
}

/// A snapshot of a guest; PVE's `current` ("you are here") is not one.
pub fn snapshot(s: &Snapshot) -> Option<InstanceSnapshot> {
    if s.name == "current" || s.name.is_empty() {
        return None;
    }
    let mut config = BTreeMap::new();
    if let Some(d) = s.description.as_ref().filter(|d| !d.is_empty()) {
        config.insert("description".into(), d.trim().to_string());
    }
    if let Some(p) = &s.parent {
        config.insert("parent".into(), p.clone());
    }
    Some(InstanceSnapshot {
        name: s.name.clone(),
        created_at: s.snaptime.and_then(time),
        expires_at: None,
        stateful: s.vmstate,
        config: config.into(),
        ..Default::default()
    })
}

/// A node of `/cluster/resources` with the storages on it; `online` from `/cluster/status`
/// (a node that stops answering is offline), `quorate` the cluster's.
pub fn host(
    remote: &str,
    node: &Resource,
    storages: &[&Resource],
    online: bool,
    quorate: bool,
    clustered: bool,
    version: &str,
) -> HostRow {
    let name = node.node.clone().unwrap_or_default();
    let status = match (online, quorate) {
        (false, _) => "Offline",
        (true, false) => "No quorum",
        (true, true) => "Online",
    };
    HostRow {
        remote: remote.into(),
        name,
        clustered,
        status: status.into(),
        message: if quorate {
            String::new()
        } else {
            "the cluster has lost quorum: configuration writes and guest actions fail".into()
        },
        roles: vec![],
        failure_domain: String::new(),
        groups: vec![],
        url: String::new(),
        cpus: node.maxcpu.map(|c| c as u64),
        load: None,
        memory: node.maxmem.map(|t| UsedTotal {
            used: node.mem.unwrap_or(0),
            total: t,
        }),
        pools: storages
            .iter()
            .filter_map(|s| {
                Some((
                    s.storage.clone()?,
                    UsedTotal {
                        used: s.disk.unwrap_or(0),
                        total: s.maxdisk.unwrap_or(0),
                    },
                ))
            })
            .collect(),
        version: version.into(),
        uptime_secs: node.uptime.map(|u| u as i64),
        // pve-exporter's `id` label.
        aliases: vec![node.id.clone()],
    }
}

/// A guest disk in a storage (`images`, `rootdir`), with the name of the guest owning it.
pub fn disk(
    remote: &str,
    storage: &str,
    node: &str,
    c: &Content,
    owner: Option<&str>,
) -> VolumeRow {
    let name = c
        .volid
        .split_once(':')
        .map(|(_, v)| v)
        .unwrap_or(&c.volid)
        .to_string();
    let mut config = BTreeMap::new();
    if let Some(s) = c.size {
        config.insert("size".into(), atlas_core::inventory::human_bytes(s));
    }
    if let Some(f) = &c.format {
        config.insert("format".into(), f.clone());
    }
    if let Some(v) = c.vmid {
        config.insert("vmid".into(), v.to_string());
    }
    VolumeRow {
        remote: remote.into(),
        pool: storage.into(),
        vol: Volume {
            name,
            kind: c.content.clone(),
            project: String::new(),
            location: node.into(),
            content_type: c.content.clone(),
            description: String::new(),
            used_by: owner.map(|o| vec![o.to_string()]).unwrap_or_default(),
            config,
            created_at: c.ctime.and_then(time),
        },
        usage: c.size.map(|s| UsedTotal {
            used: c.used.unwrap_or(0),
            total: s,
        }),
        snapshots: 0,
    }
}

/// A vzdump archive of a guest.
pub fn backup(remote: &str, location: String, guest: &str, pool: &str, c: &Content) -> BackupRow {
    BackupRow {
        remote: remote.into(),
        project: pool.into(),
        instance: guest.into(),
        location,
        name: c
            .volid
            .split_once(':')
            .map(|(_, v)| v)
            .unwrap_or(&c.volid)
            .to_string(),
        created_at: c.ctime.and_then(time),
        size: c.size,
        notes: c.notes.clone().unwrap_or_default().trim().to_string(),
        protected: c.protected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guests_become_instances_with_their_pve_identity() {
        let r = Resource {
            id: "qemu/106".into(),
            kind: "qemu".into(),
            node: Some("pve3".into()),
            name: Some("k8s-node6".into()),
            vmid: Some(106),
            status: Some("running".into()),
            tags: Some("k8s;gpu".into()),
            lock: Some("backup".into()),
            mem: Some(1 << 30),
            maxmem: Some(16 << 30),
            ..Default::default()
        };
        let d = Details {
            cpu_ns: Some(5),
            addresses: vec!["10.0.10.16".into()],
            ..Default::default()
        };
        let i = instance(&r, d, Utc::now()).unwrap();
        assert_eq!(i.kind, InstanceKind::VirtualMachine);
        assert_eq!(i.status, "Running");
        assert_eq!(i.profiles, ["k8s", "gpu"]);
        assert_eq!(&i.config[keys::VMID], "106");
        assert_eq!(&i.config[keys::LOCK], "backup");
        assert_eq!(i.location, "pve3");
        let st = i.state.unwrap();
        assert_eq!(st.addresses, ["10.0.10.16"]);
        assert_eq!(st.memory.unwrap().total, 16 << 30);
        let storage = Resource {
            kind: "storage".into(),
            ..Default::default()
        };
        assert!(instance(&storage, Details::default(), Utc::now()).is_none());
    }

    #[test]
    fn the_current_pseudo_snapshot_is_not_a_snapshot() {
        let cur = Snapshot {
            name: "current".into(),
            ..Default::default()
        };
        assert!(snapshot(&cur).is_none());
        let s = Snapshot {
            name: "daily-0".into(),
            snaptime: Some(1_796_000_000),
            vmstate: true,
            parent: Some("daily-1".into()),
            ..Default::default()
        };
        let s = snapshot(&s).unwrap();
        assert!(s.stateful && s.created_at.is_some());
        assert_eq!(&s.config["parent"], "daily-1");
    }
}
