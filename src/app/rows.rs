//! The rows a pane shows: built by its model (`panes`), filtered and sorted, memoized per
//! change. Pure functions of state and the current time.

use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::alert_view::split_alert_filter;
pub use super::cells::{Cell, Column, Row, SortKey, cell, styled, text_key};
use super::memo::RowsKey;
pub use super::panes::{build_rows, columns, status_style};
use super::state::AppState;
pub use crate::pane::Pane;

/// Filters rows and sorts them by the pane's sort column. Every word must fuzzy-match some
/// cell on its own; a `!word` excludes the rows where some cell contains it (as fzf does, an
/// exclusion is a plain case-insensitive substring: a fuzzy one would exclude almost anything).
pub fn filter_and_sort(mut rows: Vec<Row>, filter: &str, sort_col: usize, desc: bool) -> Vec<Row> {
    let mut atoms = Vec::new();
    let mut exclude = Vec::new();
    for word in filter.split_whitespace() {
        match word.strip_prefix('!') {
            Some("") => {}
            Some(w) => exclude.push(w.to_lowercase()),
            // Matching the joined row would let letters scattered over several columns match
            // almost anything.
            None => atoms.push(Pattern::parse(
                word,
                CaseMatching::Smart,
                Normalization::Smart,
            )),
        }
    }
    if !atoms.is_empty() || !exclude.is_empty() {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        rows.retain(|row| {
            let excluded = exclude.iter().any(|w| {
                row.cells
                    .iter()
                    .any(|c| c.text.to_lowercase().contains(w.as_str()))
            });
            !excluded
                && atoms.iter().all(|atom| {
                    row.cells.iter().any(|c| {
                        atom.score(Utf32Str::new(&c.text, &mut buf), &mut matcher)
                            .is_some()
                    })
                })
        });
    }
    rows.sort_by(|a, b| {
        let ka = a.sort.get(sort_col);
        let kb = b.sort.get(sort_col);
        let ord = ka.partial_cmp(&kb).unwrap_or(std::cmp::Ordering::Equal);
        let ord = if desc { ord.reverse() } else { ord };
        ord.then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// The rows a pane shows: built, filtered and sorted once per change, then shared.
pub fn view_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> std::sync::Arc<Vec<Row>> {
    let ps = &state.panes[pane.index()];
    let key = RowsKey {
        rev: state.derived.rev,
        second: now.timestamp(),
        filter: ps.filter.clone(),
        sort_col: ps.sort_col,
        sort_desc: ps.sort_desc,
        grouping: state.alerting.grouping,
        remote_filter: state.listing.remote_filter.clone(),
    };
    state
        .derived
        .rows
        .get(pane, key, || compute_view_rows(state, pane, now))
}

fn compute_view_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> Vec<Row> {
    let ps = &state.panes[pane.index()];
    if pane == Pane::ALERTS {
        let (_, _, fuzzy) = split_alert_filter(&ps.filter);
        let rows = filter_and_sort(
            build_rows(state, pane, now),
            &fuzzy,
            ps.sort_col,
            ps.sort_desc,
        );
        return super::panes::alerts::group_rows(state, rows);
    }
    filter_and_sort(
        build_rows(state, pane, now),
        &ps.filter,
        ps.sort_col,
        ps.sort_desc,
    )
}
