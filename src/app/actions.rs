//! Actions on the selected row: power, shell, snapshot, restore (previewed, after a safety
//! snapshot), delete, backup, import and cancel. They become jobs through [`Effect::StartJob`];
//! destructive ones ask first, and on production remotes the object's name must be typed.

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use super::action_forms::{ActionSettings, Selected};
use super::action_forms::{check_name, diff_map, parse_expiry, snapshot_target};
use super::effect::Effect;
pub use super::layers::action_form::{ActionForm, FormInput, FormKind};
use super::layers::action_form::{text, toggle};
use super::layers::confirm::Confirm;
use super::layers::picker::SnapshotPicker;
use super::rows::view_rows;
use super::state::{AppState, Level};
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::inventory::{
    InstanceRow, ObjectKey, SnapshotKind, SnapshotRow, VolumeRow, human_duration,
};
use crate::jobs::{BackupOptions, PowerAction};
use crate::jobs::{JobSpec, Target, backup_file_name, snapshot_name};
use chrono::{DateTime, Utc};

/// The action forms' field that runs the job under a maintenance silence.
pub const MAINTENANCE_FIELD: &str = "silence alerts";

/// What a snapshot is taken of, as the form needs it.
struct SnapshotParent {
    target: Target,
    /// A running VM that may keep its state (`migration.stateful`).
    stateful_possible: bool,
    /// The object's own `snapshots.expiry`.
    own_expiry: Option<String>,
}

impl AppState {
    /// Refuses a write in read-only mode, saying so.
    pub fn refuse_write(&mut self, what: &str) -> bool {
        if self.readonly {
            self.say(
                Level::Warning,
                format!("read-only mode (--readonly): {what} is disabled"),
            );
            return true;
        }
        false
    }

    /// What the selected row of the current pane is.
    pub fn selected_object(&self, now: DateTime<Utc>) -> Selected {
        let rows = view_rows(self, self.pane, now);
        match rows.get(self.selected_index(self.pane, &rows)) {
            Some(row) => self.object_of(&row.key),
            None => Selected::Other,
        }
    }

    /// What a row is, by its key (`Other` when it is gone).
    pub fn object_of(&self, key: &super::cells::RowKey) -> Selected {
        if let Some(j) = self.job_by_key(key) {
            return Selected::Job(j.id);
        }
        if let super::cells::RowKey::Job(id) = key
            && self.work.batches.iter().any(|b| b.id == *id)
        {
            return Selected::Job(*id);
        }
        let Some(object) = key.object() else {
            return Selected::Other;
        };
        let Some(r) = self.remotes.iter().find(|r| r.name == object.remote()) else {
            return Selected::Other;
        };
        match object {
            ObjectKey::Instance { .. } => r
                .instances
                .iter()
                .find(|i| i.object() == *object)
                .cloned()
                .map(Selected::Instance),
            ObjectKey::Volume { .. } => r
                .volumes
                .iter()
                .find(|v| v.object() == *object)
                .cloned()
                .map(Selected::Volume),
            ObjectKey::Snapshot { .. } => r
                .instances
                .iter()
                .flat_map(|i| {
                    i.inst
                        .snapshots
                        .iter()
                        .flatten()
                        .map(move |s| SnapshotRow::of_instance(&r.name, &i.inst, s))
                })
                .chain(r.volume_snapshots.iter().cloned())
                .find(|s| s.object() == *object)
                .map(Selected::Snapshot),
            ObjectKey::Host { .. } => r
                .hosts
                .iter()
                .find(|h| h.object() == *object)
                .cloned()
                .map(Selected::Host),
        }
        .unwrap_or(Selected::Other)
    }

    pub(crate) fn production(&self, remote: &str) -> bool {
        self.remotes
            .iter()
            .any(|r| r.name == remote && r.production)
    }

    /// Alerts firing on an object now (`ServiceDown (critical)`), for the journal.
    pub fn firing_on(&self, key: &str) -> Vec<String> {
        let joined = &self.join_alerts().1;
        crate::alerts::join::firing_on(&self.alerting.alerts, joined, key)
    }

    /// Refuses a job on a remote configured read-only (`readonly = true` in its `[[remotes]]`).
    fn refuse_remote(&mut self, spec: &JobSpec) -> bool {
        let remote = &spec.target().remote;
        if self.remotes.iter().any(|r| r.name == *remote && r.readonly) {
            self.say(
                Level::Warning,
                format!(
                    "{remote} is read-only (readonly = true in its [[remotes]]): {} is disabled",
                    spec.kind()
                ),
            );
            return true;
        }
        false
    }

