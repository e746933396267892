//! Reading a user's TOML file so that one mistake costs only itself: every problem is reported
//! with file, line and column (and a suggestion where one is likely), the part it is in is left
//! out, and everything else in the file still applies.
//!
//! How: the file is parsed with recovery (a syntax error costs the lines it spoils), merged over
//! the shipped defaults and deserialized; each error names a path (`remotes[1].kind`), which is
//! located in the file and removed from the user's table — a key of a section (its default
//! applies) or, inside an array of tables such as `[[remotes]]`, the whole entry (a remote half
//! understood is not what was meant) — and the merge is tried again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, Place, merge};

/// One step of a path into a TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// `remotes[1].kind`.
pub fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A user file: its name, and where each key and array entry starts (line and column, 1-based).
#[derive(Debug, Clone)]
pub struct Source {
    pub file: PathBuf,
    places: BTreeMap<String, (usize, usize)>,
    /// The `name` of each table that has one, by the table's path.
    names: BTreeMap<String, String>,
}

impl Source {
    /// Parses `text` with recovery: the places of what could be read, the table of it, and a
    /// diagnostic per syntax error.
    pub fn parse(file: &Path, text: &str) -> (Source, toml::Table, Vec<Diagnostic>) {
        let (doc, errors) = DeTable::parse_recoverable(text);
        let mut places = BTreeMap::new();
        let mut names = BTreeMap::new();
        walk_table(
            text,
            doc.get_ref(),
            &mut Vec::new(),
            &mut (&mut places, &mut names),
        );
        let diags = errors
            .iter()
            .map(|e| {
                let (line, column) = e
                    .span()
                    .map(|s| position(text, s.start))
                    .map_or((None, None), |(l, c)| (Some(l), Some(c)));
                Diagnostic {
                    file: file.to_path_buf(),
                    line,
                    column,
                    message: format!(
                        "{} (the rest of the file is read)",
                        e.message().trim().trim_end_matches('.')
                    ),
                }
            })
            .collect();
        let table = toml::Table::deserialize(toml::de::Deserializer::from(doc)).unwrap_or_default();
        let source = Source {
            file: file.to_path_buf(),
            places,
            names,
        };
        (source, table, diags)
    }

    /// Line and column of a path's key (or array entry).
    pub fn locate(&self, path: &[Seg]) -> Option<(usize, usize)> {
        (0..=path.len())
            .rev()
            .find_map(|n| self.places.get(&path_text(&path[..n])).copied())
    }

    /// A diagnostic located at `path`.
    pub fn at(&self, path: &[Seg], message: impl Into<String>) -> Diagnostic {
        let place = if path.is_empty() {
            None
        } else {
            self.locate(path)
        };
        Diagnostic {
            file: self.file.clone(),
            line: place.map(|p| p.0),
            column: place.map(|p| p.1),
            message: message.into(),
        }
    }

    /// Where the entry of the array `key` (`[[remotes]]`) whose `name` is `name` is written (the
    /// first one of that name).
    pub fn place_of_entry(&self, key: &str, name: &str) -> Place {
        self.place_of_nth_entry(key, name, 0)
    }

