//! Shared test helpers: fixtures captured from the real sandbox incusd, and a state built from them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing
#![allow(dead_code)]

use atlas_tui::app::state::{AppState, RemoteView};
use atlas_tui::backend::{ConnState, InventoryEvent, Update};
use atlas_tui::config::Keymap;
use atlas_tui::incus::Scope;
use atlas_tui::incus::client::parse_envelope;
use atlas_tui::incus::convert::{member_host, split_volume_listing};
use atlas_tui::incus::types::*;
use chrono::{DateTime, TimeZone, Utc};

pub mod pve;
pub mod relay;

pub fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    parse_envelope(name, 200, &bytes).unwrap()
}

/// An instance listing fixture, as the Incus provider hands it to the console (a `recursion=2`
/// capture with its details, a `recursion=1` one without).
pub fn instances_fixture(name: &str) -> Vec<atlas_tui::inventory::Instance> {
    fixture::<Vec<Instance>>(name)
        .into_iter()
        .map(atlas_tui::incus::convert::detailed)
        .collect()
}

/// The instances of a remote as its cheap listing gives them: without state or snapshots.
pub fn cheap_listing(s: &AppState, remote: usize) -> Vec<atlas_tui::inventory::Instance> {
    s.remotes[remote]
        .instances
        .iter()
        .map(|i| {
            let mut inst = i.inst.clone();
            inst.state = None;
            inst.snapshots = None;
            inst
        })
        .collect()
}

/// A fixed "now" shortly after the fixtures were captured.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()
}

/// State with two remotes: `local` loaded from the fixtures, `edge` offline.
pub fn loaded_state() -> AppState {
    let mut remotes = vec![
        RemoteView::new("local", "unix:/var/lib/incus/unix.socket", false),
        RemoteView::new("edge", "https://127.0.0.1:9443", true),
    ];
    // Both are Incus remotes, as the console sets them up.
    for r in &mut remotes {
        r.caps = atlas_tui::incus::provider::CAPABILITIES;
    }
    let mut s = AppState::new(remotes, Keymap::defaults(), Scope::All, "default".into());
    let t = now();
    s.apply(
        Update::Inventory(InventoryEvent::Status {
            remote: "local".into(),
            state: ConnState::Online {
                via: None,
                version: "6.0.4".into(),
                clustered: true,
            },
        }),
        t,
    );
    let members: Vec<ClusterMember> = fixture("members.json");
    let mstate: ClusterMemberState = fixture("member_state.json");
    let res: Resources = fixture("resources.json");
    s.apply(
        Update::Inventory(InventoryEvent::Hosts {
            remote: "local".into(),
            hosts: vec![member_host(
                "local",
                "6.0.4",
                &members[0],
                Some(&mstate),
                Some(&res),
            )],
        }),
        t,
    );
    s.apply(
        Update::Inventory(InventoryEvent::Instances {
            remote: "local".into(),
            instances: instances_fixture("instances_r2.json"),
            with_state: true,
        }),
        t,
    );
    let (volumes, snapshots) = split_volume_listing("local", "default", fixture("volumes.json"));
    s.apply(
        Update::Inventory(InventoryEvent::Volumes {
            remote: "local".into(),
            volumes,
            snapshots,
        }),
        t,
    );
    s.apply(
        Update::Inventory(InventoryEvent::Status {
            remote: "edge".into(),
            state: ConnState::Offline {
                error: "cannot reach https://127.0.0.1:9443: connection refused".into(),
            },
        }),
        t,
    );
    s.messages.current = None;
    s
}

// ----- the real sandbox incusd --------------------------------------------------------------

use std::path::PathBuf;
use std::time::Duration;

use atlas_tui::incus::{CliConfig, RemoteSpec};

fn sandbox_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("ATLAS_SANDBOX_DIR").unwrap_or_else(|_| "/var/tmp/atlas-sandbox".into()),
    )
}

