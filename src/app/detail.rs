//! The text of the detail view: a YAML-like rendering of the selected object, built from state.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::cells::RowKey;
use super::rows::Pane;
use super::state::{AppState, DetailState, DetailTab, LogState};
use crate::inventory::{ObjectKey, SnapshotKind, SnapshotRow, human_bytes, human_duration};

/// The entries of an ordinary map, as [`push_map`] takes them.
fn pairs(m: &BTreeMap<String, String>) -> impl Iterator<Item = (&str, &str)> {
    m.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

fn push_map<'a>(
    out: &mut Vec<String>,
    title: &str,
    map: impl IntoIterator<Item = (&'a str, &'a str)>,
    indent: usize,
) {
    let pad = " ".repeat(indent);
    let map: Vec<(&str, &str)> = map.into_iter().collect();
    if map.is_empty() {
        out.push(format!("{pad}{title}: {{}}"));
        return;
    }
    out.push(format!("{pad}{title}:"));
    for (k, v) in map {
        if v.contains('\n') {
            out.push(format!("{pad}  {k}: |"));
            for l in v.lines() {
                out.push(format!("{pad}    {l}"));
            }
        } else {
            out.push(format!("{pad}  {k}: {}", quote(v)));
        }
    }
}

fn push_devices<'a>(
    out: &mut Vec<String>,
    title: &str,
    devs: impl IntoIterator<Item = (&'a str, &'a crate::inventory::Config)>,
) {
    let devs: Vec<_> = devs.into_iter().collect();
    if devs.is_empty() {
        out.push(format!("{title}: {{}}"));
        return;
    }
    out.push(format!("{title}:"));
    for (name, d) in devs {
        push_map(out, name, d.iter(), 2);
    }
}

fn quote(v: &str) -> String {
    if v.is_empty()
        || v.starts_with(['{', '[', '*', '&', '!', '#', '@', '%', '"'])
        || v.contains(": ")
    {
        format!("{v:?}")
    } else {
        v.to_string()
    }
}

fn when(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t {
        Some(t) => {
            let d = (now - t).num_seconds();
            let rel = if d >= 0 {
                format!("{} ago", human_duration(d))
            } else {
                format!("in {}", crate::inventory::precise_duration(-d))
            };
            format!("{} ({rel})", t.format("%Y-%m-%d %H:%M:%S UTC"))
        }
        None => "never".into(),
    }
}

/// The title and lines of the detail view.
pub fn detail_text(state: &AppState, d: &DetailState, now: DateTime<Utc>) -> (String, Vec<String>) {
    if d.tab == DetailTab::Log {
        let title = format!("console log: {}", d.key);
        let lines = match state.consoles.logs.get(&d.key.to_string()) {
            None | Some(LogState::Loading) => vec!["loading console log…".to_string()],
            Some(LogState::Failed(e)) => vec![format!("error: {e}")],
            Some(LogState::Loaded(t)) if t.trim().is_empty() => {
                vec!["(the console log is empty)".to_string()]
            }
            Some(LogState::Loaded(t)) => t.lines().map(|l| l.replace('\r', "")).collect(),
        };
        return (title, lines);
    }
    let mut out = Vec::new();
    let key = d.key.to_string();
    let found = match d.pane {
        Pane::Instances => instance_detail(state, &key, now, &mut out),
        Pane::Hosts => host_detail(state, &key, now, &mut out),
        Pane::Volumes => volume_detail(state, &key, now, &mut out),
        Pane::Snapshots => snapshot_detail(state, &key, now, &mut out),
        Pane::Alerts => alert_detail(state, &d.key, now, &mut out),
        Pane::Silences => silence_detail(state, &d.key, now, &mut out),
        Pane::Jobs => job_detail(state, &d.key, now, &mut out),
        Pane::Journal => journal_detail(state, &d.key, &mut out),
        Pane::Services => super::panes::services::service_detail(state, &d.key, &mut out),
        Pane::Backups => backup_detail(state, &d.key, now, &mut out),
        Pane::Timeline => super::panes::timeline::timeline_detail(state, &d.key, &mut out),
    };
    if found && matches!(d.pane, Pane::Instances | Pane::Hosts | Pane::Volumes) {
        object_alerts(state, &key, now, &mut out);
    }
    if !found {
        out = vec![format!(
            "{} is gone (deleted, or its remote no longer lists it)",
            d.key
        )];
    }
    (
        format!(
            "{}: {}",
            d.pane.title().trim_end_matches('s').to_ascii_lowercase(),
            d.key
        ),
        out,
    )
}

