//! The Proxmox VE provider's worker, one per remote. PVE has no event stream: the worker polls
//! `/cluster/resources` (one call: nodes, guests, storages) and `/cluster/status` (quorum, which
//! nodes answer) on a short interval, and reads details — snapshots, guest-agent addresses,
//! guest disks — at start, for guests it has not seen, for what the console's own jobs touched
//! (`Command::Reread`) and on a slow reconcile. It reports neutral events through a [`Sink`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use atlas_core::decode;
use atlas_core::provider::{self as p, Command, ConnState, Sink};
use chrono::Utc;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::client::PveClient;
use crate::convert;
use crate::error::PveError;
use crate::spec::PveSpec;
use crate::types::{ClusterStatus, Content, Resource, Snapshot};
use atlas_core::trend::{Metric, Series, Window};

/// What PVE supports of what the console offers (no shell or console log over the API, no
/// volume snapshots, no cloud-init service definitions, no expiring snapshots; backups are
/// vzdump's, to one of its storages, and restored from there).
pub const CAPABILITIES: p::Capabilities = p::Capabilities {
    provider: "Proxmox VE",
    operations: &[
        p::Operation::Power,
        p::Operation::Freeze,
        p::Operation::InstanceSnapshots,
        p::Operation::Restore,
        p::Operation::Backup,
        p::Operation::StorageBackup,
        p::Operation::UsageHistory,
    ],
    cli: crate::jobs::cli,
    projects: false,
};

/// No remote is called stale sooner than this after it last answered.
const LIVE_FLOOR: Duration = Duration::from_secs(12);

/// Timing of a worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// `/cluster/resources` and `/cluster/status`.
    pub poll_every: Duration,
    /// Snapshots, addresses and disks of every guest.
    pub details_every: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            poll_every: Duration::from_secs(5),
            details_every: Duration::from_secs(120),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(8),
        }
    }
}

/// Starts the worker of one remote; dropping the returned sender stops it.
pub fn spawn_remote(spec: PveSpec, cfg: WorkerConfig, tx: Sink) -> mpsc::UnboundedSender<Command> {
    let (ctx, crx) = mpsc::unbounded_channel();
    tokio::spawn(run(spec, cfg, tx, crx));
    ctx
}

async fn run(
    spec: PveSpec,
    cfg: WorkerConfig,
    tx: Sink,
    mut cmds: mpsc::UnboundedReceiver<Command>,
) {
    let remote = spec.name.clone();
    let status = |state: ConnState| p::Event::Status {
        remote: remote.clone(),
        state,
    };
    let mut backoff = cfg.backoff_min;
    loop {
        tx(status(ConnState::Connecting));
        let result = match PveClient::new(&spec) {
            Ok(client) => {
                // A poll is answered in well under a second: two missed polls and a slow
                // answer.
                let within = atlas_core::liveness::deadline(
                    cfg.poll_every,
                    Duration::from_secs(5),
                    LIVE_FLOOR,
                );
                let (remote, alive_tx) = (remote.clone(), tx.clone());
                let client = client.with_on_answer(atlas_core::liveness::throttled(move || {
                    alive_tx(p::Event::Alive {
                        remote: remote.clone(),
                        within,
                    })
                }));
                let mut s = Session::new(client, tx.clone());
                s.run(&cfg, &mut cmds, &mut backoff).await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(remote = %remote, error = %e, "remote offline");
                tx(status(ConnState::Offline {
                    error: e.to_string(),
                }));
            }
        }
        // Wait before reconnecting; a refresh retries at once. PVE lists every guest: a
        // scope changes nothing.
        match p::wait_offline(&remote, backoff, &mut cmds, &tx, |_| {}).await {
            None => return,
            Some(true) => backoff = cfg.backoff_min,
            Some(false) => {}
        }
        backoff = (backoff * 2).min(cfg.backoff_max);
    }
}

