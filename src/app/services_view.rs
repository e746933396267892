//! The services pane as the state holds it: the survey of the definitions and the commands.

use crate::config::CommandConfig;
use crate::services::{Definition, ServicePlan};
use crate::survey::Survey;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

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
