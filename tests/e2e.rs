//! End-to-end: the real binary in tmux against the sandbox incusd, driven by keys.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use common::*;

#[test]
fn browse_panes_filter_details_and_quit() {
    let t = Tmux::start("browse", 100, 30, "--project default", |_| {});
    t.wait_text(20, "grafana01");
    let s = t.wait(20, "both remotes online", |s| {
        s.contains("● local") && s.contains("● atlas-https")
    });
    assert!(s.contains("Instances ("), "{s}");
    // The fleet's DHCP addresses on the sandbox bridge, in the IPV4 column.
    t.wait(30, "grafana01's IPv4 address", |s| {
        s.lines()
            .any(|l| l.contains("grafana01") && l.contains("10.203.77."))
    });
    t.keys(&["1"]);
    let s = t.wait_text(10, "atlas01");
    assert!(s.contains("Hosts (") && s.contains("Online"), "{s}");
    t.keys(&["3"]);
    let s = t.wait_text(10, "grafana01-data");
    // The stacks' pools: the TSDB's WAL on nvme, Loki's chunks on hdd.
    assert!(
        s.lines()
            .any(|l| l.contains("nvme") && l.contains("prometheus01-wal"))
            && s.lines()
                .any(|l| l.contains("hdd") && l.contains("loki01-chunks")),
        "{s}"
    );
    t.keys(&["/"]);
    t.text("graf");
    t.keys(&["Enter"]);
    let s = t.wait(10, "filtered volumes", |s| {
        s.contains("/graf") && !s.contains("loki01-data")
    });
    assert!(
        s.contains("grafana01-data") && s.contains("0 3 * * *"),
        "{s}"
    );
    t.keys(&["Enter"]);
    let s = t.wait_text(10, "name: grafana01-data");
    assert!(s.contains("snapshots.schedule: 0 3 * * *"), "{s}");
    assert!(s.contains("nightly-0"), "{s}");
    t.keys(&["Escape", "Escape"]);
    t.keys(&["4"]);
    let s = t.wait_text(10, "pre-upgrade");
    assert!(s.contains("before-compaction"), "{s}");
    t.keys(&[":"]);
    t.text("inst");
    t.keys(&["Enter"]);
    t.wait_text(10, "Instances (");
    t.keys(&["?"]);
    t.wait_text(10, "Help");
    t.keys(&["Escape", "q"]);
    t.expect_clean_exit(0);
}

#[test]
fn works_at_80x24_with_details_and_console_log() {
    let t = Tmux::start("small", 80, 24, "--remote local --project lab", |_| {});
    t.wait_text(20, "lab-web01");
    t.keys(&["/"]);
    t.text("lab-web");
    t.keys(&["Enter", "Enter"]);
    let s = t.wait_text(10, "name: lab-web01");
    assert!(s.contains("project: lab"), "{s}");
    t.keys(&["Tab"]);
    t.wait(10, "console log tab", |s| {
        s.contains("console log: local/lab/lab-web01")
    });
    t.keys(&["Escape", "q"]);
    t.expect_clean_exit(0);
}

#[test]
fn cli_changes_show_up_without_a_keypress() {
    let name = "e2e-live";
    incus_quiet(&["delete", "-f", name]);
    incus(&["init", "busybox", name]);
    let t = Tmux::start("live", 100, 30, "--remote local --project default", |_| {});
    t.wait_text(20, name);
    incus(&["start", name]);
    t.wait(20, "Running via events", |s| {
        s.lines().any(|l| l.contains(name) && l.contains("Running"))
    });
    t.keys(&["4"]);
    incus(&["snapshot", "create", name, "e2e-snap"]);
    t.wait_text(20, "e2e-snap");
    incus(&["delete", "-f", name]);
    t.wait(20, "snapshot gone with the instance", |s| {
        !s.contains("e2e-snap")
    });
    t.keys(&["q"]);
    t.expect_clean_exit(0);
}

/// A config with a syntax error and a keymap with a bad binding: the console starts, says how
/// many problems and the key that lists them; `F` lists each with its file, line and column;
/// the rest of both files applies (the user's `Q` quits, `[ui] start_pane` after the broken
/// line is in force).
#[test]
fn broken_user_files_are_located_and_the_rest_applies() {
    let t = Tmux::start(
        "broken",
        100,
        30,
        "--remote local --project default",
        |dir| {
            std::fs::write(
                dir.join("config.toml"),
                "theme = \"dark\"\n[refresh\nusage_secs = 2\n\n[ui]\nstart_pane = \"volumes\"\n",
            )
            .unwrap();
            std::fs::write(
                dir.join("keymap.toml"),
                "[normal]\n\"x\" = \"fly\"\n\"Q\" = \"quit\"\n",
            )
            .unwrap();
        },
    );
    let s = t.wait_text(20, "2 config problems (F: read them");
    assert!(
        s.contains("Volumes"),
        "start_pane of the config applies: {s}"
    );
    t.keys(&["F"]);
    let s = t.wait_text(10, "Configuration problems (2)");
    assert!(s.contains("config.toml:2:9"), "{s}");
    assert!(s.contains("keymap.toml:2:1"), "{s}");
    assert!(s.contains("`fly` is not one of the"), "{s}");
    t.keys(&["Escape"]);
    t.wait(10, "the problems closed", |s| {
        !s.contains("Configuration problems")
    });
    // The user's binding beside the bad one is in force.
    t.keys(&["Q"]);
    t.expect_clean_exit(0);
}

