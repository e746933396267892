//! Maintenance tied to an action: a silence scoped to the job's object is written to every
//! Alertmanager before the job starts, expired when it ends, and the object's alerts are then
//! watched for a while; the job's result and the journal say whether they resolved.

use chrono::{DateTime, Utc};

use super::state::{AppState, Effect, Level};
use crate::alerts::types::SilenceRequest;
use crate::alerts::worker::SourceCmd;
use crate::jobs::journal::Entry;
use crate::jobs::{JobId, Outcome};

pub use super::job_view::{Maintenance, Phase, SILENCE_AT_MOST};

impl AppState {
    /// Starts a job under a maintenance silence: the job is listed at once, and starts when
    /// every writable Alertmanager has answered the silence write.
    pub(crate) fn start_with_maintenance(
        &mut self,
        job: crate::jobs::JobSpec,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let targets: Vec<crate::jobs::Target> = match &job {
            crate::jobs::JobSpec::Apply { target, plans } => plans
                .iter()
                .map(|p| crate::jobs::Target::instance(&target.remote, &p.project, &p.service))
                .collect(),
            // A volume's restore stops and starts the instances using it: their alerts too.
            crate::jobs::JobSpec::Restore {
                target, restart, ..
            } => std::iter::once(target.clone())
                .chain(
                    restart
                        .iter()
                        .map(|i| crate::jobs::Target::instance(&target.remote, &target.project, i)),
                )
                .collect(),
            other => vec![other.target().clone()],
        };
        let keys: Vec<String> = targets.iter().map(|t| t.row_key()).collect();
        let label = targets
            .iter()
            .map(|t| t.label())
            .collect::<Vec<_>>()
            .join(", ");
        let mut fx = self.start_job(job, now);
        let Some(pos) = fx.iter().position(|e| matches!(e, Effect::StartJob { .. })) else {
            return fx;
        };
        let start = fx.remove(pos);
        let Effect::StartJob { id, .. } = &start else {
            return fx;
        };
        let id = *id;
        let (sources, _) = self.writable_alertmanagers();
        if sources.is_empty() {
            self.say(
                Level::Warning,
                "no writable Alertmanager: the job runs without a maintenance silence",
            );
            fx.push(start);
            return fx;
        }
        let comment = format!("atlas-tui maintenance: job {id}, {label}");
        let mut waiting = 0;
        for key in &keys {
            let matchers = self.object_matchers_of(key, job_is_volume(key, self));
            let req = SilenceRequest {
                id: None,
                matchers: matchers.clone(),
                starts_at: now,
                ends_at: now + SILENCE_AT_MOST,
                created_by: self.alerting.silence_author.clone(),
                comment: comment.clone(),
            };
            let shown: Vec<String> = matchers.iter().map(|m| m.to_string()).collect();
            self.job_log(
                id,
                format!(
                    "silencing {} on {} before the job",
                    shown.join(" "),
                    sources.join(", ")
                ),
            );
            fx.extend(sources.iter().map(|s| Effect::Alert {
                source: s.clone(),
                cmd: SourceCmd::PutSilence(req.clone()),
            }));
            waiting += sources.len();
        }
        self.work.maintenance.push(Maintenance {
            job: id,
            keys,
            label,
            comment,
            silences: vec![],
            waiting,
            start: Some(start),
            phase: Phase::Silencing,
            fired: vec![],
        });
        fx
    }

    /// A silence write answered: a maintenance's silence is in (or failed); when all are, its
    /// job starts. An expiry answered: once all are, the watch starts.
    pub(crate) fn maintenance_write(
        &mut self,
        source: &str,
        cmd: &SourceCmd,
        result: &Result<String, String>,
        now: DateTime<Utc>,
    ) {
        let watch = self.work.settings.maintenance_watch;
        let Some(i) = self.work.maintenance.iter().position(|m| match cmd {
            SourceCmd::PutSilence(r) => m.phase == Phase::Silencing && r.comment == m.comment,
            SourceCmd::Expire(id) => {
                m.phase == Phase::Expiring && m.silences.iter().any(|(s, x)| s == source && x == id)
            }
            _ => false,
        }) else {
            return;
        };
        let job = self.work.maintenance[i].job;
        let line = match (cmd, result) {
            (SourceCmd::PutSilence(_), Ok(id)) => {
                self.work.maintenance[i]
                    .silences
                    .push((source.to_string(), id.clone()));
                format!("{source}: silence {} in place", short(id))
            }
            (SourceCmd::PutSilence(_), Err(e)) => {
                format!("{source}: the maintenance silence failed ({e}); its alerts will notify")
            }
            (_, Ok(id)) => format!("{source}: silence {} expired", short(id)),
            (_, Err(e)) => format!("{source}: the silence could not be expired: {e}"),
        };
        self.job_log(job, line);
        let m = &mut self.work.maintenance[i];
        m.waiting = m.waiting.saturating_sub(1);
        if m.waiting > 0 {
            return;
        }
        match m.phase {
            Phase::Silencing => {
                m.phase = Phase::Running;
                let start = m.start.take();
                let cancelled = self
                    .work
                    .jobs
                    .iter()
                    .any(|j| j.id == job && j.cancel_requested);
                if cancelled {
                    // Cancelled while its silences went in: it never starts, they go.
                    let outcome = Outcome::Cancelled("cancelled before it started".into());
                    self.apply_job_finished(job, outcome, now);
                    let fx = self.maintenance_job_ended(job, now);
                    self.pending.extend(fx);
                } else if let Some(start) = start {
                    self.pending.push(start);
                }
            }
            Phase::Expiring => {
                m.phase = Phase::Watching { until: now + watch };
                let text = format!(
                    "watching {}'s alerts until {}",
                    m.label,
                    (now + watch)
                        .with_timezone(&chrono::Local)
                        .format("%H:%M:%S")
                );
                self.job_log(job, text);
            }
            _ => {}
        }
    }

