//! Long actions as jobs: what a job does ([`JobSpec`]), how it reports ([`JobEvent`],
//! [`Outcome`]) and how it runs against Incus ([`runner`]). Nothing here knows the UI.

mod apply;
mod command;
pub mod execute;
pub mod journal;
mod patterns;
pub mod runner;
mod step;

pub use patterns::snapshot_name;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use atlas_core::ops::{
    BackupOptions, JobEvent, JobId, Outcome, PowerAction, Progress, Safety, Target,
};

/// What a job does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Start, stop, restart, freeze or unfreeze an instance.
    Power {
        target: Target,
        action: PowerAction,
        #[serde(default)]
        force: bool,
        #[serde(default)]
        timeout: i64,
    },
    /// Snapshot an instance or a volume.
    Snapshot {
        target: Target,
        name: String,
        expires_at: Option<DateTime<Utc>>,
        #[serde(default)]
        stateful: bool,
    },
    /// Delete a snapshot.
    DeleteSnapshot { target: Target, name: String },
    /// Restore a snapshot: safety snapshot first, the instances in `restart` stopped around it.
    Restore {
        target: Target,
        snapshot: String,
        safety: Option<Safety>,
        #[serde(default)]
        restart: Vec<String>,
    },
    /// Back up to a local file.
    Export {
        target: Target,
        path: PathBuf,
        #[serde(default)]
        options: BackupOptions,
    },
    /// Create an instance or volume (`target`) from a backup file; `replace` moves an existing
    /// instance of that name aside first.
    Import {
        target: Target,
        file: PathBuf,
        /// The storage pool of an imported instance (volumes name theirs in the target).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pool: Option<String>,
        #[serde(default)]
        replace: bool,
    },
    /// Apply service plans (all on the target's remote), step by step, stopping at the first
    /// error. `target.name` names the services for lists.
    Apply {
        target: Target,
        plans: Vec<crate::services::ServicePlan>,
    },
    /// Run a configured command (`[[commands]]`), its output streamed.
    Command {
        target: Target,
        command: CommandSpec,
    },
}

/// A configured command as it runs: the words, where, and the environment it gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSpec {
    /// The command's name in the config.
    pub name: String,
    pub argv: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<PathBuf>,
    /// `ATLAS_*` variables describing the selection.
    #[serde(default)]
    pub env: Vec<(String, String)>,
}

impl JobSpec {
    /// The apply job for these plans on one remote (its target names the services).
    pub fn apply(remote: &str, plans: Vec<crate::services::ServicePlan>) -> JobSpec {
        let project = plans.first().map(|p| p.project.clone()).unwrap_or_default();
        let names: Vec<&str> = plans.iter().map(|p| p.service.as_str()).collect();
        let name = if names.len() <= 3 {
            names.join(",")
        } else {
            format!("{},{} +{}", names[0], names[1], names.len() - 2)
        };
        JobSpec::Apply {
            target: Target::instance(remote, &project, &name),
            plans,
        }
    }

    /// The object acted on.
    pub fn target(&self) -> &Target {
        match self {
            JobSpec::Power { target, .. }
            | JobSpec::Snapshot { target, .. }
            | JobSpec::DeleteSnapshot { target, .. }
            | JobSpec::Restore { target, .. }
            | JobSpec::Export { target, .. }
            | JobSpec::Import { target, .. }
            | JobSpec::Apply { target, .. }
            | JobSpec::Command { target, .. } => target,
        }
    }

    /// The instances (project, name) the job may have changed, to be read again after it.
    pub fn touches(&self) -> Vec<(String, String)> {
        let t = self.target();
        let mut out = Vec::new();
        if t.pool.is_none() {
            out.push((t.project.clone(), t.name.clone()));
        }
        match self {
            JobSpec::Restore { restart, .. } => {
                out.extend(restart.iter().map(|n| (t.project.clone(), n.clone())));
            }
            JobSpec::Apply { plans, .. } => {
                out = plans
                    .iter()
                    .map(|p| (p.project.clone(), p.service.clone()))
                    .collect();
            }
            _ => {}
        }
        out
    }

