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

/// How long a maintenance silence lasts at most: it is expired when the job ends, and ends on
/// its own if the console is gone by then.
pub const SILENCE_AT_MOST: chrono::Duration = chrono::Duration::hours(1);

/// Where a maintenance is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Silences being written; the job waits.
    Silencing,
    /// The job runs under the silences.
    Running,
    /// The job ended; the silences are being expired.
    Expiring,
    /// Silences gone: the object's alerts are watched until then.
    Watching { until: DateTime<Utc> },
    /// Reported.
    Done,
}

/// One job's maintenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Maintenance {
    pub job: JobId,
    /// The row keys of its objects (an apply's instances; one for other jobs).
    pub keys: Vec<String>,
    /// `local:grafana01`, `local:grafana01, local:loki01`.
    pub label: String,
    /// The silences' comment; it names the job, and finds the answers to the writes.
    pub comment: String,
    /// Silences written: (Alertmanager, id).
    pub silences: Vec<(String, String)>,
    /// Writes not answered yet.
    pub waiting: usize,
    /// The job's start, held until the silences are in.
    pub start: Option<super::effect::Effect>,
    pub phase: Phase,
    /// Alerts on the object that fired while it was watched.
    pub fired: Vec<String>,
}

/// What an action on marked rows will do: a job for each object it applies to, and the objects
/// it skips with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchPlan {
    /// `snapshot pre-upgrade`, `stop`.
    pub what: String,
    pub jobs: Vec<JobSpec>,
    /// (object, why it is skipped).
    pub skipped: Vec<(String, String)>,
}

/// A batch started from marked rows: one parent over its jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub id: JobId,
    pub what: String,
    /// Its jobs, in the order they were started.
    pub children: Vec<JobId>,
    pub skipped: Vec<(String, String)>,
    pub started: DateTime<Utc>,
    /// When its last job ended.
    pub finished: Option<DateTime<Utc>>,
    /// `18 done, 1 failed: step-ca01 — …, 1 skipped`, once every job ended.
    pub summary: Option<String>,
}
