//! Rendering: panes draw from [`AppState`] and never do I/O.

mod table;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::alerts::SourceStatus;
use crate::app::rows::Pane;
use crate::app::state::{AppState, InputMode, Level};
use crate::backend::ConnState;
use crate::backend::Scope;
use crate::config::Theme;
use crate::inventory::human_duration;
use crate::pane::GridSlot;

/// The smallest terminal the console draws in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

/// Whether the four panes fit side by side.
pub fn wants_grid(area: Rect, min_w: u16, min_h: u16) -> bool {
    area.width >= min_w && area.height >= min_h
}

/// Rows of list content per page for a terminal of this size (for page up/down).
pub fn page_size(area: Rect, grid: bool) -> usize {
    let body = area.height.saturating_sub(2);
    let pane = if grid { body / 2 } else { body };
    pane.saturating_sub(3).max(1) as usize
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, state: &AppState, theme: &Theme, now: DateTime<Utc>) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "Terminal too small: {}x{}\nneed at least {MIN_WIDTH}x{MIN_HEIGHT}\n(q quits)",
            area.width, area.height
        );
        f.render_widget(
            Paragraph::new(msg)
                .style(theme.style("ui.message.warning"))
                .centered(),
            area,
        );
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(f, header, state, theme);
    if state.view.grid && !state.view.zoom {
        // Hosts and alerts (or silences) on top; instances, volumes and snapshots below.
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(35), Constraint::Percentage(65)]).areas(body);
        let [a, b] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
        let [c, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(bottom);
        let [d, e] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
        // Each slot shows the focused pane when it is one of its panes (pane registry).
        for slot in GridSlot::ALL {
            let rect = match slot {
                GridSlot::TopLeft => a,
                GridSlot::TopRight => b,
                GridSlot::BottomLeft => c,
                GridSlot::RightUpper => d,
                GridSlot::RightLower => e,
            };
            let pane = slot.shows(state.pane);
            table::draw_pane(f, rect, state, theme, pane, pane == state.pane, now);
        }
    } else {
        table::draw_pane(f, body, state, theme, state.pane, true, now);
    }
    draw_footer(f, footer, state, theme, now);
    // The layers, bottom first: each is drawn over the ones below it.
    for layer in &state.layers {
        layer.draw(f, body, state, theme, now);
    }
}

fn draw_header(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    // The panes' full names where they fit, else their short names; when those do not fit
    // either, only the current tab is named and the others show their key.
    let fits =
        |spans: &Vec<Span>| spans.iter().map(|s| s.width()).sum::<usize>() <= area.width as usize;
    let spans = [(area.width < 140, false), (true, false), (true, true)]
        .into_iter()
        .map(|(short, tiny)| header_spans(area, state, theme, short, tiny))
        .find(fits)
        .unwrap_or_else(|| header_spans(area, state, theme, true, true));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn header_spans(
    area: Rect,
    state: &AppState,
    theme: &Theme,
    narrow: bool,
    tiny: bool,
) -> Vec<Span<'static>> {
    // Below 130 columns the tabs, the scope and the latest event need the room of the name.
    let mut spans = if area.width < 130 {
        vec![Span::styled("◆", theme.style("ui.title"))]
    } else {
        vec![
            Span::styled(" atlas-tui ", theme.style("ui.title")),
            Span::raw("│"),
        ]
    };
    for p in Pane::all() {
        let style = if p == state.pane {
            theme.style("ui.tab.active")
        } else {
            theme.style("ui.tab")
        };
        let title = if narrow { p.short_title() } else { p.title() };
        spans.push(Span::raw(" "));
        // The key of the action that goes to the pane, as the keymap binds it.
        let n = crate::action::Action::going_to(p)
            .and_then(|a| state.keymap.hint(crate::config::keymap::Mode::Normal, a))
            .unwrap_or_default();
        spans.push(Span::styled(
            match (tiny && p != state.pane, n.is_empty()) {
                (true, _) => n,
                (false, true) => title.to_string(),
                (false, false) => format!("{n} {title}"),
            },
            style,
        ));
        if p == Pane::Alerts {
            let firing: Vec<_> = state
                .alerting
                .alerts
                .iter()
                .filter(|a| a.state().is_firing())
                .collect();
            if let Some(worst) = firing.iter().map(|a| a.severity()).max() {
                spans.push(Span::styled(
                    format!("▲{}", firing.len()),
                    theme.style(worst.style()),
                ));
            }
        }
    }
    spans.push(Span::raw(" │ "));
    spans.push(Span::styled(
        match &state.listing.scope {
            Scope::All => "all projects".to_string(),
            Scope::Project(p) => format!("project {p}"),
        },
        theme.style("ui.text"),
    ));
    if let Some(r) = &state.listing.remote_filter {
        spans.push(Span::styled(
            format!(" │ remote {r}"),
            theme.style("ui.text"),
        ));
    }
    if let Some(m) = &state.listing.member_filter {
        spans.push(Span::styled(
            format!(" │ member {m}"),
            theme.style("ui.text"),
        ));
    }
    if state.readonly {
        spans.push(Span::raw(" "));
        spans.push(Span::styled("[READONLY]", theme.style("ui.readonly")));
    }
    // The latest lifecycle event, where there is room for it.
    if let Some(ev) = &state.listing.last_event {
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let room = (area.width as usize).saturating_sub(used + 3);
        if room > 12 {
            let text: String = ev.chars().take(room).collect();
            spans.push(Span::styled(" │ ", theme.style("ui.muted")));
            spans.push(Span::styled(text, theme.style("ui.muted")));
        }
    }
    spans
}

