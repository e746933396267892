//! Jobs and the journal as the UI knows them: updates from running jobs, the rows of the jobs
//! and journal panes, and the status-line summary.

use chrono::{DateTime, Utc};

use super::rows::{Row, SortKey, cell, styled, text_key};
use super::state::{AppState, Level};
use crate::inventory::{human_bytes, human_duration};
use crate::jobs::{JobEvent, JobId, JobRecord, JobSpec, Outcome, Progress};
use crate::jobs::journal::Entry;

/// Lines of output kept per job.
const LOG_LINES: usize = 500;
/// Journal entries kept in memory (the file keeps everything).
const JOURNAL_ROWS: usize = 2000;

/// A job, running or finished.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    pub id: JobId,
    pub spec: JobSpec,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub progress: Progress,
    pub outcome: Option<Outcome>,
    pub log: Vec<String>,
    /// Alerts firing on the target when it started.
    pub alerts: Vec<String>,
    pub cancel_requested: bool,
}

impl JobView {
    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }

    /// A finished job from the history file.
    pub fn from_record(r: JobRecord) -> Self {
        JobView {
            id: r.id,
            spec: r.spec,
            started: r.started,
            finished: Some(r.finished),
            progress: r.progress,
            outcome: Some(r.outcome),
            log: r.log,
            alerts: vec![],
            cancel_requested: false,
        }
    }

    /// The record kept in the history file.
    pub fn record(&self) -> Option<JobRecord> {
        Some(JobRecord {
            id: self.id,
            spec: self.spec.clone(),
            started: self.started,
            finished: self.finished?,
            outcome: self.outcome.clone()?,
            log: self.log.clone(),
            progress: self.progress.clone(),
        })
    }
}

/// `[██████░░░░]  62% 12.3MiB/19.8MiB`, or the stage text when there is no percent.
pub fn progress_text(p: &Progress, width: usize) -> String {
    let bytes = match (p.done, p.total) {
        (Some(d), Some(t)) if t > 0 => format!(" {}/{}", human_bytes(d), human_bytes(t)),
        (Some(d), _) => format!(" {}", human_bytes(d)),
        _ => String::new(),
    };
    match p.percent {
        Some(pct) => {
            let pct = pct.clamp(0.0, 100.0);
            let cells = 10usize;
            let full = ((pct / 100.0) * cells as f64).round() as usize;
            let bar: String = "█".repeat(full) + &"░".repeat(cells - full);
            let s = format!("{bar} {pct:>3.0}%{bytes}");
            if s.chars().count() > width && width > 0 {
                format!("{bar} {pct:>3.0}%")
            } else {
                s
            }
        }
        None if !bytes.is_empty() => format!("{}{bytes}", p.stage),
        None => p.stage.clone(),
    }
}

impl AppState {
    /// Applies a progress event or a line of output of a running job.
    pub fn apply_job_event(&mut self, id: JobId, event: JobEvent) {
        let Some(j) = self.jobs.iter_mut().find(|j| j.id == id) else {
            return;
        };
        match event {
            JobEvent::Progress(p) => {
                // Keep byte counts when a stage update carries none.
                let keep = p.done.is_none() && p.percent.is_none() && p.stage.is_empty();
                if !keep {
                    j.progress = p;
                }
            }
            JobEvent::Log(l) => {
                j.log.push(l);
                if j.log.len() > LOG_LINES {
                    let extra = j.log.len() - LOG_LINES;
                    j.log.drain(..extra);
                }
            }
        }
    }

    /// A job ended: record it and say so once.
    pub fn apply_job_finished(&mut self, id: JobId, outcome: Outcome, at: DateTime<Utc>) {
        let Some(j) = self.jobs.iter_mut().find(|j| j.id == id) else {
            return;
        };
        j.finished = Some(at);
        j.outcome = Some(outcome.clone());
        if outcome.is_done() {
            j.progress.percent = j.progress.percent.map(|_| 100.0);
        }
        let text = format!(
            "job {id} {} {}: {} — {}",
            j.spec.kind(),
            j.spec.target().label(),
            outcome.label(),
            outcome.detail()
        );
        let level = match outcome {
            Outcome::Done(_) => Level::Info,
            Outcome::Cancelled(_) => Level::Warning,
            Outcome::Failed(_) => Level::Error,
        };
        self.say(level, text);
    }

    /// Adds a journal line (the file was written by the job).
    pub fn apply_journal(&mut self, e: Entry) {
        self.journal.push(e);
        if self.journal.len() > JOURNAL_ROWS {
            let extra = self.journal.len() - JOURNAL_ROWS;
            self.journal.drain(..extra);
        }
    }

    /// Jobs still running.
    pub fn running_jobs(&self) -> impl Iterator<Item = &JobView> {
        self.jobs.iter().filter(|j| j.running())
    }

    /// The status-line indicator: `⟳ 2 jobs 45%`.
    pub fn jobs_indicator(&self) -> Option<String> {
        let running: Vec<&JobView> = self.running_jobs().collect();
        match running.as_slice() {
            [] => None,
            [j] => Some(format!(
                "⟳ {} {}{}",
                j.spec.kind(),
                j.spec.target().name,
                j.progress
                    .percent
                    .map(|p| format!(" {p:.0}%"))
                    .unwrap_or_default()
            )),
            js => Some(format!("⟳ {} jobs", js.len())),
        }
    }

    /// The job a jobs-pane row key names.
    pub fn job_by_key(&self, key: &str) -> Option<&JobView> {
        let id: JobId = key.strip_prefix("job/")?.parse().ok()?;
        self.jobs.iter().find(|j| j.id == id)
    }

    /// The journal entry a journal-pane row key names.
    pub fn journal_by_key(&self, key: &str) -> Option<&Entry> {
        let i: usize = key.strip_prefix("journal/")?.parse().ok()?;
        self.journal.get(i)
    }
}

/// Rows of the jobs pane.
pub fn job_rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    state
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_bar_text() {
        let p = Progress {
            stage: "downloading".into(),
            percent: Some(62.0),
            done: Some(62 << 20),
            total: Some(100 << 20),
            rate: None,
        };
        assert_eq!(progress_text(&p, 40), "██████░░░░  62% 62.0MiB/100.0MiB");
        assert_eq!(progress_text(&p, 10), "██████░░░░  62%");
        let p = Progress {
            stage: "create backup: 12.3MB (4.5MB/s)".into(),
            ..Default::default()
        };
        assert_eq!(progress_text(&p, 40), "create backup: 12.3MB (4.5MB/s)");
    }
}
