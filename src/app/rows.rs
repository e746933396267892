//! What each pane shows: its columns and the rows built from state (filtered and sorted).
//! Pure functions of state and the current time.

use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::alert_view::{Grouping, split_alert_filter};
pub use super::cells::{Cell, Column, Row, SortKey, cell, columns, styled, text_key};
use super::memo::RowsKey;
use crate::inventory::ObjectKey;
pub use crate::pane::Pane;

use super::state::{AppState, RemoteView};
use crate::alerts::join::Badge;
use crate::alerts::model::{AlertState, Severity};
use crate::alerts::types::{all_match, compile_all};
use crate::alerts::worker::short_id;
use crate::backend::ConnState;
use crate::inventory::{SnapshotKind, human_bytes, human_duration};

fn opt_num(v: Option<f64>) -> SortKey {
    SortKey::Num(v.unwrap_or(-1.0))
}

/// Style of an instance or host status.
pub fn status_style(status: &str) -> &'static str {
    match status.to_ascii_lowercase().as_str() {
        "running" | "online" => "status.running",
        "stopped" => "status.stopped",
        "frozen" => "status.frozen",
        "error" | "offline" | "evacuated" | "blocked" => "status.error",
        _ => "status.busy",
    }
}

fn usage(u: Option<crate::inventory::UsedTotal>) -> String {
    match u {
        Some(u) if u.total > 0 => format!("{}/{}", human_bytes(u.used), human_bytes(u.total)),
        Some(u) => human_bytes(u.used),
        None => "-".into(),
    }
}

fn gauge_style(used: u64, total: u64) -> &'static str {
    if total == 0 {
        return "ui.text";
    }
    let pct = used as f64 / total as f64;
    if pct >= 0.9 {
        "gauge.high"
    } else if pct >= 0.75 {
        "gauge.mid"
    } else {
        "ui.text"
    }
}

fn where_(r: &RemoteView, project: &str) -> String {
    format!(
        "{}/{}",
        r.name,
        if project.is_empty() {
            "default"
        } else {
            project
        }
    )
}

fn stale(r: &RemoteView) -> bool {
    !matches!(r.conn, ConnState::Online { .. })
}

/// All rows of a pane, unfiltered and unsorted.
pub fn build_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> Vec<Row> {
    let mut rows = Vec::new();
    match pane {
        Pane::ALERTS => return alert_rows(state, &state.panes[pane.index()].filter, now),
        Pane::SILENCES => return silence_rows(state, now),
        Pane::JOBS => return super::job_rows::job_rows(state, now),
        Pane::JOURNAL => return super::job_rows::journal_rows(state, now),
        Pane::SERVICES => return super::service_rows::service_rows(state),
        _ => {}
    }
    let join = state.join_alerts();
    let none = Badges::default();
    let badges = match pane {
        Pane::HOSTS | Pane::INSTANCES | Pane::VOLUMES => &join.1.badges,
        _ => &none,
    };
    for r in state.visible_remotes() {
        match pane {
            Pane::HOSTS => host_rows(r, badges, &mut rows),
            Pane::INSTANCES => instance_rows(r, badges, &mut rows),
            Pane::VOLUMES => volume_rows(r, badges, &mut rows),
            Pane::SNAPSHOTS => snapshot_rows(r, now, &mut rows),
            _ => {}
        }
    }
    rows
}

type Badges = std::collections::HashMap<String, Badge>;

fn badge_cell(badges: &Badges, key: &str) -> (Cell, SortKey) {
    match badges.get(key) {
        Some(b) if b.count > 0 => {
            let sev = b.worst.unwrap_or(Severity::None);
            (
                styled(format!("▲{}", b.text()), sev.style()),
                SortKey::Num(sev as u8 as f64 * 1000.0 + b.count as f64),
            )
        }
        _ => (styled("-", "ui.muted"), SortKey::Num(-1.0)),
    }
}