    /// Starts a job now.
    pub fn start_job(&mut self, spec: JobSpec, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write(&spec.kind()) || self.refuse_remote(&spec) {
            return vec![];
        }
        let id = self.work.ids.take();
        let alerts = self.firing_on(&spec.target().row_key());
        self.work.jobs.push(super::job_view::JobView {
            cli: vec![],
            id,
            spec: spec.clone(),
            started: now,
            finished: None,
            progress: Default::default(),
            outcome: None,
            log: vec![],
            alerts: alerts.clone(),
            cancel_requested: false,
        });
        self.say(
            Level::Info,
            format!(
                "job {id}: {} {} started (7 shows jobs)",
                spec.kind(),
                spec.target().label()
            ),
        );
        vec![Effect::StartJob { id, spec, alerts }]
    }

    /// Asks before a job; on a production remote the object's name must be typed.
    pub(crate) fn ask_job(
        &mut self,
        spec: JobSpec,
        prompt: String,
        body: Vec<String>,
    ) -> Vec<Effect> {
        if self.refuse_write(&spec.kind()) || self.refuse_remote(&spec) {
            return vec![];
        }
        let production = self.production(&spec.target().remote);
        let typed = match crate::usecase::confirmation(&spec, production) {
            crate::usecase::Confirmation::TypeName(name) => Some(name),
            _ => None,
        };
        // A job on an object can run under a maintenance silence, where an Alertmanager
        // takes silences.
        let maintenance = (!self.writable_alertmanagers().0.is_empty())
            .then_some(self.work.settings.maintenance_silence);
        self.open(Confirm {
            prompt,
            body,
            typed,
            input: String::new(),
            job: Some(spec),
            batch: None,
            effects: vec![],
            maintenance,
        });
        vec![]
    }

    fn need_instance(&mut self, now: DateTime<Utc>, what: &str) -> Option<InstanceRow> {
        match self.selected_object(now) {
            Selected::Instance(i) => Some(i),
            _ => {
                self.say(
                    Level::Warning,
                    format!("{what}: select an instance (2 instances pane)"),
                );
                None
            }
        }
    }

    /// Start, stop, restart or force-stop the selected instance.
    pub fn action_power(
        &mut self,
        action: PowerAction,
        force: bool,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let what = if force { "force-stop" } else { action.as_str() };
        if self.refuse_write(what) {
            return vec![];
        }
        let Some(i) = self.need_instance(now, what) else {
            return vec![];
        };
        if let Some(r) = super::action_forms::power_refusal(&i, action) {
            self.say(Level::Warning, format!("{} {r}", i.inst.name));
            return vec![];
        }
        let spec = JobSpec::Power {
            target: Target::instance(&i.remote, &i.inst.project, &i.inst.name),
            action,
            force,
            timeout: self.work.settings.stop_timeout,
        };
        if !spec.destructive() {
            return self.start_job(spec, now);
        }
        let prompt = match (action, force) {
            (PowerAction::Stop, true) => format!(
                "Force-stop {}? Its processes are killed without a clean shutdown.",
                spec.target().label()
            ),
            (PowerAction::Stop, false) => format!(
                "Stop {}? (clean shutdown, up to {}s)",
                spec.target().label(),
                self.work.settings.stop_timeout
            ),
            (PowerAction::Restart, _) => format!("Restart {}?", spec.target().label()),
            _ => format!(
                "Freeze {}? Its processes are paused until unfrozen.",
                spec.target().label()
            ),
        };
        self.ask_job(spec, prompt, vec![])
    }

    /// Freeze a running instance, unfreeze a frozen one.
    pub fn action_freeze(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let frozen = matches!(self.selected_object(now), Selected::Instance(i)
            if i.status().eq_ignore_ascii_case("frozen"));
        let a = if frozen {
            PowerAction::Unfreeze
        } else {
            PowerAction::Freeze
        };
        self.action_power(a, false, now)
    }

    /// Suspend the console and open a shell in the selected instance.
    pub fn action_shell(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("the shell") {
            return vec![];
        }
        let Some(i) = self.need_instance(now, "shell") else {
            return vec![];
        };
        if !i.status().eq_ignore_ascii_case("running") {
            self.say(
                Level::Warning,
                format!("{} is not running (u starts it)", i.inst.name),
            );
            return vec![];
        }
        vec![Effect::Shell {
            remote: i.remote.clone(),
            project: i.inst.project.clone(),
            name: i.inst.name.clone(),
        }]
    }

