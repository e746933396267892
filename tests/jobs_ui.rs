//! Actions, jobs and the journal in the UI, driven by keys on state loaded from fixtures captured
//! from the sandbox; screens compared with insta snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use atlas_tui::app::rows::view_rows;
use atlas_tui::app::state::{AppState, Effect, InputMode};
use atlas_tui::backend::{InventoryEvent, Update};
use atlas_tui::incus::ops::PowerAction;
use atlas_tui::jobs::{JobEvent, JobSpec, Outcome, Progress};
use common::{key, loaded_state, now, render, typ, with_alerts};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn ch(s: &mut AppState, c: char) -> Vec<Effect> {
    key(s, KeyCode::Char(c))
}

/// Goes to a pane (by its number key) and selects the row whose `col` cell is `text`.
fn select(s: &mut AppState, pane_key: char, col: usize, text: &str) {
    ch(s, pane_key);
    key(s, KeyCode::Esc);
    let rows = view_rows(s, s.pane, now());
    let i = rows
        .iter()
        .position(|r| r.cell(col).text == text)
        .unwrap_or_else(|| panic!("{text} not in {:?}", s.pane));
    ch(s, 'g');
    ch(s, 'g');
    for _ in 0..i {
        ch(s, 'j');
    }
}

fn started(effects: &[Effect]) -> (u64, JobSpec) {
    match effects {
        [Effect::StartJob { id, spec, .. }] => (*id, spec.clone()),
        e => panic!("expected one StartJob, got {e:?}"),
    }
}

#[test]
fn readonly_blocks_every_write_and_says_so() {
    let mut s = loaded_state();
    s.readonly = true;
    let cases: [(char, usize, &str, char); 12] = [
        ('2', 1, "grafana01", 'u'),
        ('2', 1, "grafana01", 't'),
        ('2', 1, "grafana01", 'T'),
        ('2', 1, "grafana01", 'R'),
        ('2', 1, "grafana01", 'f'),
        ('2', 1, "grafana01", 'x'),
        ('2', 1, "grafana01", 'n'),
        ('2', 1, "grafana01", 'b'),
        ('3', 2, "grafana01-data", 'n'),
        ('4', 3, "pre-upgrade", 'r'),
        ('4', 3, "pre-upgrade", 'D'),
        ('2', 1, "grafana01", 'I'),
    ];
    for (pane, col, name, k) in cases {
        select(&mut s, pane, col, name);
        s.messages.current = None;
        let effects = ch(&mut s, k);
        assert!(effects.is_empty(), "{k} on {name}: {effects:?}");
        assert_eq!(s.input(), InputMode::Normal, "{k} opened nothing");
        let msg = s
            .messages
            .current
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default();
        assert!(msg.contains("read-only"), "{k} on {name}: {msg:?}");
    }
    // The palette is no way around it.
    for cmd in [
        "stop",
        "snapshot",
        "backup",
        "import /tmp/x.tar.gz",
        "unfreeze",
    ] {
        select(&mut s, '2', 1, "grafana01");
        let e = s.run_command(cmd, now());
        assert!(e.is_empty(), "{cmd}");
        assert!(
            s.messages
                .current
                .as_ref()
                .unwrap()
                .text
                .contains("read-only"),
            "{cmd}"
        );
    }
    assert!(s.work.jobs.is_empty());
}

#[test]
fn snapshot_form_starts_a_job_with_name_and_expiry() {
    let mut s = loaded_state();
    select(&mut s, '2', 1, "grafana01");
    ch(&mut s, 'n');
    assert_eq!(s.input(), InputMode::ActionForm);
    let form = s.action_form().unwrap();
    assert!(form.fields[0].value.starts_with("atlas-2026"), "{form:?}");
    // A bad name is refused in the form, nothing starts.
    key(&mut s, KeyCode::Char('u'));
    s.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        now(),
    );
    typ(&mut s, "bad/name");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(s.action_form().unwrap().error.is_some());
    s.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        now(),
    );
    typ(&mut s, "before-fix");
    key(&mut s, KeyCode::Tab);
    typ(&mut s, "2h");
    let (id, spec) = started(&key(&mut s, KeyCode::Enter));
    match spec {
        JobSpec::Snapshot {
            target,
            name,
            expires_at,
            stateful,
        } => {
            assert_eq!(target.row_key(), "local/default/grafana01");
            assert_eq!(name, "before-fix");
            assert_eq!(expires_at, Some(now() + chrono::Duration::hours(2)));
            assert!(!stateful);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.input(), InputMode::Normal);
    assert!(s.work.jobs.iter().any(|j| j.id == id && j.running()));
}