fn instance_detail(state: &AppState, key: &str, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let Some(row) = state
        .remotes
        .iter()
        .flat_map(|r| r.instances.iter())
        .find(|i| i.key() == key)
    else {
        return false;
    };
    let i = &row.inst;
    out.push(format!("name: {}", i.name));
    out.push(format!("remote: {}", row.remote));
    // What a provider does not give (a PVE guest's project, architecture, creation) is left out.
    if !i.project.is_empty() {
        out.push(format!("project: {}", i.project));
    }
    let offline = state
        .remotes
        .iter()
        .find(|r| r.name == row.remote)
        .and_then(|r| {
            r.hosts.iter().find(|h| {
                h.clustered && h.name == i.location && h.status.eq_ignore_ascii_case("offline")
            })
        });
    match offline {
        // Incus answers for it from its database only: the last state it knew.
        Some(h) => out.push(format!(
            "status: unknown — member {} is offline{} (last known: {})",
            h.name,
            if h.message.is_empty() {
                String::new()
            } else {
                format!(": {}", h.message)
            },
            row.status()
        )),
        None => out.push(format!("status: {}", row.status())),
    }
    out.push(format!("type: {}", i.kind));
    if !i.architecture.is_empty() {
        out.push(format!("architecture: {}", i.architecture));
    }
    out.push(format!(
        "location: {}",
        if i.location.is_empty() {
            "none"
        } else {
            &i.location
        }
    ));
    if i.created_at.is_some() {
        out.push(format!("created: {}", when(i.created_at, now)));
    }
    out.push(format!("ephemeral: {}", i.ephemeral));
    if !i.description.is_empty() {
        out.push(format!("description: {}", quote(&i.description)));
    }
    out.push(format!("profiles: [{}]", i.profiles.join(", ")));
    push_state(row, now, out);
    if let Some(r) = state.remotes.iter().find(|r| r.name == row.remote) {
        state.push_usage(key, r.samples.ring(key), now, out);
    }
    type Pairs<'a> = Vec<(&'a str, &'a str)>;
    let (volatile, config): (Pairs, Pairs) = i
        .config
        .iter()
        .partition(|(k, _)| k.starts_with("volatile."));
    push_map(out, "config", config, 0);
    push_devices(out, "devices", i.devices.iter());
    push_map(
        out,
        "expanded_config (from profiles)",
        i.expanded_config
            .iter()
            .filter(|(k, _)| !i.config.contains_key(k) && !k.starts_with("volatile.")),
        0,
    );
    push_devices(
        out,
        "expanded_devices (from profiles)",
        i.expanded_devices
            .iter()
            .filter(|(k, _)| !i.devices.contains_key(k)),
    );
    push_map(out, "volatile (set by Incus)", volatile, 0);
    push_snapshots(row, now, out);
    true
}

