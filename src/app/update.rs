//! How provider, alert, job and service updates change the state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::state::{AppState, Level, LogState};
use crate::backend::{ConnState, InventoryEvent, Update};
use crate::inventory::InstanceRow;

impl AppState {
    /// Applies a backend update; some ask for more work (a survey after a job).
    pub fn apply(&mut self, update: Update, now: DateTime<Utc>) -> Vec<Effect> {
        // A link that proved alive changes nothing shown unless it was stale.
        match update {
            Update::Inventory(InventoryEvent::Alive { remote, within }) => {
                self.remote_heard(&remote, within, now);
                return vec![];
            }
            Update::SourceAlive { source, within } => {
                self.source_heard(&source, within, now);
                return vec![];
            }
            _ => {}
        }
        self.derived.data_changed();
        match update {
            Update::Services { seq, survey } => self.apply_survey(seq, *survey, now),
            Update::DefinitionText { file, result } => {
                self.open_editor(file, result);
                vec![]
            }
            Update::DefinitionSaved { file, text, result } => {
                self.definition_saved(&file, &text, result)
            }
            Update::JobFinished { id, outcome, at } => {
                self.apply_job_finished(id, outcome, at);
                let mut fx = self.maintenance_job_ended(id, now);
                fx.extend(self.services_after_job(id));
                fx.extend(self.quit_if_idle());
                fx
            }
            other => {
                self.apply_data(other, now);
                std::mem::take(&mut self.pending)
            }
        }
    }

    pub(crate) fn apply_data(&mut self, update: Update, now: DateTime<Utc>) {
        match update {
            Update::Inventory(event) => self.apply_inventory(event, now),
            Update::Skipped { origin, items } => self.apply_skipped(&origin, &items),
            Update::AlertSource { source, result } => {
                self.apply_alert_source(&source, result, now);
            }
            Update::SilenceWrite {
                source,
                what,
                cmd,
                result,
            } => self.apply_silence_write(&source, &what, &cmd, result, now),
            Update::Job { id, event } => self.apply_job_event(id, event),
            Update::Journal(e) => self.apply_journal(e),
            Update::AlertHistory {
                source,
                fingerprint,
                result,
            } => {
                let got = self.alerting.history.entry(fingerprint).or_default();
                got.retain(|h| match h {
                    Ok(h) => h.source != source,
                    Err((s, _)) => *s != source,
                });
                got.push(result.map_err(|e| (source, e)));
            }
            Update::UsageHistory {
                key,
                source,
                window,
                result,
            } => {
                let read = super::trends::UsageRead {
                    source,
                    window,
                    at: now,
                    result,
                };
                self.usage.keep(key, read);
            }
            Update::Runbook { fingerprint, found } => {
                self.alerting.runbooks.insert(fingerprint, found);
            }
            Update::Services { .. }
            | Update::DefinitionText { .. }
            | Update::DefinitionSaved { .. }
            | Update::JobFinished { .. }
            | Update::SourceAlive { .. } => {}
        }
    }

    /// List items a provider or alert source could not decode were left out: said once.
    fn apply_skipped(&mut self, origin: &str, items: &[crate::decode::Skipped]) {
        if let Some(first) = items.first() {
            let more = match items.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            self.say(
                Level::Warning,
                format!(
                    "{origin}: {} item(s) left out, unreadable: {first}{more}; see the log",
                    items.len()
                ),
            );
        }
    }

