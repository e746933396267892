//! End-to-end on a simulated Proxmox VE (fakepve, not a real cluster), driven in tmux as an
//! operator would: an alert from a pve-exporter-style Alertmanager on a PVE guest → `o` jumps to
//! the guest → `n` snapshots it → `r` rolls it back, a safety snapshot taken first.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use common::Tmux;
use common::pve::Sim;

/// Posts an alert, ending in ten minutes, to the sandbox's `cluster` Alertmanager.
async fn post_alert(labels: serde_json::Value) {
    let end = chrono::Utc::now() + chrono::Duration::minutes(10);
    let r = reqwest::Client::new()
        .post("http://127.0.0.1:9094/api/v2/alerts")
        .json(&serde_json::json!([{
            "labels": labels,
            "annotations": {"summary": "talos-cp01 is not answering its health checks"},
            "endsAt": end.to_rfc3339(),
        }]))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

async fn talos_snapshots(sim: &Sim) -> Vec<String> {
    let client = atlas_pve::PveClient::new(&sim.spec()).unwrap();
    common::pve::snapshots(&client, "/nodes/pve3/qemu/200").await
}

#[test]
fn alert_on_a_pve_guest_jump_snapshot_and_roll_back_with_a_safety_snapshot() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = Sim::start(0.02);
    let alert = format!("TalosApiDown{}", std::process::id());
    rt.block_on(post_alert(serde_json::json!({
        "alertname": alert,
        "severity": "critical",
        "instance": "pve-exporter:9221",
        "id": "qemu/200",
        "name": "talos-cp01",
        "node": "pve3",
    })));
    let config = format!(
        r#"
[[alertmanagers]]
name = "kube-prometheus"
url = "http://127.0.0.1:9094"

[[remotes]]
name = "homelab"
kind = "pve"
url = "{url}"
token_id = "atlas@pve!tui"
token_secret_file = "{dir}/token"
server_cert = "{dir}/pve.crt"
"#,
        url = sim.url,
        dir = sim.dir.path().display(),
    );
    // Headless too: `atlas-tui alerts` names the guest the alert is about.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), &config).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .args(["alerts", "--json", "--remote", "homelab"])
        .env("ATLAS_TUI_CONFIG_DIR", dir.path())
        .env("ATLAS_TUI_STATE_DIR", dir.path())
        .env("INCUS_CONF", dir.path().join("no-incus"))
        .output()
        .unwrap();
    let alerts: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let a = alerts
        .iter()
        .find(|a| a["alertname"] == alert.as_str())
        .expect("the alert");
    assert_eq!(a["target"]["key"], "homelab//talos-cp01", "{a}");
    let t = Tmux::start("pve", 160, 45, "--remote homelab", |dir| {
        std::fs::write(dir.join("config.toml"), &config).unwrap()
    });
    t.wait_text(30, "talos-cp01");

    // The alert, joined to the guest it is about.
    t.keys(&["5", "/"]);
    t.text(&alert);
    t.keys(&["Enter"]);
    let scr = t.wait(20, "the alert on talos-cp01", |s| {
        s.lines()
            .any(|l| l.contains(&alert) && l.contains("talos-cp01"))
    });
    assert!(scr.contains("crit"), "{scr}");

    // o: to the guest.
    t.keys(&["o"]);
    t.wait_text(10, "→ instance talos-cp01");

    // n: a snapshot of it.
    t.keys(&["n"]);
    t.wait_text(10, "Snapshot homelab:talos-cp01");
    t.keys(&["C-u"]);
    t.text("e2e-before");
    t.keys(&["Enter"]);
    t.wait_text(30, "snapshot e2e-before created");
    assert!(
        rt.block_on(talos_snapshots(&sim))
            .contains(&"e2e-before".to_string())
    );

    // r: roll back to it, a safety snapshot first.
    t.keys(&["r"]);
    let scr = t.wait_text(20, "e2e-before");
    assert!(scr.contains("pick a snapshot"), "{scr}");
    // Select e2e-before in the picker (its order is the snapshots pane's).
    let pos = scr
        .lines()
        .skip_while(|l| !l.contains("pick a snapshot"))
        .skip(2)
        .position(|l| l.contains("e2e-before"))
        .unwrap();
    for _ in 0..pos {
        t.keys(&["j"]);
    }
    t.keys(&["Enter"]);
    let scr = t.wait_text(10, "to snapshot e2e-before?");
    assert!(scr.contains("safety snapshot atlas-safety-"), "{scr}");
    t.keys(&["y"]);
    t.wait_text(60, "rolled back to e2e-before");
    let snaps = rt.block_on(talos_snapshots(&sim));
    assert!(
        snaps.iter().any(|s| s.starts_with("atlas-safety-")),
        "{snaps:?}"
    );

    // The journal names the equivalent qm lines.
    t.keys(&["8"]);
    t.wait_text(10, "talos-cp01/e2e-before");
    t.keys(&["7", "Enter"]);
    let scr = t.wait_text(10, "qm rollback 200 e2e-before");
    assert!(scr.contains("qm snapshot 200 atlas-safety-"), "{scr}");
    t.keys(&["q", "q"]);
    t.expect_clean_exit(0);
}
