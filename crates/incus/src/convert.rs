//! Incus answers converted into the neutral inventory (`atlas_core::inventory`): the only place
//! Incus wire types meet the console's rows.

use atlas_core::inventory::{
    Config, Devices, HostRow, Instance, InstanceKind, InstanceSnapshot, InstanceState, MemoryState,
    ObjectKey, SnapshotKind, SnapshotRow, SnapshotTimes, UsedTotal, Volume, VolumeRow,
};

use crate::types::{
    self, ClusterMember, ClusterMemberState, Resources, StorageVolume, VolumeSnapshot,
    is_unset_time,
};

/// An instance from the API.
pub fn instance(i: types::Instance) -> Instance {
    let config = Config::from(i.config);
    let devices = Devices::from(i.devices);
    Instance {
        aliases: vec![],
        kind: if i.kind == "virtual-machine" {
            InstanceKind::VirtualMachine
        } else {
            InstanceKind::Container
        },
        name: i.name,
        project: i.project,
        status: i.status,
        location: i.location,
        profiles: i.profiles,
        description: i.description,
        architecture: i.architecture,
        ephemeral: i.ephemeral,
        stateful: i.stateful,
        created_at: i.created_at,
        expanded_config: Config::from(i.expanded_config).beyond(&config),
        expanded_devices: Devices::from(i.expanded_devices).beyond(&devices),
        config,
        devices,
        state: i.state.map(|s| Box::new(instance_state(s))),
        snapshots: i
            .snapshots
            .map(|v| v.into_iter().map(instance_snapshot).collect()),
    }
}

/// An instance's state from the API.
pub fn instance_state(s: types::InstanceState) -> InstanceState {
    InstanceState {
        cpu_ns: s.cpu.as_ref().map(|c| c.usage),
        memory: s.memory.as_ref().map(|m| MemoryState {
            usage: m.usage,
            usage_peak: m.usage_peak,
            total: m.total,
        }),
        disk: s.disk_usage(),
        net_io: s.net_io(),
        disk_io: None,
        addresses: s.ipv4(),
        processes: s.processes,
        started_at: s.started_at,
        status: s.status,
        full: true,
    }
}

/// An instance read with its details (`recursion=2`, or one instance): its snapshots are known
/// from now on (the API says `null` for none). One still being created (no state yet) is not.
pub fn detailed(i: types::Instance) -> Instance {
    let mut i = instance(i);
    if i.state.is_some() {
        i.snapshots.get_or_insert_with(Vec::new);
    }
    i
}

