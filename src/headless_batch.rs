//! Headless actions on several objects at once: `atlas-tui snapshot a b pve:101 --name x` and
//! `--match FILTER` (the console's filter over a listing of every remote). Every item runs as a
//! job of its own (journal and history) through the same per-remote queue as the console's
//! batches; one line per item as it ends, a summary, one journal line for the batch. Exit 1
//! when any item failed; the items that could be done are done.

use std::collections::BTreeSet;
use std::io::Write;

use chrono::Utc;
use serde_json::json;

use crate::app::state::{AppState, RemoteView};
use crate::backend::{InventoryEvent, RemoteSpec, Scope, Update};
use crate::config::Settings;
use crate::headless_actions::{EXIT_FAILED, EXIT_REFUSED, Request, parse_target};
use crate::jobs::execute::{JobIds, JobRun, execute};
use crate::jobs::journal::{self, Entry};
use crate::jobs::{JobSpec, Outcome, Target};
use crate::pane::Pane;
use crate::usecase::{self, ActionSettings};

/// What several objects are named by: targets given one by one, and a filter.
#[derive(Debug, Clone, Default)]
pub struct Many {
    pub targets: Vec<String>,
    pub filter: Option<String>,
}

/// Prints a line on stdout (a closed pipe ends the output quietly).
fn out(line: &str) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{line}");
    let _ = o.flush();
}