/// The right side of the status line: one badge per remote.
fn remote_badges(state: &AppState, theme: &Theme, now: DateTime<Utc>) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    if let Some(j) = state.jobs_indicator() {
        spans.push(Span::styled(j, theme.style("status.busy")));
        spans.push(Span::raw("  "));
    }
    let join = state.join_alerts();
    let per_remote = &join.1.per_remote;
    for r in &state.remotes {
        let heard = |what: &str| match r.live.last_heard().or(r.last_ok) {
            Some(t) => format!(" {what}, stale {}", human_duration((now - t).num_seconds())),
            None => format!(" {what}"),
        };
        let (dot, style, extra) = match &r.conn {
            // Believed online, but not heard from within its deadline.
            ConnState::Online { .. } if r.silent => (
                "●",
                theme.style("remote.connecting"),
                match r.live.last_heard() {
                    Some(t) => format!(" stale {}", human_duration((now - t).num_seconds())),
                    None => " stale".into(),
                },
            ),
            ConnState::Online { via: Some(via), .. } => (
                "●",
                theme.style("remote.online"),
                format!(" via {}", via.trim_start_matches("https://")),
            ),
            ConnState::Online { .. } => ("●", theme.style("remote.online"), String::new()),
            // A reconnect after the link went silent: what is shown is as old as the link.
            ConnState::Connecting => ("◌", theme.style("remote.connecting"), heard("connecting")),
            ConnState::Offline { .. } => ("✖", theme.style("remote.offline"), heard("offline")),
        };
        spans.push(Span::styled(format!("{dot} "), style));
        let name_style = if r.production {
            theme.style("remote.production")
        } else {
            theme.style("ui.text")
        };
        spans.push(Span::styled(r.name.clone(), name_style));
        spans.push(Span::styled(extra, style));
        if let Some(b) = per_remote.get(&r.name)
            && let Some(w) = b.worst
        {
            spans.push(Span::styled(
                format!(" ▲{}", b.count),
                theme.style(w.style()),
            ));
        }
        spans.push(Span::raw("  "));
    }
    // Alert sources: the ones that are down by name, the rest counted.
    let up = state
        .alerting
        .sources
        .iter()
        .filter(|s| s.status == SourceStatus::Up && !s.silent)
        .count();
    for s in &state.alerting.sources {
        if s.silent
            && let Some(t) = s.live.last_heard()
        {
            spans.push(Span::styled("◆ ", theme.style("remote.connecting")));
            spans.push(Span::styled(s.name.clone(), theme.style("ui.text")));
            spans.push(Span::styled(
                format!(" stale {}", human_duration((now - t).num_seconds())),
                theme.style("remote.connecting"),
            ));
            spans.push(Span::raw("  "));
        }
        if let SourceStatus::Down(_) = s.status {
            let since = s
                .last_ok
                .map(|t| format!(", stale {}", human_duration((now - t).num_seconds())))
                .unwrap_or_default();
            spans.push(Span::styled("✖ ", theme.style("remote.offline")));
            spans.push(Span::styled(s.name.clone(), theme.style("ui.text")));
            spans.push(Span::styled(
                format!(" down{since}"),
                theme.style("remote.offline"),
            ));
            spans.push(Span::raw("  "));
        }
    }
    if up > 0 {
        spans.push(Span::styled("◆", theme.style("remote.online")));
        spans.push(Span::styled(
            format!("{up} source{}", if up == 1 { "" } else { "s" }),
            theme.style("ui.text"),
        ));
        spans.push(Span::raw("  "));
    }
    spans
}

fn draw_footer(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: DateTime<Utc>) {
    let badges = remote_badges(state, theme, now);
    let badge_width: u16 = badges.iter().map(|s| s.width() as u16).sum();
    let badge_width = badge_width.min(area.width / 2);
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(badge_width)]).areas(area);
    let left_line = match state.input() {
        InputMode::Filter => Line::from(vec![
            Span::styled("/", theme.style("ui.input")),
            Span::styled(
                state.panes[state.pane.index()].filter.clone(),
                theme.style("ui.input"),
            ),
            Span::styled("▏", theme.style("ui.input")),
            Span::styled(
                "  enter keep · esc clear · !x excludes",
                theme.style("ui.muted"),
            ),
        ]),
        _ => match &state.messages.current {
            Some(m) => status_message(state, m, left.width, theme),
            None => hint_line(state, left.width, theme, now),
        },
    };
    f.render_widget(Paragraph::new(left_line), left);
    f.render_widget(Paragraph::new(Line::from(badges)).right_aligned(), right);
    let _ = Style::default();
}

