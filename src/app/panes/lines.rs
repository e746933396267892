//! The detail view's building blocks: maps and devices as YAML-like lines, times, and the
//! alerts firing on an object (each pane's model writes its rows' detail with them).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::app::state::AppState;
use crate::inventory::human_duration;

/// The entries of an ordinary map, as [`push_map`] takes them.
pub(crate) fn pairs(m: &BTreeMap<String, String>) -> impl Iterator<Item = (&str, &str)> {
    m.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

pub(crate) fn push_map<'a>(
    out: &mut Vec<String>,
    title: &str,
    map: impl IntoIterator<Item = (&'a str, &'a str)>,
    indent: usize,
) {
    let pad = " ".repeat(indent);
    let map: Vec<(&str, &str)> = map.into_iter().collect();
    if map.is_empty() {
        out.push(format!("{pad}{title}: {{}}"));
        return;
    }
    out.push(format!("{pad}{title}:"));
    for (k, v) in map {
        if v.contains('\n') {
            out.push(format!("{pad}  {k}: |"));
            for l in v.lines() {
                out.push(format!("{pad}    {l}"));
            }
        } else {
            out.push(format!("{pad}  {k}: {}", quote(v)));
        }
    }
}

pub(crate) fn push_devices<'a>(
    out: &mut Vec<String>,
    title: &str,
    devs: impl IntoIterator<Item = (&'a str, &'a crate::inventory::Config)>,
) {
    let devs: Vec<_> = devs.into_iter().collect();
    if devs.is_empty() {
        out.push(format!("{title}: {{}}"));
        return;
    }
    out.push(format!("{title}:"));
    for (name, d) in devs {
        push_map(out, name, d.iter(), 2);
    }
}

pub(crate) fn quote(v: &str) -> String {
    if v.is_empty()
        || v.starts_with(['{', '[', '*', '&', '!', '#', '@', '%', '"'])
        || v.contains(": ")
    {
        format!("{v:?}")
    } else {
        v.to_string()
    }
}

pub(crate) fn when(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t {
        Some(t) => {
            let d = (now - t).num_seconds();
            let rel = if d >= 0 {
                format!("{} ago", human_duration(d))
            } else {
                format!("in {}", crate::inventory::precise_duration(-d))
            };
            format!("{} ({rel})", t.format("%Y-%m-%d %H:%M:%S UTC"))
        }
        None => "never".into(),
    }
}

/// The alerts about an object (and, for a host, about what runs on it), at the end of its
/// detail view.
pub(crate) fn object_alerts(
    state: &AppState,
    key: &str,
    now: DateTime<Utc>,
    out: &mut Vec<String>,
) {
    let j = state.join_alerts();
    let (index, joined) = (&j.0, &j.1);
    let mine: Vec<(usize, String)> = (0..joined.targets.len())
        .filter_map(|i| {
            if joined.is_about(i, key) {
                return Some((i, String::new()));
            }
            joined
                .objects(i)
                .find(|t| index.host_of(t) == Some(key))
                .map(|t| (i, format!(" (on {})", t.describe())))
        })
        .collect();
    if mine.is_empty() {
        if !state.alerting.sources.is_empty() {
            out.push("alerts: []".into());
        }
        return;
    }
    out.push("alerts:".into());
    for (i, on) in mine {
        let a = &state.alerting.alerts[i];
        let age = a
            .starts_at
            .map(|t| human_duration((now - t).num_seconds()))
            .unwrap_or_else(|| "-".into());
        out.push(format!(
            "  - {} [{}] {} for {age}{on}: {}",
            a.name(),
            a.severity().short(),
            a.state().label(),
            a.summary()
        ));
    }
}