    /// The instance or volume a snapshot, instance or volume row stands for.
    fn snapshot_parent(&mut self, now: DateTime<Utc>) -> Option<SnapshotParent> {
        let own_expiry = |c: Option<&str>| c.filter(|e| !e.trim().is_empty()).map(String::from);
        match self.selected_object(now) {
            Selected::Instance(i) => Some(SnapshotParent {
                target: Target::instance(&i.remote, &i.inst.project, &i.inst.name),
                // Incus refuses a stateful snapshot of anything but a running VM that may
                // keep its state.
                stateful_possible: i.status().eq_ignore_ascii_case("running")
                    && i.inst.kind == crate::inventory::InstanceKind::VirtualMachine
                    && [&i.inst.config, &i.inst.expanded_config]
                        .iter()
                        .any(|c| c.get("migration.stateful") == Some("true")),
                own_expiry: own_expiry(
                    i.inst
                        .config
                        .get("snapshots.expiry")
                        .or(i.inst.expanded_config.get("snapshots.expiry")),
                ),
            }),
            Selected::Volume(v) => Some(SnapshotParent {
                target: Target::volume(&v.remote, &v.vol.project, &v.pool, &v.vol.name),
                stateful_possible: false,
                own_expiry: own_expiry(v.vol.config.get("snapshots.expiry").map(String::as_str)),
            }),
            Selected::Snapshot(s) => Some(SnapshotParent {
                target: snapshot_target(&s),
                stateful_possible: false,
                own_expiry: None,
            }),
            _ => {
                self.say(Level::Warning, "select an instance, a volume or a snapshot");
                None
            }
        }
    }

    /// Opens the snapshot form.
    pub fn action_snapshot(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("snapshot") {
            return vec![];
        }
        let Some(parent) = self.snapshot_parent(now) else {
            return vec![];
        };
        let target = parent.target;
        let s = &self.work.settings;
        // What Incus would do: the object's own `snapshots.expiry`, else the console's default.
        let what = if target.is_volume() {
            "volume"
        } else {
            "instance"
        };
        let (expiry, expiry_hint) = match parent
            .own_expiry
            .as_deref()
            .and_then(|e| crate::inventory::incus_expiry(e).map(|d| (e, d)))
        {
            Some((e, d)) => (
                human_duration(d.num_seconds()),
                format!("the {what}'s snapshots.expiry ({e}); empty = never"),
            ),
            None => (
                s.snapshot_expiry
                    .map(|d| human_duration(d.num_seconds()))
                    .unwrap_or_default(),
                "e.g. 7d, 12h (actions.snapshot_expiry); empty = never".to_string(),
            ),
        };
        let mut fields = vec![text(
            "name",
            snapshot_name(&s.snapshot_pattern, now),
            "letters, digits, - _ .",
        )];
        // Only where snapshots can expire on their own (not Proxmox VE's).
        if self.supports(&target.remote, crate::backend::Operation::SnapshotExpiry) {
            fields.push(text("expiry", expiry, expiry_hint));
        }
        // Offered only where it can be taken: a running VM that may keep its state.
        if parent.stateful_possible {
            fields.push(toggle(
                "stateful",
                false,
                "space toggles: include the running memory state",
            ));
        }
        self.open_form(
            FormKind::Snapshot,
            format!("Snapshot {}", target.label()),
            target,
            fields,
        )
    }

    fn open_form(
        &mut self,
        kind: FormKind,
        title: String,
        target: Target,
        mut fields: Vec<FormInput>,
    ) -> Vec<Effect> {
        // A job on an existing object can run under a maintenance silence.
        let on_object = matches!(
            kind,
            FormKind::Snapshot | FormKind::Backup | FormKind::Vzdump
        );
        if on_object && !self.writable_alertmanagers().0.is_empty() {
            fields.push(toggle(
                MAINTENANCE_FIELD,
                self.work.settings.maintenance_silence,
                "silence its alerts during the job, expire the silence after, then watch them",
            ));
        }
        self.open(ActionForm {
            kind,
            title,
            target,
            fields,
            focus: 0,
            error: None,
            batch: None,
        });
        vec![]
    }

