//! The command lines the palette (`:`) runs (the palette itself is `layers/palette/`).

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::layers::palette::command::{PaletteCommand, parse_command};
use super::rows::columns;
use super::state::{AppState, Level};
use crate::backend::Scope;
use crate::pane::Pane;

/// How many palette lines are remembered.
pub const HISTORY_KEPT: usize = 200;

/// The file the palette's history is kept in.
pub fn history_file(state_dir: &std::path::Path) -> std::path::PathBuf {
    state_dir.join("palette_history")
}

impl AppState {
    /// Remembers a command line run from the palette (once, as the most recent) and writes
    /// the history.
    pub(crate) fn remember_command(&mut self, line: &str) -> Vec<Effect> {
        let line = line.trim();
        if line.is_empty() {
            return vec![];
        }
        let h = &mut self.view.palette_history;
        h.retain(|l| l != line);
        h.push(line.to_string());
        if h.len() > HISTORY_KEPT {
            h.drain(..h.len() - HISTORY_KEPT);
        }
        let mut text = h.join("\n");
        text.push('\n');
        vec![Effect::WriteFile {
            path: history_file(&self.work.state_dir),
            text,
            what: String::new(),
        }]
    }

    /// Runs a palette command line (`instances`, `remote local`, `project lab`, `theme light`).
    pub fn run_command(&mut self, line: &str, now: DateTime<Utc>) -> Vec<Effect> {
        self.derived.data_changed();
        let Some(cmd) = parse_command(line) else {
            self.say(Level::Error, format!("unknown command: {line}"));
            return vec![];
        };
        match cmd {
            PaletteCommand::Pane(p) => self.pane = p,
            PaletteCommand::Action(a) => return self.dispatch(a, now),
            PaletteCommand::Remote(None) => {
                self.listing.remote_filter = None;
                self.say(Level::Info, "showing all remotes");
            }
            PaletteCommand::Remote(Some(r)) => {
                if self.remotes.iter().any(|x| x.name == r) {
                    self.say(Level::Info, format!("showing remote {r}"));
                    self.listing.remote_filter = Some(r);
                } else {
                    self.say(Level::Error, format!("no remote named {r:?}"));
                }
            }
            PaletteCommand::MoveTo(m) => return self.action_move(Some(m), now),
            PaletteCommand::Member(None) => {
                self.listing.member_filter = None;
                self.say(Level::Info, "showing every member");
            }
            PaletteCommand::Member(Some(m)) => {
                let mut known: Vec<&str> = self
                    .visible_remotes()
                    .flat_map(|r| r.hosts.iter().filter(|h| h.clustered))
                    .map(|h| h.name.as_str())
                    .collect();
                known.sort_unstable();
                known.dedup();
                if known.contains(&m.as_str()) {
                    self.say(
                        Level::Info,
                        format!("member {m}: its host row and the instances it runs (:member all: every member)"),
                    );
                    self.listing.member_filter = Some(m);
                } else {
                    let list = if known.is_empty() {
                        "no remote shown is a cluster".to_string()
                    } else {
                        format!("members: {}", known.join(", "))
                    };
                    self.say(Level::Error, format!("no member named {m:?} ({list})"));
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
                self.alerting.grouping = g;
                self.pane = Pane::Alerts;
            }
            PaletteCommand::Import(file) => return self.action_import(file, now),
            PaletteCommand::Run(name) => return self.run_config_command(&name, now),
            PaletteCommand::NewService(name) => return self.action_new_service(&name),
            PaletteCommand::Service(verb, name) => return self.service_by_name(verb, &name),
            PaletteCommand::Export(format, file) => return self.export(format, file, now),
        }
        vec![]
    }
}
