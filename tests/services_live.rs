//! Service definitions against the real sandbox incusd: the shipped examples applied into a
//! scratch project (`incus config show` confirms), plans empty afterwards, one edited limit
//! planned as exactly one update, rendered cloud-init landing in `cloud-init.user-data`, bad
//! input changing nothing, and a concurrent server change (ETag mismatch) not overwritten.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use atlas_tui::incus::client::IncusClient;
use std::sync::Arc;

use atlas_tui::backend::Operator;
use atlas_tui::incus::IncusOperator;
use atlas_tui::jobs::Reporter;
use atlas_tui::jobs::{JobSpec, Outcome};
use atlas_tui::services::load_dir;
use atlas_tui::services::plan::Op;
use atlas_tui::survey::plan_all;
use common::*;
use tokio::sync::{mpsc, watch};

/// The shipped examples, moved into `project`, on the sandbox's busybox image, with the proxy
/// on a free port and the secrets provided.
fn examples_in(dir: &Path, project: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/services");
    copy_dir(&src, dir);
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let t = std::fs::read_to_string(&p).unwrap();
            let t = t
                .replace("project = \"default\"", &format!("project = \"{project}\""))
                .replace("image = \"debian-12-cloud\"", "image = \"busybox\"")
                .replace("127.0.0.1:3000", "127.0.0.1:23000");
            std::fs::write(&p, t).unwrap();
        }
    }
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    std::fs::write(dir.join("secrets/step-ca-password"), "ca-pass-123\n").unwrap();
}

