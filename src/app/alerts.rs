//! The alert side of the state: sources, the merged alerts, silences, the silence form, jumps
//! between alerts and objects. Pure state changes; writes are returned as effects.

use chrono::{DateTime, Utc};

pub use super::alert_view::{
    AlertSourceView, Grouping, SourceStatus, default_author, split_alert_filter,
};
use super::cells::{AlertGroup, RowKey};
use super::effect::Effect;
use super::layers::confirm::Confirm;
pub use super::layers::silence_form::{FormField, SilenceForm};
use super::rows::view_rows;
use super::state::{AppState, Level};
use crate::alerts::join::{Index, Joined, RemoteInventory, Target, join};
use crate::alerts::model::{MergedAlert, SourceData, SourceKind, SourcedSilence, merge};
use crate::alerts::types::{Matcher, all_match, compile_all};
use crate::alerts::worker::{SourceCmd, short_id};
use crate::pane::Pane;

impl AppState {
    /// Recomputes the merged alerts and the silence list from every source's last data.
    fn remerge(&mut self) {
        self.alerting.alerts = merge(
            self.alerting
                .sources
                .iter()
                .filter_map(|s| s.data.as_ref().map(|d| (s.name.as_str(), s.kind, d))),
        );
        let mut silences: Vec<SourcedSilence> = self
            .alerting
            .sources
            .iter()
            .filter_map(|s| s.data.as_ref().map(|d| (s, d)))
            .flat_map(|(s, d)| {
                d.silences.iter().map(|x| SourcedSilence {
                    source: s.name.clone(),
                    silence: x.clone(),
                })
            })
            .collect();
        silences.sort_by(|a, b| a.silence.ends_at.cmp(&b.silence.ends_at).reverse());
        self.alerting.silences = silences;
    }

    /// Applies what an alert source answered.
    pub fn apply_alert_source(
        &mut self,
        source: &str,
        result: Result<SourceData, String>,
        now: DateTime<Utc>,
    ) {
        let Some(s) = self.alerting.sources.iter_mut().find(|s| s.name == source) else {
            return;
        };
        match result {
            Ok(d) => {
                let was_down = matches!(s.status, SourceStatus::Down(_));
                s.status = SourceStatus::Up;
                s.last_ok = Some(now);
                s.data = Some(d);
                if was_down {
                    self.say(Level::Info, format!("{source}: alerts are back"));
                }
                self.remerge();
                self.alert_transitions(source, now);
                self.check_maintenance(now);
            }
            Err(e) => {
                let was_up = !matches!(s.status, SourceStatus::Down(_));
                s.status = SourceStatus::Down(e.clone());
                if was_up {
                    self.say(Level::Error, e);
                }
            }
        }
    }

