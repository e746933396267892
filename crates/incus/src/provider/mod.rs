//! The Incus provider: one worker per remote that loads lists (cheap calls first, details after),
//! follows `/1.0/events` on a task of its own, re-reads what events name through a coalescing
//! queue with retries, reconciles with the cheap list on an interval, refreshes usage of what runs
//! and reconnects with backoff. It reports neutral [`p::Event`]s through a [`Sink`] and takes
//! [`Command`]s; it never touches the UI.

use tokio::sync::mpsc;

use atlas_core::provider::{self as p, Command, ConnState, Scope, Sink};

use crate::cliconfig::RemoteSpec;
use crate::client::IncusClient;

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
mod load;
mod queue;
mod session;

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
    loop {
        tx(status(ConnState::Connecting));
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
                tx(status(ConnState::Offline {
                    error: e.to_string(),
                }));
            }
        }
        // Wait before reconnecting; a refresh retries at once.
        match p::wait_offline(&remote, backoff, &mut cmds, &tx, |s| scope = s).await {
            None => return,
            Some(true) => backoff = cfg.backoff_min,
            Some(false) => {}
        }
        backoff = (backoff * 2).min(cfg.backoff_max);
    }
}
