//! One pane: a table with columns fitted to the width, the selection and the pane's title.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::app::rows::{Column, Pane, columns, view_rows};
use crate::app::state::AppState;
use crate::config::Theme;

/// Picks the columns that fit `width`, dropping the least important first.
pub fn fit_columns(cols: &[Column], widths: &[u16], width: u16) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..cols.len()).collect();
    let total = |k: &[usize]| k.iter().map(|i| widths[*i] + 1).sum::<u16>();
    while total(&keep) > width {
        let Some((pos, _)) = keep
            .iter()
            .enumerate()
            .filter(|(_, i)| cols[**i].priority > 0)
            .max_by_key(|(pos, i)| (cols[**i].priority, *pos))
        else {
            break;
        };
        keep.remove(pos);
    }
    keep
}

pub fn draw_pane(
    f: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
    pane: Pane,
    focused: bool,
    now: DateTime<Utc>,
) {
    let rows = view_rows(state, pane, now);
    let cols = columns(pane);
    let title = title_spans(state, theme, pane, rows.len(), now);
    let border = if focused {
        theme.style("ui.border.focus")
    } else {
        theme.style("ui.border")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);

    if rows.is_empty() {
        let text = empty_text(state, pane);
        f.render_widget(
            Paragraph::new(text)
                .style(theme.style("ui.muted"))
                .wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
        return;
    }

    let widths = &rows.widths;
    let keep = fit_columns(&cols, widths, inner.width);
    // A mark column, only while the pane has marks: `●` on the marked rows (seen without
    // colour too).
    let marks = &state.panes[pane.index()].marks;
    let gutter = !marks.is_empty();
    let keep = if gutter {
        fit_columns(&cols, widths, inner.width.saturating_sub(2))
    } else {
        keep
    };
    let header = Row::new(
        gutter
            .then(|| Cell::from(""))
            .into_iter()
            .chain(keep.iter().map(|i| Cell::from(cols[*i].name))),
    )
    .style(theme.style("ui.header"));
    let stale_style = theme.style("remote.stale");
    let marked_style = theme.style("ui.marked");
    // Only the rows on screen are drawn: the selection at the bottom edge once it passes it.
    let height = inner.height.saturating_sub(1).max(1) as usize;
    let selected = state.selected_index(pane, &rows);
    let first = (selected + 1).saturating_sub(height);
    let body: Vec<Row> = rows[first..rows.len().min(first + height)]
        .iter()
        .map(|r| {
            let marked = gutter && marks.contains(&r.key);
            let mark = gutter
                .then(|| Cell::from(Span::styled(if marked { "●" } else { " " }, marked_style)));
            Row::new(mark.into_iter().chain(keep.iter().map(|i| {
                let c = r.cell(*i);
                let style = if r.stale {
                    stale_style
                } else if marked {
                    theme.style(c.style).patch(marked_style)
                } else {
                    theme.style(c.style)
                };
                Cell::from(Span::styled(c.text, style))
            })))
        })
        .collect();
    let widths: Vec<Constraint> = gutter
        .then_some(Constraint::Length(1))
        .into_iter()
        .chain(keep.iter().enumerate().map(|(n, i)| {
            if n + 1 == keep.len() {
                Constraint::Min(widths[*i])
            } else {
                Constraint::Length(widths[*i])
            }
        }))
        .collect();
    let mut sel = theme.style("ui.selection");
    if !focused {
        sel = Style::default().add_modifier(Modifier::DIM);
    }
    let table = Table::new(body, widths)
        .header(header)
        .row_highlight_style(sel)
        .column_spacing(1);
    let mut ts = TableState::default();
    ts.select(Some(selected - first));
    f.render_stateful_widget(table, inner, &mut ts);
}

/// A pane's title: its name, row count, sort, trend metric, filter, what is still loading, and
/// (alerts, silences) the grouping and the sources that are down or stale.
fn title_spans(
    state: &AppState,
    theme: &Theme,
    pane: Pane,
    count: usize,
    now: DateTime<Utc>,
) -> Vec<Span<'static>> {
    let ps = &state.panes[pane.index()];
    let cols = columns(pane);
    let mut title = vec![Span::styled(
        format!(" {} ", pane.title()),
        theme.style("ui.title"),
    )];
    title.push(Span::styled(format!("({count}) "), theme.style("ui.muted")));
    if !ps.marks.is_empty() {
        title.push(Span::styled(
            format!("● {} marked ", ps.marks.len()),
            theme.style("ui.marked"),
        ));
    }
    let sort = cols.get(ps.sort_col).map(|c| c.name).unwrap_or("");
    title.push(Span::styled(
        format!("sort:{}{} ", sort, if ps.sort_desc { "↓" } else { "↑" }),
        theme.style("ui.muted"),
    ));
    if cols.iter().any(|c| c.name == "TREND") {
        title.push(Span::styled(
            format!("trend:{} ", state.view.trend.label()),
            theme.style("ui.muted"),
        ));
    }
    if !ps.filter.is_empty() {
        title.push(Span::styled(
            format!("/{} ", ps.filter),
            theme.style("ui.match"),
        ));
    }
    if let Some(note) = state.loading(pane) {
        title.push(Span::styled(format!("{note} "), theme.style("ui.muted")));
    }
    if pane == Pane::Alerts && state.alerting.grouping != crate::app::alerts::Grouping::None {
        title.push(Span::styled(
            format!("group:{} ", state.alerting.grouping.label()),
            theme.style("ui.muted"),
        ));
    }
    if matches!(pane, Pane::Alerts | Pane::Silences) {
        for (w, _) in crate::app::layers::filter::bad_matchers(&ps.filter) {
            title.push(Span::styled(
                format!("✖ bad matcher {w} "),
                theme.style("ui.message.error"),
            ));
        }
        for s in &state.alerting.sources {
            if let crate::app::alerts::SourceStatus::Down(_) = s.status {
                title.push(Span::styled(
                    format!("⚠ {} down ", s.name),
                    theme.style("ui.message.error"),
                ));
            } else if s.silent {
                title.push(Span::styled(
                    format!(
                        "⚠ {} stale {} ",
                        s.name,
                        crate::app::liveness::age(s.live.last_heard(), now)
                    ),
                    theme.style("ui.message.warning"),
                ));
            }
        }
    }
    title
}

