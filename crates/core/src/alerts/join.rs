//! The join of alerts with the Incus inventory: a configurable label map resolves each alert to
//! the instance, cluster member (host) or custom volume it is about.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;

use super::model::{MergedAlert, Severity};
use crate::inventory::{HostRow, InstanceRow, VolumeRow};

/// Which labels name an object, and how to clean their values.
#[derive(Debug, Clone)]
pub struct LabelMap {
    /// Labels tried in order (`instance`, `name`, `host`, `node`, `volume`).
    pub object_labels: Vec<String>,
    /// Label naming the Incus project, when alerts carry one.
    pub project_label: String,
    /// Label naming the remote, when alerts carry one.
    pub remote_label: String,
    /// Applied to a label value: capture group 1 (or the whole match) is the object name.
    pub strip: Regex,
}

impl Default for LabelMap {
    #[allow(
        clippy::expect_used,
        reason = "the shipped defaults are compiled in; tests check they parse"
    )]
    fn default() -> Self {
        Self {
            object_labels: ["instance", "name", "host", "node", "volume", "id"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            project_label: "project".into(),
            remote_label: "remote".into(),
            strip: Regex::new(DEFAULT_STRIP).expect("default strip regex"),
        }
    }
}

/// `grafana01.incus:3000` → `grafana01`.
pub const DEFAULT_STRIP: &str = r"^([^.:/\s]+)";

impl LabelMap {
    /// The cleaned-up names a label value may stand for: the stripped name, and the address
    /// without its port (to match an instance by IP).
    fn candidates(&self, value: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = self.strip.captures(value) {
            let m = c.get(1).or_else(|| c.get(0)).map(|m| m.as_str());
            if let Some(m) = m.filter(|m| !m.is_empty()) {
                out.push(m.to_string());
            }
        }
        let no_port = match value.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
            _ => value,
        };
        let no_port = no_port.trim_start_matches('[').trim_end_matches(']');
        if !out.iter().any(|o| o == no_port) && !no_port.is_empty() {
            out.push(no_port.to_string());
        }
        out
    }
}

/// The object an alert is about: an inventory object (hosts, instances and volumes are joined).
pub use crate::inventory::ObjectKey as Target;

/// One remote's inventory, as the join needs it.
pub struct RemoteInventory<'a> {
    pub remote: &'a str,
    pub hosts: &'a [HostRow],
    pub instances: &'a [InstanceRow],
    pub volumes: &'a [VolumeRow],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Instance,
    Host,
    Volume,
}

/// Names → objects, built once per join.
#[derive(Default)]
pub struct Index {
    instances: HashMap<String, Vec<Target>>,
    hosts: HashMap<String, Vec<Target>>,
    volumes: HashMap<String, Vec<Target>>,
    /// Host row key each instance and volume rolls up to.
    host_of: HashMap<Target, String>,
}

