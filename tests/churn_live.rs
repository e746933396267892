//! The picture converges under load, against the real sandbox incusd: 20 instances in a project
//! of their own, churned from the incus CLI (start, stop -f, pause, resume, restart -f, three at a
//! time) while two other clients list everything with full state in a loop. The real worker feeds
//! a real console state; after the churn and a short settle every row equals `incus list`, and
//! the remote was never shown offline. Then a job of the console's own is shown at once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use atlas_tui::app::state::{AppState, RemoteView};
use atlas_tui::backend::{self, Command, ConnState, InventoryEvent, Update, WorkerConfig};
use atlas_tui::config::Keymap;
use atlas_tui::incus::Scope;
use atlas_tui::incus::ops::PowerAction;
use atlas_tui::jobs::{JobSpec, Target};
use common::*;

const PROJECT: &str = "churn";
const COUNT: usize = 20;

fn names() -> Vec<String> {
    (1..=COUNT).map(|i| format!("churn{i:02}")).collect()
}

/// The project and its instances, created when missing (one at a time: a 2-core machine).
fn setup() {
    let exists = std::process::Command::new("incus")
        .args(["project", "show", PROJECT])
        .env("INCUS_CONF", sandbox_conf())
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !exists {
        incus(&[
            "project",
            "create",
            PROJECT,
            "-c",
            "features.images=false",
            "-c",
            "features.profiles=false",
        ]);
    }
    let have = incus(&["list", "--project", PROJECT, "-c", "n", "-f", "csv"]);
    for n in names() {
        if !have.lines().any(|l| l.trim() == n) {
            incus(&["init", "busybox", &n, "--project", PROJECT]);
        }
    }
}

/// Removes the churn project when the test ends, however it ends: other tests (e2e at 80x24)
/// expect the sandbox's own fleet first on screen.
struct Cleanup;
impl Drop for Cleanup {
    fn drop(&mut self) {
        for n in names() {
            incus_quiet(&["delete", "-f", &n, "--project", PROJECT]);
        }
        incus_quiet(&["project", "delete", PROJECT]);
    }
}

/// What `incus list` says: name → status (upper case, as the CLI prints it).
async fn server_states() -> BTreeMap<String, String> {
    incus_async(&["list", "--project", PROJECT, "-c", "ns", "-f", "csv"])
        .await
        .lines()
        .filter_map(|l| l.split_once(','))
        .map(|(n, s)| (n.to_string(), s.trim().to_ascii_uppercase()))
        .collect()
}

/// What the console shows for the project: name → status.
fn shown(state: &AppState) -> BTreeMap<String, String> {
    state
        .remotes
        .iter()
        .filter(|r| r.name == "local")
        .flat_map(|r| r.instances.iter())
        .filter(|i| i.inst.project == PROJECT)
        .map(|i| (i.inst.name.clone(), i.status().to_ascii_uppercase()))
        .collect()
}

