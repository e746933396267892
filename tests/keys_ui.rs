//! Keys of every layer come from the keymap and can be rebound; the hint bar, the zoom key,
//! the messages view and the palette's suggestions, tried as a user would.

mod common;

use atlas_tui::action::{Action, REGISTRY};
use atlas_tui::app::Pane;
use atlas_tui::app::layers::palette::command::parse_command;
use atlas_tui::app::state::{AppState, InputMode, Level};
use atlas_tui::config::Keymap;
use atlas_tui::config::keymap::Mode;
use common::{key, loaded_state, now, render, typ, with_alerts};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn ctrl(s: &mut AppState, c: char) {
    s.on_key(
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
        now(),
    );
}

fn with_keymap(text: &str) -> AppState {
    let (km, d) = Keymap::from_user_text(std::path::Path::new("/u/keymap.toml"), text);
    assert!(d.is_empty(), "{d:?}");
    let mut s = loaded_state();
    s.keymap = km;
    s
}

#[test]
fn every_layer_can_be_rebound() {
    let mut s = with_keymap(
        "[palette]\n\"ctrl-j\" = \"submit\"\n\"enter\" = \"none\"\n\
         [prompt]\n\"ctrl-k\" = \"cancel\"\n\
         [form]\n\"ctrl-o\" = \"cancel\"\n\
         [confirm]\n\"j\" = \"confirm\"\n\"y\" = \"none\"\n",
    );
    // Palette: enter no longer runs, ctrl-j does.
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "volumes");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.input(), InputMode::Palette);
    ctrl(&mut s, 'j');
    assert_eq!(s.input(), InputMode::Normal);
    assert_eq!(s.pane, Pane::Volumes);
    // Prompt: ctrl-k cancels the filter (and clears it).
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "zzz");
    ctrl(&mut s, 'k');
    assert_eq!(s.input(), InputMode::Normal);
    assert_eq!(s.panes[Pane::Volumes.index()].filter, "");
    // Form: ctrl-o cancels the snapshot form.
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(s.input(), InputMode::ActionForm);
    ctrl(&mut s, 'o');
    assert_eq!(s.input(), InputMode::Normal);
    // Confirm: y is unbound, j confirms the restart.
    key(&mut s, KeyCode::Char('R'));
    assert_eq!(s.input(), InputMode::Confirm, "{:?}", s.messages.current);
    key(&mut s, KeyCode::Char('y'));
    assert_eq!(s.input(), InputMode::Confirm);
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.input(), InputMode::Normal);
    assert!(s.work.jobs.iter().any(|j| j.running()), "the restart runs");
}

#[test]
fn ctrl_c_quits_from_every_layer_because_the_keymap_says_so() {
    for open in [':', '/', 'n', '?'] {
        let mut s = loaded_state();
        key(&mut s, KeyCode::Char('2'));
        key(&mut s, KeyCode::Char(open));
        assert_ne!(s.input(), InputMode::Normal, "{open}");
        let fx = s.on_key(
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            now(),
        );
        assert_eq!(fx, vec![atlas_tui::app::Effect::Quit], "{open}");
    }
    // Unbound, it quits nowhere.
    let mut s = with_keymap("[palette]\n\"ctrl-c\" = \"none\"\n");
    key(&mut s, KeyCode::Char(':'));
    let fx = s.on_key(
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        now(),
    );
    assert!(fx.is_empty());
}

#[test]
fn every_action_has_a_key_or_a_palette_word_and_help() {
    let km = Keymap::defaults();
    for spec in REGISTRY {
        if spec.action == Action::None {
            continue;
        }
        assert!(!spec.help.is_empty(), "{}", spec.name);
        let bound = Mode::ALL
            .iter()
            .any(|m| km.bindings(*m).iter().any(|(_, a)| *a == spec.action));
        assert!(
            bound || !spec.words.is_empty(),
            "{} has neither a key nor a palette word",
            spec.name
        );
        for w in spec.words {
            assert_eq!(
                parse_command(w),
                Some(atlas_tui::app::layers::palette::command::PaletteCommand::Action(spec.action)),
                "palette word {w}"
            );
        }
    }
}