impl Index {
    pub fn build<'a>(remotes: impl IntoIterator<Item = RemoteInventory<'a>>) -> Self {
        let mut ix = Index::default();
        for r in remotes {
            let only_host =
                (r.hosts.len() == 1).then(|| format!("{}/{}", r.remote, r.hosts[0].name));
            // The host row an object rolls up to: its cluster member, or the only host.
            let host_key = |loc: &str| {
                if !loc.is_empty() && loc != "none" {
                    Some(format!("{}/{loc}", r.remote))
                } else {
                    only_host.clone()
                }
            };
            for h in r.hosts {
                let t = Target::Host {
                    remote: r.remote.to_string(),
                    name: h.name.clone(),
                };
                for alias in &h.aliases {
                    ix.hosts.entry(alias.clone()).or_default().push(t.clone());
                }
                ix.hosts.entry(h.name.clone()).or_default().push(t);
            }
            for i in r.instances {
                let t = Target::Instance {
                    remote: r.remote.to_string(),
                    project: i.inst.project.clone(),
                    name: i.inst.name.clone(),
                };
                if let Some(h) = host_key(&i.inst.location) {
                    ix.host_of.insert(t.clone(), h);
                }
                ix.instances
                    .entry(i.inst.name.clone())
                    .or_default()
                    .push(t.clone());
                for ip in i.state().map(|s| s.ipv4()).unwrap_or_default() {
                    ix.instances.entry(ip).or_default().push(t.clone());
                }
                for alias in &i.inst.aliases {
                    ix.instances
                        .entry(alias.clone())
                        .or_default()
                        .push(t.clone());
                }
            }
            for v in r.volumes {
                let t = Target::Volume {
                    remote: r.remote.to_string(),
                    project: v.vol.project.clone(),
                    pool: v.pool.clone(),
                    name: v.vol.name.clone(),
                };
                if let Some(h) = host_key(&v.vol.location) {
                    ix.host_of.insert(t.clone(), h);
                }
                ix.volumes.entry(v.vol.name.clone()).or_default().push(t);
            }
        }
        ix
    }

    fn lookup(&self, kind: Kind, name: &str) -> &[Target] {
        let m = match kind {
            Kind::Instance => &self.instances,
            Kind::Host => &self.hosts,
            Kind::Volume => &self.volumes,
        };
        m.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The object an alert's labels point at, if any.
    pub fn resolve(&self, map: &LabelMap, labels: &BTreeMap<String, String>) -> Option<Target> {
        self.resolve_preferring(map, labels, &[])
    }

    /// Like [`Index::resolve`], preferring objects on these remotes when a name exists on
    /// several (the remotes an Alertmanager watches, from its `remotes` config).
    pub fn resolve_preferring(
        &self,
        map: &LabelMap,
        labels: &BTreeMap<String, String>,
        prefer: &[String],
    ) -> Option<Target> {
        let project = labels.get(&map.project_label);
        let remote = labels.get(&map.remote_label);
        for label in &map.object_labels {
            let Some(value) = labels.get(label) else {
                continue;
            };
            let kinds: &[Kind] = if label.contains("volume") {
                &[Kind::Volume, Kind::Instance]
            } else if label == "host" || label == "node" || label.contains("node") {
                &[Kind::Host, Kind::Instance]
            } else {
                &[Kind::Instance, Kind::Host, Kind::Volume]
            };
            for name in map.candidates(value) {
                for kind in kinds {
                    let mut hits = self.lookup(*kind, &name).iter().filter(|t| {
                        remote.is_none_or(|r| t.remote() == r)
                            && project.is_none_or(|p| t.project().is_none_or(|tp| tp == p))
                    });
                    let first = hits.next();
                    // Several objects of that name (remotes, projects): prefer the source's
                    // remotes, then the default project.
                    let best = first.into_iter().chain(hits).min_by_key(|t| {
                        let other_remote =
                            !prefer.is_empty() && !prefer.iter().any(|p| p == t.remote());
                        let other_project = t.project().is_some_and(|p| p != "default");
                        (other_remote, other_project)
                    });
                    if let Some(t) = best {
                        return Some(t.clone());
                    }
                }
            }
        }
        None
    }

    /// The host row key an object rolls up to.
    pub fn host_of(&self, t: &Target) -> Option<&str> {
        self.host_of.get(t).map(String::as_str)
    }
}

/// Count and worst severity of the firing alerts on one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Badge {
    pub count: usize,
    pub worst: Option<Severity>,
}

impl Badge {
    pub fn add(&mut self, s: Severity) {
        self.count += 1;
        self.worst = Some(self.worst.map_or(s, |w| w.max(s)));
    }

    /// `2 crit`.
    pub fn text(&self) -> String {
        match self.worst {
            Some(w) if self.count > 0 => format!("{} {}", self.count, w.short()),
            _ => String::new(),
        }
    }
}

/// Every alert with its target, and badges per row key (hosts include what runs on them) and
/// per remote.
#[derive(Debug, Default)]
pub struct Joined {
    /// Target of each alert, in the order given.
    pub targets: Vec<Option<Target>>,
    /// The same alert's objects on other remotes: an alert that several Alertmanagers hold,
    /// each watching other remotes, is about the object of that name on each of them.
    pub others: Vec<Vec<Target>>,
    /// Firing alerts per row key.
    pub badges: HashMap<String, Badge>,
    /// Firing alerts per remote.
    pub per_remote: BTreeMap<String, Badge>,
}

