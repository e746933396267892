//! Backup export throughput: atlas-tui's job (create on the server, stream to a file, verify the
//! size, delete on the server) against `incus export` for the same instance, side by side in one
//! run, alternating so neither gets a warmer cache. Needs the sandbox (`scripts/sandbox up`).
//!
//! `cargo bench --bench export` (env `BENCH_EXPORT_MB`, default 256: size of the random data).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::time::Instant;

use atlas_tui::incus::client::IncusClient;
use atlas_tui::incus::jobs as runner;
use atlas_tui::incus::ops::BackupOptions;
use atlas_tui::incus::{CliConfig, RemoteSpec};
use atlas_tui::jobs::Reporter;
use atlas_tui::jobs::{JobSpec, Outcome, Target};

const NAME: &str = "bench-export01";
const ROUNDS: usize = 3;

fn conf() -> std::path::PathBuf {
    let dir =
        std::env::var("ATLAS_SANDBOX_DIR").unwrap_or_else(|_| "/var/tmp/atlas-sandbox".into());
    std::path::PathBuf::from(dir).join("incus-conf")
}

fn incus(args: &[&str]) -> bool {
    std::process::Command::new("incus")
        .args(args)
        .env("INCUS_CONF", conf())
        .stdout(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn local() -> RemoteSpec {
    CliConfig::load_from(&conf())
        .expect("the sandbox is set up (scripts/sandbox up)")
        .remotes
        .into_iter()
        .find(|r| r.name == "local")
        .expect("remote local")
}

/// Flushes earlier writes so a round does not pay for the previous one's writeback.
fn settle() {
    let _ = std::process::Command::new("sync").status();
}

fn sync_file(f: &std::path::Path) {
    std::fs::File::open(f)
        .and_then(|f| f.sync_all())
        .expect("fsync the CLI's backup");
}

fn main() {
    let mb: u64 = std::env::var("BENCH_EXPORT_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    incus(&["delete", "-f", NAME]);
    assert!(incus(&["launch", "busybox", NAME]), "launch {NAME}");
    let dd = format!("dd if=/dev/urandom of=/root/blob bs=1M count={mb} 2>/dev/null");
    assert!(incus(&["exec", NAME, "--", "sh", "-c", &dd]));
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = IncusClient::new(&local()).unwrap();
    let mut ours = Vec::new();
    let mut cli = Vec::new();
    for round in 0..ROUNDS {
        let f = dir.path().join(format!("cli-{round}.tar"));
        settle();
        let t = Instant::now();
        assert!(incus(&[
            "export",
            NAME,
            &f.to_string_lossy(),
            "--instance-only",
            "--compression",
            "none",
            "-q",
        ]));
        // atlas-tui fsyncs the file before it calls the backup done; the CLI does not, so its
        // time includes flushing the file too (same end state: the backup is on disk).
        sync_file(&f);
        let secs = t.elapsed().as_secs_f64();
        let size = std::fs::metadata(&f).unwrap().len();
        cli.push((secs, size));
        std::fs::remove_file(&f).unwrap();

        let f = dir.path().join(format!("atlas-{round}.tar"));
        let spec = JobSpec::Export {
            target: Target::instance("local", "default", NAME),
            path: f.clone(),
            options: BackupOptions {
                only: true,
                optimized: false,
                compression: "none".into(),
            },
        };
        settle();
        let t = Instant::now();
        let outcome = rt.block_on(async {
            let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
            let (_c, crx) = tokio::sync::watch::channel(false);
            runner::run(&client, &spec, &Reporter::new(tx), crx).await
        });
        let secs = t.elapsed().as_secs_f64();
        assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
        let size = std::fs::metadata(&f).unwrap().len();
        ours.push((secs, size));
        std::fs::remove_file(&f).unwrap();
    }
    incus(&["delete", "-f", NAME]);
    let mbps = |v: &[(f64, u64)]| {
        let secs: f64 = v.iter().map(|x| x.0).sum();
        let bytes: u64 = v.iter().map(|x| x.1).sum();
        (
            bytes as f64 / 1048576.0 / secs,
            secs / v.len() as f64,
            bytes / v.len() as u64,
        )
    };
    let (a, a_s, a_b) = mbps(&ours);
    let (c, c_s, c_b) = mbps(&cli);
    println!(
        "export of a {mb} MiB instance backup (uncompressed, until fsynced), {ROUNDS} rounds each, alternating:"
    );
    println!(
        "  incus export   {:>7.1} MiB/s  {:>6.2} s/backup  {:>6.1} MiB",
        c,
        c_s,
        c_b as f64 / 1048576.0
    );
    println!(
        "  atlas-tui      {:>7.1} MiB/s  {:>6.2} s/backup  {:>6.1} MiB",
        a,
        a_s,
        a_b as f64 / 1048576.0
    );
    println!("  ratio atlas-tui / incus export: {:.2}x", a / c);
}
