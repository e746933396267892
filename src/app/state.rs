//! The application state: the remotes' inventory, the panes, the layers over them, alerts, jobs
//! and services as the console holds them. How keys and updates change it is in the modules
//! above (`keys`, `update`, ...); no I/O happens there either: what needs the outside world is
//! returned as an [`Effect`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::alert_view::{AlertSourceView, Grouping};
pub use super::effect::Effect;
pub use super::line::KeyIn;
use super::memo::Memo;
use crate::alerts::join::LabelMap;
use crate::alerts::model::{MergedAlert, SourcedSilence};
use crate::backend::ConnState;
use crate::backend::Scope;
use crate::config::keymap::{Key, Mode};
use crate::config::{Diagnostic, Keymap, Theme};
use crate::inventory::{HostRow, InstanceRow, SnapshotRow, VolumeRow};
use crate::pane::Pane;

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
    /// Backup archives the remote holds (Proxmox VE's vzdump archives).
    pub backups: Vec<crate::inventory::BackupRow>,
    /// The remote's projects (empty until it answered).
    pub projects: Vec<String>,
    /// Counters last read and usage over time, per row key.
    pub samples: super::trends::Samples,
    /// What its provider can do (set by the loop from the provider's declaration).
    pub caps: crate::backend::Capabilities,
    /// Configured read-only: no job runs on it.
    pub readonly: bool,
    /// Every instance shown has its details (state, snapshots).
    pub detailed: bool,
    /// How many instances shown still lack their details (their snapshots are not known).
    pub undetailed: usize,
    /// Its volumes were listed (until then the volumes and snapshots panes lack its rows).
    pub volumes_listed: bool,
    /// When its worker last proved the link alive, and until when that holds.
    pub live: crate::liveness::Liveness,
    /// Online, but not heard from within its deadline: its rows are stale (dimmed, aged).
    pub silent: bool,
    /// What every client runs there, and the daemon's warnings.
    pub activity: super::activity_view::Activity,
}

impl RemoteView {
    /// Counts the instances whose details were not read yet.
    pub fn count_undetailed(&mut self) {
        self.undetailed = self
            .instances
            .iter()
            .filter(|i| i.inst.snapshots.is_none())
            .count();
        self.detailed = self.undetailed == 0;
    }

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
            backups: vec![],
            projects: vec![],
            samples: Default::default(),
            caps: crate::backend::Capabilities::all("the provider"),
            readonly: false,
            detailed: false,
            undetailed: 0,
            volumes_listed: false,
            live: Default::default(),
            silent: false,
            activity: Default::default(),
        }
    }
}

/// Per-pane view state.
#[derive(Debug, Clone, Default)]
pub struct PaneState {
    pub selected: usize,
    pub selected_key: Option<super::cells::RowKey>,
    pub filter: String,
    pub sort_col: usize,
    pub sort_desc: bool,
    /// The marked rows, by key: they survive sorting, filtering, refreshes and pane switches.
    pub marks: std::collections::HashSet<super::cells::RowKey>,
    /// The row marked last (where a range starts).
    pub last_mark: Option<super::cells::RowKey>,
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

/// What is reading keys: the kind of the top layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    /// No layer: the lists.
    Normal,
    /// The filter, typed in the status line.
    Filter,
    Palette,
    Detail,
    Help,
    /// The messages of this session.
    Messages,
    /// The configuration problems found at start.
    Problems,
    /// The silence form.
    SilenceForm,
    /// The snapshot, backup or import form.
    ActionForm,
    /// A yes/no question.
    Confirm,
    /// The snapshot picker (restore from an instance or volume).
    Picker,
    /// A services overlay: the editor, the cloud-init preview or the plan.
    Service,
    /// What to do with the running jobs before quitting.
    Quit,
    /// Which cell of a row to copy.
    Copy,
}

