//! The services pane: one row per definition file with its standing against its remote, and
//! the detail text of a row.

use chrono::{DateTime, Utc};

use std::path::Path;

use crate::app::cells::{Cell, Row, RowKey, SortKey, cols, styled, text, text_in, text_key};
use crate::app::state::AppState;
use crate::services::{Loaded, ServicePlan, Status};

/// The detail of a services row: where it lives, its standing and its plan.
pub fn service_detail(state: &AppState, key: &RowKey, out: &mut Vec<String>) -> bool {
    let v = &state.services;
    let RowKey::Service(file) = key else {
        return false;
    };
    let Some(l) = v
        .survey
        .as_ref()
        .and_then(|s| s.loaded.iter().find(|l| l.file == *file))
    else {
        return false;
    };
    out.push(format!("file: {}", l.file.display()));
    match &l.def {
        Ok(d) => {
            out.push(format!("service: {}", d.name));
            out.push(format!(
                "target: {}:{} ({})",
                d.remote,
                d.project,
                d.kind.api()
            ));
            out.push(format!("image: {}", d.image));
            out.push(format!("profiles: {}", d.profiles.join(", ")));
            if let Some(desc) = &d.description {
                out.push(format!("description: {desc}"));
            }
            for (k, val) in d.desired_config() {
                if !k.starts_with("cloud-init.") {
                    out.push(format!("config.{k}: {val}"));
                }
            }
            for (name, dev) in d.desired_devices() {
                let kv: Vec<String> = dev.iter().map(|(k, v)| format!("{k}={v}")).collect();
                out.push(format!("device {name}: {}", kv.join(" ")));
            }
            for vol in &d.volumes {
                out.push(format!(
                    "volume {}/{}: {} at {}",
                    vol.pool,
                    vol.name,
                    vol.size.as_deref().unwrap_or("default size"),
                    vol.path
                ));
            }
            if let Some(ci) = &d.cloud_init {
                out.push(format!("cloud-init template: {}", ci.template.display()));
            }
        }
        Err(e) => out.push(format!("error: {e}")),
    }
    out.push(String::new());
    match v.plan_of(&l.file) {
        Some(p) => {
            out.push(format!("status: {}", p.status().label()));
            out.extend(p.render_text().lines().map(String::from));
        }
        None => out.push("status: not planned yet".into()),
    }
    true
}

/// What one row shows: a definition file and its plan.
pub struct Item<'a> {
    l: &'a Loaded,
    plan: Option<&'a ServicePlan>,
    status: Status,
    /// `remote:project`, or `-` when the file does not parse.
    target: String,
}

type Value = for<'a, 'b> fn(&'b Item<'a>) -> (Cell, SortKey);

pub const COLUMNS: &[crate::app::cells::Col<Value>] = cols![
    "NAME", 14, 0 => |x| text(x.l.name());
    "TARGET", 16, 1 => |x| text(&x.target);
    // Worst first when sorted descending: invalid, drifted, missing, removed, in sync.
    "STATUS", 8, 0 => |x| {
        let (label, style, rank) = match &x.status {
            Status::InSync => ("in sync", "status.running", 0.0),
            Status::Drifted(_) => ("drifted", "alert.warning", 2.0),
            Status::Missing => ("missing", "status.stopped", 1.0),
            Status::Removed => ("removed", "ui.muted", 0.5),
            Status::Invalid(_) => ("invalid", "status.error", 3.0),
        };
        (styled(label, style), SortKey::Num(rank))
    };
    "FILE", 16, 2 => |x| {
        let file = x
            .l
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        text_in(file, "ui.muted")
    };
    "CHANGES", 30, 0 => |x| {
        let plan = x.plan;
        let c = match &x.status {
            Status::InSync | Status::Removed => styled("-", "ui.muted"),
            Status::Drifted(keys) => styled(
                plan.map(|p| p.mask(&keys.join(", "))).unwrap_or_default(),
                "alert.warning",
            ),
            Status::Missing => styled(
                plan.map(|p| format!("{} step(s) to create", p.steps.len()))
                    .unwrap_or_default(),
                "ui.text",
            ),
            Status::Invalid(e) => styled(
                short_error(
                    &x.l.file,
                    &plan.map(|p| p.mask(e)).unwrap_or_else(|| e.clone()),
                ),
                "status.error",
            ),
        };
        let key = text_key(&c.text);
        (c, key)
    };
];

/// The rows of the services pane: one per definition file.
pub fn rows(state: &AppState, _now: DateTime<Utc>) -> Vec<Row> {
    let v = &state.services;
    let Some(s) = &v.survey else {
        return vec![];
    };
    let mut rows = Vec::new();
    for l in &s.loaded {
        let plan = v.plan_of(&l.file);
        let (target, remote) = match &l.def {
            Ok(d) => (format!("{}:{}", d.remote, d.project), d.remote.clone()),
            Err(_) => ("-".into(), String::new()),
        };
        let status = match plan {
            Some(p) => p.status(),
            None => Status::Invalid("not planned".into()),
        };
        let stale = !remote.is_empty()
            && state
                .remotes
                .iter()
                .find(|r| r.name == remote)
                .is_some_and(|r| !matches!(r.conn, crate::backend::ConnState::Online { .. }));
        let item = Item {
            l,
            plan,
            status,
            target,
        };
        let values = COLUMNS.iter().map(|c| (c.value)(&item));
        rows.push(Row::new(
            RowKey::Service(l.file.clone()),
            remote,
            values,
            stale,
        ));
    }
    rows
}

/// An error about `file` without the file's path (the row names it): `line 2: …`.
fn short_error(file: &Path, e: &str) -> String {
    let Some(rest) = e.strip_prefix(&format!("{}:", file.display())) else {
        return e.to_string();
    };
    match rest.split_once(':') {
        Some((n, msg)) if n.chars().all(|c| c.is_ascii_digit()) => {
            format!("line {n}:{msg}")
        }
        _ => rest.trim_start().to_string(),
    }
}

/// The detail of a row of this pane.
pub fn detail(state: &AppState, row: &RowKey, _now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    service_detail(state, row, out)
}

/// Nothing it shows waits for a read of its own.
pub fn loading(_state: &AppState) -> Option<String> {
    None
}

/// `jump` from a row: to the instance the definition describes.
pub fn jump(state: &mut AppState, key: &crate::app::cells::RowKey, _now: DateTime<Utc>) {
    state.jump_from_service(key);
}
