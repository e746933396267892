//! The backups pane: every instance with its newest backup — a Proxmox VE vzdump archive in a
//! backup storage, or (Incus) a file the console exported, from the job history — and how old it
//! is; an instance without any, or whose newest is older than `actions.backup_stale_hours`, is
//! flagged. The detail view lists all of an instance's backups.

use chrono::{DateTime, Utc};

use super::shared::{stale, where_value};
use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, opt_num, styled, text, text_in};
use crate::app::state::{AppState, RemoteView};
use crate::inventory::{BackupRow, InstanceRow, human_bytes, human_duration};
use crate::jobs::{JobSpec, Outcome};
use super::lines::{quote, when};
use crate::inventory::{ObjectKey};

/// What one row shows: an instance and its backups, newest first.
pub struct Item<'a> {
    r: &'a RemoteView,
    i: &'a InstanceRow,
    backups: Vec<BackupRow>,
    now: DateTime<Utc>,
    stale_after: chrono::Duration,
}

impl Item<'_> {
    fn newest(&self) -> Option<&BackupRow> {
        self.backups.first()
    }

    /// Seconds since the newest backup.
    fn age(&self) -> Option<i64> {
        self.newest()
            .and_then(|b| b.created_at)
            .map(|t| (self.now - t).num_seconds().max(0))
    }

    /// `none`, `stale` or `ok`.
    fn standing(&self) -> (&'static str, &'static str) {
        match self.age() {
            None => ("none", "status.error"),
            Some(a) if a > self.stale_after.num_seconds() => ("stale", "gauge.mid"),
            Some(_) => ("ok", "status.running"),
        }
    }
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "REMOTE/PROJECT", 18, 0 => |x| where_value(x.r, &x.i.inst.project);
    "INSTANCE", 14, 0 => |x| text(&x.i.inst.name);
    // Worst first when sorted descending: none, stale, ok.
    "BACKUP", 7, 0 => |x| {
        let (label, style) = x.standing();
        let rank = match label {
            "none" => 2.0,
            "stale" => 1.0,
            _ => 0.0,
        };
        (styled(label, style), SortKey::Num(rank))
    };
    "AGE", 6, 0 => |x| {
        let age = x.age();
        let (_, style) = x.standing();
        (
            styled(age.map(human_duration).unwrap_or_else(|| "-".into()), style),
            opt_num(age.map(|a| a as f64)),
        )
    };
    "COUNT", 5, 2 => |x| (cell(x.backups.len().to_string()), SortKey::Num(x.backups.len() as f64));
    "SIZE", 9, 1 => |x| {
        let size = x.newest().and_then(|b| b.size);
        (
            cell(size.map(human_bytes).unwrap_or_else(|| "-".into())),
            opt_num(size.map(|s| s as f64)),
        )
    };
    "WHERE", 14, 2 => |x| text(x.newest().map(|b| b.location.clone()).unwrap_or_else(|| "-".into()));
    "NOTES", 20, 3 => |x| {
        let n = x.newest().map(|b| {
            if b.protected {
                format!("[protected] {}", b.notes)
            } else {
                b.notes.clone()
            }
        });
        text_in(n.unwrap_or_default(), "ui.muted")
    };
];

/// The backups of an instance, newest first: its remote's archives, and for Incus the
/// console's own exports that finished.
pub fn backups_of(state: &AppState, r: &RemoteView, i: &InstanceRow) -> Vec<BackupRow> {
    let mut out: Vec<BackupRow> = r
        .backups
        .iter()
        .filter(|b| b.instance == i.inst.name && b.project == i.inst.project)
        .cloned()
        .collect();
    for j in &state.work.jobs {
        let (JobSpec::Export { target, path, .. }, Some(Outcome::Done(_)), Some(at)) =
            (&j.spec, &j.outcome, j.finished)
        else {
            continue;
        };
        if target.pool.is_none()
            && target.remote == r.name
            && target.project == i.inst.project
            && target.name == i.inst.name
        {
            out.push(BackupRow {
                remote: r.name.clone(),
                project: i.inst.project.clone(),
                instance: i.inst.name.clone(),
                location: path
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                name: path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                created_at: Some(at),
                size: j.progress.total.or(j.progress.done),
                notes: format!("exported by job {}", j.id),
                protected: false,
            });
        }
    }
    out.sort_by_key(|b| std::cmp::Reverse(b.created_at));
    out
}

/// The rows of the backups pane: one per instance of every remote shown.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    let stale_after = state.work.settings.backup_stale;
    let mut rows = Vec::new();
    for r in state.visible_remotes() {
        let st = stale(r);
        for i in &r.instances {
            let item = Item {
                r,
                i,
                backups: backups_of(state, r, i),
                now,
                stale_after,
            };
            let values = COLUMNS.iter().map(|c| (c.value)(&item));
            rows.push(Row::new(
                RowKey::Object(i.object()),
                r.name.clone(),
                values,
                st,
            ));
        }
    }
    rows
}

/// An instance's backups, newest first.
pub fn detail(state: &AppState, key: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let Some(ObjectKey::Instance {
        remote,
        project,
        name,
    }) = key.object()
    else {
        return false;
    };
    let Some(r) = state.remotes.iter().find(|r| r.name == *remote) else {
        return false;
    };
    let Some(i) = r
        .instances
        .iter()
        .find(|i| i.inst.project == *project && i.inst.name == *name)
    else {
        return false;
    };
    let backups = super::backups::backups_of(state, r, i);
    out.push(format!("instance: {name}"));
    out.push(format!("remote: {remote}"));
    out.push(format!(
        "stale after: {}",
        crate::inventory::human_duration(state.work.settings.backup_stale.num_seconds())
    ));
    if backups.is_empty() {
        out.push("backups: none".into());
        return true;
    }
    out.push(format!("backups: {}", backups.len()));
    for b in &backups {
        out.push(format!("  - name: {}", quote(&b.name)));
        out.push(format!("    where: {}", quote(&b.location)));
        out.push(format!("    created: {}", when(b.created_at, now)));
        if let Some(s) = b.size {
            out.push(format!("    size: {}", crate::inventory::human_bytes(s)));
        }
        if !b.notes.is_empty() {
            out.push(format!("    notes: {}", quote(&b.notes)));
        }
        if b.protected {
            out.push("    protected: true".into());
        }
    }
    true
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: A backup row has no jump: said.
pub fn jump(state: &mut AppState, _key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.say(crate::app::state::Level::Warning, "Backups rows have no jump");
}