/// A layer over the lists (a dialog, a form, an overlay, the detail view): a component that
/// owns its state, reads its own keys and draws itself, all in its folder under
/// `app/layers/`. It never calls another feature: what it wants beyond its own state it returns
/// as [`Msg`]s, which the router ([`AppState::apply_msgs`]) applies in order.
pub trait Layer: std::any::Any + std::fmt::Debug + LayerClone {
    /// Its kind.
    fn mode(&self) -> InputMode;
    /// The keymap layer that reads its next key.
    fn keys(&self) -> Mode;
    /// A key as read in [`Layer::keys`] (`ev` is the key itself, for the editor); `ctx` is the
    /// state below it.
    fn key(&mut self, key: KeyIn, ev: &KeyEvent, ctx: &AppState, now: DateTime<Utc>) -> Vec<Msg>;
    /// Draws it over `area` (the body between the header and the status line).
    fn draw(&self, f: &mut Frame, area: Rect, ctx: &AppState, theme: &Theme, now: DateTime<Utc>);
}

/// How a boxed layer is copied (the state is `Clone`).
pub trait LayerClone {
    fn clone_layer(&self) -> Box<dyn Layer>;
}

impl<T: Layer + Clone> LayerClone for T {
    fn clone_layer(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn Layer> {
    fn clone(&self) -> Self {
        self.clone_layer()
    }
}

/// What a layer asks of the router after a key, in the order given.
#[derive(Debug)]
pub enum Msg {
    /// Close this layer.
    Close,
    /// A status-line message.
    Say(Level, String),
    /// Effects for the loop (`Effect::Quit` among them).
    Effects(Vec<Effect>),
    /// Open a layer over this one.
    Open(Box<dyn Layer>),
    /// The lists' action (the detail view and the help read the lists' actions).
    Dispatch(crate::action::Action),
    /// Set the current pane's filter (and start its selection over).
    Filter(String),
    /// Run a palette command line.
    Command(String),
    /// Start a job, under a maintenance silence of its object when asked.
    StartJob {
        job: crate::jobs::JobSpec,
        maintenance: bool,
    },
    /// Start a batch of jobs (from marked rows), each under a maintenance silence when asked.
    StartBatch {
        plan: super::job_view::BatchPlan,
        maintenance: bool,
    },
    /// Preview the restore of a snapshot and ask to confirm it.
    Restore(crate::inventory::SnapshotRow),
    /// Run the action form on top (its values are read there; an error is written back).
    SubmitActionForm,
    /// What to do with the running jobs when quitting.
    Quit(QuitChoice),
    /// The quit question was closed: do not quit when the jobs end.
    StayAfterJobs,
    /// Read the service definitions and the servers again.
    RefreshServices,
    /// Open the cloud-init preview of a definition.
    Preview(std::path::PathBuf),
    /// Open the plan of these definitions.
    Plan(Vec<std::path::PathBuf>),
    /// Ask whether to apply the plan on top.
    AskApply,
    /// Apply the plan of these definitions (confirmed).
    Apply {
        files: Vec<std::path::PathBuf>,
        maintenance: bool,
    },
}

/// What can be done with the running jobs when quitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuitChoice {
    Wait,
    Cancel,
    Leave,
}

impl QuitChoice {
    pub const ALL: [QuitChoice; 3] = [QuitChoice::Wait, QuitChoice::Cancel, QuitChoice::Leave];

    pub fn label(self) -> &'static str {
        match self {
            QuitChoice::Wait => "wait for them to end, then quit",
            QuitChoice::Cancel => "cancel them, then quit",
            QuitChoice::Leave => {
                "quit now, leave their operations running on the server (local commands stop)"
            }
        }
    }
}

impl AppState {
    /// The keymap layer that reads the next key: the top layer's, else the lists'.
    pub fn keys(&self) -> Mode {
        self.layers.last().map_or(Mode::Normal, |l| l.keys())
    }

    /// Hands a key to the top layer (the lists' when none is open) and applies what it asks.
    pub(crate) fn route_key(&mut self, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        if self.layers.is_empty() {
            return self.dispatch_key(ev, now);
        }
        let k = self.read_key(self.keys(), &ev);
        if k == KeyIn::Pending {
            return vec![];
        }
        let Some(mut top) = self.layers.pop() else {
            return vec![];
        };
        let msgs = top.key(k, &ev, self, now);
        self.layers.push(top);
        self.apply_msgs(msgs, now)
    }

