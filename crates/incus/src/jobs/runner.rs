//! Runs a [`JobSpec`] against one Incus server: each step's operation is followed through the
//! events websocket (with `/1.0/operations/<id>/wait` as the authority and fallback), transfers
//! stream with byte counts, and a cancel request cancels the operation where Incus allows it or
//! aborts the transfer, never leaving a half-written file behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use atlas_core::inventory::human_bytes;
use atlas_core::jobs::{JobSpec, Outcome, Progress, Target};
use atlas_core::ops::{CancelRx, Reporter, Stop, cancelled, outcome, requested};

use super::step::{follow, settle, stop_agreed, why_not_started};
use crate::client::{IncusClient, IncusError};
use crate::ops::{Answer, PowerAction};

/// How often transfer progress is reported.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// Runs a job's steps to their end (its CLI lines are logged by the caller). Configured
/// commands are not Incus's: they fail here.
pub async fn run(
    client: &IncusClient,
    spec: &JobSpec,
    rep: &Reporter,
    mut cancel: CancelRx,
) -> Outcome {
    let r = match spec {
        JobSpec::Power {
            target,
            action,
            force,
            timeout,
        } => power(client, target, *action, *force, *timeout, rep, &mut cancel).await,
        JobSpec::Snapshot {
            target,
            name,
            expires_at,
            stateful,
        } => snapshot(
            client,
            target,
            name,
            *expires_at,
            *stateful,
            rep,
            &mut cancel,
        )
        .await
        .map(|_| format!("snapshot {name} created")),
        JobSpec::DeleteSnapshot { target, name } => {
            delete_snapshot(client, target, name, rep, &mut cancel).await
        }
        JobSpec::Restore {
            target,
            snapshot,
            safety,
            restart,
        } => restore(client, target, snapshot, safety, restart, rep, &mut cancel).await,
        JobSpec::Export {
            target,
            path,
            options,
        } => export(client, target, path, options, rep, &mut cancel).await,
        JobSpec::Apply { plans, .. } => super::apply::apply(client, plans, rep, &mut cancel).await,
        JobSpec::Command { command, .. } => Err(Stop::Failed(format!(
            "{} is a local command, not an Incus operation",
            command.name
        ))),
        JobSpec::Member {
            target,
            action,
            mode,
        } => super::cluster::member(client, target, *action, mode, rep, &mut cancel).await,
        JobSpec::Move {
            target,
            to,
            restart,
        } => super::cluster::move_to(client, target, to, *restart, rep, &mut cancel).await,
        JobSpec::Vzdump { .. } | JobSpec::RestoreArchive { .. } => Err(Stop::Failed(format!(
            "{}: Incus cannot {} here (that is Proxmox VE's)",
            spec.target().remote,
            spec.kind()
        ))),
        JobSpec::Import {
            target,
            file,
            pool,
            replace,
        } => {
            import(
                client,
                target,
                file,
                pool.as_deref(),
                *replace,
                rep,
                &mut cancel,
            )
            .await
        }
    };
    outcome(r)
}

// ----- jobs ----------------------------------------------------------------------------------

async fn power(
    client: &IncusClient,
    t: &Target,
    action: PowerAction,
    force: bool,
    timeout: i64,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    let op = client
        .set_power(&t.project, &t.name, action, timeout, force)
        .await?;
    let result = follow(client, op, action.as_str(), rep, cancel).await;
    if result.is_err() && matches!(action, PowerAction::Start | PowerAction::Restart) {
        why_not_started(client, &t.project, &t.name, rep).await;
    }
    match result {
        Ok(_) => Ok(format!("{} {}", t.name, past(action))),
        Err(Stop::Failed(e)) if action == PowerAction::Stop && !force => Err(Stop::Failed(
            format!("{e} (force-stop with T, or `incus stop --force`)"),
        )),
        Err(e) => Err(e),
    }
}