#[test]
fn unreachable_and_mispinned_remotes_show_offline_while_others_work() {
    let t = Tmux::start("offline", 120, 30, "--project default", |dir| {
        std::fs::write(
            dir.join("config.toml"),
            "[[remotes]]\nname = \"edge\"\naddr = \"https://127.0.0.1:1\"\n\n[[remotes]]\nname = \"impostor\"\naddr = \"https://127.0.0.1:8443\"\nserver_cert = \"/etc/ssl/certs/ca-certificates.crt\"\n",
        )
        .unwrap();
    });
    t.wait(30, "offline badges", |s| {
        s.contains("✖ edge offline") && s.contains("✖ impostor offline")
    });
    // The other remotes still work (their lists may land just after the badges).
    t.wait(20, "the other remotes' instances", |s| {
        s.contains("grafana01") && s.contains("✖ edge offline")
    });
    t.keys(&["1"]);
    let s = t.wait_text(10, "Offline");
    assert!(s.contains("edge") && s.contains("impostor"), "{s}");
    t.keys(&["q"]);
    t.expect_clean_exit(0);
}

#[test]
fn panic_restores_the_terminal() {
    // The fault-injection variable makes the binary panic after its first frame, as a bug would.
    let t = Tmux::start_with_env(
        "panic2",
        100,
        30,
        "ATLAS_TUI_PANIC_AFTER_DRAW=1",
        "--remote local --project default",
    );
    let s = t.wait_text(20, "EXITED:");
    assert!(s.contains("panic"), "{s}");
    t.expect_clean_exit(101);
}

/// `info` against the sandbox: every path, each remote with whether it answers, the problem with
/// its file, line and column, and exit 1 for it.
#[test]
fn info_prints_every_path_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[ui]\nstart_pane = \"nowhere\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .arg("info")
        .env("INCUS_CONF", sandbox_conf())
        .env("ATLAS_TUI_CONFIG_DIR", dir.path())
        .env("ATLAS_TUI_STATE_DIR", dir.path().join("state"))
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a problem: exit 1\n{s}");
    for want in [
        "config.toml:2:1: ui.start_pane: unknown pane",
        "(the default applies)",
        "answers: incus 6.0",
        "keymap.toml (not present)",
        "atlas-https",
        "pinned cert:",
        "servercerts/atlas-https.crt",
        "socket",
        "log file",
    ] {
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
    }
}

/// "An alert fires → jump to its instance → silence it", by keys, against the real Alertmanager.
#[test]
fn alert_fires_jump_to_instance_and_silence_it() {
    let name = format!("AtlasE2E{}", std::process::id());
    let t = Tmux::start(
        "alerts",
        110,
        32,
        "--remote local --project default",
        |dir| {
            std::fs::write(
            dir.join("config.toml"),
            "[alerts]\nrefresh_secs = 1\njitter_secs = 0\nsilence_author = \"e2e@atlas\"\n\n\
             [[alertmanagers]]\nname = \"control\"\nurl = \"http://127.0.0.1:9093\"\nremotes = [\"local\"]\n",
        )
        .unwrap();
        },
    );
    t.wait_text(20, "grafana01");
    t.keys(&["5"]);
    t.wait_text(20, "ServiceDown");
    // The alert fires while the console is open.
    let body = format!(
        r#"[{{"labels":{{"alertname":"{name}","instance":"mosquitto01.incus:1883","severity":"critical"}},"annotations":{{"summary":"MQTT broker does not answer"}}}}]"#
    );
    post_alert(&body);
    let s = t.wait_text(20, &name);
    assert!(s.contains("mosquitto01"), "{s}");
    t.keys(&["/"]);
    t.text(&name);
    t.keys(&["Enter", "o"]);
    let s = t.wait_text(10, "→ instance mosquitto01");
    assert!(s.contains("Instances ("), "{s}");
    let row = s.lines().find(|l| l.contains("mosquitto01")).unwrap();
    assert!(row.contains("crit"), "{s}");
    t.keys(&["m"]);
    let s = t.wait_text(10, "New silence");
    assert!(s.contains("Affected alerts right now:"), "{s}");
    assert!(
        s.contains(&name),
        "the new alert is among the affected ones: {s}"
    );
    assert!(s.contains("e2e@atlas"), "{s}");
    t.text("e2e: DNS maintenance");
    t.keys(&["Enter"]);
    t.wait(20, "the silence created", |s| {
        s.contains("create silence") && s.contains("done")
    });
    let out = std::process::Command::new("curl")
        .args(["-fsS", "http://127.0.0.1:9093/api/v2/silences"])
        .output()
        .unwrap();
    let silences: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let sil = silences
        .iter()
        .find(|s| s["comment"] == "e2e: DNS maintenance" && s["status"]["state"] == "active")
        .expect("the silence is in Alertmanager");
    assert_eq!(sil["createdBy"], "e2e@atlas");
    assert_eq!(sil["matchers"][0]["name"], "instance");
    assert_eq!(sil["matchers"][0]["value"], "mosquitto01([.:].*)?");
    assert_eq!(sil["matchers"][0]["isRegex"], true);
    t.keys(&["5"]);
    t.wait_text(20, "silenced");
    // Clean up so a rerun starts from a firing alert.
    let id = sil["id"].as_str().unwrap();
    let _ = std::process::Command::new("curl")
        .args([
            "-fsS",
            "-XDELETE",
            &format!("http://127.0.0.1:9093/api/v2/silence/{id}"),
        ])
        .status();
    t.keys(&["q"]);
    t.expect_clean_exit(0);
}

