//! `atlas-tui timeline`: the incident timeline of a window for a postmortem, as text, JSON
//! lines or a Markdown table. It reads the journal and the events file of the state dir, and
//! asks every configured Prometheus for `ALERTS` over the window (alert transitions no console
//! saw).

use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::headless_actions::{EXIT_FAILED, EXIT_REFUSED};
use crate::timeline::{self, Event};

/// How the timeline is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// Points per `ALERTS` query at most (the step grows with the window).
const ALERT_POINTS: i64 = 1000;

/// Prints the timeline of the last `since`.
pub async fn timeline(settings: &Settings, since: &str, format: Format) -> i32 {
    let d = match crate::alerts::types::parse_duration(since) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("atlas-tui: --since: {e}");
            return EXIT_REFUSED;
        }
    };
    let now = Utc::now();
    let from = now - d;
    let dir = &settings.paths.state_dir;
    let (mut events, bad) = match timeline::read(dir, from) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("atlas-tui: {}: {e}", dir.display());
            return EXIT_FAILED;
        }
    };
    if bad > 0 {
        eprintln!(
            "atlas-tui: {bad} damaged line(s) skipped in {}",
            dir.display()
        );
    }
    let from_prometheus = alerts_history(settings, from, now, &events).await;
    events.extend(from_prometheus);
    timeline::sort(&mut events);
    match format {
        Format::Json => {
            for e in &events {
                match serde_json::to_string(e) {
                    Ok(s) => println!("{s}"),
                    Err(err) => eprintln!("atlas-tui: {err}"),
                }
            }
        }
        Format::Markdown => print!("{}", timeline::markdown(&events, from, now)),
        Format::Text => {
            for e in &events {
                println!("{}", timeline::text_line(e));
            }
            if events.is_empty() {
                eprintln!("nothing in the timeline of the last {since}");
            }
        }
    }
    0
}

/// Alert transitions from every Prometheus's `ALERTS` over the window; a Prometheus that does
/// not answer is said on stderr and left out.
async fn alerts_history(
    settings: &Settings,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    known: &[Event],
) -> Vec<Event> {
    let span = (now - from).num_seconds().max(60);
    let step = (span / ALERT_POINTS).max(15);
    let mut out = Vec::new();
    for (kind, src) in settings.config.alert_sources() {
        if kind != crate::alerts::model::SourceKind::Prometheus {
            continue;
        }
        let client = match src.spec().and_then(|s| {
            crate::alerts::prometheus::PrometheusClient::new(s).map_err(|e| e.to_string())
        }) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("atlas-tui: {}: {e}", src.name);
                continue;
            }
        };
        match client
            .query_range_points(
                "ALERTS{alertstate=\"firing\"}",
                from.timestamp(),
                now.timestamp(),
                step,
            )
            .await
        {
            Ok(series) => out.extend(timeline::from_alerts_series(
                &series,
                step,
                from.timestamp(),
                now.timestamp(),
                &src.name,
                known,
            )),
            Err(e) => eprintln!("atlas-tui: {}: ALERTS history: {e}", src.name),
        }
    }
    out
}
