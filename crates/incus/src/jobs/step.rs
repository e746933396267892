//! Following an Incus operation to its end (progress from operation events, the result from
//! `/wait`), and why an instance did not start.

use std::time::{Duration, Instant};

use atlas_core::ops::{CancelRx, Progress, Reporter, Stop, cancelled};
use futures_util::StreamExt;

use crate::client::{IncusClient, Scope};
use crate::events::{self, EventStream};
use crate::ops::{Answer, Operation, PowerAction, operation_progress};

/// Seconds per `/wait` call (it is repeated until the operation ends).
const WAIT_SECS: u64 = 15;
/// Seconds a clean stop around a restore or a move may take before it is forced.
const STOP_SECS: i64 = 30;
/// How long an instance whose forced stop failed may take to show as stopped.
const SETTLE: Duration = Duration::from_secs(10);

// ----- operations ----------------------------------------------------------------------------

async fn next_event(events: &mut Option<EventStream>) -> Option<crate::types::Event> {
    match events {
        Some(s) => match s.next().await {
            Some(Ok(e)) => Some(e),
            _ => {
                *events = None;
                None
            }
        },
        None => std::future::pending().await,
    }
}

/// Follows an operation to its end. Progress comes from operation events; `/wait` decides the
/// result, so a lost event stream only loses progress. A cancel request cancels the operation
/// when Incus says it may be cancelled; otherwise the operation runs to its end.
pub(super) async fn follow(
    client: &IncusClient,
    op: Operation,
    what: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<Operation, Stop> {
    // Progress comes from events; a slow or failed subscription only costs the progress.
    let subscribe = events::subscribe_to(client, &Scope::All, "operation");
    let mut events = match tokio::time::timeout(Duration::from_secs(3), subscribe).await {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            rep.log(format!(
                "events unavailable ({e}); waiting on the operation"
            ));
            None
        }
        Err(_) => {
            tracing::warn!("event subscription slow; following {} by waiting", op.id);
            None
        }
    };
    let mut may_cancel = op.may_cancel;
    let mut cancel_sent = false;
    rep.stage(what.to_string());
    loop {
        let wait = client.wait_operation(&op.id, WAIT_SECS);
        tokio::pin!(wait);
        let done = loop {
            tokio::select! {
                r = &mut wait => break r,
                ev = next_event(&mut events) => {
                    let Some(ev) = ev else { continue };
                    let Ok(o) = serde_json::from_value::<Operation>(ev.metadata) else { continue };
                    if o.id != op.id {
                        continue;
                    }
                    may_cancel = o.may_cancel;
                    if let Some((text, percent)) = o.metadata.as_ref().and_then(operation_progress) {
                        rep.progress(Progress { stage: format!("{what}: {text}"), percent, ..Default::default() });
                    }
                }
                _ = cancelled(cancel), if !cancel_sent => {
                    cancel_sent = true;
                    if may_cancel {
                        rep.log(format!("cancelling the {what} operation"));
                        if let Err(e) = client.cancel_operation(&op.id).await {
                            rep.log(format!("could not cancel: {e}"));
                        }
                    } else {
                        rep.log(format!("Incus cannot cancel {what}; letting it finish"));
                    }
                }
            }
        };
        match done {
            Ok(o) if o.is_running() => {
                may_cancel = o.may_cancel;
                continue;
            }
            Ok(o) if o.succeeded() => return Ok(o),
            Ok(o) if o.cancelled() => return Err(Stop::Cancelled(format!("{what} cancelled"))),
            Ok(o) => {
                let err = if o.err.is_empty() { o.status } else { o.err };
                return Err(Stop::Failed(format!("{what}: {err}")));
            }
            Err(e) => {
                return Err(Stop::Failed(format!(
                    "lost contact with {} while {what}: {e} (the outcome on the server is unknown; \
                     check `incus operation show {}:{}`)",
                    client.remote(),
                    client.remote(),
                    op.id
                )));
            }
        }
    }
}

/// Follows an answer that may be an operation or a direct result.
pub(super) async fn settle(
    client: &IncusClient,
    answer: Answer,
    what: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<(), Stop> {
    match answer {
        Answer::Async(op) => follow(client, op, what, rep, cancel).await.map(|_| ()),
        Answer::Sync(_) => Ok(()),
    }
}

/// Stops an instance the user agreed to stop for a restore or a replace: cleanly, forced after
/// [`STOP_SECS`] (its data is being replaced anyway).
pub(super) async fn stop_agreed(
    client: &IncusClient,
    project: &str,
    name: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<(), Stop> {
    rep.stage(format!("stopping {name}"));
    let op = client
        .set_power(project, name, PowerAction::Stop, STOP_SECS, false)
        .await?;
    // Whether it shows as stopped within `wait`. After a forced stop that raced with the
    // instance's own shutdown, Incus may still show it `Stopping` (or `Running` while its stop
    // hook runs) for a moment.
    let stopped = async |wait: Duration| {
        let deadline = Instant::now() + wait;
        loop {
            if let Ok(i) = client.instance(project, name).await
                && i.status.eq_ignore_ascii_case("stopped")
            {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    if let Err(Stop::Failed(e)) = follow(client, op, &format!("stop {name}"), rep, cancel).await {
        // It may have stopped just as the clean stop gave up.
        if !stopped(Duration::ZERO).await {
            rep.log(format!("{name} did not stop cleanly ({e}); forcing"));
            let op = client
                .set_power(project, name, PowerAction::Stop, STOP_SECS, true)
                .await?;
            let forced = follow(client, op, &format!("force-stop {name}"), rep, cancel).await;
            if forced.is_err() && !stopped(SETTLE).await {
                forced?;
            }
        }
    }
    rep.log(format!("{name} stopped"));
    Ok(())
}

/// Logs the errors LXC wrote while starting the instance (Incus's own answer is only
/// "forkstart … exit status 1"); the operator sees why without `incus info --show-log`.
pub(super) async fn why_not_started(
    client: &IncusClient,
    project: &str,
    name: &str,
    rep: &Reporter,
) {
    let Ok(log) = client.instance_log(project, name, "lxc.log").await else {
        return;
    };
    for line in lxc_errors(&log, 8) {
        rep.log(format!("lxc.log: {line}"));
    }
}

/// The last `max` ERROR lines of an `lxc.log`, without their timestamp prefix.
fn lxc_errors(log: &str, max: usize) -> Vec<String> {
    let errors: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once(" ERROR ").map(|(_, rest)| rest.trim()))
        .collect();
    errors[errors.len().saturating_sub(max)..]
        .iter()
        .map(|l| format!("ERROR {l}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::lxc_errors;

    #[test]
    fn lxc_errors_keeps_the_last_error_lines_without_timestamps() {
        let log = "lxc c 20261202110325.846 WARN     cgfsng - x\n\
                   lxc c 20261202110358.176 ERROR    conf - run_buffer:322 - Script exited with status 1\n\
                   lxc c 20261202110358.176 ERROR    start - lxc_end:944 - Failed to run \"lxc.hook.stop\" hook\n";
        assert_eq!(
            lxc_errors(log, 1),
            vec!["ERROR start - lxc_end:944 - Failed to run \"lxc.hook.stop\" hook"]
        );
        assert_eq!(lxc_errors(log, 8).len(), 2);
        assert!(lxc_errors("lxc c 1 WARN x", 8).is_empty());
    }
}