    /// Opens the backup form.
    pub fn action_backup(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("backup") {
            return vec![];
        }
        let target = match self.selected_object(now) {
            Selected::Instance(i) => Target::instance(&i.remote, &i.inst.project, &i.inst.name),
            Selected::Volume(v) => Target::volume(&v.remote, &v.vol.project, &v.pool, &v.vol.name),
            _ => {
                self.say(Level::Warning, "backup: select an instance or a volume");
                return vec![];
            }
        };
        if self.supports(&target.remote, crate::backend::Operation::StorageBackup) {
            return self.vzdump_form(target);
        }
        let s = &self.work.settings;
        let path = s
            .backup_dir
            .join(backup_file_name(&target, now, &s.compression));
        let only_hint = if target.is_volume() {
            "volume only, without its snapshots"
        } else {
            "instance only, without its snapshots"
        };
        let fields = vec![
            text(
                "file",
                path.to_string_lossy(),
                "where the backup is written",
            ),
            toggle("no snapshots", true, only_hint),
            toggle(
                "optimized",
                false,
                "the pool's own format (same driver only)",
            ),
            text(
                "compression",
                s.compression.clone(),
                "gzip, zstd, xz, none; empty = server default",
            ),
        ];
        self.open_form(
            FormKind::Backup,
            format!("Back up {}", target.label()),
            target,
            fields,
        )
    }

