//! The Proxmox VE provider against `fakepve` (PyPI), a third-party simulator of the PVE 9 API —
//! not a real cluster. Each test starts its own simulator (`scripts/pve-sim`, seeded with the
//! homelab and Talos stacks, on a free loopback port with its own certificate and token), so
//! faults injected through its control port touch no other test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use atlas_pve::{Auth, PveClient, PveSpec, Trust};
use atlas_tui::app::state::{AppState, RemoteView};
use atlas_tui::backend::{self, Operator, RemoteSpec, Scope};
use atlas_tui::config::Keymap;
use atlas_tui::jobs::execute::{JobRun, execute};
use atlas_tui::jobs::{JobSpec, Outcome, PowerAction, Safety, Target};
use atlas_tui::services::plan::Step;
use common::pve::{Sim, snapshots};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

fn operator(spec: &PveSpec) -> Arc<dyn Operator> {
    backend::operator(&RemoteSpec::pve(spec.clone())).unwrap()
}

/// Runs a job to its end with its journal lines, as the console does.
async fn run(spec: &PveSpec, job: JobSpec) -> (Outcome, Vec<String>) {
    let (_cancel, crx) = tokio::sync::watch::channel(false);
    let mut log = vec![];
    let rec = execute(
        Ok(operator(spec)),
        &JobRun {
            id: 1,
            spec: job,
            alerts: vec![],
            user: "test".into(),
            state_dir: None,
            queue: None,
        },
        crx,
        |n| {
            if let atlas_tui::jobs::execute::Note::Event(atlas_tui::jobs::JobEvent::Log(l)) = n {
                log.push(l);
            }
        },
    )
    .await;
    (rec.outcome, log)
}

fn guest(name: &str) -> Target {
    Target::instance("pve", "", name)
}