    /// Where the `n`th (from 0) entry of the array `key` named `name` is written.
    pub fn place_of_nth_entry(&self, key: &str, name: &str, n: usize) -> Place {
        let mut found: Vec<(usize, usize)> = self
            .names
            .iter()
            .filter(|(p, x)| *x == name && p.strip_prefix(key).is_some_and(|r| r.starts_with('[')))
            .filter_map(|(p, _)| self.places.get(p).copied())
            .collect();
        found.sort_unstable();
        let place = found.get(n).copied();
        Place {
            file: self.file.clone(),
            line: place.map(|p| p.0),
            column: place.map(|p| p.1),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// Where each key and entry starts, and the tables' names.
type Found<'a> = (
    &'a mut BTreeMap<String, (usize, usize)>,
    &'a mut BTreeMap<String, String>,
);

fn walk_table(text: &str, table: &DeTable<'_>, path: &mut Vec<Seg>, found: &mut Found<'_>) {
    for (k, v) in table {
        if k.get_ref() == "name"
            && let Some(n) = v.get_ref().as_str()
        {
            found.1.insert(path_text(path), n.to_string());
        }
        path.push(Seg::Key(k.get_ref().to_string()));
        found
            .0
            .insert(path_text(path), position(text, k.span().start));
        walk_value(text, v.get_ref(), path, found);
        path.pop();
    }
}

fn walk_value(text: &str, value: &DeValue<'_>, path: &mut Vec<Seg>, found: &mut Found<'_>) {
    match value {
        DeValue::Table(t) => walk_table(text, t, path, found),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                // An entry of `[[remotes]]` starts at its header, the line before its first key.
                let at = if item.get_ref().is_table() {
                    header_before(text, item.span().start).unwrap_or(item.span().start)
                } else {
                    item.span().start
                };
                found.0.insert(path_text(path), position(text, at));
                walk_value(text, item.get_ref(), path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The `[[...]]` header line at or before `offset`, when the text there is one.
fn header_before(text: &str, offset: usize) -> Option<usize> {
    let line_start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = &text[line_start..];
    if line.trim_start().starts_with("[[") {
        return Some(line_start + (line.len() - line.trim_start().len()));
    }
    let prev_start = text[..line_start.saturating_sub(1)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let prev = text.get(prev_start..line_start.saturating_sub(1))?;
    prev.trim_start()
        .starts_with("[[")
        .then(|| prev_start + (prev.len() - prev.trim_start().len()))
}

/// What an error costs: the key, or the whole entry of an array of tables.
fn cost(path: &[Seg], unknown_key: Option<&str>, base: &toml::Table) -> Vec<Seg> {
    let Some(entry) = path.iter().rposition(|s| matches!(s, Seg::Index(_))) else {
        return path.to_vec();
    };
    // A key of another section, written under `[[remotes]]` by mistake: only the key.
    if let Some(k) = unknown_key
        && belongs_elsewhere(&path[..path.len() - 1], k, base).is_some()
    {
        return path.to_vec();
    }
    path[..=entry].to_vec()
}

/// The section of the defaults (`""` for the top level) that has the key `key`, when it is not
/// the one the key was written in (`path`): where it was probably meant to go.
fn belongs_elsewhere(path: &[Seg], key: &str, base: &toml::Table) -> Option<String> {
    let here = path_text(path);
    let top = base
        .get(key)
        .is_some_and(|v| !v.is_table())
        .then(String::new);
    top.or_else(|| {
        base.iter()
            .filter_map(|(name, v)| Some((name, v.as_table()?)))
            .find(|(name, t)| t.contains_key(key) && **name != here)
            .map(|(name, _)| name.clone())
    })
    .filter(|s| *s != here)
}

/// `` `theme` `` from "unknown field `theme`, expected one of `a`, `b`" and the keys expected.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((key.to_string(), expected))
}

/// "unknown variant `fly`, expected one of `quit`, `help`, …" of a long list, said short: the
/// value, how many are accepted, and the likely one.
fn short_variant(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown variant `")?;
    let (word, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    if expected.len() <= 8 {
        return None;
    }
    let near = closest(word, expected.iter().copied())
        .map(|n| format!("; did you mean `{n}`?"))
        .unwrap_or_default();
    Some(format!(
        "`{word}` is not one of the {} accepted values{near}",
        expected.len()
    ))
}

/// The closest of `known` to `word`, when close enough to be a likely typo.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(word, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn remove_at(table: &mut toml::Table, path: &[Seg]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut v: Option<&mut toml::Value> = None;
    for s in parents {
        let next = match (s, v) {
            (Seg::Key(k), None) => table.get_mut(k),
            (Seg::Key(k), Some(toml::Value::Table(t))) => t.get_mut(k),
            (Seg::Index(i), Some(toml::Value::Array(a))) => a.get_mut(*i),
            _ => None,
        };
        let Some(n) = next else { return false };
        v = Some(n);
    }
    match (last, v) {
        (Seg::Key(k), None) => table.remove(k).is_some(),
        (Seg::Key(k), Some(toml::Value::Table(t))) => t.remove(k).is_some(),
        (Seg::Index(i), Some(toml::Value::Array(a))) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}

/// The `name` of the entry at `path` in `table`, to say which remote is left out.
fn entry_name(table: &toml::Table, path: &[Seg]) -> Option<String> {
    let mut v: Option<&toml::Value> = None;
    for s in path {
        v = match (s, v) {
            (Seg::Key(k), None) => table.get(k),
            (Seg::Key(k), Some(toml::Value::Table(t))) => t.get(k),
            (Seg::Index(i), Some(toml::Value::Array(a))) => a.get(*i),
            _ => None,
        };
    }
    v?.get("name")?.as_str().map(str::to_string)
}

/// The errors' paths are in the table as it is after earlier removals; the file's places are
/// by the original indices. `removed` holds, per array, the original indices taken out.
fn original(path: &[Seg], removed: &BTreeMap<String, Vec<usize>>) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::new();
    for s in path {
        match s {
            Seg::Index(i) => {
                let mut orig = *i;
                if let Some(r) = removed.get(&path_text(&out)) {
                    for gone in r {
                        if *gone <= orig {
                            orig += 1;
                        }
                    }
                }
                out.push(Seg::Index(orig));
            }
            k => out.push(k.clone()),
        }
    }
    out
}

fn segments(p: &serde_path_to_error::Path) -> Vec<Seg> {
    p.iter()
        .filter_map(|s| match s {
            serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        })
        .collect()
}

/// What one error is, in the user's words, and what it costs.
fn explain(
    path: &[Seg],
    message: &str,
    dropped: &[Seg],
    user: &toml::Table,
    base: &toml::Table,
) -> String {
    let mut text = match unknown_field(message) {
        Some((key, expected)) => {
            let here = path_text(path);
            let section = if here.is_empty() {
                "the top level".to_string()
            } else if path.iter().any(|s| matches!(s, Seg::Index(_))) {
                format!("[[{}]]", here.split('[').next().unwrap_or(&here))
            } else {
                format!("[{here}]")
            };
            let mut s = format!("`{key}` is not a key of {section}");
            if let Some(above) = belongs_elsewhere(path, &key, base) {
                let first = here.split('[').next().unwrap_or(&here);
                if above.is_empty() && path.iter().any(|s| matches!(s, Seg::Index(_))) {
                    s.push_str(&format!(
                        "; did you mean to put it above the first [[{first}]]?"
                    ));
                } else if above.is_empty() {
                    s.push_str("; did you mean to put it at the top, before the first section?");
                } else {
                    s.push_str(&format!("; did you mean to put it in [{above}]?"));
                }
            } else if let Some(near) = closest(&key, expected.iter().map(String::as_str)) {
                s.push_str(&format!("; did you mean `{near}`?"));
            }
            s
        }
        None => {
            let here = path_text(path);
            let message = short_variant(message).unwrap_or_else(|| message.to_string());
            if here.is_empty() {
                message
            } else {
                format!("{here}: {message}")
            }
        }
    };
    let is_entry = matches!(dropped.last(), Some(Seg::Index(_)));
    if is_entry {
        let what = path_text(&dropped[..dropped.len() - 1]);
        match entry_name(user, dropped) {
            Some(n) => text.push_str(&format!(" — [[{what}]] {n:?} is left out")),
            None => text.push_str(&format!(" — this [[{what}]] entry is left out")),
        }
    } else if default_at(base, dropped).is_some() {
        text.push_str(" (the default applies)");
    } else {
        text.push_str(" (ignored)");
    }
    text
}

fn default_at<'a>(base: &'a toml::Table, path: &[Seg]) -> Option<&'a toml::Value> {
    let mut v: Option<&toml::Value> = None;
    for s in path {
        v = match (s, v) {
            (Seg::Key(k), None) => base.get(k),
            (Seg::Key(k), Some(toml::Value::Table(t))) => t.get(k),
            _ => None,
        };
        v?;
    }
    v
}

/// Deserializes `user` merged over `base`, leaving out what cannot be read: the value and a
/// diagnostic per problem. `None` only when the defaults themselves cannot be read.
pub fn read<T: DeserializeOwned>(
    base: &toml::Table,
    source: &Source,
    mut user: toml::Table,
) -> (Option<T>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut removed: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    // Each round removes one thing from the user's table, so this ends.
    loop {
        let mut merged = base.clone();
        merge(&mut merged, user.clone());
        let err = match serde_path_to_error::deserialize::<_, T>(merged) {
            Ok(v) => return (Some(v), diags),
            Err(e) => e,
        };
        let mut path = segments(err.path());
        let message = err.into_inner().message().trim().to_string();
        let unknown = unknown_field(&message).map(|u| u.0);
        if let Some(k) = &unknown
            && path.last() != Some(&Seg::Key(k.clone()))
        {
            path.push(Seg::Key(k.clone()));
        }
        let container = if unknown.is_some() {
            &path[..path.len() - 1]
        } else {
            &path[..]
        };
        let dropped = cost(&path, unknown.as_deref(), base);
        let text = explain(container, &message, &dropped, &user, base);
        diags.push(source.at(&original(&path, &removed), text));
        let orig = original(&dropped, &removed);
        if !remove_at(&mut user, &dropped) {
            // Not the user's doing (or not removable): the defaults alone.
            let v = serde_path_to_error::deserialize::<_, T>(base.clone()).ok();
            return (v, diags);
        }
        if let (Some(Seg::Index(i)), Some(Seg::Index(_))) = (orig.last(), dropped.last()) {
            let list = removed
                .entry(path_text(&orig[..orig.len() - 1]))
                .or_default();
            list.push(*i);
            list.sort_unstable();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Remote {
        name: String,
        #[serde(default)]
        readonly: bool,
        #[serde(default)]
        kind: Kind,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        #[default]
        Incus,
        Pve,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Refresh {
        usage_secs: u64,
        reconcile_secs: u64,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Conf {
        theme: String,
        refresh: Refresh,
        #[serde(default)]
        remotes: Vec<Remote>,
    }

    const BASE: &str = "theme = \"dark\"\n[refresh]\nusage_secs = 5\nreconcile_secs = 30\n";

    fn load(text: &str) -> (Conf, Vec<Diagnostic>) {
        let base: toml::Table = BASE.parse().unwrap();
        let (src, user, mut diags) = Source::parse(Path::new("c.toml"), text);
        let (v, d) = read::<Conf>(&base, &src, user);
        diags.extend(d);
        (v.unwrap(), diags)
    }

    #[test]
    fn three_mistakes_three_places_and_the_rest_applies() {
        let text = "[refresh]\nusage_secs = \"fast\"\nreconcile_secs = 9\n\n[[remotes]]\nname = \"a\"\ntheme = \"light\"\n\n[[remotes]]\nname = \"b\"\nkind = \"pvee\"\n\n[[remotes]]\nname = \"c\"\nreadonly = true\n";
        let (c, d) = load(text);
        assert_eq!(d.len(), 3, "{d:#?}");
        assert_eq!((d[0].line, d[0].column), (Some(2), Some(1)), "{}", d[0]);
        assert!(d[0].message.contains("usage_secs"), "{}", d[0]);
        assert!(d[0].message.contains("default applies"), "{}", d[0]);
        assert_eq!((d[1].line, d[1].column), (Some(7), Some(1)), "{}", d[1]);
        assert!(
            d[1].message
                .contains("`theme` is not a key of [[remotes]]; did you mean to put it above the first [[remotes]]?"),
            "{}",
            d[1]
        );
        assert_eq!(d[2].line, Some(11), "{}", d[2]);
        assert!(d[2].message.contains("\"b\" is left out"), "{}", d[2]);
        assert_eq!(c.refresh.usage_secs, 5);
        assert_eq!(c.refresh.reconcile_secs, 9);
        let names: Vec<&str> = c.remotes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert!(c.remotes[1].readonly);
    }

    #[test]
    fn a_misspelt_key_in_an_entry_leaves_the_entry_out_and_suggests() {
        let (c, d) = load("[[remotes]]\nname = \"prod\"\nread_only = true\n");
        assert!(c.remotes.is_empty(), "a remote half understood is not kept");
        assert!(
            d[0].message.contains("did you mean `readonly`?"),
            "{}",
            d[0]
        );
        assert_eq!((d[0].line, d[0].column), (Some(3), Some(1)));
        let (_, d) = load("[refresh]\nusage_sec = 3\n");
        assert!(
            d[0].message.contains("did you mean `usage_secs`?"),
            "{}",
            d[0]
        );
    }

    #[test]
    fn later_entries_are_located_after_an_earlier_one_is_left_out() {
        let (c, d) = load(
            "[[remotes]]\nkind = 3\n\n[[remotes]]\nname = \"x\"\nkind = \"no\"\n\n[[remotes]]\nname = \"y\"\n",
        );
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(d[0].line, Some(2), "{}", d[0]);
        assert_eq!(d[1].line, Some(6), "{}", d[1]);
        assert_eq!(c.remotes.len(), 1);
    }

    #[test]
    fn a_value_not_in_a_long_list_is_said_short_with_the_likely_one() {
        let long = "unknown variant `qiut`, expected one of `quit`, `help`, `a`, `b`, `c`, `d`, `e`, `f`, `g`";
        assert_eq!(
            short_variant(long).as_deref(),
            Some("`qiut` is not one of the 9 accepted values; did you mean `quit`?")
        );
        assert_eq!(
            short_variant("unknown variant `x`, expected `a` or `b`"),
            None
        );
    }

    #[test]
    fn a_syntax_error_costs_its_line_only() {
        let (c, d) = load("theme = \"light\"\n[refresh]\nusage_secs = = 3\nreconcile_secs = 7\n");
        assert_eq!(d[0].line, Some(3), "{d:#?}");
        assert!(d[0].column.is_some());
        assert_eq!(c.theme, "light");
        assert_eq!(c.refresh.reconcile_secs, 7);
    }
}
