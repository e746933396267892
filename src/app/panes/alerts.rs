//! The alerts pane: alerts of every source, deduplicated, with the object each is about; label
//! matchers and `@object` words of the filter select here (the other words are fuzzy-matched
//! later like in every pane), and rows can be grouped under header rows.

use chrono::{DateTime, Utc};

use crate::alerts::model::{AlertState, MergedAlert, Severity};
use crate::alerts::types::{all_match, compile_all};
use crate::alerts::worker::short_id;
use crate::app::alert_view::{Grouping, split_alert_filter};
use crate::app::cells::{
    AlertGroup, Cell, Row, RowKey, SortKey, cell, cols, opt_num, styled, text, text_in, text_key,
};
use crate::app::state::AppState;
use crate::inventory::{ObjectKey, human_duration};
use super::lines::{pairs, push_map, quote, when};

/// What one row shows: the alert, with what is worked out of it once.
pub struct Item<'a> {
    a: &'a MergedAlert,
    sev: Severity,
    st: AlertState,
    /// `silenced <ids>`, `inhibited by <alerts>` or the state's label.
    state_text: String,
    target: Option<ObjectKey>,
    /// Not joined, while what it may be about is still being read (addresses, lists).
    joining: bool,
    /// Seconds since it started.
    age: Option<i64>,
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    // Severity, then age: the worst and oldest first when sorted descending.
    "SEV", 4, 0 => |x| (
        styled(x.sev.short(), x.sev.style()),
        SortKey::Num(x.sev as u8 as f64 * 1e12 + x.age.unwrap_or(0) as f64),
    );
    "ALERT", 20, 0 => |x| text_in(
        x.a.name(),
        if x.st.is_firing() { x.sev.style() } else { "ui.text" },
    );
    "TARGET", 16, 0 => |x| match &x.target {
        Some(t) => text_in(t.short(), "ui.text"),
        // Not "about nothing" while the addresses it may be joined by are still read.
        None if x.joining => text_in("…", "ui.muted"),
        None => text_in("-", "ui.muted"),
    };
    "AGE", 5, 1 => |x| (
        cell(x.age.map(human_duration).unwrap_or_else(|| "-".into())),
        opt_num(x.age.map(|a| a as f64)),
    );
    "STATE", 12, 0 => |x| {
        let style = match x.st {
            AlertState::Active | AlertState::Firing => x.sev.style(),
            AlertState::Pending => "alert.pending",
            AlertState::Silenced | AlertState::Inhibited => "alert.silenced",
        };
        text_in(&x.state_text, style)
    };
    "REMOTE", 10, 3 => |x| text(x.target.as_ref().map(|t| t.remote().to_string()).unwrap_or_else(|| "-".into()));
    "SOURCE", 12, 4 => |x| text(x.a.source_names().join(","));
    "SUMMARY", 16, 2 => |x| (
        cell(x.a.summary().lines().next().unwrap_or("")),
        text_key(x.a.summary()),
    );
];

/// The rows of the alerts pane that the filter's matchers and `@object` words select.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    let filter = &state.panes[crate::pane::Pane::Alerts.index()].filter;
    let (matchers, objects, _) = split_alert_filter(filter);
    let compiled = compile_all(&matchers);
    let joined = &state.join_alerts().1;
    // Alerts join by name or address: until every remote shown has listed its instances with
    // their details, one not joined yet may still be.
    let joining = state.visible_remotes().any(|r| {
        r.undetailed > 0
            || (r.instances.is_empty() && r.conn == crate::backend::ConnState::Connecting)
    });
    let mut rows = Vec::new();
    for (i, a) in state.alerting.alerts.iter().enumerate() {
        match &compiled {
            Ok(ms) if !all_match(ms, &a.labels) => continue,
            Err(_) => continue,
            _ => {}
        }
        let target = joined.targets.get(i).cloned().flatten();
        if !objects.is_empty() && !objects.iter().any(|o| joined.is_about(i, o)) {
            continue;
        }
        // Alerts about objects of a remote not shown are hidden with it.
        if let (Some(t), Some(only)) = (&target, &state.listing.remote_filter)
            && t.remote() != only
        {
            continue;
        }
        let st = a.state();
        let state_text = match st {
            AlertState::Silenced => {
                let ids = a.silenced_by();
                let short: Vec<&str> = ids.iter().map(|s| short_id(s)).collect();
                format!("silenced {}", short.join(","))
            }
            AlertState::Inhibited => {
                let by: Vec<String> = a
                    .inhibited_by()
                    .iter()
                    .map(|fp| {
                        state
                            .alerting
                            .alerts
                            .iter()
                            .find(|x| &x.fingerprint == fp)
                            .map(|x| x.name().to_string())
                            .unwrap_or_else(|| fp.chars().take(8).collect())
                    })
                    .collect();
                format!("inhibited by {}", by.join(","))
            }
            s => s.label().to_string(),
        };
        let item = Item {
            a,
            sev: a.severity(),
            st,
            state_text,
            age: a.starts_at.map(|t| (now - t).num_seconds().max(0)),
            joining: joining && target.is_none(),
            target,
        };
        let values = COLUMNS.iter().map(|c| (c.value)(&item));
        rows.push(Row::new(
            RowKey::Alert(a.fingerprint.clone()),
            item
                .target
                .as_ref()
                .map(|t| t.remote().to_string())
                .unwrap_or_default(),
            values,
            false,
        ));
    }
    rows
}