    /// A job ended: its maintenance silences are expired (the watch starts when they are).
    pub(crate) fn maintenance_job_ended(&mut self, job: JobId, now: DateTime<Utc>) -> Vec<Effect> {
        let watch = self.work.settings.maintenance_watch;
        let Some(m) = self
            .work
            .maintenance
            .iter_mut()
            .find(|m| m.job == job && m.phase == Phase::Running)
        else {
            return vec![];
        };
        if m.silences.is_empty() {
            m.phase = Phase::Watching { until: now + watch };
            return vec![];
        }
        m.phase = Phase::Expiring;
        m.waiting = m.silences.len();
        m.silences
            .iter()
            .map(|(source, id)| Effect::Alert {
                source: source.clone(),
                cmd: SourceCmd::Expire(id.clone()),
            })
            .collect()
    }

    /// After an alert source answered: what fires on watched objects is noted, and a watch
    /// that ran out is reported in its job's result and the journal.
    pub(crate) fn check_maintenance(&mut self, now: DateTime<Utc>) {
        let watched: Vec<(usize, Vec<String>)> = self
            .work
            .maintenance
            .iter()
            .enumerate()
            .filter(|(_, m)| matches!(m.phase, Phase::Watching { .. }))
            .map(|(i, m)| (i, m.keys.clone()))
            .collect();
        for (i, keys) in watched {
            let mut firing: Vec<String> = keys.iter().flat_map(|k| self.firing_on(k)).collect();
            firing.sort();
            firing.dedup();
            let m = &mut self.work.maintenance[i];
            for f in &firing {
                if !m.fired.contains(f) {
                    m.fired.push(f.clone());
                }
            }
            let Phase::Watching { until } = m.phase else {
                continue;
            };
            if now < until {
                continue;
            }
            m.phase = Phase::Done;
            let (status, text) = if firing.is_empty() {
                let again: Vec<&String> = m.fired.iter().collect();
                (
                    "resolved",
                    if again.is_empty() {
                        format!("resolved: no alert fires on {}", m.label)
                    } else {
                        format!(
                            "resolved: no alert fires on {} (fired while watched: {})",
                            m.label,
                            m.fired.join(", ")
                        )
                    },
                )
            } else {
                (
                    "still firing",
                    format!("still firing: {}", firing.join(", ")),
                )
            };
            let (job, label) = (m.job, m.label.clone());
            self.job_log(job, format!("maintenance: {text}"));
            if let Some(j) = self.work.jobs.iter_mut().find(|j| j.id == job)
                && let Some(o) = j.outcome.as_mut()
            {
                let (Outcome::Done(d)
                | Outcome::Failed(d)
                | Outcome::Cancelled(d)
                | Outcome::Abandoned(d)
                | Outcome::Unknown(d)) = o;
                *d = if d.is_empty() {
                    format!("maintenance {text}")
                } else {
                    format!("{d} · maintenance {text}")
                };
            }
            let level = if status == "resolved" {
                Level::Info
            } else {
                Level::Warning
            };
            self.say(level, format!("job {job} {label}: maintenance {text}"));
            let e = Entry {
                ts: now,
                status: status.into(),
                action: "maintenance".into(),
                target: label,
                remote: String::new(),
                detail: format!("job {job}: {text}"),
                cli: vec![],
                alerts: firing,
                job: None,
                seconds: None,
                user: self.alerting.silence_author.clone(),
            };
            self.journal_now(e);
        }
    }

    /// Adds a line to a job's log.
    fn job_log(&mut self, job: JobId, line: String) {
        if let Some(j) = self.work.jobs.iter_mut().find(|j| j.id == job) {
            j.log.push(line);
        }
    }
}

/// Whether the row key is a volume's (volumes are keyed by four parts).
fn job_is_volume(key: &str, state: &AppState) -> bool {
    state
        .remotes
        .iter()
        .flat_map(|r| r.volumes.iter())
        .any(|v| v.key() == key)
}

fn short(id: &str) -> &str {
    crate::alerts::worker::short_id(id)
}
