//! The services pane, the inline editor, the cloud-init preview and the plan overlay, driven by
//! keys on state holding a survey of the shipped example definitions (rendered for real; the
//! plans are what the sandbox answers for each standing); screens compared with insta.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use std::path::{Path, PathBuf};

use atlas_tui::app::state::{AppState, Effect, InputMode};
use atlas_tui::backend::Update;
use atlas_tui::jobs::JobSpec;
use atlas_tui::services::load_dir;
use atlas_tui::services::plan::{
    Change, Object, Op, Plan, ServicePlan, Step, plan_service_without_client,
};
use atlas_tui::services::template::MASK;
use atlas_tui::survey::{Expect, SaveFailure, Survey, preview_of};
use common::{copy_dir, key, loaded_state, now, render, typ};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SECRET: &str = "hunter2-grafana";

/// The shipped examples in a fresh directory, grafana's password read from a file.
fn examples(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("services-ui-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/services"),
        &dir,
    );
    let g = dir.join("grafana01.toml");
    let t = std::fs::read_to_string(&g).unwrap().replace(
        "{ env = \"GRAFANA_ADMIN_PASSWORD\" }",
        "{ file = \"secrets/grafana-admin\" }",
    );
    std::fs::write(&g, t).unwrap();
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    std::fs::write(dir.join("secrets/grafana-admin"), format!("{SECRET}\n")).unwrap();
    std::fs::write(dir.join("secrets/step-ca-password"), "ca-pass\n").unwrap();
    // One definition that does not parse.
    std::fs::write(dir.join("broken01.toml"), "name = \"broken01\"\nimage = \n").unwrap();
    dir
}

fn change(key: &str, old: Option<&str>, new: Option<&str>, restart: bool) -> Change {
    Change {
        key: key.into(),
        old: old.map(String::from),
        new: new.map(String::from),
        restart,
    }
}

fn step(op: Op, object: Object, changes: Vec<Change>) -> Step {
    Step {
        op,
        object,
        changes,
        request: None,
    }
}

/// A survey of `dir`: grafana01 in sync with older user-data on its instance, prometheus01
/// drifted (memory), loki01 missing, broken01 invalid, the rest in sync.
fn survey_of(dir: &Path) -> Survey {
    let loaded = load_dir(dir).unwrap();
    let mut previews = std::collections::BTreeMap::new();
    for l in &loaded {
        if let Some(mut pv) = preview_of(l) {
            if let (Ok(r), "grafana01") = (&pv.rendered, l.name().as_str()) {
                pv.current = Some(
                    r.text
                        .replace("timezone: Etc/UTC", "timezone: Europe/Berlin"),
                );
            }
            previews.insert(l.file.clone(), pv);
        }
    }
    let services = loaded
        .iter()
        .map(|l| {
            let name = l.name();
            let inst = || Object::Instance { name: name.clone() };
            let steps = match name.as_str() {
                "prometheus01" => vec![step(
                    Op::Update,
                    inst(),
                    vec![change("limits.memory", Some("512MiB"), Some("1GiB"), false)],
                )],
                "loki01" => vec![
                    step(
                        Op::Create,
                        Object::Volume {
                            pool: "default".into(),
                            name: "loki01-data".into(),
                        },
                        vec![change("size", None, Some("4GiB"), false)],
                    ),
                    step(
                        Op::Create,
                        inst(),
                        vec![change("limits.memory", None, Some("1GiB"), false)],
                    ),
                    step(Op::Start, inst(), vec![]),
                ],
                _ => vec![],
            };
            ServicePlan {
                steps,
                remote: "local".into(),
                project: "default".into(),
                ..plan_service_without_client(l)
            }
        })
        .collect();
    Survey {
        dir: dir.to_path_buf(),
        error: None,
        loaded,
        plan: Plan { services },
        previews,
    }
}

