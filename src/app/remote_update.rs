//! How what a provider reports about a remote changes that remote's rows: each list or read
//! replaces or updates the rows it is about, keeping what only another read knows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::state::RemoteView;
use crate::backend::InventoryEvent;
use crate::inventory::InstanceRow;

/// The remote an event that changes rows is about.
pub(crate) fn remote_of(event: &InventoryEvent) -> &str {
    match event {
        InventoryEvent::Status { remote, .. }
        | InventoryEvent::Alive { remote, .. }
        | InventoryEvent::Hosts { remote, .. }
        | InventoryEvent::Projects { remote, .. }
        | InventoryEvent::Instances { remote, .. }
        | InventoryEvent::Usage { remote, .. }
        | InventoryEvent::InstanceStates { remote, .. }
        | InventoryEvent::Instance { remote, .. }
        | InventoryEvent::InstanceSnapshots { remote, .. }
        | InventoryEvent::DetailsComplete { remote }
        | InventoryEvent::InstanceGone { remote, .. }
        | InventoryEvent::Volumes { remote, .. }
        | InventoryEvent::VolumeSnapshots { remote, .. }
        | InventoryEvent::VolumeUsage { remote, .. }
        | InventoryEvent::ConsoleLog { remote, .. }
        | InventoryEvent::Backups { remote, .. }
        | InventoryEvent::UsageHistory { remote, .. }
        | InventoryEvent::Event { remote, .. }
        | InventoryEvent::Operations { remote, .. }
        | InventoryEvent::OperationChanged { remote, .. }
        | InventoryEvent::Warnings { remote, .. }
        | InventoryEvent::ActivityWriteFailed { remote, .. } => remote,
        InventoryEvent::Skipped { origin, .. } => origin,
    }
}

impl RemoteView {
    /// What changes this remote's rows (the other events are the state's: `AppState::apply_inventory`).
    pub(crate) fn apply_rows(&mut self, event: InventoryEvent, now: DateTime<Utc>) {
        match event {
            InventoryEvent::Hosts { hosts, .. } => {
                for h in &hosts {
                    self.samples.host(h, now);
                }
                self.hosts = hosts;
                self.last_ok = Some(now);
            }
            InventoryEvent::Projects { projects, .. } => self.projects = projects,
            InventoryEvent::Instances {
                instances,
                with_state,
                ..
            } => self.replace_instances(instances, with_state, now),
            InventoryEvent::InstanceStates { states, .. } => self.apply_states(&states, now),
            InventoryEvent::Usage { samples, .. } => self.apply_usage(&samples, now),
            InventoryEvent::Instance { instance, .. } => self.put_instance(*instance, now),
            InventoryEvent::InstanceSnapshots {
                project, snapshots, ..
            } => self.put_snapshots(&project, snapshots),
            InventoryEvent::DetailsComplete { .. } => self.count_undetailed(),
            InventoryEvent::InstanceGone { project, name, .. } => {
                self.forget_instance(project, name)
            }
            InventoryEvent::Volumes {
                volumes, snapshots, ..
            } => self.replace_volumes(volumes, snapshots),
            InventoryEvent::VolumeSnapshots {
                pool,
                project,
                volume,
                snapshots,
                ..
            } => self.apply_volume_snapshots(&pool, &project, &volume, &snapshots),
            InventoryEvent::VolumeUsage {
                pool,
                project,
                volume,
                usage,
                ..
            } => self.apply_volume_usage(&pool, &project, &volume, usage),
            InventoryEvent::Backups { backups, .. } => self.backups = backups,
            InventoryEvent::Operations { operations, .. } => self.activity.replace(operations, now),
            InventoryEvent::OperationChanged { operation, .. } => {
                self.activity.update(operation, now)
            }
            InventoryEvent::Warnings { warnings, .. } => self.activity.warnings = Some(warnings),
            // The state's.
            InventoryEvent::Status { .. }
            | InventoryEvent::Alive { .. }
            | InventoryEvent::ConsoleLog { .. }
            | InventoryEvent::UsageHistory { .. }
            | InventoryEvent::Event { .. }
            | InventoryEvent::ActivityWriteFailed { .. }
            | InventoryEvent::Skipped { .. } => {}
        }
    }

