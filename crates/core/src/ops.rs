//! The operations a console asks of a provider, in neutral terms: what they act on, how far they
//! are and how they ended. Each provider runs them its own way (and names its CLI lines).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

/// A job's number, unique within the state dir's history.
pub type JobId = u64;

/// The object a job acts on: an instance, a custom volume when `pool` is set, or a cluster
/// member when `host` is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    pub remote: String,
    pub project: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    pub name: String,
    /// The provider's own id of the object, filled in when a job starts (a Proxmox VE VMID);
    /// its CLI lines name the object by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A host (a cluster member) named `name`; its project is empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host: bool,
}

impl Target {
    /// An instance.
    pub fn instance(remote: &str, project: &str, name: &str) -> Self {
        Target {
            remote: remote.into(),
            project: project.into(),
            pool: None,
            name: name.into(),
            id: None,
            host: false,
        }
    }

    /// A host: a cluster member (or a standalone server).
    pub fn host(remote: &str, name: &str) -> Self {
        Target {
            host: true,
            ..Target::instance(remote, "", name)
        }
    }

    /// A custom volume.
    pub fn volume(remote: &str, project: &str, pool: &str, name: &str) -> Self {
        Target {
            remote: remote.into(),
            project: project.into(),
            pool: Some(pool.into()),
            name: name.into(),
            id: None,
            host: false,
        }
    }

    pub fn is_volume(&self) -> bool {
        self.pool.is_some()
    }

    /// The inventory object it is.
    pub fn object(&self) -> crate::inventory::ObjectKey {
        use crate::inventory::ObjectKey;
        if self.host {
            return ObjectKey::Host {
                remote: self.remote.clone(),
                name: self.name.clone(),
            };
        }
        match &self.pool {
            None => ObjectKey::Instance {
                remote: self.remote.clone(),
                project: self.project.clone(),
                name: self.name.clone(),
            },
            Some(p) => ObjectKey::Volume {
                remote: self.remote.clone(),
                project: self.project.clone(),
                pool: p.clone(),
                name: self.name.clone(),
            },
        }
    }

    /// The key of the object's row (instances: remote/project/name; volumes:
    /// remote/project/pool/name).
    pub fn row_key(&self) -> String {
        if self.host {
            return self.object().key();
        }
        match &self.pool {
            None => format!("{}/{}/{}", self.remote, self.project, self.name),
            Some(p) => format!("{}/{}/{}/{}", self.remote, self.project, p, self.name),
        }
    }

    /// For people: `local:grafana01`, `local:default/grafana01-data` (volume), with the project
    /// when it is not `default`.
    pub fn label(&self) -> String {
        if self.host {
            return format!("{}:{}", self.remote, self.name);
        }
        let proj = if self.project == "default" || self.project.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.project)
        };
        match &self.pool {
            None => format!("{}:{}{proj}", self.remote, self.name),
            Some(p) => format!("{}:{p}/{}{proj}", self.remote, self.name),
        }
    }
}

/// A snapshot taken before a restore so the restore can be undone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Safety {
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An instance power action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PowerAction {
    Start,
    Stop,
    Restart,
    Freeze,
    Unfreeze,
}

impl PowerAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PowerAction::Start => "start",
            PowerAction::Stop => "stop",
            PowerAction::Restart => "restart",
            PowerAction::Freeze => "freeze",
            PowerAction::Unfreeze => "unfreeze",
        }
    }
}

/// Options of a backup.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BackupOptions {
    /// Leave snapshots out.
    #[serde(default)]
    pub only: bool,
    /// The pool's own format (faster, restorable only on the same pool driver).
    #[serde(default)]
    pub optimized: bool,
    /// `gzip`, `none`, `zstd`, ... (empty: the server's default).
    #[serde(default)]
    pub compression: String,
}

/// How far a job is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// What it is doing now (`creating backup: 12.3MB (4.5MB/s)`, `downloading`).
    pub stage: String,
    pub percent: Option<f64>,
    /// Bytes moved so far and in all, for transfers.
    pub done: Option<u64>,
    pub total: Option<u64>,
    /// Bytes per second.
    pub rate: Option<f64>,
}

/// What a running job reports.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    Progress(Progress),
    /// A line of output (each step, warnings).
    Log(String),
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    Done(String),
    Failed(String),
    Cancelled(String),
    /// The console stopped following it (it quit, or its session ended) with the operation
    /// left to run on the server: what became of it is not known here.
    Abandoned(String),
    /// The link was lost while it ran and its result could not be learned afterwards: never
    /// called done or failed by guess.
    Unknown(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Done(_) => "done",
            Outcome::Failed(_) => "failed",
            Outcome::Cancelled(_) => "cancelled",
            Outcome::Abandoned(_) => "abandoned",
            Outcome::Unknown(_) => "unknown",
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            Outcome::Done(s)
            | Outcome::Failed(s)
            | Outcome::Cancelled(s)
            | Outcome::Abandoned(s)
            | Outcome::Unknown(s) => s,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(_))
    }
}

// ----- running a job ------------------------------------------------------------------------

/// Where a job reports to.
#[derive(Clone)]
pub struct Reporter {
    tx: mpsc::UnboundedSender<JobEvent>,
}

impl Reporter {
    pub fn new(tx: mpsc::UnboundedSender<JobEvent>) -> Self {
        Self { tx }
    }

    pub fn log(&self, line: impl Into<String>) {
        let _ = self.tx.send(JobEvent::Log(line.into()));
    }

    pub fn progress(&self, p: Progress) {
        let _ = self.tx.send(JobEvent::Progress(p));
    }

    pub fn stage(&self, stage: impl Into<String>) {
        self.progress(Progress {
            stage: stage.into(),
            ..Default::default()
        });
    }
}

/// A cancel request, shared with whoever may cancel the job.
pub type CancelRx = watch::Receiver<bool>;

/// Why a step of a job stopped.
pub enum Stop {
    Failed(String),
    Cancelled(String),
    /// The link was lost and what happened on the server could not be learned.
    Unknown(String),
}

pub fn requested(cancel: &CancelRx) -> bool {
    *cancel.borrow()
}

pub async fn cancelled(cancel: &mut CancelRx) {
    loop {
        if *cancel.borrow_and_update() {
            return;
        }
        if cancel.changed().await.is_err() {
            // Nobody can cancel any more.
            std::future::pending::<()>().await;
        }
    }
}

/// How a job ended, from its steps' result.
pub fn outcome(r: Result<String, Stop>) -> Outcome {
    match r {
        Ok(s) => Outcome::Done(s),
        Err(Stop::Failed(e)) => Outcome::Failed(e),
        Err(Stop::Cancelled(e)) => Outcome::Cancelled(e),
        Err(Stop::Unknown(e)) => Outcome::Unknown(e),
    }
}
