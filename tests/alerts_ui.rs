//! The alerts side of the UI, driven by keys on state built from alerts and silences captured
//! from the sandbox's real Alertmanagers and Prometheus; screens compared with insta snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use atlas_tui::alerts::model::AlertState;
use atlas_tui::alerts::worker::SourceCmd;
use atlas_tui::app::Pane;
use atlas_tui::app::rows::view_rows;
use atlas_tui::app::state::{AppState, Effect, InputMode};
use atlas_tui::backend::Update;
use common::{key, loaded_state, now, render, typ, with_alerts};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn state() -> AppState {
    with_alerts(loaded_state())
}

/// Selects the alerts-pane row whose ALERT cell is `name`.
fn select_alert(s: &mut AppState, name: &str) {
    key(s, KeyCode::Char('5'));
    key(s, KeyCode::Esc);
    let rows = view_rows(s, Pane::Alerts, now());
    let i = rows
        .iter()
        .position(|r| r.cell(1).text == name)
        .unwrap_or_else(|| panic!("{name} not in the alerts pane"));
    key(s, KeyCode::Char('g'));
    key(s, KeyCode::Char('g'));
    for _ in 0..i {
        key(s, KeyCode::Char('j'));
    }
}

#[test]
fn alerts_pane_dedups_sorts_and_joins() {
    let mut s = state();
    key(&mut s, KeyCode::Char('5'));
    let rows = view_rows(&s, Pane::Alerts, now());
    let names: Vec<&str> = rows.iter().map(|r| r.cell(1).text).collect();
    // Worst first: critical, then warnings by age, then info/none.
    assert_eq!(names[0], "ServiceDown");
    // HighMemoryUsage is in both Alertmanagers, LokiIngestionSlow in Prometheus and control:
    // one row each.
    assert_eq!(names.iter().filter(|n| **n == "HighMemoryUsage").count(), 1);
    assert_eq!(
        names.iter().filter(|n| **n == "LokiIngestionSlow").count(),
        1
    );
    assert_eq!(rows.len(), 8, "{names:?}");
    let hm = rows
        .iter()
        .find(|r| r.cell(1).text == "HighMemoryUsage")
        .unwrap();
    assert_eq!(hm.cell(2).text, "grafana01");
    assert_eq!(hm.cell(5).text, "local");
    assert_eq!(hm.cell(6).text, "control,cluster");
    let probe = rows
        .iter()
        .find(|r| r.cell(1).text == "ProbeFailed")
        .unwrap();
    assert_eq!(probe.cell(4).text, "inhibited by ServiceDown");
    let wd = rows.iter().find(|r| r.cell(1).text == "Watchdog").unwrap();
    assert!(
        wd.cell(4).text.starts_with("silenced bfcf2e06"),
        "{}",
        wd.cell(4).text
    );
    assert_eq!(wd.cell(2).text, "-");
    let cert = rows
        .iter()
        .find(|r| r.cell(1).text == "CertificateExpiresSoon")
        .unwrap();
    assert_eq!(cert.cell(4).text, "pending");
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn badges_on_hosts_instances_and_volumes() {
    let mut s = state();
    let inst = view_rows(&s, Pane::Instances, now());
    let badge = |rows: &[atlas_tui::app::rows::RowRef], name: &str, col: usize| {
        rows.iter()
            .find(|r| r.cells().any(|c| c.text == name))
            .map(|r| r.cell(col).text.to_string())
            .unwrap()
    };
    assert_eq!(badge(&inst, "grafana01", 3), "▲1 warn");
    // ServiceDown (critical); its inhibited probe and the pending certificate alert are noise.
    assert_eq!(badge(&inst, "step-ca01", 3), "▲1 crit");
    assert_eq!(badge(&inst, "coredns01", 3), "-");
    let vols = view_rows(&s, Pane::Volumes, now());
    assert_eq!(badge(&vols, "prometheus01-data", 3), "▲1 warn");
    // The host sums up what runs on it, and its own NodeLoadHigh.
    let hosts = view_rows(&s, Pane::Hosts, now());
    assert_eq!(badge(&hosts, "atlas01", 3), "▲5 crit");
    key(&mut s, KeyCode::Char('2'));
    let out = render(&mut s, 80, 24);
    assert!(out.contains("▲1 crit"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn grid_shows_alerts_beside_hosts() {
    let mut s = state();
    let out = render(&mut s, 200, 50);
    for t in [
        "Hosts",
        "Alerts",
        "Instances",
        "Volumes",
        "Snapshots",
        "ServiceDown",
    ] {
        assert!(out.contains(t), "{t} missing:\n{out}");
    }
    key(&mut s, KeyCode::Char('6'));
    let out = render(&mut s, 200, 50);
    assert!(out.contains("Silences (1)"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn filter_takes_label_matchers_and_words() {
    let mut s = state();
    key(&mut s, KeyCode::Char('5'));
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "severity=critical");
    key(&mut s, KeyCode::Enter);
    let rows = view_rows(&s, Pane::Alerts, now());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].cell(1).text, "ServiceDown");
    s.panes[Pane::Alerts.index()].filter = "instance=~\"step.*\"".into();
    let mut names: Vec<String> = view_rows(&s, Pane::Alerts, now())
        .iter()
        .map(|r| r.cell(1).text.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["CertificateExpiresSoon", "ProbeFailed", "ServiceDown"]
    );
    // Matchers and fuzzy words combine.
    s.panes[Pane::Alerts.index()].filter = "instance=~\"step.*\" probe".into();
    assert_eq!(view_rows(&s, Pane::Alerts, now()).len(), 1);
    s.panes[Pane::Alerts.index()].filter = "severity!=warning severity!=critical".into();
    let names: Vec<String> = view_rows(&s, Pane::Alerts, now())
        .iter()
        .map(|r| r.cell(1).text.to_string())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn group_by_alertname_and_object() {
    let mut s = state();
    key(&mut s, KeyCode::Char('z'));
    assert_eq!(s.pane, Pane::Alerts);
    let rows = view_rows(&s, Pane::Alerts, now());
    assert!(
        rows[0]
            .key
            .to_string()
            .starts_with("group:name:ServiceDown"),
        "{}",
        rows[0].key
    );
    key(&mut s, KeyCode::Char('z'));
    let rows = view_rows(&s, Pane::Alerts, now());
    let step = rows
        .iter()
        .find(|r| r.key.to_string() == "group:object:local/default/step-ca01")
        .expect("a group for step-ca01");
    assert_eq!(step.cell(2).text, "3 alerts");
    insta::assert_snapshot!(render(&mut s, 100, 30));
    key(&mut s, KeyCode::Char('z'));
    assert!(
        !view_rows(&s, Pane::Alerts, now())[0]
            .key
            .to_string()
            .starts_with("group:")
    );
}

#[test]
fn jump_from_alert_to_object_and_back() {
    let mut s = state();
    select_alert(&mut s, "DiskSpaceWarning");
    key(&mut s, KeyCode::Char('o'));
    assert_eq!(s.pane, Pane::Volumes);
    assert_eq!(
        s.panes[Pane::Volumes.index()]
            .selected_key
            .as_ref()
            .map(|k| k.to_string())
            .as_deref(),
        Some("local/default/default/prometheus01-data")
    );
    select_alert(&mut s, "NodeLoadHigh");
    key(&mut s, KeyCode::Char('o'));
    assert_eq!(s.pane, Pane::Hosts);
    select_alert(&mut s, "HighMemoryUsage");
    key(&mut s, KeyCode::Char('o'));
    assert_eq!(s.pane, Pane::Instances);
    let rows = view_rows(&s, Pane::Instances, now());
    let i = s.selected_index(Pane::Instances, &rows);
    assert_eq!(rows[i].key.to_string(), "local/default/grafana01");
    // And back: the object's alerts.
    key(&mut s, KeyCode::Char('o'));
    assert_eq!(s.pane, Pane::Alerts);
    let rows = view_rows(&s, Pane::Alerts, now());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].cell(1).text, "HighMemoryUsage");
    // An alert about nothing known says so.
    select_alert(&mut s, "Watchdog");
    key(&mut s, KeyCode::Char('o'));
    assert_eq!(s.pane, Pane::Alerts);
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("not about a known")
    );
}

#[test]
fn alert_detail_shows_labels_annotations_and_silences() {
    let mut s = state();
    select_alert(&mut s, "Watchdog");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.input(), InputMode::Detail);
    let out = render(&mut s, 100, 40);
    for want in [
        "alertname: Watchdog",
        "state: silenced",
        "labels:",
        "annotations:",
        "silences:",
        "bfcf2e06-7094-4595-b660-d26885d9a885 on control",
    ] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    key(&mut s, KeyCode::Esc);
    select_alert(&mut s, "HighMemoryUsage");
    key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 120, 40);
    assert!(
        out.contains("runbook: https://runbooks.atlas.lan/node#memory"),
        "{out}"
    );
    assert!(out.contains("control: active"), "{out}");
    assert!(out.contains("cluster: active"), "{out}");
    assert!(out.contains("instance grafana01 on local"), "{out}");
}

