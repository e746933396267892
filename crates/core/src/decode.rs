//! Lenient JSON decoding for real server answers: `null` counts as absent everywhere, and a list
//! is decoded item by item so one odd item is skipped (and named) instead of failing the list.

use serde::de::DeserializeOwned;
use serde::de::Error as _;
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

/// A list was expected; the answer was something else (its JSON kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected a list, got {0}")]
pub struct NotAList(pub &'static str);

/// Decodes one value with `null` treated as absent.
pub fn value<T: DeserializeOwned>(mut v: Value) -> Result<T, serde_json::Error> {
    strip_nulls(&mut v);
    serde_json::from_value(v)
}

/// Decodes a list item by item. `null` (or an absent list) is the empty list; an item that
/// cannot be decoded is left out and reported. Anything but a list is an error.
pub fn list<T: DeserializeOwned>(path: &str, v: Value) -> Result<(Vec<T>, Vec<Skipped>), NotAList> {
    let items = match v {
        Value::Null => return Ok((vec![], vec![])),
        Value::Array(a) => a,
        other => return Err(NotAList(kind(&other))),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut skipped = Vec::new();
    // As the streaming decoders do: a `null` item is absent; each item is decoded as it is,
    // and only one that fails so goes the lenient way (`null` fields absent).
    for (i, mut item) in items.into_iter().filter(|x| !x.is_null()).enumerate() {
        if let Ok(t) = T::deserialize(&item) {
            out.push(t);
            continue;
        }
        strip_nulls(&mut item);
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
    fn a_list_under_another_key_is_read_from_text_as_from_a_reader() {
        let text = br#"{"data": [{"name": "a", "n": null}, {"name": 5}, null, {"name": "c"}], "x": {"data": 1}}"#;
        let mut from_text = Vec::new();
        let head =
            envelope_list_in::<Item, _>("data", "/p", text, |i| from_text.push(i.name)).unwrap();
        assert_eq!(from_text, ["a", "c"]);
        assert_eq!(head.skipped.len(), 1);
        assert_eq!(head.skipped[0].item, "#1");
        let mut from_reader = Vec::new();
        envelope_list_at::<_, Item, _>("data", "/p", &text[..], |i| from_reader.push(i.name))
            .unwrap();
        assert_eq!(from_reader, from_text);
        // The key is the one asked for: Incus's `metadata` is not PVE's `data`.
        let mut none = 0;
        envelope_list_in::<Item, _>("metadata", "/p", text, |_| none += 1).unwrap();
        assert_eq!(none, 0);
    }

    #[test]
    fn null_list_is_empty_and_an_object_is_an_error() {
        assert!(list::<Item>("/p", Value::Null).unwrap().0.is_empty());
        assert!(list::<Item>("/p", json!({"a": 1})).is_err());
    }
}

/// What an answer's envelope said besides its list (Incus: `{"type", "error", "error_code",
/// "metadata": [...]}`).
#[derive(Debug, Default)]
pub struct Head {
    pub kind: String,
    pub error: String,
    pub error_code: u16,
    /// The items left out.
    pub skipped: Vec<Skipped>,
    /// What `metadata` was when it was not a list (nor `null`).
    pub not_a_list: Option<&'static str>,
}

/// Decodes an envelope from `reader` and its `metadata` list item by item as the bytes arrive,
/// handing each decoded item to `each`: neither the answer nor its list is ever held whole.
/// Items are treated as [`list`] treats them (`null` as absent, a bad item skipped and named).
pub fn envelope_list<R, T, F>(path: &str, reader: R, each: F) -> Result<Head, serde_json::Error>
where
    R: std::io::Read,
    T: DeserializeOwned,
    F: FnMut(T),
{
    envelope_list_at("metadata", path, reader, each)
}

/// [`envelope_list`] for an envelope whose list is under `key` (Proxmox VE: `{"data": [...]}`).
pub fn envelope_list_at<R, T, F>(
    key: &str,
    path: &str,
    reader: R,
    each: F,
) -> Result<Head, serde_json::Error>
where
    R: std::io::Read,
    T: DeserializeOwned,
    F: FnMut(T),
{
    envelope_from(
        serde_json::Deserializer::from_reader(reader),
        key,
        path,
        each,
    )
}

/// [`envelope_list_at`] for an answer read whole already (faster than through a reader).
pub fn envelope_list_in<T, F>(
    key: &str,
    path: &str,
    text: &[u8],
    each: F,
) -> Result<Head, serde_json::Error>
where
    T: DeserializeOwned,
    F: FnMut(T),
{
    envelope_from(serde_json::Deserializer::from_slice(text), key, path, each)
}

fn envelope_from<'de, R, T, F>(
    mut de: serde_json::Deserializer<R>,
    key: &str,
    path: &str,
    each: F,
) -> Result<Head, serde_json::Error>
where
    R: serde_json::de::Read<'de>,
    T: DeserializeOwned,
    F: FnMut(T),
{
    use serde::de::DeserializeSeed;
    let head = EnvelopeSeed {
        key,
        path,
        each,
        _item: std::marker::PhantomData::<T>,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(head)
}

struct EnvelopeSeed<'p, T, F> {
    key: &'p str,
    path: &'p str,
    each: F,
    _item: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned, F: FnMut(T)> serde::de::DeserializeSeed<'de>
    for EnvelopeSeed<'_, T, F>
{
    type Value = Head;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Head, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned, F: FnMut(T)> serde::de::Visitor<'de> for EnvelopeSeed<'_, T, F> {
    type Value = Head;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an answer envelope")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<Head, A::Error> {
        let mut head = Head::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => head.kind = map.next_value::<Option<String>>()?.unwrap_or_default(),
                "error" => head.error = map.next_value::<Option<String>>()?.unwrap_or_default(),
                "error_code" => head.error_code = map.next_value::<Option<u16>>()?.unwrap_or(0),
                k if k == self.key => map.next_value_seed(ListSeed {
                    path: self.path,
                    each: &mut self.each,
                    head: &mut head,
                    _item: std::marker::PhantomData::<T>,
                })?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

struct ListSeed<'a, T, F> {
    path: &'a str,
    each: &'a mut F,
    head: &'a mut Head,
    _item: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned, F: FnMut(T)> serde::de::DeserializeSeed<'de> for ListSeed<'_, T, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned, F: FnMut(T)> serde::de::Visitor<'de> for ListSeed<'_, T, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        // Each item's text on its own, decoded straight into `T`; only an item that fails so
        // (a `null` where `T` wants a value, a bad field) goes the lenient way.
        while let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            let text = raw.get();
            if text != "null" {
                match serde_json::from_str::<T>(text) {
                    Ok(t) => (self.each)(t),
                    Err(_) => {
                        let mut item: Value =
                            serde_json::from_str(text).map_err(A::Error::custom)?;
                        strip_nulls(&mut item);
                        let name = label(&item);
                        match serde_json::from_value(item) {
                            Ok(t) => (self.each)(t),
                            Err(e) => {
                                let s = Skipped {
                                    path: self.path.to_string(),
                                    item: name.unwrap_or_else(|| format!("#{i}")),
                                    reason: e.to_string(),
                                };
                                tracing::warn!(skipped = %s, "list item skipped");
                                self.head.skipped.push(s);
                            }
                        }
                    }
                }
            }
            i += 1;
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        self.head.not_a_list = Some("an object");
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.head.not_a_list = Some("a boolean");
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.head.not_a_list = Some("a number");
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.head.not_a_list = Some("a number");
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.head.not_a_list = Some("a number");
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.head.not_a_list = Some("a string");
        Ok(())
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Item {
        name: String,
        #[serde(default)]
        n: u32,
    }

    fn decode(text: &str) -> (Result<Head, serde_json::Error>, Vec<Item>) {
        let mut out = vec![];
        let r = envelope_list("/x", text.as_bytes(), |i: Item| out.push(i));
        (r, out)
    }

    #[test]
    fn items_are_decoded_one_by_one_and_bad_ones_named() {
        let (head, items) = decode(
            r#"{"type":"sync","status":"Success","metadata":[{"name":"a","n":null},null,{"name":"b","n":"x"},{"name":"c","n":3}],"error":null}"#,
        );
        let head = head.unwrap();
        assert_eq!(head.kind, "sync");
        assert_eq!(
            items,
            [
                Item {
                    name: "a".into(),
                    n: 0
                },
                Item {
                    name: "c".into(),
                    n: 3
                }
            ]
        );
        assert_eq!(head.skipped.len(), 1);
        assert_eq!(head.skipped[0].item, "b");
    }

    #[test]
    fn errors_and_odd_metadata_are_told() {
        let (head, items) =
            decode(r#"{"type":"error","error":"not found","error_code":404,"metadata":null}"#);
        let head = head.unwrap();
        assert!(items.is_empty());
        assert_eq!((head.kind.as_str(), head.error_code), ("error", 404));
        let (head, _) = decode(r#"{"metadata":{"a":[1,2]},"type":"sync"}"#);
        assert_eq!(head.unwrap().not_a_list, Some("an object"));
        assert!(decode(r#"{"metadata":[{"name":"a"}"#).0.is_err());
    }
}
