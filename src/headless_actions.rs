//! Headless actions for scripts and cron: `atlas-tui snapshot`, `backup`, `restore` run the same
//! jobs as the console (journal and history included), print progress lines on a terminal or
//! JSON lines with `--json`, and exit non-zero on failure. `atlas-tui journal` prints the journal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;

use crate::alerts::types::parse_duration;
use crate::backend::{RemoteSpec, Scope};
use crate::config::Settings;
use crate::jobs::BackupOptions;
use crate::jobs::execute::{JobIds, JobRun, Note, execute};
use crate::jobs::{JobEvent, JobSpec, Outcome, Target, backup_file_name, snapshot_name};
use crate::usecase::{self, ActionSettings, Confirmation};

/// Exit codes: 0 done, 1 failed or cancelled, 2 refused (usage, read-only, not confirmed).
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_REFUSED: i32 = 2;

/// A headless action.
#[derive(Debug, Clone)]
pub enum Request {
    Snapshot {
        target: String,
        volume: bool,
        name: Option<String>,
        expiry: Option<String>,
        stateful: bool,
    },
    Backup {
        target: String,
        volume: bool,
        output: Option<PathBuf>,
        with_snapshots: bool,
        optimized: bool,
        compression: Option<String>,
        /// Proxmox VE: the storage the vzdump archive goes to, and the mode.
        storage: Option<String>,
        mode: Option<String>,
    },
    Restore {
        target: String,
        volume: bool,
        snapshot: String,
        no_safety: bool,
        /// Stop and start instances using a volume without asking.
        yes: bool,
    },
    /// Evacuate a cluster member (`[remote:]member`).
    Evacuate {
        member: String,
        mode: Option<String>,
    },
    /// Restore an evacuated cluster member.
    RestoreMember { member: String },
    /// Move an instance to another member.
    Move { target: String, to: String },
}

/// `[remote:][project/]name` (instances) or `[remote:][[project/]pool/]name` (volumes, pool
/// `default`); the project defaults to `project`.
pub fn parse_target(
    s: &str,
    volume: bool,
    project: &str,
    default_remote: &str,
) -> Result<Target, String> {
    let (remote, rest) = match s.split_once(':') {
        Some((r, rest)) if !r.is_empty() => (r, rest),
        Some((_, rest)) => (default_remote, rest),
        None => (default_remote, s),
    };
    if rest.is_empty() {
        return Err(format!("{s:?}: no name"));
    }
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("{s:?}: an empty part between '/'"));
    }
    match (volume, parts.as_slice()) {
        (true, [name]) => Ok(Target::volume(remote, project, "default", name)),
        (true, [pool, name]) => Ok(Target::volume(remote, project, pool, name)),
        (true, [proj, pool, name]) => Ok(Target::volume(remote, proj, pool, name)),
        (false, [name]) => Ok(Target::instance(remote, project, name)),
        (false, [proj, name]) => Ok(Target::instance(remote, proj, name)),
        _ => Err(format!(
            "{s:?}: an instance is [remote:][project/]name, a volume [remote:][[project/]pool/]name"
        )),
    }
}

fn say_json(v: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

/// Asks on the terminal; false when there is none.
pub fn ask(question: &str, want: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question} ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() {
        return false;
    }
    line.trim() == want
}

/// Builds the job (looking at the server where it needs to), asks when it must, runs it.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    settings: &Settings,
    specs: &[RemoteSpec],
    default_remote: &str,
    project: &str,
    req: Request,
    json: bool,
    readonly: bool,
    yes: bool,
) -> i32 {
    let fail = |msg: String| {
        if json {
            say_json(json!({"event": "result", "result": "refused", "detail": msg}));
        } else {
            eprintln!("atlas-tui: {msg}");
        }
        EXIT_REFUSED
    };
    if readonly {
        return fail("read-only mode (--readonly): no changes are made".into());
    }
    let target = match request_target(&req, project, default_remote) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let Some(rspec) = specs.iter().find(|s| s.name == target.remote) else {
        return fail(format!(
            "no remote named {:?} (see `atlas-tui info`)",
            target.remote
        ));
    };
    if rspec.readonly {
        return fail(format!(
            "{} is read-only (readonly = true in its [[remotes]]): no changes are made",
            rspec.name
        ));
    }
    let op = match crate::backend::operator(rspec) {
        Ok(o) => o,
        Err(e) => return fail(e.to_string()),
    };
    let spec = match job_spec(settings, rspec, op.as_ref(), target, req).await {
        Ok(spec) => spec,
        Err(e) => return fail(e),
    };
    if let Err(e) = confirm(&spec, rspec, yes) {
        return fail(e);
    }
    let alerts = firing_alerts(settings, rspec, project, &spec).await;
    run_job(settings, Ok(op), spec, alerts, json).await
}

