//! The configuration problems found at start: every one whole, with its file, line and column,
//! and what it cost (the default applies, or the entry is left out) — the rest of the file
//! applies. `atlas-tui info` prints the same list.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::kit::{centered, reading_block, scroll};
use crate::action::Action as A;
use crate::app::effect::Effect;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// The problems view, scrolled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemsView {
    pub scroll: u16,
}

impl Layer for ProblemsView {
    fn mode(&self) -> InputMode {
        InputMode::Problems
    }

    fn keys(&self) -> Mode {
        Mode::Overlay
    }

    fn key(&mut self, k: KeyIn, _: &KeyEvent, ctx: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let KeyIn::Action(a, _) = k else {
            return vec![];
        };
        match a {
            A::Close | A::Cancel | A::Problems => return vec![Msg::Close],
            A::Quit => return vec![Msg::Effects(vec![Effect::Quit])],
            a => {
                scroll(&mut self.scroll, a, ctx.view.page_size as u16);
            }
        }
        vec![]
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let rect = centered(area, area.width.saturating_sub(4).max(20), area.height);
        f.render_widget(Clear, rect);
        let n = state.diagnostics.len();
        let block = reading_block(state, theme, format!(" Configuration problems ({n}) "));
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let mut lines: Vec<Line> = Vec::new();
        if n == 0 {
            lines.push(Line::from(Span::styled(
                "none: every file read as written",
                theme.style("ui.muted"),
            )));
        } else {
            lines.push(Line::from(Span::styled(
                "Each costs only its part; the rest of its file applies. Fix, then restart (`atlas-tui info` checks).",
                theme.style("ui.muted"),
            )));
        }
        for d in &state.diagnostics {
            let place = match (d.line, d.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", d.file.display()),
                (Some(l), None) => format!("{}:{l}", d.file.display()),
                _ => d.file.display().to_string(),
            };
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(place, theme.style("ui.help.key"))));
            lines.push(Line::from(Span::styled(
                format!("  {}", d.message),
                theme.style("ui.message.warning"),
            )));
        }
        let max = (lines.len() as u16).saturating_sub(inner.height);
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll.min(max), 0)),
            inner,
        );
    }
}
