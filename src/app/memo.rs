//! Derived views kept until what they derive from changes: the rows of each pane and the join
//! of alerts with the inventory are computed once per change (and per second, for ages), not
//! once per frame or per caller.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use super::cells::Row;

/// Values computed on demand per slot (a pane), each kept until its key changes.
pub struct Memo<S, K, V> {
    slots: Mutex<HashMap<S, (K, Arc<V>)>>,
}

impl<S: Eq + Hash, K: PartialEq, V> Memo<S, K, V> {
    /// The value of `slot` for `key`: the kept one when the key is the same, else `compute()`.
    pub fn get(&self, slot: S, key: K, compute: impl FnOnce() -> V) -> Arc<V> {
        let stale = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((k, v)) = slots.get(&slot)
                && *k == key
            {
                return v.clone();
            }
            slots.remove(&slot)
        };
        // The value kept before goes first (unless someone still holds it): 10,000 rows are
        // built again where the last ones were, not beside them — half the peak, and no holes
        // left between what lives on.
        drop(stale);
        // Computed without the lock held: computing may read other memos.
        let v = Arc::new(compute());
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(slot, (key, v.clone()));
        v
    }
}

impl<S, K, V> Default for Memo<S, K, V> {
    fn default() -> Self {
        Memo {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

/// A copy of the state starts with nothing kept.
impl<S, K, V> Clone for Memo<S, K, V> {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl<S, K, V> std::fmt::Debug for Memo<S, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

/// What a pane's built rows derive from (see `rows`).
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltKey {
    /// [`Derived::data`](super::state::Derived::data).
    pub data: u64,
    /// Ages and "stale for" change with the clock (0 for panes that show none).
    pub second: i64,
    pub grouping: super::alert_view::Grouping,
    pub remote_filter: Option<String>,
    pub member_filter: Option<String>,
}

/// What the rows a pane shows derive from.
#[derive(Debug, Clone, PartialEq)]
pub struct RowsKey {
    pub built: BuiltKey,
    pub filter: String,
    pub sort_col: usize,
    pub sort_desc: bool,
}

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

/// Whether every row `new` keeps is one `old` keeps, so `new` need only look at those: `new`
/// types more of `old` (more of its last word, unless that is an exclusion or a place —
/// `@loc` is another remote than `@local` —, or more words).
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
            .is_some_and(|w| w.starts_with('!') || w.starts_with('@'))
}

/// The filters a pane matched lately against the same built rows, newest last.
#[derive(Debug, Default)]
struct Matched {
    built: Option<BuiltKey>,
    /// (filter, for each built row whether it matches).
    recent: Vec<(String, Arc<Vec<bool>>)>,
}

/// How many filters of a pane are kept (typing a word and deleting it again finds them).
const RECENT_FILTERS: usize = 32;

/// Which built rows recent filters of every pane kept.
#[derive(Debug, Default)]
pub struct MatchedCache(Mutex<Vec<Matched>>);

impl MatchedCache {
    /// Which rows (built for `built`) `filter` keeps: kept, or `compute`d from the matches of
    /// the longest recent filter it narrows (`None`: from all rows).
    pub fn get(
        &self,
        pane: usize,
        built: &BuiltKey,
        filter: &str,
        compute: impl FnOnce(Option<&[bool]>) -> Vec<bool>,
    ) -> Arc<Vec<bool>> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if all.len() <= pane {
            all.resize_with(pane + 1, Matched::default);
        }
        let m = &mut all[pane];
        if m.built.as_ref() != Some(built) {
            m.built = Some(built.clone());
            m.recent.clear();
        }
        if let Some((_, v)) = m.recent.iter().find(|(f, _)| f == filter) {
            return v.clone();
        }
        let from = m
            .recent
            .iter()
            .filter(|(old, _)| refines(old, filter))
            .max_by_key(|(old, _)| old.len())
            .map(|(_, v)| v.clone());
        let v = Arc::new(compute(from.as_deref().map(Vec::as_slice)));
        if m.recent.len() >= RECENT_FILTERS {
            m.recent.remove(0);
        }
        m.recent.push((filter.to_string(), v.clone()));
        v
    }
}

/// A copy of the state starts with nothing kept.
impl Clone for MatchedCache {
    fn clone(&self) -> Self {
        MatchedCache::default()
    }
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
        assert!(!refines("@loc", "@local"));
        assert!(refines("@local", "@local graf"));
        assert!(!refines("", "a"));
        assert!(!refines("graf", "gra"));
    }

    #[test]
    fn computes_once_per_key() {
        let m: Memo<u8, u64, String> = Memo::default();
        let mut n = 0;
        let a = m.get(1, 7, || {
            n += 1;
            "a".into()
        });
        let b = m.get(1, 7, || {
            n += 1;
            "b".into()
        });
        assert_eq!((a.as_str(), b.as_str(), n), ("a", "a", 1));
        let c = m.get(1, 8, || "c".into());
        assert_eq!(c.as_str(), "c");
        assert_eq!(m.clone().get(1, 8, || "fresh".into()).as_str(), "fresh");
    }
}
