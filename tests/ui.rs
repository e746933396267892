//! UI tests: state changes driven by keys, and whole screens rendered into ratatui's TestBackend
//! compared with insta snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use atlas_tui::app::Pane;
use atlas_tui::app::layers::detail::DetailTab;
use atlas_tui::app::state::{AppState, InputMode};
use atlas_tui::backend::{InventoryEvent, Update};
use atlas_tui::config::Theme;
use atlas_tui::ui;
use common::{key, loaded_state, now, render, render_at, typ};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[test]
fn instances_pane_80x24() {
    let mut s = loaded_state();
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn latest_event_shows_in_the_header() {
    let mut s = loaded_state();
    s.apply(
        atlas_tui::backend::Update::Inventory(atlas_tui::backend::InventoryEvent::Event {
            remote: "local".into(),
            summary: "instance-started grafana01".into(),
            action: "instance-started".into(),
            object: None,
            at: None,
            by: String::new(),
        }),
        now(),
    );
    let out = render(&mut s, 200, 24);
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains("local: instance-started grafana01"),
        "{out}"
    );
}

#[test]
fn every_pane_80x24() {
    let mut s = loaded_state();
    for (k, name) in [('1', "hosts"), ('3', "volumes"), ('4', "snapshots")] {
        key(&mut s, KeyCode::Char(k));
        insta::assert_snapshot!(name, render(&mut s, 80, 24));
    }
}

#[test]
fn grid_in_a_big_terminal() {
    let mut s = loaded_state();
    let out = render(&mut s, 200, 50);
    assert!(s.view.grid);
    for t in ["Hosts", "Instances", "Volumes", "Snapshots"] {
        assert!(out.contains(t), "{t} missing");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn too_small_terminal_says_so() {
    let mut s = loaded_state();
    let out = render(&mut s, 40, 10);
    assert!(out.contains("Terminal too small: 40x10"), "{out}");
}

#[test]
fn filter_then_details_opens_the_filtered_row() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char('/'));
    assert_eq!(s.input(), InputMode::Filter);
    typ(&mut s, "graf");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.input(), InputMode::Normal);
    assert_eq!(s.panes[Pane::Instances.index()].filter, "graf");
    key(&mut s, KeyCode::Enter);
    let d = s.detail().cloned().expect("detail open");
    assert_eq!(d.key.to_string(), "local/default/grafana01");
    let out = render(&mut s, 80, 24);
    assert!(out.contains("name: grafana01"), "{out}");
    assert!(out.contains("cloud-init.user-data: |"), "{out}");
    insta::assert_snapshot!(out);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.input(), InputMode::Normal);
    assert!(s.detail().is_none());
}

#[test]
fn inverted_filter_and_no_match() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "!lab");
    let rows = atlas_tui::app::rows::view_rows(&s, Pane::Instances, now());
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|r| !r.key.to_string().contains("/lab/")));
    key(&mut s, KeyCode::Esc);
    typ(&mut s, "/zzzz");
    let out = render(&mut s, 80, 24);
    assert!(out.contains("no instances match /zzzz"), "{out}");
}

