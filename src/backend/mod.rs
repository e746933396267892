//! Background work: one task per remote that loads lists (cheap calls first, details after),
//! follows `/1.0/events` on a task of its own, re-reads what events name through a coalescing
//! queue with retries, reconciles with the cheap list on an interval, refreshes usage of what runs
//! and reconnects with backoff. It reports through a channel of [`Update`]s and takes
//! [`Command`]s; it never touches the UI.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::incus::RemoteSpec;
use crate::incus::client::{IncusClient, Scope};
use crate::incus::types::{Instance, InstanceState, UsedTotal, VolumeSnapshot};
use crate::inventory::{HostRow, SnapshotRow, VolumeRow};

/// How parallel detail fetches may be.
const FETCH_CONCURRENCY: usize = 8;

/// A remote's connection state.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    Connecting,
    Online { version: String, clustered: bool },
    Offline { error: String },
}

/// What a worker reports.
#[derive(Debug, Clone)]
pub enum Update {
    /// A survey of the service definitions (the answer to survey number `seq`).
    Services {
        seq: u64,
        survey: Box<crate::services::survey::Survey>,
    },
    /// A definition read for the editor: its text and whether the file exists.
    DefinitionText {
        file: std::path::PathBuf,
        result: Result<(String, bool), String>,
    },
    /// An edited definition was saved, or why not.
    DefinitionSaved {
        file: std::path::PathBuf,
        text: String,
        result: Result<(), crate::services::survey::SaveFailure>,
    },
    Status {
        remote: String,
        state: ConnState,
    },
    Hosts {
        remote: String,
        hosts: Vec<HostRow>,
    },
    /// The projects the remote has.
    Projects {
        remote: String,
        projects: Vec<String>,
    },
    /// A whole instance list; `with_state` when it came with state and snapshots (recursion=2).
    Instances {
        remote: String,
        instances: Vec<Instance>,
        with_state: bool,
    },
    /// CPU and memory of running instances (the periodic usage refresh, from `/1.0/metrics`).
    Usage {
        remote: String,
        samples: Vec<crate::incus::metrics::UsageSample>,
    },
    /// The state (usage, addresses) of running instances (read now and then, and where the
    /// metrics cannot be read).
    InstanceStates {
        remote: String,
        states: Vec<StateSample>,
    },
    Instance {
        remote: String,
        instance: Box<Instance>,
    },
    InstanceGone {
        remote: String,
        project: String,
        name: String,
    },
    Volumes {
        remote: String,
        volumes: Vec<VolumeRow>,
        snapshots: Vec<SnapshotRow>,
    },
    VolumeSnapshots {
        remote: String,
        pool: String,
        project: String,
        volume: String,
        snapshots: Vec<VolumeSnapshot>,
    },
    VolumeUsage {
        remote: String,
        pool: String,
        project: String,
        volume: String,
        usage: UsedTotal,
    },
    ConsoleLog {
        remote: String,
        project: String,
        name: String,
        result: Result<String, String>,
    },
    /// What an alert source answered (alerts and silences), or why it did not.
    AlertSource {
        source: String,
        result: Result<crate::alerts::model::SourceData, String>,
    },
    /// A silence write finished: the silence id, or the error.
    SilenceWrite {
        source: String,
        what: String,
        result: Result<String, String>,
    },
    /// List items that could not be decoded were left out (`origin`: a remote or alert source).
    Skipped {
        origin: String,
        items: Vec<crate::decode::Skipped>,
    },
    /// A lifecycle event was seen (for the status line).
    Event {
        remote: String,
        summary: String,
    },
    /// Progress or output of a running job.
    Job {
        id: crate::jobs::JobId,
        event: crate::jobs::JobEvent,
    },
    /// A job ended.
    JobFinished {
        id: crate::jobs::JobId,
        outcome: crate::jobs::Outcome,
        at: chrono::DateTime<chrono::Utc>,
    },
    /// A line was added to the incident journal.
    Journal(crate::journal::Entry),
}

/// What a worker can be asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Reload everything (and retry now if offline).
    Refresh,
    /// Change which projects are listed.
    SetScope(Scope),
    /// Fetch an instance's console log.
    ConsoleLog { project: String, name: String },
    /// Read these instances (project, name) again, and reconcile the rest (after a job of the
    /// console's own: events cover most changes, not all).
    Reread(Vec<(String, String)>),
}

/// The state of one instance, as its `/state` answered.
#[derive(Debug, Clone)]
pub struct StateSample {
    pub project: String,
    pub name: String,
    pub state: InstanceState,
}

/// Timing of a worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// How often usage of running instances (`/1.0/metrics`) and the hosts are read.
    pub usage_every: Duration,
    /// How often the `/state` of running instances (addresses) is read.
    pub addresses_every: Duration,
    /// How often the cheap list is compared with what is shown.
    pub reconcile_every: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            usage_every: Duration::from_secs(15),
            addresses_every: Duration::from_secs(120),
            reconcile_every: Duration::from_secs(30),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// Starts a worker for one remote; dropping the returned sender stops it.
pub fn spawn_remote(
    spec: RemoteSpec,
    scope: Scope,
    cfg: WorkerConfig,
    tx: mpsc::UnboundedSender<Update>,
) -> mpsc::UnboundedSender<Command> {
    let (ctx, crx) = mpsc::unbounded_channel();
    tokio::spawn(run(spec, scope, cfg, tx, crx));
    ctx
}

mod load;
mod queue;
mod session;

pub use load::{load_hosts, load_volumes, states_of};
pub use queue::{Done, Fetch, Queue};

enum End {
    Quit,
    Rescope,
}

async fn run(
    spec: RemoteSpec,
    mut scope: Scope,
    cfg: WorkerConfig,
    tx: mpsc::UnboundedSender<Update>,
    mut cmds: mpsc::UnboundedReceiver<Command>,
) {
    let remote = spec.name.clone();
    let status = |state: ConnState| Update::Status {
        remote: remote.clone(),
        state,
    };
    let mut backoff = cfg.backoff_min;
    loop {
        let _ = tx.send(status(ConnState::Connecting));
        let result = match IncusClient::new(&spec) {
            Ok(client) => {
                session::session(&client, &mut scope, &cfg, &tx, &mut cmds, &mut backoff).await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(End::Quit) => return,
            Ok(End::Rescope) => continue,
            Err(e) => {
                tracing::warn!(remote = %remote, error = %e, "remote offline");
                let _ = tx.send(status(ConnState::Offline {
                    error: e.to_string(),
                }));
            }
        }
        // Wait before reconnecting; a refresh retries at once.
        let sleep = tokio::time::sleep(backoff);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => break,
                cmd = cmds.recv() => match cmd {
                    None => return,
                    Some(Command::Refresh) => { backoff = cfg.backoff_min; break; }
                    Some(Command::SetScope(s)) => scope = s,
                    Some(Command::Reread(_)) => {}
                    Some(Command::ConsoleLog { project, name }) => {
                        let _ = tx.send(Update::ConsoleLog {
                            remote: remote.clone(), project, name,
                            result: Err(format!("{remote} is offline")),
                        });
                    }
                }
            }
        }
        backoff = (backoff * 2).min(cfg.backoff_max);
    }
}
