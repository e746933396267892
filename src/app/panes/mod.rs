//! The pane models: for each pane, the item a row shows and its columns, each declaring its
//! header, cell and sort key together (one file per pane). [`columns`] and [`build_rows`] are
//! what the rest of the app reads; filtering, sorting and memoizing are in `rows`.

pub mod alerts;
mod hosts;
mod instances;
mod jobs;
mod journal;
pub mod services;
mod silences;
mod snapshots;
mod volumes;

use chrono::{DateTime, Utc};

use super::cells::{Cell, Column, Row, SortKey, styled};
use super::state::{AppState, RemoteView};
use crate::alerts::join::Badge;
use crate::alerts::model::Severity;
use crate::backend::ConnState;
use crate::inventory::{UsedTotal, human_bytes};
use crate::pane::Pane;

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

/// Alert badges of inventory objects, by row key.
type Badges = std::collections::HashMap<String, Badge>;

/// Style of an instance or host status.
pub fn status_style(status: &str) -> &'static str {
    match status.to_ascii_lowercase().as_str() {
        "running" | "online" => "status.running",
        "stopped" => "status.stopped",
        "frozen" => "status.frozen",
        "error" | "offline" | "evacuated" | "blocked" => "status.error",
        _ => "status.busy",
    }
}

/// `used/total`, or `-`.
fn usage(u: Option<UsedTotal>) -> String {
    match u {
        Some(u) if u.total > 0 => format!("{}/{}", human_bytes(u.used), human_bytes(u.total)),
        Some(u) => human_bytes(u.used),
        None => "-".into(),
    }
}

/// The style of a gauge: high from 90 %, mid from 75 %.
fn gauge_style(used: u64, total: u64) -> &'static str {
    if total == 0 {
        return "ui.text";
    }
    let pct = used as f64 / total as f64;
    if pct >= 0.9 {
        "gauge.high"
    } else if pct >= 0.75 {
        "gauge.mid"
    } else {
        "ui.text"
    }
}

/// `remote/project`.
fn where_(r: &RemoteView, project: &str) -> String {
    format!(
        "{}/{}",
        r.name,
        if project.is_empty() {
            "default"
        } else {
            project
        }
    )
}

/// The `remote/project` column: production remotes stand out.
fn where_value(r: &RemoteView, project: &str) -> (Cell, SortKey) {
    let w = where_(r, project);
    let key = super::cells::text_key(&w);
    (styled(w, remote_style(r)), key)
}

fn remote_style(r: &RemoteView) -> &'static str {
    if r.production {
        "remote.production"
    } else {
        "ui.text"
    }
}

/// Whether a remote's rows are stale (it is not online).
fn stale(r: &RemoteView) -> bool {
    !matches!(r.conn, ConnState::Online { .. })
}

/// The ALERTS column of an inventory row.
fn badge_value(badge: Option<&Badge>) -> (Cell, SortKey) {
    match badge {
        Some(b) if b.count > 0 => {
            let sev = b.worst.unwrap_or(Severity::None);
            (
                styled(format!("▲{}", b.text()), sev.style()),
                SortKey::Num(sev as u8 as f64 * 1000.0 + b.count as f64),
            )
        }
        _ => (styled("-", "ui.muted"), SortKey::Num(-1.0)),
    }
}