/// An instance's state, where it was read: started, processes, CPU, memory, disk, addresses.
fn push_state(row: &crate::inventory::InstanceRow, now: DateTime<Utc>, out: &mut Vec<String>) {
    let i = &row.inst;
    if let Some(st) = &i.state {
        out.push("state:".into());
        if let Some(t) = st.started_at.filter(|t| t.timestamp() > 0) {
            out.push(format!("  started: {}", when(Some(t), now)));
        }
        out.push(format!("  processes: {}", st.processes));
        if let Some(c) = row.cpu_pct {
            out.push(format!("  cpu: {c:.1}%"));
        }
        if let Some(m) = &st.memory {
            out.push(if m.usage_peak > 0 {
                format!(
                    "  memory: {} (peak {})",
                    human_bytes(m.usage),
                    human_bytes(m.usage_peak)
                )
            } else {
                format!("  memory: {}", human_bytes(m.usage))
            });
        }
        if let Some(d) = st.disk_usage() {
            out.push(format!("  disk: {}", human_bytes(d)));
        }
        let ips = st.ipv4();
        out.push(format!("  ipv4: [{}]", ips.join(", ")));
    }
}

/// An instance's snapshots, or that they are still loading.
fn push_snapshots(row: &crate::inventory::InstanceRow, now: DateTime<Utc>, out: &mut Vec<String>) {
    let i = &row.inst;
    match &i.snapshots {
        Some(s) if !s.is_empty() => {
            out.push("snapshots:".into());
            for s in s {
                let row = SnapshotRow::of_instance(&row.remote, i, s);
                out.push(format!(
                    "  - {} (created {}, expires {}{})",
                    row.name,
                    row.created_at
                        .map(|c| human_duration((now - c).num_seconds()) + " ago")
                        .unwrap_or_default(),
                    row.expires_at
                        .map(|e| format!("in {}", human_duration((e - now).num_seconds())))
                        .unwrap_or_else(|| "never".into()),
                    if row.stateful { ", stateful" } else { "" }
                ));
            }
        }
        Some(_) => out.push("snapshots: []".into()),
        None => out.push("snapshots: (loading)".into()),
    }
}

fn host_detail(state: &AppState, key: &str, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    for r in &state.remotes {
        if key == format!("{}/", r.name) {
            out.push(format!("remote: {}", r.name));
            out.push(format!("endpoint: {}", r.endpoint));
            out.push(format!("connection: {:?}", r.conn));
            return true;
        }
        if let Some(h) = r
            .hosts
            .iter()
            .find(|h| format!("{}/{}", r.name, h.name) == key)
        {
            out.push(format!("remote: {}", r.name));
            out.push(format!("endpoint: {}", r.endpoint));
            out.push(format!("host: {}", h.name));
            out.push(format!("clustered: {}", h.clustered));
            out.push(format!("status: {}", h.status));
            if !h.message.is_empty() {
                out.push(format!("message: {}", h.message));
            }
            if !h.url.is_empty() {
                out.push(format!("url: {}", h.url));
            }
            out.push(format!("roles: [{}]", h.roles.join(", ")));
            if h.clustered {
                out.push(format!("failure_domain: {}", h.failure_domain));
                out.push(format!("groups: [{}]", h.groups.join(", ")));
            }
            out.push(format!("server_version: {}", h.version));
            if let Some(c) = h.cpus {
                out.push(format!("cpus: {c}"));
            }
            if let Some(l) = h.load {
                out.push(format!("load: [{:.2}, {:.2}, {:.2}]", l[0], l[1], l[2]));
            }
            if let Some(m) = h.memory {
                out.push(format!(
                    "memory: {} used of {}",
                    human_bytes(m.used),
                    human_bytes(m.total)
                ));
            }
            if let Some(u) = h.uptime_secs {
                out.push(format!("uptime: {}", human_duration(u)));
            }
            out.push("storage_pools:".into());
            for (n, u) in &h.pools {
                out.push(format!(
                    "  {n}: {} used of {}",
                    human_bytes(u.used),
                    human_bytes(u.total)
                ));
            }
            // A host's "cpu" is its 1-minute load, in percent of one core.
            state.push_usage(key, r.samples.ring(key), now, out);
            return true;
        }
    }
    false
}