#[test]
fn restore_preview_shows_changes_and_restarts_and_takes_a_safety_snapshot() {
    let mut s = loaded_state();
    select(&mut s, '4', 3, "pre-upgrade");
    ch(&mut s, 'r');
    assert_eq!(s.input(), InputMode::Confirm);
    let c = s.confirm().unwrap();
    let body = c.body.join("\n");
    assert!(body.contains("snapshot pre-upgrade: taken"), "{body}");
    assert!(body.contains("safety snapshot atlas-safety-"), "{body}");
    assert!(
        body.contains("Incus stops it, restores and starts it again"),
        "{body}"
    );
    insta::assert_snapshot!("restore_preview_instance", render(&mut s, 100, 30));
    let (_, spec) = started(&ch(&mut s, 'y'));
    let JobSpec::Restore {
        snapshot, safety, ..
    } = spec
    else {
        panic!()
    };
    assert_eq!(snapshot, "pre-upgrade");
    let safety = safety.expect("a safety snapshot");
    assert!(safety.name.starts_with("atlas-safety-"));
    assert_eq!(safety.expires_at, Some(now() + chrono::Duration::days(7)));

    // A volume used by a running instance: it is stopped and started around the restore.
    select(&mut s, '4', 3, "nightly-0");
    ch(&mut s, 'r');
    let body = s.confirm().unwrap().body.join("\n");
    assert!(body.contains("used by running grafana01"), "{body}");
    let (_, spec) = started(&ch(&mut s, 'y'));
    let JobSpec::Restore { restart, .. } = spec else {
        panic!()
    };
    assert_eq!(restart, ["grafana01"]);

    // n cancels, nothing starts.
    select(&mut s, '4', 3, "nightly-0");
    ch(&mut s, 'r');
    assert!(ch(&mut s, 'n').is_empty());
    assert_eq!(s.input(), InputMode::Normal);
}

#[test]
fn production_remote_needs_the_name_typed() {
    let mut s = loaded_state();
    s.remotes[0].production = true;
    select(&mut s, '4', 3, "pre-upgrade");
    ch(&mut s, 'D');
    let c = s.confirm().unwrap();
    assert_eq!(c.typed.as_deref(), Some("grafana01"));
    insta::assert_snapshot!("delete_production_confirm", render(&mut s, 80, 24));
    // y is just a letter here; a wrong name does not confirm.
    assert!(ch(&mut s, 'y').is_empty());
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.input(), InputMode::Confirm);
    key(&mut s, KeyCode::Backspace);
    typ(&mut s, "grafana01");
    let (_, spec) = started(&key(&mut s, KeyCode::Enter));
    assert!(matches!(spec, JobSpec::DeleteSnapshot { ref name, .. } if name == "pre-upgrade"));
}

#[test]
fn power_actions_check_the_state_and_confirm_destructive_ones() {
    let mut s = loaded_state();
    select(&mut s, '2', 1, "grafana01");
    assert!(ch(&mut s, 'u').is_empty(), "already running");
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("already running")
    );
    assert!(ch(&mut s, 't').is_empty());
    assert_eq!(s.input(), InputMode::Confirm);
    let (_, spec) = started(&ch(&mut s, 'y'));
    assert!(matches!(
        spec,
        JobSpec::Power {
            action: PowerAction::Stop,
            force: false,
            timeout: 30,
            ..
        }
    ));
    select(&mut s, '2', 1, "step-ca01");
    let (_, spec) = started(&ch(&mut s, 'u'));
    assert!(matches!(
        spec,
        JobSpec::Power {
            action: PowerAction::Start,
            ..
        }
    ));
    assert_eq!(ch(&mut s, 'x'), [], "no shell in a stopped instance");
    select(&mut s, '2', 1, "grafana01");
    assert_eq!(
        ch(&mut s, 'x'),
        [Effect::Shell {
            remote: "local".into(),
            project: "default".into(),
            name: "grafana01".into()
        }]
    );
}

#[test]
fn jobs_pane_streams_progress_notifies_once_and_cancels() {
    let mut s = with_alerts(loaded_state());
    select(&mut s, '2', 1, "grafana01");
    ch(&mut s, 'b');
    assert_eq!(s.input(), InputMode::ActionForm);
    let (id, spec) = started(&key(&mut s, KeyCode::Enter));
    let JobSpec::Export { path, options, .. } = &spec else {
        panic!("{spec:?}")
    };
    assert!(options.only);
    assert!(
        path.to_string_lossy()
            .contains("local-default-grafana01-2026"),
        "{path:?}"
    );
    s.apply(
        Update::Job {
            id,
            event: JobEvent::Progress(Progress {
                stage: "downloading".into(),
                percent: Some(42.0),
                done: Some(42 << 20),
                total: Some(100 << 20),
                rate: Some(80.0 * 1048576.0),
            }),
        },
        now(),
    );
    ch(&mut s, '7');
    let screen = render(&mut s, 80, 24);
    assert!(screen.contains("42%"), "{screen}");
    assert!(
        screen.contains("⟳ backup grafana01 42%"),
        "status-line indicator: {screen}"
    );
    insta::assert_snapshot!("jobs_pane_running", screen);

    // Cancel from the jobs pane.
    let e = ch(&mut s, 'c');
    assert_eq!(e, [Effect::CancelJob(id)]);
    s.apply(
        Update::JobFinished {
            id,
            outcome: Outcome::Cancelled("download cancelled after 42.0MiB".into()),
            at: now(),
        },
        now(),
    );
    let msg = s.messages.current.clone().unwrap().text;
    assert!(msg.contains("cancelled"), "{msg}");
    assert!(s.jobs_indicator().is_none());
    // Its progress says where it stopped, not that it runs.
    let rows = view_rows(&s, atlas_tui::app::Pane::Jobs, now());
    let progress = rows[0].cell(3).text.to_string();
    assert!(
        progress.starts_with("stopped at") && progress.contains("42%"),
        "{progress}"
    );
    // Other updates do not repeat the notification.
    s.messages.current = None;
    s.apply(
        Update::Inventory(InventoryEvent::Event {
            remote: "local".into(),
            summary: "x".into(),
            action: "x".into(),
            object: None,
            at: None,
            by: String::new(),
        }),
        now(),
    );
    assert!(s.messages.current.is_none());
    assert!(
        ch(&mut s, 'c').is_empty(),
        "a finished job cannot be cancelled"
    );
}

