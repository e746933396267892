//! Silent links: a fault relay between the console and a remote or source is frozen (no data, no
//! RST), and the console must say within 15 s that what it shows is stale, never keep calling it
//! live, and show the truth again within 15 s of the link coming back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::time::{Duration, Instant};

use atlas_tui::alerts::model::SourceKind;
use atlas_tui::alerts::worker::PollConfig;
use atlas_tui::app::Pane;
use atlas_tui::app::alerts::{AlertSourceView, SourceStatus};
use atlas_tui::app::rows::view_rows;
use atlas_tui::app::state::{AppState, RemoteView};
use atlas_tui::backend::{self, ConnState, RemoteSpec, Update};
use atlas_tui::config::keymap::Keymap;
use atlas_tui::incus::{Endpoint, Scope};
use common::relay::{Mode, Relay};
use common::*;
use tokio::sync::mpsc;

/// Applies updates to `state` (and checks liveness as the console's loop does, also while
/// nothing comes) until `pred` holds; gives how long it took.
async fn until(
    state: &mut AppState,
    rx: &mut mpsc::UnboundedReceiver<Update>,
    secs: u64,
    what: &str,
    pred: impl Fn(&mut AppState) -> bool,
) -> Duration {
    let t0 = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        state.check_liveness(chrono::Utc::now());
        if pred(state) {
            return t0.elapsed();
        }
        let tick = tokio::time::Instant::now() + Duration::from_millis(200);
        match tokio::time::timeout_at(tick.min(deadline), rx.recv()).await {
            Ok(Some(u)) => {
                state.apply(u, chrono::Utc::now());
            }
            Ok(None) => panic!("worker channel closed while waiting for {what}"),
            Err(_) if tokio::time::Instant::now() >= deadline => {
                panic!("timed out after {secs}s waiting for {what}")
            }
            Err(_) => {}
        }
    }
}

/// The STATE cell of the instance row named `name`, and whether the row is dimmed as stale.
fn row_of(state: &mut AppState, name: &str) -> Option<(String, bool)> {
    state.derived.data_changed();
    let rows = view_rows(state, Pane::Instances, chrono::Utc::now());
    rows.iter()
        .find(|r| r.get(1).is_some_and(|c| c.text == name))
        .map(|r| (r.cell(2).text.to_string(), r.stale))
}

fn stale(r: &RemoteView) -> bool {
    r.silent || !matches!(r.conn, ConnState::Online { .. })
}

fn state_with(remote: RemoteView) -> AppState {
    AppState::new(
        vec![remote],
        Keymap::defaults(),
        Scope::All,
        "default".into(),
    )
}