    /// A short name of what it does (`snapshot`, `restore`, `stop`, ...).
    pub fn kind(&self) -> String {
        match self {
            JobSpec::Power {
                action: PowerAction::Stop,
                force: true,
                ..
            } => "force-stop".into(),
            JobSpec::Power { action, .. } => action.as_str().into(),
            JobSpec::Snapshot { .. } => "snapshot".into(),
            JobSpec::DeleteSnapshot { .. } => "delete-snapshot".into(),
            JobSpec::Restore { .. } => "restore".into(),
            JobSpec::Export { .. } => "backup".into(),
            JobSpec::Import { .. } => "import".into(),
            JobSpec::Apply { .. } => "apply".into(),
            JobSpec::Command { command, .. } => command.name.clone(),
        }
    }

    /// What it acts on, for lists: the target, with the snapshot where there is one.
    pub fn subject(&self) -> String {
        match self {
            JobSpec::Snapshot { target, name, .. } | JobSpec::DeleteSnapshot { target, name } => {
                format!("{}/{name}", target.label())
            }
            JobSpec::Restore {
                target, snapshot, ..
            } => format!("{}/{snapshot}", target.label()),
            JobSpec::Import { target, file, .. } => {
                format!("{} ← {}", target.label(), file_name(file))
            }
            JobSpec::Export { target, path, .. } => {
                format!("{} → {}", target.label(), file_name(path))
            }
            JobSpec::Apply { target, .. } => format!("{}:{}", target.remote, target.name),
            JobSpec::Command { target, .. } if target.remote.is_empty() => target.name.clone(),
            j => j.target().label(),
        }
    }

    /// Whether the job changes or removes existing data (asks for confirmation).
    pub fn destructive(&self) -> bool {
        matches!(
            self,
            JobSpec::DeleteSnapshot { .. }
                | JobSpec::Restore { .. }
                | JobSpec::Import { replace: true, .. }
                | JobSpec::Command { .. }
                | JobSpec::Power {
                    action: PowerAction::Stop | PowerAction::Restart | PowerAction::Freeze,
                    ..
                }
        )
    }

