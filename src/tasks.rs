//! The console's background work, and the effects that need no terminal: sending commands to
//! the provider and alert workers, running and cancelling jobs, surveying, reading and saving
//! definitions. The loop (`run.rs`) keeps the effects that suspend or change the terminal.

use std::collections::HashMap;
use std::path::PathBuf;

use tokio::sync::{mpsc, watch};

use crate::alerts::worker::SourceCmd;
use crate::app::state::{AppState, Effect, Level};
use crate::backend::RemoteSpec;
use crate::backend::{self, Command, Update};
use crate::jobs::JobId;

/// The workers and running jobs of a session.
pub struct Tasks {
    workers: HashMap<String, mpsc::UnboundedSender<Command>>,
    sources: HashMap<String, mpsc::UnboundedSender<SourceCmd>>,
    remote_specs: HashMap<String, RemoteSpec>,
    /// Running jobs: how to cancel each, and how to stop following it (leaving its operation
    /// to the server).
    running: HashMap<JobId, (watch::Sender<bool>, watch::Sender<Option<String>>)>,
    updates: mpsc::UnboundedSender<Update>,
    user: String,
    state_dir: PathBuf,
    /// Writes journal lines and the remotes' events off the loop.
    recorder: std::sync::mpsc::Sender<Record>,
    /// The per-remote queue every job waits its turn in.
    queue: crate::jobs::queue::Queue,
}

/// A line for the state dir's files.
enum Record {
    Journal(Box<crate::jobs::journal::Entry>),
    Events(Vec<crate::timeline::Event>),
}

