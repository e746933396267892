//! The seam between the console and an inventory backend (Incus today; Proxmox VE next).
//!
//! A provider follows one remote: it lists and watches a [`Scope`] and reports [`Event`]s through
//! a [`Sink`]; it takes [`Command`]s. It runs jobs and plans services through an [`Operator`],
//! and declares what it can do in its [`Capabilities`]. Everything it reports is neutral (see
//! [`crate::inventory`]); its wire types stay inside it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::jobs::JobSpec;
use crate::ops::{CancelRx, Outcome, Reporter, Target};
use crate::services::definition::Definition;
use crate::services::plan::Step;
use crate::services::template::Rendered;

use crate::inventory::{
    HostRow, Instance, InstanceSnapshot, InstanceState, SnapshotRow, SnapshotTimes, UsageSample,
    UsedTotal, VolumeRow,
};

/// Which projects (or pools/namespaces) a listing covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// Every project.
    #[default]
    All,
    /// One project.
    Project(String),
}

impl Scope {
    /// A label for the status line.
    pub fn label(&self) -> String {
        match self {
            Scope::All => "all projects".into(),
            Scope::Project(p) => format!("project {p}"),
        }
    }
}

/// A remote's connection state.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    Connecting,
    /// `via`: the address in use when it is not the configured one (failed over to another
    /// cluster member's).
    Online {
        version: String,
        clustered: bool,
        via: Option<String>,
    },
    Offline {
        error: String,
    },
}

/// The state of one instance, as the provider read it.
#[derive(Debug, Clone)]
pub struct StateSample {
    pub project: String,
    pub name: String,
    pub state: InstanceState,
}

/// What a provider reports about its remote.
#[derive(Debug, Clone)]
pub enum Event {
    Status {
        remote: String,
        state: ConnState,
    },
    /// The link proved alive just now (an answer, an event, a pong), and will be heard from
    /// again `within` this while it stays alive: past it, what the remote reported is stale
    /// (see [`crate::liveness`]).
    Alive {
        remote: String,
        within: std::time::Duration,
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
    /// A whole instance list; `with_state` when it came with state and snapshots.
    Instances {
        remote: String,
        instances: Vec<Instance>,
        with_state: bool,
    },
    /// CPU and memory of running instances (the periodic usage refresh).
    Usage {
        remote: String,
        samples: Vec<UsageSample>,
    },
    /// The state (usage, addresses) of running instances.
    InstanceStates {
        remote: String,
        states: Vec<StateSample>,
    },
    Instance {
        remote: String,
        instance: Box<Instance>,
    },
    /// The snapshots of instances of one project (name, snapshots): read on their own, for
    /// stopped instances, whose state the list already tells.
    InstanceSnapshots {
        remote: String,
        project: String,
        snapshots: Vec<(String, Vec<InstanceSnapshot>)>,
    },
    /// Every instance listed has had its details (state, snapshots) read since the list:
    /// the end of a detail pass.
    DetailsComplete {
        remote: String,
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
    /// What a volume's own snapshot list knows (expiry).
    VolumeSnapshots {
        remote: String,
        pool: String,
        project: String,
        volume: String,
        snapshots: Vec<SnapshotTimes>,
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
        result: Result<String, ProviderError>,
    },
    /// Every backup archive the remote holds (a provider with backups in storage).
    Backups {
        remote: String,
        backups: Vec<crate::inventory::BackupRow>,
    },
    /// Every operation (task) the remote runs or ran lately, by any client.
    Operations {
        remote: String,
        operations: Vec<crate::activity::RemoteOperation>,
    },
    /// One operation started, moved on or ended (from the remote's events).
    OperationChanged {
        remote: String,
        operation: crate::activity::RemoteOperation,
    },
    /// The daemon's warnings.
    Warnings {
        remote: String,
        warnings: Vec<crate::activity::DaemonWarning>,
    },
    /// A write of the console's on the remote's activity (a cancel, an acknowledgement) failed.
    ActivityWriteFailed {
        remote: String,
        what: String,
        error: ProviderError,
    },
    /// List items that could not be decoded were left out.
    Skipped {
        origin: String,
        items: Vec<crate::decode::Skipped>,
    },
    /// An instance's usage over a window, from the provider's own history (Proxmox VE's
    /// `rrddata`); asked for with [`Command::UsageHistory`].
    UsageHistory {
        remote: String,
        project: String,
        name: String,
        window: crate::trend::Window,
        result: Result<crate::trend::Series, ProviderError>,
    },
    /// A lifecycle event (Incus) or a task that ended (Proxmox VE): for the status line and
    /// the timeline.
    Event {
        remote: String,
        /// `instance-started grafana01`.
        summary: String,
        /// `instance-started`, `qmsnapshot OK`.
        action: String,
        /// What it is about, when the console shows it as a row.
        object: Option<crate::inventory::ObjectKey>,
        /// When it happened (as the remote says).
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// Who did it, where the remote says (`root via unix`).
        by: String,
    },
}

/// An operation a provider may support on its objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Start, stop, restart.
    Power,
    /// Freeze and unfreeze (pause and resume).
    Freeze,
    /// A shell in the instance.
    Shell,
    /// The console log.
    ConsoleLog,
    /// Snapshots of instances.
    InstanceSnapshots,
    /// Snapshots of volumes.
    VolumeSnapshots,
    /// Restoring a snapshot (and deleting one).
    Restore,
    /// Backups: to a file (Incus) or to one of the remote's storages (`StorageBackup`).
    Backup,
    /// Imports from a backup file.
    Import,
    /// Backups go to one of the remote's storages and are restored from there (vzdump).
    StorageBackup,
    /// Service definitions applied to instances (cloud-init).
    Services,
    /// Snapshots that expire on their own.
    SnapshotExpiry,
    /// Usage over time kept by the provider itself (Proxmox VE's `rrddata`).
    UsageHistory,
    /// Cluster members evacuated and restored, instances moved between them.
    Cluster,
}

/// What a provider can do: the console offers only these on its remotes.
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    /// The provider's name for messages (`Incus`, `Proxmox VE`).
    pub provider: &'static str,
    pub operations: &'static [Operation],
    /// The provider's equivalent CLI lines of a job (for its log, the journal and the views).
    pub cli: fn(&JobSpec) -> Vec<String>,
    /// Its objects live in projects (Incus: an empty one is `default`); otherwise a project is
    /// a pool an object may be in, and none is shown as nothing.
    pub projects: bool,
}

