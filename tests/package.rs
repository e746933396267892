//! The Debian package, as a host without Rust gets it: `scripts/package-deb` builds it (from the
//! binary this suite built), `dpkg-deb -x` unpacks it into a temporary root (no root needed),
//! and the unpacked binary, man page and completions are used as installed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Builds the package into `dir` and unpacks it into `dir/root`: (the .deb, the root).
fn build_and_unpack(dir: &Path) -> (PathBuf, PathBuf) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/package-deb");
    let (ok, stdout, stderr) = run(Command::new(script)
        .args([
            "--bin",
            env!("CARGO_BIN_EXE_atlas-tui"),
            "--compress",
            "gzip",
            "--out",
        ])
        .arg(dir));
    assert!(ok, "package-deb failed:\n{stdout}\n{stderr}");
    let deb = PathBuf::from(stdout.trim());
    assert!(deb.exists(), "{}", deb.display());
    let root = dir.join("root");
    let (ok, _, err) = run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    assert!(ok, "dpkg-deb -x: {err}");
    (deb, root)
}

#[test]
fn the_debian_package_installs_a_working_tool_with_its_manual_and_completions() {
    let dir = tempfile::tempdir().unwrap();
    let (deb, root) = build_and_unpack(dir.path());
    let bin = root.join("usr/bin/atlas-tui");

    // The package's version is the binary's; it says which commit and day it was built.
    let (ok, version, _) = run(Command::new(&bin).arg("--version"));
    assert!(ok);
    let v = version.split_whitespace().nth(1).unwrap().to_string();
    assert!(
        version.contains(" (") && version.trim().ends_with(')'),
        "{version}"
    );
    let (ok, control, _) = run(Command::new("dpkg-deb").arg("-f").arg(&deb));
    assert!(ok);
    for want in [
        "Package: atlas-tui".to_string(),
        format!("Version: {v}-1"),
        "Depends: libc6".into(),
    ] {
        assert!(control.contains(&want), "{want} in\n{control}");
    }

    // `info` of the unpacked binary, with the packaged example config as the user's config:
    // every path, the remotes, and no configuration problem in the example.
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let examples = root.join("usr/share/doc/atlas-tui/examples");
    std::fs::copy(examples.join("config.toml"), home.join("config.toml")).unwrap();
    std::fs::copy(examples.join("keymap.toml"), home.join("keymap.toml")).unwrap();
    let (_, info, err) = run(Command::new(&bin)
        .arg("info")
        .env("ATLAS_TUI_CONFIG_DIR", &home)
        .env("ATLAS_TUI_STATE_DIR", dir.path().join("state"))
        .env("INCUS_CONF", dir.path().join("no-incus")));
    for want in [
        "Files read:",
        "Remotes:",
        "Alert sources:",
        "No configuration problems.",
    ] {
        assert!(info.contains(want), "{want}:\n{info}\n{err}");
    }

    // The manual renders without a warning and says what --help says.
    let page = root.join("usr/share/man/man1/atlas-tui.1.gz");
    let (ok, man, warnings) = run(Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100"));
    assert!(ok, "man -l: {warnings}");
    // Bold and underline are overstruck when not on a terminal (`col -b` undoes it).
    let mut plain = String::new();
    for c in man.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    let man = plain;
    assert!(warnings.trim().is_empty(), "man -l warns: {warnings}");
    for want in [
        "NAME",
        "SYNOPSIS",
        "COMMANDS",
        "atlas-tui snapshot",
        "ATLAS_TUI_CONFIG_DIR",
        "Proxmox VE",
    ] {
        assert!(man.contains(want), "{want} in the man page:\n{man}");
    }

    // Completions where each shell looks for them; bash's loads and completes the commands.
    let bash = root.join("usr/share/bash-completion/completions/atlas-tui");
    for f in [
        bash.clone(),
        root.join("usr/share/zsh/vendor-completions/_atlas-tui"),
        root.join("usr/share/fish/vendor_completions.d/atlas-tui.fish"),
    ] {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.contains("snapshot"), "{}", f.display());
    }
    let (ok, out, err) = run(Command::new("bash").arg("-c").arg(format!(
        "source {} && complete -p atlas-tui",
        bash.display()
    )));
    assert!(ok && out.contains("atlas-tui"), "{out}{err}");
    // The same scripts as `atlas-tui completions SHELL` prints.
    let (_, printed, _) = run(Command::new(&bin).args(["completions", "bash"]));
    assert_eq!(printed, std::fs::read_to_string(&bash).unwrap());

    // The README and the licence come with it.
    let doc = root.join("usr/share/doc/atlas-tui");
    assert!(doc.join("README.md").exists());
    let copyright = std::fs::read_to_string(doc.join("copyright")).unwrap();
    assert!(copyright.contains("Apache License"), "{copyright}");
    assert!(doc.join("examples/themes/dark.toml").exists());
}