#[test]
fn exclusions_work_beside_other_words_and_each_other() {
    let names = |filter: &str| {
        let mut s = loaded_state();
        s.panes[Pane::Instances.index()].filter = filter.into();
        let mut v: Vec<String> = atlas_tui::app::rows::view_rows(&s, Pane::Instances, now())
            .iter()
            .map(|r| {
                r.key
                    .to_string()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        v.sort();
        v
    };
    let running = names("Running");
    assert!(running.contains(&"prometheus01".to_string()), "{running:?}");
    let without = names("Running !prometheus01");
    assert!(
        !without.contains(&"prometheus01".to_string()),
        "{without:?}"
    );
    assert_eq!(without.len(), running.len() - 1, "{without:?}");
    let both = names("!prom !graf");
    assert!(
        !both
            .iter()
            .any(|n| n.starts_with("prom") || n.starts_with("graf")),
        "{both:?}"
    );
    assert_eq!(names("!prom").len(), both.len() + 1);
    assert_eq!(
        names("!").len(),
        names("").len(),
        "a bare ! filters nothing"
    );
}

#[test]
fn skipped_list_items_are_named_and_counted_in_the_status_line() {
    let mut s = loaded_state();
    let item = |n: &str| atlas_tui::decode::Skipped {
        path: "/1.0/instances?recursion=2".into(),
        item: n.into(),
        reason: "invalid type: integer `7`, expected a string".into(),
    };
    s.apply(
        atlas_tui::backend::Update::Skipped {
            origin: "local".into(),
            items: vec![item("odd01"), item("odd02")],
        },
        now(),
    );
    let msg = s.messages.current.clone().expect("a warning").text;
    assert!(
        msg.starts_with(
            "local: 2 item(s) left out, unreadable: /1.0/instances?recursion=2: item odd01"
        ) && msg.contains("(and 1 more)"),
        "{msg}"
    );
    // The rows already shown stay.
    let rows = atlas_tui::app::rows::view_rows(&s, Pane::Instances, now());
    assert_eq!(rows.len(), 9);
}

#[test]
fn project_typos_are_refused_like_remote_typos() {
    let mut s = loaded_state();
    s.apply(
        atlas_tui::backend::Update::Inventory(atlas_tui::backend::InventoryEvent::Projects {
            remote: "local".into(),
            projects: vec!["default".into(), "lab".into()],
        }),
        now(),
    );
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "project nosuchproj");
    let fx = key(&mut s, KeyCode::Enter);
    // Only the palette's history is written (the line is kept, to be fixed).
    assert!(
        fx.iter()
            .all(|e| matches!(e, atlas_tui::app::state::Effect::WriteFile { .. })),
        "{fx:?}"
    );
    assert_eq!(s.listing.scope, atlas_tui::incus::Scope::All);
    let msg = s.messages.current.clone().expect("an error").text;
    assert!(
        msg.contains("no project named \"nosuchproj\"") && msg.contains("default, lab"),
        "{msg}"
    );
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "project lab");
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.listing.scope,
        atlas_tui::incus::Scope::Project("lab".into())
    );
    // The scope sent, and the history written.
    assert_eq!(fx.len(), 2, "{fx:?}");
}

#[test]
fn navigation_with_vim_keys_arrows_and_sequences() {
    let mut s = loaded_state();
    let rows = atlas_tui::app::rows::view_rows(&s, Pane::Instances, now());
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Down);
    assert_eq!(s.selected_index(Pane::Instances, &rows), 2);
    key(&mut s, KeyCode::Char('G'));
    assert_eq!(s.selected_index(Pane::Instances, &rows), rows.len() - 1);
    key(&mut s, KeyCode::Char('g'));
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(s.selected_index(Pane::Instances, &rows), 0);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.pane, Pane::Volumes);
    key(&mut s, KeyCode::BackTab);
    key(&mut s, KeyCode::BackTab);
    assert_eq!(s.pane, Pane::Hosts);
}

#[test]
fn selection_follows_the_row_when_rows_change() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char('G'));
    let rows = atlas_tui::app::rows::view_rows(&s, Pane::Instances, now());
    let selected = rows[s.selected_index(Pane::Instances, &rows)].key.clone();
    // A new instance sorting first appears; the selection stays on the same instance.
    let mut inst = common::instances_fixture("instances_r1.json").remove(0);
    inst.name = "aaa-new".into();
    s.apply(
        atlas_tui::backend::Update::Inventory(atlas_tui::backend::InventoryEvent::Instance {
            remote: "local".into(),
            instance: Box::new(inst),
        }),
        now(),
    );
    let rows = atlas_tui::app::rows::view_rows(&s, Pane::Instances, now());
    assert_eq!(rows[s.selected_index(Pane::Instances, &rows)].key, selected);
}

