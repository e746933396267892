//! Jobs against the real sandbox incusd: snapshots, restores (with their safety snapshots),
//! backups and imports, with the data inside the containers checked by `incus exec`.
//! Each test works on its own scratch instance so they can run side by side.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::path::Path;

use atlas_tui::incus::client::IncusClient;
use atlas_tui::incus::jobs::{self as runner, part_path};
use atlas_tui::incus::ops::{BackupOptions, PowerAction};
use atlas_tui::jobs::Reporter;
use atlas_tui::jobs::{JobEvent, JobSpec, Outcome, Safety, Target};
use common::*;
use tokio::sync::{mpsc, watch};

/// A running busybox container with a custom volume at /data; removed on drop.
struct Scratch {
    name: String,
}

impl Scratch {
    fn new(name: &str) -> Self {
        Self::cleanup(name);
        incus(&["init", "busybox", name]);
        incus(&[
            "storage",
            "volume",
            "create",
            "default",
            &format!("{name}-data"),
            "size=256MiB",
        ]);
        incus(&[
            "storage",
            "volume",
            "attach",
            "default",
            &format!("{name}-data"),
            name,
            "/data",
        ]);
        incus(&["start", name]);
        Scratch { name: name.into() }
    }

    fn cleanup(name: &str) {
        for n in [
            name.to_string(),
            format!("{name}-cli"),
            format!("{name}-imp"),
        ] {
            incus_quiet(&["delete", "-f", &n]);
        }
        let list = std::process::Command::new("incus")
            .args(["list", "-f", "csv", "-c", "n"])
            .env("INCUS_CONF", sandbox_conf())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        for n in list
            .lines()
            .filter(|n| n.starts_with(name) && n.contains("-replaced-"))
        {
            incus_quiet(&["delete", "-f", n]);
        }
        for v in [format!("{name}-data"), format!("{name}-data-imp")] {
            incus_quiet(&["storage", "volume", "delete", "default", &v]);
        }
    }

    fn sh(&self, script: &str) -> String {
        incus(&["exec", &self.name, "--", "sh", "-c", script])
    }

    fn target(&self) -> Target {
        Target::instance("local", "default", &self.name)
    }

