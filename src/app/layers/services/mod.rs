//! The services overlays: the inline definition editor (`editor.rs`), the rendered cloud-init
//! preview and the plan with its apply — their state, keys and (in `view.rs`) drawing. What
//! needs the servers or the jobs (refreshing, opening another overlay, applying) is asked of
//! the router as [`Msg`]s.

pub mod editor;
mod view;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::kit::scroll;
use crate::action::Action;
use crate::app::effect::Effect;
use crate::app::line::edit_line;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Level, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;
use crate::jobs::JobId;
use crate::survey::Expect;
use editor::{EditorOutcome, EditorState};

/// The cloud-init preview of one definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewView {
    pub file: PathBuf,
    /// Secrets shown in clear.
    pub reveal: bool,
    /// The diff against the instance's user-data instead of the whole text.
    pub diff: bool,
    pub scroll: u16,
}

/// The plan of some definitions (all when `files` is empty), and the apply that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanView {
    pub files: Vec<PathBuf>,
    pub scroll: u16,
    /// A fresh survey was asked for and has not come yet.
    pub waiting: bool,
    /// Asking whether to apply: what was typed (production remotes want `apply`).
    pub confirm: Option<String>,
    /// Apply jobs started from this plan.
    pub jobs: Vec<JobId>,
    /// Whether the apply runs under a maintenance silence of its instances (`None`: not
    /// offered).
    pub maintenance: Option<bool>,
}

/// An overlay of the services pane.
#[derive(Debug, Clone)]
pub enum Overlay {
    Editor(Box<EditorState>),
    Preview(PreviewView),
    Plan(PlanView),
}

impl Layer for Overlay {
    fn mode(&self) -> InputMode {
        InputMode::Service
    }

    /// The editor's own layer (or its question's, its search's), the plan's typed
    /// confirmation, else `[overlay]`.
    fn keys(&self) -> Mode {
        match self {
            Overlay::Editor(e) => e.key_mode(),
            Overlay::Plan(PlanView {
                confirm: Some(_), ..
            }) => Mode::Confirm,
            Overlay::Plan(_) | Overlay::Preview(_) => Mode::Overlay,
        }
    }

