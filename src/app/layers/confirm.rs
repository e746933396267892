//! A yes/no question before a destructive action: the question, what will happen, and for
//! production remotes the name to type; confirming starts the job it is about.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::kit::{Dialog, dialog, maintenance_line};
use crate::action::Action;
use crate::app::effect::Effect;
use crate::app::line::edit_line;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Level, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// A yes/no question before a destructive action.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub prompt: String,
    /// What will happen (a restore preview), shown under the question.
    pub body: Vec<String>,
    /// On production remotes: the name to type before it goes ahead.
    pub typed: Option<String>,
    /// What was typed so far.
    pub input: String,
    /// The job to start when confirmed (it gets its id then).
    pub job: Option<crate::jobs::JobSpec>,
    /// Effects when confirmed.
    pub effects: Vec<Effect>,
    /// The jobs on marked rows to start when confirmed (instead of `job`).
    pub batch: Option<crate::app::job_view::BatchPlan>,
    /// Whether the job runs under a maintenance silence of its object (`None`: not offered).
    pub maintenance: Option<bool>,
}

impl Confirm {
    /// A plain yes/no question.
    pub fn new(prompt: String, effects: Vec<Effect>) -> Self {
        Confirm {
            prompt,
            body: vec![],
            typed: None,
            input: String::new(),
            job: None,
            batch: None,
            effects,
            maintenance: None,
        }
    }

    /// Where a name must be typed: letters (also those bound to yes/no) are typed, and confirm
    /// checks them. `None` when the key goes on to the plain question's handling.
    fn typed_key(&mut self, k: KeyIn) -> Option<Vec<Msg>> {
        let want = self.typed.clone()?;
        Some(match k {
            KeyIn::Action(Action::Quit, _) => vec![Msg::Effects(vec![Effect::Quit])],
            // A non-printing key bound to cancel (esc) cancels.
            KeyIn::Action(Action::Cancel, None) => return None,
            // A non-printing key bound to confirm (enter) checks what was typed.
            KeyIn::Action(Action::Confirm, None) if want != self.input => vec![Msg::Say(
                Level::Warning,
                format!("type {want} exactly to confirm, esc to cancel"),
            )],
            KeyIn::Action(Action::Confirm, None) => return None,
            KeyIn::Action(a, t) => {
                let t = t.filter(|_| matches!(a, Action::Confirm | Action::Cancel));
                edit_line(&mut self.input, a, t);
                vec![]
            }
            KeyIn::Text(ch) => {
                self.input.push(ch);
                vec![]
            }
            KeyIn::Pending | KeyIn::Unbound => vec![],
        })
    }
}

impl Layer for Confirm {
    fn mode(&self) -> InputMode {
        InputMode::Confirm
    }

    fn keys(&self) -> Mode {
        Mode::Confirm
    }

    /// The `[confirm]` keymap: confirm or cancel; where a name must be typed, letters are
    /// typed and confirm checks them.
    fn key(&mut self, k: KeyIn, _: &KeyEvent, _: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        if let KeyIn::Action(Action::ToggleMaintenance, None) = k
            && let Some(on) = self.maintenance.as_mut()
        {
            *on = !*on;
            return vec![];
        }
        if let Some(msgs) = self.typed_key(k) {
            return msgs;
        }
        match k {
            KeyIn::Action(Action::Confirm, _) => {
                let mut msgs = vec![Msg::Close, Msg::Effects(std::mem::take(&mut self.effects))];
                let maintenance = self.maintenance == Some(true);
                if let Some(job) = self.job.take() {
                    msgs.push(Msg::StartJob { job, maintenance });
                }
                if let Some(plan) = self.batch.take() {
                    msgs.push(Msg::StartBatch { plan, maintenance });
                }
                msgs
            }
            KeyIn::Action(Action::Cancel, _) => {
                vec![Msg::Close, Msg::Say(Level::Info, "cancelled".into())]
            }
            KeyIn::Action(Action::Quit, _) => vec![Msg::Effects(vec![Effect::Quit])],
            _ => vec![],
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let mut body = self.body.clone();
        if let (Some(on), Some(job)) = (self.maintenance, &self.job) {
            body.push(maintenance_line(
                state,
                on,
                &format!("{}'s alerts", job.target().label()),
            ));
        }
        if let (Some(on), Some(b)) = (self.maintenance, &self.batch) {
            body.push(maintenance_line(
                state,
                on,
                &format!("the alerts of these {} objects", b.jobs.len()),
            ));
        }
        dialog(
            f,
            area,
            state,
            theme,
            &Dialog {
                prompt: &self.prompt,
                body: &body,
                typed: self
                    .typed
                    .as_deref()
                    .map(|want| (want, self.input.as_str())),
                production: self
                    .job
                    .iter()
                    .chain(self.batch.iter().flat_map(|b| &b.jobs))
                    .any(|j| state.production(&j.target().remote)),
            },
        );
    }
}
