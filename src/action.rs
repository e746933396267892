//! The command registry: everything a key or the `:` palette can do, declared once.
//!
//! Each entry gives the action's keymap name, a short label for the hint bar, one line of help,
//! the palette words that run it, and whether it writes (refused with `--readonly`, left out of
//! the hint bar there). The keymap, the help screen, the palette's suggestions and the `:` parser
//! all read this table; adding an action is one entry here and one arm where the state applies it.

use serde::Deserialize;

use crate::pane::Pane;

/// Where an action is offered in the hint bar of the lists, and in which order (lower first).
#[derive(Debug, Clone, Copy)]
pub struct Hint {
    pub rank: u8,
    /// `None`: on every pane; else the panes, each with its own rank where it differs.
    pub panes: Option<&'static [(Pane, Option<u8>)]>,
}

impl Hint {
    /// The hint's rank on this pane, if it is offered there.
    pub fn on(&self, pane: Pane) -> Option<u8> {
        match self.panes {
            None => Some(self.rank),
            Some(ps) => ps
                .iter()
                .find(|(p, _)| *p == pane)
                .map(|(_, r)| r.unwrap_or(self.rank)),
        }
    }
}

/// One entry of the registry.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub action: Action,
    /// The name in keymap files (snake_case).
    pub name: &'static str,
    /// A word or two for the hint bar.
    pub label: &'static str,
    /// One line for the help screen and the palette.
    pub help: &'static str,
    /// Palette words that run it (the first is suggested; the others are aliases).
    pub words: &'static [&'static str],
    /// Changes something on a server or on disk.
    pub write: bool,
    /// The pane the action goes to (its key is the pane's tab key).
    pub goes_to: Option<Pane>,
    /// Offered in the lists' hint bar.
    pub hint: Option<Hint>,
}

macro_rules! registry {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $label:literal, $help:literal,
        [$($word:literal),*], $write:literal $(, goes_to $goes:ident)? $(, hint $rank:literal $scope:tt)?; )*) => {
        /// A user-level action, named in keymap files in snake_case.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( $(#[$doc])* $variant, )* }

        /// Every action, in the order the help screen lists them.
        pub const REGISTRY: &[Spec] = &[ $( Spec {
            action: Action::$variant,
            name: $name,
            label: $label,
            help: $help,
            words: &[$($word),*],
            write: $write,
            goes_to: registry!(@some $(Pane::$goes)?),
            hint: registry!(@some $(registry!(@hint $rank $scope))?),
        }, )* ];

        /// Every keymap name, for error messages.
        const NAMES: &[&str] = &[ $( $name, )* ];
    };
    (@some) => { None };
    (@some $($e:tt)+) => { Some($($e)+) };
    // An entry's optional hint: `hint rank *` (every pane) or `hint rank [Pane, ...]`, a pane
    // followed by `= rank` where its rank differs.
    (@hint $rank:literal *) => { Hint { rank: $rank, panes: None } };
    (@hint $rank:literal [$($p:ident $(= $r:literal)?),*]) => {
        Hint { rank: $rank, panes: Some(&[$((Pane::$p, registry!(@some $($r)?))),*]) }
    };
}

impl Action {
    /// Whether the action only moves about (selection, pane, sort, filter, layers that show):
    /// the rows stay as built.
    pub fn view_only(self) -> bool {
        // The keys that go to a pane, from the registry.
        self.spec().goes_to.is_some()
            || matches!(
                self,
                Action::Up
                    | Action::Mark
                    | Action::MarkRange
                    | Action::MarkAll
                    | Action::ClearMarks
                    | Action::Down
                    | Action::Top
                    | Action::Bottom
                    | Action::PageUp
                    | Action::PageDown
                    | Action::NextPane
                    | Action::PrevPane
                    | Action::SortNext
                    | Action::SortReverse
                    | Action::Filter
                    | Action::ClearFilter
                    | Action::Zoom
                    | Action::Help
            )
    }
}