#[test]
fn silence_form_from_an_alert_previews_and_submits() {
    let mut s = state();
    select_alert(&mut s, "HighMemoryUsage");
    key(&mut s, KeyCode::Char('m'));
    assert_eq!(s.input(), InputMode::SilenceForm);
    let form = s.form().cloned().unwrap();
    assert_eq!(
        form.matchers,
        "alertname=\"HighMemoryUsage\" instance=\"grafana01.incus:9100\""
    );
    assert_eq!(form.author, "oncall@atlas");
    assert_eq!(form.targets, ["cluster", "control"]);
    // The comment is required.
    let fx = key(&mut s, KeyCode::Enter);
    assert!(fx.is_empty());
    assert!(
        s.form()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .contains("comment")
    );
    typ(&mut s, "grafana01 memory: known leak, fix deploying");
    // Duration presets with +.
    key(&mut s, KeyCode::Up);
    key(&mut s, KeyCode::Up);
    key(&mut s, KeyCode::Char('+'));
    assert_eq!(s.form().unwrap().duration, "1d");
    let out = render(&mut s, 100, 30);
    assert!(out.contains("Affected alerts right now: 1"), "{out}");
    insta::assert_snapshot!(out);
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(s.input(), InputMode::Normal);
    assert_eq!(
        fx.len(),
        2,
        "one silence per Alertmanager that has the alert"
    );
    for e in &fx {
        let Effect::Alert {
            cmd: SourceCmd::PutSilence(req),
            ..
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!(req.matchers.len(), 2);
        assert_eq!((req.ends_at - req.starts_at).num_hours(), 24);
        assert_eq!(req.comment, "grafana01 memory: known leak, fix deploying");
    }
}

#[test]
fn silence_form_from_an_instance_and_editing_matchers() {
    let mut s = state();
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "step-ca01");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('m'));
    let form = s.form().cloned().unwrap();
    assert_eq!(form.matchers, "instance=~\"step-ca01([.:].*)?\"");
    // Both writable Alertmanagers.
    assert_eq!(form.targets, ["control", "cluster"]);
    let hits = s.affected_alerts(&form).unwrap();
    assert_eq!(
        hits.len(),
        3,
        "ServiceDown, ProbeFailed, CertificateExpiresSoon"
    );
    // Edit the matchers: narrow to one alert; a broken regex is reported, not sent.
    key(&mut s, KeyCode::BackTab);
    key(&mut s, KeyCode::BackTab);
    key(&mut s, KeyCode::BackTab);
    assert_eq!(
        s.form().unwrap().field,
        atlas_tui::app::alerts::FormField::Matchers
    );
    s.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        now(),
    );
    typ(&mut s, "alertname=~\"(\"");
    let out = render(&mut s, 100, 30);
    assert!(out.contains("bad regex"), "{out}");
    s.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        now(),
    );
    typ(&mut s, "alertname=ServiceDown instance=~\"step-ca01.*\"");
    assert_eq!(s.affected_alerts(s.form().unwrap()).unwrap().len(), 1);
    key(&mut s, KeyCode::Esc);
    assert!(s.form().is_none());
}

