//! Property tests (proptest): the definition parser, the template evaluator, the cloud-init
//! checks and the inline editor never panic, whatever they are given; errors carry lines that
//! exist in the input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::collections::BTreeMap;
use std::path::Path;

use atlas_tui::app::layers::services::editor::EditorState;
use atlas_tui::services::{Definition, cloudinit, template};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;

/// Text made of the pieces definitions and templates are made of, so the parsers get deep.
fn toml_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("name = \"grafana01\"\n".to_string()),
        Just("image = \"busybox\"\n".to_string()),
        Just("type = \"vm\"\n".to_string()),
        Just("[limits]\n".to_string()),
        Just("memory = \"512MiB\"\n".to_string()),
        Just("[[volumes]]\n".to_string()),
        Just("size = \"2GiB\"\npath = \"/srv\"\n".to_string()),
        Just("[devices.http]\ntype = \"proxy\"\n".to_string()),
        Just("[cloud_init]\ntemplate = \"t.tftpl\"\n".to_string()),
        Just("[cloud_init.vars]\npw = { env = \"X\" }\n".to_string()),
        Just("snapshots = { schedule = \"@daily\" }\n".to_string()),
        Just("ensure = \"removed\"\n".to_string()),
        "[a-z_.\"=\\[\\]{} ,0-9\n-]{0,24}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn template_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("#cloud-config\n".to_string()),
        Just("hostname: ${hostname}\n".to_string()),
        Just("%{ if enabled ~}\n".to_string()),
        Just("%{ endif ~}\n".to_string()),
        Just("%{ for p in packages ~}\n  - ${p}\n%{ endfor ~}\n".to_string()),
        Just("${jsonencode(packages)}".to_string()),
        Just("${indent(2, yamlencode(packages))}".to_string()),
        Just("${upper(hostname)}${length(packages)}".to_string()),
        Just("${".to_string()),
        Just("%{".to_string()),
        Just("}".to_string()),
        Just("~".to_string()),
        "[a-z:${}%~ \n-]{0,16}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn vars() -> BTreeMap<String, hcl::Value> {
    let mut v = BTreeMap::new();
    v.insert("hostname".into(), hcl::Value::from("grafana01"));
    v.insert("enabled".into(), hcl::Value::Bool(true));
    v.insert(
        "packages".into(),
        hcl::Value::Array(vec!["grafana".into(), "sqlite3".into()]),
    );
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn definitions_parse_or_say_where(text in toml_like()) {
        if let Err(d) = Definition::parse(Path::new("svc.toml"), &text)
            && let Some(line) = d.line {
                prop_assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "{d}");
            }
    }

    #[test]
    fn templates_render_or_say_where(src in template_like()) {
        match template::render_text(&src, &vars()) {
            Ok(text) => {
                // Whatever renders can be checked.
                let _ = cloudinit::validate(&text, Some(&src));
            }
            Err((Some(line), _)) => {
                prop_assert!(line >= 1 && line <= src.lines().count().max(1) + 1);
            }
            Err((None, _)) => {}
        }
    }

    #[test]
    fn cloud_init_checks_any_text(text in any::<String>(), tpl in any::<String>()) {
        for f in cloudinit::validate(&text, Some(&tpl)) {
            if let Some(l) = f.line {
                prop_assert!(l >= 1);
            }
        }
    }

    #[test]
    fn the_editor_takes_any_keys(
        text in toml_like(),
        keys in proptest::collection::vec((0u8..16, any::<char>(), any::<bool>()), 0..60),
    ) {
        let mut e = EditorState::new(Path::new("svc.toml"), &text);
        let km = atlas_tui::config::Keymap::defaults();
        for (kind, c, ctrl) in keys {
            let code = match kind {
                0 => KeyCode::Enter,
                1 => KeyCode::Backspace,
                2 => KeyCode::Esc,
                3 => KeyCode::Up,
                4 => KeyCode::Down,
                5 => KeyCode::Left,
                6 => KeyCode::Right,
                7 => KeyCode::End,
                8 => KeyCode::Home,
                9 => KeyCode::Delete,
                10 => KeyCode::Tab,
                11 => KeyCode::F(3),
                _ => KeyCode::Char(c),
            };
            let m = if ctrl { KeyModifiers::CONTROL } else { KeyModifiers::NONE };
            let ev = KeyEvent::new(code, m);
            // Read through the shipped keymap's layer, as the console does.
            let key = atlas_tui::config::keymap::Key::from_event(&ev);
            let action = match km.lookup(e.key_mode(), &[key]) {
                atlas_tui::config::keymap::Lookup::Action(a) => Some(a),
                _ => None,
            };
            let _ = e.on_key(ev, action);
        }
        // What the editor holds is what it would save, and the check agrees with the parser.
        let t = e.text();
        prop_assert_eq!(e.error.is_none(), Definition::parse(Path::new("svc.toml"), &t).is_ok());
    }
}