registry! {
    Quit = "quit", "quit", "quit atlas-tui", ["quit", "q", "exit"], false, hint 95 *;
    Help = "help", "help", "show this help", ["help"], false, hint 0 *;
    Palette = "palette", "palette", "command palette (panes, actions, remotes, projects, themes)", [], false, hint 91 *;
    Filter = "filter", "filter", "fuzzy filter the current pane", [], false, hint 90 *;
    ClearFilter = "clear_filter", "clear filter", "clear the filter", [], false;
    NextPane = "next_pane", "next pane", "next pane", [], false;
    PrevPane = "prev_pane", "prev pane", "previous pane", [], false;
    PaneHosts = "pane_hosts", "hosts", "hosts pane", [], false, goes_to Hosts;
    PaneInstances = "pane_instances", "instances", "instances pane", [], false, goes_to Instances;
    PaneVolumes = "pane_volumes", "volumes", "volumes pane", [], false, goes_to Volumes;
    PaneSnapshots = "pane_snapshots", "snapshots", "snapshots pane", [], false, goes_to Snapshots;
    PaneAlerts = "pane_alerts", "alerts", "alerts pane", [], false, goes_to Alerts;
    PaneSilences = "pane_silences", "silences", "silences pane", [], false, goes_to Silences;
    PaneJobs = "pane_jobs", "jobs", "jobs pane (running and finished actions)", [], false, goes_to Jobs;
    PaneJournal = "pane_journal", "journal", "incident journal pane", [], false, goes_to Journal;
    PaneServices = "pane_services", "services", "services pane (definitions against the servers)", [], false, goes_to Services;
    PaneBackups = "pane_backups", "backups", "backups pane (the newest backup of every instance)", [], false, goes_to Backups;
    /// Show the selected pane alone, at full size (again: back to the grid).
    Zoom = "zoom", "zoom", "zoom the pane to the full screen (again: back)", ["zoom"], false, hint 93 *;
    /// The messages shown in the status line, newest last.
    Messages = "messages", "messages", "messages of this session, whole", ["messages", "log"], false, hint 94 *;
    /// The configuration problems found at start, whole, each with its place.
    Problems = "problems", "config problems", "configuration problems, each with its file, line and column", ["problems", "config"], false, hint 1 *;
    /// Edit the selected service definition in the console.
    EditDefinition = "edit_definition", "edit", "edit the service definition (instance: its definition)", ["edit"], false, hint 30 [Services];
    /// Edit the selected service definition in `$VISUAL` / `$EDITOR`.
    EditExternal = "edit_external", "editor", "edit the service definition in $VISUAL / $EDITOR", ["editor", "vedit"], false;
    /// The rendered cloud-init of the selected service.
    Preview = "preview", "preview", "preview the rendered cloud-init (diff, secrets)", ["preview", "render"], false, hint 31 [Services];
    /// Plan (then apply) the selected service.
    Plan = "plan", "plan", "plan the service, then apply it", ["plan"], true, hint 32 [Services];
    /// Plan (then apply) every service.
    PlanAll = "plan_all", "plan all", "plan every service, then apply", ["plan all", "apply all", "apply"], true, hint 33 [Services];
    /// Run a configured command (`[[commands]]`).
    RunCommand = "run_command", "run", "run a configured command ([[commands]])", [], false, hint 34 [Services];
    /// Start the selected instance.
    Start = "start", "start", "start the instance", ["start"], true, hint 10 [Instances];
    /// Stop the selected instance (clean, with a timeout).
    Stop = "stop", "stop", "stop the instance (clean, with a timeout)", ["stop"], true, hint 11 [Instances];
    /// Stop the selected instance at once.
    ForceStop = "force_stop", "force stop", "force-stop the instance", ["force-stop", "kill"], true;
    Restart = "restart", "restart", "restart the instance", ["restart"], true;
    /// Freeze a running instance, unfreeze a frozen one.
    Freeze = "freeze", "freeze", "freeze / unfreeze the instance", ["freeze", "pause"], true;
    /// Unfreeze a frozen instance.
    Unfreeze = "unfreeze", "unfreeze", "unfreeze the instance", ["unfreeze", "resume"], true;
    /// Suspend the console and open a shell in the selected instance.
    Shell = "shell", "shell", "shell in the instance", ["shell", "exec"], true, hint 16 [Instances];
    /// Snapshot the selected instance or volume (or the parent of a selected snapshot).
    Snapshot = "snapshot", "snapshot", "snapshot the instance or volume", ["snapshot"], true, hint 12 [Instances, Volumes, Snapshots];
    /// Restore a snapshot: the selected one, or one picked from the selected instance's; on the
    /// hosts pane, restore an evacuated member.
    Restore = "restore", "restore", "restore a snapshot (preview, safety snapshot first); hosts pane: restore the evacuated member", ["restore"], true, hint 13 [Instances, Volumes, Hosts, Snapshots = 11];
    /// Delete the selected snapshot.
    Delete = "delete", "delete", "delete the snapshot", ["delete", "rm"], true, hint 14 [Snapshots];
    /// Back up the selected instance or volume to a file.
    Backup = "backup", "backup", "back up the instance or volume to a file", ["backup", "export"], true, hint 15 [Instances, Volumes];
    /// Create an instance or volume from a backup file.
    Import = "import", "import", "import an instance or volume from a backup file", ["import"], true;
    /// Evacuate the selected cluster member (its instances move away or stop).
    Evacuate = "evacuate", "evacuate", "evacuate the cluster member (hosts pane; r restores it)", ["evacuate", "drain"], true, hint 9 [Hosts];
    /// Move the selected instance to another cluster member.
    Move = "move", "move", "move the instance to another cluster member (:move <member>)", ["move", "migrate"], true, hint 18 [Instances];
    /// Write the pane as shown to a CSV file (`:export csv|json|md [file]` for the others).
    ExportTable = "export_table", "export", "write the pane as shown (filtered, sorted, every column) to a CSV file in the state dir; :export csv|json|md [file]", [], false;
    /// Mark or unmark the selected row, then move down: actions on many objects act on the
    /// marked rows.
    Mark = "mark", "mark", "mark / unmark the row (actions then act on every marked row)", ["mark"], false, hint 96 [Instances, Volumes, Snapshots, Jobs];
    /// Mark the rows from the last one marked to the selected one.
    MarkRange = "mark_range", "mark range", "mark every row from the last marked one to this one", ["mark range"], false;
    /// Mark every row the filter shows.
    MarkAll = "mark_all", "mark all", "mark every row the filter shows", ["mark all"], false;
    /// Clear the pane's marks.
    ClearMarks = "clear_marks", "unmark", "clear the pane's marks", ["unmark", "clear marks"], false;
    /// Cancel the selected job.
    CancelJob = "cancel_job", "cancel", "cancel the selected job (activity pane: the operation)", ["cancel"], true, hint 8 [Jobs, Activity = 7];
    /// From an alert to its object; from an object to its alerts.
    Jump = "jump", "jump", "jump: alert or timeline line → its object, object → its alerts", ["jump"], false, hint 17 [Alerts, Instances, Volumes, Hosts, Jobs];
    /// Silence the selected alert, or the alerts of the selected object.
    Silence = "silence", "silence", "silence the selected alert / the object's alerts", ["silence", "mute"], true, hint 19 [Alerts, Hosts];
    /// Expire the selected silence.
    ExpireSilence = "expire_silence", "expire", "expire the selected silence", ["expire"], true, hint 21 [Silences];
    /// Extend the selected silence.
    ExtendSilence = "extend_silence", "extend", "extend the selected silence", ["extend"], true, hint 22 [Silences];
    /// Group alerts by alert name, by object, or not at all.
    GroupNext = "group_next", "group", "group alerts: by name, by object, none", [], false, hint 20 [Alerts];
    Up = "up", "up", "move up", [], false;
    Down = "down", "down", "move down", [], false;
    Top = "top", "top", "go to the top", [], false;
    Bottom = "bottom", "bottom", "go to the bottom", [], false;
    PageUp = "page_up", "page up", "page up", [], false;
    PageDown = "page_down", "page down", "page down", [], false;
    Details = "details", "details", "details of the selected row", [], false, hint 92 *;
    /// Copy what the selected row is best known by.
    TimelineOf = "timeline_of", "timeline", "the timeline of the selected row's object (alerts, events, jobs, silences)", ["timeline-of"], false;
    PaneActivity = "pane_activity", "activity", "activity pane (every client's operations and tasks on the remotes, the daemons' warnings)", [], false, goes_to Activity;
    /// Acknowledge the selected daemon warning.
    AckWarning = "ack_warning", "acknowledge", "acknowledge the selected daemon warning (activity pane)", ["acknowledge", "ack"], true, hint 8 [Activity];
    PaneTimeline = "pane_timeline", "timeline", "timeline pane (alerts, silences, jobs and the remotes' events on one time axis)", [], false, goes_to Timeline;
    ToggleMaintenance = "toggle_maintenance", "maintenance", "confirmations: silence the object's alerts during the action, or not", [], false;
    TrendMetric = "trend_metric", "trend", "the panes' TREND sparklines: next metric (cpu, memory, disk, network)", ["trend"], false;
    UsageWindow = "usage_window", "window", "usage charts: next window (15m, 1h, 6h)", ["window"], false;
    Copy = "copy", "copy", "copy to the clipboard: an alert's runbook URL (else its source link), a silence's id, an object's name", ["copy", "yank"], false;
    ConsoleLog = "console_log", "log", "console log of the selected instance", [], false;
    NextTab = "next_tab", "config/log", "switch config / console log", [], false;
    Close = "close", "close", "close", [], false;
    SortNext = "sort_next", "sort", "sort by the next column", [], false;
    SortReverse = "sort_reverse", "reverse", "reverse the sort order", [], false;
    Refresh = "refresh", "refresh", "reload everything from the remotes", ["refresh", "reload"], false;
    ToggleAllProjects = "toggle_all_projects", "projects", "toggle all projects / one project", [], false;
    /// Accept what was typed or chosen (prompts, palette, forms).
    Submit = "submit", "ok", "accept (prompt, palette, form)", [], false;
    /// Leave a prompt, palette, form or dialog without doing anything.
    Cancel = "cancel", "cancel", "cancel (prompt, palette, form, dialog)", [], false;
    /// Answer yes in a confirmation dialog.
    Confirm = "confirm", "yes", "yes: do it", [], false;
    /// Complete the palette line from the selected suggestion.
    Complete = "complete", "complete", "complete from the selected suggestion", [], false;
    NextField = "next_field", "next field", "next field", [], false;
    PrevField = "prev_field", "prev field", "previous field", [], false;
    /// Delete the character before the cursor.
    DeleteBack = "delete_back", "delete", "delete the character before the cursor", [], false;
    DeleteWord = "delete_word", "delete word", "delete the word before the cursor", [], false;
    ClearLine = "clear_line", "clear", "clear the field", [], false;
    /// Next preset (the silence duration).
    Increase = "increase", "longer", "next duration preset", [], false;
    /// Previous preset.
    Decrease = "decrease", "shorter", "previous duration preset", [], false;
    /// Flip a yes/no field.
    Toggle = "toggle", "toggle", "flip a yes/no field", [], false;
    /// Show or mask secrets in the cloud-init preview.
    ToggleSecrets = "toggle_secrets", "secrets", "show / mask secrets in the preview", [], false;
    /// The preview as a diff against the instance, or whole.
    ToggleDiff = "toggle_diff", "diff", "preview as a diff against the instance / whole", [], false;
    /// Save the editor's text.
    Save = "save", "save", "save the definition", [], true;
    Undo = "undo", "undo", "undo", [], false;
    Redo = "redo", "redo", "redo", [], false;
    /// Search in the editor.
    Search = "search", "search", "search", [], false;
    SearchNext = "search_next", "next match", "next match", [], false;
    /// Move the editor's cursor to the line of the validation error.
    GotoError = "goto_error", "error line", "go to the line of the error", [], false;
    /// Unbinds a key in a user keymap.
    None = "none", "", "(unbound)", [], false;
}

