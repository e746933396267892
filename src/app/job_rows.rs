//! The rows of the jobs and journal panes.

use super::cells::{Row, SortKey, cell, styled, text_key};
use super::job_view::progress_text;
use super::state::AppState;
use crate::inventory::{human_bytes, human_duration};
use crate::jobs::Outcome;
use chrono::{DateTime, Utc};

/// Rows of the jobs pane.
pub fn job_rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    state
        .work
        .jobs
        .iter()
        .map(|j| {
            let elapsed = (j.finished.unwrap_or(now) - j.started).num_seconds().max(0);
            let (result, style) = match &j.outcome {
                None if j.cancel_requested => ("cancelling…".to_string(), "status.busy"),
                None => ("running".to_string(), "status.busy"),
                Some(Outcome::Done(d)) => (format!("done: {d}"), "status.running"),
                Some(Outcome::Failed(d)) => (format!("failed: {d}"), "status.error"),
                Some(Outcome::Cancelled(d)) => (format!("cancelled: {d}"), "gauge.mid"),
            };
            let rate = j
                .progress
                .rate
                .filter(|r| *r > 0.0)
                .map(|r| format!("{}/s", human_bytes(r as u64)))
                .unwrap_or_else(|| "-".into());
            Row {
                object: None,
                key: format!("job/{}", j.id),
                remote: j.spec.target().remote.clone(),
                cells: vec![
                    cell(j.id.to_string()),
                    cell(j.spec.kind()),
                    cell(j.spec.subject()),
                    styled(
                        progress_text(&j.progress, 24),
                        if j.running() {
                            "status.busy"
                        } else {
                            "ui.muted"
                        },
                    ),
                    cell(rate),
                    cell(human_duration(elapsed)),
                    styled(result, style),
                ],
                sort: vec![
                    SortKey::Num(j.id as f64),
                    text_key(&j.spec.kind()),
                    text_key(&j.spec.subject()),
                    SortKey::Num(j.progress.percent.unwrap_or(-1.0)),
                    SortKey::Num(j.progress.rate.unwrap_or(-1.0)),
                    SortKey::Num(elapsed as f64),
                    text_key(j.outcome.as_ref().map(|o| o.label()).unwrap_or("running")),
                ],
                stale: false,
            }
        })
        .collect()
}

/// Rows of the journal pane.
pub fn journal_rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    state
        .work
        .journal
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let age = (now - e.ts).num_seconds();
            let time = if age < 86400 {
                e.ts.with_timezone(&chrono::Local)
                    .format("%H:%M:%S")
                    .to_string()
            } else {
                e.ts.with_timezone(&chrono::Local)
                    .format("%m-%d")
                    .to_string()
            };
            let style = match e.status.as_str() {
                "done" => "status.running",
                "failed" => "status.error",
                "cancelled" => "gauge.mid",
                _ => "status.busy",
            };
            Row {
                object: None,
                key: format!("journal/{i}"),
                remote: e.remote.clone(),
                cells: vec![
                    cell(time),
                    styled(&e.status, style),
                    cell(&e.action),
                    cell(&e.target),
                    if e.alerts.is_empty() {
                        styled("-", "ui.muted")
                    } else {
                        styled(e.alerts.join(", "), "alert.warning")
                    },
                    cell(e.detail.lines().next().unwrap_or("")),
                ],
                sort: vec![
                    SortKey::Num(e.ts.timestamp_millis() as f64 + i as f64 / 1e4),
                    text_key(&e.status),
                    text_key(&e.action),
                    text_key(&e.target),
                    SortKey::Num(e.alerts.len() as f64),
                    text_key(&e.detail),
                ],
                stale: false,
            }
        })
        .collect()
}