    /// The equivalent incus command lines, in order.
    pub fn cli(&self) -> Vec<String> {
        let t = self.target();
        let pf = project_flag(t);
        let r = sh(&t.remote);
        let n = sh(&t.name);
        let query_expiry = |path: String, body: serde_json::Value| {
            format!(
                "incus query -X POST {r}:{}{} -d {}",
                path,
                if pf.is_empty() {
                    String::new()
                } else {
                    format!("?project={}", t.project)
                },
                sh(&body.to_string())
            )
        };
        match self {
            JobSpec::Power {
                action,
                force,
                timeout,
                ..
            } => {
                let mut s = format!("incus {} {r}:{n}{pf}", crate::incus::ops::cli_verb(*action));
                if *action == PowerAction::Stop || *action == PowerAction::Restart {
                    if *force {
                        s.push_str(" --force");
                    } else if *timeout > 0 {
                        s.push_str(&format!(" --timeout {timeout}"));
                    }
                }
                vec![s]
            }
            JobSpec::Snapshot {
                name,
                expires_at,
                stateful,
                ..
            } => {
                let ts = expires_at.map(|e| e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                match (&t.pool, ts) {
                    (None, None) => vec![format!(
                        "incus snapshot create {r}:{n} {}{}{pf}",
                        sh(name),
                        if *stateful { " --stateful" } else { "" }
                    )],
                    (None, Some(ts)) => vec![query_expiry(
                        format!("/1.0/instances/{}/snapshots", t.name),
                        serde_json::json!({"name": name, "stateful": stateful, "expires_at": ts}),
                    )],
                    (Some(p), None) => vec![format!(
                        "incus storage volume snapshot create {r}:{} {n} {}{pf}",
                        sh(p),
                        sh(name)
                    )],
                    (Some(p), Some(ts)) => vec![query_expiry(
                        format!("/1.0/storage-pools/{p}/volumes/custom/{}/snapshots", t.name),
                        serde_json::json!({"name": name, "expires_at": ts}),
                    )],
                }
            }
            JobSpec::DeleteSnapshot { name, .. } => vec![match &t.pool {
                None => format!("incus snapshot delete {r}:{n} {}{pf}", sh(name)),
                Some(p) => format!(
                    "incus storage volume snapshot delete {r}:{} {n} {}{pf}",
                    sh(p),
                    sh(name)
                ),
            }],
            JobSpec::Restore {
                snapshot,
                safety,
                restart,
                ..
            } => {
                let mut out = Vec::new();
                if let Some(s) = safety {
                    out.extend(
                        JobSpec::Snapshot {
                            target: t.clone(),
                            name: s.name.clone(),
                            expires_at: s.expires_at,
                            stateful: false,
                        }
                        .cli(),
                    );
                }
                for i in restart {
                    out.push(format!("incus stop {r}:{}{pf}", sh(i)));
                }
                out.push(match &t.pool {
                    None => format!("incus snapshot restore {r}:{n} {}{pf}", sh(snapshot)),
                    Some(p) => format!(
                        "incus storage volume snapshot restore {r}:{} {n} {}{pf}",
                        sh(p),
                        sh(snapshot)
                    ),
                });
                for i in restart {
                    out.push(format!("incus start {r}:{}{pf}", sh(i)));
                }
                out
            }
            JobSpec::Export { path, options, .. } => {
                let mut s = match &t.pool {
                    None => format!("incus export {r}:{n} {}{pf}", sh(&path.to_string_lossy())),
                    Some(p) => format!(
                        "incus storage volume export {r}:{} {n} {}{pf}",
                        sh(p),
                        sh(&path.to_string_lossy())
                    ),
                };
                if options.only {
                    s.push_str(if t.is_volume() {
                        " --volume-only"
                    } else {
                        " --instance-only"
                    });
                }
                if options.optimized {
                    s.push_str(" --optimized-storage");
                }
                if !options.compression.is_empty() {
                    s.push_str(&format!(" --compression {}", sh(&options.compression)));
                }
                vec![s]
            }
            JobSpec::Import {
                file,
                replace,
                pool,
                ..
            } => {
                let f = sh(&file.to_string_lossy());
                let mut out = Vec::new();
                if *replace && !t.is_volume() {
                    out.push(format!("incus move {r}:{n} {r}:{n}-replaced-<time>{pf}"));
                }
                out.push(match &t.pool {
                    None => format!(
                        "incus import {r}: {f} {n}{pf}{}",
                        pool.as_ref()
                            .map(|p| format!(" --storage {}", sh(p)))
                            .unwrap_or_default()
                    ),
                    Some(p) => format!("incus storage volume import {r}:{} {f} {n}{pf}", sh(p)),
                });
                out
            }
            JobSpec::Apply { plans, .. } => {
                plans.iter().flat_map(|p| apply_cli(&t.remote, p)).collect()
            }
            JobSpec::Command { command, .. } => {
                let words: Vec<String> = command.argv.iter().map(|w| sh(w)).collect();
                vec![match &command.workdir {
                    Some(d) => format!("cd {} && {}", sh(&d.to_string_lossy()), words.join(" ")),
                    None => words.join(" "),
                }]
            }
        }
    }
}

/// The incus commands that do what a service plan does (values masked, user-data by file).
fn apply_cli(remote: &str, p: &crate::services::ServicePlan) -> Vec<String> {
    use crate::services::plan::{Object, Op, USER_DATA};
    let r = sh(remote);
    let pf = if p.project.is_empty() || p.project == "default" {
        String::new()
    } else {
        format!(" --project {}", sh(&p.project))
    };
    let value = |c: &crate::services::plan::Change| {
        if c.key == USER_DATA {
            "\"$(cat user-data.yaml)\"".to_string()
        } else {
            sh(&p.mask(c.new.as_deref().unwrap_or("")))
        }
    };
    let mut out = Vec::new();
    for s in &p.steps {
        match (&s.op, &s.object) {
            (Op::Create, Object::Volume { pool, name }) => out.push(format!(
                "incus storage volume create {r}:{} {}{}{pf}",
                sh(pool),
                sh(name),
                s.changes
                    .iter()
                    .map(|c| format!(" {}={}", c.key, value(c)))
                    .collect::<String>()
            )),
            (Op::Update, Object::Volume { pool, name }) => {
                for c in &s.changes {
                    out.push(format!(
                        "incus storage volume set {r}:{} {} {}={}{pf}",
                        sh(pool),
                        sh(name),
                        c.key,
                        value(c)
                    ));
                }
            }
            (Op::Delete, Object::Volume { pool, name }) => out.push(format!(
                "incus storage volume delete {r}:{} {}{pf}",
                sh(pool),
                sh(name)
            )),
            (Op::Create, Object::Instance { name }) => {
                let mut line = format!("incus create {r}:",);
                let image = s
                    .changes
                    .iter()
                    .find(|c| c.key == "image")
                    .and_then(|c| c.new.clone());
                line.push_str(&sh(&image.unwrap_or_default()));
                line.push_str(&format!(" {}{pf}", sh(name)));
                for c in s.changes.iter().filter(|c| {
                    c.key != "image" && c.key != "profiles" && !c.key.starts_with("device ")
                }) {
                    line.push_str(&format!(" -c {}={}", c.key, value(c)));
                }
                out.push(line);
                for c in s.changes.iter().filter(|c| c.key.starts_with("device ")) {
                    out.push(format!(
                        "incus config device add {r}:{} {} {}{pf}",
                        sh(name),
                        sh(c.key.trim_start_matches("device ")),
                        c.new.as_deref().unwrap_or("")
                    ));
                }
            }
            (Op::Update, Object::Instance { name }) => {
                for c in &s.changes {
                    out.push(if let Some(dev) = c.key.strip_prefix("device ") {
                        match (&c.old, &c.new) {
                            (None, Some(n)) => format!(
                                "incus config device add {r}:{} {} {n}{pf}",
                                sh(name),
                                sh(dev)
                            ),
                            (Some(_), None) => format!(
                                "incus config device remove {r}:{} {}{pf}",
                                sh(name),
                                sh(dev)
                            ),
                            _ => format!(
                                "incus config device set {r}:{} {} {}{pf}",
                                sh(name),
                                sh(dev),
                                c.new.as_deref().unwrap_or("")
                            ),
                        }
                    } else if c.key == "profiles" {
                        format!(
                            "incus profile assign {r}:{} {}{pf}",
                            sh(name),
                            sh(&c.new.clone().unwrap_or_default().replace(", ", ","))
                        )
                    } else if c.new.is_none() {
                        format!("incus config unset {r}:{} {}{pf}", sh(name), c.key)
                    } else {
                        format!(
                            "incus config set {r}:{} {}={}{pf}",
                            sh(name),
                            c.key,
                            value(c)
                        )
                    });
                }
            }
            (Op::Delete, Object::Instance { name }) => {
                out.push(format!("incus delete --force {r}:{}{pf}", sh(name)))
            }
            (Op::Start, Object::Instance { name }) => {
                out.push(format!("incus start {r}:{}{pf}", sh(name)))
            }
            (Op::Start, Object::Volume { .. }) => {}
        }
    }
    out
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A finished job as kept in the state dir's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: JobId,
    pub spec: JobSpec,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub outcome: Outcome,
    #[serde(default)]
    pub log: Vec<String>,
    #[serde(default)]
    pub progress: Progress,
}

/// A file name for a backup: `<remote>-<project>-<name>-<UTC time>.tar.gz`.
pub fn backup_file_name(t: &Target, now: DateTime<Utc>, compression: &str) -> String {
    let ext = match compression {
        "none" => "tar",
        "" | "gzip" => "tar.gz",
        "zstd" => "tar.zst",
        "bzip2" => "tar.bz2",
        "xz" => "tar.xz",
        "lzma" => "tar.lzma",
        other => return format!("{}.{other}", backup_stem(t, now)),
    };
    format!("{}.{ext}", backup_stem(t, now))
}

fn backup_stem(t: &Target, now: DateTime<Utc>) -> String {
    let clean = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    let mut parts = vec![clean(&t.remote), clean(&t.project)];
    if let Some(p) = &t.pool {
        parts.push(clean(p));
    }
    parts.push(clean(&t.name));
    format!("{}-{}", parts.join("-"), now.format("%Y%m%dT%H%M%SZ"))
}

/// `[██████░░░░]  62% 12.3MiB/19.8MiB`, or the stage text when there is no percent.
pub fn progress_text(p: &Progress, width: usize) -> String {
    let bytes = match (p.done, p.total) {
        (Some(d), Some(t)) if t > 0 => format!(
            " {}/{}",
            crate::inventory::human_bytes(d),
            crate::inventory::human_bytes(t)
        ),
        (Some(d), _) => format!(" {}", crate::inventory::human_bytes(d)),
        _ => String::new(),
    };
    match p.percent {
        Some(pct) => {
            let pct = pct.clamp(0.0, 100.0);
            let cells = 10usize;
            let full = ((pct / 100.0) * cells as f64).round() as usize;
            let bar: String = "█".repeat(full) + &"░".repeat(cells - full);
            let s = format!("{bar} {pct:>3.0}%{bytes}");
            if s.chars().count() > width && width > 0 {
                format!("{bar} {pct:>3.0}%")
            } else {
                s
            }
        }
        None if !bytes.is_empty() => format!("{}{bytes}", p.stage),
        None => p.stage.clone(),
    }
}

/// ` --project <p>` unless the project is the default one.
fn project_flag(t: &Target) -> String {
    if t.project.is_empty() || t.project == "default" {
        String::new()
    } else {
        format!(" --project {}", sh(&t.project))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cli_lines_name_the_same_operation() {
        let t = Target::instance("atlas", "default", "grafana01");
        let stop = JobSpec::Power {
            target: t.clone(),
            action: PowerAction::Stop,
            force: false,
            timeout: 30,
        };
        assert_eq!(stop.cli(), ["incus stop atlas:grafana01 --timeout 30"]);
        let v = Target::volume("atlas", "lab", "default", "db-data");
        let r = JobSpec::Restore {
            target: v,
            snapshot: "nightly-0".into(),
            safety: Some(Safety {
                name: "atlas-safety-1".into(),
                expires_at: None,
            }),
            restart: vec!["db01".into()],
        };
        assert_eq!(
            r.cli(),
            [
                "incus storage volume snapshot create atlas:default db-data atlas-safety-1 --project lab",
                "incus stop atlas:db01 --project lab",
                "incus storage volume snapshot restore atlas:default db-data nightly-0 --project lab",
                "incus start atlas:db01 --project lab",
            ]
        );
        let e = JobSpec::Export {
            target: t,
            path: "/tmp/my backup.tar.gz".into(),
            options: BackupOptions {
                only: true,
                optimized: false,
                compression: "zstd".into(),
            },
        };
        assert_eq!(
            e.cli(),
            [
                "incus export atlas:grafana01 '/tmp/my backup.tar.gz' --instance-only --compression zstd"
            ]
        );
        assert!(r.destructive() && !e.destructive());
    }

    #[test]
    fn spec_round_trips_through_json() {
        let s = JobSpec::Snapshot {
            target: Target::volume("l", "default", "p", "v"),
            name: "n".into(),
            expires_at: Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()),
            stateful: false,
        };
        let j = serde_json::to_string(&s).unwrap();
        assert!(j.contains(r#""kind":"snapshot""#), "{j}");
        assert_eq!(serde_json::from_str::<JobSpec>(&j).unwrap(), s);
        assert!(s.cli()[0].starts_with(
            "incus query -X POST l:/1.0/storage-pools/p/volumes/custom/v/snapshots -d '{"
        ));
    }

    #[test]
    fn names_from_patterns() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 3, 4, 5).unwrap();
        assert_eq!(
            snapshot_name("atlas-%Y%m%d-%H%M%S", now),
            "atlas-20261123-030405"
        );
        assert_eq!(snapshot_name("", now), "snap-20261123-030405");
        let t = Target::instance("local", "default", "grafana01");
        assert_eq!(
            backup_file_name(&t, now, ""),
            "local-default-grafana01-20261123T030405Z.tar.gz"
        );
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
    }
}
