//! The snapshots pane: instance and volume snapshots of every remote shown, with their age and
//! expiry.

use chrono::{DateTime, Utc};

use super::shared::{stale, where_value};
use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, opt_num, styled, text};
use crate::app::state::{AppState, RemoteView};
use crate::inventory::{SnapshotKind, SnapshotRow, human_duration};
use super::lines::{push_devices, push_map, when};

/// What one row shows.
pub struct Item<'a> {
    r: &'a RemoteView,
    s: SnapshotRow,
    now: DateTime<Utc>,
}

impl Item<'_> {
    fn age(&self) -> Option<i64> {
        self.s.created_at.map(|c| (self.now - c).num_seconds())
    }

    /// Seconds until it expires (negative: expired).
    fn expires(&self) -> Option<i64> {
        self.s.expires_at.map(|e| (e - self.now).num_seconds())
    }
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "REMOTE/PROJECT", 18, 0 => |x| where_value(x.r, &x.s.project);
    "KIND", 8, 1 => |x| text(match x.s.kind {
        SnapshotKind::Instance => "instance",
        SnapshotKind::Volume => "volume",
    });
    "PARENT", 16, 0 => |x| text(match x.s.kind {
        SnapshotKind::Instance => x.s.parent.clone(),
        SnapshotKind::Volume => format!("{}/{}", x.s.pool.as_deref().unwrap_or("-"), x.s.parent),
    });
    "NAME", 18, 0 => |x| text(&x.s.name);
    "AGE", 5, 0 => |x| {
        let age = x.age();
        (
            cell(age.map(human_duration).unwrap_or_else(|| "-".into())),
            opt_num(age.map(|a| a as f64)),
        )
    };
    "EXPIRES", 8, 1 => |x| {
        let expires = x.expires();
        let style = match expires {
            Some(e) if e < 0 => "status.error",
            Some(e) if e < 86400 => "gauge.mid",
            _ => "ui.text",
        };
        let shown = match expires {
            Some(e) if e < 0 => "expired".to_string(),
            Some(e) => format!("in {}", human_duration(e)),
            None => "never".to_string(),
        };
        (
            styled(shown, style),
            SortKey::Num(expires.map(|e| e as f64).unwrap_or(f64::MAX)),
        )
    };
    "STATEFUL", 8, 3 => |x| text(if x.s.stateful { "yes" } else { "no" });
];

/// The rows of the snapshots pane.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    let mut rows = Vec::new();
    for r in state.visible_remotes() {
        let st = stale(r);
        let inst_snaps = r.instances.iter().flat_map(|i| {
            i.inst
                .snapshots
                .iter()
                .flatten()
                .map(move |s| SnapshotRow::of_instance(&r.name, &i.inst, s))
        });
        for s in inst_snaps.chain(r.volume_snapshots.iter().cloned()) {
            let key = RowKey::Object(s.object());
            let item = Item { r, s, now };
            let values = COLUMNS.iter().map(|c| (c.value)(&item));
            rows.push(Row::new(
                key,
                r.name.clone(),
                values,
                st,
            ));
        }
    }
    rows
}

/// The detail view of a row.
pub fn detail(state: &AppState, row: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let key = row.to_string();
    let key = key.as_str();
    for r in &state.remotes {
        let inst = r.instances.iter().flat_map(|i| {
            i.inst
                .snapshots
                .iter()
                .flatten()
                .map(move |s| SnapshotRow::of_instance(&r.name, &i.inst, s))
        });
        let Some(s) = inst
            .chain(r.volume_snapshots.iter().cloned())
            .find(|s| s.key() == key)
        else {
            continue;
        };
        out.push(format!("name: {}", s.name));
        out.push(format!(
            "kind: {}",
            if s.kind == SnapshotKind::Instance {
                "instance snapshot"
            } else {
                "volume snapshot"
            }
        ));
        out.push(format!("parent: {}", s.parent));
        if let Some(p) = &s.pool {
            out.push(format!("pool: {p}"));
        }
        out.push(format!("remote: {}", r.name));
        out.push(format!("project: {}", s.project));
        out.push(format!("created: {}", when(s.created_at, now)));
        out.push(format!(
            "expires: {}",
            s.expires_at
                .map(|e| when(Some(e), now))
                .unwrap_or_else(|| "never".into())
        ));
        out.push(format!("stateful: {}", s.stateful));
        push_map(out, "config", s.config.iter(), 0);
        if s.kind == SnapshotKind::Instance {
            push_devices(out, "devices", s.devices.iter());
        }
        return true;
    }
    false
}

/// Until the volumes are listed and every instance's snapshots read.
pub fn loading(state: &AppState) -> Option<String> {
    let left = state.details_left();
    if state.volumes_unlisted() {
        Some("loading volumes…".into())
    } else {
        (left > 0).then(|| format!("loading instance snapshots ({left} instances left)…"))
    }
}

/// `jump` from a row: Snapshots have no alerts of their own: said.
pub fn jump(state: &mut AppState, _key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.say(crate::app::state::Level::Warning, "snapshots have no alerts of their own");
}
