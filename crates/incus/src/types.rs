//! Serde types for the parts of the Incus REST API (1.0) that atlas-tui reads.
//!
//! Field names follow the API; everything optional in practice is `Option` or defaulted so that a
//! newer or older server never breaks parsing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The envelope every Incus answer comes in.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_code: u16,
    pub metadata: Option<T>,
}

/// `GET /1.0`: the server's own description.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Server {
    #[serde(default)]
    pub auth: String,
    #[serde(default)]
    pub environment: ServerEnvironment,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ServerEnvironment {
    #[serde(default)]
    pub server_name: String,
    #[serde(default)]
    pub server_version: String,
    #[serde(default)]
    pub server_clustered: bool,
}

/// What a reconciliation reads of each instance of a `recursion=1` list (the rest of each
/// item is skipped unread).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Listed {
    pub name: String,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub status: String,
}

/// One instance as `recursion=1` (config only) or `recursion=2` (with state and snapshots) gives it.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Instance {
    pub name: String,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub status: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub ephemeral: bool,
    #[serde(default)]
    pub stateful: bool,
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    #[serde(default)]
    pub devices: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub expanded_config: BTreeMap<String, String>,
    #[serde(default)]
    pub expanded_devices: BTreeMap<String, BTreeMap<String, String>>,
    /// Only with `recursion=2` or a single-instance `recursion=1`.
    pub state: Option<InstanceState>,
    /// Only with `recursion=2` or a single-instance `recursion=1`.
    #[serde(default, deserialize_with = "atlas_core::decode::lenient_opt_vec")]
    pub snapshots: Option<Vec<InstanceSnapshot>>,
}

/// `GET /1.0/instances/<name>/state`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct InstanceState {
    #[serde(default)]
    pub status: String,
    pub cpu: Option<CpuState>,
    pub memory: Option<MemoryState>,
    #[serde(default)]
    pub disk: Option<BTreeMap<String, DiskState>>,
    pub network: Option<BTreeMap<String, NetworkState>>,
    #[serde(default)]
    pub processes: i64,
    pub started_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct CpuState {
    /// Cumulative CPU time in nanoseconds.
    #[serde(default)]
    pub usage: u64,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct MemoryState {
    #[serde(default)]
    pub usage: u64,
    #[serde(default)]
    pub usage_peak: u64,
    #[serde(default)]
    pub total: u64,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct DiskState {
    #[serde(default)]
    pub usage: u64,
    #[serde(default)]
    pub total: u64,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct NetworkState {
    #[serde(default, deserialize_with = "atlas_core::decode::lenient_vec")]
    pub addresses: Vec<NetworkAddress>,
    #[serde(rename = "type", default)]
    pub kind: String,
    pub counters: Option<NetworkCounters>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct NetworkCounters {
    pub bytes_received: Option<u64>,
    pub bytes_sent: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct NetworkAddress {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub scope: String,
}

impl InstanceState {
    /// Bytes received and sent over every interface but loopback (`None`: no counters).
    pub fn net_io(&self) -> Option<u64> {
        let mut total = None;
        for (ifname, net) in self.network.iter().flatten() {
            if net.kind == "loopback" || ifname == "lo" {
                continue;
            }
            if let Some(c) = &net.counters {
                *total.get_or_insert(0u64) += c
                    .bytes_received
                    .unwrap_or(0)
                    .saturating_add(c.bytes_sent.unwrap_or(0));
            }
        }
        total
    }

    /// Global IPv4 addresses, loopback and link-local left out.
    pub fn ipv4(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (ifname, net) in self.network.iter().flatten() {
            if net.kind == "loopback" || ifname == "lo" {
                continue;
            }
            for a in &net.addresses {
                if a.family == "inet" && a.scope != "link" && a.scope != "local" {
                    out.push(a.address.clone());
                }
            }
        }
        out
    }

    /// Sum of disk usage over all devices that report it (`{}` on a dir pool).
    pub fn disk_usage(&self) -> Option<u64> {
        let disks = self.disk.as_ref()?;
        if disks.is_empty() {
            return None;
        }
        Some(disks.values().map(|d| d.usage).sum())
    }
}

/// An instance snapshot (`/1.0/instances/<n>/snapshots?recursion=1`).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct InstanceSnapshot {
    pub name: String,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub stateful: bool,
    #[serde(default)]
    pub size: i64,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    #[serde(default)]
    pub devices: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub profiles: Vec<String>,
}

/// A storage pool (`/1.0/storage-pools?recursion=1`).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct StoragePool {
    pub name: String,
    #[serde(default)]
    pub driver: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// `GET /1.0/storage-pools/<p>/resources`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct PoolResources {
    #[serde(default)]
    pub space: UsedTotal,
}

pub use atlas_core::inventory::UsedTotal;

/// A storage volume (custom volumes; with `recursion=1` their snapshots are listed as `vol/snap`).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct StorageVolume {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub content_type: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub used_by: Vec<String>,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// A volume snapshot (`.../volumes/custom/<v>/snapshots?recursion=1`).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct VolumeSnapshot {
    pub name: String,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// `GET /1.0/storage-pools/<p>/volumes/custom/<v>/state`; `usage` is `null` on dir pools.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct VolumeState {
    pub usage: Option<UsedTotal>,
}

/// `GET /1.0/cluster`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Cluster {
    #[serde(default)]
    pub server_name: String,
    #[serde(default)]
    pub enabled: bool,
}

/// `GET /1.0/cluster/members?recursion=1`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ClusterMember {
    pub server_name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub failure_domain: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// `GET /1.0/cluster/members/<m>/state`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ClusterMemberState {
    #[serde(default)]
    pub sysinfo: SysInfo,
    #[serde(default)]
    pub storage_pools: BTreeMap<String, PoolResources>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct SysInfo {
    #[serde(default)]
    pub uptime: i64,
    #[serde(default)]
    pub load_averages: Vec<f64>,
    #[serde(default)]
    pub total_ram: u64,
    #[serde(default)]
    pub free_ram: u64,
    #[serde(default)]
    pub processes: u64,
}

/// `GET /1.0/resources` (only the parts shown).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Resources {
    #[serde(default)]
    pub cpu: ResourcesCpu,
    #[serde(default)]
    pub memory: UsedTotal,
    #[serde(default)]
    pub load: Option<ResourcesLoad>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ResourcesCpu {
    #[serde(default)]
    pub total: u64,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ResourcesLoad {
    #[serde(rename = "Average1Min", default)]
    pub average_1min: f64,
    #[serde(rename = "Average5Min", default)]
    pub average_5min: f64,
    #[serde(rename = "Average10Min", default)]
    pub average_10min: f64,
}

/// An event from `/1.0/events`.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
    #[serde(default)]
    pub metadata: serde_json::Value,
}

/// The metadata of a `lifecycle` event.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct LifecycleEvent {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub source: String,
    pub requestor: Option<Requestor>,
}

/// Who asked for what a lifecycle event reports.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Requestor {
    pub username: Option<String>,
    pub protocol: Option<String>,
}

/// True for the zero time Incus uses for "never" (`0001-01-01T00:00:00Z`).
pub fn is_unset_time(t: &Option<DateTime<Utc>>) -> bool {
    match t {
        None => true,
        Some(t) => t.timestamp() <= 0,
    }
}
