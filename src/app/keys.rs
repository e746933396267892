//! Keys: every layer reads its keys through the keymap here (`AppState::read_key`); the
//! lists, the detail view, the help and the filter apply the actions they are bound to.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::effect::Effect;
use super::layers::detail::{DetailState, DetailTab};
use super::layers::filter::FilterPrompt;
use super::layers::help::Help;
use super::layers::messages::MessagesView;
use super::layers::palette::PaletteState;
use super::line::{KeyIn, typed_char};
use super::panes::columns;
use super::rows::view_rows;
use super::state::{AppState, InputMode, Level, LogState};
use crate::action::Action;
use crate::alerts::worker::SourceCmd;
use crate::app::alerts::Grouping;
use crate::backend::{Command, Operation, Scope};
use crate::config::keymap::{Key, Lookup, Mode};
use crate::inventory::ObjectKey;
use crate::jobs::PowerAction;
use crate::pane::Pane;

pub use super::alert_view::{HISTORY_BUCKETS, HISTORY_WINDOW_SECS};

impl AppState {
    /// Handles a key press.
    /// [`rev`](super::state::Derived::rev) moves when the key changed something: a key bound to nothing in
    /// the lists leaves it (and the screen) as it was.
    pub fn on_key(&mut self, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        if !matches!(
            self.input(),
            InputMode::Normal | InputMode::Detail | InputMode::Help
        ) {
            // The layers that take text change with (almost) every key; what the filter
            // changes is in the rows' key.
            if self.input() == InputMode::Filter {
                self.derived.rev += 1;
            } else {
                self.derived.data_changed();
            }
        }
        let before = self.pane;
        let mut fx = self.on_key_inner(ev, now);
        // Quitting while jobs run asks first.
        self.hold_quit(&mut fx);
        // The services pane shows what is on disk and on the server now.
        if self.pane == Pane::Services && before != Pane::Services {
            fx.extend(self.services_refresh());
        }
        fx.extend(self.read_seen(now));
        fx
    }

    pub(crate) fn on_key_inner(&mut self, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        self.route_key(ev, now)
    }

    /// Keys of the lists, the detail view and the help: the bound action is dispatched.
    pub(crate) fn dispatch_key(&mut self, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        match self.read_key(self.keys(), &ev) {
            KeyIn::Action(a, _) => self.dispatch(a, now),
            KeyIn::Pending => vec![],
            // A key bound to nothing in the lists may run a configured command.
            KeyIn::Text(_) | KeyIn::Unbound if self.input() == InputMode::Normal => {
                match self.command_for_key(&Key::from_event(&ev)) {
                    Some(c) => {
                        let name = c.name.clone();
                        self.derived.data_changed();
                        self.run_config_command(&name, now)
                    }
                    None => vec![],
                }
            }
            KeyIn::Text(_) | KeyIn::Unbound => vec![],
        }
    }

