//! Config maps kept small for fleets of thousands: keys and values interned (the instances that
//! share a value share one copy of it), each map one sorted slice.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// An interned string: one pointer wide (a map entry of two is 16 bytes, not 32), the text
/// behind it held once however many maps share it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(Arc<Box<str>>);

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        &self.0
    }
}

struct Interner {
    set: HashSet<Str>,
    /// The size after the last sweep: the next one comes when it has doubled.
    swept_at: usize,
}

fn interner() -> &'static Mutex<Interner> {
    static I: OnceLock<Mutex<Interner>> = OnceLock::new();
    I.get_or_init(|| {
        Mutex::new(Interner {
            set: HashSet::new(),
            swept_at: 1024,
        })
    })
}

/// The shared copy of `s`. Strings no map holds any more are let go as the set grows.
pub fn intern(s: &str) -> Str {
    let mut i = interner().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = i.set.get(s) {
        return v.clone();
    }
    if i.set.len() >= i.swept_at * 2 {
        i.set.retain(|v| Arc::strong_count(&v.0) > 1);
        i.swept_at = i.set.len().max(1024);
    }
    let v = Str(Arc::new(Box::from(s)));
    i.set.insert(v.clone());
    v
}

/// A string-to-string map (an instance's config, a device's properties), sorted by key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Config(Box<[(Str, Str)]>);

impl Config {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets one key (rare: the map is built again).
    pub fn insert(&mut self, key: &str, value: &str) {
        let mut v = std::mem::take(&mut self.0).into_vec();
        match v.binary_search_by(|(k, _)| (**k).cmp(key)) {
            Ok(i) => v[i].1 = intern(value),
            Err(i) => v.insert(i, (intern(key), intern(value))),
        }
        self.0 = v.into_boxed_slice();
    }

    /// The entries of `self` that `base` does not have with the same value (what profiles
    /// add to an instance's own config).
    pub fn beyond(&self, base: &Config) -> Config {
        Config(
            self.0
                .iter()
                .filter(|(k, v)| base.get(k) != Some(&**v))
                .cloned()
                .collect(),
        )
    }

    /// As an ordinary map.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Config {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut v: Vec<(Str, Str)> = iter
            .into_iter()
            .map(|(k, v)| (intern(k.as_ref()), intern(v.as_ref())))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|b, a| a.0 == b.0);
        Config(v.into_boxed_slice())
    }
}

impl From<BTreeMap<String, String>> for Config {
    fn from(m: BTreeMap<String, String>) -> Self {
        m.into_iter().collect()
    }
}

impl std::ops::Index<&str> for Config {
    type Output = str;
    /// Panics when the key is absent, as a map does.
    fn index(&self, key: &str) -> &str {
        #[allow(clippy::expect_used)] // as `BTreeMap`'s index
        self.get(key).expect("key in config")
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Config {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// Devices by name, each with its properties, sorted by name.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Devices(Box<[(Str, Config)]>);

impl Devices {
    pub fn get(&self, name: &str) -> Option<&Config> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Config)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The devices of `self` that `base` does not have the same.
    pub fn beyond(&self, base: &Devices) -> Devices {
        Devices(
            self.0
                .iter()
                .filter(|(k, v)| base.get(k) != Some(v))
                .cloned()
                .collect(),
        )
    }

    pub fn to_map(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.to_map()))
            .collect()
    }
}

impl<K: AsRef<str>> FromIterator<(K, Config)> for Devices {
    fn from_iter<I: IntoIterator<Item = (K, Config)>>(iter: I) -> Self {
        let mut v: Vec<(Str, Config)> = iter
            .into_iter()
            .map(|(k, c)| (intern(k.as_ref()), c))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|b, a| a.0 == b.0);
        Devices(v.into_boxed_slice())
    }
}

impl From<BTreeMap<String, BTreeMap<String, String>>> for Devices {
    fn from(m: BTreeMap<String, BTreeMap<String, String>>) -> Self {
        m.into_iter().map(|(k, v)| (k, Config::from(v))).collect()
    }
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Devices {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_look_up_share_and_diff() {
        let a: Config = [("b", "2"), ("a", "1"), ("image.os", "busybox")]
            .into_iter()
            .collect();
        let b: Config = [("image.os", "busybox")].into_iter().collect();
        assert_eq!(a.get("a"), Some("1"));
        assert_eq!(&a["b"], "2");
        assert_eq!(a.get("c"), None);
        assert_eq!(a.keys().collect::<Vec<_>>(), ["a", "b", "image.os"]);
        // One copy of a value the maps share.
        assert!(Arc::ptr_eq(&a.0[2].1.0, &b.0[0].1.0));
        assert_eq!(a.beyond(&b).keys().collect::<Vec<_>>(), ["a", "b"]);
        let mut c = b.clone();
        c.insert("a", "9");
        assert_eq!(c.to_map().len(), 2);
        assert_eq!(format!("{c:?}"), r#"{"a": "9", "image.os": "busybox"}"#);
    }

    #[test]
    fn strings_no_map_holds_are_let_go() {
        for i in 0..5000 {
            drop(intern(&format!("gone-{i}")));
        }
        let kept = intern("kept-value");
        for i in 0..5000 {
            drop(intern(&format!("gone-again-{i}")));
        }
        let set = &interner().lock().unwrap().set;
        assert!(set.len() < 8000, "{}", set.len());
        assert!(set.contains("kept-value"));
        drop(kept);
    }
}
