//! The neutral inventory every provider fills and the console shows: hosts, instances (containers
//! and virtual machines), volumes and snapshots. No provider's wire types appear here; each
//! provider converts its answers into these. Pure data, no I/O, no UI.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use crate::compact::{Config, Devices};
use serde::Deserialize;

/// Used and total amounts (bytes).
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
pub struct UsedTotal {
    #[serde(default)]
    pub used: u64,
    #[serde(default)]
    pub total: u64,
}

/// What runs an instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum InstanceKind {
    #[default]
    Container,
    VirtualMachine,
}

impl std::fmt::Display for InstanceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InstanceKind::Container => "container",
            InstanceKind::VirtualMachine => "virtual-machine",
        })
    }
}

impl InstanceKind {
    /// For the TYPE column.
    pub fn label(self) -> &'static str {
        match self {
            InstanceKind::Container => "container",
            InstanceKind::VirtualMachine => "vm",
        }
    }
}

/// An instance (a container or a virtual machine) as the console knows it.
#[derive(Debug, Clone, Default)]
pub struct Instance {
    pub name: String,
    /// The project (Incus) or pool/namespace the instance lives in.
    pub project: String,
    /// `Running`, `Stopped`, `Frozen`, `Error`, ...
    pub status: String,
    pub kind: InstanceKind,
    /// The cluster member or node it runs on (empty when not clustered).
    pub location: String,
    pub profiles: Vec<String>,
    pub description: String,
    pub architecture: String,
    pub ephemeral: bool,
    pub stateful: bool,
    pub created_at: Option<DateTime<Utc>>,
    pub config: Config,
    pub devices: Devices,
    /// What its profiles add to its own config (the expanded config beyond `config`).
    pub expanded_config: Config,
    /// The devices its profiles add (the expanded devices beyond `devices`).
    pub expanded_devices: Devices,
    /// The runtime state, when read (boxed: most instances of a big fleet are stopped and
    /// never have theirs read).
    pub state: Option<Box<InstanceState>>,
    /// The snapshots, when read.
    pub snapshots: Option<Vec<InstanceSnapshot>>,
    /// Other names alerts may give it: a Proxmox VE id (`qemu/100`).
    pub aliases: Vec<String>,
}

/// An instance's runtime state.
#[derive(Debug, Clone, Default)]
pub struct InstanceState {
    pub status: String,
    /// Cumulative CPU time in nanoseconds.
    pub cpu_ns: Option<u64>,
    pub memory: Option<MemoryState>,
    /// Disk use summed over the devices that report it.
    pub disk: Option<u64>,
    /// Global IPv4 addresses.
    pub addresses: Vec<String>,
    pub processes: i64,
    pub started_at: Option<DateTime<Utc>>,
    /// Bytes read and written on disk so far, where the provider reports them.
    pub disk_io: Option<u64>,
    /// Bytes received and sent on the network so far (loopback left out).
    pub net_io: Option<u64>,
    /// Read whole from the server (its addresses and disk are known), not built from usage
    /// samples alone.
    pub full: bool,
}

/// Memory use in bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryState {
    pub usage: u64,
    pub usage_peak: u64,
    pub total: u64,
}

impl InstanceState {
    /// Global IPv4 addresses, loopback and link-local left out.
    pub fn ipv4(&self) -> Vec<String> {
        self.addresses.clone()
    }

    /// Disk use over the devices that report it.
    pub fn disk_usage(&self) -> Option<u64> {
        self.disk
    }
}

/// An instance snapshot.
#[derive(Debug, Clone, Default)]
pub struct InstanceSnapshot {
    pub name: String,
    pub created_at: Option<DateTime<Utc>>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    pub stateful: bool,
    pub size: i64,
    pub config: Config,
    pub devices: Devices,
    pub profiles: Vec<String>,
}

/// CPU and memory of one running instance, from a provider's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageSample {
    pub project: String,
    pub name: String,
    pub kind: InstanceKind,
    /// Cumulative CPU time (the sum over CPUs and modes), in nanoseconds.
    pub cpu_ns: u64,
    /// Memory in use, in bytes.
    pub memory: u64,
    pub processes: Option<i64>,
    /// Bytes read and written on disk so far (`None`: no disk metrics, e.g. a `dir` pool).
    pub disk_io: Option<u64>,
    /// Bytes received and sent so far, loopback left out.
    pub net_io: Option<u64>,
}

/// When a volume snapshot was taken and when it expires (`None`: never).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnapshotTimes {
    /// The snapshot's own name (without its volume).
    pub name: String,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A custom storage volume.