    /// The form of a backup to one of the remote's storages: the storage its archives are in
    /// (the most used one) offered first.
    fn vzdump_form(&mut self, target: Target) -> Vec<Effect> {
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for b in self
            .remotes
            .iter()
            .filter(|r| r.name == target.remote)
            .flat_map(|r| &r.backups)
        {
            *counts.entry(b.location.as_str()).or_default() += 1;
        }
        let storage = counts
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(s, _)| s.split('@').next().unwrap_or(s).to_string())
            .unwrap_or_else(|| "local".into());
        let fields = vec![
            text("storage", storage, "a storage with backup content"),
            text("mode", "snapshot", "snapshot (live), suspend, or stop"),
            text("compress", "zstd", "zstd, lzo, gzip, or 0"),
        ];
        self.open_form(
            FormKind::Vzdump,
            format!("Back up {} (vzdump)", target.label()),
            target,
            fields,
        )
    }

    /// `r` in the backups pane: restore the instance's newest backup (another can be typed in),
    /// over it or as a new guest.
    pub fn action_restore_archive(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("restore") {
            return vec![];
        }
        let Selected::Instance(i) = self.selected_object(now) else {
            self.say(Level::Warning, "restore: select an instance");
            return vec![];
        };
        if !self.supports(&i.remote, crate::backend::Operation::StorageBackup) {
            self.say(
                Level::Warning,
                format!(
                    "{}: restore an exported file with the import form (palette: import)",
                    i.remote
                ),
            );
            return vec![];
        }
        let Some(r) = self.remotes.iter().find(|r| r.name == i.remote) else {
            return vec![];
        };
        let backups = super::panes::backups::backups_of(self, r, &i);
        let Some(newest) = backups.first() else {
            self.say(Level::Warning, format!("{} has no backup", i.inst.name));
            return vec![];
        };
        let storage = newest
            .location
            .split('@')
            .next()
            .unwrap_or(&newest.location);
        let fields = vec![
            text(
                "archive",
                format!("{storage}:{}", newest.name),
                "storage:volume (enter on the row lists them all)",
            ),
            text("to VMID", "", "empty: over the guest (it is replaced)"),
        ];
        let target = Target::instance(&i.remote, &i.inst.project, &i.inst.name);
        self.open_form(
            FormKind::RestoreArchive,
            format!("Restore a backup of {}", target.label()),
            target,
            fields,
        )
    }

    /// Opens the import form (`file` prefilled from the palette).
    pub fn action_import(&mut self, file: Option<String>, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("import") {
            return vec![];
        }
        let _ = now;
        // Default to the remote/project/pool of the selected row.
        let (remote, project, pool, volume) = match self.selected_object(now) {
            Selected::Instance(i) => (
                i.remote.clone(),
                i.inst.project.clone(),
                String::new(),
                false,
            ),
            Selected::Volume(v) => (
                v.remote.clone(),
                v.vol.project.clone(),
                v.pool.clone(),
                true,
            ),
            Selected::Snapshot(s) => (
                s.remote.clone(),
                s.project.clone(),
                s.pool.clone().unwrap_or_default(),
                s.kind == SnapshotKind::Volume,
            ),
            _ => match self.remotes.first() {
                Some(r) => (
                    r.name.clone(),
                    self.listing.home_project.clone(),
                    String::new(),
                    false,
                ),
                None => {
                    self.say(Level::Error, "no remote to import into");
                    return vec![];
                }
            },
        };
        let file = file.unwrap_or_else(|| {
            self.work
                .settings
                .backup_dir
                .join("")
                .to_string_lossy()
                .into_owned()
        });
        let name = PathBuf::from(&file)
            .file_name()
            .map(|n| {
                let n = n.to_string_lossy();
                n.split('.').next().unwrap_or("").to_string()
            })
            .unwrap_or_default();
        let fields = vec![
            text("file", file, "a backup made by atlas-tui or incus export"),
            text("name", name, "the new instance or volume"),
            toggle(
                "volume",
                volume,
                "a custom-volume backup (else an instance)",
            ),
            text(
                "pool",
                pool,
                "target pool; empty = the profile's for instances",
            ),
            text("remote", remote.clone(), "remote to import into"),
            text("project", project.clone(), ""),
            toggle(
                "replace",
                false,
                "move an existing instance of that name aside first",
            ),
        ];
        let target = Target::instance(&remote, &project, "");
        self.open_form(FormKind::Import, "Import a backup".into(), target, fields)
    }

    pub(crate) fn submit_form(&mut self, now: DateTime<Utc>) -> Result<Vec<Effect>, String> {
        let Some(form) = self.action_form().cloned() else {
            return Ok(vec![]);
        };
        if form.batch.is_some() {
            return self.submit_batch_form(&form, now);
        }
        let spec = match form.kind {
            // Only on marked rows (above).
            FormKind::RestoreNamed => return self.submit_batch_form(&form, now),
            FormKind::Command => return Ok(self.submit_command_form(&form, now)),
            FormKind::Snapshot => {
                let name = form.value("name").to_string();
                check_name("name", &name)?;
                JobSpec::Snapshot {
                    target: form.target.clone(),
                    name,
                    expires_at: parse_expiry(form.value("expiry"), now)?,
                    stateful: form.on("stateful"),
                }
            }
            FormKind::Vzdump => vzdump_spec(&form)?,
            FormKind::RestoreArchive => {
                let archive = form.value("archive").to_string();
                if !archive.contains(':') {
                    return Err("archive: storage:volume, e.g. nfs-backup:backup/vzdump-…".into());
                }
                let new_id = match form.value("to VMID") {
                    "" => None,
                    n => Some(
                        n.parse::<u64>()
                            .ok()
                            .filter(|n| *n >= 100)
                            .ok_or("to VMID: a number from 100 on")?,
                    ),
                };
                let spec = JobSpec::RestoreArchive {
                    target: form.target.clone(),
                    archive: archive.clone(),
                    new_id,
                };
                self.close();
                let label = spec.target().label();
                return Ok(match new_id {
                    None => self.ask_job(
                        spec,
                        format!("Replace {label} with the backup {archive}?"),
                        vec![
                            "the guest is destroyed and recreated from the archive".into(),
                            "what changed since the backup is lost".into(),
                        ],
                    ),
                    Some(_) => self.start_job(spec, now),
                });
            }
            FormKind::Backup => export_spec(&form)?,
            FormKind::Import => {
                let file = form.value("file");
                if file.is_empty() || file.ends_with('/') {
                    return Err("file: the backup file to import".into());
                }
                let name = form.value("name").to_string();
                check_name("name", &name)?;
                let remote = form.value("remote").to_string();
                if !self.remotes.iter().any(|r| r.name == remote) {
                    return Err(format!("remote: no remote named {remote:?}"));
                }
                let project = match form.value("project") {
                    "" => "default".to_string(),
                    p => p.to_string(),
                };
                let pool = form.value("pool").to_string();
                let volume = form.on("volume");
                if volume && pool.is_empty() {
                    return Err("pool: a volume import needs a pool".into());
                }
                let target = if volume {
                    Target::volume(&remote, &project, &pool, &name)
                } else {
                    Target::instance(&remote, &project, &name)
                };
                let replace = form.on("replace");
                if replace && volume {
                    return Err("replace: only instances can be replaced; import the volume under a new name".into());
                }
                let spec = JobSpec::Import {
                    target,
                    file: PathBuf::from(file),
                    pool: (!volume && !pool.is_empty()).then_some(pool),
                    replace,
                };
                if replace {
                    self.close();
                    let label = spec.target().label();
                    return Ok(self.ask_job(
                        spec,
                        format!(
                            "Replace {label} with the backup? The current instance is stopped and kept as {name}-replaced-<time>."
                        ),
                        vec![],
                    ));
                }
                spec
            }
        };
        self.close();
        Ok(if form.on(MAINTENANCE_FIELD) {
            self.start_with_maintenance(spec, now)
        } else {
            self.start_job(spec, now)
        })
    }

    /// The restore preview of the selected snapshot, then (after confirmation) the job.
    /// `r`: a snapshot restored (previewed first); on the backups pane an archive, on the
    /// hosts pane an evacuated member.
    pub fn action_restore(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        match self.pane {
            crate::pane::Pane::Backups => return self.action_restore_archive(now),
            crate::pane::Pane::Hosts => return self.action_restore_member(now),
            _ => {}
        }
        if self.refuse_write("restore") {
            return vec![];
        }
        let s = match self.selected_object(now) {
            Selected::Snapshot(s) => s,
            Selected::Instance(i) => {
                // Not read yet is not "none".
                if i.inst.snapshots.is_none() {
                    self.say(
                        Level::Warning,
                        format!(
                            "{}: its snapshots are still loading; try again in a moment",
                            i.key()
                        ),
                    );
                    return vec![];
                }
                let snaps = self.snapshots_of_instance(&i);
                return self.open_picker(i.key(), snaps);
            }
            Selected::Volume(v) => {
                if !self
                    .remotes
                    .iter()
                    .any(|r| r.name == v.remote && r.volumes_listed)
                {
                    self.say(
                        Level::Warning,
                        format!(
                            "{}: its snapshots are still loading; try again in a moment",
                            v.key()
                        ),
                    );
                    return vec![];
                }
                let snaps = self.snapshots_of_volume(&v);
                return self.open_picker(v.key(), snaps);
            }
            _ => {
                self.say(
                    Level::Warning,
                    "restore: select a snapshot, an instance or a volume",
                );
                return vec![];
            }
        };
        self.restore_snapshot(s, now)
    }

    /// An instance's snapshots, newest first.
    fn snapshots_of_instance(&self, i: &InstanceRow) -> Vec<SnapshotRow> {
        let mut v: Vec<SnapshotRow> = i
            .inst
            .snapshots
            .iter()
            .flatten()
            .map(|s| SnapshotRow::of_instance(&i.remote, &i.inst, s))
            .collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        v
    }

    /// A volume's snapshots, newest first.
    fn snapshots_of_volume(&self, vol: &VolumeRow) -> Vec<SnapshotRow> {
        let mut v: Vec<SnapshotRow> = self
            .remotes
            .iter()
            .filter(|r| r.name == vol.remote)
            .flat_map(|r| &r.volume_snapshots)
            .filter(|s| {
                s.project == vol.vol.project
                    && s.pool.as_deref() == Some(vol.pool.as_str())
                    && s.parent == vol.vol.name
            })
            .cloned()
            .collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        v
    }

    /// Opens the snapshot picker for `parent` (an instance or volume key).
    fn open_picker(&mut self, parent: String, snapshots: Vec<SnapshotRow>) -> Vec<Effect> {
        if snapshots.is_empty() {
            let hint = self
                .keymap
                .hint(Mode::Normal, Action::Snapshot)
                .map(|k| format!(" ({k} takes one)"))
                .unwrap_or_default();
            self.say(Level::Warning, format!("{parent} has no snapshots{hint}"));
            return vec![];
        }
        self.open(SnapshotPicker {
            parent,
            snapshots,
            selected: 0,
        });
        vec![]
    }

    /// Previews the restore of one snapshot and asks to confirm it.
    pub fn restore_snapshot(&mut self, s: SnapshotRow, now: DateTime<Utc>) -> Vec<Effect> {
        let target = snapshot_target(&s);
        let safety = crate::usecase::restore::safety(&self.work.settings, now);
        let safety_exp = self.work.settings.safety_expiry;
        let mut body = Vec::new();
        let age = s
            .created_at
            .map(|c| {
                format!(
                    "taken {} ago ({})",
                    human_duration((now - c).num_seconds()),
                    c.format("%Y-%m-%d %H:%M UTC")
                )
            })
            .unwrap_or_else(|| "age unknown".into());
        body.push(format!("snapshot {}: {age}", s.name));
        let mut restart = Vec::new();
        let r = self.remotes.iter().find(|r| r.name == s.remote);
        match s.kind {
            SnapshotKind::Instance => instance_restore_lines(r, &s, &mut body),
            SnapshotKind::Volume => restart = volume_restore_lines(r, &s, &mut body),
        }
        let expires = self.supports(&target.remote, crate::backend::Operation::SnapshotExpiry);
        body.push(format!(
            "safety snapshot {} is taken first{} — restore it to undo",
            safety.name,
            match safety_exp {
                Some(d) if expires => format!(" (expires in {})", human_duration(d.num_seconds())),
                Some(_) => " (kept until deleted: snapshots here do not expire)".into(),
                None => String::new(),
            }
        ));
        let spec =
            crate::usecase::restore::plan(target.clone(), s.name.clone(), Some(safety), restart);
        self.ask_job(
            spec,
            format!("Restore {} to snapshot {}?", target.label(), s.name),
            body,
        )
    }

    /// Deletes the selected snapshot (after confirmation).
    pub fn action_delete(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("delete") {
            return vec![];
        }
        let Selected::Snapshot(s) = self.selected_object(now) else {
            self.say(
                Level::Warning,
                "delete: select a snapshot (instances and volumes are not deleted from here)",
            );
            return vec![];
        };
        let target = snapshot_target(&s);
        let mut body = vec![];
        if let Some(c) = s.created_at {
            body.push(format!(
                "taken {} ago",
                human_duration((now - c).num_seconds())
            ));
        }
        body.push("this cannot be undone".into());
        let spec = JobSpec::DeleteSnapshot {
            target: target.clone(),
            name: s.name.clone(),
        };
        self.ask_job(
            spec,
            format!("Delete snapshot {} of {}?", s.name, target.label()),
            body,
        )
    }

    /// Cancels the selected job.
    pub fn action_cancel_job(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.pane == crate::pane::Pane::Activity {
            return self.cancel_operation(now);
        }
        let Selected::Job(id) = self.selected_object(now) else {
            self.say(Level::Warning, "cancel: select a running job (7 jobs pane)");
            return vec![];
        };
        if self.work.batches.iter().any(|b| b.id == id) {
            return self.cancel_batch(id);
        }
        let Some(j) = self.work.jobs.iter_mut().find(|j| j.id == id) else {
            return vec![];
        };
        if !j.running() {
            self.say(Level::Warning, format!("job {id} has already ended"));
            return vec![];
        }
        j.cancel_requested = true;
        self.say(Level::Info, format!("cancelling job {id}"));
        vec![Effect::CancelJob(id)]
    }
}