/// What the worker knows of its remote between polls.
struct Session {
    client: PveClient,
    tx: Sink,
    version: String,
    resources: Vec<Resource>,
    quorate: bool,
    clustered: bool,
    /// Node name → answers.
    online: HashMap<String, bool>,
    /// VMID → snapshots, as last read.
    snapshots: HashMap<u64, Vec<Snapshot>>,
    /// VMID → IPv4 addresses from the guest agent.
    addresses: HashMap<u64, Vec<String>>,
    /// VMID → its config, and each of its snapshots' (what a rollback would change).
    configs: HashMap<u64, std::collections::BTreeMap<String, String>>,
    snapshot_configs: HashMap<u64, HashMap<String, std::collections::BTreeMap<String, String>>>,
    /// VMID → CPU time accumulated from PVE's samples (ns), and when it was last added to.
    cpu: HashMap<u64, (u64, Instant)>,
    /// Node → load averages and PVE version, from its `/status`.
    node_status: HashMap<String, (Option<[f64; 3]>, String)>,
    /// Tasks of `/cluster/tasks` already seen to end (`None` before the first read).
    tasks_seen: Option<std::collections::HashSet<String>>,
    /// The cluster's tasks as last reported (reported again only when they change).
    tasks_shown: Vec<atlas_core::activity::RemoteOperation>,
    /// VMID → what of its row changes only with its details, as last built (a poll then only
    /// builds its state: 1000 guests every 5 s).
    fixed: HashMap<u64, (convert::FixedKey, convert::Fixed)>,
}

impl Session {
    fn new(client: PveClient, tx: Sink) -> Self {
        Session {
            client,
            tx,
            version: String::new(),
            resources: vec![],
            quorate: true,
            clustered: false,
            online: HashMap::new(),
            snapshots: HashMap::new(),
            addresses: HashMap::new(),
            configs: HashMap::new(),
            snapshot_configs: HashMap::new(),
            cpu: HashMap::new(),
            node_status: HashMap::new(),
            tasks_seen: None,
            tasks_shown: vec![],
            fixed: HashMap::new(),
        }
    }

    fn remote(&self) -> String {
        self.client.remote().to_string()
    }

    async fn run(
        &mut self,
        cfg: &WorkerConfig,
        cmds: &mut mpsc::UnboundedReceiver<Command>,
        backoff: &mut Duration,
    ) -> Result<(), PveError> {
        self.first_poll().await?;
        (self.tx)(p::Event::Status {
            remote: self.remote(),
            state: ConnState::Online {
                via: None,
                version: format!("Proxmox VE {}", self.version),
                clustered: self.clustered,
            },
        });
        *backoff = cfg.backoff_min;
        // The guests at once; their details (a few calls each) after. The tasks that have ended
        // by now are learned before the details are read, so one that ends later is reported.
        self.report();
        self.ended_tasks().await;
        self.details(None).await;
        self.report();
        let mut poll = tokio::time::interval(cfg.poll_every);
        poll.tick().await;
        // Every guest's details again as a safety net (ended tasks name the guests to read at
        // once): less often for a bigger cluster, once per interval per 100 guests.
        let every = cfg.details_every * (self.guests().count() / 100).max(1) as u32;
        let mut details = tokio::time::interval(every);
        details.tick().await;
        loop {
            tokio::select! {
                _ = poll.tick() => {
                    self.poll().await?;
                    let mut new: Vec<u64> = self
                        .guests()
                        .filter_map(|r| r.vmid)
                        .filter(|v| !self.snapshots.contains_key(v))
                        .collect();
                    // Tasks that ended since the last poll (anyone's: the web UI, a backup
                    // job) name the guests whose snapshots or backups changed.
                    let (touched, backups) = self.ended_tasks().await;
                    new.extend(touched);
                    if !new.is_empty() {
                        // New guests are shown before their details are read.
                        self.report();
                        self.details(Some(&new)).await;
                    }
                    if backups {
                        self.backups().await;
                    }
                    self.report();
                }
                _ = details.tick() => {
                    self.details(None).await;
                    self.report();
                }
                cmd = cmds.recv() => match cmd {
                    None => return Ok(()),
                    Some(Command::Refresh) => {
                        self.poll().await?;
                        self.details(None).await;
                        self.report();
                    }
                    // PVE lists every guest; pools are shown, not chosen.
                    // Guests and storage come in the same cheap poll: nothing to put off.
                    Some(Command::SetScope(_) | Command::ShowVolumes(_)) => {}
                    Some(Command::CancelOperation(upid)) => self.stop_task(upid),
                    Some(Command::AcknowledgeWarning(id)) => (self.tx)(p::Event::ActivityWriteFailed {
                        remote: self.remote(),
                        what: format!("acknowledge warning {id}"),
                        error: p::ProviderError::Unsupported("Proxmox VE has no daemon warnings"),
                    }),
                    Some(Command::ConsoleLog { project, name }) => (self.tx)(p::Event::ConsoleLog {
                        remote: self.remote(),
                        project,
                        name,
                        result: Err(p::ProviderError::Unsupported(
                            "Proxmox VE has no console log over its API",
                        )),
                    }),
                    Some(Command::UsageHistory { project, name, window }) => {
                        let guest = self
                            .guests()
                            .find(|r| r.name.as_deref() == Some(name.as_str()))
                            .cloned();
                        let (client, tx, remote) = (self.client.clone(), self.tx.clone(), self.remote());
                        tokio::spawn(async move {
                            let result = match guest {
                                Some(g) => rrd_usage(&client, &g, window)
                                    .await
                                    .map_err(p::ProviderError::Server),
                                None => Err(p::ProviderError::Precondition(format!(
                                    "{remote} has no guest {name}"
                                ))),
                            };
                            tx(p::Event::UsageHistory { remote, project, name, window, result });
                        });
                    }
                    // Every guest's details are read on each poll; the selected first.
                    Some(Command::Details(objects)) => self.details_of(&objects).await,
                    Some(Command::Reread(objects)) => {
                        self.poll().await?;
                        self.details_of(&objects).await;
                    }
                },
            }
        }
    }