/// A snapshot's expiry: the zero time Incus uses for "never" becomes `None`.
fn expiry(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<chrono::DateTime<chrono::Utc>> {
    if is_unset_time(&t) { None } else { t }
}

/// An instance snapshot from the API (the zero time Incus uses for "never" becomes `None`).
pub fn instance_snapshot(s: types::InstanceSnapshot) -> InstanceSnapshot {
    InstanceSnapshot {
        name: s.name.rsplit('/').next().unwrap_or(&s.name).to_string(),
        created_at: s.created_at,
        expires_at: expiry(s.expires_at),
        stateful: s.stateful,
        size: s.size,
        config: s.config.into(),
        devices: s.devices.into(),
        profiles: s.profiles,
    }
}

/// A custom volume from the API (`used_by` shortened to names).
pub fn volume(v: StorageVolume) -> Volume {
    Volume {
        used_by: v.used_by.iter().map(|u| short_api_path(u)).collect(),
        name: v.name,
        kind: v.kind,
        project: v.project,
        location: v.location,
        content_type: v.content_type,
        description: v.description,
        config: v.config,
        created_at: v.created_at,
    }
}

/// `/1.0/instances/grafana01?project=lab` → `grafana01`; `/1.0/profiles/default` → `profile default`.
pub fn short_api_path(p: &str) -> String {
    let path = p.split('?').next().unwrap_or(p);
    let parts: Vec<&str> = path.trim_start_matches("/1.0/").split('/').collect();
    match parts.as_slice() {
        ["instances", name, ..] => name.to_string(),
        ["profiles", name, ..] => format!("profile {name}"),
        [kind, name, ..] => format!("{} {name}", kind.trim_end_matches('s')),
        _ => path.to_string(),
    }
}

/// The object a lifecycle event's source names, as the console keys its rows: an instance (or
/// the instance of a snapshot, backup or log), or a custom volume (or its snapshot's volume).
pub fn lifecycle_object(remote: &str, project: &str, source: &str) -> Option<ObjectKey> {
    let path = source.split('?').next().unwrap_or(source);
    let parts: Vec<&str> = path.trim_start_matches("/1.0/").split('/').collect();
    let dec = percent_decode;
    match parts.as_slice() {
        ["instances", name, ..] if !name.is_empty() => Some(ObjectKey::Instance {
            remote: remote.into(),
            project: project.into(),
            name: dec(name),
        }),
        ["storage-pools", pool, "volumes", "custom", name, ..] if !name.is_empty() => {
            Some(ObjectKey::Volume {
                remote: remote.into(),
                project: project.into(),
                pool: dec(pool),
                name: dec(name),
            })
        }
        _ => None,
    }
}

/// `%2F`-style escapes of an API path segment decoded (invalid ones kept as they are).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The row for a standalone server from `/1.0/resources` and its pools.
pub fn standalone_host(
    remote: &str,
    server_name: &str,
    version: &str,
    res: &Resources,
    pools: Vec<(String, UsedTotal)>,
) -> HostRow {
    HostRow {
        aliases: vec![],
        remote: remote.to_string(),
        name: if server_name.is_empty() {
            remote.to_string()
        } else {
            server_name.to_string()
        },
        clustered: false,
        status: "Online".into(),
        message: String::new(),
        roles: vec!["standalone".into()],
        failure_domain: String::new(),
        groups: vec![],
        url: String::new(),
        cpus: Some(res.cpu.total),
        load: res
            .load
            .as_ref()
            .map(|l| [l.average_1min, l.average_5min, l.average_10min]),
        memory: Some(res.memory),
        pools,
        version: version.to_string(),
        uptime_secs: None,
    }
}

/// The row for a cluster member, with its state and resources when they could be read.
pub fn member_host(
    remote: &str,
    version: &str,
    m: &ClusterMember,
    state: Option<&ClusterMemberState>,
    res: Option<&Resources>,
) -> HostRow {
    let memory = match (res, state) {
        (Some(r), _) => Some(r.memory),
        (None, Some(s)) => Some(UsedTotal {
            used: s.sysinfo.total_ram.saturating_sub(s.sysinfo.free_ram),
            total: s.sysinfo.total_ram,
        }),
        _ => None,
    };
    let load = state
        .filter(|s| s.sysinfo.load_averages.len() >= 3)
        .map(|s| {
            let l = &s.sysinfo.load_averages;
            [l[0], l[1], l[2]]
        })
        .or_else(|| {
            res.and_then(|r| r.load.as_ref())
                .map(|l| [l.average_1min, l.average_5min, l.average_10min])
        });
    HostRow {
        aliases: vec![],
        remote: remote.to_string(),
        name: m.server_name.clone(),
        clustered: true,
        status: m.status.clone(),
        message: m.message.clone(),
        roles: m.roles.clone(),
        failure_domain: m.failure_domain.clone(),
        groups: m.groups.clone(),
        url: m.url.clone(),
        cpus: res.map(|r| r.cpu.total),
        load,
        memory,
        pools: state
            .map(|s| {
                s.storage_pools
                    .iter()
                    .map(|(k, v)| (k.clone(), v.space))
                    .collect()
            })
            .unwrap_or_default(),
        version: version.to_string(),
        uptime_secs: state.map(|s| s.sysinfo.uptime),
    }
}

/// From a `volume/snapshot` entry of a volume listing (no expiry known yet).
pub fn volume_listing_snapshot(remote: &str, pool: &str, v: &StorageVolume) -> Option<SnapshotRow> {
    let (parent, name) = v.name.split_once('/')?;
    Some(SnapshotRow {
        remote: remote.to_string(),
        project: v.project.clone(),
        kind: SnapshotKind::Volume,
        parent: parent.to_string(),
        pool: Some(pool.to_string()),
        name: name.to_string(),
        created_at: v.created_at,
        expires_at: None,
        stateful: false,
        config: v.config.clone().into(),
        devices: Default::default(),
    })
}

/// What a volume's own snapshot list knows of a snapshot (the expiry).
pub fn snapshot_times(s: &VolumeSnapshot) -> SnapshotTimes {
    SnapshotTimes {
        name: s.name.rsplit('/').next().unwrap_or(&s.name).to_string(),
        created_at: s.created_at,
        expires_at: expiry(s.expires_at),
    }
}

/// Splits a custom volume listing into volumes and their snapshots.
pub fn split_volume_listing(
    remote: &str,
    pool: &str,
    listing: Vec<StorageVolume>,
) -> (Vec<VolumeRow>, Vec<SnapshotRow>) {
    let mut vols = Vec::new();
    let mut snaps = Vec::new();
    for v in listing {
        if v.name.contains('/') {
            if let Some(s) = volume_listing_snapshot(remote, pool, &v) {
                snaps.push(s);
            }
        } else {
            vols.push(VolumeRow {
                remote: remote.to_string(),
                pool: pool.to_string(),
                vol: volume(v),
                usage: None,
                snapshots: 0,
            });
        }
    }
    for v in &mut vols {
        v.snapshots = snaps
            .iter()
            .filter(|s| s.parent == v.vol.name && s.project == v.vol.project)
            .count();
    }
    (vols, snaps)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lifecycle_sources_name_the_rows_they_are_about() {
        let key = |src: &str| lifecycle_object("local", "lab", src).map(|o| o.key());
        assert_eq!(
            key("/1.0/instances/grafana01?project=lab").as_deref(),
            Some("local/lab/grafana01")
        );
        assert_eq!(
            key("/1.0/instances/grafana01/snapshots/pre-upgrade").as_deref(),
            Some("local/lab/grafana01")
        );
        assert_eq!(
            key("/1.0/storage-pools/nvme/volumes/custom/prom%2Dwal/snapshots/s1").as_deref(),
            Some("local/lab/nvme/prom-wal")
        );
        assert_eq!(key("/1.0/profiles/default"), None);
        assert_eq!(key("/1.0/instances/"), None);
        assert_eq!(percent_decode("a%zz%e2%9c%93é%"), "a%zz✓é%");
    }

    use super::*;

    #[test]
    fn short_api_paths() {
        assert_eq!(
            short_api_path("/1.0/instances/grafana01?project=lab"),
            "grafana01"
        );
        assert_eq!(short_api_path("/1.0/profiles/default"), "profile default");
    }

    fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
        let path = format!(
            "{}/tests/fixtures/{name}",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
        );
        crate::client::parse_envelope(name, 200, &std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn standalone_host_row_from_resources_and_pools() {
        let res: Resources = fixture("resources.json");
        let pool: crate::types::PoolResources = fixture("pool_resources.json");
        let h = standalone_host(
            "local",
            "",
            "6.0.4",
            &res,
            vec![("default".into(), pool.space)],
        );
        assert_eq!(h.name, "local");
        assert!(!h.clustered);
        assert_eq!(h.roles, ["standalone"]);
        assert_eq!(h.cpus, Some(2));
        assert!(h.load.is_some() && h.memory.unwrap().total > 0);
        assert_eq!(h.pools[0].0, "default");
    }

    #[test]
    fn member_row_without_state_or_resources_still_shows_status() {
        let m: Vec<ClusterMember> = fixture("members.json");
        let h = member_host("prod", "6.0.4", &m[0], None, None);
        assert_eq!(h.status, "Online");
        assert_eq!(h.cpus, None);
        assert_eq!(h.memory, None);
    }

    #[test]
    fn volume_listing_splits_snapshots() {
        let listing: Vec<StorageVolume> = crate::client::parse_envelope(
            "/v",
            200,
            &std::fs::read(concat!(
                concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
                "/tests/fixtures/volumes.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let (vols, snaps) = split_volume_listing("local", "default", listing);
        let g = vols
            .iter()
            .find(|v| v.vol.name == "grafana01-data")
            .unwrap();
        assert_eq!(g.snapshots, 1);
        assert_eq!(g.used_by(), ["grafana01"]);
        let s = snaps.iter().find(|s| s.parent == "grafana01-data").unwrap();
        assert_eq!(s.name, "nightly-0");
        assert_eq!(s.kind, SnapshotKind::Volume);
    }
}
