//! The code's shape, checked on every run (ARCHITECTURE.md): no function longer than 120 lines
//! outside tests, and no `Result<_, String>` in the domain and alert crates (typed errors there;
//! text only at the console).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::path::{Path, PathBuf};

const MAX_FN_LINES: usize = 120;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn sources(roots: &[&str]) -> Vec<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for r in roots {
        rust_files(&base.join(r), &mut out);
    }
    out.sort();
    out
}

/// The file's text before its test module.
fn non_test(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("\n#[cfg(test)]") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Functions (name, first line, length) longer than `max` lines: from the `fn` line to the
/// closing brace at its indentation.
fn long_functions(text: &str, max: usize) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let t = l.trim_start();
        let indent = &l[..l.len() - t.len()];
        let starts = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "async fn ",
            "pub async fn ",
            "pub(crate) async fn ",
            "pub(super) async fn ",
            "const fn ",
            "pub const fn ",
        ]
        .iter()
        .any(|p| t.starts_with(p));
        if !starts {
            i += 1;
            continue;
        }
        let name = t
            .split("fn ")
            .nth(1)
            .unwrap_or("")
            .split(['(', '<'])
            .next()
            .unwrap_or("")
            .to_string();
        // The line that opens its body (a declaration ending in `;` has none).
        let mut j = i;
        while j < lines.len()
            && !lines[j].trim_end().ends_with('{')
            && !lines[j].trim_end().ends_with(';')
        {
            j += 1;
        }
        if j >= lines.len() || lines[j].trim_end().ends_with(';') {
            i = j + 1;
            continue;
        }
        let close = format!("{indent}}}");
        let mut k = j + 1;
        while k < lines.len() && lines[k] != close {
            k += 1;
        }
        let n = k - i + 1;
        if n > max {
            out.push((name, i + 1, n));
        }
        i = j + 1;
    }
    out
}

#[test]
fn no_function_is_longer_than_120_lines() {
    let mut long = Vec::new();
    for p in sources(&["src", "crates"]) {
        if p.components()
            .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "target")
        {
            continue;
        }
        for (name, line, n) in long_functions(&non_test(&p), MAX_FN_LINES) {
            long.push(format!("{}:{line} {name}: {n} lines", p.display()));
        }
    }
    assert!(long.is_empty(), "split these:\n{}", long.join("\n"));
}

#[test]
fn the_checker_finds_a_long_function() {
    let body = "    let x = 1;\n".repeat(MAX_FN_LINES);
    let text = format!("fn short() {{\n}}\n\npub fn long() {{\n{body}}}\n");
    assert_eq!(
        long_functions(&text, MAX_FN_LINES),
        [("long".to_string(), 4, MAX_FN_LINES + 2)]
    );
}

#[test]
fn domain_and_alert_crates_have_typed_errors() {
    let mut found = Vec::new();
    for p in sources(&["crates/core/src", "crates/alerts/src"]) {
        for (i, l) in non_test(&p).lines().enumerate() {
            let l = l.split("//").next().unwrap_or("");
            if l.contains("Result<") && (l.contains(", String>") || l.contains(",String>")) {
                found.push(format!("{}:{}: {}", p.display(), i + 1, l.trim()));
            }
        }
    }
    assert!(found.is_empty(), "typed errors here:\n{}", found.join("\n"));
}

/// The `app` modules a layer may read: the state and the types it holds, the pane models —
/// never the router's behaviour (keys, actions, alerts, services, ...), which opens the
/// layers and applies what they ask.
const LAYER_MAY_USE: &[&str] = &[
    "state",
    "effect",
    "line",
    "cells",
    "panes",
    "alert_view",
    "job_view",
    "services_view",
    "trends",
    "layers",
];

/// Which `app` modules and which other layers a file names (`crate::app::x`, `super::x`).
fn app_names(text: &str, prefix: &str) -> Vec<String> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            text[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn layers_never_call_each_other_nor_the_router() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app/layers");
    let mut bad = Vec::new();
    for path in sources(&["src/app/layers"]) {
        let rel = path.strip_prefix(&base).unwrap();
        // The layer a file belongs to: its file name, or its folder's.
        let own = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if own == "mod" {
            continue;
        }
        let text = non_test(&path);
        for m in app_names(&text, "crate::app::") {
            if !LAYER_MAY_USE.contains(&m.as_str()) {
                bad.push(format!("{}: uses app::{m}", rel.display()));
            }
        }
        for l in app_names(&text, "crate::app::layers::") {
            if l != own && l != "kit" {
                bad.push(format!("{}: uses the layer {l}", rel.display()));
            }
        }
        // A layer's own folder may name its files with `super::`; a layer file may name
        // `super::kit` only.
        if rel.components().count() == 1 {
            for l in app_names(&text, "super::") {
                if l != "kit" {
                    bad.push(format!("{}: uses super::{l}", rel.display()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "layers reaching past their folder: {bad:#?}"
    );
}