#[test]
fn zoom_shows_the_whole_pane_in_the_grid_terminal() {
    let mut s = with_alerts(loaded_state());
    key(&mut s, KeyCode::Char('5'));
    let out = render(&mut s, 160, 50);
    assert!(
        !out.contains("SUMMARY"),
        "the grid cuts the alerts pane:\n{out}"
    );
    key(&mut s, KeyCode::Char('Z'));
    let out = render(&mut s, 160, 50);
    for col in ["SUMMARY", "SOURCE", "REMOTE"] {
        assert!(out.contains(col), "{col} missing when zoomed:\n{out}");
    }
    assert!(!out.contains("Snapshots ("), "only the zoomed pane:\n{out}");
    key(&mut s, KeyCode::Char('Z'));
    let out = render(&mut s, 160, 50);
    assert!(out.contains("Snapshots ("), "back to the grid:\n{out}");
}

#[test]
fn hint_bar_follows_keymap_and_mode_and_never_reaches_the_indicators() {
    let mut s = with_keymap("[normal]\n\"F\" = \"snapshot\"\n\"n\" = \"none\"\n");
    let out = render(&mut s, 80, 24);
    let last = out.lines().last().unwrap_or_default().to_string();
    assert!(last.contains("F snapshot"), "{last}");
    // A gap always stands between the hints and the remote indicators.
    let badge = last.find('●').expect("local's indicator");
    let before: String = last[..badge].chars().rev().take(3).collect();
    assert!(
        before.starts_with("  "),
        "hints run into the indicators: {last}"
    );
    // Read-only: no write keys.
    s.readonly = true;
    let out = render(&mut s, 120, 24);
    let last = out.lines().last().unwrap_or_default().to_string();
    for w in ["snapshot", "start", "stop", "restore", "backup", "shell"] {
        assert!(!last.contains(w), "{w} in read-only hints: {last}");
    }
    assert!(last.contains("? help"), "{last}");
    // The detail view shows its own keys.
    s.readonly = false;
    key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 120, 24);
    let last = out.lines().last().unwrap_or_default().to_string();
    assert!(last.contains("config/log"), "{last}");
}

#[test]
fn palette_lists_suggestions_with_their_help_as_it_opens() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char(':'));
    let out = render(&mut s, 100, 30);
    assert!(out.contains("hosts pane"), "{out}");
    assert!(out.contains(" instances "), "{out}");
    // Read-only: write actions are not offered.
    let mut s = loaded_state();
    s.readonly = true;
    key(&mut s, KeyCode::Char(':'));
    let lines: Vec<String> =
        atlas_tui::app::layers::palette::suggestions::suggestions(&s, &s.palette().unwrap().input)
            .into_iter()
            .map(|c| c.line)
            .collect();
    assert!(lines.contains(&"hosts".to_string()));
    assert!(!lines.contains(&"restore".to_string()), "{lines:?}");
}

#[test]
fn messages_view_shows_a_long_message_whole() {
    let mut s = loaded_state();
    let long = format!(
        "restored local/default/grafana01 to snap0; safety snapshot {} kept",
        "atlas-safety-20261202-033000-before-restore-of-snap0-with-a-long-name"
    );
    s.say(Level::Info, "first");
    s.say(Level::Info, long.clone());
    let out = render(&mut s, 80, 24);
    assert!(!out.contains("kept"), "the status line cuts it:\n{out}");
    key(&mut s, KeyCode::Char('M'));
    assert_eq!(s.input(), InputMode::Messages);
    let out = render(&mut s, 80, 24);
    let joined: String = out
        .lines()
        .map(|l| l.trim_matches('"').trim_matches('│').trim().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(joined.contains("first"), "{out}");
    assert!(joined.contains("kept"), "{out}");
    assert!(joined.contains("atlas-safety-20261202"), "{out}");
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.input(), InputMode::Normal);
}

