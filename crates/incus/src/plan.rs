//! Service plans against Incus: what the server has is read first ([`fetch`]), then compared
//! with the definition ([`diff`], no I/O). Only what a definition declares is compared.

use std::collections::BTreeMap;

use atlas_core::provider::ProviderError;
use atlas_core::services::definition::{Definition, Ensure, Kind, VolumeDef};
use atlas_core::services::plan::{Change, Object, Op, Request, Step, USER_DATA};
use atlas_core::services::template::Rendered;
use serde_json::{Value, json};

use crate::client::IncusClient;
use crate::client::{IncusError, encode};
use crate::ops::{instance_path, volume_path};

fn planning(e: IncusError) -> ProviderError {
    ProviderError::Server(e.to_string())
}

/// The user-data an instance has now (`None`: no instance, no key, or no answer).
pub async fn user_data(client: &IncusClient, project: &str, name: &str) -> Option<String> {
    client
        .get::<Value>(&instance_path(project, name, ""))
        .await
        .ok()
        .and_then(|i| i["config"][USER_DATA].as_str().map(String::from))
}

/// What the server has for one definition, as [`diff`] needs it.
#[derive(Debug, Clone, Default)]
pub struct Current {
    /// The instance and its ETag.
    pub instance: Option<(Value, String)>,
    /// Per volume of the definition, in its order: the volume and its ETag (`None`: absent, or
    /// not needed).
    pub volumes: Vec<Option<(Value, String)>>,
    /// The `source` of the instance when it must be created.
    pub image: Value,
}

/// Reads what `def` is compared with: the instance, its volumes (and that their pools exist),
/// and for a new instance its image and profiles. A missing pool, image or profile is an error
/// here: nothing could be applied.
pub async fn fetch(client: &IncusClient, def: &Definition) -> Result<Current, ProviderError> {
    let p = &def.project;
    let mut now = Current {
        instance: current(client, &instance_path(p, &def.name, "")).await?,
        ..Default::default()
    };
    let removed = def.ensure == Ensure::Removed;
    for v in &def.volumes {
        if removed && v.ensure != Ensure::Removed {
            now.volumes.push(None);
            continue;
        }
        if !removed && !exists(client, &format!("/1.0/storage-pools/{}", encode(&v.pool))).await? {
            return Err(ProviderError::Precondition(format!(
                "volume {}: storage pool {:?} does not exist on {}",
                v.name, v.pool, def.remote
            )));
        }
        now.volumes
            .push(current(client, &volume_path(&v.pool, p, &v.name, "")).await?);
    }
    if !removed && now.instance.is_none() {
        now.image = image_source(client, &def.image, &def.remote).await?;
        for prof in &def.profiles {
            let path = format!("/1.0/profiles/{}?project={}", encode(prof), encode(p));
            if !exists(client, &path).await? {
                return Err(ProviderError::Precondition(format!(
                    "profile {prof:?} does not exist in project {p} on {}",
                    def.remote
                )));
            }
        }
    }
    Ok(now)
}

async fn exists(client: &IncusClient, path: &str) -> Result<bool, ProviderError> {
    match client.get::<Value>(path).await {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(planning(e)),
    }
}

/// The current object and its ETag, or `None` when it does not exist.
async fn current(
    client: &IncusClient,
    path: &str,
) -> Result<Option<(Value, String)>, ProviderError> {
    match client.get_with_etag::<Value>(path).await {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(planning(e)),
    }
}

/// The `source` of a new instance: an image alias or fingerprint that must exist on the remote.
async fn image_source(
    client: &IncusClient,
    image: &str,
    remote: &str,
) -> Result<Value, ProviderError> {
    if exists(client, &format!("/1.0/images/aliases/{}", encode(image))).await? {
        return Ok(json!({"type": "image", "alias": image}));
    }
    let hex = image.len() >= 12 && image.chars().all(|c| c.is_ascii_hexdigit());
    if hex && exists(client, &format!("/1.0/images/{}", encode(image))).await? {
        return Ok(json!({"type": "image", "fingerprint": image}));
    }
    Err(ProviderError::Precondition(format!(
        "image {image:?} is not on {remote} (no such alias or fingerprint; import it with `incus image import` or `incus image copy`)"
    )))
}