#[test]
fn an_alert_shows_its_runbook_and_y_copies_its_url() {
    let name = format!("AtlasRunbook{}", std::process::id());
    let url = format!("https://runbooks.atlas.lan/e2e#{}", std::process::id());
    let t = Tmux::start(
        "runbook",
        110,
        40,
        "--remote local --project default",
        |dir| {
            std::fs::write(
            dir.join("config.toml"),
            "[alerts]\nrefresh_secs = 1\njitter_secs = 0\n\n\
             [[alertmanagers]]\nname = \"control\"\nurl = \"http://127.0.0.1:9093\"\nremotes = [\"local\"]\n",
        )
        .unwrap();
            // Named as the stacks name them: `AtlasRunbook123` finds atlas-runbook-123.md.
            std::fs::create_dir(dir.join("runbooks")).unwrap();
            std::fs::write(
            dir.join(format!("runbooks/atlas-runbook-{}.md", std::process::id())),
            "# Broker down\n\n## Check\n- `incus exec mosquitto01 -- rc-service mosquitto status`\n",
        )
        .unwrap();
        },
    );
    // Applications may set tmux's clipboard (OSC 52), as operators who copy over SSH set it.
    t.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    t.wait_text(20, "grafana01");
    t.keys(&["5"]);
    let ends = (chrono::Utc::now() + chrono::Duration::minutes(3)).to_rfc3339();
    let body = format!(
        r#"[{{"labels":{{"alertname":"{name}","instance":"mosquitto01.incus:1883","severity":"warning"}},"annotations":{{"summary":"MQTT broker does not answer","runbook_url":"{url}"}},"endsAt":"{ends}"}}]"#
    );
    post_alert(&body);
    t.wait_text(20, &name);
    t.keys(&["/"]);
    t.text(&name);
    t.keys(&["Enter", "Enter"]);
    // The detail ends with the runbook; G shows the end.
    t.keys(&["G"]);
    let s = t.wait_text(10, "▌ BROKER DOWN");
    assert!(s.contains("rc-service mosquitto status"), "{s}");
    assert!(s.contains("runbooks/atlas-runbook-"), "{s}");
    // y offers what to copy, the runbook first.
    t.keys(&["y"]);
    t.wait_text(10, "Copy from");
    t.keys(&["Enter"]);
    t.wait_text(10, "copied runbook:");
    t.wait(10, "the URL in tmux's paste buffer", |_| {
        t.tmux(&["show-buffer"]) == url
    });
    t.keys(&["Escape", "q"]);
    t.expect_clean_exit(0);
}

/// Posts alerts (a JSON list) to the sandbox's control Alertmanager.
fn post_alert(body: &str) {
    let st = std::process::Command::new("curl")
        .args(["-fsS", "-XPOST", "-H", "Content-Type: application/json"])
        .args(["http://127.0.0.1:9093/api/v2/alerts", "-d", body])
        .status()
        .unwrap();
    assert!(st.success());
}

