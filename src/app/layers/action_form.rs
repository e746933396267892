//! A small form before a snapshot, backup, vzdump, import or archive restore: its fields
//! (text or yes/no), its keys and its drawing. What it runs is the router's
//! (`AppState::submit_form`): the form asks for it with [`Msg::SubmitActionForm`].

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::kit::{centered, keys_hint};
use crate::action::Action;
use crate::action::Action as A;
use crate::app::effect::Effect;
use crate::app::line::edit_line;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Level, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;
use crate::jobs::Target;

/// Which form is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Snapshot,
    Backup,
    Import,
    /// A backup to one of the remote's storages (vzdump).
    Vzdump,
    /// A backup archive of a storage restored over the guest or as a new one.
    RestoreArchive,
    /// Marked objects restored to a snapshot of one name (each its own).
    RestoreNamed,
    /// The values a configured command asks for (its name is the target's).
    Command,
}

/// One field of an action form; toggles hold "yes"/"no".
#[derive(Debug, Clone, PartialEq)]
pub struct FormInput {
    pub label: &'static str,
    pub value: String,
    pub toggle: bool,
    pub hint: String,
}

pub(crate) fn text(
    label: &'static str,
    value: impl Into<String>,
    hint: impl Into<String>,
) -> FormInput {
    FormInput {
        label,
        value: value.into(),
        toggle: false,
        hint: hint.into(),
    }
}

pub(crate) fn toggle(label: &'static str, on: bool, hint: impl Into<String>) -> FormInput {
    FormInput {
        label,
        value: if on { "yes" } else { "no" }.into(),
        toggle: true,
        hint: hint.into(),
    }
}

/// A small form before a snapshot, backup or import.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionForm {
    pub kind: FormKind,
    pub title: String,
    pub target: Target,
    pub fields: Vec<FormInput>,
    pub focus: usize,
    pub error: Option<String>,
    /// On marked rows: every object it acts on (`target` is the first) and those skipped with
    /// the reason.
    pub batch: Option<FormBatch>,
}

/// The objects a form on marked rows acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct FormBatch {
    pub targets: Vec<Target>,
    pub skipped: Vec<(String, String)>,
}

impl ActionForm {
    pub(crate) fn value(&self, label: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.trim())
            .unwrap_or("")
    }

    pub(crate) fn on(&self, label: &str) -> bool {
        self.value(label) == "yes"
    }
}

impl Layer for ActionForm {
    fn mode(&self) -> InputMode {
        InputMode::ActionForm
    }

    fn keys(&self) -> Mode {
        Mode::Form
    }

    /// The `[form]` keymap: move between fields, edit text, toggle yes/no, run, cancel.
    fn key(&mut self, k: KeyIn, _: &KeyEvent, _: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let n = self.fields.len();
        let toggle = self.fields[self.focus].toggle;
        match k {
            KeyIn::Action(Action::Cancel, _) => {
                return vec![Msg::Close, Msg::Say(Level::Info, "cancelled".into())];
            }
            KeyIn::Action(Action::Quit, _) => return vec![Msg::Effects(vec![Effect::Quit])],
            KeyIn::Action(Action::NextField, _) => self.focus = (self.focus + 1) % n,
            KeyIn::Action(Action::PrevField, _) => self.focus = (self.focus + n - 1) % n,
            KeyIn::Action(Action::Submit, _) => return vec![Msg::SubmitActionForm],
            KeyIn::Action(Action::Toggle, _) if toggle => {
                let f = &mut self.fields[self.focus];
                f.value = if f.value == "yes" { "no" } else { "yes" }.into();
            }
            KeyIn::Action(a, t) if !toggle => {
                edit_line(&mut self.fields[self.focus].value, a, t);
            }
            KeyIn::Action(_, Some(c)) | KeyIn::Text(c) => {
                let f = &mut self.fields[self.focus];
                if toggle {
                    match c {
                        'y' | 'Y' => f.value = "yes".into(),
                        'n' | 'N' => f.value = "no".into(),
                        _ => {}
                    }
                } else {
                    f.value.push(c);
                }
            }
            _ => {}
        }
        self.error = None;
        vec![]
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let form = self;
        let production = state
            .remotes
            .iter()
            .any(|r| r.production && r.name == form.target.remote);
        let w = 84.min(area.width);
        let h = form.fields.len() as u16 * 2 + 4;
        let rect = centered(area, w, h);
        f.render_widget(Clear, rect);
        let border = if production {
            theme.style("ui.message.error")
        } else {
            theme.style("ui.border.focus")
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Thick)
            .border_style(border)
            .title(Span::styled(
                format!(
                    " {}{} ",
                    form.title,
                    if production { " (PRODUCTION)" } else { "" }
                ),
                theme.style("ui.title"),
            ))
            .title_bottom(Line::from(Span::styled(
                keys_hint(
                    state,
                    Mode::Form,
                    &[
                        (&[A::NextField, A::PrevField], "field"),
                        (&[A::Toggle], "toggles"),
                        (&[A::Submit], "run"),
                        (&[A::Cancel], "cancel"),
                    ],
                ),
                theme.style("ui.muted"),
            )));
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let label_w = form.fields.iter().map(|x| x.label.len()).max().unwrap_or(4) + 2;
        let mut lines = Vec::new();
        for (i, fld) in form.fields.iter().enumerate() {
            let focused = i == form.focus;
            let label = format!("{:>label_w$} ", fld.label);
            let value = if fld.toggle {
                format!(
                    "[{}] {}",
                    if fld.value == "yes" { "x" } else { " " },
                    fld.value
                )
            } else {
                fld.value.clone()
            };
            let mut spans = vec![
                Span::styled(
                    label,
                    theme.style(if focused {
                        "ui.form.label.focus"
                    } else {
                        "ui.form.label"
                    }),
                ),
                Span::styled(
                    value,
                    theme.style(if focused { "ui.input" } else { "ui.text" }),
                ),
            ];
            if focused && !fld.toggle {
                spans.push(Span::styled("▏", theme.style("ui.input")));
            }
            lines.push(Line::from(spans));
            let hint = if focused {
                form.error.clone().unwrap_or_else(|| fld.hint.clone())
            } else {
                fld.hint.clone()
            };
            let hint_style = if focused && form.error.is_some() {
                "ui.message.error"
            } else {
                "ui.muted"
            };
            lines.push(Line::from(Span::styled(
                format!("{:>label_w$} {hint}", ""),
                theme.style(hint_style),
            )));
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}
