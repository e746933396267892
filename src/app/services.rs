//! The services pane as the UI knows it: the survey of the definitions, and the editor,
//! cloud-init preview and plan/apply overlays opened from it. No I/O here: reading, saving
//! and surveying are [`Effect`]s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::layers::services::editor::EditorState;
pub use super::layers::services::{Overlay, PlanView, PreviewView};
pub use super::panes::services::service_detail;
use super::rows::view_rows;
pub use super::services_view::ServicesView;
use super::state::{AppState, Level};
use crate::jobs::{JobId, JobSpec};
use crate::pane::Pane;
use crate::services::ServicePlan;
use crate::survey::{SaveFailure, Survey};

impl AppState {
    /// Opens a services overlay; one already on top (the preview, when its plan opens) gives
    /// way to it.
    fn open_service(&mut self, overlay: Overlay) {
        if self.top::<Overlay>().is_some() {
            self.close();
        }
        self.open(overlay);
    }

    /// Asks for a fresh survey of the definitions (unless one is out).
    pub fn services_refresh(&mut self) -> Vec<Effect> {
        if self.services.loading {
            // The one out is re-asked when it lands (see `apply_survey`).
            self.services.seq += 1;
            return vec![];
        }
        self.services.seq += 1;
        self.services.loading = true;
        vec![Effect::ServicesRefresh {
            seq: self.services.seq,
        }]
    }

    /// A survey landed.
    pub fn apply_survey(&mut self, seq: u64, survey: Survey, now: DateTime<Utc>) -> Vec<Effect> {
        self.services.loading = false;
        if let Some(e) = &survey.error {
            self.say(Level::Error, format!("services: {e}"));
        }
        self.services.survey = Some(survey);
        self.services.surveyed_at = Some(now);
        if seq < self.services.seq {
            // Something changed while it was out: survey again.
            return self.services_refresh();
        }
        if let Some(Overlay::Plan(p)) = self.service_overlay_mut() {
            p.waiting = false;
        }
        vec![]
    }

    /// After a job ends: apply jobs of an open plan re-plan when all are done; any job may
    /// have changed what the definitions are compared with.
    pub fn services_after_job(&mut self, id: JobId) -> Vec<Effect> {
        let finished = |s: &AppState, id: JobId| {
            s.work
                .jobs
                .iter()
                .find(|j| j.id == id)
                .is_none_or(|j| !j.running())
        };
        if let Some(Overlay::Plan(p)) = self.service_overlay()
            && p.jobs.contains(&id)
            && p.jobs.iter().all(|j| finished(self, *j))
        {
            if let Some(Overlay::Plan(p)) = self.service_overlay_mut() {
                p.waiting = true;
            }
            return self.services_refresh();
        }
        let apply = self
            .work
            .jobs
            .iter()
            .any(|j| j.id == id && matches!(j.spec, JobSpec::Apply { .. }));
        if apply || self.services.survey.is_some() {
            return self.services_refresh();
        }
        vec![]
    }

    /// The definition file the selection points at: a services row, or the definition of the
    /// selected instance.
    pub fn selected_service(&mut self, now: DateTime<Utc>, what: &str) -> Option<PathBuf> {
        match self.pane {
            Pane::Services => {
                let rows = view_rows(self, Pane::Services, now);
                if rows.is_empty() {
                    self.say(Level::Warning, format!("{what}: no definition selected"));
                    return None;
                }
                match &rows[self.selected_index(Pane::Services, &rows)].key {
                    super::cells::RowKey::Service(file) => Some(file.clone()),
                    _ => None,
                }
            }
            Pane::Instances => {
                let super::action_forms::Selected::Instance(i) = self.selected_object(now) else {
                    self.say(Level::Warning, format!("{what}: select an instance"));
                    return None;
                };
                let f = self
                    .services
                    .file_of_instance(&i.remote, &i.inst.project, &i.inst.name);
                if f.is_none() {
                    self.say(
                        Level::Warning,
                        format!(
                            "{what}: no definition in {} describes {}:{}",
                            self.services.dir.display(),
                            i.remote,
                            i.inst.name
                        ),
                    );
                }
                f
            }
            _ => {
                self.say(
                    Level::Warning,
                    format!("{what}: select a service (9) or an instance (2)"),
                );
                None
            }
        }
    }

    /// `E`: edit the selected definition in the console.
    pub fn action_edit(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(file) = self.selected_service(now, "edit") else {
            return vec![];
        };
        vec![Effect::OpenDefinition { file }]
    }

    /// `:new <name>`: a new definition in the services directory.
    pub fn action_new_service(&mut self, name: &str) -> Vec<Effect> {
        if !crate::services::definition::valid_name(name) {
            self.say(
                Level::Error,
                format!("{name:?} is not a valid instance name (letters, digits, dashes)"),
            );
            return vec![];
        }
        let file = self.services.dir.join(format!("{name}.toml"));
        vec![Effect::OpenDefinition { file }]
    }

    /// `V`: edit the selected definition in `$VISUAL` / `$EDITOR`.
    pub fn action_edit_external(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(file) = self.selected_service(now, "edit") else {
            return vec![];
        };
        vec![Effect::EditExternal { file }]
    }

    /// A definition's text was read: open the editor on it.
    pub fn open_editor(&mut self, file: PathBuf, text: Result<(String, bool), String>) {
        match text {
            Ok((text, exists)) => {
                let mut e = EditorState::new(&file, &text);
                if !exists {
                    e.new_file = true;
                    e.note = Some(format!("new definition {}", file.display()));
                }
                self.open_service(Overlay::Editor(Box::new(e)));
            }
            Err(e) => self.say(Level::Error, format!("cannot open {}: {e}", file.display())),
        }
    }

