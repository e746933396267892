//! Writes to Incus: power actions, snapshots, restores, backups and imports, and the background
//! operations they start. Still no UI here; following an operation to its end lives in `jobs`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{IncusClient, IncusError, encode};

/// An Incus background operation (`/1.0/operations/<id>`).
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
pub struct Operation {
    pub id: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_code: u16,
    #[serde(default)]
    pub resources: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub may_cancel: bool,
    #[serde(default)]
    pub err: String,
}

impl Operation {
    /// Still running (or pending).
    pub fn is_running(&self) -> bool {
        matches!(self.status_code, 100..=199)
    }

    /// Finished successfully.
    pub fn succeeded(&self) -> bool {
        self.status_code == 200
    }

    /// Was cancelled.
    pub fn cancelled(&self) -> bool {
        self.status_code == 401
    }

    /// The last path segment of the first resource of a kind (e.g. the backup's name).
    pub fn resource_name(&self, kind: &str) -> Option<String> {
        let r = self.resources.as_ref()?.get(kind)?.first()?;
        let path = r.split('?').next().unwrap_or(r);
        path.rsplit('/').next().map(super::client::decode)
    }
}

/// What a write answered: a synchronous result or a started operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Sync(Value),
    Async(Operation),
}

impl Answer {
    /// The operation, if one was started.
    pub fn operation(self) -> Option<Operation> {
        match self {
            Answer::Async(op) => Some(op),
            Answer::Sync(_) => None,
        }
    }
}

pub use atlas_core::ops::{BackupOptions, PowerAction};

/// The incus CLI verb of a power action (`freeze` is `pause` there).
pub fn cli_verb(action: PowerAction) -> &'static str {
    match action {
        PowerAction::Freeze => "pause",
        PowerAction::Unfreeze => "resume",
        a => a.as_str(),
    }
}

fn q(project: &str) -> String {
    format!("project={}", encode(project))
}

pub fn instance_path(project: &str, name: &str, rest: &str) -> String {
    format!("/1.0/instances/{}{rest}?{}", encode(name), q(project))
}

pub fn volume_path(pool: &str, project: &str, name: &str, rest: &str) -> String {
    format!(
        "/1.0/storage-pools/{}/volumes/custom/{}{rest}?{}",
        encode(pool),
        encode(name),
        q(project)
    )
}

fn rfc3339(t: Option<DateTime<Utc>>) -> Value {
    match t {
        Some(t) => json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        None => json!("0001-01-01T00:00:00Z"),
    }
}

