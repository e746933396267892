//! The references in docs/reference are what the code generates (`atlas-tui docs`): keys from
//! the keymap and the action registry, the configuration from config/default.toml, the
//! commands from the command line's definition.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

#[test]
fn checked_in_references_are_the_generated_ones() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-tui"))
        .args(["docs", "--check"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_stale_reference_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_atlas-tui");
    let run = |check: bool| {
        let mut c = std::process::Command::new(bin);
        c.arg("docs");
        if check {
            c.arg("--check");
        }
        c.arg(dir.path()).output().unwrap()
    };
    assert!(run(false).status.success());
    assert!(run(true).status.success());
    std::fs::write(dir.path().join("keys.md"), "edited by hand\n").unwrap();
    let out = run(true);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("keys.md differs"));
}
