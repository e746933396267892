//! The filter, typed in the status line: every key changes the current pane's filter; enter
//! keeps it, esc clears it.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::action::Action;
use crate::app::effect::Effect;
use crate::app::line::edit_line;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;

/// The filter being typed (the pane's filter itself is the pane's state: it stays when this
/// closes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPrompt {
    /// Its syntax is shown (`?`).
    pub help: bool,
}

/// The filter's syntax, as `?` shows it.
const SYNTAX: &[(&str, &str)] = &[
    (
        "word",
        "rows with a cell that fuzzy-matches it (every word must)",
    ),
    ("!word", "not the rows with a cell containing it"),
    (
        "@remote",
        "rows of that remote only; @remote/project: of that project",
    ),
    (
        "label=value",
        "alerts: label matchers (= != =~ !~, values \"quoted\" or not)",
    ),
    ("@remote/project/name", "alerts: those about that object"),
    ("enter / esc", "keep the filter / clear it"),
];

/// The alert label matchers in a filter that do not parse, with why.
pub fn bad_matchers(filter: &str) -> Vec<(String, String)> {
    filter
        .split_whitespace()
        .filter(|w| !w.starts_with('!') && !w.starts_with('@') && w.contains('='))
        .filter_map(|w| {
            let why = match crate::alerts::types::Matcher::parse(w) {
                // A regex that does not compile matches nothing either.
                Ok(m) => crate::alerts::types::CompiledMatcher::new(m).err()?,
                Err(e) => e,
            };
            Some((w.to_string(), why.to_string()))
        })
        .collect()
}

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
            KeyIn::Action(Action::Help, _) => {
                self.help = !self.help;
                return vec![];
            }
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

    /// It is typed in the status line; over the pane, its syntax (`?`) and what is wrong in
    /// it (a label matcher that does not parse on the alerts panes).
    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, _: DateTime<Utc>) {
        let alerts = matches!(
            state.pane,
            crate::pane::Pane::Alerts | crate::pane::Pane::Silences
        );
        let bad = if alerts {
            bad_matchers(&state.panes[state.pane.index()].filter)
        } else {
            vec![]
        };
        if !self.help && bad.is_empty() {
            return;
        }
        let mut lines: Vec<Line> = bad
            .iter()
            .map(|(w, e)| {
                Line::from(Span::styled(
                    format!("✖ {w}: {e} (it matches nothing until fixed)"),
                    theme.style("ui.message.error"),
                ))
            })
            .collect();
        if self.help {
            lines.extend(SYNTAX.iter().map(|(w, what)| {
                Line::from(vec![
                    Span::styled(format!(" {w:<22}"), theme.style("ui.help.key")),
                    Span::styled(*what, theme.style("ui.text")),
                ])
            }));
        }
        let h = (lines.len() as u16 + 2).min(area.height);
        let rect = Rect {
            y: area.y + area.height.saturating_sub(h),
            height: h,
            ..area
        };
        f.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style("ui.border.focus"))
            .title(Span::styled(" filter (? syntax) ", theme.style("ui.title")));
        f.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
}
