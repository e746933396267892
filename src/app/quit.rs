//! Quitting while jobs run: the console asks whether to wait for them, cancel them, or leave
//! their operations to the server — never kills them silently. Every job then ends in the
//! history with what happened (`abandoned` is an outcome too).

use crossterm::event::KeyEvent;

use super::effect::Effect;
use super::line::KeyIn;
use super::state::{AppState, Layer, Level};
use crate::action::Action;
use crate::jobs::JobId;

pub use super::confirm::{QuitChoice, QuitDialog};

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
        self.open(Layer::Quit(QuitDialog { jobs, selected: 0 }));
    }

    /// Keys while the question is open (the `[picker]` keymap: move, choose, close).
    pub fn quit_key(&mut self, ev: KeyEvent, _now: chrono::DateTime<chrono::Utc>) -> Vec<Effect> {
        let Some(selected) = self.quit_dialog().map(|d| d.selected) else {
            return vec![];
        };
        let last = QuitChoice::ALL.len() - 1;
        match self.read_key(self.keys(), &ev) {
            KeyIn::Action(Action::Down, _) => {
                if let Some(d) = self.quit_dialog_mut() {
                    d.selected = (d.selected + 1).min(last);
                }
                vec![]
            }
            KeyIn::Action(Action::Up, _) => {
                if let Some(d) = self.quit_dialog_mut() {
                    d.selected = d.selected.saturating_sub(1);
                }
                vec![]
            }
            KeyIn::Action(Action::Submit, _) => {
                let choice = QuitChoice::ALL[selected.min(last)];
                self.close();
                self.quit_with(choice)
            }
            // Asked again to quit: the jobs are left to the server.
            KeyIn::Action(Action::Quit, _) => {
                self.close();
                self.quit_with(QuitChoice::Leave)
            }
            KeyIn::Action(Action::Close, _) => {
                self.close();
                if std::mem::take(&mut self.work.quit_when_idle) {
                    self.say(Level::Info, "not quitting: the jobs go on");
                }
                vec![]
            }
            _ => vec![],
        }
    }

    fn quit_with(&mut self, choice: QuitChoice) -> Vec<Effect> {
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
