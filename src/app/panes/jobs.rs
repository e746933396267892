//! The jobs pane: running and finished jobs with their progress, newest first.

use chrono::{DateTime, Utc};

use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, styled, text, text_key};
use crate::app::job_view::{JobView, progress_text};
use crate::app::state::AppState;
use crate::inventory::{human_bytes, human_duration};
use crate::jobs::Outcome;
use super::lines::{quote, when};

/// What one row shows.
pub struct Item<'a> {
    j: &'a JobView,
    /// Seconds it ran (so far).
    elapsed: i64,
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "ID", 3, 0 => |x| (cell(x.j.id.to_string()), SortKey::Num(x.j.id as f64));
    "KIND", 8, 0 => |x| text(x.j.spec.kind());
    "TARGET", 18, 0 => |x| text(x.j.spec.subject());
    "PROGRESS", 16, 0 => |x| {
        let sort = SortKey::Num(x.j.progress.percent.unwrap_or(-1.0));
        // An ended job is not "running …": where it got to, or that it completed.
        let shown = match &x.j.outcome {
            None => return (styled(progress_text(&x.j.progress, 24), "status.busy"), sort),
            Some(o) if o.is_done() => "complete".to_string(),
            Some(_) if x.j.progress.stage.is_empty() => "-".to_string(),
            Some(_) => format!("stopped at {}", progress_text(&x.j.progress, 24)),
        };
        (styled(shown, "ui.muted"), sort)
    };
    "RATE", 10, 3 => |x| (
        cell(
            x.j.progress
                .rate
                .filter(|r| *r > 0.0)
                .map(|r| format!("{}/s", human_bytes(r as u64)))
                .unwrap_or_else(|| "-".into()),
        ),
        SortKey::Num(x.j.progress.rate.unwrap_or(-1.0)),
    );
    "ELAPSED", 7, 2 => |x| (cell(human_duration(x.elapsed)), SortKey::Num(x.elapsed as f64));
    "RESULT", 16, 1 => |x| {
        let j = x.j;
        let (result, style) = match &j.outcome {
            None if j.cancel_requested => ("cancelling…".to_string(), "status.busy"),
            None => ("running".to_string(), "status.busy"),
            Some(Outcome::Done(d)) => (format!("done: {d}"), "status.running"),
            Some(Outcome::Failed(d)) => (format!("failed: {d}"), "status.error"),
            Some(Outcome::Cancelled(d)) => (format!("cancelled: {d}"), "gauge.mid"),
            Some(Outcome::Abandoned(d)) => (format!("abandoned: {d}"), "gauge.mid"),
            Some(Outcome::Unknown(d)) => (format!("unknown: {d}"), "gauge.mid"),
        };
        (
            styled(result, style),
            text_key(j.outcome.as_ref().map(|o| o.label()).unwrap_or("running")),
        )
    };
];

/// The rows of the jobs pane.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    state
        .work
        .jobs
        .iter()
        .map(|j| {
            let item = Item {
                j,
                elapsed: (j.finished.unwrap_or(now) - j.started).num_seconds().max(0),
            };
            let (cells, sort) = COLUMNS.iter().map(|c| (c.value)(&item)).unzip();
            Row {
                key: RowKey::Job(j.id),
                remote: j.spec.target().remote.clone(),
                cells,
                sort,
                stale: false,
            }
        })
        .collect()
}

/// The detail view of a row.
pub fn detail(state: &AppState, key: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let Some(j) = state.job_by_key(key) else {
        return false;
    };
    out.push(format!("job: {}", j.id));
    out.push(format!("kind: {}", j.spec.kind()));
    out.push(format!("target: {}", j.spec.subject()));
    out.push(format!("started: {}", when(Some(j.started), now)));
    match (&j.outcome, j.finished) {
        (Some(o), Some(f)) => {
            out.push(format!("finished: {}", when(Some(f), now)));
            out.push(format!("result: {}", o.label()));
            out.push(format!("detail: {}", quote(o.detail())));
        }
        _ => {
            out.push("result: running".into());
            out.push(format!(
                "progress: {}",
                quote(&crate::app::job_view::progress_text(&j.progress, 60))
            ));
        }
    }
    if !j.alerts.is_empty() {
        out.push("alerts_at_start:".into());
        for a in &j.alerts {
            out.push(format!("  - {}", quote(a)));
        }
    }
    out.push("cli:".into());
    let cli = if j.cli.is_empty() {
        state.cli_of(&j.spec)
    } else {
        j.cli.clone()
    };
    for c in cli {
        out.push(format!("  - {}", quote(&c)));
    }
    out.push("output:".into());
    for l in &j.log {
        out.push(format!("  {l}"));
    }
    true
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: to the job's object.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.jump_from_job(key);
}
