//! The pane models: for each pane, the item a row shows and its columns, each declaring its
//! header, cell and sort key together (one file per pane). [`columns`] and [`build_rows`] are
//! what the rest of the app reads; filtering, sorting and memoizing are in `rows`.

mod shared;

use chrono::{DateTime, Utc};

use super::cells::{Column, Row, heads};
use super::state::AppState;
use crate::pane::Pane;

pub use shared::status_style;

/// The model of each pane: `PANE => module`; each module has `COLUMNS` and
/// `rows(state, now)`.
macro_rules! models {
    ($($pane:ident => $m:ident,)*) => {
        $(pub mod $m;)*

        /// The columns of a pane.
        pub fn columns(pane: Pane) -> Vec<Column> {
            match pane {
                $(Pane::$pane => heads($m::COLUMNS),)*
                _ => vec![],
            }
        }

        /// All rows of a pane, unfiltered and unsorted.
        pub fn build_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> Vec<Row> {
            match pane {
                $(Pane::$pane => $m::rows(state, now),)*
                _ => vec![],
            }
        }
    };
}

models! {
    HOSTS => hosts,
    INSTANCES => instances,
    VOLUMES => volumes,
    SNAPSHOTS => snapshots,
    ALERTS => alerts,
    SILENCES => silences,
    JOBS => jobs,
    JOURNAL => journal,
    SERVICES => services,
    BACKUPS => backups,
    TIMELINE => timeline,
}