    /// A list of instances: rows replaced, what only a detailed read knows kept until it comes again (`with_state`: the answer carries states).
    pub(crate) fn replace_instances(
        &mut self,
        instances: Vec<crate::inventory::Instance>,
        with_state: bool,
        now: DateTime<Utc>,
    ) {
        let mut old: HashMap<(String, String), InstanceRow> = std::mem::take(&mut self.instances)
            .into_iter()
            .map(|i| ((i.inst.project.clone(), i.inst.name.clone()), i))
            .collect();
        // Exactly as long as the list (10,000 rows grown by doubling kept room for 16,384).
        self.instances = Vec::with_capacity(instances.len());
        for inst in instances {
            let prev = old.remove(&(inst.project.clone(), inst.name.clone()));
            let mut row = InstanceRow {
                remote: self.name.clone(),
                inst,
                cpu_pct: None,
            };
            if let Some(prev) = prev {
                if !with_state {
                    // Keep what the detailed listing knew until it comes again; the
                    // status is this answer's.
                    row.inst.state = prev.inst.state;
                    row.inst.snapshots = prev.inst.snapshots;
                    if let Some(st) = row.inst.state.as_mut() {
                        st.status = row.inst.status.clone();
                    }
                }
                row.cpu_pct = prev.cpu_pct;
            }
            self.samples.instance(&mut row, now, with_state);
            self.instances.push(row);
        }
        // What is gone from the list forgets its samples (nothing to do before any).
        if !self.samples.is_empty() {
            let keys: std::collections::HashSet<String> = self
                .instances
                .iter()
                .map(|i| i.key())
                .chain(self.hosts.iter().map(|h| h.key()))
                .collect();
            self.samples.keep_only(|k| keys.contains(k));
        }
        self.count_undetailed();
        self.last_ok = Some(now);
    }

    /// States of instances: only the state is replaced; config and snapshots stay as last read.
    pub(crate) fn apply_states(
        &mut self,
        states: &[crate::backend::StateSample],
        now: DateTime<Utc>,
    ) {
        let mut by_key: HashMap<(&str, &str), &crate::inventory::InstanceState> =
            HashMap::with_capacity(states.len());
        for s in states {
            by_key.insert((s.project.as_str(), s.name.as_str()), &s.state);
        }
        for row in self.instances.iter_mut() {
            let Some(st) = by_key.get(&(row.inst.project.as_str(), row.inst.name.as_str())) else {
                continue;
            };
            // Only the state is replaced; config and snapshots stay as last read.
            if !st.status.is_empty() {
                row.inst.status = st.status.clone();
            }
            row.inst.state = Some(Box::new((*st).clone()));
            self.samples.instance(row, now, true);
        }
        self.last_ok = Some(now);
    }

    /// Usage samples: only usage changes; status and addresses stay as last read.
    pub(crate) fn apply_usage(
        &mut self,
        samples: &[crate::inventory::UsageSample],
        now: DateTime<Utc>,
    ) {
        let by_key: HashMap<(&str, &str), &crate::inventory::UsageSample> = samples
            .iter()
            .map(|s| ((s.project.as_str(), s.name.as_str()), s))
            .collect();
        for row in self.instances.iter_mut() {
            let Some(s) = by_key.get(&(row.inst.project.as_str(), row.inst.name.as_str())) else {
                continue;
            };
            // Only usage changes; status and addresses stay as last read.
            let status = row.inst.status.clone();
            let st = row.inst.state.get_or_insert_with(|| {
                Box::new(crate::inventory::InstanceState {
                    status,
                    ..Default::default()
                })
            });
            st.cpu_ns = Some(s.cpu_ns);
            let mem = st.memory.get_or_insert_with(Default::default);
            mem.usage = s.memory;
            if let Some(p) = s.processes {
                st.processes = p;
            }
            if let Some(io) = s.disk_io {
                st.disk_io = Some(io);
            }
            if let Some(io) = s.net_io {
                st.net_io = Some(io);
            }
            self.samples.instance(row, now, true);
        }
        self.last_ok = Some(now);
    }

