//! Cluster jobs as the console and the headless commands plan them: which member may be
//! evacuated or restored, where an instance may move, and whether it must be stopped for it.

use crate::inventory::{HostRow, Instance};
use crate::jobs::{JobSpec, MemberAction, Target};

/// Whether a member takes instances: online and not evacuated.
pub fn available(h: &HostRow) -> bool {
    h.status.eq_ignore_ascii_case("online")
}

/// The cluster member `name` among a remote's hosts, or why there is none.
fn member<'a>(hosts: &'a [HostRow], remote: &str, name: &str) -> Result<&'a HostRow, String> {
    let members: Vec<&HostRow> = hosts.iter().filter(|h| h.clustered).collect();
    if members.is_empty() {
        return Err(format!("{remote} is not a cluster"));
    }
    members
        .iter()
        .copied()
        .find(|h| h.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = members.iter().map(|h| h.name.as_str()).collect();
            format!("no member named {name:?} (members: {})", names.join(", "))
        })
}

/// Evacuating `name`: it must be online, and another member must be there to take its
/// instances. Returns the job and the members that can take them.
pub fn evacuate(
    hosts: &[HostRow],
    remote: &str,
    name: &str,
    mode: &str,
) -> Result<(JobSpec, Vec<String>), String> {
    let h = member(hosts, remote, name)?;
    if h.status.eq_ignore_ascii_case("evacuated") {
        return Err(format!("{name} is already evacuated"));
    }
    if !available(h) {
        return Err(format!(
            "{name} is {}: it cannot be evacuated now",
            h.status
        ));
    }
    if !matches!(mode, "" | "auto" | "migrate" | "live-migrate" | "stop") {
        return Err(format!(
            "mode {mode:?}: auto, migrate, live-migrate or stop"
        ));
    }
    let others: Vec<String> = hosts
        .iter()
        .filter(|m| m.clustered && m.name != name && available(m))
        .map(|m| m.name.clone())
        .collect();
    if others.is_empty() {
        return Err(format!(
            "{name}: no other member is online to take its instances"
        ));
    }
    let spec = JobSpec::Member {
        target: Target::host(remote, name),
        action: MemberAction::Evacuate,
        mode: if mode == "auto" {
            String::new()
        } else {
            mode.to_string()
        },
    };
    Ok((spec, others))
}

/// Restoring `name`: it must be evacuated.
pub fn restore(hosts: &[HostRow], remote: &str, name: &str) -> Result<JobSpec, String> {
    let h = member(hosts, remote, name)?;
    if !h.status.eq_ignore_ascii_case("evacuated") {
        return Err(format!(
            "{name} is not evacuated ({}): nothing to restore",
            h.status
        ));
    }
    Ok(JobSpec::Member {
        target: Target::host(remote, name),
        action: MemberAction::Restore,
        mode: String::new(),
    })
}

/// Moving an instance to member `to`: another member than its own, online. A running (or
/// frozen) one is stopped, moved and started again.
pub fn move_to(
    hosts: &[HostRow],
    remote: &str,
    inst: &Instance,
    to: &str,
) -> Result<JobSpec, String> {
    let m = member(hosts, remote, to)?;
    if hosts.iter().filter(|h| h.clustered).count() < 2 {
        return Err(format!("{remote} is not a cluster of several members"));
    }
    if m.name == inst.location {
        return Err(format!("{} already runs on {to}", inst.name));
    }
    if !available(m) {
        return Err(format!("{to} is {}: it takes no instances now", m.status));
    }
    Ok(JobSpec::Move {
        target: Target::instance(remote, &inst.project, &inst.name),
        to: to.to_string(),
        restart: running(inst),
    })
}

/// Running or frozen: it has to stop to move.
pub fn running(inst: &Instance) -> bool {
    matches!(
        inst.status.to_ascii_lowercase().as_str(),
        "running" | "frozen"
    )
}

