//! Cluster actions: evacuate a member, restore it, move an instance to another member. Each
//! one shows its plan in the confirmation (what moves where, what stops) and runs as a job; the
//! checks and plans are the headless commands' too (`usecase::cluster`).

use chrono::{DateTime, Utc};

use super::action_forms::Selected;
use super::effect::Effect;
use super::layers::palette::PaletteState;
use super::state::{AppState, Level};
use crate::inventory::{HostRow, InstanceRow};
use crate::usecase::cluster as plan;

impl AppState {
    /// The selected host row, when it is a cluster member.
    fn need_member(&mut self, now: DateTime<Utc>, what: &str) -> Option<HostRow> {
        match self.selected_object(now) {
            Selected::Host(h) if h.clustered => Some(h),
            Selected::Host(h) => {
                self.say(
                    Level::Warning,
                    format!("{what}: {} is not a cluster member", h.name),
                );
                None
            }
            _ => {
                self.say(
                    Level::Warning,
                    format!("{what}: select a cluster member (1 hosts pane)"),
                );
                None
            }
        }
    }

    fn hosts_of(&self, remote: &str) -> &[HostRow] {
        self.remotes
            .iter()
            .find(|r| r.name == remote)
            .map(|r| r.hosts.as_slice())
            .unwrap_or(&[])
    }

    fn instances_of(&self, remote: &str) -> &[InstanceRow] {
        self.remotes
            .iter()
            .find(|r| r.name == remote)
            .map(|r| r.instances.as_slice())
            .unwrap_or(&[])
    }

    /// Evacuate the selected member: the plan lists each instance and what becomes of it.
    pub fn action_evacuate(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("evacuate") {
            return vec![];
        }
        let Some(h) = self.need_member(now, "evacuate") else {
            return vec![];
        };
        let (spec, others) = match plan::evacuate(self.hosts_of(&h.remote), &h.remote, &h.name, "")
        {
            Ok(p) => p,
            Err(e) if h.status.eq_ignore_ascii_case("evacuated") => {
                self.say(Level::Warning, format!("{e} (r restores it)"));
                return vec![];
            }
            Err(e) => {
                self.say(Level::Warning, e);
                return vec![];
            }
        };
        let mut body = vec![format!(
            "It takes no new instances until restored. Members that can take its instances: {}.",
            others.join(", ")
        )];
        let instances: Vec<String> = self
            .instances_of(&h.remote)
            .iter()
            .filter(|i| i.inst.location == h.name)
            .map(|i| {
                format!(
                    "  {} ({}): {}",
                    i.inst.name,
                    i.status(),
                    plan::evacuation_policy(&i.inst)
                )
            })
            .collect();
        if instances.is_empty() {
            body.push("No instance runs on it.".into());
        } else {
            body.push(format!("Its {} instance(s):", instances.len()));
            body.extend(instances);
        }
        let prompt = format!("Evacuate {}?", spec.target().label());
        self.ask_job(spec, prompt, body)
    }

    /// Restore the selected (evacuated) member: its instances come back.
    pub fn action_restore_member(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("restore") {
            return vec![];
        }
        let Some(h) = self.need_member(now, "restore") else {
            return vec![];
        };
        let spec = match plan::restore(self.hosts_of(&h.remote), &h.remote, &h.name) {
            Ok(s) => s,
            Err(e) => {
                self.say(Level::Warning, e);
                return vec![];
            }
        };
        let back: Vec<String> = self
            .instances_of(&h.remote)
            .iter()
            .filter(|i| {
                [&i.inst.config, &i.inst.expanded_config]
                    .iter()
                    .any(|c| c.get("volatile.evacuate.origin") == Some(h.name.as_str()))
            })
            .map(|i| {
                format!(
                    "  {} (now on {}, {})",
                    i.inst.name,
                    i.inst.location,
                    i.status()
                )
            })
            .collect();
        let mut body =
            vec!["It takes instances again; the ones it stopped start again.".to_string()];
        if back.is_empty() {
            body.push("No instance was moved away from it.".into());
        } else {
            body.push("Coming back:".into());
            body.extend(back);
        }
        let prompt = format!("Restore {}?", spec.target().label());
        self.ask_job(spec, prompt, body)
    }

    /// Every marked instance moved to one member (each checked as a single move is).
    fn bulk_move(&mut self, to: &str, now: DateTime<Utc>) -> Vec<Effect> {
        let mut plan = super::job_view::BatchPlan {
            what: format!("move to {to}"),
            jobs: vec![],
            skipped: vec![],
        };
        for (key, obj) in self.marked_objects() {
            let Selected::Instance(i) = obj else {
                plan.skipped
                    .push((key.to_string(), "not an instance".into()));
                continue;
            };
            match plan::move_to(self.hosts_of(&i.remote), &i.remote, &i.inst, to) {
                Ok(spec) => plan.jobs.push(spec),
                Err(why) => plan.skipped.push((i.key(), why)),
            }
        }
        self.ask_batch(plan, now)
    }

    /// Move the selected instance (or every marked one) to member `to`; without one, the
    /// palette offers the members.
    pub fn action_move(&mut self, to: Option<String>, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("move") {
            return vec![];
        }
        if let (true, Some(to)) = (self.on_marks(), &to) {
            return self.bulk_move(to, now);
        }
        let Selected::Instance(i) = self.selected_object(now) else {
            self.say(
                Level::Warning,
                "move: select an instance (2 instances pane)",
            );
            return vec![];
        };
        let Some(to) = to else {
            if !self.on_marks()
                && self
                    .hosts_of(&i.remote)
                    .iter()
                    .filter(|h| h.clustered)
                    .count()
                    < 2
            {
                self.say(
                    Level::Warning,
                    format!("move: {} is not a cluster of several members", i.remote),
                );
                return vec![];
            }
            self.open(PaletteState {
                input: "move ".into(),
                selected: 0,
            });
            return vec![];
        };
        let spec = match plan::move_to(self.hosts_of(&i.remote), &i.remote, &i.inst, &to) {
            Ok(s) => s,
            Err(e) => {
                self.say(Level::Warning, e);
                return vec![];
            }
        };
        let body = plan::move_plan(&i.inst, &to);
        let prompt = if plan::running(&i.inst) {
            format!(
                "Move {} to {to}? It is {}: it stops during the move.",
                spec.target().label(),
                i.status().to_ascii_lowercase()
            )
        } else {
            format!("Move {} to {to}?", spec.target().label())
        };
        self.ask_job(spec, prompt, body)
    }
}