/// The sandbox's incus CLI configuration directory (see scripts/sandbox). The first call checks
/// that the sandbox is up; without it a live test binary stops with one line saying so.
pub fn sandbox_conf() -> PathBuf {
    static CHECKED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CHECKED
        .get_or_init(|| {
            let conf = sandbox_dir().join("incus-conf");
            let socket = std::env::var("INCUS_SOCKET")
                .unwrap_or_else(|_| "/var/lib/incus/unix.socket".into());
            let why = if !conf.join("config.yml").exists() {
                Some(format!("{} is missing", conf.join("config.yml").display()))
            } else if std::os::unix::net::UnixStream::connect(&socket).is_err() {
                Some(format!("no incusd answers on {socket}"))
            } else {
                None
            };
            if let Some(why) = why {
                eprintln!("live tests need the sandbox ({why}): run `scripts/sandbox up` first");
                std::process::exit(2);
            }
            conf
        })
        .clone()
}

/// Held by live tests that create many instances or load incusd (or stop it): they run one at
/// a time, across test binaries too, so that a 2-core machine is never asked to start dozens
/// of containers at once. The lock is released when the guard is dropped.
pub fn exclusive() -> std::fs::File {
    let path = sandbox_dir().join("live-tests.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.lock()
        .unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
    f
}

/// The sandbox remote of this name (`local` = unix socket, `atlas-https` = mTLS).
pub fn sandbox_remote(name: &str) -> RemoteSpec {
    let cli = CliConfig::load_from(&sandbox_conf()).unwrap();
    cli.remotes
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no remote {name} in the sandbox"))
}

/// Runs the atlas-tui binary headless with its state and config in `state`, against the
/// sandbox, without a terminal: (exit code, stdout, stderr).
pub fn atlas(state: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .args(args)
        .env("ATLAS_TUI_STATE_DIR", state)
        .env("ATLAS_TUI_CONFIG_DIR", state.join("config"))
        .env("INCUS_CONF", sandbox_conf())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the incus CLI against the sandbox; panics with its output on failure.
pub fn incus(args: &[&str]) -> String {
    let out = std::process::Command::new("incus")
        .args(args)
        .env("INCUS_CONF", sandbox_conf())
        .output()
        .expect("incus CLI");
    assert!(
        out.status.success(),
        "incus {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The incus CLI from async tests, without blocking the runtime the workers run on.
pub async fn incus_async(args: &[&str]) -> String {
    let out = tokio::process::Command::new("incus")
        .args(args)
        .env("INCUS_CONF", sandbox_conf())
        .output()
        .await
        .expect("incus CLI");
    assert!(
        out.status.success(),
        "incus {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Like [`incus`] but ignores failure (for cleanup).
pub fn incus_quiet(args: &[&str]) {
    let _ = std::process::Command::new("incus")
        .args(args)
        .env("INCUS_CONF", sandbox_conf())
        .output();
}

/// Waits for an update matching `pred`, up to `secs`.
pub async fn wait_for(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Update>,
    secs: u64,
    what: &str,
    mut pred: impl FnMut(&Update) -> bool,
) -> Update {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(u)) if pred(&u) => return u,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("worker channel closed while waiting for {what}"),
            Err(_) => panic!("timed out after {secs}s waiting for {what}"),
        }
    }
}

// ----- driving the real binary in tmux ------------------------------------------------------

/// A tmux session (on its own server socket) running a command, driven like a person would.
pub struct Tmux {
    socket: String,
    pub config_dir: tempfile::TempDir,
}

impl Tmux {
    /// Runs atlas-tui with `args` at `w`x`h`, with a fresh config dir (files may be written into
    /// `config_dir` first via `prepare`). After atlas-tui exits, the pane prints its exit code and
    /// whether the terminal is back in canonical mode.
    pub fn start(
        name: &str,
        w: u16,
        h: u16,
        args: &str,
        prepare: impl FnOnce(&std::path::Path),
    ) -> Self {
        Self::launch(name, w, h, "", args, prepare)
    }

    /// Like [`Tmux::start`] with extra `VAR=value` words before the command.
    pub fn start_with_env(name: &str, w: u16, h: u16, env: &str, args: &str) -> Self {
        Self::launch(name, w, h, env, args, |_| {})
    }

    pub fn launch(
        name: &str,
        w: u16,
        h: u16,
        env: &str,
        args: &str,
        prepare: impl FnOnce(&std::path::Path),
    ) -> Self {
        let config_dir = tempfile::tempdir().unwrap();
        prepare(config_dir.path());
        let socket = format!("atlas-e2e-{name}-{}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_atlas-tui");
        let cmd = format!(
            "{env} INCUS_CONF={conf} ATLAS_TUI_CONFIG_DIR={cfg} ATLAS_TUI_STATE_DIR={cfg}/state {bin} {args} 2>{cfg}/stderr; \
             rc=$?; head -3 {cfg}/stderr; \
             echo EXITED:$rc; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 60",
            conf = sandbox_conf().display(),
            cfg = config_dir.path().display(),
        );
        let st = std::process::Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                &cmd,
            ])
            .env_remove("TMUX")
            .status()
            .expect("tmux");
        assert!(st.success());
        Tmux { socket, config_dir }
    }

    /// Types keys (tmux key names: `Enter`, `Escape`, `Tab`, or literal text), one at a time.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = std::process::Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "e2e", k])
                .status()
                .unwrap();
            assert!(st.success());
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    /// Runs a tmux command on this session's server (`show-buffer`, `set-option`…): its output.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types literal text.
    pub fn text(&self, s: &str) {
        let st = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "e2e", "-l", s])
            .status()
            .unwrap();
        assert!(st.success());
        std::thread::sleep(Duration::from_millis(150));
    }

    pub fn screen(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen satisfies `pred`; panics with the screen after `secs`.
    pub fn wait(&self, secs: u64, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if std::time::Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; screen:\n{s}\n{}",
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The tails of atlas-tui's log, its journal and the sandbox incusd's log, for a failure.
    pub fn diagnostics(&self) -> String {
        let tail = |p: std::path::PathBuf, n: usize| {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let from = lines.len().saturating_sub(n);
            format!(
                "--- {} (last {n} lines)\n{}\n",
                p.display(),
                lines[from..].join("\n")
            )
        };
        let state = self.config_dir.path().join("state");
        let sandbox = sandbox_conf().parent().map(|p| p.join("incusd.log"));
        let mut out = tail(state.join("atlas-tui.log"), 40);
        out.push_str(&tail(state.join("journal.jsonl"), 10));
        if let Some(p) = sandbox {
            out.push_str(&tail(p, 30));
        }
        out
    }

    pub fn wait_text(&self, secs: u64, text: &str) -> String {
        self.wait(secs, text, |s| s.contains(text))
    }

    /// Waits for atlas-tui to exit and checks it left the terminal as it found it.
    pub fn expect_clean_exit(&self, code: i32) -> String {
        let s = self.wait_text(10, "EXITED:");
        assert!(s.contains(&format!("EXITED:{code}")), "{s}");
        let s = self.wait(5, "stty output", |s| {
            s.lines()
                .any(|l| l.trim() == "icanon" || l.trim() == "-icanon")
        });
        assert!(
            s.lines().any(|l| l.trim() == "icanon"),
            "terminal left in raw mode:\n{s}"
        );
        assert!(
            !s.contains("atlas-tui │"),
            "alternate screen not left:\n{s}"
        );
        s
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Adds the sandbox's alert sources to a state, with alerts and silences captured from the real
/// Alertmanagers and Prometheus (`control` and `prometheus` about `local`, `cluster` too).
pub fn with_alerts(mut s: AppState) -> AppState {
    use atlas_tui::alerts::model::{SourceData, SourceKind};
    use atlas_tui::app::alerts::AlertSourceView;
    let read = |name: &str| {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    for (name, kind) in [
        ("control", SourceKind::Alertmanager),
        ("cluster", SourceKind::Alertmanager),
        ("prometheus", SourceKind::Prometheus),
    ] {
        let mut v = AlertSourceView::new(name, kind, "http://127.0.0.1:1", false);
        v.remotes = vec!["local".into()];
        s.alerting.sources.push(v);
    }
    s.alerting.silence_author = "oncall@atlas".into();
    s.alerting.silence_durations = vec!["2h".into(), "1d".into()];
    let t = now();
    s.apply(
        Update::AlertSource {
            source: "control".into(),
            result: Ok(SourceData {
                alerts: serde_json::from_slice(&read("am_control_alerts.json")).unwrap(),
                silences: serde_json::from_slice(&read("am_control_silences.json")).unwrap(),
            }),
        },
        t,
    );
    s.apply(
        Update::AlertSource {
            source: "cluster".into(),
            result: Ok(SourceData {
                alerts: serde_json::from_slice(&read("am_cluster_alerts.json")).unwrap(),
                silences: vec![],
            }),
        },
        t,
    );
    s.apply(
        Update::AlertSource {
            source: "prometheus".into(),
            result: Ok(SourceData {
                alerts: atlas_tui::alerts::prometheus::parse_alerts(
                    &read("prom_alerts.json"),
                    "http://127.0.0.1:9090",
                )
                .unwrap(),
                silences: vec![],
            }),
        },
        t,
    );
    s.messages.current = None;
    s
}

// ----- driving the state by keys and rendering it ------------------------------------------

/// Presses one key.
pub fn key(
    s: &mut AppState,
    code: crossterm::event::KeyCode,
) -> Vec<atlas_tui::app::state::Effect> {
    s.on_key(
        crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE),
        now(),
    )
}

/// Types text, one key per character.
pub fn typ(s: &mut AppState, text: &str) {
    for c in text.chars() {
        key(s, crossterm::event::KeyCode::Char(c));
    }
}

/// Renders the state at `w`x`h` with the dark theme into ratatui's `TestBackend`.
pub fn render(s: &mut AppState, w: u16, h: u16) -> String {
    render_at(s, w, h, now())
}

/// Renders the state as at `at` (live tests: the real time).
pub fn render_at(s: &mut AppState, w: u16, h: u16, at: DateTime<Utc>) -> String {
    use atlas_tui::ui;
    let theme = atlas_tui::config::Theme::load(std::path::Path::new("/nonexistent"), "dark").0;
    let area = ratatui::layout::Rect::new(0, 0, w, h);
    s.view.grid = ui::wants_grid(area, 160, 40);
    s.view.page_size = ui::page_size(area, s.view.grid);
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, s, &theme, at)).unwrap();
    t.backend().to_string()
}

// ----- service definitions in a scratch project ---------------------------------------------

use std::path::Path;
use std::process::Command;

/// A scratch project (shared profiles and images, own volumes), emptied on start and drop.
pub struct Project(pub String);

/// Waits (up to 60 s) until the cluster sees atlas01 online: after a test restarted its daemon,
/// a launch without `--target` finds no member until then (atlas02/03 take instances only when
/// named).
pub fn atlas01_online() {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let out = Command::new("incus")
            .args(["cluster", "list", "-f", "csv", "-c", "ns"])
            .env("INCUS_CONF", sandbox_conf())
            .output();
        if out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("atlas01,ONLINE")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

impl Project {
    pub fn new(name: &str) -> Self {
        atlas01_online();
        Self::clean(name);
        if Command::new("incus")
            .args(["project", "show", name])
            .env("INCUS_CONF", sandbox_conf())
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            incus(&[
                "project",
                "create",
                name,
                "-c",
                "features.images=false",
                "-c",
                "features.profiles=false",
            ]);
        }
        Project(name.into())
    }

    fn clean(name: &str) {
        let out = |args: &[&str]| {
            Command::new("incus")
                .args(args)
                .env("INCUS_CONF", sandbox_conf())
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        };
        for n in out(&["list", "--project", name, "-f", "csv", "-c", "n"]).lines() {
            incus_quiet(&["delete", "-f", n.trim(), "--project", name]);
        }
        for line in out(&[
            "storage",
            "volume",
            "list",
            "default",
            "--project",
            name,
            "-f",
            "csv",
            "-c",
            "tn",
        ])
        .lines()
        {
            if let Some(("custom", v)) = line.split_once(',') {
                incus_quiet(&[
                    "storage",
                    "volume",
                    "delete",
                    "default",
                    v.trim(),
                    "--project",
                    name,
                ]);
            }
        }
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        Self::clean(&self.0);
    }
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}