#[test]
fn journal_pane_lists_actions_with_alerts() {
    let mut s = with_alerts(loaded_state());
    let spec = JobSpec::Snapshot {
        target: atlas_tui::jobs::Target::instance("local", "default", "grafana01"),
        name: "s1".into(),
        expires_at: None,
        stateful: false,
    };
    let t0 = now() - chrono::Duration::minutes(3);
    let alerts = vec!["HighMemoryUsage (warning)".to_string()];
    let cli = atlas_tui::incus::jobs::cli(&spec);
    let start = atlas_tui::jobs::journal::Entry::started(1, &spec, &cli, &alerts, "op@atlas", t0);
    s.apply(Update::Journal(start.clone()), now());
    s.apply(
        Update::Journal(atlas_tui::jobs::journal::Entry::finished(
            &start,
            &Outcome::Done("snapshot s1 created".into()),
            t0 + chrono::Duration::seconds(2),
        )),
        now(),
    );
    ch(&mut s, '8');
    let screen = render(&mut s, 100, 16);
    assert!(screen.contains("HighMemoryUsage"), "{screen}");
    ch(&mut s, 'g');
    ch(&mut s, 'g');
    key(&mut s, KeyCode::Enter);
    let screen = render(&mut s, 100, 30);
    assert!(
        screen.contains("incus snapshot create local:grafana01 s1"),
        "{screen}"
    );
}

#[test]
fn alerts_firing_on_the_target_go_with_the_job() {
    let mut s = with_alerts(loaded_state());
    let firing = s.firing_on("local/default/grafana01");
    assert!(!firing.is_empty(), "fixtures have an alert on grafana01");
    select(&mut s, '2', 1, "grafana01");
    ch(&mut s, 'n');
    match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::StartJob { alerts, .. }] => assert_eq!(alerts, &firing),
        e => panic!("{e:?}"),
    }
}

#[test]
fn restore_on_an_instance_picks_one_of_its_snapshots() {
    let mut s = loaded_state();
    // No snapshots: says so, and how to take one.
    select(&mut s, '2', 1, "loki01");
    ch(&mut s, 'r');
    assert_eq!(s.input(), InputMode::Normal);
    let msg = s.messages.current.as_ref().unwrap().text.clone();
    assert!(
        msg.contains("no snapshots") && msg.contains("n takes one"),
        "{msg}"
    );
    // With snapshots: the picker lists them, enter previews the restore of the chosen one.
    select(&mut s, '2', 1, "grafana01");
    ch(&mut s, 'r');
    assert_eq!(s.input(), InputMode::Picker);
    let out = render(&mut s, 100, 30);
    assert!(
        out.contains("Restore local/default/grafana01: pick a snapshot"),
        "{out}"
    );
    assert!(out.contains("pre-upgrade"), "{out}");
    assert!(out.contains("enter preview the restore"), "{out}");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.input(), InputMode::Confirm);
    let body = s.confirm().unwrap().body.join("\n");
    assert!(body.contains("snapshot pre-upgrade: taken"), "{body}");
    // esc in the picker restores nothing.
    ch(&mut s, 'n');
    ch(&mut s, 'r');
    assert_eq!(s.input(), InputMode::Picker);
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert_eq!(s.input(), InputMode::Normal);
    assert!(s.confirm().is_none());
}

/// A three-member cluster: atlas01 runs the fleet, loki01 is on atlas02, atlas03 is evacuated.
fn cluster_state() -> AppState {
    let mut s = loaded_state();
    let base = s.remotes[0].hosts[0].clone();
    let member = |name: &str, status: &str| {
        let mut h = base.clone();
        h.name = name.into();
        h.status = status.into();
        h.clustered = true;
        h
    };
    s.apply(
        Update::Inventory(InventoryEvent::Hosts {
            remote: "local".into(),
            hosts: vec![
                member("atlas01", "Online"),
                member("atlas02", "Online"),
                member("atlas03", "Evacuated"),
            ],
        }),
        now(),
    );
    for i in s.remotes[0].instances.iter_mut() {
        i.inst.location = "atlas01".into();
        if i.inst.name == "loki01" {
            i.inst.location = "atlas02".into();
            i.inst.config.insert("cluster.evacuate", "migrate");
            i.inst.expanded_config.insert("cluster.evacuate", "migrate");
        }
        if i.inst.name == "grafana01" {
            i.inst.config.insert("volatile.evacuate.origin", "atlas03");
        }
    }
    s.derived.data_changed();
    s
}