/// The custom volumes attached to an instance (they stay on their member unless their pool is
/// shared).
pub fn attached_volumes(inst: &Instance) -> Vec<&str> {
    inst.expanded_devices
        .iter()
        .map(|(_, d)| d)
        .filter(|d| d.get("type") == Some("disk") && d.get("path") != Some("/"))
        .filter_map(|d| d.get("source").filter(|_| d.contains_key("pool")))
        .collect()
}

/// The steps of a move, for its confirmation.
pub fn move_plan(inst: &Instance, to: &str) -> Vec<String> {
    let (name, from) = (&inst.name, &inst.location);
    let mut out = if running(inst) {
        vec![
            format!("1. stop {name} (clean; forced after 30s)"),
            format!("2. move it from {from} to {to} (its data copied between the members)"),
            format!("3. start it on {to} (again on {from} if the move fails)"),
        ]
    } else {
        vec![format!(
            "move it from {from} to {to} (its data copied between the members); it stays stopped"
        )]
    };
    let volumes = attached_volumes(inst);
    if !volumes.is_empty() {
        out.push(format!(
            "Volume {} attached: Incus refuses the move unless its pool is shared.",
            volumes.join(", ")
        ));
    }
    out
}

/// How Incus will treat an instance when its member is evacuated, for the plan.
pub fn evacuation_policy(inst: &Instance) -> String {
    let policy = inst
        .expanded_config
        .get("cluster.evacuate")
        .or_else(|| inst.config.get("cluster.evacuate"))
        .unwrap_or("auto");
    let volumes = attached_volumes(inst);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, status: &str, clustered: bool) -> HostRow {
        HostRow {
            remote: "local".into(),
            name: name.into(),
            status: status.into(),
            clustered,
            ..Default::default()
        }
    }

    #[test]
    fn members_are_checked_before_a_job_is_planned() {
        let standalone = [host("atlas", "Online", false)];
        assert_eq!(
            evacuate(&standalone, "local", "atlas", "").unwrap_err(),
            "local is not a cluster"
        );
        let hosts = [
            host("a1", "Online", true),
            host("a2", "Offline", true),
            host("a3", "Evacuated", true),
        ];
        // The only other online member is offline or evacuated: nobody takes the instances.
        assert!(
            evacuate(&hosts, "local", "a1", "")
                .unwrap_err()
                .contains("no other member")
        );
        assert!(
            evacuate(&hosts, "local", "a2", "")
                .unwrap_err()
                .contains("is Offline")
        );
        assert!(
            evacuate(&hosts, "local", "a3", "")
                .unwrap_err()
                .contains("already evacuated")
        );
        assert!(
            restore(&hosts, "local", "a1")
                .unwrap_err()
                .contains("not evacuated")
        );
        assert!(restore(&hosts, "local", "a3").is_ok());
        let two = [host("a1", "Online", true), host("a2", "Online", true)];
        let (spec, others) = evacuate(&two, "local", "a1", "migrate").unwrap();
        assert_eq!(others, ["a2"]);
        assert!(matches!(spec, JobSpec::Member { ref mode, .. } if mode == "migrate"));
        assert!(evacuate(&two, "local", "a1", "later").is_err());
        let mut inst = Instance {
            name: "web".into(),
            location: "a1".into(),
            status: "Frozen".into(),
            ..Default::default()
        };
        assert!(matches!(
            move_to(&two, "local", &inst, "a2").unwrap(),
            JobSpec::Move { restart: true, .. }
        ));
        inst.status = "Stopped".into();
        assert!(matches!(
            move_to(&two, "local", &inst, "a2").unwrap(),
            JobSpec::Move { restart: false, .. }
        ));
        assert!(
            move_to(&hosts, "local", &inst, "a2")
                .unwrap_err()
                .contains("takes no instances")
        );
        assert!(
            move_to(&two, "local", &inst, "a9")
                .unwrap_err()
                .contains("members: a1, a2")
        );
    }
}