impl IncusClient {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn answer(&self, path: &str, resp: reqwest::Response) -> Result<Answer, IncusError> {
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| self.connect_error(&e))?;
        let (kind, meta) = super::client::decode_envelope(path, status, &bytes)?;
        if kind == "async" {
            let op = serde_json::from_value(meta).map_err(|e| IncusError::Parse {
                path: path.to_string(),
                reason: format!("operation: {e}"),
            })?;
            return Ok(Answer::Async(op));
        }
        Ok(Answer::Sync(meta))
    }

    /// Sends a JSON request (`POST`, `PUT`, `PATCH`, `DELETE`).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, IncusError> {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| self.connect_error(&e))?;
        self.answer(path, resp).await
    }

    /// Sends a JSON write guarded by `If-Match: <etag>`: Incus refuses it (HTTP 412) when the
    /// object changed since `etag` was read.
    pub async fn send_if_match(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        etag: &str,
    ) -> Result<Answer, IncusError> {
        let mut req = self.http.request(method, self.url(path));
        if !body.is_null() {
            req = req.json(body);
        }
        if !etag.is_empty() {
            req = req.header(reqwest::header::IF_MATCH, etag);
        }
        let resp = req.send().await.map_err(|e| self.connect_error(&e))?;
        self.answer(path, resp).await
    }

    async fn send_op(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Operation, IncusError> {
        match self.send(method, path, body).await? {
            Answer::Async(op) => Ok(op),
            Answer::Sync(_) => Err(IncusError::Parse {
                path: path.to_string(),
                reason: "expected a background operation, got a direct answer".into(),
            }),
        }
    }

    /// `GET /1.0/operations/<id>`.
    pub async fn operation(&self, id: &str) -> Result<Operation, IncusError> {
        self.get(&format!("/1.0/operations/{}", encode(id))).await
    }

    /// Waits up to `secs` for an operation to end and returns it as it is then (still running
    /// when it did not end in time).
    pub async fn wait_operation(&self, id: &str, secs: u64) -> Result<Operation, IncusError> {
        let path = format!("/1.0/operations/{}/wait?timeout={secs}", encode(id));
        let resp = self
            .http
            .get(self.url(&path))
            .timeout(Duration::from_secs(secs + 30))
            .send()
            .await
            .map_err(|e| self.connect_error(&e))?;
        match self.answer(&path, resp).await {
            Ok(Answer::Sync(v)) => serde_json::from_value(v).map_err(|e| IncusError::Parse {
                path,
                reason: e.to_string(),
            }),
            Ok(Answer::Async(op)) => Ok(op),
            // Incus answers an error ("context deadline exceeded") when the wait times out on
            // a long operation: the operation itself says how it stands.
            Err(IncusError::Api { .. }) => self.operation(id).await,
            Err(e) => Err(e),
        }
    }

    /// Cancels an operation (`DELETE /1.0/operations/<id>`).
    pub async fn cancel_operation(&self, id: &str) -> Result<(), IncusError> {
        self.send(
            reqwest::Method::DELETE,
            &format!("/1.0/operations/{}", encode(id)),
            None,
        )
        .await
        .map(|_| ())
    }

    /// Starts, stops, restarts, freezes or unfreezes an instance.
    pub async fn set_power(
        &self,
        project: &str,
        name: &str,
        action: PowerAction,
        timeout: i64,
        force: bool,
    ) -> Result<Operation, IncusError> {
        let body = json!({"action": action.as_str(), "timeout": timeout, "force": force});
        self.send_op(
            reqwest::Method::PUT,
            &instance_path(project, name, "/state"),
            Some(&body),
        )
        .await
    }

    /// Creates an instance snapshot.
    pub async fn create_instance_snapshot(
        &self,
        project: &str,
        name: &str,
        snapshot: &str,
        stateful: bool,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Operation, IncusError> {
        let body =
            json!({"name": snapshot, "stateful": stateful, "expires_at": rfc3339(expires_at)});
        self.send_op(
            reqwest::Method::POST,
            &instance_path(project, name, "/snapshots"),
            Some(&body),
        )
        .await
    }

    /// Deletes an instance snapshot.
    pub async fn delete_instance_snapshot(
        &self,
        project: &str,
        name: &str,
        snapshot: &str,
    ) -> Result<Operation, IncusError> {
        let rest = format!("/snapshots/{}", encode(snapshot));
        self.send_op(
            reqwest::Method::DELETE,
            &instance_path(project, name, &rest),
            None,
        )
        .await
    }

    /// Restores an instance from one of its snapshots.
    pub async fn restore_instance(
        &self,
        project: &str,
        name: &str,
        snapshot: &str,
    ) -> Result<Operation, IncusError> {
        let body = json!({"restore": snapshot, "stateful": false});
        self.send_op(
            reqwest::Method::PUT,
            &instance_path(project, name, ""),
            Some(&body),
        )
        .await
    }

    /// Evacuates or restores a cluster member (`POST /1.0/cluster/members/<m>/state`); `mode`
    /// (evacuation only) overrides each instance's `cluster.evacuate`.
    pub async fn set_member_state(
        &self,
        member: &str,
        action: &str,
        mode: &str,
    ) -> Result<Operation, IncusError> {
        let mut body = json!({"action": action});
        if !mode.is_empty() {
            body["mode"] = json!(mode);
        }
        self.send_op(
            reqwest::Method::POST,
            &format!("/1.0/cluster/members/{}/state", encode(member)),
            Some(&body),
        )
        .await
    }

    /// Moves a stopped instance to another cluster member (`POST /1.0/instances/<n>?target=`
    /// with `migration`; the data goes between the members, not through the console).
    pub async fn move_instance(
        &self,
        project: &str,
        name: &str,
        member: &str,
    ) -> Result<Operation, IncusError> {
        let body = json!({"name": name, "migration": true, "live": false});
        self.send_op(
            reqwest::Method::POST,
            &format!(
                "{}&target={}",
                instance_path(project, name, ""),
                encode(member)
            ),
            Some(&body),
        )
        .await
    }

    /// Renames an instance (it must be stopped).
    pub async fn rename_instance(
        &self,
        project: &str,
        name: &str,
        new_name: &str,
    ) -> Result<Operation, IncusError> {
        let body = json!({"name": new_name});
        self.send_op(
            reqwest::Method::POST,
            &instance_path(project, name, ""),
            Some(&body),
        )
        .await
    }

    /// Creates a custom-volume snapshot.
    pub async fn create_volume_snapshot(
        &self,
        pool: &str,
        project: &str,
        volume: &str,
        snapshot: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Answer, IncusError> {
        let body = json!({"name": snapshot, "expires_at": rfc3339(expires_at)});
        self.send(
            reqwest::Method::POST,
            &volume_path(pool, project, volume, "/snapshots"),
            Some(&body),
        )
        .await
    }

    /// Deletes a custom-volume snapshot.
    pub async fn delete_volume_snapshot(
        &self,
        pool: &str,
        project: &str,
        volume: &str,
        snapshot: &str,
    ) -> Result<Answer, IncusError> {
        let rest = format!("/snapshots/{}", encode(snapshot));
        self.send(
            reqwest::Method::DELETE,
            &volume_path(pool, project, volume, &rest),
            None,
        )
        .await
    }

    /// Restores a custom volume from a snapshot (Incus answers synchronously; it refuses while
    /// a running instance uses the volume).
    pub async fn restore_volume(
        &self,
        pool: &str,
        project: &str,
        volume: &str,
        snapshot: &str,
    ) -> Result<Answer, IncusError> {
        let body = json!({"restore": snapshot});
        self.send(
            reqwest::Method::PUT,
            &volume_path(pool, project, volume, ""),
            Some(&body),
        )
        .await
    }

    /// Creates a backup of an instance (`volume = None`) or of a custom volume `(pool, name)`.
    pub async fn create_backup(
        &self,
        project: &str,
        instance: &str,
        volume: Option<&str>,
        backup: &str,
        opts: &BackupOptions,
        expires_at: DateTime<Utc>,
    ) -> Result<Operation, IncusError> {
        let mut body = json!({
            "name": backup,
            "expires_at": rfc3339(Some(expires_at)),
            "optimized_storage": opts.optimized,
        });
        if !opts.compression.is_empty() {
            body["compression_algorithm"] = json!(opts.compression);
        }
        let path = match volume {
            None => {
                body["instance_only"] = json!(opts.only);
                instance_path(project, instance, "/backups")
            }
            Some(pool) => {
                body["volume_only"] = json!(opts.only);
                volume_path(pool, project, instance, "/backups")
            }
        };
        self.send_op(reqwest::Method::POST, &path, Some(&body))
            .await
    }

    /// Starts downloading a backup; the caller streams the body.
    pub async fn export_backup(
        &self,
        project: &str,
        object: &str,
        pool: Option<&str>,
        backup: &str,
    ) -> Result<reqwest::Response, IncusError> {
        let rest = format!("/backups/{}/export", encode(backup));
        let path = match pool {
            None => instance_path(project, object, &rest),
            Some(p) => volume_path(p, project, object, &rest),
        };
        let resp = self
            .http
            .get(self.url(&path))
            // A large backup takes long; the caller aborts it when cancelled.
            .timeout(Duration::from_secs(7 * 24 * 3600))
            .send()
            .await
            .map_err(|e| self.connect_error(&e))?;
        if !resp.status().is_success() {
            return Err(self
                .answer(&path, resp)
                .await
                .err()
                .unwrap_or(IncusError::Api {
                    path,
                    status: 500,
                    message: "download refused".into(),
                }));
        }
        Ok(resp)
    }

    /// Deletes a server-side backup.
    pub async fn delete_backup(
        &self,
        project: &str,
        object: &str,
        pool: Option<&str>,
        backup: &str,
    ) -> Result<Answer, IncusError> {
        let rest = format!("/backups/{}", encode(backup));
        let path = match pool {
            None => instance_path(project, object, &rest),
            Some(p) => volume_path(p, project, object, &rest),
        };
        self.send(reqwest::Method::DELETE, &path, None).await
    }

    /// Creates an instance (`pool_volume = None`, `pool` optional) or a custom volume
    /// (`pool_volume = Some(pool)`) from a backup tarball streamed as `body`.
    pub async fn import_backup(
        &self,
        project: &str,
        name: &str,
        pool: Option<&str>,
        volume: bool,
        body: reqwest::Body,
        len: u64,
    ) -> Result<Operation, IncusError> {
        let path = match (volume, pool) {
            (true, Some(p)) => format!(
                "/1.0/storage-pools/{}/volumes/custom?{}",
                encode(p),
                q(project)
            ),
            (true, None) => {
                return Err(IncusError::Parse {
                    path: "import".into(),
                    reason: "a volume import needs a pool".into(),
                });
            }
            (false, _) => format!("/1.0/instances?{}", q(project)),
        };
        let mut req = self
            .http
            .post(self.url(&path))
            .timeout(Duration::from_secs(7 * 24 * 3600))
            .header("Content-Type", "application/octet-stream")
            .header("Content-Length", len.to_string())
            .header("X-Incus-name", name);
        if let (false, Some(p)) = (volume, pool) {
            req = req.header("X-Incus-pool", p);
        }
        let resp = req
            .body(body)
            .send()
            .await
            .map_err(|e| self.connect_error(&e))?;
        match self.answer(&path, resp).await? {
            Answer::Async(op) => Ok(op),
            Answer::Sync(_) => Err(IncusError::Parse {
                path,
                reason: "expected a background operation".into(),
            }),
        }
    }

    /// One instance snapshot (config and devices, for a restore preview).
    pub async fn instance_snapshot(
        &self,
        project: &str,
        name: &str,
        snapshot: &str,
    ) -> Result<super::types::InstanceSnapshot, IncusError> {
        self.get(&instance_path(
            project,
            name,
            &format!("/snapshots/{}", encode(snapshot)),
        ))
        .await
    }

    /// One custom volume (config, `used_by`).
    pub async fn volume(
        &self,
        pool: &str,
        project: &str,
        name: &str,
    ) -> Result<super::types::StorageVolume, IncusError> {
        self.get(&volume_path(pool, project, name, "")).await
    }
}

/// Human text of the progress an operation reports in its metadata: the generic
/// `progress{stage,percent,processed,speed}` or any `*_progress` string
/// (`create_backup_progress: "12.3MB (4.5MB/s)"`). Returns the text and a percent when known.
pub fn operation_progress(metadata: &Value) -> Option<(String, Option<f64>)> {
    let obj = metadata.as_object()?;
    // A step's own words (`evacuation_progress`: which instance is stopped, migrated, started).
    let evacuation = obj.get("evacuation_progress").and_then(Value::as_str);
    if let Some(p) = obj.get("progress").and_then(Value::as_object) {
        let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let pct = s("percent").parse::<f64>().ok();
        let mut text = s("stage");
        for k in ["processed", "speed"] {
            let v = s(k);
            if !v.is_empty() && v != "0" {
                text.push_str(&format!(" {k} {v}"));
            }
        }
        let text = text.trim().to_string();
        return Some(match evacuation {
            Some(words) => (format!("{words}: {text}"), pct),
            None => (text, pct),
        });
    }
    let (key, val) = obj
        .iter()
        .find(|(k, v)| k.ends_with("_progress") && v.is_string())?;
    let text = val.as_str().unwrap_or("");
    let pct = text
        .split_whitespace()
        .find_map(|w| w.strip_suffix('%'))
        .and_then(|p| {
            p.trim_start_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .ok()
        });
    let stage = key.trim_end_matches("_progress").replace('_', " ");
    Some((format!("{stage}: {text}"), pct))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evacuation_progress_names_the_instance_beside_the_transfer() {
        let m = json!({
            "evacuation_progress": "Migrating \"web\" in project \"default\" to \"atlas01\"",
            "create_instance_from_image_unpack_progress": "Unpacking image: 16% (34.15MB/s)",
            "progress": {"percent": "16", "speed": "34145931", "stage": "create_instance_from_image_unpack"}
        });
        let (t, p) = operation_progress(&m).unwrap();
        assert_eq!(
            t,
            "Migrating \"web\" in project \"default\" to \"atlas01\": create_instance_from_image_unpack speed 34145931"
        );
        assert_eq!(p, Some(16.0));
        let (t, p) = operation_progress(
            &json!({"evacuation_progress": "Stopping \"web\" in project \"default\""}),
        )
        .unwrap();
        assert_eq!(t, "evacuation: Stopping \"web\" in project \"default\"");
        assert_eq!(p, None);
    }

    #[test]
    fn progress_from_operation_metadata() {
        let (t, p) =
            operation_progress(&json!({"create_backup_progress": "12.3MB (4.5MB/s)"})).unwrap();
        assert_eq!(t, "create backup: 12.3MB (4.5MB/s)");
        assert_eq!(p, None);
        let (t, p) = operation_progress(&json!({"fs_progress": "rootfs: 45% (12.3MB/s)"})).unwrap();
        assert_eq!(t, "fs: rootfs: 45% (12.3MB/s)");
        assert_eq!(p, Some(45.0));
        let (t, p) = operation_progress(
            &json!({"progress": {"stage": "unpack", "percent": "30", "processed": "0", "speed": "1MB/s"}}),
        )
        .unwrap();
        assert_eq!(t, "unpack speed 1MB/s");
        assert_eq!(p, Some(30.0));
        assert!(operation_progress(&json!({"other": 1})).is_none());
        assert!(operation_progress(&json!(null)).is_none());
    }

    #[test]
    fn operation_states_and_resources() {
        let op: Operation = serde_json::from_value(json!({
            "id": "abc", "status": "Success", "status_code": 200, "may_cancel": false,
            "resources": {"backups": ["/1.0/instances/grafana01/backups/atlas-1?project=default"]}
        }))
        .unwrap();
        assert!(op.succeeded() && !op.is_running());
        assert_eq!(op.resource_name("backups").as_deref(), Some("atlas-1"));
        let op: Operation = serde_json::from_value(json!({"id": "x", "status_code": 103})).unwrap();
        assert!(op.is_running());
    }
}
