//! What the main loop must do on the state's behalf: the state does no I/O.

use crate::alerts::worker::SourceCmd;
use crate::backend::Command;

/// Something the main loop must do on the state's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a command to one remote's worker, or to all (`None`).
    Send {
        remote: Option<String>,
        cmd: Command,
    },
    /// Send a command to one alert source's worker.
    Alert {
        source: String,
        cmd: SourceCmd,
    },
    /// Load and switch to a theme.
    LoadTheme(String),
    /// Run a job (the state already lists it as running).
    StartJob {
        id: crate::jobs::JobId,
        spec: crate::jobs::JobSpec,
        /// Alerts firing on the target now, for the journal.
        alerts: Vec<String>,
    },
    /// Ask a running job to stop.
    CancelJob(crate::jobs::JobId),
    /// Quit now, leaving the running jobs' operations to the server (each job ends
    /// `abandoned`, journaled).
    QuitLeavingJobs,
    /// Survey the service definitions (answered by `Update::Services`).
    ServicesRefresh {
        seq: u64,
    },
    /// Read a definition for the editor (answered by `Update::DefinitionText`).
    OpenDefinition {
        file: std::path::PathBuf,
    },
    /// Save an edited definition (answered by `Update::DefinitionSaved`).
    SaveDefinition {
        file: std::path::PathBuf,
        text: String,
        expect: crate::survey::Expect,
    },
    /// Suspend the console and edit a definition in `$VISUAL` / `$EDITOR`.
    EditExternal {
        file: std::path::PathBuf,
    },
    /// Suspend the console and run a configured command in the terminal.
    Terminal(crate::jobs::CommandSpec),
    /// Suspend the console and run `incus exec` in an instance.
    Shell {
        remote: String,
        project: String,
        name: String,
    },
    /// Look for an alert's runbook (answered by `Update::Runbook`).
    FindRunbook {
        fingerprint: String,
        dir: std::path::PathBuf,
        alertname: String,
        annotation: Option<String>,
    },
    /// Append a line to the journal (the state has it already).
    Journal(Box<crate::jobs::journal::Entry>),
    /// Append what the remotes reported to the events file, for the timeline.
    Record(Vec<crate::timeline::Event>),
    /// Put text on the terminal's clipboard (OSC 52: also over SSH and in tmux).
    Copy(String),
    /// Write a file for the user, privately and atomically (answered by `Update::Written`);
    /// `what` names it in the answer (`12 rows of Instances`).
    WriteFile {
        path: std::path::PathBuf,
        text: String,
        what: String,
    },
    Quit,
}