    /// Stops a task (anyone's) on its node: `DELETE /nodes/{node}/tasks/{upid}`; a failure is
    /// reported. Its end comes with the next poll of the tasks.
    fn stop_task(&self, upid: String) {
        let (client, tx, remote) = (self.client.clone(), self.tx.clone(), self.remote());
        tokio::spawn(async move {
            let node = upid.split(':').nth(1).unwrap_or_default().to_string();
            let path = format!(
                "/nodes/{}/tasks/{}",
                atlas_core::text::encode(&node),
                atlas_core::text::encode(&upid)
            );
            if let Err(e) = client.delete(&path).await {
                tx(p::Event::ActivityWriteFailed {
                    remote,
                    what: format!("stop task {upid}"),
                    error: p::ProviderError::Server(e.to_string()),
                });
            }
        });
    }

    /// The guests by VMID.
    fn by_vmid(&self) -> HashMap<u64, Resource> {
        self.guests()
            .filter_map(|r| Some((r.vmid?, r.clone())))
            .collect()
    }

    fn guests(&self) -> impl Iterator<Item = &Resource> {
        self.resources
            .iter()
            .filter(|r| matches!(r.kind.as_str(), "qemu" | "lxc"))
    }

    /// Reads the details of these guests (project, name) now, and reports.
    async fn details_of(&mut self, objects: &[(String, String)]) {
        let vmids: Vec<u64> = objects
            .iter()
            .filter_map(|(_, name)| self.vmid_of(name))
            .collect();
        self.details(Some(&vmids)).await;
        self.report();
    }

    /// The VMID of a guest named `name` (or whose VMID `name` is).
    fn vmid_of(&self, name: &str) -> Option<u64> {
        self.guests()
            .find(|r| r.name.as_deref() == Some(name))
            .and_then(|r| r.vmid)
            .or_else(|| name.parse().ok())
    }

    /// One poll: resources and cluster status. An error here is the remote being offline.
    /// The first poll: `/cluster/resources` alone, its guests reported as soon as it answers
    /// (the first paint, on its own connection and with nothing else asked of the server
    /// meanwhile); then `/version` and `/cluster/status` together on the connections already
    /// open, and the hosts (whose quorum and online state they give) when they are in.
    async fn first_poll(&mut self) -> Result<(), PveError> {
        let resources = self
            .client
            .get_list::<Resource>("/cluster/resources")
            .await?;
        self.take_resources(resources);
        self.report_guests();
        let (version, status) = tokio::join!(
            self.client.get_value("/version"),
            self.client.get_value("/cluster/status")
        );
        self.version = version?["version"].as_str().unwrap_or("").to_string();
        self.take_status(status);
        Ok(())
    }

    async fn poll(&mut self) -> Result<(), PveError> {
        let (res, status) = tokio::join!(
            self.client.get_list::<Resource>("/cluster/resources"),
            self.client.get_value("/cluster/status")
        );
        self.take_resources(res?);
        self.take_status(status);
        Ok(())
    }

    /// What `/cluster/status` says: quorum, which nodes are online, whether it is a cluster.
    /// One that cannot be read (a single host without a cluster answers it too) leaves quorum
    /// as it was.
    fn take_status(&mut self, status: Result<Value, PveError>) {
        if let Ok(v) = status
            && let Ok((items, _)) = decode::list::<ClusterStatus>("/cluster/status", v)
        {
            self.online.clear();
            let mut nodes = 0;
            for s in &items {
                match s.kind.as_str() {
                    "cluster" => self.quorate = s.quorate,
                    "node" => {
                        nodes += 1;
                        self.online.insert(s.name.clone(), s.online);
                    }
                    _ => {}
                }
            }
            self.clustered = nodes > 1 || items.iter().any(|s| s.kind == "cluster");
            if !items.iter().any(|s| s.kind == "cluster") {
                self.quorate = true;
            }
        }
    }