    /// What a key means in a layer's keymap: a bound action (with the character it would type),
    /// the start of a longer sequence, a character to type, or nothing. Every layer reads its
    /// keys here.
    pub(crate) fn read_key(&mut self, mode: Mode, ev: &KeyEvent) -> KeyIn {
        let key = Key::from_event(ev);
        let typed = typed_char(ev);
        self.view.pending.push(key);
        match self.keymap.lookup(mode, &self.view.pending) {
            Lookup::Pending => KeyIn::Pending,
            Lookup::Action(a) => {
                self.view.pending.clear();
                KeyIn::Action(a, typed)
            }
            Lookup::Unbound => {
                let was_sequence = self.view.pending.len() > 1;
                self.view.pending.clear();
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
        if action.view_only() {
            self.derived.rev += 1;
        } else {
            self.derived.data_changed();
        }
        if self.input() == InputMode::Detail {
            return self.detail_action(action, now);
        }
        if let Some(fx) = self.bulk_action(action, now) {
            return fx;
        }
        if let Some(why) = self.refusal(action, now) {
            self.say(Level::Warning, why);
            return vec![];
        }
        self.apply_action(action, now)
    }

    /// Why an action on the selected row is refused before anything opens: what the row's
    /// provider cannot do, or a write on a remote configured read-only.
    fn refusal(&self, action: Action, now: DateTime<Utc>) -> Option<String> {
        let op = operation(action, self.pane)?;
        let r = self.selected_remote(now)?;
        if !r.caps.supports(op) {
            return Some(format!(
                "{}: {} cannot {} here",
                r.name,
                r.caps.provider,
                action.spec().label
            ));
        }
        (action.spec().write && r.readonly).then(|| {
            format!(
                "{} is read-only (readonly = true in its [[remotes]]): {} is disabled",
                r.name,
                action.spec().label
            )
        })
    }

    /// Applies an action of the lists (every action has an arm: those of other layers do
    /// nothing here).
    fn apply_action(&mut self, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
        match action {
            Action::Quit => return vec![Effect::Quit],
            Action::Help => self.open(Help::default()),
            Action::Palette => self.open(PaletteState::default()),
            Action::Filter => self.open(FilterPrompt::default()),
            Action::ClearFilter => {
                self.panes[self.pane.index()].filter.clear();
                self.messages.current = None;
            }
            Action::NextPane => self.pane = self.pane.cycle(1),
            Action::PrevPane => self.pane = self.pane.cycle(-1),
            // Where each goes is its registry entry's `goes_to`.
            Action::PaneHosts
            | Action::PaneInstances
            | Action::PaneVolumes
            | Action::PaneSnapshots
            | Action::PaneAlerts
            | Action::PaneSilences
            | Action::PaneJobs
            | Action::PaneJournal
            | Action::PaneServices
            | Action::PaneBackups
            | Action::PaneTimeline
            | Action::PaneActivity => {
                if let Some(p) = action.spec().goes_to {
                    self.pane = p;
                }
            }
            Action::TimelineOf => self.timeline_of(now),
            Action::EditDefinition => return self.action_edit(now),
            Action::EditExternal => return self.action_edit_external(now),
            Action::Preview => return self.action_preview(now),
            Action::Plan => return self.action_plan(false, now),
            Action::PlanAll => return self.action_plan(true, now),
            Action::RunCommand => self.open_run_prompt(),
            Action::Start => return self.action_power(PowerAction::Start, false, now),
            Action::Stop => return self.action_power(PowerAction::Stop, false, now),
            Action::ForceStop => return self.action_power(PowerAction::Stop, true, now),
            Action::Restart => return self.action_power(PowerAction::Restart, false, now),
            Action::Freeze => return self.action_freeze(now),
            Action::Unfreeze => return self.action_power(PowerAction::Unfreeze, false, now),
            Action::Shell => return self.action_shell(now),
            Action::Snapshot => return self.action_snapshot(now),
            Action::Restore => return self.action_restore(now),
            Action::Evacuate => return self.action_evacuate(now),
            Action::Move => return self.action_move(None, now),
            Action::Delete => return self.action_delete(now),
            Action::Backup => return self.action_backup(now),
            Action::Import => return self.action_import(None, now),
            Action::CancelJob => return self.action_cancel_job(now),
            Action::AckWarning => return self.ack_warning(now),
            Action::ExportTable => return self.export(crate::export::Format::Csv, None, now),
            Action::Mark | Action::MarkRange | Action::MarkAll | Action::ClearMarks => {
                self.apply_mark(action, now)
            }
            Action::Jump => return self.jump(now),
            Action::Copy => return self.copy(now),
            Action::UsageWindow => self.next_usage_window(),
            Action::TrendMetric => self.next_trend_metric(),
            Action::Silence => return self.open_silence_form(now),
            Action::ExpireSilence => return self.ask_expire(now),
            Action::ExtendSilence => return self.open_extend_form(now),
            Action::GroupNext => self.next_grouping(),
            Action::Up => self.move_selection(-1, now),
            Action::Down => self.move_selection(1, now),
            Action::PageUp => self.move_selection(-(self.view.page_size as isize), now),
            Action::PageDown => self.move_selection(self.view.page_size as isize, now),
            Action::Top => self.move_selection(isize::MIN / 2, now),
            Action::Bottom => self.move_selection(isize::MAX / 2, now),
            Action::Details => return self.open_detail(DetailTab::Config, now),
            Action::ConsoleLog => return self.open_detail(DetailTab::Log, now),
            Action::SortNext => self.sort_next(),
            Action::SortReverse => {
                let ps = &mut self.panes[self.pane.index()];
                ps.sort_desc = !ps.sort_desc;
            }
            Action::Refresh => return self.refresh_all(),
            Action::ToggleAllProjects => {
                let scope = match &self.listing.scope {
                    Scope::All => Scope::Project(self.listing.home_project.clone()),
                    Scope::Project(_) => Scope::All,
                };
                return self.set_scope(scope);
            }
            Action::Zoom => self.toggle_zoom(),
            Action::Messages => {
                self.open(MessagesView::default());
            }
            Action::Problems => {
                self.open(super::layers::problems::ProblemsView::default());
            }
            // Keys of other layers; nothing to do in the lists.
            Action::NextTab
            | Action::Close
            | Action::Submit
            | Action::Cancel
            | Action::ToggleMaintenance
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

    /// The palette, with `run ` typed: the configured commands are offered.
    fn open_run_prompt(&mut self) {
        self.open(PaletteState {
            input: "run ".into(),
            selected: 0,
        });
        if self.services.commands.is_empty() {
            self.say(Level::Warning, "no [[commands]] in config.toml yet");
        }
    }

    fn next_usage_window(&mut self) {
        self.usage.window = self.usage.window.next();
        let window = self.usage.window.label();
        self.say(Level::Info, format!("usage charts: last {window}"));
    }

    fn next_trend_metric(&mut self) {
        self.view.trend = self.view.trend.next();
        self.derived.data_changed();
        let m = self.view.trend.label();
        self.say(Level::Info, format!("TREND column: {m}"));
    }

    fn next_grouping(&mut self) {
        self.alerting.grouping = match self.alerting.grouping {
            Grouping::None => Grouping::AlertName,
            Grouping::AlertName => Grouping::Object,
            Grouping::Object => Grouping::None,
        };
        self.pane = Pane::Alerts;
        self.say(
            Level::Info,
            format!("alerts grouped by {}", self.alerting.grouping.label()),
        );
    }

    fn sort_next(&mut self) {
        let n = columns(self.pane).len();
        let ps = &mut self.panes[self.pane.index()];
        ps.sort_col = (ps.sort_col + 1) % n;
        let name = columns(self.pane)[ps.sort_col].name;
        self.say(Level::Info, format!("sorted by {name}"));
    }

    /// Reloads every remote, alert source and the definitions.
    fn refresh_all(&mut self) -> Vec<Effect> {
        self.say(Level::Info, "reloading from all remotes and alert sources");
        let mut effects = vec![Effect::Send {
            remote: None,
            cmd: Command::Refresh,
        }];
        effects.extend(self.alerting.sources.iter().map(|s| Effect::Alert {
            source: s.name.clone(),
            cmd: SourceCmd::Refresh,
        }));
        effects.extend(self.services_refresh());
        effects
    }

    fn toggle_zoom(&mut self) {
        self.view.zoom = !self.view.zoom;
        if self.view.zoom {
            self.say(
                Level::Info,
                format!("{} zoomed: Z again for all panes", self.pane.title()),
            );
        }
    }

    /// The remote of the selected row, if the pane has one.
    pub fn selected_remote(&self, now: DateTime<Utc>) -> Option<&crate::app::RemoteView> {
        let rows = view_rows(self, self.pane, now);
        let row = rows.get(self.selected_index(self.pane, &rows))?;
        self.remotes.iter().find(|r| r.name == row.remote)
    }

    pub(crate) fn set_scope(&mut self, scope: Scope) -> Vec<Effect> {
        if let Scope::Project(p) = &scope {
            self.listing.home_project = p.clone();
        }
        self.listing.scope = scope.clone();
        self.say(Level::Info, format!("showing {}", scope.label()));
        vec![Effect::Send {
            remote: None,
            cmd: Command::SetScope(scope),
        }]
    }

    /// The selected row's key in the current pane, resolving a stale index.
    pub fn selected_index(&self, pane: Pane, rows: &[super::rows::RowRef]) -> usize {
        let ps = &self.panes[pane.index()];
        if let Some(k) = &ps.selected_key {
            // Where it was, most of the time.
            if rows.get(ps.selected).is_some_and(|r| &r.key == k) {
                return ps.selected;
            }
            if let Some(i) = rows.iter().position(|r| &r.key == k) {
                return i;
            }
        }
        ps.selected.min(rows.len().saturating_sub(1))
    }

    pub(crate) fn move_selection(&mut self, delta: isize, now: DateTime<Utc>) {
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

    pub(crate) fn open_detail(&mut self, tab: DetailTab, now: DateTime<Utc>) -> Vec<Effect> {
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
        self.open(DetailState {
            pane: self.pane,
            key: key.clone(),
            tab,
            scroll: 0,
        });
        if tab == DetailTab::Log {
            self.request_log()
        } else {
            let mut fx = self.find_runbook(&key);
            fx.extend(self.request_usage(&key));
            fx
        }
    }

    /// Looks for the runbook of the alert `key` (again: the file may have been edited) and
    /// asks every Prometheus when it fired over the last day.
    pub(crate) fn find_runbook(&self, key: &crate::app::cells::RowKey) -> Vec<Effect> {
        let crate::app::cells::RowKey::Alert(fp) = key else {
            return vec![];
        };
        let Some(a) = self.alerting.alerts.iter().find(|a| a.fingerprint == *fp) else {
            return vec![];
        };
        let mut fx = vec![Effect::FindRunbook {
            fingerprint: fp.clone(),
            dir: self.alerting.runbooks_dir.clone(),
            alertname: a.name().to_string(),
            annotation: a.annotations.get("runbook").cloned(),
        }];
        fx.extend(
            self.alerting
                .sources
                .iter()
                .filter(|s| s.kind == crate::alerts::model::SourceKind::Prometheus)
                .map(|s| Effect::Alert {
                    source: s.name.clone(),
                    cmd: SourceCmd::History {
                        fingerprint: fp.clone(),
                        labels: a.labels.clone(),
                        window_secs: HISTORY_WINDOW_SECS,
                        buckets: HISTORY_BUCKETS,
                    },
                }),
        );
        fx
    }

    /// What the row `key` is best known by, to copy: an alert's runbook URL (else its source
    /// link), a silence's id, an object's name, a job's command, a definition's file.
    pub(crate) fn request_log(&mut self) -> Vec<Effect> {
        let Some(d) = self.detail() else {
            return vec![];
        };
        let Some(ObjectKey::Instance {
            remote,
            project,
            name,
        }) = d.key.object()
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
        let key = d.key.to_string();
        self.consoles.logs.insert(key, LogState::Loading);
        vec![effect]
    }

    /// The detail view's actions that need the rows or the servers (it scrolls and closes
    /// itself).
    pub(crate) fn detail_action(&mut self, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(d) = self.detail_mut() else {
            return vec![];
        };
        match action {
            // Over the detail view, which shows again when it closes.
            Action::Help => self.open(Help::default()),
            Action::Jump | Action::Silence | Action::TimelineOf => {
                self.close();
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
                let key = d.key.clone();
                let mut fx = self.find_runbook(&key);
                fx.extend(self.request_usage(&key));
                return fx;
            }
            Action::UsageWindow => {
                let key = d.key.clone();
                self.usage.window = self.usage.window.next();
                let window = self.usage.window.label();
                self.say(Level::Info, format!("usage charts: last {window}"));
                return self.request_usage(&key);
            }
            Action::Copy => return self.copy(now),
            _ => {}
        }
        vec![]
    }
}

/// The provider operation an action needs on the selected row of `pane`, if any.
pub fn operation(action: Action, pane: Pane) -> Option<Operation> {
    Some(match action {
        Action::Start | Action::Stop | Action::ForceStop | Action::Restart => Operation::Power,
        Action::Freeze | Action::Unfreeze => Operation::Freeze,
        Action::Shell => Operation::Shell,
        Action::ConsoleLog => Operation::ConsoleLog,
        Action::Snapshot if pane == Pane::Volumes => Operation::VolumeSnapshots,
        Action::Snapshot => Operation::InstanceSnapshots,
        Action::Restore if pane == Pane::Hosts => Operation::Cluster,
        Action::Evacuate | Action::Move => Operation::Cluster,
        Action::Restore | Action::Delete => Operation::Restore,
        Action::Backup => Operation::Backup,
        Action::Import => Operation::Import,
        _ => return None,
    })
}