/// A vzdump job from its form, or what is wrong in it.
fn vzdump_spec(form: &ActionForm) -> Result<JobSpec, String> {
    let storage = form.value("storage").to_string();
    if storage.is_empty() {
        return Err("storage: a storage with backup content".into());
    }
    let mode = form.value("mode").to_string();
    if !matches!(mode.as_str(), "snapshot" | "suspend" | "stop") {
        return Err("mode: snapshot, suspend or stop".into());
    }
    let compress = match form.value("compress") {
        "" => "zstd".to_string(),
        c => c.to_string(),
    };
    if !matches!(compress.as_str(), "zstd" | "lzo" | "gzip" | "0") {
        return Err("compress: zstd, lzo, gzip or 0".into());
    }
    Ok(JobSpec::Vzdump {
        target: form.target.clone(),
        storage,
        mode,
        compress,
    })
}

/// A backup to a file from its form, or what is wrong in it.
fn export_spec(form: &ActionForm) -> Result<JobSpec, String> {
    let file = form.value("file");
    if file.is_empty() {
        return Err("file: a path is needed".into());
    }
    let path = PathBuf::from(file);
    if path.is_dir() || file.ends_with('/') {
        return Err("file: give a file name, not a directory".into());
    }
    let compression = form.value("compression").to_string();
    if !compression.is_empty()
        && !compression
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(format!(
            "compression: {compression:?} is not an algorithm name"
        ));
    }
    Ok(JobSpec::Export {
        target: form.target.clone(),
        // The name says what the file is: `.tar` for `none`.
        path: crate::jobs::with_backup_extension(&path, &compression),
        options: BackupOptions {
            only: form.on("no snapshots"),
            optimized: form.on("optimized"),
            compression,
        },
    })
}