    /// What a provider reported about its remote.
    pub(crate) fn apply_inventory(&mut self, event: InventoryEvent, now: DateTime<Utc>) {
        match event {
            InventoryEvent::Skipped { origin, items } => self.apply_skipped(&origin, &items),
            InventoryEvent::Alive { remote, within } => self.remote_heard(&remote, within, now),

            InventoryEvent::Status { remote, state } => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                // A retry of a remote that is down keeps showing it as offline (with its age).
                if state == ConnState::Connecting && matches!(r.conn, ConnState::Offline { .. }) {
                    return;
                }
                if let ConnState::Offline { error } = &state {
                    let was_online = matches!(r.conn, ConnState::Online { .. });
                    if was_online || r.last_ok.is_none() {
                        let text = format!("{remote}: {error}");
                        self.say(Level::Error, text);
                    }
                } else if let ConnState::Online { via, .. } = &state {
                    let was_offline = matches!(r.conn, ConnState::Offline { .. });
                    let was_via = match &r.conn {
                        ConnState::Online { via, .. } => via.clone(),
                        _ => None,
                    };
                    r.last_ok = Some(now);
                    if let Some(v) = via.as_ref().filter(|v| was_via.as_ref() != Some(*v)) {
                        self.say(
                            Level::Warning,
                            format!("{remote}: its member does not answer; failed over to {v}"),
                        );
                    } else if was_offline {
                        self.say(Level::Info, format!("{remote}: reconnected"));
                    }
                }
                if let Some(r) = self.remote_mut(&remote) {
                    r.conn = state;
                }
            }
            InventoryEvent::Hosts { remote, hosts } => {
                if let Some(r) = self.remote_mut(&remote) {
                    for h in &hosts {
                        r.samples.host(h, now);
                    }
                    r.hosts = hosts;
                    r.last_ok = Some(now);
                }
            }
            InventoryEvent::Projects { remote, projects } => {
                if let Some(r) = self.remote_mut(&remote) {
                    r.projects = projects;
                }
            }
            InventoryEvent::Instances {
                remote,
                instances,
                with_state,
            } => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                let mut old: HashMap<(String, String), InstanceRow> = r
                    .instances
                    .drain(..)
                    .map(|i| ((i.inst.project.clone(), i.inst.name.clone()), i))
                    .collect();
                for inst in instances {
                    let prev = old.remove(&(inst.project.clone(), inst.name.clone()));
                    let mut row = InstanceRow {
                        remote: remote.clone(),
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
                    r.samples.instance(&mut row, now, with_state);
                    r.instances.push(row);
                }
                // What is gone from the list forgets its samples (nothing to do before any).
                if !r.samples.is_empty() {
                    let keys: std::collections::HashSet<String> = r
                        .instances
                        .iter()
                        .map(|i| i.key())
                        .chain(r.hosts.iter().map(|h| h.key()))
                        .collect();
                    r.samples.keep_only(|k| keys.contains(k));
                }
                r.count_undetailed();
                r.last_ok = Some(now);
            }
            InventoryEvent::InstanceStates { remote, states } => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                let mut by_key: HashMap<(&str, &str), &crate::inventory::InstanceState> =
                    HashMap::with_capacity(states.len());
                for s in &states {
                    by_key.insert((s.project.as_str(), s.name.as_str()), &s.state);
                }
                for row in r.instances.iter_mut() {
                    let Some(st) = by_key.get(&(row.inst.project.as_str(), row.inst.name.as_str()))
                    else {
                        continue;
                    };
                    // Only the state is replaced; config and snapshots stay as last read.
                    if !st.status.is_empty() {
                        row.inst.status = st.status.clone();
                    }
                    row.inst.state = Some((*st).clone());
                    r.samples.instance(row, now, true);
                }
                r.last_ok = Some(now);
            }
            InventoryEvent::Usage { remote, samples } => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                let by_key: HashMap<(&str, &str), &crate::inventory::UsageSample> = samples
                    .iter()
                    .map(|s| ((s.project.as_str(), s.name.as_str()), s))
                    .collect();
                for row in r.instances.iter_mut() {
                    let Some(s) = by_key.get(&(row.inst.project.as_str(), row.inst.name.as_str()))
                    else {
                        continue;
                    };
                    // Only usage changes; status and addresses stay as last read.
                    let status = row.inst.status.clone();
                    let st =
                        row.inst
                            .state
                            .get_or_insert_with(|| crate::inventory::InstanceState {
                                status,
                                ..Default::default()
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
                    r.samples.instance(row, now, true);
                }
                r.last_ok = Some(now);
            }
            InventoryEvent::Instance { remote, instance } => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                match r
                    .instances
                    .iter_mut()
                    .find(|i| i.inst.project == instance.project && i.inst.name == instance.name)
                {
                    Some(row) => {
                        row.inst = *instance;
                        r.samples.instance(row, now, false);
                    }
                    None => {
                        let mut row = InstanceRow {
                            remote: remote.clone(),
                            inst: *instance,
                            cpu_pct: None,
                        };
                        r.samples.instance(&mut row, now, false);
                        r.instances.push(row);
                    }
                }
                r.count_undetailed();
            }
            InventoryEvent::DetailsComplete { remote } => {
                if let Some(r) = self.remote_mut(&remote) {
                    r.count_undetailed();
                }
            }
            InventoryEvent::InstanceGone {
                remote,
                project,
                name,
            } => {
                if let Some(r) = self.remote_mut(&remote) {
                    r.instances
                        .retain(|i| !(i.inst.project == project && i.inst.name == name));
                    r.count_undetailed();
                    let key = crate::inventory::ObjectKey::Instance {
                        remote: remote.clone(),
                        project,
                        name,
                    }
                    .key();
                    r.samples.keep_only(|k| k != key);
                }
            }
            InventoryEvent::Volumes {
                remote,
                volumes,
                snapshots,
            } => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                r.volumes_listed = true;
                // Keep what the detail calls learned (usage, expiry) until they answer again.
                let usage: HashMap<String, _> =
                    r.volumes.iter().map(|v| (v.key(), v.usage)).collect();
                let expiry: HashMap<String, _> = r
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
                r.volumes = vols;
                r.volume_snapshots = snaps;
            }
            InventoryEvent::VolumeSnapshots {
                remote,
                pool,
                project,
                volume,
                snapshots,
            } => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                for s in &snapshots {
                    let short = s.name.rsplit('/').next().unwrap_or(&s.name);
                    if let Some(row) = r.volume_snapshots.iter_mut().find(|x| {
                        x.pool.as_deref() == Some(pool.as_str())
                            && x.project == project
                            && x.parent == volume
                            && x.name == short
                    }) {
                        row.update_from(s);
                    }
                }
            }
            InventoryEvent::VolumeUsage {
                remote,
                pool,
                project,
                volume,
                usage,
            } => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                if let Some(v) = r
                    .volumes
                    .iter_mut()
                    .find(|v| v.pool == pool && v.vol.project == project && v.vol.name == volume)
                {
                    v.usage = Some(usage);
                }
            }
            InventoryEvent::ConsoleLog {
                remote,
                project,
                name,
                result,
            } => {
                let key = format!("{remote}/{project}/{name}");
                // Incus hands out the console ring buffer and clears it: each answer is what
                // came since the last read, so it is appended to what was read before.
                let text = self.consoles.text.entry(key.clone()).or_default();
                let state = match result {
                    Ok(t) => {
                        text.push_str(&t);
                        LogState::Loaded(text.clone())
                    }
                    Err(e) => LogState::Failed(e.to_string()),
                };
                self.consoles.logs.insert(key, state);
            }
            InventoryEvent::Backups { remote, backups } => {
                if let Some(r) = self.remote_mut(&remote) {
                    r.backups = backups;
                }
            }
            InventoryEvent::UsageHistory {
                remote,
                project,
                name,
                window,
                result,
            } => {
                let key = crate::inventory::ObjectKey::Instance {
                    remote,
                    project,
                    name,
                }
                .key();
                let read = super::trends::UsageRead {
                    source: "rrddata".into(),
                    window,
                    at: now,
                    result: result.map_err(|e| e.to_string()),
                };
                self.usage.keep(key, read);
            }
            InventoryEvent::Event {
                remote,
                summary,
                action,
                object,
                at,
                by,
            } => {
                self.listing.last_event = Some(format!("{remote}: {summary}"));
                let detail = if by.is_empty() {
                    summary
                } else {
                    format!("{summary} (by {by})")
                };
                self.note_event(crate::timeline::Event {
                    at: at.unwrap_or(now),
                    kind: crate::timeline::Kind::Event,
                    what: action,
                    object: object.map(|o| o.key()).unwrap_or_default(),
                    detail,
                    source: remote,
                });
            }
        }
    }
}
