//! The application state and how actions and backend updates change it. No I/O happens here:
//! anything that needs the outside world is returned as an [`Effect`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::alerts::{AlertSourceView, Confirm, Grouping, SilenceForm};
use super::rows::{Pane, columns, view_rows};
use crate::action::Action;
use crate::alerts::join::LabelMap;
use crate::alerts::model::{MergedAlert, SourcedSilence};
use crate::alerts::worker::SourceCmd;
use crate::backend::Scope;
use crate::backend::{Command, ConnState, InventoryEvent, Update};
use crate::config::keymap::{Key, Lookup, Mode};
use crate::config::{Diagnostic, Keymap};
use crate::incus::ops::PowerAction;
use crate::inventory::{HostRow, InstanceRow, SnapshotRow, VolumeRow, cpu_percent};

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
        cmd: crate::alerts::worker::SourceCmd,
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
        expect: crate::services::survey::Expect,
    },
    /// Suspend the console and edit a definition in `$VISUAL` / `$EDITOR`.
    EditExternal {
        file: std::path::PathBuf,
    },
    /// Suspend the console and run `incus exec` in an instance.
    Shell {
        remote: String,
        project: String,
        name: String,
    },
    Quit,
}

/// A remote as the UI knows it.
#[derive(Debug, Clone)]
pub struct RemoteView {
    pub name: String,
    pub endpoint: String,
    pub production: bool,
    pub conn: ConnState,
    /// When data from this remote was last known good.
    pub last_ok: Option<DateTime<Utc>>,
    pub hosts: Vec<HostRow>,
    pub instances: Vec<InstanceRow>,
    pub volumes: Vec<VolumeRow>,
    pub volume_snapshots: Vec<SnapshotRow>,
    /// The remote's projects (empty until it answered).
    pub projects: Vec<String>,
    /// Last CPU sample per instance key: (ns, when).
    cpu_samples: HashMap<String, (u64, DateTime<Utc>)>,
}

impl RemoteView {
    pub fn new(name: &str, endpoint: &str, production: bool) -> Self {
        Self {
            name: name.to_string(),
            endpoint: endpoint.to_string(),
            production,
            conn: ConnState::Connecting,
            last_ok: None,
            hosts: vec![],
            instances: vec![],
            volumes: vec![],
            volume_snapshots: vec![],
            projects: vec![],
            cpu_samples: HashMap::new(),
        }
    }
}

/// Per-pane view state.
#[derive(Debug, Clone, Default)]
pub struct PaneState {
    pub selected: usize,
    pub selected_key: Option<String>,
    pub filter: String,
    pub sort_col: usize,
    pub sort_desc: bool,
}

/// Which tab of the detail view is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailTab {
    Config,
    Log,
}

/// The detail view of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailState {
    pub pane: Pane,
    pub key: String,
    pub tab: DetailTab,
    pub scroll: u16,
}

/// The console log of an instance, as far as it is known.
#[derive(Debug, Clone, PartialEq)]
pub enum LogState {
    Loading,
    Loaded(String),
    Failed(String),
}

/// How serious a status-line message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A status-line message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

/// What is reading keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    Normal,
    Filter,
    Palette,
    Detail,
    Help,
    /// The silence form.
    Form,
    /// A yes/no question.
    Confirm,
    /// The snapshot, backup or import form.
    ActionForm,
    /// A services overlay: the editor, the cloud-init preview or the plan.
    Service,
    /// The messages of this session.
    Messages,
    /// The snapshot picker (restore from an instance or volume).
    Picker,
}

/// How many messages the messages view keeps.
pub const MESSAGES_KEPT: usize = 500;

/// A message as the messages view lists it.
#[derive(Debug, Clone)]
pub struct LoggedMessage {
    pub at: DateTime<Utc>,
    pub level: Level,
    pub text: String,
}

/// A palette suggestion: the command line it runs and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub line: String,
    pub help: String,
}

/// A suggestion's line paired with its index, for the fuzzy matcher.
struct Indexed<'a>((usize, &'a str));

impl AsRef<str> for Indexed<'_> {
    fn as_ref(&self) -> &str {
        self.0.1
    }
}