    fn volume(&self) -> Target {
        Target::volume(
            "local",
            "default",
            "default",
            &format!("{}-data", self.name),
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        Self::cleanup(&self.name);
    }
}

struct Run {
    outcome: Outcome,
    events: Vec<JobEvent>,
}

impl Run {
    fn log(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                JobEvent::Log(l) => Some(l.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn done(self) -> Self {
        assert!(self.outcome.is_done(), "{:?}\n{}", self.outcome, self.log());
        self
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

fn snapshots(name: &str) -> String {
    incus(&["query", &format!("/1.0/instances/{name}/snapshots")])
}

fn volume_snapshots(vol: &str) -> String {
    incus(&[
        "query",
        &format!("/1.0/storage-pools/default/volumes/custom/{vol}/snapshots"),
    ])
}

fn safety(tag: &str) -> Option<Safety> {
    Some(Safety {
        name: format!("atlas-safety-{tag}"),
        expires_at: Some(chrono::Utc::now() + chrono::Duration::days(7)),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_snapshot_restore_and_undo() {
    let _lock = common::exclusive();
    let s = Scratch::new("act-inst01");
    s.sh("echo v1 > /root/state");
    run(JobSpec::Snapshot {
        target: s.target(),
        name: "s1".into(),
        expires_at: Some(chrono::Utc::now() + chrono::Duration::days(1)),
        stateful: false,
    })
    .await
    .done();
    assert!(snapshots(&s.name).contains("/s1"));
    s.sh("echo v2 > /root/state");

    let r = run(JobSpec::Restore {
        target: s.target(),
        snapshot: "s1".into(),
        safety: safety("a"),
        restart: vec![],
    })
    .await
    .done();
    assert!(
        r.outcome
            .detail()
            .contains("undo by restoring atlas-safety-a")
    );
    assert_eq!(s.sh("cat /root/state").trim(), "v1", "restored content");
    assert!(
        snapshots(&s.name).contains("/atlas-safety-a"),
        "safety snapshot kept"
    );
    // Running before, running after (Incus stops and starts a running container itself).
    assert!(incus(&["list", &s.name, "-f", "csv", "-c", "s"]).contains("RUNNING"));

    // The safety snapshot undoes the restore.
    run(JobSpec::Restore {
        target: s.target(),
        snapshot: "atlas-safety-a".into(),
        safety: safety("b"),
        restart: vec![],
    })
    .await
    .done();
    assert_eq!(s.sh("cat /root/state").trim(), "v2", "undo brings v2 back");

    run(JobSpec::DeleteSnapshot {
        target: s.target(),
        name: "s1".into(),
    })
    .await
    .done();
    assert!(!snapshots(&s.name).contains("/s1\""));

    // Failure is reported, not "done".
    let r = run(JobSpec::Restore {
        target: s.target(),
        snapshot: "no-such-snapshot".into(),
        safety: None,
        restart: vec![],
    })
    .await;
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{:?}", r.outcome);

    // Power actions.
    run(JobSpec::Power {
        target: s.target(),
        action: PowerAction::Freeze,
        force: false,
        timeout: 30,
    })
    .await
    .done();
    assert!(incus(&["list", &s.name, "-f", "csv", "-c", "s"]).contains("FROZEN"));
    run(JobSpec::Power {
        target: s.target(),
        action: PowerAction::Unfreeze,
        force: false,
        timeout: 30,
    })
    .await
    .done();
    run(JobSpec::Power {
        target: s.target(),
        action: PowerAction::Stop,
        force: true,
        timeout: 30,
    })
    .await
    .done();
    assert!(incus(&["list", &s.name, "-f", "csv", "-c", "s"]).contains("STOPPED"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_restore_stops_and_starts_its_instance() {
    let _lock = common::exclusive();
    let s = Scratch::new("act-vol01");
    s.sh("echo v1 > /data/f");
    run(JobSpec::Snapshot {
        target: s.volume(),
        name: "before".into(),
        expires_at: None,
        stateful: false,
    })
    .await
    .done();
    assert!(volume_snapshots(&format!("{}-data", s.name)).contains("/before"));
    s.sh("echo v2 > /data/f");

    // Incus refuses while the instance runs; the job says so and nothing changes.
    let r = run(JobSpec::Restore {
        target: s.volume(),
        snapshot: "before".into(),
        safety: None,
        restart: vec![],
    })
    .await;
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{:?}", r.outcome);
    assert_eq!(s.sh("cat /data/f").trim(), "v2");

    let r = run(JobSpec::Restore {
        target: s.volume(),
        snapshot: "before".into(),
        safety: safety("v"),
        restart: vec![s.name.clone()],
    })
    .await
    .done();
    let log = r.log();
    assert!(log.contains(&format!("{} stopped", s.name)), "{log}");
    assert!(log.contains(&format!("{} started", s.name)), "{log}");
    assert_eq!(s.sh("cat /data/f").trim(), "v1", "volume restored");
    assert!(volume_snapshots(&format!("{}-data", s.name)).contains("/atlas-safety-v"));

    run(JobSpec::Restore {
        target: s.volume(),
        snapshot: "atlas-safety-v".into(),
        safety: None,
        restart: vec![s.name.clone()],
    })
    .await
    .done();
    assert_eq!(s.sh("cat /data/f").trim(), "v2", "undo brings v2 back");

    run(JobSpec::DeleteSnapshot {
        target: s.volume(),
        name: "before".into(),
    })
    .await
    .done();
    assert!(!volume_snapshots(&format!("{}-data", s.name)).contains("/before\""));
}

fn sha(s: &Scratch, name: &str, file: &str) -> String {
    let _ = s;
    incus(&["exec", name, "--", "sha256sum", file])
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_export_and_import_round_trip() {
    let _lock = common::exclusive();
    let s = Scratch::new("act-bak01");
    s.sh("dd if=/dev/urandom of=/root/blob bs=1k count=512 2>/dev/null");
    let want = sha(&s, &s.name, "/root/blob");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sub").join("act-bak01.tar.gz");

    let r = run(JobSpec::Export {
        target: s.target(),
        path: file.clone(),
        options: BackupOptions {
            only: true,
            ..Default::default()
        },
    })
    .await
    .done();
    let size = std::fs::metadata(&file).unwrap().len();
    // A whole filesystem, secrets included: the owner's alone, whatever the umask.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600, "the backup file");
        assert_eq!(
            mode(file.parent().unwrap()),
            0o700,
            "the directory it created"
        );
    }
    assert!(size > 100_000, "backup has the data: {size}");
    assert!(!part_path(&file).exists());
    assert!(
        r.events.iter().any(|e| matches!(e, JobEvent::Progress(p)
            if p.stage == "downloading" || p.stage == "downloaded")),
        "byte progress reported"
    );
    assert!(r.log().contains("verified size"), "{}", r.log());
    // The server-side backup is gone.
    assert!(
        !incus(&["query", &format!("/1.0/instances/{}/backups", s.name)]).contains("atlas-tui-"),
        "server backup deleted"
    );

    // The incus CLI accepts the file.
    let cli_name = format!("{}-cli", s.name);
    incus(&["import", &file.to_string_lossy(), &cli_name]);
    incus(&["start", &cli_name]);
    assert_eq!(sha(&s, &cli_name, "/root/blob"), want);

    // atlas-tui imports it too, with the same data.
    let imp = format!("{}-imp", s.name);
    run(JobSpec::Import {
        target: Target::instance("local", "default", &imp),
        file: file.clone(),
        pool: None,
        replace: false,
    })
    .await
    .done();
    incus(&["start", &imp]);
    assert_eq!(sha(&s, &imp, "/root/blob"), want, "imported data matches");

    // Importing over an existing name without replace is refused; with replace the old
    // instance is kept aside.
    let r = run(JobSpec::Import {
        target: Target::instance("local", "default", &imp),
        file: file.clone(),
        pool: None,
        replace: false,
    })
    .await;
    assert!(matches!(&r.outcome, Outcome::Failed(e) if e.contains("already exists")));
    incus(&[
        "exec",
        &imp,
        "--",
        "sh",
        "-c",
        "echo changed > /root/marker",
    ]);
    let r = run(JobSpec::Import {
        target: Target::instance("local", "default", &imp),
        file: file.clone(),
        pool: None,
        replace: true,
    })
    .await
    .done();
    assert!(r.log().contains("kept the previous"), "{}", r.log());
    let names = incus(&["list", "-f", "csv", "-c", "n"]);
    assert!(
        names
            .lines()
            .any(|n| n.starts_with(&format!("{imp}-replaced-"))),
        "{names}"
    );

    // A custom volume backup and import.
    s.sh("echo volume-data > /data/v");
    let vfile = dir.path().join("vol.tar.gz");
    run(JobSpec::Export {
        target: s.volume(),
        path: vfile.clone(),
        options: BackupOptions::default(),
    })
    .await
    .done();
    run(JobSpec::Import {
        target: Target::volume("local", "default", "default", "act-bak01-data-imp"),
        file: vfile.clone(),
        pool: None,
        replace: false,
    })
    .await
    .done();
    assert!(
        incus(&[
            "storage", "volume", "list", "default", "-f", "csv", "-c", "n"
        ])
        .contains("act-bak01-data-imp")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_export_leaves_no_file() {
    let _lock = common::exclusive();
    let s = Scratch::new("act-can01");
    s.sh("dd if=/dev/urandom of=/root/big bs=1M count=96 2>/dev/null");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.tar");
    let client = IncusClient::new(&sandbox_remote("local")).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (ctx, crx) = watch::channel(false);
    let spec = JobSpec::Export {
        target: s.target(),
        path: file.clone(),
        options: BackupOptions {
            only: true,
            optimized: false,
            compression: "none".into(),
        },
    };
    let job =
        tokio::spawn(async move { runner::run(&client, &spec, &Reporter::new(tx), crx).await });
    // Cancel as soon as the download has started.
    while let Some(e) = rx.recv().await {
        if let JobEvent::Progress(p) = e
            && p.stage == "downloading"
        {
            ctx.send(true).unwrap();
            break;
        }
    }
    let outcome = job.await.unwrap();
    assert!(matches!(outcome, Outcome::Cancelled(_)), "{outcome:?}");
    assert!(!file.exists(), "no backup file");
    assert!(!part_path(&file).exists(), "no partial file");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(
        !incus(&["query", &format!("/1.0/instances/{}/backups", s.name)]).contains("atlas-tui-"),
        "server backup deleted after the cancel"
    );
    let _ = Path::new("/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_targets_are_checked_before_anything_is_done() {
    let _lock = common::exclusive();
    let s = Scratch::new("act-check01");
    let state = tempfile::tempdir().unwrap();

    // A restore of a snapshot that is not there is refused before anything is printed or taken.
    let (code, out, err) = atlas(state.path(), &["restore", &s.name, "nosuch", "--yes"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("no snapshot \"nosuch\"; nothing was changed"),
        "{out}{err}"
    );
    assert!(
        !out.contains("atlas-safety") && !err.contains("atlas-safety"),
        "{out}{err}"
    );
    assert!(
        !snapshots(&s.name).contains("atlas-safety"),
        "a safety snapshot was taken: {}",
        snapshots(&s.name)
    );
    // The same through the job runner (the console's path).
    let r = run(JobSpec::Restore {
        target: s.target(),
        snapshot: "nosuch".into(),
        safety: safety("x"),
        restart: vec![],
    })
    .await;
    assert!(!r.outcome.is_done());
    assert!(!snapshots(&s.name).contains("atlas-safety"));

    // A backup into a directory that does not exist asks nothing of the server.
    let (code, _, err) = atlas(
        state.path(),
        &["backup", &s.name, "-o", "/nonexistent-atlas/dir/"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/nonexistent-atlas/dir does not exist"),
        "{err}"
    );
    assert_eq!(
        incus(&["query", &format!("/1.0/instances/{}/backups", s.name)]).trim(),
        "[]"
    );
    // A directory that exists gets the default file name.
    let out = tempfile::tempdir().unwrap();
    let dir = format!("{}/", out.path().display());
    let (code, _, err) = atlas(state.path(), &["backup", &s.name, "-o", &dir]);
    assert_eq!(code, 0, "{err}");
    let files: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.len() == 1 && files[0].contains(&s.name) && !files[0].ends_with(".part"),
        "{files:?}"
    );
}

/// `atlas-tui snapshot` on several objects and on what `--match` keeps: one job each through
/// the queue, a line per item, a summary, exit 1 when one failed — the others done.
#[test]
fn headless_snapshot_of_several_objects_and_of_a_match() {
    let a = Scratch::new("zqx-a");
    let b = Scratch::new("zqx-b");
    let state = tempfile::tempdir().unwrap();
    let (code, out, err) = atlas(
        state.path(),
        &[
            "snapshot",
            "local:zqx-a",
            "local:default/zqx-b",
            "local:zqx-missing",
            "--name",
            "pre-upgrade",
        ],
    );
    assert_eq!(code, 1, "one item failed: {out}\n{err}");
    assert!(out.contains("snapshot local:zqx-a: done"), "{out}\n{err}");
    assert!(out.contains("snapshot local:zqx-b: done"), "{out}\n{err}");
    assert!(
        out.contains("snapshot local:zqx-missing: failed"),
        "{out}\n{err}"
    );
    assert!(
        out.contains("summary: 2 done, 1 failed: local:zqx-missing — "),
        "{out}\n{err}"
    );
    for s in [&a, &b] {
        assert!(snapshots(&s.name).contains("pre-upgrade"), "{}", s.name);
    }
    // The journal: a line per item and one for the batch.
    let journal = std::fs::read_to_string(state.path().join("journal.jsonl")).unwrap();
    assert!(
        journal.contains(r#""action":"batch snapshot""#),
        "{journal}"
    );
    assert_eq!(
        journal
            .matches(r#""status":"started","action":"snapshot""#)
            .count(),
        3
    );

    // The console's filter over every remote's listing.
    let (code, out, err) = atlas(
        state.path(),
        &[
            "snapshot",
            "--match",
            "zqx- @local",
            "--name",
            "matched",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let items: Vec<serde_json::Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["event"] == "item")
        .collect();
    let mut targets: Vec<&str> = items.iter().filter_map(|v| v["target"].as_str()).collect();
    targets.sort();
    assert_eq!(targets, ["local:zqx-a", "local:zqx-b"], "{out}\n{err}");
    for s in [&a, &b] {
        assert!(snapshots(&s.name).contains("matched"), "{}", s.name);
    }
}
