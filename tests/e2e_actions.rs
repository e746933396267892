//! End to end in tmux, by keys alone: select a volume → snapshot it → the data changes →
//! restore the snapshot (its instance is stopped and started around it) → the data is back;
//! then a shell in the instance and back, and the jobs and journal panes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use common::*;

struct Scratch(&'static str);

impl Scratch {
    fn new(name: &'static str) -> Self {
        Self::cleanup(name);
        incus(&["init", "busybox", name]);
        let vol = format!("{name}-data");
        incus(&["storage", "volume", "create", "default", &vol, "size=64MiB"]);
        incus(&[
            "storage", "volume", "attach", "default", &vol, name, "/data",
        ]);
        incus(&["start", name]);
        Scratch(name)
    }

    fn cleanup(name: &str) {
        incus_quiet(&["delete", "-f", name]);
        incus_quiet(&[
            "storage",
            "volume",
            "delete",
            "default",
            &format!("{name}-data"),
        ]);
    }

    fn cat(&self, file: &str) -> String {
        incus(&["exec", self.0, "--", "cat", file])
            .trim()
            .to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        Self::cleanup(self.0);
    }
}

#[test]
fn volume_snapshot_change_restore_by_keys() {
    let _lock = common::exclusive();
    let s = Scratch::new("e2e-vol01");
    incus(&["exec", s.0, "--", "sh", "-c", "echo before > /data/f"]);
    let t = Tmux::start(
        "actions",
        120,
        32,
        "--remote local --project default",
        |_| {},
    );
    t.wait_text(20, "grafana01");

    // Select the volume and snapshot it.
    t.keys(&["3", "/"]);
    t.text("e2e-vol01-data");
    t.keys(&["Enter"]);
    // Its row, not the filter's text in the title: the volumes may still be loading.
    t.wait(20, "the volume row", |scr| {
        scr.lines()
            .any(|l| l.contains("local/default") && l.contains("e2e-vol01-data"))
    });
    t.keys(&["n"]);
    t.wait_text(10, "Snapshot local:default/e2e-vol01-data");
    t.keys(&["C-u"]);
    t.text("e2e-snap");
    t.keys(&["Enter"]);
    t.wait_text(30, "snapshot e2e-snap created");

    // The data changes.
    incus(&["exec", s.0, "--", "sh", "-c", "echo after > /data/f"]);
    assert_eq!(s.cat("/data/f"), "after");

    // Restore it: the preview says the instance is stopped and started around it.
    t.keys(&["4", "Escape", "/"]);
    t.text("e2e-snap");
    t.keys(&["Enter"]);
    t.wait(20, "the snapshot row", |scr| {
        scr.lines()
            .any(|l| l.contains("e2e-vol01-data") && l.contains("e2e-snap"))
    });
    t.keys(&["r"]);
    let scr = t.wait_text(10, "to snapshot e2e-snap?");
    assert!(scr.contains("used by running e2e-vol01"), "{scr}");
    assert!(scr.contains("safety snapshot atlas-safety-"), "{scr}");
    t.keys(&["y"]);
    // A busybox container may ignore the clean stop: it is forced after 30 s. A busy CI machine
    // may take a while more; a failure prints the logs of atlas-tui and incusd.
    t.wait_text(240, "restored to e2e-snap");
    assert_eq!(s.cat("/data/f"), "before", "the data is back");
    assert!(incus(&["list", s.0, "-f", "csv", "-c", "s"]).contains("RUNNING"));
    let snaps = incus(&[
        "query",
        "/1.0/storage-pools/default/volumes/custom/e2e-vol01-data/snapshots",
    ]);
    assert!(
        snaps.contains("atlas-safety-"),
        "safety snapshot kept: {snaps}"
    );

    // The jobs pane lists both jobs; the journal has the restore with its incus command.
    t.keys(&["7"]);
    let scr = t.wait_text(10, "restore");
    assert!(scr.contains("snapshot"), "{scr}");
    t.keys(&["8"]);
    t.wait_text(10, "e2e-vol01-data/e2e-snap");

    // A shell in the instance, and back.
    t.keys(&["2", "Escape", "/"]);
    t.text("e2e-vol01");
    t.keys(&["Enter"]);
    t.wait(20, "the instance row", |scr| {
        scr.lines()
            .any(|l| l.contains("local/default") && l.contains("e2e-vol01 "))
    });
    t.keys(&["x"]);
    t.wait_text(20, "exit it to return");
    // The shell's prompt (busybox sh as root ends it with `#`) says it reads what is typed.
    t.wait(20, "the shell prompt", |s| {
        s.lines().any(|l| l.trim_end().ends_with('#'))
    });
    t.text("echo from-shell > /root/x; exit");
    t.keys(&["Enter"]);
    t.wait_text(20, "back from the shell in local:e2e-vol01");
    assert_eq!(s.cat("/root/x"), "from-shell");
    // The console still answers keys after the shell.
    t.keys(&["8"]);
    t.wait_text(10, "shell");
    t.keys(&["q"]);
    t.expect_clean_exit(0);

    // The journal file has it all, and `atlas-tui journal` prints it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .args(["journal", "--since", "1h"])
        .env("ATLAS_TUI_STATE_DIR", t.config_dir.path().join("state"))
        .env("ATLAS_TUI_CONFIG_DIR", t.config_dir.path())
        .env("INCUS_CONF", sandbox_conf())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains(
            "incus storage volume snapshot restore local:default e2e-vol01-data e2e-snap"
        ),
        "{text}"
    );
    assert!(text.contains("shell"), "{text}");
}

