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
    /// Its place in the queue (`None`: it runs at once). Taken when the job is queued, so jobs
    /// run in the order they were started.
    pub queue: Option<super::queue::Place>,
}

fn write<T: serde::Serialize>(file: Option<PathBuf>, v: &T) {
    if let Some(f) = file
        && let Err(e) = journal::append(&f, v)
    {
        tracing::warn!(file = %f.display(), error = %e, "cannot append");
    }
}

/// Set (to the reason) when the console stops following a job and leaves its operation to the
/// server: the job ends `abandoned` with its record written.
pub type AbandonRx = tokio::sync::watch::Receiver<Option<String>>;

/// Runs the job with its remote's provider (`op` is an error when the remote could not even be
/// set up); a configured command runs here.
pub async fn execute(
    op: Result<Arc<dyn Operator>, ProviderError>,
    job: &JobRun,
    cancel: CancelRx,
    on: impl FnMut(Note),
) -> JobRecord {
    let (_keep, never) = tokio::sync::watch::channel(None);
    execute_abandonable(op, job, cancel, never, on).await
}

/// [`execute`], ending `abandoned` when `abandon` is set: what runs on the server is left to
/// run, and the journal and history say so.
pub async fn execute_abandonable(
    op: Result<Arc<dyn Operator>, ProviderError>,
    job: &JobRun,
    cancel: CancelRx,
    mut abandon: AbandonRx,
    mut on: impl FnMut(Note),
) -> JobRecord {
    // Its turn in the queue first: cancelled or abandoned while waiting, it never runs.
    let mut cancel = cancel;
    let ticket = job.queue.as_ref().and_then(super::queue::Place::take);
    let (turn, waited) = match ticket {
        None => (None, None),
        Some(ticket) => {
            on(Note::Event(JobEvent::Progress(super::Progress {
                stage: "queued".into(),
                ..Default::default()
            })));
            tokio::select! {
                t = ticket.turn() => {
                    on(Note::Event(JobEvent::Progress(super::Progress {
                        stage: "starting".into(),
                        ..Default::default()
                    })));
                    (Some(t), None)
                }
                _ = atlas_core::ops::cancelled(&mut cancel) => {
                    (None, Some(Outcome::Cancelled("cancelled while queued: it never ran".into())))
                }
                Ok(why) = abandon.wait_for(Option::is_some) => {
                    (None, Some(Outcome::Abandoned(format!("{} (while queued: it never ran)", (*why).clone().unwrap_or_default()))))
                }
            }
        }
    };
    let _turn = turn;
    let started = Utc::now();
    let jfile = job.state_dir.as_deref().map(journal::journal_file);
    let hfile = job.state_dir.as_deref().map(journal::jobs_file);
    // The provider fills in its own ids (a VMID) first: the CLI lines name the object so.
    let (spec, op) = match op {
        Ok(o) if waited.is_none() && job.spec.command_line().is_none() => {
            match o.prepare(&job.spec).await {
                Ok(s) => (s, Ok(o)),
                Err(e) => (job.spec.clone(), Err(e)),
            }
        }
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
    let outcome = if let Some(o) = waited {
        o
    } else {
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
                    Ok(why) = abandon.wait_for(Option::is_some) => {
                        break Outcome::Abandoned((*why).clone().unwrap_or_default());
                    }
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

/// Job numbers of one state dir: one sequence shared by every process that writes it (the
/// console and headless commands at once), the next number taken under a lock on
/// `jobs.seq`. Without a state dir (tests), a counter.
#[derive(Debug, Clone)]
pub enum JobIds {
    Counter(JobId),
    StateDir(PathBuf),
}

impl JobIds {
    /// The next number, never given to another process of this state dir.
    pub fn take(&mut self) -> JobId {
        match self {
            JobIds::Counter(n) => {
                *n += 1;
                *n - 1
            }
            JobIds::StateDir(dir) => match take_id(dir) {
                Ok(id) => id,
                Err(e) => {
                    // A state dir that cannot be written: numbers stay unique in this process.
                    tracing::warn!(dir = %dir.display(), error = %e, "no job sequence; numbering in this process only");
                    let id = next_id(dir);
                    *self = JobIds::Counter(id + 1);
                    id
                }
            },
        }
    }
}

/// Takes the next number of the state dir's sequence under an exclusive lock; a sequence file
/// that is missing or damaged starts after what the history and journal hold.
fn take_id(dir: &std::path::Path) -> std::io::Result<JobId> {
    use std::io::{Read, Seek, Write};
    use std::os::unix::fs::OpenOptionsExt;
    crate::files::private_dir(dir)?;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join("jobs.seq"))?;
    f.lock()?;
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    let id = match text.trim().parse::<JobId>() {
        Ok(n) if n > 0 => n,
        _ => next_id(dir),
    };
    f.set_len(0)?;
    f.rewind()?;
    f.write_all(format!("{}\n", id + 1).as_bytes())?;
    f.sync_data()?;
    Ok(id)
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
