//! incusd stopped and restarted mid-session: workers and the UI show the remote offline with its
//! stale age, then reconnect by themselves. Its own test binary, so no other test sees the daemon
//! go away (cargo runs test binaries one after another); the tests here take turns.

mod common;

use std::time::Duration;

use atlas_tui::backend::{self, ConnState, Update, WorkerConfig};
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
    let _g = DAEMON.lock().await;
    let _restart = Restart;
    let cfg = WorkerConfig {
        usage_every: Duration::from_secs(3600),
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _a = backend::spawn_remote(sandbox_remote("local"), Scope::All, cfg, tx.clone());
    let _b = backend::spawn_remote(sandbox_remote("atlas-https"), Scope::All, cfg, tx);
    let mut loaded = 0;
    wait_for(&mut rx, 30, "both loaded", |u| {
        if matches!(
            u,
            Update::Instances {
                with_state: true,
                ..
            }
        ) {
            loaded += 1;
        }
        loaded == 2
    })
    .await;

    tokio::task::spawn_blocking(|| sandbox("stop-daemon"))
        .await
        .unwrap();
    let mut offline = std::collections::HashSet::new();
    wait_for(&mut rx, 20, "both offline", |u| {
        if let Update::Status {
            remote,
            state: ConnState::Offline { .. },
        } = u
        {
            offline.insert(remote.clone());
        }
        offline.len() == 2
    })
    .await;

    tokio::task::spawn_blocking(|| sandbox("start-daemon"))
        .await
        .unwrap();
    let mut online = std::collections::HashSet::new();
    wait_for(&mut rx, 40, "both back online", |u| {
        if let Update::Status {
            remote,
            state: ConnState::Online { .. },
        } = u
        {
            online.insert(remote.clone());
        }
        online.len() == 2
    })
    .await;
    let u = wait_for(&mut rx, 30, "reload after reconnect", |u| {
        matches!(u, Update::Instances { .. })
    })
    .await;
    let Update::Instances { instances, .. } = u else {
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
    let _g = DAEMON.blocking_lock();
    let _restart = Restart;
    let t = Tmux::start("restart", 100, 30, "--remote local", |_| {});
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