/// Starts the thread that appends journal lines and events; events that arrive together
/// (a burst of lifecycle events) are written in one append.
fn recorder(state_dir: PathBuf) -> std::sync::mpsc::Sender<Record> {
    let (tx, rx) = std::sync::mpsc::channel::<Record>();
    let spawned = std::thread::Builder::new()
        .name("recorder".into())
        .spawn(move || {
            let journal = crate::jobs::journal::journal_file(&state_dir);
            let events = crate::timeline::events_file(&state_dir);
            while let Ok(first) = rx.recv() {
                let mut batch = vec![];
                for r in std::iter::once(first).chain(rx.try_iter()) {
                    match r {
                        Record::Journal(e) => {
                            if let Err(err) = crate::jobs::journal::append(&journal, &e) {
                                tracing::warn!(error = %err, "cannot write the journal");
                            }
                        }
                        Record::Events(mut e) => batch.append(&mut e),
                    }
                }
                if let Err(err) = crate::timeline::record(&events, &batch) {
                    tracing::warn!(error = %err, "cannot write the events file");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the recorder: nothing is journaled");
    }
    tx
}

/// How often the journal file is looked at for lines other processes added.
const JOURNAL_FOLLOW: std::time::Duration = std::time::Duration::from_secs(2);

/// Follows the journal file from its end: lines that headless commands (or another console)
/// add are sent as they appear (one `stat` every [`JOURNAL_FOLLOW`]; the console's own lines
/// come back too and are recognised by the state).
fn follow_journal(state_dir: &std::path::Path, tx: mpsc::UnboundedSender<Update>) {
    let file = crate::jobs::journal::journal_file(state_dir);
    tokio::spawn(async move {
        let mut offset = tokio::fs::metadata(&file)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        let mut tick = tokio::time::interval(JOURNAL_FOLLOW);
        loop {
            tick.tick().await;
            let len = match tokio::fs::metadata(&file).await {
                Ok(m) => m.len(),
                Err(_) => continue,
            };
            if len < offset {
                // Replaced or cut: from its start.
                offset = 0;
            }
            if len == offset {
                continue;
            }
            let (entries, read) = match crate::jobs::journal::read_from(&file, offset).await {
                Ok(x) => x,
                Err(e) => {
                    tracing::debug!(error = %e, "journal not readable");
                    continue;
                }
            };
            offset += read;
            for e in entries {
                if tx.send(Update::Journal(e)).is_err() {
                    return;
                }
            }
        }
    });
}

impl Tasks {
    pub fn new(
        workers: HashMap<String, mpsc::UnboundedSender<Command>>,
        sources: HashMap<String, mpsc::UnboundedSender<SourceCmd>>,
        specs: &[RemoteSpec],
        updates: mpsc::UnboundedSender<Update>,
        user: String,
        state_dir: PathBuf,
        queue: crate::jobs::queue::Queue,
    ) -> Self {
        follow_journal(&state_dir, updates.clone());
        Tasks {
            workers,
            sources,
            remote_specs: specs.iter().map(|s| (s.name.clone(), s.clone())).collect(),
            running: HashMap::new(),
            updates,
            user,
            recorder: recorder(state_dir.clone()),
            state_dir,
            queue,
        }
    }

    /// A job ended: it can no longer be cancelled.
    pub fn job_finished(&mut self, id: JobId) {
        self.running.remove(&id);
    }

    /// Stops following every running job, each ending `abandoned` (`why`) with its journal line
    /// and history record written, its operation left to the server. Gives how many there were.
    pub fn abandon_all(&mut self, why: &str) -> usize {
        for (_, abandon) in self.running.values() {
            abandon.send_replace(Some(why.to_string()));
        }
        self.running.len()
    }

    /// Runs an effect that needs no terminal; gives back the others.
    pub fn run(&mut self, effect: Effect, state: &mut AppState) -> Option<Effect> {
        match effect {
            Effect::Send { remote: None, cmd } => {
                for w in self.workers.values() {
                    let _ = w.send(cmd.clone());
                }
            }
            Effect::Send {
                remote: Some(r),
                cmd,
            } => {
                if let Some(w) = self.workers.get(&r) {
                    let _ = w.send(cmd);
                }
            }
            Effect::Alert { source, cmd } => match self.sources.get(&source) {
                Some(w) => {
                    let _ = w.send(cmd);
                }
                None => state.say(
                    Level::Error,
                    format!("{source}: not usable, see `atlas-tui info`"),
                ),
            },
            Effect::StartJob { id, spec, alerts } => self.start_job(id, spec, alerts),
            Effect::CancelJob(id) => {
                if let Some((c, _)) = self.running.get(&id) {
                    let _ = c.send(true);
                }
            }
            Effect::WriteFile { path, text, what } => {
                let tx = self.updates.clone();
                tokio::task::spawn_blocking(move || {
                    let result =
                        crate::files::write_private(&path, &text).map_err(|e| e.to_string());
                    let _ = tx.send(backend::Update::Written { what, path, result });
                });
            }
            Effect::ServicesRefresh { seq } => self.survey(state.services.dir.clone(), seq),
            Effect::Journal(e) => {
                let _ = self.recorder.send(Record::Journal(e));
            }
            Effect::Record(events) => {
                let _ = self.recorder.send(Record::Events(events));
            }
            Effect::FindRunbook {
                fingerprint,
                dir,
                alertname,
                annotation,
            } => {
                let tx = self.updates.clone();
                tokio::task::spawn_blocking(move || {
                    let found =
                        crate::alerts::runbooks::find(&dir, &alertname, annotation.as_deref());
                    let _ = tx.send(backend::Update::Runbook { fingerprint, found });
                });
            }
            Effect::OpenDefinition { file } => {
                let tx = self.updates.clone();
                tokio::task::spawn_blocking(move || {
                    let result = crate::survey::read_for_edit(&file);
                    let result = result.map_err(|e| e.to_string());
                    let _ = tx.send(backend::Update::DefinitionText { file, result });
                });
            }
            Effect::SaveDefinition { file, text, expect } => {
                let tx = self.updates.clone();
                tokio::task::spawn_blocking(move || {
                    let result = crate::survey::save_checked(&file, &text, expect);
                    match &result {
                        Ok(()) => tracing::info!(file = %file.display(), "definition saved"),
                        Err(e) => {
                            tracing::warn!(file = %file.display(), why = %e.why, "definition not saved")
                        }
                    }
                    let _ = tx.send(backend::Update::DefinitionSaved { file, text, result });
                });
            }
            // What needs the terminal is the loop's.
            other @ (Effect::Quit
            | Effect::QuitLeavingJobs
            | Effect::Copy(_)
            | Effect::Shell { .. }
            | Effect::Terminal(_)
            | Effect::EditExternal { .. }
            | Effect::LoadTheme(_)) => return Some(other),
        }
        None
    }

    /// A job on a task of its own: its progress and journal lines reported, its end too, then
    /// the rows it touched read again.
    fn start_job(
        &mut self,
        id: crate::jobs::JobId,
        spec: crate::jobs::JobSpec,
        alerts: Vec<String>,
    ) {
        let (ctx, crx) = tokio::sync::watch::channel(false);
        let (atx, arx) = tokio::sync::watch::channel(None);
        self.running.insert(id, (ctx, atx));
        let remote = spec.target().remote.clone();
        let op = match self.remote_specs.get(&remote) {
            Some(s) => backend::operator(s),
            None => Err(backend::ProviderError::UnknownRemote(remote.clone())),
        };
        let job = crate::jobs::execute::JobRun {
            id,
            spec,
            alerts,
            user: self.user.clone(),
            state_dir: Some(self.state_dir.clone()),
            queue: Some(self.queue.place(&remote)),
        };
        let tx = self.updates.clone();
        let worker = self.workers.get(&remote).cloned();
        let reread = job.spec.touches();
        tokio::spawn(async move {
            let fwd = tx.clone();
            let rec = crate::jobs::execute::execute_abandonable(op, &job, crx, arx, move |n| {
                let _ = fwd.send(match n {
                    crate::jobs::execute::Note::Event(event) => backend::Update::Job { id, event },
                    crate::jobs::execute::Note::Journal(e) => backend::Update::Journal(e),
                });
            })
            .await;
            let _ = tx.send(backend::Update::JobFinished {
                id,
                outcome: rec.outcome,
                at: rec.finished,
            });
            // The rows it touched are read again at once (events cover most,
            // not all, changes); the rest is reconciled.
            if let Some(w) = worker {
                let _ = w.send(Command::Reread(reread));
            }
        });
    }

    /// The definitions surveyed against the servers, on a task.
    fn survey(&self, dir: std::path::PathBuf, seq: u64) {
        let specs = self.remote_specs.clone();
        let tx = self.updates.clone();
        tokio::spawn(async move {
            let survey = crate::survey::survey(&dir, |remote: &str| {
                let s = specs
                    .get(remote)
                    .ok_or_else(|| backend::ProviderError::UnknownRemote(remote.to_string()))?;
                backend::operator(s)
            })
            .await;
            let _ = tx.send(backend::Update::Services {
                seq,
                survey: Box::new(survey),
            });
        });
    }
}
