//! Benchmark at 10,000 instances, against a synthetic Incus server (`support/fake_incus.rs`:
//! answers built from captured real ones, on a real unix socket): the real binary in tmux for
//! first paint, memory and the idle cost, and the console's own update and render path for the
//! time from a key to its frame (filtering, sorting, scrolling). Each figure is printed beside
//! its goal. `ATLAS_BENCH_N` changes the fleet size; `ATLAS_BENCH_SERVE=1` only serves the
//! synthetic fleet (and prints how to point the console at it), for profiling by hand;
//! `ATLAS_BENCH_ONLY=keys` (or `pve`, or `console`: the real binary at 10,000) runs that part
//! alone.
//!
//! Run with `scripts/bench` or `cargo bench --bench scale` (needs tmux and curl, no sandbox).
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a panic is the bench failing

#[path = "support/fake_incus.rs"]
mod fake_incus;
#[path = "support/measure.rs"]
mod measure;

use std::time::{Duration, Instant};

use atlas_tui::app::state::{AppState, RemoteView};
use atlas_tui::backend::{ConnState, InventoryEvent, Update};
use atlas_tui::config::{Keymap, Theme};
use atlas_tui::incus::client::IncusClient;
use atlas_tui::incus::{CliConfig, Scope};
use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use fake_incus::FakeIncus;

/// The heap in use, counted by the allocator, for where memory goes.
struct Counting;
static HEAP: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