    /// Journals a silence write: what it silences, until when and why, or why it failed.
    fn journal_silence_write(
        &mut self,
        source: &str,
        cmd: &SourceCmd,
        result: &Result<String, String>,
        now: DateTime<Utc>,
    ) {
        let join = |ms: &[Matcher]| {
            ms.iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (status, matchers, mut detail) = match cmd {
            SourceCmd::PutSilence(req) => (
                if req.id.is_some() {
                    "extended"
                } else {
                    "created"
                },
                join(&req.matchers),
                format!(
                    "until {} · {}",
                    req.ends_at.format("%Y-%m-%d %H:%M UTC"),
                    req.comment
                ),
            ),
            SourceCmd::Expire(id) => {
                let s = self
                    .alerting
                    .silences
                    .iter()
                    .find(|s| s.silence.id == *id)
                    .map(|s| (join(&s.silence.matchers), s.silence.comment.clone()));
                let (m, c) = s.unwrap_or_else(|| (String::new(), String::new()));
                ("expired", m, c)
            }
            _ => return,
        };
        let status = match result {
            Ok(id) => {
                if !id.is_empty() {
                    detail.push_str(&format!(" · id {}", short_id(id)));
                }
                status
            }
            Err(e) => {
                detail = format!("{status} failed: {e}");
                "failed"
            }
        };
        self.journal_silence(source, status, matchers, detail, now);
    }

    /// Reports a finished silence write.
    pub fn apply_silence_write(
        &mut self,
        source: &str,
        what: &str,
        cmd: &SourceCmd,
        result: Result<String, String>,
        now: DateTime<Utc>,
    ) {
        self.journal_silence_write(source, cmd, &result, now);
        self.maintenance_write(source, cmd, &result, now);
        match result {
            Ok(id) if !id.is_empty() => self.say(
                Level::Info,
                format!("{source}: {what}: {} done", short_id(&id)),
            ),
            Ok(_) => self.say(Level::Info, format!("{source}: {what} done")),
            Err(e) => self.say(Level::Error, format!("{what} failed: {e}")),
        }
    }

    /// The join of the current alerts with the visible inventory.
    pub fn join_alerts(&self) -> std::sync::Arc<(Index, Joined)> {
        self.derived
            .join
            .get((), self.derived.data, || self.compute_join())
    }

    fn compute_join(&self) -> (Index, Joined) {
        if self.alerting.alerts.is_empty() {
            // Nothing to join: no index of 10,000 instances kept for it.
            return Default::default();
        }
        let index = self.inventory_index();
        let joined = join(
            &self.alerting.alerts,
            &index,
            &self.alerting.label_map,
            &self.preferred_remotes(),
        );
        (index, joined)
    }

    /// What alerts are joined with: the objects of the remotes shown.
    pub(crate) fn inventory_index(&self) -> Index {
        Index::build(self.visible_remotes().map(|r| RemoteInventory {
            remote: &r.name,
            hosts: &r.hosts,
            instances: &r.instances,
            volumes: &r.volumes,
        }))
    }

    /// The remotes each alert source's alerts are preferably about (config `remotes`).
    pub(crate) fn preferred_remotes(&self) -> std::collections::HashMap<String, Vec<String>> {
        self.alerting
            .sources
            .iter()
            .filter(|s| !s.remotes.is_empty())
            .map(|s| (s.name.clone(), s.remotes.clone()))
            .collect()
    }

    /// True while an alert source is down (ages shown for it keep ticking).
    pub fn any_source_down(&self) -> bool {
        self.alerting
            .sources
            .iter()
            .any(|s| matches!(s.status, SourceStatus::Down(_)))
    }

    /// The selected row's key in a pane.
    pub(crate) fn selected_key(&self, pane: Pane, now: DateTime<Utc>) -> Option<RowKey> {
        let rows = view_rows(self, pane, now);
        if rows.is_empty() {
            return None;
        }
        Some(rows[self.selected_index(pane, &rows)].key.clone())
    }

    fn alert_by_key(&self, key: &str) -> Option<(usize, &MergedAlert)> {
        self.alerting
            .alerts
            .iter()
            .enumerate()
            .find(|(_, a)| a.fingerprint == key)
    }

    /// Alerts in a group header row.
    fn group_members(&self, group: &AlertGroup) -> Vec<usize> {
        let joined = &self.join_alerts().1;
        match group {
            AlertGroup::Name(name) => (0..self.alerting.alerts.len())
                .filter(|i| self.alerting.alerts[*i].name() == name)
                .collect(),
            AlertGroup::Object(obj) => {
                let obj = obj.as_ref().map(|o| o.key());
                (0..self.alerting.alerts.len())
                    .filter(|i| match (&joined.targets[*i], &obj) {
                        (None, None) => true,
                        (Some(_), Some(o)) => joined.is_about(*i, o),
                        _ => false,
                    })
                    .collect()
            }
        }
    }

    /// The alerts a row of the alerts pane stands for: one, or a group's.
    fn alerts_of_row(&self, key: &RowKey) -> Vec<usize> {
        match key {
            RowKey::AlertGroup(g) => self.group_members(g),
            RowKey::Alert(fp) => self
                .alert_by_key(fp)
                .map(|(i, _)| vec![i])
                .unwrap_or_default(),
            _ => vec![],
        }
    }

    /// `o`: from an alert to its object, from an object to its alerts.
    /// Shows an object's row in its pane, selected (the pane's filter cleared).
    fn go_to(&mut self, t: Target) {
        let pane = match t {
            Target::Instance { .. } => Pane::Instances,
            Target::Host { .. } => Pane::Hosts,
            Target::Volume { .. } => Pane::Volumes,
            Target::Snapshot { .. } => Pane::Snapshots,
        };
        self.pane = pane;
        self.say(Level::Info, format!("→ {}", t.describe()));
        let ps = &mut self.panes[pane.index()];
        ps.filter.clear();
        ps.selected_key = Some(RowKey::Object(t));
    }

    /// To an instance of a remote, by name (an operation's object).
    pub(crate) fn jump_to_instance(&mut self, remote: &str, name: &str) {
        let key = self
            .remotes
            .iter()
            .find(|r| r.name == remote)
            .and_then(|r| r.instances.iter().find(|i| i.inst.name == name))
            .map(|i| i.object());
        match key {
            Some(t) => self.go_to(t),
            None => self.say(Level::Warning, format!("{remote}:{name} is not listed")),
        }
    }

    pub fn jump(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(key) = self.selected_key(self.pane, now) else {
            self.say(Level::Warning, "nothing selected");
            return vec![];
        };
        // Where it goes is the pane's model's to say.
        super::panes::jump(self, self.pane, &key, now);
        vec![]
    }

    /// From an alert (or a group by object) to its object.
    pub(crate) fn jump_from_alert(&mut self, key: &RowKey) {
        let joined = &self.join_alerts().1;
        let target = match key {
            RowKey::AlertGroup(AlertGroup::Object(Some(obj))) => Some(obj.clone()),
            _ => self
                .alerts_of_row(key)
                .iter()
                .find_map(|i| joined.targets[*i].clone()),
        };
        let Some(t) = target else {
            self.say(
                Level::Warning,
                "this alert is not about a known Incus object (see alerts.object_labels)",
            );
            return;
        };
        self.go_to(t);
    }

    /// From a timeline line to the row it is about.
    pub(crate) fn jump_from_timeline(&mut self, key: &RowKey) {
        // A line about a row the console shows: to that row.
        let object = self
            .timeline_events()
            .into_iter()
            .find(|e| {
                RowKey::Timeline(e.at.timestamp_millis(), super::panes::timeline::hash(e)) == *key
            })
            .map(|e| e.object);
        let found = object.as_deref().and_then(|o| {
            self.remotes.iter().find_map(|r| {
                r.instances
                    .iter()
                    .find(|i| i.key() == o)
                    .map(|i| i.object())
                    .or_else(|| r.volumes.iter().find(|v| v.key() == o).map(|v| v.object()))
                    .or_else(|| r.hosts.iter().find(|h| h.key() == o).map(|h| h.object()))
            })
        });
        let Some(t) = found else {
            self.say(
                Level::Warning,
                "this line is not about a row the console shows",
            );
            return;
        };
        self.go_to(t);
    }

    /// From an object to its alerts.
    pub(crate) fn jump_to_alerts_of(&mut self, key: &RowKey, now: DateTime<Utc>) {
        self.pane = Pane::Alerts;
        let ps = &mut self.panes[Pane::Alerts.index()];
        ps.filter = format!("@{key}");
        ps.selected = 0;
        ps.selected_key = None;
        let n = view_rows(self, Pane::Alerts, now).len();
        self.say(
            Level::Info,
            format!("alerts of {key}: {n} (esc clears the filter)"),
        );
    }

    /// From a silence to the alerts its matchers select.
    pub(crate) fn jump_from_silence(&mut self, key: &RowKey) {
        let Some(s) = self.silence_by_key(key) else {
            return;
        };
        let ms: Vec<String> = s.silence.matchers.iter().map(|m| m.to_string()).collect();
        self.pane = Pane::Alerts;
        let ps = &mut self.panes[Pane::Alerts.index()];
        ps.filter = ms.join(" ");
        ps.selected_key = None;
    }

    /// From a job to its object.
    pub(crate) fn jump_from_job(&mut self, key: &RowKey) {
        let Some(t) = self.job_by_key(key).map(|j| j.spec.target().clone()) else {
            return;
        };
        let pane = if t.is_volume() {
            Pane::Volumes
        } else {
            Pane::Instances
        };
        self.pane = pane;
        let ps = &mut self.panes[pane.index()];
        ps.filter.clear();
        ps.selected_key = Some(RowKey::Object(t.object()));
    }

    /// From a definition to the instance it describes.
    pub(crate) fn jump_from_service(&mut self, key: &RowKey) {
        let RowKey::Service(file) = key else {
            return;
        };
        let Some(d) = self.services.definition(file).cloned() else {
            self.say(Level::Warning, "the definition is invalid");
            return;
        };
        let row = crate::inventory::ObjectKey::Instance {
            remote: d.remote.clone(),
            project: d.project.clone(),
            name: d.name.clone(),
        };
        self.pane = Pane::Instances;
        let exists = self
            .remotes
            .iter()
            .flat_map(|r| &r.instances)
            .any(|i| i.object() == row);
        let ps = &mut self.panes[Pane::Instances.index()];
        ps.filter.clear();
        ps.selected_key = Some(RowKey::Object(row));
        if !exists {
            self.say(
                Level::Warning,
                format!(
                    "{}:{} does not exist yet (a plan creates it)",
                    d.remote, d.name
                ),
            );
        }
    }

    pub fn silence_by_key(&self, key: &RowKey) -> Option<&SourcedSilence> {
        let RowKey::Silence { source, id } = key else {
            return None;
        };
        self.alerting
            .silences
            .iter()
            .find(|s| s.source == *source && s.silence.id == *id)
    }

    pub(crate) fn writable_alertmanagers(&self) -> (Vec<String>, Vec<String>) {
        let mut ok = Vec::new();
        let mut ro = Vec::new();
        for s in self
            .alerting
            .sources
            .iter()
            .filter(|s| s.kind == SourceKind::Alertmanager)
        {
            if s.readonly {
                ro.push(s.name.clone());
            } else {
                ok.push(s.name.clone());
            }
        }
        (ok, ro)
    }

    fn new_form(
        &self,
        matchers: String,
        targets: Vec<String>,
        skipped: Vec<String>,
    ) -> SilenceForm {
        SilenceForm {
            matchers,
            duration: self
                .alerting
                .silence_durations
                .first()
                .cloned()
                .unwrap_or_else(|| "2h".into()),
            author: self.alerting.silence_author.clone(),
            comment: String::new(),
            field: FormField::Comment,
            targets,
            skipped_readonly: skipped,
            extend: None,
            error: None,
            preset: 0,
        }
    }

    fn refuse_readonly(&mut self) -> bool {
        if self.readonly {
            self.say(
                Level::Error,
                "read-only (--readonly): silences cannot be changed",
            );
            return true;
        }
        false
    }

    /// `m`: opens the silence form for the selected alert (or group, or object).
    pub fn open_silence_form(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_readonly() {
            return vec![];
        }
        let Some(key) = self.selected_key(self.pane, now) else {
            self.say(Level::Warning, "nothing selected");
            return vec![];
        };
        let (writable, readonly) = self.writable_alertmanagers();
        let (matchers, sources): (Vec<Matcher>, Vec<String>) = match self.pane {
            Pane::Alerts => {
                let members = self.alerts_of_row(&key);
                let Some(first) = members.first().map(|i| &self.alerting.alerts[*i]) else {
                    return vec![];
                };
                let ms = if matches!(key, RowKey::AlertGroup(AlertGroup::Name(_))) {
                    vec![eq("alertname", first.name())]
                } else {
                    self.alert_matchers(first)
                };
                let mut srcs: Vec<String> = members
                    .iter()
                    .flat_map(|i| self.alerting.alerts[*i].sources.iter())
                    .filter(|v| v.kind == SourceKind::Alertmanager)
                    .map(|v| v.source.clone())
                    .collect();
                srcs.sort();
                srcs.dedup();
                (ms, srcs)
            }
            Pane::Instances | Pane::Hosts | Pane::Volumes if self.on_marks() => {
                match self.marked_matchers() {
                    Ok(ms) => (ms, writable.clone()),
                    Err(why) => {
                        self.say(Level::Warning, why);
                        return vec![];
                    }
                }
            }
            Pane::Instances | Pane::Hosts | Pane::Volumes => {
                (self.object_matchers(&key.to_string()), writable.clone())
            }
            _ => {
                self.say(
                    Level::Warning,
                    "select an alert, instance, host or volume to silence",
                );
                return vec![];
            }
        };
        let targets: Vec<String> = sources
            .iter()
            .filter(|s| writable.contains(s))
            .cloned()
            .collect();
        let skipped: Vec<String> = sources
            .iter()
            .filter(|s| readonly.contains(s))
            .cloned()
            .collect();
        if targets.is_empty() {
            let why = if self
                .alerting
                .sources
                .iter()
                .all(|s| s.kind != SourceKind::Alertmanager)
            {
                "no Alertmanager is configured ([[alertmanagers]] in config.toml)".to_string()
            } else if !skipped.is_empty() {
                format!("read-only: {} does not take silences", skipped.join(", "))
            } else {
                "this alert is not in any Alertmanager (Prometheus only): nothing to silence yet"
                    .into()
            };
            self.say(Level::Error, why);
            return vec![];
        }
        let line = matchers
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        self.open(self.new_form(line, targets, skipped));
        vec![]
    }

    /// Matchers for one alert: its name and the label that names its object (all labels when
    /// it is about no known object).
    fn alert_matchers(&self, a: &MergedAlert) -> Vec<Matcher> {
        let mut ms = vec![eq("alertname", a.name())];
        let by_object = self
            .alerting
            .label_map
            .object_labels
            .iter()
            .find(|l| a.labels.contains_key(*l));
        match by_object {
            Some(l) => ms.push(eq(l, &a.labels[l])),
            None => ms.extend(
                a.labels
                    .iter()
                    .filter(|(k, _)| *k != "alertname")
                    .map(|(k, v)| eq(k, v)),
            ),
        }
        ms
    }

    /// A matcher for every alert about an object: the label its current alerts use (or the
    /// first of the label map), matching the name with any domain or port after it.
    fn object_matchers(&self, key: &str) -> Vec<Matcher> {
        self.object_matchers_of(key, self.pane == Pane::Volumes)
    }

    /// Matchers for the alerts about an object: its name, or for an instance one of its
    /// addresses (`grafana01.incus:9100`, `10.0.0.5:9100`), in the label its alerts use.
    /// One set of matchers for every marked object: their names (and addresses) as one
    /// alternation on the label they are known by — a maintenance silence of them all.
    fn marked_matchers(&self) -> Result<Vec<Matcher>, String> {
        let volume = self.pane == Pane::Volumes;
        let mut label: Option<String> = None;
        let mut values: Vec<String> = Vec::new();
        let mut keys: Vec<String> = self
            .marks(self.pane)
            .iter()
            .map(|k| k.to_string())
            .collect();
        keys.sort();
        for key in keys {
            for m in self.object_matchers_of(&key, volume) {
                match &label {
                    Some(l) if *l != m.name => {
                        return Err(format!(
                            "the marked objects are known by different labels ({l}, {}): silence them one by one",
                            m.name
                        ));
                    }
                    _ => label = Some(m.name.clone()),
                }
                values.push(m.value);
            }
        }
        let Some(name) = label else {
            return Err("nothing marked to silence".into());
        };
        Ok(vec![Matcher {
            name,
            value: format!("({})", values.join("|")),
            is_regex: true,
            is_equal: true,
        }])
    }

    pub(crate) fn object_matchers_of(&self, key: &str, volume: bool) -> Vec<Matcher> {
        use crate::alerts::types::regex_escape;
        let joined = &self.join_alerts().1;
        let name = key.rsplit('/').next().unwrap_or(key).to_string();
        let mut names = vec![regex_escape(&name)];
        if !volume {
            let ips = self
                .remotes
                .iter()
                .flat_map(|r| r.instances.iter())
                .find(|i| i.key() == key)
                .and_then(|i| i.state())
                .map(|s| s.ipv4())
                .unwrap_or_default();
            names.extend(ips.iter().map(|ip| regex_escape(ip)));
        }
        let pattern = if names.len() == 1 {
            names.remove(0)
        } else {
            format!("({})", names.join("|"))
        };
        let label = (0..joined.targets.len())
            .find(|i| joined.is_about(*i, key))
            .and_then(|i| {
                self.alerting
                    .label_map
                    .object_labels
                    .iter()
                    .find(|l| self.alerting.alerts[i].labels.contains_key(*l))
                    .cloned()
            })
            .unwrap_or_else(|| {
                let want = if volume { "volume" } else { "instance" };
                self.alerting
                    .label_map
                    .object_labels
                    .iter()
                    .find(|l| l.as_str() == want)
                    .or(self.alerting.label_map.object_labels.first())
                    .cloned()
                    .unwrap_or_else(|| want.into())
            });
        vec![Matcher {
            name: label,
            value: format!("{pattern}([.:].*)?"),
            is_regex: true,
            is_equal: true,
        }]
    }

    /// Alerts (indices) the form's matchers select right now.
    pub fn affected_alerts(&self, form: &SilenceForm) -> Result<Vec<usize>, String> {
        let ms = compile_all(&form.parsed_matchers()?).map_err(|e| e.to_string())?;
        Ok((0..self.alerting.alerts.len())
            .filter(|i| all_match(&ms, &self.alerting.alerts[*i].labels))
            .collect())
    }

    /// The silence selected in the silences pane, if a write to it (`verb`) is allowed; says
    /// why not otherwise.
    fn writable_selected_silence(
        &mut self,
        verb: &str,
        now: DateTime<Utc>,
    ) -> Option<SourcedSilence> {
        if self.refuse_readonly() {
            return None;
        }
        if self.pane != Pane::Silences {
            self.say(
                Level::Warning,
                format!("select a silence in the silences pane (6) to {verb} it"),
            );
            return None;
        }
        let Some(s) = self
            .selected_key(Pane::Silences, now)
            .and_then(|k| self.silence_by_key(&k).cloned())
        else {
            self.say(Level::Warning, "nothing selected");
            return None;
        };
        if self
            .alerting
            .sources
            .iter()
            .any(|x| x.name == s.source && x.readonly)
        {
            self.say(
                Level::Error,
                format!("read-only: {} does not take silences", s.source),
            );
            return None;
        }
        Some(s)
    }

    /// `+`: extend the selected silence.
    pub fn open_extend_form(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(s) = self.writable_selected_silence("extend", now) else {
            return vec![];
        };
        let line = s
            .silence
            .matchers
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let mut form = self.new_form(line, vec![s.source.clone()], vec![]);
        form.comment = s.silence.comment.clone();
        form.author = s.silence.created_by.clone();
        form.field = FormField::Duration;
        if s.silence.status.state == "expired" {
            // Alertmanager cannot revive an expired silence: this creates a new one like it.
            form.extend = None;
        } else {
            form.extend = Some((s.silence.id.clone(), s.silence.ends_at));
        }
        self.open(form);
        vec![]
    }

    /// `e`: expire the selected silence, after a confirmation.
    pub fn ask_expire(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(s) = self.writable_selected_silence("expire", now) else {
            return vec![];
        };
        if s.silence.status.state == "expired" {
            self.say(Level::Warning, "this silence has already expired");
            return vec![];
        }
        let ms: Vec<String> = s.silence.matchers.iter().map(|m| m.to_string()).collect();
        self.open(Confirm::new(
            format!(
                "Expire silence {} on {} ({})? The alerts it silences will notify again.",
                short_id(&s.silence.id),
                s.source,
                ms.join(" ")
            ),
            vec![Effect::Alert {
                source: s.source.clone(),
                cmd: SourceCmd::Expire(s.silence.id.clone()),
            }],
        ));
        vec![]
    }
}

fn eq(name: &str, value: &str) -> Matcher {
    Matcher {
        name: name.into(),
        value: value.into(),
        is_regex: false,
        is_equal: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_filter_splits_matchers_objects_and_words() {
        let (m, o, rest) =
            split_alert_filter("severity=critical @local/default/grafana01 graf instance=~\"g.*\"");
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].value, "g.*");
        assert_eq!(o, ["local/default/grafana01"]);
        assert_eq!(rest, "graf");
    }

