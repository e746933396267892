//! Plans: what applying the definitions would change in Incus, like `tofu plan`.
//!
//! Only what a definition declares is compared: config keys it sets, devices it names, its
//! profiles and its volumes' config. Nothing is deleted unless the definition marks it
//! `ensure = "removed"`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::definition::{Definition, Ensure, Loaded};
use super::template::{self, Rendered};
use crate::incus::IncusClient;
use crate::incus::client::{IncusError, encode};
use crate::incus::ops::{instance_path, volume_path};

/// The config key cloud-init reads its user-data from.
pub const USER_DATA: &str = "cloud-init.user-data";

/// One changed value: `None` is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// Takes effect only after the instance restarts.
    #[serde(default)]
    pub restart: bool,
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Create,
    Update,
    Delete,
    Start,
}

impl Op {
    /// `+`, `~`, `-`, `>`.
    pub fn sign(self) -> &'static str {
        match self {
            Op::Create => "+",
            Op::Update => "~",
            Op::Delete => "-",
            Op::Start => ">",
        }
    }
}

/// An Incus object a step acts on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Object {
    Instance { name: String },
    Volume { pool: String, name: String },
}

impl Object {
    pub fn label(&self) -> String {
        match self {
            Object::Instance { name } => format!("instance {name}"),
            Object::Volume { pool, name } => format!("volume {pool}/{name}"),
        }
    }
}

/// One API write of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub op: Op,
    pub object: Object,
    pub changes: Vec<Change>,
    /// The request: method and path, body, and the ETag the body was computed from. Not kept in
    /// the job history (the body may hold secrets).
    #[serde(skip)]
    pub request: Option<Request>,
}

/// An HTTP write.
#[derive(Clone, PartialEq)]
pub struct Request {
    pub method: reqwest::Method,
    pub path: String,
    pub body: Value,
    pub etag: String,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body may hold secrets: never in debug output.
        write!(f, "{} {} (etag {:?})", self.method, self.path, self.etag)
    }
}

impl Step {
    /// Whether any change needs a restart.
    pub fn needs_restart(&self) -> bool {
        self.changes.iter().any(|c| c.restart)
    }

    /// One line: `~ instance grafana01 (2 changes, restart needed)`.
    pub fn headline(&self) -> String {
        let verb = match self.op {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
            Op::Start => "start",
        };
        let mut s = format!("{} {verb} {}", self.op.sign(), self.object.label());
        if self.op == Op::Update {
            s.push_str(&format!(
                " ({} change{})",
                self.changes.len(),
                if self.changes.len() == 1 { "" } else { "s" }
            ));
        }
        if self.needs_restart() {
            s.push_str(" [restart needed]");
        }
        s
    }
}

/// The plan for one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePlan {
    pub service: String,
    pub remote: String,
    pub project: String,
    pub file: std::path::PathBuf,
    pub steps: Vec<Step>,
    /// Why the service cannot be planned (nothing of it is applied).
    pub errors: Vec<String>,
    /// Cloud-init warnings.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Secret values, to mask anything shown. Never serialized.
    #[serde(skip)]
    pub secrets: Vec<String>,
}

/// A service's standing against Incus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    InSync,
    /// What differs.
    Drifted(Vec<String>),
    Missing,
    Removed,
    Invalid(String),
}

impl Status {
    pub fn label(&self) -> &'static str {
        match self {
            Status::InSync => "in sync",
            Status::Drifted(_) => "drifted",
            Status::Missing => "missing",
            Status::Removed => "removed",
            Status::Invalid(_) => "invalid",
        }
    }
}