/// The object a request is about (a cluster member for evacuate and restore-member).
fn request_target(req: &Request, project: &str, default_remote: &str) -> Result<Target, String> {
    let (target_s, volume) = match req {
        Request::Snapshot { target, volume, .. }
        | Request::Backup { target, volume, .. }
        | Request::Restore { target, volume, .. } => (target.clone(), *volume),
        Request::Move { target, .. } => (target.clone(), false),
        Request::Evacuate { member, .. } | Request::RestoreMember { member } => {
            (member.clone(), false)
        }
    };
    let t = parse_target(&target_s, volume, project, default_remote).map_err(|e| e.to_string())?;
    Ok(match req {
        Request::Evacuate { .. } | Request::RestoreMember { .. } => {
            Target::host(&t.remote, &t.name)
        }
        _ => t,
    })
}

/// The job a request asks for, or why it is refused (read from the server where it needs to
/// be).
pub(crate) async fn job_spec(
    settings: &Settings,
    rspec: &RemoteSpec,
    op: &dyn crate::backend::Operator,
    target: Target,
    req: Request,
) -> Result<JobSpec, String> {
    let now = Utc::now();
    let acts = ActionSettings::from_config(&settings.config.actions, &settings.paths.data_dir);
    Ok(match req {
        Request::Snapshot {
            name,
            expiry,
            stateful,
            ..
        } => snapshot_spec(rspec, &acts, target, name, expiry, stateful, now)?,
        Request::Backup {
            storage,
            mode,
            compression,
            ..
        } if crate::backend::capabilities(rspec)
            .supports(crate::backend::Operation::StorageBackup) =>
        {
            let Some(storage) = storage else {
                return Err(format!(
                    "{}: Proxmox VE backs up to one of its storages: --storage NAME",
                    rspec.name
                ));
            };
            JobSpec::Vzdump {
                target,
                storage,
                mode: mode.unwrap_or_else(|| "snapshot".into()),
                compress: compression.unwrap_or_else(|| "zstd".into()),
            }
        }
        Request::Backup {
            output,
            with_snapshots,
            optimized,
            compression,
            ..
        } => export_spec(
            &acts,
            target,
            output,
            with_snapshots,
            optimized,
            compression,
            now,
        )?,
        Request::Restore {
            snapshot,
            no_safety,
            ..
        } => {
            // A snapshot that is not there is refused before anything is shown or asked.
            let facts = op
                .restore_facts(&target, &snapshot)
                .await
                .map_err(|e| e.to_string())?;
            if !facts.snapshot_exists {
                return Err(format!(
                    "{} has no snapshot {snapshot:?}; nothing was changed",
                    target.label()
                ));
            }
            // Which running instances use the volume (they are stopped around the restore).
            let safety = (!no_safety).then(|| usecase::restore::safety(&acts, now));
            usecase::restore::plan(
                target,
                snapshot,
                safety,
                usecase::restore::restart_around(facts.users),
            )
        }
        Request::Evacuate { .. } | Request::RestoreMember { .. } | Request::Move { .. } => {
            cluster_job(rspec, op, &target, req).await?
        }
    })
}

/// A snapshot job: its name from the pattern, its expiry from `--expiry` or the settings
/// (refused where the provider's snapshots do not expire).
fn snapshot_spec(
    rspec: &RemoteSpec,
    acts: &ActionSettings,
    target: Target,
    name: Option<String>,
    expiry: Option<String>,
    stateful: bool,
    now: chrono::DateTime<Utc>,
) -> Result<JobSpec, String> {
    let caps = crate::backend::capabilities(rspec);
    let expiring = caps.supports(crate::backend::Operation::SnapshotExpiry);
    let expires_at = match expiry.as_deref().map(parse_duration) {
        Some(_) if !expiring => {
            return Err(format!(
                "--expiry: {} snapshots do not expire; nothing was done",
                caps.provider
            ));
        }
        Some(Ok(d)) => Some(now + d),
        Some(Err(e)) => return Err(format!("--expiry: {e}")),
        None if expiring => acts.snapshot_expiry.map(|d| now + d),
        None => None,
    };
    Ok(JobSpec::Snapshot {
        target,
        name: name.unwrap_or_else(|| snapshot_name(&acts.snapshot_pattern, now)),
        expires_at,
        stateful,
    })
}

