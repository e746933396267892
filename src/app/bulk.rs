//! Actions on marked rows: every marked object gets its job, or is skipped with the reason;
//! one confirmation lists them all; confirmed, they run as one batch (a parent over its jobs)
//! through the per-remote queue, and the batch sums itself up when its last job ends.

use chrono::{DateTime, Utc};

use super::action_forms::Selected;
use super::action_forms::{power_refusal, pve_lock, snapshot_target};
use super::cells::RowKey;
use super::effect::Effect;
use super::job_view::{Batch, BatchPlan};
use super::layers::action_form::{ActionForm, FormBatch, FormKind, text, toggle};
use super::layers::confirm::Confirm;
use super::state::{AppState, Level};
use crate::inventory::InstanceRow;
use crate::jobs::journal::Entry;
use crate::jobs::{BackupOptions, JobId, JobSpec, Outcome, PowerAction, Target};

/// Every object of a plan, grouped by what happens to it: `+ stop (6): local:a, local:b, …`,
/// `- skipped, is already stopped (3): local:c, …` — all of them named, however many.
fn listing(plan: &BatchPlan) -> Vec<String> {
    let mut by_kind: Vec<(String, Vec<String>)> = Vec::new();
    for j in &plan.jobs {
        let kind = j.kind();
        match by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, v)) => v.push(j.target().label()),
            None => by_kind.push((kind, vec![j.target().label()])),
        }
    }
    let mut by_why: Vec<(String, Vec<String>)> = Vec::new();
    for (o, why) in &plan.skipped {
        match by_why.iter_mut().find(|(w, _)| w == why) {
            Some((_, v)) => v.push(o.clone()),
            None => by_why.push((why.clone(), vec![o.clone()])),
        }
    }
    by_kind
        .into_iter()
        .map(|(k, v)| format!("+ {k} ({}): {}", v.len(), v.join(", ")))
        .chain(
            by_why
                .into_iter()
                .map(|(w, v)| format!("- skipped, {w} ({}): {}", v.len(), v.join(", "))),
        )
        .collect()
}

impl AppState {
    /// An action on the marked rows, where the pane has marks and the action acts on many
    /// (`None`: the action acts on the selected row as usual).
    pub(crate) fn bulk_action(
        &mut self,
        action: crate::action::Action,
        now: DateTime<Utc>,
    ) -> Option<Vec<Effect>> {
        use crate::action::Action as A;
        if !self.on_marks() {
            return None;
        }
        Some(match action {
            A::Start => self.bulk_power(PowerAction::Start, false, now),
            A::Stop => self.bulk_power(PowerAction::Stop, false, now),
            A::ForceStop => self.bulk_power(PowerAction::Stop, true, now),
            A::Restart => self.bulk_power(PowerAction::Restart, false, now),
            A::Freeze => self.bulk_power(PowerAction::Freeze, false, now),
            A::Unfreeze => self.bulk_power(PowerAction::Unfreeze, false, now),
            A::Snapshot => self.bulk_form(FormKind::Snapshot, now),
            A::Backup => self.bulk_form(FormKind::Backup, now),
            A::Restore
                if matches!(
                    self.pane,
                    crate::pane::Pane::Instances | crate::pane::Pane::Volumes
                ) =>
            {
                self.bulk_form(FormKind::RestoreNamed, now)
            }
            A::Delete => self.bulk_delete(now),
            A::CancelJob => self.cancel_marked_jobs(),
            _ => return None,
        })
    }

    /// Cancels every job of a batch that still runs (or waits its turn).
    pub(crate) fn cancel_batch(&mut self, id: JobId) -> Vec<Effect> {
        let ids = self.running_children(id);
        if ids.is_empty() {
            self.say(Level::Warning, format!("batch {id} has already ended"));
            return vec![];
        }
        self.say(
            Level::Info,
            format!("cancelling batch {id}: {} job(s)", ids.len()),
        );
        self.cancel_jobs(ids)
    }

    fn cancel_jobs(&mut self, ids: Vec<JobId>) -> Vec<Effect> {
        ids.into_iter()
            .map(|id| {
                if let Some(j) = self.work.jobs.iter_mut().find(|j| j.id == id) {
                    j.cancel_requested = true;
                }
                Effect::CancelJob(id)
            })
            .collect()
    }