/// What restoring an instance snapshot changes: config and devices (now → snapshot), and a
/// running instance stopped and started around it.
fn instance_restore_lines(
    r: Option<&super::state::RemoteView>,
    s: &SnapshotRow,
    body: &mut Vec<String>,
) {
    let inst = r.and_then(|r| {
        r.instances
            .iter()
            .find(|i| i.inst.project == s.project && i.inst.name == s.parent)
    });
    if let Some(i) = inst {
        let mut changes = Vec::new();
        diff_map(
            &mut changes,
            "",
            &i.inst.config.to_map(),
            &s.config.to_map(),
        );
        let flat = |d: &crate::inventory::Devices| {
            d.iter()
                .flat_map(|(dev, kv)| {
                    kv.iter()
                        .map(move |(k, v)| (format!("{dev}.{k}"), v.to_string()))
                })
                .collect::<BTreeMap<String, String>>()
        };
        diff_map(
            &mut changes,
            "devices.",
            &flat(&i.inst.devices),
            &flat(&s.devices),
        );
        if changes.is_empty() {
            body.push("config and devices: no change".into());
        } else {
            body.push("config and devices (now → snapshot):".into());
            body.extend(changes);
        }
        if i.status().eq_ignore_ascii_case("running") {
            body.push(format!(
                "{} is running: {} stops it, restores and starts it again",
                i.inst.name,
                r.map(|r| r.caps.provider).unwrap_or("the provider")
            ));
        }
        body.push("the root filesystem goes back to the snapshot".into());
    } else {
        body.push("the instance is not loaded; config changes unknown".into());
    }
}

