//! Overlays: the detail view, help and the command palette.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::action::Action as A;
use crate::app::alerts::FormField;
use crate::app::detail::detail_text;
use crate::app::state::{AppState, DetailTab, Level};
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
pub(super) fn yaml_line<'a>(l: &'a str, theme: &Theme) -> Line<'a> {
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

/// A line with ANSI colour codes as styled spans (codes it cannot read are dropped).
pub(super) fn ansi_line(l: &str) -> Line<'static> {
    use ansi_to_tui::IntoText;
    match l.as_bytes().into_text() {
        Ok(t) => t.lines.into_iter().next().unwrap_or_default(),
        Err(_) => Line::from(l.to_string()),
    }
}

pub fn draw_detail(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: DateTime<Utc>) {
    let Some(d) = state.detail() else { return };
    let (title, lines) = detail_text(state, d, now);
    f.render_widget(Clear, area);
    let mut tabs = vec![Span::styled(format!(" {title} "), theme.style("ui.title"))];
    // The tabs, where the instance's provider has a console log to show.
    let console = d
        .key
        .object()
        .is_some_and(|o| state.supports(o.remote(), crate::backend::Operation::ConsoleLog));
    if d.pane == crate::app::Pane::Instances && console {
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

pub fn draw_help(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
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
        "  fuzzy match over all columns; !text excludes; enter keeps, esc clears",
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
            .scroll((state.view.help_scroll.min(max), 0)),
        rect,
    );
}

pub fn draw_palette(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(p) = state.palette() else { return };
    let (typed, selected) = (&p.input, p.selected);
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

pub fn draw_silence_form(
    f: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
    now: DateTime<Utc>,
) {
    let Some(form) = state.form() else { return };
    let rect = centered(area, 96.min(area.width), area.height.min(24));
    f.render_widget(Clear, rect);
    let title = if form.extend.is_some() {
        " Extend silence "
    } else {
        " New silence "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.style("ui.border.focus"))
        .title(Span::styled(title, theme.style("ui.title")))
        .title_bottom(Line::from(Span::styled(
            keys_hint(
                state,
                Mode::Form,
                &[
                    (&[A::Submit], "submit"),
                    (&[A::NextField, A::PrevField], "field"),
                    (&[A::Increase, A::Decrease], "duration presets"),
                    (&[A::Cancel], "cancel"),
                ],
            ),
            theme.style("ui.muted"),
        )));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let mut lines = silence_fields(form, theme, now);
    if !state.alerting.silence_durations.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                "            presets: {}",
                state.alerting.silence_durations.join(" ")
            ),
            theme.style("ui.muted"),
        )));
    }
    let mut to = format!("  To        {}", form.targets.join(", "));
    if !form.skipped_readonly.is_empty() {
        to.push_str(&format!(
            "   (read-only, skipped: {})",
            form.skipped_readonly.join(", ")
        ));
    }
    lines.push(Line::from(Span::styled(to, theme.style("ui.text"))));
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(
            format!("  ✖ {e}"),
            theme.style("ui.form.error"),
        )));
    } else {
        lines.push(Line::raw(""));
    }
    let room = (inner.height as usize).saturating_sub(lines.len() + 1);
    lines.extend(affected_lines(state, form, theme, room));
    f.render_widget(Paragraph::new(lines), inner);
}