#[test]
fn sort_by_column_and_reverse() {
    let mut s = loaded_state();
    let names = |s: &AppState| {
        atlas_tui::app::rows::view_rows(s, Pane::Instances, now())
            .iter()
            .map(|r| r.cell(1).text.to_string())
            .collect::<Vec<_>>()
    };
    key(&mut s, KeyCode::Char('s')); // NAME
    let asc = names(&s);
    let mut sorted = asc.clone();
    sorted.sort();
    assert_eq!(asc, sorted);
    key(&mut s, KeyCode::Char('S'));
    let mut desc = names(&s);
    desc.reverse();
    assert_eq!(desc, sorted);
}

#[test]
fn help_is_generated_from_the_active_keymap() {
    let mut s = loaded_state();
    let (km, d) = atlas_tui::config::Keymap::from_user_text(
        std::path::Path::new("k.toml"),
        "[normal]\n\"x\" = \"quit\"\n",
    );
    assert!(d.is_empty());
    s.keymap = km;
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.input(), InputMode::Help);
    let out = render(&mut s, 100, 40);
    assert!(out.contains("q, x"), "{out}");
    assert!(out.contains("fuzzy filter the current pane"), "{out}");
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.input(), InputMode::Normal);
}

#[test]
fn palette_jumps_to_panes_remotes_projects_and_themes() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "vol");
    insta::assert_snapshot!(render(&mut s, 80, 24));
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.pane, Pane::Volumes);

    let fx = s.run_command("project lab", now());
    assert_eq!(
        s.listing.scope,
        atlas_tui::incus::Scope::Project("lab".into())
    );
    assert!(matches!(
        &fx[0],
        atlas_tui::app::Effect::Send {
            remote: None,
            cmd: atlas_tui::backend::Command::SetScope(_)
        }
    ));
    s.run_command("remote local", now());
    assert_eq!(s.listing.remote_filter.as_deref(), Some("local"));
    s.run_command("remote nope", now());
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("no remote")
    );
    assert_eq!(
        s.run_command("theme light", now()),
        vec![atlas_tui::app::Effect::LoadTheme("light".into())]
    );
    s.run_command("bogus", now());
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("unknown command")
    );
    // Fuzzy: a typo still finds the pane.
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "snpsht");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.pane, Pane::Snapshots);
}

#[test]
fn console_log_requests_and_shows_the_log() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "grafana");
    key(&mut s, KeyCode::Enter);
    let fx = s.on_key(
        KeyEvent::new(KeyCode::Char('L'), KeyModifiers::SHIFT),
        now(),
    );
    assert_eq!(
        fx,
        vec![atlas_tui::app::Effect::Send {
            remote: Some("local".into()),
            cmd: atlas_tui::backend::Command::ConsoleLog {
                project: "default".into(),
                name: "grafana01".into()
            }
        }]
    );
    assert_eq!(s.detail().unwrap().tab, DetailTab::Log);
    s.apply(
        atlas_tui::backend::Update::Inventory(atlas_tui::backend::InventoryEvent::ConsoleLog {
            remote: "local".into(),
            project: "default".into(),
            name: "grafana01".into(),
            result: Ok("atlas busybox: system up\n".into()),
        }),
        now(),
    );
    let out = render(&mut s, 80, 24);
    assert!(out.contains("atlas busybox: system up"), "{out}");
}

#[test]
fn offline_remote_shows_stale_age() {
    let mut s = loaded_state();
    // local goes away 95 s before "now".
    s.apply(
        atlas_tui::backend::Update::Inventory(atlas_tui::backend::InventoryEvent::Status {
            remote: "local".into(),
            state: atlas_tui::backend::ConnState::Offline {
                error: "event stream ended".into(),
            },
        }),
        now(),
    );
    let mut st = s.clone();
    st.remotes[0].last_ok = Some(now() - chrono::Duration::seconds(95));
    let out = render(&mut st, 100, 24);
    assert!(out.contains("local offline, stale 1m"), "{out}");
    assert!(out.contains("local: event stream ended"), "{out}");
    // Rows are kept (stale), not dropped.
    assert!(out.contains("grafana01"), "{out}");
    s.apply(
        atlas_tui::backend::Update::Inventory(atlas_tui::backend::InventoryEvent::Status {
            remote: "local".into(),
            state: atlas_tui::backend::ConnState::Online {
                via: None,
                version: "6.0.4".into(),
                clustered: true,
            },
        }),
        now(),
    );
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("reconnected")
    );
}