/// The alerts pane: label matchers and `@object` words of the filter select here; the other
/// words are fuzzy-matched later like in every pane.
fn alert_rows(state: &AppState, filter: &str, now: DateTime<Utc>) -> Vec<Row> {
    let (matchers, objects, _) = split_alert_filter(filter);
    let compiled = compile_all(&matchers);
    let joined = &state.join_alerts().1;
    let mut rows = Vec::new();
    for (i, a) in state.alerting.alerts.iter().enumerate() {
        match &compiled {
            Ok(ms) if !all_match(ms, &a.labels) => continue,
            Err(_) => continue,
            _ => {}
        }
        let target = joined.targets.get(i).cloned().flatten();
        if !objects.is_empty() && !objects.iter().any(|o| joined.is_about(i, o)) {
            continue;
        }
        // Alerts about objects of a remote not shown are hidden with it.
        if let (Some(t), Some(only)) = (&target, &state.listing.remote_filter)
            && t.remote() != only
        {
            continue;
        }
        let sev = a.severity();
        let st = a.state();
        let state_text = match st {
            AlertState::Silenced => {
                let ids = a.silenced_by();
                let short: Vec<&str> = ids.iter().map(|s| short_id(s)).collect();
                format!("silenced {}", short.join(","))
            }
            AlertState::Inhibited => {
                let by: Vec<String> = a
                    .inhibited_by()
                    .iter()
                    .map(|fp| {
                        state
                            .alerting
                            .alerts
                            .iter()
                            .find(|x| &x.fingerprint == fp)
                            .map(|x| x.name().to_string())
                            .unwrap_or_else(|| fp.chars().take(8).collect())
                    })
                    .collect();
                format!("inhibited by {}", by.join(","))
            }
            s => s.label().to_string(),
        };
        let state_style = match st {
            AlertState::Active | AlertState::Firing => sev.style(),
            AlertState::Pending => "alert.pending",
            AlertState::Silenced | AlertState::Inhibited => "alert.silenced",
        };
        let target_text = target
            .as_ref()
            .map(|t| t.short())
            .unwrap_or_else(|| "-".into());
        let remote = target
            .as_ref()
            .map(|t| t.remote().to_string())
            .unwrap_or_else(|| "-".into());
        let age = a.starts_at.map(|t| (now - t).num_seconds().max(0));
        let sources = a.source_names().join(",");
        rows.push(Row {
            object: None,
            key: a.fingerprint.clone(),
            remote: target
                .as_ref()
                .map(|t| t.remote().to_string())
                .unwrap_or_default(),
            cells: vec![
                styled(sev.short(), sev.style()),
                styled(
                    a.name(),
                    if st.is_firing() {
                        sev.style()
                    } else {
                        "ui.text"
                    },
                ),
                styled(
                    target_text.clone(),
                    if target.is_some() {
                        "ui.text"
                    } else {
                        "ui.muted"
                    },
                ),
                cell(age.map(human_duration).unwrap_or_else(|| "-".into())),
                styled(state_text.clone(), state_style),
                cell(&remote),
                cell(&sources),
                cell(a.summary().lines().next().unwrap_or("")),
            ],
            sort: vec![
                // Severity, then age: the worst and oldest first when sorted descending.
                SortKey::Num(sev as u8 as f64 * 1e12 + age.unwrap_or(0) as f64),
                text_key(a.name()),
                text_key(&target_text),
                opt_num(age.map(|a| a as f64)),
                text_key(&state_text),
                text_key(&remote),
                text_key(&sources),
                text_key(a.summary()),
            ],
            stale: false,
        });
    }
    rows
}

