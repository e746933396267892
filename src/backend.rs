//! Background work: one task per remote that loads lists (cheap calls first, details after),
//! follows `/1.0/events`, refreshes usage on an interval and reconnects with backoff. It reports
//! through a channel of [`Update`]s and takes [`Command`]s; it never touches the UI.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use tokio::sync::mpsc;

use crate::incus::client::{IncusClient, IncusError, Scope};
use crate::incus::types::{Instance, LifecycleEvent, Server, UsedTotal, VolumeSnapshot};
use crate::incus::{RemoteSpec, events};
use crate::inventory::{HostRow, SnapshotRow, VolumeRow, split_volume_listing};

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
    /// A whole instance list; `with_state` when it came with state and snapshots (recursion=2).
    Instances {
        remote: String,
        instances: Vec<Instance>,
        with_state: bool,
    },
    /// Only running instances, with their state (the periodic usage refresh).
    InstanceStates {
        remote: String,
        instances: Vec<Instance>,
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
}

/// Timing of a worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    pub usage_every: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
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
            Ok(client) => session(&client, &mut scope, &cfg, &tx, &mut cmds, &mut backoff).await,
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

async fn session(
    client: &IncusClient,
    scope: &mut Scope,
    cfg: &WorkerConfig,
    tx: &mpsc::UnboundedSender<Update>,
    cmds: &mut mpsc::UnboundedReceiver<Command>,
    backoff: &mut Duration,
) -> Result<End, IncusError> {
    let remote = client.remote().to_string();
    let server: Server = client.server().await?;
    if server.auth != "trusted" && !server.auth.is_empty() {
        return Err(IncusError::Tls(format!(
            "{}: the server does not trust this client certificate (auth: {})",
            client.endpoint().describe(),
            server.auth
        )));
    }
    // Subscribe before loading so nothing that happens in between is missed.
    let mut events = events::subscribe(client, scope).await?;
    let _ = tx.send(Update::Status {
        remote: remote.clone(),
        state: ConnState::Online {
            version: server.environment.server_version.clone(),
            clustered: server.environment.server_clustered,
        },
    });
    *backoff = cfg.backoff_min;
    full_load(client, scope, &server, tx).await?;

    let mut usage = tokio::time::interval(cfg.usage_every);
    usage.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    usage.tick().await;
    loop {
        tokio::select! {
            ev = events.next() => {
                let ev = match ev {
                    None => return Err(IncusError::Events("event stream ended".into())),
                    Some(ev) => ev?,
                };
                let mut dirty = Dirty::default();
                dirty.add(&ev, tx, &remote);
                // Coalesce a burst of events into one round of fetches.
                let deadline = tokio::time::sleep(Duration::from_millis(60));
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut deadline => break,
                        more = events.next() => match more {
                            Some(Ok(ev)) => dirty.add(&ev, tx, &remote),
                            Some(Err(e)) => return Err(e),
                            None => return Err(IncusError::Events("event stream ended".into())),
                        }
                    }
                }
                dirty.apply(client, scope, &server, tx).await?;
            }
            _ = usage.tick() => {
                let running = client.instances(scope, 2, Some("status eq Running")).await?;
                let _ = tx.send(Update::InstanceStates { remote: remote.clone(), instances: running });
                let hosts = load_hosts(client, &server).await?;
                let _ = tx.send(Update::Hosts { remote: remote.clone(), hosts });
            }
            cmd = cmds.recv() => match cmd {
                None => return Ok(End::Quit),
                Some(Command::Refresh) => full_load(client, scope, &server, tx).await?,
                Some(Command::SetScope(s)) => {
                    *scope = s;
                    return Ok(End::Rescope);
                }
                Some(Command::ConsoleLog { project, name }) => {
                    let client = client.clone();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let result = client.console_log(&project, &name).await.map_err(|e| e.to_string());
                        let _ = tx.send(Update::ConsoleLog { remote: client.remote().to_string(), project, name, result });
                    });
                }
            }
        }
    }
}

