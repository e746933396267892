//! What the actions read: the selected row, names and expiries as typed, the action settings.

pub use crate::usecase::settings::ActionSettings;

use crate::alerts::types::parse_duration;
use crate::inventory::{InstanceRow, SnapshotKind, SnapshotRow, VolumeRow};
use crate::jobs::{PowerAction, Target};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What the selected row is (a short-lived copy; boxing would only add noise).
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Selected {
    Instance(InstanceRow),
    Volume(VolumeRow),
    Snapshot(SnapshotRow),
    /// A host: a cluster member or a standalone server.
    Host(crate::inventory::HostRow),
    Job(crate::jobs::JobId),
    Other,
}

pub(crate) fn parse_expiry(s: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, String> {
    let s = s.trim();
    if s.is_empty() || s == "never" {
        return Ok(None);
    }
    parse_duration(s)
        .map(|d| Some(now + d))
        .map_err(|e| format!("expiry: {e}"))
}

/// Incus object names: letters, digits, `-`, `_`, `.`, no leading dash, at most 63 characters.
pub(crate) fn check_name(what: &str, s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{what}: a name is needed"));
    }
    if s.len() > 63
        || s.starts_with('-')
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(format!(
            "{what}: {s:?} is not a valid name (letters, digits, - _ .)"
        ));
    }
    Ok(())
}

/// Lines comparing two key/value maps: `~ key: now → then`, `+ key: then`, `- key: now`.
pub(crate) fn diff_map(
    out: &mut Vec<String>,
    prefix: &str,
    now: &BTreeMap<String, String>,
    then: &BTreeMap<String, String>,
) {
    for (k, v) in then {
        if k.starts_with("volatile.") {
            continue;
        }
        match now.get(k) {
            Some(cur) if cur == v => {}
            Some(cur) => out.push(format!("  ~ {prefix}{k}: {cur} → {v}")),
            None => out.push(format!("  + {prefix}{k}: {v}")),
        }
    }
    for (k, v) in now {
        if !k.starts_with("volatile.") && !then.contains_key(k) {
            out.push(format!("  - {prefix}{k}: {v}"));
        }
    }
}

/// The instance or volume a snapshot belongs to.
pub fn snapshot_target(s: &SnapshotRow) -> Target {
    match s.kind {
        SnapshotKind::Instance => Target::instance(&s.remote, &s.project, &s.parent),
        SnapshotKind::Volume => Target::volume(
            &s.remote,
            &s.project,
            s.pool.as_deref().unwrap_or("default"),
            &s.parent,
        ),
    }
}

/// Why an instance is not powered so: already there, or not in a state for it.
pub(crate) fn power_refusal(i: &InstanceRow, action: PowerAction) -> Option<String> {
    if let Some(lock) = pve_lock(i) {
        return Some(format!("locked ({lock})"));
    }
    let status = i.status().to_ascii_lowercase();
    let why = match action {
        PowerAction::Start if status == "running" => "is already running",
        PowerAction::Stop if status == "stopped" => "is already stopped",
        PowerAction::Restart if status != "running" => "is not running",
        PowerAction::Freeze if status != "running" => "is not running",
        PowerAction::Unfreeze if status != "frozen" => "is not frozen",
        _ => return None,
    };
    Some(why.to_string())
}

/// A Proxmox VE guest's lock (`backup`, `migrate`, ...): no job is taken on it meanwhile.
pub(crate) fn pve_lock(i: &InstanceRow) -> Option<String> {
    i.inst
        .config
        .get("pve.lock")
        .filter(|l| !l.is_empty())
        .map(String::from)
}
