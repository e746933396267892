//! Quitting while jobs run: the console asks whether to wait for them, cancel them, or leave
//! their operations to the server — never kills them silently. Every job then ends in the
//! history with what happened (`abandoned` is an outcome too).

use super::effect::Effect;
use super::state::{AppState, Level};
use crate::jobs::JobId;

pub use super::layers::quit::QuitDialog;
pub use super::state::QuitChoice;

impl AppState {
    /// A quit asked for while jobs run becomes the question (once quitting was decided on, the
    /// quit goes through).
    pub(crate) fn hold_quit(&mut self, fx: &mut Vec<Effect>) {
        if !fx.contains(&Effect::Quit) || self.quit_dialog().is_some() {
            return;
        }
        let jobs: Vec<JobId> = self.running_jobs().map(|j| j.id).collect();
        if jobs.is_empty() {
            return;
        }
        fx.retain(|e| *e != Effect::Quit);
        self.open(QuitDialog { jobs, selected: 0 });
    }

    pub(crate) fn quit_with(&mut self, choice: QuitChoice) -> Vec<Effect> {
        let running: Vec<JobId> = self.running_jobs().map(|j| j.id).collect();
        if running.is_empty() {
            return vec![Effect::Quit];
        }
        match choice {
            QuitChoice::Leave => vec![Effect::QuitLeavingJobs],
            QuitChoice::Wait => {
                self.work.quit_when_idle = true;
                self.say(
                    Level::Info,
                    format!(
                        "quitting when {} running job(s) end (q asks again)",
                        running.len()
                    ),
                );
                vec![]
            }
            QuitChoice::Cancel => {
                self.work.quit_when_idle = true;
                self.say(
                    Level::Info,
                    format!(
                        "cancelling {} job(s); quitting when they end",
                        running.len()
                    ),
                );
                running
                    .into_iter()
                    .map(|id| {
                        if let Some(j) = self.work.jobs.iter_mut().find(|j| j.id == id) {
                            j.cancel_requested = true;
                        }
                        Effect::CancelJob(id)
                    })
                    .collect()
            }
        }
    }

    /// After a job ended: the quit that waited for the jobs goes through once none runs.
    pub(crate) fn quit_if_idle(&mut self) -> Option<Effect> {
        (self.work.quit_when_idle && self.running_jobs().next().is_none()).then_some(Effect::Quit)
    }
}
