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

/// The next event; an error when the stream failed (it is dropped then: a stream that went
/// silent says the link did).
async fn next_event(
    events: &mut Option<EventStream>,
) -> Result<crate::types::Event, crate::client::IncusError> {
    match events {
        Some(s) => match s.next().await {
            Some(Ok(e)) => Ok(e),
            Some(Err(e)) => {
                *events = None;
                Err(e)
            }
            None => {
                *events = None;
                Err(crate::client::IncusError::Events(
                    "event stream ended".into(),
                ))
            }
        },
        None => std::future::pending().await,
    }
}

/// Progress from operation events; a slow or failed subscription only costs the progress.
async fn subscribe(client: &IncusClient, rep: &Reporter, op: &Operation) -> Option<EventStream> {
    let subscribe = events::subscribe_to(client, &Scope::All, "operation");
    match tokio::time::timeout(Duration::from_secs(3), subscribe).await {
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
    }
}

/// How long a job waits for a lost link to come back before it gives up (its outcome unknown).
const LOST_FOR: Duration = Duration::from_secs(15 * 60);

/// The link was lost while following `op`: says so, then asks for the operation until the
/// server answers again — never a result by guess. Gives the operation as it is then.
async fn regain(
    client: &IncusClient,
    op: &Operation,
    what: &str,
    why: &crate::client::IncusError,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<Operation, Stop> {
    let lost =
        format!("{what}: connection lost — outcome unknown; checking again when the link returns");
    rep.progress(Progress {
        stage: lost.clone(),
        ..Default::default()
    });
    rep.log(format!("{lost} ({why})"));
    let unknown = |why: String| {
        Stop::Unknown(format!(
            "{what}: {why}; its outcome on the server is unknown (check `incus operation show {}:{}` or the object)",
            client.remote(),
            op.id
        ))
    };
    let t0 = Instant::now();
    let mut delay = Duration::from_secs(1);
    loop {
        tokio::select! {
            answer = client.operation(&op.id) => match answer {
                Ok(o) => {
                    rep.log(format!(
                        "link back after {} s: the operation is {}",
                        t0.elapsed().as_secs(),
                        o.status
                    ));
                    rep.stage(what.to_string());
                    return Ok(o);
                }
                Err(e) if e.is_not_found() => {
                    return Err(unknown("the operation ended while the link was lost and Incus no longer has it".into()));
                }
                Err(e) if e.is_link() => {}
                Err(e) => return Err(unknown(format!("the server answers, but not about the operation ({e})"))),
            },
            _ = cancelled(cancel) => {
                return Err(unknown("given up (cancelled) while the link was lost".into()));
            }
        }
        if t0.elapsed() >= LOST_FOR {
            return Err(unknown(format!(
                "no answer for {} min",
                LOST_FOR.as_secs() / 60
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
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
    let mut events = subscribe(client, rep, &op).await;
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
                    let ev = match ev {
                        Ok(ev) => ev,
                        // The stream went silent or broke: the link may be gone; the
                        // operation is asked for at once instead of waiting out `/wait`.
                        Err(e) if e.is_link() => break Err(e),
                        Err(_) => continue,
                    };
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
            Ok(o) => return ended(o, what),
            Err(e) if e.is_link() => {
                let o = regain(client, &op, what, &e, rep, cancel).await?;
                if o.is_running() {
                    may_cancel = o.may_cancel;
                    events = subscribe(client, rep, &op).await;
                    continue;
                }
                return ended(o, what);
            }
            Err(e) => return Err(Stop::Failed(format!("{what}: {e}"))),
        }
    }
}

/// The result of an operation that has ended.
fn ended(o: Operation, what: &str) -> Result<Operation, Stop> {
    if o.succeeded() {
        Ok(o)
    } else if o.cancelled() {
        Err(Stop::Cancelled(format!("{what} cancelled")))
    } else {
        let err = if o.err.is_empty() { o.status } else { o.err };
        Err(Stop::Failed(format!("{what}: {err}")))
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
    let clean = follow(client, op, &format!("stop {name}"), rep, cancel).await;
    if let Err(Stop::Unknown(e)) = clean {
        return Err(Stop::Unknown(e));
    }
    if let Err(Stop::Failed(e)) = clean {
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
