//! End to end in tmux against the sandbox incusd, as an operator would: open the grafana01
//! definition, change its memory, save, preview the cloud-init, plan, apply, watch the
//! progress, and see it in sync — then check Incus has the new limit.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::path::Path;

use common::*;

const PROJECT: &str = "e2e-svc";

/// grafana01 (and its template) in `<config dir>/services`, in the scratch project, on the
/// sandbox's busybox image, its proxy on a free port.
fn grafana01_in(config_dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/services");
    let dir = config_dir.join("services");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::copy(
        src.join("templates/grafana.yaml.tftpl"),
        dir.join("templates/grafana.yaml.tftpl"),
    )
    .unwrap();
    let t = std::fs::read_to_string(src.join("grafana01.toml"))
        .unwrap()
        .replace("project = \"default\"", &format!("project = \"{PROJECT}\""))
        .replace("image = \"debian-12-cloud\"", "image = \"busybox\"")
        .replace("127.0.0.1:3000", "127.0.0.1:23002");
    std::fs::write(dir.join("grafana01.toml"), t).unwrap();
}

#[test]
fn edit_preview_plan_apply_in_sync() {
    let _lock = common::exclusive();
    let _p = Project::new(PROJECT);
    let secret = "e2e-grafana-secret";
    let t = Tmux::launch(
        "services",
        120,
        36,
        &format!("GRAFANA_ADMIN_PASSWORD={secret}"),
        "--remote local",
        grafana01_in,
    );
    // Create it first from the console: plan all, apply.
    t.wait_text(20, "Instances (");
    t.keys(&["9"]);
    t.wait(20, "grafana01 missing", |s| {
        s.lines()
            .any(|l| l.contains("grafana01") && l.contains("missing"))
    });
    t.keys(&["A"]);
    t.wait_text(20, "+ create instance grafana01");
    // The plan is made again on opening; `a` works once it is there.
    t.wait_text(20, "a applies this plan");
    t.keys(&["a"]);
    t.wait_text(10, "Apply these changes?");
    t.keys(&["y"]);
    t.wait_text(90, "Re-plan after apply: no changes. In sync.");
    t.keys(&["Escape"]);
    t.wait(20, "grafana01 in sync", |s| {
        s.lines()
            .any(|l| l.contains("grafana01") && l.contains("in sync"))
    });

    // Open the definition and change the memory.
    t.keys(&["E"]);
    t.wait_text(10, "Edit grafana01.toml");
    t.wait_text(5, "✓ valid definition");
    t.keys(&["C-f"]);
    t.text("memory =");
    t.keys(&["Enter", "End"]);
    for _ in 0.."\"512MiB\"".len() {
        t.keys(&["BSpace"]);
    }
    // Half-typed, the line is an error with its line number.
    t.wait_text(5, "✖ line 12:");
    t.text("\"640MiB\"");
    t.wait_text(5, "✓ valid definition");
    t.wait_text(5, "[modified]");
    t.keys(&["C-s"]);
    t.wait_text(10, "saved ");
    t.keys(&["Escape"]);
    t.wait(20, "grafana01 drifted", |s| {
        s.lines().any(|l| {
            l.contains("grafana01") && l.contains("drifted") && l.contains("limits.memory")
        })
    });
    let saved =
        std::fs::read_to_string(t.config_dir.path().join("services/grafana01.toml")).unwrap();
    assert!(saved.contains("memory = \"640MiB\""), "{saved}");
    assert!(
        t.config_dir
            .path()
            .join("services/grafana01.toml.bak")
            .exists(),
        "the previous version is kept"
    );

    // The preview: what lands in cloud-init.user-data, secret masked, same as on the instance.
    t.keys(&["p"]);
    let scr = t.wait_text(10, "same as cloud-init.user-data on the instance");
    assert!(scr.contains("#cloud-config"), "{scr}");
    assert!(scr.contains("masked"), "{scr}");
    assert!(!scr.contains(secret), "{scr}");

    // Plan: exactly the memory; apply; the progress shows; in sync again.
    t.keys(&["a"]);
    let scr = t.wait_text(20, "~ limits.memory: \"512MiB\" → \"640MiB\"");
    assert!(
        scr.contains("0 to create, 1 to update, 0 to delete"),
        "{scr}"
    );
    t.wait_text(20, "a applies this plan");
    t.keys(&["a"]);
    t.wait_text(10, "Apply these changes?");
    t.keys(&["y"]);
    let scr = t.wait_text(60, "Re-plan after apply: no changes. In sync.");
    assert!(
        scr.contains("step 1/1: ~ update instance grafana01"),
        "{scr}"
    );
    assert!(scr.contains("done"), "{scr}");
    assert!(!scr.contains(secret), "{scr}");
    assert_eq!(
        incus(&[
            "config",
            "get",
            "grafana01",
            "limits.memory",
            "--project",
            PROJECT
        ])
        .trim(),
        "640MiB"
    );
    t.keys(&["Escape"]);
    t.wait(20, "grafana01 in sync", |s| {
        s.lines()
            .any(|l| l.contains("grafana01") && l.contains("in sync"))
    });
    t.keys(&["q"]);
    t.expect_clean_exit(0);
    // The secret is in no file of the console's.
    for f in [
        "state/atlas-tui.log",
        "state/journal.jsonl",
        "state/jobs.jsonl",
    ] {
        let text = std::fs::read_to_string(t.config_dir.path().join(f)).unwrap_or_default();
        assert!(!text.contains(secret), "{f} holds the secret");
    }
}
