//! Soak run (not in CI; `scripts/soak`): the real binary in tmux on the sandbox's `local` remote
//! and on the HTTPS remote through a fault relay, for `ATLAS_SOAK_SECS` (3600 by default),
//! while instances churn (created, started, stopped, deleted), the relay freezes for 20 s every
//! 5 minutes and incusd is restarted every 20 minutes. Every minute the console's memory,
//! threads and open files are sampled. At the end, the rows of the churned project on screen
//! are compared with what Incus lists, and the samples of the first and last ten minutes are
//! compared (goal: flat within ±10 %).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::process::Command;
use std::time::{Duration, Instant};

#[path = "support/measure.rs"]
mod measure;
#[path = "../tests/common/relay.rs"]
mod relay;

use measure::{Tmux, conf, incus, rss_kib};
use relay::{Mode, Relay};

const PROJECT: &str = "soak";
/// Instances that churn.
const CHURN: usize = 6;
const FREEZE_EVERY: Duration = Duration::from_secs(300);
const FREEZE_FOR: Duration = Duration::from_secs(20);
/// How often incusd is restarted (`ATLAS_SOAK_RESTART_SECS` overrides it).
const RESTART_EVERY: Duration = Duration::from_secs(1200);
const SAMPLE_EVERY: Duration = Duration::from_secs(60);

fn sandbox(cmd: &str) {
    let ok = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/sandbox"))
        .arg(cmd)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success(), "scripts/sandbox {cmd}");
}

/// What one sample holds.
#[derive(Debug, Clone, Copy)]
struct Sample {
    rss_kib: u64,
    threads: u64,
    fds: u64,
}

fn sample(pid: u32) -> Sample {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count() as u64)
        .unwrap_or(0);
    Sample {
        rss_kib: rss_kib(pid).0,
        threads,
        fds,
    }
}

/// One step of churn: instance `i` goes one state further (absent → stopped → running →
/// stopped → absent).
fn churn(step: usize) {
    let name = format!("soak{:02}", step % CHURN);
    let list = incus(&["list", "--project", PROJECT, "-f", "csv", "-c", "ns"]);
    let have = String::from_utf8_lossy(&list.stdout).into_owned();
    let state = have
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name},")))
        .map(str::to_string);
    let args: Vec<&str> = match state.as_deref() {
        None => vec!["init", "busybox", &name, "--target", "atlas01"],
        Some("STOPPED") if (step / CHURN).is_multiple_of(2) => vec!["start", &name],
        Some("STOPPED") => vec!["delete", &name],
        Some(_) => vec!["stop", "-f", &name],
    };
    let mut all = args;
    all.extend(["--project", PROJECT]);
    let _ = incus(&all);
}

/// `name state` of every instance of the project, as Incus lists it.
fn truth() -> Vec<String> {
    let out = incus(&["list", "--project", PROJECT, "-f", "csv", "-c", "ns"]);
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(','))
        .map(|(n, s)| format!("{n} {}", s.to_lowercase()))
        .collect();
    v.sort();
    v
}

