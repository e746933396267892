//! What each pane shows: its columns and the rows built from state (filtered and sorted).
//! Pure functions of state and the current time.

use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::state::{AppState, RemoteView};
use crate::backend::ConnState;
use crate::inventory::{SnapshotKind, human_bytes, human_duration};

/// The four panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Hosts,
    Instances,
    Volumes,
    Snapshots,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Hosts, Pane::Instances, Pane::Volumes, Pane::Snapshots];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Hosts => "Hosts",
            Pane::Instances => "Instances",
            Pane::Volumes => "Volumes",
            Pane::Snapshots => "Snapshots",
        }
    }

    /// Parses a pane name or alias (`:instances`, `:inst`, `:vol`, ...).
    pub fn parse(s: &str) -> Option<Pane> {
        Some(match s.to_ascii_lowercase().as_str() {
            "hosts" | "host" | "h" | "nodes" | "members" | "cluster" => Pane::Hosts,
            "instances" | "instance" | "inst" | "i" | "containers" | "ct" | "vms" => {
                Pane::Instances
            }
            "volumes" | "volume" | "vol" | "v" | "storage" => Pane::Volumes,
            "snapshots" | "snapshot" | "snap" | "snaps" | "s" => Pane::Snapshots,
            _ => return None,
        })
    }
}

/// A column of a pane. Columns with a higher `priority` number are dropped first when narrow.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub width: u16,
    pub priority: u8,
}

const fn col(name: &'static str, width: u16, priority: u8) -> Column {
    Column {
        name,
        width,
        priority,
    }
}

/// The columns of a pane.
pub fn columns(pane: Pane) -> &'static [Column] {
    match pane {
        Pane::Hosts => HOST_COLUMNS,
        Pane::Instances => INSTANCE_COLUMNS,
        Pane::Volumes => VOLUME_COLUMNS,
        Pane::Snapshots => SNAPSHOT_COLUMNS,
    }
}

const HOST_COLUMNS: &[Column] = &[
    col("REMOTE", 12, 0),
    col("HOST", 12, 0),
    col("STATUS", 8, 0),
    col("ROLES", 16, 3),
    col("CPU", 4, 1),
    col("LOAD", 14, 1),
    col("MEMORY", 19, 0),
    col("POOLS", 26, 2),
];
const INSTANCE_COLUMNS: &[Column] = &[
    col("REMOTE/PROJECT", 18, 0),
    col("NAME", 14, 0),
    col("STATE", 8, 0),
    col("TYPE", 9, 3),
    col("CPU%", 6, 1),
    col("MEMORY", 9, 1),
    col("DISK", 8, 4),
    col("IPV4", 15, 2),
    col("LOCATION", 10, 4),
    col("PROFILES", 12, 5),
    col("SNAPS", 5, 3),
];
const VOLUME_COLUMNS: &[Column] = &[
    col("REMOTE/PROJECT", 18, 0),
    col("POOL", 8, 2),
    col("NAME", 18, 0),
    col("CONTENT", 10, 4),
    col("SIZE", 8, 1),
    col("USAGE", 9, 3),
    col("USED BY", 14, 1),
    col("SCHEDULE", 12, 2),
    col("EXPIRY", 6, 2),
    col("SNAPS", 5, 3),
];
const SNAPSHOT_COLUMNS: &[Column] = &[
    col("REMOTE/PROJECT", 18, 0),
    col("KIND", 8, 1),
    col("PARENT", 16, 0),
    col("NAME", 18, 0),
    col("AGE", 5, 0),
    col("EXPIRES", 8, 1),
    col("STATEFUL", 8, 3),
];

/// What a row is sorted by in one column.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum SortKey {
    Num(f64),
    Text(String),
}

/// One cell: text and a semantic style name.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub style: &'static str,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        style: "ui.text",
    }
}

fn styled(text: impl Into<String>, style: &'static str) -> Cell {
    Cell {
        text: text.into(),
        style,
    }
}

/// A row of a pane.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: String,
    pub remote: String,
    pub cells: Vec<Cell>,
    pub sort: Vec<SortKey>,
    /// The remote is offline: the data is stale.
    pub stale: bool,
}

fn text_key(s: &str) -> SortKey {
    SortKey::Text(s.to_ascii_lowercase())
}

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

fn usage(u: Option<crate::incus::types::UsedTotal>) -> String {
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
    for r in state.visible_remotes() {
        match pane {
            Pane::Hosts => host_rows(r, &mut rows),
            Pane::Instances => instance_rows(r, &mut rows),
            Pane::Volumes => volume_rows(r, &mut rows),
            Pane::Snapshots => snapshot_rows(r, now, &mut rows),
        }
    }
    rows
}

fn host_rows(r: &RemoteView, rows: &mut Vec<Row>) {
    let st = stale(r);
    if r.hosts.is_empty() {
        let (status, style) = match &r.conn {
            ConnState::Connecting => ("Connecting", "remote.connecting"),
            ConnState::Offline { .. } => ("Offline", "remote.offline"),
            ConnState::Online { .. } => ("Loading", "status.busy"),
        };
        rows.push(Row {
            key: format!("{}/", r.name),
            remote: r.name.clone(),
            cells: vec![
                remote_cell(r),
                cell("-"),
                styled(status, style),
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

fn instance_rows(r: &RemoteView, rows: &mut Vec<Row>) {
    let st = stale(r);
    for i in &r.instances {
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
        let kind = if i.inst.kind == "virtual-machine" {
            "vm"
        } else {
            &i.inst.kind
        };
        rows.push(Row {
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

fn volume_rows(r: &RemoteView, rows: &mut Vec<Row>) {
    let st = stale(r);
    for v in &r.volumes {
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

/// Fuzzy-filters rows (`!term` inverts) and sorts them by the pane's sort column.
pub fn filter_and_sort(mut rows: Vec<Row>, filter: &str, sort_col: usize, desc: bool) -> Vec<Row> {
    let filter = filter.trim();
    if !filter.is_empty() {
        let (invert, needle) = match filter.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, filter),
        };
        if !needle.is_empty() {
            // Every word must fuzzy-match some cell on its own: matching the joined row would
            // let letters scattered over several columns match almost anything.
            let atoms: Vec<Pattern> = needle
                .split_whitespace()
                .map(|w| Pattern::parse(w, CaseMatching::Smart, Normalization::Smart))
                .collect();
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut buf = Vec::new();
            rows.retain(|row| {
                let hit = atoms.iter().all(|atom| {
                    row.cells.iter().any(|c| {
                        atom.score(Utf32Str::new(&c.text, &mut buf), &mut matcher)
                            .is_some()
                    })
                });
                hit != invert
            });
        }
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

/// The rows a pane shows right now.
pub fn view_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> Vec<Row> {
    let ps = &state.panes[pane.index()];
    filter_and_sort(
        build_rows(state, pane, now),
        &ps.filter,
        ps.sort_col,
        ps.sort_desc,
    )
}