/// Every operation the console knows.
pub const ALL_OPERATIONS: &[Operation] = &[
    Operation::Power,
    Operation::Freeze,
    Operation::Shell,
    Operation::ConsoleLog,
    Operation::InstanceSnapshots,
    Operation::VolumeSnapshots,
    Operation::Restore,
    Operation::Backup,
    Operation::Import,
    Operation::Services,
    Operation::SnapshotExpiry,
    Operation::UsageHistory,
    Operation::Cluster,
];

/// No CLI lines (a provider without a CLI of its own).
fn no_cli(_: &JobSpec) -> Vec<String> {
    vec![]
}

impl Capabilities {
    /// A provider that supports everything (and names no CLI lines).
    pub const fn all(provider: &'static str) -> Self {
        Capabilities {
            provider,
            operations: ALL_OPERATIONS,
            cli: no_cli,
            projects: true,
        }
    }

    pub fn supports(&self, op: Operation) -> bool {
        self.operations.contains(&op)
    }

    /// The equivalent command lines of a job: a configured command's own, or the provider's.
    pub fn cli(&self, job: &JobSpec) -> Vec<String> {
        match job.command_line() {
            Some(line) => vec![line],
            None => (self.cli)(job),
        }
    }
}

/// Why a provider could not do what it was asked. The text is for people: the console and the
/// headless commands show it as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No remote of that name is configured.
    #[error("no remote named {0:?} (see `atlas-tui info`)")]
    UnknownRemote(String),
    /// The remote's client could not be set up (certificates, address).
    #[error("{0}")]
    Setup(String),
    /// The server answered with an error, or did not answer.
    #[error("{0}")]
    Server(String),
    /// What the operation needs is missing or differs (a pool, an image, a profile, a type).
    #[error("{0}")]
    Precondition(String),
    /// The provider cannot do this at all (a console log over Proxmox VE's API).
    #[error("{0}")]
    Unsupported(&'static str),
}

/// A boxed future, for the [`Operator`] trait's methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a provider does on one remote besides listing and watching it: run a job's steps and
/// plan service definitions. One is made per remote (`backend::operator`); the loop and the
/// headless commands use it without knowing which provider it is.
pub trait Operator: Send + Sync {
    /// The provider's capabilities (and its CLI lines).
    fn capabilities(&self) -> &'static Capabilities;

    /// The job as it will run: the provider's own ids filled in (a Proxmox VE VMID for a guest
    /// named by name), so its CLI lines and journal name the object as the provider does. The
    /// job is refused when its object cannot be found.
    fn prepare<'a>(&'a self, job: &'a JobSpec) -> BoxFuture<'a, Result<JobSpec, ProviderError>> {
        Box::pin(async move { Ok(job.clone()) })
    }