impl ServicePlan {
    /// Whether applying changes nothing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.errors.is_empty()
    }

    pub fn status(&self) -> Status {
        if let Some(e) = self.errors.first() {
            return Status::Invalid(e.clone());
        }
        if self
            .steps
            .iter()
            .any(|s| s.op == Op::Create && matches!(s.object, Object::Instance { .. }))
        {
            return Status::Missing;
        }
        if self.steps.is_empty() {
            return Status::InSync;
        }
        if self.steps.iter().all(|s| s.op == Op::Delete)
            && self
                .steps
                .iter()
                .any(|s| matches!(s.object, Object::Instance { .. }))
        {
            return Status::Drifted(vec!["marked removed".into()]);
        }
        Status::Drifted(
            self.steps
                .iter()
                .flat_map(|s| {
                    if s.changes.is_empty() || s.op != Op::Update {
                        vec![format!("{} {}", s.op.sign(), s.object.label())]
                    } else {
                        s.changes.iter().map(|c| c.key.clone()).collect()
                    }
                })
                .collect(),
        )
    }

    /// Masks secrets in text about this plan.
    pub fn mask(&self, s: &str) -> String {
        template::mask(s, &self.secrets)
    }

    /// `tofu plan`-like text, secrets masked.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let head = format!("{}:{}/{}", self.remote, self.project, self.service);
        if !self.errors.is_empty() {
            out.push_str(&format!("! {head}: cannot plan\n"));
            for e in &self.errors {
                out.push_str(&format!("    {}\n", self.mask(e)));
            }
            return out;
        }
        if self.steps.is_empty() {
            out.push_str(&format!("  {head}: no changes\n"));
        }
        for s in &self.steps {
            out.push_str(&format!("{}  ({head})\n", s.headline()));
            for c in &s.changes {
                out.push_str(&format!("    {}\n", self.mask(&change_text(s.op, c))));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("  warning: {}\n", self.mask(w)));
        }
        out
    }
}

/// `key: old → new`, with multi-line values summarised.
pub fn change_text(op: Op, c: &Change) -> String {
    let show = |v: &Option<String>| match v {
        None => "(none)".to_string(),
        Some(s) if s.contains('\n') => format!("<{} lines>", s.lines().count()),
        Some(s) => format!("{s:?}"),
    };
    let restart = if c.restart { "  [restart]" } else { "" };
    match (op, &c.old, &c.new) {
        (Op::Create, _, _) | (_, None, Some(_)) => {
            format!("+ {} = {}{restart}", c.key, show(&c.new))
        }
        (_, Some(_), None) => format!("- {} = {}{restart}", c.key, show(&c.old)),
        _ => format!("~ {}: {} → {}{restart}", c.key, show(&c.old), show(&c.new)),
    }
}