    #[test]
    fn form_validates_every_field() {
        let now = Utc::now();
        let mut f = SilenceForm {
            matchers: "alertname=\"A\"".into(),
            duration: "2h".into(),
            author: "me@host".into(),
            comment: String::new(),
            field: FormField::Matchers,
            targets: vec!["am".into()],
            skipped_readonly: vec![],
            extend: None,
            error: None,
            preset: 0,
        };
        assert_eq!(f.request(now).unwrap_err().0, FormField::Comment);
        f.comment = "maintenance".into();
        let r = f.request(now).unwrap();
        assert_eq!((r.ends_at - r.starts_at).num_hours(), 2);
        f.duration = "2 hours".into();
        assert_eq!(f.request(now).unwrap_err().0, FormField::Duration);
        f.duration = "1h".into();
        f.matchers = "alertname=~\".*\"".into();
        assert_eq!(f.request(now).unwrap_err().0, FormField::Matchers);
        f.matchers = "".into();
        assert_eq!(f.request(now).unwrap_err().0, FormField::Matchers);
        f.matchers = "alertname=A".into();
        let end = now + chrono::Duration::hours(5);
        f.extend = Some(("id1".into(), end));
        let r = f.request(now).unwrap();
        assert_eq!(r.id.as_deref(), Some("id1"));
        assert_eq!(r.ends_at, end + chrono::Duration::hours(1));
    }
}