/// `name state` of every row of the project the console shows (filtered to it).
fn shown(t: &Tmux) -> Vec<String> {
    let mut v: Vec<String> = t
        .screen()
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l
                .trim_matches(|c: char| !c.is_alphanumeric())
                .split_whitespace()
                .collect();
            let name = cells.iter().position(|c| {
                c.strip_prefix("soak")
                    .is_some_and(|n| n.len() == 2 && n.chars().all(|d| d.is_ascii_digit()))
            })?;
            let state = cells.get(name + 1)?;
            Some(format!("{} {}", cells[name], state.to_lowercase()))
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

fn mean(samples: &[Sample], f: impl Fn(&Sample) -> u64) -> f64 {
    samples.iter().map(&f).sum::<u64>() as f64 / samples.len().max(1) as f64
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let secs: u64 = std::env::var("ATLAS_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3600);
    let run_for = Duration::from_secs(secs);
    if !incus(&["project", "show", PROJECT]).status.success() {
        let _ = incus(&[
            "project",
            "create",
            PROJECT,
            "-c",
            "features.images=false",
            "-c",
            "features.profiles=false",
        ]);
    }
    let relay = Relay::start("127.0.0.1:8443");
    let c = conf();
    let t = Tmux::start_with(
        &format!(
            "INCUS_CONF={c} {} --project {PROJECT}",
            env!("CARGO_BIN_EXE_atlas-tui")
        ),
        160,
        50,
        |dir| {
            std::fs::write(
                dir.join("config.toml"),
                format!(
                    "[incus]\nremotes = [\"local\", \"relayed\"]\n\n[[remotes]]\nname = \"relayed\"\naddr = \"{}\"\n\
                     client_cert = \"{c}/client.crt\"\nclient_key = \"{c}/client.key\"\n\
                     server_cert = \"{c}/servercerts/atlas-https.crt\"\n",
                    relay.https_url()
                ),
            )
            .unwrap();
        },
    );
    t.wait_for("Instances", Duration::from_secs(60));
    // Only the churned project's rows: every one fits the screen.
    t.send(&["2", "/", "soak", "Enter"]);
    let pid = t.pid_of(env!("CARGO_BIN_EXE_atlas-tui"));
    let start = Instant::now();
    let restart_every = std::env::var("ATLAS_SOAK_RESTART_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(RESTART_EVERY, Duration::from_secs);
    let (mut next_freeze, mut next_restart, mut next_sample) =
        (FREEZE_EVERY, restart_every, Duration::ZERO);
    let mut samples: Vec<(Duration, Sample)> = vec![];
    let (mut freezes, mut restarts, mut step) = (0, 0, 0usize);
    while start.elapsed() < run_for {
        let now = start.elapsed();
        if now >= next_sample {
            samples.push((now, sample(pid)));
            next_sample += SAMPLE_EVERY;
        }
        if now >= next_freeze {
            relay.set(Mode::Freeze);
            std::thread::sleep(FREEZE_FOR);
            relay.set(Mode::Pass);
            freezes += 1;
            next_freeze += FREEZE_EVERY;
        }
        if now >= next_restart {
            sandbox("stop-daemon");
            std::thread::sleep(Duration::from_secs(5));
            sandbox("start-daemon");
            restarts += 1;
            next_restart += restart_every;
        }
        churn(step);
        step += 1;
        std::thread::sleep(Duration::from_secs(2));
    }
    // Quiet: the rows converge, then are compared with the server.
    let settle = Instant::now();
    let (mut want, mut got) = (truth(), shown(&t));
    while want != got && settle.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(500));
        (want, got) = (truth(), shown(&t));
    }
    let converged = settle.elapsed();
    let last = sample(pid);
    let window = (samples.len() / 6).max(1);
    let first = &samples[..window.min(samples.len())];
    let end = &samples[samples.len().saturating_sub(window)..];
    let firsts: Vec<Sample> = first.iter().map(|s| s.1).collect();
    let ends: Vec<Sample> = end.iter().map(|s| s.1).collect();
    let change = |f: fn(&Sample) -> u64| {
        let (a, b) = (mean(&firsts, f), mean(&ends, f));
        (a, b, (b - a) / a.max(1.0) * 100.0)
    };
    println!(
        "soak: {} min, {step} churn steps over {CHURN} instances, {freezes} relay freezes of {} s, {restarts} incusd restarts",
        secs / 60,
        FREEZE_FOR.as_secs()
    );
    println!(
        "  rows true at the end                           {:>8}     (after {:.1} s; {} rows; goal: yes)",
        if want == got { "yes" } else { "NO" },
        converged.as_secs_f64(),
        want.len()
    );
    if want != got {
        println!("    incus: {want:?}\n    shown: {got:?}");
    }
    let (a, b, d) = change(|s| s.rss_kib);
    println!(
        "  RSS, first vs last sixth (mean)                {:>6.1} → {:.1} MiB ({d:+.1} %, goal within ±10 %)",
        a / 1024.0,
        b / 1024.0
    );
    let (a, b, d) = change(|s| s.threads);
    println!(
        "  threads, first vs last sixth (mean)            {a:>6.1} → {b:.1} ({d:+.1} %, goal within ±10 %)"
    );
    let (a, b, d) = change(|s| s.fds);
    println!(
        "  open files, first vs last sixth (mean)         {a:>6.1} → {b:.1} ({d:+.1} %, goal within ±10 %)"
    );
    println!(
        "  at the end: RSS {:.1} MiB, {} threads, {} open files",
        last.rss_kib as f64 / 1024.0,
        last.threads,
        last.fds
    );
    for n in 0..CHURN {
        let _ = incus(&["delete", "-f", &format!("soak{n:02}"), "--project", PROJECT]);
    }
    let _ = incus(&["project", "delete", PROJECT]);
}
