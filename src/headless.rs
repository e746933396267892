//! Headless commands for scripts: `atlas-tui alerts` prints firing alerts joined to the Incus
//! objects they are about, as a table or JSON.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::alerts::join::{Index, RemoteInventory, Target, join};
use crate::alerts::model::{AlertState, MergedAlert, SourceData, SourceKind, merge};
use crate::alerts::{AlertmanagerClient, PrometheusClient};
use crate::backend::{RemoteSpec, Scope};
use crate::config::Settings;
use crate::inventory::{HostRow, InstanceRow, VolumeRow, human_duration};

/// One alert as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct AlertOut {
    pub fingerprint: String,
    pub alertname: String,
    pub severity: String,
    pub state: String,
    pub summary: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub target: Option<TargetOut>,
    /// The same alert's objects on other remotes (several Alertmanagers hold it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<TargetOut>,
    pub sources: Vec<String>,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    pub annotations: std::collections::BTreeMap<String, String>,
    pub generator_url: String,
}

/// The object, with its row key.
#[derive(Debug, Serialize)]
pub struct TargetOut {
    #[serde(flatten)]
    pub target: Target,
    pub key: String,
}

struct Inventory {
    remote: String,
    hosts: Vec<HostRow>,
    instances: Vec<InstanceRow>,
    volumes: Vec<VolumeRow>,
}

async fn load_inventory(spec: &RemoteSpec, scope: &Scope) -> Result<Inventory, String> {
    let listing = crate::backend::operator(spec)
        .map_err(|e| e.to_string())?
        .list(scope)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Inventory {
        remote: spec.name.clone(),
        hosts: listing.hosts,
        instances: listing
            .instances
            .into_iter()
            .map(|inst| InstanceRow {
                remote: spec.name.clone(),
                inst,
                cpu_pct: None,
            })
            .collect(),
        volumes: listing.volumes,
    })
}

/// Fetches every alert source and every remote, joins them and prints. Returns the process
/// exit code: 0, or 1 when a source or remote could not be read (what could be read is still
/// printed).
pub async fn alerts(
    settings: &Settings,
    specs: &[RemoteSpec],
    scope: &Scope,
    json: bool,
    all: bool,
) -> i32 {
    if settings.config.alert_sources().next().is_none() {
        eprintln!(
            "atlas-tui: no alert sources configured: add [[alertmanagers]] to {}",
            settings.paths.config_file().display()
        );
        return 1;
    }
    let g = gather(settings, specs, scope).await;
    for e in &g.errors {
        eprintln!("atlas-tui: {e}");
    }
    let failed = !g.errors.is_empty();
    let (merged, joined) = (g.merged, g.joined);
    print_alerts(merged, joined, json, all, failed)
}

/// Alerts of every source, merged and joined with every remote's inventory.
pub struct Gathered {
    pub merged: Vec<MergedAlert>,
    pub joined: crate::alerts::join::Joined,
    /// What could not be read.
    pub errors: Vec<String>,
}

impl Gathered {
    /// Alerts firing on an object (`ServiceDown (critical)`).
    pub fn firing_on(&self, key: &str) -> Vec<String> {
        crate::alerts::join::firing_on(&self.merged, &self.joined, key)
    }
}

/// Reads every alert source and remote and joins them.
pub async fn gather(settings: &Settings, specs: &[RemoteSpec], scope: &Scope) -> Gathered {
    let mut errors = Vec::new();
    let c = &settings.config;
    type Answer = (String, SourceKind, Vec<String>, Result<SourceData, String>);
    // Alert sources and remotes are read at once.
    let sources = {
        let futs = c.alert_sources().map(|(kind, s)| async move {
            let data = async {
                let spec = s.spec()?;
                match kind {
                    SourceKind::Alertmanager => {
                        let am = AlertmanagerClient::new(spec).map_err(|e| e.to_string())?;
                        Ok(SourceData {
                            alerts: am.alerts().await.map_err(|e| e.to_string())?,
                            silences: vec![],
                        })
                    }
                    SourceKind::Prometheus => {
                        let p = PrometheusClient::new(spec).map_err(|e| e.to_string())?;
                        Ok(SourceData {
                            alerts: p.alerts().await.map_err(|e| e.to_string())?,
                            silences: vec![],
                        })
                    }
                }
            }
            .await;
            (s.name.clone(), kind, s.remotes.clone(), data)
        });
        futures_util::future::join_all(futs)
    };
    let (sources, inventories): (Vec<Answer>, _) = tokio::join!(
        sources,
        futures_util::future::join_all(specs.iter().map(|s| load_inventory(s, scope)))
    );
    let mut inv = Vec::new();
    for (spec, r) in specs.iter().zip(inventories) {
        match r {
            Ok(i) => inv.push(i),
            Err(e) => errors.push(format!(
                "remote {}: {e} (its objects are not joined)",
                spec.name
            )),
        }
    }
    let mut ok = Vec::new();
    for (name, kind, _, data) in &sources {
        match data {
            Ok(d) => ok.push((name.as_str(), *kind, d)),
            Err(e) => errors.push(format!("alert source {name}: {e}")),
        }
    }
    let merged = merge(ok);
    let index = Index::build(inv.iter().map(|i| RemoteInventory {
        remote: &i.remote,
        hosts: &i.hosts,
        instances: &i.instances,
        volumes: &i.volumes,
    }));
    let prefer: HashMap<String, Vec<String>> = sources
        .iter()
        .map(|(n, _, r, _)| (n.clone(), r.clone()))
        .collect();
    let joined = join(&merged, &index, &c.alerts.label_map(), &prefer);
    Gathered {
        merged,
        joined,
        errors,
    }
}