/// A small deterministic generator (the seed is printed, so a failure can be replayed).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_converge_after_churn_under_load_and_the_remote_stays_online() {
    let _lock = exclusive();
    let _cleanup = Cleanup;
    setup();
    let churn_secs: u64 = std::env::var("ATLAS_CHURN_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The console's own timing (usage, reconciliation), only a quicker reconnect.
    let cfg = WorkerConfig {
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(2),
        ..WorkerConfig::default()
    };
    let worker = backend::spawn_remote(
        backend::RemoteSpec::incus(sandbox_remote("local")),
        Scope::All,
        backend::Timing {
            incus: cfg,
            ..Default::default()
        },
        tx,
    );
    let mut state = AppState::new(
        vec![RemoteView::new("local", "unix", false)],
        Keymap::defaults(),
        Scope::All,
        "default".into(),
    );
    let mut offline: Vec<String> = Vec::new();
    let apply = |state: &mut AppState, u: Update, offline: &mut Vec<String>| {
        if let Update::Inventory(InventoryEvent::Status {
            state: ConnState::Offline { error },
            ..
        }) = &u
        {
            offline.push(error.clone());
        }
        state.apply(u, chrono::Utc::now());
    };
    // First load: every instance of the project shown.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while shown(&state).len() < COUNT {
        let u = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("first load of the churn project")
            .expect("worker channel");
        apply(&mut state, u, &mut offline);
    }

    // Churn and load.
    let stop = Arc::new(AtomicBool::new(false));
    let actions = Arc::new(AtomicU64::new(0));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 | 1)
        .unwrap_or(7);
    eprintln!("churn seed {seed}, {churn_secs} s");
    let mut tasks = Vec::new();
    for k in 0..3u64 {
        let stop = stop.clone();
        let actions = actions.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(seed.wrapping_add(k.wrapping_mul(0x9E37_79B9)) | 1);
            let names = names();
            while !stop.load(Ordering::Relaxed) {
                let n = &names[(rng.next() % COUNT as u64) as usize];
                let args: &[&str] = match rng.next() % 5 {
                    0 => &["start"],
                    1 => &["stop", "-f"],
                    2 => &["pause"],
                    3 => &["resume"],
                    _ => &["restart", "-f"],
                };
                let mut cmd = tokio::process::Command::new("incus");
                cmd.args(args)
                    .args([n.as_str(), "--project", PROJECT])
                    .env("INCUS_CONF", sandbox_conf())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null());
                // Refusals (pausing a stopped instance) are part of the churn.
                let _ = tokio::time::timeout(Duration::from_secs(30), cmd.status()).await;
                actions.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for _ in 0..2 {
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let _ = tokio::process::Command::new("incus")
                    .args(["query", "/1.0/instances?recursion=2&all-projects=true"])
                    .env("INCUS_CONF", sandbox_conf())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status()
                    .await;
            }
        }));
    }
    let churn_end = tokio::time::Instant::now() + Duration::from_secs(churn_secs);
    loop {
        tokio::select! {
            u = rx.recv() => apply(&mut state, u.expect("worker channel"), &mut offline),
            _ = tokio::time::sleep_until(churn_end) => break,
        }
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let churned = actions.load(Ordering::Relaxed);
    assert!(churned >= 10, "only {churned} actions ran");

    // Settle: the rows must equal `incus list` within a few seconds and stay equal.
    let settled = tokio::time::Instant::now();
    let limit = WorkerConfig::default().reconcile_every + Duration::from_secs(10);
    let mut same_since: Option<tokio::time::Instant> = None;
    loop {
        let tick = tokio::time::sleep(Duration::from_millis(500));
        tokio::pin!(tick);
        loop {
            tokio::select! {
                u = rx.recv() => apply(&mut state, u.expect("worker channel"), &mut offline),
                _ = &mut tick => break,
            }
        }
        let server = server_states().await;
        let console = shown(&state);
        if server == console {
            let since = *same_since.get_or_insert_with(tokio::time::Instant::now);
            if since.elapsed() >= Duration::from_secs(2) {
                break;
            }
        } else {
            same_since = None;
        }
        assert!(
            settled.elapsed() < limit,
            "rows still differ {limit:?} after the churn ({churned} actions):\n{}",
            diff(&server, &console)
        );
    }
    eprintln!(
        "{churned} actions; rows equal `incus list` {:.1} s after the churn",
        settled.elapsed().as_secs_f64() - 2.0
    );
    assert!(
        offline.is_empty(),
        "the remote was shown offline while incusd was up: {offline:?}"
    );

    // A job of the console's own shows at once: stop one, then the worker re-reads it.
    let running = server_states().await;
    let target = match running.iter().find(|(_, s)| *s == "RUNNING") {
        Some((n, _)) => n.clone(),
        None => {
            let n = names()[0].clone();
            incus_async(&["start", &n, "--project", PROJECT]).await;
            n
        }
    };
    let spec = JobSpec::Power {
        target: Target::instance("local", PROJECT, &target),
        action: PowerAction::Stop,
        force: true,
        timeout: 30,
    };
    let job = atlas_tui::jobs::execute::JobRun {
        id: 1,
        spec: spec.clone(),
        alerts: vec![],
        user: "test".into(),
        state_dir: None,
        queue: None,
    };
    let (_cancel, crx) = tokio::sync::watch::channel(false);
    let op = atlas_tui::backend::operator(&atlas_tui::backend::RemoteSpec::incus(sandbox_remote(
        "local",
    )));
    let rec = atlas_tui::jobs::execute::execute(op, &job, crx, |_| {}).await;
    assert!(
        matches!(rec.outcome, atlas_tui::jobs::Outcome::Done(_)),
        "{:?}",
        rec.outcome
    );
    worker.send(Command::Reread(spec.touches())).unwrap();
    let done = tokio::time::Instant::now();
    loop {
        if shown(&state).get(&target).map(String::as_str) == Some("STOPPED") {
            break;
        }
        let u = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{target} not shown stopped 5 s after its stop job: {:?}",
                    shown(&state).get(&target)
                )
            })
            .expect("worker channel");
        apply(&mut state, u, &mut offline);
    }
    eprintln!(
        "stop job → row Stopped in {} ms",
        done.elapsed().as_millis()
    );
}

fn diff(server: &BTreeMap<String, String>, console: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for (n, s) in server {
        let c = console.get(n).map(String::as_str).unwrap_or("(missing)");
        if c != s {
            out.push_str(&format!("  {n}: incus list {s}, console {c}\n"));
        }
    }
    for n in console.keys().filter(|n| !server.contains_key(*n)) {
        out.push_str(&format!("  {n}: gone from incus list, still shown\n"));
    }
    out
}