fn volume_detail(state: &AppState, key: &str, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    for r in &state.remotes {
        let Some(v) = r.volumes.iter().find(|v| v.key() == key) else {
            continue;
        };
        out.push(format!("name: {}", v.vol.name));
        out.push(format!("remote: {}", r.name));
        out.push(format!("project: {}", v.vol.project));
        out.push(format!("pool: {}", v.pool));
        out.push(format!("type: {}", v.vol.kind));
        out.push(format!("content_type: {}", v.vol.content_type));
        out.push(format!("location: {}", v.vol.location));
        out.push(format!("created: {}", when(v.vol.created_at, now)));
        if let Some(u) = v.usage {
            out.push(format!(
                "usage: {} of {}",
                human_bytes(u.used),
                human_bytes(u.total)
            ));
        } else {
            out.push("usage: (not reported by this pool)".into());
        }
        out.push(format!("used_by: [{}]", v.used_by().join(", ")));
        push_map(out, "config", pairs(&v.vol.config), 0);
        out.push("snapshots:".into());
        for s in r.volume_snapshots.iter().filter(|s| {
            s.parent == v.vol.name
                && s.project == v.vol.project
                && s.pool.as_deref() == Some(&v.pool)
        }) {
            out.push(format!(
                "  - {} (created {}, expires {})",
                s.name,
                when(s.created_at, now),
                s.expires_at
                    .map(|e| when(Some(e), now))
                    .unwrap_or_else(|| "never".into())
            ));
        }
        return true;
    }
    false
}

fn snapshot_detail(state: &AppState, key: &str, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    for r in &state.remotes {
        let inst = r.instances.iter().flat_map(|i| {
            i.inst
                .snapshots
                .iter()
                .flatten()
                .map(move |s| SnapshotRow::of_instance(&r.name, &i.inst, s))
        });
        let Some(s) = inst
            .chain(r.volume_snapshots.iter().cloned())
            .find(|s| s.key() == key)
        else {
            continue;
        };
        out.push(format!("name: {}", s.name));
        out.push(format!(
            "kind: {}",
            if s.kind == SnapshotKind::Instance {
                "instance snapshot"
            } else {
                "volume snapshot"
            }
        ));
        out.push(format!("parent: {}", s.parent));
        if let Some(p) = &s.pool {
            out.push(format!("pool: {p}"));
        }
        out.push(format!("remote: {}", r.name));
        out.push(format!("project: {}", s.project));
        out.push(format!("created: {}", when(s.created_at, now)));
        out.push(format!(
            "expires: {}",
            s.expires_at
                .map(|e| when(Some(e), now))
                .unwrap_or_else(|| "never".into())
        ));
        out.push(format!("stateful: {}", s.stateful));
        push_map(out, "config", s.config.iter(), 0);
        if s.kind == SnapshotKind::Instance {
            push_devices(out, "devices", s.devices.iter());
        }
        return true;
    }
    false
}

/// An instance's backups, newest first.
fn backup_detail(
    state: &AppState,
    key: &RowKey,
    now: DateTime<Utc>,
    out: &mut Vec<String>,
) -> bool {
    let Some(ObjectKey::Instance {
        remote,
        project,
        name,
    }) = key.object()
    else {
        return false;
    };
    let Some(r) = state.remotes.iter().find(|r| r.name == *remote) else {
        return false;
    };
    let Some(i) = r
        .instances
        .iter()
        .find(|i| i.inst.project == *project && i.inst.name == *name)
    else {
        return false;
    };
    let backups = super::panes::backups::backups_of(state, r, i);
    out.push(format!("instance: {name}"));
    out.push(format!("remote: {remote}"));
    out.push(format!(
        "stale after: {}",
        crate::inventory::human_duration(state.work.settings.backup_stale.num_seconds())
    ));
    if backups.is_empty() {
        out.push("backups: none".into());
        return true;
    }
    out.push(format!("backups: {}", backups.len()));
    for b in &backups {
        out.push(format!("  - name: {}", quote(&b.name)));
        out.push(format!("    where: {}", quote(&b.location)));
        out.push(format!("    created: {}", when(b.created_at, now)));
        if let Some(s) = b.size {
            out.push(format!("    size: {}", crate::inventory::human_bytes(s)));
        }
        if !b.notes.is_empty() {
            out.push(format!("    notes: {}", quote(&b.notes)));
        }
        if b.protected {
            out.push("    protected: true".into());
        }
    }
    true
}

