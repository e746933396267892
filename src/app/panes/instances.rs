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
use super::lines::{push_devices, push_map, quote, when};
use crate::inventory::{SnapshotRow, human_duration};
use crate::app::cells::RowKey;

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
            COLUMNS.iter().map(|c| (c.value)(&item)).collect()
        },
    )
}

/// The detail view of a row.
pub fn detail(state: &AppState, row: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let key = row.to_string();
    let key = key.as_str();
    let Some(row) = state
        .remotes
        .iter()
        .flat_map(|r| r.instances.iter())
        .find(|i| i.key() == key)
    else {
        return false;
    };
    let i = &row.inst;
    out.push(format!("name: {}", i.name));
    out.push(format!("remote: {}", row.remote));
    // What a provider does not give (a PVE guest's project, architecture, creation) is left out.
    if !i.project.is_empty() {
        out.push(format!("project: {}", i.project));
    }
    let offline = state
        .remotes
        .iter()
        .find(|r| r.name == row.remote)
        .and_then(|r| {
            r.hosts.iter().find(|h| {
                h.clustered && h.name == i.location && h.status.eq_ignore_ascii_case("offline")
            })
        });
    match offline {
        // Incus answers for it from its database only: the last state it knew.
        Some(h) => out.push(format!(
            "status: unknown — member {} is offline{} (last known: {})",
            h.name,
            if h.message.is_empty() {
                String::new()
            } else {
                format!(": {}", h.message)
            },
            row.status()
        )),
        None => out.push(format!("status: {}", row.status())),
    }
    out.push(format!("type: {}", i.kind));
    if !i.architecture.is_empty() {
        out.push(format!("architecture: {}", i.architecture));
    }
    out.push(format!(
        "location: {}",
        if i.location.is_empty() {
            "none"
        } else {
            &i.location
        }
    ));
    if i.created_at.is_some() {
        out.push(format!("created: {}", when(i.created_at, now)));
    }
    out.push(format!("ephemeral: {}", i.ephemeral));
    if !i.description.is_empty() {
        out.push(format!("description: {}", quote(&i.description)));
    }
    out.push(format!("profiles: [{}]", i.profiles.join(", ")));
    push_state(row, now, out);
    if let Some(r) = state.remotes.iter().find(|r| r.name == row.remote) {
        state.push_usage(key, r.samples.ring(key), now, out);
    }
    type Pairs<'a> = Vec<(&'a str, &'a str)>;
    let (volatile, config): (Pairs, Pairs) = i
        .config
        .iter()
        .partition(|(k, _)| k.starts_with("volatile."));
    push_map(out, "config", config, 0);
    push_devices(out, "devices", i.devices.iter());
    push_map(
        out,
        "expanded_config (from profiles)",
        i.expanded_config
            .iter()
            .filter(|(k, _)| !i.config.contains_key(k) && !k.starts_with("volatile.")),
        0,
    );
    push_devices(
        out,
        "expanded_devices (from profiles)",
        i.expanded_devices
            .iter()
            .filter(|(k, _)| !i.devices.contains_key(k)),
    );
    push_map(out, "volatile (set by Incus)", volatile, 0);
    push_snapshots(row, now, out);
    true
}


/// An instance's state, where it was read: started, processes, CPU, memory, disk, addresses.
fn push_state(row: &crate::inventory::InstanceRow, now: DateTime<Utc>, out: &mut Vec<String>) {
    let i = &row.inst;
    if let Some(st) = &i.state {
        out.push("state:".into());
        if let Some(t) = st.started_at.filter(|t| t.timestamp() > 0) {
            out.push(format!("  started: {}", when(Some(t), now)));
        }
        out.push(format!("  processes: {}", st.processes));
        if let Some(c) = row.cpu_pct {
            out.push(format!("  cpu: {c:.1}%"));
        }
        if let Some(m) = &st.memory {
            out.push(if m.usage_peak > 0 {
                format!(
                    "  memory: {} (peak {})",
                    human_bytes(m.usage),
                    human_bytes(m.usage_peak)
                )
            } else {
                format!("  memory: {}", human_bytes(m.usage))
            });
        }
        if let Some(d) = st.disk_usage() {
            out.push(format!("  disk: {}", human_bytes(d)));
        }
        let ips = st.ipv4();
        out.push(format!("  ipv4: [{}]", ips.join(", ")));
    }
}


/// An instance's snapshots, or that they are still loading.
fn push_snapshots(row: &crate::inventory::InstanceRow, now: DateTime<Utc>, out: &mut Vec<String>) {
    let i = &row.inst;
    match &i.snapshots {
        Some(s) if !s.is_empty() => {
            out.push("snapshots:".into());
            for s in s {
                let row = SnapshotRow::of_instance(&row.remote, i, s);
                out.push(format!(
                    "  - {} (created {}, expires {}{})",
                    row.name,
                    row.created_at
                        .map(|c| human_duration((now - c).num_seconds()) + " ago")
                        .unwrap_or_default(),
                    row.expires_at
                        .map(|e| format!("in {}", human_duration((e - now).num_seconds())))
                        .unwrap_or_else(|| "never".into()),
                    if row.stateful { ", stateful" } else { "" }
                ));
            }
        }
        Some(_) => out.push("snapshots: []".into()),
        None => out.push("snapshots: (loading)".into()),
    }
}

/// While details are read: how many instances are left.
pub fn loading(state: &AppState) -> Option<String> {
    let left = state.details_left();
    (left > 0).then(|| format!("loading details ({left} left)…"))
}

/// `jump` from a row: to the alerts of the instance.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, now: DateTime<Utc>) {
    state.jump_to_alerts_of(key, now);
}
