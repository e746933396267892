//! The equivalent `incus` command lines of a job, for its log and the journal.

use atlas_core::jobs::{JobSpec, MemberAction, PowerAction, Target, sh};
use atlas_core::services::ServicePlan;

/// The equivalent incus command lines of a job, in order.
pub fn cli(job: &JobSpec) -> Vec<String> {
    let t = job.target();
    let pf = project_flag(t);
    let r = sh(&t.remote);
    let n = sh(&t.name);
    match job {
        JobSpec::Power {
            action,
            force,
            timeout,
            ..
        } => {
            let mut s = format!("incus {} {r}:{n}{pf}", crate::ops::cli_verb(*action));
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
        } => snapshot_cli(t, name, *expires_at, *stateful),
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
        } => restore_cli(t, snapshot, safety.as_ref(), restart),
        JobSpec::Export { path, options, .. } => vec![export_cli(t, path, options)],
        JobSpec::Import {
            file,
            replace,
            pool,
            ..
        } => import_cli(t, file, *replace, pool.as_deref()),
        JobSpec::Apply { plans, .. } => {
            plans.iter().flat_map(|p| apply_cli(&t.remote, p)).collect()
        }
        JobSpec::Command { .. } => job.command_line().into_iter().collect(),
        JobSpec::Member { action, mode, .. } => {
            let mut s = format!("incus cluster {} {r}:{n} --force", action.as_str());
            if *action == MemberAction::Evacuate && !mode.is_empty() && mode != "auto" {
                s.push_str(&format!(" --action {}", sh(mode)));
            }
            vec![s]
        }
        JobSpec::Move { to, restart, .. } => {
            let mv = format!("incus move {r}:{n} --target {}{pf}", sh(to));
            if *restart {
                vec![
                    format!("incus stop {r}:{n}{pf}"),
                    mv,
                    format!("incus start {r}:{n}{pf}"),
                ]
            } else {
                vec![mv]
            }
        }
        JobSpec::Vzdump { .. } | JobSpec::RestoreArchive { .. } => vec![],
    }
}

/// The remote, the name and the `--project` flag of a target, quoted for a shell.
fn parts(t: &Target) -> (String, String, String) {
    (sh(&t.remote), sh(&t.name), project_flag(t))
}

fn snapshot_cli(
    t: &Target,
    name: &str,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    stateful: bool,
) -> Vec<String> {
    let (r, n, pf) = parts(t);
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
    let ts = expires_at.map(|e| e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    match (&t.pool, ts) {
        (None, None) => vec![format!(
            "incus snapshot create {r}:{n} {}{}{pf}",
            sh(name),
            if stateful { " --stateful" } else { "" }
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

fn restore_cli(
    t: &Target,
    snapshot: &str,
    safety: Option<&atlas_core::jobs::Safety>,
    restart: &[String],
) -> Vec<String> {
    let (r, n, pf) = parts(t);
    let mut out = Vec::new();
    if let Some(s) = safety {
        out.extend(cli(&JobSpec::Snapshot {
            target: t.clone(),
            name: s.name.clone(),
            expires_at: s.expires_at,
            stateful: false,
        }));
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

fn export_cli(
    t: &Target,
    path: &std::path::Path,
    options: &atlas_core::jobs::BackupOptions,
) -> String {
    let (r, n, pf) = parts(t);
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
    s
}

fn import_cli(
    t: &Target,
    file: &std::path::Path,
    replace: bool,
    pool: Option<&str>,
) -> Vec<String> {
    let (r, n, pf) = parts(t);
    let f = sh(&file.to_string_lossy());
    let mut out = Vec::new();
    if replace && !t.is_volume() {
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

/// The incus commands that do what a service plan does (values masked, user-data by file).
fn apply_cli(remote: &str, p: &ServicePlan) -> Vec<String> {
    use atlas_core::services::plan::{Object, Op, USER_DATA};
    let r = sh(remote);
    let pf = if p.project.is_empty() || p.project == "default" {
        String::new()
    } else {
        format!(" --project {}", sh(&p.project))
    };
    let value = |c: &atlas_core::services::plan::Change| {
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
    use atlas_core::jobs::{BackupOptions, Safety};
    use chrono::TimeZone;
    use chrono::Utc;

    #[test]
    fn cli_lines_name_the_same_operation() {
        let t = Target::instance("atlas", "default", "grafana01");
        let stop = JobSpec::Power {
            target: t.clone(),
            action: PowerAction::Stop,
            force: false,
            timeout: 30,
        };
        assert_eq!(cli(&stop), ["incus stop atlas:grafana01 --timeout 30"]);
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
            cli(&r),
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
            cli(&e),
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
        assert!(cli(&s)[0].starts_with(
            "incus query -X POST l:/1.0/storage-pools/p/volumes/custom/v/snapshots -d '{"
        ));
    }
}
