//! The filter, typed in the status line: every key changes the current pane's filter; enter
//! keeps it, esc clears it.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::Action;
use crate::app::effect::Effect;
use crate::app::line::edit_line;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// The filter being typed (the pane's filter itself is the pane's state: it stays when this
/// closes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPrompt;

impl Layer for FilterPrompt {
    fn mode(&self) -> InputMode {
        InputMode::Filter
    }

    fn keys(&self) -> Mode {
        Mode::Prompt
    }

    fn key(&mut self, k: KeyIn, _: &KeyEvent, ctx: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let mut text = ctx.panes[ctx.pane.index()].filter.clone();
        match k {
            KeyIn::Action(Action::Cancel, _) => {
                return vec![Msg::Close, Msg::Filter(String::new())];
            }
            KeyIn::Action(Action::Submit, _) => return vec![Msg::Close, Msg::Filter(text)],
            KeyIn::Action(Action::Quit, _) => return vec![Msg::Effects(vec![Effect::Quit])],
            KeyIn::Action(a, _) if edit_line(&mut text, a, None) => {}
            KeyIn::Action(_, Some(c)) | KeyIn::Text(c) => text.push(c),
            _ => return vec![],
        }
        vec![Msg::Filter(text)]
    }

    /// Drawn by the status line, where it is typed.
    fn draw(&self, _: &mut Frame, _: Rect, _: &AppState, _: &Theme, _: DateTime<Utc>) {}
}
