//! Applying service plans: each step one guarded API write, followed to its end; the first
//! error stops the job.

use atlas_core::jobs::Progress;
use atlas_core::ops::{CancelRx, Reporter, Stop, requested};
use atlas_core::services::ServicePlan;
use atlas_core::services::plan::{Object, Op, Step};

use super::step::{follow, settle, why_not_started};
use crate::client::IncusClient;
use crate::client::IncusError;
use crate::ops::PowerAction;

/// Runs every step of `plans` in order.
pub(super) async fn apply(
    client: &IncusClient,
    plans: &[ServicePlan],
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    if let Some(p) = plans.iter().find(|p| !p.errors.is_empty()) {
        return Err(Stop::Failed(format!(
            "{} cannot be applied: {}",
            p.service,
            p.mask(&p.errors.join("; "))
        )));
    }
    let total: usize = plans.iter().map(|p| p.steps.len()).sum();
    if total == 0 {
        return Ok("no changes".into());
    }
    let mut n = 0;
    let mut restart = Vec::new();
    for p in plans {
        for step in &p.steps {
            if requested(cancel) {
                return Err(Stop::Cancelled(format!(
                    "cancelled after {n} of {total} steps"
                )));
            }
            n += 1;
            let what = format!("step {n}/{total}: {}", step.headline());
            rep.progress(Progress {
                stage: what.clone(),
                percent: Some(100.0 * (n - 1) as f64 / total as f64),
                ..Default::default()
            });
            rep.log(format!(
                "{what}  ({}:{}/{})",
                p.remote, p.project, p.service
            ));
            let result = run_step(client, p, step, &what, rep, cancel).await;
            if result.is_err()
                && step.op == Op::Start
                && let Object::Instance { name } = &step.object
            {
                why_not_started(client, &p.project, name, rep).await;
            }
            result.map_err(|e| match e {
                Stop::Failed(m) => Stop::Failed(format!(
                    "{m} — stopped at step {n} of {total}; steps before it were applied"
                )),
                other => other,
            })?;
            rep.log(format!("  ok: {}", step.headline()));
            if step.op == Op::Update
                && step.needs_restart()
                && let Object::Instance { name } = &step.object
            {
                restart.push(name.clone());
            }
        }
    }
    rep.progress(Progress {
        stage: "applied".into(),
        percent: Some(100.0),
        ..Default::default()
    });
    let mut msg = format!(
        "applied {total} step{} to {}",
        if total == 1 { "" } else { "s" },
        plans
            .iter()
            .filter(|p| !p.steps.is_empty())
            .map(|p| p.service.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !restart.is_empty() {
        msg.push_str(&format!(
            "; restart {} for some changes to take effect",
            restart.join(", ")
        ));
    }
    Ok(msg)
}

async fn run_step(
    client: &IncusClient,
    p: &ServicePlan,
    step: &Step,
    what: &str,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<(), Stop> {
    let req = step.request.as_ref().ok_or_else(|| {
        Stop::Failed("this plan came from the history and has no requests; plan again".into())
    })?;
    if let (Op::Delete, Object::Instance { name }) = (step.op, &step.object) {
        // Incus deletes stopped instances only.
        let inst = client.instance(&p.project, name).await?;
        if inst.status != "Stopped" {
            rep.log(format!("  stopping {name} first"));
            let op = client
                .set_power(&p.project, name, PowerAction::Stop, 30, true)
                .await?;
            follow(client, op, &format!("stop {name}"), rep, cancel).await?;
        }
    }
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
        Stop::Failed(format!(
            "{}: bad method {:?}",
            step.object.label(),
            req.method
        ))
    })?;
    let answer = client
        .send_if_match(method, &req.path, &req.body, &req.etag)
        .await
        .map_err(|e| match e {
            IncusError::Api { status: 412, .. } => Stop::Failed(format!(
                "{} changed on the server since the plan (ETag mismatch): nothing was overwritten; plan again",
                step.object.label()
            )),
            e => Stop::Failed(p.mask(&format!("{}: {e}", step.object.label()))),
        })?;
    settle(client, answer, what, rep, cancel)
        .await
        .map_err(|e| match e {
            Stop::Failed(m) => Stop::Failed(p.mask(&m)),
            other => other,
        })
}