/// Inserts a header row before each group (sorted rows stay sorted within their group).
fn group_rows(state: &AppState, rows: Vec<Row>) -> Vec<Row> {
    let grouping = state.alerting.grouping;
    if grouping == Grouping::None || rows.is_empty() {
        return rows;
    }
    let joined = &state.join_alerts().1;
    let group_of = |key: &str| -> (String, String) {
        let Some((i, a)) = state
            .alerting
            .alerts
            .iter()
            .enumerate()
            .find(|(_, a)| a.fingerprint == key)
        else {
            return (String::new(), String::new());
        };
        match grouping {
            Grouping::AlertName => (format!("group:name:{}", a.name()), a.name().to_string()),
            _ => match joined.targets.get(i).cloned().flatten() {
                Some(t) => (format!("group:object:{}", t.key()), t.describe()),
                None => ("group:object:".into(), "(no known object)".into()),
            },
        }
    };
    // Groups in the order of their first (best-sorted) member.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut members: std::collections::HashMap<String, Vec<Row>> = Default::default();
    for r in rows {
        let g = group_of(&r.key);
        if !members.contains_key(&g.0) {
            order.push(g.clone());
        }
        members.entry(g.0).or_default().push(r);
    }
    let mut out = Vec::new();
    for (key, label) in order {
        let rows = members.remove(&key).unwrap_or_default();
        let worst = rows
            .iter()
            .filter_map(|r| {
                state
                    .alerting
                    .alerts
                    .iter()
                    .find(|a| a.fingerprint == r.key)
            })
            .map(|a| a.severity())
            .max()
            .unwrap_or(Severity::None);
        let n = rows.len();
        let ncols = super::cells::ALERT_COLUMNS.len();
        let mut cells = vec![
            styled(worst.short(), worst.style()),
            styled(format!("▾ {label}"), "ui.header"),
        ];
        cells.push(styled(
            format!("{n} alert{}", if n == 1 { "" } else { "s" }),
            "ui.muted",
        ));
        while cells.len() < ncols {
            cells.push(cell(""));
        }
        out.push(Row {
            object: None,
            key: key.clone(),
            remote: String::new(),
            cells,
            sort: vec![],
            stale: false,
        });
        out.extend(rows);
    }
    out
}

fn silence_rows(state: &AppState, now: DateTime<Utc>) -> Vec<Row> {
    let mut rows = Vec::new();
    for s in &state.alerting.silences {
        let si = &s.silence;
        let st = si.status.state.as_str();
        // Expired silences are kept by Alertmanager for days; the recent ones are what matter.
        if st == "expired" && (now - si.ends_at).num_hours() >= 24 {
            continue;
        }
        let ends = match st {
            "pending" => format!(
                "starts in {}",
                human_duration((si.starts_at - now).num_seconds())
            ),
            "expired" => format!("{} ago", human_duration((now - si.ends_at).num_seconds())),
            _ => format!("in {}", human_duration((si.ends_at - now).num_seconds())),
        };
        let silenced = state
            .alerting
            .alerts
            .iter()
            .filter(|a| {
                a.sources
                    .iter()
                    .any(|v| v.source == s.source && v.silenced_by.contains(&si.id))
            })
            .count();
        let matchers = si
            .matchers
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let style = match st {
            "active" => "status.running",
            "pending" => "status.busy",
            _ => "ui.muted",
        };
        rows.push(Row {
            object: None,
            key: format!("{}/{}", s.source, si.id),
            remote: String::new(),
            cells: vec![
                styled(st, style),
                cell(short_id(&si.id)),
                cell(&matchers),
                cell(&ends),
                cell(if st == "expired" {
                    "-".to_string()
                } else {
                    silenced.to_string()
                }),
                cell(&si.created_by),
                cell(si.comment.lines().next().unwrap_or("")),
                cell(&s.source),
            ],
            sort: vec![
                SortKey::Num(
                    match st {
                        "active" => 0.0,
                        "pending" => 1.0,
                        _ => 2.0,
                    } * 1e12
                        + (si.ends_at - now).num_seconds().abs() as f64,
                ),
                text_key(&si.id),
                text_key(&matchers),
                SortKey::Num(si.ends_at.timestamp() as f64),
                SortKey::Num(silenced as f64),
                text_key(&si.created_by),
                text_key(&si.comment),
                text_key(&s.source),
            ],
            stale: false,
        });
    }
    rows
}

