//! What the actions read: the selected row, names and expiries as typed, the action settings.

pub use crate::usecase::settings::ActionSettings;

use crate::alerts::types::parse_duration;
use crate::inventory::{InstanceRow, SnapshotRow, VolumeRow};
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
