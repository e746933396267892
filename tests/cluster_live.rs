//! The real three-member cluster of the sandbox (atlas01 on the unix socket and 127.0.0.1:8443,
//! atlas02 on 127.0.0.2:8443, atlas03 on 127.0.0.3:8443): evacuation and restore, moves with
//! their progress, a member killed mid-session, and failover of an HTTPS remote whose member
//! dies. Members are killed and evacuated, so every test holds the sandbox's exclusive lock and
//! works on atlas03, where only the stopped `lab-db01` and each test's scratch instances live.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::time::Duration;

use atlas_tui::app::rows::view_rows;
use atlas_tui::app::state::{AppState, RemoteView};
use atlas_tui::backend::{self, ConnState, Update, WorkerConfig};
use atlas_tui::config::keymap::Keymap;
use atlas_tui::incus::Scope;
use atlas_tui::incus::client::IncusClient;
use atlas_tui::incus::jobs as runner;
use atlas_tui::jobs::{JobEvent, JobSpec, MemberAction, Outcome, Reporter, Target};
use atlas_tui::pane::Pane;
use common::*;
use tokio::sync::{mpsc, watch};

fn sandbox(args: &[&str]) {
    let st = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/sandbox"))
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "scripts/sandbox {args:?}");
}

/// Puts the cluster back as the other tests expect it, even when an assertion failed halfway:
/// atlas03 running and not evacuated, the scratch instances gone.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        // No panic here: a failed test is already unwinding.
        let _ = std::process::Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/sandbox"))
            .args(["start-member", "atlas03"])
            .status();
        let state = incus(&["cluster", "list", "-f", "csv", "-c", "ns"]);
        if state.contains("atlas03,EVACUATED") {
            incus_quiet(&["cluster", "restore", "atlas03", "--force"]);
        }
        for n in &self.0 {
            incus_quiet(&["delete", "-f", n]);
        }
    }
}

/// A scratch instance on `member`, running or not, that Incus may move when evacuating.
fn scratch(name: &str, member: &str, running: bool) {
    incus_quiet(&["delete", "-f", name]);
    incus(&[
        "init",
        "busybox",
        name,
        "--target",
        member,
        "-c",
        "cluster.evacuate=migrate",
    ]);
    if running {
        incus(&["start", name]);
    }
}

/// (member, status) of an instance, as `incus list` says.
fn where_is(name: &str) -> (String, String) {
    let out = incus(&["list", name, "-f", "csv", "-c", "Ls"]);
    let line = out.lines().next().unwrap_or_default();
    let (l, s) = line.split_once(',').unwrap_or((line, ""));
    (l.to_string(), s.to_string())
}

struct Run {
    outcome: Outcome,
    events: Vec<JobEvent>,
}

impl Run {
    fn stages(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|e| match e {
                JobEvent::Progress(p) => format!("{} {:?}", p.stage, p.percent),
                JobEvent::Log(l) => l.clone(),
            })
            .collect()
    }
}

async fn run(spec: JobSpec) -> Run {
    let client = IncusClient::new(&sandbox_remote("local")).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (_ctx, crx) = watch::channel(false);
    let outcome = runner::run(&client, &spec, &Reporter::new(tx), crx).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    Run { outcome, events }
}