/// The steps that make the server match `def`, from what it has now (no I/O).
pub fn diff(
    def: &Definition,
    rendered: Option<&Rendered>,
    now: Current,
) -> Result<Vec<Step>, ProviderError> {
    let Current {
        instance: inst,
        volumes,
        image,
    } = now;
    if def.ensure == Ensure::Removed {
        return Ok(removal_steps(def, inst, volumes));
    }
    // Volumes first: their pools must exist.
    let (volume_steps, volume_deletes) = volume_steps(def, volumes);
    let mut want_config = def.desired_config();
    if let Some(r) = rendered {
        want_config.insert(USER_DATA.into(), r.text.clone());
    }
    let want_devices = def.desired_devices();
    let instance_steps = match inst {
        None => creation_steps(def, &want_config, &want_devices, image),
        Some((cur, etag)) => update_step(def, &cur, etag, &want_config, &want_devices)?
            .into_iter()
            .collect(),
    };
    let mut steps = volume_steps;
    steps.extend(instance_steps);
    // Volumes go after their devices are detached.
    steps.extend(volume_deletes);
    Ok(steps)
}

/// A definition with `ensure = "removed"`: the instance deleted, and its volumes that say so.
fn removal_steps(
    def: &Definition,
    inst: Option<(Value, String)>,
    volumes: Vec<Option<(Value, String)>>,
) -> Vec<Step> {
    let p = &def.project;
    let ipath = instance_path(p, &def.name, "");
    let mut steps = Vec::new();
    if let Some((_, etag)) = inst {
        steps.push(Step {
            op: Op::Delete,
            object: Object::Instance {
                name: def.name.clone(),
            },
            changes: vec![],
            request: Some(Request {
                method: "DELETE".into(),
                path: ipath,
                body: Value::Null,
                etag,
            }),
        });
    }
    for (v, cur) in def.volumes.iter().zip(volumes) {
        if v.ensure == Ensure::Removed
            && let Some((_, etag)) = cur
        {
            steps.push(delete_volume(v, volume_path(&v.pool, p, &v.name, ""), etag));
        }
    }
    steps
}

/// The volumes' steps: creations and updates (before the instance), and deletions (after it).
fn volume_steps(def: &Definition, volumes: Vec<Option<(Value, String)>>) -> (Vec<Step>, Vec<Step>) {
    let p = &def.project;
    let mut volume_steps = Vec::new();
    let mut volume_deletes = Vec::new();
    for (v, cur) in def.volumes.iter().zip(volumes) {
        let vp = volume_path(&v.pool, p, &v.name, "");
        let want = v.desired_config();
        match (v.ensure, cur) {
            (Ensure::Removed, Some((_, etag))) => volume_deletes.push(delete_volume(v, vp, etag)),
            (Ensure::Removed, None) => {}
            (Ensure::Present, None) => {
                let config: BTreeMap<&String, &String> =
                    want.iter().filter(|(_, v)| !v.is_empty()).collect();
                volume_steps.push(Step {
                    op: Op::Create,
                    object: Object::Volume { pool: v.pool.clone(), name: v.name.clone() },
                    changes: config_changes(&BTreeMap::new(), &want, false),
                    request: Some(Request {
                        method: "POST".into(),
                        path: format!(
                            "/1.0/storage-pools/{}/volumes/custom?project={}",
                            encode(&v.pool),
                            encode(p)
                        ),
                        body: json!({"name": v.name, "type": "custom", "content_type": "filesystem", "config": config}),
                        etag: String::new(),
                    }),
                });
            }
            (Ensure::Present, Some((cur, etag))) => {
                let have = str_map(&cur["config"]);
                let changes = config_changes(&have, &want, false);
                if !changes.is_empty() {
                    let mut config = have.clone();
                    apply_changes(&mut config, &changes);
                    volume_steps.push(Step {
                        op: Op::Update,
                        object: Object::Volume {
                            pool: v.pool.clone(),
                            name: v.name.clone(),
                        },
                        changes,
                        request: Some(Request {
                            method: "PUT".into(),
                            path: vp,
                            body: json!({"config": config, "description": cur["description"]}),
                            etag,
                        }),
                    });
                }
            }
        }
    }
    (volume_steps, volume_deletes)
}