/// The palette's input and selection.
#[derive(Debug, Clone, Default)]
pub struct PaletteState {
    pub input: String,
    pub selected: usize,
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct AppState {
    pub remotes: Vec<RemoteView>,
    pub pane: Pane,
    pub panes: [PaneState; 9],
    pub input: InputMode,
    pub detail: Option<DetailState>,
    pub help_scroll: u16,
    pub palette: PaletteState,
    pub message: Option<Message>,
    /// Every message of this session, oldest first (the last [`MESSAGES_KEPT`]).
    pub messages: std::collections::VecDeque<LoggedMessage>,
    pub messages_scroll: u16,
    /// The selected pane alone at full size, instead of the grid.
    pub zoom: bool,
    pub diagnostics: Vec<Diagnostic>,
    pub readonly: bool,
    pub scope: Scope,
    /// The project `P` toggles to when leaving all-projects.
    pub home_project: String,
    /// Show only this remote.
    pub remote_filter: Option<String>,
    pub console_logs: HashMap<String, LogState>,
    /// Console output read so far per instance.
    console_text: HashMap<String, String>,
    pub last_event: Option<String>,
    pub themes: Vec<String>,
    pub theme_name: String,
    pub keymap: Keymap,
    pending: Vec<Key>,
    /// Rows per page, set by the main loop from the terminal height.
    pub page_size: usize,
    /// Whether the grid of all panes is shown (set from the terminal size).
    pub grid: bool,
    /// Alertmanagers and Prometheus servers.
    pub alert_sources: Vec<AlertSourceView>,
    /// Alerts of every source, deduplicated.
    pub alerts: Vec<MergedAlert>,
    /// Silences of every Alertmanager.
    pub silences: Vec<SourcedSilence>,
    pub label_map: LabelMap,
    pub grouping: Grouping,
    pub form: Option<SilenceForm>,
    pub confirm: Option<Confirm>,
    pub silence_author: String,
    pub silence_durations: Vec<String>,
    /// Running and finished jobs (history from the state dir first).
    pub jobs: Vec<super::jobs::JobView>,
    pub next_job: crate::jobs::JobId,
    /// The incident journal as far as loaded.
    pub journal: Vec<crate::jobs::journal::Entry>,
    pub action_form: Option<super::actions::ActionForm>,
    pub picker: Option<super::actions::SnapshotPicker>,
    pub action_settings: super::actions::ActionSettings,
    /// Service definitions and their overlays.
    pub services: super::services::ServicesView,
}

impl AppState {
    pub fn new(
        remotes: Vec<RemoteView>,
        keymap: Keymap,
        scope: Scope,
        home_project: String,
    ) -> Self {
        let mut panes: [PaneState; 9] = Default::default();
        // Alerts: worst severity, then oldest, first. Jobs and journal: newest first.
        panes[Pane::Alerts.index()].sort_desc = true;
        panes[Pane::Jobs.index()].sort_desc = true;
        panes[Pane::Journal.index()].sort_desc = true;
        Self {
            remotes,
            pane: Pane::Instances,
            panes,
            input: InputMode::Normal,
            detail: None,
            help_scroll: 0,
            palette: PaletteState::default(),
            message: None,
            messages: Default::default(),
            messages_scroll: 0,
            zoom: false,
            diagnostics: vec![],
            readonly: false,
            scope,
            home_project,
            remote_filter: None,
            console_logs: HashMap::new(),
            console_text: HashMap::new(),
            last_event: None,
            themes: vec!["dark".into(), "light".into()],
            theme_name: "dark".into(),
            keymap,
            pending: vec![],
            page_size: 10,
            grid: false,
            alert_sources: vec![],
            alerts: vec![],
            silences: vec![],
            label_map: LabelMap::default(),
            grouping: Grouping::None,
            form: None,
            confirm: None,
            silence_author: "atlas-tui".into(),
            silence_durations: vec!["2h".into()],
            jobs: vec![],
            next_job: 1,
            journal: vec![],
            action_form: None,
            picker: None,
            action_settings: Default::default(),
            services: Default::default(),
        }
    }

    /// Remotes shown (all, or the one chosen with `:remote`).
    pub fn visible_remotes(&self) -> impl Iterator<Item = &RemoteView> {
        self.remotes
            .iter()
            .filter(|r| self.remote_filter.as_ref().is_none_or(|f| *f == r.name))
    }

    fn remote_mut(&mut self, name: &str) -> Option<&mut RemoteView> {
        self.remotes.iter_mut().find(|r| r.name == name)
    }