    /// What `/cluster/resources` says: nodes, guests and storages, and each guest's CPU time.
    fn take_resources(&mut self, (resources, skipped): (Vec<Resource>, Vec<decode::Skipped>)) {
        self.skipped(skipped);
        let now = Instant::now();
        for r in resources
            .iter()
            .filter(|r| r.kind == "qemu" || r.kind == "lxc")
        {
            let (Some(vmid), Some(cpu)) = (r.vmid, r.cpu) else {
                continue;
            };
            let cpus = r.maxcpu.unwrap_or(1.0).max(1.0);
            let entry = self.cpu.entry(vmid).or_insert((0, now));
            let secs = now.duration_since(entry.1).as_secs_f64();
            entry.0 += (cpu.clamp(0.0, 1.0) * cpus * secs * 1e9) as u64;
            entry.1 = now;
        }
        self.resources = resources;
    }

    /// Guests whose snapshots or disks a task that ended since the last call changed, and
    /// whether a backup or restore ended. The first call only learns what has ended already.
    async fn ended_tasks(&mut self) -> (Vec<u64>, bool) {
        let Ok(v) = self.client.get_value("/cluster/tasks").await else {
            return (vec![], false);
        };
        let Some(items) = v.as_array() else {
            return (vec![], false);
        };
        let tasks: Vec<atlas_core::activity::RemoteOperation> =
            items.iter().filter_map(task_activity).collect();
        if tasks != self.tasks_shown {
            self.tasks_shown = tasks.clone();
            (self.tx)(p::Event::Operations {
                remote: self.remote(),
                operations: tasks,
            });
        }
        let first = self.tasks_seen.is_none();
        let seen = self.tasks_seen.get_or_insert_with(Default::default);
        let (touched, backups, done) = ended(items, seen, first);
        for t in done {
            self.task_event(t);
        }
        (touched, backups)
    }

    /// Reports a task that ended (for the status line and the timeline).
    fn task_event(&self, t: EndedTask) {
        let guest = t
            .vmid
            .and_then(|v| self.guests().find(|r| r.vmid == Some(v)));
        let name = guest
            .and_then(|g| g.name.clone())
            .or(t.vmid.map(|v| v.to_string()))
            .unwrap_or_default();
        let object = guest.map(|g| atlas_core::inventory::ObjectKey::Instance {
            remote: self.remote(),
            project: g.pool.clone().unwrap_or_default(),
            name: name.clone(),
        });
        let status = if t.status.is_empty() {
            "ended"
        } else {
            &t.status
        };
        (self.tx)(p::Event::Event {
            remote: self.remote(),
            summary: format!("{} {name} {status}", t.kind).replace("  ", " "),
            action: format!("{} {status}", t.kind),
            object,
            at: t.end.and_then(|e| chrono::DateTime::from_timestamp(e, 0)),
            by: t.user,
        });
    }

    fn node_online(&self, node: &str) -> bool {
        self.online.get(node).copied().unwrap_or(true)
    }

