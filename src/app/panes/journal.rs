//! The journal pane: the incident journal's lines, newest first.

use chrono::{DateTime, Utc};

use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, styled, text, text_key};
use crate::app::state::AppState;
use crate::jobs::journal::Entry;
use super::lines::{quote};

/// What one row shows.
pub struct Item<'a> {
    e: &'a Entry,
    /// Its place in the journal (orders lines of the same millisecond).
    i: usize,
    now: DateTime<Utc>,
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    // The time of day, or the date for older lines.
    "TIME", 8, 0 => |x| super::shared::time_value(x.e.ts, x.now, x.i);
    "STATUS", 9, 0 => |x| {
        let style = match x.e.status.as_str() {
            "done" => "status.running",
            "failed" => "status.error",
            "cancelled" => "gauge.mid",
            _ => "status.busy",
        };
        (styled(&x.e.status, style), text_key(&x.e.status))
    };
    "ACTION", 15, 0 => |x| text(&x.e.action);
    "TARGET", 26, 0 => |x| text(&x.e.target);
    "ALERTS", 14, 2 => |x| (
        if x.e.alerts.is_empty() {
            styled("-", "ui.muted")
        } else {
            styled(x.e.alerts.join(", "), "alert.warning")
        },
        SortKey::Num(x.e.alerts.len() as f64),
    );
    "DETAIL", 20, 1 => |x| (cell(x.e.detail.lines().next().unwrap_or("")), text_key(&x.e.detail));
];

/// The rows of the journal pane.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    state
        .work
        .journal
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let item = Item { e, i, now };
            let values = COLUMNS.iter().map(|c| (c.value)(&item));
            Row::new(
                RowKey::Journal(i),
                e.remote.clone(),
                values,
                false,
            )
        })
        .collect()
}

/// The detail view of a row.
pub fn detail(state: &AppState, row: &RowKey, _now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let key = row;
    let Some(e) = state.journal_by_key(key) else {
        return false;
    };
    out.push(format!(
        "time: {}",
        e.ts.with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S %Z")
    ));
    out.push(format!("status: {}", e.status));
    out.push(format!("action: {}", e.action));
    out.push(format!("target: {}", quote(&e.target)));
    if !e.user.is_empty() {
        out.push(format!("user: {}", e.user));
    }
    if let Some(j) = e.job {
        out.push(format!("job: {j}"));
    }
    if let Some(s) = e.seconds {
        out.push(format!("seconds: {s:.1}"));
    }
    if !e.detail.is_empty() {
        out.push(format!("detail: {}", quote(&e.detail)));
    }
    out.push("alerts:".into());
    for a in &e.alerts {
        out.push(format!("  - {}", quote(a)));
    }
    out.push("cli:".into());
    for c in &e.cli {
        out.push(format!("  - {}", quote(c)));
    }
    true
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: A journal line has no object to go to: said.
pub fn jump(state: &mut AppState, _key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.say(crate::app::state::Level::Warning, "jump works from the jobs pane (7)");
}
