//! The rows a pane shows: built by its model (`panes`), filtered and sorted, memoized per
//! change. Pure functions of state and the current time.
//!
//! Three stages, each kept until what it derives from changes, so that a key costs only the
//! stage it touches:
//! - the **built** rows of a pane change with the data (and the clock, for panes showing ages);
//! - the **order** of all built rows by the sort column changes with the sort;
//! - the **matched** set changes with the filter; typing more of a word filters only the rows
//!   the shorter filter matched.
//!
//! The view is the order with the unmatched rows left out (rows are shared, not copied), and the
//! width each column needs. Moving the selection touches none of this.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::alert_view::split_alert_filter;
pub use super::cells::{Cell, Column, Row, SortKey, cell, styled, text_key};
use super::memo::{BuiltKey, RowsKey};
pub use super::panes::{build_rows, columns, status_style};
use super::state::AppState;
pub use crate::pane::Pane;

/// A row as panes share it.
pub type RowRef = Arc<Row>;

/// What a pane shows: its rows in order, and the width each column's content needs.
#[derive(Debug, Default)]
pub struct View {
    pub rows: Vec<RowRef>,
    /// Per column: the widest cell (at least the header, at most twice the nominal width).
    pub widths: Vec<u16>,
}

impl std::ops::Deref for View {
    type Target = [RowRef];
    fn deref(&self) -> &[RowRef] {
        &self.rows
    }
}

/// The filter's words: fuzzy patterns every one of which must match some cell, and `!words`
/// none of which may be in any cell (as fzf does, an exclusion is a plain case-insensitive
/// substring: a fuzzy one would exclude almost anything).
struct Filter {
    atoms: Vec<Pattern>,
    exclude: Vec<String>,
}

impl Filter {
    fn parse(filter: &str) -> Filter {
        let mut atoms = Vec::new();
        let mut exclude = Vec::new();
        for word in filter.split_whitespace() {
            match word.strip_prefix('!') {
                Some("") => {}
                Some(w) => exclude.push(w.to_lowercase()),
                // Matching the joined row would let letters scattered over several columns
                // match almost anything.
                None => atoms.push(Pattern::parse(
                    word,
                    CaseMatching::Smart,
                    Normalization::Smart,
                )),
            }
        }
        Filter { atoms, exclude }
    }

    fn is_empty(&self) -> bool {
        self.atoms.is_empty() && self.exclude.is_empty()
    }

    /// Whether a row passes; `matcher` and `buf` are reused between rows.
    fn keeps(&self, row: &Row, matcher: &mut Matcher, buf: &mut Vec<char>) -> bool {
        let excluded = self
            .exclude
            .iter()
            .any(|w| row.cells.iter().any(|c| contains_ignore_case(&c.text, w)));
        !excluded
            && self.atoms.iter().all(|atom| {
                row.cells
                    .iter()
                    .any(|c| atom.score(Utf32Str::new(&c.text, buf), matcher).is_some())
            })
    }
}

/// `needle` (lowercase) in `hay`, ignoring case, without allocating for ASCII text.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        return n.is_empty()
            || h.windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    hay.to_lowercase().contains(needle)
}

/// Whether every row `new` keeps is one `old` keeps, so `new` need only look at those: `new`
/// types more of `old` (more of its last word, unless that is an exclusion, or more words).
fn refines(old: &str, new: &str) -> bool {
    let Some(tail) = new.strip_prefix(old) else {
        return false;
    };
    if old.trim().is_empty() {
        return false;
    }
    let extends_word =
        !old.ends_with(char::is_whitespace) && !tail.starts_with(char::is_whitespace);
    !extends_word
        || !old
            .split_whitespace()
            .last()
            .is_some_and(|w| w.starts_with('!'))
}

/// Filters rows and sorts them by the pane's sort column, ties by key. Every word must
/// fuzzy-match some cell on its own; a `!word` excludes the rows where some cell contains it.
pub fn filter_and_sort(mut rows: Vec<Row>, filter: &str, sort_col: usize, desc: bool) -> Vec<Row> {
    let f = Filter::parse(filter);
    if !f.is_empty() {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        rows.retain(|row| f.keeps(row, &mut matcher, &mut buf));
    }
    rows.sort_by(|a, b| compare(a, b, sort_col, desc));
    rows
}

fn compare(a: &Row, b: &Row, sort_col: usize, desc: bool) -> std::cmp::Ordering {
    let ord = a
        .sort
        .get(sort_col)
        .partial_cmp(&b.sort.get(sort_col))
        .unwrap_or(std::cmp::Ordering::Equal);
    let ord = if desc { ord.reverse() } else { ord };
    ord.then_with(|| a.key.cmp(&b.key))
}

/// The filters a pane matched lately against the same built rows, newest last.
#[derive(Debug, Default)]
pub struct Matched {
    built: Option<BuiltKey>,
    /// (filter, for each built row whether it matches).
    recent: Vec<(String, Arc<Vec<bool>>)>,
}

/// How many filters of a pane are kept (typing a word and deleting it again finds them).
const RECENT_FILTERS: usize = 32;