/// Loads everything: the cheap instance list first (first paint), then hosts and volumes, then
/// state, snapshots and volume details progressively.
pub async fn full_load(
    client: &IncusClient,
    scope: &Scope,
    server: &Server,
    tx: &mpsc::UnboundedSender<Update>,
) -> Result<(), IncusError> {
    let remote = client.remote().to_string();
    let fast = client.instances(scope, 1, None).await?;
    let _ = tx.send(Update::Instances {
        remote: remote.clone(),
        instances: fast,
        with_state: false,
    });
    let hosts = load_hosts(client, server).await?;
    let _ = tx.send(Update::Hosts {
        remote: remote.clone(),
        hosts,
    });
    let (volumes, snapshots) = load_volumes(client, scope).await?;
    let _ = tx.send(Update::Volumes {
        remote: remote.clone(),
        volumes: volumes.clone(),
        snapshots,
    });
    let full = client.instances(scope, 2, None).await?;
    let _ = tx.send(Update::Instances {
        remote: remote.clone(),
        instances: full,
        with_state: true,
    });
    volume_details(client, &volumes, tx).await;
    Ok(())
}

/// Hosts: cluster members with their state, or the standalone server.
pub async fn load_hosts(client: &IncusClient, server: &Server) -> Result<Vec<HostRow>, IncusError> {
    let remote = client.remote();
    let version = &server.environment.server_version;
    let cluster = client.cluster().await?;
    if cluster.enabled {
        let members = client.cluster_members().await?;
        let rows = stream::iter(members)
            .map(|m| async move {
                let (state, res) = tokio::join!(
                    client.cluster_member_state(&m.server_name),
                    client.resources(Some(&m.server_name))
                );
                HostRow::member(remote, version, &m, state.ok().as_ref(), res.ok().as_ref())
            })
            .buffered(FETCH_CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        return Ok(rows);
    }
    let res = client.resources(None).await?;
    let pools = client.storage_pools().await?;
    let mut usage = Vec::new();
    for p in pools {
        if let Ok(r) = client.pool_resources(&p.name).await {
            usage.push((p.name, r.space));
        }
    }
    Ok(vec![HostRow::standalone(
        remote,
        &server.environment.server_name,
        version,
        &res,
        usage,
    )])
}

/// Custom volumes of every pool, with the snapshots the listing names.
pub async fn load_volumes(
    client: &IncusClient,
    scope: &Scope,
) -> Result<(Vec<VolumeRow>, Vec<SnapshotRow>), IncusError> {
    let mut vols = Vec::new();
    let mut snaps = Vec::new();
    for p in client.storage_pools().await? {
        let listing = client.custom_volumes(&p.name, scope).await?;
        let (v, s) = split_volume_listing(client.remote(), &p.name, listing);
        vols.extend(v);
        snaps.extend(s);
    }
    Ok((vols, snaps))
}

/// Fills snapshot expiry and usage of volumes in the background of the first paint.
async fn volume_details(
    client: &IncusClient,
    volumes: &[VolumeRow],
    tx: &mpsc::UnboundedSender<Update>,
) {
    let remote = client.remote().to_string();
    stream::iter(volumes.iter())
        .for_each_concurrent(FETCH_CONCURRENCY, |v| {
            let remote = remote.clone();
            async move {
                if v.snapshots > 0 {
                    if let Ok(snapshots) = client
                        .volume_snapshots(&v.pool, &v.vol.project, &v.vol.name)
                        .await
                    {
                        let _ = tx.send(Update::VolumeSnapshots {
                            remote: remote.clone(),
                            pool: v.pool.clone(),
                            project: v.vol.project.clone(),
                            volume: v.vol.name.clone(),
                            snapshots,
                        });
                    }
                }
                if let Ok(st) = client
                    .volume_state(&v.pool, &v.vol.project, &v.vol.name)
                    .await
                {
                    if let Some(usage) = st.usage {
                        let _ = tx.send(Update::VolumeUsage {
                            remote,
                            pool: v.pool.clone(),
                            project: v.vol.project.clone(),
                            volume: v.vol.name.clone(),
                            usage,
                        });
                    }
                }
            }
        })
        .await;
}

/// An answer from the server that is an error (an object mid-deletion, a busy pool) does not
/// end the session: it is logged and the next event or refresh settles it. Transport errors do.
fn soft<T>(r: Result<T, IncusError>) -> Result<Option<T>, IncusError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e @ (IncusError::Api { .. } | IncusError::Parse { .. })) => {
            tracing::warn!(error = %e, "refresh after event failed");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// What a burst of events made stale.
#[derive(Debug, Default)]
struct Dirty {
    instances: Vec<(String, String)>,
    volumes: bool,
    hosts: bool,
    all_instances: bool,
}

impl Dirty {
    fn add(
        &mut self,
        ev: &crate::incus::types::Event,
        tx: &mpsc::UnboundedSender<Update>,
        remote: &str,
    ) {
        if ev.kind != "lifecycle" {
            return;
        }
        let Ok(lc) = serde_json::from_value::<LifecycleEvent>(ev.metadata.clone()) else {
            return;
        };
        let project = if ev.project.is_empty() {
            "default".to_string()
        } else {
            ev.project.clone()
        };
        let path = lc.source.split('?').next().unwrap_or("");
        let _ = tx.send(Update::Event {
            remote: remote.to_string(),
            summary: format!(
                "{} {}",
                lc.action,
                crate::inventory::short_api_path(&lc.source)
            ),
        });
        let act = lc.action.as_str();
        if act.starts_with("instance-") {
            if let Some(name) = path
                .strip_prefix("/1.0/instances/")
                .map(|r| r.split('/').next().unwrap_or(r))
            {
                let name = crate::incus::client::decode(name);
                if !self
                    .instances
                    .iter()
                    .any(|(p, n)| *p == project && *n == name)
                {
                    self.instances.push((project, name));
                }
            } else {
                self.all_instances = true;
            }
            if matches!(
                act,
                "instance-created" | "instance-deleted" | "instance-updated" | "instance-renamed"
            ) {
                self.volumes = true;
            }
        } else if act.starts_with("storage-volume-") {
            self.volumes = true;
        } else if act.starts_with("storage-pool-") || act.starts_with("cluster-") {
            self.hosts = true;
            self.volumes = true;
        } else if act.starts_with("project-") {
            self.all_instances = true;
            self.volumes = true;
        }
    }

    async fn apply(
        self,
        client: &IncusClient,
        scope: &Scope,
        server: &Server,
        tx: &mpsc::UnboundedSender<Update>,
    ) -> Result<(), IncusError> {
        let remote = client.remote().to_string();
        if self.all_instances {
            if let Some(full) = soft(client.instances(scope, 2, None).await)? {
                let _ = tx.send(Update::Instances {
                    remote: remote.clone(),
                    instances: full,
                    with_state: true,
                });
            }
        } else {
            for (project, name) in self.instances {
                if let Scope::Project(p) = scope {
                    if *p != project {
                        continue;
                    }
                }
                match client.instance(&project, &name).await {
                    Ok(instance) => {
                        let _ = tx.send(Update::Instance {
                            remote: remote.clone(),
                            instance: Box::new(instance),
                        });
                    }
                    Err(e) if e.is_not_found() => {
                        let _ = tx.send(Update::InstanceGone {
                            remote: remote.clone(),
                            project,
                            name,
                        });
                    }
                    Err(e) => {
                        soft::<()>(Err(e))?;
                    }
                }
            }
        }
        if self.volumes {
            if let Some((volumes, snapshots)) = soft(load_volumes(client, scope).await)? {
                let _ = tx.send(Update::Volumes {
                    remote: remote.clone(),
                    volumes: volumes.clone(),
                    snapshots,
                });
                volume_details(client, &volumes, tx).await;
            }
        }
        if self.hosts {
            if let Some(hosts) = soft(load_hosts(client, server).await)? {
                let _ = tx.send(Update::Hosts { remote, hosts });
            }
        }
        Ok(())
    }
}