#[test]
fn silences_pane_expire_and_extend() {
    let mut s = state();
    key(&mut s, KeyCode::Char('6'));
    let rows = view_rows(&s, Pane::Silences, now());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].cell(0).text, "active");
    assert_eq!(rows[0].cell(4).text, "1", "it silences the Watchdog");
    insta::assert_snapshot!(render(&mut s, 80, 24));
    assert!(key(&mut s, KeyCode::Char('e')).is_empty());
    assert_eq!(s.input(), InputMode::Confirm);
    let out = render(&mut s, 80, 24);
    assert!(out.contains("Expire silence bfcf2e06"), "{out}");
    // n cancels; y sends.
    key(&mut s, KeyCode::Char('n'));
    assert!(s.confirm().is_none());
    key(&mut s, KeyCode::Char('e'));
    let fx = key(&mut s, KeyCode::Char('y'));
    assert_eq!(
        fx,
        [Effect::Alert {
            source: "control".into(),
            cmd: SourceCmd::Expire("bfcf2e06-7094-4595-b660-d26885d9a885".into()),
        }]
    );
    // Extend: same silence id, the end moved by the duration.
    key(&mut s, KeyCode::Char('+'));
    assert_eq!(s.input(), InputMode::SilenceForm);
    let f = s.form().cloned().unwrap();
    assert_eq!(f.field, atlas_tui::app::alerts::FormField::Duration);
    s.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        now(),
    );
    typ(&mut s, "3d");
    let fx = key(&mut s, KeyCode::Enter);
    let Effect::Alert {
        source,
        cmd: SourceCmd::PutSilence(req),
    } = &fx[0]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(source, "control");
    assert_eq!(
        req.id.as_deref(),
        Some("bfcf2e06-7094-4595-b660-d26885d9a885")
    );
    let old_end = s.alerting.silences[0].silence.ends_at;
    assert_eq!(req.ends_at, old_end + chrono::Duration::days(3));
}

