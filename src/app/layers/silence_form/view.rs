//! The silence form drawn: its fields, the duration's end, the Alertmanagers it goes to, and
//! the alerts its matchers catch right now.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{FormField, SilenceForm};
use crate::action::Action as A;
use crate::app::layers::kit::{centered, keys_hint};
use crate::app::state::AppState;
use crate::config::Theme;
use crate::config::keymap::Mode;

pub(super) fn draw(
    form: &SilenceForm,
    f: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
    now: DateTime<Utc>,
) {
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
fn silence_fields(form: &SilenceForm, theme: &Theme, now: DateTime<Utc>) -> Vec<Line<'static>> {
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
    form: &SilenceForm,
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
