//! The silences pane: silences of every Alertmanager (expired ones for a day), with how many
//! alerts each silences.

use chrono::{DateTime, Utc};

use crate::alerts::model::SourcedSilence;
use crate::alerts::worker::short_id;
use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, styled, text, text_key};
use crate::app::state::AppState;
use crate::inventory::{human_duration, precise_duration};
use super::lines::{quote, when};

/// What one row shows.
pub struct Item<'a> {
    s: &'a SourcedSilence,
    /// How many alerts it silences now.
    silenced: usize,
    now: DateTime<Utc>,
}

impl Item<'_> {
    fn state(&self) -> &str {
        self.s.silence.status.state.as_str()
    }
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    // Active first, then pending, then expired; soonest to end first within each.
    "STATE", 8, 0 => |x| {
        let st = x.state();
        let style = match st {
            "active" => "status.running",
            "pending" => "status.busy",
            _ => "ui.muted",
        };
        let rank = match st {
            "active" => 0.0,
            "pending" => 1.0,
            _ => 2.0,
        };
        (
            styled(st, style),
            SortKey::Num(rank * 1e12 + (x.s.silence.ends_at - x.now).num_seconds().abs() as f64),
        )
    };
    "ID", 8, 3 => |x| (cell(short_id(&x.s.silence.id)), text_key(&x.s.silence.id));
    "MATCHERS", 36, 0 => |x| text(
        x.s.silence.matchers.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(" "),
    );
    "ENDS", 10, 0 => |x| {
        let si = &x.s.silence;
        let ends = match x.state() {
            "pending" => format!("starts in {}", precise_duration((si.starts_at - x.now).num_seconds())),
            "expired" => format!("{} ago", human_duration((x.now - si.ends_at).num_seconds())),
            // What runs out is told to the minute: 1h59m is not "in 1h".
            _ => format!("in {}", precise_duration((si.ends_at - x.now).num_seconds())),
        };
        (cell(ends), SortKey::Num(si.ends_at.timestamp() as f64))
    };
    "ALERTS", 6, 1 => |x| (
        cell(if x.state() == "expired" { "-".to_string() } else { x.silenced.to_string() }),
        SortKey::Num(x.silenced as f64),
    );
    "CREATED BY", 14, 2 => |x| text(&x.s.silence.created_by);
    "COMMENT", 24, 2 => |x| (
        cell(x.s.silence.comment.lines().next().unwrap_or("")),
        text_key(&x.s.silence.comment),
    );
    "SOURCE", 10, 3 => |x| text(&x.s.source);
];

/// The rows of the silences pane.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    let mut rows = Vec::new();
    for s in &state.alerting.silences {
        let si = &s.silence;
        // Expired silences are kept by Alertmanager for days; the recent ones are what matter.
        if si.status.state == "expired" && (now - si.ends_at).num_hours() >= 24 {
            continue;
        }
        let silenced = state
            .alerting
            .alerts
            .iter()
            .filter(|a| {
                a.sources
                    .iter()
                    .any(|v| v.source == s.source && v.silenced_by.contains(&si.id))
            })
            .count();
        let item = Item { s, silenced, now };
        let values = COLUMNS.iter().map(|c| (c.value)(&item));
        rows.push(Row::new(
            RowKey::Silence {
                source: s.source.clone(),
                id: si.id.clone(),
            },
            String::new(),
            values,
            false,
        ));
    }
    rows
}

/// The detail view of a row.
pub fn detail(state: &AppState, key: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let Some(s) = state.silence_by_key(key) else {
        return false;
    };
    let si = &s.silence;
    out.push(format!("id: {}", si.id));
    out.push(format!("source: {}", s.source));
    out.push(format!("state: {}", si.status.state));
    out.push("matchers:".into());
    for m in &si.matchers {
        out.push(format!("  - {m}"));
    }
    out.push(format!("starts: {}", when(Some(si.starts_at), now)));
    out.push(format!("ends: {}", when(Some(si.ends_at), now)));
    out.push(format!("created_by: {}", quote(&si.created_by)));
    out.push(format!("comment: {}", quote(&si.comment)));
    let selected: Vec<&crate::alerts::model::MergedAlert> = state
        .alerting
        .alerts
        .iter()
        .filter(|a| s.selects(&a.labels))
        .collect();
    if selected.is_empty() {
        out.push("alerts: []".into());
    } else {
        out.push("alerts:".into());
        for a in selected {
            out.push(format!(
                "  - {} [{}] {}",
                a.name(),
                a.state().label(),
                a.summary()
            ));
        }
    }
    true
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: to the alerts the silence selects.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.jump_from_silence(key);
}