#[test]
fn readonly_blocks_every_silence_write() {
    let mut s = state();
    s.readonly = true;
    select_alert(&mut s, "HighMemoryUsage");
    assert!(key(&mut s, KeyCode::Char('m')).is_empty());
    assert!(s.form().is_none());
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("read-only")
    );
    key(&mut s, KeyCode::Char('6'));
    assert!(key(&mut s, KeyCode::Char('e')).is_empty());
    assert!(s.confirm().is_none());
    assert!(key(&mut s, KeyCode::Char('+')).is_empty());
    assert!(s.form().is_none());
    // A per-Alertmanager readonly leaves the others writable, and says which were skipped.
    let mut s = state();
    s.alerting.sources[1].readonly = true;
    select_alert(&mut s, "HighMemoryUsage");
    key(&mut s, KeyCode::Char('m'));
    let f = s.form().cloned().unwrap();
    assert_eq!(f.targets, ["control"]);
    assert_eq!(f.skipped_readonly, ["cluster"]);
    key(&mut s, KeyCode::Esc);
    select_alert(&mut s, "NodeLoadHigh");
    key(&mut s, KeyCode::Char('m'));
    assert!(s.form().is_none());
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("read-only: cluster"),
        "{:?}",
        s.messages.current
    );
    // Prometheus-only alerts cannot be silenced yet, and that is said.
    select_alert(&mut s, "CertificateExpiresSoon");
    key(&mut s, KeyCode::Char('m'));
    assert!(s.form().is_none());
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("Prometheus only")
    );
}

#[test]
fn a_source_that_goes_down_keeps_its_data_and_says_so() {
    let mut s = state();
    s.apply(
        Update::AlertSource {
            source: "cluster".into(),
            result: Err("cluster: cannot reach http://127.0.0.1:9094: connection refused".into()),
        },
        now(),
    );
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("connection refused")
    );
    key(&mut s, KeyCode::Char('5'));
    // Its last alerts stay (NodeLoadHigh came only from it).
    assert!(
        view_rows(&s, Pane::Alerts, now())
            .iter()
            .any(|r| r.cell(1).text == "NodeLoadHigh")
    );
    let out = render(&mut s, 140, 24);
    assert!(out.contains("⚠ cluster down"), "{out}");
    assert!(out.contains("✖ cluster down, stale 0s"), "{out}");
    assert!(s.any_offline(), "the UI ticks while a source is down");
    s.apply(
        Update::AlertSource {
            source: "cluster".into(),
            result: Ok(atlas_tui::alerts::model::SourceData {
                alerts: vec![],
                silences: vec![],
            }),
        },
        now(),
    );
    assert!(s.messages.current.as_ref().unwrap().text.contains("back"));
    assert!(
        !view_rows(&s, Pane::Alerts, now())
            .iter()
            .any(|r| r.cell(1).text == "NodeLoadHigh")
    );
    // The state of an alert is known for all sources.
    assert_eq!(
        s.alerting
            .alerts
            .iter()
            .find(|a| a.name() == "HighMemoryUsage")
            .unwrap()
            .state(),
        AlertState::Active
    );
}

#[test]
fn no_sources_configured_explains_how() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char('5'));
    let out = render(&mut s, 100, 24);
    assert!(
        out.contains("no alert sources: add [[alertmanagers]]"),
        "{out}"
    );
    key(&mut s, KeyCode::Char('m'));
    assert!(s.form().is_none());
}

/// Runs the runbook lookup the effects `fx` of opening an alert's detail ask for, as the task
/// does, and applies what it found.
fn find_runbook(s: &mut AppState, fx: &[Effect], alert: &str) {
    let Some(Effect::FindRunbook {
        fingerprint,
        dir,
        alertname,
        annotation,
    }) = fx.first().cloned()
    else {
        panic!("no runbook asked for: {fx:?}");
    };
    assert_eq!(alertname, alert);
    let found = atlas_tui::alerts::runbooks::find(&dir, &alertname, annotation.as_deref());
    s.apply(Update::Runbook { fingerprint, found }, now());
}

#[test]
fn alert_detail_finds_and_renders_its_runbook_and_y_copies_the_url() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("high-memory-usage.md"),
        "# High memory usage\nMemory above 90 %.\n\n## Check\n- `incus info grafana01`\n```sh\nfree -m\n```\n",
    )
    .unwrap();
    let mut s = state();
    s.alerting.runbooks_dir = dir.path().to_path_buf();
    select_alert(&mut s, "HighMemoryUsage");
    let fx = key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 120, 90);
    assert!(out.contains("runbook_file: looking in"), "{out}");
    find_runbook(&mut s, &fx, "HighMemoryUsage");
    let out = render(&mut s, 120, 90);
    for want in [
        "high-memory-usage.md",
        "▌ HIGH MEMORY USAGE",
        "Memory above 90 %.",
        "▌ Check",
        "• `incus info grafana01`",
        "    free -m",
    ] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    assert!(!out.contains("```"), "{out}");
    // y offers what to copy, the runbook URL first, from the detail and from the row.
    assert!(key(&mut s, KeyCode::Char('y')).is_empty());
    assert_eq!(s.input(), InputMode::Copy);
    let out = render(&mut s, 120, 40);
    assert!(
        out.contains("1 runbook") && out.contains("alert name") && out.contains("fingerprint"),
        "{out}"
    );
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(
        fx,
        [Effect::Copy(
            "https://runbooks.atlas.lan/node#memory".into()
        )]
    );
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('y'));
    let fx = key(&mut s, KeyCode::Char('1'));
    assert_eq!(
        fx,
        [Effect::Copy(
            "https://runbooks.atlas.lan/node#memory".into()
        )]
    );
    // An alert without a runbook file says where it was looked for.
    select_alert(&mut s, "Watchdog");
    let fx = key(&mut s, KeyCode::Enter);
    find_runbook(&mut s, &fx, "Watchdog");
    let out = render(&mut s, 120, 90);
    assert!(out.contains("runbook_file: none in"), "{out}");
}

