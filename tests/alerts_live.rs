//! The alerts capability end to end against the sandbox's real Alertmanagers and Prometheus:
//! source workers feed the app state, keys create and expire silences that land in
//! Alertmanager, a stopped Alertmanager shows as down and recovers.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::time::Duration;

use atlas_tui::alerts::model::{AlertState, SourceKind};
use atlas_tui::alerts::types::fingerprint;
use atlas_tui::alerts::worker::{PollConfig, SourceCmd};
use atlas_tui::alerts::{AlertmanagerClient, SourceSpec};
use atlas_tui::app::Pane;
use atlas_tui::app::alerts::{AlertSourceView, SourceStatus};
use atlas_tui::app::rows::view_rows;
use atlas_tui::app::state::{AppState, Effect, InputMode};
use atlas_tui::backend::Update;
use atlas_tui::backend::spawn_source;
use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

/// Runs a headless command with the sandbox's config and a state dir of its own; its stdout.
fn headless(args: &[&str], state: &std::path::Path) -> String {
    let conf = common::sandbox_conf();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .args(args)
        .arg("--config")
        .arg(conf.parent().unwrap().join("atlas-tui.toml"))
        .env("INCUS_CONF", &conf)
        .env("ATLAS_TUI_STATE_DIR", state)
        .env("ATLAS_TUI_CONFIG_DIR", state)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn spec(name: &str, port: u16) -> SourceSpec {
    SourceSpec {
        name: name.into(),
        url: format!("http://127.0.0.1:{port}"),
        ..Default::default()
    }
}

async fn post_alert(port: u16, labels: serde_json::Value) {
    atlas_tui::incus::tls::install_crypto_provider();
    let body = serde_json::json!([{
        "labels": labels,
        "annotations": {"summary": "posted by the atlas-tui tests"},
        "endsAt": (Utc::now() + chrono::Duration::minutes(30)).to_rfc3339(),
    }]);
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v2/alerts"))
        .json(&body)
        .send()
        .await
        .expect("the sandbox Alertmanagers run (scripts/sandbox up)");
    assert!(r.status().is_success());
}

/// A state fed by real source workers.
struct Live {
    state: AppState,
    rx: mpsc::UnboundedReceiver<Update>,
    workers: Vec<(String, mpsc::UnboundedSender<SourceCmd>)>,
}

impl Live {
    fn new(sources: &[(&str, SourceKind, u16)]) -> Self {
        let mut state = common::loaded_state();
        state.alerting.silence_author = "tests@atlas".into();
        let (tx, rx) = mpsc::unbounded_channel();
        let poll = PollConfig {
            every: Duration::from_millis(300),
            jitter: Duration::from_millis(100),
        };
        let mut workers = Vec::new();
        for (name, kind, port) in sources {
            let sp = spec(name, *port);
            let mut v = AlertSourceView::new(name, *kind, &sp.url, false);
            v.remotes = vec!["local".into()];
            state.alerting.sources.push(v);
            workers.push((name.to_string(), spawn_source(sp, *kind, poll, tx.clone())));
        }
        Live { state, rx, workers }
    }

    /// Applies updates until `pred` holds (at most `secs`).
    async fn until(&mut self, secs: u64, what: &str, pred: impl Fn(&AppState) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while !pred(&self.state) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(u)) => {
                    self.state.apply(u, Utc::now());
                }
                _ => panic!(
                    "timed out waiting for {what}; message: {:?}",
                    self.state.messages.current
                ),
            }
        }
    }

    fn key(&mut self, code: KeyCode) {
        let fx = self
            .state
            .on_key(KeyEvent::new(code, KeyModifiers::NONE), Utc::now());
        self.run(fx);
    }

    fn typ(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Does what the main loop does with effects for alert sources.
    fn run(&mut self, fx: Vec<Effect>) {
        for e in fx {
            if let Effect::Alert { source, cmd } = e {
                let w = &self.workers.iter().find(|(n, _)| *n == source).unwrap().1;
                w.send(cmd).unwrap();
            }
        }
    }

    fn row_of(&self, alertname: &str) -> Option<atlas_tui::app::rows::Row> {
        view_rows(&self.state, Pane::Alerts, Utc::now())
            .iter()
            .find(|r| r.cell(1).text == alertname)
            .map(|r| (**r).clone())
    }
}