/// The plan of every service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub services: Vec<ServicePlan>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.services.iter().any(|s| !s.steps.is_empty())
    }

    pub fn has_errors(&self) -> bool {
        self.services.iter().any(|s| !s.errors.is_empty())
    }

    /// Counts of creates, updates, deletes.
    pub fn summary(&self) -> String {
        let count = |op: Op| {
            self.services
                .iter()
                .flat_map(|s| &s.steps)
                .filter(|s| s.op == op)
                .count()
        };
        let errors = self
            .services
            .iter()
            .filter(|s| !s.errors.is_empty())
            .count();
        let mut s = format!(
            "Plan: {} to create, {} to update, {} to delete, {} to start.",
            count(Op::Create),
            count(Op::Update),
            count(Op::Delete),
            count(Op::Start)
        );
        if errors > 0 {
            s.push_str(&format!(" {errors} service(s) cannot be planned."));
        }
        s
    }

    pub fn render_text(&self) -> String {
        let mut out: String = self.services.iter().map(|s| s.render_text()).collect();
        out.push('\n');
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// JSON for scripts (secrets masked).
    pub fn to_json(&self) -> Value {
        let services: Vec<Value> = self
            .services
            .iter()
            .map(|s| {
                let v = serde_json::to_value(s).unwrap_or(Value::Null);
                let masked = s.mask(&v.to_string());
                let mut v: Value = serde_json::from_str(&masked).unwrap_or(v);
                v["status"] = json!(s.status().label());
                v
            })
            .collect();
        json!({ "services": services, "changes": self.has_changes(), "errors": self.has_errors() })
    }
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

fn planning(e: IncusError) -> String {
    e.to_string()
}

/// Plans one loaded definition against its remote (`client` is for `def.remote`).
pub async fn plan_service(client: &IncusClient, loaded: &Loaded) -> ServicePlan {
    let mut sp = ServicePlan {
        service: loaded.name(),
        remote: String::new(),
        project: String::new(),
        file: loaded.file.clone(),
        steps: vec![],
        errors: vec![],
        warnings: vec![],
        secrets: vec![],
    };
    let def = match &loaded.def {
        Ok(d) => d,
        Err(d) => {
            sp.errors.push(d.to_string());
            return sp;
        }
    };
    sp.remote = def.remote.clone();
    sp.project = def.project.clone();
    let base = loaded.file.parent().unwrap_or(Path::new("."));
    let rendered = match &def.cloud_init {
        None => None,
        Some(ci) => match template::render(base, ci) {
            Ok(r) => Some(r),
            Err(e) => {
                sp.errors.push(e.to_string());
                return sp;
            }
        },
    };
    if let Some(r) = &rendered {
        sp.secrets = r.secrets().to_vec();
        for f in super::cloudinit::validate(
            &r.text,
            template::is_template(&r.template).then_some(r.source.as_str()),
        ) {
            let msg = format!("{}: {f}", r.template.display());
            match f.severity {
                super::cloudinit::Severity::Error => sp.errors.push(msg),
                super::cloudinit::Severity::Warning => sp.warnings.push(msg),
            }
        }
        if !sp.errors.is_empty() {
            return sp;
        }
    }
    if let Err(e) = plan_steps(client, def, rendered.as_ref(), &mut sp).await {
        sp.steps.clear();
        sp.errors.push(e);
    }
    // Changes are for people and the job history: secrets masked there; only the requests
    // (never serialized) carry them.
    let secrets = sp.secrets.clone();
    for c in sp.steps.iter_mut().flat_map(|s| s.changes.iter_mut()) {
        for v in [&mut c.old, &mut c.new].into_iter().flatten() {
            *v = template::mask(v, &secrets);
        }
    }
    sp
}

async fn exists(client: &IncusClient, path: &str) -> Result<bool, String> {
    match client.get::<Value>(path).await {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(planning(e)),
    }
}

/// The current object and its ETag, or `None` when it does not exist.
async fn current(client: &IncusClient, path: &str) -> Result<Option<(Value, String)>, String> {
    match client.get_with_etag::<Value>(path).await {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(planning(e)),
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

async fn plan_steps(
    client: &IncusClient,
    def: &Definition,
    rendered: Option<&Rendered>,
    sp: &mut ServicePlan,
) -> Result<(), String> {
    let p = &def.project;
    let ipath = instance_path(p, &def.name, "");
    let inst = current(client, &ipath).await?;
    if def.ensure == Ensure::Removed {
        if let Some((_, etag)) = inst {
            sp.steps.push(Step {
                op: Op::Delete,
                object: Object::Instance {
                    name: def.name.clone(),
                },
                changes: vec![],
                request: Some(Request {
                    method: reqwest::Method::DELETE,
                    path: ipath,
                    body: Value::Null,
                    etag,
                }),
            });
        }
        for v in def.volumes.iter().filter(|v| v.ensure == Ensure::Removed) {
            let vp = volume_path(&v.pool, p, &v.name, "");
            if let Some((_, etag)) = current(client, &vp).await? {
                sp.steps.push(delete_volume(v, vp, etag));
            }
        }
        return Ok(());
    }

    // Volumes first: their pools must exist.
    let mut volume_steps = Vec::new();
    let mut volume_deletes = Vec::new();
    for v in &def.volumes {
        if !exists(client, &format!("/1.0/storage-pools/{}", encode(&v.pool))).await? {
            return Err(format!(
                "volume {}: storage pool {:?} does not exist on {}",
                v.name, v.pool, def.remote
            ));
        }
        let vp = volume_path(&v.pool, p, &v.name, "");
        let cur = current(client, &vp).await?;
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
                        method: reqwest::Method::POST,
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
                            method: reqwest::Method::PUT,
                            path: vp,
                            body: json!({"config": config, "description": cur["description"]}),
                            etag,
                        }),
                    });
                }
            }
        }
    }

    let mut want_config = def.desired_config();
    if let Some(r) = rendered {
        want_config.insert(USER_DATA.into(), r.text.clone());
    }
    let want_devices = def.desired_devices();
    let vm = def.kind == super::definition::Kind::Vm;
    let mut instance_steps = Vec::new();
    match inst {
        None => {
            let image = image_source(client, &def.image, &def.remote).await?;
            for prof in &def.profiles {
                if !exists(
                    client,
                    &format!("/1.0/profiles/{}?project={}", encode(prof), encode(p)),
                )
                .await?
                {
                    return Err(format!(
                        "profile {prof:?} does not exist in project {p} on {}",
                        def.remote
                    ));
                }
            }
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
                config_changes(&BTreeMap::new(), &want_config, vm)
                    .into_iter()
                    .map(|c| Change {
                        restart: false,
                        ..c
                    }),
            );
            for (n, d) in &want_devices {
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
                    method: reqwest::Method::POST,
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
                        method: reqwest::Method::PUT,
                        path: instance_path(p, &def.name, "/state"),
                        body: json!({"action": "start", "timeout": 30}),
                        etag: String::new(),
                    }),
                });
            }
        }
        Some((cur, etag)) => {
            let server_kind = cur["type"].as_str().unwrap_or("container");
            if server_kind != def.kind.api() {
                return Err(format!(
                    "{} is a {server_kind} on the server but a {} in the definition; recreate it by hand",
                    def.name,
                    def.kind.api()
                ));
            }
            let have = str_map(&cur["config"]);
            let mut changes = config_changes(&have, &want_config, vm);
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
            for (n, d) in &want_devices {
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
            if !changes.is_empty() {
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
                instance_steps.push(Step {
                    op: Op::Update,
                    object: Object::Instance {
                        name: def.name.clone(),
                    },
                    changes,
                    request: Some(Request {
                        method: reqwest::Method::PUT,
                        path: ipath,
                        body,
                        etag,
                    }),
                });
            }
        }
    }
    sp.steps.extend(volume_steps);
    sp.steps.extend(instance_steps);
    // Volumes go after their devices are detached.
    sp.steps.extend(volume_deletes);
    Ok(())
}

