//! The action forms (snapshot, backup, import), the snapshot picker and the action settings
//! as the state holds them.

pub use crate::usecase::settings::ActionSettings;

use crate::alerts::types::parse_duration;
use crate::inventory::{InstanceRow, SnapshotRow, VolumeRow};
use crate::jobs::Target;
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

/// The snapshots of one instance or volume to pick the one to restore.
#[derive(Debug, Clone)]
pub struct SnapshotPicker {
    /// The instance or volume (its row key).
    pub parent: String,
    /// Newest first.
    pub snapshots: Vec<SnapshotRow>,
    pub selected: usize,
}

/// Which form is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Snapshot,
    Backup,
    Import,
    /// A backup to one of the remote's storages (vzdump).
    Vzdump,
    /// A backup archive of a storage restored over the guest or as a new one.
    RestoreArchive,
}

/// One field of an action form; toggles hold "yes"/"no".
#[derive(Debug, Clone, PartialEq)]
pub struct FormInput {
    pub label: &'static str,
    pub value: String,
    pub toggle: bool,
    pub hint: String,
}

pub(crate) fn text(
    label: &'static str,
    value: impl Into<String>,
    hint: impl Into<String>,
) -> FormInput {
    FormInput {
        label,
        value: value.into(),
        toggle: false,
        hint: hint.into(),
    }
}

pub(crate) fn toggle(label: &'static str, on: bool, hint: impl Into<String>) -> FormInput {
    FormInput {
        label,
        value: if on { "yes" } else { "no" }.into(),
        toggle: true,
        hint: hint.into(),
    }
}

/// A small form before a snapshot, backup or import.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionForm {
    pub kind: FormKind,
    pub title: String,
    pub target: Target,
    pub fields: Vec<FormInput>,
    pub focus: usize,
    pub error: Option<String>,
}

impl ActionForm {
    pub(crate) fn value(&self, label: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.trim())
            .unwrap_or("")
    }

    pub(crate) fn on(&self, label: &str) -> bool {
        self.value(label) == "yes"
    }
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
