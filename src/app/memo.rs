//! Derived views kept until what they derive from changes: the rows of each pane and the join
//! of alerts with the inventory are computed once per change (and per second, for ages), not
//! once per frame or per caller.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Values computed on demand per slot (a pane), each kept until its key changes.
pub struct Memo<S, K, V> {
    slots: Mutex<HashMap<S, (K, Arc<V>)>>,
}

impl<S: Eq + Hash, K: PartialEq, V> Memo<S, K, V> {
    /// The value of `slot` for `key`: the kept one when the key is the same, else `compute()`.
    pub fn get(&self, slot: S, key: K, compute: impl FnOnce() -> V) -> Arc<V> {
        {
            let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((k, v)) = slots.get(&slot)
                && *k == key
            {
                return v.clone();
            }
        }
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
}

/// What the rows a pane shows derive from.
#[derive(Debug, Clone, PartialEq)]
pub struct RowsKey {
    pub built: BuiltKey,
    pub filter: String,
    pub sort_col: usize,
    pub sort_desc: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

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