    /// The top-most layer of a type.
    pub fn layer<T: Layer>(&self) -> Option<&T> {
        self.layers
            .iter()
            .rev()
            .find_map(|l| (l.as_ref() as &dyn std::any::Any).downcast_ref())
    }

    /// The top-most layer of a type, to change.
    pub fn layer_mut<T: Layer>(&mut self) -> Option<&mut T> {
        self.layers
            .iter_mut()
            .rev()
            .find_map(|l| (l.as_mut() as &mut dyn std::any::Any).downcast_mut())
    }

    /// The top layer, when it is of this type.
    pub fn top<T: Layer>(&self) -> Option<&T> {
        self.layers
            .last()
            .and_then(|l| (l.as_ref() as &dyn std::any::Any).downcast_ref())
    }
}

impl AppState {
    /// Where keys go: the top layer's mode, or the lists.
    pub fn input(&self) -> InputMode {
        self.layers.last().map_or(InputMode::Normal, |l| l.mode())
    }

    /// Opens a layer on top.
    pub fn open(&mut self, layer: impl Layer) {
        self.layers.push(Box::new(layer));
    }

    /// Closes the top layer and gives it back.
    pub fn close(&mut self) -> Option<Box<dyn Layer>> {
        self.layers.pop()
    }
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

/// What the lists show of the remotes: which projects, which remote, and the last event seen.
#[derive(Debug, Clone)]
pub struct Listing {
    pub scope: Scope,
    /// The project `P` toggles to when leaving all-projects.
    pub home_project: String,
    /// Show only this remote.
    pub remote_filter: Option<String>,
    /// Show only this cluster member (hosts) and what runs on it (instances).
    pub member_filter: Option<String>,
    pub last_event: Option<String>,
    /// The instance rows on screen at the last look (their details asked for if missing).
    pub on_screen: HashSet<super::cells::RowKey>,
    /// Whether the remotes were last told volumes are shown (`None`: not told yet).
    pub volumes_shown: Option<bool>,
}

/// Console logs of instances, as far as read.
#[derive(Debug, Clone, Default)]
pub struct Consoles {
    pub logs: HashMap<String, LogState>,
    /// Console output read so far per instance.
    pub(crate) text: HashMap<String, String>,
}

/// The status line's message and every message of the session.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    pub current: Option<Message>,
    /// Every message of this session, oldest first (the last [`MESSAGES_KEPT`]).
    pub log: std::collections::VecDeque<LoggedMessage>,
}

/// How the screen is laid out and read: sizes, zoom, themes, pending keys.
#[derive(Debug, Clone)]
pub struct ViewState {
    /// The selected pane alone at full size, instead of the grid.
    pub zoom: bool,
    /// Rows per page, set by the main loop from the terminal height.
    pub page_size: usize,
    /// Whether the grid of all panes is shown (set from the terminal size).
    pub grid: bool,
    pub themes: Vec<String>,
    pub theme_name: String,
    /// Keys of a sequence read so far (`g` of `gg`).
    pub(crate) pending: Vec<Key>,
    /// What the panes' TREND sparklines show (`W` cycles it).
    pub trend: crate::trend::Metric,
    /// Command lines run from the palette, oldest first (kept in the state dir).
    pub palette_history: Vec<String>,
}

/// One Prometheus's history of an alert, or (source, why) it could not be read.
pub type HistoryRead = Result<crate::alerts::history::History, (String, String)>;