#[test]
fn cluster_members_are_evacuated_and_restored_and_instances_moved_after_a_plan() {
    let mut s = cluster_state();
    // Evacuate: the plan names each instance of the member and what becomes of it.
    select(&mut s, '1', 1, "atlas02");
    assert!(ch(&mut s, 'v').is_empty());
    assert_eq!(s.input(), InputMode::Confirm);
    let out = render(&mut s, 120, 30);
    assert!(out.contains("Evacuate local:atlas02?"), "{out}");
    assert!(
        out.contains("loki01 (Running): moved to another member (cluster.evacuate=migrate)"),
        "{out}"
    );
    assert!(
        out.contains("Members that can take its instances: atlas01."),
        "{out}"
    );
    let (_, spec) = started(&ch(&mut s, 'y'));
    assert_eq!(spec.kind(), "evacuate");
    assert_eq!(spec.target().label(), "local:atlas02");
    assert_eq!(
        atlas_tui::incus::jobs::cli(&spec),
        ["incus cluster evacuate local:atlas02 --force"]
    );
    // An evacuated member is not evacuated again; `r` restores it, naming what comes back.
    select(&mut s, '1', 1, "atlas03");
    assert!(ch(&mut s, 'v').is_empty());
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("already evacuated")
    );
    assert!(ch(&mut s, 'r').is_empty());
    let out = render(&mut s, 120, 30);
    assert!(out.contains("Restore local:atlas03?"), "{out}");
    assert!(out.contains("grafana01 (now on atlas01, Running)"), "{out}");
    let (_, spec) = started(&ch(&mut s, 'y'));
    assert_eq!(
        atlas_tui::incus::jobs::cli(&spec),
        ["incus cluster restore local:atlas03 --force"]
    );
    // Move: `C` offers the members in the palette; a running instance is stopped, moved and
    // started, as the plan says first.
    select(&mut s, '2', 1, "grafana01");
    assert!(ch(&mut s, 'C').is_empty());
    assert_eq!(s.input(), InputMode::Palette);
    let out = render(&mut s, 120, 30);
    assert!(out.contains("move atlas02"), "{out}");
    typ(&mut s, "atlas03");
    key(&mut s, KeyCode::Enter);
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("atlas03 is Evacuated"),
        "{:?}",
        s.messages.current
    );
    s.run_command("move atlas01", now());
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("already runs on atlas01")
    );
    s.run_command("move atlas02", now());
    assert_eq!(s.input(), InputMode::Confirm);
    let out = render(&mut s, 120, 30);
    assert!(
        out.contains("Move local:grafana01 to atlas02? It is running: it stops during the move."),
        "{out}"
    );
    assert!(out.contains("1. stop grafana01"), "{out}");
    assert!(
        out.contains("3. start it on atlas02 (again on atlas01 if the move fails)"),
        "{out}"
    );
    let (_, spec) = started(&ch(&mut s, 'y'));
    assert_eq!(
        spec,
        JobSpec::Move {
            target: atlas_tui::jobs::Target::instance("local", "default", "grafana01"),
            to: "atlas02".into(),
            restart: true,
        }
    );
    assert_eq!(
        atlas_tui::incus::jobs::cli(&spec),
        [
            "incus stop local:grafana01",
            "incus move local:grafana01 --target atlas02",
            "incus start local:grafana01"
        ]
    );
    // A stopped one just moves.
    select(&mut s, '2', 1, "step-ca01");
    s.run_command("move atlas02", now());
    let (_, spec) = started(&ch(&mut s, 'y'));
    assert!(matches!(spec, JobSpec::Move { restart: false, .. }));
    // Read-only: refused, saying so.
    s.readonly = true;
    select(&mut s, '1', 1, "atlas02");
    assert!(ch(&mut s, 'v').is_empty());
    assert_eq!(s.input(), InputMode::Normal);
    assert!(
        s.messages
            .current
            .as_ref()
            .unwrap()
            .text
            .contains("read-only")
    );
}

/// Starts a snapshot of grafana01 (a job that runs until told otherwise).
fn running_job(s: &mut AppState) -> u64 {
    select(s, '2', 1, "grafana01");
    let fx = s.start_job(
        JobSpec::Power {
            target: atlas_tui::jobs::Target::instance("local", "default", "grafana01"),
            action: PowerAction::Restart,
            force: false,
            timeout: 30,
        },
        now(),
    );
    started(&fx).0
}