/// Runs the binary with a config pointing at `services`; (exit code, stdout, stderr).
fn atlas(home: &Path, services: &Path, args: &[&str]) -> (i32, String, String) {
    let cfg = home.join("config.toml");
    std::fs::write(
        &cfg,
        format!("services_dir = {:?}\n", services.display().to_string()),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .arg("--config")
        .arg(&cfg)
        .args(args)
        .env("INCUS_CONF", sandbox_conf())
        .env("ATLAS_TUI_STATE_DIR", home.join("state"))
        .env("ATLAS_TUI_CONFIG_DIR", home.join("cfg"))
        .env("GRAFANA_ADMIN_PASSWORD", "hunter2-grafana")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn get(project: &str, name: &str, key: &str) -> String {
    incus(&["config", "get", name, key, "--project", project])
        .trim_end_matches('\n')
        .to_string()
}

#[test]
fn shipped_examples_apply_then_plan_is_empty_and_one_limit_is_one_update() {
    let _lock = common::exclusive();
    let p = Project::new("svc-test");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("services");
    examples_in(&dir, &p.0);

    let (code, out, err) = atlas(home.path(), &dir, &["plan"]);
    assert_eq!(code, 3, "changes expected:\n{out}\n{err}");
    assert!(out.contains("+ create instance grafana01"), "{out}");
    assert!(
        out.contains("+ create volume default/grafana01-data"),
        "{out}"
    );
    assert!(
        !out.contains("hunter2-grafana"),
        "secret in the plan: {out}"
    );

    let (code, out, err) = atlas(home.path(), &dir, &["apply", "--yes"]);
    assert_eq!(code, 0, "apply failed:\n{out}\n{err}");
    assert!(out.contains("Re-plan: no changes"), "{out}\n{err}");
    assert!(
        !out.contains("hunter2-grafana") && !err.contains("hunter2-grafana"),
        "secret printed"
    );
    assert!(err.contains("step 1/"), "progress per step expected: {err}");

    // What Incus has now.
    let show = incus(&["config", "show", "grafana01", "--project", &p.0]);
    assert!(show.contains("limits.memory: 512MiB"), "{show}");
    assert!(show.contains("limits.memory.enforce: soft"), "{show}");
    assert!(show.contains("listen: tcp:127.0.0.1:23000"), "{show}");
    assert!(show.contains("path: /var/lib/grafana"), "{show}");
    let list = incus(&["list", "--project", &p.0, "-f", "csv", "-c", "ns"]);
    for n in [
        "grafana01",
        "prometheus01",
        "loki01",
        "alertmanager01",
        "step-ca01",
        "mosquitto01",
        "coredns01",
    ] {
        assert!(
            list.contains(&format!("{n},RUNNING")),
            "{n} not running: {list}"
        );
    }
    let vol = |v: &str, k: &str| {
        incus(&[
            "storage",
            "volume",
            "get",
            "default",
            v,
            k,
            "--project",
            &p.0,
        ])
        .trim()
        .to_string()
    };
    assert_eq!(vol("grafana01-data", "snapshots.schedule"), "0 3 * * *");
    assert_eq!(vol("grafana01-data", "snapshots.pattern"), "nightly-%d");
    assert_eq!(vol("grafana01-data", "size"), "2GiB");
    assert_eq!(vol("loki01-data", "snapshots.expiry"), "2d");

    // The rendered cloud-init is what landed (secrets and all).
    let (code, rendered, _) = atlas(home.path(), &dir, &["render", "grafana01", "--reveal"]);
    assert_eq!(code, 0);
    assert!(rendered.contains("admin_password = hunter2-grafana"));
    assert_eq!(
        get(&p.0, "grafana01", "cloud-init.user-data"),
        rendered.trim_end_matches('\n')
    );
    let (_, masked, _) = atlas(home.path(), &dir, &["render", "grafana01"]);
    assert!(!masked.contains("hunter2-grafana") && masked.contains("admin_password = ••••••"));
    let (_, ca, _) = atlas(home.path(), &dir, &["render", "step-ca01", "--reveal"]);
    assert!(
        get(&p.0, "step-ca01", "cloud-init.user-data").contains("\"ca-pass-123\""),
        "{ca}"
    );

    let (code, out, err) = atlas(home.path(), &dir, &["plan"]);
    assert_eq!(code, 0, "second plan must be empty:\n{out}\n{err}");
    assert!(
        out.contains("Plan: 0 to create, 0 to update, 0 to delete"),
        "{out}"
    );

    // One limit edited: exactly one update with one change.
    let f = dir.join("grafana01.toml");
    let t = std::fs::read_to_string(&f)
        .unwrap()
        .replace("memory = \"512MiB\"", "memory = \"768MiB\"");
    std::fs::write(&f, t).unwrap();
    let (code, out, err) = atlas(home.path(), &dir, &["plan", "--json"]);
    assert_eq!(code, 3, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let steps: Vec<&serde_json::Value> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["steps"].as_array().unwrap())
        .collect();
    assert_eq!(steps.len(), 1, "{out}");
    assert_eq!(steps[0]["op"], "update");
    let changes = steps[0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{out}");
    assert_eq!(changes[0]["key"], "limits.memory");
    assert_eq!(changes[0]["old"], "512MiB");
    assert_eq!(changes[0]["new"], "768MiB");
    let (code, out, err) = atlas(home.path(), &dir, &["apply", "--yes", "grafana01"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(get(&p.0, "grafana01", "limits.memory"), "768MiB");

    // A description edited: one update with that change, applied.
    let t = std::fs::read_to_string(&f).unwrap().replace(
        "description = \"Grafana dashboards\"",
        "description = \"Grafana, on call\"",
    );
    std::fs::write(&f, t).unwrap();
    let (code, out, err) = atlas(home.path(), &dir, &["plan", "--json"]);
    assert_eq!(code, 3, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changes: Vec<&serde_json::Value> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["steps"].as_array().unwrap())
        .flat_map(|s| s["changes"].as_array().unwrap())
        .collect();
    assert_eq!(changes.len(), 1, "{out}");
    assert_eq!(changes[0]["key"], "description");
    assert_eq!(changes[0]["old"], "Grafana dashboards");
    assert_eq!(changes[0]["new"], "Grafana, on call");
    let (code, out, err) = atlas(home.path(), &dir, &["apply", "--yes", "grafana01"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let show = incus(&["config", "show", "grafana01", "--project", &p.0]);
    assert!(show.contains("description: Grafana, on call"), "{show}");

    // The journal has the apply, without the secret.
    let journal = std::fs::read_to_string(home.path().join("state/journal.jsonl")).unwrap();
    assert!(journal.contains("\"apply\""), "{journal}");
    let history = std::fs::read_to_string(home.path().join("state/jobs.jsonl")).unwrap();
    assert!(!journal.contains("hunter2-grafana") && !history.contains("hunter2-grafana"));
}

#[test]
fn bad_input_is_reported_and_changes_nothing() {
    let _lock = common::exclusive();
    let p = Project::new("svc-err");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("services");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    let good = |name: &str| {
        format!(
            "name = \"{name}\"\nproject = \"{}\"\nimage = \"busybox\"\n\n[[volumes]]\nname = \"{name}-data\"\npool = \"default\"\npath = \"/data\"\n\n[cloud_init]\ntemplate = \"templates/t.yaml.tftpl\"\nvars = {{ host = \"{name}\" }}\n",
            p.0
        )
    };
    std::fs::write(
        dir.join("templates/t.yaml.tftpl"),
        "#cloud-config\nhostname: ${host}\n",
    )
    .unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "toml",
            good("bad-toml").replace("image = \"busybox\"", "image = \"busybox"),
            "bad-toml.toml:3",
        ),
        (
            "template",
            good("bad-tpl").replace("t.yaml.tftpl", "broken.yaml.tftpl"),
            "broken.yaml.tftpl:3: undefined variable `hostnme`",
        ),
        (
            "image",
            good("bad-image").replace("\"busybox\"", "\"no-such-image\""),
            "image \"no-such-image\" is not on local",
        ),
        (
            "pool",
            good("bad-pool").replace("pool = \"default\"", "pool = \"nopool\""),
            "storage pool \"nopool\" does not exist",
        ),
        (
            "yaml",
            good("bad-yaml").replace("t.yaml.tftpl", "y.yaml"),
            "not valid YAML",
        ),
    ];
    std::fs::write(
        dir.join("templates/broken.yaml.tftpl"),
        "#cloud-config\npackages: [a]\nhostname: ${hostnme}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("templates/y.yaml"),
        "#cloud-config\npackages: [a\nruncmd: []\n",
    )
    .unwrap();
    for (what, text, expect) in &cases {
        let only = tempfile::tempdir().unwrap();
        let name = text.lines().next().unwrap().split('"').nth(1).unwrap();
        std::fs::write(only.path().join(format!("{name}.toml")), text).unwrap();
        copy_dir(&dir.join("templates"), &only.path().join("templates"));
        let (code, out, err) = atlas(home.path(), only.path(), &["plan"]);
        assert_eq!(code, 1, "{what}: plan should fail\n{out}\n{err}");
        assert!(
            out.contains(expect),
            "{what}: expected {expect:?} in\n{out}\n{err}"
        );
        let (code, out, err) = atlas(home.path(), only.path(), &["apply", "--yes"]);
        assert_eq!(code, 1, "{what}: apply should fail\n{out}\n{err}");
        assert!(err.contains("nothing applied"), "{what}: {err}");
    }
    let list = incus(&["list", "--project", &p.0, "-f", "csv", "-c", "n"]);
    assert!(list.trim().is_empty(), "instances were created: {list}");
    let vols = incus(&[
        "storage",
        "volume",
        "list",
        "default",
        "--project",
        &p.0,
        "-f",
        "csv",
        "-c",
        "tn",
    ]);
    assert!(!vols.contains("custom"), "volumes were created: {vols}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_change_after_the_plan_is_not_overwritten() {
    let _lock = common::exclusive();
    let p = Project::new("svc-etag");
    let dir = tempfile::tempdir().unwrap();
    let def = |mem: &str| {
        format!(
            "name = \"etag01\"\nproject = \"{}\"\nimage = \"busybox\"\nstart = false\n[limits]\nmemory = \"{mem}\"\n",
            p.0
        )
    };
    let f: PathBuf = dir.path().join("etag01.toml");
    std::fs::write(&f, def("256MiB")).unwrap();
    let client = IncusClient::new(&sandbox_remote("local")).unwrap();
    let run = |plans| {
        let client = client.clone();
        async move {
            let (tx, _rx) = mpsc::unbounded_channel();
            let (_ctx, crx) = watch::channel(false);
            let spec = JobSpec::Apply {
                target: atlas_tui::jobs::Target::instance("local", "svc-etag", "etag01"),
                plans,
            };
            atlas_tui::incus::jobs::run(&client, &spec, &Reporter::new(tx), crx).await
        }
    };
    let c = client.clone();
    let plan = plan_all(&load_dir(dir.path()).unwrap(), move |_| {
        Ok(Arc::new(IncusOperator::from_client(c.clone())) as Arc<dyn Operator>)
    })
    .await;
    assert_eq!(
        plan.services[0].steps[0].op,
        Op::Create,
        "{}",
        plan.render_text()
    );
    let o = run(plan.services.clone()).await;
    assert!(matches!(o, Outcome::Done(_)), "{o:?}");

    // Plan a change, then someone changes the instance before it is applied.
    std::fs::write(&f, def("384MiB")).unwrap();
    let c = client.clone();
    let plan = plan_all(&load_dir(dir.path()).unwrap(), move |_| {
        Ok(Arc::new(IncusOperator::from_client(c.clone())) as Arc<dyn Operator>)
    })
    .await;
    assert_eq!(plan.services[0].steps.len(), 1, "{}", plan.render_text());
    incus_async(&["config", "set", "etag01", "limits.cpu=1", "--project", &p.0]).await;
    let o = run(plan.services.clone()).await;
    match &o {
        Outcome::Failed(e) => assert!(
            e.contains("ETag mismatch") && e.contains("plan again"),
            "{e}"
        ),
        other => panic!("the stale plan was applied: {other:?}"),
    }
    let show = incus_async(&["config", "show", "etag01", "--project", &p.0]).await;
    assert!(
        show.contains("limits.memory: 256MiB") && show.contains("limits.cpu: \"1\""),
        "{show}"
    );

    // A fresh plan applies.
    let c = client.clone();
    let plan = plan_all(&load_dir(dir.path()).unwrap(), move |_| {
        Ok(Arc::new(IncusOperator::from_client(c.clone())) as Arc<dyn Operator>)
    })
    .await;
    let o = run(plan.services.clone()).await;
    assert!(matches!(o, Outcome::Done(_)), "{o:?}");
    let show = incus_async(&["config", "show", "etag01", "--project", &p.0]).await;
    assert!(
        show.contains("limits.memory: 384MiB") && show.contains("limits.cpu: \"1\""),
        "{show}"
    );
}
