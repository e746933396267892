//! The pane models: for each pane, the item a row shows and its columns, each declaring its
//! header, cell and sort key together (one file per pane). [`columns`] and [`build_rows`] are
//! what the rest of the app reads; filtering, sorting and memoizing are in `rows`.

pub mod alerts;
mod hosts;
mod instances;
mod jobs;
mod journal;
pub mod services;
mod shared;
mod silences;
mod snapshots;
mod volumes;

use chrono::{DateTime, Utc};

use super::cells::{Column, Row};
use super::state::AppState;
use crate::pane::Pane;

pub use shared::status_style;

/// The columns of a pane.
pub fn columns(pane: Pane) -> Vec<Column> {
    use super::cells::heads;
    match pane {
        Pane::HOSTS => heads(hosts::COLUMNS),
        Pane::INSTANCES => heads(instances::COLUMNS),
        Pane::VOLUMES => heads(volumes::COLUMNS),
        Pane::SNAPSHOTS => heads(snapshots::COLUMNS),
        Pane::ALERTS => heads(alerts::COLUMNS),
        Pane::SILENCES => heads(silences::COLUMNS),
        Pane::JOBS => heads(jobs::COLUMNS),
        Pane::JOURNAL => heads(journal::COLUMNS),
        Pane::SERVICES => heads(services::COLUMNS),
        _ => vec![],
    }
}

/// All rows of a pane, unfiltered and unsorted.
pub fn build_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> Vec<Row> {
    match pane {
        Pane::HOSTS => hosts::rows(state),
        Pane::INSTANCES => instances::rows(state),
        Pane::VOLUMES => volumes::rows(state),
        Pane::SNAPSHOTS => snapshots::rows(state, now),
        Pane::ALERTS => alerts::rows(state, &state.panes[pane.index()].filter, now),
        Pane::SILENCES => silences::rows(state, now),
        Pane::JOBS => jobs::rows(state, now),
        Pane::JOURNAL => journal::rows(state, now),
        Pane::SERVICES => services::rows(state),
        _ => vec![],
    }
}