/// `q` while a job runs asks: wait, cancel, or leave it to the server; nothing quits on its own.
#[test]
fn quitting_while_jobs_run_asks_what_to_do_with_them() {
    // Leave: quit now, the job abandoned (the loop records it).
    let mut s = loaded_state();
    let id = running_job(&mut s);
    assert!(ch(&mut s, 'q').is_empty(), "q does not quit at once");
    assert_eq!(s.input(), InputMode::Quit);
    let screen = render(&mut s, 100, 30);
    assert!(screen.contains("Quit? 1 job(s) still running"), "{screen}");
    assert!(screen.contains(&format!("job {id} restart")), "{screen}");
    assert!(
        screen.contains("leave their operations running"),
        "{screen}"
    );
    ch(&mut s, 'j');
    ch(&mut s, 'j');
    assert_eq!(key(&mut s, KeyCode::Enter), [Effect::QuitLeavingJobs]);

    // Stay: esc closes the question, the job goes on.
    let mut s = loaded_state();
    running_job(&mut s);
    ch(&mut s, 'q');
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert_eq!(s.input(), InputMode::Normal);

    // Wait: nothing quits until the job ends; then the console quits.
    let mut s = loaded_state();
    let id = running_job(&mut s);
    ch(&mut s, 'q');
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.input(), InputMode::Normal);
    let fx = s.apply(
        Update::JobFinished {
            id,
            outcome: Outcome::Done("restarted".into()),
            at: now(),
        },
        now(),
    );
    assert!(fx.contains(&Effect::Quit), "{fx:?}");

    // Cancel: the job is cancelled, and the console quits when it has ended.
    let mut s = loaded_state();
    let id = running_job(&mut s);
    ch(&mut s, 'q');
    ch(&mut s, 'j');
    assert_eq!(key(&mut s, KeyCode::Enter), [Effect::CancelJob(id)]);
    let fx = s.apply(
        Update::JobFinished {
            id,
            outcome: Outcome::Cancelled("cancelled".into()),
            at: now(),
        },
        now(),
    );
    assert!(fx.contains(&Effect::Quit), "{fx:?}");

    // No job running: q quits at once.
    let mut s = loaded_state();
    assert_eq!(ch(&mut s, 'q'), [Effect::Quit]);
}

/// Job numbers come from one sequence per state dir: processes (here threads, each with its
/// own open file and lock) taking numbers at once never get the same one, and a fresh
/// sequence starts after what the history holds.
#[test]
fn job_numbers_are_unique_across_writers_of_a_state_dir() {
    use atlas_tui::jobs::execute::JobIds;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("journal.jsonl"),
        r#"{"ts":"2026-11-23T01:00:00Z","status":"started","action":"snapshot","target":"local:x","job":41}"#
            .to_string()
            + "\n",
    )
    .unwrap();
    let takers: Vec<_> = (0..4)
        .map(|_| {
            let d = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let mut ids = JobIds::StateDir(d);
                (0..25).map(|_| ids.take()).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<u64> = takers.into_iter().flat_map(|t| t.join().unwrap()).collect();
    all.sort();
    let unique: std::collections::BTreeSet<u64> = all.iter().copied().collect();
    assert_eq!(unique.len(), 100, "{all:?}");
    assert_eq!(all.first(), Some(&42), "after the journal's job 41");
    assert_eq!(all.last(), Some(&141));
}

/// The snapshot form's expiry is what Incus would give: the volume's own `snapshots.expiry`
/// (grafana01-data has 7d), named in the hint; the stateful toggle is offered only where Incus
/// can take one (not for a container).
#[test]
fn snapshot_form_defaults_to_the_objects_own_expiry_and_offers_stateful_only_where_possible() {
    let mut s = loaded_state();
    select(&mut s, '3', 2, "grafana01-data");
    ch(&mut s, 'n');
    let form = s.action_form().unwrap();
    let expiry = form.fields.iter().find(|f| f.label == "expiry").unwrap();
    assert_eq!(expiry.value, "7d", "{form:?}");
    assert!(
        expiry.hint.contains("the volume's snapshots.expiry (7d)"),
        "{}",
        expiry.hint
    );
    let (_, spec) = started(&key(&mut s, KeyCode::Enter));
    let JobSpec::Snapshot { expires_at, .. } = spec else {
        panic!("{spec:?}")
    };
    assert_eq!(expires_at, Some(now() + chrono::Duration::days(7)));

    // grafana01 is a container: no stateful toggle.
    let mut s = loaded_state();
    select(&mut s, '2', 1, "grafana01");
    ch(&mut s, 'n');
    let form = s.action_form().unwrap();
    assert!(
        form.fields.iter().all(|f| f.label != "stateful"),
        "{form:?}"
    );
}

/// A backup without compression is written to a `.tar`, not a `.tar.gz` that is a plain tar.
#[test]
fn a_backup_without_compression_is_named_tar() {
    let mut s = loaded_state();
    select(&mut s, '2', 1, "grafana01");
    ch(&mut s, 'b');
    let form = s.action_form().unwrap();
    assert!(form.fields[0].value.ends_with(".tar.gz"), "{form:?}");
    let at = form
        .fields
        .iter()
        .position(|f| f.label == "compression")
        .unwrap();
    for _ in 0..at {
        key(&mut s, KeyCode::Tab);
    }
    s.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        now(),
    );
    typ(&mut s, "none");
    let (_, spec) = started(&key(&mut s, KeyCode::Enter));
    let JobSpec::Export { path, options, .. } = spec else {
        panic!("{spec:?}")
    };
    assert_eq!(options.compression, "none");
    assert!(path.to_string_lossy().ends_with(".tar"), "{path:?}");
}