#[test]
fn light_theme_renders_too() {
    let mut s = loaded_state();
    let theme = Theme::load(std::path::Path::new("/nonexistent"), "light").0;
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| ui::draw(f, &s, &theme, now())).unwrap();
    s.view.grid = false;
    assert!(t.backend().to_string().contains("grafana01"));
}

/// The backups pane (`0`): every instance with the age of its newest backup, those with none or
/// a stale one flagged worst first; the detail lists all of an instance's backups.
#[test]
fn backups_pane_flags_instances_without_a_recent_backup() {
    use atlas_tui::backend::{InventoryEvent, Update};
    use atlas_tui::inventory::BackupRow;
    let mut s = loaded_state();
    let backup = |instance: &str, hours: i64, name: &str| BackupRow {
        remote: "local".into(),
        project: "default".into(),
        instance: instance.into(),
        location: "nfs-backup".into(),
        name: name.into(),
        created_at: Some(now() - chrono::Duration::hours(hours)),
        size: Some(2 << 30),
        notes: String::new(),
        protected: false,
    };
    s.apply(
        Update::Inventory(InventoryEvent::Backups {
            remote: "local".into(),
            backups: vec![
                backup("grafana01", 5, "backup/vzdump-lxc-grafana-new.tar.zst"),
                backup("grafana01", 30, "backup/vzdump-lxc-grafana-old.tar.zst"),
                backup("loki01", 80, "backup/vzdump-lxc-loki.tar.zst"),
            ],
        }),
        now(),
    );
    key(&mut s, KeyCode::Char('0'));
    assert_eq!(s.pane, Pane::Backups);
    // By BACKUP, worst first.
    key(&mut s, KeyCode::Char('s'));
    key(&mut s, KeyCode::Char('s'));
    key(&mut s, KeyCode::Char('S'));
    let out = render(&mut s, 100, 24);
    let line = |name: &str| {
        out.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} in\n{out}"))
            .to_string()
    };
    assert!(line("grafana01").contains(" ok "), "{out}");
    assert!(line("grafana01").contains("5h"), "{out}");
    assert!(line("loki01").contains("stale"), "{out}");
    assert!(line("prometheus01").contains("none"), "{out}");
    insta::assert_snapshot!("backups_pane", out);
    // The detail of grafana01: both archives, newest first.
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "grafana01");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 100, 30);
    let new = out.find("grafana-new").expect("newest listed");
    let old = out.find("grafana-old").expect("older listed");
    assert!(new < old, "{out}");
}