/// State on the services pane with the survey of `dir` landed.
fn on_services(dir: &Path) -> AppState {
    let mut s = loaded_state();
    s.services.dir = dir.to_path_buf();
    let fx = key(&mut s, KeyCode::Char('9'));
    let seq = match fx.as_slice() {
        [Effect::ServicesRefresh { seq }] => *seq,
        e => panic!("the pane asks for a survey: {e:?}"),
    };
    assert!(
        render(&mut s, 100, 14).contains("no services"),
        "nothing yet"
    );
    let fx = s.apply(
        Update::Services {
            seq,
            survey: Box::new(survey_of(dir)),
        },
        now(),
    );
    assert!(fx.is_empty());
    s
}

fn select(s: &mut AppState, name: &str) {
    let rows = atlas_tui::app::rows::view_rows(s, s.pane, now());
    let i = rows
        .iter()
        .position(|r| r.cell(0).text == name)
        .unwrap_or_else(|| panic!("{name} not listed"));
    key(s, KeyCode::Home);
    for _ in 0..i {
        key(s, KeyCode::Down);
    }
}

fn ctrl(s: &mut AppState, c: char) -> Vec<Effect> {
    s.on_key(
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
        now(),
    )
}

#[test]
fn services_pane_shows_each_standing() {
    let dir = examples("pane");
    let mut s = on_services(&dir);
    let out = render(&mut s, 100, 14);
    insta::assert_snapshot!(out);
    for (name, status) in [
        ("grafana01", "in sync"),
        ("prometheus01", "drifted"),
        ("loki01", "missing"),
        ("broken01", "invalid"),
    ] {
        assert!(
            out.lines().any(|l| l.contains(name) && l.contains(status)),
            "{name} {status}\n{out}"
        );
    }
    assert!(out.contains("limits.memory"), "what drifted is shown");
    assert!(out.contains("line 2"), "the error names its line:\n{out}");
    // 80x24 works too.
    let small = render(&mut s, 80, 24);
    assert!(
        small.contains("prometheus01") && small.contains("drifted"),
        "{small}"
    );
}

