//! What to copy from a row (`y`): its name, address, key, id… — each with its value, picked by
//! moving or by its number.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::kit::{centered, choice_block};
use crate::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Level, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// The cells of one row that can be copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyPicker {
    /// The row (its key, for the title).
    pub row: String,
    /// (what it is, its value).
    pub choices: Vec<(String, String)>,
    pub selected: usize,
}

impl CopyPicker {
    fn copy(&self, i: usize) -> Vec<Msg> {
        let Some((what, value)) = self.choices.get(i) else {
            return vec![];
        };
        vec![
            Msg::Close,
            Msg::Effects(vec![Effect::Copy(value.clone())]),
            Msg::Say(Level::Info, format!("copied {what}: {value}")),
        ]
    }
}

impl Layer for CopyPicker {
    fn mode(&self) -> InputMode {
        InputMode::Copy
    }

    fn keys(&self) -> Mode {
        Mode::Picker
    }

    /// The `[picker]` keymap, and a choice's number.
    fn key(&mut self, k: KeyIn, _: &KeyEvent, _: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let last = self.choices.len().saturating_sub(1);
        match k {
            KeyIn::Action(Action::Quit, _) => vec![Msg::Effects(vec![Effect::Quit])],
            KeyIn::Action(Action::Close | Action::Cancel, _) => vec![Msg::Close],
            KeyIn::Action(Action::Down, _) => {
                self.selected = (self.selected + 1).min(last);
                vec![]
            }
            KeyIn::Action(Action::Up, _) => {
                self.selected = self.selected.saturating_sub(1);
                vec![]
            }
            KeyIn::Action(Action::Submit | Action::Copy, _) => self.copy(self.selected),
            KeyIn::Action(_, Some(c)) | KeyIn::Text(c) => match c.to_digit(10) {
                Some(n) if n >= 1 => self.copy(n as usize - 1),
                _ => vec![],
            },
            _ => vec![],
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let h = (self.choices.len() as u16 + 2).min(area.height);
        let rect = centered(area, 84.min(area.width), h);
        f.render_widget(Clear, rect);
        let block = choice_block(
            state,
            theme,
            format!(" Copy from {} ", self.row),
            "copy",
            "close",
        );
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let label_w = self.choices.iter().map(|(w, _)| w.len()).max().unwrap_or(4);
        let lines: Vec<Line> = self
            .choices
            .iter()
            .enumerate()
            .map(|(i, (what, value))| {
                let st = if i == self.selected {
                    theme.style("ui.selection")
                } else {
                    theme.style("ui.text")
                };
                Line::from(Span::styled(
                    format!(" {} {what:<label_w$}  {value}", i + 1),
                    st,
                ))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
}
