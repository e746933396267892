//! incusd stopped and restarted mid-session: workers and the UI show the remote offline with its
//! stale age, then reconnect by themselves. Its own test binary, so no other test sees the daemon
//! go away (cargo runs test binaries one after another); the tests here take turns.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::time::Duration;

use atlas_tui::backend::{self, ConnState, InventoryEvent, Update, WorkerConfig};
use atlas_tui::incus::Scope;
use common::*;

static DAEMON: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn sandbox(cmd: &str) {
    let st = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/sandbox"))
        .arg(cmd)
        .status()
        .unwrap();
    assert!(st.success(), "scripts/sandbox {cmd}");
}

/// Restarts incusd even when an assertion fails halfway.
struct Restart;
impl Drop for Restart {
    fn drop(&mut self) {
        sandbox("start-daemon");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_go_offline_and_reconnect() {
    let _lock = common::exclusive();
    let _g = DAEMON.lock().await;
    let _restart = Restart;
    let cfg = WorkerConfig {
        usage_every: Duration::from_secs(3600),
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        ..WorkerConfig::default()
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _a = backend::spawn_remote(
        backend::RemoteSpec::incus(sandbox_remote("local")),
        Scope::All,
        backend::Timing {
            incus: cfg,
            ..Default::default()
        },
        tx.clone(),
    );
    let _b = backend::spawn_remote(
        backend::RemoteSpec::incus(sandbox_remote("atlas-https")),
        Scope::All,
        backend::Timing {
            incus: cfg,
            ..Default::default()
        },
        tx,
    );
    let mut loaded = 0;
    wait_for(&mut rx, 30, "both loaded", |u| {
        if matches!(u, Update::Inventory(InventoryEvent::DetailsComplete { .. })) {
            loaded += 1;
        }
        loaded == 2
    })
    .await;

    tokio::task::spawn_blocking(|| sandbox("stop-daemon"))
        .await
        .unwrap();
    // The unix socket is atlas01's alone: offline. The HTTPS remote fails over to another
    // member of the cluster (its address learned from the members list), as soon as one
    // answers (while the members elect a new leader, none may).
    let (mut local_offline, mut https_moved) = (false, false);
    wait_for(&mut rx, 40, "local offline, atlas-https failed over", |u| {
        match u {
            Update::Inventory(InventoryEvent::Status {
                remote,
                state: ConnState::Offline { .. },
            }) if remote == "local" => local_offline = true,
            Update::Inventory(InventoryEvent::Status {
                remote,
                state: ConnState::Online { via: Some(v), .. },
            }) if remote == "atlas-https" => {
                assert_ne!(v, "https://127.0.0.1:8443");
                https_moved = true;
            }
            _ => {}
        }
        local_offline && https_moved
    })
    .await;

    tokio::task::spawn_blocking(|| sandbox("start-daemon"))
        .await
        .unwrap();
    wait_for(&mut rx, 40, "local back online", |u| {
        matches!(u, Update::Inventory(InventoryEvent::Status {
            remote,
            state: ConnState::Online { .. },
        }) if remote == "local")
    })
    .await;
    let u = wait_for(&mut rx, 30, "reload after reconnect", |u| {
        matches!(u, Update::Inventory(InventoryEvent::Instances { .. }))
    })
    .await;
    let Update::Inventory(InventoryEvent::Instances { instances, .. }) = u else {
        unreachable!()
    };
    assert!(
        instances
            .iter()
            .any(|i| i.name == "grafana01" && i.status == "Running")
    );
}

#[test]
fn the_ui_shows_stale_data_and_recovers() {
    let _lock = common::exclusive();
    let _g = DAEMON.blocking_lock();
    let _restart = Restart;
    let t = Tmux::start(
        "restart",
        100,
        30,
        "--remote local --project default",
        |_| {},
    );
    t.wait_text(20, "grafana01");
    t.wait_text(20, "● local");
    sandbox("stop-daemon");
    let s = t.wait(30, "offline badge", |s| s.contains("local offline, stale"));
    assert!(s.contains("grafana01"), "rows stay, marked stale:\n{s}");
    sandbox("start-daemon");
    t.wait(40, "reconnected", |s| {
        s.contains("reconnected") && s.contains("● local")
    });
    t.keys(&["q"]);
    t.expect_clean_exit(0);
}

/// incusd dies (SIGKILL) while a backup is being created: the job says the link is lost, waits
/// for the daemon, and when it is back without the operation ends "unknown" — never "done" or
/// "failed" by guess — with no backup file (whole or partial) left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incusd_killed_mid_job_ends_unknown_never_by_guess() {
    let _lock = common::exclusive();
    use atlas_tui::incus::client::IncusClient;
    use atlas_tui::incus::jobs::{self as runner, part_path};
    use atlas_tui::incus::ops::BackupOptions;
    use atlas_tui::jobs::Reporter;
    use atlas_tui::jobs::{JobEvent, JobSpec, Outcome, Target};

    let _g = DAEMON.lock().await;
    let name = "act-kill01";
    incus_quiet(&["delete", "-f", name]);
    incus_async(&["launch", "busybox", name]).await;
    incus_async(&[
        "exec",
        name,
        "--",
        "sh",
        "-c",
        "dd if=/dev/urandom of=/root/blob bs=1M count=192 2>/dev/null",
    ])
    .await;
    struct Cleanup(&'static str);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            sandbox("start-daemon");
            incus_quiet(&["delete", "-f", self.0]);
        }
    }
    let _cleanup = Cleanup(name);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kill.tar.gz");
    let client = IncusClient::new(&sandbox_remote("local")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (_ctx, crx) = tokio::sync::watch::channel(false);
    let spec = JobSpec::Export {
        target: Target::instance("local", "default", name),
        path: file.clone(),
        options: BackupOptions {
            only: true,
            optimized: false,
            compression: "gzip".into(),
        },
    };
    let job =
        tokio::spawn(async move { runner::run(&client, &spec, &Reporter::new(tx), crx).await });
    // Kill incusd once the server is busy creating the backup.
    loop {
        match rx.recv().await {
            Some(JobEvent::Progress(p)) if p.stage.starts_with("create backup") => break,
            Some(_) => continue,
            None => panic!("the job ended before the backup was being created"),
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::task::spawn_blocking(|| sandbox("kill-daemon"))
        .await
        .unwrap();
    // The job says the link is lost and waits for the daemon, never ending by guess.
    loop {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(JobEvent::Log(l))) if l.contains("connection lost — outcome unknown") => {
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("the lost daemon was not said: {other:?}"),
        }
    }
    assert!(!job.is_finished(), "no outcome while the daemon is gone");
    // The daemon comes back without the operation (Incus keeps none across a restart): what
    // became of it cannot be known, and the job says so.
    tokio::task::spawn_blocking(|| sandbox("start-daemon"))
        .await
        .unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(120), job)
        .await
        .expect("the job ends once the daemon answers again")
        .unwrap();
    match &outcome {
        Outcome::Unknown(e) => assert!(e.contains("no longer has it"), "{e}"),
        other => panic!("expected unknown, got {other:?}"),
    }
    assert!(!file.exists(), "no backup file");
    assert!(!part_path(&file).exists(), "no partial file");
}