    /// Cancels every marked job that runs (a batch's: its running jobs).
    fn cancel_marked_jobs(&mut self) -> Vec<Effect> {
        let mut ids: Vec<JobId> = Vec::new();
        for key in self.marks(self.pane).clone() {
            match key {
                RowKey::Job(id) if self.work.batches.iter().any(|b| b.id == id) => {
                    ids.extend(self.running_children(id));
                }
                RowKey::Job(id) if self.work.jobs.iter().any(|j| j.id == id && j.running()) => {
                    ids.push(id);
                }
                _ => {}
            }
        }
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            self.say(Level::Warning, "cancel: none of the marked jobs runs");
            return vec![];
        }
        self.say(Level::Info, format!("cancelling {} job(s)", ids.len()));
        self.cancel_jobs(ids)
    }

    /// The marked rows of the current pane, each with what it is (`Other` when it is gone).
    pub(crate) fn marked_objects(&self) -> Vec<(RowKey, Selected)> {
        let mut keys: Vec<&RowKey> = self.marks(self.pane).iter().collect();
        keys.sort();
        keys.into_iter()
            .map(|k| (k.clone(), self.object_of(k)))
            .collect()
    }

    /// Whether an action acts on the marked rows (the pane has marks).
    pub(crate) fn on_marks(&self) -> bool {
        !self.marks(self.pane).is_empty()
    }

    /// Why a job cannot run on an object's remote, if it cannot.
    fn remote_refusal(&self, spec: &JobSpec) -> Option<String> {
        let remote = &spec.target().remote;
        match self.remotes.iter().find(|r| r.name == *remote) {
            None => Some(format!("{remote} is not a configured remote")),
            Some(r) if r.readonly => Some(format!("{remote} is read-only")),
            Some(_) => None,
        }
    }

    /// Start, stop, restart, force-stop, freeze or unfreeze every marked instance.
    pub(crate) fn bulk_power(
        &mut self,
        action: PowerAction,
        force: bool,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let what = if force { "force-stop" } else { action.as_str() };
        if self.refuse_write(what) {
            return vec![];
        }
        let mut plan = BatchPlan {
            what: what.to_string(),
            jobs: vec![],
            skipped: vec![],
        };
        for (key, obj) in self.marked_objects() {
            let Selected::Instance(i) = obj else {
                plan.skipped
                    .push((key.to_string(), gone_or("not an instance", &obj)));
                continue;
            };
            let target = Target::instance(&i.remote, &i.inst.project, &i.inst.name);
            if let Some(why) = power_refusal(&i, action) {
                plan.skipped.push((target.label(), why));
                continue;
            }
            let spec = JobSpec::Power {
                target,
                action,
                force,
                timeout: self.work.settings.stop_timeout,
            };
            self.plan_job(&mut plan, spec);
        }
        self.ask_batch(plan, now)
    }

    /// Adds a job to a plan, or skips it where its remote refuses it.
    fn plan_job(&self, plan: &mut BatchPlan, spec: JobSpec) {
        match self.remote_refusal(&spec) {
            Some(why) => plan.skipped.push((spec.target().label(), why)),
            None => plan.jobs.push(spec),
        }
    }

    /// Deletes every marked snapshot.
    pub(crate) fn bulk_delete(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("delete") {
            return vec![];
        }
        let mut plan = BatchPlan {
            what: "delete snapshot".into(),
            jobs: vec![],
            skipped: vec![],
        };
        for (key, obj) in self.marked_objects() {
            let Selected::Snapshot(s) = obj else {
                plan.skipped
                    .push((key.to_string(), gone_or("not a snapshot", &obj)));
                continue;
            };
            let spec = JobSpec::DeleteSnapshot {
                target: snapshot_target(&s),
                name: s.name.clone(),
            };
            self.plan_job(&mut plan, spec);
        }
        self.ask_batch(plan, now)
    }

    /// The marked instances and volumes as targets, and the rest skipped; `what` the action.
    fn marked_targets(&self, what: &str) -> FormBatch {
        let mut batch = FormBatch {
            targets: vec![],
            skipped: vec![],
        };
        for (key, obj) in self.marked_objects() {
            match obj {
                Selected::Instance(i) => {
                    batch
                        .targets
                        .push(Target::instance(&i.remote, &i.inst.project, &i.inst.name))
                }
                Selected::Volume(v) => batch.targets.push(Target::volume(
                    &v.remote,
                    &v.vol.project,
                    &v.pool,
                    &v.vol.name,
                )),
                other => batch.skipped.push((
                    key.to_string(),
                    gone_or(&format!("{what}: not an instance or volume"), &other),
                )),
            }
        }
        batch
    }

    /// Opens the form of an action on the marked objects: one name, directory or snapshot
    /// for all of them.
    pub(crate) fn bulk_form(&mut self, kind: FormKind, now: DateTime<Utc>) -> Vec<Effect> {
        let (verb, label) = match kind {
            FormKind::Snapshot => ("snapshot", "Snapshot"),
            FormKind::Backup => ("backup", "Back up"),
            _ => ("restore", "Restore"),
        };
        if self.refuse_write(verb) {
            return vec![];
        }
        let batch = self.marked_targets(verb);
        let Some(first) = batch.targets.first().cloned() else {
            self.say(
                Level::Warning,
                format!("{verb}: none of the marked rows is an instance or a volume"),
            );
            return vec![];
        };
        let s = &self.work.settings;
        let fields = match kind {
            FormKind::Snapshot => vec![
                text(
                    "name",
                    crate::jobs::snapshot_name(&s.snapshot_pattern, now),
                    "one name for all: letters, digits, - _ .",
                ),
                text(
                    "expiry",
                    s.snapshot_expiry
                        .map(|d| crate::inventory::human_duration(d.num_seconds()))
                        .unwrap_or_default(),
                    "e.g. 7d, 12h; empty = never (where snapshots can expire)",
                ),
            ],
            FormKind::Backup => vec![
                text(
                    "directory",
                    s.backup_dir.to_string_lossy(),
                    "one file each is written here",
                ),
                toggle(
                    "no snapshots",
                    true,
                    "the objects only, without their snapshots",
                ),
                text(
                    "compression",
                    s.compression.clone(),
                    "gzip, zstd, xz, none; empty = server default",
                ),
            ],
            _ => vec![text(
                "snapshot",
                "",
                "the snapshot each is restored to (a safety snapshot is taken first)",
            )],
        };
        let n = batch.targets.len();
        self.open(ActionForm {
            kind,
            title: format!("{label} {n} marked objects"),
            target: first,
            fields,
            focus: 0,
            error: None,
            batch: Some(batch),
        });
        vec![]
    }

    /// The jobs of a form on marked objects, then the confirmation listing them.
    pub(crate) fn submit_batch_form(
        &mut self,
        form: &ActionForm,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, String> {
        let Some(batch) = &form.batch else {
            return Ok(vec![]);
        };
        let mut plan = BatchPlan {
            what: String::new(),
            jobs: vec![],
            skipped: batch.skipped.clone(),
        };
        match form.kind {
            FormKind::Snapshot => {
                let name = form.value("name").to_string();
                super::action_forms::check_name("name", &name)?;
                let expires_at = super::action_forms::parse_expiry(form.value("expiry"), now)?;
                plan.what = format!("snapshot {name}");
                for t in &batch.targets {
                    self.plan_snapshot(&mut plan, t, &name, expires_at);
                }
            }
            FormKind::Backup => {
                let dir = std::path::PathBuf::from(form.value("directory"));
                if dir.as_os_str().is_empty() {
                    return Err("directory: where the files go".into());
                }
                let compression = form.value("compression").to_string();
                plan.what = format!("backup to {}", dir.display());
                for t in &batch.targets {
                    let path = dir.join(crate::jobs::backup_file_name(t, now, &compression));
                    let spec = JobSpec::Export {
                        target: t.clone(),
                        path,
                        options: BackupOptions {
                            only: form.on("no snapshots"),
                            optimized: false,
                            compression: compression.clone(),
                        },
                    };
                    self.plan_op(&mut plan, spec, crate::backend::Operation::Backup);
                }
            }
            FormKind::RestoreNamed => {
                let snap = form.value("snapshot").to_string();
                super::action_forms::check_name("snapshot", &snap)?;
                plan.what = format!("restore to {snap}");
                for t in &batch.targets {
                    self.plan_restore(&mut plan, t, &snap, now);
                }
            }
            FormKind::Import | FormKind::Vzdump | FormKind::RestoreArchive | FormKind::Command => {
                return Err("this form does not act on marked rows".into());
            }
        }
        self.close();
        Ok(self.ask_batch(plan, now))
    }

    /// Adds a job the target's provider must support, or skips it saying so.
    fn plan_op(&self, plan: &mut BatchPlan, spec: JobSpec, op: crate::backend::Operation) {
        let t = spec.target();
        if !self.supports(&t.remote, op) {
            let provider = self
                .remotes
                .iter()
                .find(|r| r.name == t.remote)
                .map(|r| r.caps.provider)
                .unwrap_or("its provider");
            plan.skipped
                .push((t.label(), format!("{provider} cannot do this here")));
            return;
        }
        self.plan_job(plan, spec);
    }

    fn plan_snapshot(
        &self,
        plan: &mut BatchPlan,
        t: &Target,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
    ) {
        if let Some(i) = self.instance_of(t)
            && let Some(lock) = pve_lock(&i)
        {
            plan.skipped.push((t.label(), format!("locked ({lock})")));
            return;
        }
        let expires = self.supports(&t.remote, crate::backend::Operation::SnapshotExpiry);
        let op = if t.is_volume() {
            crate::backend::Operation::VolumeSnapshots
        } else {
            crate::backend::Operation::InstanceSnapshots
        };
        let spec = JobSpec::Snapshot {
            target: t.clone(),
            name: name.to_string(),
            expires_at: expires_at.filter(|_| expires),
            stateful: false,
        };
        self.plan_op(plan, spec, op);
    }

    /// A restore to the snapshot of that name where the object has one (a safety snapshot
    /// first); the others are skipped.
    fn plan_restore(&self, plan: &mut BatchPlan, t: &Target, snap: &str, now: DateTime<Utc>) {
        let has = match self.instance_of(t) {
            Some(i) => match &i.inst.snapshots {
                None => {
                    plan.skipped
                        .push((t.label(), "its snapshots are still loading".into()));
                    return;
                }
                Some(list) => list.iter().any(|s| s.name == snap),
            },
            None => self
                .remotes
                .iter()
                .filter(|r| r.name == t.remote)
                .flat_map(|r| &r.volume_snapshots)
                .any(|s| s.parent == t.name && s.project == t.project && s.name == snap),
        };
        if !has {
            plan.skipped
                .push((t.label(), format!("has no snapshot {snap}")));
            return;
        }
        let safety = crate::usecase::restore::safety(&self.work.settings, now);
        let spec = crate::usecase::restore::plan(t.clone(), snap.to_string(), Some(safety), vec![]);
        self.plan_op(plan, spec, crate::backend::Operation::Restore);
    }

    /// The instance a target names, as listed.
    fn instance_of(&self, t: &Target) -> Option<InstanceRow> {
        if t.is_volume() {
            return None;
        }
        self.remotes
            .iter()
            .find(|r| r.name == t.remote)?
            .instances
            .iter()
            .find(|i| i.inst.name == t.name && i.inst.project == t.project)
            .cloned()
    }

    /// One confirmation for the whole plan: every object with what happens to it, those
    /// skipped with the reason; with a production remote among them the count is typed.
    pub(crate) fn ask_batch(&mut self, plan: BatchPlan, _now: DateTime<Utc>) -> Vec<Effect> {
        if plan.jobs.is_empty() {
            let why: Vec<String> = plan
                .skipped
                .iter()
                .take(3)
                .map(|(o, w)| format!("{o}: {w}"))
                .collect();
            self.say(
                Level::Warning,
                format!(
                    "{}: nothing to do on the {} marked rows ({})",
                    plan.what,
                    plan.skipped.len(),
                    why.join("; ")
                ),
            );
            return vec![];
        }
        let n = plan.jobs.len();
        let mut body = listing(&plan);
        let remotes: std::collections::BTreeSet<&str> = plan
            .jobs
            .iter()
            .map(|j| j.target().remote.as_str())
            .collect();
        body.push(format!(
            "{n} jobs, at most {} at once per remote ({}); {} skipped",
            self.work.settings.concurrency,
            remotes.into_iter().collect::<Vec<_>>().join(", "),
            plan.skipped.len()
        ));
        let production = plan
            .jobs
            .iter()
            .any(|j| self.production(&j.target().remote));
        let maintenance = (!self.writable_alertmanagers().0.is_empty())
            .then_some(self.work.settings.maintenance_silence);
        let mut c = Confirm::new(format!("{} on {n} marked objects?", plan.what), vec![]);
        c.body = body;
        c.typed = production.then(|| n.to_string());
        c.maintenance = maintenance;
        c.batch = Some(plan);
        self.open(c);
        vec![]
    }

    /// Starts a confirmed batch: its jobs (queued per remote), then the parent over them, and
    /// the batch's journal line with every job's equivalent command lines.
    pub(crate) fn start_batch(
        &mut self,
        plan: BatchPlan,
        maintenance: bool,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let mut fx = Vec::new();
        let mut children = Vec::new();
        let mut cli = Vec::new();
        for spec in plan.jobs {
            cli.extend(self.cli_of(&spec));
            let before = self.work.jobs.len();
            fx.extend(if maintenance {
                self.start_with_maintenance(spec, now)
            } else {
                self.start_job(spec, now)
            });
            if self.work.jobs.len() > before
                && let Some(j) = self.work.jobs.last()
            {
                children.push(j.id);
            }
        }
        // The parent's number comes after its jobs': newest first, it sits above them.
        let id = self.work.ids.take();
        let n = children.len();
        let skipped = plan.skipped.len();
        self.journal_now(Entry {
            ts: now,
            status: "started".into(),
            action: format!("batch {}", plan.what),
            target: format!("{n} objects"),
            remote: String::new(),
            detail: format!(
                "jobs {}; {skipped} skipped{}",
                children
                    .iter()
                    .map(|c| format!("#{c}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                plan.skipped
                    .iter()
                    .map(|(o, w)| format!(" · {o}: {w}"))
                    .collect::<String>()
            ),
            cli,
            alerts: vec![],
            job: Some(id),
            seconds: None,
            user: self.alerting.silence_author.clone(),
        });
        self.work.batches.push(Batch {
            id,
            what: plan.what.clone(),
            children,
            skipped: plan.skipped,
            started: now,
            finished: None,
            summary: None,
        });
        self.say(
            Level::Info,
            format!(
                "batch {id}: {} on {n} objects started, {skipped} skipped (7 shows jobs)",
                plan.what
            ),
        );
        fx.append(&mut self.pending);
        fx
    }

    /// The batch a job belongs to.
    pub fn batch_of(&self, job: JobId) -> Option<&Batch> {
        self.work.batches.iter().find(|b| b.children.contains(&job))
    }

    /// After a job ended: its batch sums itself up once its last job ended.
    pub(crate) fn batch_job_ended(&mut self, job: JobId, now: DateTime<Utc>) {
        let Some(b) = self.batch_of(job) else { return };
        let outcomes: Vec<(String, Option<Outcome>)> = b
            .children
            .iter()
            .filter_map(|c| self.work.jobs.iter().find(|j| j.id == *c))
            .map(|j| (j.spec.target().label(), j.outcome.clone()))
            .collect();
        if outcomes.iter().any(|(_, o)| o.is_none()) {
            return;
        }
        let (id, what, skipped, started) = (b.id, b.what.clone(), b.skipped.len(), b.started);
        let summary = summarize(&outcomes, skipped);
        let failed = outcomes
            .iter()
            .any(|(_, o)| !o.as_ref().is_some_and(Outcome::is_done));
        if let Some(b) = self.work.batches.iter_mut().find(|b| b.id == id) {
            b.finished = Some(now);
            b.summary = Some(summary.clone());
        }
        self.journal_now(Entry {
            ts: now,
            status: if failed { "failed" } else { "done" }.into(),
            action: format!("batch {what}"),
            target: format!("{} objects", outcomes.len()),
            remote: String::new(),
            detail: summary.clone(),
            cli: vec![],
            alerts: vec![],
            job: Some(id),
            seconds: Some((now - started).num_milliseconds() as f64 / 1000.0),
            user: self.alerting.silence_author.clone(),
        });
        self.say(
            if failed { Level::Warning } else { Level::Info },
            format!("batch {id} {what}: {summary}"),
        );
    }

    /// The running jobs of a batch, to cancel.
    pub(crate) fn running_children(&self, batch: JobId) -> Vec<JobId> {
        self.work
            .batches
            .iter()
            .find(|b| b.id == batch)
            .map(|b| {
                b.children
                    .iter()
                    .copied()
                    .filter(|c| self.work.jobs.iter().any(|j| j.id == *c && j.running()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `18 done, 1 failed: step-ca01 — why, 1 skipped`.
pub fn summarize(outcomes: &[(String, Option<Outcome>)], skipped: usize) -> String {
    let mut done = 0;
    let mut bad: Vec<String> = vec![];
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for (target, o) in outcomes {
        match o {
            Some(o) if o.is_done() => done += 1,
            Some(o) => {
                *counts.entry(o.label()).or_default() += 1;
                bad.push(format!("{target} — {}", o.detail()));
            }
            None => *counts.entry("running").or_default() += 1,
        }
    }
    let mut parts = vec![format!("{done} done")];
    for (label, n) in counts {
        parts.push(format!("{n} {label}"));
    }
    let mut s = parts.join(", ");
    if !bad.is_empty() {
        let shown: Vec<&str> = bad.iter().take(3).map(String::as_str).collect();
        s.push_str(&format!(": {}", shown.join("; ")));
        if bad.len() > 3 {
            s.push_str(&format!("; … {} more", bad.len() - 3));
        }
    }
    if skipped > 0 {
        s.push_str(&format!(", {skipped} skipped"));
    }
    s
}

/// `reason`, or "gone" for a marked row no longer listed.
fn gone_or(reason: &str, obj: &Selected) -> String {
    match obj {
        Selected::Other => "no longer listed".into(),
        _ => reason.into(),
    }
}