/// A new instance: created with all of its config and devices, then started if it should run.
fn creation_steps(
    def: &Definition,
    want_config: &BTreeMap<String, String>,
    want_devices: &BTreeMap<String, BTreeMap<String, String>>,
    image: Value,
) -> Vec<Step> {
    let p = &def.project;
    let vm = def.kind == Kind::Vm;
    let mut instance_steps = Vec::new();
    let mut changes = vec![Change {
        key: "image".into(),
        old: None,
        new: Some(def.image.clone()),
        restart: false,
    }];
    changes.push(Change {
        key: "profiles".into(),
        old: None,
        new: Some(def.profiles.join(", ")),
        restart: false,
    });
    // A new instance starts with all of it: nothing waits for a restart.
    changes.extend(
        config_changes(&BTreeMap::new(), want_config, vm)
            .into_iter()
            .map(|c| Change {
                restart: false,
                ..c
            }),
    );
    for (n, d) in want_devices {
        changes.push(Change {
            key: format!("device {n}"),
            old: None,
            new: Some(device_text(d)),
            restart: false,
        });
    }
    let config: BTreeMap<&String, &String> =
        want_config.iter().filter(|(_, v)| !v.is_empty()).collect();
    let mut body = json!({
        "name": def.name,
        "type": def.kind.api(),
        "source": image,
        "profiles": def.profiles,
        "config": config,
        "devices": want_devices,
        "start": false,
    });
    if let Some(d) = &def.description {
        body["description"] = json!(d);
    }
    instance_steps.push(Step {
        op: Op::Create,
        object: Object::Instance {
            name: def.name.clone(),
        },
        changes,
        request: Some(Request {
            method: "POST".into(),
            path: format!("/1.0/instances?project={}", encode(p)),
            body,
            etag: String::new(),
        }),
    });
    if def.start {
        instance_steps.push(Step {
            op: Op::Start,
            object: Object::Instance {
                name: def.name.clone(),
            },
            changes: vec![],
            request: Some(Request {
                method: "PUT".into(),
                path: instance_path(p, &def.name, "/state"),
                body: json!({"action": "start", "timeout": 30}),
                etag: String::new(),
            }),
        });
    }
    instance_steps
}