/// The control Alertmanager's alerts from the fixture, with `f` applied to the list.
fn control_answer(
    f: impl FnOnce(&mut Vec<atlas_tui::alerts::types::Alert>),
) -> atlas_tui::backend::Update {
    use atlas_tui::alerts::model::SourceData;
    let text = std::fs::read(format!(
        "{}/tests/fixtures/am_control_alerts.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut alerts = serde_json::from_slice(&text).unwrap();
    f(&mut alerts);
    atlas_tui::backend::Update::AlertSource {
        source: "control".into(),
        result: Ok(SourceData {
            alerts,
            silences: vec![],
        }),
    }
}

#[test]
fn alert_transitions_and_silences_are_journaled_and_on_the_timeline() {
    use atlas_tui::alerts::types::{Matcher, SilenceRequest};
    use atlas_tui::app::Effect;
    use atlas_tui::timeline::Kind;
    let mut s = with_alerts(loaded_state());
    // What the sources held when they first answered is where the console starts from.
    assert!(s.work.journal.is_empty(), "{:?}", s.work.journal);
    // ServiceDown resolves: one journal line, written by the loop.
    let fx = s.apply(
        control_answer(|a| {
            a.retain(|a| a.labels.get("alertname").map(String::as_str) != Some("ServiceDown"))
        }),
        now(),
    );
    let resolved = s.work.journal.last().unwrap().clone();
    assert_eq!(
        (
            resolved.action.as_str(),
            resolved.status.as_str(),
            resolved.target.as_str()
        ),
        ("alert", "resolved", "local/default/step-ca01")
    );
    assert!(
        resolved
            .detail
            .starts_with("ServiceDown (critical): step-ca01 is down"),
        "{resolved:?}"
    );
    assert!(
        matches!(&fx[..], [Effect::Journal(e)] if **e == resolved),
        "{fx:?}"
    );
    // It fires again: journaled at once, at the time it started (it is recent).
    s.apply(control_answer(|_| {}), now());
    let fired = s.work.journal.last().unwrap();
    assert_eq!(
        (fired.status.as_str(), fired.target.as_str()),
        ("firing", "local/default/step-ca01")
    );
    // The same answer again changes nothing.
    let n = s.work.journal.len();
    assert!(s.apply(control_answer(|_| {}), now()).is_empty());
    assert_eq!(s.work.journal.len(), n);

    // A silence written to Alertmanager is journaled with what it silences and why.
    let req = SilenceRequest {
        id: None,
        matchers: vec![Matcher {
            name: "instance".into(),
            value: "step-ca01.incus:9000".into(),
            is_regex: false,
            is_equal: true,
        }],
        starts_at: now(),
        ends_at: now() + chrono::Duration::hours(2),
        created_by: "oncall@atlas".into(),
        comment: "maintenance: restart".into(),
    };
    s.apply(
        atlas_tui::backend::Update::SilenceWrite {
            source: "control".into(),
            what: "create silence".into(),
            cmd: atlas_tui::alerts::worker::SourceCmd::PutSilence(req),
            result: Ok("4f1c2a9e-0000".into()),
        },
        now(),
    );
    let sil = s.work.journal.last().unwrap();
    assert_eq!(
        (
            sil.action.as_str(),
            sil.status.as_str(),
            sil.target.as_str(),
            sil.remote.as_str()
        ),
        (
            "silence",
            "created",
            "instance=\"step-ca01.incus:9000\"",
            "control"
        )
    );
    assert!(
        sil.detail.contains("maintenance: restart · id 4f1c2a9e"),
        "{sil:?}"
    );

    // A lifecycle event goes on the timeline and to the events file.
    let fx = s.apply(
        atlas_tui::backend::Update::Inventory(atlas_tui::backend::InventoryEvent::Event {
            remote: "local".into(),
            summary: "instance-restarted step-ca01".into(),
            action: "instance-restarted".into(),
            object: Some(atlas_tui::inventory::ObjectKey::Instance {
                remote: "local".into(),
                project: "default".into(),
                name: "step-ca01".into(),
            }),
            at: Some(now()),
            by: "root via unix".into(),
        }),
        now(),
    );
    assert!(
        matches!(&fx[..], [Effect::Record(e)] if e[0].what == "instance-restarted"),
        "{fx:?}"
    );
    let tl = s.timeline_events();
    let kinds: Vec<(Kind, &str)> = tl.iter().map(|e| (e.kind, e.what.as_str())).collect();
    for want in [
        (Kind::Alert, "resolved"),
        (Kind::Alert, "firing"),
        (Kind::Silence, "created"),
        (Kind::Event, "instance-restarted"),
    ] {
        assert!(kinds.contains(&want), "{want:?} in {kinds:?}");
    }
    // Alerts that fired before the console watched are on it at the time they started.
    assert!(
        tl.iter()
            .any(|e| e.what == "firing" && e.detail.starts_with("HighMemoryUsage")),
        "{kinds:?}"
    );

    // `O` on step-ca01's row: the timeline of step-ca01 only.
    key(&mut s, KeyCode::Char('2'));
    typ(&mut s, "/step-ca01");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('O'));
    assert_eq!(s.pane, Pane::Timeline);
    assert_eq!(s.panes[Pane::Timeline.index()].filter, "step-ca01");
    let out = render(&mut s, 120, 24);
    assert!(!out.contains("HighMemoryUsage"), "{out}");
    insta::assert_snapshot!(out);
    // `o` on a line about an instance goes to its row.
    key(&mut s, KeyCode::Char('o'));
    assert_eq!(s.pane, Pane::Instances);
    assert_eq!(
        s.panes[Pane::Instances.index()]
            .selected_key
            .as_ref()
            .map(|k| k.to_string())
            .as_deref(),
        Some("local/default/step-ca01")
    );
    key(&mut s, KeyCode::Char('O'));
    assert_eq!(s.pane, Pane::Timeline);
    // Its detail: the silence line, whole.
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 120, 24);
    assert!(out.contains("kind: silence"), "{out}");
    assert!(out.contains("by: oncall@atlas"), "{out}");
}

