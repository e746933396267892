//! The volumes pane: custom storage volumes of every remote shown, with their use, snapshot
//! schedules and alerts.

use chrono::{DateTime, Utc};

use super::shared::{badge_value, object_rows, gauge_style, usage, where_value};
use crate::alerts::join::Badge;
use crate::app::cells::{Cell, Row, SortKey, cell, cols, opt_num, styled, text, text_key};
use crate::app::state::{AppState, RemoteView};
use crate::inventory::VolumeRow;
use super::lines::{pairs, push_map, when};
use crate::inventory::{human_bytes};
use crate::app::cells::RowKey;

/// What one row shows.
pub struct Item<'a> {
    r: &'a RemoteView,
    v: &'a VolumeRow,
    badge: Option<&'a Badge>,
}

impl Item<'_> {
    /// A config key, or `-`.
    fn config(&self, key: &str) -> (Cell, SortKey) {
        text(
            self.v
                .vol
                .config
                .get(key)
                .cloned()
                .unwrap_or_else(|| "-".into()),
        )
    }
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "REMOTE/PROJECT", 18, 0 => |x| where_value(x.r, &x.v.vol.project);
    "POOL", 8, 2 => |x| text(&x.v.pool);
    "NAME", 18, 0 => |x| text(&x.v.vol.name);
    "ALERTS", 7, 1 => |x| badge_value(x.badge);
    "CONTENT", 10, 4 => |x| text(&x.v.vol.content_type);
    "SIZE", 8, 1 => |x| x.config("size");
    "USAGE", 9, 3 => |x| (
        styled(usage(x.v.usage), x.v.usage.map(|u| gauge_style(u.used, u.total)).unwrap_or("ui.text")),
        opt_num(x.v.usage.map(|u| u.used as f64)),
    );
    "USED BY", 14, 1 => |x| {
        let used_by = x.v.used_by().join(",");
        let key = text_key(&used_by);
        (cell(if used_by.is_empty() { "-".into() } else { used_by }), key)
    };
    "SCHEDULE", 12, 2 => |x| x.config("snapshots.schedule");
    "EXPIRY", 6, 2 => |x| x.config("snapshots.expiry");
    "SNAPS", 5, 3 => |x| (cell(x.v.snapshots.to_string()), SortKey::Num(x.v.snapshots as f64));
];

/// The rows of the volumes pane.
pub fn rows(state: &AppState, _now: DateTime<Utc>) -> Vec<Row> {
    object_rows(
        state,
        |r| &r.volumes,
        |_| true,
        |_, _| false,
        |v| v.object(),
        |r, v, badge| {
            let item = Item { r, v, badge };
            COLUMNS.iter().map(|c| (c.value)(&item)).collect()
        },
    )
}

/// The detail view of a row.
pub fn detail(state: &AppState, row: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let key = row.to_string();
    let key = key.as_str();
    for r in &state.remotes {
        let Some(v) = r.volumes.iter().find(|v| v.key() == key) else {
            continue;
        };
        out.push(format!("name: {}", v.vol.name));
        out.push(format!("remote: {}", r.name));
        out.push(format!("project: {}", v.vol.project));
        out.push(format!("pool: {}", v.pool));
        out.push(format!("type: {}", v.vol.kind));
        out.push(format!("content_type: {}", v.vol.content_type));
        out.push(format!("location: {}", v.vol.location));
        out.push(format!("created: {}", when(v.vol.created_at, now)));
        if let Some(u) = v.usage {
            out.push(format!(
                "usage: {} of {}",
                human_bytes(u.used),
                human_bytes(u.total)
            ));
        } else {
            out.push("usage: (not reported by this pool)".into());
        }
        out.push(format!("used_by: [{}]", v.used_by().join(", ")));
        push_map(out, "config", pairs(&v.vol.config), 0);
        out.push("snapshots:".into());
        for s in r.volume_snapshots.iter().filter(|s| {
            s.parent == v.vol.name
                && s.project == v.vol.project
                && s.pool.as_deref() == Some(&v.pool)
        }) {
            out.push(format!(
                "  - {} (created {}, expires {})",
                s.name,
                when(s.created_at, now),
                s.expires_at
                    .map(|e| when(Some(e), now))
                    .unwrap_or_else(|| "never".into())
            ));
        }
        return true;
    }
    false
}

/// Until the volumes are listed.
pub fn loading(state: &AppState) -> Option<String> {
    state
        .volumes_unlisted()
        .then(|| "loading volumes…".to_string())
}

/// `jump` from a row: to the alerts of the volume.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, now: DateTime<Utc>) {
    state.jump_to_alerts_of(key, now);
}
