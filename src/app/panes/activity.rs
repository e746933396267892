//! The activity pane: what every client runs on the remotes (Incus operations of all projects,
//! Proxmox VE's cluster tasks), running first, and the Incus daemons' warnings — beside the
//! console's own jobs (7). `c` cancels an operation where the remote allows it; `K`
//! acknowledges a warning.

use chrono::{DateTime, Utc};

use super::lines::{quote, when};
use crate::activity::{DaemonWarning, RemoteOperation};
use crate::app::cells::{Cell, Row, RowKey, SortKey, cell, cols, styled, text, text_key};
use crate::app::state::{AppState, RemoteView};
use crate::inventory::human_duration;

/// What one row shows.
pub enum Item<'a> {
    Operation {
        r: &'a RemoteView,
        o: &'a RemoteOperation,
        now: DateTime<Utc>,
    },
    Warning {
        r: &'a RemoteView,
        w: &'a DaemonWarning,
        now: DateTime<Utc>,
    },
}

impl Item<'_> {
    fn since(&self) -> (Cell, SortKey) {
        let (at, now) = match self {
            Item::Operation { o, now, .. } => (o.created_at, *now),
            Item::Warning { w, now, .. } => (w.last_seen, *now),
        };
        match at {
            Some(t) => (
                cell(format!("{} ago", human_duration((now - t).num_seconds().max(0)))),
                SortKey::Num(t.timestamp_millis() as f64),
            ),
            None => (styled("-", "ui.muted"), SortKey::Num(0.0)),
        }
    }

    fn remote(&self) -> &str {
        match self {
            Item::Operation { r, .. } | Item::Warning { r, .. } => &r.name,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Item::Operation { r, .. } if r.caps.provider == "Proxmox VE" => "task",
            Item::Operation { .. } => "operation",
            Item::Warning { .. } => "warning",
        }
    }

    fn what(&self) -> String {
        match self {
            Item::Operation { o, .. } => match o.objects.first() {
                Some(obj) if !o.description.contains(obj.as_str()) => {
                    format!("{} {}", o.description, short(obj))
                }
                _ => o.description.clone(),
            },
            Item::Warning { w, .. } => format!("{} (×{})", w.kind, w.count),
        }
    }

    fn status(&self) -> (Cell, SortKey) {
        let (shown, style) = match self {
            Item::Operation { o, .. } if o.running => (o.status.clone(), "status.busy"),
            Item::Operation { o, .. } if !o.error.is_empty() => {
                (format!("{}: {}", o.status, o.error), "status.error")
            }
            Item::Operation { o, .. } => (o.status.clone(), "ui.muted"),
            Item::Warning { w, .. } if w.is_new() => {
                (format!("{} {}", w.status, w.severity), "alert.warning")
            }
            Item::Warning { w, .. } => (format!("{} {}", w.status, w.severity), "ui.muted"),
        };
        let key = text_key(&shown);
        (styled(shown, style), key)
    }

    fn progress(&self) -> String {
        match self {
            Item::Operation { o, .. } => o.progress.clone().unwrap_or_default(),
            Item::Warning { w, .. } => w.message.clone(),
        }
    }

    fn by(&self) -> String {
        match self {
            Item::Operation { o, .. } => o.by.clone(),
            Item::Warning { .. } => String::new(),
        }
    }

    fn location(&self) -> String {
        match self {
            Item::Operation { o, .. } => o.location.clone(),
            Item::Warning { w, .. } => w.location.clone(),
        }
    }
}

/// `instances/grafana01` → `grafana01`.
fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn or_dash(s: String) -> Cell {
    if s.is_empty() {
        styled("-", "ui.muted")
    } else {
        cell(s)
    }
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "SINCE", 8, 0 => |x| x.since();
    "REMOTE", 10, 1 => |x| text(x.remote());
    "KIND", 9, 2 => |x| text(x.kind());
    "WHAT", 30, 0 => |x| text(x.what());
    "STATUS", 12, 0 => |x| x.status();
    "PROGRESS", 16, 1 => |x| { let p = x.progress(); let k = text_key(&p); (or_dash(p), k) };
    "BY", 12, 3 => |x| { let b = x.by(); let k = text_key(&b); (or_dash(b), k) };
    "WHERE", 9, 4 => |x| { let l = x.location(); let k = text_key(&l); (or_dash(l), k) };
];