#[test]
fn a_restart_under_a_maintenance_silence_then_watches_the_objects_alerts() {
    use atlas_tui::jobs::Outcome;
    let mut s = with_alerts(loaded_state());
    s.work.settings.maintenance_watch = chrono::Duration::seconds(60);
    key(&mut s, KeyCode::Char('2'));
    typ(&mut s, "/grafana01");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('R'));
    assert_eq!(
        s.confirm().unwrap().maintenance,
        Some(false),
        "offered, off by default"
    );
    let out = render(&mut s, 120, 30);
    assert!(out.contains("[ ] silence local:grafana01's alerts during the action, then watch them for 1m (tab toggles)"), "{out}");
    key(&mut s, KeyCode::Tab);
    let out = render(&mut s, 120, 30);
    assert!(
        out.contains("[x] silence local:grafana01's alerts"),
        "{out}"
    );
    let fx = key(&mut s, KeyCode::Char('y'));
    // The silences first, to every writable Alertmanager; the job waits for them.
    let puts: Vec<(&str, &atlas_tui::alerts::types::SilenceRequest)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Alert {
                source,
                cmd: SourceCmd::PutSilence(r),
            } => Some((source.as_str(), r)),
            _ => None,
        })
        .collect();
    assert_eq!(
        puts.iter().map(|p| p.0).collect::<Vec<_>>(),
        ["control", "cluster"]
    );
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::StartJob { .. })),
        "{fx:?}"
    );
    let req = puts[0].1.clone();
    assert_eq!(req.comment, "atlas-tui maintenance: job 1, local:grafana01");
    let m = &req.matchers[0];
    assert_eq!((m.name.as_str(), m.is_regex), ("instance", true));
    assert!(m.value.starts_with("grafana01"), "{m:?}");
    assert_eq!(s.work.jobs[0].outcome, None, "listed, waiting");
    let write = |s: &mut AppState, source: &str, cmd: SourceCmd, id: &str| {
        s.apply(
            Update::SilenceWrite {
                source: source.into(),
                what: "silence".into(),
                cmd,
                result: Ok(id.into()),
            },
            now(),
        )
    };
    // Each write is journaled; the job starts when both are in.
    let fx = write(
        &mut s,
        "control",
        SourceCmd::PutSilence(req.clone()),
        "aaaa-1",
    );
    assert!(matches!(&fx[..], [Effect::Journal(_)]), "{fx:?}");
    let fx = write(
        &mut s,
        "cluster",
        SourceCmd::PutSilence(req.clone()),
        "bbbb-2",
    );
    assert!(
        matches!(
            &fx[..],
            [Effect::Journal(_), Effect::StartJob { id: 1, .. }]
        ),
        "{fx:?}"
    );
    // The job ends: both silences are expired.
    let fx = s.apply(
        Update::JobFinished {
            id: 1,
            outcome: Outcome::Done("restarted".into()),
            at: now(),
        },
        now(),
    );
    let mut expires: Vec<(String, String)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Alert {
                source,
                cmd: SourceCmd::Expire(id),
            } => Some((source.clone(), id.clone())),
            _ => None,
        })
        .collect();
    expires.sort();
    assert_eq!(
        expires,
        [
            ("cluster".to_string(), "bbbb-2".to_string()),
            ("control".into(), "aaaa-1".into())
        ]
    );
    write(
        &mut s,
        "control",
        SourceCmd::Expire("aaaa-1".into()),
        "aaaa-1",
    );
    write(
        &mut s,
        "cluster",
        SourceCmd::Expire("bbbb-2".into()),
        "bbbb-2",
    );
    assert!(
        s.work.jobs[0]
            .log
            .iter()
            .any(|l| l.starts_with("watching local:grafana01's alerts until"))
    );
    // HighMemoryUsage still fires on grafana01 when the watch runs out.
    let answer = |s: &mut AppState, at| {
        s.apply(
            Update::AlertSource {
                source: "control".into(),
                result: Ok(s.alerting.sources[0].data.clone().unwrap()),
            },
            at,
        )
    };
    answer(&mut s, now() + chrono::Duration::seconds(30));
    assert_eq!(
        s.work.jobs[0].outcome,
        Some(Outcome::Done("restarted".into())),
        "still watching"
    );
    answer(&mut s, now() + chrono::Duration::seconds(61));
    assert_eq!(
        s.work.jobs[0].outcome,
        Some(Outcome::Done(
            "restarted · maintenance still firing: HighMemoryUsage (warning)".into()
        ))
    );
    let j = s.work.journal.last().unwrap();
    assert_eq!(
        (j.action.as_str(), j.status.as_str(), j.target.as_str()),
        ("maintenance", "still firing", "local:grafana01")
    );
    assert_eq!(j.alerts, ["HighMemoryUsage (warning)"]);
    // Reported once.
    let n = s.work.journal.len();
    answer(&mut s, now() + chrono::Duration::seconds(90));
    assert_eq!(s.work.journal.len(), n);
}

