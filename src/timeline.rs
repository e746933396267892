//! The incident timeline: alerts firing and resolving, silences, the console's jobs, Incus
//! lifecycle events and Proxmox VE tasks on one time axis. The journal (`journal.jsonl`) holds
//! the console's own lines (jobs, silences, alert transitions); what the remotes reported while a
//! console ran goes to `events.jsonl` beside it (rotated once it passes 4 MiB). Prometheus's
//! `ALERTS` adds the alert transitions no console saw.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::jobs::journal::Entry;

/// What a timeline line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An alert fired or resolved.
    Alert,
    /// A silence was created, extended or expired.
    Silence,
    /// One of the console's jobs (or a shell) started or ended.
    Job,
    /// A remote's lifecycle event (Incus) or task (Proxmox VE).
    Event,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Alert => "alert",
            Kind::Silence => "silence",
            Kind::Job => "job",
            Kind::Event => "event",
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: Kind,
    /// `firing`, `resolved`, `created`, `expired`, `started`, `done`, `instance-started`, ...
    pub what: String,
    /// The object: a row key (`local/default/grafana01`), a job's target, silence matchers.
    pub object: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Where it came from: a remote, an alert source, the journal.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

impl Event {
    /// The timeline line of a journal entry.
    pub fn of_entry(e: &Entry) -> Event {
        let kind = match e.action.as_str() {
            "alert" => Kind::Alert,
            "silence" => Kind::Silence,
            _ => Kind::Job,
        };
        let what = match kind {
            Kind::Job => format!("{} {}", e.action, e.status),
            _ => e.status.clone(),
        };
        let mut detail = e.detail.lines().next().unwrap_or("").to_string();
        if kind == Kind::Job && !e.alerts.is_empty() {
            let alerts = format!("alerts then: {}", e.alerts.join(", "));
            detail = if detail.is_empty() {
                alerts
            } else {
                format!("{detail} · {alerts}")
            };
        }
        Event {
            at: e.ts,
            kind,
            what,
            object: e.target.clone(),
            detail,
            source: e.remote.clone(),
        }
    }
}

/// The events file of a state dir.
pub fn events_file(state_dir: &Path) -> PathBuf {
    state_dir.join("events.jsonl")
}

/// Size past which the events file is rotated (to `events.jsonl.1`, replacing the older one).
pub const ROTATE_AT: u64 = 4 * 1024 * 1024;

/// Appends events to the events file in one write, rotating it first when it is too big.
pub fn record(file: &Path, events: &[Event]) -> std::io::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    if std::fs::metadata(file).is_ok_and(|m| m.len() >= ROTATE_AT) {
        std::fs::rename(file, file.with_extension("jsonl.1"))?;
    }
    let mut buf = Vec::new();
    for e in events {
        serde_json::to_writer(&mut buf, e).map_err(std::io::Error::other)?;
        buf.push(b'\n');
    }
    crate::files::append_private(file)?.write_all(&buf)
}

/// The timeline a state dir holds from `since` on (journal and events, the rotated file too),
/// oldest first; the number of unreadable lines skipped.
pub fn read(state_dir: &Path, since: DateTime<Utc>) -> std::io::Result<(Vec<Event>, usize)> {
    let (entries, mut bad) =
        crate::jobs::journal::since(&crate::jobs::journal::journal_file(state_dir), since)?;
    let mut out: Vec<Event> = entries.iter().map(Event::of_entry).collect();
    let file = events_file(state_dir);
    for f in [file.with_extension("jsonl.1"), file] {
        let (events, b) = crate::jobs::journal::read_lines::<Event>(&f)?;
        bad += b;
        out.extend(events.into_iter().filter(|e| e.at >= since));
    }
    sort(&mut out);
    Ok((out, bad))
}

/// Oldest first; at the same time, the order they were given in.
pub fn sort(events: &mut [Event]) {
    events.sort_by_key(|e| e.at);
}

/// Alert transitions from Prometheus's `ALERTS` series (one point per `step_secs` while firing):
/// each run of points is one firing, resolved where it ends unless it runs up to `end`. A run
/// from the window's `start` was firing before it, and says so.
/// Transitions the journal already has (same alert and state within two steps) are left out.
pub fn from_alerts_series(
    series: &[crate::trend::Labeled],
    step_secs: i64,
    start: i64,
    end: i64,
    source: &str,
    known: &[Event],
) -> Vec<Event> {
    let mut out = Vec::new();
    for (labels, points) in series {
        let name = labels.get("alertname").cloned().unwrap_or_default();
        let object = ["instance", "node", "host", "volume", "name"]
            .iter()
            .find_map(|k| labels.get(*k))
            .cloned()
            .unwrap_or_default();
        let severity = labels.get("severity").cloned().unwrap_or_default();
        let detail = if severity.is_empty() {
            name.clone()
        } else {
            format!("{name} ({severity})")
        };
        let mut run_start: Option<i64> = None;
        let mut last = i64::MIN;
        let mut push = |at: i64, what: &str| {
            let before = what == "firing" && at <= start + step_secs;
            let Some(at) = DateTime::from_timestamp(at, 0) else {
                return;
            };
            let dup = known.iter().any(|k| {
                k.kind == Kind::Alert
                    && k.what == what
                    && k.detail.starts_with(&name)
                    && (k.at - at).num_seconds().abs() <= 2 * step_secs
            });
            if !dup {
                out.push(Event {
                    at,
                    kind: Kind::Alert,
                    what: what.into(),
                    object: object.clone(),
                    detail: if before {
                        format!("{detail} (already firing when the window starts)")
                    } else {
                        detail.clone()
                    },
                    source: source.into(),
                });
            }
        };
        for &(t, _) in points {
            if run_start.is_none() || t - last > step_secs {
                if run_start.is_some() {
                    push(last + step_secs, "resolved");
                }
                push(t, "firing");
                run_start = Some(t);
            }
            last = t;
        }
        if run_start.is_some() && last + step_secs < end {
            push(last + step_secs, "resolved");
        }
    }
    out
}

