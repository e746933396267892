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

use std::sync::Arc;

use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::alert_view::split_alert_filter;
pub use super::cells::{Cell, Column, Row, SortKey, cell, styled, text_key};
use super::memo::{BuiltKey, RowsKey};
pub use super::memo::{RowRef, View};
pub use super::panes::{build_rows, columns, status_style};
use super::state::AppState;
pub use crate::pane::Pane;

/// The filter's words: fuzzy patterns every one of which must match some cell, and `!words`
/// none of which may be in any cell (as fzf does, an exclusion is a plain case-insensitive
/// substring: a fuzzy one would exclude almost anything).
struct Filter {
    atoms: Vec<Pattern>,
    exclude: Vec<String>,
    /// `@remote` or `@remote/project`: rows of that place only (every word narrows: two
    /// places keep nothing).
    places: Vec<(String, Option<String>)>,
}

impl Filter {
    fn parse(filter: &str) -> Filter {
        let mut atoms = Vec::new();
        let mut exclude = Vec::new();
        let mut places = Vec::new();
        for word in filter.split_whitespace() {
            if let Some(place) = word.strip_prefix('@').filter(|p| !p.is_empty()) {
                let (remote, project) = match place.split_once('/') {
                    Some((r, p)) => (r, Some(p.to_string())),
                    None => (place, None),
                };
                places.push((remote.to_string(), project));
                continue;
            }
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
        Filter {
            atoms,
            exclude,
            places,
        }
    }

    fn is_empty(&self) -> bool {
        self.atoms.is_empty() && self.exclude.is_empty() && self.places.is_empty()
    }

    /// Whether the row is in the `@` places named.
    fn in_place(&self, row: &Row) -> bool {
        self.places.iter().all(|(remote, project)| {
            row.remote == *remote
                && project.as_ref().is_none_or(|p| {
                    row.key
                        .object()
                        .and_then(|o| o.project())
                        .is_some_and(|x| x == p || (x.is_empty() && p == "default"))
                })
        })
    }

    /// Whether a row passes; `matcher` and `buf` are reused between rows.
    fn keeps(&self, row: &Row, matcher: &mut Matcher, buf: &mut Vec<char>) -> bool {
        let excluded = self
            .exclude
            .iter()
            .any(|w| row.texts().any(|t| contains_ignore_case(t, w)));
        !excluded
            && self.in_place(row)
            && self.atoms.iter().all(|atom| {
                row.texts()
                    .any(|t| atom.score(Utf32Str::new(t, buf), matcher).is_some())
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
    let ord = a.cmp_by(b, sort_col);
    let ord = if desc { ord.reverse() } else { ord };
    ord.then_with(|| a.key.cmp(&b.key))
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
        if pane == Pane::Alerts {
            return with_widths(pane, alert_rows(state, now));
        }
        let built = d.built.get(pane, key.built.clone(), || {
            shared(build_rows(state, pane, now))
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
        let matched = d.matched.get(pane.index(), &key.built, &ps.filter, |from| {
            let f = Filter::parse(&ps.filter);
            if f.is_empty() {
                return vec![true; built.len()];
            }
            // Only the rows the filter this one narrows kept.
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut buf = Vec::new();
            built
                .iter()
                .enumerate()
                .map(|(i, r)| from.is_none_or(|m| m[i]) && f.keeps(r, &mut matcher, &mut buf))
                .collect()
        });
        let rows = order
            .iter()
            .filter(|i| matched[**i as usize])
            .map(|i| built[*i as usize].clone())
            .collect();
        with_widths(pane, rows)
    })
}

/// What a pane's built rows derive from besides the data.
fn built_key(state: &AppState, pane: Pane, now: DateTime<Utc>) -> BuiltKey {
    BuiltKey {
        data: state.derived.data,
        second: if shows_ages(pane) { now.timestamp() } else { 0 },
        grouping: state.alerting.grouping,
        remote_filter: state.listing.remote_filter.clone(),
        member_filter: state.listing.member_filter.clone(),
    }
}

/// Whether a pane's cells change with the clock (ages, "in 2h"): the others are built again
/// only when the data changes.
pub fn shows_ages(pane: Pane) -> bool {
    !matches!(
        pane,
        Pane::Hosts | Pane::Instances | Pane::Volumes | Pane::Services
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
                let n = r.text_of(i).map(|t| t.chars().count()).unwrap_or(0) as u16;
                widest = widest.max(n);
            }
            widest.min(cap)
        })
        .collect()
}

/// The alerts pane: its filter also selects by labels and objects, and groups get header rows.
fn alert_rows(state: &AppState, now: DateTime<Utc>) -> Vec<RowRef> {
    let ps = &state.panes[Pane::Alerts.index()];
    let (_, _, fuzzy) = split_alert_filter(&ps.filter);
    let rows = filter_and_sort(
        build_rows(state, Pane::Alerts, now),
        &fuzzy,
        ps.sort_col,
        ps.sort_desc,
    );
    shared(super::panes::alerts::group_rows(state, rows))
}

/// Rows to share, in a list of their own length: collected in place, the list of 10,000 rows
/// (208 bytes each) would stay allocated under the 8-byte references.
fn shared(rows: Vec<Row>) -> Vec<RowRef> {
    let mut out = Vec::with_capacity(rows.len());
    out.extend(rows.into_iter().map(Arc::new));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusions_ignore_case() {
        assert!(contains_ignore_case("Grafana01", "fana"));
        assert!(!contains_ignore_case("Grafana01", "loki"));
        assert!(contains_ignore_case("ÅSGARD", "åsg"));
    }
}