    /// Reads snapshots and addresses of these guests (all when `None`), and the guest disks.
    /// A guest on a node that does not answer keeps what was read before.
    async fn details(&mut self, only: Option<&[u64]>) {
        let guests: Vec<Resource> = self
            .guests()
            .filter(|r| only.is_none_or(|o| r.vmid.is_some_and(|v| o.contains(&v))))
            .filter(|r| self.node_online(r.node.as_deref().unwrap_or("")))
            .cloned()
            .collect();
        for g in &guests {
            let (Some(vmid), Some(node)) = (g.vmid, g.node.as_deref()) else {
                continue;
            };
            let base = format!("/nodes/{node}/{}/{vmid}", g.kind);
            match self.client.get_value(&format!("{base}/snapshot")).await {
                Ok(v) => {
                    if let Ok((snaps, skipped)) =
                        decode::list::<Snapshot>(&format!("{base}/snapshot"), v)
                    {
                        self.skipped(skipped);
                        // Each snapshot's config, for the rollback preview (read once: a
                        // snapshot does not change).
                        let known = self.snapshot_configs.entry(vmid).or_default();
                        known.retain(|name, _| snaps.iter().any(|s| s.name == *name));
                        for s in snaps.iter().filter(|s| s.name != "current") {
                            if known.contains_key(&s.name) {
                                continue;
                            }
                            let path = format!(
                                "{base}/snapshot/{}/config",
                                crate::client::encode(&s.name)
                            );
                            if let Ok(c) = self.client.get_value(&path).await {
                                known.insert(s.name.clone(), convert::config_map(&c));
                            }
                        }
                        self.snapshots.insert(vmid, snaps);
                        self.fixed.remove(&vmid);
                    }
                }
                Err(e) => tracing::debug!(vmid, error = %e, "snapshots not read"),
            }
            if let Ok(c) = self.client.get_value(&format!("{base}/config")).await {
                self.configs.insert(vmid, convert::config_map(&c));
                self.fixed.remove(&vmid);
            }
            if g.kind == "qemu" && g.status.as_deref() == Some("running") {
                let path = format!("{base}/agent/network-get-interfaces");
                // No agent, or one that does not answer: no addresses, nothing else lost.
                let addrs = match tokio::time::timeout(
                    Duration::from_secs(3),
                    self.client.get_value(&path),
                )
                .await
                {
                    Ok(Ok(v)) => agent_ipv4(&v),
                    _ => vec![],
                };
                self.addresses.insert(vmid, addrs);
            }
        }
        if only.is_none() {
            self.disks().await;
            self.backups().await;
            self.nodes().await;
        }
    }

    /// Load averages and PVE version of every node that answers (`/nodes/{n}/status`); a
    /// placeholder or an odd answer leaves them unknown.
    async fn nodes(&mut self) {
        let nodes: Vec<String> = self
            .resources
            .iter()
            .filter(|r| r.kind == "node")
            .filter_map(|r| r.node.clone())
            .filter(|n| self.node_online(n))
            .collect();
        for n in nodes {
            let Ok(v) = self.client.get_value(&format!("/nodes/{n}/status")).await else {
                continue;
            };
            let load: Vec<f64> = v["loadavg"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| {
                    x.as_f64()
                        .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
                })
                .collect();
            let load = (load.len() == 3).then(|| [load[0], load[1], load[2]]);
            // `pve-manager/9.0.10/abcdef` → `9.0.10`.
            let version = v["pveversion"]
                .as_str()
                .and_then(|s| s.split('/').nth(1))
                .unwrap_or("")
                .to_string();
            self.node_status.insert(n, (load, version));
        }
    }

    /// The vzdump archives of every backup storage (shared ones once), by guest.
    async fn backups(&mut self) {
        let guests = self.by_vmid();
        let mut backups = Vec::new();
        for (node, storage, shared, items) in self.contents(&["backup"]).await {
            for c in &items {
                let Some(g) = c.vmid.and_then(|v| guests.get(&v)) else {
                    // An archive of a guest that no longer exists.
                    continue;
                };
                let (name, pool) = (
                    g.name.as_deref().unwrap_or(""),
                    g.pool.as_deref().unwrap_or(""),
                );
                let location = if shared {
                    storage.clone()
                } else {
                    format!("{storage}@{node}")
                };
                backups.push(convert::backup(&self.remote(), location, name, pool, c));
            }
        }
        (self.tx)(p::Event::Backups {
            remote: self.remote(),
            backups,
        });
    }

    /// The content of every storage holding `kinds` (shared storages read once, on the first
    /// node that answers), with the storage and whether it is shared: (node, storage, shared,
    /// items).
    async fn contents(&mut self, kinds: &[&str]) -> Vec<(String, String, bool, Vec<Content>)> {
        let storages: Vec<Resource> = self
            .resources
            .iter()
            .filter(|r| r.kind == "storage")
            .filter(|r| {
                r.content
                    .as_deref()
                    .is_some_and(|c| c.split(',').any(|c| kinds.contains(&c)))
            })
            .cloned()
            .collect();
        let mut seen_shared = std::collections::HashSet::new();
        let mut out = Vec::new();
        for s in storages {
            let (Some(node), Some(storage)) = (s.node.as_deref(), s.storage.as_deref()) else {
                continue;
            };
            if !self.node_online(node) || (s.shared && !seen_shared.insert(storage.to_string())) {
                continue;
            }
            let path = format!("/nodes/{node}/storage/{storage}/content");
            let Ok(v) = self.client.get_value(&path).await else {
                continue;
            };
            let Ok((items, skipped)) = decode::list::<Content>(&path, v) else {
                continue;
            };
            self.skipped(skipped);
            let items = items
                .into_iter()
                .filter(|c| kinds.contains(&c.content.as_str()))
                .collect();
            out.push((node.to_string(), storage.to_string(), s.shared, items));
        }
        out
    }

