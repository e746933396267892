//! Jobs and the journal as the UI knows them: updates from running jobs, the rows of the jobs
//! and journal panes, and the status-line summary.

use chrono::{DateTime, Utc};

use super::cells::RowKey;
use super::job_view::{JOURNAL_ROWS, LOG_LINES};

/// How far back a journal line read from the file is looked for among those already shown.
const JOURNAL_DUPLICATES: usize = 500;
pub use super::job_view::{JobView, progress_text};
use super::state::{AppState, Level};
use crate::jobs::journal::Entry;
use crate::jobs::{JobEvent, JobId, Outcome};

impl AppState {
    /// Applies a progress event or a line of output of a running job.
    pub fn apply_job_event(&mut self, id: JobId, event: JobEvent) {
        let Some(j) = self.work.jobs.iter_mut().find(|j| j.id == id) else {
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
        let Some(j) = self.work.jobs.iter_mut().find(|j| j.id == id) else {
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
            Outcome::Cancelled(_) | Outcome::Abandoned(_) | Outcome::Unknown(_) => Level::Warning,
            Outcome::Failed(_) => Level::Error,
        };
        self.say(level, text);
        self.batch_job_ended(id, at);
    }

    /// Adds a journal line (the file was written by the job).
    pub fn apply_journal(&mut self, e: Entry) {
        // The journal file is followed too (lines of headless commands and other consoles):
        // a line this console wrote comes back from it.
        if self
            .work
            .journal
            .iter()
            .rev()
            .take(JOURNAL_DUPLICATES)
            .any(|x| *x == e)
        {
            return;
        }
        if let Some(id) = e.job
            && let Some(j) = self.work.jobs.iter_mut().find(|j| j.id == id)
        {
            j.cli = e.cli.clone();
        }
        self.work.journal.push(e);
        if self.work.journal.len() > JOURNAL_ROWS {
            let extra = self.work.journal.len() - JOURNAL_ROWS;
            self.work.journal.drain(..extra);
        }
    }

    /// Jobs still running.
    pub fn running_jobs(&self) -> impl Iterator<Item = &JobView> {
        self.work.jobs.iter().filter(|j| j.running())
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

    /// The job a jobs-pane row is.
    pub fn job_by_key(&self, key: &RowKey) -> Option<&JobView> {
        let RowKey::Job(id) = key else { return None };
        self.work.jobs.iter().find(|j| j.id == *id)
    }

    /// The journal entry a journal-pane row is.
    pub fn journal_by_key(&self, key: &RowKey) -> Option<&Entry> {
        let RowKey::Journal(i) = key else { return None };
        self.work.journal.get(*i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Progress;

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