#[test]
fn preview_masks_secrets_reveals_on_a_key_and_diffs_against_the_instance() {
    let dir = examples("preview");
    let mut s = on_services(&dir);
    select(&mut s, "grafana01");
    let fx = key(&mut s, KeyCode::Char('p'));
    let [Effect::ServicesRefresh { seq }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(s.input(), InputMode::Service);
    // Until the definitions are read again, the last result is shown as such.
    let out = render(&mut s, 100, 40);
    assert!(
        out.contains("⟳ re-checking (what follows is the previous result)"),
        "{out}"
    );
    s.apply(
        Update::Services {
            seq: *seq,
            survey: Box::new(survey_of(&dir)),
        },
        now(),
    );
    let out = render(&mut s, 100, 40);
    assert!(!out.contains("re-checking"), "{out}");
    insta::assert_snapshot!("preview_masked", out);
    assert!(out.contains("#cloud-config"));
    assert!(out.contains(MASK) && !out.contains(SECRET), "{out}");
    assert!(out.contains("differs from cloud-init.user-data on the instance"));

    key(&mut s, KeyCode::Char('s'));
    let out = render(&mut s, 100, 40);
    assert!(out.contains(SECRET), "revealed:\n{out}");
    key(&mut s, KeyCode::Char('s'));

    key(&mut s, KeyCode::Char('d'));
    let out = render(&mut s, 100, 24);
    insta::assert_snapshot!("preview_diff", out);
    assert!(out.contains("-timezone: Europe/Berlin"), "{out}");
    assert!(out.contains("+timezone: Etc/UTC"), "{out}");
    assert!(!out.contains(SECRET));

    key(&mut s, KeyCode::Esc);
    assert_eq!(s.input(), InputMode::Normal);
}

#[test]
fn preview_of_a_template_error_points_at_the_template() {
    let dir = examples("tplerr");
    let tpl = dir.join("templates/grafana.yaml.tftpl");
    let t = std::fs::read_to_string(&tpl).unwrap();
    std::fs::write(&tpl, t.replacen("${hostname}", "${no_such_var}", 1)).unwrap();
    let mut s = on_services(&dir);
    select(&mut s, "grafana01");
    key(&mut s, KeyCode::Char('p'));
    let out = render(&mut s, 120, 20);
    assert!(out.contains("grafana.yaml.tftpl"), "{out}");
    assert!(out.contains("no_such_var"), "{out}");
    assert!(out.contains('✖'), "{out}");
}

#[test]
fn plan_shows_the_update_and_apply_starts_one_job_per_remote() {
    let dir = examples("plan");
    let mut s = on_services(&dir);
    select(&mut s, "prometheus01");
    let fx = key(&mut s, KeyCode::Char('a'));
    let seq = match fx.as_slice() {
        [Effect::ServicesRefresh { seq }] => *seq,
        e => panic!("a plan surveys first: {e:?}"),
    };
    assert!(render(&mut s, 100, 20).contains("planning"));
    // Keys wait for the plan.
    key(&mut s, KeyCode::Char('a'));
    assert!(!render(&mut s, 100, 20).contains("Apply these changes?"));
    s.apply(
        Update::Services {
            seq,
            survey: Box::new(survey_of(&dir)),
        },
        now(),
    );
    let out = render(&mut s, 100, 16);
    insta::assert_snapshot!("plan_update", out);
    assert!(
        out.contains("~ limits.memory: \"512MiB\" → \"1GiB\""),
        "{out}"
    );
    assert!(out.contains("0 to create, 1 to update"), "{out}");

    key(&mut s, KeyCode::Char('a'));
    assert!(render(&mut s, 100, 16).contains("Apply these changes? y applies"));
    key(&mut s, KeyCode::Char('n'));
    assert!(!render(&mut s, 100, 16).contains("Apply these changes?"));
    key(&mut s, KeyCode::Char('a'));
    let fx = key(&mut s, KeyCode::Char('y'));
    let (id, spec) = match fx.as_slice() {
        [Effect::StartJob { id, spec, .. }] => (*id, spec.clone()),
        e => panic!("one apply job: {e:?}"),
    };
    let JobSpec::Apply { target, plans } = &spec else {
        panic!("{spec:?}")
    };
    assert_eq!(target.remote, "local");
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].service, "prometheus01");

    // Progress streams into the overlay; when the job ends the plan is made again.
    s.apply(
        Update::Job {
            id,
            event: atlas_tui::jobs::JobEvent::Log(
                "step 1/1: ~ update instance prometheus01".into(),
            ),
        },
        now(),
    );
    assert!(render(&mut s, 100, 24).contains("step 1/1: ~ update instance prometheus01"));
    let fx = s.apply(
        Update::JobFinished {
            id,
            outcome: atlas_tui::jobs::Outcome::Done("applied 1 step".into()),
            at: now(),
        },
        now(),
    );
    let seq = match fx.as_slice() {
        [Effect::ServicesRefresh { seq }] => *seq,
        e => panic!("a re-plan after the apply: {e:?}"),
    };
    // Until it lands, the previous plan is shown as such, with no verdict, and not applied.
    let out = render(&mut s, 100, 24);
    assert!(out.contains("planning: reading the definitions"), "{out}");
    assert!(
        !out.contains("In sync") && !out.contains("a applies"),
        "{out}"
    );
    assert!(key(&mut s, KeyCode::Char('a')).is_empty());
    assert!(!render(&mut s, 100, 24).contains("Apply these changes?"));
    let mut after = survey_of(&dir);
    for sp in &mut after.plan.services {
        sp.steps.clear();
    }
    s.apply(
        Update::Services {
            seq,
            survey: Box::new(after),
        },
        now(),
    );
    let out = render(&mut s, 100, 24);
    assert!(
        out.contains("Re-plan after apply: no changes. In sync."),
        "{out}"
    );
    assert!(out.contains("done — applied 1 step"), "{out}");
}

