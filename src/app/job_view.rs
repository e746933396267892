//! A job as the state holds it, and its progress as text.

use crate::inventory::human_bytes;
use crate::jobs::{JobId, JobRecord, JobSpec, Outcome, Progress};
use chrono::{DateTime, Utc};

/// Lines of output kept per job.
pub(crate) const LOG_LINES: usize = 500;
/// Journal entries kept in memory (the file keeps everything).
pub(crate) const JOURNAL_ROWS: usize = 2000;

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