impl Joined {
    /// Every object alert `i` is about: its target first, then the same name on other remotes.
    pub fn objects(&self, i: usize) -> impl Iterator<Item = &Target> {
        self.targets
            .get(i)
            .and_then(Option::as_ref)
            .into_iter()
            .chain(self.others.get(i).into_iter().flatten())
    }

    /// True when alert `i` is about the object with this row key.
    pub fn is_about(&self, i: usize, key: &str) -> bool {
        self.objects(i).any(|t| t.key() == key)
    }
}

/// The alerts firing on the object with this row key, as `AlertName (severity)`, sorted.
pub fn firing_on(alerts: &[MergedAlert], joined: &Joined, key: &str) -> Vec<String> {
    let mut out: Vec<String> = alerts
        .iter()
        .enumerate()
        .filter(|(i, a)| a.state().is_firing() && joined.is_about(*i, key))
        .map(|(_, a)| {
            format!(
                "{} ({})",
                a.name(),
                a.labels
                    .get("severity")
                    .map(String::as_str)
                    .unwrap_or("none")
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Joins alerts with the inventory. `source_remotes` names, per source, the remotes its
/// alerts are preferably about.
pub fn join(
    alerts: &[MergedAlert],
    index: &Index,
    map: &LabelMap,
    source_remotes: &HashMap<String, Vec<String>>,
) -> Joined {
    let mut j = Joined::default();
    for a in alerts {
        let prefer: Vec<String> = a
            .sources
            .iter()
            .flat_map(|s| source_remotes.get(&s.source).into_iter().flatten().cloned())
            .collect();
        let t = index.resolve_preferring(map, &a.labels, &prefer);
        // Each source that watches other remotes finds the object on its own remotes.
        let mut others: Vec<Target> = Vec::new();
        if let Some(first) = &t {
            for s in &a.sources {
                let Some(rs) = source_remotes.get(&s.source) else {
                    continue;
                };
                if rs.iter().any(|r| r == first.remote()) {
                    continue;
                }
                if let Some(o) = index.resolve_preferring(map, &a.labels, rs)
                    && rs.iter().any(|r| r == o.remote())
                    && o != *first
                    && !others.contains(&o)
                {
                    others.push(o);
                }
            }
        }
        if a.state().is_firing() {
            let sev = a.severity();
            for t in t.iter().chain(&others) {
                j.badges.entry(t.key()).or_default().add(sev);
                if let Some(h) = index.host_of(t) {
                    j.badges.entry(h.to_string()).or_default().add(sev);
                }
                j.per_remote
                    .entry(t.remote().to_string())
                    .or_default()
                    .add(sev);
            }
        }
        j.targets.push(t);
        j.others.push(others);
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::test_labels as labels;
    use crate::inventory::{Instance, Volume as StorageVolume};

    fn inst(name: &str, project: &str, location: &str) -> InstanceRow {
        InstanceRow {
            remote: "local".into(),
            inst: Instance {
                name: name.into(),
                project: project.into(),
                location: location.into(),
                ..Default::default()
            },
            cpu_pct: None,
        }
    }

    #[test]
    fn pve_exporter_and_node_exporter_labels_find_guests_and_nodes() {
        let hosts = vec![HostRow {
            remote: "pve".into(),
            name: "pve1".into(),
            aliases: vec!["node/pve1".into()],
            ..Default::default()
        }];
        let mut master = inst("k8s-master", "", "pve1");
        master.remote = "pve".into();
        master.inst.aliases = vec!["qemu/100".into()];
        let instances = vec![master];
        let ix = Index::build([RemoteInventory {
            remote: "pve",
            hosts: &hosts,
            instances: &instances,
            volumes: &[],
        }]);
        let map = LabelMap::default();
        // pve-exporter: the exporter's own address as `instance`, the guest as `id`.
        let t = ix.resolve(
            &map,
            &labels(&[("instance", "pve-exporter:9221"), ("id", "qemu/100")]),
        );
        assert_eq!(t.unwrap().describe(), "instance k8s-master");
        let t = ix.resolve(
            &map,
            &labels(&[("id", "node/pve1"), ("instance", "pve-exporter:9221")]),
        );
        assert_eq!(t.unwrap().describe(), "host pve1");
        // node-exporter on the node itself.
        let t = ix.resolve(&map, &labels(&[("instance", "pve1:9100")]));
        assert_eq!(t.unwrap().describe(), "host pve1");
        // And the guest's rows roll up to its node.
        let t = ix.resolve(&map, &labels(&[("name", "k8s-master"), ("node", "pve1")]));
        assert_eq!(t.unwrap().describe(), "instance k8s-master");
    }

    #[test]
    fn resolves_instances_hosts_and_volumes() {
        let hosts = vec![HostRow {
            remote: "local".into(),
            name: "atlas01".into(),
            ..Default::default()
        }];
        let instances = vec![
            inst("grafana01", "default", "atlas01"),
            inst("grafana01", "lab", "atlas01"),
            inst("web01", "lab", "atlas01"),
        ];
        let volumes = vec![VolumeRow {
            remote: "local".into(),
            pool: "default".into(),
            vol: StorageVolume {
                name: "prometheus01-data".into(),
                project: "default".into(),
                ..Default::default()
            },
            usage: None,
            snapshots: 0,
        }];
        let ix = Index::build([RemoteInventory {
            remote: "local",
            hosts: &hosts,
            instances: &instances,
            volumes: &volumes,
        }]);
        let map = LabelMap::default();
        let t = ix.resolve(&map, &labels(&[("instance", "grafana01.incus:3000")]));
        assert_eq!(t.unwrap().key(), "local/default/grafana01");
        let t = ix.resolve(
            &map,
            &labels(&[("instance", "grafana01:3000"), ("project", "lab")]),
        );
        assert_eq!(t.unwrap().key(), "local/lab/grafana01");
        let t = ix.resolve(&map, &labels(&[("volume", "prometheus01-data")]));
        assert_eq!(t.unwrap().key(), "local/default/default/prometheus01-data");
        let t = ix.resolve(&map, &labels(&[("instance", "atlas01:9100")]));
        assert_eq!(t.unwrap().key(), "local/atlas01");
        let t = ix.resolve(&map, &labels(&[("node", "atlas01")]));
        assert_eq!(t.unwrap().describe(), "host atlas01");
        assert!(
            ix.resolve(&map, &labels(&[("instance", "nowhere:1")]))
                .is_none()
        );
        assert!(
            ix.resolve(
                &map,
                &labels(&[("instance", "grafana01"), ("remote", "other")])
            )
            .is_none()
        );
        // A preferred remote does not override the default-project tie-break within it.
        let t = ix.resolve_preferring(
            &map,
            &labels(&[("instance", "grafana01")]),
            &["local".into()],
        );
        assert_eq!(t.unwrap().key(), "local/default/grafana01");
        assert_eq!(
            ix.host_of(&Target::Instance {
                remote: "local".into(),
                project: "lab".into(),
                name: "web01".into()
            }),
            Some("local/atlas01")
        );
    }

    #[test]
    fn sources_prefer_their_remotes() {
        let a = vec![inst("grafana01", "default", "")];
        let mut b = vec![inst("grafana01", "default", "")];
        b[0].remote = "cluster".into();
        let ix = Index::build([
            RemoteInventory {
                remote: "control",
                hosts: &[],
                instances: &a,
                volumes: &[],
            },
            RemoteInventory {
                remote: "cluster",
                hosts: &[],
                instances: &b,
                volumes: &[],
            },
        ]);
        let map = LabelMap::default();
        let l = labels(&[("instance", "grafana01.incus:9100")]);
        assert_eq!(ix.resolve(&map, &l).unwrap().remote(), "control");
        assert_eq!(
            ix.resolve_preferring(&map, &l, &["cluster".into()])
                .unwrap()
                .remote(),
            "cluster"
        );
    }

    #[test]
    fn an_alert_two_alertmanagers_hold_is_on_each_of_their_remotes() {
        use crate::alerts::model::{SourceData, SourceKind, merge};
        use crate::alerts::types::{Alert, AlertStatus};
        let a = vec![inst("grafana01", "default", "")];
        let mut b = vec![inst("grafana01", "default", "")];
        b[0].remote = "atlas-https".into();
        let ix = Index::build([
            RemoteInventory {
                remote: "local",
                hosts: &[],
                instances: &a,
                volumes: &[],
            },
            RemoteInventory {
                remote: "atlas-https",
                hosts: &[],
                instances: &b,
                volumes: &[],
            },
        ]);
        let alert = Alert {
            labels: labels(&[
                ("alertname", "HighMemoryUsage"),
                ("instance", "grafana01.incus:9100"),
                ("severity", "warning"),
            ]),
            fingerprint: "f1".into(),
            status: AlertStatus {
                state: "active".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let data = SourceData {
            alerts: vec![alert],
            silences: vec![],
        };
        let merged = merge([
            ("control", SourceKind::Alertmanager, &data),
            ("cluster", SourceKind::Alertmanager, &data),
        ]);
        assert_eq!(merged.len(), 1);
        let remotes: HashMap<String, Vec<String>> = [
            ("control".to_string(), vec!["local".to_string()]),
            ("cluster".to_string(), vec!["atlas-https".to_string()]),
        ]
        .into();
        let j = join(&merged, &ix, &LabelMap::default(), &remotes);
        for key in ["local/default/grafana01", "atlas-https/default/grafana01"] {
            assert_eq!(j.badges.get(key).map(|b| b.count), Some(1), "{key}");
            assert_eq!(firing_on(&merged, &j, key), ["HighMemoryUsage (warning)"]);
        }
        assert_eq!(j.per_remote.len(), 2);
        // One source only: one object.
        let one = merge([("control", SourceKind::Alertmanager, &data)]);
        let j = join(&one, &ix, &LabelMap::default(), &remotes);
        assert!(!j.badges.contains_key("atlas-https/default/grafana01"));
    }

    #[test]
    fn in_a_cluster_alerts_land_on_their_member_and_roll_up_from_what_runs_there() {
        use crate::alerts::model::{SourceData, SourceKind, merge};
        use crate::alerts::types::{Alert, AlertStatus};
        let member = |name: &str| HostRow {
            remote: "local".into(),
            name: name.into(),
            clustered: true,
            ..Default::default()
        };
        let hosts = vec![member("atlas01"), member("atlas02"), member("atlas03")];
        let instances = vec![
            inst("grafana01", "default", "atlas01"),
            inst("coredns01", "default", "atlas02"),
        ];
        let ix = Index::build([RemoteInventory {
            remote: "local",
            hosts: &hosts,
            instances: &instances,
            volumes: &[],
        }]);
        let alert = |fp: &str, l: &[(&str, &str)]| Alert {
            labels: labels(l),
            fingerprint: fp.into(),
            status: AlertStatus {
                state: "active".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let data = SourceData {
            alerts: vec![
                // node-exporter on a member.
                alert(
                    "a",
                    &[
                        ("alertname", "NodeDiskFull"),
                        ("node", "atlas03"),
                        ("severity", "critical"),
                    ],
                ),
                alert(
                    "b",
                    &[
                        ("alertname", "DnsDown"),
                        ("instance", "coredns01:9153"),
                        ("severity", "warning"),
                    ],
                ),
            ],
            silences: vec![],
        };
        let merged = merge([("control", SourceKind::Alertmanager, &data)]);
        let j = join(&merged, &ix, &LabelMap::default(), &HashMap::new());
        let count = |k: &str| j.badges.get(k).map(|b| b.count).unwrap_or(0);
        assert_eq!(count("local/atlas03"), 1);
        // coredns01's alert shows on it and on the member it runs on, not on the others.
        assert_eq!(count("local/default/coredns01"), 1);
        assert_eq!(count("local/atlas02"), 1);
        assert_eq!(count("local/atlas01"), 0);
    }

    #[test]
    fn strip_regex_is_configurable() {
        let map = LabelMap {
            strip: Regex::new(r"^node-(\w+)").unwrap(),
            ..Default::default()
        };
        assert_eq!(map.candidates("node-grafana01.lan:9100")[0], "grafana01");
        assert_eq!(
            LabelMap::default().candidates("10.0.0.5:9100"),
            ["10", "10.0.0.5"]
        );
    }
}
