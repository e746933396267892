//! Headless commands whose output is cut short end quietly (no panic, no backtrace), as Unix
//! tools do. No sandbox needed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::process::{Command, Stdio};

use atlas_tui::jobs::journal::{self, Entry};
use atlas_tui::jobs::{JobSpec, Target};

/// Runs atlas-tui with its stdout a pipe whose reading end is already closed.
fn run_into_closed_pipe(args: &[&str], state: &std::path::Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .args(args)
        .env("ATLAS_TUI_CONFIG_DIR", state.join("config"))
        .env("ATLAS_TUI_STATE_DIR", state)
        .env("INCUS_CONF", state.join("incus"))
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn commands_end_quietly_on_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let file = journal::journal_file(dir.path());
    let spec = JobSpec::DeleteSnapshot {
        target: Target::instance("local", "default", "grafana01"),
        name: "s1".into(),
    };
    for id in 0..2000 {
        let e = Entry::started(id, &spec, &[], &[], "oncall@atlas", chrono::Utc::now());
        journal::append(&file, &e).unwrap();
    }
    for args in [
        &["journal", "--since", "1h"][..],
        &["journal", "--since", "1h", "--json"],
        &["info"],
        &["completions", "bash"],
        &["man"],
    ] {
        let (code, err) = run_into_closed_pipe(args, dir.path());
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe") && !err.contains("backtrace"),
            "{args:?}: {err}"
        );
        // Killed by SIGPIPE (no exit code), as `cat` would be, or a clean exit.
        assert!(
            code.is_none() || code == Some(0),
            "{args:?}: {code:?} {err}"
        );
    }
}

/// `info` says which config and secret files others may read, as ssh does for keys.
#[test]
fn info_warns_of_config_files_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "theme = \"dark\"\n").unwrap();
    let info = |mode: u32| {
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
            .arg("info")
            .env("ATLAS_TUI_CONFIG_DIR", dir.path())
            .env("ATLAS_TUI_STATE_DIR", dir.path().join("state"))
            .env("INCUS_CONF", dir.path().join("no-incus"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = info(0o644);
    assert!(
        out.contains(&format!(
            "warning: {} is readable by others (mode 644): chmod 600",
            cfg.display()
        )),
        "{out}"
    );
    assert!(!info(0o600).contains("readable by others"));
}

/// `--version` names the commit and the day of the build; `--help` where things are and the
/// commands by task.
#[test]
fn version_and_help_say_what_a_newcomer_needs() {
    let run = |arg: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
            .arg(arg)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let v = run("--version");
    let re_like = v
        .trim()
        .strip_prefix("atlas-tui 0.")
        .map(|r| r.contains(" (") && r.ends_with(')'));
    assert_eq!(re_like, Some(true), "{v}");
    assert!(
        v.chars().filter(|c| *c == '-').count() >= 2,
        "a build date: {v}"
    );
    let h = run("--help");
    for want in [
        "Proxmox VE",
        "ATLAS_TUI_CONFIG_DIR",
        "ATLAS_TUI_STATE_DIR",
        "~/.config/atlas-tui/config.toml",
        "--match FILTER",
    ] {
        assert!(h.contains(want), "{want}:\n{h}");
    }
}

/// `info` with a config of three mistakes: each located (file:line:column), the rest applied
/// (its remote listed with its kind and read-only flag, and whether it answers), exit 1.
#[test]
fn info_lists_every_problem_and_whether_each_remote_answers() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    let text = "[refresh]\nusage_secs = \"fast\"\n\n[[alertmanagers]]\nname = \"am\"\nurl = \"http://127.0.0.1:1\"\n\n[[remotes]]\nname = \"pve-lab\"\nkind = \"pve\"\nurl = \"https://127.0.0.1:1\"\ntoken_id = \"atlas@pve!tui\"\ntoken_secret_env = \"ATLAS_TEST_PVE_TOKEN\"\nfingerprint = \"AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\"\nreadonly = true\ntheme = \"light\"\n\n[[remotes]]\nname = \"typo\"\nkind = \"pvee\"\n";
    std::fs::write(&cfg, text).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .arg("info")
        .env("ATLAS_TUI_CONFIG_DIR", dir.path())
        .env("ATLAS_TUI_STATE_DIR", dir.path().join("state"))
        .env("INCUS_CONF", dir.path().join("no-incus"))
        .env("ATLAS_TEST_PVE_TOKEN", "secret")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let at = |l: usize| format!("{}:{l}:1: ", cfg.display());
    assert!(stdout.contains("3 configuration problem(s)"), "{stdout}");
    assert!(
        stdout.contains(&format!("{}refresh.usage_secs", at(2))),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{}`theme` is not a key of [[remotes]]; did you mean to put it above the first [[remotes]]?",
            at(16)
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}remotes[1].kind", at(20))),
        "{stdout}"
    );
    assert!(
        stdout.contains("pve-lab        pve   https://127.0.0.1:1 (Proxmox VE) [readonly]"),
        "{stdout}"
    );
    assert!(stdout.contains("DOES NOT ANSWER"), "{stdout}");
    assert!(
        stdout.contains("am             alertmanager http://127.0.0.1:1"),
        "{stdout}"
    );
    assert!(!stdout.contains("secret\n"), "never a secret: {stdout}");
}