#[test]
fn derived_views_are_computed_once_per_change_and_idle_keys_change_nothing() {
    use atlas_tui::app::rows::view_rows;
    use std::sync::Arc;
    let mut s = with_alerts(loaded_state());
    // The same rows and join, shared, until something changes.
    let a = view_rows(&s, Pane::Instances, now());
    assert!(Arc::ptr_eq(&a, &view_rows(&s, Pane::Instances, now())));
    let j = s.join_alerts();
    assert!(Arc::ptr_eq(&j, &s.join_alerts()));
    // A key bound to nothing: nothing changes, so nothing is redrawn or rebuilt.
    let rev = s.derived.rev;
    key(&mut s, KeyCode::Char('Q'));
    assert_eq!(s.derived.rev, rev);
    assert!(Arc::ptr_eq(&a, &view_rows(&s, Pane::Instances, now())));
    // Moving the selection redraws, but the rows and the join stay as they were.
    key(&mut s, KeyCode::Char('j'));
    assert_ne!(s.derived.rev, rev);
    assert!(Arc::ptr_eq(&a, &view_rows(&s, Pane::Instances, now())));
    assert!(Arc::ptr_eq(&j, &s.join_alerts()));
    // A filter makes a new view of the same rows (shared, not built again).
    s.panes[Pane::Instances.index()].filter = "grafana".into();
    let c = view_rows(&s, Pane::Instances, now());
    assert_eq!(c.len(), 1);
    assert!(a.iter().any(|r| Arc::ptr_eq(r, &c[0])));
    // The next second rebuilds the panes that show ages, not the others.
    let later = now() + chrono::Duration::seconds(1);
    assert!(Arc::ptr_eq(&c, &view_rows(&s, Pane::Instances, later)));
    let snaps = view_rows(&s, Pane::Snapshots, now());
    assert!(!Arc::ptr_eq(&snaps, &view_rows(&s, Pane::Snapshots, later)));
    // A key that changes what rows show (a palette command) rebuilds them and the join.
    s.run_command("theme light", now());
    let d = view_rows(&s, Pane::Instances, now());
    assert!(!Arc::ptr_eq(&c, &d) && !Arc::ptr_eq(&c[0], &d[0]));
    assert!(!Arc::ptr_eq(&j, &s.join_alerts()));
}

#[test]
fn actions_a_provider_cannot_do_are_refused_and_not_hinted() {
    use atlas_tui::backend::{Capabilities, Operation};
    let mut s = loaded_state();
    // A provider without snapshots or shells (as a read-mostly backend would declare).
    s.remotes[0].caps = Capabilities {
        provider: "Example",
        operations: &[Operation::Power, Operation::ConsoleLog],
        ..Capabilities::all("Example")
    };
    key(&mut s, KeyCode::Char('2'));
    let out = render(&mut s, 120, 24);
    let last = out.lines().last().unwrap_or_default().to_string();
    assert!(last.contains("u start"), "{last}");
    assert!(
        !last.contains("snapshot") && !last.contains("shell"),
        "{last}"
    );
    assert!(key(&mut s, KeyCode::Char('n')).is_empty());
    assert_eq!(s.input(), InputMode::Normal, "no snapshot form opens");
    let msg = s.messages.current.as_ref().unwrap().text.clone();
    assert!(msg.contains("Example cannot snapshot"), "{msg}");
    // What it supports still works.
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(s.input(), InputMode::Confirm);
}