#[test]
fn an_invalid_definition_is_not_applied_and_production_wants_apply_typed() {
    let dir = examples("prod");
    let mut s = on_services(&dir);
    select(&mut s, "broken01");
    let fx = key(&mut s, KeyCode::Char('a'));
    let Effect::ServicesRefresh { seq } = fx[0] else {
        panic!()
    };
    s.apply(
        Update::Services {
            seq,
            survey: Box::new(survey_of(&dir)),
        },
        now(),
    );
    assert!(render(&mut s, 100, 16).contains("cannot plan"));
    assert!(key(&mut s, KeyCode::Char('a')).is_empty());
    let msg = s.messages.current.clone().unwrap().text;
    assert!(msg.contains("cannot be planned"), "{msg}");
    key(&mut s, KeyCode::Esc);

    // On a production remote the word is typed.
    s.remotes[0].production = true;
    select(&mut s, "prometheus01");
    let fx = key(&mut s, KeyCode::Char('a'));
    let Effect::ServicesRefresh { seq } = fx[0] else {
        panic!("{fx:?}")
    };
    s.apply(
        Update::Services {
            seq,
            survey: Box::new(survey_of(&dir)),
        },
        now(),
    );
    key(&mut s, KeyCode::Char('a'));
    assert!(render(&mut s, 100, 16).contains("PRODUCTION"));
    assert!(
        key(&mut s, KeyCode::Char('y')).is_empty(),
        "y is not enough"
    );
    assert!(key(&mut s, KeyCode::Enter).is_empty(), "nor is 'y'");
    for _ in 0..3 {
        key(&mut s, KeyCode::Backspace);
    }
    typ(&mut s, "apply");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(matches!(fx.as_slice(), [Effect::StartJob { .. }]), "{fx:?}");
}

#[test]
fn editor_checks_as_you_type_saves_and_asks_before_overwriting() {
    let dir = examples("editor");
    let mut s = on_services(&dir);
    select(&mut s, "grafana01");
    let fx = key(&mut s, KeyCode::Char('E'));
    let file = match fx.as_slice() {
        [Effect::OpenDefinition { file }] => file.clone(),
        e => panic!("{e:?}"),
    };
    let text = std::fs::read_to_string(&file).unwrap();
    s.apply(
        Update::DefinitionText {
            file: file.clone(),
            result: Ok((text.clone(), true)),
        },
        now(),
    );
    assert_eq!(s.input(), InputMode::Service);
    let out = render(&mut s, 80, 24);
    assert!(out.contains("Edit grafana01.toml"), "{out}");
    assert!(out.contains("✓ valid definition"), "{out}");

    // Break the memory line: the error is shown with its line, and the line stands out.
    ctrl(&mut s, 'f');
    typ(&mut s, "memory =");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::End);
    typ(&mut s, "x");
    let theme = atlas_tui::config::Theme::load(Path::new("/nonexistent"), "dark").0;
    let out = render(&mut s, 80, 24);
    let line = text
        .lines()
        .position(|l| l.starts_with("memory ="))
        .unwrap()
        + 1;
    assert!(out.contains(&format!("✖ line {line}:")), "{out}");
    assert!(out.contains("[modified]"), "{out}");
    {
        let area = ratatui::layout::Rect::new(0, 0, 80, 24);
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        s.view.grid = false;
        t.draw(|f| atlas_tui::ui::draw(f, &s, &theme, now()))
            .unwrap();
        let buf = t.backend().buffer();
        let row = (0..area.height)
            .find(|y| {
                (0..area.width)
                    .map(|x| buf[(x, *y)].symbol().to_string())
                    .collect::<String>()
                    .contains("memory = \"512MiB\"x")
            })
            .expect("the broken line is on screen");
        assert_eq!(
            buf[(10, row)].style().add_modifier,
            theme.style("editor.error_line").add_modifier,
            "the error line is highlighted"
        );
    }

    // Undo brings the valid text back; a change and ctrl-s asks to save with the hash read.
    ctrl(&mut s, 'z');
    assert!(render(&mut s, 80, 24).contains("✓ valid definition"));
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    typ(&mut s, "GiB\"");
    let fx = ctrl(&mut s, 's');
    let (saved, expect) = match fx.as_slice() {
        [Effect::SaveDefinition { text, expect, .. }] => (text.clone(), *expect),
        e => panic!("{e:?}"),
    };
    assert!(saved.contains("memory = \"512GiB\""), "{saved}");
    assert!(matches!(expect, Expect::Hash(_)));

    // Another process changed the file: asked, y overwrites (forced).
    s.apply(
        Update::DefinitionSaved {
            file: file.clone(),
            text: saved.clone(),
            result: Err(SaveFailure {
                changed_on_disk: true,
                why: "changed on disk".into(),
            }),
        },
        now(),
    );
    assert!(render(&mut s, 80, 24).contains("Overwrite it?"));
    let fx = key(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(
            fx.as_slice(),
            [Effect::SaveDefinition {
                expect: Expect::Any,
                ..
            }]
        ),
        "{fx:?}"
    );
    let fx = s.apply(
        Update::DefinitionSaved {
            file: file.clone(),
            text: saved,
            result: Ok(()),
        },
        now(),
    );
    assert!(
        matches!(fx.as_slice(), [Effect::ServicesRefresh { .. }]),
        "a save re-plans"
    );
    assert!(render(&mut s, 80, 24).contains("saved"));
    // Saved: esc closes without asking.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.input(), InputMode::Normal);
}

