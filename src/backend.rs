//! What reaches the console from its background work: inventory from the providers (one worker
//! per remote, see [`atlas_incus::provider`]), alert sources, service surveys, jobs and the
//! journal, all as [`Update`]s on one channel.

use tokio::sync::mpsc;

pub use atlas_core::provider::{
    Capabilities, Command, ConnState, Event as InventoryEvent, Operation, Scope, StateSample,
};
pub use atlas_core::provider::{Listing, Operator, ProviderError, RestoreFacts};
pub use atlas_incus::provider::WorkerConfig;

/// A remote to connect to: its name, whether it is production, and its provider's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSpec {
    pub name: String,
    pub production: bool,
    /// No job runs on it (`readonly = true` in its `[[remotes]]`).
    pub readonly: bool,
    pub provider: ProviderSpec,
}

/// Which provider serves a remote, with its own settings.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderSpec {
    Incus(atlas_incus::RemoteSpec),
    Pve(atlas_pve::PveSpec),
}

impl RemoteSpec {
    pub fn incus(spec: atlas_incus::RemoteSpec) -> Self {
        RemoteSpec {
            name: spec.name.clone(),
            production: spec.production,
            readonly: false,
            provider: ProviderSpec::Incus(spec),
        }
    }

    pub fn pve(spec: atlas_pve::PveSpec) -> Self {
        RemoteSpec {
            name: spec.name.clone(),
            production: spec.production,
            readonly: false,
            provider: ProviderSpec::Pve(spec),
        }
    }

    /// Where it is, for people: `unix:/var/lib/incus/unix.socket`, `https://pve:8006 (Proxmox VE)`.
    pub fn describe(&self) -> String {
        match &self.provider {
            ProviderSpec::Incus(s) => s.endpoint.describe(),
            ProviderSpec::Pve(s) => format!("{} (Proxmox VE)", s.url),
        }
    }
}

/// Timing of the providers' workers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    pub incus: WorkerConfig,
    pub pve: atlas_pve::provider::WorkerConfig,
}

/// What the console's background work reports.
#[derive(Debug, Clone)]
pub enum Update {
    /// What a provider reported about its remote.
    Inventory(InventoryEvent),
    /// A survey of the service definitions (the answer to survey number `seq`).
    Services {
        seq: u64,
        survey: Box<crate::survey::Survey>,
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
        result: Result<(), crate::survey::SaveFailure>,
    },
    /// What an alert source answered (alerts and silences), or why it did not.
    AlertSource {
        source: String,
        result: Result<crate::alerts::model::SourceData, String>,
    },
    /// An alert source answered just now and will be polled again `within` this.
    SourceAlive {
        source: String,
        within: std::time::Duration,
    },
    /// A silence write finished: the silence id, or the error.
    SilenceWrite {
        source: String,
        what: String,
        cmd: atlas_alerts::worker::SourceCmd,
        result: Result<String, String>,
    },
    /// Alerts or silences that could not be decoded were left out (`origin`: the source).
    Skipped {
        origin: String,
        items: Vec<crate::decode::Skipped>,
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
    Journal(crate::jobs::journal::Entry),
    /// A file written for the user (`Effect::WriteFile`), or why not.
    Written {
        what: String,
        path: std::path::PathBuf,
        result: Result<(), String>,
    },
    /// When an alert fired over the last day, from one Prometheus.
    AlertHistory {
        source: String,
        fingerprint: String,
        result: Result<crate::alerts::history::History, String>,
    },
    /// An instance's usage over a window, read from a Prometheus (`source`) or the remote's
    /// own history; `key` is its row.
    UsageHistory {
        key: String,
        source: String,
        window: crate::trend::Window,
        result: Result<crate::trend::Series, String>,
    },
    /// What looking for an alert's runbook found.
    Runbook {
        fingerprint: String,
        found: crate::alerts::runbooks::Found,
    },
}

/// Starts the worker of one source, its reports sent on `tx`; dropping the returned sender
/// stops it.
pub fn spawn_source(
    spec: atlas_alerts::SourceSpec,
    kind: atlas_core::alerts::model::SourceKind,
    cfg: atlas_alerts::worker::PollConfig,
    tx: mpsc::UnboundedSender<Update>,
) -> mpsc::UnboundedSender<atlas_alerts::worker::SourceCmd> {
    let sink = std::sync::Arc::new(move |e: atlas_alerts::worker::SourceEvent| {
        let _ = tx.send(match e {
            atlas_alerts::worker::SourceEvent::Polled { source, result } => Update::AlertSource {
                source,
                result: result.map_err(|e| e.to_string()),
            },
            atlas_alerts::worker::SourceEvent::Alive { source, within } => {
                Update::SourceAlive { source, within }
            }
            atlas_alerts::worker::SourceEvent::Written {
                source,
                what,
                cmd,
                result,
            } => Update::SilenceWrite {
                source,
                what,
                cmd,
                result: result.map_err(|e| e.to_string()),
            },
            atlas_alerts::worker::SourceEvent::History {
                source,
                fingerprint,
                result,
            } => Update::AlertHistory {
                source,
                fingerprint,
                result: result.map_err(|e| e.to_string()),
            },
            atlas_alerts::worker::SourceEvent::Usage {
                source,
                key,
                window,
                result,
            } => Update::UsageHistory {
                key,
                source,
                window,
                result: result.map_err(|e| e.to_string()),
            },
            atlas_alerts::worker::SourceEvent::Skipped { source, items } => Update::Skipped {
                origin: source,
                items,
            },
        });
    });
    atlas_alerts::worker::spawn_source(spec, kind, cfg, sink)
}

/// Starts the provider's worker for one remote, its events sent on `tx`; dropping the returned
/// sender stops it.
pub fn spawn_remote(
    spec: RemoteSpec,
    scope: Scope,
    timing: Timing,
    tx: mpsc::UnboundedSender<Update>,
) -> mpsc::UnboundedSender<Command> {
    let sink = std::sync::Arc::new(move |e: InventoryEvent| {
        let _ = tx.send(Update::Inventory(e));
    });
    match spec.provider {
        ProviderSpec::Incus(s) => atlas_incus::provider::spawn_remote(s, scope, timing.incus, sink),
        ProviderSpec::Pve(s) => atlas_pve::provider::spawn_remote(s, timing.pve, sink),
    }
}

/// What the provider of a remote can do.
pub fn capabilities(spec: &RemoteSpec) -> Capabilities {
    match spec.provider {
        ProviderSpec::Incus(_) => atlas_incus::provider::CAPABILITIES,
        ProviderSpec::Pve(_) => atlas_pve::provider::CAPABILITIES,
    }
}

/// The operator (jobs, plans, one-off listings) of a remote.
pub fn operator(spec: &RemoteSpec) -> Result<std::sync::Arc<dyn Operator>, ProviderError> {
    let setup = |e: &dyn std::fmt::Display| ProviderError::Setup(e.to_string());
    Ok(match &spec.provider {
        ProviderSpec::Incus(s) => {
            std::sync::Arc::new(atlas_incus::IncusOperator::new(s).map_err(|e| setup(&e))?)
        }
        ProviderSpec::Pve(s) => {
            std::sync::Arc::new(atlas_pve::PveOperator::new(s).map_err(|e| setup(&e))?)
        }
    })
}

/// The operator of the remote named `name` among `specs`, or why there is none.
pub fn operator_for(
    specs: &[RemoteSpec],
    name: &str,
) -> Result<std::sync::Arc<dyn Operator>, ProviderError> {
    let spec = specs
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ProviderError::UnknownRemote(name.to_string()))?;
    operator(spec)
}

