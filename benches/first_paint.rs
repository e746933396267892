//! Benchmark: time to first paint of 1000 instance names, atlas-tui against `incus list`, in one
//! run on the sandbox incusd; then an idle console showing all projects (1000 stopped instances
//! and 20 running ones, the shipped refresh settings): its own CPU and memory, and the incusd CPU
//! it causes (incusd's own idle baseline, measured first, subtracted), beside what the former
//! usage refresh (`recursion=2&filter=status eq Running` every `usage_secs`) cost incusd.
//!
//! Run with `scripts/bench` (or `cargo bench --bench first_paint` with the sandbox up). The first
//! run seeds 1000 instances of the busybox image in a project `bench` and 20 running ones in
//! `bench-run` (a minute or two).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::process::Command;
use std::time::{Duration, Instant};

use atlas_tui::app::state::{AppState, RemoteView};
use atlas_tui::backend::{ConnState, InventoryEvent, Update};
use atlas_tui::config::{Keymap, Theme};
use atlas_tui::incus::client::IncusClient;
use atlas_tui::incus::{CliConfig, Scope};
use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const N: usize = 1000;
const PROJECT: &str = "bench";
/// Running instances beside the stopped ones, for the idle cost.
const RUNNING: usize = 20;
const RUN_PROJECT: &str = "bench-run";
/// How long incusd's CPU is measured, without and with an idle console.
const IDLE_SECS: u64 = 60;
const RUNS: usize = 5;

fn conf() -> String {
    let dir =
        std::env::var("ATLAS_SANDBOX_DIR").unwrap_or_else(|_| "/var/tmp/atlas-sandbox".into());
    format!("{dir}/incus-conf")
}

fn incus(args: &[&str]) -> std::process::Output {
    Command::new("incus")
        .args(args)
        .env("INCUS_CONF", conf())
        .output()
        .expect("incus CLI")
}