#[test]
fn editor_asks_before_discarding() {
    let dir = examples("discard");
    let mut s = on_services(&dir);
    let file = dir.join("loki01.toml");
    s.apply(
        Update::DefinitionText {
            file,
            result: Ok(("name = \"loki01\"\n".into(), true)),
        },
        now(),
    );
    typ(&mut s, "# note\n");
    key(&mut s, KeyCode::Esc);
    assert!(render(&mut s, 80, 24).contains("Discard the unsaved changes?"));
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(s.input(), InputMode::Service, "still editing");
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('y'));
    assert_eq!(s.input(), InputMode::Normal);
    assert!(s.service_overlay().is_none());
}

#[test]
fn e_on_an_instance_edits_its_definition_and_new_starts_one() {
    let dir = examples("instance");
    let mut s = on_services(&dir);
    key(&mut s, KeyCode::Char('2'));
    // grafana01 of local/default is described by grafana01.toml.
    let rows = atlas_tui::app::rows::view_rows(&s, s.pane, now());
    let i = rows
        .iter()
        .position(|r| r.key.to_string() == "local/default/grafana01")
        .unwrap();
    key(&mut s, KeyCode::Home);
    for _ in 0..i {
        key(&mut s, KeyCode::Down);
    }
    let fx = key(&mut s, KeyCode::Char('E'));
    assert_eq!(
        fx,
        vec![Effect::OpenDefinition {
            file: dir.join("grafana01.toml")
        }]
    );
    let fx = s.run_command("new web01", now());
    assert_eq!(
        fx,
        vec![Effect::OpenDefinition {
            file: dir.join("web01.toml")
        }]
    );
    s.run_command("new 1bad", now());
    assert!(
        s.messages
            .current
            .clone()
            .unwrap()
            .text
            .contains("not a valid")
    );
}

