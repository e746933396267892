//! A job as the state holds it, and its progress as text.

pub use crate::jobs::progress_text;
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
    /// Its equivalent CLI lines as journaled when it started (the provider's ids filled in).
    pub cli: Vec<String>,
}

impl JobView {
    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }

    /// A finished job from the history file.
    pub fn from_record(r: JobRecord) -> Self {
        JobView {
            cli: vec![],
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
