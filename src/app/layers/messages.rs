//! The messages of this session, whole (a status line cuts long ones).

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::kit::{centered, reading_block};
use crate::action::Action as A;
use crate::app::effect::Effect;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Level, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// The messages view: which message is at its bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagesView {
    /// The message shown last (the newest when it opens).
    pub scroll: u16,
}

impl Default for MessagesView {
    fn default() -> Self {
        MessagesView { scroll: u16::MAX }
    }
}

impl Layer for MessagesView {
    fn mode(&self) -> InputMode {
        InputMode::Messages
    }

    fn keys(&self) -> Mode {
        Mode::Overlay
    }

    fn key(&mut self, k: KeyIn, _: &KeyEvent, ctx: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let page = ctx.view.page_size as u16;
        let last = (ctx.messages.log.len() as u16).saturating_sub(1);
        let pos = self.scroll.min(last);
        let KeyIn::Action(a, _) = k else {
            return vec![];
        };
        match a {
            A::Quit => return vec![Msg::Effects(vec![Effect::Quit])],
            A::Close | A::Cancel | A::Messages => return vec![Msg::Close],
            A::Down => self.scroll = pos.saturating_add(1).min(last),
            A::Up => self.scroll = pos.saturating_sub(1),
            A::PageDown => self.scroll = pos.saturating_add(page).min(last),
            A::PageUp => self.scroll = pos.saturating_sub(page),
            A::Top => self.scroll = 0,
            A::Bottom => self.scroll = last,
            _ => {}
        }
        vec![]
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let rect = centered(area, area.width.saturating_sub(4).max(20), area.height);
        f.render_widget(Clear, rect);
        let block = reading_block(
            state,
            theme,
            format!(" Messages ({}) ", state.messages.log.len()),
        );
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        if state.messages.log.is_empty() {
            f.render_widget(
                Paragraph::new("no messages yet").style(theme.style("ui.muted")),
                inner,
            );
            return;
        }
        let lines: Vec<Line> = state
            .messages
            .log
            .iter()
            .map(|m| {
                let style = theme.style(match m.level {
                    Level::Info => "ui.message.info",
                    Level::Warning => "ui.message.warning",
                    Level::Error => "ui.message.error",
                });
                Line::from(vec![
                    Span::styled(
                        m.at.with_timezone(&chrono::Local)
                            .format("%H:%M:%S ")
                            .to_string(),
                        theme.style("ui.muted"),
                    ),
                    Span::styled(m.text.clone(), style),
                ])
            })
            .collect();
        // Wrapped lines: keep the selected message (default: the newest) in view at the bottom.
        let upto = (self.scroll as usize).min(lines.len() - 1) + 1;
        let w = inner.width.max(1) as usize;
        // Rows the wrapped lines take (word wrapping can take a row more; a little margin).
        let total: usize = lines[..upto]
            .iter()
            .map(|l| l.width().div_ceil(w).max(1) + usize::from(l.width() > w))
            .sum();
        let total = total.min(u16::MAX as usize) as u16;
        let shown = Paragraph::new(lines[..upto].to_vec()).wrap(Wrap { trim: false });
        f.render_widget(shown.scroll((total.saturating_sub(inner.height), 0)), inner);
    }
}
