//! The detail view of one row: what its pane's model says of it (config, runbook, usage
//! charts) or an instance's console log, scrolled.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::kit::{ansi_line, keys_hint, scroll, yaml_line};
use crate::action::Action as A;
use crate::app::cells::RowKey;
use crate::app::effect::Effect;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, LogState, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;
use crate::pane::Pane;

/// Which tab of the detail view is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailTab {
    Config,
    Log,
}

/// The detail view of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailState {
    pub pane: Pane,
    /// The row shown.
    pub key: RowKey,
    pub tab: DetailTab,
    pub scroll: u16,
}

impl Layer for DetailState {
    fn mode(&self) -> InputMode {
        InputMode::Detail
    }

    fn keys(&self) -> Mode {
        Mode::Detail
    }

    /// Scrolling is its own; the tabs, refreshing, copying and jumping need the rows and the
    /// servers: the router does them (`AppState::detail_action`).
    fn key(&mut self, k: KeyIn, _: &KeyEvent, ctx: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let page = ctx.view.page_size as u16;
        let KeyIn::Action(a, _) = k else {
            return vec![];
        };
        match a {
            A::Close => return vec![Msg::Close],
            A::Quit => return vec![Msg::Effects(vec![Effect::Quit])],
            a if scroll(&mut self.scroll, a, page) => {}
            a => return vec![Msg::Dispatch(a)],
        }
        vec![]
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: DateTime<Utc>) {
        let d = self;
        let (title, lines) = detail_text(state, d, now);
        f.render_widget(Clear, area);
        let mut tabs = vec![Span::styled(format!(" {title} "), theme.style("ui.title"))];
        // The tabs, where the instance's provider has a console log to show.
        let console = d
            .key
            .object()
            .is_some_and(|o| state.supports(o.remote(), crate::backend::Operation::ConsoleLog));
        if d.pane == Pane::Instances && console {
            for (t, name) in [
                (DetailTab::Config, "config"),
                (DetailTab::Log, "console log"),
            ] {
                let st = if t == d.tab {
                    theme.style("ui.tab.active")
                } else {
                    theme.style("ui.tab")
                };
                tabs.push(Span::styled(format!("[{name}]"), st));
                tabs.push(Span::raw(" "));
            }
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Thick)
            .border_style(theme.style("ui.border.focus"))
            .title(Line::from(tabs))
            .title_bottom(Line::from(Span::styled(
                keys_hint(
                    state,
                    Mode::Detail,
                    &[
                        (&[A::Close], "close"),
                        (&[A::NextTab], "config/log"),
                        (&[A::Down, A::Up], "scroll"),
                    ],
                ),
                theme.style("ui.muted"),
            )));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let max_scroll = (lines.len() as u16).saturating_sub(inner.height);
        let scroll = d.scroll.min(max_scroll);
        let text: Vec<Line> = if d.tab == DetailTab::Log {
            lines
                .iter()
                .map(|l| Line::from(Span::styled(l.as_str(), theme.style("ui.text"))))
                .collect()
        } else {
            // Output of commands keeps its colours.
            lines
                .iter()
                .map(|l| {
                    if l.contains('\x1b') {
                        ansi_line(l)
                    } else {
                        yaml_line(l, theme)
                    }
                })
                .collect()
        };
        f.render_widget(Paragraph::new(text).scroll((scroll, 0)), inner);
    }
}

/// The title and lines of the detail view.
fn detail_text(state: &AppState, d: &DetailState, now: DateTime<Utc>) -> (String, Vec<String>) {
    if d.tab == DetailTab::Log {
        let title = format!("console log: {}", d.key);
        let lines = match state.consoles.logs.get(&d.key.to_string()) {
            None | Some(LogState::Loading) => vec!["loading console log…".to_string()],
            Some(LogState::Failed(e)) => vec![format!("error: {e}")],
            Some(LogState::Loaded(t)) if t.trim().is_empty() => {
                vec!["(the console log is empty)".to_string()]
            }
            Some(LogState::Loaded(t)) => t.lines().map(|l| l.replace('\r', "")).collect(),
        };
        return (title, lines);
    }
    let mut out = Vec::new();
    let key = d.key.to_string();
    let found = crate::app::panes::detail(state, d.pane, &d.key, now, &mut out);
    if found && matches!(d.pane, Pane::Instances | Pane::Hosts | Pane::Volumes) {
        crate::app::panes::lines::object_alerts(state, &key, now, &mut out);
    }
    if !found {
        out = vec![format!(
            "{} is gone (deleted, or its remote no longer lists it)",
            d.key
        )];
    }
    (
        format!(
            "{}: {}",
            d.pane.title().trim_end_matches('s').to_ascii_lowercase(),
            d.key
        ),
        out,
    )
}