/// Inserts a header row before each group (sorted rows stay sorted within their group).
pub fn group_rows(state: &AppState, rows: Vec<Row>) -> Vec<Row> {
    let grouping = state.alerting.grouping;
    if grouping == Grouping::None || rows.is_empty() {
        return rows;
    }
    let joined = &state.join_alerts().1;
    let group_of = |key: &RowKey| -> (AlertGroup, String) {
        let found = state
            .alerting
            .alerts
            .iter()
            .enumerate()
            .find(|(_, a)| matches!(key, RowKey::Alert(fp) if *fp == a.fingerprint));
        let Some((i, a)) = found else {
            return (AlertGroup::Object(None), String::new());
        };
        match grouping {
            Grouping::AlertName => (AlertGroup::Name(a.name().to_string()), a.name().to_string()),
            _ => match joined.targets.get(i).cloned().flatten() {
                Some(t) => {
                    let label = t.describe();
                    (AlertGroup::Object(Some(t)), label)
                }
                None => (AlertGroup::Object(None), "(no known object)".into()),
            },
        }
    };
    // Groups in the order of their first (best-sorted) member.
    let mut order: Vec<(AlertGroup, String)> = Vec::new();
    let mut members: std::collections::HashMap<AlertGroup, Vec<Row>> = Default::default();
    for r in rows {
        let g = group_of(&r.key);
        if !members.contains_key(&g.0) {
            order.push(g.clone());
        }
        members.entry(g.0).or_default().push(r);
    }
    let mut out = Vec::new();
    for (key, label) in order {
        let rows = members.remove(&key).unwrap_or_default();
        let worst = rows
            .iter()
            .filter_map(|r| {
                state
                    .alerting
                    .alerts
                    .iter()
                    .find(|a| matches!(&r.key, RowKey::Alert(fp) if *fp == a.fingerprint))
            })
            .map(|a| a.severity())
            .max()
            .unwrap_or(Severity::None);
        let n = rows.len();
        let mut cells = vec![
            styled(worst.short(), worst.style()),
            styled(format!("▾ {label}"), "ui.header"),
            styled(
                format!("{n} alert{}", if n == 1 { "" } else { "s" }),
                "ui.muted",
            ),
        ];
        cells.resize(COLUMNS.len(), cell(""));
        out.push(Row::header(RowKey::AlertGroup(key), cells));
        out.extend(rows);
    }
    out
}

/// The detail view of a row.
pub fn detail(state: &AppState, key: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let key = match key {
        RowKey::Alert(fp) => fp.as_str(),
        RowKey::AlertGroup(_) => {
            let text = key.to_string();
            out.push(format!("group: {}", text.trim_start_matches("group:")));
            out.push("(m silences the whole group; o jumps to its object)".into());
            return true;
        }
        _ => return false,
    };
    let Some((i, a)) = state
        .alerting
        .alerts
        .iter()
        .enumerate()
        .find(|(_, a)| a.fingerprint == key)
    else {
        return false;
    };
    let joined = &state.join_alerts().1;
    out.push(format!("alertname: {}", a.name()));
    out.push(format!(
        "severity: {}",
        quote(a.labels.get("severity").map(String::as_str).unwrap_or(""))
    ));
    out.push(format!("state: {}", a.state().label()));
    out.push(format!(
        "target: {}",
        match &joined.targets[i] {
            Some(t) => format!("{} on {} ({})", t.describe(), t.remote(), t.key()),
            None => "none (no label of alerts.object_labels names a known object)".into(),
        }
    ));
    out.push(format!("started: {}", when(a.starts_at, now)));
    out.push(format!("fingerprint: {}", a.fingerprint));
    out.push(format!("generator_url: {}", quote(&a.generator_url)));
    if let Some(r) = a
        .annotations
        .get("runbook_url")
        .or(a.annotations.get("runbook"))
    {
        out.push(format!("runbook: {r}   (y copies it)"));
    }
    push_map(out, "labels", pairs(&a.labels), 0);
    push_map(out, "annotations", pairs(&a.annotations), 0);
    out.push("sources:".into());
    for v in &a.sources {
        let mut line = format!("  {}: {}", v.source, v.state);
        if !v.silenced_by.is_empty() {
            line.push_str(&format!(" (silenced by {})", v.silenced_by.join(", ")));
        }
        if !v.inhibited_by.is_empty() {
            line.push_str(&format!(" (inhibited by {})", v.inhibited_by.join(", ")));
        }
        out.push(line);
    }
    let matching: Vec<_> = state
        .alerting
        .silences
        .iter()
        .filter(|s| s.silence.status.state != "expired" && s.selects(&a.labels))
        .collect();
    if matching.is_empty() {
        out.push("silences: []".into());
    } else {
        out.push("silences:".into());
        for s in matching {
            let ms: Vec<String> = s.silence.matchers.iter().map(|m| m.to_string()).collect();
            out.push(format!(
                "  - {} on {} ({}, ends {}): {} — {} by {}",
                s.silence.id,
                s.source,
                s.silence.status.state,
                when(Some(s.silence.ends_at), now),
                ms.join(" "),
                s.silence.comment,
                s.silence.created_by
            ));
        }
    }
    push_history(state, key, now, out);
    push_runbook(state, key, out);
    true
}


