//! Where atlas-tui reads and writes files (XDG directories via `directories`).

use std::path::PathBuf;

/// The directories atlas-tui uses.
#[derive(Debug, Clone)]
pub struct Paths {
    /// User configuration: config.toml, keymap.toml, themes/.
    pub config_dir: PathBuf,
    /// State: the log file, the journal and the job history.
    pub state_dir: PathBuf,
    /// Data: backups.
    pub data_dir: PathBuf,
}

impl Paths {
    /// The XDG locations, overridable with `ATLAS_TUI_CONFIG_DIR` / `ATLAS_TUI_STATE_DIR`.
    pub fn discover() -> Self {
        let dirs = directories::ProjectDirs::from("", "", "atlas-tui");
        let config_dir = std::env::var_os("ATLAS_TUI_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".atlas-tui"));
        let state_dir = std::env::var_os("ATLAS_TUI_STATE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                dirs.as_ref().map(|d| {
                    d.state_dir()
                        .unwrap_or_else(|| d.data_local_dir())
                        .to_path_buf()
                })
            })
            .unwrap_or_else(|| PathBuf::from(".atlas-tui/state"));
        let data_dir = std::env::var_os("ATLAS_TUI_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".atlas-tui/data"));
        Self {
            config_dir,
            state_dir,
            data_dir,
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("atlas-tui.log")
    }
}
