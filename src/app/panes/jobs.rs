//! The jobs pane: running and finished jobs with their progress, newest first.

use chrono::{DateTime, Utc};

use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, styled, text, text_key};
use crate::app::job_view::{Batch, JobView, progress_text};
use crate::app::state::AppState;
use crate::inventory::{human_bytes, human_duration};
use crate::jobs::{JobId, Outcome};
use super::lines::{quote, when};

/// What one row shows: a job (in a batch or not), or a batch over its jobs.
pub enum Item<'a> {
    Job {
        j: &'a JobView,
        /// Its batch, if it is in one.
        batch: Option<JobId>,
        /// Seconds it ran (so far).
        elapsed: i64,
    },
    Batch {
        b: &'a Batch,
        /// Its jobs as they stand.
        jobs: Vec<&'a JobView>,
        elapsed: i64,
    },
}

impl Item<'_> {
    fn id(&self) -> JobId {
        match self {
            Item::Job { j, .. } => j.id,
            Item::Batch { b, .. } => b.id,
        }
    }

    fn kind(&self) -> String {
        match self {
            Item::Job { j, .. } => j.spec.kind(),
            Item::Batch { .. } => "batch".into(),
        }
    }

    /// A batch's jobs are drawn under it (`↳ `).
    fn subject(&self) -> String {
        match self {
            Item::Job {
                j, batch: Some(_), ..
            } => format!("↳ {}", j.spec.subject()),
            Item::Job { j, .. } => j.spec.subject(),
            Item::Batch { b, jobs, .. } => format!("{} · {} objects", b.what, jobs.len()),
        }
    }

    fn elapsed(&self) -> i64 {
        match self {
            Item::Job { elapsed, .. } | Item::Batch { elapsed, .. } => *elapsed,
        }
    }

    fn progress(&self) -> (Cell, SortKey) {
        let j = match self {
            Item::Job { j, .. } => *j,
            Item::Batch { jobs, .. } => {
                let ended = jobs.iter().filter(|j| !j.running()).count();
                let n = jobs.len().max(1);
                let pct = ended as f64 * 100.0 / n as f64;
                let p = crate::jobs::Progress {
                    stage: String::new(),
                    percent: Some(pct),
                    ..Default::default()
                };
                let bar = progress_text(&p, 10);
                return (
                    styled(format!("{bar} {ended}/{}", jobs.len()), "status.busy"),
                    SortKey::Num(pct),
                );
            }
        };
        let sort = SortKey::Num(j.progress.percent.unwrap_or(-1.0));
        // An ended job is not "running …": where it got to, or that it completed.
        let shown = match &j.outcome {
            None => return (styled(progress_text(&j.progress, 24), "status.busy"), sort),
            Some(o) if o.is_done() => "complete".to_string(),
            Some(_) if j.progress.stage.is_empty() => "-".to_string(),
            Some(_) => format!("stopped at {}", progress_text(&j.progress, 24)),
        };
        (styled(shown, "ui.muted"), sort)
    }

    fn rate(&self) -> (Cell, SortKey) {
        let rate = match self {
            Item::Job { j, .. } => j.progress.rate.filter(|r| *r > 0.0),
            Item::Batch { .. } => None,
        };
        (
            cell(
                rate.map(|r| format!("{}/s", human_bytes(r as u64)))
                    .unwrap_or_else(|| "-".into()),
            ),
            SortKey::Num(rate.unwrap_or(-1.0)),
        )
    }

    fn result(&self) -> (Cell, SortKey) {
        let j = match self {
            Item::Job { j, .. } => *j,
            Item::Batch { b, .. } => {
                let (text, style) = match &b.summary {
                    Some(s) if s.contains("failed") || s.contains("cancelled") => {
                        (s.clone(), "status.error")
                    }
                    Some(s) => (s.clone(), "status.running"),
                    None => ("running".to_string(), "status.busy"),
                };
                let key = if b.summary.is_some() { "ended" } else { "running" };
                return (styled(text, style), text_key(key));
            }
        };
        let (result, style) = match &j.outcome {
            None if j.cancel_requested => ("cancelling…".to_string(), "status.busy"),
            None if j.progress.stage == "queued" => ("queued".to_string(), "ui.muted"),
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
    }
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "ID", 3, 0 => |x| (cell(x.id().to_string()), SortKey::Num(x.id() as f64));
    "KIND", 8, 0 => |x| text(x.kind());
    "TARGET", 18, 0 => |x| text(x.subject());
    "PROGRESS", 16, 0 => |x| x.progress();
    "RATE", 10, 3 => |x| x.rate();
    "ELAPSED", 7, 2 => |x| (cell(human_duration(x.elapsed())), SortKey::Num(x.elapsed() as f64));
    "RESULT", 16, 1 => |x| x.result();
];

/// The rows of the jobs pane: every job, and every batch over its jobs.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    let ran = |start: DateTime<Utc>, end: Option<DateTime<Utc>>| {
        (end.unwrap_or(now) - start).num_seconds().max(0)
    };
    let jobs = state.work.jobs.iter().map(|j| Item::Job {
        j,
        batch: state.batch_of(j.id).map(|b| b.id),
        elapsed: ran(j.started, j.finished),
    });
    let batches = state.work.batches.iter().map(|b| Item::Batch {
        b,
        jobs: b
            .children
            .iter()
            .filter_map(|c| state.work.jobs.iter().find(|j| j.id == *c))
            .collect(),
        elapsed: ran(b.started, b.finished),
    });
    jobs.chain(batches)
        .map(|item| {
            let remote = match &item {
                Item::Job { j, .. } => j.spec.target().remote.clone(),
                Item::Batch { .. } => String::new(),
            };
            let values = COLUMNS.iter().map(|c| (c.value)(&item));
            Row::new(
                RowKey::Job(item.id()),
                remote,
                values,
                false,
            )
        })
        .collect()
}

/// The detail view of a row.
pub fn detail(state: &AppState, key: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    if let RowKey::Job(id) = key
        && let Some(b) = state.work.batches.iter().find(|b| b.id == *id)
    {
        batch_detail(state, b, now, out);
        return true;
    }
    let Some(j) = state.job_by_key(key) else {
        return false;
    };
    out.push(format!("job: {}", j.id));
    if let Some(b) = state.batch_of(j.id) {
        out.push(format!("batch: {} ({})", b.id, quote(&b.what)));
    }
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

/// A batch: what it does, each of its jobs with its result, the objects it skipped.
fn batch_detail(state: &AppState, b: &Batch, now: DateTime<Utc>, out: &mut Vec<String>) {
    out.push(format!("batch: {}", b.id));
    out.push(format!("action: {}", quote(&b.what)));
    out.push(format!("started: {}", when(Some(b.started), now)));
    if let Some(f) = b.finished {
        out.push(format!("finished: {}", when(Some(f), now)));
    }
    out.push(format!(
        "result: {}",
        quote(b.summary.as_deref().unwrap_or("running"))
    ));
    out.push("jobs:".into());
    for c in &b.children {
        let Some(j) = state.work.jobs.iter().find(|j| j.id == *c) else {
            continue;
        };
        let status = match &j.outcome {
            Some(o) => format!("{}: {}", o.label(), o.detail()),
            None => progress_text(&j.progress, 30),
        };
        out.push(format!("  - {} {}: {}", j.id, j.spec.subject(), quote(&status)));
    }
    if !b.skipped.is_empty() {
        out.push("skipped:".into());
        for (o, why) in &b.skipped {
            out.push(format!("  - {o}: {}", quote(why)));
        }
    }
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: to the job's object.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.jump_from_job(key);
}