/// Runs `req` (a snapshot or a backup; its own target is ignored) on every object `many`
/// names.
#[allow(clippy::too_many_arguments)]
pub async fn run_many(
    settings: &Settings,
    specs: &[RemoteSpec],
    default_remote: &str,
    project: &str,
    req: Request,
    many: Many,
    json: bool,
    readonly: bool,
) -> i32 {
    let fail = |msg: String| {
        if json {
            out(&json!({"event": "result", "result": "refused", "detail": msg}).to_string());
        } else {
            eprintln!("atlas-tui: {msg}");
        }
        EXIT_REFUSED
    };
    if readonly {
        return fail("read-only mode (--readonly): no changes are made".into());
    }
    if let Request::Backup {
        output: Some(o), ..
    } = &req
        && !o.is_dir()
    {
        return fail(format!(
            "--output {}: with several objects, an existing directory (one file each)",
            o.display()
        ));
    }
    let volume = matches!(
        req,
        Request::Snapshot { volume: true, .. } | Request::Backup { volume: true, .. }
    );
    let targets = match resolve(specs, default_remote, project, volume, &many).await {
        Ok(t) if t.is_empty() => {
            return fail("nothing to act on: no target, nothing matches".into());
        }
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let (jobs, skipped) = plan(settings, specs, targets, &req).await;
    for (t, why) in &skipped {
        if json {
            out(
                &json!({"event": "item", "target": t, "result": "skipped", "detail": why})
                    .to_string(),
            );
        } else {
            out(&format!("skipped {t}: {why}"));
        }
    }
    let outcomes = run_all(settings, jobs, json).await;
    let failed = outcomes.iter().any(|(_, o)| !o.is_done());
    let labelled: Vec<(String, Option<Outcome>)> =
        outcomes.into_iter().map(|(t, o)| (t, Some(o))).collect();
    let summary = crate::app::bulk::summarize(&labelled, skipped.len());
    journal_batch(settings, &req, &labelled, &summary, failed);
    if json {
        out(
            &json!({"event": "summary", "result": if failed {"failed"} else {"done"},
            "detail": summary})
            .to_string(),
        );
    } else {
        out(&format!("summary: {summary}"));
    }
    if failed { EXIT_FAILED } else { 0 }
}

/// The objects named one by one, then those the filter matches, each once.
async fn resolve(
    specs: &[RemoteSpec],
    default_remote: &str,
    project: &str,
    volume: bool,
    many: &Many,
) -> Result<Vec<Target>, String> {
    let mut out: Vec<Target> = Vec::new();
    for t in &many.targets {
        out.push(parse_target(t, volume, project, default_remote)?);
    }
    if let Some(f) = &many.filter {
        out.extend(matching(specs, volume, f).await);
    }
    let mut seen = BTreeSet::new();
    out.retain(|t| seen.insert(t.row_key()));
    Ok(out)
}

/// The instances (volumes) of every remote, all projects, that the console's filter keeps.
async fn matching(specs: &[RemoteSpec], volume: bool, filter: &str) -> Vec<Target> {
    let remotes: Vec<RemoteView> = specs
        .iter()
        .map(|s| {
            let mut r = RemoteView::new(&s.name, "", s.production);
            r.caps = crate::backend::capabilities(s);
            r
        })
        .collect();
    let mut state = AppState::new(
        remotes,
        crate::config::Keymap::defaults(),
        Scope::All,
        "default".into(),
    );
    let now = Utc::now();
    for s in specs {
        // A remote that cannot be listed is said, and the others are matched.
        let listing = match crate::backend::operator(s) {
            Ok(op) => op.list(&Scope::All).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let listing = match listing {
            Ok(l) => l,
            Err(e) => {
                eprintln!(
                    "atlas-tui: --match: {} not matched: cannot list it: {e}",
                    s.name
                );
                continue;
            }
        };
        let (snapshots, volumes) = (vec![], listing.volumes);
        state.apply(
            Update::Inventory(InventoryEvent::Instances {
                remote: s.name.clone(),
                instances: listing.instances,
                with_state: true,
            }),
            now,
        );
        state.apply(
            Update::Inventory(InventoryEvent::Volumes {
                remote: s.name.clone(),
                volumes,
                snapshots,
            }),
            now,
        );
    }
    let pane = if volume {
        Pane::Volumes
    } else {
        Pane::Instances
    };
    state.panes[pane.index()].filter = filter.to_string();
    let rows = crate::app::rows::view_rows(&state, pane, now);
    rows.iter()
        .filter_map(|r| r.key.object())
        .filter_map(|o| match o {
            crate::inventory::ObjectKey::Instance {
                remote,
                project,
                name,
            } => Some(Target::instance(remote, project, name)),
            crate::inventory::ObjectKey::Volume {
                remote,
                project,
                pool,
                name,
            } => Some(Target::volume(remote, project, pool, name)),
            _ => None,
        })
        .collect()
}

/// A job per target, or why it is skipped.
async fn plan(
    settings: &Settings,
    specs: &[RemoteSpec],
    targets: Vec<Target>,
    req: &Request,
) -> (Vec<(JobSpec, RemoteSpec)>, Vec<(String, String)>) {
    let mut jobs = Vec::new();
    let mut skipped = Vec::new();
    for t in targets {
        let label = t.label();
        let Some(rspec) = specs.iter().find(|s| s.name == t.remote) else {
            skipped.push((label, format!("no remote named {:?}", t.remote)));
            continue;
        };
        if rspec.readonly {
            skipped.push((label, format!("{} is read-only", rspec.name)));
            continue;
        }
        let op = match crate::backend::operator(rspec) {
            Ok(o) => o,
            Err(e) => {
                skipped.push((label, e.to_string()));
                continue;
            }
        };
        match crate::headless_actions::job_spec(settings, rspec, op.as_ref(), t, req.clone()).await
        {
            Ok(spec) => jobs.push((spec, rspec.clone())),
            Err(e) => skipped.push((label, e)),
        }
    }
    (jobs, skipped)
}

/// Runs every job through the per-remote queue; a line as each ends. Ctrl-C cancels them all.
async fn run_all(
    settings: &Settings,
    jobs: Vec<(JobSpec, RemoteSpec)>,
    json: bool,
) -> Vec<(String, Outcome)> {
    let acts = ActionSettings::from_config(&settings.config.actions, &settings.paths.data_dir);
    let queue = crate::jobs::queue::Queue::new(acts.concurrency);
    let (ctx, crx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = ctx.send(true);
        }
    });
    let mut ids = JobIds::StateDir(settings.paths.state_dir.clone());
    let mut set = tokio::task::JoinSet::new();
    for (spec, rspec) in jobs {
        let job = JobRun {
            id: ids.take(),
            spec,
            alerts: vec![],
            user: usecase::default_author(),
            state_dir: Some(settings.paths.state_dir.clone()),
            queue: Some(queue.place(&rspec.name)),
        };
        let cancel = crx.clone();
        set.spawn(async move {
            let op = crate::backend::operator(&rspec);
            let record = execute(op, &job, cancel, |_| {}).await;
            (job, record)
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = set.join_next().await {
        let Ok((job, record)) = done else { continue };
        let target = job.spec.target().label();
        if json {
            out(&json!({"event": "item", "job": job.id, "target": target,
                "result": record.outcome.label(), "detail": record.outcome.detail()})
            .to_string());
        } else {
            out(&format!(
                "job {} {} {target}: {} — {}",
                job.id,
                job.spec.kind(),
                record.outcome.label(),
                record.outcome.detail()
            ));
        }
        outcomes.push((target, record.outcome));
    }
    outcomes
}

/// One journal line for the batch, its summary in it (each item has its own lines).
fn journal_batch(
    settings: &Settings,
    req: &Request,
    items: &[(String, Option<Outcome>)],
    summary: &str,
    failed: bool,
) {
    let what = match req {
        Request::Snapshot { .. } => "snapshot",
        _ => "backup",
    };
    let e = Entry {
        ts: Utc::now(),
        status: if failed { "failed" } else { "done" }.into(),
        action: format!("batch {what}"),
        target: format!("{} objects", items.len()),
        remote: String::new(),
        detail: summary.to_string(),
        cli: vec![],
        alerts: vec![],
        job: None,
        seconds: None,
        user: usecase::default_author(),
    };
    let file = journal::journal_file(&settings.paths.state_dir);
    if let Err(err) = journal::append(&file, &e) {
        tracing::warn!(error = %err, "cannot write the journal");
    }
}
