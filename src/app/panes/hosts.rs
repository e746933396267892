//! The hosts pane: the members of every remote shown; a remote without any yet shows one row
//! saying why (connecting, offline, loading).

use chrono::{DateTime, Utc};

use super::shared::{
    Badges, badge_value, gauge_style, remote_style, spark_value, stale, status_style, usage,
};
use crate::trend::Metric;
use crate::alerts::join::Badge;
use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, opt_num, styled, text, text_key};
use crate::app::state::{AppState, RemoteView};
use crate::backend::ConnState;
use crate::inventory::{HostRow, ObjectKey};
use crate::inventory::{human_bytes, human_duration};

/// What one row shows: a host of a remote, or (`h` none) the remote before it has any.
pub struct Item<'a> {
    r: &'a RemoteView,
    h: Option<&'a HostRow>,
    badge: Option<&'a Badge>,
    stale: bool,
    trend: Metric,
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "REMOTE", 12, 0 => |x| (styled(&x.r.name, remote_style(x.r)), text_key(&x.r.name));
    "HOST", 12, 0 => |x| match x.h {
        Some(h) => text(&h.name),
        None => (cell("-"), text_key("")),
    };
    "STATUS", 8, 0 => |x| {
        let (status, style) = x.status();
        (styled(&status, style), text_key(&status))
    };
    "ALERTS", 7, 1 => |x| badge_value(x.badge);
    // The daemon's new warnings about it (`…` until read; none where the provider has none).
    "WARN", 4, 4 => |x| x.warnings();
    "ROLES", 16, 3 => |x| match x.h {
        Some(h) => text(h.roles.join(",")),
        None => (cell(x.r.endpoint.clone()), text_key("")),
    };
    // A cluster member's failure domain and groups.
    "DOMAIN", 9, 5 => |x| text(x.h.map(|h| h.failure_domain.as_str()).unwrap_or(""));
    "GROUPS", 9, 6 => |x| text(x.h.map(|h| h.groups.join(",")).unwrap_or_default());
    "CPU", 4, 1 => |x| {
        let cpus = x.h.and_then(|h| h.cpus);
        (
            cell(cpus.map(|c| c.to_string()).unwrap_or_else(|| "-".into())),
            opt_num(cpus.map(|c| c as f64)),
        )
    };
    "LOAD", 14, 1 => |x| {
        let load = x.h.and_then(|h| h.load);
        (
            cell(load.map(|l| format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2])).unwrap_or_else(|| "-".into())),
            opt_num(load.map(|l| l[0])),
        )
    };
    // The metric `W` chose (a host's "cpu" is its 1-minute load), over the last readings.
    "TREND", 8, 2 => |x| match x.h {
        // A load is drawn against one core's worth (100 %).
        Some(h) => {
            let floor = if x.trend == Metric::Cpu { 100.0 } else { x.trend.floor() };
            spark_value(x.r, &h.key(), x.trend, floor)
        }
        None => (cell("-"), opt_num(None)),
    };
    "MEMORY", 19, 0 => |x| {
        let mem = x.h.and_then(|h| h.memory);
        (
            styled(usage(mem), mem.map(|m| gauge_style(m.used, m.total)).unwrap_or("ui.text")),
            opt_num(mem.map(|m| m.used as f64)),
        )
    };
    "POOLS", 26, 2 => |x| {
        let Some(h) = x.h else {
            return (cell("-"), opt_num(None));
        };
        let pools = h
            .pools
            .iter()
            .map(|(n, u)| format!("{n} {}%", (u.used * 100).checked_div(u.total).unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ");
        let worst = h
            .pools
            .iter()
            .map(|(_, u)| gauge_style(u.used, u.total))
            .max_by_key(|s| match *s {
                "gauge.high" => 2,
                "gauge.mid" => 1,
                _ => 0,
            })
            .unwrap_or("ui.text");
        (
            styled(if pools.is_empty() { "-".into() } else { pools }, worst),
            opt_num(h.pools.first().map(|p| p.1.used as f64)),
        )
    };
    // Incus's word on a member that is not fine (`No heartbeat for 35s`); last, it takes the rest.
    "MESSAGE", 12, 4 => |x| match x.h {
        Some(h) if !h.message.is_empty() && !h.status.eq_ignore_ascii_case("online") => {
            (styled(&h.message, "status.error"), text_key(&h.message))
        }
        _ => (cell(""), text_key("")),
    };
];

impl Item<'_> {
    /// The status shown and its style: the host's, `Offline` when the remote is, or where
    /// the remote is when it has no hosts yet.
    fn warnings(&self) -> (Cell, SortKey) {
        let Some(h) = self.h else {
            return (styled("-", "ui.muted"), SortKey::Num(-1.0));
        };
        match self.r.activity.new_warnings_on(&h.name, h.clustered) {
            None if self.r.caps.provider == "Incus" => (styled("…", "ui.muted"), SortKey::Num(-1.0)),
            None | Some(0) => (styled("-", "ui.muted"), SortKey::Num(0.0)),
            Some(n) => (styled(format!("⚠{n}"), "alert.warning"), SortKey::Num(n as f64)),
        }
    }

    fn status(&self) -> (String, &'static str) {
        match self.h {
            Some(_) if self.stale => ("Offline".into(), "remote.offline"),
            Some(h) => (h.status.clone(), status_style(&h.status)),
            None => {
                let (s, style) = match &self.r.conn {
                    ConnState::Connecting => ("Connecting", "remote.connecting"),
                    ConnState::Offline { .. } => ("Offline", "remote.offline"),
                    ConnState::Online { .. } => ("Loading", "status.busy"),
                };
                (s.into(), style)
            }
        }
    }
}