#[test]
fn the_snapshot_form_offers_the_maintenance_silence() {
    let mut s = with_alerts(loaded_state());
    key(&mut s, KeyCode::Char('2'));
    typ(&mut s, "/grafana01");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('n'));
    let form = s.action_form().unwrap().clone();
    let field = form
        .fields
        .iter()
        .position(|f| f.label == "silence alerts")
        .expect("offered");
    assert_eq!(form.fields[field].value, "no");
    // Tab to it, space toggles it, enter submits.
    for _ in 0..field {
        key(&mut s, KeyCode::Tab);
    }
    key(&mut s, KeyCode::Char(' '));
    let fx = key(&mut s, KeyCode::Enter);
    assert!(
        fx.iter().all(|e| matches!(
            e,
            Effect::Alert {
                cmd: SourceCmd::PutSilence(_),
                ..
            }
        )) && fx.len() == 2,
        "{fx:?}"
    );
    assert_eq!(s.work.maintenance.len(), 1);
}

/// Without a Prometheus, the alert detail's history is what the console journaled: an episode
/// that fired and resolved hours ago, and the one firing now since it started.
#[test]
fn alert_history_without_prometheus_comes_from_the_journal() {
    use atlas_tui::jobs::journal::Entry;
    let mut s = with_alerts(loaded_state());
    s.alerting
        .sources
        .retain(|x| x.kind != atlas_tui::alerts::model::SourceKind::Prometheus);
    let line = |status: &str, hours: i64| Entry {
        ts: now() - chrono::Duration::hours(hours),
        status: status.into(),
        action: "alert".into(),
        target: "local/default/step-ca01".into(),
        remote: String::new(),
        detail: "ServiceDown (critical): step-ca01 is down".into(),
        cli: vec![],
        alerts: vec![],
        job: None,
        seconds: None,
        user: String::new(),
    };
    s.apply(Update::Journal(line("firing", 5)), now());
    s.apply(Update::Journal(line("resolved", 4)), now());
    select_alert(&mut s, "ServiceDown");
    key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 130, 90);
    assert!(out.contains("history: no Prometheus configured"), "{out}");
    assert!(
        out.contains("history (last 24 h, from the console's journal; one mark per 30 min):"),
        "{out}"
    );
    let strip = out.lines().find(|l| l.contains("-24h ")).unwrap();
    // Marks 48 half hours wide: 5 h to 4 h ago, and the last 37 minutes.
    let marks: String = strip
        .split("-24h ")
        .nth(1)
        .unwrap()
        .chars()
        .take(48)
        .collect();
    assert_eq!(
        marks,
        format!("{}██{}██", "·".repeat(38), "·".repeat(6)),
        "{strip}"
    );
    assert!(out.contains("over 2 episodes"), "{out}");
    // Told to the minute: an hour, and the 37 minutes of the episode firing now.
    assert!(out.contains("fired 1h37m over 2 episodes"), "{out}");
}