fn host_rows(r: &RemoteView, badges: &Badges, rows: &mut Vec<Row>) {
    let st = stale(r);
    if r.hosts.is_empty() {
        let (status, style) = match &r.conn {
            ConnState::Connecting => ("Connecting", "remote.connecting"),
            ConnState::Offline { .. } => ("Offline", "remote.offline"),
            ConnState::Online { .. } => ("Loading", "status.busy"),
        };
        rows.push(Row {
            object: None,
            key: format!("{}/", r.name),
            remote: r.name.clone(),
            cells: vec![
                remote_cell(r),
                cell("-"),
                styled(status, style),
                styled("-", "ui.muted"),
                cell(r.endpoint.clone()),
                cell("-"),
                cell("-"),
                cell("-"),
                cell("-"),
            ],
            sort: vec![
                text_key(&r.name),
                text_key(""),
                text_key(status),
                SortKey::Num(-1.0),
                text_key(""),
                opt_num(None),
                opt_num(None),
                opt_num(None),
                opt_num(None),
            ],
            stale: st,
        });
        return;
    }
    for h in &r.hosts {
        let (badge, badge_sort) = badge_cell(badges, &format!("{}/{}", r.name, h.name));
        let status = if st {
            "Offline".to_string()
        } else {
            h.status.clone()
        };
        let load = h
            .load
            .map(|l| format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2]))
            .unwrap_or_else(|| "-".into());
        let mem_style = h
            .memory
            .map(|m| gauge_style(m.used, m.total))
            .unwrap_or("ui.text");
        let pools = h
            .pools
            .iter()
            .map(|(n, u)| format!("{n} {}%", (u.used * 100).checked_div(u.total).unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ");
        let worst_pool = h
            .pools
            .iter()
            .map(|(_, u)| gauge_style(u.used, u.total))
            .max_by_key(|s| match *s {
                "gauge.high" => 2,
                "gauge.mid" => 1,
                _ => 0,
            })
            .unwrap_or("ui.text");
        rows.push(Row {
            object: Some(ObjectKey::Host {
                remote: r.name.clone(),
                name: h.name.clone(),
            }),
            key: format!("{}/{}", r.name, h.name),
            remote: r.name.clone(),
            cells: vec![
                remote_cell(r),
                cell(&h.name),
                styled(
                    &status,
                    if st {
                        "remote.offline"
                    } else {
                        status_style(&h.status)
                    },
                ),
                badge,
                cell(h.roles.join(",")),
                cell(h.cpus.map(|c| c.to_string()).unwrap_or_else(|| "-".into())),
                cell(load),
                styled(usage(h.memory), mem_style),
                styled(
                    if pools.is_empty() { "-".into() } else { pools },
                    worst_pool,
                ),
            ],
            sort: vec![
                text_key(&r.name),
                text_key(&h.name),
                text_key(&status),
                badge_sort,
                text_key(&h.roles.join(",")),
                opt_num(h.cpus.map(|c| c as f64)),
                opt_num(h.load.map(|l| l[0])),
                opt_num(h.memory.map(|m| m.used as f64)),
                opt_num(h.pools.first().map(|p| p.1.used as f64)),
            ],
            stale: st,
        });
    }
}

fn remote_cell(r: &RemoteView) -> Cell {
    styled(
        &r.name,
        if r.production {
            "remote.production"
        } else {
            "ui.text"
        },
    )
}