/// A running scratch instance on atlas01, deleted on drop.
struct Scratch(&'static str);
impl Scratch {
    fn launch(name: &'static str) -> Self {
        incus_quiet(&["delete", "-f", name]);
        incus(&["launch", "busybox", name, "--target", "atlas01"]);
        Scratch(name)
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        incus_quiet(&["delete", "-f", self.0]);
    }
}

/// The sandbox's HTTPS remote through a relay frozen mid-session: the remote is shown stale (its
/// rows dimmed, the badge aged) within 15 s, an instance stopped meanwhile through the unix
/// socket shows `Stopped` within 15 s of the thaw (or sooner, where the worker found another
/// member of the cluster to talk to), and nothing says `Running` as a live fact meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_remote_is_shown_stale_then_true_after_the_thaw() {
    let _lock = exclusive();
    let _s = Scratch::launch("live-frz01");
    let relay = Relay::start("127.0.0.1:8443");
    let mut spec = sandbox_remote("atlas-https");
    spec.name = "relayed".into();
    if let Endpoint::Https { url, .. } = &mut spec.endpoint {
        *url = relay.https_url();
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _w = backend::spawn_remote(
        RemoteSpec::incus(spec),
        Scope::All,
        backend::Timing::default(),
        tx,
    );
    let mut state = state_with(RemoteView::new("relayed", &relay.https_url(), false));
    until(&mut state, &mut rx, 60, "live-frz01 running, live", |s| {
        !stale(&s.remotes[0])
            && row_of(s, "live-frz01").is_some_and(|(st, dim)| st == "Running" && !dim)
    })
    .await;

    relay.set(Mode::Freeze);
    let took = until(&mut state, &mut rx, 15, "the remote shown stale", |s| {
        stale(&s.remotes[0])
    })
    .await;
    eprintln!("stale {took:?} after the freeze");
    let screen = render(&mut state, 160, 30);
    assert!(
        screen.contains("relayed stale") || screen.contains("relayed connecting, stale"),
        "the badge says stale with its age:\n{screen}"
    );
    let (st, dim) = row_of(&mut state, "live-frz01").unwrap();
    assert!(dim, "its rows are dimmed ({st})");
    assert!(
        state
            .messages
            .log
            .iter()
            .any(|m| m.text.contains("relayed: not heard from")),
        "the status line says why"
    );

    incus_async(&["stop", "-f", "live-frz01"]).await;
    // Frozen for a while, as a stalled VPN would be.
    tokio::time::sleep(Duration::from_secs(5)).await;
    relay.set(Mode::Pass);
    let took = until(&mut state, &mut rx, 15, "live-frz01 Stopped, live", |s| {
        !stale(&s.remotes[0])
            && row_of(s, "live-frz01").is_some_and(|(st, dim)| st == "Stopped" && !dim)
    })
    .await;
    eprintln!("true {took:?} after the thaw");
}

/// Proxmox VE through a relay: no other address to go to, so the truth comes back with the link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_pve_remote_is_shown_stale_then_true_after_the_thaw() {
    let sim = common::pve::Sim::start(0.0);
    let relay = Relay::start(sim.url.trim_start_matches("https://"));
    let mut spec = sim.spec();
    spec.url = relay.https_url();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _w = backend::spawn_remote(
        RemoteSpec::pve(spec),
        Scope::All,
        backend::Timing {
            pve: atlas_pve::provider::WorkerConfig {
                poll_every: Duration::from_secs(1),
                ..Default::default()
            },
            ..Default::default()
        },
        tx,
    );
    let lock_of = |s: &AppState| {
        s.remotes[0]
            .instances
            .iter()
            .find(|i| i.inst.name == "k8s-node1")
            .map(|i| i.inst.config.get("pve.lock").unwrap_or("").to_string())
    };
    let mut state = state_with(RemoteView::new("pve", &relay.https_url(), false));
    until(&mut state, &mut rx, 30, "k8s-node1 listed, unlocked", |s| {
        !stale(&s.remotes[0]) && lock_of(s).as_deref() == Some("")
    })
    .await;
    relay.set(Mode::Freeze);
    let took = until(&mut state, &mut rx, 15, "pve shown stale", |s| {
        stale(&s.remotes[0])
    })
    .await;
    eprintln!("stale {took:?} after the freeze");
    sim.control("lock", &[("vmid", "101"), ("lock", "backup")])
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(stale(&state.remotes[0]));
    relay.set(Mode::Pass);
    let took = until(&mut state, &mut rx, 15, "k8s-node1 locked, live", |s| {
        !stale(&s.remotes[0]) && lock_of(s).as_deref() == Some("backup")
    })
    .await;
    eprintln!("true {took:?} after the thaw");
}

/// An Alertmanager frozen behind a relay: the alerts pane says it is stale, the remotes stay
/// live, and it is live again after the thaw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_alertmanager_is_shown_stale_and_the_rest_works() {
    let relay = Relay::start("127.0.0.1:9093");
    let spec = atlas_tui::alerts::SourceSpec {
        name: "frozen-am".into(),
        url: relay.http_url(),
        ..Default::default()
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _src = backend::spawn_source(
        spec,
        SourceKind::Alertmanager,
        PollConfig {
            every: Duration::from_secs(1),
            jitter: Duration::ZERO,
        },
        tx.clone(),
    );
    let _w = backend::spawn_remote(
        RemoteSpec::incus(sandbox_remote("local")),
        Scope::All,
        backend::Timing::default(),
        tx,
    );
    let mut state = state_with(RemoteView::new("local", "unix", false));
    state.alerting.sources = vec![AlertSourceView::new(
        "frozen-am",
        SourceKind::Alertmanager,
        &relay.http_url(),
        false,
    )];
    until(
        &mut state,
        &mut rx,
        30,
        "the source up, the remote live",
        |s| s.alerting.sources[0].status == SourceStatus::Up && !stale(&s.remotes[0]),
    )
    .await;
    relay.set(Mode::Freeze);
    let took = until(&mut state, &mut rx, 20, "the source stale or down", |s| {
        s.alerting.sources[0].silent
            || matches!(s.alerting.sources[0].status, SourceStatus::Down(_))
    })
    .await;
    eprintln!("stale {took:?} after the freeze");
    state.pane = Pane::Alerts;
    let screen = render(&mut state, 160, 30);
    assert!(
        screen.contains("frozen-am stale") || screen.contains("frozen-am down"),
        "the alerts pane says so:\n{screen}"
    );
    assert!(!stale(&state.remotes[0]), "the remote stays live");
    relay.set(Mode::Pass);
    until(&mut state, &mut rx, 15, "the source live again", |s| {
        s.alerting.sources[0].status == SourceStatus::Up && !s.alerting.sources[0].silent
    })
    .await;
}