/// The silence form's fields, the focused one marked, the duration with when it ends.
fn silence_fields(
    form: &crate::app::alert_view::SilenceForm,
    theme: &Theme,
    now: DateTime<Utc>,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    for field in FormField::ALL {
        let label = match field {
            FormField::Matchers => "Matchers",
            FormField::Duration if form.extend.is_some() => "Extend by",
            FormField::Duration => "Duration",
            FormField::Author => "Author",
            FormField::Comment => "Comment",
        };
        let focused = form.field == field;
        let mut spans = vec![
            Span::styled(
                format!("{}{label:<10}", if focused { "▶ " } else { "  " }),
                theme.style("ui.form.label"),
            ),
            Span::styled(
                form.value(field).to_string(),
                if focused {
                    theme.style("ui.input")
                } else {
                    theme.style("ui.text")
                },
            ),
        ];
        if focused {
            spans.push(Span::styled("▏", theme.style("ui.input")));
        }
        if field == FormField::Duration {
            let ends = match crate::alerts::types::parse_duration(&form.duration) {
                Ok(d) => {
                    let base = form
                        .extend
                        .as_ref()
                        .map(|(_, e)| (*e).max(now))
                        .unwrap_or(now);
                    format!("  → ends {}", (base + d).format("%Y-%m-%d %H:%M UTC"))
                }
                Err(_) => String::new(),
            };
            spans.push(Span::styled(ends, theme.style("ui.muted")));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// The alerts the form's matchers select right now, as many as there is `room` for.
fn affected_lines(
    state: &AppState,
    form: &crate::app::alert_view::SilenceForm,
    theme: &Theme,
    room: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match state.affected_alerts(form) {
        Err(e) => lines.push(Line::from(Span::styled(
            format!("  matchers: {e}"),
            theme.style("ui.form.error"),
        ))),
        Ok(hits) => {
            let joined = &state.join_alerts().1;
            lines.push(Line::from(Span::styled(
                format!(
                    "Affected alerts right now: {}{}",
                    hits.len(),
                    if hits.is_empty() {
                        " (the silence will only catch alerts that fire later)"
                    } else {
                        ""
                    }
                ),
                theme.style("ui.header"),
            )));
            let more = hits.len().saturating_sub(room);
            let show = if more > 0 {
                room.saturating_sub(1)
            } else {
                room
            };
            for i in hits.iter().take(show) {
                let a = &state.alerting.alerts[*i];
                let target = joined.targets[*i]
                    .as_ref()
                    .map(|t| t.short())
                    .unwrap_or_else(|| "-".into());
                let sev = a.severity();
                lines.push(Line::from(vec![
                    Span::styled(format!("  {:<5}", sev.short()), theme.style(sev.style())),
                    Span::styled(format!("{:<24} ", a.name()), theme.style("ui.text")),
                    Span::styled(format!("{target:<20} "), theme.style("ui.text")),
                    Span::styled(a.state().label(), theme.style("ui.muted")),
                ]));
            }
            if more > 0 {
                lines.push(Line::from(Span::styled(
                    format!("  … and {} more", hits.len() - show),
                    theme.style("ui.muted"),
                )));
            }
        }
    }
    lines
}

pub fn draw_confirm(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(c) = state.confirm() else { return };
    let mut body = c.body.clone();
    if let (Some(on), Some(job)) = (c.maintenance, &c.job) {
        body.push(maintenance_line(
            state,
            on,
            &format!("{}'s alerts", job.target().label()),
        ));
    }
    dialog(
        f,
        area,
        state,
        theme,
        &Dialog {
            prompt: &c.prompt,
            body: &body,
            typed: c.typed.as_deref().map(|want| (want, c.input.as_str())),
            production: c
                .job
                .as_ref()
                .is_some_and(|j| state.production(&j.target().remote)),
        },
    );
}

/// The maintenance choice of a confirmation: `[x] silence <what> during the action, …`.
pub(super) fn maintenance_line(state: &AppState, on: bool, what: &str) -> String {
    let key = state
        .keymap
        .hint(
            crate::config::keymap::Mode::Confirm,
            crate::action::Action::ToggleMaintenance,
        )
        .unwrap_or_default();
    let watch =
        crate::inventory::human_duration(state.work.settings.maintenance_watch.num_seconds());
    format!(
        "[{}] silence {what} during the action, then watch them for {watch} ({key} toggles)",
        if on { "x" } else { " " },
    )
}

/// A confirmation: a question, lines that show what will happen, and where a name must be typed,
/// what was typed so far.
pub(super) struct Dialog<'a> {
    pub prompt: &'a str,
    pub body: &'a [String],
    /// (the name to type, what was typed).
    pub typed: Option<(&'a str, &'a str)>,
    /// On a production remote (the title says so; a name may be typed for other reasons).
    pub production: bool,
}

/// Draws a modal confirmation dialog, its keys from the `[confirm]` keymap. Every confirmation
/// (actions, silences, the plan's apply, the editor's questions) is drawn here.
pub(super) fn dialog(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, d: &Dialog) {
    let w = if d.body.is_empty() { 70 } else { 96 }.min(area.width);
    let text_w = w.saturating_sub(4).max(1) as usize;
    let wrapped = |s: &str| (s.chars().count() / text_w) as u16 + 1;
    let mut h = wrapped(d.prompt) + 2;
    if !d.body.is_empty() {
        h += 1 + d.body.iter().map(|l| wrapped(l)).sum::<u16>();
    }
    if d.typed.is_some() {
        h += 2;
    }
    let rect = centered(area, w, h + 1);
    f.render_widget(Clear, rect);
    use crate::action::Action as A;
    let (style, title, hint) = match &d.typed {
        Some(_) => (
            theme.style("ui.message.error"),
            if d.production {
                " PRODUCTION — confirm "
            } else {
                " Confirm — type the name "
            },
            format!(
                " type the name, {} confirms · {} cancels ",
                confirm_keys(state, A::Confirm, false),
                confirm_keys(state, A::Cancel, false)
            ),
        ),
        None => (
            theme.style("ui.message.warning"),
            " Confirm ",
            format!(
                " {} confirm · {} cancel ",
                first(&short_keys(state, A::Confirm)),
                short_keys(state, A::Cancel)
            ),
        ),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(style)
        .title(Span::styled(title, style))
        .title_bottom(Line::from(Span::styled(hint, theme.style("ui.muted"))));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let mut lines = vec![Line::from(Span::styled(
        d.prompt.to_string(),
        theme.style("ui.text"),
    ))];
    if !d.body.is_empty() {
        lines.push(Line::default());
        for l in d.body {
            let st = match l.trim_start().chars().next() {
                Some('+') => "diff.add",
                Some('-') => "diff.remove",
                Some('~') => "diff.change",
                _ => "ui.muted",
            };
            lines.push(Line::from(Span::styled(l.clone(), theme.style(st))));
        }
    }
    if let Some((want, input)) = d.typed {
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled(format!("type {want} to confirm: "), style),
            Span::styled(input.to_string(), theme.style("ui.input")),
            Span::styled("▏", theme.style("ui.input")),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The `[confirm]` keys bound to an action, shortest first, joined with `/`; letters left out
/// unless `letters` (where a name is typed, they type).
fn confirm_keys(state: &AppState, action: crate::action::Action, letters: bool) -> String {
    let keys: Vec<String> = state
        .keymap
        .bindings(Mode::Confirm)
        .into_iter()
        .filter(|(_, a)| *a == action)
        .flat_map(|(k, _)| k.split(", ").map(String::from).collect::<Vec<_>>())
        .filter(|k| letters || k.chars().count() > 1)
        .collect();
    if keys.is_empty() {
        return "-".into();
    }
    keys.join("/")
}

fn first(keys: &str) -> &str {
    keys.split('/').next().unwrap_or(keys)
}

/// The keys for a dialog's hint: named keys and lower-case letters (`n/esc`), not their
/// upper-case twins nor `q`.
fn short_keys(state: &AppState, action: crate::action::Action) -> String {
    confirm_keys(state, action, true)
        .split('/')
        .filter(|k| k.chars().count() > 1 || k.chars().all(|c| c.is_lowercase()))
        .filter(|k| *k != "q")
        .collect::<Vec<_>>()
        .join("/")
}

pub fn draw_action_form(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(form) = state.action_form() else {
        return;
    };
    let production = state
        .remotes
        .iter()
        .any(|r| r.production && r.name == form.target.remote);
    let w = 84.min(area.width);
    let h = form.fields.len() as u16 * 2 + 4;
    let rect = centered(area, w, h);
    f.render_widget(Clear, rect);
    let border = if production {
        theme.style("ui.message.error")
    } else {
        theme.style("ui.border.focus")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(border)
        .title(Span::styled(
            format!(
                " {}{} ",
                form.title,
                if production { " (PRODUCTION)" } else { "" }
            ),
            theme.style("ui.title"),
        ))
        .title_bottom(Line::from(Span::styled(
            keys_hint(
                state,
                Mode::Form,
                &[
                    (&[A::NextField, A::PrevField], "field"),
                    (&[A::Toggle], "toggles"),
                    (&[A::Submit], "run"),
                    (&[A::Cancel], "cancel"),
                ],
            ),
            theme.style("ui.muted"),
        )));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let label_w = form.fields.iter().map(|x| x.label.len()).max().unwrap_or(4) + 2;
    let mut lines = Vec::new();
    for (i, fld) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label = format!("{:>label_w$} ", fld.label);
        let value = if fld.toggle {
            format!(
                "[{}] {}",
                if fld.value == "yes" { "x" } else { " " },
                fld.value
            )
        } else {
            fld.value.clone()
        };
        let mut spans = vec![
            Span::styled(
                label,
                theme.style(if focused {
                    "ui.form.label.focus"
                } else {
                    "ui.form.label"
                }),
            ),
            Span::styled(
                value,
                theme.style(if focused { "ui.input" } else { "ui.text" }),
            ),
        ];
        if focused && !fld.toggle {
            spans.push(Span::styled("▏", theme.style("ui.input")));
        }
        lines.push(Line::from(spans));
        let hint = if focused {
            form.error.clone().unwrap_or_else(|| fld.hint.clone())
        } else {
            fld.hint.clone()
        };
        let hint_style = if focused && form.error.is_some() {
            "ui.message.error"
        } else {
            "ui.muted"
        };
        lines.push(Line::from(Span::styled(
            format!("{:>label_w$} {hint}", ""),
            theme.style(hint_style),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The messages of this session, whole (a status line cuts long ones).
pub fn draw_messages(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rect = centered(area, area.width.saturating_sub(4).max(20), area.height);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style("ui.border.focus"))
        .title(Span::styled(
            format!(" Messages ({}) ", state.messages.log.len()),
            theme.style("ui.title"),
        ))
        .title_bottom(Line::from(Span::styled(
            keys_hint(
                state,
                Mode::Overlay,
                &[(&[A::Down, A::Up], "scroll"), (&[A::Close], "close")],
            ),
            theme.style("ui.muted"),
        )));
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
    let upto = (state.messages.scroll as usize).min(lines.len() - 1) + 1;
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

/// The snapshot picker: the snapshots of one instance or volume, newest first.
pub fn draw_picker(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: DateTime<Utc>) {
    let Some(p) = state.picker() else { return };
    let h = (p.snapshots.len() as u16 + 3).min(area.height);
    let rect = centered(area, 72.min(area.width), h);
    f.render_widget(Clear, rect);
    let block = choice_block(
        state,
        theme,
        format!(" Restore {}: pick a snapshot ", p.parent),
        "preview the restore",
        "close",
    );
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let [head, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    f.render_widget(
        Paragraph::new(format!(
            " {:<28} {:>6}  {:<10} {}",
            "NAME", "AGE", "EXPIRES", "STATEFUL"
        ))
        .style(theme.style("ui.header")),
        head,
    );
    let rows = list.height as usize;
    let start = p.selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = p
        .snapshots
        .iter()
        .enumerate()
        .skip(start)
        .take(rows)
        .map(|(i, s)| {
            let age = s
                .created_at
                .map(|c| crate::inventory::human_duration((now - c).num_seconds()))
                .unwrap_or_else(|| "-".into());
            let expires = s
                .expires_at
                .map(|e| crate::inventory::human_duration((e - now).num_seconds()))
                .unwrap_or_else(|| "never".into());
            let text = format!(
                " {:<28} {:>6}  {:<10} {}",
                s.name,
                age,
                expires,
                if s.stateful { "yes" } else { "no" }
            );
            let st = if i == p.selected {
                theme.style("ui.selection")
            } else {
                theme.style("ui.text")
            };
            Line::from(Span::styled(text, st))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
}

/// The keys of a layer for a frame's bottom line, from the active keymap: ` q close · j/k scroll `.
/// Each entry is the actions whose keys are joined with `/`, and a label.
pub(super) fn keys_hint(
    state: &AppState,
    mode: crate::config::keymap::Mode,
    entries: &[(&[crate::action::Action], &str)],
) -> String {
    let parts: Vec<String> = entries
        .iter()
        .filter_map(|(actions, label)| {
            let keys: Vec<String> = actions
                .iter()
                .filter_map(|a| state.keymap.hint(mode, *a))
                .collect();
            (!keys.is_empty()).then(|| format!("{} {label}", keys.join("/")))
        })
        .collect();
    format!(" {} ", parts.join(" · "))
}

/// The frame of a list to choose from (the `[picker]` keymap): its title, and its keys at the
/// bottom.
fn choice_block(
    state: &AppState,
    theme: &Theme,
    title: String,
    submit: &str,
    close: &str,
) -> Block<'static> {
    use crate::action::Action as A;
    let km = &state.keymap;
    let key = |a| km.hint(Mode::Picker, a).unwrap_or_else(|| "-".into());
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style("ui.border.focus"))
        .title(Span::styled(title, theme.style("ui.title")))
        .title_bottom(Line::from(Span::styled(
            format!(
                " {} {submit} · {}/{} move · {} {close} ",
                key(A::Submit),
                key(A::Down),
                key(A::Up),
                key(A::Close)
            ),
            theme.style("ui.muted"),
        )))
}

/// The question when quitting while jobs run: the jobs, and what to do with them.
pub fn draw_quit(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    use crate::app::quit::QuitChoice;
    let Some(d) = state.quit_dialog() else { return };
    let jobs: Vec<&crate::app::jobs::JobView> = state
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