/// A name to type is not always about production: replacing a guest with a backup asks for its
/// name on any remote, and the dialog says "PRODUCTION" only on a production remote.
#[test]
fn a_typed_confirmation_says_production_only_on_a_production_remote() {
    use atlas_tui::app::layers::confirm::Confirm;
    for production in [false, true] {
        let mut s = loaded_state();
        s.remotes[0].production = production;
        let job = JobSpec::RestoreArchive {
            target: atlas_tui::jobs::Target::instance("local", "default", "grafana01"),
            archive: "nfs:backup/vzdump-lxc-300.tar.zst".into(),
            new_id: None,
        };
        let mut c = Confirm::new("Replace grafana01 with the backup?".into(), vec![]);
        c.typed = Some("grafana01".into());
        c.job = Some(job);
        s.open(c);
        let out = render(&mut s, 100, 24);
        assert_eq!(out.contains("PRODUCTION"), production, "{out}");
        assert!(
            production || out.contains("Confirm — type the name"),
            "{out}"
        );
    }
}

/// The StartJob effects among `effects`.
fn starts(effects: &[Effect]) -> Vec<(u64, JobSpec)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::StartJob { id, spec, .. } => Some((*id, spec.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn marked_rows_survive_sorting_and_filtering_and_show_in_the_table() {
    let mut s = loaded_state();
    select(&mut s, '2', 1, "grafana01");
    key(&mut s, KeyCode::Char(' '));
    // Marked, and the selection moved down.
    assert_eq!(s.marks(s.pane).len(), 1);
    key(&mut s, KeyCode::Char(' '));
    ch(&mut s, 's');
    ch(&mut s, 'S');
    typ(&mut s, "/graf");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.marks(s.pane).len(), 2, "filtering keeps the marks");
    key(&mut s, KeyCode::Esc);
    ch(&mut s, '3');
    ch(&mut s, '2');
    let screen = render(&mut s, 160, 30);
    assert!(screen.contains("● 2 marked"), "{screen}");
    let marked: Vec<&str> = screen.lines().filter(|l| l.contains("┃●")).collect();
    assert_eq!(marked.len(), 2, "two rows carry the mark: {screen}");
    assert!(marked.iter().any(|l| l.contains("grafana01")), "{screen}");
    // `*` marks what the filter shows; `U` clears.
    typ(&mut s, "/lab");
    key(&mut s, KeyCode::Enter);
    ch(&mut s, '*');
    assert_eq!(s.marks(s.pane).len(), 4);
    ch(&mut s, 'U');
    assert!(s.marks(s.pane).is_empty());
    assert!(!render(&mut s, 160, 30).contains("marked"));
}

#[test]
fn an_action_on_marked_rows_confirms_every_target_and_runs_as_one_batch() {
    let mut s = loaded_state();
    ch(&mut s, '2');
    ch(&mut s, '*');
    assert_eq!(s.marks(s.pane).len(), 9);
    // Stop: the running ones stop, the stopped ones are skipped with the reason.
    assert!(ch(&mut s, 't').is_empty());
    let c = s.confirm().expect("one confirmation for the batch");
    let plan = c.batch.clone().expect("a batch");
    assert_eq!(plan.jobs.len(), 6, "{plan:?}");
    assert_eq!(plan.skipped.len(), 3, "{plan:?}");
    assert!(
        plan.skipped
            .iter()
            .all(|(_, why)| why == "is already stopped"),
        "{plan:?}"
    );
    let screen = render(&mut s, 160, 40);
    assert!(screen.contains("stop on 6 marked objects?"), "{screen}");
    assert!(
        screen.contains("- skipped, is already stopped (3): local:mosquitto01, local:step-ca01")
            && screen.contains("+ stop (6): "),
        "{screen}"
    );
    let fx = ch(&mut s, 'y');
    let jobs = starts(&fx);
    assert_eq!(jobs.len(), 6);
    assert!(jobs.iter().all(|(_, j)| matches!(
        j,
        JobSpec::Power {
            action: PowerAction::Stop,
            ..
        }
    )));
    let batch = s.work.batches[0].clone();
    assert_eq!(batch.children.len(), 6);
    assert!(batch.id > jobs.iter().map(|(id, _)| *id).max().unwrap());
    // One journal line for the batch, with every job's command line.
    let fx_journal: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Journal(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fx_journal.len(), 1, "{fx:?}");
    assert_eq!(fx_journal[0].action, "batch stop");
    assert_eq!(fx_journal[0].cli.len(), 6, "{:?}", fx_journal[0].cli);

    // The jobs pane: the batch above its jobs.
    ch(&mut s, '7');
    let screen = render(&mut s, 160, 30);
    let batch_line = screen
        .lines()
        .position(|l| l.contains("batch") && l.contains("stop · 6 objects"));
    let child_line = screen.lines().position(|l| l.contains("↳ local:"));
    assert!(
        batch_line.is_some() && child_line.is_some() && batch_line < child_line,
        "{screen}"
    );
    // Cancel the whole batch from its row (the top one).
    ch(&mut s, 'g');
    ch(&mut s, 'g');
    let fx = ch(&mut s, 'c');
    assert_eq!(fx.len(), 6, "every job of the batch is cancelled: {fx:?}");
    // They end: one failed, one cancelled, the rest done.
    for (n, (id, _)) in jobs.iter().enumerate() {
        let outcome = match n {
            0 => Outcome::Failed("boom".into()),
            1 => Outcome::Cancelled("cancelled while queued: it never ran".into()),
            _ => Outcome::Done("stopped".into()),
        };
        s.apply(
            Update::JobFinished {
                id: *id,
                outcome,
                at: now(),
            },
            now(),
        );
    }
    let summary = s.work.batches[0].summary.clone().expect("summed up");
    assert!(
        summary.starts_with("4 done, 1 cancelled, 1 failed")
            && summary.contains("— boom")
            && summary.ends_with("3 skipped"),
        "{summary}"
    );
    assert!(s.messages.current.clone().unwrap().text.contains(&summary));
}

#[test]
fn a_snapshot_of_marked_rows_takes_one_name_for_all() {
    let mut s = loaded_state();
    select(&mut s, '2', 1, "grafana01");
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Char(' '));
    ch(&mut s, 'n');
    let form = s.action_form().expect("the snapshot form");
    assert_eq!(form.title, "Snapshot 2 marked objects");
    // Clear the name and type one.
    key(&mut s, KeyCode::Char('u'));
    for _ in 0..40 {
        key(&mut s, KeyCode::Backspace);
    }
    typ(&mut s, "pre-upgrade");
    key(&mut s, KeyCode::Enter);
    let plan = s.confirm().and_then(|c| c.batch.clone()).expect("a batch");
    assert_eq!(plan.what, "snapshot pre-upgrade");
    let fx = ch(&mut s, 'y');
    let names: Vec<String> = starts(&fx)
        .into_iter()
        .map(|(_, j)| match j {
            JobSpec::Snapshot { name, target, .. } => format!("{}:{name}", target.name),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.iter().all(|n| n.ends_with(":pre-upgrade")),
        "{names:?}"
    );
}

fn command(toml: &str) -> atlas_tui::config::CommandConfig {
    toml::from_str(toml).unwrap()
}

#[test]
fn a_custom_action_asks_its_input_and_runs_once_per_marked_row() {
    let mut s = loaded_state();
    s.services.commands = vec![
        command(
            r#"
            name = "greet"
            command = ["incus", "exec", "{remote}:{name}", "--project", "{project}", "--", "echo", "{greeting}"]
            scope = "instance"
            key = "ctrl-t"
            label = "greet"
            inputs = [{ name = "greeting", prompt = "what to say", default = "hi" }]
            "#,
        ),
        command(
            r#"
            name = "qm"
            command = ["qm", "terminal", "{vmid}"]
            scope = "instance"
            providers = ["pve"]
            "#,
        ),
        command(
            r#"
            name = "wipe"
            command = "echo {name}"
            scope = "instance"
            dangerous = true
            "#,
        ),
    ];
    select(&mut s, '2', 1, "grafana01");
    // Its key and label are in the hint bar of the instances pane.
    let screen = render(&mut s, 200, 40);
    assert!(screen.contains("ctrl-t greet"), "{screen}");
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Char(' '));
    let fx = s.on_key(
        KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL),
        now(),
    );
    assert!(fx.is_empty());
    let form = s.action_form().expect("the command's input form").clone();
    assert_eq!(form.title, "Run greet");
    assert_eq!(form.fields[0].value, "hi");
    typ(&mut s, " there");
    key(&mut s, KeyCode::Enter);
    let plan = s
        .confirm()
        .and_then(|c| c.batch.clone())
        .expect("one batch");
    assert_eq!(plan.jobs.len(), 2, "{plan:?}");
    let fx = ch(&mut s, 'y');
    let argvs: Vec<Vec<String>> = starts(&fx)
        .into_iter()
        .map(|(_, j)| match j {
            JobSpec::Command { command, .. } => command.argv,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(argvs.len(), 2);
    for a in &argvs {
        assert_eq!(a[0..2], ["incus", "exec"]);
        assert!(a[2].starts_with("local:"), "{a:?}");
        assert_eq!(a.last().map(String::as_str), Some("hi there"));
    }
    // A Proxmox VE command does not take an Incus instance: said, nothing run.
    ch(&mut s, 'U');
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "run qm");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(starts(&fx).is_empty());
    let msg = s.messages.current.clone().unwrap().text;
    assert!(msg.contains("Incus is not among its providers"), "{msg}");
    // A dangerous one is refused in read-only mode; the others are not.
    s.readonly = true;
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "run wipe");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(starts(&fx).is_empty());
    assert!(
        s.messages
            .current
            .clone()
            .unwrap()
            .text
            .contains("read-only mode")
    );
}