    /// Guest disks of every storage (shared ones once), reported as volumes.
    async fn disks(&mut self) {
        let guests = self.by_vmid();
        let mut volumes = Vec::new();
        for (node, storage, shared, items) in self.contents(&["images", "rootdir"]).await {
            for c in &items {
                let owner = c.vmid.and_then(|v| guests.get(&v));
                // A node's local storage holds the disks of the guests on that node.
                if !shared && owner.is_some_and(|g| g.node.as_deref() != Some(node.as_str())) {
                    continue;
                }
                let owner = owner.and_then(|g| g.name.as_deref());
                let where_ = if shared { "" } else { node.as_str() };
                volumes.push(convert::disk(&self.remote(), &storage, where_, c, owner));
            }
        }
        (self.tx)(p::Event::Volumes {
            remote: self.remote(),
            volumes,
            snapshots: vec![],
        });
    }

    fn skipped(&self, items: Vec<decode::Skipped>) {
        if !items.is_empty() {
            (self.tx)(p::Event::Skipped {
                origin: self.remote(),
                items,
            });
        }
    }

    /// Hosts and instances as known now.
    fn report(&mut self) {
        self.report_hosts();
        self.report_guests();
    }

    fn report_hosts(&mut self) {
        let storages: Vec<&Resource> = self
            .resources
            .iter()
            .filter(|r| r.kind == "storage")
            .collect();
        let hosts = self
            .resources
            .iter()
            .filter(|r| r.kind == "node")
            .map(|n| {
                let name = n.node.as_deref().unwrap_or("");
                let on: Vec<&Resource> = storages
                    .iter()
                    .copied()
                    .filter(|s| s.node.as_deref() == Some(name))
                    .collect();
                let online = self.node_online(name) && n.status.as_deref() != Some("offline");
                let (load, node_version) = self.node_status.get(name).cloned().unwrap_or_default();
                let version = if node_version.is_empty() {
                    self.version.clone()
                } else {
                    node_version
                };
                let mut host = convert::host(
                    &self.remote(),
                    n,
                    &on,
                    online,
                    self.quorate,
                    self.clustered,
                    &version,
                );
                host.load = load;
                host
            })
            .collect();
        (self.tx)(p::Event::Hosts {
            remote: self.remote(),
            hosts,
        });
    }

    fn report_guests(&mut self) {
        let now = Utc::now();
        let mut old = std::mem::take(&mut self.fixed);
        let mut fixed = HashMap::with_capacity(old.len());
        let instances = self
            .guests()
            .filter_map(|r| {
                let vmid = r.vmid?;
                let key = convert::fixed_key(r);
                let f = match old.remove(&vmid) {
                    Some((k, f)) if k == key => {
                        fixed.insert(vmid, (k, f.clone()));
                        f
                    }
                    _ => {
                        let details = convert::Details {
                            cpu_ns: None,
                            addresses: vec![],
                            snapshots: self.snapshots.get(&vmid).map(Vec::as_slice),
                            config: self.configs.get(&vmid),
                            snapshot_configs: self.snapshot_configs.get(&vmid),
                        };
                        let f = convert::fixed(r, &details);
                        fixed.insert(vmid, (key, f.clone()));
                        f
                    }
                };
                let addresses = self.addresses.get(&vmid).cloned().unwrap_or_default();
                convert::instance_with(r, f, self.cpu.get(&vmid).map(|c| c.0), addresses, now)
            })
            .collect();
        self.fixed = fixed;
        (self.tx)(p::Event::Instances {
            remote: self.remote(),
            instances,
            with_state: true,
        });
    }
}

/// A guest's usage over a window from `rrddata` (`hour`: one point a minute; `day`: one per
/// 30 min), in the console's units: CPU in percent of one core, bytes, bytes per second.
/// Points without a time are left out; a field a point lacks is a gap.
async fn rrd_usage(
    client: &crate::client::PveClient,
    g: &Resource,
    window: Window,
) -> Result<Series, String> {
    let (Some(vmid), Some(node)) = (g.vmid, g.node.as_deref()) else {
        return Err("the guest has no node or VMID yet".into());
    };
    let timeframe = if window.secs() <= 3600 { "hour" } else { "day" };
    let path = format!(
        "/nodes/{node}/{}/{vmid}/rrddata?timeframe={timeframe}&cf=AVERAGE",
        g.kind
    );
    let v = client.get_value(&path).await.map_err(|e| e.to_string())?;
    Ok(rrd_points(&v, window, chrono::Utc::now().timestamp()))
}