/// The PVE worker polling every 300 ms, so the tests see changes at once.
fn fast_polls() -> backend::Timing {
    backend::Timing {
        pve: atlas_pve::provider::WorkerConfig {
            poll_every: Duration::from_millis(300),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A console state fed by the PVE worker until `done` holds (or 30 s pass).
async fn watch(spec: &PveSpec, done: impl Fn(&AppState) -> bool) -> AppState {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let timing = fast_polls();
    let rspec = RemoteSpec::pve(spec.clone());
    let _worker = backend::spawn_remote(rspec.clone(), Scope::All, timing, tx);
    let mut r = RemoteView::new("pve", &rspec.describe(), false);
    r.caps = backend::capabilities(&rspec);
    let mut state = AppState::new(vec![r], Keymap::defaults(), Scope::All, String::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done(&state) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(u)) => {
                state.apply(u, chrono::Utc::now());
            }
            _ => panic!(
                "not reached in 30 s; last status {:?}, hosts {:?}",
                state.remotes[0].conn,
                state.remotes[0]
                    .hosts
                    .iter()
                    .map(|h| (&h.name, &h.status))
                    .collect::<Vec<_>>()
            ),
        }
    }
    state
}

fn inst<'a>(s: &'a AppState, name: &str) -> Option<&'a atlas_tui::inventory::InstanceRow> {
    s.remotes[0].instances.iter().find(|i| i.inst.name == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panes_show_the_seeded_cluster() {
    let sim = Sim::start(0.0);
    let s = watch(&sim.spec(), |s| {
        let r = &s.remotes[0];
        r.hosts.len() == 3
            && r.instances.len() == 12
            && !r.volumes.is_empty()
            && !r.backups.is_empty()
            && inst(s, "k8s-master").is_some_and(|i| {
                i.inst.snapshots.as_ref().is_some_and(|v| v.len() == 2)
                    && i.state().is_some_and(|st| !st.addresses.is_empty())
            })
    })
    .await;
    let r = &s.remotes[0];
    assert!(matches!(r.conn, backend::ConnState::Online { .. }));
    assert!(
        r.hosts.iter().all(|h| h.status == "Online"),
        "{:?}",
        r.hosts
    );
    let master = inst(&s, "k8s-master").unwrap();
    assert_eq!(master.state().unwrap().addresses, ["10.0.10.10"]);
    assert_eq!(master.inst.profiles, ["k8s", "control-plane"]);
    assert_eq!(master.inst.location, "pve1");
    let truenas = inst(&s, "truenas").unwrap();
    assert_eq!(truenas.inst.status, "Stopped");
    assert_eq!(truenas.inst.config.get("pve.vmid"), Some("9000"));
    let pihole = inst(&s, "pihole").unwrap();
    assert_eq!(
        pihole.inst.kind,
        atlas_tui::inventory::InstanceKind::Container
    );
    // Guest disks, each once, with the guest owning it.
    let disk = r
        .volumes
        .iter()
        .find(|v| v.vol.name == "vm-106-disk-0")
        .expect("k8s-node6's disk");
    assert_eq!(disk.vol.used_by, ["k8s-node6"]);
    assert_eq!(
        r.volumes
            .iter()
            .filter(|v| v.vol.name == "vm-106-disk-0")
            .count(),
        1
    );
    // Storage usage per node, on the hosts.
    assert!(r.hosts[0].pools.iter().any(|(n, _)| n == "nfs-backup"));
    // vzdump archives of the shared NFS storage, read once, by guest.
    let of = |name: &str| {
        r.backups
            .iter()
            .filter(|b| b.instance == name)
            .collect::<Vec<_>>()
    };
    assert_eq!(of("k8s-master").len(), 2, "{:?}", r.backups);
    assert!(
        of("k8s-master")
            .iter()
            .any(|b| b.protected && b.notes == "before 1.31 upgrade")
    );
    assert!(of("truenas").is_empty());
    assert!(of("pfsense")[0].location == "nfs-backup");
    // The backups pane: TrueNAS has none, pfSense's is ten days old.
    let rows =
        atlas_tui::app::rows::view_rows(&s, atlas_tui::app::Pane::Backups, chrono::Utc::now());
    let standing = |name: &str| {
        rows.iter()
            .find(|r| r.cell(1).text == name)
            .map(|r| r.cell(2).text.to_string())
            .unwrap()
    };
    assert_eq!(standing("truenas"), "none");
    assert_eq!(standing("pfsense"), "stale");
    assert_eq!(standing("k8s-master"), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_delete_power_and_rollback_round_trip() {
    let sim = Sim::start(0.0);
    let spec = sim.spec();
    let client = PveClient::new(&spec).unwrap();

    let (o, log) = run(
        &spec,
        JobSpec::Snapshot {
            target: guest("pihole"),
            name: "s1".into(),
            expires_at: None,
            stateful: false,
        },
    )
    .await;
    assert_eq!(o, Outcome::Done("snapshot s1 created".into()), "{log:?}");
    assert_eq!(log[0], "$ pct snapshot 300 s1", "{log:?}");
    assert!(
        snapshots(&client, "/nodes/pve2/lxc/300")
            .await
            .contains(&"s1".to_string())
    );

    // Rollback with a safety snapshot, the guest given by VMID.
    let (o, log) = run(
        &spec,
        JobSpec::Restore {
            target: guest("300"),
            snapshot: "before-upgrade".into(),
            safety: Some(Safety {
                name: "atlas-safety-1".into(),
                expires_at: None,
            }),
            restart: vec![],
        },
    )
    .await;
    assert!(
        matches!(&o, Outcome::Done(d) if d.contains("safety snapshot atlas-safety-1")),
        "{o:?} {log:?}"
    );
    assert_eq!(
        log[..2],
        [
            "$ pct snapshot 300 atlas-safety-1",
            // pihole runs: the rollback starts it again.
            "$ pct rollback 300 before-upgrade --start 1"
        ]
    );
    assert!(
        snapshots(&client, "/nodes/pve2/lxc/300")
            .await
            .contains(&"atlas-safety-1".to_string())
    );

    let (o, _) = run(
        &spec,
        JobSpec::DeleteSnapshot {
            target: guest("pihole"),
            name: "s1".into(),
        },
    )
    .await;
    assert_eq!(o, Outcome::Done("snapshot s1 deleted".into()));
    assert!(
        !snapshots(&client, "/nodes/pve2/lxc/300")
            .await
            .contains(&"s1".to_string())
    );

    // TrueNAS is kept stopped: start it, then shut it down cleanly.
    let (o, log) = run(
        &spec,
        JobSpec::Power {
            target: guest("truenas"),
            action: PowerAction::Start,
            force: false,
            timeout: 0,
        },
    )
    .await;
    assert_eq!(o, Outcome::Done("truenas started".into()), "{log:?}");
    assert_eq!(log[0], "$ qm start 9000");
    let st = client
        .get_value("/nodes/pve2/qemu/9000/status/current")
        .await
        .unwrap();
    assert_eq!(st["status"], "running");
    let (o, log) = run(
        &spec,
        JobSpec::Power {
            target: guest("truenas"),
            action: PowerAction::Stop,
            force: false,
            timeout: 30,
        },
    )
    .await;
    assert_eq!(o, Outcome::Done("truenas shut down".into()), "{log:?}");
    assert_eq!(log[0], "$ qm shutdown 9000 --timeout 30");
    let st = client
        .get_value("/nodes/pve2/qemu/9000/status/current")
        .await
        .unwrap();
    assert_eq!(st["status"], "stopped");

    // Suspend, resume and reboot a running VM.
    for (action, done, line) in [
        (
            PowerAction::Freeze,
            "k8s-node2 suspended",
            "$ qm suspend 102",
        ),
        (
            PowerAction::Unfreeze,
            "k8s-node2 resumed",
            "$ qm resume 102",
        ),
        (
            PowerAction::Restart,
            "k8s-node2 rebooted",
            "$ qm reboot 102",
        ),
    ] {
        let (o, log) = run(
            &spec,
            JobSpec::Power {
                target: guest("k8s-node2"),
                action,
                force: false,
                timeout: 0,
            },
        )
        .await;
        assert_eq!(o, Outcome::Done(done.into()), "{log:?}");
        assert_eq!(log[0], line);
        let st = client
            .get_value("/nodes/pve2/qemu/102/status/current")
            .await
            .unwrap();
        let want = if action == PowerAction::Freeze {
            "paused"
        } else {
            "running"
        };
        assert_eq!(st["qmpstatus"], want, "{st}");
    }

    // A guest that does not exist is refused before anything runs.
    let (o, _) = run(
        &spec,
        JobSpec::Snapshot {
            target: guest("nope"),
            name: "x".into(),
            expires_at: None,
            stateful: false,
        },
    )
    .await;
    assert!(
        matches!(&o, Outcome::Failed(e) if e.contains("no guest named")),
        "{o:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_cancelled_and_a_failed_one_says_why() {
    // 600 PVE seconds to start take 6 real seconds: long enough to cancel.
    let sim = Sim::start(0.01);
    let spec = sim.spec();
    sim.control("guest", &[("vmid", "9000"), ("start_secs", "600")])
        .await;
    let (cancel, crx) = tokio::sync::watch::channel(false);
    let (etx, mut erx) = tokio::sync::mpsc::unbounded_channel();
    let op = operator(&spec);
    let job = tokio::spawn(async move {
        execute(
            Ok(op),
            &JobRun {
                id: 1,
                spec: JobSpec::Power {
                    target: guest("truenas"),
                    action: PowerAction::Start,
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
    // Cancel once the task is followed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, erx.recv()).await {
            Ok(Some(atlas_tui::jobs::execute::Note::Event(atlas_tui::jobs::JobEvent::Log(l))))
                if l.starts_with("task UPID:") =>
            {
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("no task was started: {other:?}"),
        }
    }
    cancel.send(true).unwrap();
    let rec = job.await.unwrap();
    assert!(
        matches!(&rec.outcome, Outcome::Cancelled(_)),
        "{:?} {:?}",
        rec.outcome,
        rec.log
    );

    // A start that fails in the guest's task: PVE's own error, shown whole.
    sim.control(
        "guest",
        &[
            ("vmid", "9000"),
            ("start_secs", "0"),
            ("start_error", "kvm: failed to initialize KVM"),
        ],
    )
    .await;
    let (o, log) = run(
        &spec,
        JobSpec::Power {
            target: guest("truenas"),
            action: PowerAction::Start,
            force: false,
            timeout: 0,
        },
    )
    .await;
    assert!(
        matches!(&o, Outcome::Failed(e) if e.contains("failed to initialize KVM")),
        "{o:?} {log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_shown_and_a_locked_guest_is_refused() {
    let sim = Sim::start(0.0);
    let spec = sim.spec();
    // A node that stops answering is offline; its guests keep their last known snapshots.
    sim.control("node", &[("name", "pve2"), ("offline", "1")])
        .await;
    let s = watch(&spec, |s| {
        s.remotes[0]
            .hosts
            .iter()
            .any(|h| h.name == "pve2" && h.status == "Offline")
    })
    .await;
    assert!(
        s.remotes[0]
            .hosts
            .iter()
            .filter(|h| h.name != "pve2")
            .all(|h| h.status == "Online")
    );
    sim.control("node", &[("name", "pve2"), ("offline", "0")])
        .await;

    // Lost quorum: every node says so, and a write fails with PVE's reason.
    sim.control("quorum", &[("lost", "1")]).await;
    let s = watch(&spec, |s| {
        !s.remotes[0].hosts.is_empty() && s.remotes[0].hosts.iter().all(|h| h.status == "No quorum")
    })
    .await;
    assert!(s.remotes[0].hosts[0].message.contains("lost quorum"));
    let (o, _) = run(
        &spec,
        JobSpec::Snapshot {
            target: guest("k8s-node1"),
            name: "quorum1".into(),
            expires_at: None,
            stateful: false,
        },
    )
    .await;
    assert!(
        matches!(&o, Outcome::Failed(e) if e.contains("quorum")),
        "{o:?}"
    );
    sim.control("quorum", &[("lost", "0")]).await;

    // A guest locked by a backup: the action is refused with why; nothing is sent.
    sim.control("lock", &[("vmid", "101"), ("lock", "backup")])
        .await;
    let (o, log) = run(
        &spec,
        JobSpec::Snapshot {
            target: guest("k8s-node1"),
            name: "lock1".into(),
            expires_at: None,
            stateful: false,
        },
    )
    .await;
    assert!(
        matches!(&o, Outcome::Failed(e) if e.contains("locked (backup)")),
        "{o:?} {log:?}"
    );
    assert!(!log.iter().any(|l| l.starts_with("task ")), "{log:?}");

    // Slow answers (half a second each, in a simulator running in real time): still read,
    // only later.
    let slow = Sim::start(1.0);
    slow.control("latency", &[("secs", "0.5")]).await;
    let started = Instant::now();
    let listing = operator(&slow.spec()).list(&Scope::All).await.unwrap();
    assert_eq!(listing.instances.len(), 12);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_and_a_wrong_certificate_are_refused_clearly() {
    let sim = Sim::start(0.0);
    let mut bad = sim.spec();
    bad.auth = Auth::Token {
        id: "atlas@pve!tui".into(),
        secret: "not-the-secret".into(),
    };
    let e = operator(&bad)
        .list(&Scope::All)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("authentication failed") && e.contains("token"),
        "{e}"
    );
    assert!(!e.contains("not-the-secret"), "the secret leaked: {e}");

    // Another simulator's certificate is not this one's.
    let other = Sim::start(0.0);
    let mut wrong = sim.spec();
    wrong.trust = other.pinned();
    let e = operator(&wrong)
        .list(&Scope::All)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not match the pinned certificate"), "{e}");
    // Its fingerprint pinned instead: accepted.
    let der = CertificateDer::from_pem_file(sim.dir.path().join("pve.crt")).unwrap();
    let mut by_fp = sim.spec();
    by_fp.trust =
        Trust::Pinned(atlas_net::Pin::parse_sha256(&atlas_net::fingerprint(&der)).unwrap());
    assert_eq!(
        operator(&by_fp)
            .list(&Scope::All)
            .await
            .unwrap()
            .instances
            .len(),
        12
    );
    // A wrong fingerprint names the server's.
    let mut wrong_fp = sim.spec();
    wrong_fp.trust = Trust::Pinned(atlas_net::Pin::Sha256([0xAB; 32]));
    let e = operator(&wrong_fp)
        .list(&Scope::All)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains(&atlas_net::fingerprint(&der)), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_log_in_and_log_in_again_when_refused() {
    let sim = Sim::start(0.0);
    let mut spec = sim.spec();
    spec.auth = Auth::Password {
        user: "root@pam".into(),
        password: sim.file("password"),
    };
    let (o, log) = run(
        &spec,
        JobSpec::Snapshot {
            target: guest("talos-cp01"),
            name: "t1".into(),
            expires_at: None,
            stateful: false,
        },
    )
    .await;
    assert_eq!(o, Outcome::Done("snapshot t1 created".into()), "{log:?}");
    // Tickets revoked (as after a restart of pveproxy's keys): the next call logs in again.
    sim.control("revoke-tickets", &[]).await;
    let listing = operator(&spec).list(&Scope::All).await.unwrap();
    assert_eq!(listing.instances.len(), 12);
    spec.auth = Auth::Password {
        user: "root@pam".into(),
        password: "wrong".into(),
    };
    let e = operator(&spec)
        .list(&Scope::All)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("authentication failed"), "{e}");
}

// The operator has no service plans: it says so instead of pretending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_definitions_are_refused_on_proxmox() {
    let sim = Sim::start(0.0);
    let op = operator(&sim.spec());
    let def: atlas_tui::services::Definition =
        atlas_tui::services::load_file(&std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/services/grafana01.toml"
        )))
        .def
        .unwrap();
    let r: Result<Vec<Step>, _> = op.plan_steps(&def, None).await;
    assert!(r.unwrap_err().to_string().contains("Incus"));
}

/// `atlas-tui snapshot` and `restore` accept PVE targets by VMID or by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_snapshot_and_restore_take_pve_targets() {
    let sim = Sim::start(0.0);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[remotes]]\nname = \"homelab\"\nkind = \"pve\"\nurl = \"{}\"\ntoken_id = \"atlas@pve!tui\"\ntoken_secret_file = \"{}/token\"\nserver_cert = \"{}/pve.crt\"\n",
            sim.url,
            sim.dir.path().display(),
            sim.dir.path().display()
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("ATLAS_TUI_STATE_DIR", dir.path())
            .env("ATLAS_TUI_CONFIG_DIR", dir.path())
            .env("INCUS_CONF", dir.path().join("no-incus"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = cli(&["snapshot", "homelab:100", "--name", "h0", "--expiry", "7d"]);
    assert_ne!(code, Some(0));
    assert!(out.contains("Proxmox VE snapshots do not expire"), "{out}");
    let (code, out) = cli(&["snapshot", "homelab:100", "--name", "h1"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("$ qm snapshot 100 h1"), "{out}");
    let (code, out) = cli(&["restore", "homelab:k8s-master", "h1", "--yes"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("$ qm rollback 100 h1"), "{out}");
    let client = PveClient::new(&sim.spec()).unwrap();
    let snaps = snapshots(&client, "/nodes/pve1/qemu/100").await;
    assert!(
        snaps.iter().any(|s| s.starts_with("atlas-safety-")),
        "{snaps:?}"
    );
    // A snapshot that is not there is refused before anything runs.
    let (code, out) = cli(&["restore", "homelab:k8s-master", "nope", "--yes"]);
    assert_ne!(code, Some(0));
    assert!(out.contains("has no snapshot \"nope\""), "{out}");
    // The journal has the qm lines.
    let (_, out) = cli(&["journal", "--since", "1h"]);
    assert!(out.contains("qm snapshot 100 atlas-safety-"), "{out}");
    // vzdump to a storage; without one it says how.
    let (code, out) = cli(&["backup", "homelab:pfsense"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--storage NAME"), "{out}");
    let (code, out) = cli(&[
        "backup",
        "homelab:pfsense",
        "--storage",
        "nfs-backup",
        "--mode",
        "stop",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("$ vzdump 110 --storage nfs-backup --mode stop --compress zstd"),
        "{out}"
    );
    // The token's secret is nowhere in what atlas-tui wrote (journal, job history, log).
    let secret = sim.file("token");
    let mut files = vec![dir.path().to_path_buf()];
    let mut checked = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            assert!(!text.contains(&secret), "the secret is in {}", p.display());
            checked += 1;
        }
    }
    assert!(checked >= 3, "journal, history and log written");
    // A remote configured read-only refuses every change.
    let text = std::fs::read_to_string(&config).unwrap() + "readonly = true\n";
    std::fs::write(&config, text).unwrap();
    let (code, out) = cli(&["snapshot", "homelab:100", "--name", "h2"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("homelab is read-only"), "{out}");
}

/// The rollback preview compares the guest's config now with the snapshot's, as PVE has them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rollback_preview_shows_the_config_the_snapshot_brings_back() {
    let sim = Sim::start(0.0);
    let mut s = watch(&sim.spec(), |s| {
        inst(s, "pihole").is_some_and(|i| {
            i.inst.config.contains_key("memory")
                && i.inst
                    .snapshots
                    .as_ref()
                    .is_some_and(|v| v.iter().any(|x| x.config.contains_key("memory")))
        })
    })
    .await;
    let now = chrono::Utc::now();
    // The snapshots pane, pihole's before-upgrade selected, then r.
    s.pane = atlas_tui::app::Pane::Snapshots;
    let rows = atlas_tui::app::rows::view_rows(&s, s.pane, now);
    let i = rows
        .iter()
        .position(|r| r.key.to_string().ends_with("pihole/before-upgrade"))
        .unwrap();
    s.panes[s.pane.index()].selected = i;
    s.panes[s.pane.index()].selected_key = Some(rows[i].key.clone());
    let _ = s.on_key(
        crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('r')),
        now,
    );
    let body = s.confirm().expect("the restore dialog").body.join("\n");
    assert!(body.contains("memory"), "{body}");
    assert!(body.contains("512") && body.contains("256"), "{body}");
    assert!(!body.contains("pve.vmid"), "{body}");
    assert!(body.contains("Proxmox VE stops it"), "{body}");
    assert!(body.contains("starts it again"), "{body}");
    // PVE snapshots do not expire: the safety snapshot is said to be kept.
    assert!(body.contains("kept until deleted"), "{body}");

    // What the preview said is what the job does: a safety snapshot, the rollback, and the
    // running guest started again.
    let fx = s.on_key(
        crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('y')),
        now,
    );
    let job = fx
        .into_iter()
        .find_map(|e| match e {
            atlas_tui::app::state::Effect::StartJob { spec, .. } => Some(spec),
            _ => None,
        })
        .expect("the restore job");
    let (o, log) = run(&sim.spec(), job).await;
    assert!(
        matches!(&o, Outcome::Done(d) if d.contains("started again")),
        "{o:?} {log:?}"
    );
    assert!(
        log[0].starts_with("$ pct snapshot 300 atlas-safety-"),
        "{log:?}"
    );
    assert_eq!(
        log[1], "$ pct rollback 300 before-upgrade --start 1",
        "{log:?}"
    );
    let client = PveClient::new(&sim.spec()).unwrap();
    let status = client
        .get_value("/nodes/pve2/lxc/300/status/current")
        .await
        .unwrap();
    assert_eq!(status["status"], "running", "{status}");
}

/// vzdump to a storage, with its archive visible afterwards; restores from a storage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vzdump_backups_and_restores_from_a_storage() {
    let sim = Sim::start(0.0);
    let spec = sim.spec();
    let client = PveClient::new(&spec).unwrap();
    let archives = |vmid: u64| {
        let client = client.clone();
        async move {
            client
                .get_value("/nodes/pve1/storage/nfs-backup/content?content=backup")
                .await
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["vmid"].as_u64() == Some(vmid))
                .map(|c| c["volid"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(archives(110).await.len(), 1);
    let (o, log) = run(
        &spec,
        JobSpec::Vzdump {
            target: guest("pfsense"),
            storage: "nfs-backup".into(),
            mode: "snapshot".into(),
            compress: "zstd".into(),
        },
    )
    .await;
    assert_eq!(
        o,
        Outcome::Done("pfsense backed up to nfs-backup".into()),
        "{log:?}"
    );
    assert_eq!(
        log[0],
        "$ vzdump 110 --storage nfs-backup --mode snapshot --compress zstd"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while archives(110).await.len() < 2 {
        assert!(Instant::now() < deadline, "no new archive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A container's archive restored as a new guest.
    let archive = archives(300).await.pop().unwrap();
    let (o, log) = run(
        &spec,
        JobSpec::RestoreArchive {
            target: guest("pihole"),
            archive: archive.clone(),
            new_id: Some(399),
        },
    )
    .await;
    assert!(
        matches!(&o, Outcome::Done(d) if d.contains("restored as 399")),
        "{o:?} {log:?}"
    );
    assert_eq!(log[0], format!("$ pct restore 399 {archive}"));
    let guests = client
        .get_value("/cluster/resources?type=vm")
        .await
        .unwrap();
    assert!(
        guests.as_array().unwrap().iter().any(|g| g["vmid"] == 399),
        "{guests}"
    );

    // A VM's archive over the VM: fakepve 0.5.0 cannot restore VM archives; its refusal is
    // the job's failure, whole.
    let archive = archives(110).await.pop().unwrap();
    let (o, log) = run(
        &spec,
        JobSpec::RestoreArchive {
            target: guest("pfsense"),
            archive: archive.clone(),
            new_id: None,
        },
    )
    .await;
    assert_eq!(log[0], format!("$ qmrestore {archive} 110 --force 1"));
    assert!(
        matches!(&o, Outcome::Failed(e) if e.contains("restoring an archive is not supported")),
        "{o:?}"
    );

    // A guest locked by a running backup is not backed up again.
    sim.control("lock", &[("vmid", "101"), ("lock", "backup")])
        .await;
    let (o, _) = run(
        &spec,
        JobSpec::Vzdump {
            target: guest("k8s-node1"),
            storage: "nfs-backup".into(),
            mode: "snapshot".into(),
            compress: "zstd".into(),
        },
    )
    .await;
    assert!(
        matches!(&o, Outcome::Failed(e) if e.contains("locked (backup)")),
        "{o:?}"
    );
}

/// A guest's usage history comes from PVE's `rrddata` through the provider seam. The simulator
/// answers `[{}]` (items without fields): nothing to chart, no error, and the detail falls back
/// to the console's own samples.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_history_reads_rrddata_through_the_provider() {
    use atlas_tui::backend::{Command, InventoryEvent, Update};
    let sim = Sim::start(0.0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let rspec = RemoteSpec::pve(sim.spec());
    let cmds = backend::spawn_remote(rspec, Scope::All, backend::Timing::default(), tx);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut asked = false;
    let mut answered = 0;
    while answered < 2 {
        let u = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("an rrddata answer in 30 s")
            .unwrap();
        match u {
            Update::Inventory(InventoryEvent::Instances { instances, .. })
                if !asked && instances.iter().any(|i| i.name == "k8s-master") =>
            {
                cmds.send(Command::UsageHistory {
                    project: String::new(),
                    name: "k8s-master".into(),
                    window: atlas_tui::trend::Window::Hour1,
                })
                .unwrap();
                cmds.send(Command::UsageHistory {
                    project: String::new(),
                    name: "no-such-guest".into(),
                    window: atlas_tui::trend::Window::Hour1,
                })
                .unwrap();
                asked = true;
            }
            Update::Inventory(InventoryEvent::UsageHistory { name, result, .. }) => {
                if name == "k8s-master" {
                    assert_eq!(result, Ok(vec![]), "the simulator's rrddata has no fields");
                } else {
                    assert_eq!(
                        result.map_err(|e| e.to_string()),
                        Err("pve has no guest no-such-guest".into())
                    );
                }
                answered += 1;
            }
            _ => {}
        }
    }
}

/// A task that ends on the cluster (here a snapshot the console did not start) is reported as
/// an event for the timeline, about its guest, with its status and who ran it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_tasks_are_reported_for_the_timeline() {
    use atlas_tui::backend::{InventoryEvent, Update};
    let sim = Sim::start(0.0);
    let spec = sim.spec();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let timing = fast_polls();
    let _worker = backend::spawn_remote(RemoteSpec::pve(spec.clone()), Scope::All, timing, tx);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    async fn next(
        rx: &mut tokio::sync::mpsc::UnboundedReceiver<Update>,
        deadline: tokio::time::Instant,
    ) -> Update {
        tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("in 30 s")
            .unwrap()
    }
    // The second report of the guests comes after the worker learned which tasks have ended.
    let mut polls = 0;
    while polls < 2 {
        if let Update::Inventory(InventoryEvent::Instances { .. }) = next(&mut rx, deadline).await {
            polls += 1;
        }
    }
    let (o, _) = run(
        &spec,
        JobSpec::Snapshot {
            target: guest("pihole"),
            name: "tl1".into(),
            expires_at: None,
            stateful: false,
        },
    )
    .await;
    assert!(o.is_done(), "{o:?}");
    loop {
        if let Update::Inventory(InventoryEvent::Event {
            action,
            object,
            at,
            summary,
            ..
        }) = next(&mut rx, deadline).await
            && action.starts_with("vzsnapshot")
        {
            assert_eq!(
                object.map(|o| o.key()).as_deref(),
                Some("pve//pihole"),
                "{summary}"
            );
            assert!(at.is_some(), "{summary}");
            assert!(summary.contains("pihole"), "{summary}");
            break;
        }
    }
}
