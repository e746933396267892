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