impl Action {
    /// The action's registry entry.
    pub fn spec(self) -> &'static Spec {
        // The table is generated from the enum, so every variant has an entry at its index.
        &REGISTRY[self as usize]
    }

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        self.spec().help
    }

    /// The name in keymap files.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The action that goes to a pane (its tab key), if there is one.
    pub fn going_to(pane: Pane) -> Option<Action> {
        REGISTRY
            .iter()
            .find(|s| s.goes_to == Some(pane))
            .map(|s| s.action)
    }

    /// The actions offered in the hint bar on a pane, in their order.
    pub fn hinted_on(pane: Pane) -> Vec<Action> {
        let mut v: Vec<(u8, Action)> = REGISTRY
            .iter()
            .filter_map(|s| s.hint.and_then(|h| h.on(pane)).map(|r| (r, s.action)))
            .collect();
        v.sort_unstable();
        v.into_iter().map(|(_, a)| a).collect()
    }

    /// Finds an action by its keymap name.
    pub fn from_name(name: &str) -> Option<Action> {
        REGISTRY.iter().find(|s| s.name == name).map(|s| s.action)
    }

    /// Finds the action a palette word runs (`start`, `rm`, `plan all`).
    pub fn from_word(word: &str) -> Option<Action> {
        REGISTRY
            .iter()
            .find(|s| s.words.contains(&word))
            .map(|s| s.action)
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Action::from_name(&s).ok_or_else(|| serde::de::Error::unknown_variant(&s, NAMES))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_indexed_by_the_enum_and_names_are_unique() {
        for (i, s) in REGISTRY.iter().enumerate() {
            assert_eq!(s.action as usize, i, "{}", s.name);
            assert_eq!(Action::from_name(s.name), Some(s.action));
        }
        let mut words: Vec<&str> = REGISTRY
            .iter()
            .flat_map(|s| s.words.iter().copied())
            .collect();
        let n = words.len();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), n, "a palette word runs two actions");
        assert_eq!(Action::from_word("rm"), Some(Action::Delete));
        assert_eq!(Action::Quit.describe(), "quit atlas-tui");
    }

    #[test]
    fn every_pane_has_one_action_going_to_it_and_hints_come_by_rank() {
        for p in Pane::all() {
            let n = REGISTRY.iter().filter(|s| s.goes_to == Some(p)).count();
            assert_eq!(n, 1, "{p:?}");
        }
        use Action as A;
        assert_eq!(
            A::hinted_on(Pane::Snapshots),
            [
                A::Help,
                A::Problems,
                A::Restore,
                A::Snapshot,
                A::Delete,
                A::Filter,
                A::Palette,
                A::Details
            ]
            .into_iter()
            .chain([A::Zoom, A::Messages, A::Quit, A::Mark])
            .collect::<Vec<_>>()
        );
        assert_eq!(
            A::hinted_on(Pane::Instances)[2..5],
            [A::Start, A::Stop, A::Snapshot]
        );
        assert_eq!(
            A::hinted_on(Pane::Journal).len(),
            8,
            "help and the common ones"
        );
    }
}