#[test]
fn layers_stack_and_closing_uncovers_the_one_below() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.input(), InputMode::Detail);
    // Help over the detail view; closing it shows the detail view again.
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.input(), InputMode::Help);
    let modes: Vec<InputMode> = s.layers.iter().map(|l| l.mode()).collect();
    assert_eq!(modes, [InputMode::Detail, InputMode::Help]);
    let out = render(&mut s, 120, 30);
    assert!(out.contains("Help"), "{out}");
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.input(), InputMode::Detail);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.input(), InputMode::Normal);
    assert!(
        s.layers.is_empty(),
        "nothing is left open: {:?}",
        s.layers.len()
    );
    // A confirmation over the lists, cancelled: nothing lingers.
    key(&mut s, KeyCode::Char('R'));
    assert!(s.confirm().is_some());
    key(&mut s, KeyCode::Char('n'));
    assert!(s.confirm().is_none() && s.layers.is_empty());
    // The palette closes before the command it runs opens its own layer.
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "snapshot");
    key(&mut s, KeyCode::Enter);
    let modes: Vec<InputMode> = s.layers.iter().map(|l| l.mode()).collect();
    assert_eq!(modes, [InputMode::ActionForm]);
}

#[test]
fn a_read_only_remote_refuses_jobs_and_hides_write_keys() {
    let mut s = loaded_state();
    s.remotes[0].readonly = true;
    key(&mut s, KeyCode::Char('2'));
    let out = render(&mut s, 120, 24);
    let last = out.lines().last().unwrap_or_default().to_string();
    assert!(
        !last.contains("snapshot") && !last.contains("stop"),
        "{last}"
    );
    key(&mut s, KeyCode::Char('n'));
    // Refused before any form opens.
    assert!(s.action_form().is_none());
    assert!(s.work.jobs.is_empty());
    let m = s.messages.current.clone().unwrap().text;
    assert!(m.contains("local is read-only"), "{m}");
}

/// On a Proxmox VE remote, `b` backs up to a storage (vzdump) and `r` in the backups pane
/// restores an archive: over the guest only after its name is typed.
#[test]
fn pve_backups_go_to_a_storage_and_come_back_from_it() {
    use atlas_tui::backend::{InventoryEvent, Update};
    use atlas_tui::inventory::BackupRow;
    let mut s = loaded_state();
    s.remotes[0].caps = atlas_pve::provider::CAPABILITIES;
    s.apply(
        Update::Inventory(InventoryEvent::Backups {
            remote: "local".into(),
            backups: vec![BackupRow {
                remote: "local".into(),
                project: "default".into(),
                instance: "grafana01".into(),
                location: "nfs-backup".into(),
                name: "backup/vzdump-qemu-100-2026_11_22-02_00_00.vma.zst".into(),
                created_at: Some(common::now() - chrono::Duration::hours(20)),
                ..Default::default()
            }],
        }),
        common::now(),
    );
    key(&mut s, KeyCode::Char('0'));
    key(&mut s, KeyCode::Char('/'));
    atlas_tui_typ(&mut s, "grafana01");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('b'));
    let f = s.action_form().expect("the vzdump form").clone();
    assert!(f.title.contains("vzdump"), "{}", f.title);
    let out = render(&mut s, 100, 24);
    assert!(
        out.contains("nfs-backup") && out.contains("snapshot") && out.contains("zstd"),
        "{out}"
    );
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('r'));
    let f = s.action_form().expect("the restore form").clone();
    assert!(
        f.title.contains("Restore a backup of local:grafana01"),
        "{}",
        f.title
    );
    let out = render(&mut s, 100, 24);
    assert!(
        out.contains("nfs-backup:backup/vzdump-qemu-100-2026_11_22"),
        "{out}"
    );
    key(&mut s, KeyCode::Enter);
    // Over the guest: its name must be typed.
    let c = s.confirm().expect("a confirmation").clone();
    assert!(c.prompt.contains("Replace local:grafana01"), "{}", c.prompt);
    key(&mut s, KeyCode::Char('y'));
    key(&mut s, KeyCode::Enter);
    assert!(s.work.jobs.is_empty(), "a y is not the name");
    key(&mut s, KeyCode::Backspace);
    atlas_tui_typ(&mut s, "grafana01");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.work.jobs.len(), 1);
    assert_eq!(s.work.jobs[0].spec.kind(), "restore-backup");
}

