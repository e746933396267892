//! Jobs on Proxmox VE: each step is a PVE task, followed through its UPID (`…/tasks/{upid}/status`
//! until it stops, its log streamed as it grows); a cancel request stops the task
//! (`DELETE …/tasks/{upid}`). A guest is found by name or VMID; a locked guest is refused with
//! why. The equivalent `qm` / `pct` lines name the guest by VMID.

use std::time::Duration;

use atlas_core::jobs::{JobSpec, PowerAction, Progress, Target};
use atlas_core::ops::{CancelRx, Outcome, Reporter, Stop, cancelled, outcome, requested};
use atlas_core::provider::ProviderError;
use serde_json::Value;

use crate::client::{PveClient, encode};
use crate::error::PveError;
use crate::types::{LogLine, Resource, TaskStatus};

/// How often a running task is asked about.
const TASK_POLL: Duration = Duration::from_millis(400);
/// Seconds a clean shutdown may take before PVE gives up (the job says so).
const SHUTDOWN_SECS: i64 = 60;

impl From<PveError> for Stop {
    fn from(e: PveError) -> Self {
        match e {
            // Sent, perhaps: what it did is not known.
            PveError::NoAnswer(_) => {
                Stop::Unknown(format!("connection lost — outcome unknown: {e}"))
            }
            e => Stop::Failed(e.to_string()),
        }
    }
}

/// A guest as a job needs it.
#[derive(Debug, Clone)]
pub struct Guest {
    pub vmid: u64,
    pub node: String,
    /// `qemu` or `lxc`.
    pub kind: String,
    pub name: String,
    pub lock: Option<String>,
    pub status: String,
}

impl Guest {
    fn path(&self) -> String {
        format!("/nodes/{}/{}/{}", self.node, self.kind, self.vmid)
    }
}

/// Finds a guest by VMID (the target's id, or a numeric name) or by name.
pub async fn find(client: &PveClient, t: &Target) -> Result<Guest, ProviderError> {
    let v = client
        .get_value("/cluster/resources?type=vm")
        .await
        .map_err(|e| ProviderError::Server(e.to_string()))?;
    let (items, _) = atlas_core::decode::list::<Resource>("/cluster/resources", v)
        .map_err(|e| ProviderError::Server(e.to_string()))?;
    let want_id: Option<u64> =
        t.id.as_deref()
            .map(|s| s.rsplit('/').next().unwrap_or(s))
            .or(Some(t.name.as_str()))
            .and_then(|s| s.parse().ok());
    let found = items
        .iter()
        .filter(|r| matches!(r.kind.as_str(), "qemu" | "lxc"))
        .find(|r| want_id.is_some_and(|id| r.vmid == Some(id)))
        .or_else(|| {
            items
                .iter()
                .filter(|r| matches!(r.kind.as_str(), "qemu" | "lxc"))
                .find(|r| r.name.as_deref() == Some(t.name.as_str()))
        });
    let Some(r) = found else {
        return Err(ProviderError::Precondition(format!(
            "{}: no guest named or numbered {:?}",
            t.remote, t.name
        )));
    };
    Ok(Guest {
        vmid: r.vmid.unwrap_or(0),
        node: r.node.clone().unwrap_or_default(),
        kind: r.kind.clone(),
        name: r.name.clone().unwrap_or_default(),
        lock: r.lock.clone().filter(|l| !l.is_empty()),
        status: r.status.clone().unwrap_or_default(),
    })
}

/// The job with the guest's VMID filled in.
pub async fn prepare(client: &PveClient, job: &JobSpec) -> Result<JobSpec, ProviderError> {
    let mut job = job.clone();
    if let JobSpec::Command { .. } = job {
        return Ok(job);
    }
    let g = find(client, job.target()).await?;
    let t = job.target_mut();
    t.id = Some(if g.kind == "lxc" {
        format!("lxc/{}", g.vmid)
    } else {
        g.vmid.to_string()
    });
    // A guest given by VMID is named by its name in lists.
    if t.name.parse::<u64>().is_ok() && !g.name.is_empty() {
        t.name = g.name.clone();
    }
    // A rollback stops a running guest; as the preview says, it is started again after (the
    // rollback's own `start`), and the job's lines say so.
    if let JobSpec::Restore { restart, .. } = &mut job {
        *restart = if g.status == "running" {
            vec![g.name.clone()]
        } else {
            vec![]
        };
    }
    Ok(job)
}