/// The rows of the hosts pane.
pub fn rows(state: &AppState, _now: DateTime<Utc>) -> Vec<Row> {
    let join = state.join_alerts();
    let badges: &Badges = &join.1.badges;
    let mut rows = Vec::new();
    for r in state.visible_remotes() {
        let st = stale(r);
        if r.hosts.is_empty() {
            rows.push(row(
                Item {
                    r,
                    h: None,
                    badge: None,
                    stale: st,
                    trend: state.view.trend,
                },
                RowKey::Remote(r.name.clone()),
            ));
            continue;
        }
        let member = state.listing.member_filter.as_ref();
        for h in r.hosts.iter().filter(|h| member.is_none_or(|m| h.name == *m)) {
            let object = ObjectKey::Host {
                remote: r.name.clone(),
                name: h.name.clone(),
            };
            let item = Item {
                r,
                h: Some(h),
                badge: badges.get(&object.key()),
                stale: st,
                trend: state.view.trend,
            };
            rows.push(row(item, RowKey::Object(object)));
        }
    }
    rows
}

fn row(item: Item, key: RowKey) -> Row {
    let values = COLUMNS.iter().map(|c| (c.value)(&item));
    Row::new(
        key,
        item.r.name.clone(),
        values,
        item.stale,
    )
}

/// The detail view of a row.
pub fn detail(state: &AppState, row: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let key = row.to_string();
    let key = key.as_str();
    for r in &state.remotes {
        if key == format!("{}/", r.name) {
            out.push(format!("remote: {}", r.name));
            out.push(format!("endpoint: {}", r.endpoint));
            out.push(format!("connection: {:?}", r.conn));
            return true;
        }
        if let Some(h) = r
            .hosts
            .iter()
            .find(|h| format!("{}/{}", r.name, h.name) == key)
        {
            out.push(format!("remote: {}", r.name));
            out.push(format!("endpoint: {}", r.endpoint));
            out.push(format!("host: {}", h.name));
            out.push(format!("clustered: {}", h.clustered));
            out.push(format!("status: {}", h.status));
            if !h.message.is_empty() {
                out.push(format!("message: {}", h.message));
            }
            if !h.url.is_empty() {
                out.push(format!("url: {}", h.url));
            }
            out.push(format!("roles: [{}]", h.roles.join(", ")));
            if h.clustered {
                out.push(format!("failure_domain: {}", h.failure_domain));
                out.push(format!("groups: [{}]", h.groups.join(", ")));
            }
            out.push(format!("server_version: {}", h.version));
            if let Some(c) = h.cpus {
                out.push(format!("cpus: {c}"));
            }
            if let Some(l) = h.load {
                out.push(format!("load: [{:.2}, {:.2}, {:.2}]", l[0], l[1], l[2]));
            }
            if let Some(m) = h.memory {
                out.push(format!(
                    "memory: {} used of {}",
                    human_bytes(m.used),
                    human_bytes(m.total)
                ));
            }
            if let Some(u) = h.uptime_secs {
                out.push(format!("uptime: {}", human_duration(u)));
            }
            out.push("storage_pools:".into());
            for (n, u) in &h.pools {
                out.push(format!(
                    "  {n}: {} used of {}",
                    human_bytes(u.used),
                    human_bytes(u.total)
                ));
            }
            host_warnings(r, h, now, out);
            // A host's "cpu" is its 1-minute load, in percent of one core.
            state.push_usage(key, r.samples.ring(key), now, out);
            return true;
        }
    }
    false
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: to the alerts of the host.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, now: DateTime<Utc>) {
    state.jump_to_alerts_of(key, now);
}

/// The daemon's warnings about a host (its new ones first), or that they were not read yet.
fn host_warnings(r: &RemoteView, h: &crate::inventory::HostRow, now: DateTime<Utc>, out: &mut Vec<String>) {
    let Some(all) = &r.activity.warnings else {
        if r.caps.provider == "Incus" {
            out.push("warnings: not read yet".into());
        }
        return;
    };
    let mut mine: Vec<&crate::activity::DaemonWarning> = all
        .iter()
        .filter(|w| w.status != "resolved")
        .filter(|w| !h.clustered || w.location.is_empty() || w.location == h.name)
        .collect();
    mine.sort_by_key(|w| !w.is_new());
    if mine.is_empty() {
        out.push("warnings: []".into());
        return;
    }
    out.push("warnings: # the activity pane (=) lists them; K there acknowledges one".into());
    for w in mine {
        let mut lines = Vec::new();
        super::activity::warning_lines(&r.name, w, now, &mut lines);
        for (i, l) in lines.iter().skip(1).enumerate() {
            out.push(format!("  {}{l}", if i == 0 { "- " } else { "  " }));
        }
    }
}
