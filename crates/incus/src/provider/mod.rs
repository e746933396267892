//! The Incus provider: one worker per remote that loads lists (cheap calls first, details after),
//! follows `/1.0/events` on a task of its own, re-reads what events name through a coalescing
//! queue with retries, reconciles with the cheap list on an interval, refreshes usage of what runs
//! and reconnects with backoff. It reports neutral [`p::Event`]s through a [`Sink`] and takes
//! [`Command`]s; it never touches the UI.

use tokio::sync::mpsc;

use atlas_core::provider::{self as p, Command, ConnState, Scope, Sink};

use crate::cliconfig::{Endpoint, RemoteSpec};
use crate::client::{IncusClient, Members};

/// Everything the console can do, Incus can, but keep usage history (that comes from a
/// Prometheus scraping its `/1.0/metrics`).
pub const CAPABILITIES: p::Capabilities = p::Capabilities {
    cli: crate::jobs::cli,
    operations: &[
        p::Operation::Power,
        p::Operation::Freeze,
        p::Operation::Shell,
        p::Operation::ConsoleLog,
        p::Operation::InstanceSnapshots,
        p::Operation::VolumeSnapshots,
        p::Operation::Restore,
        p::Operation::Backup,
        p::Operation::Import,
        p::Operation::Services,
        p::Operation::SnapshotExpiry,
        p::Operation::Cluster,
    ],
    ..p::Capabilities::all("Incus")
};

/// Starts a worker for one remote; dropping the returned sender stops it.
pub fn spawn_remote(
    spec: RemoteSpec,
    scope: Scope,
    cfg: WorkerConfig,
    tx: Sink,
) -> mpsc::UnboundedSender<Command> {
    let (ctx, crx) = mpsc::unbounded_channel();
    tokio::spawn(run(spec, scope, cfg, tx, crx));
    ctx
}

mod config;
mod details;
mod load;
mod queue;
mod session;
mod volumes_shown;

pub use config::WorkerConfig;
use session::End;

pub use load::{load_hosts, load_volumes, states_of};
pub use p::StateSample;
pub use queue::{Done, Fetch, Queue};

async fn run(
    spec: RemoteSpec,
    mut scope: Scope,
    cfg: WorkerConfig,
    tx: Sink,
    mut cmds: mpsc::UnboundedReceiver<Command>,
) {
    let remote = spec.name.clone();
    let status = |state: ConnState| p::Event::Status {
        remote: remote.clone(),
        state,
    };
    let mut backoff = cfg.backoff_min;
    // The cluster's members, learned while connected: where to go when the member this remote
    // talks to goes away.
    let members = Members::default();
    let mut current = spec.clone();
    // Whether the console shows volumes: kept from one session to the next.
    let mut volumes_shown = cfg.volumes_shown;
    loop {
        tx(status(ConnState::Connecting));
        let via = (current.endpoint != spec.endpoint).then(|| current.endpoint.describe());
        let session_tx = with_via(&tx, via);
        let result = match IncusClient::new(&current) {
            Ok(client) => {
                let client = client.with_members(members.clone());
                session::session(
                    &client,
                    &mut scope,
                    &cfg,
                    &session_tx,
                    &mut cmds,
                    &mut backoff,
                    &mut volumes_shown,
                )
                .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(End::Quit) => return,
            Ok(End::Rescope) => continue,
            Err(e) => {
                if let Some(next) = fail_over(&spec, &current, &e, &members).await {
                    let (from, to) = (current.endpoint.describe(), next.endpoint.describe());
                    tracing::warn!(remote = %remote, error = %e, from = %from, to = %to, "failing over to another cluster member");
                    tx(p::Event::Event {
                        remote: remote.clone(),
                        summary: format!(
                            "failover: {from} does not answer ({e}); now through {to}"
                        ),
                        action: "failover".into(),
                        object: None,
                        at: Some(chrono::Utc::now()),
                        by: String::new(),
                    });
                    current = next;
                    backoff = cfg.backoff_min;
                    continue;
                }
                tracing::warn!(remote = %remote, error = %e, "remote offline");
                tx(status(ConnState::Offline {
                    error: e.to_string(),
                }));
            }
        }
        // Wait before reconnecting; a refresh retries at once.
        let keep = |cmd| match cmd {
            Command::SetScope(s) => scope = s,
            Command::ShowVolumes(v) => volumes_shown = v,
            _ => {}
        };
        match p::wait_offline(&remote, backoff, &mut cmds, &tx, keep).await {
            None => return,
            Some(true) => backoff = cfg.backoff_min,
            Some(false) => {}
        }
        backoff = (backoff * 2).min(cfg.backoff_max);
    }
}

/// The sink a session reports through: its `Online` says which address it uses when that is
/// not the configured one.
fn with_via(tx: &Sink, via: Option<String>) -> Sink {
    let Some(via) = via else {
        return tx.clone();
    };
    let tx = tx.clone();
    std::sync::Arc::new(move |ev| {
        tx(match ev {
            p::Event::Status {
                remote,
                state:
                    ConnState::Online {
                        version, clustered, ..
                    },
            } => p::Event::Status {
                remote,
                state: ConnState::Online {
                    version,
                    clustered,
                    via: Some(via.clone()),
                },
            },
            ev => ev,
        })
    })
}

/// How long a member that may take over is given to answer.
const FAILOVER_PROBE: std::time::Duration = std::time::Duration::from_secs(3);

/// Another address for an HTTPS remote whose member stopped answering: the configured address
/// first (when it is not the one that failed), then every other member the cluster listed, each
/// with the same client certificate and pinned server certificate (a cluster's members share
/// it). `None` for a unix socket, for errors that are not about reaching the server, and when
/// no other member answers.
async fn fail_over(
    spec: &RemoteSpec,
    current: &RemoteSpec,
    error: &crate::client::IncusError,
    members: &Members,
) -> Option<RemoteSpec> {
    if !error.is_link() {
        return None;
    }
    let Endpoint::Https {
        url: configured, ..
    } = &spec.endpoint
    else {
        return None;
    };
    let failed = current.endpoint.describe();
    let listed: Vec<String> = members
        .lock()
        .map(|m| m.iter().map(|m| m.url.clone()).collect())
        .unwrap_or_default();
    let mut candidates: Vec<String> = Vec::new();
    for url in std::iter::once(configured.clone()).chain(listed) {
        if url != failed && !url.trim().is_empty() && !candidates.contains(&url) {
            candidates.push(url);
        }
    }
    for url in candidates {
        let mut next = spec.clone();
        if let Endpoint::Https { url: u, .. } = &mut next.endpoint {
            *u = url.clone();
        }
        let Ok(client) = IncusClient::new(&next) else {
            continue;
        };
        if let Ok(Ok(_)) = tokio::time::timeout(FAILOVER_PROBE, client.server()).await {
            return Some(next);
        }
    }
    None
}