fn past(a: PowerAction) -> &'static str {
    match a {
        PowerAction::Start => "started",
        PowerAction::Stop => "stopped",
        PowerAction::Restart => "restarted",
        PowerAction::Freeze => "frozen",
        PowerAction::Unfreeze => "unfrozen",
    }
}

async fn snapshot(
    client: &IncusClient,
    t: &Target,
    name: &str,
    expires_at: Option<chrono::DateTime<Utc>>,
    stateful: bool,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<(), Stop> {
    let what = format!("snapshot {name}");
    let answer = match &t.pool {
        None => Answer::Async(
            client
                .create_instance_snapshot(&t.project, &t.name, name, stateful, expires_at)
                .await?,
        ),
        Some(p) => {
            client
                .create_volume_snapshot(p, &t.project, &t.name, name, expires_at)
                .await?
        }
    };
    settle(client, answer, &what, rep, cancel).await?;
    rep.log(format!("snapshot {name} of {} created", t.label()));
    Ok(())
}

async fn delete_snapshot(
    client: &IncusClient,
    t: &Target,
    name: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    let answer = match &t.pool {
        None => Answer::Async(
            client
                .delete_instance_snapshot(&t.project, &t.name, name)
                .await?,
        ),
        Some(p) => {
            client
                .delete_volume_snapshot(p, &t.project, &t.name, name)
                .await?
        }
    };
    settle(client, answer, &format!("delete {name}"), rep, cancel).await?;
    Ok(format!("snapshot {name} deleted"))
}

/// Whether the instance or volume `t` has the snapshot `snap`.
pub async fn snapshot_exists(
    client: &IncusClient,
    t: &Target,
    snap: &str,
) -> Result<bool, IncusError> {
    match &t.pool {
        None => match client.instance_snapshot(&t.project, &t.name, snap).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        },
        Some(p) => Ok(client
            .volume_snapshots(p, &t.project, &t.name)
            .await?
            .iter()
            .any(|s| s.name.rsplit('/').next() == Some(snap))),
    }
}

async fn restore(
    client: &IncusClient,
    t: &Target,
    snap: &str,
    safety: &Option<atlas_core::ops::Safety>,
    restart: &[String],
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    // Nothing is taken or stopped for a snapshot that is not there.
    let exists = snapshot_exists(client, t, snap).await?;
    if !exists {
        return Err(Stop::Failed(format!(
            "{} has no snapshot {snap:?}; nothing was changed",
            t.label()
        )));
    }
    if let Some(s) = safety {
        rep.stage(format!("safety snapshot {}", s.name));
        snapshot(client, t, &s.name, s.expires_at, false, rep, cancel).await?;
    }
    if requested(cancel) {
        return Err(Stop::Cancelled(match safety {
            Some(s) => format!(
                "cancelled before restoring (safety snapshot {} kept)",
                s.name
            ),
            None => "cancelled before restoring".into(),
        }));
    }
    let mut stopped = Vec::new();
    for i in restart {
        stop_agreed(client, &t.project, i, rep, cancel).await?;
        stopped.push(i.clone());
    }
    rep.stage(format!("restoring {snap}"));
    let result = match &t.pool {
        None => match client.restore_instance(&t.project, &t.name, snap).await {
            Ok(op) => follow(client, op, &format!("restore {snap}"), rep, cancel)
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        },
        Some(p) => match client.restore_volume(p, &t.project, &t.name, snap).await {
            Ok(a) => settle(client, a, &format!("restore {snap}"), rep, cancel).await,
            Err(e) => Err(e.into()),
        },
    };
    // Start what was stopped even when the restore failed: the service comes back either way.
    let mut restart_errors = Vec::new();
    for i in &stopped {
        rep.stage(format!("starting {i}"));
        let started = match client
            .set_power(&t.project, i, PowerAction::Start, 30, false)
            .await
        {
            Ok(op) => follow(client, op, &format!("start {i}"), rep, cancel)
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        };
        if started.is_err() {
            why_not_started(client, &t.project, i, rep).await;
        }
        match started {
            Ok(()) => rep.log(format!("{i} started")),
            Err(Stop::Failed(e) | Stop::Cancelled(e) | Stop::Unknown(e)) => {
                restart_errors.push(format!("{i}: {e}"))
            }
        }
    }
    let undo = safety
        .as_ref()
        .map(|s| format!("; undo by restoring {}", s.name))
        .unwrap_or_default();
    match result {
        Err(Stop::Failed(e)) => Err(Stop::Failed(format!("{e}{undo}"))),
        Err(Stop::Cancelled(e)) => Err(Stop::Cancelled(format!("{e}{undo}"))),
        Err(Stop::Unknown(e)) => Err(Stop::Unknown(format!("{e}{undo}"))),
        Ok(()) if !restart_errors.is_empty() => Err(Stop::Failed(format!(
            "restored {snap}, but could not start again: {}",
            restart_errors.join("; ")
        ))),
        Ok(()) => Ok(format!("{} restored to {snap}{undo}", t.label())),
    }
}

