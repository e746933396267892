//! Plans: what applying the definitions would change on their remotes, like `tofu plan`.
//!
//! Only what a definition declares is compared: config keys it sets, devices it names, its
//! profiles and its volumes' config. Nothing is deleted unless the definition marks it
//! `ensure = "removed"`. The steps come from the remote's provider
//! ([`crate::provider::Operator::plan_steps`], driven by [`super::survey::plan_all`]).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::definition::Loaded;
use super::template;

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

/// An object a step acts on.
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

/// An HTTP write (`method` is `POST`, `PUT`, `DELETE`, ...).
#[derive(Clone, PartialEq)]
pub struct Request {
    pub method: String,
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

/// A service's standing against its remote.
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

/// The plan of a definition without asking its remote: no steps, its parse error if any.
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
}
