//! The silence form: a new silence of the selected alerts or objects, or the extension of one;
//! its fields, its keys and (in `view.rs`) its drawing with the alerts it catches right now.

mod view;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::Action;
use crate::alerts::types::{Matcher, SilenceRequest, compile_all, parse_duration, parse_matchers};
use crate::alerts::worker::SourceCmd;
use crate::app::effect::Effect;
use crate::app::line::edit_line;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Level, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// The fields of the silence form, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Matchers,
    Duration,
    Author,
    Comment,
}

impl FormField {
    pub const ALL: [FormField; 4] = [
        FormField::Matchers,
        FormField::Duration,
        FormField::Author,
        FormField::Comment,
    ];
}

/// The silence form (new silence, or extending one).
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceForm {
    pub matchers: String,
    pub duration: String,
    pub author: String,
    pub comment: String,
    pub field: FormField,
    /// Alertmanagers the silence is written to.
    pub targets: Vec<String>,
    /// Writable Alertmanagers left out because they are read-only.
    pub skipped_readonly: Vec<String>,
    /// Extending this silence (id, current end).
    pub extend: Option<(String, DateTime<Utc>)>,
    pub error: Option<String>,
    pub preset: usize,
}

impl SilenceForm {
    pub fn value(&self, f: FormField) -> &str {
        match f {
            FormField::Matchers => &self.matchers,
            FormField::Duration => &self.duration,
            FormField::Author => &self.author,
            FormField::Comment => &self.comment,
        }
    }

    pub(crate) fn value_mut(&mut self, f: FormField) -> &mut String {
        match f {
            FormField::Matchers => &mut self.matchers,
            FormField::Duration => &mut self.duration,
            FormField::Author => &mut self.author,
            FormField::Comment => &mut self.comment,
        }
    }

    /// The matchers as typed, or why they are wrong.
    pub fn parsed_matchers(&self) -> Result<Vec<Matcher>, String> {
        let ms = parse_matchers(&self.matchers).map_err(|e| e.to_string())?;
        if ms.is_empty() {
            return Err("at least one matcher is needed".into());
        }
        compile_all(&ms).map_err(|e| e.to_string())?;
        if ms.iter().all(|m| {
            let c = crate::alerts::types::CompiledMatcher::new(m.clone());
            c.is_ok_and(|c| c.matches(&Default::default()))
        }) {
            return Err(
                "these matchers would also match an empty label set: add one that selects".into(),
            );
        }
        Ok(ms)
    }

    /// The request to send, or the first problem (with the field it is in).
    pub fn request(&self, now: DateTime<Utc>) -> Result<SilenceRequest, (FormField, String)> {
        let matchers = self
            .parsed_matchers()
            .map_err(|e| (FormField::Matchers, e))?;
        let d = parse_duration(&self.duration).map_err(|e| (FormField::Duration, e.to_string()))?;
        if self.author.trim().is_empty() {
            return Err((FormField::Author, "author is required".into()));
        }
        if self.comment.trim().is_empty() {
            return Err((FormField::Comment, "a comment is required: say why".into()));
        }
        let (id, starts_at, ends_at) = match &self.extend {
            Some((id, end)) => (Some(id.clone()), now, (*end).max(now) + d),
            None => (None, now, now + d),
        };
        Ok(SilenceRequest {
            id,
            matchers,
            starts_at,
            ends_at,
            created_by: self.author.trim().to_string(),
            comment: self.comment.trim().to_string(),
        })
    }
}

impl Layer for SilenceForm {
    fn mode(&self) -> InputMode {
        InputMode::SilenceForm
    }

    fn keys(&self) -> Mode {
        Mode::Form
    }

    /// The `[form]` keymap: move between fields, edit, cycle the duration presets, submit.
    fn key(&mut self, k: KeyIn, _: &KeyEvent, ctx: &AppState, now: DateTime<Utc>) -> Vec<Msg> {
        let presets = &ctx.alerting.silence_durations;
        let idx = FormField::ALL
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0);
        let on_presets = self.field == FormField::Duration && !presets.is_empty();
        match k {
            KeyIn::Action(Action::Cancel, _) => {
                return vec![
                    Msg::Close,
                    Msg::Say(Level::Info, "silence not created".into()),
                ];
            }
            KeyIn::Action(Action::Quit, _) => return vec![Msg::Effects(vec![Effect::Quit])],
            KeyIn::Action(Action::NextField, _) => self.field = FormField::ALL[(idx + 1) % 4],
            KeyIn::Action(Action::PrevField, _) => self.field = FormField::ALL[(idx + 3) % 4],
            KeyIn::Action(a @ (Action::Increase | Action::Decrease), _) if on_presets => {
                let n = presets.len();
                self.preset = if a == Action::Increase {
                    (self.preset + 1) % n
                } else {
                    (self.preset + n - 1) % n
                };
                self.duration = presets[self.preset].clone();
            }
            KeyIn::Action(Action::Submit, _) => return self.submit(now),
            KeyIn::Action(a, t) => {
                edit_line(self.value_mut(self.field), a, t);
            }
            KeyIn::Text(c) => self.value_mut(self.field).push(c),
            KeyIn::Pending | KeyIn::Unbound => return vec![],
        }
        self.error = None;
        vec![]
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: DateTime<Utc>) {
        view::draw(self, f, area, state, theme, now);
    }
}

impl SilenceForm {
    /// Creates (or extends) the silence the form describes, on every Alertmanager it names; a
    /// problem is shown in the form, at its field.
    fn submit(&mut self, now: DateTime<Utc>) -> Vec<Msg> {
        match self.request(now) {
            Ok(req) => {
                let what = if req.id.is_some() {
                    "extending"
                } else {
                    "creating"
                };
                let say = format!("{what} silence on {}", self.targets.join(", "));
                let fx = self
                    .targets
                    .iter()
                    .map(|source| Effect::Alert {
                        source: source.clone(),
                        cmd: SourceCmd::PutSilence(req.clone()),
                    })
                    .collect();
                vec![Msg::Close, Msg::Say(Level::Info, say), Msg::Effects(fx)]
            }
            Err((field, e)) => {
                self.field = field;
                self.error = Some(e);
                vec![]
            }
        }
    }
}
