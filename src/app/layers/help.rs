//! The help: every key of every keymap layer, from the active keymap, and the filter's and the
//! palette's words.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::kit::{centered, scroll};
use crate::action::Action as A;
use crate::app::effect::Effect;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// The help, scrolled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Help {
    pub scroll: u16,
}

impl Layer for Help {
    fn mode(&self) -> InputMode {
        InputMode::Help
    }

    fn keys(&self) -> Mode {
        Mode::Help
    }

    fn key(&mut self, k: KeyIn, _: &KeyEvent, ctx: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let page = ctx.view.page_size as u16;
        let KeyIn::Action(a, _) = k else {
            return vec![];
        };
        match a {
            // The layer below (the lists, or the detail view) shows again.
            A::Close | A::Help => return vec![Msg::Close],
            A::Quit => return vec![Msg::Effects(vec![Effect::Quit])],
            a => {
                scroll(&mut self.scroll, a, page);
            }
        }
        vec![]
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let mut lines: Vec<Line> = Vec::new();
        for mode in Mode::ALL {
            lines.push(Line::from(Span::styled(
                format!("{}  [{}]", mode.title(), mode.section()),
                theme.style("ui.header"),
            )));
            for (keys, action) in state.keymap.bindings(mode) {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<22}"), theme.style("ui.help.key")),
                    Span::styled(action.describe(), theme.style("ui.text")),
                ]));
            }
            lines.push(Line::raw(""));
        }
        lines.push(Line::from(Span::styled(
            "Filter (/)",
            theme.style("ui.header"),
        )));
        lines.push(Line::raw(
            "  fuzzy match over all columns; !text excludes; @remote[/project] narrows; ? in it: the syntax",
        ));
        lines.push(Line::raw(
            "  alerts: label matchers too (severity=critical instance=~\"graf.*\"), @<object key>",
        ));
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            "Palette (:)",
            theme.style("ui.header"),
        )));
        for (c, d) in [
            ("hosts|instances|volumes|snapshots", "jump to a pane"),
            ("alerts|silences", "alerts pane, silences pane"),
            ("group alertname|object|none", "group the alerts"),
            ("silence, expire, extend, jump", "as the keys do"),
            ("remote <name>|all", "show one remote or all"),
            ("project <name>|all", "one project or all projects"),
            ("theme <name>", "switch theme"),
            ("sort <column>", "sort the current pane"),
            ("filter <text>", "set the filter"),
            ("refresh, help, quit", ""),
        ] {
            lines.push(Line::from(vec![
                Span::styled(format!("  {c:<34}"), theme.style("ui.help.key")),
                Span::styled(d, theme.style("ui.text")),
            ]));
        }
        let rect = centered(area, 76, area.height);
        f.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style("ui.border.focus"))
            .title(Span::styled(
                " Help — keys from the active keymap ",
                theme.style("ui.title"),
            ));
        let inner = block.inner(rect);
        let max = (lines.len() as u16).saturating_sub(inner.height);
        f.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll.min(max), 0)),
            rect,
        );
    }
}