fn job_detail(state: &AppState, key: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let Some(j) = state.job_by_key(key) else {
        return false;
    };
    out.push(format!("job: {}", j.id));
    out.push(format!("kind: {}", j.spec.kind()));
    out.push(format!("target: {}", j.spec.subject()));
    out.push(format!("started: {}", when(Some(j.started), now)));
    match (&j.outcome, j.finished) {
        (Some(o), Some(f)) => {
            out.push(format!("finished: {}", when(Some(f), now)));
            out.push(format!("result: {}", o.label()));
            out.push(format!("detail: {}", quote(o.detail())));
        }
        _ => {
            out.push("result: running".into());
            out.push(format!(
                "progress: {}",
                quote(&super::job_view::progress_text(&j.progress, 60))
            ));
        }
    }
    if !j.alerts.is_empty() {
        out.push("alerts_at_start:".into());
        for a in &j.alerts {
            out.push(format!("  - {}", quote(a)));
        }
    }
    out.push("cli:".into());
    let cli = if j.cli.is_empty() {
        state.cli_of(&j.spec)
    } else {
        j.cli.clone()
    };
    for c in cli {
        out.push(format!("  - {}", quote(&c)));
    }
    out.push("output:".into());
    for l in &j.log {
        out.push(format!("  {l}"));
    }
    true
}

fn journal_detail(state: &AppState, key: &RowKey, out: &mut Vec<String>) -> bool {
    let Some(e) = state.journal_by_key(key) else {
        return false;
    };
    out.push(format!(
        "time: {}",
        e.ts.with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S %Z")
    ));
    out.push(format!("status: {}", e.status));
    out.push(format!("action: {}", e.action));
    out.push(format!("target: {}", quote(&e.target)));
    if !e.user.is_empty() {
        out.push(format!("user: {}", e.user));
    }
    if let Some(j) = e.job {
        out.push(format!("job: {j}"));
    }
    if let Some(s) = e.seconds {
        out.push(format!("seconds: {s:.1}"));
    }
    if !e.detail.is_empty() {
        out.push(format!("detail: {}", quote(&e.detail)));
    }
    out.push("alerts:".into());
    for a in &e.alerts {
        out.push(format!("  - {}", quote(a)));
    }
    out.push("cli:".into());
    for c in &e.cli {
        out.push(format!("  - {}", quote(c)));
    }
    true
}

/// The alerts about an object (and, for a host, about what runs on it), at the end of its
/// detail view.
fn object_alerts(state: &AppState, key: &str, now: DateTime<Utc>, out: &mut Vec<String>) {
    let j = state.join_alerts();
    let (index, joined) = (&j.0, &j.1);
    let mine: Vec<(usize, String)> = (0..joined.targets.len())
        .filter_map(|i| {
            if joined.is_about(i, key) {
                return Some((i, String::new()));
            }
            joined
                .objects(i)
                .find(|t| index.host_of(t) == Some(key))
                .map(|t| (i, format!(" (on {})", t.describe())))
        })
        .collect();
    if mine.is_empty() {
        if !state.alerting.sources.is_empty() {
            out.push("alerts: []".into());
        }
        return;
    }
    out.push("alerts:".into());
    for (i, on) in mine {
        let a = &state.alerting.alerts[i];
        let age = a
            .starts_at
            .map(|t| human_duration((now - t).num_seconds()))
            .unwrap_or_else(|| "-".into());
        out.push(format!(
            "  - {} [{}] {} for {age}{on}: {}",
            a.name(),
            a.severity().short(),
            a.state().label(),
            a.summary()
        ));
    }
}

