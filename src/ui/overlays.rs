//! Overlays: the detail view, help and the command palette.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::detail::detail_text;
use crate::app::state::{AppState, DetailTab};
use crate::config::Theme;
use crate::config::keymap::Mode;

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Colours `key: value` lines like YAML.
fn yaml_line<'a>(l: &'a str, theme: &Theme) -> Line<'a> {
    let trimmed = l.trim_start();
    if trimmed.starts_with('#') {
        return Line::from(Span::styled(l, theme.style("yaml.comment")));
    }
    if let Some(pos) = l.find(':') {
        let (k, v) = l.split_at(pos);
        if !k.trim_start().starts_with("- ") && !k.contains(' ')
            || k.trim_start().chars().all(|c| c != ' ')
        {
            return Line::from(vec![
                Span::styled(k, theme.style("yaml.key")),
                Span::styled(v, theme.style("yaml.value")),
            ]);
        }
    }
    Line::from(Span::styled(l, theme.style("yaml.value")))
}

pub fn draw_detail(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: DateTime<Utc>) {
    let Some(d) = &state.detail else { return };
    let (title, lines) = detail_text(state, d, now);
    f.render_widget(Clear, area);
    let mut tabs = vec![Span::styled(format!(" {title} "), theme.style("ui.title"))];
    if d.pane == crate::app::Pane::Instances {
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
            " esc close · tab config/log · j/k scroll ",
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
        lines.iter().map(|l| yaml_line(l, theme)).collect()
    };
    f.render_widget(Paragraph::new(text).scroll((scroll, 0)), inner);
}

pub fn draw_help(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    for (mode, title) in [
        (Mode::Normal, "Lists"),
        (Mode::Detail, "Detail view"),
        (Mode::Help, "Help"),
    ] {
        lines.push(Line::from(Span::styled(title, theme.style("ui.header"))));
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
        "  fuzzy match over all columns; !text excludes; enter keeps, esc clears",
    ));
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "Palette (:)",
        theme.style("ui.header"),
    )));
    for (c, d) in [
        ("hosts|instances|volumes|snapshots", "jump to a pane"),
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
            .scroll((state.help_scroll.min(max), 0)),
        rect,
    );
}

pub fn draw_palette(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let cands = state.palette_candidates();
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
    let [input, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(":", theme.style("ui.input")),
            Span::styled(state.palette.input.clone(), theme.style("ui.input")),
            Span::styled("▏", theme.style("ui.input")),
        ])),
        input,
    );
    let sel = state.palette.selected.min(cands.len().saturating_sub(1));
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
            Line::from(Span::styled(format!(" {c}"), st))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
}