/// When the alert fired over the last day, from each Prometheus: one mark per half hour.
fn push_history(state: &AppState, fingerprint: &str, now: DateTime<Utc>, out: &mut Vec<String>) {
    let proms = state
        .alerting
        .sources
        .iter()
        .filter(|s| s.kind == crate::alerts::model::SourceKind::Prometheus)
        .count();
    let own: Vec<crate::app::state::HistoryRead> = state
        .own_history(fingerprint, now)
        .into_iter()
        .map(Ok)
        .collect();
    let got = match state.alerting.history.get(fingerprint) {
        // No Prometheus, or none answered: what the console recorded.
        _ if proms == 0 => {
            out.push(
                "history: no Prometheus configured ([[prometheus]]) to read ALERTS from".into(),
            );
            &own
        }
        Some(got) if got.iter().all(|h| h.is_err()) && got.len() >= proms => {
            for h in got {
                if let Err((source, e)) = h {
                    out.push(format!("history ({source}): cannot read: {e}"));
                }
            }
            &own
        }
        Some(got) => got,
        None => {
            out.push("history: reading ALERTS from Prometheus…".into());
            return;
        }
    };
    for h in got {
        match h {
            Err((source, e)) => out.push(format!("history ({source}): cannot read: {e}")),
            Ok(h) => {
                let per_mark = h
                    .firing
                    .len()
                    .div_ceil(crate::app::alert_view::HISTORY_MARKS)
                    .max(1);
                let half_hours: String = h
                    .firing
                    .chunks(per_mark)
                    .map(|c| if c.iter().any(|f| *f) { '█' } else { '·' })
                    .collect();
                out.push(format!(
                    "history (last 24 h, from {}; one mark per 30 min):",
                    h.source
                ));
                out.push(format!("  -24h {half_hours} now"));
                let fired = h.fired_secs();
                out.push(if fired == 0 {
                    format!(
                        "  not firing in {} over the last 24 h",
                        if h.source.starts_with("the console") {
                            "the journal"
                        } else {
                            "ALERTS"
                        }
                    )
                } else {
                    format!(
                        "  fired {} over {} episode{}",
                        crate::inventory::precise_duration(fired),
                        h.episodes(),
                        if h.episodes() == 1 { "" } else { "s" }
                    )
                });
            }
        }
    }
}


/// The alert's runbook from `runbooks_dir`, rendered, or where it was looked for.
fn push_runbook(state: &AppState, fingerprint: &str, out: &mut Vec<String>) {
    let dir = state.alerting.runbooks_dir.display();
    match state.alerting.runbooks.get(fingerprint) {
        None => out.push(format!("runbook_file: looking in {dir}…")),
        Some(Ok(None)) => out.push(format!(
            "runbook_file: none in {dir} (a Markdown file named after the alert, e.g. host-down.md for HostDown)"
        )),
        Some(Err(e)) => out.push(format!("runbook_file: cannot read: {e}")),
        Some(Ok(Some(r))) => {
            out.push(format!("runbook_file: {}", r.path.display()));
            out.push("─".repeat(40));
            out.extend(
                crate::alerts::runbooks::lines(&r.text)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
            if r.cut {
                out.push("  … (cut: the file is bigger than 256 KiB)".into());
            }
        }
    }
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: From an alert to its object.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.jump_from_alert(key);
}