impl Matched {
    /// Which of `rows` (built for `built`) `filter` keeps.
    fn get(&mut self, built: &BuiltKey, rows: &[RowRef], filter: &str) -> Arc<Vec<bool>> {
        if self.built.as_ref() != Some(built) {
            self.built = Some(built.clone());
            self.recent.clear();
        }
        if let Some((_, m)) = self.recent.iter().find(|(f, _)| f == filter) {
            return m.clone();
        }
        let f = Filter::parse(filter);
        let m = if f.is_empty() {
            vec![true; rows.len()]
        } else {
            // Only the rows a filter this one refines kept (the longest such filter).
            let from = self
                .recent
                .iter()
                .filter(|(old, _)| refines(old, filter))
                .max_by_key(|(old, _)| old.len())
                .map(|(_, m)| m.clone());
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut buf = Vec::new();
            rows.iter()
                .enumerate()
                .map(|(i, r)| {
                    from.as_ref().is_none_or(|m| m[i]) && f.keeps(r, &mut matcher, &mut buf)
                })
                .collect()
        };
        let m = Arc::new(m);
        if self.recent.len() >= RECENT_FILTERS {
            self.recent.remove(0);
        }
        self.recent.push((filter.to_string(), m.clone()));
        m
    }
}

/// The rows a pane shows: built, ordered and filtered once per change, then shared.
pub fn view_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> Arc<View> {
    let ps = &state.panes[pane.index()];
    let key = RowsKey {
        built: built_key(state, pane, now),
        filter: ps.filter.clone(),
        sort_col: ps.sort_col,
        sort_desc: ps.sort_desc,
    };
    let d = &state.derived;
    d.rows.get(pane, key.clone(), || {
        if pane == Pane::ALERTS {
            return with_widths(pane, alert_rows(state, now));
        }
        let built = d.built.get(pane, key.built.clone(), || {
            build_rows(state, pane, now)
                .into_iter()
                .map(Arc::new)
                .collect::<Vec<RowRef>>()
        });
        let order = d
            .order
            .get(pane, (key.built.clone(), ps.sort_col, ps.sort_desc), || {
                let mut order: Vec<u32> = (0..built.len() as u32).collect();
                order.sort_by(|a, b| {
                    compare(
                        &built[*a as usize],
                        &built[*b as usize],
                        ps.sort_col,
                        ps.sort_desc,
                    )
                });
                order
            });
        let matched = d.matched.get(pane, &key.built, &built, &ps.filter);
        let rows = order
            .iter()
            .filter(|i| matched[**i as usize])
            .map(|i| built[*i as usize].clone())
            .collect();
        with_widths(pane, rows)
    })
}

/// The recent filters of every pane.
#[derive(Debug, Default)]
pub struct MatchedCache(Mutex<Vec<Matched>>);

impl MatchedCache {
    fn get(&self, pane: Pane, built: &BuiltKey, rows: &[RowRef], filter: &str) -> Arc<Vec<bool>> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if all.len() <= pane.index() {
            all.resize_with(pane.index() + 1, Matched::default);
        }
        all[pane.index()].get(built, rows, filter)
    }
}

/// A copy of the state starts with nothing kept.
impl Clone for MatchedCache {
    fn clone(&self) -> Self {
        MatchedCache::default()
    }
}

/// What a pane's built rows derive from besides the data.
fn built_key(state: &AppState, pane: Pane, now: DateTime<Utc>) -> BuiltKey {
    BuiltKey {
        data: state.derived.data,
        second: if shows_ages(pane) { now.timestamp() } else { 0 },
        grouping: state.alerting.grouping,
        remote_filter: state.listing.remote_filter.clone(),
    }
}

/// Whether a pane's cells change with the clock (ages, "in 2h"): the others are built again
/// only when the data changes.
pub fn shows_ages(pane: Pane) -> bool {
    !matches!(
        pane,
        Pane::HOSTS | Pane::INSTANCES | Pane::VOLUMES | Pane::SERVICES
    )
}

fn with_widths(pane: Pane, rows: Vec<RowRef>) -> View {
    let widths = content_widths(&columns(pane), &rows);
    View { rows, widths }
}

/// Width each column needs for these rows: its content, at least its header, at most twice
/// its nominal width. The last column takes whatever is left when drawn, so it asks only for
/// its nominal width (a long summary is truncated rather than dropped).
pub fn content_widths(cols: &[Column], rows: &[RowRef]) -> Vec<u16> {
    let last = cols.len().saturating_sub(1);
    cols.iter()
        .enumerate()
        .map(|(i, c)| {
            let cap = if i == last { c.width } else { c.width * 2 };
            let mut widest = c.name.len() as u16;
            for r in rows {
                if widest >= cap {
                    break;
                }
                let n = r.cells.get(i).map(|c| c.text.chars().count()).unwrap_or(0) as u16;
                widest = widest.max(n);
            }
            widest.min(cap)
        })
        .collect()
}

/// The alerts pane: its filter also selects by labels and objects, and groups get header rows.
fn alert_rows(state: &AppState, now: DateTime<Utc>) -> Vec<RowRef> {
    let ps = &state.panes[Pane::ALERTS.index()];
    let (_, _, fuzzy) = split_alert_filter(&ps.filter);
    let rows = filter_and_sort(
        build_rows(state, Pane::ALERTS, now),
        &fuzzy,
        ps.sort_col,
        ps.sort_desc,
    );
    super::panes::alerts::group_rows(state, rows)
        .into_iter()
        .map(Arc::new)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_filters_refine_shorter_ones() {
        assert!(refines("gra", "graf"));
        assert!(refines("gra", "gra run"));
        assert!(refines("gra ", "gra !run"));
        assert!(refines("!run", "!run gra"));
        // Excluding "runn" keeps rows that excluding "run" dropped.
        assert!(!refines("!run", "!runn"));
        assert!(!refines("", "a"));
        assert!(!refines("graf", "gra"));
    }

    #[test]
    fn exclusions_ignore_case() {
        assert!(contains_ignore_case("Grafana01", "fana"));
        assert!(!contains_ignore_case("Grafana01", "loki"));
        assert!(contains_ignore_case("ÅSGARD", "åsg"));
    }
}
