//! The timeline pane: alerts firing and resolving, silences, jobs and the remotes' events on
//! one time axis, newest first. `O` on any row filters it to that row's object.

use chrono::{DateTime, Utc};

use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, styled, text, text_key};
use crate::app::state::AppState;
use crate::timeline::{Event, Kind};

/// What one row shows.
pub struct Item<'a> {
    e: &'a Event,
    /// Its place in time order (orders lines of the same millisecond).
    i: usize,
    now: DateTime<Utc>,
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    // The time of day, or the date for older lines.
    "TIME", 8, 0 => |x| super::shared::time_value(x.e.at, x.now, x.i);
    "KIND", 7, 0 => |x| {
        let style = match x.e.kind {
            Kind::Alert => "alert.warning",
            Kind::Silence => "ui.muted",
            Kind::Job => "status.busy",
            Kind::Event => "ui.text",
        };
        (styled(x.e.kind.label(), style), text_key(x.e.kind.label()))
    };
    "WHAT", 18, 0 => |x| {
        let style = match x.e.what.as_str() {
            "firing" => "status.error",
            "resolved" => "status.running",
            w if w.ends_with(" failed") => "status.error",
            w if w.ends_with(" done") => "status.running",
            _ => "ui.text",
        };
        (styled(&x.e.what, style), text_key(&x.e.what))
    };
    "OBJECT", 20, 0 => |x| text(&x.e.object);
    "SOURCE", 10, 2 => |x| text(&x.e.source);
    // Last: it takes what is left.
    "DETAIL", 30, 1 => |x| (cell(x.e.detail.as_str()), text_key(&x.e.detail));
];

/// A stable hash of what a line says.
pub fn hash(e: &Event) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (e.kind, &e.what, &e.object, &e.detail, &e.source).hash(&mut h);
    h.finish()
}

/// The detail of a timeline line.
pub fn timeline_detail(state: &AppState, key: &RowKey, out: &mut Vec<String>) -> bool {
    let RowKey::Timeline(at, h) = key else {
        return false;
    };
    let events = state.timeline_events();
    let Some(e) = events
        .iter()
        .find(|e| e.at.timestamp_millis() == *at && hash(e) == *h)
    else {
        return false;
    };
    out.push(format!("time: {}", e.at.format("%Y-%m-%d %H:%M:%S UTC")));
    out.push(format!("kind: {}", e.kind.label()));
    out.push(format!("what: {}", e.what));
    out.push(format!("object: {}", e.object));
    if !e.source.is_empty() {
        out.push(format!("source: {}", e.source));
    }
    out.push("detail:".into());
    out.extend(e.detail.lines().map(|l| format!("  {l}")));
    // The journal line behind it, with the job's command lines and the alerts then.
    if let Some(j) = state
        .work
        .journal
        .iter()
        .find(|j| j.ts == e.at && j.target == e.object)
    {
        if !j.alerts.is_empty() {
            out.push(format!("alerts then: {}", j.alerts.join(", ")));
        }
        for c in &j.cli {
            out.push(format!("  $ {c}"));
        }
        if !j.user.is_empty() {
            out.push(format!("by: {}", j.user));
        }
    }
    true
}

/// The rows of the timeline pane.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    state
        .timeline_events()
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let item = Item { e, i, now };
            let values = COLUMNS.iter().map(|c| (c.value)(&item));
            Row::new(
                RowKey::Timeline(e.at.timestamp_millis(), hash(e)),
                e.source.clone(),
                values,
                false,
            )
        })
        .collect()
}

/// The detail of a row of this pane.
pub fn detail(state: &AppState, row: &RowKey, _now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    timeline_detail(state, row, out)
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: From a line to the row it is about.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.jump_from_timeline(key);
}