// SAFETY: every call goes to the system allocator unchanged; only sizes are counted.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: std::alloc::Layout) -> *mut u8 {
        HEAP.fetch_add(l.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: as the caller promised for `l`.
        unsafe { std::alloc::System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: std::alloc::Layout) {
        HEAP.fetch_sub(l.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: as the caller promised for `p` and `l`.
        unsafe { std::alloc::System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn heap_mib() -> f64 {
    HEAP.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1048576.0
}
use measure::{Tmux, curl_unix, median, percentile, proc_ticks, rss_kib};

/// How long the idle console is watched (`ATLAS_BENCH_IDLE` seconds).
fn idle_secs() -> u64 {
    std::env::var("ATLAS_BENCH_IDLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --all-targets` asks benches to list themselves
    }
    let n: usize = std::env::var("ATLAS_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    // `ATLAS_BENCH_ONLY=keys` or `=pve`: that part alone.
    let only = std::env::var("ATLAS_BENCH_ONLY").unwrap_or_default();
    if only == "pve" {
        pve(1000);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeIncus::start(dir.path(), n);
    let conf = fake.conf(dir.path());
    if only == "keys" {
        keys(&conf, n);
        return;
    }
    if std::env::var_os("ATLAS_BENCH_SERVE").is_some() {
        // For profiling by hand: the synthetic server alone, until interrupted.
        println!("INCUS_CONF={} atlas-tui --remote scale", conf.display());
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    println!(
        "{n} instances, synthetic Incus server on a unix socket (answers built from captured ones: recursion=1 {:.1} MB, recursion=2 {:.1} MB)",
        fake.r1_len as f64 / 1e6,
        fake.r2_len as f64 / 1e6
    );
    let raw = |recursion: u8| {
        median(
            (0..5)
                .map(|_| {
                    curl_unix(
                        &fake.socket,
                        &format!("/1.0/instances?recursion={recursion}&project=default"),
                    )
                })
                .collect(),
        )
    };
    let raw1 = raw(1);
    let raw2 = raw(2);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  raw recursion=1 call (curl)                    {:>8.1} ms",
        ms(raw1)
    );
    println!(
        "  raw recursion=2 call (curl)                    {:>8.1} ms",
        ms(raw2)
    );

    // The real binary in a real terminal.
    let mut paints = vec![];
    let mut idle = None;
    for run in 0..3 {
        let tmux = Tmux::start(
            &format!(
                "INCUS_CONF={} {} --remote scale",
                conf.display(),
                env!("CARGO_BIN_EXE_atlas-tui")
            ),
            120,
            40,
        );
        let painted = tmux.wait_for(&format!("({n})"), Duration::from_secs(60));
        paints.push(painted);
        if run == 2 {
            // Settled: the detailed listing is in (a 10k recursion=2 answer takes seconds).
            std::thread::sleep(Duration::from_secs(20));
            let pid = tmux.pid_of(env!("CARGO_BIN_EXE_atlas-tui"));
            let (t0, r0, b0) = (proc_ticks(pid), fake.requests(), fake.bytes());
            let paths0 = fake.counts.by_path.lock().unwrap().clone();
            std::thread::sleep(Duration::from_secs(idle_secs()));
            let paths1 = fake.counts.by_path.lock().unwrap().clone();
            let asked: Vec<String> = paths1
                .iter()
                .map(|(p, n)| (p, n - paths0.get(p).copied().unwrap_or(0)))
                .filter(|(_, n)| *n > 0)
                .map(|(p, n)| format!("{p} ×{n}"))
                .collect();
            println!(
                "  asked while idle ({} s): {}",
                idle_secs(),
                asked.join(", ")
            );
            let cpu = (proc_ticks(pid) - t0) as f64 / 100.0 / idle_secs() as f64 * 100.0;
            let (rss, peak) = rss_kib(pid);
            idle = Some((cpu, rss, peak, fake.requests() - r0, fake.bytes() - b0));
        }
    }
    let paint = median(paints);
    println!(
        "  first paint in tmux (start → \"Instances ({n})\") {:>7.1} ms   = {:.2}x the raw recursion=1 call (goal <= 1.3x)",
        ms(paint),
        paint.as_secs_f64() / raw1.as_secs_f64()
    );
    let (cpu, rss, peak, requests, bytes) = idle.unwrap();
    println!(
        "  idle atlas-tui CPU ({} s)                    {cpu:>8.2} %   (goal < 0.5 %)",
        idle_secs()
    );
    println!(
        "  atlas-tui RSS, settled                         {:>8.1} MiB (goal < 40 MiB; peak {:.1} MiB)",
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    println!(
        "  asked of the server while idle                 {:>8.1} requests/min, {:.2} MB/min",
        requests as f64 * 60.0 / idle_secs() as f64,
        bytes as f64 * 60.0 / idle_secs() as f64 / 1e6
    );

    if only == "console" {
        return;
    }
    keys(&conf, n);
    pve(1000);
}

/// A Proxmox VE cluster of `guests` more guests through the simulator (`scripts/pve-sim
/// --guests`, fakepve), when the sandbox installed it: first paint beside the raw
/// `/cluster/resources` call, memory and idle CPU.
fn pve(guests: usize) {
    let python = std::env::var_os("ATLAS_PVE_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/var/tmp/atlas-sandbox/pve-venv/bin/python".into());
    if !python.exists() {
        println!("Proxmox VE: skipped (no simulator: `scripts/sandbox up` installs fakepve)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(&python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pve-sim"))
        .arg("--dir")
        .arg(dir.path())
        .args(["--port", "0", "--guests", &guests.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ports = dir.path().join("ports.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    let v: serde_json::Value = loop {
        if let Ok(text) = std::fs::read_to_string(&ports)
            && let Ok(v) = serde_json::from_str(&text)
        {
            break v;
        }
        assert!(Instant::now() < deadline, "the simulator did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    let url = v["url"].as_str().unwrap().to_string();
    let d = dir.path().display();
    let token = std::fs::read_to_string(dir.path().join("token")).unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[remotes]]\nname = \"pve\"\nkind = \"pve\"\nurl = \"{url}\"\ntoken_id = \"atlas@pve!tui\"\ntoken_secret_file = \"{d}/token\"\nserver_cert = \"{d}/pve.crt\"\n"
        ),
    )
    .unwrap();
    let curl = || {
        let t = Instant::now();
        let o = std::process::Command::new("curl")
            .args(["-sf", "--cacert"])
            .arg(dir.path().join("pve.crt"))
            .arg("-H")
            .arg(format!(
                "Authorization: PVEAPIToken=atlas@pve!tui={}",
                token.trim()
            ))
            .arg(format!("{url}/api2/json/cluster/resources"))
            .output()
            .unwrap();
        assert!(o.status.success());
        (t.elapsed(), o.stdout)
    };
    let (_, body) = curl();
    let resources: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let total = resources["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| matches!(r["type"].as_str(), Some("qemu" | "lxc")))
        .count();
    let raw = median((0..5).map(|_| curl().0).collect());
    let raw_line = format!(
        "curl -sf --cacert {}/pve.crt -H \"Authorization: PVEAPIToken=atlas@pve!tui={}\" {url}/api2/json/cluster/resources",
        dir.path().display(),
        token.trim()
    );
    let raw_tmux = median((0..5).map(|_| measure::raw_in_tmux(&raw_line)).collect());
    let mut paints = vec![];
    let mut idle = None;
    for run in 0..3 {
        let tmux = Tmux::start(
            &format!(
                "{} --config {} --remote pve --all-projects",
                env!("CARGO_BIN_EXE_atlas-tui"),
                cfg.display()
            ),
            120,
            40,
        );
        paints.push(tmux.wait_for(&format!("({total})"), Duration::from_secs(60)));
        if run == 2 {
            // Settled: the details of every guest read once.
            std::thread::sleep(Duration::from_secs(30));
            let pid = tmux.pid_of(env!("CARGO_BIN_EXE_atlas-tui"));
            let t0 = proc_ticks(pid);
            std::thread::sleep(Duration::from_secs(idle_secs()));
            let cpu = (proc_ticks(pid) - t0) as f64 / 100.0 / idle_secs() as f64 * 100.0;
            idle = Some((cpu, rss_kib(pid)));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let paint = median(paints);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "Proxmox VE through the simulator (fakepve): {total} guests, HTTPS with a pinned certificate"
    );
    println!(
        "  raw /cluster/resources call (curl)             {:>8.1} ms",
        ms(raw)
    );
    println!(
        "  raw call through the same tmux harness         {:>8.1} ms",
        ms(raw_tmux)
    );
    println!(
        "  first paint in tmux (start → \"Instances ({total})\") {:>6.1} ms   = {:.2}x the raw call in tmux (goal <= 1.3x), {:.2}x curl alone",
        ms(paint),
        paint.as_secs_f64() / raw_tmux.as_secs_f64(),
        paint.as_secs_f64() / raw.as_secs_f64()
    );
    let (cpu, (rss, peak)) = idle.unwrap();
    println!(
        "  idle atlas-tui CPU ({} s, polling every 5 s)    {cpu:>8.2} %   (goal < 0.5 %)",
        idle_secs()
    );
    println!(
        "  atlas-tui RSS, settled                         {:>8.1} MiB (goal < 40 MiB; peak {:.1} MiB)",
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// The time from a key to its frame, in the console's update and render path (a 120x40
/// terminal, the fleet loaded with its detail).
fn keys(conf: &std::path::Path, n: usize) {
    let spec = CliConfig::load_from(conf)
        .unwrap()
        .remotes
        .into_iter()
        .find(|r| r.name == "scale")
        .unwrap();
    let client = IncusClient::new(&spec).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let h0 = heap_mib();
    let list: Vec<atlas_tui::inventory::Instance> = rt
        .block_on(
            client.instances_map(&Scope::Project("default".into()), 2, |i| {
                Some(atlas_tui::incus::convert::instance(i))
            }),
        )
        .unwrap();
    let h_list = heap_mib() - h0;
    let mut s = AppState::new(
        vec![RemoteView::new("scale", "unix", false)],
        Keymap::defaults(),
        Scope::Project("default".into()),
        "default".into(),
    );
    let now = Utc::now();
    s.apply(
        Update::Inventory(InventoryEvent::Status {
            remote: "scale".into(),
            state: ConnState::Online {
                via: None,
                version: String::new(),
                clustered: true,
            },
        }),
        now,
    );
    s.apply(
        Update::Inventory(InventoryEvent::Instances {
            remote: "scale".into(),
            instances: list,
            with_state: true,
        }),
        now,
    );
    // Applying the list also builds the rows on screen (the console looks at them to read
    // their details first).
    let h_state = heap_mib() - h0;
    let theme = Theme::load(std::path::Path::new("/nonexistent"), "dark").0;
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut frame = |s: &mut AppState, k: KeyEvent| -> Frame {
        let t0 = Instant::now();
        s.on_key(k, now);
        let t1 = Instant::now();
        // The rows the frame shows, computed (or taken from the memo) before drawing, so that
        // a slow frame says whether it was the rows or the drawing.
        let rows = atlas_tui::app::rows::view_rows(s, s.pane, now).len();
        let t2 = Instant::now();
        term.draw(|f| atlas_tui::ui::draw(f, s, &theme, now))
            .unwrap();
        Frame {
            key: format!("{:?}", k.code),
            filter: s.panes[s.pane.index()].filter.clone(),
            rows,
            update: t1 - t0,
            rows_t: t2 - t1,
            draw: t2.elapsed(),
        }
    };
    frame(&mut s, key(KeyCode::Null));
    let h_rows = heap_mib() - h0;
    println!(
        "heap (counted): {n} instances decoded {h_list:.1} MiB; in the state with the pane's rows {h_state:.1} MiB, after the first frame {h_rows:.1} MiB"
    );
    // Sorted by a column (the second sort column, descending).
    frame(&mut s, key(KeyCode::Char('s')));
    frame(&mut s, key(KeyCode::Char('S')));

    // Typing filters, then taking them back, with the pane sorted: at least 1000 keys of
    // filters that differ (a filter typed again would be a cache hit).
    let mut typing = vec![];
    for f in filters(KEYS_PER_KIND) {
        frame(&mut s, key(KeyCode::Char('/')));
        for c in f.chars() {
            typing.push(frame(&mut s, key(KeyCode::Char(c))));
        }
        for _ in 0..f.len() {
            typing.push(frame(&mut s, key(KeyCode::Backspace)));
        }
        frame(&mut s, key(KeyCode::Esc));
    }
    // Sort changes with a filter active.
    frame(&mut s, key(KeyCode::Char('/')));
    for c in "s 5".chars() {
        frame(&mut s, key(KeyCode::Char(c)));
    }
    frame(&mut s, key(KeyCode::Enter));
    let filtered = atlas_tui::app::rows::view_rows(&s, atlas_tui::pane::Pane::Instances, now).len();
    let mut sorting = vec![];
    for i in 0..KEYS_PER_KIND {
        let c = if i % 3 == 2 { 'S' } else { 's' };
        sorting.push(frame(&mut s, key(KeyCode::Char(c))));
    }
    // Scrolling the whole fleet, no filter.
    frame(&mut s, key(KeyCode::Char('/')));
    frame(&mut s, key(KeyCode::Esc));
    let mut scrolling = vec![];
    for c in std::iter::repeat_n(
        std::iter::repeat_n(KeyCode::Char('j'), 300)
            .chain(std::iter::repeat_n(KeyCode::PageDown, 100))
            .chain(std::iter::repeat_n(KeyCode::Char('k'), 100))
            .chain(std::iter::repeat_n(KeyCode::PageUp, 50)),
        2,
    )
    .flatten()
    {
        scrolling.push(frame(&mut s, key(c)));
    }
    println!("key → frame, {n} instances with detail, 120x40, update + rows + render (in process)");
    show(
        "filter keystroke (fuzzy, sorted by a column)",
        &typing,
        8.0,
        16.0,
    );
    show(
        &format!("sort change (filter active, {filtered} rows)"),
        &sorting,
        16.0,
        16.0,
    );
    show("scrolling (j, k, PageDown, PageUp)", &scrolling, 4.0, 16.0);
}

/// Keys measured of each kind (at least: the filters are typed whole).
const KEYS_PER_KIND: usize = 1000;

/// One key's frame: the key, the filter after it, the rows shown, and where the time went.
struct Frame {
    key: String,
    filter: String,
    rows: usize,
    /// `on_key`: the state's update.
    update: Duration,
    /// The pane's rows: filtered and sorted (or taken from the memo).
    rows_t: Duration,
    /// Drawing the frame into the `TestBackend`.
    draw: Duration,
}

impl Frame {
    fn total(&self) -> Duration {
        self.update + self.rows_t + self.draw
    }
}

/// Filters that differ, as an operator types them (names, numbers, a status, an exclusion),
/// typed and taken back, enough for `keys` keystrokes. Deterministic.
fn filters(keys: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut typed = 0;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    while typed < keys {
        let f = match next(6) {
            0 => format!("s{:02}", next(100)),
            1 => format!("s0 {}", next(100)),
            2 => format!("{} {}", next(10), next(10)),
            3 => format!("stop s{}", next(10)),
            4 => format!("{:02} !s0{:03}", next(100), next(1000)),
            _ => format!("scale {}", next(1000)),
        };
        if !out.contains(&f) {
            typed += 2 * f.len();
            out.push(f);
        }
    }
    out
}

/// p50, p99 and max of one kind of key beside their goals, and its slowest frames with where
/// their time went.
fn show(what: &str, v: &[Frame], p99_goal: f64, max_goal: f64) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let totals: Vec<Duration> = v.iter().map(Frame::total).collect();
    println!(
        "  {what:<46} p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms  (goal p99 < {p99_goal} ms, max < {max_goal} ms; {} keys)",
        ms(percentile(&totals, 50.0)),
        ms(percentile(&totals, 99.0)),
        ms(*totals.iter().max().unwrap()),
        v.len()
    );
    let mut slow: Vec<&Frame> = v.iter().collect();
    slow.sort_by_key(|f| std::cmp::Reverse(f.total()));
    for f in slow.iter().take(3) {
        println!(
            "      slow: {:>6.2} ms = update {:>5.2} + rows {:>5.2} + draw {:>5.2}  ({} → filter {:?}, {} rows)",
            ms(f.total()),
            ms(f.update),
            ms(f.rows_t),
            ms(f.draw),
            f.key,
            f.filter,
            f.rows
        );
    }
}