#[derive(Debug, Clone, Default)]
pub struct Volume {
    pub name: String,
    /// `custom` for the volumes the console lists.
    pub kind: String,
    pub project: String,
    pub location: String,
    /// `filesystem`, `block`, `iso`.
    pub content_type: String,
    pub description: String,
    /// What uses it, short: instance names, `profile default`.
    pub used_by: Vec<String>,
    pub config: BTreeMap<String, String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// What a row is about, typed: nothing parses it back from a string. Its text form is the
/// row's key (`remote/project/name`), which filters (`@key`) and the journal show.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ObjectKey {
    Instance {
        remote: String,
        project: String,
        name: String,
    },
    Host {
        remote: String,
        name: String,
    },
    Volume {
        remote: String,
        project: String,
        pool: String,
        name: String,
    },
    Snapshot {
        remote: String,
        project: String,
        /// For volume snapshots.
        pool: Option<String>,
        parent: String,
        name: String,
    },
}

impl ObjectKey {
    pub fn remote(&self) -> &str {
        match self {
            ObjectKey::Host { remote, .. }
            | ObjectKey::Instance { remote, .. }
            | ObjectKey::Volume { remote, .. }
            | ObjectKey::Snapshot { remote, .. } => remote,
        }
    }

    /// The project of what lives in one (hosts do not).
    pub fn project(&self) -> Option<&str> {
        match self {
            ObjectKey::Host { .. } => None,
            ObjectKey::Instance { project, .. }
            | ObjectKey::Volume { project, .. }
            | ObjectKey::Snapshot { project, .. } => Some(project),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ObjectKey::Host { name, .. }
            | ObjectKey::Instance { name, .. }
            | ObjectKey::Volume { name, .. }
            | ObjectKey::Snapshot { name, .. } => name,
        }
    }

    /// The key of its row (`remote/project/name`).
    pub fn key(&self) -> String {
        self.to_string()
    }

    /// `instance grafana01`, `host atlas01`, `volume default/prometheus01-data`.
    pub fn describe(&self) -> String {
        match self {
            ObjectKey::Instance { name, .. } => format!("instance {name}"),
            ObjectKey::Host { name, .. } => format!("host {name}"),
            ObjectKey::Volume { pool, name, .. } => format!("volume {pool}/{name}"),
            ObjectKey::Snapshot { parent, name, .. } => format!("snapshot {parent}/{name}"),
        }
    }

    /// Short form for a table cell: `grafana01`, `host:atlas01`, `vol:prometheus01-data`.
    pub fn short(&self) -> String {
        match self {
            ObjectKey::Instance { name, .. } => name.clone(),
            ObjectKey::Host { name, .. } => format!("host:{name}"),
            ObjectKey::Volume { name, .. } => format!("vol:{name}"),
            ObjectKey::Snapshot { parent, name, .. } => format!("snap:{parent}/{name}"),
        }
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectKey::Host { remote, name } => write!(f, "{remote}/{name}"),
            ObjectKey::Instance {
                remote,
                project,
                name,
            } => write!(f, "{remote}/{project}/{name}"),
            ObjectKey::Volume {
                remote,
                project,
                pool,
                name,
            } => write!(f, "{remote}/{project}/{pool}/{name}"),
            ObjectKey::Snapshot {
                remote,
                project,
                pool,
                parent,
                name,
            } => write!(
                f,
                "{remote}/{project}/{}/{parent}/{name}",
                pool.as_deref().unwrap_or("-")
            ),
        }
    }
}

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
    /// Other names alerts may give it: a Proxmox VE id (`node/pve1`).
    pub aliases: Vec<String>,
    /// A cluster member's failure domain (`default` unless set).
    pub failure_domain: String,
    /// The cluster groups it is in.
    pub groups: Vec<String>,
}

impl HostRow {
    pub fn object(&self) -> ObjectKey {
        ObjectKey::Host {
            remote: self.remote.clone(),
            name: self.name.clone(),
        }
    }

    /// The key of its row (`remote/name`).
    pub fn key(&self) -> String {
        self.object().key()
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
    /// Stable identity: remote/project/name.
    pub fn object(&self) -> ObjectKey {
        ObjectKey::Instance {
            remote: self.remote.clone(),
            project: self.inst.project.clone(),
            name: self.inst.name.clone(),
        }
    }

    pub fn key(&self) -> String {
        self.object().to_string()
    }

    pub fn state(&self) -> Option<&InstanceState> {
        self.inst.state.as_deref()
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
    pub vol: Volume,
    /// Usage when the pool reports it.
    pub usage: Option<UsedTotal>,
    /// Number of snapshots.
    pub snapshots: usize,
}

impl VolumeRow {
    pub fn object(&self) -> ObjectKey {
        ObjectKey::Volume {
            remote: self.remote.clone(),
            project: self.vol.project.clone(),
            pool: self.pool.clone(),
            name: self.vol.name.clone(),
        }
    }

    pub fn key(&self) -> String {
        self.object().to_string()
    }

    /// Instance names (or other objects: `profile default`) using the volume.
    pub fn used_by(&self) -> Vec<String> {
        self.vol.used_by.clone()
    }
}

/// A backup of an instance: an archive in a storage (Proxmox VE's vzdump) or a file the console
/// exported (Incus).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackupRow {
    pub remote: String,
    pub project: String,
    /// The instance it is of.
    pub instance: String,
    /// Where it is: a storage (`nfs-backup`) or a directory.
    pub location: String,
    /// The archive: a volume id or a file name.
    pub name: String,
    pub created_at: Option<DateTime<Utc>>,
    pub size: Option<u64>,
    pub notes: String,
    /// Kept from pruning.
    pub protected: bool,
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
    pub config: Config,
    pub devices: Devices,
}

impl SnapshotRow {
    /// Fills in what a volume's own snapshot list knows (the expiry).
    pub fn update_from(&mut self, t: &SnapshotTimes) {
        self.expires_at = t.expires_at;
        if self.created_at.is_none() {
            self.created_at = t.created_at;
        }
    }