#[test]
fn configured_commands_run_as_jobs_with_the_selection() {
    let dir = examples("commands");
    let mut s = on_services(&dir);
    s.services.commands = vec![
        toml::from_str(
            "name = \"tofu plan\"\ncommand = [\"tofu\", \"-chdir=terraform\", \"plan\"]\nworkdir = \"ops\"",
        )
        .unwrap(),
        toml::from_str(
            "name = \"backup\"\ncommand = \"make backup-snapshot SVC=$ATLAS_SERVICE\"\nscope = \"service\"\nconfirm = true",
        )
        .unwrap(),
    ];
    s.services.config_dir = PathBuf::from("/etc/atlas");
    // `!` opens the palette on `run `.
    key(&mut s, KeyCode::Char('!'));
    assert_eq!(s.input(), InputMode::Palette);
    let out = render(&mut s, 100, 20);
    assert!(
        out.contains("run tofu plan") && out.contains("run backup"),
        "{out}"
    );
    key(&mut s, KeyCode::Esc);

    let fx = s.run_command("run tofu plan", now());
    let [Effect::StartJob { spec, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let JobSpec::Command { command, target } = spec else {
        panic!()
    };
    assert_eq!(command.argv, ["tofu", "-chdir=terraform", "plan"]);
    assert_eq!(
        command.workdir.as_deref(),
        Some(Path::new("/etc/atlas/ops"))
    );
    assert!(target.remote.is_empty());

    // A service-scoped command with confirm asks first, and knows the service.
    select(&mut s, "loki01");
    let fx = s.run_command("run backup", now());
    assert!(fx.is_empty());
    assert_eq!(s.input(), InputMode::Confirm);
    let fx = key(&mut s, KeyCode::Char('y'));
    let [Effect::StartJob { spec, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let JobSpec::Command { command, .. } = spec else {
        panic!()
    };
    let env: std::collections::HashMap<_, _> = command.env.iter().cloned().collect();
    assert_eq!(env["ATLAS_SERVICE"], "loki01");
    assert_eq!(env["ATLAS_INSTANCE"], "loki01");
    assert_eq!(env["ATLAS_REMOTE"], "local");
    assert!(env["ATLAS_SERVICE_FILE"].ends_with("loki01.toml"));

    // Scope is checked.
    key(&mut s, KeyCode::Char('5'));
    assert!(s.run_command("run backup", now()).is_empty());
    assert!(
        s.messages
            .current
            .clone()
            .unwrap()
            .text
            .contains("backup: nothing selected")
    );
    assert!(s.run_command("run nothing", now()).is_empty());
    assert!(
        s.messages
            .current
            .clone()
            .unwrap()
            .text
            .contains("no command")
    );
}

/// With an Alertmanager that takes silences, the apply's confirmation offers a maintenance
/// silence of the instances it changes; on, the job waits for the silence.
#[test]
fn apply_under_a_maintenance_silence_of_the_instances_it_changes() {
    use atlas_tui::alerts::worker::SourceCmd;
    let dir = examples("plan");
    let mut s = on_services(&dir);
    s.alerting
        .sources
        .push(atlas_tui::app::alerts::AlertSourceView::new(
            "control",
            atlas_tui::alerts::model::SourceKind::Alertmanager,
            "http://127.0.0.1:1",
            false,
        ));
    select(&mut s, "prometheus01");
    let seq = match key(&mut s, KeyCode::Char('a')).as_slice() {
        [Effect::ServicesRefresh { seq }] => *seq,
        e => panic!("{e:?}"),
    };
    s.apply(
        Update::Services {
            seq,
            survey: Box::new(survey_of(&dir)),
        },
        now(),
    );
    key(&mut s, KeyCode::Char('a'));
    let out = render(&mut s, 110, 24);
    assert!(
        out.contains("[ ] silence the alerts of the instances it changes during the action"),
        "{out}"
    );
    key(&mut s, KeyCode::Tab);
    assert!(render(&mut s, 110, 24).contains("[x] silence the alerts of the instances it changes"));
    let fx = key(&mut s, KeyCode::Char('y'));
    let req = match fx.as_slice() {
        [
            Effect::Alert {
                source,
                cmd: SourceCmd::PutSilence(r),
            },
        ] if source == "control" => r,
        e => panic!("the silence first: {e:?}"),
    };
    assert_eq!(req.matchers[0].name, "instance");
    assert!(req.matchers[0].value.starts_with("prometheus01"), "{req:?}");
    assert!(req.comment.ends_with("local:prometheus01"), "{req:?}");
    let fx = s.apply(
        Update::SilenceWrite {
            source: "control".into(),
            what: "create silence".into(),
            cmd: SourceCmd::PutSilence(req.clone()),
            result: Ok("cccc-3".into()),
        },
        now(),
    );
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::StartJob {
                spec: JobSpec::Apply { .. },
                ..
            }
        )),
        "{fx:?}"
    );
}