    /// Sets a status-line message.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        if self.messages.len() >= MESSAGES_KEPT {
            self.messages.pop_front();
        }
        self.messages.push_back(LoggedMessage {
            at: Utc::now(),
            level,
            text: text.clone(),
        });
        self.message = Some(Message { level, text });
    }

    /// Keys while the messages are shown.
    fn messages_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let page = self.page_size as u16;
        let last = (self.messages.len() as u16).saturating_sub(1);
        let pos = self.messages_scroll.min(last);
        match self.read_key(Mode::Overlay, &ev) {
            KeyIn::Action(Action::Quit, _) => return vec![Effect::Quit],
            KeyIn::Action(Action::Close | Action::Cancel | Action::Messages, _) => {
                self.input = InputMode::Normal
            }
            KeyIn::Action(Action::Down, _) => {
                self.messages_scroll = pos.saturating_add(1).min(last)
            }
            KeyIn::Action(Action::Up, _) => self.messages_scroll = pos.saturating_sub(1),
            KeyIn::Action(Action::PageDown, _) => {
                self.messages_scroll = pos.saturating_add(page).min(last)
            }
            KeyIn::Action(Action::PageUp, _) => self.messages_scroll = pos.saturating_sub(page),
            KeyIn::Action(Action::Top, _) => self.messages_scroll = 0,
            KeyIn::Action(Action::Bottom, _) => self.messages_scroll = last,
            _ => {}
        }
        vec![]
    }

    /// True while any remote is not online (the UI ticks to keep "stale for" ages current).
    pub fn any_offline(&self) -> bool {
        self.remotes
            .iter()
            .any(|r| !matches!(r.conn, ConnState::Online { .. }))
            || self.any_source_down()
    }

    // ----- backend updates -------------------------------------------------------------------

    /// Applies a backend update; some ask for more work (a survey after a job).
    pub fn apply(&mut self, update: Update, now: DateTime<Utc>) -> Vec<Effect> {
        match update {
            Update::Services { seq, survey } => self.apply_survey(seq, *survey, now),
            Update::DefinitionText { file, result } => {
                self.open_editor(file, result);
                vec![]
            }
            Update::DefinitionSaved { file, text, result } => {
                self.definition_saved(&file, &text, result)
            }
            Update::JobFinished { id, outcome, at } => {
                self.apply_job_finished(id, outcome, at);
                self.services_after_job(id)
            }
            other => {
                self.apply_data(other, now);
                vec![]
            }
        }
    }

    fn apply_data(&mut self, update: Update, now: DateTime<Utc>) {
        match update {
            Update::Inventory(InventoryEvent::Status { remote, state }) => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                // A retry of a remote that is down keeps showing it as offline (with its age).
                if state == ConnState::Connecting && matches!(r.conn, ConnState::Offline { .. }) {
                    return;
                }
                if let ConnState::Offline { error } = &state {
                    let was_online = matches!(r.conn, ConnState::Online { .. });
                    if was_online || r.last_ok.is_none() {
                        let text = format!("{remote}: {error}");
                        self.say(Level::Error, text);
                    }
                } else if matches!(state, ConnState::Online { .. }) {
                    let was_offline = matches!(r.conn, ConnState::Offline { .. });
                    r.last_ok = Some(now);
                    if was_offline {
                        self.say(Level::Info, format!("{remote}: reconnected"));
                    }
                }
                if let Some(r) = self.remote_mut(&remote) {
                    r.conn = state;
                }
            }
            Update::Inventory(InventoryEvent::Hosts { remote, hosts }) => {
                if let Some(r) = self.remote_mut(&remote) {
                    r.hosts = hosts;
                    r.last_ok = Some(now);
                }
            }
            Update::Inventory(InventoryEvent::Projects { remote, projects }) => {
                if let Some(r) = self.remote_mut(&remote) {
                    r.projects = projects;
                }
            }
            Update::Inventory(InventoryEvent::Instances {
                remote,
                instances,
                with_state,
            }) => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                let mut old: HashMap<(String, String), InstanceRow> = r
                    .instances
                    .drain(..)
                    .map(|i| ((i.inst.project.clone(), i.inst.name.clone()), i))
                    .collect();
                for inst in instances {
                    let prev = old.remove(&(inst.project.clone(), inst.name.clone()));
                    let mut row = InstanceRow {
                        remote: remote.clone(),
                        inst,
                        cpu_pct: None,
                    };
                    if let Some(prev) = prev {
                        if !with_state {
                            // Keep what the detailed listing knew until it comes again; the
                            // status is this answer's.
                            row.inst.state = prev.inst.state;
                            row.inst.snapshots = prev.inst.snapshots;
                            if let Some(st) = row.inst.state.as_mut() {
                                st.status = row.inst.status.clone();
                            }
                        }
                        row.cpu_pct = prev.cpu_pct;
                    }
                    sample_cpu(&mut r.cpu_samples, &mut row, now);
                    r.instances.push(row);
                }
                r.last_ok = Some(now);
            }
            Update::Inventory(InventoryEvent::InstanceStates { remote, states }) => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                let mut by_key: HashMap<(&str, &str), &crate::inventory::InstanceState> =
                    HashMap::with_capacity(states.len());
                for s in &states {
                    by_key.insert((s.project.as_str(), s.name.as_str()), &s.state);
                }
                for row in r.instances.iter_mut() {
                    let Some(st) = by_key.get(&(row.inst.project.as_str(), row.inst.name.as_str()))
                    else {
                        continue;
                    };
                    // Only the state is replaced; config and snapshots stay as last read.
                    if !st.status.is_empty() {
                        row.inst.status = st.status.clone();
                    }
                    row.inst.state = Some((*st).clone());
                    sample_cpu(&mut r.cpu_samples, row, now);
                }
                r.last_ok = Some(now);
            }
            Update::Inventory(InventoryEvent::Usage { remote, samples }) => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                let by_key: HashMap<(&str, &str), &crate::inventory::UsageSample> = samples
                    .iter()
                    .map(|s| ((s.project.as_str(), s.name.as_str()), s))
                    .collect();
                for row in r.instances.iter_mut() {
                    let Some(s) = by_key.get(&(row.inst.project.as_str(), row.inst.name.as_str()))
                    else {
                        continue;
                    };
                    // Only usage changes; status and addresses stay as last read.
                    let status = row.inst.status.clone();
                    let st =
                        row.inst
                            .state
                            .get_or_insert_with(|| crate::inventory::InstanceState {
                                status,
                                ..Default::default()
                            });
                    st.cpu_ns = Some(s.cpu_ns);
                    let mem = st.memory.get_or_insert_with(Default::default);
                    mem.usage = s.memory;
                    if let Some(p) = s.processes {
                        st.processes = p;
                    }
                    sample_cpu(&mut r.cpu_samples, row, now);
                }
                r.last_ok = Some(now);
            }
            Update::Skipped { origin, items }
            | Update::Inventory(InventoryEvent::Skipped { origin, items }) => {
                if let Some(first) = items.first() {
                    let more = match items.len() {
                        1 => String::new(),
                        n => format!(" (and {} more)", n - 1),
                    };
                    self.say(
                        Level::Warning,
                        format!(
                            "{origin}: {} item(s) left out, unreadable: {first}{more}; see the log",
                            items.len()
                        ),
                    );
                }
            }
            Update::Inventory(InventoryEvent::Instance { remote, instance }) => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                match r
                    .instances
                    .iter_mut()
                    .find(|i| i.inst.project == instance.project && i.inst.name == instance.name)
                {
                    Some(row) => {
                        row.inst = *instance;
                        sample_cpu(&mut r.cpu_samples, row, now);
                    }
                    None => {
                        let mut row = InstanceRow {
                            remote: remote.clone(),
                            inst: *instance,
                            cpu_pct: None,
                        };
                        sample_cpu(&mut r.cpu_samples, &mut row, now);
                        r.instances.push(row);
                    }
                }
            }
            Update::Inventory(InventoryEvent::InstanceGone {
                remote,
                project,
                name,
            }) => {
                if let Some(r) = self.remote_mut(&remote) {
                    r.instances
                        .retain(|i| !(i.inst.project == project && i.inst.name == name));
                }
            }
            Update::Inventory(InventoryEvent::Volumes {
                remote,
                volumes,
                snapshots,
            }) => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                // Keep what the detail calls learned (usage, expiry) until they answer again.
                let usage: HashMap<String, _> =
                    r.volumes.iter().map(|v| (v.key(), v.usage)).collect();
                let expiry: HashMap<String, _> = r
                    .volume_snapshots
                    .iter()
                    .map(|s| (s.key(), s.expires_at))
                    .collect();
                let mut vols = volumes;
                for v in &mut vols {
                    if let Some(u) = usage.get(&v.key()) {
                        v.usage = *u;
                    }
                }
                let mut snaps = snapshots;
                for s in &mut snaps {
                    if let Some(e) = expiry.get(&s.key()) {
                        s.expires_at = *e;
                    }
                }
                r.volumes = vols;
                r.volume_snapshots = snaps;
            }
            Update::Inventory(InventoryEvent::VolumeSnapshots {
                remote,
                pool,
                project,
                volume,
                snapshots,
            }) => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                for s in &snapshots {
                    let short = s.name.rsplit('/').next().unwrap_or(&s.name);
                    if let Some(row) = r.volume_snapshots.iter_mut().find(|x| {
                        x.pool.as_deref() == Some(pool.as_str())
                            && x.project == project
                            && x.parent == volume
                            && x.name == short
                    }) {
                        row.update_from(s);
                    }
                }
            }
            Update::Inventory(InventoryEvent::VolumeUsage {
                remote,
                pool,
                project,
                volume,
                usage,
            }) => {
                let Some(r) = self.remote_mut(&remote) else {
                    return;
                };
                if let Some(v) = r
                    .volumes
                    .iter_mut()
                    .find(|v| v.pool == pool && v.vol.project == project && v.vol.name == volume)
                {
                    v.usage = Some(usage);
                }
            }
            Update::Inventory(InventoryEvent::ConsoleLog {
                remote,
                project,
                name,
                result,
            }) => {
                let key = format!("{remote}/{project}/{name}");
                // Incus hands out the console ring buffer and clears it: each answer is what
                // came since the last read, so it is appended to what was read before.
                let text = self.console_text.entry(key.clone()).or_default();
                let state = match result {
                    Ok(t) => {
                        text.push_str(&t);
                        LogState::Loaded(text.clone())
                    }
                    Err(e) => LogState::Failed(e),
                };
                self.console_logs.insert(key, state);
            }
            Update::AlertSource { source, result } => {
                self.apply_alert_source(&source, result, now);
            }
            Update::SilenceWrite {
                source,
                what,
                result,
            } => self.apply_silence_write(&source, &what, result),
            Update::Inventory(InventoryEvent::Event { remote, summary }) => {
                self.last_event = Some(format!("{remote}: {summary}"));
            }
            Update::Job { id, event } => self.apply_job_event(id, event),
            Update::Journal(e) => self.apply_journal(e),
            Update::Services { .. }
            | Update::DefinitionText { .. }
            | Update::DefinitionSaved { .. }
            | Update::JobFinished { .. } => {}
        }
    }

    // ----- keys ------------------------------------------------------------------------------

    /// Handles a key press.
    pub fn on_key(&mut self, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        let before = self.pane;
        let mut fx = self.on_key_inner(ev, now);
        // The services pane shows what is on disk and on the server now.
        if self.pane == Pane::Services && before != Pane::Services {
            fx.extend(self.services_refresh());
        }
        fx
    }

    fn on_key_inner(&mut self, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        match self.input {
            InputMode::Service => return self.service_key(ev, now),
            InputMode::Filter => return self.filter_key(ev),
            InputMode::Palette => return self.palette_key(ev, now),
            InputMode::Form => return self.form_key(ev, now),
            InputMode::Confirm => return self.confirm_key(ev, now),
            InputMode::ActionForm => return self.action_form_key(ev, now),
            InputMode::Messages => return self.messages_key(ev),
            InputMode::Picker => return self.picker_key(ev, now),
            _ => {}
        }
        let mode = match self.input {
            InputMode::Detail => Mode::Detail,
            InputMode::Help => Mode::Help,
            _ => Mode::Normal,
        };
        match self.read_key(mode, &ev) {
            KeyIn::Action(a, _) => self.dispatch(a, now),
            KeyIn::Pending | KeyIn::Text(_) | KeyIn::Unbound => vec![],
        }
    }

    /// What a key means in a layer's keymap: a bound action (with the character it would type),
    /// the start of a longer sequence, a character to type, or nothing. Every layer reads its
    /// keys here.
    pub(crate) fn read_key(&mut self, mode: Mode, ev: &KeyEvent) -> KeyIn {
        let key = Key::from_event(ev);
        let typed = match ev.code {
            KeyCode::Char(c)
                if !ev
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(c)
            }
            _ => None,
        };
        self.pending.push(key);
        match self.keymap.lookup(mode, &self.pending) {
            Lookup::Pending => KeyIn::Pending,
            Lookup::Action(a) => {
                self.pending.clear();
                KeyIn::Action(a, typed)
            }
            Lookup::Unbound => {
                let was_sequence = self.pending.len() > 1;
                self.pending.clear();
                if was_sequence {
                    // The sequence broke off: read the last key on its own.
                    return self.read_key(mode, ev);
                }
                match typed {
                    Some(c) => KeyIn::Text(c),
                    None => KeyIn::Unbound,
                }
            }
        }
    }

    /// Applies an action.
    pub fn dispatch(&mut self, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
        match self.input {
            InputMode::Help => return self.help_action(action),
            InputMode::Detail => return self.detail_action(action, now),
            _ => {}
        }
        match action {
            Action::Quit => return vec![Effect::Quit],
            Action::Help => {
                self.input = InputMode::Help;
                self.help_scroll = 0;
            }
            Action::Palette => {
                self.input = InputMode::Palette;
                self.palette = PaletteState::default();
            }
            Action::Filter => self.input = InputMode::Filter,
            Action::ClearFilter => {
                self.panes[self.pane.index()].filter.clear();
                self.message = None;
            }
            Action::NextPane => self.pane = Pane::ALL[(self.pane.index() + 1) % Pane::ALL.len()],
            Action::PrevPane => {
                self.pane = Pane::ALL[(self.pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
            }
            Action::PaneHosts => self.pane = Pane::Hosts,
            Action::PaneInstances => self.pane = Pane::Instances,
            Action::PaneVolumes => self.pane = Pane::Volumes,
            Action::PaneSnapshots => self.pane = Pane::Snapshots,
            Action::PaneAlerts => self.pane = Pane::Alerts,
            Action::PaneSilences => self.pane = Pane::Silences,
            Action::PaneJobs => self.pane = Pane::Jobs,
            Action::PaneJournal => self.pane = Pane::Journal,
            Action::PaneServices => self.pane = Pane::Services,
            Action::EditDefinition => return self.action_edit(now),
            Action::EditExternal => return self.action_edit_external(now),
            Action::Preview => return self.action_preview(now),
            Action::Plan => return self.action_plan(false, now),
            Action::PlanAll => return self.action_plan(true, now),
            Action::RunCommand => {
                self.input = InputMode::Palette;
                self.palette = PaletteState {
                    input: "run ".into(),
                    selected: 0,
                };
                if self.services.commands.is_empty() {
                    self.say(Level::Warning, "no [[commands]] in config.toml yet");
                }
            }
            Action::Start => return self.action_power(PowerAction::Start, false, now),
            Action::Stop => return self.action_power(PowerAction::Stop, false, now),
            Action::ForceStop => return self.action_power(PowerAction::Stop, true, now),
            Action::Restart => return self.action_power(PowerAction::Restart, false, now),
            Action::Freeze => return self.action_freeze(now),
            Action::Unfreeze => return self.action_power(PowerAction::Unfreeze, false, now),
            Action::Shell => return self.action_shell(now),
            Action::Snapshot => return self.action_snapshot(now),
            Action::Restore => return self.action_restore(now),
            Action::Delete => return self.action_delete(now),
            Action::Backup => return self.action_backup(now),
            Action::Import => return self.action_import(None, now),
            Action::CancelJob => return self.action_cancel_job(now),
            Action::Jump => return self.jump(now),
            Action::Silence => return self.open_silence_form(now),
            Action::ExpireSilence => return self.ask_expire(now),
            Action::ExtendSilence => return self.open_extend_form(now),
            Action::GroupNext => {
                self.grouping = match self.grouping {
                    Grouping::None => Grouping::AlertName,
                    Grouping::AlertName => Grouping::Object,
                    Grouping::Object => Grouping::None,
                };
                self.pane = Pane::Alerts;
                self.say(
                    Level::Info,
                    format!("alerts grouped by {}", self.grouping.label()),
                );
            }
            Action::Up => self.move_selection(-1, now),
            Action::Down => self.move_selection(1, now),
            Action::PageUp => self.move_selection(-(self.page_size as isize), now),
            Action::PageDown => self.move_selection(self.page_size as isize, now),
            Action::Top => self.move_selection(isize::MIN / 2, now),
            Action::Bottom => self.move_selection(isize::MAX / 2, now),
            Action::Details => return self.open_detail(DetailTab::Config, now),
            Action::ConsoleLog => return self.open_detail(DetailTab::Log, now),
            Action::SortNext => {
                let n = columns(self.pane).len();
                let ps = &mut self.panes[self.pane.index()];
                ps.sort_col = (ps.sort_col + 1) % n;
                let name = columns(self.pane)[ps.sort_col].name;
                self.say(Level::Info, format!("sorted by {name}"));
            }
            Action::SortReverse => {
                let ps = &mut self.panes[self.pane.index()];
                ps.sort_desc = !ps.sort_desc;
            }
            Action::Refresh => {
                self.say(Level::Info, "reloading from all remotes and alert sources");
                let mut effects = vec![Effect::Send {
                    remote: None,
                    cmd: Command::Refresh,
                }];
                effects.extend(self.alert_sources.iter().map(|s| Effect::Alert {
                    source: s.name.clone(),
                    cmd: SourceCmd::Refresh,
                }));
                effects.extend(self.services_refresh());
                return effects;
            }
            Action::ToggleAllProjects => {
                let scope = match &self.scope {
                    Scope::All => Scope::Project(self.home_project.clone()),
                    Scope::Project(_) => Scope::All,
                };
                return self.set_scope(scope);
            }
            Action::Zoom => {
                self.zoom = !self.zoom;
                if self.zoom {
                    self.say(
                        Level::Info,
                        format!("{} zoomed: Z again for all panes", self.pane.title()),
                    );
                }
            }
            Action::Messages => {
                self.input = InputMode::Messages;
                self.messages_scroll = u16::MAX;
            }
            // Keys of other layers; nothing to do in the lists.
            Action::NextTab
            | Action::Close
            | Action::Submit
            | Action::Cancel
            | Action::Confirm
            | Action::Complete
            | Action::NextField
            | Action::PrevField
            | Action::DeleteBack
            | Action::DeleteWord
            | Action::ClearLine
            | Action::Increase
            | Action::Decrease
            | Action::Toggle
            | Action::ToggleSecrets
            | Action::ToggleDiff
            | Action::Save
            | Action::Undo
            | Action::Redo
            | Action::Search
            | Action::SearchNext
            | Action::GotoError
            | Action::None => {}
        }
        vec![]
    }

    fn set_scope(&mut self, scope: Scope) -> Vec<Effect> {
        if let Scope::Project(p) = &scope {
            self.home_project = p.clone();
        }
        self.scope = scope.clone();
        self.say(Level::Info, format!("showing {}", scope.label()));
        vec![Effect::Send {
            remote: None,
            cmd: Command::SetScope(scope),
        }]
    }

    /// The selected row's key in the current pane, resolving a stale index.
    pub fn selected_index(&self, pane: Pane, rows: &[super::rows::Row]) -> usize {
        let ps = &self.panes[pane.index()];
        if let Some(k) = &ps.selected_key
            && let Some(i) = rows.iter().position(|r| &r.key == k)
        {
            return i;
        }
        ps.selected.min(rows.len().saturating_sub(1))
    }

    fn move_selection(&mut self, delta: isize, now: DateTime<Utc>) {
        let rows = view_rows(self, self.pane, now);
        if rows.is_empty() {
            return;
        }
        let cur = self.selected_index(self.pane, &rows) as isize;
        let next = (cur + delta).clamp(0, rows.len() as isize - 1) as usize;
        let ps = &mut self.panes[self.pane.index()];
        ps.selected = next;
        ps.selected_key = Some(rows[next].key.clone());
    }

    fn open_detail(&mut self, tab: DetailTab, now: DateTime<Utc>) -> Vec<Effect> {
        let rows = view_rows(self, self.pane, now);
        if rows.is_empty() {
            self.say(Level::Warning, "nothing selected");
            return vec![];
        }
        let idx = self.selected_index(self.pane, &rows);
        let key = rows[idx].key.clone();
        if tab == DetailTab::Log && self.pane != Pane::Instances {
            self.say(Level::Warning, "the console log is shown for instances");
            return vec![];
        }
        self.detail = Some(DetailState {
            pane: self.pane,
            key: key.clone(),
            tab,
            scroll: 0,
        });
        self.input = InputMode::Detail;
        if tab == DetailTab::Log {
            self.request_log()
        } else {
            vec![]
        }
    }

    fn request_log(&mut self) -> Vec<Effect> {
        let Some(d) = &self.detail else { return vec![] };
        if d.pane != Pane::Instances {
            return vec![];
        }
        let mut parts = d.key.splitn(3, '/');
        let (Some(remote), Some(project), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            return vec![];
        };
        let effect = Effect::Send {
            remote: Some(remote.to_string()),
            cmd: Command::ConsoleLog {
                project: project.to_string(),
                name: name.to_string(),
            },
        };
        self.console_logs.insert(d.key.clone(), LogState::Loading);
        vec![effect]
    }

    fn detail_action(&mut self, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
        let page = self.page_size as u16;
        let Some(d) = self.detail.as_mut() else {
            self.input = InputMode::Normal;
            return vec![];
        };
        match action {
            Action::Close => {
                self.detail = None;
                self.input = InputMode::Normal;
            }
            Action::Quit => return vec![Effect::Quit],
            Action::Help => {
                self.input = InputMode::Help;
                self.help_scroll = 0;
            }
            Action::Jump | Action::Silence => {
                self.detail = None;
                self.input = InputMode::Normal;
                return self.dispatch(action, now);
            }
            Action::NextTab | Action::ConsoleLog => {
                if d.pane != Pane::Instances {
                    return vec![];
                }
                let to_log = action == Action::ConsoleLog || d.tab == DetailTab::Config;
                d.tab = if to_log {
                    DetailTab::Log
                } else {
                    DetailTab::Config
                };
                d.scroll = 0;
                if to_log {
                    return self.request_log();
                }
            }
            Action::Refresh => {
                if d.tab == DetailTab::Log {
                    return self.request_log();
                }
                let _ = now;
            }
            Action::Down => d.scroll = d.scroll.saturating_add(1),
            Action::Up => d.scroll = d.scroll.saturating_sub(1),
            Action::PageDown => d.scroll = d.scroll.saturating_add(page),
            Action::PageUp => d.scroll = d.scroll.saturating_sub(page),
            Action::Top => d.scroll = 0,
            Action::Bottom => d.scroll = u16::MAX,
            _ => {}
        }
        vec![]
    }

    fn help_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Close | Action::Help => {
                self.input = if self.detail.is_some() {
                    InputMode::Detail
                } else {
                    InputMode::Normal
                };
            }
            Action::Quit => return vec![Effect::Quit],
            Action::Down => self.help_scroll = self.help_scroll.saturating_add(1),
            Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
            Action::PageDown => {
                self.help_scroll = self.help_scroll.saturating_add(self.page_size as u16)
            }
            Action::PageUp => {
                self.help_scroll = self.help_scroll.saturating_sub(self.page_size as u16)
            }
            Action::Top => self.help_scroll = 0,
            Action::Bottom => self.help_scroll = u16::MAX,
            _ => {}
        }
        vec![]
    }

    fn filter_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let k = self.read_key(Mode::Prompt, &ev);
        let ps = &mut self.panes[self.pane.index()];
        match k {
            KeyIn::Action(Action::Cancel, _) => {
                ps.filter.clear();
                self.input = InputMode::Normal;
            }
            KeyIn::Action(Action::Submit, _) => self.input = InputMode::Normal,
            KeyIn::Action(Action::Quit, _) => return vec![Effect::Quit],
            KeyIn::Action(a, _) if edit_line(&mut ps.filter, a, None) => {}
            KeyIn::Action(_, Some(c)) | KeyIn::Text(c) => ps.filter.push(c),
            _ => return vec![],
        }
        ps.selected = 0;
        ps.selected_key = None;
        vec![]
    }

    // ----- palette ---------------------------------------------------------------------------

    /// Commands the palette offers, best matches for the current input first: the registry's
    /// actions, then what depends on the state (services, commands, remotes, projects, themes,
    /// columns).
    pub fn palette_candidates(&self) -> Vec<Suggestion> {
        let mut all: Vec<Suggestion> = Vec::new();
        let mut add = |line: String, help: String| all.push(Suggestion { line, help });
        let (panes, others): (Vec<&crate::action::Spec>, Vec<_>) = crate::action::REGISTRY
            .iter()
            .filter(|s| !s.words.is_empty())
            .filter(|s| !(self.readonly && s.write))
            .partition(|s| s.name.starts_with("pane_"));
        for s in panes.into_iter().chain(others) {
            add(s.words[0].to_string(), s.help.to_string());
        }
        for (g, h) in [
            ("group alertname", "group the alerts by alert name"),
            ("group object", "group the alerts by object"),
            ("group none", "do not group the alerts"),
        ] {
            add(g.into(), h.into());
        }
        if !self.readonly {
            for c in &self.services.commands {
                add(
                    format!("run {}", c.name),
                    "a configured command ([[commands]])".into(),
                );
            }
        }
        if let Some(s) = &self.services.survey {
            for l in &s.loaded {
                add(format!("edit {}", l.name()), "edit this definition".into());
                add(
                    format!("preview {}", l.name()),
                    "its rendered cloud-init".into(),
                );
                if !self.readonly {
                    add(format!("plan {}", l.name()), "plan, then apply it".into());
                }
            }
        }
        add("remote all".into(), "show every remote".into());
        for r in &self.remotes {
            add(
                format!("remote {}", r.name),
                format!("show only {}", r.endpoint),
            );
        }
        add("project all".into(), "all projects".into());
        let mut projects: Vec<String> = self
            .remotes
            .iter()
            .flat_map(|r| r.projects.iter().cloned())
            .chain(
                self.remotes
                    .iter()
                    .flat_map(|r| r.instances.iter().map(|i| i.inst.project.clone())),
            )
            .chain(std::iter::once(self.home_project.clone()))
            .collect();
        projects.sort();
        projects.dedup();
        for p in projects {
            add(format!("project {p}"), "only this project".into());
        }
        for t in &self.themes {
            add(format!("theme {t}"), "switch theme".into());
        }
        for c in columns(self.pane) {
            add(
                format!("sort {}", c.name.to_ascii_lowercase()),
                format!("sort {} by this column", self.pane.title()),
            );
        }
        let input = self.palette.input.trim();
        if input.is_empty() {
            return all;
        }
        use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
        let pattern = Pattern::parse(input, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT);
        let lines: Vec<String> = all.iter().map(|s| s.line.clone()).collect();
        let mut scored: Vec<(usize, u32)> = pattern
            .match_list(
                lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (i, l.as_str()))
                    .map(Indexed),
                &mut matcher,
            )
            .into_iter()
            .map(|(x, score)| (x.0.0, score))
            .collect();
        scored.sort_by_key(|(i, score)| (std::cmp::Reverse(*score), *i));
        scored.into_iter().map(|(i, _)| all[i].clone()).collect()
    }

    fn palette_key(&mut self, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        match self.read_key(Mode::Palette, &ev) {
            KeyIn::Action(Action::Cancel, _) => self.input = InputMode::Normal,
            KeyIn::Action(Action::Quit, _) => return vec![Effect::Quit],
            KeyIn::Action(Action::Down, _) => self.palette.selected += 1,
            KeyIn::Action(Action::Up, _) => {
                self.palette.selected = self.palette.selected.saturating_sub(1)
            }
            KeyIn::Action(Action::Complete, _) => {
                let c = self.palette_candidates();
                if let Some(s) = c.get(self.palette.selected.min(c.len().saturating_sub(1))) {
                    self.palette.input = format!("{} ", s.line);
                    self.palette.selected = 0;
                }
            }
            KeyIn::Action(Action::Submit, _) => {
                let typed = self.palette.input.trim().to_string();
                let cands = self.palette_candidates();
                let chosen = if self.palette.selected > 0 || parse_command(&typed).is_none() {
                    cands
                        .get(self.palette.selected.min(cands.len().saturating_sub(1)))
                        .map(|c| c.line.clone())
                        .unwrap_or(typed)
                } else {
                    typed
                };
                self.input = InputMode::Normal;
                return self.run_command(&chosen, now);
            }
            KeyIn::Action(a, _) if edit_line(&mut self.palette.input, a, None) => {
                self.palette.selected = 0;
            }
            KeyIn::Action(_, Some(c)) | KeyIn::Text(c) => {
                self.palette.input.push(c);
                self.palette.selected = 0;
            }
            _ => {}
        }
        vec![]
    }

    /// Runs a palette command line (`instances`, `remote local`, `project lab`, `theme light`).
    pub fn run_command(&mut self, line: &str, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(cmd) = parse_command(line) else {
            self.say(Level::Error, format!("unknown command: {line}"));
            return vec![];
        };
        match cmd {
            PaletteCommand::Pane(p) => self.pane = p,
            PaletteCommand::Action(a) => return self.dispatch(a, now),
            PaletteCommand::Remote(None) => {
                self.remote_filter = None;
                self.say(Level::Info, "showing all remotes");
            }
            PaletteCommand::Remote(Some(r)) => {
                if self.remotes.iter().any(|x| x.name == r) {
                    self.say(Level::Info, format!("showing remote {r}"));
                    self.remote_filter = Some(r);
                } else {
                    self.say(Level::Error, format!("no remote named {r:?}"));
                }
            }
            PaletteCommand::Project(None) => return self.set_scope(Scope::All),
            PaletteCommand::Project(Some(p)) => {
                let mut known: Vec<&str> = self
                    .remotes
                    .iter()
                    .flat_map(|r| r.projects.iter().map(String::as_str))
                    .collect();
                known.sort_unstable();
                known.dedup();
                // Checked against the projects the remotes answered (unchecked when none did).
                if !known.is_empty() && !known.contains(&p.as_str()) {
                    self.say(
                        Level::Error,
                        format!("no project named {p:?} (projects: {})", known.join(", ")),
                    );
                    return vec![];
                }
                return self.set_scope(Scope::Project(p));
            }
            PaletteCommand::Theme(t) => return vec![Effect::LoadTheme(t)],
            PaletteCommand::Sort(c) => {
                match columns(self.pane)
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&c))
                {
                    Some(i) => self.panes[self.pane.index()].sort_col = i,
                    None => self.say(
                        Level::Error,
                        format!("no column {c:?} in {}", self.pane.title()),
                    ),
                }
            }
            PaletteCommand::Filter(f) => {
                self.panes[self.pane.index()].filter = f;
            }
            PaletteCommand::Group(g) => {
                self.grouping = g;
                self.pane = Pane::Alerts;
            }
            PaletteCommand::Import(file) => return self.action_import(file, now),
            PaletteCommand::Run(name) => return self.run_config_command(&name, now),
            PaletteCommand::NewService(name) => return self.action_new_service(&name),
            PaletteCommand::Service(verb, name) => return self.service_by_name(verb, &name),
        }
        vec![]
    }
}