fn instance_rows(r: &RemoteView, badges: &Badges, rows: &mut Vec<Row>) {
    let st = stale(r);
    for i in &r.instances {
        let (badge, badge_sort) = badge_cell(badges, &i.key());
        let state = i.state();
        let status = i.status().to_string();
        let mem = state
            .and_then(|s| s.memory.as_ref())
            .filter(|m| m.usage > 0);
        let disk = state.and_then(|s| s.disk_usage());
        let ipv4 = state.map(|s| s.ipv4().join(",")).unwrap_or_default();
        // A detailed listing says `null` for no snapshots.
        let snaps = i
            .inst
            .snapshots
            .as_ref()
            .map(|s| s.len())
            .or(state.map(|_| 0));
        let kind = i.inst.kind.label();
        rows.push(Row {
            object: Some(i.object()),
            key: i.key(),
            remote: r.name.clone(),
            cells: vec![
                styled(
                    where_(r, &i.inst.project),
                    if r.production {
                        "remote.production"
                    } else {
                        "ui.text"
                    },
                ),
                cell(&i.inst.name),
                styled(&status, status_style(&status)),
                badge,
                cell(kind),
                cell(
                    i.cpu_pct
                        .map(|c| format!("{c:.1}"))
                        .unwrap_or_else(|| "-".into()),
                ),
                cell(
                    mem.map(|m| human_bytes(m.usage))
                        .unwrap_or_else(|| "-".into()),
                ),
                cell(disk.map(human_bytes).unwrap_or_else(|| "-".into())),
                cell(if ipv4.is_empty() {
                    "-".into()
                } else {
                    ipv4.clone()
                }),
                cell(if i.inst.location.is_empty() || i.inst.location == "none" {
                    "-".to_string()
                } else {
                    i.inst.location.clone()
                }),
                cell(i.inst.profiles.join(",")),
                cell(snaps.map(|n| n.to_string()).unwrap_or_else(|| "-".into())),
            ],
            sort: vec![
                text_key(&where_(r, &i.inst.project)),
                text_key(&i.inst.name),
                text_key(&status),
                badge_sort,
                text_key(kind),
                opt_num(i.cpu_pct),
                opt_num(mem.map(|m| m.usage as f64)),
                opt_num(disk.map(|d| d as f64)),
                text_key(&ipv4),
                text_key(&i.inst.location),
                text_key(&i.inst.profiles.join(",")),
                opt_num(snaps.map(|n| n as f64)),
            ],
            stale: st,
        });
    }
}

fn volume_rows(r: &RemoteView, badges: &Badges, rows: &mut Vec<Row>) {
    let st = stale(r);
    for v in &r.volumes {
        let (badge, badge_sort) = badge_cell(badges, &v.key());
        let size = v
            .vol
            .config
            .get("size")
            .cloned()
            .unwrap_or_else(|| "-".into());
        let sched = v
            .vol
            .config
            .get("snapshots.schedule")
            .cloned()
            .unwrap_or_else(|| "-".into());
        let expiry = v
            .vol
            .config
            .get("snapshots.expiry")
            .cloned()
            .unwrap_or_else(|| "-".into());
        let used_by = v.used_by().join(",");
        rows.push(Row {
            object: Some(v.object()),
            key: v.key(),
            remote: r.name.clone(),
            cells: vec![
                styled(
                    where_(r, &v.vol.project),
                    if r.production {
                        "remote.production"
                    } else {
                        "ui.text"
                    },
                ),
                cell(&v.pool),
                cell(&v.vol.name),
                badge,
                cell(&v.vol.content_type),
                cell(&size),
                styled(
                    usage(v.usage),
                    v.usage
                        .map(|u| gauge_style(u.used, u.total))
                        .unwrap_or("ui.text"),
                ),
                cell(if used_by.is_empty() {
                    "-".into()
                } else {
                    used_by.clone()
                }),
                cell(&sched),
                cell(&expiry),
                cell(v.snapshots.to_string()),
            ],
            sort: vec![
                text_key(&where_(r, &v.vol.project)),
                text_key(&v.pool),
                text_key(&v.vol.name),
                badge_sort,
                text_key(&v.vol.content_type),
                text_key(&size),
                opt_num(v.usage.map(|u| u.used as f64)),
                text_key(&used_by),
                text_key(&sched),
                text_key(&expiry),
                SortKey::Num(v.snapshots as f64),
            ],
            stale: st,
        });
    }
}