/// The rows: every remote's operations (running first), then its warnings.
pub fn rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    let mut out = Vec::new();
    for r in state.visible_remotes() {
        let ops = r.activity.operations.iter().map(|o| Item::Operation { r, o, now });
        let warnings = r
            .activity
            .warnings
            .iter()
            .flatten()
            .filter(|w| w.status != "resolved")
            .map(|w| Item::Warning { r, w, now });
        for item in ops.chain(warnings) {
            let id = match &item {
                Item::Operation { o, .. } => o.id.clone(),
                Item::Warning { w, .. } => w.id.clone(),
            };
            let values = COLUMNS.iter().map(|c| (c.value)(&item));
            out.push(Row::new(
                RowKey::Activity {
                    remote: r.name.clone(),
                    id,
                },
                r.name.clone(),
                values,
                r.silent,
            ));
        }
    }
    out
}

/// The operation a row is.
pub fn operation_of<'a>(state: &'a AppState, key: &RowKey) -> Option<(&'a RemoteView, &'a RemoteOperation)> {
    let RowKey::Activity { remote, id } = key else {
        return None;
    };
    let r = state.remotes.iter().find(|r| r.name == *remote)?;
    r.activity.operations.iter().find(|o| o.id == *id).map(|o| (r, o))
}

/// The warning a row is.
pub fn warning_of<'a>(state: &'a AppState, key: &RowKey) -> Option<(&'a RemoteView, &'a DaemonWarning)> {
    let RowKey::Activity { remote, id } = key else {
        return None;
    };
    let r = state.remotes.iter().find(|r| r.name == *remote)?;
    r.activity.warnings.iter().flatten().find(|w| w.id == *id).map(|w| (r, w))
}

/// The detail view of a row.
pub fn detail(state: &AppState, key: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    if let Some((r, o)) = operation_of(state, key) {
        out.push(format!("remote: {}", r.name));
        out.push(format!("id: {}", o.id));
        out.push(format!("description: {}", quote(&o.description)));
        out.push(format!("status: {}", o.status));
        if let Some(p) = &o.progress {
            out.push(format!("progress: {}", quote(p)));
        }
        out.push(format!("by: {}", quote(&o.by)));
        out.push(format!("where: {}", quote(&o.location)));
        if !o.project.is_empty() {
            out.push(format!("project: {}", o.project));
        }
        out.push(format!("created: {}", when(o.created_at, now)));
        out.push(format!("updated: {}", when(o.updated_at, now)));
        out.push(format!("may_cancel: {}", o.may_cancel));
        if !o.error.is_empty() {
            out.push(format!("error: {}", quote(&o.error)));
        }
        out.push("objects:".into());
        for obj in &o.objects {
            out.push(format!("  - {}", quote(obj)));
        }
        return true;
    }
    let Some((r, w)) = warning_of(state, key) else {
        return false;
    };
    warning_lines(&r.name, w, now, out);
    true
}

/// A warning's lines (the activity pane's detail, and the host's).
pub fn warning_lines(remote: &str, w: &DaemonWarning, now: DateTime<Utc>, out: &mut Vec<String>) {
    out.push(format!("remote: {remote}"));
    out.push(format!("warning: {}", quote(&w.kind)));
    out.push(format!("id: {}", w.id));
    out.push(format!("status: {}", w.status));
    out.push(format!("severity: {}", w.severity));
    out.push(format!("count: {}", w.count));
    out.push(format!("where: {}", quote(&w.location)));
    if !w.project.is_empty() {
        out.push(format!("project: {}", w.project));
    }
    out.push(format!("last_seen: {}", when(w.last_seen, now)));
    out.push(format!("message: {}", quote(&w.message)));
    if !w.entity.is_empty() {
        out.push(format!("entity: {}", quote(&w.entity)));
    }
}

/// What it still lacks: the Incus remotes whose operations and warnings were not read yet.
pub fn loading(state: &AppState) -> Option<String> {
    let n = state
        .visible_remotes()
        .filter(|r| r.caps.provider == "Incus" && r.activity.warnings.is_none())
        .count();
    (n > 0).then(|| format!("reading operations and warnings ({n} remotes)…"))
}

/// `jump` from a row: an operation's first object, where the panes show it.
pub fn jump(state: &mut AppState, key: &RowKey, _now: DateTime<Utc>) {
    let target = operation_of(state, key).and_then(|(r, o)| {
        let obj = o.objects.first()?;
        let name = short(obj).to_string();
        obj.starts_with("instances/").then(|| (r.name.clone(), name))
    });
    match target {
        Some((remote, name)) => state.jump_to_instance(&remote, &name),
        None => state.say(
            crate::app::state::Level::Warning,
            "jump: this row names no instance the panes show",
        ),
    }
}
