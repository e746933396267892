//! The services pane as the state holds it: the survey, and the editor, preview and plan
//! overlays.

use super::editor::EditorState;
use crate::config::CommandConfig;
use crate::jobs::JobId;
use crate::services::{Definition, ServicePlan};
use crate::survey::Survey;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// The cloud-init preview of one definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewView {
    pub file: PathBuf,
    /// Secrets shown in clear.
    pub reveal: bool,
    /// The diff against the instance's user-data instead of the whole text.
    pub diff: bool,
    pub scroll: u16,
}

/// The plan of some definitions (all when `files` is empty), and the apply that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanView {
    pub files: Vec<PathBuf>,
    pub scroll: u16,
    /// A fresh survey was asked for and has not come yet.
    pub waiting: bool,
    /// Asking whether to apply: what was typed (production remotes want `apply`).
    pub confirm: Option<String>,
    /// Apply jobs started from this plan.
    pub jobs: Vec<JobId>,
    /// Whether the apply runs under a maintenance silence of its instances (`None`: not
    /// offered).
    pub maintenance: Option<bool>,
}

/// An overlay of the services pane.
#[derive(Debug, Clone)]
pub enum Overlay {
    Editor(Box<EditorState>),
    Preview(PreviewView),
    Plan(PlanView),
}

impl Overlay {
    /// The keymap layer that reads its next key: the editor's own (or its question's, its
    /// search's), the plan's typed confirmation, else `[overlay]`.
    pub fn keys(&self) -> crate::config::keymap::Mode {
        use crate::config::keymap::Mode;
        match self {
            Overlay::Editor(e) => e.key_mode(),
            Overlay::Plan(PlanView {
                confirm: Some(_), ..
            }) => Mode::Confirm,
            Overlay::Plan(_) | Overlay::Preview(_) => Mode::Overlay,
        }
    }
}

/// The services pane's state.
#[derive(Debug, Clone, Default)]
pub struct ServicesView {
    /// The services directory.
    pub dir: PathBuf,
    /// Where relative command working directories start.
    pub config_dir: PathBuf,
    pub survey: Option<Survey>,
    pub surveyed_at: Option<DateTime<Utc>>,
    /// The number of the latest survey asked for, and whether it is still out.
    pub seq: u64,
    pub loading: bool,
    /// `[[commands]]` of the config.
    pub commands: Vec<CommandConfig>,
}

impl ServicesView {
    /// The plan of the definition in `file`.
    pub fn plan_of(&self, file: &Path) -> Option<&ServicePlan> {
        self.survey
            .as_ref()?
            .plan
            .services
            .iter()
            .find(|p| p.file == file)
    }

    /// The definition in `file`, when it parses.
    pub fn definition(&self, file: &Path) -> Option<&Definition> {
        self.survey
            .as_ref()?
            .loaded
            .iter()
            .find(|l| l.file == file)?
            .def
            .as_ref()
            .ok()
    }

    /// The definition file of an instance, if one describes it.
    pub fn file_of_instance(&self, remote: &str, project: &str, name: &str) -> Option<PathBuf> {
        let project = if project.is_empty() {
            "default"
        } else {
            project
        };
        self.survey.as_ref()?.loaded.iter().find_map(|l| {
            let d = l.def.as_ref().ok()?;
            (d.remote == remote && d.project == project && d.name == name).then(|| l.file.clone())
        })
    }

    /// The plans an overlay shows.
    pub fn plans_for(&self, files: &[PathBuf]) -> Vec<&ServicePlan> {
        let Some(s) = &self.survey else {
            return vec![];
        };
        s.plan
            .services
            .iter()
            .filter(|p| files.is_empty() || files.contains(&p.file))
            .collect()
    }
}