/// Removes a partial file; says so when it cannot.
async fn discard(path: &Path, rep: &Reporter) {
    match tokio::fs::remove_file(path).await {
        Ok(()) => rep.log(format!("removed the partial file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => rep.log(format!(
            "could not remove the partial file {}: {e}",
            path.display()
        )),
    }
}

/// `<path>.part`, the name a download has until it is complete and verified.
pub fn part_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".part");
    PathBuf::from(s)
}

/// A download from which nothing arrives for this long has stalled.
const DOWNLOAD_STALL: Duration = Duration::from_secs(30);

async fn export(
    client: &IncusClient,
    t: &Target,
    path: &Path,
    options: &crate::ops::BackupOptions,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    if tokio::fs::try_exists(path).await.unwrap_or(false) {
        return Err(Stop::Failed(format!("{} already exists", path.display())));
    }
    // A backup holds a whole filesystem, secrets included: its directory is created `0700`,
    // the file `0600`, whatever the umask.
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        tokio::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .await
            .map_err(|e| Stop::Failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    // The file must be writable before the server is asked to build the backup.
    let part = part_path(path);
    match tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&part)
        .await
    {
        Ok(_) => {
            let _ = tokio::fs::remove_file(&part).await;
        }
        Err(e) => {
            return Err(Stop::Failed(format!(
                "cannot write {}: {e}; nothing was asked of the server",
                part.display()
            )));
        }
    }
    let now = Utc::now();
    let backup = format!("atlas-tui-{}", now.format("%Y%m%d-%H%M%S%.3f")).replace('.', "-");
    let pool = t.pool.as_deref();
    rep.stage("creating the backup on the server");
    let op = client
        .create_backup(
            &t.project,
            &t.name,
            pool,
            &backup,
            options,
            now + chrono::Duration::days(1),
        )
        .await?;
    let created = follow(client, op, "create backup", rep, cancel).await;
    let result = match created {
        Err(e) => Err(e),
        Ok(_) if requested(cancel) => Err(Stop::Cancelled("cancelled before the download".into())),
        Ok(_) => download(client, t, pool, &backup, path, rep, cancel).await,
    };
    // The server-side backup is removed whatever happened.
    match client
        .delete_backup(&t.project, &t.name, pool, &backup)
        .await
    {
        Ok(Answer::Async(op)) => {
            let (_tx, mut never) = watch::channel(false);
            match follow(client, op, "delete the server backup", rep, &mut never).await {
                Ok(_) => rep.log(format!("server backup {backup} deleted")),
                Err(Stop::Failed(e) | Stop::Cancelled(e) | Stop::Unknown(e)) => {
                    rep.log(format!("warning: {e}"))
                }
            }
        }
        Ok(Answer::Sync(_)) => rep.log(format!("server backup {backup} deleted")),
        Err(e) if e.is_not_found() => {}
        Err(e) => rep.log(format!(
            "warning: could not delete the server backup {backup}: {e} (it expires in a day)"
        )),
    }
    result
}