/// Whether a remote answers now, within `deadline`: what it says it is (`incus 6.0.4`,
/// `Proxmox VE 8.2.4`), or why not. One cheap call: `/1.0` or `/version`.
pub async fn probe(spec: &RemoteSpec, deadline: std::time::Duration) -> Result<String, String> {
    let ask = async {
        match &spec.provider {
            ProviderSpec::Incus(s) => {
                let c = atlas_incus::IncusClient::new(s).map_err(|e| e.to_string())?;
                let server = c.server().await.map_err(|e| e.to_string())?;
                let version = format!("incus {}", server.environment.server_version);
                match server.auth.as_str() {
                    "trusted" => Ok(version),
                    other => Err(format!(
                        "{version} answers but does not trust this client (auth: {other}): `incus remote add` with a trust token"
                    )),
                }
            }
            ProviderSpec::Pve(s) => {
                let c = atlas_pve::PveClient::new(s).map_err(|e| e.to_string())?;
                let v = c.get_value("/version").await.map_err(|e| e.to_string())?;
                let version = v.get("version").and_then(|x| x.as_str()).unwrap_or("?");
                Ok(format!("Proxmox VE {version}"))
            }
        }
    };
    tokio::time::timeout(deadline, ask)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {}s", deadline.as_secs())))
}

/// Whether an alert source answers now, within `deadline`: how many alerts it has, or why not.
pub async fn probe_source(
    spec: atlas_alerts::SourceSpec,
    kind: atlas_core::alerts::model::SourceKind,
    deadline: std::time::Duration,
) -> Result<String, String> {
    use atlas_core::alerts::model::SourceKind;
    let ask = async {
        let n = match kind {
            SourceKind::Alertmanager => {
                let c = atlas_alerts::AlertmanagerClient::new(spec).map_err(|e| e.to_string())?;
                c.alerts().await.map_err(|e| e.to_string())?.len()
            }
            SourceKind::Prometheus => {
                let c = atlas_alerts::PrometheusClient::new(spec).map_err(|e| e.to_string())?;
                c.alerts().await.map_err(|e| e.to_string())?.len()
            }
        };
        Ok(format!("{n} alert(s)"))
    };
    tokio::time::timeout(deadline, ask)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {}s", deadline.as_secs())))
}
