//! What happens on a remote besides the console's own jobs: the operations (Incus) or tasks
//! (Proxmox VE) that any client runs there, and the daemon's warnings. Read at start and kept
//! current from the remote's events (Incus) or its task list (Proxmox VE).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An operation or task on a remote, by whoever started it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteOperation {
    /// The operation's id (Incus) or the task's UPID (Proxmox VE).
    pub id: String,
    pub project: String,
    /// `Creating instance`, `qmsnapshot 101`.
    pub description: String,
    /// `Running`, `Success`, `Failure`, `Cancelled`; a task's exit status.
    pub status: String,
    /// Still running.
    pub running: bool,
    /// `45%`, `unpack: 12MB (3MB/s)`, where the remote tells it.
    pub progress: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Who started it (`root@pam`, `alice via tls`), where the remote says.
    pub by: String,
    /// The remote takes a cancel.
    pub may_cancel: bool,
    /// The cluster member or node it runs on.
    pub location: String,
    /// What it acts on (`instances/grafana01`).
    pub objects: Vec<String>,
    pub error: String,
}

/// A warning the daemon raised (Incus's `/1.0/warnings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonWarning {
    pub id: String,
    /// `Offline cluster member`, `AppArmor support has been disabled`.
    pub kind: String,
    /// `new`, `acknowledged`, `resolved`.
    pub status: String,
    /// `low`, `moderate`, `high`.
    pub severity: String,
    /// The cluster member it is about (empty: the server).
    pub location: String,
    pub project: String,
    pub count: u64,
    pub message: String,
    pub last_seen: Option<DateTime<Utc>>,
    /// The object it is about, as an API path.
    pub entity: String,
}

impl DaemonWarning {
    /// New: neither acknowledged nor resolved.
    pub fn is_new(&self) -> bool {
        self.status.eq_ignore_ascii_case("new")
    }
}
