//! The alert source workers, reporting on the console's channel.

use tokio::sync::mpsc;

pub use atlas_alerts::worker::{PollConfig, SourceCmd, SourceEvent, short_id};

use crate::backend::Update;
use atlas_alerts::client::SourceSpec;
use atlas_core::alerts::model::SourceKind;

/// Starts the worker of one source, its reports sent on `tx`; dropping the returned sender
/// stops it.
pub fn spawn_source(
    spec: SourceSpec,
    kind: SourceKind,
    cfg: PollConfig,
    tx: mpsc::UnboundedSender<Update>,
) -> mpsc::UnboundedSender<SourceCmd> {
    let sink = std::sync::Arc::new(move |e: SourceEvent| {
        let _ = tx.send(match e {
            SourceEvent::Polled { source, result } => Update::AlertSource { source, result },
            SourceEvent::Written {
                source,
                what,
                result,
            } => Update::SilenceWrite {
                source,
                what,
                result,
            },
            SourceEvent::Skipped { source, items } => Update::Skipped {
                origin: source,
                items,
            },
        });
    });
    atlas_alerts::worker::spawn_source(spec, kind, cfg, sink)
}
