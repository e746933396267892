//! Cluster jobs: evacuating and restoring a member, moving an instance to another member.

use atlas_core::jobs::{MemberAction, Target};
use atlas_core::ops::{CancelRx, Reporter, Stop, requested};

use super::step::{follow, stop_agreed, why_not_started};
use crate::client::{IncusClient, Scope};
use crate::ops::PowerAction;

/// Evacuates or restores a member, following Incus's operation (its `evacuation_progress` names
/// each instance as it is stopped, migrated and started). The result says where the member's
/// instances are afterwards.
pub(super) async fn member(
    client: &IncusClient,
    t: &Target,
    action: MemberAction,
    mode: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    let m = t.name.as_str();
    // What runs there now, to say afterwards where each one went.
    let before = on_member(client, m).await.unwrap_or_default();
    if action == MemberAction::Evacuate && !before.is_empty() {
        let names: Vec<&str> = before.iter().map(|(_, n, _)| n.as_str()).collect();
        rep.log(format!("on {m}: {}", names.join(", ")));
    }
    let op = client.set_member_state(m, action.as_str(), mode).await?;
    follow(client, op, &format!("{} {m}", action.as_str()), rep, cancel).await?;
    let after = client
        .instances(&Scope::All, 1, None)
        .await
        .unwrap_or_default();
    let mut lines = Vec::new();
    match action {
        MemberAction::Evacuate => {
            for (project, name, _) in &before {
                if let Some(i) = after
                    .iter()
                    .find(|i| &i.project == project && &i.name == name)
                {
                    lines.push(if i.location == m {
                        format!("{name} stays ({})", i.status)
                    } else {
                        format!("{name} → {} ({})", i.location, i.status)
                    });
                }
            }
        }
        MemberAction::Restore => {
            for i in after.iter().filter(|i| i.location == m) {
                lines.push(format!("{} ({})", i.name, i.status));
            }
        }
    }
    for l in &lines {
        rep.log(l.clone());
    }
    let done = match action {
        MemberAction::Evacuate => "evacuated",
        MemberAction::Restore => "restored",
    };
    Ok(if lines.is_empty() {
        format!("{m} {done}")
    } else {
        format!("{m} {done}: {}", lines.join(", "))
    })
}

/// (project, name, status) of the instances on a member.
async fn on_member(
    client: &IncusClient,
    member: &str,
) -> Result<Vec<(String, String, String)>, crate::client::IncusError> {
    let filter = format!("location eq {member}");
    Ok(client
        .instances(&Scope::All, 1, Some(&filter))
        .await?
        .into_iter()
        .filter(|i| i.location == member)
        .map(|i| (i.project, i.name, i.status))
        .collect())
}

/// Moves an instance to member `to`. A running one is stopped first (it was confirmed so, with
/// `restart`) and started again afterwards — where it ended up, also when the move failed.
pub(super) async fn move_to(
    client: &IncusClient,
    t: &Target,
    to: &str,
    restart: bool,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    let inst = client.instance(&t.project, &t.name).await?;
    let from = inst.location.clone();
    if from == to {
        return Err(Stop::Failed(format!("{} is already on {to}", t.label())));
    }
    let running = matches!(
        inst.status.to_ascii_lowercase().as_str(),
        "running" | "frozen"
    );
    if running && !restart {
        return Err(Stop::Failed(format!(
            "{} is running now (it was stopped when the move was planned): plan the move again",
            t.name
        )));
    }
    if running {
        stop_agreed(client, &t.project, &t.name, rep, cancel).await?;
    }
    let moved = if requested(cancel) {
        Err(Stop::Cancelled(format!(
            "move cancelled before it started; {} stays on {from}",
            t.name
        )))
    } else {
        rep.stage(format!("moving to {to}"));
        match client.move_instance(&t.project, &t.name, to).await {
            Ok(op) => follow(client, op, &format!("move to {to}"), rep, cancel)
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        }
    };
    let now_on = if moved.is_ok() { to } else { from.as_str() };
    // Started again where it is, whatever the move did: the service comes back either way.
    let mut start_error = None;
    if running {
        rep.stage(format!("starting {} on {now_on}", t.name));
        let started = match client
            .set_power(&t.project, &t.name, PowerAction::Start, 30, false)
            .await
        {
            Ok(op) => follow(client, op, &format!("start {}", t.name), rep, cancel)
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        };
        if let Err(Stop::Failed(e) | Stop::Cancelled(e) | Stop::Unknown(e)) = started {
            why_not_started(client, &t.project, &t.name, rep).await;
            start_error = Some(e);
        }
    }
    match (moved, start_error) {
        (Ok(()), None) => Ok(format!(
            "{} moved from {from} to {to}{}",
            t.name,
            if running { " and started" } else { "" }
        )),
        (Ok(()), Some(e)) => Err(Stop::Failed(format!(
            "{} moved from {from} to {to}, but did not start: {e}",
            t.name
        ))),
        (Err(Stop::Failed(e)), start) => Err(Stop::Failed(format!(
            "{e}; {} stays on {from}{}",
            t.name,
            stays(running, start)
        ))),
        (Err(Stop::Cancelled(e)), start) => {
            Err(Stop::Cancelled(format!("{e}{}", stays(running, start))))
        }
        // Where it is now is not known: no "stays on" by guess.
        (Err(Stop::Unknown(e)), _) => Err(Stop::Unknown(e)),
    }
}

fn stays(running: bool, start_error: Option<String>) -> String {
    match (running, start_error) {
        (false, _) => String::new(),
        (true, None) => " (started again)".into(),
        (true, Some(e)) => format!(" and did not start again: {e}"),
    }
}