async fn download(
    client: &IncusClient,
    t: &Target,
    pool: Option<&str>,
    backup: &str,
    path: &Path,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    let resp = client
        .export_backup(&t.project, &t.name, pool, backup)
        .await?;
    let total = resp.content_length();
    let part = part_path(path);
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&part)
        .await
        .map_err(|e| Stop::Failed(format!("cannot write {}: {e}", part.display())))?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut body = resp.bytes_stream();
    let started = Instant::now();
    let mut last = Instant::now();
    let mut done: u64 = 0;
    let report = |done: u64, started: Instant| {
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        Progress {
            stage: "downloading".into(),
            percent: total
                .filter(|t| *t > 0)
                .map(|t| done as f64 * 100.0 / t as f64),
            done: Some(done),
            total,
            rate: Some(done as f64 / secs),
        }
    };
    rep.progress(report(0, started));
    let mut heard = tokio::time::Instant::now();
    let failure = loop {
        tokio::select! {
            biased;
            _ = cancelled(cancel) => break Some(Stop::Cancelled(format!("download cancelled after {}", human_bytes(done)))),
            // A link that delivers nothing is not waited on for the whole transfer's time.
            _ = tokio::time::sleep_until(heard + DOWNLOAD_STALL) => break Some(Stop::Failed(format!(
                "download stalled: nothing arrived for {} s after {} (the file was not written)",
                DOWNLOAD_STALL.as_secs(),
                human_bytes(done)
            ))),
            chunk = body.next() => match chunk {
                Some(Ok(bytes)) => {
                    heard = tokio::time::Instant::now();
                    if let Err(e) = out.write_all(&bytes).await {
                        break Some(Stop::Failed(format!("writing {}: {e}", part.display())));
                    }
                    done += bytes.len() as u64;
                    if last.elapsed() >= PROGRESS_EVERY {
                        last = Instant::now();
                        rep.progress(report(done, started));
                    }
                }
                Some(Err(e)) => break Some(Stop::Failed(format!("download interrupted after {}: {}", human_bytes(done), crate::client::error_chain(&e)))),
                None => break None,
            }
        }
    };
    if let Some(stop) = failure {
        drop(out);
        discard(&part, rep).await;
        return Err(stop);
    }
    let flushed = async {
        out.flush().await?;
        out.get_mut().sync_all().await
    }
    .await;
    drop(out);
    if let Err(e) = flushed {
        discard(&part, rep).await;
        return Err(Stop::Failed(format!("writing {}: {e}", part.display())));
    }
    let on_disk = tokio::fs::metadata(&part)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    if on_disk != done || total.is_some_and(|t| t != done) {
        discard(&part, rep).await;
        return Err(Stop::Failed(format!(
            "size check failed: server sent {} of {}, file has {on_disk}",
            done,
            total.map(|t| t.to_string()).unwrap_or_else(|| "?".into())
        )));
    }
    tokio::fs::rename(&part, path)
        .await
        .map_err(|e| Stop::Failed(format!("cannot rename to {}: {e}", path.display())))?;
    let p = report(done, started);
    let rate = p.rate.unwrap_or(0.0);
    rep.progress(Progress {
        stage: "downloaded".into(),
        percent: Some(100.0),
        ..p
    });
    rep.log(format!(
        "verified size {} ({done} bytes) at {}/s",
        human_bytes(done),
        human_bytes(rate as u64)
    ));
    Ok(format!(
        "{} ({}, {}/s)",
        path.display(),
        human_bytes(done),
        human_bytes(rate as u64)
    ))
}