/// What a key means in a layer (see [`AppState::read_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyIn {
    /// A bound action, with the character the key would type (for layers that take text).
    Action(Action, Option<char>),
    /// The keys so far begin a longer sequence.
    Pending,
    /// A printable key bound to nothing: typed.
    Text(char),
    Unbound,
}

/// Applies a line-editing action to a text field; false when `action` does not edit text.
/// `typed` is the character the key types, for keys bound elsewhere but typed here.
pub(crate) fn edit_line(field: &mut String, action: Action, typed: Option<char>) -> bool {
    match action {
        Action::DeleteBack => {
            field.pop();
        }
        Action::ClearLine => field.clear(),
        Action::DeleteWord => {
            let t = field.trim_end().len();
            field.truncate(t);
            let cut = field.rfind(' ').map(|p| p + 1).unwrap_or(0);
            field.truncate(cut);
        }
        _ => match typed {
            Some(c) => field.push(c),
            None => return false,
        },
    }
    true
}

/// A parsed palette command.
#[derive(Debug, Clone, PartialEq)]
pub enum PaletteCommand {
    Pane(Pane),
    Action(Action),
    Remote(Option<String>),
    Project(Option<String>),
    Theme(String),
    Sort(String),
    Filter(String),
    Group(Grouping),
    /// `import [file]`.
    Import(Option<String>),
    /// `run <command>`: a configured command.
    Run(String),
    /// `new <name>`: a new service definition.
    NewService(String),
    /// `edit|preview|plan <service>`.
    Service(Action, String),
}