#[test]
fn the_activity_pane_shows_every_clients_operations_and_the_daemons_warnings() {
    use atlas_tui::activity::{DaemonWarning, RemoteOperation};
    use atlas_tui::backend::Command;
    let mut s = loaded_state();
    let op = RemoteOperation {
        id: "op-1".into(),
        project: "default".into(),
        description: "Migrating instance".into(),
        status: "Running".into(),
        running: true,
        progress: Some("migrate 10%".into()),
        created_at: Some(now() - chrono::Duration::seconds(30)),
        updated_at: Some(now()),
        by: "alice via tls".into(),
        may_cancel: true,
        location: "atlas01".into(),
        objects: vec!["instances/grafana01".into()],
        error: String::new(),
    };
    let warning = DaemonWarning {
        id: "w-1".into(),
        kind: "Couldn't find the CGroup blkio.weight".into(),
        status: "new".into(),
        severity: "low".into(),
        location: "atlas01".into(),
        project: String::new(),
        count: 4,
        message: "blkio.weight is not available".into(),
        last_seen: Some(now()),
        entity: String::new(),
    };
    // Before the warnings are read, the pane says so (not "none").
    ch(&mut s, '=');
    let screen = render(&mut s, 160, 30);
    assert!(
        screen.contains("reading operations and warnings"),
        "{screen}"
    );
    for ev in [
        InventoryEvent::Operations {
            remote: "local".into(),
            operations: vec![op.clone()],
        },
        InventoryEvent::Warnings {
            remote: "local".into(),
            warnings: vec![warning],
        },
    ] {
        s.apply(Update::Inventory(ev), now());
    }
    // Progress from an event.
    let mut moved = op.clone();
    moved.progress = Some("migrate 42%".into());
    s.apply(
        Update::Inventory(InventoryEvent::OperationChanged {
            remote: "local".into(),
            operation: moved,
        }),
        now(),
    );
    let screen = render(&mut s, 160, 30);
    for want in [
        "Migrating instance grafana01",
        "migrate 42%",
        "alice via tls",
        "Couldn't find the CGroup blkio.weight (×4)",
        "new low",
    ] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
    // The host's status counts its new warnings.
    ch(&mut s, '1');
    let screen = render(&mut s, 200, 30);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("atlas01") && l.contains("⚠1")),
        "{screen}"
    );
    // Newest first: acknowledge the warning (asked first), then cancel the operation.
    ch(&mut s, '=');
    ch(&mut s, 'g');
    ch(&mut s, 'g');
    ch(&mut s, 'K');
    assert!(
        s.confirm()
            .is_some_and(|c| c.prompt.contains("Acknowledge"))
    );
    let fx = ch(&mut s, 'y');
    assert!(
        fx.contains(&Effect::Send {
            remote: Some("local".into()),
            cmd: Command::AcknowledgeWarning("w-1".into()),
        }),
        "{fx:?}"
    );
    ch(&mut s, 'j');
    ch(&mut s, 'c');
    let c = s.confirm().expect("asked first").clone();
    assert!(
        c.prompt.contains("Migrating instance") && c.prompt.contains("alice"),
        "{}",
        c.prompt
    );
    let fx = ch(&mut s, 'y');
    assert!(
        fx.contains(&Effect::Send {
            remote: Some("local".into()),
            cmd: Command::CancelOperation("op-1".into()),
        }),
        "{fx:?}"
    );
    // An operation that ended and left the remote's list stays a while, said as ended.
    s.apply(
        Update::Inventory(InventoryEvent::Operations {
            remote: "local".into(),
            operations: vec![],
        }),
        now(),
    );
    let screen = render(&mut s, 160, 30);
    assert!(screen.contains("ended (outcome not seen)"), "{screen}");
}

#[test]
fn a_silence_of_marked_objects_covers_them_all() {
    let mut s = with_alerts(loaded_state());
    select(&mut s, '2', 1, "grafana01");
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Char(' '));
    ch(&mut s, 'm');
    let form = s.form().expect("the silence form").clone();
    assert!(
        form.matchers.contains("grafana01")
            && form.matchers.contains("loki01")
            && form.matchers.contains('|'),
        "{}",
        form.matchers
    );
    // The alerts it catches right now include those of both.
    let hits = s.affected_alerts(&form).unwrap();
    assert!(!hits.is_empty(), "{}", form.matchers);
}
