//! The snapshot picker: the snapshots of one instance or volume, newest first, to pick the one
//! to restore.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::kit::{centered, choice_block};
use crate::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{AppState, InputMode, KeyIn, Layer, Msg};
use crate::config::Theme;
use crate::config::keymap::Mode;
use crate::inventory::SnapshotRow;

/// The snapshots of one instance or volume to pick the one to restore.
#[derive(Debug, Clone)]
pub struct SnapshotPicker {
    /// The instance or volume (its row key).
    pub parent: String,
    /// Newest first.
    pub snapshots: Vec<SnapshotRow>,
    pub selected: usize,
}

impl Layer for SnapshotPicker {
    fn mode(&self) -> InputMode {
        InputMode::Picker
    }

    fn keys(&self) -> Mode {
        Mode::Picker
    }

    /// The `[picker]` keymap: move, pick (the restore's preview follows), close.
    fn key(&mut self, k: KeyIn, _: &KeyEvent, ctx: &AppState, _: DateTime<Utc>) -> Vec<Msg> {
        let page = ctx.view.page_size;
        let last = self.snapshots.len().saturating_sub(1);
        let KeyIn::Action(a, _) = k else {
            return vec![];
        };
        match a {
            Action::Quit => return vec![Msg::Effects(vec![Effect::Quit])],
            Action::Close | Action::Cancel => return vec![Msg::Close],
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = (self.selected + page).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Submit | Action::Restore => {
                let mut msgs = vec![Msg::Close];
                msgs.extend(self.snapshots.get(self.selected).cloned().map(Msg::Restore));
                return msgs;
            }
            _ => {}
        }
        vec![]
    }

    fn draw(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: DateTime<Utc>) {
        let p = self;
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
        let [head, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
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
}