    /// The editor reads its keys itself (see [`EditorState::key_mode`]); the preview and the
    /// plan read `[overlay]`, the plan's apply question `[confirm]`.
    fn key(&mut self, k: KeyIn, ev: &KeyEvent, ctx: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let page = ctx.view.page_size as u16;
        if let Overlay::Plan(p) = self
            && p.confirm.is_some()
        {
            return p.confirm_key(k, ctx);
        }
        let action = match k {
            KeyIn::Action(a, _) => Some(a),
            KeyIn::Pending => return vec![],
            KeyIn::Text(_) | KeyIn::Unbound => None,
        };
        if action == Some(Action::Quit) && self.keys() != Mode::Editor {
            return vec![Msg::Effects(vec![Effect::Quit])];
        }
        match self {
            Overlay::Editor(e) => editor_key(e, ev, action, ctx.readonly),
            Overlay::Preview(p) => p.key(action, page),
            Overlay::Plan(p) => p.key(action, page),
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        match self {
            Overlay::Editor(e) => view::draw_editor(f, area, state, e, theme),
            Overlay::Preview(p) => view::draw_preview(f, area, state, p, theme),
            Overlay::Plan(p) => view::draw_plan(f, area, state, p, theme),
        }
    }
}

/// A key in the editor: what it asks (close, save) becomes messages; saving is refused in
/// read-only mode.
fn editor_key(
    e: &mut EditorState,
    ev: &KeyEvent,
    action: Option<Action>,
    readonly: bool,
) -> Vec<Msg> {
    match e.on_key(*ev, action) {
        EditorOutcome::Stay => vec![],
        EditorOutcome::Close => {
            let saved_once = e.note.as_deref().is_some_and(|n| n.starts_with("saved"));
            let mut msgs = vec![Msg::Close];
            if !saved_once {
                msgs.push(Msg::Say(Level::Info, "editor closed".into()));
            }
            msgs
        }
        EditorOutcome::Save { .. } if readonly => {
            e.note = Some("read-only mode (--readonly): saving is disabled".into());
            vec![]
        }
        EditorOutcome::Save { text, force } => {
            let expect = if force {
                Expect::Any
            } else if e.new_file {
                Expect::Absent
            } else {
                Expect::Hash(e.disk_hash)
            };
            vec![Msg::Effects(vec![Effect::SaveDefinition {
                file: e.file.clone(),
                text,
                expect,
            }])]
        }
    }
}

impl PreviewView {
    fn key(&mut self, action: Option<Action>, page: u16) -> Vec<Msg> {
        match action {
            Some(Action::Close | Action::Cancel) => return vec![Msg::Close],
            Some(Action::ToggleSecrets) => {
                self.reveal = !self.reveal;
                let t = if self.reveal {
                    "secrets shown: s hides them"
                } else {
                    "secrets masked"
                };
                return vec![Msg::Say(Level::Info, t.into())];
            }
            Some(Action::ToggleDiff) => {
                self.diff = !self.diff;
                self.scroll = 0;
            }
            Some(Action::Refresh) => return vec![Msg::RefreshServices],
            Some(Action::EditDefinition) => {
                let file = self.file.clone();
                return vec![Msg::Effects(vec![Effect::OpenDefinition { file }])];
            }
            Some(Action::Plan) => return vec![Msg::Plan(vec![self.file.clone()])],
            Some(a) => {
                scroll(&mut self.scroll, a, page);
            }
            None => {}
        }
        vec![]
    }
}

impl PlanView {
    fn key(&mut self, action: Option<Action>, page: u16) -> Vec<Msg> {
        let one = (self.files.len() == 1).then(|| self.files[0].clone());
        match (action, one) {
            (Some(Action::Close | Action::Cancel), _) => return vec![Msg::Close],
            (Some(Action::Refresh), _) => {
                self.waiting = true;
                return vec![Msg::RefreshServices];
            }
            (Some(Action::Plan | Action::Confirm), _) => return vec![Msg::AskApply],
            (Some(Action::Preview), Some(file)) => return vec![Msg::Preview(file)],
            (Some(Action::EditDefinition), Some(file)) => {
                return vec![Msg::Effects(vec![Effect::OpenDefinition { file }])];
            }
            (Some(a), _) => {
                scroll(&mut self.scroll, a, page);
            }
            (None, _) => {}
        }
        vec![]
    }

    /// Whether the apply must be confirmed by typing `apply`: a production remote has steps.
    pub fn needs_typed(&self, ctx: &AppState) -> bool {
        ctx.services
            .plans_for(&self.files)
            .iter()
            .any(|sp| !sp.steps.is_empty() && ctx.production(&sp.remote))
    }

    /// Keys while asking whether to apply (`[confirm]`): where `apply` must be typed, letters
    /// (those bound to yes/no too) are typed.
    fn confirm_key(&mut self, k: KeyIn, ctx: &AppState) -> Vec<Msg> {
        let needs_typed = self.needs_typed(ctx);
        let typed = self.confirm.clone().unwrap_or_default();
        let go = match k {
            KeyIn::Action(Action::Quit, _) => return vec![Msg::Effects(vec![Effect::Quit])],
            KeyIn::Action(Action::ToggleMaintenance, None) => {
                if let Some(on) = self.maintenance.as_mut() {
                    *on = !*on;
                }
                return vec![];
            }
            KeyIn::Action(a, t)
                if needs_typed && (t.is_some() || a != Action::Cancel && a != Action::Confirm) =>
            {
                let mut input = typed;
                let t = t.filter(|_| matches!(a, Action::Confirm | Action::Cancel));
                edit_line(&mut input, a, t);
                self.confirm = Some(input);
                return vec![];
            }
            KeyIn::Text(c) if needs_typed => {
                self.confirm = Some(format!("{typed}{c}"));
                return vec![];
            }
            KeyIn::Action(Action::Cancel, _) => {
                self.confirm = None;
                return vec![Msg::Say(Level::Info, "not applied".into())];
            }
            KeyIn::Action(Action::Confirm, _) => !needs_typed || typed == "apply",
            _ => return vec![],
        };
        if !go {
            return vec![Msg::Say(
                Level::Warning,
                "type apply exactly to confirm, esc to cancel".into(),
            )];
        }
        self.confirm = None;
        vec![Msg::Apply {
            files: self.files.clone(),
            maintenance: self.maintenance == Some(true),
        }]
    }
}