#[test]
fn the_title_says_details_are_loading_until_the_detailed_listing_is_in() {
    use atlas_tui::backend::{InventoryEvent, Update};
    let mut s = loaded_state();
    let full: Vec<_> = s.remotes[0]
        .instances
        .iter()
        .map(|i| i.inst.clone())
        .collect();
    let instances = common::cheap_listing(&s, 0);
    // A remote whose cheap listing is all the console has (as after a rescope).
    let cheap = |with_state| {
        Update::Inventory(InventoryEvent::Instances {
            remote: "local".into(),
            instances: instances.clone(),
            with_state,
        })
    };
    s.apply(
        Update::Inventory(InventoryEvent::Instances {
            remote: "local".into(),
            instances: vec![],
            with_state: true,
        }),
        now(),
    );
    s.apply(cheap(false), now());
    let screen = render(&mut s, 160, 30);
    assert!(screen.contains("loading details (9 left)…"), "{screen}");
    // Nothing read is shown as a fact: no `0` snapshots, no `-` address for what runs.
    let rows = atlas_tui::app::rows::view_rows(&s, Pane::Instances, now());
    let grafana = rows.iter().find(|r| r.cell(1).text == "grafana01").unwrap();
    let col = |name: &str| {
        atlas_tui::app::panes::instances::COLUMNS
            .iter()
            .position(|c| c.head.name == name)
            .unwrap()
    };
    assert_eq!(grafana.cell(col("SNAPS")).text, "…");
    assert_eq!(grafana.cell(col("IPV4")).text, "…");
    // Restoring asks for its snapshots: not "none" while they load.
    let is_grafana = |s: &AppState| {
        matches!(s.selected_object(now()),
            atlas_tui::app::actions::Selected::Instance(i) if i.inst.name == "grafana01")
    };
    while !is_grafana(&s) {
        key(&mut s, KeyCode::Char('j'));
    }
    key(&mut s, KeyCode::Char('r'));
    let said = s.messages.current.as_ref().unwrap().text.clone();
    assert!(said.contains("still loading"), "{said}");
    assert!(!said.contains("no snapshots"), "{said}");
    // The details arrive an instance (or a project) at a time; the count follows.
    for inst in full.iter().take(4) {
        s.apply(
            Update::Inventory(InventoryEvent::Instance {
                remote: "local".into(),
                instance: Box::new(inst.clone()),
            }),
            now(),
        );
    }
    assert!(render(&mut s, 160, 30).contains("loading details (5 left)…"));
    for inst in full.iter().skip(4) {
        s.apply(
            Update::Inventory(InventoryEvent::Instance {
                remote: "local".into(),
                instance: Box::new(inst.clone()),
            }),
            now(),
        );
    }
    assert!(!render(&mut s, 160, 30).contains("loading details"));
    // Another cheap listing keeps what the details said: still detailed.
    s.apply(cheap(false), now());
    assert!(!render(&mut s, 160, 30).contains("loading details"));
}

/// Usage readings of grafana01 every 15 s up to `now()`: CPU rising, network traffic steady.
fn sample_grafana(s: &mut AppState, readings: i64) {
    use atlas_tui::backend::{InventoryEvent, Update};
    use atlas_tui::inventory::{InstanceKind, UsageSample};
    // Only these readings count (the fixture's listing was read at `now()`).
    s.remotes[0].samples = Default::default();
    for i in 0..readings {
        let at = now() - chrono::Duration::seconds((readings - 1 - i) * 15);
        // Between readings i-1 and i: (i % 5) × 1.5 s of CPU over 15 s, i.e. 0–40 %.
        let cpu_ns: u64 = (0..=i).map(|k| (k % 5) as u64 * 1_500_000_000).sum();
        let sample = UsageSample {
            project: "default".into(),
            name: "grafana01".into(),
            kind: InstanceKind::Container,
            cpu_ns,
            memory: 300 * 1024 * 1024,
            processes: Some(3),
            disk_io: None,
            net_io: Some(i as u64 * 15 * 2048),
        };
        s.apply(
            Update::Inventory(InventoryEvent::Usage {
                remote: "local".into(),
                samples: vec![sample],
            }),
            at,
        );
    }
}