/// The 3 a.m. path: an alert fires on an instance → the timeline shows it → restart it under a
/// maintenance silence → the alert resolves during the watch → the timeline, the job's result,
/// the journal and `atlas-tui timeline` record it all.
#[test]
fn an_alert_fires_a_maintenance_restart_and_the_timeline_records_it() {
    let project = Project::new("e2e-maint");
    // Named for this run, so that alerts a failed run left behind are about another instance.
    let inst = format!("maint{}", std::process::id());
    incus(&["launch", "busybox", &inst, "--project", &project.0]);
    let name = format!("AtlasMaintenanceProbe{}", std::process::id());
    let alert = |ends: chrono::DateTime<chrono::Utc>| {
        format!(
            r#"[{{"labels":{{"alertname":"{name}","instance":"{inst}.incus:9100","severity":"critical"}},"annotations":{{"summary":"{inst} does not answer its probe"}},"endsAt":"{}"}}]"#,
            ends.to_rfc3339()
        )
    };
    let t = Tmux::start(
        "maint",
        150,
        40,
        "--remote local --project e2e-maint",
        |dir| {
            std::fs::write(
                dir.join("config.toml"),
                "[alerts]\nrefresh_secs = 1\njitter_secs = 0\n\n\
                 [actions]\nmaintenance_watch_secs = 10\n\n\
                 [[alertmanagers]]\nname = \"control\"\nurl = \"http://127.0.0.1:9093\"\nremotes = [\"local\"]\n",
            )
            .unwrap();
        },
    );
    t.wait_text(20, &inst);
    // The Alertmanager has answered once (its alerts are counted) before this one fires, so
    // the console sees it start.
    t.wait(20, "the control Alertmanager's alerts", |s| {
        s.contains("5 Alrt▲") || s.contains("5 Alerts▲")
    });
    post_alert(&alert(chrono::Utc::now() + chrono::Duration::minutes(3)));
    t.wait(20, "the alert on the instance", |s| {
        s.lines()
            .any(|l| l.contains(&inst) && l.contains("▲1 crit"))
    });
    // The timeline shows it fire.
    t.keys(&["-"]);
    t.wait(10, "the firing line", |s| {
        s.lines().any(|l| l.contains("firing") && l.contains(&name))
    });
    // Restart the instance from its row, under a maintenance silence.
    t.keys(&["2", "/"]);
    t.text(&inst);
    t.keys(&["Enter", "R"]);
    let label = format!("local:{inst} (e2e-maint)");
    t.wait_text(
        10,
        &format!("[ ] silence {label}'s alerts during the action"),
    );
    t.keys(&["Tab"]);
    t.wait_text(10, &format!("[x] silence {label}'s alerts"));
    t.keys(&["y"]);
    // The jobs pane: the silence goes in first, then the restart runs and ends.
    t.keys(&["7"]);
    t.wait(60, "the restart to end", |s| {
        s.lines()
            .any(|l| l.contains("restart") && l.contains(&label) && l.contains("done"))
    });
    // The probe answers again: Prometheus would resolve the alert now.
    post_alert(&alert(chrono::Utc::now()));
    // The job's result says how the watch ended.
    let s = t.wait(40, "the watch's report", |s| {
        s.contains("maintenance resolved")
    });
    assert!(
        s.contains(&format!("maintenance resolved: no alert fires on {label}")),
        "{s}"
    );
    // The timeline: fired, silenced, restarted, expired, resolved.
    t.keys(&["-"]);
    let s = t.wait(10, "the resolved line", |s| {
        s.lines()
            .any(|l| l.contains("resolved") && l.contains(&name))
    });
    for what in [
        "silence created",
        "restart done",
        "expired",
        "instance-restarted",
        "maintenance",
    ] {
        let words: Vec<&str> = what.split(' ').collect();
        assert!(
            s.lines().any(|l| words.iter().all(|w| l.contains(w))),
            "{what} missing:\n{s}"
        );
    }
    t.keys(&["q"]);
    t.expect_clean_exit(0);

    // The same story for a postmortem, from the state dir.
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
            .args(args)
            .env("INCUS_CONF", sandbox_conf())
            .env("ATLAS_TUI_CONFIG_DIR", t.config_dir.path())
            .env("ATLAS_TUI_STATE_DIR", t.config_dir.path().join("state"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let md = run(&["timeline", "--since", "30m", "--markdown"]);
    for want in [
        format!("| alert | firing | local/e2e-maint/{inst} | {name} (critical)"),
        "| silence | created | instance=~".to_string(),
        format!("| job | restart done | {label}"),
        format!("| event | instance-restarted | local/e2e-maint/{inst} |"),
        "| silence | expired |".to_string(),
        format!("| alert | resolved | local/e2e-maint/{inst} | {name} (critical)"),
        format!("| job | maintenance resolved | {label}"),
    ] {
        assert!(md.contains(&want), "{want} missing:\n{md}");
    }
    let journal = run(&["journal", "--since", "30m"]);
    assert!(journal.contains("resolved  maintenance"), "{journal}");
}
