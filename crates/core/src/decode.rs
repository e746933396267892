//! Lenient JSON decoding for real server answers: `null` counts as absent everywhere, and a list
//! is decoded item by item so one odd item is skipped (and named) instead of failing the list.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An item of a list that could not be decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// Where the list came from (an API path).
    pub path: String,
    /// The item's name when it has one (`name`, `server_name`, `fingerprint`), else its index.
    pub item: String,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: item {}: {}", self.path, self.item, self.reason)
    }
}

/// Where a client keeps the items it left out until its owner reports them (shared by clones).
#[derive(Debug, Clone, Default)]
pub struct SkipLog(std::sync::Arc<std::sync::Mutex<Vec<Skipped>>>);

impl SkipLog {
    pub fn record(&self, items: Vec<Skipped>) {
        if items.is_empty() {
            return;
        }
        if let Ok(mut v) = self.0.lock() {
            v.extend(items);
        }
    }

    /// What was left out since the last call.
    pub fn take(&self) -> Vec<Skipped> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Removes every `null` member of every object and every `null` element of every array, so
/// `#[serde(default)]` and `Option` treat `null` as absent.
pub fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => {
            a.retain(|x| !x.is_null());
            a.iter_mut().for_each(strip_nulls);
        }
        _ => {}
    }
}

/// Decodes one value with `null` treated as absent.
pub fn value<T: DeserializeOwned>(mut v: Value) -> Result<T, serde_json::Error> {
    strip_nulls(&mut v);
    serde_json::from_value(v)
}

/// Decodes a list item by item. `null` (or an absent list) is the empty list; an item that
/// cannot be decoded is left out and reported. Anything but a list is an error.
pub fn list<T: DeserializeOwned>(
    path: &str,
    mut v: Value,
) -> Result<(Vec<T>, Vec<Skipped>), String> {
    strip_nulls(&mut v);
    let items = match v {
        Value::Null => return Ok((vec![], vec![])),
        Value::Array(a) => a,
        other => return Err(format!("expected a list, got {}", kind(&other))),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut skipped = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let label = label(&item).unwrap_or_else(|| format!("#{i}"));
        match serde_json::from_value(item) {
            Ok(t) => out.push(t),
            Err(e) => {
                let s = Skipped {
                    path: path.to_string(),
                    item: label,
                    reason: e.to_string(),
                };
                tracing::warn!(skipped = %s, "list item skipped");
                skipped.push(s);
            }
        }
    }
    Ok((out, skipped))
}

fn label(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    ["name", "server_name", "fingerprint", "id"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `#[serde(default, deserialize_with = "crate::decode::lenient_vec")]`: a nested list whose bad
/// items are skipped (and logged) instead of failing the object holding it.
pub fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    Ok(list("nested list", v).map(|(l, _)| l).unwrap_or_default())
}

/// Like [`lenient_vec`] for an optional list (absent stays `None`).
pub fn lenient_opt_vec<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    if v.is_null() {
        return Ok(None);
    }
    Ok(list("nested list", v).ok().map(|(l, _)| l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        name: String,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        n: u32,
    }

    #[test]
    fn nulls_are_absent_and_bad_items_are_skipped() {
        let v = json!([
            {"name": "a", "tags": null, "n": null},
            {"name": "b", "n": "seven"},
            null,
            {"tags": ["x"]},
            {"name": "c", "tags": ["x", null]}
        ]);
        let (items, skipped) = list::<Item>("/p", v).unwrap();
        assert_eq!(
            items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            ["a", "c"]
        );
        assert_eq!(items[1].tags, ["x"]);
        assert_eq!(skipped.len(), 2);
        assert_eq!(skipped[0].item, "b");
        assert_eq!(skipped[1].item, "#2");
        assert!(skipped[0].to_string().starts_with("/p: item b: "));
    }

    #[test]
    fn null_list_is_empty_and_an_object_is_an_error() {
        assert!(list::<Item>("/p", Value::Null).unwrap().0.is_empty());
        assert!(list::<Item>("/p", json!({"a": 1})).is_err());
    }
}
