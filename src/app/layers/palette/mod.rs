//! The command palette (`:`): what is typed, the suggestions for it, the keys while it is
//! open; the line chosen is run by the router (`AppState::run_command`).

pub mod command;
pub mod suggestions;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::action::Action;
use crate::app::effect::Effect;
use crate::app::line::edit_line;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;
use command::parse_command;
use suggestions::suggestions;

/// The palette's input and selection.
#[derive(Debug, Clone, Default)]
pub struct PaletteState {
    pub input: String,
    pub selected: usize,
}

impl Layer for PaletteState {
    fn mode(&self) -> InputMode {
        InputMode::Palette
    }

    fn keys(&self) -> Mode {
        Mode::Palette
    }

    fn key(&mut self, k: KeyIn, _: &KeyEvent, ctx: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        match k {
            KeyIn::Action(Action::Cancel, _) => return vec![Msg::Close],
            KeyIn::Action(Action::Quit, _) => return vec![Msg::Effects(vec![Effect::Quit])],
            KeyIn::Action(Action::Down, _) => self.selected += 1,
            KeyIn::Action(Action::Up, _) => self.selected = self.selected.saturating_sub(1),
            KeyIn::Action(Action::Complete, _) => {
                let c = suggestions(ctx, &self.input);
                if let Some(s) = c.get(self.selected.min(c.len().saturating_sub(1))) {
                    self.input = format!("{} ", s.line);
                    self.selected = 0;
                }
            }
            KeyIn::Action(Action::Submit, _) => {
                let typed = self.input.trim().to_string();
                let cands = suggestions(ctx, &self.input);
                let chosen = if self.selected > 0 || parse_command(&typed).is_none() {
                    cands
                        .get(self.selected.min(cands.len().saturating_sub(1)))
                        .map(|c| c.line.clone())
                        .unwrap_or(typed)
                } else {
                    typed
                };
                return vec![Msg::Close, Msg::Command(chosen)];
            }
            KeyIn::Action(a, _) if edit_line(&mut self.input, a, None) => self.selected = 0,
            KeyIn::Action(_, Some(c)) | KeyIn::Text(c) => {
                self.input.push(c);
                self.selected = 0;
            }
            _ => {}
        }
        vec![]
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let p = self;
        let (typed, selected) = (&p.input, p.selected);
        let cands = suggestions(state, &p.input);
        let shown = cands.len().min(8);
        let h = shown as u16 + 3;
        let rect = Rect {
            x: area.x + area.width.saturating_sub(60) / 2,
            y: area.y + 1,
            width: 60.min(area.width),
            height: h.min(area.height),
        };
        f.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style("ui.border.focus"))
            .title(Span::styled(" command ", theme.style("ui.title")));
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let [input, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(":", theme.style("ui.input")),
                Span::styled(typed.clone(), theme.style("ui.input")),
                Span::styled("▏", theme.style("ui.input")),
            ])),
            input,
        );
        let sel = selected.min(cands.len().saturating_sub(1));
        let start = sel.saturating_sub(shown.saturating_sub(1));
        let lines: Vec<Line> = cands
            .iter()
            .enumerate()
            .skip(start)
            .take(shown)
            .map(|(i, c)| {
                let st = if i == sel {
                    theme.style("ui.selection")
                } else {
                    theme.style("ui.text")
                };
                // The command, then what it does where there is room.
                let room = (list.width as usize).saturating_sub(c.line.chars().count() + 4);
                let help: String = if room > 8 {
                    c.help.chars().take(room).collect()
                } else {
                    String::new()
                };
                let pad = (list.width as usize)
                    .saturating_sub(c.line.chars().count() + 2 + help.chars().count());
                Line::from(vec![
                    Span::styled(format!(" {}", c.line), st),
                    Span::styled(" ".repeat(pad), st),
                    Span::styled(
                        help,
                        if i == sel {
                            st
                        } else {
                            theme.style("ui.muted")
                        },
                    ),
                    Span::styled(" ", st),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);
    }
}
