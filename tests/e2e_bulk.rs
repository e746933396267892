//! End to end in tmux, by keys alone: instances marked on two Incus remotes and guests on a
//! simulated Proxmox VE (fakepve), one snapshot name for all — a locked guest skipped, one
//! failure injected, one job cancelled while queued — the batch and its jobs in the jobs pane,
//! its summary, the journal, and the snapshots on the servers; then a custom action with an
//! input on marked rows, and an export of the filtered pane.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use common::pve::Sim;
use common::*;

/// A running busybox container; removed on drop.
struct Scratch(&'static str);

impl Scratch {
    fn new(name: &'static str) -> Self {
        incus_quiet(&["delete", "-f", name]);
        incus(&["init", "busybox", name]);
        incus(&["start", name]);
        Scratch(name)
    }

    fn snapshots(&self) -> String {
        incus(&["query", &format!("/1.0/instances/{}/snapshots", self.0)])
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        incus_quiet(&["delete", "-f", self.0]);
    }
}

async fn guest_snapshots(sim: &Sim, node: &str, vmid: u32) -> Vec<String> {
    let client = atlas_pve::PveClient::new(&sim.spec()).unwrap();
    common::pve::snapshots(&client, &format!("/nodes/{node}/qemu/{vmid}")).await
}

/// Marks the rows the filter shows (`*`), then clears the filter.
fn mark_filtered(t: &Tmux, filter: &str, want: &str) {
    t.keys(&["/"]);
    t.text(filter);
    t.keys(&["Enter"]);
    t.wait(20, want, |s| {
        s.lines().any(|l| l.contains(want) && l.contains('┃'))
    });
    t.keys(&["*", "Escape"]);
}

#[test]
fn marked_rows_on_three_remotes_snapshot_as_one_batch() {
    let _x = exclusive();
    atlas01_online();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let a = Scratch::new("bulk-a");
    let b = Scratch::new("bulk-b");
    let sim = Sim::start(0.02);
    // k8s-node1 is locked (a backup runs), the first PVE snapshot asked for fails, and each
    // answer takes a while: with one job at a time per remote the last one waits its turn.
    rt.block_on(sim.control("lock", &[("vmid", "101"), ("lock", "backup")]));
    rt.block_on(sim.control(
        "fail",
        &[
            ("method", "POST"),
            ("suffix", "/snapshot"),
            ("status", "500"),
            ("message", "injected failure"),
            ("times", "1"),
        ],
    ));
    rt.block_on(sim.control("latency", &[("secs", "60")]));
    let config = format!(
        r#"
[actions]
concurrency = 1

[[remotes]]
name = "homelab"
kind = "pve"
url = "{url}"
token_id = "atlas@pve!tui"
token_secret_file = "{dir}/token"
server_cert = "{dir}/pve.crt"

[[commands]]
name = "greet"
command = ["incus", "exec", "{{remote}}:{{name}}", "--project", "{{project}}", "--", "echo", "{{greeting}}", "from", "{{name}}"]
scope = "instance"
key = "ctrl-t"
label = "greet"
inputs = [{{ name = "greeting", default = "hello" }}]
"#,
        url = sim.url,
        dir = sim.dir.path().display(),
    );
    let t = Tmux::start(
        "bulk",
        200,
        50,
        "--remote local --remote atlas-https --remote homelab",
        |dir| std::fs::write(dir.join("config.toml"), &config).unwrap(),
    );
    t.keys(&["2"]);
    t.wait_text(60, "k8s-node4");
    t.wait_text(60, "bulk-b");
    mark_filtered(&t, "@local bulk-a", "bulk-a");
    mark_filtered(&t, "@atlas-https bulk-b", "bulk-b");
    for n in 1..=4 {
        mark_filtered(
            &t,
            &format!("@homelab 'k8s-node{n}"),
            &format!("k8s-node{n}"),
        );
    }
    let scr = t.wait_text(10, "● 6 marked");
    assert!(scr.contains("● 6 marked"), "{scr}");

    // One name for all: the confirmation lists every object, the locked guest skipped.
    t.keys(&["n"]);
    t.wait_text(10, "Snapshot 6 marked objects");
    t.keys(&["C-u"]);
    t.text("e2e-bulk");
    t.keys(&["Enter"]);
    let scr = t.wait_text(10, "snapshot e2e-bulk on 5 marked objects?");
    assert!(
        scr.contains("- skipped, locked (backup) (1): homelab:k8s-node1"),
        "{scr}"
    );
    assert!(scr.contains("at most 1 at once per remote"), "{scr}");
    t.keys(&["y"]);
    t.wait_text(10, "batch");

    // The jobs pane: the batch over its jobs; the one still queued is cancelled.
    t.keys(&["7"]);
    t.wait_text(10, "↳ homelab:k8s-node4");
    t.keys(&["/"]);
    t.text("k8s-node4");
    t.keys(&["Enter"]);
    let scr = t.wait_text(20, "queued");
    assert!(scr.contains("↳ homelab:k8s-node4"), "{scr}");
    t.keys(&["c"]);
    t.wait_text(20, "cancelled while queued");
    t.keys(&["Escape"]);
    let scr = t.wait(120, "the batch's summary", |s| {
        s.contains("3 done, 1 cancelled, 1 failed")
    });
    assert!(scr.contains("k8s-node2 — "), "{scr}");
    // The batch's last journal line (written off the loop, as it ended).
    let file = t.config_dir.path().join("state/journal.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let batch_end = loop {
        let journal = std::fs::read_to_string(&file).unwrap_or_default();
        let end = journal.lines().find(|l| {
            l.contains(r#""action":"batch snapshot e2e-bulk""#)
                && !l.contains(r#""status":"started""#)
        });
        if let Some(l) = end {
            break l.to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no batch line in:\n{journal}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(batch_end.contains("1 skipped"), "{batch_end}");

    // On the servers.
    assert!(a.snapshots().contains("e2e-bulk"));
    assert!(b.snapshots().contains("e2e-bulk"));
    let has = |vmid, node: &str| {
        rt.block_on(guest_snapshots(&sim, node, vmid))
            .contains(&"e2e-bulk".to_string())
    };
    assert!(!has(101, "pve1"), "the locked guest is left alone");
    assert!(has(103, "pve3"), "k8s-node3");
    assert!(!has(104, "pve1"), "the cancelled one never ran");

    // The journal: the batch's line.
    t.keys(&["8"]);
    t.wait_text(10, "batch snapshot e2e-bulk");

    // A custom action with an input on two marked instances.
    t.keys(&["2", "U"]);
    mark_filtered(&t, "@local bulk-", "bulk-b");
    t.keys(&["C-t"]);
    t.wait_text(10, "Run greet");
    t.text(" there");
    t.keys(&["Enter"]);
    t.wait_text(10, "run greet on 2 marked objects?");
    t.keys(&["y"]);
    t.keys(&["7"]);
    t.wait(60, "both greetings done", |s| {
        s.lines()
            .any(|l| l.contains("run greet · 2 objects") && l.contains("2 done"))
    });

    // Export of the filtered instances pane: what it shows.
    t.keys(&["2", "/"]);
    t.text("@local bulk-");
    t.keys(&["Enter", "X"]);
    let scr = t.wait_text(10, "rows of Instances written to");
    let path = scr
        .lines()
        .find_map(|l| l.split("written to ").nth(1))
        .map(|p| p.split_whitespace().next().unwrap().to_string())
        .unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    let names: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{csv}");
    assert!(
        names.contains(&"bulk-a") && names.contains(&"bulk-b"),
        "{csv}"
    );
    t.keys(&["q"]);
    t.expect_clean_exit(0);
}