/// The equivalent `qm` / `pct` lines of a job (the guest by VMID once the job is prepared).
pub fn cli(job: &JobSpec) -> Vec<String> {
    let t = job.target();
    let id = t.id.clone().unwrap_or_else(|| t.name.clone());
    // A prepared job's id is `300` for a VM and `lxc/300` for a container.
    let (tool, id) = match id.split_once('/') {
        Some(("lxc", n)) => ("pct", n.to_string()),
        Some((_, n)) => ("qm", n.to_string()),
        None => ("qm", id),
    };
    match job {
        JobSpec::Power {
            action,
            force,
            timeout,
            ..
        } => vec![match action {
            PowerAction::Start => format!("{tool} start {id}"),
            PowerAction::Stop if *force => format!("{tool} stop {id}"),
            PowerAction::Stop => format!(
                "{tool} shutdown {id} --timeout {}",
                if *timeout > 0 {
                    *timeout
                } else {
                    SHUTDOWN_SECS
                }
            ),
            PowerAction::Restart => format!("{tool} reboot {id}"),
            PowerAction::Freeze => format!("{tool} suspend {id}"),
            PowerAction::Unfreeze => format!("{tool} resume {id}"),
        }],
        JobSpec::Snapshot { name, stateful, .. } => vec![format!(
            "{tool} snapshot {id} {}{}",
            atlas_core::jobs::sh(name),
            if *stateful { " --vmstate 1" } else { "" }
        )],
        JobSpec::DeleteSnapshot { name, .. } => {
            vec![format!(
                "{tool} delsnapshot {id} {}",
                atlas_core::jobs::sh(name)
            )]
        }
        JobSpec::Restore {
            snapshot,
            safety,
            restart,
            ..
        } => {
            let mut out = Vec::new();
            if let Some(s) = safety {
                out.push(format!(
                    "{tool} snapshot {id} {}",
                    atlas_core::jobs::sh(&s.name)
                ));
            }
            out.push(format!(
                "{tool} rollback {id} {}{}",
                atlas_core::jobs::sh(snapshot),
                if restart.is_empty() { "" } else { " --start 1" }
            ));
            out
        }
        JobSpec::Vzdump {
            storage,
            mode,
            compress,
            ..
        } => vec![format!(
            "vzdump {id} --storage {} --mode {} --compress {}",
            atlas_core::jobs::sh(storage),
            atlas_core::jobs::sh(mode),
            atlas_core::jobs::sh(compress)
        )],
        JobSpec::RestoreArchive {
            archive, new_id, ..
        } => {
            let to = new_id.map(|n| n.to_string()).unwrap_or_else(|| id.clone());
            let force = if new_id.is_none() { " --force 1" } else { "" };
            vec![if tool == "pct" {
                format!("pct restore {to} {}{force}", atlas_core::jobs::sh(archive))
            } else {
                format!("qmrestore {} {to}{force}", atlas_core::jobs::sh(archive))
            }]
        }
        JobSpec::Command { .. } => job.command_line().into_iter().collect(),
        JobSpec::Export { .. }
        | JobSpec::Import { .. }
        | JobSpec::Apply { .. }
        | JobSpec::Member { .. }
        | JobSpec::Move { .. } => vec![],
    }
}

/// Runs a job's steps to their end.
pub async fn run(
    client: &PveClient,
    job: &JobSpec,
    rep: &Reporter,
    mut cancel: CancelRx,
) -> Outcome {
    let t = job.target();
    let g = match find(client, t).await {
        Ok(g) => g,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let r = match job {
        JobSpec::Power {
            action,
            force,
            timeout,
            ..
        } => power(client, &g, *action, *force, *timeout, rep, &mut cancel).await,
        JobSpec::Snapshot { name, stateful, .. } => snapshot(
            client,
            &g,
            name,
            *stateful && g.kind == "qemu",
            rep,
            &mut cancel,
        )
        .await
        .map(|_| format!("snapshot {name} created")),
        JobSpec::DeleteSnapshot { name, .. } => {
            delete_snapshot(client, &g, name, rep, &mut cancel).await
        }
        JobSpec::Restore {
            snapshot: snap,
            safety,
            restart,
            ..
        } => {
            let start = !restart.is_empty();
            restore(client, &g, snap, safety.as_ref(), start, rep, &mut cancel).await
        }
        JobSpec::Vzdump {
            storage,
            mode,
            compress,
            ..
        } => vzdump(client, &g, storage, mode, compress, rep, &mut cancel).await,
        JobSpec::RestoreArchive {
            archive, new_id, ..
        } => restore_archive(client, &g, archive, *new_id, rep, &mut cancel).await,
        JobSpec::Export { .. }
        | JobSpec::Import { .. }
        | JobSpec::Apply { .. }
        | JobSpec::Member { .. }
        | JobSpec::Move { .. }
        | JobSpec::Command { .. } => Err(Stop::Failed(format!(
            "{}: Proxmox VE cannot {} here",
            t.remote,
            job.kind()
        ))),
    };
    outcome(r)
}

fn refuse_locked(g: &Guest) -> Result<(), Stop> {
    match &g.lock {
        Some(l) => Err(Stop::Failed(format!(
            "{} ({}) is locked ({l}): PVE refuses changes until the {l} ends{}",
            g.name,
            g.vmid,
            if l == "backup" || l == "snapshot" || l == "migrate" {
                ""
            } else {
                "; `qm unlock` clears a stale lock"
            }
        ))),
        None => Ok(()),
    }
}

async fn power(
    client: &PveClient,
    g: &Guest,
    action: PowerAction,
    force: bool,
    timeout: i64,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    refuse_locked(g)?;
    let (verb, form): (&str, Vec<(&str, String)>) = match action {
        PowerAction::Start => ("start", vec![]),
        PowerAction::Stop if force => ("stop", vec![]),
        PowerAction::Stop => (
            "shutdown",
            vec![(
                "timeout",
                (if timeout > 0 { timeout } else { SHUTDOWN_SECS }).to_string(),
            )],
        ),
        PowerAction::Restart => ("reboot", vec![]),
        PowerAction::Freeze => ("suspend", vec![]),
        PowerAction::Unfreeze => ("resume", vec![]),
    };
    let upid = client
        .post(&format!("{}/status/{verb}", g.path()), &form)
        .await?;
    let what = format!("{verb} {}", g.name);
    follow(client, &g.node, &upid, &what, rep, cancel).await?;
    Ok(format!("{} {}", g.name, past(verb)))
}

fn past(verb: &str) -> &'static str {
    match verb {
        "start" => "started",
        "stop" => "stopped",
        "shutdown" => "shut down",
        "reboot" => "rebooted",
        "suspend" => "suspended",
        _ => "resumed",
    }
}