/// One event as a text line (`atlas-tui timeline`).
pub fn text_line(e: &Event) -> String {
    let mut s = format!(
        "{}  {:<7} {:<18} {}",
        e.at.with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S"),
        e.kind.label(),
        e.what,
        e.object
    );
    if !e.detail.is_empty() {
        s.push_str(&format!("  — {}", e.detail));
    }
    if !e.source.is_empty() {
        s.push_str(&format!("  [{}]", e.source));
    }
    s
}

/// The timeline as a Markdown table, for a postmortem.
pub fn markdown(events: &[Event], since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut s = format!(
        "## Timeline {} – {} (UTC)\n\n| time | kind | what | object | detail | source |\n| --- | --- | --- | --- | --- | --- |\n",
        since.format("%Y-%m-%d %H:%M"),
        now.format("%H:%M")
    );
    for e in events {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            e.at.format("%H:%M:%S"),
            e.kind.label(),
            cell(&e.what),
            cell(&e.object),
            cell(&e.detail),
            cell(&e.source)
        ));
    }
    if events.is_empty() {
        s.push_str("\n(nothing happened in this window)\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: i64, what: &str) -> Event {
        Event {
            at: DateTime::from_timestamp(at, 0).unwrap_or_default(),
            kind: Kind::Event,
            what: what.into(),
            object: "local/default/grafana01".into(),
            detail: String::new(),
            source: "local".into(),
        }
    }

    #[test]
    fn records_rotate_and_read_back_in_time_order() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = events_file(dir.path());
        record(
            &f,
            &[ev(200, "instance-started"), ev(100, "instance-stopped")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&f)
            .and_then(|mut h| h.write_all(b"{torn\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        let since = DateTime::from_timestamp(150, 0).unwrap_or_default();
        let (got, bad) = read(dir.path(), since).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((got.len(), bad), (1, 1));
        assert_eq!(got[0].what, "instance-started");
        // Past the size limit the file moves aside and is still read.
        std::fs::write(&f, vec![b'\n'; ROTATE_AT as usize]).unwrap_or_else(|e| panic!("{e}"));
        record(&f, &[ev(300, "instance-restarted")]).unwrap_or_else(|e| panic!("{e}"));
        assert!(f.with_extension("jsonl.1").exists());
        let (got, _) = read(dir.path(), since).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            got.iter().map(|e| e.what.as_str()).collect::<Vec<_>>(),
            ["instance-restarted"]
        );
    }

    #[test]
    fn alerts_series_become_firing_and_resolved_transitions() {
        let labels: std::collections::BTreeMap<String, String> = [
            ("alertname", "ServiceDown"),
            ("severity", "critical"),
            ("instance", "step-ca01.incus:9000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        // Firing 0–120, a gap, firing again from 300 up to the end (600).
        let points: Vec<(i64, f64)> = [0, 60, 120, 300, 360, 420, 480, 540, 600]
            .iter()
            .map(|t| (*t + 1_800_000_000, 1.0))
            .collect();
        let end = 1_800_000_600;
        let start = 1_800_000_000 - 600;
        let got = from_alerts_series(
            &[(labels.clone(), points.clone())],
            60,
            start,
            end,
            "prom",
            &[],
        );
        let whats: Vec<(i64, &str)> = got
            .iter()
            .map(|e| (e.at.timestamp() - 1_800_000_000, e.what.as_str()))
            .collect();
        assert_eq!(whats, [(0, "firing"), (180, "resolved"), (300, "firing")]);
        assert_eq!(got[0].object, "step-ca01.incus:9000");
        assert_eq!(got[0].detail, "ServiceDown (critical)");
        // What the journal holds already is not repeated.
        let known = vec![Event {
            kind: Kind::Alert,
            what: "firing".into(),
            detail: "ServiceDown (critical): step-ca01 is down".into(),
            ..ev(1_800_000_030, "")
        }];
        let got = from_alerts_series(
            &[(labels.clone(), points.clone())],
            60,
            start,
            end,
            "prom",
            &known,
        );
        assert_eq!(got.len(), 2);
        let md = markdown(&got, got[0].at, got[1].at);
        assert!(md.contains("| resolved | step-ca01.incus:9000 | ServiceDown (critical) | prom |"));
        // Firing from the start of the window: it was firing before.
        let got = from_alerts_series(&[(labels, points)], 60, 1_800_000_000, end, "prom", &[]);
        assert!(
            got[0]
                .detail
                .ends_with("(already firing when the window starts)")
        );
    }
}