fn member_job(action: MemberAction) -> JobSpec {
    JobSpec::Member {
        target: Target::host("local", "atlas03"),
        action,
        mode: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evacuate_moves_the_members_instances_and_restore_brings_them_back() {
    let _lock = exclusive();
    let _c = Cleanup(vec!["clu-evac01".into()]);
    scratch("clu-evac01", "atlas03", true);

    let r = run(member_job(MemberAction::Evacuate)).await;
    let stages = r.stages().join("\n");
    let Outcome::Done(text) = &r.outcome else {
        panic!("{:?}\n{stages}", r.outcome)
    };
    let (member, status) = where_is("clu-evac01");
    assert_ne!(member, "atlas03", "{text}");
    assert_eq!(status, "RUNNING", "{text}");
    assert!(
        text.contains(&format!("clu-evac01 → {member} (Running)")),
        "{text}"
    );
    // lab-db01 has a volume on atlas03's local pool: it stays, stopped.
    assert!(text.contains("lab-db01 stays (Stopped)"), "{text}");
    // Incus's own words about each instance came through as progress.
    assert!(
        stages.contains("Migrating \"clu-evac01\" in project \"default\""),
        "{stages}"
    );
    assert!(incus(&["cluster", "list", "-f", "csv", "-c", "ns"]).contains("atlas03,EVACUATED"));

    let r = run(member_job(MemberAction::Restore)).await;
    let Outcome::Done(text) = &r.outcome else {
        panic!("{:?}\n{}", r.outcome, r.stages().join("\n"))
    };
    assert_eq!(
        where_is("clu-evac01"),
        ("atlas03".to_string(), "RUNNING".to_string())
    );
    assert!(text.contains("clu-evac01 (Running)"), "{text}");
    assert!(incus(&["cluster", "list", "-f", "csv", "-c", "ns"]).contains("atlas03,ONLINE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_move_between_members_with_progress() {
    let _lock = exclusive();
    let _c = Cleanup(vec!["clu-move01".into(), "clu-move02".into()]);
    scratch("clu-move01", "atlas02", false);
    scratch("clu-move02", "atlas03", true);

    // Stopped: moved as it is, the transfer's progress streamed.
    let r = run(JobSpec::Move {
        target: Target::instance("local", "default", "clu-move01"),
        to: "atlas03".into(),
        restart: false,
    })
    .await;
    let stages = r.stages().join("\n");
    assert_eq!(
        r.outcome,
        Outcome::Done("clu-move01 moved from atlas02 to atlas03".into()),
        "{stages}"
    );
    assert!(stages.contains("move to atlas03"), "{stages}");
    assert!(
        r.events.iter().any(|e| matches!(e, JobEvent::Progress(p)
            if p.stage.starts_with("move to atlas03: ") && p.percent.is_some())),
        "no transfer progress: {stages}"
    );
    assert_eq!(
        where_is("clu-move01"),
        ("atlas03".to_string(), "STOPPED".to_string())
    );

    // Running: stopped, moved, started again there.
    let r = run(JobSpec::Move {
        target: Target::instance("local", "default", "clu-move02"),
        to: "atlas02".into(),
        restart: true,
    })
    .await;
    let stages = r.stages().join("\n");
    assert_eq!(
        r.outcome,
        Outcome::Done("clu-move02 moved from atlas03 to atlas02 and started".into()),
        "{stages}"
    );
    assert!(stages.contains("stopping clu-move02"), "{stages}");
    assert!(
        stages.contains("starting clu-move02 on atlas02"),
        "{stages}"
    );
    assert_eq!(
        where_is("clu-move02"),
        ("atlas02".to_string(), "RUNNING".to_string())
    );

    // Planned while stopped, running by the time it runs: refused, nothing changed.
    let r = run(JobSpec::Move {
        target: Target::instance("local", "default", "clu-move02"),
        to: "atlas03".into(),
        restart: false,
    })
    .await;
    assert!(
        matches!(&r.outcome, Outcome::Failed(e) if e.contains("is running now")),
        "{:?}",
        r.outcome
    );
    assert_eq!(where_is("clu-move02").0, "atlas02");
}

fn cfg() -> WorkerConfig {
    WorkerConfig {
        // The hosts are read with the usage: every 2 s here, 15 s in the console.
        usage_every: Duration::from_secs(2),
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(2),
        ..WorkerConfig::default()
    }
}

fn spawn(
    spec: atlas_tui::incus::RemoteSpec,
    tx: mpsc::UnboundedSender<Update>,
) -> mpsc::UnboundedSender<backend::Command> {
    backend::spawn_remote(
        backend::RemoteSpec::incus(spec),
        Scope::All,
        backend::Timing {
            incus: cfg(),
            ..Default::default()
        },
        tx,
    )
}

/// Applies updates to `state` until `pred` holds.
async fn until(
    state: &mut AppState,
    rx: &mut mpsc::UnboundedReceiver<Update>,
    secs: u64,
    what: &str,
    pred: impl Fn(&mut AppState) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !pred(state) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(u)) => {
                state.apply(u, chrono::Utc::now());
            }
            Ok(None) => panic!("worker channel closed while waiting for {what}"),
            Err(_) => panic!("timed out after {secs}s waiting for {what}"),
        }
    }
}

/// The STATUS cell of a row of `pane` whose NAME/HOST cell is `name`.
fn status_of(state: &mut AppState, pane: Pane, name: &str) -> Option<String> {
    state.derived.data_changed();
    let rows = view_rows(state, pane, chrono::Utc::now());
    rows.iter()
        .find(|r| r.get(1).is_some_and(|c| c.text == name))
        .map(|r| r.cell(2).text.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_member_is_shown_offline_its_instances_unknown_and_the_rest_stays_live() {
    let _lock = exclusive();
    let _c = Cleanup(vec!["clu-dead01".into(), "clu-live01".into()]);
    scratch("clu-dead01", "atlas03", true);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _w = spawn(sandbox_remote("local"), tx);
    let mut state = AppState::new(
        vec![RemoteView::new("local", "unix", false)],
        Keymap::defaults(),
        Scope::All,
        "default".into(),
    );
    until(
        &mut state,
        &mut rx,
        60,
        "the members and clu-dead01 running",
        |s| {
            status_of(s, Pane::Hosts, "atlas03").as_deref() == Some("Online")
                && status_of(s, Pane::Instances, "clu-dead01").as_deref() == Some("Running")
        },
    )
    .await;

    tokio::task::spawn_blocking(|| sandbox(&["kill-member", "atlas03"]))
        .await
        .unwrap();
    // Incus calls a member offline after 20 s without a heartbeat; the hosts are read every 2 s.
    until(&mut state, &mut rx, 60, "atlas03 offline", |s| {
        status_of(s, Pane::Hosts, "atlas03").as_deref() == Some("Offline")
    })
    .await;
    assert_eq!(
        status_of(&mut state, Pane::Instances, "clu-dead01").as_deref(),
        Some("Unknown"),
        "an instance on a dead member is not shown with a state nobody knows"
    );
    assert!(
        matches!(state.remotes[0].conn, ConnState::Online { .. }),
        "the remote stays online: {:?}",
        state.remotes[0].conn
    );
    // The rest of the console is live: an instance made on atlas01 now shows up.
    incus(&["init", "busybox", "clu-live01", "--target", "atlas01"]);
    until(&mut state, &mut rx, 30, "clu-live01 listed", |s| {
        status_of(s, Pane::Instances, "clu-live01").as_deref() == Some("Stopped")
    })
    .await;

    tokio::task::spawn_blocking(|| sandbox(&["start-member", "atlas03"]))
        .await
        .unwrap();
    until(
        &mut state,
        &mut rx,
        60,
        "atlas03 back and clu-dead01 running",
        |s| {
            status_of(s, Pane::Hosts, "atlas03").as_deref() == Some("Online")
                && status_of(s, Pane::Instances, "clu-dead01").as_deref() == Some("Running")
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_remote_fails_over_when_its_member_dies_and_follows_events_again() {
    let _lock = exclusive();
    let _c = Cleanup(vec!["clu-fail01".into()]);
    // The sandbox's HTTPS remote, pointed at atlas03's address (the cluster's certificate is
    // the same on every member, so the pin holds).
    let mut spec = sandbox_remote("atlas-https");
    if let atlas_tui::incus::Endpoint::Https { url, .. } = &mut spec.endpoint {
        *url = "https://127.0.0.3:8443".into();
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _w = spawn(spec, tx);
    let mut state = AppState::new(
        vec![RemoteView::new(
            "atlas-https",
            "https://127.0.0.3:8443",
            false,
        )],
        Keymap::defaults(),
        Scope::All,
        "default".into(),
    );
    until(
        &mut state,
        &mut rx,
        60,
        "online through atlas03, members known",
        |s| {
            matches!(s.remotes[0].conn, ConnState::Online { via: None, .. })
                && status_of(s, Pane::Hosts, "atlas01").as_deref() == Some("Online")
        },
    )
    .await;

    tokio::task::spawn_blocking(|| sandbox(&["kill-member", "atlas03"]))
        .await
        .unwrap();
    until(
        &mut state,
        &mut rx,
        60,
        "failed over to another member",
        |s| {
            matches!(&s.remotes[0].conn, ConnState::Online { via: Some(v), .. }
            if v == "https://127.0.0.1:8443" || v == "https://127.0.0.2:8443")
        },
    )
    .await;
    assert!(
        state
            .messages
            .log
            .iter()
            .any(|m| m.text.contains("failed over to https://127.0.0.")),
        "the status line says so"
    );
    // Events are followed again: an instance created now shows up at once (the reconciliation
    // would take a minute).
    incus(&["init", "busybox", "clu-fail01", "--target", "atlas01"]);
    until(
        &mut state,
        &mut rx,
        10,
        "clu-fail01 listed from its event",
        |s| status_of(s, Pane::Instances, "clu-fail01").is_some(),
    )
    .await;
}

/// As an operator would: a member goes under maintenance — evacuated from the hosts pane, its
/// instance runs on another member, the member restored, the instance back; the journal has the
/// equivalent incus commands.
#[test]
fn e2e_a_member_under_maintenance_is_evacuated_and_restored_from_the_hosts_pane() {
    let _lock = exclusive();
    let _c = Cleanup(vec!["clu-e2e01".into()]);
    scratch("clu-e2e01", "atlas03", true);
    let t = Tmux::start(
        "cluster",
        160,
        40,
        "--remote local --project default",
        |_| {},
    );
    t.wait_text(30, "clu-e2e01");
    // The hosts pane, atlas03 selected.
    t.keys(&["1", "/"]);
    t.text("atlas03");
    t.keys(&["Enter"]);
    t.wait(10, "atlas03 online", |s| {
        s.lines()
            .any(|l| l.contains("atlas03") && l.contains("Online"))
    });
    t.keys(&["v"]);
    let s = t.wait_text(10, "Evacuate local:atlas03?");
    assert!(
        s.contains("clu-e2e01 (Running): moved to another member (cluster.evacuate=migrate)"),
        "{s}"
    );
    t.keys(&["y"]);
    t.wait(90, "atlas03 evacuated", |s| {
        s.lines()
            .any(|l| l.contains("atlas03") && l.contains("Evacuated"))
    });
    // Its instance runs elsewhere (the instances pane zoomed: its LOCATION column shows).
    t.keys(&["Escape", "2", "Z", "/"]);
    t.text("clu-e2e01");
    t.keys(&["Enter"]);
    let s = t.wait(30, "clu-e2e01 running on another member", |s| {
        s.lines().any(|l| {
            l.contains("clu-e2e01")
                && l.contains("Running")
                && (l.contains("atlas01") || l.contains("atlas02"))
        })
    });
    assert!(
        !s.lines()
            .any(|l| l.contains("clu-e2e01") && l.contains("atlas03")),
        "{s}"
    );
    // Maintenance over: restore.
    t.keys(&["Escape", "Z", "1", "/"]);
    t.text("atlas03");
    t.keys(&["Enter", "r"]);
    let s = t.wait_text(10, "Restore local:atlas03?");
    assert!(s.contains("clu-e2e01 (now on atlas0"), "{s}");
    t.keys(&["y"]);
    t.wait(90, "atlas03 online again", |s| {
        s.lines()
            .any(|l| l.contains("atlas03") && l.contains("Online"))
    });
    t.keys(&["Escape", "2", "Z", "/"]);
    t.text("clu-e2e01");
    t.keys(&["Enter"]);
    t.wait(30, "clu-e2e01 back on atlas03", |s| {
        s.lines()
            .any(|l| l.contains("clu-e2e01") && l.contains("Running") && l.contains("atlas03"))
    });
    // The journal: both jobs, done, with their incus commands.
    t.keys(&["Escape", "Z", "8"]);
    let s = t.wait(10, "journal", |s| {
        s.contains("evacuate") && s.contains("restore-member")
    });
    assert!(s.contains("local:atlas03"), "{s}");
    t.keys(&["q"]);
    t.expect_clean_exit(0);
    let journal = std::fs::read_to_string(t.config_dir.path().join("state/journal.jsonl"))
        .unwrap_or_default();
    assert!(
        journal.contains("incus cluster evacuate local:atlas03 --force")
            && journal.contains("incus cluster restore local:atlas03 --force"),
        "{journal}"
    );
}

/// Every member's lifecycle events come through the one member the console talks to: an
/// instance started on atlas03 is reported by atlas01's stream, with its object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_every_member_come_through_the_one_the_console_talks_to() {
    let _lock = exclusive();
    let _c = Cleanup(vec!["clu-ev01".into()]);
    scratch("clu-ev01", "atlas03", false);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _w = spawn(sandbox_remote("local"), tx);
    wait_for(&mut rx, 60, "loaded", |u| {
        matches!(
            u,
            Update::Inventory(backend::InventoryEvent::DetailsComplete { .. })
        )
    })
    .await;
    incus_async(&["start", "clu-ev01"]).await;
    wait_for(&mut rx, 20, "atlas03's instance-started", |u| {
        matches!(u, Update::Inventory(backend::InventoryEvent::Event { action, object: Some(o), .. })
            if action == "instance-started" && o.to_string() == "local/default/clu-ev01")
    })
    .await;
    // And the row follows: running, on atlas03.
    wait_for(&mut rx, 20, "clu-ev01 re-read", |u| {
        matches!(u, Update::Inventory(backend::InventoryEvent::Instance { instance, .. })
            if instance.name == "clu-ev01" && instance.status == "Running" && instance.location == "atlas03")
    })
    .await;
}

/// The same jobs from a script: checked against the cluster first, confirmed (`--yes`), run with
/// their journal.
#[test]
fn headless_move_and_evacuate_are_checked_confirmed_and_journaled() {
    let _lock = exclusive();
    let _c = Cleanup(vec!["clu-cli01".into()]);
    scratch("clu-cli01", "atlas03", false);
    let state = tempfile::tempdir().unwrap();
    let (code, out, err) = atlas(state.path(), &["evacuate", "nosuch", "--yes"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("no member named \"nosuch\" (members: atlas01, atlas02, atlas03)"),
        "{err}"
    );
    let (code, _, err) = atlas(
        state.path(),
        &["evacuate", "atlas03", "--mode", "later", "--yes"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("auto, migrate, live-migrate or stop"), "{err}");
    let (code, _, err) = atlas(
        state.path(),
        &["move", "clu-cli01", "--to", "atlas03", "--yes"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("clu-cli01 already runs on atlas03"), "{err}");
    // Not confirmed without a terminal or --yes: nothing moves.
    let (code, _, err) = atlas(state.path(), &["move", "clu-cli01", "--to", "atlas02"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not confirmed"), "{err}");
    assert_eq!(where_is("clu-cli01").0, "atlas03");
    let (code, out, err) = atlas(
        state.path(),
        &[
            "move",
            "local:clu-cli01",
            "--to",
            "atlas02",
            "--yes",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.lines().any(|l| l.contains("\"result\":\"done\"")
            && l.contains("clu-cli01 moved from atlas03 to atlas02")),
        "{out}"
    );
    assert_eq!(where_is("clu-cli01").0, "atlas02");
    let (_, journal, _) = atlas(state.path(), &["journal", "--since", "1h"]);
    assert!(
        journal.contains("incus move local:clu-cli01 --target atlas02"),
        "{journal}"
    );
}
