//! The client holds no idle connection to incusd's unix socket. incusd reads the first bytes of
//! each connection it accepts before it accepts the next one, so a connection that is open but
//! has sent nothing stalls every other client of the socket — the `incus` CLI, and LXC's start
//! hook, whose 30 s timeout then fails container starts ("Failed to run lxc.hook.pre-start").
//! A pooled client makes such connections when a request it opened a connection for is served
//! by a connection that became idle meanwhile. This binary runs one test, so the process's
//! sockets are the client's alone.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use atlas_tui::incus::client::IncusClient;
use common::*;

/// The sockets this process has open.
fn open_sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|l| l.to_string_lossy().starts_with("socket:"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_connection_to_the_unix_socket_is_kept_open_between_requests() {
    let client = IncusClient::new(&sandbox_remote("local")).unwrap();
    let before = open_sockets();
    // Bursts of concurrent calls, as the worker makes them (lists, details, usage at once).
    for _ in 0..5 {
        let calls = (0..16).map(|_| client.server());
        for r in futures_util::future::join_all(calls).await {
            r.unwrap();
        }
        client
            .instances(&atlas_tui::incus::Scope::Project("default".into()), 1, None)
            .await
            .unwrap();
    }
    // The client (and whatever pool it has) is still alive here. A finished connection is
    // closed by its background task just after the answer, so wait (briefly) for the count to
    // come back; a pool would keep its idle connections for 30 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while open_sockets() != before && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        open_sockets(),
        before,
        "the client keeps connections to incusd's unix socket open between requests"
    );
    // And the socket serves others at once.
    assert!(incus(&["query", "/1.0"]).contains("api_version"));
    drop(client);
}