fn alert_detail(state: &AppState, key: &RowKey, now: DateTime<Utc>, out: &mut Vec<String>) -> bool {
    let key = match key {
        RowKey::Alert(fp) => fp.as_str(),
        RowKey::AlertGroup(_) => {
            let text = key.to_string();
            out.push(format!("group: {}", text.trim_start_matches("group:")));
            out.push("(m silences the whole group; o jumps to its object)".into());
            return true;
        }
        _ => return false,
    };
    let Some((i, a)) = state
        .alerting
        .alerts
        .iter()
        .enumerate()
        .find(|(_, a)| a.fingerprint == key)
    else {
        return false;
    };
    let joined = &state.join_alerts().1;
    out.push(format!("alertname: {}", a.name()));
    out.push(format!(
        "severity: {}",
        quote(a.labels.get("severity").map(String::as_str).unwrap_or(""))
    ));
    out.push(format!("state: {}", a.state().label()));
    out.push(format!(
        "target: {}",
        match &joined.targets[i] {
            Some(t) => format!("{} on {} ({})", t.describe(), t.remote(), t.key()),
            None => "none (no label of alerts.object_labels names a known object)".into(),
        }
    ));
    out.push(format!("started: {}", when(a.starts_at, now)));
    out.push(format!("fingerprint: {}", a.fingerprint));
    out.push(format!("generator_url: {}", quote(&a.generator_url)));
    if let Some(r) = a
        .annotations
        .get("runbook_url")
        .or(a.annotations.get("runbook"))
    {
        out.push(format!("runbook: {r}   (y copies it)"));
    }
    push_map(out, "labels", pairs(&a.labels), 0);
    push_map(out, "annotations", pairs(&a.annotations), 0);
    out.push("sources:".into());
    for v in &a.sources {
        let mut line = format!("  {}: {}", v.source, v.state);
        if !v.silenced_by.is_empty() {
            line.push_str(&format!(" (silenced by {})", v.silenced_by.join(", ")));
        }
        if !v.inhibited_by.is_empty() {
            line.push_str(&format!(" (inhibited by {})", v.inhibited_by.join(", ")));
        }
        out.push(line);
    }
    let matching: Vec<_> = state
        .alerting
        .silences
        .iter()
        .filter(|s| s.silence.status.state != "expired" && s.selects(&a.labels))
        .collect();
    if matching.is_empty() {
        out.push("silences: []".into());
    } else {
        out.push("silences:".into());
        for s in matching {
            let ms: Vec<String> = s.silence.matchers.iter().map(|m| m.to_string()).collect();
            out.push(format!(
                "  - {} on {} ({}, ends {}): {} — {} by {}",
                s.silence.id,
                s.source,
                s.silence.status.state,
                when(Some(s.silence.ends_at), now),
                ms.join(" "),
                s.silence.comment,
                s.silence.created_by
            ));
        }
    }
    push_history(state, key, now, out);
    push_runbook(state, key, out);
    true
}