#[test]
fn usage_sparklines_in_the_pane_and_charts_in_the_detail() {
    use atlas_tui::trend::{Metric, Window};
    let mut s = loaded_state();
    sample_grafana(&mut s, 20);
    let ring = s.remotes[0]
        .samples
        .ring("local/default/grafana01")
        .expect("sampled");
    let cpu = ring.recent(Metric::Cpu, 100);
    assert_eq!(cpu.len(), 19, "a sample per reading after the first");
    assert_eq!(cpu.last(), Some(&Some(40.0)));
    let out = render(&mut s, 120, 24);
    let row = out.lines().find(|l| l.contains("grafana01")).unwrap();
    assert!(
        row.contains('█') && row.contains('▁'),
        "sparkline in the row: {row}"
    );
    // Not sampled yet: a dash.
    let row = out.lines().find(|l| l.contains("coredns01")).unwrap();
    assert!(!row.contains('▁'), "{row}");
    assert!(out.contains("trend:cpu"), "{out}");
    // `W`: the column shows memory, then disk (not reported for a container on a dir pool),
    // then network; sorting by it sorts by the last value.
    key(&mut s, KeyCode::Char('W'));
    let out = render(&mut s, 120, 24);
    assert!(out.contains("trend:memory"), "{out}");
    let row = out.lines().find(|l| l.contains("grafana01")).unwrap();
    assert!(row.contains("████████"), "{row}");
    key(&mut s, KeyCode::Char('W'));
    let out = render(&mut s, 120, 24);
    let row = out.lines().find(|l| l.contains("grafana01")).unwrap();
    assert!(!row.contains('█'), "{row}");
    key(&mut s, KeyCode::Char('W'));
    key(&mut s, KeyCode::Char('W'));
    assert!(render(&mut s, 120, 24).contains("trend:cpu"));

    typ(&mut s, "/grafana01");
    key(&mut s, KeyCode::Enter);
    let fx = key(&mut s, KeyCode::Enter);
    // A remote without a Prometheus or usage history of its own: the console's samples only.
    assert!(
        !fx.iter()
            .any(|e| matches!(e, atlas_tui::app::Effect::Alert { .. })),
        "{fx:?}"
    );
    let out = render(&mut s, 100, 50);
    assert!(
        out.contains("usage, last 15m (sampled by the console"),
        "{out}"
    );
    assert!(out.contains("cpu      now 40.0%  max 40.0%"), "{out}");
    assert!(out.contains("memory   now 300.0MiB"), "{out}");
    assert!(out.contains("network  now 2.0KiB/s"), "{out}");
    assert!(out.contains("disk     -"), "{out}");
    insta::assert_snapshot!(out);

    // A Prometheus's answer wins over the console's own samples.
    let t = now().timestamp();
    s.apply(
        atlas_tui::backend::Update::UsageHistory {
            key: "local/default/grafana01".into(),
            source: "prometheus".into(),
            window: Window::Min15,
            result: Ok(vec![(Metric::Cpu, vec![(t - 600, 1.0), (t - 30, 2.5)])]),
        },
        now(),
    );
    let out = render(&mut s, 100, 50);
    assert!(out.contains("from prometheus, read 01:00:00"), "{out}");
    assert!(out.contains("cpu      now 2.5%  max 2.5%"), "{out}");
    assert!(out.contains("network  -"), "{out}");

    // `w` moves to the next window; that window has no Prometheus answer yet.
    key(&mut s, KeyCode::Char('w'));
    assert_eq!(s.usage.window, Window::Hour1);
    let out = render(&mut s, 100, 50);
    assert!(
        out.contains("usage, last 1h (sampled by the console"),
        "{out}"
    );
}