    pub fn object(&self) -> ObjectKey {
        ObjectKey::Snapshot {
            remote: self.remote.clone(),
            project: self.project.clone(),
            pool: self.pool.clone(),
            parent: self.parent.clone(),
            name: self.name.clone(),
        }
    }

    pub fn key(&self) -> String {
        self.object().to_string()
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
            expires_at: s.expires_at,
            stateful: s.stateful,
            config: s.config.clone(),
            devices: s.devices.clone(),
        }
    }
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

/// An Incus `snapshots.expiry` (`7d`, `2w 3d`, `12H`, `30M`, `1m` — `M` minutes, `H` hours,
/// `d` days, `w` weeks, `m` months, `y` years) as a duration; months and years as 30 and 365
/// days. `None` when it is empty or not of that form.
pub fn incus_expiry(s: &str) -> Option<chrono::Duration> {
    let mut total = chrono::Duration::zero();
    let mut any = false;
    for part in s.split_whitespace() {
        let (n, unit) = part.split_at(part.len().checked_sub(1)?);
        let n: i64 = n.parse().ok()?;
        total += match unit {
            "M" => chrono::Duration::minutes(n),
            "H" => chrono::Duration::hours(n),
            "d" => chrono::Duration::days(n),
            "w" => chrono::Duration::weeks(n),
            "m" => chrono::Duration::days(30 * n),
            "y" => chrono::Duration::days(365 * n),
            _ => return None,
        };
        any = true;
    }
    any.then_some(total)
}

/// A duration in two units where the second matters: `45s`, `12m`, `1h59m`, `2d3h` — for
/// what runs out (a silence ending in 1h59m is not "in 1h") and what was measured.
pub fn precise_duration(secs: i64) -> String {
    let s = secs.abs();
    let two = |big: i64, bu: &str, small: i64, su: &str| {
        if small == 0 {
            format!("{big}{bu}")
        } else {
            format!("{big}{bu}{small}{su}")
        }
    };
    let out = if s < 3600 {
        human_duration(s)
    } else if s < 86400 {
        two(s / 3600, "h", s % 3600 / 60, "m")
    } else {
        two(s / 86400, "d", s % 86400 / 3600, "h")
    };
    if secs < 0 { format!("-{out}") } else { out }
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
    fn precise_durations_keep_the_second_unit() {
        assert_eq!(precise_duration(7140), "1h59m");
        assert_eq!(precise_duration(3600), "1h");
        assert_eq!(precise_duration(19 * 60), "19m");
        assert_eq!(precise_duration(2 * 86400 + 3 * 3600 + 59), "2d3h");
        assert_eq!(precise_duration(-90), "-1m");
    }

    #[test]
    fn incus_expiry_reads_what_incus_accepts() {
        assert_eq!(incus_expiry("7d"), Some(chrono::Duration::days(7)));
        assert_eq!(
            incus_expiry("1w 2H 30M"),
            Some(
                chrono::Duration::weeks(1)
                    + chrono::Duration::hours(2)
                    + chrono::Duration::minutes(30)
            )
        );
        assert_eq!(incus_expiry("1m"), Some(chrono::Duration::days(30)));
        assert_eq!(incus_expiry(""), None);
        assert_eq!(incus_expiry("7x"), None);
        assert_eq!(incus_expiry("d"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(human_bytes(512), "512B");
        assert_eq!(human_bytes(512 * 1024 * 1024), "512.0MiB");
        assert_eq!(human_duration(59), "59s");
        assert_eq!(human_duration(3 * 3600 + 5), "3h");
        assert_eq!(human_duration(-120), "-2m");
    }

    #[test]
    fn object_keys_print_as_row_keys() {
        let i = ObjectKey::Instance {
            remote: "local".into(),
            project: "lab".into(),
            name: "web".into(),
        };
        assert_eq!(i.to_string(), "local/lab/web");
        assert_eq!(i.remote(), "local");
        let s = ObjectKey::Snapshot {
            remote: "local".into(),
            project: "default".into(),
            pool: None,
            parent: "web".into(),
            name: "snap0".into(),
        };
        assert_eq!(s.to_string(), "local/default/-/web/snap0");
    }

    #[test]
    fn cpu_percent_from_samples() {
        let t0 = Utc::now();
        let t1 = t0 + chrono::Duration::seconds(2);
        assert_eq!(cpu_percent(0, t0, 1_000_000_000, t1), Some(50.0));
        assert_eq!(cpu_percent(5, t0, 1, t1), None);
    }
}
