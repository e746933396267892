//! Everything a key can do. The keymap maps keys to these; the app state applies them.

use serde::Deserialize;

/// A user-level action, named in keymap files in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Palette,
    Filter,
    ClearFilter,
    NextPane,
    PrevPane,
    PaneHosts,
    PaneInstances,
    PaneVolumes,
    PaneSnapshots,
    PaneAlerts,
    PaneSilences,
    PaneJobs,
    PaneJournal,
    PaneServices,
    /// Edit the selected service definition in the console.
    EditDefinition,
    /// Edit the selected service definition in `$VISUAL` / `$EDITOR`.
    EditExternal,
    /// The rendered cloud-init of the selected service.
    Preview,
    /// Plan (then apply) the selected service.
    Plan,
    /// Plan (then apply) every service.
    PlanAll,
    /// Run a configured command (`[[commands]]`).
    RunCommand,
    /// Start the selected instance.
    Start,
    /// Stop the selected instance (clean, with a timeout).
    Stop,
    /// Stop the selected instance at once.
    ForceStop,
    Restart,
    /// Freeze a running instance, unfreeze a frozen one.
    Freeze,
    /// Suspend the console and open a shell in the selected instance.
    Shell,
    /// Snapshot the selected instance or volume (or the parent of a selected snapshot).
    Snapshot,
    /// Restore the selected snapshot (previewed, after a safety snapshot).
    Restore,
    /// Delete the selected snapshot.
    Delete,
    /// Back up the selected instance or volume to a file.
    Backup,
    /// Create an instance or volume from a backup file.
    Import,
    /// Cancel the selected job.
    CancelJob,
    /// From an alert to its object; from an object to its alerts.
    Jump,
    /// Silence the selected alert, or the alerts of the selected object.
    Silence,
    /// Expire the selected silence.
    ExpireSilence,
    /// Extend the selected silence.
    ExtendSilence,
    /// Group alerts by alert name, by object, or not at all.
    GroupNext,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Details,
    ConsoleLog,
    NextTab,
    Close,
    SortNext,
    SortReverse,
    Refresh,
    ToggleAllProjects,
    /// Unbinds a key in a user keymap.
    None,
}

impl Action {
    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit atlas-tui",
            Action::Help => "show this help",
            Action::Palette => "command palette (panes, remotes, projects, themes)",
            Action::Filter => "fuzzy filter the current pane",
            Action::ClearFilter => "clear the filter",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::PaneHosts => "hosts pane",
            Action::PaneInstances => "instances pane",
            Action::PaneVolumes => "volumes pane",
            Action::PaneSnapshots => "snapshots pane",
            Action::PaneAlerts => "alerts pane",
            Action::PaneSilences => "silences pane",
            Action::PaneJobs => "jobs pane (running and finished actions)",
            Action::PaneJournal => "incident journal pane",
            Action::PaneServices => "services pane (definitions against Incus)",
            Action::EditDefinition => "edit the service definition (instance: its definition)",
            Action::EditExternal => "edit the service definition in $VISUAL / $EDITOR",
            Action::Preview => "preview the rendered cloud-init (diff, secrets)",
            Action::Plan => "plan the service, then apply it",
            Action::PlanAll => "plan every service, then apply",
            Action::RunCommand => "run a configured command ([[commands]])",
            Action::Start => "start the instance",
            Action::Stop => "stop the instance (clean, with a timeout)",
            Action::ForceStop => "force-stop the instance",
            Action::Restart => "restart the instance",
            Action::Freeze => "freeze / unfreeze the instance",
            Action::Shell => "shell in the instance (incus exec)",
            Action::Snapshot => "snapshot the instance or volume",
            Action::Restore => "restore the snapshot (preview, safety snapshot first)",
            Action::Delete => "delete the snapshot",
            Action::Backup => "back up the instance or volume to a file",
            Action::Import => "import an instance or volume from a backup file",
            Action::CancelJob => "cancel the selected job",
            Action::Jump => "jump: alert → its object, object → its alerts",
            Action::Silence => "silence the selected alert / the object's alerts",
            Action::ExpireSilence => "expire the selected silence",
            Action::ExtendSilence => "extend the selected silence",
            Action::GroupNext => "group alerts: by name, by object, none",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Top => "go to the top",
            Action::Bottom => "go to the bottom",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Details => "details of the selected row",
            Action::ConsoleLog => "console log of the selected instance",
            Action::NextTab => "switch config / console log",
            Action::Close => "close",
            Action::SortNext => "sort by the next column",
            Action::SortReverse => "reverse the sort order",
            Action::Refresh => "reload everything from the remotes",
            Action::ToggleAllProjects => "toggle all projects / one project",
            Action::None => "(unbound)",
        }
    }
}
