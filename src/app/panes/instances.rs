//! The instances pane: containers and VMs of every remote shown, with their state, alerts and
//! usage.

use chrono::{DateTime, Utc};

use super::shared::{
    badge_value, object_rows, offline_member, spark_value, status_style, where_value,
};
use crate::trend::Metric;
use crate::alerts::join::Badge;
use crate::app::cells::{Cell, Row, SortKey, cell, cols, opt_num, styled, text, text_key};
use crate::app::state::{AppState, RemoteView};
use crate::inventory::{InstanceRow, human_bytes};

/// What one row shows.
pub struct Item<'a> {
    r: &'a RemoteView,
    i: &'a InstanceRow,
    badge: Option<&'a Badge>,
    trend: Metric,
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

/// `-` for an empty text.
fn or_dash(s: String) -> String {
    if s.is_empty() { "-".into() } else { s }
}

/// A value not read yet: a dim `…`, never `0` or `-`.
fn unknown() -> (Cell, SortKey) {
    (styled("…", "ui.muted"), opt_num(None))
}

impl Item<'_> {
    /// It runs (or is frozen): it has usage and addresses to read.
    fn live(&self) -> bool {
        matches!(
            self.i.status().to_ascii_lowercase().as_str(),
            "running" | "frozen"
        )
    }

    /// Its whole state was read (addresses, disk), not only usage samples.
    fn state_read(&self) -> bool {
        self.i.state().is_some_and(|s| s.full)
    }
}

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "REMOTE/PROJECT", 18, 0 => |x| where_value(x.r, &x.i.inst.project);
    "NAME", 14, 0 => |x| text(&x.i.inst.name);
    "STATE", 8, 0 => |x| {
        // What runs on a member that is offline is not known: not "Stopped", not "Running".
        if offline_member(x.r, &x.i.inst.location).is_some() {
            return (styled("Unknown", "remote.offline"), text_key("Unknown"));
        }
        let status = x.i.status().to_string();
        (styled(&status, status_style(&status)), text_key(&status))
    };
    "ALERTS", 7, 1 => |x| badge_value(x.badge);
    "TYPE", 9, 3 => |x| text(x.i.inst.kind.label());
    "CPU%", 6, 1 => |x| match x.i.cpu_pct {
        Some(c) => (cell(format!("{c:.1}")), opt_num(Some(c))),
        // A rate needs two readings.
        None if x.live() => unknown(),
        None => (cell("-"), opt_num(None)),
    };
    // The metric `W` chose, over the last eight readings.
    "TREND", 8, 2 => |x| spark_value(x.r, &x.i.key(), x.trend, x.trend.floor());
    "MEMORY", 9, 1 => |x| {
        let mem = x.i.state().and_then(|s| s.memory.as_ref()).filter(|m| m.usage > 0);
        match mem {
            Some(m) => (cell(human_bytes(m.usage)), opt_num(Some(m.usage as f64))),
            None if x.live() && x.i.state().is_none() => unknown(),
            None => (cell("-"), opt_num(None)),
        }
    };
    "DISK", 8, 4 => |x| {
        let disk = x.i.state().and_then(|s| s.disk_usage());
        match disk {
            Some(d) => (cell(human_bytes(d)), opt_num(Some(d as f64))),
            None if !x.state_read() => unknown(),
            None => (cell("-"), opt_num(None)),
        }
    };
    "IPV4", 15, 2 => |x| {
        let ipv4 = x.i.state().map(|s| s.ipv4().join(",")).unwrap_or_default();
        if ipv4.is_empty() && x.live() && !x.state_read() {
            return unknown();
        }
        let key = text_key(&ipv4);
        (cell(or_dash(ipv4)), key)
    };
    "LOCATION", 10, 4 => |x| {
        let l = &x.i.inst.location;
        let shown = if l == "none" { String::new() } else { l.clone() };
        (cell(or_dash(shown)), text_key(l))
    };
    "PROFILES", 12, 5 => |x| text(x.i.inst.profiles.join(","));
    "SNAPS", 5, 3 => |x| {
        // Known once its details were read; until then not `0`.
        match x.i.inst.snapshots.as_ref().map(|s| s.len()) {
            Some(n) => (cell(n.to_string()), opt_num(Some(n as f64))),
            None => unknown(),
        }
    };
];

/// The rows of the instances pane.
pub fn rows(state: &AppState, _now: DateTime<Utc>) -> Vec<Row> {
    let member = state.listing.member_filter.as_ref();
    object_rows(
        state,
        |r| &r.instances,
        // `:member m2`: only what runs there.
        |i| member.is_none_or(|m| i.inst.location == *m),
        // On a member that is offline: shown dimmed, its state unknown.
        |r, i| offline_member(r, &i.inst.location).is_some(),
        |i| i.object(),
        |r, i, badge| {
            let item = Item {
                r,
                i,
                badge,
                trend: state.view.trend,
            };
            COLUMNS.iter().map(|c| (c.value)(&item)).unzip()
        },
    )
}