/// When the alert fired over the last day, from each Prometheus: one mark per half hour.
fn push_history(state: &AppState, fingerprint: &str, now: DateTime<Utc>, out: &mut Vec<String>) {
    let proms = state
        .alerting
        .sources
        .iter()
        .filter(|s| s.kind == crate::alerts::model::SourceKind::Prometheus)
        .count();
    let own: Vec<super::state::HistoryRead> = state
        .own_history(fingerprint, now)
        .into_iter()
        .map(Ok)
        .collect();
    let got = match state.alerting.history.get(fingerprint) {
        // No Prometheus, or none answered: what the console recorded.
        _ if proms == 0 => {
            out.push(
                "history: no Prometheus configured ([[prometheus]]) to read ALERTS from".into(),
            );
            &own
        }
        Some(got) if got.iter().all(|h| h.is_err()) && got.len() >= proms => {
            for h in got {
                if let Err((source, e)) = h {
                    out.push(format!("history ({source}): cannot read: {e}"));
                }
            }
            &own
        }
        Some(got) => got,
        None => {
            out.push("history: reading ALERTS from Prometheus…".into());
            return;
        }
    };
    for h in got {
        match h {
            Err((source, e)) => out.push(format!("history ({source}): cannot read: {e}")),
            Ok(h) => {
                let per_mark = h
                    .firing
                    .len()
                    .div_ceil(super::alert_view::HISTORY_MARKS)
                    .max(1);
                let half_hours: String = h
                    .firing
                    .chunks(per_mark)
                    .map(|c| if c.iter().any(|f| *f) { '█' } else { '·' })
                    .collect();
                out.push(format!(
                    "history (last 24 h, from {}; one mark per 30 min):",
                    h.source
                ));
                out.push(format!("  -24h {half_hours} now"));
                let fired = h.fired_secs();
                out.push(if fired == 0 {
                    format!(
                        "  not firing in {} over the last 24 h",
                        if h.source.starts_with("the console") {
                            "the journal"
                        } else {
                            "ALERTS"
                        }
                    )
                } else {
                    format!(
                        "  fired {} over {} episode{}",
                        crate::inventory::precise_duration(fired),
                        h.episodes(),
                        if h.episodes() == 1 { "" } else { "s" }
                    )
                });
            }
        }
    }
}

/// The alert's runbook from `runbooks_dir`, rendered, or where it was looked for.
fn push_runbook(state: &AppState, fingerprint: &str, out: &mut Vec<String>) {
    let dir = state.alerting.runbooks_dir.display();
    match state.alerting.runbooks.get(fingerprint) {
        None => out.push(format!("runbook_file: looking in {dir}…")),
        Some(Ok(None)) => out.push(format!(
            "runbook_file: none in {dir} (a Markdown file named after the alert, e.g. host-down.md for HostDown)"
        )),
        Some(Err(e)) => out.push(format!("runbook_file: cannot read: {e}")),
        Some(Ok(Some(r))) => {
            out.push(format!("runbook_file: {}", r.path.display()));
            out.push("─".repeat(40));
            out.extend(
                crate::alerts::runbooks::lines(&r.text)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
            if r.cut {
                out.push("  … (cut: the file is bigger than 256 KiB)".into());
            }
        }
    }
}

fn silence_detail(
    state: &AppState,
    key: &RowKey,
    now: DateTime<Utc>,
    out: &mut Vec<String>,
) -> bool {
    let Some(s) = state.silence_by_key(key) else {
        return false;
    };
    let si = &s.silence;
    out.push(format!("id: {}", si.id));
    out.push(format!("source: {}", s.source));
    out.push(format!("state: {}", si.status.state));
    out.push("matchers:".into());
    for m in &si.matchers {
        out.push(format!("  - {m}"));
    }
    out.push(format!("starts: {}", when(Some(si.starts_at), now)));
    out.push(format!("ends: {}", when(Some(si.ends_at), now)));
    out.push(format!("created_by: {}", quote(&si.created_by)));
    out.push(format!("comment: {}", quote(&si.comment)));
    let selected: Vec<&crate::alerts::model::MergedAlert> = state
        .alerting
        .alerts
        .iter()
        .filter(|a| s.selects(&a.labels))
        .collect();
    if selected.is_empty() {
        out.push("alerts: []".into());
    } else {
        out.push("alerts:".into());
        for a in selected {
            out.push(format!(
                "  - {} [{}] {}",
                a.name(),
                a.state().label(),
                a.summary()
            ));
        }
    }
    true
}
