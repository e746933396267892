//! Jobs on an Incus server: each step's operation followed through the events websocket
//! (`/wait` decides the result), transfers streamed with byte counts, service plans applied with
//! guarded writes, and the equivalent `incus` command lines.

mod apply;
mod cli;
mod cluster;
mod runner;
mod step;

pub use cli::cli;
pub use runner::{part_path, run, snapshot_exists};

use atlas_core::ops::Stop;

use crate::client::IncusError;

impl From<IncusError> for Stop {
    fn from(e: IncusError) -> Self {
        match e {
            // Sent, but no answer: it may have been done.
            IncusError::NoAnswer { .. } => {
                Stop::Unknown(format!("connection lost — outcome unknown: {e}"))
            }
            e => Stop::Failed(e.to_string()),
        }
    }
}