/// A config with one long configured command (a job that runs until told otherwise).
fn long_command(dir: &std::path::Path) {
    std::fs::write(
        dir.join("config.toml"),
        "[[commands]]\nname = \"long\"\ncommand = \"sleep 120\"\n",
    )
    .unwrap();
}

/// Waits for a line of `file` holding every one of `needles`.
fn line_with(file: &std::path::Path, needles: &[&str]) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| needles.iter().all(|n| l.contains(n))) {
            return l.to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no line with {needles:?} in {}:\n{text}",
            file.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A job is never lost: `q` while it runs asks; leaving it ends it `abandoned by quit` in the
/// history and the journal (its `started` line gets its end); an SSH session that drops
/// (SIGHUP) records it the same way; the job numbers of a later session do not repeat the
/// earlier ones, though a headless command took one in between.
#[test]
fn jobs_running_at_quit_or_hangup_are_recorded_never_lost() {
    let t = Tmux::start(
        "quitjobs",
        120,
        30,
        "--remote local --project default",
        long_command,
    );
    let state = t.config_dir.path().join("state");
    t.wait_text(30, "grafana01");
    // The journal pane shows what a headless command adds while it is open (here a snapshot
    // of an instance that is not there: job 1, failed).
    t.keys(&["8"]);
    let (code, _, _) = atlas(
        &state,
        &["snapshot", "local:no-such-instance-xyz", "--name", "x"],
    );
    assert_eq!(code, 1);
    t.wait_text(10, "no-such-instance-xyz");
    line_with(&state.join("jobs.jsonl"), &["\"id\":1"]);
    t.keys(&[":"]);
    t.text("run long");
    t.keys(&["Enter"]);
    t.wait_text(10, "job 2");
    t.keys(&["q"]);
    t.wait_text(10, "Quit? 1 job(s) still running");
    t.keys(&["j", "j", "Enter"]);
    t.expect_clean_exit(0);
    let record = line_with(&state.join("jobs.jsonl"), &["abandoned by quit"]);
    assert!(record.contains("\"id\":2"), "{record}");
    line_with(
        &state.join("journal.jsonl"),
        &["\"status\":\"abandoned\"", "\"job\":2"],
    );

    // A second session on the same state dir: its job is number 3, and SIGHUP (an SSH session
    // that drops) records it.
    let dir = t.config_dir.path().to_path_buf();
    let t2 = Tmux::start(
        "quitjobs2",
        120,
        30,
        "--remote local --project default",
        |d| {
            std::fs::write(
                d.join("config.toml"),
                std::fs::read_to_string(dir.join("config.toml")).unwrap(),
            )
            .unwrap();
            copy_dir(&dir.join("state"), &d.join("state"));
        },
    );
    let state2 = t2.config_dir.path().join("state");
    t2.wait_text(30, "grafana01");
    t2.keys(&[":"]);
    t2.text("run long");
    t2.keys(&["Enter"]);
    t2.wait_text(10, "job 3");
    t2.tmux(&["kill-server"]);
    // The terminal's end reaches the console as SIGHUP or as its reads ending, whichever first.
    let record = line_with(&state2.join("jobs.jsonl"), &["abandoned", "\"id\":3"]);
    assert!(
        record.contains("SIGHUP") || record.contains("terminal closed"),
        "{record}"
    );
}