fn print_alerts(
    merged: Vec<MergedAlert>,
    joined: crate::alerts::join::Joined,
    json: bool,
    all: bool,
    failed: bool,
) -> i32 {
    let mut rows: Vec<(&MergedAlert, Option<Target>, Vec<Target>)> = merged
        .iter()
        .zip(joined.targets)
        .zip(joined.others)
        .map(|((a, t), o)| (a, t, o))
        .filter(|(a, _, _)| all || a.state().is_firing())
        .collect();
    rows.sort_by(|(a, _, _), (b, _, _)| {
        b.severity()
            .cmp(&a.severity())
            .then(a.starts_at.cmp(&b.starts_at))
            .then(a.name().cmp(b.name()))
    });
    if json {
        let out: Vec<AlertOut> = rows
            .into_iter()
            .map(|(a, t, others)| AlertOut {
                fingerprint: a.fingerprint.clone(),
                alertname: a.name().to_string(),
                severity: a.labels.get("severity").cloned().unwrap_or_default(),
                state: a.state().label().to_string(),
                summary: a.summary().to_string(),
                starts_at: a.starts_at,
                target: t.map(|t| TargetOut {
                    key: t.key(),
                    target: t,
                }),
                also: others
                    .into_iter()
                    .map(|t| TargetOut {
                        key: t.key(),
                        target: t,
                    })
                    .collect(),
                sources: a.source_names().iter().map(|s| s.to_string()).collect(),
                silenced_by: a.silenced_by(),
                inhibited_by: a.inhibited_by(),
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                generator_url: a.generator_url.clone(),
            })
            .collect();
        match serde_json::to_string_pretty(&out) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("atlas-tui: {e}");
                return 1;
            }
        }
    } else {
        let now = Utc::now();
        let table: Vec<[String; 8]> = rows
            .iter()
            .map(|(a, t, others)| {
                [
                    a.severity().short().to_string(),
                    a.name().to_string(),
                    t.as_ref()
                        .map(|t| t.describe())
                        .unwrap_or_else(|| "-".into()),
                    match t {
                        Some(t) => std::iter::once(t)
                            .chain(others)
                            .map(|t| t.remote())
                            .collect::<Vec<_>>()
                            .join(","),
                        None => "-".into(),
                    },
                    match a.state() {
                        AlertState::Silenced => format!("silenced {}", a.silenced_by().join(",")),
                        s => s.label().to_string(),
                    },
                    a.starts_at
                        .map(|s| human_duration((now - s).num_seconds().max(0)))
                        .unwrap_or_else(|| "-".into()),
                    a.source_names().join(","),
                    a.summary().lines().next().unwrap_or("").to_string(),
                ]
            })
            .collect();
        let header = [
            "SEV", "ALERT", "TARGET", "REMOTE", "STATE", "AGE", "SOURCE", "SUMMARY",
        ];
        let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
        for r in &table {
            for (w, c) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    s.push_str(&format!("{c:<w$}  ", w = widths[i]));
                }
            }
            s.trim_end().to_string()
        };
        println!("{}", line(header.to_vec()));
        for r in &table {
            println!("{}", line(r.iter().map(String::as_str).collect()));
        }
        if table.is_empty() {
            eprintln!("no {}alerts", if all { "" } else { "firing " });
        }
    }
    if failed { 1 } else { 0 }
}
