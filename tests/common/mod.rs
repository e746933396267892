//! Shared test helpers: fixtures captured from the real sandbox incusd, and a state built from them.
#![allow(dead_code)]

use atlas_tui::app::state::{AppState, RemoteView};
use atlas_tui::backend::{ConnState, Update};
use atlas_tui::config::Keymap;
use atlas_tui::incus::Scope;
use atlas_tui::incus::client::parse_envelope;
use atlas_tui::incus::types::*;
use atlas_tui::inventory::{HostRow, split_volume_listing};
use chrono::{DateTime, TimeZone, Utc};

pub fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let bytes = std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    parse_envelope(name, 200, &bytes).unwrap()
}

/// A fixed "now" shortly after the fixtures were captured.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()
}

/// State with two remotes: `local` loaded from the fixtures, `edge` offline.
pub fn loaded_state() -> AppState {
    let remotes = vec![RemoteView::new("local", "unix:/var/lib/incus/unix.socket", false), RemoteView::new("edge", "https://127.0.0.1:9443", true)];
    let mut s = AppState::new(remotes, Keymap::defaults(), Scope::All, "default".into());
    let t = now();
    s.apply(Update::Status { remote: "local".into(), state: ConnState::Online { version: "6.0.4".into(), clustered: true } }, t);
    let members: Vec<ClusterMember> = fixture("members.json");
    let mstate: ClusterMemberState = fixture("member_state.json");
    let res: Resources = fixture("resources.json");
    s.apply(
        Update::Hosts { remote: "local".into(), hosts: vec![HostRow::member("local", "6.0.4", &members[0], Some(&mstate), Some(&res))] },
        t,
    );
    s.apply(Update::Instances { remote: "local".into(), instances: fixture("instances_r2.json"), with_state: true }, t);
    let (volumes, snapshots) = split_volume_listing("local", "default", fixture("volumes.json"));
    s.apply(Update::Volumes { remote: "local".into(), volumes, snapshots }, t);
    s.apply(Update::Status { remote: "edge".into(), state: ConnState::Offline { error: "cannot reach https://127.0.0.1:9443: connection refused".into() } }, t);
    s.message = None;
    s
}

// ----- the real sandbox incusd --------------------------------------------------------------

use std::path::PathBuf;
use std::time::Duration;

use atlas_tui::incus::{CliConfig, RemoteSpec};

/// The sandbox's incus CLI configuration directory (see scripts/sandbox).
pub fn sandbox_conf() -> PathBuf {
    let dir = std::env::var("ATLAS_SANDBOX_DIR").unwrap_or_else(|_| "/var/tmp/atlas-sandbox".into());
    let conf = PathBuf::from(dir).join("incus-conf");
    assert!(
        conf.join("config.yml").exists(),
        "the sandbox is not set up ({} missing): run scripts/sandbox up",
        conf.display()
    );
    conf
}

/// The sandbox remote of this name (`local` = unix socket, `atlas-https` = mTLS).
pub fn sandbox_remote(name: &str) -> RemoteSpec {
    let cli = CliConfig::load_from(&sandbox_conf()).unwrap();
    cli.remotes.into_iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no remote {name} in the sandbox"))
}

/// Runs the incus CLI against the sandbox; panics with its output on failure.
pub fn incus(args: &[&str]) -> String {
    let out = std::process::Command::new("incus")
        .args(args)
        .env("INCUS_CONF", sandbox_conf())
        .output()
        .expect("incus CLI");
    assert!(out.status.success(), "incus {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The incus CLI from async tests, without blocking the runtime the workers run on.
pub async fn incus_async(args: &[&str]) -> String {
    let out = tokio::process::Command::new("incus")
        .args(args)
        .env("INCUS_CONF", sandbox_conf())
        .output()
        .await
        .expect("incus CLI");
    assert!(out.status.success(), "incus {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Like [`incus`] but ignores failure (for cleanup).
pub fn incus_quiet(args: &[&str]) {
    let _ = std::process::Command::new("incus").args(args).env("INCUS_CONF", sandbox_conf()).output();
}

/// Waits for an update matching `pred`, up to `secs`.
pub async fn wait_for(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Update>,
    secs: u64,
    what: &str,
    mut pred: impl FnMut(&Update) -> bool,
) -> Update {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(u)) if pred(&u) => return u,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("worker channel closed while waiting for {what}"),
            Err(_) => panic!("timed out after {secs}s waiting for {what}"),
        }
    }
}