fn has_alert(name: &str) -> impl Fn(&AppState) -> bool + '_ {
    move |s: &AppState| s.alerting.alerts.iter().any(|a| a.name() == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fingerprints_are_alertmanagers_own() {
    let name = format!("AtlasFp{}", std::process::id());
    post_alert(9093, serde_json::json!({"alertname": name, "instance": "grafana01.incus:3000", "severity": "info"})).await;
    let alerts = AlertmanagerClient::new(spec("control", 9093))
        .unwrap()
        .alerts()
        .await
        .unwrap();
    assert!(!alerts.is_empty());
    for a in &alerts {
        assert_eq!(fingerprint(&a.labels), a.fingerprint, "{:?}", a.labels);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_alertmanagers_and_prometheus_merge_into_one_list() {
    let name = format!("AtlasDedup{}", std::process::id());
    let labels = serde_json::json!({"alertname": name, "instance": "loki01.incus:3100", "severity": "critical"});
    post_alert(9093, labels.clone()).await;
    post_alert(9094, labels).await;
    let mut live = Live::new(&[
        ("control", SourceKind::Alertmanager, 9093),
        ("cluster", SourceKind::Alertmanager, 9094),
        ("prometheus", SourceKind::Prometheus, 9090),
    ]);
    live.until(20, "the posted alert from both Alertmanagers", |s| {
        s.alerting
            .alerts
            .iter()
            .any(|a| a.name() == name && a.sources.len() == 2)
    })
    .await;
    // The sandbox Prometheus rules: one firing (also in Alertmanager by now), one pending.
    live.until(30, "Prometheus alerts", |s| {
        s.alerting
            .alerts
            .iter()
            .any(|a| a.name() == "LokiIngestionSlow" && a.source_names().contains(&"prometheus"))
            && s.alerting
                .alerts
                .iter()
                .any(|a| a.name() == "CertificateExpiresSoon")
    })
    .await;
    let cert = live
        .state
        .alerting
        .alerts
        .iter()
        .find(|a| a.name() == "CertificateExpiresSoon")
        .unwrap();
    assert_eq!(cert.state(), AlertState::Pending);
    assert_eq!(cert.source_names(), ["prometheus"]);
    let rows: Vec<_> = view_rows(&live.state, Pane::Alerts, Utc::now())
        .iter()
        .filter(|r| r.cell(1).text == name)
        .cloned()
        .collect();
    assert_eq!(rows.len(), 1, "deduplicated by fingerprint");
    assert_eq!(rows[0].cell(2).text, "loki01");
    assert_eq!(rows[0].cell(6).text, "control,cluster");
    // The alert is on the loki01 row of the instances pane.
    let inst = view_rows(&live.state, Pane::Instances, Utc::now());
    let loki = inst
        .iter()
        .find(|r| r.key.to_string() == "local/default/loki01")
        .unwrap();
    assert!(loki.cell(3).text.contains("crit"), "{:?}", loki.cell(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_from_the_ui_lands_in_alertmanager_then_expires() {
    let name = format!("AtlasSilence{}", std::process::id());
    post_alert(
        9093,
        serde_json::json!({"alertname": name, "instance": "coredns01.incus:53", "severity": "warning", "job": "dns"}),
    )
    .await;
    let mut live = Live::new(&[("control", SourceKind::Alertmanager, 9093)]);
    live.until(20, "the posted alert", has_alert(&name)).await;

    // Select it in the alerts pane and silence it by keys.
    live.key(KeyCode::Char('5'));
    live.key(KeyCode::Char('/'));
    live.typ(&name);
    live.key(KeyCode::Enter);
    assert!(live.row_of(&name).is_some());
    live.key(KeyCode::Char('m'));
    assert_eq!(live.state.input(), InputMode::SilenceForm);
    live.typ("tests: silence from the console");
    live.key(KeyCode::Enter);
    assert_eq!(live.state.input(), InputMode::Normal);
    live.until(20, "the silence write", |s| {
        s.messages
            .current
            .as_ref()
            .is_some_and(|m| m.text.contains("create silence"))
    })
    .await;
    assert!(
        live.state
            .messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("done"),
        "{:?}",
        live.state.messages.current
    );

    // In Alertmanager, with the right matchers.
    let am = AlertmanagerClient::new(spec("control", 9093)).unwrap();
    let sil = am
        .silences()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.comment == "tests: silence from the console" && s.status.state == "active")
        .expect("the silence exists in Alertmanager");
    let ms: Vec<String> = sil.matchers.iter().map(|m| m.to_string()).collect();
    assert_eq!(
        ms,
        [
            format!("alertname=\"{name}\""),
            "instance=\"coredns01.incus:53\"".to_string()
        ]
    );
    assert_eq!(sil.created_by, "tests@atlas");

    // The alert shows as silenced.
    live.until(20, "the alert silenced", |s| {
        s.alerting
            .alerts
            .iter()
            .any(|a| a.name() == name && a.state() == AlertState::Silenced)
    })
    .await;
    let row = live.row_of(&name).unwrap();
    assert!(
        row.cell(4).text.starts_with("silenced"),
        "{:?}",
        row.cell(4)
    );

    // Expire it from the silences pane.
    live.key(KeyCode::Char('6'));
    let key = format!("control/{}", sil.id);
    let pos = view_rows(&live.state, Pane::Silences, Utc::now())
        .iter()
        .position(|r| r.key.to_string() == key)
        .expect("the new silence in the silences pane");
    live.key(KeyCode::Char('g'));
    live.key(KeyCode::Char('g'));
    for _ in 0..pos {
        live.key(KeyCode::Char('j'));
    }
    live.key(KeyCode::Char('e'));
    assert_eq!(live.state.input(), InputMode::Confirm);
    live.key(KeyCode::Char('y'));
    live.until(20, "the alert active again", |s| {
        s.alerting
            .alerts
            .iter()
            .any(|a| a.name() == name && a.state() == AlertState::Active)
    })
    .await;
    let sil = am
        .silences()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == sil.id)
        .unwrap();
    assert_eq!(sil.status.state, "expired");
}

/// An Alertmanager of the test's own, on a free port, so it can be stopped.
struct OwnAlertmanager {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl OwnAlertmanager {
    fn start(port: u16, dir: tempfile::TempDir) -> Self {
        std::fs::write(
            dir.path().join("am.yml"),
            "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n",
        )
        .unwrap();
        let child = std::process::Command::new("prometheus-alertmanager")
            .arg(format!(
                "--config.file={}",
                dir.path().join("am.yml").display()
            ))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("prometheus-alertmanager is installed (scripts/install-deps)");
        OwnAlertmanager { child, port, dir }
    }

    fn stop(mut self) -> (u16, tempfile::TempDir) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        (self.port, self.dir)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_alertmanager_shows_down_and_recovers() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let am = OwnAlertmanager::start(port, tempfile::tempdir().unwrap());
    let mut live = Live::new(&[("own", SourceKind::Alertmanager, port)]);
    live.until(20, "the own Alertmanager up", |s| {
        s.alerting.sources[0].status == SourceStatus::Up
    })
    .await;
    let (port, dir) = am.stop();
    live.until(20, "the source down", |s| {
        matches!(s.alerting.sources[0].status, SourceStatus::Down(_))
    })
    .await;
    let msg = live.state.messages.current.clone().unwrap().text;
    assert!(
        msg.contains(&format!("own: cannot reach http://127.0.0.1:{port}")),
        "{msg}"
    );
    // The rest keeps working: the inventory is untouched, the pane says which source is down.
    assert!(!view_rows(&live.state, Pane::Instances, Utc::now()).is_empty());
    let am = OwnAlertmanager::start(port, dir);
    live.until(30, "the source back", |s| {
        s.alerting.sources[0].status == SourceStatus::Up
    })
    .await;
    assert!(
        live.state
            .messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("back")
    );
    am.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_errors_reach_the_status_line() {
    // A silence with a matcher Alertmanager refuses (an empty label name cannot be typed in
    // the form, so go through the worker directly).
    let mut live = Live::new(&[("control", SourceKind::Alertmanager, 9093)]);
    live.until(20, "first poll", |s| {
        s.alerting.sources[0].status == SourceStatus::Up
    })
    .await;
    let req = atlas_tui::alerts::SilenceRequest {
        id: None,
        matchers: vec![atlas_tui::alerts::Matcher {
            name: "alertname".into(),
            value: "x".into(),
            is_regex: false,
            is_equal: true,
        }],
        starts_at: Utc::now(),
        ends_at: Utc::now() - chrono::Duration::hours(1),
        created_by: "t".into(),
        comment: "ends before it starts".into(),
    };
    live.run(vec![Effect::Alert {
        source: "control".into(),
        cmd: SourceCmd::PutSilence(req),
    }]);
    live.until(20, "the write error", |s| {
        s.messages
            .current
            .as_ref()
            .is_some_and(|m| m.text.contains("create silence failed"))
    })
    .await;
    let m = live.state.messages.current.clone().unwrap().text;
    assert!(m.contains("HTTP 400"), "{m}");
}

/// `atlas-tui alerts --json` against the sandbox's sources and both remotes: HighMemoryUsage,
/// which both Alertmanagers hold (`control` watches local, `cluster` atlas-https), is about
/// grafana01 on each remote.
#[test]
fn headless_alerts_join_an_alert_of_two_alertmanagers_to_both_remotes() {
    let state = tempfile::tempdir().unwrap();
    let text = headless(&["alerts", "--json"], state.path());
    let alerts: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let hm = alerts
        .iter()
        .find(|a| a["alertname"] == "HighMemoryUsage")
        .expect("HighMemoryUsage firing");
    let mut keys: Vec<&str> = std::iter::once(&hm["target"])
        .chain(hm["also"].as_array().into_iter().flatten())
        .filter_map(|t| t["key"].as_str())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["atlas-https/default/grafana01", "local/default/grafana01"],
        "{hm}"
    );
    let sd = alerts
        .iter()
        .find(|a| a["alertname"] == "ServiceDown")
        .expect("ServiceDown firing");
    assert_eq!(sd["target"]["key"], "local/default/step-ca01", "{sd}");
}

/// Opens the detail of the alert named `name` (the alerts pane filtered down to it) and waits
/// for its history from Prometheus.
async fn open_alert_detail(live: &mut Live, name: &str) {
    live.key(KeyCode::Char('5'));
    live.key(KeyCode::Char('/'));
    live.typ(name);
    live.key(KeyCode::Enter);
    live.key(KeyCode::Enter);
    assert_eq!(live.state.input(), InputMode::Detail);
    let fp = live
        .state
        .alerting
        .alerts
        .iter()
        .find(|a| a.name() == name)
        .unwrap()
        .fingerprint
        .clone();
    live.until(20, "its history from Prometheus", |s| {
        s.alerting.history.contains_key(&fp)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_detail_shows_when_it_fired_from_prometheus_alerts() {
    let mut live = Live::new(&[("prometheus", SourceKind::Prometheus, 9090)]);
    live.until(30, "Prometheus alerts", |s| {
        has_alert("LokiIngestionSlow")(s) && has_alert("CertificateExpiresSoon")(s)
    })
    .await;
    // Firing since Prometheus started: the last half hour of the strip is marked.
    open_alert_detail(&mut live, "LokiIngestionSlow").await;
    let h = live.state.alerting.history.values().next().unwrap()[0]
        .clone()
        .unwrap();
    assert_eq!(h.source, "prometheus");
    assert_eq!(h.firing.len(), 1440, "a minute per bucket");
    assert!(h.firing[1439], "{:?}", h.firing);
    let out = common::render(&mut live.state, 120, 60);
    assert!(out.contains("history (last 24 h, from prometheus"), "{out}");
    let strip = out.lines().find(|l| l.contains("-24h ")).unwrap();
    assert!(strip.contains("█ now"), "{strip}");
    assert!(out.contains("  fired "), "{out}");
    live.key(KeyCode::Esc);
    live.key(KeyCode::Esc);
    // Pending for a day before it fires: never firing in ALERTS.
    open_alert_detail(&mut live, "CertificateExpiresSoon").await;
    let out = common::render(&mut live.state, 120, 60);
    assert!(
        out.contains("not firing in ALERTS over the last 24 h"),
        "{out}"
    );
}

/// An alert about an address (`instance="<grafana01's DHCP address>:9100"`, as node_exporter
/// targets are often named) joins to the instance that has that address on the sandbox's
/// managed bridge.
#[test]
fn headless_alerts_join_an_alert_by_the_instances_address() {
    let ip = common::incus(&[
        "list",
        "grafana01",
        "--project",
        "default",
        "-f",
        "csv",
        "-c",
        "4",
    ]);
    let ip = ip.split_whitespace().next().unwrap_or_default().to_string();
    assert!(
        ip.starts_with("10.203.77."),
        "grafana01 has a DHCP address: {ip:?}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(post_alert(
        9093,
        serde_json::json!({"alertname": "NodeFilesystemAlmostFull", "severity": "warning",
                           "instance": format!("{ip}:9100"), "job": "node"}),
    ));
    let state = tempfile::tempdir().unwrap();
    let text = headless(&["alerts", "--json"], state.path());
    let alerts: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let a = alerts
        .iter()
        .find(|a| a["alertname"] == "NodeFilesystemAlmostFull")
        .expect("the posted alert");
    assert_eq!(a["target"]["key"], "local/default/grafana01", "{a}");
}

/// An instance's detail charts its usage from the series the sandbox's Prometheus scrapes
/// from incusd's `/1.0/metrics` over mTLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_detail_charts_usage_from_prometheus_scraping_incusd() {
    use atlas_tui::trend::Metric;
    let mut live = Live::new(&[("prometheus", SourceKind::Prometheus, 9090)]);
    live.key(KeyCode::Char('2'));
    live.key(KeyCode::Char('/'));
    live.typ("grafana01");
    live.key(KeyCode::Enter);
    live.key(KeyCode::Enter);
    assert_eq!(live.state.input(), InputMode::Detail);
    let key = "local/default/grafana01";
    // Prometheus needs two scrapes (15 s apart) of a freshly started sandbox for a rate: ask
    // again (ctrl-r) until it has them.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        live.until(20, "a usage answer", |s| s.usage.reads.contains_key(key))
            .await;
        let read = live.state.usage.best(key).unwrap().clone();
        assert_eq!(read.source, "prometheus");
        let series = read.result.clone().unwrap();
        let has = |m: Metric| series.iter().any(|(x, p)| *x == m && !p.is_empty());
        if has(Metric::Cpu) && has(Metric::Memory) && has(Metric::Network) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no series: {series:?}"
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        live.state.usage.reads.clear();
        let fx = live.state.on_key(
            KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL),
            Utc::now(),
        );
        live.run(fx);
    }
    let out = common::render_at(&mut live.state, 100, 60, Utc::now());
    assert!(
        out.contains("usage, last 15m (from prometheus, read"),
        "{out}"
    );
    assert!(out.contains("  cpu      now "), "{out}");
    assert!(out.contains("  memory   now "), "{out}");
    // A dir pool's containers have no block device: no disk series.
    assert!(out.contains("  disk     -"), "{out}");
    // `w`: the next window is asked for at once.
    live.key(KeyCode::Char('w'));
    live.until(20, "the 1h window", |s| {
        s.usage.reads[key]
            .iter()
            .any(|r| r.window == atlas_tui::trend::Window::Hour1)
    })
    .await;
}

/// `atlas-tui timeline --since 2h` for a postmortem: the journal's and the events file's lines
/// with the alert transitions of the sandbox Prometheus's `ALERTS`, as Markdown and as JSON.
#[test]
fn headless_timeline_merges_the_state_dir_with_prometheus_alerts() {
    use atlas_tui::timeline::{Event, Kind};
    let state = tempfile::tempdir().unwrap();
    let at = Utc::now() - chrono::Duration::minutes(5);
    atlas_tui::timeline::record(
        &atlas_tui::timeline::events_file(state.path()),
        &[Event {
            at,
            kind: Kind::Event,
            what: "instance-restarted".into(),
            object: "local/default/loki01".into(),
            detail: "instance-restarted loki01 (by root via unix)".into(),
            source: "local".into(),
        }],
    )
    .unwrap();
    // An event older than the window is left out.
    atlas_tui::timeline::record(
        &atlas_tui::timeline::events_file(state.path()),
        &[Event {
            at: Utc::now() - chrono::Duration::hours(5),
            kind: Kind::Event,
            what: "instance-created".into(),
            object: "local/default/old01".into(),
            detail: String::new(),
            source: "local".into(),
        }],
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["timeline", "--since", "2h"];
        all.extend_from_slice(args);
        headless(&all, state.path())
    };
    let md = run(&["--markdown"]);
    assert!(md.starts_with("## Timeline "), "{md}");
    assert!(
        md.contains("| event | instance-restarted | local/default/loki01 |"),
        "{md}"
    );
    assert!(!md.contains("old01"), "{md}");
    // LokiIngestionSlow fires for as long as the sandbox Prometheus runs.
    assert!(
        md.lines().any(|l| l
            .contains("| alert | firing | loki01.incus:3100 | LokiIngestionSlow (warning)")
            && l.ends_with("| prometheus |")),
        "{md}"
    );
    let json = run(&["--json"]);
    let events: Vec<Event> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events.windows(2).all(|w| w[0].at <= w[1].at),
        "in time order"
    );
    assert!(events.iter().any(|e| e.what == "instance-restarted"));
    let text = run(&[]);
    assert!(text.contains("instance-restarted"), "{text}");
}

/// The history's last point is at the end of the current minute, a little ahead of now; asked
/// a second after a whole minute, the part of it already past holds no `ALERTS` sample yet
/// (the sandbox's rules are evaluated every 2 s, real ones often every minute). An alert firing
/// now must still be firing in that bucket: the query also takes its state at the point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_bucket_of_an_alert_firing_now_is_firing_whenever_it_is_asked() {
    use atlas_tui::alerts::history;
    let client = atlas_tui::alerts::PrometheusClient::new(spec("prometheus", 9090)).unwrap();
    let now = Utc::now().timestamp();
    // As if asked right at a whole minute: the bucket (now, now + 60], no sample in it yet.
    let at = now + 60;
    let series = client
        .query_range(&history::query("LokiIngestionSlow", 60), at, at, 60)
        .await
        .unwrap();
    assert!(
        series.iter().any(|s| s.times.contains(&at)),
        "the bucket ending at now + 60 s: {series:?}"
    );
    // Resolved or never fired: nothing, also with the state taken at the point.
    let series = client
        .query_range(&history::query("NoSuchAlertAtAll", 60), at, at, 60)
        .await
        .unwrap();
    assert!(series.is_empty(), "{series:?}");
}