/// Alert sources, their alerts and silences, and how they are shown and written.
#[derive(Debug, Clone)]
pub struct Alerting {
    /// Alertmanagers and Prometheus servers.
    pub sources: Vec<AlertSourceView>,
    /// Alerts of every source, deduplicated.
    pub alerts: Vec<MergedAlert>,
    /// Silences of every Alertmanager.
    pub silences: Vec<SourcedSilence>,
    pub label_map: LabelMap,
    pub grouping: Grouping,
    pub silence_author: String,
    pub silence_durations: Vec<String>,
    /// Where runbooks are looked for.
    pub runbooks_dir: std::path::PathBuf,
    /// Alert fingerprint → its runbook, as last looked for (when its detail was opened).
    pub runbooks: HashMap<String, crate::alerts::runbooks::Found>,
    /// Alert fingerprint → when it fired over the last day, by Prometheus source.
    pub history: HashMap<String, Vec<HistoryRead>>,
    /// The alerts seen firing (fingerprint → what was last known of it), to journal
    /// transitions: what a source holds when it first answers is where it starts from.
    pub seen: HashMap<String, super::alert_view::Seen>,
    /// Sources that have answered once.
    pub answered: std::collections::HashSet<String>,
}

/// Jobs, the journal, and the settings of the actions that start jobs.
#[derive(Debug, Clone)]
pub struct Work {
    /// Running and finished jobs (history from the state dir first).
    pub jobs: Vec<super::job_view::JobView>,
    /// Where job numbers come from (one sequence per state dir, shared with headless commands).
    pub ids: crate::jobs::execute::JobIds,
    /// The incident journal as far as loaded.
    pub journal: Vec<crate::jobs::journal::Entry>,
    pub settings: super::action_forms::ActionSettings,
    /// Jobs run under a maintenance silence, and the watch after them.
    pub maintenance: Vec<super::job_view::Maintenance>,
    /// Batches started from marked rows.
    pub batches: Vec<super::job_view::Batch>,
    /// The console quits once no job runs (asked to wait for them, or to cancel them).
    pub quit_when_idle: bool,
    /// Where the journal, the history and exports live.
    pub state_dir: std::path::PathBuf,
}

/// Views derived from the state, kept while nothing changed.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    /// Bumped by every update, key and command: the screen is drawn again when it moved.
    pub rev: u64,
    /// Bumped by every update and by the keys and commands that may change what rows show
    /// (not by moving, filtering or sorting): built rows and the join are kept while it stays.
    pub data: u64,
    /// The rows each pane shows (see `rows::view_rows`).
    pub rows: Memo<Pane, super::memo::RowsKey, super::memo::View>,
    /// The rows each pane's model built, unfiltered, unsorted.
    pub built: Memo<Pane, super::memo::BuiltKey, Vec<super::memo::RowRef>>,
    /// The order of the built rows by a sort column.
    pub order: Memo<Pane, (super::memo::BuiltKey, usize, bool), Vec<u32>>,
    /// Which built rows recent filters keep.
    pub matched: super::memo::MatchedCache,
    /// The join of alerts with the inventory (see `join_alerts`).
    pub join: Memo<(), u64, (crate::alerts::join::Index, crate::alerts::join::Joined)>,
}

impl Derived {
    /// Something rows may show changed (and so the screen).
    pub fn data_changed(&mut self) {
        self.rev += 1;
        self.data += 1;
    }
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The layers over the lists (detail, help, palette, forms, dialogs, overlays), bottom
    /// first: the top one reads the keys and is drawn last; closing it uncovers the one below.
    pub layers: Vec<Box<dyn Layer>>,
    pub remotes: Vec<RemoteView>,
    pub listing: Listing,
    pub consoles: Consoles,
    pub pane: Pane,
    /// Per pane (indexed by [`Pane::index`]).
    pub panes: Vec<PaneState>,
    pub view: ViewState,
    pub messages: Messages,
    pub diagnostics: Vec<Diagnostic>,
    pub readonly: bool,
    pub keymap: Keymap,
    pub alerting: Alerting,
    pub work: Work,
    /// Service definitions and their overlays.
    pub services: super::services_view::ServicesView,
    pub derived: Derived,
    /// Usage over time read for the detail view's charts.
    pub usage: super::trends::UsageView,
    /// What the remotes reported (lifecycle events, tasks) for the timeline.
    pub timeline: super::timeline_view::TimelineView,
    /// Effects raised while applying an update (journal lines and timeline events to write);
    /// [`AppState::apply`] returns them.
    pub(crate) pending: Vec<Effect>,
}

