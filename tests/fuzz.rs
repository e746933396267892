//! The fuzz harness: every parser of user files (config, keymap, theme, service definition,
//! template, cloud-init) and every decoder of server answers (Incus, Alertmanager, Prometheus)
//! is given generated input and must never panic; every error a user file gets names a line that
//! exists. `ATLAS_FUZZ_CASES` sets the count per parser (the suite runs a small one;
//! `scripts/fuzz` runs 10^6 in release). Each target prints its count.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use atlas_tui::config::{AppConfig, Keymap, Theme};
use atlas_tui::incus::client::parse_list;
use atlas_tui::incus::types::*;
use atlas_tui::services::{Definition, cloudinit, template};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("ATLAS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// Runs `check` on `cases()` inputs from `strategy`, and prints how many ran.
fn fuzz<S: Strategy>(name: &str, strategy: S, check: impl Fn(S::Value)) {
    let n = cases();
    let ran = AtomicU64::new(0);
    let mut runner = TestRunner::new(Config {
        cases: n,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    });
    runner
        .run(&strategy, |v| {
            ran.fetch_add(1, Ordering::Relaxed);
            check(v);
            Ok(())
        })
        .unwrap();
    println!(
        "fuzz {name}: {} inputs, 0 panics",
        ran.load(Ordering::Relaxed)
    );
}

/// Text built from the pieces TOML files are made of, so parsers get past the first line.
fn toml_like(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(pieces).prop_map(str::to_string),
        2 => "[a-z_.\"=\\[\\]{} ,#0-9\n-]{0,24}",
        1 => any::<String>(),
    ];
    proptest::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

/// Lines as an editor shows them (an error at the end of input is on the line after the last
/// newline).
fn lines_of(text: &str) -> usize {
    text.matches('\n').count() + 1
}

const CONFIG_PIECES: &[&str] = &[
    "theme = \"light\"\n",
    "[refresh]\n",
    "usage_secs = 3\n",
    "reconcile_secs = 0\n",
    "usage_secs = \"fast\"\n",
    "[incus]\n",
    "remotes = [\"local\"]\n",
    "production = [\"prod\"]\n",
    "[[alertmanagers]]\n",
    "name = \"control\"\nurl = \"http://127.0.0.1:9093\"\n",
    "[[prometheus]]\n",
    "url = \"https://x\"\ntls_ca = \"/nonexistent\"\n",
    "[alerts]\nstrip = \"(\"\n",
    "[ui]\nstart_pane = \"nowhere\"\n",
    "[[remotes]]\nname = \"x\"\nurl = \"https://127.0.0.1:1\"\n",
    "[actions]\nsafety_expiry = \"7x\"\n",
    "[[commands]]\nname = \"c\"\nargv = []\n",
];

const KEYMAP_PIECES: &[&str] = &[
    "[normal]\n",
    "[detail]\n",
    "quit = \"q\"\n",
    "quit = [\"ctrl-c\", \"Q\"]\n",
    "down = \"j\"\n",
    "filter = \"ctrl-alt-shift-f12\"\n",
    "nosuch = \"x\"\n",
    "top = \"g g\"\n",
    "help = \"\"\n",
    "start = \"alt-\"\n",
];

const THEME_PIECES: &[&str] = &[
    "inherits = \"dark\"\n",
    "inherits = \"fuzz\"\n",
    "[palette]\n",
    "red = \"#ff0000\"\n",
    "bad = \"#12\"\n",
    "[styles]\n",
    "\"status.running\" = { fg = \"red\", modifiers = [\"bold\"] }\n",
    "\"x\" = { fg = \"nosuch\" }\n",
    "\"y\" = { bg = \"#0a0b0c\", modifiers = [\"blink\", \"nope\"] }\n",
];

const SERVICE_PIECES: &[&str] = &[
    "name = \"grafana01\"\n",
    "image = \"busybox\"\n",
    "type = \"vm\"\n",
    "[limits]\n",
    "memory = \"512MiB\"\ncpu = 2\n",
    "[[volumes]]\n",
    "name = \"d\"\nsize = \"2GiB\"\npath = \"/srv\"\n",
    "[devices.http]\ntype = \"proxy\"\n",
    "[cloud_init]\ntemplate = \"t.tftpl\"\n",
    "[cloud_init.vars]\npw = { env = \"X\" }\n",
    "snapshots = { schedule = \"@daily\" }\n",
    "ensure = \"removed\"\n",
];

#[test]
fn user_files_never_panic_and_errors_point_at_lines() {
    fuzz("config", toml_like(CONFIG_PIECES), |text| {
        let (_, diags) = AppConfig::from_user_text(Path::new("config.toml"), &text);
        for d in diags {
            if let Some(l) = d.line {
                assert!(l >= 1 && l <= lines_of(&text), "line {l} of {text:?}");
            }
        }
    });
    fuzz("keymap", toml_like(KEYMAP_PIECES), |text| {
        let (_, diags) = Keymap::from_user_text(Path::new("keymap.toml"), &text);
        for d in diags {
            if let Some(l) = d.line {
                assert!(l >= 1 && l <= lines_of(&text), "line {l} of {text:?}");
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("themes");
    std::fs::create_dir_all(&themes).unwrap();
    fuzz("theme", toml_like(THEME_PIECES), |text| {
        std::fs::write(themes.join("fuzz.toml"), &text).unwrap();
        let (t, _) = Theme::load(dir.path(), "fuzz");
        let _ = t.style("status.running");
    });
    fuzz("service definition", toml_like(SERVICE_PIECES), |text| {
        if let Err(d) = Definition::parse(Path::new("svc.toml"), &text)
            && let Some(l) = d.line
        {
            assert!(l >= 1 && l <= lines_of(&text), "line {l} of {text:?}");
        }
    });
    let template_piece = prop_oneof![
        3 => proptest::sample::select(&[
            "#cloud-config\n",
            "hostname: ${hostname}\n",
            "%{ if enabled ~}\n",
            "%{ endif ~}\n",
            "%{ for p in packages ~}\n  - ${p}\n%{ endfor ~}\n",
            "${jsonencode(packages)}",
            "${indent(2, yamlencode(packages))}",
            "${",
            "%{",
            "}",
        ][..]).prop_map(str::to_string),
        1 => "[a-z:${}%~ \n-]{0,16}",
        1 => any::<String>(),
    ];
    let mut vars = BTreeMap::new();
    vars.insert("hostname".to_string(), hcl::Value::from("grafana01"));
    vars.insert("enabled".to_string(), hcl::Value::Bool(true));
    vars.insert(
        "packages".to_string(),
        hcl::Value::Array(vec!["curl".into(), "jq".into()]),
    );
    fuzz(
        "template + cloud-init",
        proptest::collection::vec(template_piece, 0..12).prop_map(|v| v.concat()),
        |src| {
            if let Ok(text) = template::render_text(&src, &vars) {
                let _ = cloudinit::validate(&text, Some(&src));
            }
            let _ = cloudinit::validate(&src, None);
        },
    );
}

// ----- JSON decoders --------------------------------------------------------------------------

/// Any JSON value, a few levels deep, with the field names real answers use.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let key = prop_oneof![
        proptest::sample::select(
            &[
                "name",
                "status",
                "state",
                "config",
                "devices",
                "profiles",
                "snapshots",
                "network",
                "addresses",
                "labels",
                "annotations",
                "fingerprint",
                "startsAt",
                "matchers",
                "server_name",
                "roles",
                "used_by",
                "memory",
                "cpu",
                "usage",
                "created_at",
                "expires_at",
                "metadata",
                "type",
            ][..]
        )
        .prop_map(str::to_string),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-zA-Z0-9:.-]{0,12}".prop_map(Value::String),
        Just(Value::String("2026-11-23T01:00:00Z".into())),
        Just(Value::String("Running".into())),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn decoders_never_panic_on_any_json() {
    fuzz(
        "incus answers",
        proptest::collection::vec(json_value(), 0..4),
        |items| {
            let body = serde_json::json!({"type": "sync", "metadata": items}).to_string();
            let b = body.as_bytes();
            let _ = parse_list::<Instance>("/i", 200, b);
            let _ = parse_list::<ClusterMember>("/m", 200, b);
            let _ = parse_list::<StorageVolume>("/v", 200, b);
            let _ = parse_list::<StoragePool>("/p", 200, b);
            let _ = parse_list::<VolumeSnapshot>("/s", 200, b);
            for it in &items {
                let _ = atlas_tui::decode::value::<InstanceState>(it.clone());
                let _ = atlas_tui::decode::value::<Resources>(it.clone());
                let _ = atlas_tui::decode::value::<ClusterMemberState>(it.clone());
                let _ = atlas_tui::decode::value::<Event>(it.clone());
            }
        },
    );
    fuzz(
        "alert answers",
        proptest::collection::vec(json_value(), 0..4),
        |items| {
            let v = serde_json::Value::Array(items.clone());
            let _ = atlas_tui::decode::list::<atlas_tui::alerts::types::Alert>("/a", v.clone());
            let _ = atlas_tui::decode::list::<atlas_tui::alerts::types::Silence>("/s", v);
            let body = serde_json::json!({"status": "success", "data": {"alerts": items}});
            let _ = atlas_tui::alerts::prometheus::parse_alerts(
                body.to_string().as_bytes(),
                "http://p",
            );
        },
    );
    fuzz("raw bytes", any::<Vec<u8>>(), |bytes| {
        let _ = parse_list::<Instance>("/i", 200, &bytes);
        let _ = atlas_tui::alerts::prometheus::parse_alerts(&bytes, "http://p");
    });
}