/// A backup to a file: `-o` a file or a directory (which must exist), else the backup
/// directory; the extension follows the compression.
fn export_spec(
    acts: &ActionSettings,
    target: Target,
    output: Option<std::path::PathBuf>,
    with_snapshots: bool,
    optimized: bool,
    compression: Option<String>,
    now: chrono::DateTime<Utc>,
) -> Result<JobSpec, String> {
    let compression = compression.unwrap_or(acts.compression.clone());
    let path = match output {
        // A directory (or what is written as one) gets the default file name.
        Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/') => {
            p.join(backup_file_name(&target, now, &compression))
        }
        // The name says what the file is: `.tar` for `none`.
        Some(p) => crate::jobs::with_backup_extension(&p, &compression),
        None => acts
            .backup_dir
            .join(backup_file_name(&target, now, &compression)),
    };
    // A directory given by the user must exist (the default one is created).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !path.starts_with(&acts.backup_dir)
        && !dir.is_dir()
    {
        return Err(format!(
            "-o: the directory {} does not exist; nothing was done",
            dir.display()
        ));
    }
    Ok(JobSpec::Export {
        target,
        path,
        options: BackupOptions {
            only: !with_snapshots,
            optimized,
            compression,
        },
    })
}

/// Destructive jobs are confirmed: `--yes`, or an answer on the terminal (the name on
/// production remotes).
fn confirm(spec: &JobSpec, rspec: &RemoteSpec, yes: bool) -> Result<(), String> {
    let confirmation = usecase::confirmation(spec, rspec.production);
    if confirmation == Confirmation::None || yes {
        return Ok(());
    }
    let t = spec.target();
    let mut what = format!("{} {}", spec.kind(), spec.subject());
    if let JobSpec::Restore { restart, .. } = spec
        && !restart.is_empty()
    {
        what.push_str(&format!(" (stops and restarts {})", restart.join(", ")));
    }
    if let JobSpec::Move { restart: true, .. } = spec {
        what.push_str(" (it is running: stopped, moved, started again)");
    }
    let ok = match &confirmation {
        Confirmation::TypeName(name) => ask(
            &format!(
                "{what} on PRODUCTION remote {}: type {name} to confirm:",
                t.remote
            ),
            name,
        ),
        _ => ask(&format!("{what}? [yes/no]"), "yes"),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what}: not confirmed (pass --yes to skip the question)"
        ))
    }
}

/// Alerts firing on the job's object, for the journal (best effort, quick).
async fn firing_alerts(
    settings: &Settings,
    rspec: &RemoteSpec,
    project: &str,
    spec: &JobSpec,
) -> Vec<String> {
    if settings.config.alert_sources().next().is_none() {
        return vec![];
    }
    let key = spec.target().row_key();
    let only: Vec<RemoteSpec> = vec![rspec.clone()];
    match tokio::time::timeout(
        Duration::from_secs(10),
        crate::headless::gather(settings, &only, &Scope::Project(project.to_string())),
    )
    .await
    {
        Ok(g) => g.firing_on(&key),
        Err(_) => vec![],
    }
}

/// Plans a cluster job from the remote's members and instances as they are now.
async fn cluster_job(
    rspec: &RemoteSpec,
    op: &dyn crate::backend::Operator,
    target: &Target,
    req: Request,
) -> Result<JobSpec, String> {
    use crate::usecase::cluster as plan;
    if !crate::backend::capabilities(rspec).supports(crate::backend::Operation::Cluster) {
        return Err(format!(
            "{}: {} has no cluster members to evacuate or move between",
            rspec.name,
            crate::backend::capabilities(rspec).provider
        ));
    }
    let scope = if target.host {
        Scope::All
    } else {
        Scope::Project(target.project.clone())
    };
    let listing = op.list(&scope).await.map_err(|e| e.to_string())?;
    let (remote, name) = (target.remote.as_str(), target.name.as_str());
    match req {
        Request::Evacuate { mode, .. } => {
            plan::evacuate(&listing.hosts, remote, name, mode.as_deref().unwrap_or("")).map(|p| p.0)
        }
        Request::RestoreMember { .. } => plan::restore(&listing.hosts, remote, name),
        Request::Move { to, .. } => {
            let inst = listing
                .instances
                .iter()
                .find(|i| i.name == name && i.project == target.project)
                .ok_or_else(|| format!("no instance {}", target.label()))?;
            plan::move_to(&listing.hosts, remote, inst, &to)
        }
        _ => Err("not a cluster job".into()),
    }
}