fn delete_volume(v: &super::definition::VolumeDef, path: String, etag: String) -> Step {
    Step {
        op: Op::Delete,
        object: Object::Volume {
            pool: v.pool.clone(),
            name: v.name.clone(),
        },
        changes: vec![],
        request: Some(Request {
            method: reqwest::Method::DELETE,
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

/// The `source` of a new instance: an image alias or fingerprint that must exist on the remote.
async fn image_source(client: &IncusClient, image: &str, remote: &str) -> Result<Value, String> {
    if exists(client, &format!("/1.0/images/aliases/{}", encode(image))).await? {
        return Ok(json!({"type": "image", "alias": image}));
    }
    let hex = image.len() >= 12 && image.chars().all(|c| c.is_ascii_hexdigit());
    if hex && exists(client, &format!("/1.0/images/{}", encode(image))).await? {
        return Ok(json!({"type": "image", "fingerprint": image}));
    }
    Err(format!(
        "image {image:?} is not on {remote} (no such alias or fingerprint; import it with `incus image import` or `incus image copy`)"
    ))
}

/// Plans every definition; `client_for` gives the client of a remote (or why there is none).
pub async fn plan_all(
    loaded: &[Loaded],
    mut client_for: impl FnMut(&str) -> Result<IncusClient, String>,
) -> Plan {
    let mut services = Vec::new();
    for l in loaded {
        let remote = l.def.as_ref().map(|d| d.remote.clone()).unwrap_or_default();
        if l.def.is_err() {
            services.push(plan_service_without_client(l));
            continue;
        }
        match client_for(&remote) {
            Ok(c) => services.push(plan_service(&c, l).await),
            Err(e) => {
                let mut sp = plan_service_without_client(l);
                sp.errors.push(format!("remote {remote}: {e}"));
                services.push(sp);
            }
        }
    }
    Plan { services }
}

/// The plan of a definition without asking Incus: no steps, its parse error if any.
pub fn plan_service_without_client(l: &Loaded) -> ServicePlan {
    ServicePlan {
        service: l.name(),
        remote: l.def.as_ref().map(|d| d.remote.clone()).unwrap_or_default(),
        project: l
            .def
            .as_ref()
            .map(|d| d.project.clone())
            .unwrap_or_default(),
        file: l.file.clone(),
        steps: vec![],
        errors: l
            .def
            .as_ref()
            .err()
            .map(|d| d.to_string())
            .into_iter()
            .collect(),
        warnings: vec![],
        secrets: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_like_tofu() {
        let c = Change {
            key: "limits.memory".into(),
            old: Some("512MiB".into()),
            new: Some("1GiB".into()),
            restart: false,
        };
        assert_eq!(
            change_text(Op::Update, &c),
            "~ limits.memory: \"512MiB\" → \"1GiB\""
        );
        let c = Change {
            key: USER_DATA.into(),
            old: None,
            new: Some("#cloud-config\na: 1\n".into()),
            restart: true,
        };
        assert_eq!(
            change_text(Op::Update, &c),
            "+ cloud-init.user-data = <2 lines>  [restart]"
        );
    }

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
