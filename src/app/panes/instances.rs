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
    "CPU%", 6, 1 => |x| (
        cell(x.i.cpu_pct.map(|c| format!("{c:.1}")).unwrap_or_else(|| "-".into())),
        opt_num(x.i.cpu_pct),
    );
    // The metric `W` chose, over the last eight readings.
    "TREND", 8, 2 => |x| spark_value(x.r, &x.i.key(), x.trend, x.trend.floor());
    "MEMORY", 9, 1 => |x| {
        let mem = x.i.state().and_then(|s| s.memory.as_ref()).filter(|m| m.usage > 0);
        (
            cell(mem.map(|m| human_bytes(m.usage)).unwrap_or_else(|| "-".into())),
            opt_num(mem.map(|m| m.usage as f64)),
        )
    };
    "DISK", 8, 4 => |x| {
        let disk = x.i.state().and_then(|s| s.disk_usage());
        (
            cell(disk.map(human_bytes).unwrap_or_else(|| "-".into())),
            opt_num(disk.map(|d| d as f64)),
        )
    };
    "IPV4", 15, 2 => |x| {
        let ipv4 = x.i.state().map(|s| s.ipv4().join(",")).unwrap_or_default();
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
        // A detailed listing says `null` for no snapshots.
        let snaps = x.i.inst.snapshots.as_ref().map(|s| s.len()).or(x.i.state().map(|_| 0));
        (
            cell(snaps.map(|n| n.to_string()).unwrap_or_else(|| "-".into())),
            opt_num(snaps.map(|n| n as f64)),
        )
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