/// A job cancelled while its maintenance silence goes in never starts, and its silence goes.
#[test]
fn a_job_cancelled_while_silencing_never_starts() {
    use atlas_tui::jobs::Outcome;
    let mut s = with_alerts(loaded_state());
    key(&mut s, KeyCode::Char('2'));
    typ(&mut s, "/grafana01");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('R'));
    key(&mut s, KeyCode::Tab);
    let fx = key(&mut s, KeyCode::Char('y'));
    let Some(Effect::Alert {
        cmd: SourceCmd::PutSilence(req),
        ..
    }) = fx.first()
    else {
        panic!("{fx:?}");
    };
    let req = req.clone();
    key(&mut s, KeyCode::Char('7'));
    assert_eq!(key(&mut s, KeyCode::Char('c')), [Effect::CancelJob(1)]);
    for (source, id) in [("control", "aaaa-1"), ("cluster", "bbbb-2")] {
        let fx = s.apply(
            Update::SilenceWrite {
                source: source.into(),
                what: "create silence".into(),
                cmd: SourceCmd::PutSilence(req.clone()),
                result: Ok(id.into()),
            },
            now(),
        );
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::StartJob { .. })),
            "{fx:?}"
        );
        if source == "cluster" {
            let expired: Vec<&Effect> = fx
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        Effect::Alert {
                            cmd: SourceCmd::Expire(_),
                            ..
                        }
                    )
                })
                .collect();
            assert_eq!(expired.len(), 2, "{fx:?}");
        }
    }
    assert_eq!(
        s.work.jobs[0].outcome,
        Some(Outcome::Cancelled("cancelled before it started".into()))
    );
}

/// A volume's restore stops and starts the instances using it: its maintenance silence covers
/// them too, not only the volume.
#[test]
fn a_volume_restore_silences_the_instances_it_restarts() {
    let mut s = with_alerts(loaded_state());
    key(&mut s, KeyCode::Char('4'));
    typ(&mut s, "/nightly-0");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('r'));
    let body = s.confirm().unwrap().body.join("\n");
    assert!(body.contains("used by running grafana01"), "{body}");
    assert_eq!(s.confirm().unwrap().maintenance, Some(false));
    key(&mut s, KeyCode::Tab);
    let fx = key(&mut s, KeyCode::Char('y'));
    let values: Vec<String> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Alert {
                source,
                cmd: SourceCmd::PutSilence(r),
            } if source == "control" => Some(
                r.matchers
                    .iter()
                    .map(|m| format!("{}={}", m.name, m.value))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => None,
        })
        .collect();
    assert!(
        values.iter().any(|v| v.contains("grafana01-data")),
        "the volume: {values:?}"
    );
    assert!(
        values
            .iter()
            .any(|v| v.starts_with("instance=grafana01") && !v.contains("-data")),
        "the instance it restarts: {values:?}"
    );
}

/// An alert already firing when the console starts — before the inventory was read, so known
/// only by its label — that resolves later is journaled about its object's key (its timeline
/// and project filters find it), with since when it had been firing.
#[test]
fn an_alert_firing_at_start_resolves_about_its_object_and_says_since_when() {
    use atlas_tui::backend::{InventoryEvent, Update};
    let mut empty = loaded_state();
    // The alerts answer before the remote's instances are read.
    let instances: Vec<_> = empty.remotes[0]
        .instances
        .drain(..)
        .map(|i| i.inst)
        .collect();
    let mut s = with_alerts(empty);
    s.apply(
        Update::Inventory(InventoryEvent::Instances {
            remote: "local".into(),
            instances,
            with_state: true,
        }),
        now(),
    );
    let later = now() + chrono::Duration::minutes(19);
    s.apply(
        control_answer(|a| {
            a.retain(|a| a.labels.get("alertname").map(String::as_str) != Some("ServiceDown"))
        }),
        later,
    );
    let resolved = s.work.journal.last().unwrap().clone();
    assert_eq!(
        (resolved.status.as_str(), resolved.target.as_str()),
        ("resolved", "local/default/step-ca01"),
        "{resolved:?}"
    );
    assert!(resolved.detail.contains("· firing since "), "{resolved:?}");
}

/// An alert not joined to an object says "…" (not "-": about nothing) while the instances'
/// details (the addresses alerts join by) are still being read.
#[test]
fn an_unjoined_alert_is_unknown_while_details_load() {
    use atlas_tui::backend::{InventoryEvent, Update};
    let mut s = with_alerts(loaded_state());
    let target_of = |s: &AppState, name: &str| {
        let rows = view_rows(s, Pane::Alerts, now());
        let col = atlas_tui::app::panes::alerts::COLUMNS
            .iter()
            .position(|c| c.head.name == "TARGET")
            .unwrap();
        rows.iter()
            .find(|r| r.cells().any(|c| c.text == name))
            .map(|r| r.cell(col).text.to_string())
            .unwrap()
    };
    assert_eq!(target_of(&s, "Watchdog"), "-");
    // The cheap list again, as after a refresh: the details are being read.
    let cheap = common::cheap_listing(&s, 0);
    s.remotes[0].instances.clear();
    s.apply(
        Update::Inventory(InventoryEvent::Instances {
            remote: "local".into(),
            instances: cheap,
            with_state: false,
        }),
        now(),
    );
    assert_eq!(target_of(&s, "Watchdog"), "…");
    assert_eq!(
        target_of(&s, "ServiceDown"),
        "step-ca01",
        "joined by name still"
    );
}
