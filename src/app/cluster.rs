//! Cluster actions: evacuate a member, restore it, move an instance to another member. Each
//! one shows its plan in the confirmation (what moves where, what stops) and runs as a job.

use chrono::{DateTime, Utc};

use super::action_forms::Selected;
use super::effect::Effect;
use super::state::{AppState, Layer, Level, PaletteState};
use crate::inventory::{HostRow, InstanceRow};
use crate::jobs::{JobSpec, MemberAction, Target};

/// Whether a member takes instances: online and not evacuated.
fn available(h: &HostRow) -> bool {
    h.status.eq_ignore_ascii_case("online")
}

/// The custom volumes attached to an instance (they stay on their member unless their pool is
/// shared).
fn attached_volumes(i: &InstanceRow) -> Vec<&str> {
    i.inst
        .expanded_devices
        .iter()
        .map(|(_, d)| d)
        .filter(|d| d.get("type") == Some("disk") && d.get("path") != Some("/"))
        .filter_map(|d| d.get("source").filter(|_| d.contains_key("pool")))
        .collect()
}

/// How Incus will treat an instance when its member is evacuated, for the plan.
fn evacuation_policy(i: &InstanceRow) -> String {
    let policy = i
        .inst
        .expanded_config
        .get("cluster.evacuate")
        .or_else(|| i.inst.config.get("cluster.evacuate"))
        .unwrap_or("auto");
    let volumes = attached_volumes(i);
    match policy {
        "migrate" => "moved to another member (cluster.evacuate=migrate)".into(),
        "live-migrate" => "moved live (cluster.evacuate=live-migrate)".into(),
        "stop" => "stopped here (cluster.evacuate=stop)".into(),
        _ if !volumes.is_empty() => format!(
            "auto: volume {} attached — stopped here unless its pool is shared",
            volumes.join(", ")
        ),
        _ => "auto: moved to another member".into(),
    }
}

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

    /// The members of a remote's cluster.
    fn members_of(&self, remote: &str) -> Vec<HostRow> {
        self.remotes
            .iter()
            .find(|r| r.name == remote)
            .map(|r| r.hosts.iter().filter(|h| h.clustered).cloned().collect())
            .unwrap_or_default()
    }

    /// The instances a member runs.
    fn instances_on(&self, remote: &str, member: &str) -> Vec<InstanceRow> {
        self.remotes
            .iter()
            .find(|r| r.name == remote)
            .map(|r| {
                r.instances
                    .iter()
                    .filter(|i| i.inst.location == member)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Evacuate the selected member: the plan lists each instance and what becomes of it.
    pub fn action_evacuate(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("evacuate") {
            return vec![];
        }
        let Some(h) = self.need_member(now, "evacuate") else {
            return vec![];
        };
        if h.status.eq_ignore_ascii_case("evacuated") {
            self.say(
                Level::Warning,
                format!("{} is already evacuated (r restores it)", h.name),
            );
            return vec![];
        }
        if !available(&h) {
            self.say(
                Level::Warning,
                format!("{} is {}: it cannot be evacuated now", h.name, h.status),
            );
            return vec![];
        }
        let others: Vec<String> = self
            .members_of(&h.remote)
            .into_iter()
            .filter(|m| m.name != h.name && available(m))
            .map(|m| m.name)
            .collect();
        if others.is_empty() {
            self.say(
                Level::Warning,
                format!(
                    "{}: no other member is online to take its instances",
                    h.name
                ),
            );
            return vec![];
        }
        let spec = JobSpec::Member {
            target: Target::host(&h.remote, &h.name),
            action: MemberAction::Evacuate,
            mode: String::new(),
        };
        let instances = self.instances_on(&h.remote, &h.name);
        let mut body = vec![format!(
            "It takes no new instances until restored. Members that can take its instances: {}.",
            others.join(", ")
        )];
        if instances.is_empty() {
            body.push("No instance runs on it.".into());
        } else {
            body.push(format!("Its {} instance(s):", instances.len()));
            for i in &instances {
                body.push(format!(
                    "  {} ({}): {}",
                    i.inst.name,
                    i.status(),
                    evacuation_policy(i)
                ));
            }
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
        if !h.status.eq_ignore_ascii_case("evacuated") {
            self.say(
                Level::Warning,
                format!(
                    "{} is not evacuated ({}): nothing to restore",
                    h.name, h.status
                ),
            );
            return vec![];
        }
        let back: Vec<String> = self
            .remotes
            .iter()
            .find(|r| r.name == h.remote)
            .map(|r| {
                r.instances
                    .iter()
                    .filter(|i| {
                        i.inst.config.get("volatile.evacuate.origin") == Some(h.name.as_str())
                            || i.inst.expanded_config.get("volatile.evacuate.origin")
                                == Some(h.name.as_str())
                    })
                    .map(|i| {
                        format!(
                            "  {} (now on {}, {})",
                            i.inst.name,
                            i.inst.location,
                            i.status()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let spec = JobSpec::Member {
            target: Target::host(&h.remote, &h.name),
            action: MemberAction::Restore,
            mode: String::new(),
        };
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

    /// Move the selected instance to member `to`; without one, the palette offers the members.
    pub fn action_move(&mut self, to: Option<String>, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("move") {
            return vec![];
        }
        let i = match self.selected_object(now) {
            Selected::Instance(i) => i,
            _ => {
                self.say(
                    Level::Warning,
                    "move: select an instance (2 instances pane)",
                );
                return vec![];
            }
        };
        let members = self.members_of(&i.remote);
        if members.len() < 2 {
            self.say(
                Level::Warning,
                format!("move: {} is not a cluster of several members", i.remote),
            );
            return vec![];
        }
        let Some(to) = to else {
            self.open(Layer::Palette(PaletteState {
                input: "move ".into(),
                selected: 0,
            }));
            return vec![];
        };
        let Some(m) = members.iter().find(|m| m.name == to) else {
            let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
            self.say(
                Level::Error,
                format!("no member named {to:?} (members: {})", names.join(", ")),
            );
            return vec![];
        };
        if m.name == i.inst.location {
            self.say(
                Level::Warning,
                format!("{} already runs on {to}", i.inst.name),
            );
            return vec![];
        }
        if !available(m) {
            self.say(
                Level::Warning,
                format!("{to} is {}: it takes no instances now", m.status),
            );
            return vec![];
        }
        let status = i.status().to_ascii_lowercase();
        let running = matches!(status.as_str(), "running" | "frozen");
        let spec = JobSpec::Move {
            target: Target::instance(&i.remote, &i.inst.project, &i.inst.name),
            to: to.clone(),
            restart: running,
        };
        let from = &i.inst.location;
        let mut body = Vec::new();
        if running {
            body.push(format!("1. stop {} (clean; forced after 30s)", i.inst.name));
            body.push(format!(
                "2. move it from {from} to {to} (its data copied between the members)"
            ));
            body.push(format!(
                "3. start it on {to} (again on {from} if the move fails)"
            ));
        } else {
            body.push(format!(
                "move it from {from} to {to} (its data copied between the members); it stays stopped"
            ));
        }
        let volumes = attached_volumes(&i);
        if !volumes.is_empty() {
            body.push(format!(
                "Volume {} attached: Incus refuses the move unless its pool is shared.",
                volumes.join(", ")
            ));
        }
        let prompt = if running {
            format!(
                "Move {} to {to}? It is {status}: it stops during the move.",
                spec.target().label()
            )
        } else {
            format!("Move {} to {to}?", spec.target().label())
        };
        self.ask_job(spec, prompt, body)
    }
}