/// An instance on the server: one ETag-guarded `PUT` with what differs, if anything does.
fn update_step(
    def: &Definition,
    cur: &Value,
    etag: String,
    want_config: &BTreeMap<String, String>,
    want_devices: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<Option<Step>, ProviderError> {
    let ipath = instance_path(&def.project, &def.name, "");
    let vm = def.kind == Kind::Vm;
    let server_kind = cur["type"].as_str().unwrap_or("container");
    if server_kind != def.kind.api() {
        return Err(ProviderError::Precondition(format!(
            "{} is a {server_kind} on the server but a {} in the definition; recreate it by hand",
            def.name,
            def.kind.api()
        )));
    }
    let have = str_map(&cur["config"]);
    let mut changes = config_changes(&have, want_config, vm);
    let mut new_config = have.clone();
    apply_changes(&mut new_config, &changes);
    let have_profiles: Vec<String> = cur["profiles"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let have_description = cur["description"].as_str().unwrap_or("");
    if let Some(d) = def
        .description
        .as_deref()
        .filter(|d| *d != have_description)
    {
        changes.push(Change {
            key: "description".into(),
            old: Some(have_description.to_string()).filter(|o| !o.is_empty()),
            new: Some(d.to_string()),
            restart: false,
        });
    }
    if have_profiles != def.profiles {
        changes.push(Change {
            key: "profiles".into(),
            old: Some(have_profiles.join(", ")),
            new: Some(def.profiles.join(", ")),
            restart: false,
        });
    }
    let mut devices: BTreeMap<String, BTreeMap<String, String>> = cur["devices"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), str_map(v))).collect())
        .unwrap_or_default();
    for (n, d) in want_devices {
        let old = devices.get(n);
        if old != Some(d) {
            changes.push(Change {
                key: format!("device {n}"),
                old: old.map(device_text),
                new: Some(device_text(d)),
                restart: false,
            });
            devices.insert(n.clone(), d.clone());
        }
    }
    for v in def.volumes.iter().filter(|v| v.ensure == Ensure::Removed) {
        let n = v.device_name();
        if let Some(old) = devices.get(n).filter(|d| d.get("source") == Some(&v.name)) {
            changes.push(Change {
                key: format!("device {n}"),
                old: Some(device_text(old)),
                new: None,
                restart: false,
            });
            devices.remove(n);
        }
    }
    if changes.is_empty() {
        return Ok(None);
    }
    let mut body = json!({
        "architecture": cur["architecture"],
        "config": new_config,
        "devices": devices,
        "ephemeral": cur["ephemeral"],
        "profiles": def.profiles,
        "stateful": cur["stateful"],
        "description": cur["description"],
    });
    if let Some(d) = &def.description {
        body["description"] = json!(d);
    }
    Ok(Some(Step {
        op: Op::Update,
        object: Object::Instance {
            name: def.name.clone(),
        },
        changes,
        request: Some(Request {
            method: "PUT".into(),
            path: ipath,
            body,
            etag,
        }),
    }))
}

fn delete_volume(v: &VolumeDef, path: String, etag: String) -> Step {
    Step {
        op: Op::Delete,
        object: Object::Volume {
            pool: v.pool.clone(),
            name: v.name.clone(),
        },
        changes: vec![],
        request: Some(Request {
            method: "DELETE".into(),
            path,
            body: Value::Null,
            etag,
        }),
    }
}

fn apply_changes(config: &mut BTreeMap<String, String>, changes: &[Change]) {
    for c in changes {
        match &c.new {
            Some(v) => {
                config.insert(c.key.clone(), v.clone());
            }
            None => {
                config.remove(&c.key);
            }
        }
    }
}

fn str_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn config_changes(
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
    vm: bool,
) -> Vec<Change> {
    want.iter()
        .filter_map(|(k, v)| {
            let old = have.get(k).cloned();
            // An empty value unsets a key, as in `incus config set k=`.
            let new = (!v.is_empty()).then(|| v.clone());
            (old != new).then(|| Change {
                key: k.clone(),
                restart: needs_restart(k, vm),
                old,
                new,
            })
        })
        .collect()
}

fn device_text(d: &BTreeMap<String, String>) -> String {
    d.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Config keys whose change waits for a restart.
pub fn needs_restart(key: &str, vm: bool) -> bool {
    key.starts_with("cloud-init.")
        || key == "user.user-data"
        || key.starts_with("raw.")
        || key.starts_with("security.")
        || key.starts_with("linux.")
        || key.starts_with("limits.kernel.")
        || key.starts_with("boot.host_shutdown")
        || (vm && (key == "limits.cpu" || key == "limits.memory" || key.starts_with("image.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_changes_only_cover_declared_keys() {
        let have = BTreeMap::from([
            ("limits.cpu".to_string(), "1".to_string()),
            ("volatile.x".to_string(), "y".to_string()),
        ]);
        let want = BTreeMap::from([
            ("limits.cpu".to_string(), "2".to_string()),
            ("limits.memory".to_string(), "1GiB".to_string()),
        ]);
        let c = config_changes(&have, &want, true);
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|c| c.restart));
        assert!(config_changes(&have, &have, false).is_empty());
        let unset = BTreeMap::from([("limits.cpu".to_string(), String::new())]);
        assert_eq!(config_changes(&have, &unset, false)[0].new, None);
    }
}