/// Runs a job with its journal and history, printing progress (text on a terminal, or JSON
/// lines) and the result; Ctrl-C cancels. The exit code: 0 done, 1 failed or cancelled.
pub async fn run_job(
    settings: &Settings,
    op: Result<std::sync::Arc<dyn crate::backend::Operator>, crate::backend::ProviderError>,
    spec: JobSpec,
    alerts: Vec<String>,
    json: bool,
) -> i32 {
    let id = JobIds::StateDir(settings.paths.state_dir.clone()).take();
    let job = JobRun {
        id,
        spec,
        alerts,
        user: usecase::default_author(),
        state_dir: Some(settings.paths.state_dir.clone()),
        queue: None,
    };
    let (ctx, crx) = tokio::sync::watch::channel(false);
    // Ctrl-C cancels the job (cleanly); a second one is not needed.
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = ctx.send(true);
        }
    });
    let tty = std::io::stderr().is_terminal();
    let mut last = Instant::now() - Duration::from_secs(10);
    let mut last_stage = String::new();
    let record = execute(op, &job, crx, |n| match n {
        Note::Event(JobEvent::Progress(p)) => {
            if json {
                say_json(json!({"event": "progress", "job": id, "stage": p.stage,
                    "percent": p.percent, "bytes": p.done, "total": p.total, "rate": p.rate}));
            } else if tty && (last.elapsed() >= Duration::from_secs(1) || p.stage != last_stage) {
                last = Instant::now();
                last_stage = p.stage.clone();
                let rate = p
                    .rate
                    .map(|r| format!(" {}/s", crate::inventory::human_bytes(r as u64)))
                    .unwrap_or_default();
                eprintln!("  {}{rate}", crate::jobs::progress_text(&p, 60));
            }
        }
        Note::Event(JobEvent::Log(l)) => {
            if json {
                say_json(json!({"event": "log", "job": id, "line": l}));
            } else {
                eprintln!("{l}");
            }
        }
        Note::Journal(_) => {}
    })
    .await;
    if json {
        say_json(
            json!({"event": "result", "job": id, "result": record.outcome.label(),
            "detail": record.outcome.detail(), "seconds":
            (record.finished - record.started).num_milliseconds() as f64 / 1000.0}),
        );
    } else {
        println!("{}: {}", record.outcome.label(), record.outcome.detail());
    }
    match record.outcome {
        Outcome::Done(_) => 0,
        _ => EXIT_FAILED,
    }
}

/// `atlas-tui journal --since 2h [--json]`.
pub fn journal(settings: &Settings, since: &str, json: bool) -> i32 {
    let d = match parse_duration(since) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("atlas-tui: --since: {e}");
            return EXIT_REFUSED;
        }
    };
    let file = crate::jobs::journal::journal_file(&settings.paths.state_dir);
    match crate::jobs::journal::since(&file, Utc::now() - d) {
        Ok((entries, bad)) => {
            if bad > 0 {
                eprintln!(
                    "atlas-tui: {}: {bad} damaged line(s) skipped",
                    file.display()
                );
            }
            for e in &entries {
                if json {
                    match serde_json::to_string(e) {
                        Ok(s) => println!("{s}"),
                        Err(err) => eprintln!("atlas-tui: {err}"),
                    }
                } else {
                    println!("{}", crate::jobs::journal::format_entry(e));
                }
            }
            if entries.is_empty() && !json {
                eprintln!(
                    "no journal entries in the last {since} ({})",
                    file.display()
                );
            }
            0
        }
        Err(e) => {
            eprintln!("atlas-tui: {}: {e}", file.display());
            EXIT_FAILED
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("atlas:grafana01", false, "default", "local").unwrap(),
            Target::instance("atlas", "default", "grafana01")
        );
        assert_eq!(
            parse_target("grafana01", false, "lab", "local").unwrap(),
            Target::instance("local", "lab", "grafana01")
        );
        assert_eq!(
            parse_target("local:fast/db-data", true, "default", "x").unwrap(),
            Target::volume("local", "default", "fast", "db-data")
        );
        assert_eq!(
            parse_target("db-data", true, "default", "local").unwrap(),
            Target::volume("local", "default", "default", "db-data")
        );
        assert!(parse_target("local:", false, "default", "local").is_err());
        assert_eq!(
            parse_target("local:lab/lab-db01", false, "default", "x").unwrap(),
            Target::instance("local", "lab", "lab-db01")
        );
        assert_eq!(
            parse_target("local:lab/fast/db", true, "default", "x").unwrap(),
            Target::volume("local", "lab", "fast", "db")
        );
        assert!(parse_target("a/b/c", false, "default", "local").is_err());
        assert!(parse_target("a//b", false, "default", "local").is_err());
    }
}