fn seed() {
    if !incus(&["project", "show", PROJECT]).status.success() {
        let o = incus(&[
            "project",
            "create",
            PROJECT,
            "-c",
            "features.images=false",
            "-c",
            "features.profiles=false",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let out = incus(&["list", "--project", PROJECT, "-f", "csv", "-c", "n"]);
    let have: std::collections::HashSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let missing: Vec<String> = (0..N)
        .map(|i| format!("b{i:04}"))
        .filter(|n| !have.contains(n))
        .collect();
    if missing.is_empty() {
        return;
    }
    eprintln!("seeding {} instances in project {PROJECT} …", missing.len());
    let t = Instant::now();
    let mut child = Command::new("xargs")
        .args([
            "-P",
            "4",
            "-I{}",
            "incus",
            "init",
            "busybox",
            "{}",
            "--project",
            PROJECT,
            "-q",
        ])
        .env("INCUS_CONF", conf())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("xargs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for n in &missing {
            writeln!(stdin, "{n}").unwrap();
        }
    }
    let _ = child.wait();
    let out = incus(&["list", "--project", PROJECT, "-f", "csv", "-c", "n"]);
    let count = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(count >= N, "seeding left {count} of {N} instances");
    eprintln!("seeded in {:.1}s", t.elapsed().as_secs_f64());
}

/// 20 running instances in their own project (created and started one at a time).
fn seed_running() {
    if !incus(&["project", "show", RUN_PROJECT]).status.success() {
        let o = incus(&[
            "project",
            "create",
            RUN_PROJECT,
            "-c",
            "features.images=false",
            "-c",
            "features.profiles=false",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let out = incus(&["list", "--project", RUN_PROJECT, "-f", "csv", "-c", "ns"]);
    let have = String::from_utf8_lossy(&out.stdout).into_owned();
    for i in 0..RUNNING {
        let n = format!("r{i:02}");
        if !have.lines().any(|l| l.starts_with(&format!("{n},"))) {
            let o = incus(&["init", "busybox", &n, "--project", RUN_PROJECT, "-q"]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        if !have.contains(&format!("{n},RUNNING")) {
            let _ = incus(&["start", &n, "--project", RUN_PROJECT]);
        }
    }
}

fn incusd_pid() -> u32 {
    let out = Command::new("pgrep")
        .args(["-f", "^/usr/libexec/incus/incusd --group"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .expect("incusd running")
}

/// incusd's CPU over `secs`, in % of one core.
fn incusd_cpu(secs: u64) -> f64 {
    let pid = incusd_pid();
    let t0 = proc_ticks(pid);
    std::thread::sleep(Duration::from_secs(secs));
    (proc_ticks(pid) - t0) as f64 / 100.0 / secs as f64 * 100.0
}

/// What one call costs incusd, in CPU seconds (median of three).
fn incusd_cost_of(path: &str) -> f64 {
    let pid = incusd_pid();
    let mut v: Vec<f64> = (0..3)
        .map(|_| {
            let t0 = proc_ticks(pid);
            let o = incus(&["query", path]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            (proc_ticks(pid) - t0) as f64 / 100.0
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[1]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// atlas-tui's path to first paint: the cheap list call, state update and one full render with
/// every name on screen (a terminal tall enough for all rows).
async fn atlas_first_paint(client: &IncusClient, theme: &Theme) -> Duration {
    let t = Instant::now();
    let list = client
        .instances(&Scope::Project(PROJECT.into()), 1, None)
        .await
        .unwrap();
    let mut s = AppState::new(
        vec![RemoteView::new("local", "unix", false)],
        Keymap::defaults(),
        Scope::Project(PROJECT.into()),
        PROJECT.into(),
    );
    let now = Utc::now();
    s.apply(
        Update::Inventory(InventoryEvent::Status {
            remote: "local".into(),
            state: ConnState::Online {
                version: String::new(),
                clustered: true,
            },
        }),
        now,
    );
    s.apply(
        Update::Inventory(InventoryEvent::Instances {
            remote: "local".into(),
            instances: list
                .into_iter()
                .map(atlas_tui::incus::convert::instance)
                .collect(),
            with_state: false,
        }),
        now,
    );
    let mut term = Terminal::new(TestBackend::new(120, (N + 6) as u16)).unwrap();
    term.draw(|f| atlas_tui::ui::draw(f, &s, theme, now))
        .unwrap();
    let elapsed = t.elapsed();
    let screen = term.backend().to_string();
    assert!(
        screen.contains("b0000") && screen.contains(&format!("b{:04}", N - 1)),
        "all names painted"
    );
    elapsed
}

fn proc_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// What an idle console costs: atlas-tui's CPU and RSS, and incusd's CPU with it minus without.
struct Idle {
    cpu: f64,
    rss_kib: u64,
    incusd_base: f64,
    incusd_with: f64,
}

/// Runs the real binary in tmux showing every project with the shipped refresh settings, waits
/// for it to settle, and measures it and incusd over an idle period.
fn idle_cost() -> Idle {
    // incusd on its own first (the running instances are there either way).
    std::thread::sleep(Duration::from_secs(5));
    let incusd_base = incusd_cpu(IDLE_SECS);
    let sock = format!("atlas-bench-{}", std::process::id());
    let cfg = tempfile::tempdir().unwrap();
    let cmd = format!(
        "INCUS_CONF={} ATLAS_TUI_CONFIG_DIR={} ATLAS_TUI_STATE_DIR={}/state {} --remote local",
        conf(),
        cfg.path().display(),
        cfg.path().display(),
        env!("CARGO_BIN_EXE_atlas-tui")
    );
    let ok = Command::new("tmux")
        .args([
            "-L",
            &sock,
            "new-session",
            "-d",
            "-s",
            "b",
            "-x",
            "120",
            "-y",
            "40",
            &cmd,
        ])
        .env_remove("TMUX")
        .status()
        .unwrap();
    assert!(ok.success());
    // Let it finish loading (the detailed listing of 1000 instances takes seconds) before
    // measuring what it does when nothing happens.
    std::thread::sleep(Duration::from_secs(30));
    let pid = Command::new("pgrep")
        .args(["-n", "-f", env!("CARGO_BIN_EXE_atlas-tui")])
        .output()
        .unwrap();
    let pid: u32 = String::from_utf8_lossy(&pid.stdout)
        .trim()
        .parse()
        .expect("atlas-tui running");
    let t0 = proc_ticks(pid);
    let incusd_with = incusd_cpu(IDLE_SECS);
    let cpu = (proc_ticks(pid) - t0) as f64 / 100.0 / IDLE_SECS as f64 * 100.0;
    let rss_kib = rss_kib(pid);
    let _ = Command::new("tmux")
        .args(["-L", &sock, "kill-server"])
        .status();
    Idle {
        cpu,
        rss_kib,
        incusd_base,
        incusd_with,
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --all-targets` asks benches to list themselves
    }
    seed();
    seed_running();
    let spec = CliConfig::load_from(std::path::Path::new(&conf()))
        .unwrap()
        .remotes
        .into_iter()
        .find(|r| r.name == "local")
        .unwrap();
    let client = IncusClient::new(&spec).unwrap();
    let theme = Theme::load(std::path::Path::new("/nonexistent"), "dark").0;
    let rt = tokio::runtime::Runtime::new().unwrap();

    let atlas: Vec<Duration> = (0..RUNS)
        .map(|_| rt.block_on(atlas_first_paint(&client, &theme)))
        .collect();
    let time_cli = |cols: Option<&str>| -> Vec<Duration> {
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                let mut args = vec!["list", "--project", PROJECT, "-f", "csv"];
                if let Some(c) = cols {
                    args.extend(["-c", c]);
                }
                let o = incus(&args);
                assert!(o.status.success());
                assert!(String::from_utf8_lossy(&o.stdout).lines().count() >= N);
                t.elapsed()
            })
            .collect()
    };
    // Default columns (IPv4, IPv6, snapshots) make the CLI ask for full state.
    let cli = time_cli(None);
    let cli_ns = time_cli(Some("ns"));
    let full: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let v = rt
                .block_on(client.instances(&Scope::Project(PROJECT.into()), 2, None))
                .unwrap();
            assert!(v.len() >= N);
            t.elapsed()
        })
        .collect();
    let (a, c, cn, f) = (median(atlas), median(cli), median(cli_ns), median(full));
    let former =
        incusd_cost_of("/1.0/instances?recursion=2&all-projects=true&filter=status%20eq%20Running");
    let idle = idle_cost();
    println!(
        "first paint of {N} instance names (median of {RUNS} runs, sandbox incusd, unix socket)"
    );
    println!(
        "  atlas-tui (recursion=1 list + state + render)  {:>8.1} ms",
        a.as_secs_f64() * 1000.0
    );
    println!(
        "  incus list (default columns: needs full state) {:>8.1} ms",
        c.as_secs_f64() * 1000.0
    );
    println!(
        "  speed-up                                       {:>8.1}x",
        c.as_secs_f64() / a.as_secs_f64()
    );
    println!(
        "  incus list -c ns (names and states only)       {:>8.1} ms",
        cn.as_secs_f64() * 1000.0
    );
    println!(
        "  (full detail, recursion=2, filled in after)    {:>8.1} ms",
        f.as_secs_f64() * 1000.0
    );
    let caused = (idle.incusd_with - idle.incusd_base).max(0.0);
    println!(
        "idle console, all projects: {N} stopped + {RUNNING} running instances, shipped refresh (usage 15 s, addresses 120 s, reconcile 30 s), {IDLE_SECS} s"
    );
    println!(
        "  atlas-tui CPU                                  {:>8.2} %   (goal < 0.5 %)",
        idle.cpu
    );
    println!(
        "  atlas-tui RSS                                  {:>8.1} MiB (goal < 40 MiB)",
        idle.rss_kib as f64 / 1024.0
    );
    println!(
        "  incusd CPU caused by it                        {caused:>8.2} %   of a core (goal <= 2 %; incusd alone {:.2} %, with it {:.2} %)",
        idle.incusd_base, idle.incusd_with
    );
    println!(
        "  former usage refresh (recursion=2 + filter)    {:>8.2} %   of a core ({:.2} s of incusd CPU per call, every 10 s as before)",
        former / 10.0 * 100.0,
        former
    );
    if std::env::var_os("ATLAS_BENCH_KEEP").is_none() {
        cleanup();
    }
}

/// Removes the bench project so the demo fleet is what the sandbox shows again
/// (`ATLAS_BENCH_KEEP=1` keeps it for the next run).
fn cleanup() {
    eprintln!("removing the {RUN_PROJECT} and {PROJECT} projects …");
    let out = incus(&["list", "--project", RUN_PROJECT, "-f", "csv", "-c", "n"]);
    for n in String::from_utf8_lossy(&out.stdout).lines() {
        let _ = incus(&["delete", "-f", n, "--project", RUN_PROJECT]);
    }
    let _ = incus(&["project", "delete", RUN_PROJECT]);
    let out = incus(&["list", "--project", PROJECT, "-f", "csv", "-c", "n"]);
    let names = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut child = Command::new("xargs")
        .args([
            "-P",
            "4",
            "-n",
            "50",
            "incus",
            "delete",
            "-f",
            "--project",
            PROJECT,
        ])
        .env("INCUS_CONF", conf())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("xargs");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(names.as_bytes())
            .unwrap();
    }
    let _ = child.wait();
    let _ = incus(&["project", "delete", PROJECT]);
}
