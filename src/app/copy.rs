//! `y`: what can be copied from the selected row (or the open detail's row) — one value is
//! copied at once, several are offered to pick from.

use chrono::{DateTime, Utc};

use super::cells::RowKey;
use super::effect::Effect;
use super::layers::copy::CopyPicker;
use super::rows::view_rows;
use super::state::{AppState, Level};
use crate::inventory::ObjectKey;

impl AppState {
    /// (what it is, its value) of everything a row can be copied as, the most used first.
    pub fn copy_choices(&self, key: &RowKey) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut add = |what: &str, value: String| {
            if !value.is_empty() && !out.iter().any(|(_, v)| *v == value) {
                out.push((what.to_string(), value));
            }
        };
        match key {
            RowKey::Alert(fp) => {
                if let Some(a) = self.alerting.alerts.iter().find(|a| a.fingerprint == *fp) {
                    let runbook = a
                        .annotations
                        .get("runbook_url")
                        .or(a.annotations.get("runbook"));
                    if let Some(r) = runbook {
                        add("runbook", r.clone());
                    }
                    add("source link", a.generator_url.clone());
                    add("alert name", a.name().to_string());
                }
                add("fingerprint", fp.clone());
            }
            RowKey::Silence { id, .. } => add("id", id.clone()),
            RowKey::Object(o) => {
                add("name", o.name().to_string());
                if let ObjectKey::Instance { .. } = o {
                    self.instance_choices(o, &mut add);
                }
                add("key", key.to_string());
            }
            RowKey::Remote(r) => add("remote", r.clone()),
            RowKey::Service(f) => add("file", f.display().to_string()),
            RowKey::Job(id) => {
                if let Some(j) = self.work.jobs.iter().find(|j| j.id == *id) {
                    for line in j.cli.iter().chain(self.cli_of(&j.spec).iter()).take(1) {
                        add("command line", line.clone());
                    }
                    add("target", j.spec.target().label());
                }
                add("job id", id.to_string());
            }
            RowKey::Journal(i) => {
                if let Some(e) = self.work.journal.get(*i) {
                    for line in e.cli.iter().take(1) {
                        add("command line", line.clone());
                    }
                    add("detail", e.detail.clone());
                    add("target", e.target.clone());
                }
            }
            RowKey::Activity { .. } => {
                if let Some((_, o)) = super::panes::activity::operation_of(self, key) {
                    add("description", o.description.clone());
                    add("id", o.id.clone());
                }
                if let Some((_, w)) = super::panes::activity::warning_of(self, key) {
                    add("message", w.message.clone());
                    add("id", w.id.clone());
                }
            }
            RowKey::AlertGroup(_) | RowKey::Timeline(..) => {}
        }
        out
    }

    /// An instance's address, its CLI name and its VMID where it has one.
    fn instance_choices(&self, o: &ObjectKey, add: &mut impl FnMut(&str, String)) {
        let Some(r) = self.remotes.iter().find(|r| r.name == o.remote()) else {
            return;
        };
        let Some(i) = r.instances.iter().find(|i| i.object() == *o) else {
            return;
        };
        if let Some(ip) = i.state().and_then(|s| s.ipv4().first().cloned()) {
            add("IPv4", ip);
        }
        let project = match i.inst.project.as_str() {
            "" | "default" => String::new(),
            p => format!("{p}/"),
        };
        add(
            "remote:name",
            format!("{}:{project}{}", r.name, i.inst.name),
        );
        if let Some(id) = i.inst.config.get("pve.vmid") {
            add("VMID", id.to_string());
        }
    }

    /// Copies what the selected row (or the row of the open detail) is best known by, or offers
    /// the choice.
    pub(crate) fn copy(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let key = match self.detail() {
            Some(d) => Some(d.key.clone()),
            None => {
                let rows = view_rows(self, self.pane, now);
                (!rows.is_empty()).then(|| rows[self.selected_index(self.pane, &rows)].key.clone())
            }
        };
        let Some(key) = key else {
            self.say(Level::Warning, "nothing to copy here");
            return vec![];
        };
        let mut choices = self.copy_choices(&key);
        match choices.len() {
            0 => {
                self.say(Level::Warning, "nothing to copy here");
                vec![]
            }
            1 => {
                let (what, value) = choices.remove(0);
                self.say(Level::Info, format!("copied {what}: {value}"));
                vec![Effect::Copy(value)]
            }
            _ => {
                self.open(CopyPicker {
                    row: key.to_string(),
                    choices,
                    selected: 0,
                });
                vec![]
            }
        }
    }
}
