//! What the benchmarks measure with: the real binary in tmux, CPU ticks and memory from
//! `/proc`, raw calls with curl, percentiles.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The `p`th percentile (nearest rank).
pub fn percentile(v: &[Duration], p: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// User + system CPU ticks (1/100 s) of a process.
pub fn proc_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

/// Resident memory now and at its peak, in KiB.
pub fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// One GET over a unix socket with curl, the body thrown away.
pub fn curl_unix(socket: &Path, path: &str) -> Duration {
    let t = Instant::now();
    let o = Command::new("curl")
        .args(["-sf", "-o", "/dev/null", "--unix-socket"])
        .arg(socket)
        .arg(format!("http://incus{path}"))
        .status()
        .expect("curl");
    assert!(o.success(), "curl {path}");
    t.elapsed()
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The sandbox's incus CLI configuration directory.
pub fn conf() -> String {
    let dir =
        std::env::var("ATLAS_SANDBOX_DIR").unwrap_or_else(|_| "/var/tmp/atlas-sandbox".into());
    format!("{dir}/incus-conf")
}

/// The incus CLI against the sandbox.
pub fn incus(args: &[&str]) -> std::process::Output {
    Command::new("incus")
        .args(args)
        .env("INCUS_CONF", conf())
        .output()
        .expect("incus CLI")
}

/// The time from a shell line's start, in the same tmux harness as the console, until its
/// output would be on screen: the raw call measured through the same lens as the console's
/// first paint (process start, TLS, the answer, tmux showing it).
pub fn raw_in_tmux(line: &str) -> Duration {
    let t = Tmux::start(
        &format!("sh -c '{line} > /dev/null && echo RAW-CALL-DONE; sleep 5'"),
        120,
        40,
    );
    t.wait_for("RAW-CALL-DONE", Duration::from_secs(30))
}

/// A command in its own tmux server, as a person would run it.
pub struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `cmd` (a shell line) in a `w`x`h` terminal; the time it starts is noted by the
    /// shell just before it runs the command.
    pub fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        Self::start_with(cmd, w, h, |_| {})
    }

    /// [`Tmux::start`], with files written into the config dir first (`config.toml`).
    pub fn start_with(cmd: &str, w: u16, h: u16, prepare: impl FnOnce(&Path)) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path());
        let socket = format!(
            "atlas-bench-{}-{}",
            std::process::id(),
            now_ns() % 1_000_000
        );
        let line = format!(
            "ATLAS_TUI_CONFIG_DIR={d} ATLAS_TUI_STATE_DIR={d}/state; export ATLAS_TUI_CONFIG_DIR ATLAS_TUI_STATE_DIR; date +%s%N > {d}/start; exec env {cmd}",
            d = dir.path().display()
        );
        let ok = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-s", "b", "-x"])
            .arg(w.to_string())
            .arg("-y")
            .arg(h.to_string())
            .arg(line)
            .env_remove("TMUX")
            .status()
            .unwrap();
        assert!(ok.success());
        Tmux { socket, dir }
    }

    pub fn screen(&self) -> String {
        let o = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "b"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// The time from the command's start until `text` is on screen (polled as fast as tmux
    /// answers, a few ms).
    pub fn wait_for(&self, text: &str, timeout: Duration) -> Duration {
        self.wait_until(text, |s| s.contains(text), timeout)
    }

    /// The time from the command's start until the screen is as `done` wants it.
    pub fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> Duration {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.screen()) {
                let seen = now_ns();
                let start: u128 = std::fs::read_to_string(self.dir.path().join("start"))
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap();
                return Duration::from_nanos((seen - start) as u64);
            }
            assert!(
                Instant::now() < deadline,
                "{what} not on screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The pid of the newest process running `exe` (the console in this terminal).
    pub fn pid_of(&self, exe: &str) -> u32 {
        let o = Command::new("pgrep")
            .args(["-n", "-f", exe])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .expect("process running")
    }

    pub fn send(&self, keys: &[&str]) {
        Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "b"])
            .args(keys)
            .status()
            .unwrap();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