impl AppState {
    pub fn new(
        remotes: Vec<RemoteView>,
        keymap: Keymap,
        scope: Scope,
        home_project: String,
    ) -> Self {
        // Alerts: worst severity, then oldest, first. Jobs and journal: newest first.
        let panes = crate::pane::PANES
            .iter()
            .map(|p| PaneState {
                sort_desc: p.sort_desc,
                ..Default::default()
            })
            .collect();
        Self {
            layers: vec![],
            remotes,
            listing: Listing {
                scope,
                home_project,
                remote_filter: None,
                member_filter: None,
                last_event: None,
                on_screen: HashSet::new(),
                volumes_shown: None,
            },
            consoles: Consoles::default(),
            pane: Pane::Instances,
            panes,
            view: ViewState {
                zoom: false,
                page_size: 10,
                grid: false,
                themes: vec!["dark".into(), "light".into()],
                theme_name: "dark".into(),
                pending: vec![],
                trend: crate::trend::Metric::Cpu,
                palette_history: vec![],
            },
            messages: Messages::default(),
            diagnostics: vec![],
            readonly: false,
            keymap,
            alerting: Alerting {
                sources: vec![],
                alerts: vec![],
                silences: vec![],
                label_map: LabelMap::default(),
                grouping: Grouping::None,
                silence_author: "atlas-tui".into(),
                silence_durations: vec!["2h".into()],
                runbooks_dir: std::path::PathBuf::new(),
                runbooks: HashMap::new(),
                history: HashMap::new(),
                seen: HashMap::new(),
                answered: Default::default(),
            },
            work: Work {
                jobs: vec![],
                ids: crate::jobs::execute::JobIds::Counter(1),
                journal: vec![],
                settings: Default::default(),
                maintenance: vec![],
                batches: vec![],
                quit_when_idle: false,
                state_dir: std::env::temp_dir().join("atlas-tui"),
            },
            services: Default::default(),
            derived: Derived::default(),
            usage: Default::default(),
            timeline: Default::default(),
            pending: vec![],
        }
    }

    /// Remotes shown (all, or the one chosen with `:remote`).
    pub fn visible_remotes(&self) -> impl Iterator<Item = &RemoteView> {
        self.remotes.iter().filter(|r| {
            self.listing
                .remote_filter
                .as_ref()
                .is_none_or(|f| *f == r.name)
        })
    }

    /// Whether the provider of `remote` supports `op` (unknown remotes: yes).
    pub fn supports(&self, remote: &str, op: crate::backend::Operation) -> bool {
        self.remotes
            .iter()
            .find(|r| r.name == remote)
            .is_none_or(|r| r.caps.supports(op))
    }

    /// The equivalent command lines of a job, as its remote's provider names them.
    pub fn cli_of(&self, job: &crate::jobs::JobSpec) -> Vec<String> {
        let remote = &job.target().remote;
        match self.remotes.iter().find(|r| r.name == *remote) {
            Some(r) => r.caps.cli(job),
            None => job.command_line().into_iter().collect(),
        }
    }

    pub(crate) fn remote_mut(&mut self, name: &str) -> Option<&mut RemoteView> {
        self.remotes.iter_mut().find(|r| r.name == name)
    }

    /// Sets a status-line message.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        if self.messages.log.len() >= MESSAGES_KEPT {
            self.messages.log.pop_front();
        }
        self.messages.log.push_back(LoggedMessage {
            at: Utc::now(),
            level,
            text: text.clone(),
        });
        self.messages.current = Some(Message { level, text });
    }

    /// True while any remote is not online or silent (the UI ticks to keep "stale for" ages
    /// current).
    pub fn any_offline(&self) -> bool {
        self.remotes
            .iter()
            .any(|r| r.silent || !matches!(r.conn, ConnState::Online { .. }))
            || self.any_source_down()
    }
}
