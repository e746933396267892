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