async fn vzdump(
    client: &PveClient,
    g: &Guest,
    storage: &str,
    mode: &str,
    compress: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    refuse_locked(g)?;
    if !matches!(mode, "snapshot" | "suspend" | "stop") {
        return Err(Stop::Failed(format!(
            "mode {mode:?}: snapshot, suspend or stop"
        )));
    }
    let form = vec![
        ("vmid", g.vmid.to_string()),
        ("storage", storage.to_string()),
        ("mode", mode.to_string()),
        ("compress", compress.to_string()),
    ];
    let upid = client
        .post(&format!("/nodes/{}/vzdump", g.node), &form)
        .await?;
    follow(
        client,
        &g.node,
        &upid,
        &format!("back up {}", g.name),
        rep,
        cancel,
    )
    .await?;
    Ok(format!("{} backed up to {storage}", g.name))
}

/// Restores an archive over the guest (PVE destroys it first: `force`) or as a new guest.
async fn restore_archive(
    client: &PveClient,
    g: &Guest,
    archive: &str,
    new_id: Option<u64>,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    if new_id.is_none() {
        refuse_locked(g)?;
    }
    let vmid = new_id.unwrap_or(g.vmid);
    let mut form = vec![("vmid", vmid.to_string())];
    if g.kind == "lxc" {
        form.push(("ostemplate", archive.to_string()));
        form.push(("restore", "1".into()));
        // The container's disks go back where its root disk is.
        form.push(("storage", "local-lvm".into()));
    } else {
        form.push(("archive", archive.to_string()));
    }
    if new_id.is_none() {
        form.push(("force", "1".into()));
    }
    let upid = client
        .post(&format!("/nodes/{}/{}", g.node, g.kind), &form)
        .await?;
    follow(
        client,
        &g.node,
        &upid,
        &format!("restore {archive}"),
        rep,
        cancel,
    )
    .await?;
    Ok(match new_id {
        Some(n) => format!("{archive} restored as {n}"),
        None => format!("{} restored from {archive}", g.name),
    })
}

async fn delete_snapshot(
    client: &PveClient,
    g: &Guest,
    name: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    refuse_locked(g)?;
    let upid = client
        .delete(&format!("{}/snapshot/{}", g.path(), encode(name)))
        .await?;
    follow(
        client,
        &g.node,
        &upid,
        &format!("delete snapshot {name}"),
        rep,
        cancel,
    )
    .await?;
    Ok(format!("snapshot {name} deleted"))
}