fn atlas_tui_typ(s: &mut atlas_tui::app::state::AppState, text: &str) {
    common::typ(s, text);
}

#[test]
fn panes_said_to_show_no_ages_do_not_change_with_the_clock() {
    use atlas_tui::app::rows::{build_rows, shows_ages};
    let s = with_alerts(loaded_state());
    let later = now() + chrono::Duration::hours(5);
    for pane in atlas_tui::pane::Pane::all() {
        if shows_ages(pane) {
            continue;
        }
        let cells = |t| {
            build_rows(&s, pane, t)
                .into_iter()
                .map(|r| {
                    r.cells()
                        .map(|c| (c.text.to_string(), c.style))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(cells(now()), cells(later), "{}", pane.title());
    }
}

#[test]
fn the_filter_tells_its_syntax_its_mistakes_and_takes_places() {
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char('2'));
    // `@remote/project`: that project's rows only — also when the rows are looked at after
    // every key, as the screen does (`@l` keeps nothing; `@local` is not narrower than it).
    for c in "/@local/lab".chars() {
        key(&mut s, KeyCode::Char(c));
        atlas_tui::app::rows::view_rows(&s, s.pane, now());
    }
    let rows = atlas_tui::app::rows::view_rows(&s, s.pane, now());
    let names: Vec<&str> = rows.iter().map(|r| r.cell(1).text).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("lab-")), "{names:?}");
    // `?` shows the syntax while typing.
    typ(&mut s, "?");
    let out = render(&mut s, 120, 30);
    assert!(
        out.contains("filter (? syntax)") && out.contains("!word"),
        "{out}"
    );
    assert_eq!(
        s.panes[s.pane.index()].filter,
        "@local/lab",
        "? is not typed"
    );
    key(&mut s, KeyCode::Esc);
    // A malformed label matcher on the alerts pane says what is wrong.
    let mut s = with_alerts(s);
    key(&mut s, KeyCode::Char('5'));
    typ(&mut s, "/severity=~\"crit");
    let out = render(&mut s, 140, 30);
    assert!(out.contains("✖ severity=~\"crit:"), "{out}");
    key(&mut s, KeyCode::Enter);
    let out = render(&mut s, 140, 30);
    assert!(out.contains("✖ bad matcher severity=~\"crit"), "{out}");
}