    /// One instance read again (or new).
    pub(crate) fn put_instance(
        &mut self,
        instance: crate::inventory::Instance,
        now: DateTime<Utc>,
    ) {
        match self
            .instances
            .iter_mut()
            .find(|i| i.inst.project == instance.project && i.inst.name == instance.name)
        {
            Some(row) => {
                row.inst = instance;
                self.samples.instance(row, now, false);
            }
            None => {
                let mut row = InstanceRow {
                    remote: self.name.clone(),
                    inst: instance,
                    cpu_pct: None,
                };
                self.samples.instance(&mut row, now, false);
                self.instances.push(row);
            }
        }
        self.count_undetailed();
    }

    /// The snapshots of instances of one project, read on their own (their state is the list's).
    pub(crate) fn put_snapshots(
        &mut self,
        project: &str,
        snapshots: Vec<(String, Vec<crate::inventory::InstanceSnapshot>)>,
    ) {
        let mut by_name: HashMap<String, Vec<crate::inventory::InstanceSnapshot>> =
            snapshots.into_iter().collect();
        for row in self
            .instances
            .iter_mut()
            .filter(|i| i.inst.project == project)
        {
            if let Some(list) = by_name.remove(&row.inst.name) {
                row.inst.snapshots = Some(list);
            }
        }
        self.count_undetailed();
    }

    /// A list of volumes and their snapshots: what the detail calls learned (usage, expiry) is kept until they answer again.
    pub(crate) fn replace_volumes(
        &mut self,
        volumes: Vec<crate::inventory::VolumeRow>,
        snapshots: Vec<crate::inventory::SnapshotRow>,
    ) {
        self.volumes_listed = true;
        // Keep what the detail calls learned (usage, expiry) until they answer again.
        let usage: HashMap<String, _> = self.volumes.iter().map(|v| (v.key(), v.usage)).collect();
        let expiry: HashMap<String, _> = self
            .volume_snapshots
            .iter()
            .map(|s| (s.key(), s.expires_at))
            .collect();
        let mut vols = volumes;
        for v in &mut vols {
            if let Some(u) = usage.get(&v.key()) {
                v.usage = *u;
            }
        }
        let mut snaps = snapshots;
        for s in &mut snaps {
            if let Some(e) = expiry.get(&s.key()) {
                s.expires_at = *e;
            }
        }
        self.volumes = vols;
        self.volume_snapshots = snaps;
    }

    /// What a volume's own snapshot list knows (expiry).
    pub(crate) fn apply_volume_snapshots(
        &mut self,
        pool: &str,
        project: &str,
        volume: &str,
        snapshots: &[crate::inventory::SnapshotTimes],
    ) {
        for s in snapshots {
            let short = s.name.rsplit('/').next().unwrap_or(&s.name);
            if let Some(row) = self.volume_snapshots.iter_mut().find(|x| {
                x.pool.as_deref() == Some(pool)
                    && x.project == project
                    && x.parent == volume
                    && x.name == short
            }) {
                row.update_from(s);
            }
        }
    }

    /// A volume's usage.
    pub(crate) fn apply_volume_usage(
        &mut self,
        pool: &str,
        project: &str,
        volume: &str,
        usage: crate::inventory::UsedTotal,
    ) {
        if let Some(v) = self
            .volumes
            .iter_mut()
            .find(|v| v.pool == pool && v.vol.project == project && v.vol.name == volume)
        {
            v.usage = Some(usage);
        }
    }

    /// An instance gone from the server: its row and samples.
    pub(crate) fn forget_instance(&mut self, project: String, name: String) {
        self.instances
            .retain(|i| !(i.inst.project == project && i.inst.name == name));
        self.count_undetailed();
        let key = crate::inventory::ObjectKey::Instance {
            remote: self.name.clone(),
            project,
            name,
        }
        .key();
        self.samples.keep_only(|k| k != key);
    }
}