/// A three-member cluster's hosts pane shows each member's failure domain and groups, and
/// `:member <name>` narrows the hosts and instances panes to one member.
#[test]
fn member_filter_and_failure_domains() {
    use atlas_tui::backend::{InventoryEvent, Update};
    let mut s = loaded_state();
    let base = s.remotes[0].hosts[0].clone();
    let member = |name: &str, domain: &str, groups: &[&str], status: &str| {
        let mut h = base.clone();
        h.name = name.into();
        h.failure_domain = domain.into();
        h.groups = groups.iter().map(|g| g.to_string()).collect();
        h.status = status.into();
        h
    };
    s.apply(
        Update::Inventory(InventoryEvent::Hosts {
            remote: "local".into(),
            hosts: vec![
                member("atlas01", "rack1", &["default"], "Online"),
                member("atlas02", "rack2", &["default", "gpu"], "Online"),
                member("atlas03", "rack2", &["default"], "Evacuated"),
                {
                    let mut h = member("atlas04", "rack3", &["default"], "Offline");
                    h.message = "No heartbeat for 35s".into();
                    h
                },
            ],
        }),
        now(),
    );
    for i in s.remotes[0].instances.iter_mut() {
        if i.inst.name == "loki01" {
            i.inst.location = "atlas02".into();
        }
        if i.inst.name == "coredns01" {
            i.inst.location = "atlas04".into();
        }
    }
    s.derived.data_changed();
    key(&mut s, KeyCode::Char('1'));
    let out = render(&mut s, 200, 30);
    let row = out.lines().find(|l| l.contains("atlas02")).unwrap();
    assert!(
        row.contains("rack2") && row.contains("default,gpu"),
        "{row}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("atlas03") && l.contains("Evacuated")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("atlas04") && l.contains("No heartbeat for 35s")),
        "{out}"
    );
    s.run_command("member atlas02", now());
    let out = render(&mut s, 200, 30);
    assert!(out.contains("│ member atlas02"), "{out}");
    assert!(
        !out.contains("atlas01 ") && out.contains("atlas02"),
        "{out}"
    );
    key(&mut s, KeyCode::Char('2'));
    let out = render(&mut s, 200, 30);
    assert!(
        out.contains("Instances (1)") && out.contains("loki01"),
        "{out}"
    );
    // An unknown member is refused, naming the members.
    s.run_command("member nope", now());
    let msg = s.messages.current.clone().unwrap().text;
    assert!(msg.contains("members: atlas01, atlas02, atlas03"), "{msg}");
    s.run_command("member all", now());
    let out = render(&mut s, 200, 30);
    assert!(out.contains("Instances (9)"), "{out}");
    // What runs on the offline member is unknown, not "Running".
    let row = out.lines().find(|l| l.contains("coredns01")).unwrap();
    assert!(row.contains("Unknown") && !row.contains("Running"), "{row}");
    typ(&mut s, "/coredns01");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 120, 40);
    assert!(
        out.contains("status: unknown — member atlas04 is offline: No heartbeat for 35s (last known: Running)"),
        "{out}"
    );
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Esc);
    // Its detail names the domain and groups.
    key(&mut s, KeyCode::Char('1'));
    typ(&mut s, "/atlas02");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 120, 40);
    assert!(
        out.contains("failure_domain: rack2") && out.contains("groups: [default, gpu]"),
        "{out}"
    );
}

/// A remote believed online that is not heard from within the deadline its worker gave is shown
/// stale: the badge ages, its rows are dimmed, the status line says why; heard again, it is live.
#[test]
fn a_silent_remote_is_shown_stale_with_its_age_and_live_again_when_heard() {
    let mut s = loaded_state();
    let t = now();
    s.apply(
        Update::Inventory(InventoryEvent::Alive {
            remote: "local".into(),
            within: std::time::Duration::from_secs(12),
        }),
        t,
    );
    assert_eq!(
        s.next_liveness_check(),
        Some(t + chrono::Duration::seconds(12))
    );
    assert!(!s.check_liveness(t + chrono::Duration::seconds(12)));
    let later = t + chrono::Duration::seconds(14);
    assert!(s.check_liveness(later));
    assert!(s.remotes[0].silent);
    let screen = render_at(&mut s, 160, 24, later);
    assert!(screen.contains("● local stale 14s"), "{screen}");
    let rows = atlas_tui::app::rows::view_rows(&s, Pane::Instances, later);
    assert!(
        rows.iter().filter(|r| r.remote == "local").all(|r| r.stale),
        "its rows are dimmed"
    );
    assert!(
        s.messages
            .current
            .as_ref()
            .is_some_and(|m| m.text.contains("local: not heard from for 14s")),
        "{:?}",
        s.messages.current
    );
    // Nothing more to wake for while it is stale; heard again, it is live at once.
    assert_eq!(s.next_liveness_check(), None);
    s.apply(
        Update::Inventory(InventoryEvent::Alive {
            remote: "local".into(),
            within: std::time::Duration::from_secs(12),
        }),
        later,
    );
    assert!(!s.remotes[0].silent);
    let screen = render_at(&mut s, 160, 24, later);
    assert!(!screen.contains("stale"), "{screen}");
}