#[test]
fn export_writes_the_pane_as_shown_with_every_column() {
    use atlas_tui::app::state::Effect;
    let mut s = loaded_state();
    key(&mut s, KeyCode::Char('2'));
    typ(&mut s, "/lab");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('S'));
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, "export csv /tmp/atlas-export-test.csv");
    let fx = key(&mut s, KeyCode::Enter);
    // The palette's history is written too.
    let [_, Effect::WriteFile { path, text, what }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(path.to_str(), Some("/tmp/atlas-export-test.csv"));
    assert_eq!(what, "2 rows of Instances");
    // The rows as the pane shows them, in its order, every column (not only those on screen).
    let rows = atlas_tui::app::rows::view_rows(&s, s.pane, now());
    let cols = atlas_tui::app::rows::columns(s.pane);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let header: Vec<&str> = cols.iter().map(|c| c.name).collect();
    assert_eq!(lines[0], header.join(","));
    for (line, row) in lines[1..].iter().zip(rows.iter()) {
        let cells: Vec<&str> = row.cells().map(|c| c.text).collect();
        assert_eq!(*line, cells.join(","));
    }
    // `X`: CSV into the state dir's exports/; the answer is said.
    let fx = key(&mut s, KeyCode::Char('X'));
    let [Effect::WriteFile { path, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert!(
        path.starts_with(s.work.state_dir.join("exports")),
        "{path:?}"
    );
    s.apply(
        atlas_tui::backend::Update::Written {
            what: "2 rows of Instances".into(),
            path: path.clone(),
            result: Ok(()),
        },
        now(),
    );
    let msg = s.messages.current.clone().unwrap().text;
    assert!(msg.starts_with("2 rows of Instances written to "), "{msg}");
}

#[test]
fn the_palette_remembers_what_was_run_and_offers_it_first() {
    use atlas_tui::app::state::Effect;
    let mut s = loaded_state();
    for line in ["sort name", "project lab"] {
        key(&mut s, KeyCode::Char(':'));
        typ(&mut s, line);
        let fx = key(&mut s, KeyCode::Enter);
        let written = fx.iter().find_map(|e| match e {
            Effect::WriteFile { path, text, .. } if path.ends_with("palette_history") => {
                Some(text.clone())
            }
            _ => None,
        });
        assert!(
            written.is_some_and(|t| t.ends_with(&format!("{line}\n"))),
            "{fx:?}"
        );
    }
    key(&mut s, KeyCode::Char(':'));
    let first: Vec<String> = atlas_tui::app::layers::palette::suggestions::suggestions(&s, "")
        .into_iter()
        .take(2)
        .map(|c| c.line)
        .collect();
    assert_eq!(first, ["project lab", "sort name"]);
    let out = render(&mut s, 120, 30);
    assert!(out.contains("recent"), "{out}");
    // Down then enter runs the older one again.
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.view.palette_history.last().map(String::as_str),
        Some("sort name")
    );
}

/// What the console asks the remotes for because of what is on screen: volumes only while
/// shown, and the whole details of the instances in view that lack them.
#[test]
fn what_is_on_screen_is_read_first() {
    use atlas_tui::app::state::Effect;
    use atlas_tui::backend::{Command, InventoryEvent, Update};
    let sends = |fx: &[Effect]| -> Vec<(Option<String>, Command)> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Send { remote, cmd } => Some((remote.clone(), cmd.clone())),
                _ => None,
            })
            .collect()
    };
    let mut s = loaded_state();
    // A new list with new instances: their rows on screen lack their details (the others keep
    // theirs), and volumes are not shown.
    let mut cheap = common::cheap_listing(&s, 0);
    for i in &mut cheap {
        i.name = format!("a-{}", i.name);
    }
    let names: Vec<(String, String)> = cheap
        .iter()
        .map(|i| (i.project.clone(), i.name.clone()))
        .collect();
    let fx = s.apply(
        Update::Inventory(InventoryEvent::Instances {
            remote: "local".into(),
            instances: cheap,
            with_state: false,
        }),
        now(),
    );
    let sent = sends(&fx);
    // The remotes were told volumes are not shown when the first list came in.
    assert_eq!(s.listing.volumes_shown, Some(false));
    let Some((Some(remote), Command::Details(asked))) =
        sent.iter().find(|(_, c)| matches!(c, Command::Details(_)))
    else {
        panic!("no details asked for: {sent:?}");
    };
    assert_eq!(remote, "local");
    let mut asked = asked.clone();
    asked.sort();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(
        asked, expected,
        "every row on screen (the fixture's fleet fits)"
    );
    // Asked once while they stay on screen: moving the selection asks nothing more.
    let fx = key(&mut s, KeyCode::Char('j'));
    assert!(sends(&fx).is_empty(), "{:?}", sends(&fx));
    // The volumes pane shows volumes: they are asked for; leaving it says so too.
    let fx = key(&mut s, KeyCode::Char('3'));
    assert_eq!(s.pane, Pane::Volumes);
    assert_eq!(sends(&fx), [(None, Command::ShowVolumes(true))]);
    let fx = key(&mut s, KeyCode::Char('4'));
    assert!(
        sends(&fx).is_empty(),
        "the snapshots pane shows volumes' snapshots too"
    );
    let fx = key(&mut s, KeyCode::Char('2'));
    assert!(sends(&fx).contains(&(None, Command::ShowVolumes(false))));
}