/// What an empty pane says: why it is empty, never "none" for what is not read yet.
fn empty_text(state: &AppState, pane: Pane) -> String {
    let ps = &state.panes[pane.index()];
    let alerts_pane = matches!(pane, Pane::Alerts | Pane::Silences);
    if alerts_pane && state.alerting.sources.is_empty() {
        "no alert sources: add [[alertmanagers]] (and [[prometheus]]) to config.toml — see `atlas-tui info`".to_string()
    } else if alerts_pane && state.alerting.sources.iter().all(|s| s.last_ok.is_none()) {
        let errors: Vec<String> = state
            .alerting
            .sources
            .iter()
            .filter_map(|s| match &s.status {
                crate::app::alerts::SourceStatus::Down(e) => Some(e.clone()),
                _ => None,
            })
            .collect();
        if errors.is_empty() {
            "waiting for alert sources…".to_string()
        } else {
            errors.join("\n")
        }
    } else if !ps.filter.is_empty() {
        format!(
            "no {} match /{}",
            pane.title().to_ascii_lowercase(),
            ps.filter
        )
    } else if state
        .remotes
        .iter()
        .all(|r| !matches!(r.conn, crate::backend::ConnState::Online { .. }))
    {
        "waiting for remotes…".to_string()
    } else if pane == Pane::Alerts {
        "no alerts: all quiet".to_string()
    } else {
        format!("no {}", pane.title().to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_drop_by_priority() {
        let cols = columns(Pane::Instances);
        let widths: Vec<u16> = cols.iter().map(|c| c.width).collect();
        let all = fit_columns(&cols, &widths, 500);
        assert_eq!(all.len(), cols.len());
        let narrow = fit_columns(&cols, &widths, 78);
        let names: Vec<_> = narrow.iter().map(|i| cols[*i].name).collect();
        assert!(
            names.contains(&"NAME")
                && names.contains(&"STATE")
                && names.contains(&"REMOTE/PROJECT")
        );
        assert!(!names.contains(&"PROFILES"));
        assert!(narrow.iter().map(|i| cols[*i].width + 1).sum::<u16>() <= 78);
    }
}