/// Every pane a key goes to is drawn where the focus goes, in the grid of big terminals too (the
/// grid once kept showing Alerts while `-` focused an undrawn Timeline), with its tab key in the
/// header.
#[test]
fn every_pane_key_shows_its_pane_in_the_grid() {
    use atlas_tui::action::Action;
    use atlas_tui::config::keymap::Mode;
    for (w, h) in [(200, 50), (160, 40), (80, 24)] {
        let mut s = common::with_alerts(loaded_state());
        for p in Pane::all() {
            let action = Action::going_to(p).expect("every pane has an action going to it");
            let k = s
                .keymap
                .hint(Mode::Normal, action)
                .expect("bound by default");
            let mut chars = k.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                panic!("{k}: a pane key is one character by default");
            };
            key(&mut s, KeyCode::Char(c));
            assert_eq!(s.pane, p, "{k} at {w}x{h}");
            let out = render(&mut s, w, h);
            assert_eq!(s.view.grid, w >= 160, "{w}x{h}");
            let title = format!(" {} ", p.title());
            // The focused pane's block has the thick border, its title on the top edge.
            let focused: Vec<&str> = out
                .lines()
                .skip(1)
                .filter(|l| l.contains('┏') && l.contains(&title))
                .collect();
            assert_eq!(
                focused.len(),
                1,
                "{} not drawn focused at {w}x{h}:\n{out}",
                p.title()
            );
            let header = out.lines().next().unwrap();
            assert!(
                header.contains(&format!("{k} ")),
                "tab key {k} missing: {header}"
            );
        }
    }
}

/// A config with three mistakes: the status line says how many and the key that shows them
/// (cut at 80 columns with the key that shows it whole); `F` lists each with its place; the
/// rest of the file applies (its alert source is there).
#[test]
fn config_problems_are_said_and_read_whole() {
    use atlas_tui::config::{AppConfig, Keymap, Paths, Settings};
    let text = "theme = \"dark\"\n\n[refresh]\nusage_secs = \"fast\"\n\n[[alertmanagers]]\nname = \"control\"\nurl = \"http://127.0.0.1:9093\"\n\n[[remotes]]\nname = \"pve1\"\nkind = \"pvee\"\n\n[[remotes]]\nname = \"lab\"\naddr = \"unix:///run/incus.sock\"\nstart_pane = \"alerts\"\n";
    let (config, diagnostics) = AppConfig::from_user_text(
        std::path::Path::new("/home/op/.config/atlas-tui/config.toml"),
        text,
    );
    assert_eq!(diagnostics.len(), 3, "{diagnostics:#?}");
    assert_eq!(config.alertmanagers.len(), 1, "the rest applies");
    let settings = Settings {
        paths: Paths {
            config_dir: "/home/op/.config/atlas-tui".into(),
            state_dir: "/nonexistent/state".into(),
            data_dir: "/nonexistent/data".into(),
        },
        config,
        theme: Theme::load(std::path::Path::new("/nonexistent"), "dark").0,
        keymap: Keymap::defaults(),
        diagnostics,
    };
    let opts = atlas_tui::run::RunOptions {
        readonly: false,
        scope: atlas_tui::backend::Scope::All,
        home_project: "default".into(),
    };
    let specs = [atlas_tui::backend::RemoteSpec::incus(
        atlas_tui::incus::RemoteSpec {
            name: "local".into(),
            endpoint: atlas_tui::incus::cliconfig::Endpoint::Unix("/nonexistent.socket".into()),
            project: None,
            production: false,
        },
    )];
    let mut s = atlas_tui::run::initial_state(&settings, &specs, &opts);
    let screen = render(&mut s, 80, 24);
    let status = screen.lines().last().unwrap();
    assert!(
        status.contains("3 config problems (F: read them") && status.contains("… M whole"),
        "{status}"
    );
    key(&mut s, KeyCode::Char('F'));
    assert_eq!(s.input(), InputMode::Problems);
    insta::assert_snapshot!(render(&mut s, 100, 24));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.input(), InputMode::Normal);
}
