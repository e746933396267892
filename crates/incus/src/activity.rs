//! What every client does on the server and what the daemon complains about: the operations
//! of all projects (`/1.0/operations?all-projects=true&recursion=1`, then kept current from
//! `operation` events) and the warnings (`/1.0/warnings?recursion=1`), as neutral rows; and the
//! console's writes on them: cancelling an operation, acknowledging a warning.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::client::{IncusClient, IncusError, encode};
use crate::types::{Requestor, is_unset_time};
use atlas_core::activity::{DaemonWarning, RemoteOperation};

/// An operation as `/1.0/operations` lists it and `operation` events carry it.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct WireOperation {
    pub id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_code: u16,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resources: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub may_cancel: bool,
    #[serde(default)]
    pub err: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub requestor: Option<Requestor>,
}

/// A warning as `/1.0/warnings` lists it.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct WireWarning {
    pub uuid: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub last_message: String,
    #[serde(default)]
    pub last_seen_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub entity_url: String,
}

/// Every operation of every project, running and recent.
pub async fn operations(client: &IncusClient) -> Result<Vec<RemoteOperation>, IncusError> {
    let by_class: BTreeMap<String, Option<Vec<WireOperation>>> = client
        .get("/1.0/operations?all-projects=true&recursion=1")
        .await?;
    Ok(by_class
        .into_values()
        .flatten()
        .flatten()
        .map(operation)
        .collect())
}

/// The daemon's warnings.
pub async fn warnings(client: &IncusClient) -> Result<Vec<DaemonWarning>, IncusError> {
    let list: Vec<WireWarning> = client.get("/1.0/warnings?recursion=1").await?;
    Ok(list.into_iter().map(warning).collect())
}

/// Acknowledges a warning (it stays listed, no longer new).
pub async fn acknowledge(client: &IncusClient, id: &str) -> Result<(), IncusError> {
    let body = serde_json::json!({"status": "acknowledged"});
    client
        .send(
            reqwest::Method::PUT,
            &format!("/1.0/warnings/{}", encode(id)),
            Some(&body),
        )
        .await
        .map(|_| ())
}

/// An `operation` event's operation.
pub fn from_event(metadata: &Value) -> Option<RemoteOperation> {
    serde_json::from_value::<WireOperation>(metadata.clone())
        .ok()
        .filter(|o| !o.id.is_empty())
        .map(operation)
}

/// The neutral row of an operation.
pub fn operation(o: WireOperation) -> RemoteOperation {
    let objects: Vec<String> = o
        .resources
        .iter()
        .flatten()
        .flat_map(|(_, paths)| paths)
        .map(|p| {
            let path = p.split('?').next().unwrap_or(p);
            path.trim_start_matches("/1.0/").to_string()
        })
        .collect();
    let project = o.project.clone().unwrap_or_else(|| {
        o.resources
            .iter()
            .flatten()
            .flat_map(|(_, paths)| paths)
            .find_map(|p| p.split("project=").nth(1))
            .map(|p| p.split('&').next().unwrap_or(p).to_string())
            .unwrap_or_default()
    });
    let by = o
        .requestor
        .as_ref()
        .map(|r| {
            let user = r.username.clone().unwrap_or_default();
            match r.protocol.as_deref() {
                Some(p) if !p.is_empty() => format!("{user} via {p}"),
                _ => user,
            }
        })
        .unwrap_or_default();
    RemoteOperation {
        running: matches!(o.status_code, 100..=199),
        progress: o.metadata.as_ref().and_then(progress),
        created_at: o.created_at.filter(|t| !is_unset_time(&Some(*t))),
        updated_at: o.updated_at.filter(|t| !is_unset_time(&Some(*t))),
        id: o.id,
        project,
        description: o.description,
        status: o.status,
        by,
        may_cancel: o.may_cancel,
        location: o.location,
        objects,
        error: o.err,
    }
}

/// What an operation's metadata says of its progress: the human `*_progress` string
/// (`Unpacking image: 42% (25MB/s)`) where there is one, else `stage 45% (3MB/s)` from the
/// generic `progress` object.
fn progress(meta: &Value) -> Option<String> {
    let text = meta.as_object().and_then(|m| {
        m.iter()
            .find(|(k, v)| k.ends_with("_progress") && v.is_string())
            .and_then(|(_, v)| v.as_str().map(String::from))
    });
    if text.is_some() {
        return text;
    }
    if let Some(p) = meta.get("progress").filter(|p| p.is_object()) {
        let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (stage, percent, processed, speed) =
            (s("stage"), s("percent"), s("processed"), s("speed"));
        let mut out = stage;
        if !percent.is_empty() {
            out = format!("{out} {percent}%").trim().to_string();
        } else if !processed.is_empty() {
            out = format!("{out} {processed}").trim().to_string();
        }
        if !speed.is_empty() {
            out.push_str(&format!(" ({speed}/s)"));
        }
        return (!out.is_empty()).then_some(out);
    }
    None
}

/// The neutral row of a warning.
pub fn warning(w: WireWarning) -> DaemonWarning {
    DaemonWarning {
        id: w.uuid,
        kind: w.kind,
        status: w.status.to_ascii_lowercase(),
        severity: w.severity.to_ascii_lowercase(),
        location: w.location,
        project: w.project,
        count: w.count,
        message: w.last_message,
        last_seen: w.last_seen_at.filter(|t| !is_unset_time(&Some(*t))),
        entity: w.entity_url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_event_reads_as_a_row_with_its_progress_and_requestor() {
        let meta = serde_json::json!({
            "id": "7c2", "class": "task", "description": "Migrating instance",
            "created_at": "2026-12-05T05:00:00Z", "updated_at": "2026-12-05T05:00:03Z",
            "status": "Running", "status_code": 103,
            "resources": {"instances": ["/1.0/instances/bulk-a?project=lab"]},
            "metadata": {"progress": {"stage": "migrate", "percent": "42", "speed": "10MB"}},
            "may_cancel": true, "err": "", "location": "atlas02",
            "requestor": {"username": "root", "protocol": "unix"}
        });
        let o = from_event(&meta).unwrap();
        assert!(o.running && o.may_cancel);
        assert_eq!(o.project, "lab");
        assert_eq!(o.objects, ["instances/bulk-a"]);
        assert_eq!(o.progress.as_deref(), Some("migrate 42% (10MB/s)"));
        assert_eq!(o.by, "root via unix");
        assert_eq!(o.location, "atlas02");
        // The human form wins over the generic stage name.
        let both = serde_json::json!({
            "id": "x", "status_code": 103,
            "metadata": {
                "progress": {"stage": "create_instance_from_image_unpack", "percent": "42"},
                "create_instance_from_image_unpack_progress": "Unpacking image: 42% (25MB/s)"
            }
        });
        let o = from_event(&both).unwrap();
        assert_eq!(o.progress.as_deref(), Some("Unpacking image: 42% (25MB/s)"));
    }
}