fn snapshot_rows(r: &RemoteView, now: DateTime<Utc>, rows: &mut Vec<Row>) {
    let st = stale(r);
    let inst_snaps = r.instances.iter().flat_map(|i| {
        i.inst
            .snapshots
            .iter()
            .flatten()
            .map(move |s| crate::inventory::SnapshotRow::of_instance(&r.name, &i.inst, s))
    });
    for s in inst_snaps.chain(r.volume_snapshots.iter().cloned()) {
        let age = s.created_at.map(|c| (now - c).num_seconds());
        let expires = s.expires_at.map(|e| (e - now).num_seconds());
        let (kind, parent) = match s.kind {
            SnapshotKind::Instance => ("instance", s.parent.clone()),
            SnapshotKind::Volume => (
                "volume",
                format!("{}/{}", s.pool.as_deref().unwrap_or("-"), s.parent),
            ),
        };
        let exp_style = match expires {
            Some(e) if e < 0 => "status.error",
            Some(e) if e < 86400 => "gauge.mid",
            _ => "ui.text",
        };
        rows.push(Row {
            object: Some(s.object()),
            key: s.key(),
            remote: r.name.clone(),
            cells: vec![
                styled(
                    where_(r, &s.project),
                    if r.production {
                        "remote.production"
                    } else {
                        "ui.text"
                    },
                ),
                cell(kind),
                cell(&parent),
                cell(&s.name),
                cell(age.map(human_duration).unwrap_or_else(|| "-".into())),
                styled(
                    match expires {
                        Some(e) if e < 0 => "expired".to_string(),
                        Some(e) => format!("in {}", human_duration(e)),
                        None => "never".to_string(),
                    },
                    exp_style,
                ),
                cell(if s.stateful { "yes" } else { "no" }),
            ],
            sort: vec![
                text_key(&where_(r, &s.project)),
                text_key(kind),
                text_key(&parent),
                text_key(&s.name),
                opt_num(age.map(|a| a as f64)),
                SortKey::Num(expires.map(|e| e as f64).unwrap_or(f64::MAX)),
                text_key(if s.stateful { "yes" } else { "no" }),
            ],
            stale: st,
        });
    }
}

/// Filters rows and sorts them by the pane's sort column. Every word must fuzzy-match some
/// cell on its own; a `!word` excludes the rows where some cell contains it (as fzf does, an
/// exclusion is a plain case-insensitive substring: a fuzzy one would exclude almost anything).
pub fn filter_and_sort(mut rows: Vec<Row>, filter: &str, sort_col: usize, desc: bool) -> Vec<Row> {
    let mut atoms = Vec::new();
    let mut exclude = Vec::new();
    for word in filter.split_whitespace() {
        match word.strip_prefix('!') {
            Some("") => {}
            Some(w) => exclude.push(w.to_lowercase()),
            // Matching the joined row would let letters scattered over several columns match
            // almost anything.
            None => atoms.push(Pattern::parse(
                word,
                CaseMatching::Smart,
                Normalization::Smart,
            )),
        }
    }
    if !atoms.is_empty() || !exclude.is_empty() {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        rows.retain(|row| {
            let excluded = exclude.iter().any(|w| {
                row.cells
                    .iter()
                    .any(|c| c.text.to_lowercase().contains(w.as_str()))
            });
            !excluded
                && atoms.iter().all(|atom| {
                    row.cells.iter().any(|c| {
                        atom.score(Utf32Str::new(&c.text, &mut buf), &mut matcher)
                            .is_some()
                    })
                })
        });
    }
    rows.sort_by(|a, b| {
        let ka = a.sort.get(sort_col);
        let kb = b.sort.get(sort_col);
        let ord = ka.partial_cmp(&kb).unwrap_or(std::cmp::Ordering::Equal);
        let ord = if desc { ord.reverse() } else { ord };
        ord.then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// The rows a pane shows: built, filtered and sorted once per change, then shared.
pub fn view_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> std::sync::Arc<Vec<Row>> {
    let ps = &state.panes[pane.index()];
    let key = RowsKey {
        rev: state.derived.rev,
        second: now.timestamp(),
        filter: ps.filter.clone(),
        sort_col: ps.sort_col,
        sort_desc: ps.sort_desc,
        grouping: state.alerting.grouping,
        remote_filter: state.listing.remote_filter.clone(),
    };
    state
        .derived
        .rows
        .get(pane, key, || compute_view_rows(state, pane, now))
}

fn compute_view_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> Vec<Row> {
    let ps = &state.panes[pane.index()];
    if pane == Pane::ALERTS {
        let (_, _, fuzzy) = split_alert_filter(&ps.filter);
        let rows = filter_and_sort(
            build_rows(state, pane, now),
            &fuzzy,
            ps.sort_col,
            ps.sort_desc,
        );
        return group_rows(state, rows);
    }
    filter_and_sort(
        build_rows(state, pane, now),
        &ps.filter,
        ps.sort_col,
        ps.sort_desc,
    )
}