/// Parses a palette line: an action's palette word (from the registry), a pane's name or alias,
/// or a command with an argument.
pub fn parse_command(line: &str) -> Option<PaletteCommand> {
    let line = line.trim().trim_start_matches(':').trim();
    if let Some(a) = Action::from_word(line) {
        return Some(PaletteCommand::Action(a));
    }
    let (head, rest) = match line.split_once(char::is_whitespace) {
        Some((h, r)) => (h, r.trim()),
        None => (line, ""),
    };
    let arg = |r: &str| {
        if r.is_empty() || r == "all" || r == "*" {
            None
        } else {
            Some(r.to_string())
        }
    };
    Some(match head {
        "remote" | "remotes" | "r" => PaletteCommand::Remote(arg(rest)),
        "project" | "projects" | "p" => PaletteCommand::Project(arg(rest)),
        "theme" if !rest.is_empty() => PaletteCommand::Theme(rest.to_string()),
        "sort" if !rest.is_empty() => PaletteCommand::Sort(rest.to_string()),
        "filter" => PaletteCommand::Filter(rest.to_string()),
        "stop" if rest == "--force" || rest == "-f" => PaletteCommand::Action(Action::ForceStop),
        "import" => PaletteCommand::Import((!rest.is_empty()).then(|| rest.to_string())),
        "run" | "!" if !rest.is_empty() => PaletteCommand::Run(rest.to_string()),
        "new" if !rest.is_empty() => PaletteCommand::NewService(rest.to_string()),
        "plan" | "apply" if rest == "*" => PaletteCommand::Action(Action::PlanAll),
        "edit" if !rest.is_empty() => {
            PaletteCommand::Service(Action::EditDefinition, rest.to_string())
        }
        "preview" | "render" if !rest.is_empty() => {
            PaletteCommand::Service(Action::Preview, rest.to_string())
        }
        "plan" | "apply" if !rest.is_empty() => {
            PaletteCommand::Service(Action::Plan, rest.to_string())
        }
        "group" => PaletteCommand::Group(match rest {
            "alertname" | "name" => Grouping::AlertName,
            "object" | "target" => Grouping::Object,
            "none" | "" | "off" => Grouping::None,
            _ => return None,
        }),
        h => {
            let p = Pane::parse(h)?;
            if !rest.is_empty() {
                return None;
            }
            PaletteCommand::Pane(p)
        }
    })
}

fn sample_cpu(
    samples: &mut HashMap<String, (u64, DateTime<Utc>)>,
    row: &mut InstanceRow,
    now: DateTime<Utc>,
) {
    let key = row.key();
    let running = row.status().eq_ignore_ascii_case("running");
    let Some(ns) = row.state().and_then(|s| s.cpu_ns) else {
        if !running {
            row.cpu_pct = None;
        }
        return;
    };
    if !running {
        row.cpu_pct = None;
        samples.remove(&key);
        return;
    }
    if let Some((prev_ns, prev_at)) = samples.get(&key).copied()
        && let Some(p) = cpu_percent(prev_ns, prev_at, ns, now)
    {
        row.cpu_pct = Some(p);
    }
    samples.insert(key, (ns, now));
}
