//! End to end in tmux: the activity pane shows what another client does on the server while
//! it runs (an `incus` CLI creating an instance, with its progress, then moving it to another
//! member), and a daemon warning is acknowledged from it — checked on the server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

mod common;

use common::*;

/// A warning's status put back as it was when the test ends.
struct Restore(String, String);

impl Drop for Restore {
    fn drop(&mut self) {
        let body = format!(r#"{{"status":"{}"}}"#, self.1);
        incus_quiet(&[
            "query",
            "-X",
            "PUT",
            &format!("/1.0/warnings/{}", self.0),
            "-d",
            &body,
        ]);
    }
}

#[test]
fn another_clients_operations_show_with_progress_and_a_warning_is_acknowledged() {
    let _x = exclusive();
    atlas01_online();
    incus_quiet(&["delete", "-f", "actx"]);
    // A warning of the sandbox's daemons, new for this test.
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&incus(&["query", "/1.0/warnings?recursion=1"])).unwrap();
    let w = list
        .iter()
        .find(|w| w["location"] == "atlas02" && w["status"] != "resolved")
        .or_else(|| list.iter().find(|w| w["status"] != "resolved"))
        .expect("the sandbox's daemons raise warnings (no AppArmor, no blkio)")
        .clone();
    let uuid = w["uuid"].as_str().unwrap().to_string();
    let _restore = Restore(uuid.clone(), w["status"].as_str().unwrap().to_lowercase());
    incus(&[
        "query",
        "-X",
        "PUT",
        &format!("/1.0/warnings/{uuid}"),
        "-d",
        r#"{"status":"new"}"#,
    ]);
    let kind = w["type"].as_str().unwrap().to_string();
    let location = w["location"].as_str().unwrap().to_string();

    let t = Tmux::start("activity", 200, 50, "--remote local", |_| {});
    t.keys(&["="]);
    t.wait_text(60, &kind);

    // Another client at work: the console follows its operations from the events.
    let worker = std::thread::spawn(|| {
        incus(&["init", "busybox", "actx", "--target", "atlas02"]);
        incus(&["move", "actx", "--target", "atlas03"]);
    });
    // Seen while it runs, with its progress.
    t.wait(60, "the creation running, with its progress", |s| {
        s.lines().any(|l| {
            l.contains("Creating instance actx")
                && l.contains("Running")
                && l.contains("Unpacking image")
        })
    });
    t.wait_text(60, "Migrating instance actx");
    worker.join().unwrap();

    // The warning: acknowledged from the pane, after a confirmation.
    t.keys(&["/"]);
    t.text(&format!(
        "'{} '{location}",
        kind.split_whitespace().last().unwrap()
    ));
    t.keys(&["Enter"]);
    let scr = t.wait(10, "the warning alone", |s| {
        s.lines().filter(|l| l.contains(&kind)).count() == 1
    });
    assert!(scr.contains("new low") || scr.contains("new "), "{scr}");
    t.keys(&["g", "g", "K"]);
    t.wait_text(10, "Acknowledge the warning");
    t.keys(&["y"]);
    t.wait_text(30, "acknowledged");
    let now: serde_json::Value =
        serde_json::from_str(&incus(&["query", &format!("/1.0/warnings/{uuid}")])).unwrap();
    assert_eq!(
        now["status"].as_str().map(str::to_lowercase).as_deref(),
        Some("acknowledged")
    );
    t.keys(&["q"]);
    t.expect_clean_exit(0);
    incus_quiet(&["delete", "-f", "actx"]);
}