/// The points of an `rrddata` answer inside the window ending `now`.
fn rrd_points(v: &Value, window: Window, now: i64) -> Series {
    let num = |p: &Value, k: &str| {
        let x = &p[k];
        x.as_f64()
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
            .filter(|f: &f64| f.is_finite())
    };
    let sum = |p: &Value, a: &str, b: &str| match (num(p, a), num(p, b)) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    };
    let mut out: Vec<(Metric, Vec<(i64, f64)>)> =
        Metric::ALL.iter().map(|m| (*m, Vec::new())).collect();
    for p in v.as_array().into_iter().flatten() {
        let Some(t) = num(p, "time").map(|t| t as i64) else {
            continue;
        };
        if t < now - window.secs() || t > now + 60 {
            continue;
        }
        let cpu = num(p, "cpu").map(|c| c * num(p, "maxcpu").unwrap_or(1.0) * 100.0);
        let values = [
            cpu,
            num(p, "mem"),
            sum(p, "diskread", "diskwrite"),
            sum(p, "netin", "netout"),
        ];
        for ((_, pts), v) in out.iter_mut().zip(values) {
            if let Some(v) = v {
                pts.push((t, v));
            }
        }
    }
    out.retain(|(_, pts)| !pts.is_empty());
    out
}

/// What the tasks of `/cluster/tasks` that ended and were not `seen` yet changed: the guests
/// whose snapshots (or disks) a snapshot, rollback or restore task touched, and whether a backup
/// or restore ended. With `first`, they are only noted as seen.
fn ended(
    items: &[Value],
    seen: &mut std::collections::HashSet<String>,
    first: bool,
) -> (Vec<u64>, bool, Vec<EndedTask>) {
    let mut touched = Vec::new();
    let mut backups = false;
    let mut done = Vec::new();
    for t in items {
        let (Some(upid), Some(kind)) = (t["upid"].as_str(), t["type"].as_str()) else {
            continue;
        };
        // Still running: its end is what counts.
        if t["endtime"].is_null() && t["status"].is_null() {
            continue;
        }
        if !seen.insert(upid.to_string()) || first {
            continue;
        }
        if matches!(kind, "vzdump" | "qmrestore" | "vzrestore") {
            backups = true;
        }
        done.push(EndedTask {
            kind: kind.to_string(),
            vmid: t["id"]
                .as_u64()
                .or_else(|| t["id"].as_str().and_then(|s| s.parse().ok())),
            status: t["status"].as_str().unwrap_or("").to_string(),
            end: t["endtime"].as_i64(),
            user: t["user"].as_str().unwrap_or("").to_string(),
        });
        if kind.contains("snapshot") || kind.contains("rollback") || kind.ends_with("restore") {
            let id = t["id"]
                .as_u64()
                .or_else(|| t["id"].as_str().and_then(|s| s.parse().ok()));
            touched.extend(id);
        }
    }
    (touched, backups, done)
}