/// A job whose link freezes mid-operation says "connection lost — outcome unknown", does not
/// end by guess, and after the thaw learns the operation's real outcome from the server: here a
/// clean stop that the instance ignores (its halt signal is one its init does not act on), so
/// Incus fails it at its timeout and the instance keeps running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_link_freezes_ends_with_the_server_outcome_never_a_guess() {
    use atlas_tui::jobs::{JobEvent, JobSpec, Outcome, Reporter, Target};
    let _lock = exclusive();
    let name = "live-job01";
    incus_quiet(&["delete", "-f", name]);
    incus(&[
        "launch",
        "busybox",
        name,
        "--target",
        "atlas01",
        "-c",
        "raw.lxc=lxc.signal.halt=SIGWINCH",
    ]);
    let _s = Scratch(name);
    let relay = Relay::start("127.0.0.1:8443");
    let mut spec = sandbox_remote("atlas-https");
    if let Endpoint::Https { url, .. } = &mut spec.endpoint {
        *url = relay.https_url();
    }
    let client = atlas_tui::incus::client::IncusClient::new(&spec).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (_cancel, crx) = tokio::sync::watch::channel(false);
    let job = JobSpec::Power {
        target: Target::instance("atlas-https", "default", name),
        action: atlas_tui::incus::ops::PowerAction::Stop,
        force: false,
        timeout: 30,
    };
    let run = tokio::spawn(async move {
        atlas_tui::incus::jobs::run(&client, &job, &Reporter::new(tx), crx).await
    });
    let mut log = vec![];
    // The operation is under way.
    loop {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(JobEvent::Progress(p))) if p.stage.contains("stop") => break,
            Ok(Some(JobEvent::Log(l))) => log.push(l),
            Ok(Some(_)) => {}
            other => panic!("no progress: {other:?}"),
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    relay.set(Mode::Freeze);
    let frozen = Instant::now();
    loop {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(JobEvent::Log(l))) if l.contains("connection lost — outcome unknown") => {
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("the lost link was not said: {other:?}"),
        }
    }
    eprintln!("lost said {:?} after the freeze", frozen.elapsed());
    assert!(
        !run.is_finished(),
        "no outcome by guess while the link is lost"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !run.is_finished(),
        "no outcome by guess while the link is lost"
    );
    relay.set(Mode::Pass);
    let outcome = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the job ends once the link is back")
        .unwrap();
    while let Ok(e) = rx.try_recv() {
        if let JobEvent::Log(l) = e {
            log.push(l);
        }
    }
    // The server's truth: the clean stop failed, the instance runs.
    let status = incus(&["list", name, "-c", "s", "-f", "csv"]);
    assert_eq!(status.trim(), "RUNNING");
    assert!(
        matches!(&outcome, Outcome::Failed(e) if !e.contains("unknown")),
        "{outcome:?}\n{log:#?}"
    );
    assert!(
        log.iter().any(|l| l.contains("link back after")),
        "{log:#?}"
    );
}

