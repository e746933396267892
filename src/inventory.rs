//! Domain rows the console shows, built from Incus API types. Pure data, no I/O, no UI.

use chrono::{DateTime, Utc};

use crate::incus::types::{
    ClusterMember, ClusterMemberState, Instance, InstanceSnapshot, InstanceState, Resources,
    StorageVolume, UsedTotal, VolumeSnapshot, is_unset_time,
};

/// A host: a standalone remote, or one member of a clustered remote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostRow {
    pub remote: String,
    pub name: String,
    pub clustered: bool,
    pub status: String,
    pub message: String,
    pub roles: Vec<String>,
    pub url: String,
    pub cpus: Option<u64>,
    pub load: Option<[f64; 3]>,
    pub memory: Option<UsedTotal>,
    pub pools: Vec<(String, UsedTotal)>,
    pub version: String,
    pub uptime_secs: Option<i64>,
}

impl HostRow {
    /// The row for a standalone server from `/1.0/resources` and its pools.
    pub fn standalone(
        remote: &str,
        server_name: &str,
        version: &str,
        res: &Resources,
        pools: Vec<(String, UsedTotal)>,
    ) -> Self {
        HostRow {
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
    pub fn member(
        remote: &str,
        version: &str,
        m: &ClusterMember,
        state: Option<&ClusterMemberState>,
        res: Option<&Resources>,
    ) -> Self {
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
            remote: remote.to_string(),
            name: m.server_name.clone(),
            clustered: true,
            status: m.status.clone(),
            message: m.message.clone(),
            roles: m.roles.clone(),
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
}

/// An instance with what has been learned about it so far.
#[derive(Debug, Clone, Default)]
pub struct InstanceRow {
    pub remote: String,
    pub inst: Instance,
    /// CPU use in percent of one core, from the last two samples.
    pub cpu_pct: Option<f64>,
}

impl InstanceRow {
    /// Stable identity: remote/project/name.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.remote, self.inst.project, self.inst.name)
    }

    pub fn state(&self) -> Option<&InstanceState> {
        self.inst.state.as_ref()
    }

    /// The status: the instance's own (every answer carries it, and the console keeps it in
    /// step with the newest state read), else the state's.
    pub fn status(&self) -> &str {
        match self.state() {
            Some(s) if self.inst.status.is_empty() => &s.status,
            _ => &self.inst.status,
        }
    }
}

/// A custom storage volume.
#[derive(Debug, Clone, Default)]
pub struct VolumeRow {
    pub remote: String,
    pub pool: String,
    pub vol: StorageVolume,
    /// Usage when the pool reports it.
    pub usage: Option<UsedTotal>,
    /// Number of snapshots.
    pub snapshots: usize,
}

impl VolumeRow {
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.remote, self.vol.project, self.pool, self.vol.name
        )
    }

    /// Instance names (or other objects) using the volume, shortened from their API paths.
    pub fn used_by(&self) -> Vec<String> {
        self.vol.used_by.iter().map(|u| short_api_path(u)).collect()
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

/// What a snapshot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotKind {
    Instance,
    Volume,
}

/// An instance or volume snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotRow {
    pub remote: String,
    pub project: String,
    pub kind: SnapshotKind,
    /// The instance or volume it belongs to.
    pub parent: String,
    /// The pool, for volume snapshots.
    pub pool: Option<String>,
    pub name: String,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub stateful: bool,
    pub config: std::collections::BTreeMap<String, String>,
    pub devices: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

impl SnapshotRow {
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            self.remote,
            self.project,
            self.pool.as_deref().unwrap_or("-"),
            self.parent,
            self.name
        )
    }

    /// From an instance's snapshot list.
    pub fn of_instance(remote: &str, inst: &Instance, s: &InstanceSnapshot) -> Self {
        SnapshotRow {
            remote: remote.to_string(),
            project: inst.project.clone(),
            kind: SnapshotKind::Instance,
            parent: inst.name.clone(),
            pool: None,
            name: s.name.rsplit('/').next().unwrap_or(&s.name).to_string(),
            created_at: s.created_at,
            expires_at: if is_unset_time(&s.expires_at) {
                None
            } else {
                s.expires_at
            },
            stateful: s.stateful,
            config: s.config.clone(),
            devices: s.devices.clone(),
        }
    }

    /// From a `volume/snapshot` entry of a volume listing (no expiry known yet).
    pub fn of_volume_listing(remote: &str, pool: &str, v: &StorageVolume) -> Option<Self> {
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
            config: v.config.clone(),
            devices: Default::default(),
        })
    }

    /// Fills in what the per-volume snapshot list knows (expiry).
    pub fn update_from(&mut self, s: &VolumeSnapshot) {
        self.expires_at = if is_unset_time(&s.expires_at) {
            None
        } else {
            s.expires_at
        };
        if self.created_at.is_none() {
            self.created_at = s.created_at;
        }
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
            if let Some(s) = SnapshotRow::of_volume_listing(remote, pool, &v) {
                snaps.push(s);
            }
        } else {
            vols.push(VolumeRow {
                remote: remote.to_string(),
                pool: pool.to_string(),
                vol: v,
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

/// CPU percent of one core between two cumulative samples.
pub fn cpu_percent(
    prev_ns: u64,
    prev_at: DateTime<Utc>,
    now_ns: u64,
    now_at: DateTime<Utc>,
) -> Option<f64> {
    let dt = (now_at - prev_at).num_microseconds()? as f64 * 1000.0;
    if dt <= 0.0 || now_ns < prev_ns {
        return None;
    }
    Some((now_ns - prev_ns) as f64 / dt * 100.0)
}

/// Human-readable bytes (IEC): `512.0MiB`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b}B")
    } else {
        format!("{v:.1}{}", UNITS[i])
    }
}

/// A compact duration: `45s`, `12m`, `3h`, `5d`.
pub fn human_duration(secs: i64) -> String {
    let s = secs.abs();
    let out = if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86400)
    };
    if secs < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(human_bytes(512), "512B");
        assert_eq!(human_bytes(512 * 1024 * 1024), "512.0MiB");
        assert_eq!(human_duration(59), "59s");
        assert_eq!(human_duration(3 * 3600 + 5), "3h");
        assert_eq!(human_duration(-120), "-2m");
        assert_eq!(
            short_api_path("/1.0/instances/grafana01?project=lab"),
            "grafana01"
        );
        assert_eq!(short_api_path("/1.0/profiles/default"), "profile default");
    }

    #[test]
    fn cpu_percent_from_samples() {
        let t0 = Utc::now();
        let t1 = t0 + chrono::Duration::seconds(2);
        assert_eq!(cpu_percent(0, t0, 1_000_000_000, t1), Some(50.0));
        assert_eq!(cpu_percent(5, t0, 1, t1), None);
    }

    fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        crate::incus::client::parse_envelope(name, 200, &std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn standalone_host_row_from_resources_and_pools() {
        let res: Resources = fixture("resources.json");
        let pool: crate::incus::types::PoolResources = fixture("pool_resources.json");
        let h = HostRow::standalone(
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
        let h = HostRow::member("prod", "6.0.4", &m[0], None, None);
        assert_eq!(h.status, "Online");
        assert_eq!(h.cpus, None);
        assert_eq!(h.memory, None);
    }

    #[test]
    fn volume_listing_splits_snapshots() {
        let listing: Vec<StorageVolume> = crate::incus::client::parse_envelope(
            "/v",
            200,
            &std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
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