/// The newest message in the status line; one too long for it is cut with the key that shows it
/// whole (the messages view, where it is the newest).
fn status_message(
    state: &AppState,
    m: &crate::app::state::Message,
    width: u16,
    theme: &Theme,
) -> Line<'static> {
    use crate::action::Action as A;
    use crate::config::keymap::Mode;
    let style = theme.style(match m.level {
        Level::Info => "ui.message.info",
        Level::Warning => "ui.message.warning",
        Level::Error => "ui.message.error",
    });
    let room = width as usize;
    if m.text.chars().count() <= room {
        return Line::from(Span::styled(m.text.clone(), style));
    }
    let more = match state.keymap.hint(Mode::Normal, A::Messages) {
        Some(k) => format!("… {k} whole"),
        None => "…".to_string(),
    };
    // A column free before the status indicators.
    let keep = room.saturating_sub(more.chars().count() + 1);
    let cut: String = m.text.chars().take(keep).collect();
    Line::from(vec![
        Span::styled(cut, style),
        Span::styled(more, theme.style("ui.hint.key")),
    ])
}

/// The hint bar: keys of the active layer from the keymap, in the lists the actions the registry
/// offers on the pane (help, the pane's own, then the common ones); without write actions in
/// `--readonly`. When they do not all fit (80 columns), the most useful are kept — help, the
/// pane's first three, the filter and the palette, then the rest by rank — shown in rank order,
/// closer together; `?` lists everything.
fn hint_line(state: &AppState, width: u16, theme: &Theme, now: DateTime<Utc>) -> Line<'static> {
    // Two columns stay free before the status indicators.
    let room = (width as usize).saturating_sub(2);
    let items = hint_items(state, now);
    let fits = |chosen: &[&(String, String)], sep: usize| {
        chosen
            .iter()
            .map(|(k, l)| k.chars().count() + 1 + l.chars().count())
            .sum::<usize>()
            + sep * chosen.len().saturating_sub(1)
            <= room
    };
    let all: Vec<&(String, String)> = items.iter().collect();
    let (chosen, sep) = if fits(&all, 2) {
        (all, 2)
    } else {
        // The most useful first: help, the pane's first three, filter, palette, then by rank.
        let useful = |(k, l): &(String, String)| -> usize {
            let lead = ["help", "config problems", "filter", "palette"];
            match lead.iter().position(|x| x == l) {
                Some(p) => [0, 0, 4, 5][p],
                None => items
                    .iter()
                    .position(|i| i.0 == *k && i.1 == *l)
                    .map_or(99, |i| if i <= 3 { i } else { 6 + i }),
            }
        };
        let mut by_use: Vec<usize> = (0..items.len()).collect();
        by_use.sort_by_key(|i| useful(&items[*i]));
        let mut keep: Vec<usize> = Vec::new();
        for i in by_use {
            let mut trial = keep.clone();
            trial.push(i);
            trial.sort_unstable();
            let t: Vec<&(String, String)> = trial.iter().map(|i| &items[*i]).collect();
            if fits(&t, 1) {
                keep = trial;
            }
        }
        (keep.into_iter().map(|i| &items[i]).collect(), 1)
    };
    let mut spans = Vec::new();
    for (n, (key, label)) in chosen.into_iter().enumerate() {
        if n > 0 {
            spans.push(Span::raw(" ".repeat(sep)));
        }
        spans.push(Span::styled(key.clone(), theme.style("ui.hint.key")));
        spans.push(Span::styled(format!(" {label}"), theme.style("ui.muted")));
    }
    Line::from(spans)
}

/// Every hint of the active layer, (key, label), in rank order: the pane's actions, the
/// configured commands with a key after the pane's own (rank < 90), then the common ones.
fn hint_items(state: &AppState, now: DateTime<Utc>) -> Vec<(String, String)> {
    use crate::action::Action as A;
    use crate::config::keymap::Mode;
    let (mode, actions): (Mode, Vec<A>) = match state.input() {
        InputMode::Detail => (Mode::Detail, vec![A::Close, A::NextTab, A::Jump, A::Help]),
        // The actions whose registry entry offers them on this pane, by rank.
        _ => (Mode::Normal, A::hinted_on(state.pane)),
    };
    let mut out = Vec::new();
    let customs = state.command_hints(state.pane);
    let mut customs_done = mode != Mode::Normal;
    for a in actions {
        let spec = a.spec();
        if !customs_done
            && spec
                .hint
                .and_then(|h| h.on(state.pane))
                .is_some_and(|r| r >= 90)
        {
            customs_done = true;
            out.extend(customs.iter().cloned());
        }
        if spec.write && (state.readonly || state.selected_remote(now).is_some_and(|r| r.readonly))
        {
            continue;
        }
        // Not what the selected row's provider can do.
        if let Some(op) = crate::app::keys::operation(a, state.pane)
            && let Some(r) = state.selected_remote(now)
            && !r.caps.supports(op)
        {
            continue;
        }
        // Said only when there is something to read.
        if a == A::Problems && state.diagnostics.is_empty() {
            continue;
        }
        if let Some(key) = state.keymap.hint(mode, a) {
            out.push((key, spec.label.to_string()));
        }
    }
    out
}