    /// A save finished (or was refused).
    pub fn definition_saved(
        &mut self,
        file: &Path,
        text: &str,
        result: Result<(), SaveFailure>,
    ) -> Vec<Effect> {
        let Some(Overlay::Editor(e)) = self.service_overlay_mut() else {
            if let Err(f) = result {
                self.say(Level::Error, f.why);
            }
            return vec![];
        };
        if e.file != file {
            return vec![];
        }
        match result {
            Ok(()) => {
                e.saved(text);
                e.new_file = false;
                self.services_refresh()
            }
            Err(f) => {
                e.save_failed(f.changed_on_disk, f.why);
                vec![]
            }
        }
    }

    /// `p`: the rendered cloud-init of the selected definition.
    pub fn action_preview(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(file) = self.selected_service(now, "preview") else {
            return vec![];
        };
        self.open_preview(file)
    }

    pub(crate) fn open_preview(&mut self, file: PathBuf) -> Vec<Effect> {
        self.open_service(Overlay::Preview(PreviewView {
            file,
            reveal: false,
            diff: false,
            scroll: 0,
        }));
        self.services_refresh()
    }

    /// `a`: plan the selected definition; `A`: plan them all.
    pub fn action_plan(&mut self, all: bool, now: DateTime<Utc>) -> Vec<Effect> {
        let files = if all {
            vec![]
        } else {
            match self.selected_service(now, "plan") {
                Some(f) => vec![f],
                None => return vec![],
            }
        };
        self.open_plan(files)
    }

    pub(crate) fn open_plan(&mut self, files: Vec<PathBuf>) -> Vec<Effect> {
        self.open_service(Overlay::Plan(PlanView {
            files,
            scroll: 0,
            waiting: true,
            confirm: None,
            jobs: vec![],
            maintenance: None,
        }));
        self.services_refresh()
    }

    pub(crate) fn ask_apply(&mut self) -> Vec<Effect> {
        let Some(Overlay::Plan(p)) = self.service_overlay() else {
            return vec![];
        };
        // A plan being recomputed is not applied: what is shown may be the previous one.
        if p.waiting || self.services.loading {
            self.say(Level::Warning, "planning: wait for the plan");
            return vec![];
        }
        let running = p
            .jobs
            .iter()
            .any(|id| self.work.jobs.iter().any(|j| j.id == *id && j.running()));
        if running {
            self.say(Level::Warning, "the apply is still running");
            return vec![];
        }
        let plans = self.services.plans_for(&p.files);
        if let Some(bad) = plans.iter().find(|sp| !sp.errors.is_empty()) {
            let msg = format!(
                "{} cannot be planned: fix it first (nothing is applied)",
                bad.service
            );
            self.say(Level::Error, msg);
            return vec![];
        }
        if plans.iter().all(|sp| sp.steps.is_empty()) {
            self.say(Level::Info, "nothing to apply: in sync");
            return vec![];
        }
        if self.refuse_write("apply") {
            return vec![];
        }
        let maintenance = (!self.writable_alertmanagers().0.is_empty())
            .then_some(self.work.settings.maintenance_silence);
        if let Some(Overlay::Plan(p)) = self.service_overlay_mut() {
            p.confirm = Some(String::new());
            p.maintenance = maintenance;
        }
        vec![]
    }

    /// Applies the plan of `files` (confirmed): one job per remote, in the order of the
    /// definitions; the plan overlay follows them.
    pub(crate) fn apply_plan(
        &mut self,
        files: &[PathBuf],
        maintenance: bool,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        // One job per remote, in the order of the definitions.
        let mut by_remote: BTreeMap<String, Vec<ServicePlan>> = BTreeMap::new();
        for sp in self.services.plans_for(files) {
            if !sp.steps.is_empty() {
                by_remote
                    .entry(sp.remote.clone())
                    .or_default()
                    .push(sp.clone());
            }
        }
        let mut fx = Vec::new();
        let mut ids = Vec::new();
        for (remote, plans) in by_remote {
            let before = self.work.jobs.len();
            let job = JobSpec::apply(&remote, plans);
            fx.extend(if maintenance {
                self.start_with_maintenance(job, now)
            } else {
                self.start_job(job, now)
            });
            if self.work.jobs.len() > before
                && let Some(j) = self.work.jobs.last()
            {
                ids.push(j.id);
            }
        }
        if let Some(Overlay::Plan(p)) = self.service_overlay_mut() {
            p.jobs = ids;
            p.scroll = u16::MAX;
        }
        fx
    }

    /// `edit|preview|plan <service>` from the palette.
    pub fn service_by_name(&mut self, verb: crate::action::Action, name: &str) -> Vec<Effect> {
        use crate::action::Action;
        let file = self.services.survey.as_ref().and_then(|s| {
            s.loaded
                .iter()
                .find(|l| l.name() == name)
                .map(|l| l.file.clone())
        });
        let Some(file) = file else {
            self.say(
                Level::Error,
                format!(
                    "no service {name:?} in {} (new {name} creates it)",
                    self.services.dir.display()
                ),
            );
            return vec![];
        };
        match verb {
            Action::EditDefinition => vec![Effect::OpenDefinition { file }],
            Action::Preview => self.open_preview(file),
            _ => self.open_plan(vec![file]),
        }
    }
}