async fn snapshot(
    client: &PveClient,
    g: &Guest,
    name: &str,
    vmstate: bool,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<(), Stop> {
    refuse_locked(g)?;
    let mut form = vec![("snapname", name.to_string())];
    if vmstate {
        form.push(("vmstate", "1".into()));
    }
    let upid = client
        .post(&format!("{}/snapshot", g.path()), &form)
        .await?;
    follow(
        client,
        &g.node,
        &upid,
        &format!("snapshot {name}"),
        rep,
        cancel,
    )
    .await
}

async fn restore(
    client: &PveClient,
    g: &Guest,
    snap: &str,
    safety: Option<&atlas_core::ops::Safety>,
    start: bool,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    refuse_locked(g)?;
    let snaps = client.get_value(&format!("{}/snapshot", g.path())).await?;
    if !snaps
        .as_array()
        .is_some_and(|a| a.iter().any(|s| s["name"].as_str() == Some(snap)))
    {
        return Err(Stop::Failed(format!(
            "{} has no snapshot {snap:?}; nothing was changed",
            g.name
        )));
    }
    if let Some(s) = safety {
        rep.stage(format!("safety snapshot {}", s.name));
        snapshot(client, g, &s.name, false, rep, cancel).await?;
        rep.log(format!("safety snapshot {} taken", s.name));
    }
    if requested(cancel) {
        return Err(Stop::Cancelled("cancelled before the rollback".into()));
    }
    let form: Vec<(&str, String)> = if start {
        vec![("start", "1".into())]
    } else {
        vec![]
    };
    let upid = client
        .post(
            &format!("{}/snapshot/{}/rollback", g.path(), encode(snap)),
            &form,
        )
        .await?;
    let what = if start {
        format!("roll back to {snap} and start {} again", g.name)
    } else {
        format!("roll back to {snap}")
    };
    follow(client, &g.node, &upid, &what, rep, cancel).await?;
    let then = if start { ", started again" } else { "" };
    Ok(match safety {
        Some(s) => format!("rolled back to {snap}{then} (safety snapshot {})", s.name),
        None => format!("rolled back to {snap}{then}"),
    })
}

/// Follows a task to its end: its log streamed, a cancel request stops it.
/// How long a task whose link is lost is asked for before its outcome is given up as unknown.
const LOST_FOR: std::time::Duration = std::time::Duration::from_secs(15 * 60);

pub async fn follow(
    client: &PveClient,
    node: &str,
    upid: &Value,
    what: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<(), Stop> {
    let Some(upid) = upid.as_str() else {
        // Some writes finish at once and answer no task.
        return Ok(());
    };
    rep.log(format!("task {upid}"));
    rep.progress(Progress {
        stage: what.to_string(),
        ..Default::default()
    });
    let base = format!("/nodes/{node}/tasks/{}", encode(upid));
    let mut logged = 0u64;
    let mut stop_sent = false;
    let mut lost: Option<std::time::Instant> = None;
    loop {
        let status: TaskStatus = match client.get(&format!("{base}/status")).await {
            Ok(s) => {
                if let Some(t) = lost.take() {
                    rep.log(format!("link back after {} s", t.elapsed().as_secs()));
                    rep.stage(what.to_string());
                }
                s
            }
            // The link is gone: the task runs on (or not) without us; asked for again until
            // PVE answers — never a result by guess.
            Err(e @ (PveError::Transport(_) | PveError::NoAnswer(_))) => {
                let since = *lost.get_or_insert_with(|| {
                    let said = format!(
                        "{what}: connection lost — outcome unknown; checking again when the link returns"
                    );
                    rep.stage(said.clone());
                    rep.log(format!("{said} ({e})"));
                    std::time::Instant::now()
                });
                if since.elapsed() >= LOST_FOR || crate::jobs::requested(cancel) {
                    return Err(Stop::Unknown(format!(
                        "{what}: the link was lost and the task's outcome is unknown (see `pvesh get {base}/status`)"
                    )));
                }
                tokio::time::sleep(TASK_POLL).await;
                continue;
            }
            Err(e) => {
                return Err(Stop::Failed(format!(
                    "lost track of {what}: {e} (the task may still run; see `pvesh get {base}/status`)"
                )));
            }
        };
        if let Ok(v) = client
            .get_value(&format!("{base}/log?start={logged}&limit=500"))
            .await
            && let Ok((lines, _)) = atlas_core::decode::list::<LogLine>("task log", v)
        {
            for l in lines {
                logged = logged.max(l.n.unwrap_or(logged + 1));
                if !l.t.is_empty() {
                    rep.log(l.t);
                }
            }
        }
        if !status.running() {
            let exit = status.exitstatus.unwrap_or_default();
            return if exit == "OK" || exit.starts_with("WARNINGS") {
                Ok(())
            } else if stop_sent {
                Err(Stop::Cancelled(format!("{what} stopped")))
            } else {
                Err(Stop::Failed(format!("{what}: {exit}")))
            };
        }
        tokio::select! {
            _ = tokio::time::sleep(TASK_POLL) => {}
            _ = cancelled(cancel), if !stop_sent => {
                stop_sent = true;
                rep.log(format!("stopping the {what} task: $ pvesh delete {base}"));
                if let Err(e) = client.delete(&base).await {
                    rep.log(format!("could not stop the task: {e}"));
                }
            }
        }
    }
}
