//! The Alertmanager client against the sandbox's real Alertmanagers (127.0.0.1:9093 and :9094).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::time::Duration;

use atlas_tui::alerts::{AlertmanagerClient, Matcher, SilenceRequest, SourceError, SourceSpec};
use chrono::Utc;

fn spec(port: u16) -> SourceSpec {
    SourceSpec {
        name: format!("am{port}"),
        url: format!("http://127.0.0.1:{port}"),
        ..Default::default()
    }
}

async fn inject(port: u16, alertname: &str, instance: &str) {
    atlas_tui::incus::tls::install_crypto_provider();
    let body = serde_json::json!([{
        "labels": {"alertname": alertname, "instance": instance, "severity": "warning"},
        "annotations": {"summary": format!("{alertname} on {instance}")},
    }]);
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v2/alerts"))
        .json(&body)
        .send()
        .await
        .expect("the sandbox Alertmanager is running (scripts/sandbox up)");
    assert!(r.status().is_success());
}

#[tokio::test]
async fn alerts_silence_and_expire_for_real() {
    let name = format!("AtlasTest{}", std::process::id());
    inject(9093, &name, "grafana01.incus:3000").await;
    let am = AlertmanagerClient::new(spec(9093)).unwrap();
    let alerts = am.alerts().await.unwrap();
    let a = alerts
        .iter()
        .find(|a| a.name() == name)
        .expect("injected alert listed");
    assert_eq!(a.status.state, "active");
    assert_eq!(a.labels["instance"], "grafana01.incus:3000");
    assert!(!a.fingerprint.is_empty());

    let req = SilenceRequest {
        id: None,
        matchers: vec![
            Matcher::parse(&format!("alertname={name}")).unwrap(),
            Matcher::parse("instance=~\"graf.*\"").unwrap(),
        ],
        starts_at: Utc::now(),
        ends_at: Utc::now() + chrono::Duration::hours(1),
        created_by: "atlas-tui-test".into(),
        comment: "integration test".into(),
    };
    let id = am.put_silence(&req).await.unwrap();
    let s = am
        .silences()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap();
    assert_eq!(s.status.state, "active");
    assert_eq!(s.matchers, req.matchers);
    let mut silenced = false;
    for _ in 0..50 {
        let a = am
            .alerts()
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name() == name)
            .unwrap();
        if a.status.state == "suppressed" && a.status.silenced_by.contains(&id) {
            silenced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(silenced, "the alert shows as silenced by the new silence");

    am.expire_silence(&id).await.unwrap();
    let s = am
        .silences()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap();
    assert_eq!(s.status.state, "expired");
}

#[tokio::test]
async fn two_alertmanagers_answer_independently() {
    let name = format!("AtlasTwo{}", std::process::id());
    inject(9093, &name, "prometheus01").await;
    inject(9094, &name, "prometheus01").await;
    let a = AlertmanagerClient::new(spec(9093))
        .unwrap()
        .alerts()
        .await
        .unwrap();
    let b = AlertmanagerClient::new(spec(9094))
        .unwrap()
        .alerts()
        .await
        .unwrap();
    let fa = &a.iter().find(|x| x.name() == name).unwrap().fingerprint;
    let fb = &b.iter().find(|x| x.name() == name).unwrap().fingerprint;
    assert_eq!(
        fa, fb,
        "the same alert has the same fingerprint on both (the key for deduplication)"
    );
}

#[tokio::test]
async fn readonly_unreachable_and_malformed() {
    let ro = AlertmanagerClient::new(SourceSpec {
        readonly: true,
        ..spec(9093)
    })
    .unwrap();
    let req = SilenceRequest {
        id: None,
        matchers: vec![Matcher::parse("alertname=X").unwrap()],
        starts_at: Utc::now(),
        ends_at: Utc::now() + chrono::Duration::hours(1),
        created_by: "t".into(),
        comment: "t".into(),
    };
    assert_eq!(
        ro.put_silence(&req).await.unwrap_err(),
        SourceError::ReadOnly("am9093".into())
    );
    assert!(matches!(
        ro.expire_silence("x").await.unwrap_err(),
        SourceError::ReadOnly(_)
    ));

    let gone = AlertmanagerClient::new(spec(1)).unwrap();
    let e = gone.alerts().await.unwrap_err().to_string();
    assert!(e.starts_with("am1: cannot reach http://127.0.0.1:1"), "{e}");

    // A server that is not an Alertmanager.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        for _ in 0..2 {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot json!",
                )
                .await;
        }
    });
    let e = AlertmanagerClient::new(spec(port))
        .unwrap()
        .alerts()
        .await
        .unwrap_err();
    assert!(matches!(e, SourceError::Parse { .. }), "{e}");

    let e = AlertmanagerClient::new(SourceSpec {
        url: "ftp://x".into(),
        ..spec(9093)
    })
    .unwrap_err();
    assert!(e.to_string().contains("must start with http"), "{e}");
    let e = AlertmanagerClient::new(SourceSpec {
        url: "https://127.0.0.1:9093".into(),
        ..spec(9093)
    })
    .unwrap_err();
    assert!(e.to_string().contains("tls_ca"), "{e}");
}