    /// Runs a job's steps to their end, reporting progress and log lines; a cancel request
    /// stops it where the provider can. Configured commands are not a provider's to run.
    fn run<'a>(
        &'a self,
        job: &'a JobSpec,
        rep: &'a Reporter,
        cancel: CancelRx,
    ) -> BoxFuture<'a, Outcome>;

    /// The steps that make the remote match a parsed definition (cloud-init rendered), or why
    /// it cannot be planned.
    fn plan_steps<'a>(
        &'a self,
        def: &'a Definition,
        rendered: Option<&'a Rendered>,
    ) -> BoxFuture<'a, Result<Vec<Step>, ProviderError>>;

    /// The cloud-init user-data an instance has now (`None`: no instance or no user-data).
    fn user_data<'a>(&'a self, project: &'a str, name: &'a str) -> BoxFuture<'a, Option<String>>;

    /// One listing of a scope, instances with their state (for the headless commands).
    fn list<'a>(&'a self, scope: &'a Scope) -> BoxFuture<'a, Result<Listing, ProviderError>>;

    /// What restoring `snapshot` of `target` involves: whether the snapshot exists, and the
    /// instances using a volume with whether each is running.
    fn restore_facts<'a>(
        &'a self,
        target: &'a Target,
        snapshot: &'a str,
    ) -> BoxFuture<'a, Result<RestoreFacts, ProviderError>>;
}

/// A remote's inventory read once.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub hosts: Vec<HostRow>,
    pub instances: Vec<Instance>,
    pub volumes: Vec<VolumeRow>,
}

/// What a restore involves (see [`Operator::restore_facts`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestoreFacts {
    pub snapshot_exists: bool,
    /// Instances using the volume: (name, running).
    pub users: Vec<(String, bool)>,
}

/// Where a provider reports its events.
pub type Sink = Arc<dyn Fn(Event) + Send + Sync>;

/// Waits `backoff` before a provider tries `remote` again, answering commands meanwhile: a
/// console log is refused (the remote is offline), a new scope or whether volumes are shown
/// goes to `keep` (the worker's settings, for when it is back). Gives
/// `Some(true)` when a refresh asked to retry at once, `Some(false)` when the wait ran out, and
/// `None` when nobody sends commands any more (the worker ends).
pub async fn wait_offline(
    remote: &str,
    backoff: std::time::Duration,
    cmds: &mut tokio::sync::mpsc::UnboundedReceiver<Command>,
    sink: &Sink,
    mut keep: impl FnMut(Command),
) -> Option<bool> {
    let sleep = tokio::time::sleep(backoff);
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => return Some(false),
            cmd = cmds.recv() => match cmd {
                None => return None,
                Some(Command::Refresh) => return Some(true),
                Some(cmd @ (Command::SetScope(_) | Command::ShowVolumes(_))) => keep(cmd),
                Some(Command::Reread(_) | Command::Details(_)) => {}
                Some(Command::CancelOperation(what) | Command::AcknowledgeWarning(what)) => {
                    sink(Event::ActivityWriteFailed {
                        remote: remote.to_string(),
                        what,
                        error: ProviderError::Server(format!("{remote} is offline")),
                    })
                }
                Some(Command::ConsoleLog { project, name }) => sink(Event::ConsoleLog {
                    remote: remote.to_string(),
                    project,
                    name,
                    result: Err(ProviderError::Server(format!("{remote} is offline"))),
                }),
                Some(Command::UsageHistory { project, name, window }) => {
                    sink(Event::UsageHistory {
                        remote: remote.to_string(),
                        project,
                        name,
                        window,
                        result: Err(ProviderError::Server(format!("{remote} is offline"))),
                    })
                }
            }
        }
    }
}

/// What a provider can be asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Reload everything (and retry now if offline).
    Refresh,
    /// Change which projects are listed.
    SetScope(Scope),
    /// Fetch an instance's console log.
    ConsoleLog { project: String, name: String },
    /// Read an instance's usage over a window (a provider with [`Operation::UsageHistory`]).
    UsageHistory {
        project: String,
        name: String,
        window: crate::trend::Window,
    },
    /// Whether the console shows volumes now (their pane, the snapshots pane, the grid). A
    /// remote whose volume listing costs the server much — Incus works out each volume's users
    /// over every instance — reads it only while they are shown; shown again, it reads what
    /// changed while hidden.
    ShowVolumes(bool),
    /// Read these instances' details (project, name) first: what the operator has selected
    /// before the detail pass reaches it (a big fleet's stopped instances are not read whole).
    Details(Vec<(String, String)>),
    /// Read these instances (project, name) again, and reconcile the rest (after a job of the
    /// console's own: events cover most changes, not all).
    Reread(Vec<(String, String)>),
    /// Cancel an operation (any client's) where the remote allows it.
    CancelOperation(String),
    /// Acknowledge a daemon warning.
    AcknowledgeWarning(String),
}