/// What restoring a volume snapshot changes, and the running instances that use the volume
/// (stopped around the restore): given back.
fn volume_restore_lines(
    r: Option<&super::state::RemoteView>,
    s: &SnapshotRow,
    body: &mut Vec<String>,
) -> Vec<String> {
    let mut restart = Vec::new();
    let vol = r.and_then(|r| {
        r.volumes.iter().find(|v| {
            v.vol.project == s.project && Some(&v.pool) == s.pool.as_ref() && v.vol.name == s.parent
        })
    });
    if let Some(v) = vol {
        let mut changes = Vec::new();
        diff_map(&mut changes, "", &v.vol.config, &s.config.to_map());
        if !changes.is_empty() {
            body.push("volume config (now → snapshot):".into());
            body.extend(changes);
        }
        restart = crate::usecase::restore::restart_around(v.used_by().into_iter().map(|user| {
            let running = r.is_some_and(|r| {
                r.instances.iter().any(|i| {
                    i.inst.name == user
                        && i.inst.project == s.project
                        && i.status().eq_ignore_ascii_case("running")
                })
            });
            (user, running)
        }));
        if !restart.is_empty() {
            body.push(format!(
                "used by running {}: Incus refuses to restore a volume in use, so {} stopped first (forced after 30s) and started again after",
                restart.join(", "),
                if restart.len() == 1 { "it is" } else { "they are" }
            ));
        }
    }
    body.push("the volume's data goes back to the snapshot".into());
    restart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lines() {
        let now: BTreeMap<String, String> = [
            ("limits.memory".to_string(), "1GiB".to_string()),
            ("user.x".into(), "1".into()),
            ("volatile.idmap".into(), "x".into()),
        ]
        .into();
        let then: BTreeMap<String, String> = [
            ("limits.memory".to_string(), "512MiB".to_string()),
            ("limits.cpu".into(), "1".into()),
        ]
        .into();
        let mut out = vec![];
        diff_map(&mut out, "", &now, &then);
        assert_eq!(
            out,
            [
                "  + limits.cpu: 1",
                "  ~ limits.memory: 1GiB → 512MiB",
                "  - user.x: 1"
            ]
        );
    }

    #[test]
    fn names_and_expiry() {
        assert!(check_name("n", "atlas-2026.1_x").is_ok());
        assert!(check_name("n", "a/b").is_err());
        assert!(check_name("n", "").is_err());
        let now = Utc::now();
        assert_eq!(parse_expiry("", now).unwrap(), None);
        assert_eq!(
            parse_expiry("2h", now).unwrap(),
            Some(now + chrono::Duration::hours(2))
        );
        assert!(parse_expiry("soon", now).is_err());
    }
}