async fn import(
    client: &IncusClient,
    t: &Target,
    file: &Path,
    pool: Option<&str>,
    replace: bool,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    let len = tokio::fs::metadata(file)
        .await
        .map_err(|e| Stop::Failed(format!("{}: {e}", file.display())))?
        .len();
    let mut moved_aside = None;
    if t.is_volume() {
        let pool = t.pool.as_deref().unwrap_or_default();
        match client.volume(pool, &t.project, &t.name).await {
            Ok(_) => {
                return Err(Stop::Failed(format!(
                    "volume {} already exists; import under a new name",
                    t.label()
                )));
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    } else {
        match client.instance(&t.project, &t.name).await {
            Ok(existing) if replace => {
                if existing.status.eq_ignore_ascii_case("running") {
                    stop_agreed(client, &t.project, &t.name, rep, cancel).await?;
                }
                let aside = format!("{}-replaced-{}", t.name, Utc::now().format("%Y%m%d%H%M%S"));
                let op = client.rename_instance(&t.project, &t.name, &aside).await?;
                follow(client, op, "move the old instance aside", rep, cancel).await?;
                rep.log(format!(
                    "kept the previous {} as {aside} (delete it when satisfied)",
                    t.name
                ));
                moved_aside = Some(aside);
            }
            Ok(_) => {
                return Err(Stop::Failed(format!(
                    "instance {} already exists; choose a new name or replace it",
                    t.label()
                )));
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    let result = upload(client, t, file, pool, len, rep, cancel).await;
    if let (Err(_), Some(aside)) = (&result, &moved_aside) {
        // Put the old instance back.
        let (_tx, mut never) = watch::channel(false);
        match client.rename_instance(&t.project, aside, &t.name).await {
            Ok(op) => match follow(client, op, "move the old instance back", rep, &mut never).await
            {
                Ok(_) => rep.log(format!("{aside} renamed back to {}", t.name)),
                Err(Stop::Failed(e) | Stop::Cancelled(e) | Stop::Unknown(e)) => {
                    rep.log(format!("warning: {e}"))
                }
            },
            Err(e) => rep.log(format!("warning: could not rename {aside} back: {e}")),
        }
    }
    result
}

async fn upload(
    client: &IncusClient,
    t: &Target,
    file: &Path,
    pool: Option<&str>,
    len: u64,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    let f = tokio::fs::File::open(file)
        .await
        .map_err(|e| Stop::Failed(format!("{}: {e}", file.display())))?;
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let chunks = futures_util::stream::unfold(f, move |mut f| {
        let counter = counter.clone();
        async move {
            let mut buf = vec![0u8; 256 * 1024];
            match f.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    counter.fetch_add(n as u64, Ordering::Relaxed);
                    Some((Ok::<_, std::io::Error>(buf), f))
                }
                Err(e) => Some((Err(e), f)),
            }
        }
    });
    let body = reqwest::Body::wrap_stream(chunks);
    let started = Instant::now();
    let request = client.import_backup(
        &t.project,
        &t.name,
        t.pool.as_deref().or(pool),
        t.is_volume(),
        body,
        len,
    );
    tokio::pin!(request);
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    let op = loop {
        tokio::select! {
            biased;
            _ = cancelled(cancel) => {
                return Err(Stop::Cancelled(format!(
                    "upload cancelled after {}", human_bytes(sent.load(Ordering::Relaxed)))));
            }
            r = &mut request => break r?,
            _ = tick.tick() => {
                let done = sent.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64().max(1e-3);
                rep.progress(Progress {
                    stage: "uploading".into(),
                    percent: (len > 0).then(|| done as f64 * 100.0 / len as f64),
                    done: Some(done),
                    total: Some(len),
                    rate: Some(done as f64 / secs),
                });
            }
        }
    };
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    rep.log(format!(
        "uploaded {} at {}/s",
        human_bytes(len),
        human_bytes((len as f64 / secs) as u64)
    ));
    follow(client, op, "unpack the backup", rep, cancel).await?;
    Ok(format!("{} created from {}", t.label(), file.display()))
}
