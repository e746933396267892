//! A job run with its bookkeeping: journal lines when it starts and ends, its record in the
//! history, and every event handed to the caller (the UI's update channel, or headless output).

use std::path::PathBuf;

use chrono::Utc;
use tokio::sync::mpsc;

use std::sync::Arc;

use atlas_core::ops::{CancelRx, Reporter};
use atlas_core::provider::{Operator, ProviderError};

use super::journal::{self, Entry};
use super::{JobEvent, JobId, JobRecord, JobSpec, Outcome};

/// What a job run reports to its caller.
#[derive(Debug, Clone)]
pub enum Note {
    Event(JobEvent),
    Journal(Entry),
}

/// A job with what its journal lines need.
#[derive(Debug, Clone)]
pub struct JobRun {
    pub id: JobId,
    pub spec: JobSpec,
    /// Alerts firing on the target when it was started.
    pub alerts: Vec<String>,
    /// `$USER@host`.
    pub user: String,
    /// Where the journal and history live (`None`: nowhere, e.g. in tests).
    pub state_dir: Option<PathBuf>,
}

fn write<T: serde::Serialize>(file: Option<PathBuf>, v: &T) {
    if let Some(f) = file
        && let Err(e) = journal::append(&f, v)
    {
        tracing::warn!(file = %f.display(), error = %e, "cannot append");
    }
}

/// Runs the job with its remote's provider (`op` is an error when the remote could not even be
/// set up); a configured command runs here.
pub async fn execute(
    op: Result<Arc<dyn Operator>, ProviderError>,
    job: &JobRun,
    cancel: CancelRx,
    mut on: impl FnMut(Note),
) -> JobRecord {
    let started = Utc::now();
    let jfile = job.state_dir.as_deref().map(journal::journal_file);
    let hfile = job.state_dir.as_deref().map(journal::jobs_file);
    // The provider fills in its own ids (a VMID) first: the CLI lines name the object so.
    let (spec, op) = match op {
        Ok(o) if job.spec.command_line().is_none() => match o.prepare(&job.spec).await {
            Ok(s) => (s, Ok(o)),
            Err(e) => (job.spec.clone(), Err(e)),
        },
        other => (job.spec.clone(), other),
    };
    let cli = match (&op, spec.command_line()) {
        (_, Some(line)) => vec![line],
        (Ok(op), None) => op.capabilities().cli(&spec),
        (Err(_), None) => vec![],
    };
    let first = Entry::started(job.id, &spec, &cli, &job.alerts, &job.user, started);
    write(jfile.clone(), &first);
    on(Note::Journal(first.clone()));
    let mut log = Vec::new();
    let mut progress = super::Progress::default();
    let outcome = {
        {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let rep = Reporter::new(tx);
            for line in &cli {
                rep.log(format!("$ {line}"));
            }
            let work = run(op.as_ref(), &spec, &rep, cancel);
            tokio::pin!(work);
            let mut note = |e: JobEvent, log: &mut Vec<String>, progress: &mut super::Progress| {
                match &e {
                    JobEvent::Log(l) => log.push(l.clone()),
                    JobEvent::Progress(p) => *progress = p.clone(),
                }
                on(Note::Event(e));
            };
            let outcome = loop {
                tokio::select! {
                    o = &mut work => break o,
                    Some(e) = rx.recv() => note(e, &mut log, &mut progress),
                }
            };
            while let Ok(e) = rx.try_recv() {
                note(e, &mut log, &mut progress);
            }
            outcome
        }
    };
    let finished = Utc::now();
    let last = Entry::finished(&first, &outcome, finished);
    write(jfile, &last);
    on(Note::Journal(last));
    let record = JobRecord {
        id: job.id,
        spec,
        started,
        finished,
        outcome,
        log,
        progress,
    };
    write(hfile, &record);
    record
}

/// Runs the job's steps: a configured command here, the rest by the provider.
async fn run(
    op: Result<&Arc<dyn Operator>, &ProviderError>,
    spec: &JobSpec,
    rep: &Reporter,
    mut cancel: CancelRx,
) -> Outcome {
    match (spec, op) {
        (JobSpec::Command { command, .. }, _) => {
            atlas_core::ops::outcome(super::command::run_command(command, rep, &mut cancel).await)
        }
        (_, Ok(op)) => op.run(spec, rep, cancel).await,
        (_, Err(e)) => Outcome::Failed(e.to_string()),
    }
}

/// The next free job number after what the history and journal hold.
pub fn next_id(state_dir: &std::path::Path) -> JobId {
    let jobs = journal::recent_jobs(&journal::jobs_file(state_dir), usize::MAX);
    let (entries, _) =
        journal::read_lines::<Entry>(&journal::journal_file(state_dir)).unwrap_or_default();
    jobs.iter()
        .map(|j| j.id)
        .chain(entries.iter().filter_map(|e| e.job))
        .max()
        .unwrap_or(0)
        + 1
}