/// Headless commands against a frozen remote or source end within their deadlines, exit 1 and
/// name what did not answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_commands_against_a_frozen_link_end_within_their_deadline() {
    let remote = Relay::start("127.0.0.1:8443");
    let am = Relay::start("127.0.0.1:9093");
    remote.set(Mode::Freeze);
    am.set(Mode::Freeze);
    let state = tempfile::tempdir().unwrap();
    let conf = sandbox_conf();
    std::fs::create_dir_all(state.path().join("config")).unwrap();
    std::fs::write(
        state.path().join("config/config.toml"),
        format!(
            "[incus]\nremotes = [\"relayed\"]\n\n[[alertmanagers]]\nname = \"frozen-am\"\nurl = \"{}\"\n\n\
             [[remotes]]\nname = \"relayed\"\naddr = \"{}\"\nclient_cert = \"{c}/client.crt\"\n\
             client_key = \"{c}/client.key\"\nserver_cert = \"{c}/servercerts/atlas-https.crt\"\n",
            am.http_url(),
            remote.https_url(),
            c = conf.display()
        ),
    )
    .unwrap();
    let path = state.path().to_path_buf();
    for (args, names) in [
        (
            vec!["snapshot", "relayed:grafana01", "--name", "frozen"],
            vec!["relayed"],
        ),
        (vec!["alerts"], vec!["relayed", "frozen-am"]),
    ] {
        let p = path.clone();
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let t0 = Instant::now();
        let (code, out, err) = tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            atlas(&p, &a)
        })
        .await
        .unwrap();
        let took = t0.elapsed();
        eprintln!("{args:?}: exit {code} after {took:?}");
        assert_eq!(code, 1, "{args:?}\n{out}\n{err}");
        assert!(took < Duration::from_secs(25), "{args:?} took {took:?}");
        for n in names {
            assert!(err.contains(n), "{args:?} names {n}:\n{err}");
        }
    }
}

/// Proxmox VE: a start task followed through a relay that freezes longer than a request's
/// deadline. The job says the link is lost, does not end by guess, and after the thaw ends
/// with the task's real result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pve_task_whose_link_freezes_ends_with_its_real_result() {
    use atlas_tui::jobs::execute::{JobRun, Note, execute};
    use atlas_tui::jobs::{JobEvent, JobSpec, Outcome, Target};
    // 600 PVE seconds to start take 30 real seconds.
    let sim = common::pve::Sim::start(0.05);
    sim.control("guest", &[("vmid", "9000"), ("start_secs", "600")])
        .await;
    let relay = Relay::start(sim.url.trim_start_matches("https://"));
    let mut spec = sim.spec();
    spec.url = relay.https_url();
    let op = backend::operator(&RemoteSpec::pve(spec)).unwrap();
    let (_cancel, crx) = tokio::sync::watch::channel(false);
    let (etx, mut erx) = mpsc::unbounded_channel();
    let job = tokio::spawn(async move {
        execute(
            Ok(op),
            &JobRun {
                id: 1,
                spec: JobSpec::Power {
                    target: Target::instance("pve", "", "truenas"),
                    action: atlas_tui::incus::ops::PowerAction::Start,
                    force: false,
                    timeout: 0,
                },
                alerts: vec![],
                user: "test".into(),
                state_dir: None,
                queue: None,
            },
            crx,
            move |n| {
                let _ = etx.send(n);
            },
        )
        .await
    });
    let log_line = |n: Note| match n {
        Note::Event(JobEvent::Log(l)) => Some(l),
        _ => None,
    };
    loop {
        match tokio::time::timeout(Duration::from_secs(20), erx.recv()).await {
            Ok(Some(n)) if log_line(n.clone()).is_some_and(|l| l.starts_with("task UPID:")) => {
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("no task was started: {other:?}"),
        }
    }
    relay.set(Mode::Freeze);
    loop {
        match tokio::time::timeout(Duration::from_secs(30), erx.recv()).await {
            Ok(Some(n))
                if log_line(n.clone())
                    .is_some_and(|l| l.contains("connection lost — outcome unknown")) =>
            {
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("the lost link was not said: {other:?}"),
        }
    }
    assert!(
        !job.is_finished(),
        "no outcome by guess while the link is lost"
    );
    relay.set(Mode::Pass);
    let rec = tokio::time::timeout(Duration::from_secs(60), job)
        .await
        .expect("the job ends once the link is back")
        .unwrap();
    assert!(
        matches!(&rec.outcome, Outcome::Done(_)),
        "{:?} {:?}",
        rec.outcome,
        rec.log
    );
    assert!(
        rec.log.iter().any(|l| l.contains("link back after")),
        "{:?}",
        rec.log
    );
}
