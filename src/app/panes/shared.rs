//! What several pane models show the same way: statuses, gauges, `remote/project`, alert
//! badges, staleness.

use crate::alerts::join::Badge;
use crate::alerts::model::Severity;
use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, opt_num, styled};
use crate::app::state::{AppState, RemoteView};
use crate::backend::ConnState;
use crate::inventory::{HostRow, ObjectKey, UsedTotal, human_bytes};

/// Alert badges of inventory objects, by row key.
pub(super) type Badges = std::collections::HashMap<String, Badge>;

/// Style of an instance or host status.
pub fn status_style(status: &str) -> &'static str {
    match status.to_ascii_lowercase().as_str() {
        "running" | "online" => "status.running",
        "stopped" => "status.stopped",
        "frozen" => "status.frozen",
        "error" | "offline" | "evacuated" | "blocked" => "status.error",
        _ => "status.busy",
    }
}

/// Samples a pane's sparkline shows (at the 15 s usage interval: two minutes).
pub(super) const SPARK_SAMPLES: usize = 8;

/// The sparkline of a metric from an object's samples (`-` before two samples), sorted by its
/// last value.
pub(super) fn spark_value(
    r: &RemoteView,
    key: &str,
    metric: crate::trend::Metric,
    floor: f64,
) -> (Cell, SortKey) {
    let values = r
        .samples
        .ring(key)
        .map(|ring| ring.recent(metric, SPARK_SAMPLES))
        .unwrap_or_default();
    if values.iter().flatten().count() < 2 {
        return (cell("-"), opt_num(None));
    }
    let top = crate::trend::scale(&values, floor);
    let last = values.iter().rev().flatten().next().copied();
    (
        styled(crate::trend::sparkline(&values, top), "ui.spark"),
        opt_num(last),
    )
}

/// `used/total`, or `-`.
pub(super) fn usage(u: Option<UsedTotal>) -> String {
    match u {
        Some(u) if u.total > 0 => format!("{}/{}", human_bytes(u.used), human_bytes(u.total)),
        Some(u) => human_bytes(u.used),
        None => "-".into(),
    }
}

/// The style of a gauge: high from 90 %, mid from 75 %.
pub(super) fn gauge_style(used: u64, total: u64) -> &'static str {
    if total == 0 {
        return "ui.text";
    }
    let pct = used as f64 / total as f64;
    if pct >= 0.9 {
        "gauge.high"
    } else if pct >= 0.75 {
        "gauge.mid"
    } else {
        "ui.text"
    }
}

/// `remote/project`.
pub(super) fn where_(r: &RemoteView, project: &str) -> String {
    // Proxmox VE: a guest in no pool is just on its remote.
    if project.is_empty() && !r.caps.projects {
        return r.name.clone();
    }
    format!(
        "{}/{}",
        r.name,
        if project.is_empty() {
            "default"
        } else {
            project
        }
    )
}

/// The `remote/project` column: production remotes stand out.
pub(super) fn where_value(r: &RemoteView, project: &str) -> (Cell, SortKey) {
    let w = where_(r, project);
    let key = crate::app::cells::text_key(&w);
    (styled(w, remote_style(r)), key)
}

pub(super) fn remote_style(r: &RemoteView) -> &'static str {
    if r.production {
        "remote.production"
    } else {
        "ui.text"
    }
}

/// Whether a remote's rows are stale (it is not online, or not heard from within its
/// deadline).
pub(super) fn stale(r: &RemoteView) -> bool {
    r.silent || !matches!(r.conn, ConnState::Online { .. })
}

/// The cluster member an instance runs on, when that member is offline (what it runs is not
/// known then: Incus answers for it from the database only).
pub(super) fn offline_member<'a>(r: &'a RemoteView, location: &str) -> Option<&'a HostRow> {
    r.hosts
        .iter()
        .find(|h| h.clustered && h.name == location && h.status.eq_ignore_ascii_case("offline"))
}

/// A time of day, or the date for a time over a day ago, sorted by the time and then by the
/// line's place `i` (lines of the same millisecond keep their order).
pub(super) fn time_value(
    at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    i: usize,
) -> (Cell, SortKey) {
    let local = at.with_timezone(&chrono::Local);
    let shown = if (now - at).num_seconds() < 86400 {
        local.format("%H:%M:%S").to_string()
    } else {
        local.format("%m-%d").to_string()
    };
    (
        cell(shown),
        SortKey::Num(at.timestamp_millis() as f64 + i as f64 / 1e4),
    )
}

/// The ALERTS column of an inventory row.
pub(super) fn badge_value(badge: Option<&Badge>) -> (Cell, SortKey) {
    match badge {
        Some(b) if b.count > 0 => {
            let sev = b.worst.unwrap_or(Severity::None);
            (
                styled(format!("▲{}", b.text()), sev.style()),
                SortKey::Num(sev as u8 as f64 * 1000.0 + b.count as f64),
            )
        }
        _ => (styled("-", "ui.muted"), SortKey::Num(-1.0)),
    }
}

/// The rows of an inventory pane: for each remote shown, one row per object (`objects` of the
/// remote), its cells and sort keys from `values` given the object's alert badge.
pub(super) fn object_rows<T>(
    state: &AppState,
    objects: impl Fn(&RemoteView) -> &[T],
    keep: impl Fn(&T) -> bool,
    stale_of: impl Fn(&RemoteView, &T) -> bool,
    object: impl Fn(&T) -> ObjectKey,
    values: impl Fn(&RemoteView, &T, Option<&Badge>) -> Vec<(Cell, SortKey)>,
) -> Vec<Row> {
    let join = state.join_alerts();
    let badges: &Badges = &join.1.badges;
    let mut rows = Vec::new();
    for r in state.visible_remotes() {
        let st = stale(r);
        for o in objects(r).iter().filter(|o| keep(o)) {
            let key = object(o);
            let values = values(r, o, badges.get(&key.key()));
            rows.push(Row::new(
                RowKey::Object(key),
                r.name.clone(),
                values,
                st || stale_of(r, o),
            ));
        }
    }
    rows
}
