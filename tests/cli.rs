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
