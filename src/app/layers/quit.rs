//! Quitting while jobs run: the question whether to wait for them, cancel them, or leave their
//! operations to the server.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::kit::{centered, choice_block};
use crate::action::Action;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Msg, QuitChoice};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// The question, with the jobs it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct QuitDialog {
    pub jobs: Vec<crate::jobs::JobId>,
    pub selected: usize,
}

impl Layer for QuitDialog {
    fn mode(&self) -> InputMode {
        InputMode::Quit
    }

    fn keys(&self) -> Mode {
        Mode::Picker
    }

    /// The `[picker]` keymap: move, choose, close.
    fn key(&mut self, k: KeyIn, _: &KeyEvent, _: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let last = QuitChoice::ALL.len() - 1;
        match k {
            KeyIn::Action(Action::Down, _) => self.selected = (self.selected + 1).min(last),
            KeyIn::Action(Action::Up, _) => self.selected = self.selected.saturating_sub(1),
            KeyIn::Action(Action::Submit, _) => {
                return vec![
                    Msg::Close,
                    Msg::Quit(QuitChoice::ALL[self.selected.min(last)]),
                ];
            }
            // Asked again to quit: the jobs are left to the server.
            KeyIn::Action(Action::Quit, _) => {
                return vec![Msg::Close, Msg::Quit(QuitChoice::Leave)];
            }
            KeyIn::Action(Action::Close, _) => return vec![Msg::Close, Msg::StayAfterJobs],
            _ => {}
        }
        vec![]
    }

    /// The jobs, and what to do with them.
    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let d = self;
        let jobs: Vec<&crate::app::job_view::JobView> = state
            .work
            .jobs
            .iter()
            .filter(|j| d.jobs.contains(&j.id))
            .collect();
        let shown = jobs.len().min(5);
        let h = (shown as u16 + QuitChoice::ALL.len() as u16 + 5).min(area.height);
        let rect = centered(area, 84.min(area.width), h);
        f.render_widget(Clear, rect);
        let block = choice_block(
            state,
            theme,
            format!(" Quit? {} job(s) still running ", d.jobs.len()),
            "choose",
            "stay",
        );
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let mut lines: Vec<Line> = jobs
            .iter()
            .take(shown)
            .map(|j| {
                Line::from(Span::styled(
                    format!(
                        " job {} {} {} — {}",
                        j.id,
                        j.spec.kind(),
                        j.spec.target().label(),
                        j.progress.stage
                    ),
                    theme.style("ui.text"),
                ))
            })
            .collect();
        if jobs.len() > shown {
            lines.push(Line::from(Span::styled(
                format!(" … and {} more", jobs.len() - shown),
                theme.style("ui.muted"),
            )));
        }
        lines.push(Line::from(""));
        for (i, c) in QuitChoice::ALL.iter().enumerate() {
            let st = if i == d.selected {
                theme.style("ui.selected")
            } else {
                theme.style("ui.text")
            };
            lines.push(Line::from(Span::styled(
                format!(" {} {}", i + 1, c.label()),
                st,
            )));
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}