/// A task of `/cluster/tasks` as a row of the activity view: running ones and those that
/// ended lately (PVE keeps the recent ones there).
fn task_activity(t: &Value) -> Option<atlas_core::activity::RemoteOperation> {
    let upid = t["upid"].as_str()?;
    let kind = t["type"].as_str().unwrap_or("task");
    let id = match &t["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let running = t["endtime"].is_null() && t["status"].is_null();
    let at = |k: &str| {
        t[k].as_i64()
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
    };
    let status = t["status"].as_str().unwrap_or("").to_string();
    Some(atlas_core::activity::RemoteOperation {
        id: upid.to_string(),
        project: String::new(),
        description: format!("{kind} {id}").trim().to_string(),
        status: if running {
            "running".into()
        } else {
            status.clone()
        },
        running,
        progress: None,
        created_at: at("starttime"),
        updated_at: at("endtime"),
        by: t["user"].as_str().unwrap_or("").to_string(),
        may_cancel: running,
        location: t["node"].as_str().unwrap_or("").to_string(),
        objects: (!id.is_empty())
            .then(|| format!("{kind}/{id}"))
            .into_iter()
            .collect(),
        error: if running || status == "OK" {
            String::new()
        } else {
            status
        },
    })
}

/// A task of `/cluster/tasks` seen to end, for the timeline.
#[derive(Debug, Clone, PartialEq)]
struct EndedTask {
    kind: String,
    vmid: Option<u64>,
    status: String,
    end: Option<i64>,
    user: String,
}

/// Global IPv4 addresses from the guest agent's `network-get-interfaces` (loopback and
/// link-local left out).
fn agent_ipv4(v: &Value) -> Vec<String> {
    let ifaces = v["result"].as_array().or(v.as_array());
    let mut out = Vec::new();
    for i in ifaces.into_iter().flatten() {
        for a in i["ip-addresses"].as_array().into_iter().flatten() {
            let (Some(ip), Some(kind)) = (a["ip-address"].as_str(), a["ip-address-type"].as_str())
            else {
                continue;
            };
            if kind == "ipv4" && !ip.starts_with("127.") && !ip.starts_with("169.254.") {
                out.push(ip.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rrddata_points_in_the_consoles_units_with_gaps_and_odd_items() {
        let now = 1_800_000_000;
        let v = json!([
            {"time": now - 120, "cpu": 0.25, "maxcpu": 4, "mem": 1024, "netin": 100.5, "netout": 50},
            {"time": now - 60, "cpu": "0.5", "maxcpu": 2, "diskread": 10, "mem": null},
            {"time": now - 7200, "cpu": 0.9, "maxcpu": 1},
            {"cpu": 0.1},
            {},
            "garbage"
        ]);
        let got = rrd_points(&v, Window::Hour1, now);
        let get = |m: Metric| got.iter().find(|(x, _)| *x == m).map(|(_, p)| p.clone());
        assert_eq!(
            get(Metric::Cpu),
            Some(vec![(now - 120, 100.0), (now - 60, 100.0)])
        );
        assert_eq!(get(Metric::Memory), Some(vec![(now - 120, 1024.0)]));
        assert_eq!(get(Metric::Disk), Some(vec![(now - 60, 10.0)]));
        assert_eq!(get(Metric::Network), Some(vec![(now - 120, 150.5)]));
        // The simulator's answer (`[{}]`): nothing to draw, not an error.
        assert!(rrd_points(&json!([{}]), Window::Min15, now).is_empty());
        assert!(rrd_points(&json!(null), Window::Min15, now).is_empty());
    }

    #[test]
    fn ended_tasks_name_the_guests_to_read_again() {
        let task = |upid: &str, kind: &str, id: &str, end: bool| {
            let mut v = json!({"upid": upid, "type": kind, "id": id});
            if end {
                v["endtime"] = json!(1);
                v["status"] = json!("OK");
            }
            v
        };
        let mut seen = Default::default();
        // The first read only learns what has ended.
        let old = [task("U1", "qmsnapshot", "100", true)];
        let two = |(a, b, _): (Vec<u64>, bool, Vec<EndedTask>)| (a, b);
        assert_eq!(two(ended(&old, &mut seen, true)), (vec![], false));
        let now = [
            task("U1", "qmsnapshot", "100", true),
            task("U2", "vzrollback", "300", true),
            task("U3", "vzdump", "110", true),
            task("U4", "qmsnapshot", "101", false),
            task("U5", "qmstart", "102", true),
        ];
        let (touched, backups, done) = ended(&now, &mut seen, false);
        assert_eq!((touched, backups), (vec![300], true));
        // Every task that ended is reported, with its guest and status.
        assert_eq!(
            done.iter()
                .map(|t| (t.kind.as_str(), t.vmid))
                .collect::<Vec<_>>(),
            [
                ("vzrollback", Some(300)),
                ("vzdump", Some(110)),
                ("qmstart", Some(102))
            ]
        );
        assert_eq!((done[0].status.as_str(), done[0].end), ("OK", Some(1)));
        // Seen once, not again; the running one counts when it ends.
        let later = [
            task("U2", "vzrollback", "300", true),
            task("U4", "qmsnapshot", "101", true),
        ];
        assert_eq!(two(ended(&later, &mut seen, false)), (vec![101], false));
    }

    #[test]
    fn agent_addresses_leave_out_loopback_and_ipv6() {
        let v = json!({"result": [
            {"name": "lo", "ip-addresses": [{"ip-address": "127.0.0.1", "ip-address-type": "ipv4"}]},
            {"name": "eth0", "ip-addresses": [
                {"ip-address": "10.0.20.10", "ip-address-type": "ipv4"},
                {"ip-address": "fe80::1", "ip-address-type": "ipv6"}, null]}
        ]});
        assert_eq!(agent_ipv4(&v), ["10.0.20.10"]);
        assert!(agent_ipv4(&json!(null)).is_empty());
    }
}
