//! PVE's answers as the console reads them. PVE writes numbers as strings and flags as `0`/`1`
//! in places, and a simulator or an older node leaves fields out or puts placeholders in them:
//! every field is optional and read leniently, and lists are decoded item by item
//! (`atlas_core::decode::list`), so one odd item never fails a list.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(opt_f64(d)?.filter(|v| *v >= 0.0).map(|v| v as u64))
}

/// `1`, `"1"`, `true` are set; anything else is not.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(n) => n.as_f64().is_some_and(|v| v != 0.0),
        Value::String(s) => matches!(s.trim(), "1" | "true" | "yes" | "on"),
        _ => false,
    })
}

/// An item of `/cluster/resources`: a node, a guest (`qemu`, `lxc`) or a storage on a node.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Resource {
    /// `node/pve1`, `qemu/100`, `lxc/300`, `storage/pve1/local-lvm`.
    #[serde(default)]
    pub id: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    pub node: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub vmid: Option<u64>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub template: bool,
    #[serde(default, deserialize_with = "opt_f64")]
    pub cpu: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub maxcpu: Option<f64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub mem: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub maxmem: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub disk: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub maxdisk: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub uptime: Option<u64>,
    /// Bytes read and written, received and sent since the guest started.
    #[serde(default, deserialize_with = "opt_u64")]
    pub diskread: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub diskwrite: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub netin: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub netout: Option<u64>,
    /// `k8s;gpu`.
    pub tags: Option<String>,
    /// `backup`, `snapshot`, `migrate`, `suspended`, ...
    pub lock: Option<String>,
    pub hastate: Option<String>,
    pub pool: Option<String>,
    pub storage: Option<String>,
    pub content: Option<String>,
    pub plugintype: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub shared: bool,
}

/// An item of `/cluster/status`: the cluster (quorum) or a node (online).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClusterStatus {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "flag")]
    pub quorate: bool,
    #[serde(default, deserialize_with = "flag")]
    pub online: bool,
    pub ip: Option<String>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub nodes: Option<u64>,
}

/// An item of `/nodes/{n}/storage`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Storage {
    #[serde(default)]
    pub storage: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    /// `images,rootdir`, `backup`, ...
    #[serde(default)]
    pub content: String,
    #[serde(default, deserialize_with = "opt_u64")]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub used: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub avail: Option<u64>,
    #[serde(default, deserialize_with = "flag")]
    pub shared: bool,
    #[serde(default, deserialize_with = "flag")]
    pub active: bool,
}

/// An item of `/nodes/{n}/storage/{s}/content`: a guest disk, a backup archive, an ISO, ...
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Content {
    #[serde(default)]
    pub volid: String,
    #[serde(default)]
    pub content: String,
    pub format: Option<String>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub size: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub used: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub ctime: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub vmid: Option<u64>,
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub protected: bool,
}

/// An item of `…/{qemu|lxc}/{vmid}/snapshot` (`current` is PVE's "you are here" entry).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Snapshot {
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_u64")]
    pub snaptime: Option<u64>,
    pub description: Option<String>,
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub vmstate: bool,
}

/// `/nodes/{n}/tasks/{upid}/status`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskStatus {
    /// `running` or `stopped`.
    #[serde(default)]
    pub status: String,
    /// `OK`, or the error (`WARNINGS: 1` counts as done).
    pub exitstatus: Option<String>,
}

impl TaskStatus {
    pub fn running(&self) -> bool {
        self.status == "running"
    }
}

/// A line of `/nodes/{n}/tasks/{upid}/log`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogLine {
    #[serde(default, deserialize_with = "opt_u64")]
    pub n: Option<u64>,
    #[serde(default)]
    pub t: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_as_strings_and_flags_as_numbers_are_read() {
        let r: Resource = serde_json::from_value(json!({
            "id": "qemu/100", "type": "qemu", "vmid": "100", "template": 0, "maxmem": "1024",
            "cpu": "0.5", "shared": "1", "uptime": null
        }))
        .unwrap();
        assert_eq!(r.vmid, Some(100));
        assert_eq!(r.maxmem, Some(1024));
        assert_eq!(r.cpu, Some(0.5));
        assert!(!r.template && r.shared);
        assert_eq!(r.uptime, None);
    }

    #[test]
    fn placeholders_do_not_fail_an_item() {
        // fakepve's node status has `loadavg: ["fake"]` and zero memory; a storage without
        // totals is still a storage.
        let s: Storage =
            serde_json::from_value(json!({"storage": "nfs", "total": "fake"})).unwrap();
        assert_eq!(s.total, None);
        let (items, skipped) = atlas_core::decode::list::<Content>(
            "/content",
            json!([{"volid": "a", "size": 1}, 42, {"volid": "b", "ctime": "x"}]),
        )
        .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(skipped.len(), 1);
    }
}
