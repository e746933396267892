//! Marks: rows picked out by key in a pane, so that an action acts on all of them. They are
//! kept by row key, so they survive sorting, filtering, refreshes and switching panes.

use chrono::{DateTime, Utc};

use super::cells::RowKey;
use super::rows::view_rows;
use super::state::{AppState, Level};
use crate::pane::Pane;

/// Whether a row can be marked: what an action can act on (not a group's header row, not a
/// remote that has no hosts yet).
fn markable(key: &RowKey) -> bool {
    !matches!(key, RowKey::AlertGroup(_) | RowKey::Remote(_))
}

impl AppState {
    /// The marked rows of a pane.
    pub fn marks(&self, pane: Pane) -> &std::collections::HashSet<RowKey> {
        &self.panes[pane.index()].marks
    }

    /// A marking action.
    pub(crate) fn apply_mark(&mut self, action: crate::action::Action, now: DateTime<Utc>) {
        use crate::action::Action as A;
        match action {
            A::MarkRange => self.mark_range(now),
            A::MarkAll => self.mark_all(now),
            A::ClearMarks => self.clear_marks(),
            _ => self.toggle_mark(now),
        }
    }

    /// `space`: marks or unmarks the selected row, then moves down.
    pub(crate) fn toggle_mark(&mut self, now: DateTime<Utc>) {
        let rows = view_rows(self, self.pane, now);
        let Some(row) = rows.get(self.selected_index(self.pane, &rows)) else {
            return;
        };
        let key = row.key.clone();
        if !markable(&key) {
            return;
        }
        let ps = &mut self.panes[self.pane.index()];
        if !ps.marks.remove(&key) {
            ps.marks.insert(key.clone());
            ps.last_mark = Some(key);
        }
        self.move_selection(1, now);
    }

    /// Marks every row from the last one marked to the selected one (the selected one alone when
    /// none was marked, or the last one marked is not shown).
    pub(crate) fn mark_range(&mut self, now: DateTime<Utc>) {
        let rows = view_rows(self, self.pane, now);
        if rows.is_empty() {
            return;
        }
        let here = self.selected_index(self.pane, &rows);
        let ps = &self.panes[self.pane.index()];
        let from = ps
            .last_mark
            .as_ref()
            .and_then(|k| rows.iter().position(|r| &r.key == k))
            .unwrap_or(here);
        let (a, b) = (from.min(here), from.max(here));
        let keys: Vec<RowKey> = rows[a..=b]
            .iter()
            .map(|r| r.key.clone())
            .filter(markable)
            .collect();
        let n = keys.len();
        let ps = &mut self.panes[self.pane.index()];
        ps.marks.extend(keys);
        ps.last_mark = Some(rows[here].key.clone());
        let total = ps.marks.len();
        self.say(Level::Info, format!("{n} rows marked ({total} in all)"));
    }

    /// Marks every row the filter shows.
    pub(crate) fn mark_all(&mut self, now: DateTime<Utc>) {
        let rows = view_rows(self, self.pane, now);
        let keys: Vec<RowKey> = rows
            .iter()
            .map(|r| r.key.clone())
            .filter(markable)
            .collect();
        let ps = &mut self.panes[self.pane.index()];
        ps.marks.extend(keys);
        let total = ps.marks.len();
        let shown = if ps.filter.is_empty() {
            String::new()
        } else {
            format!(" (filter /{})", ps.filter)
        };
        self.say(Level::Info, format!("{total} rows marked{shown}"));
    }

    /// Clears the pane's marks.
    pub(crate) fn clear_marks(&mut self) {
        let ps = &mut self.panes[self.pane.index()];
        let n = ps.marks.len();
        ps.marks.clear();
        ps.last_mark = None;
        if n > 0 {
            self.say(Level::Info, format!("{n} marks cleared"));
        }
    }
}
