//! The command palette (`:`): its suggestions (from the command registry and the state), the
//! keys while it is open, and the command lines it runs.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::effect::Effect;
use super::line::{KeyIn, edit_line};
use super::rows::columns;
use super::state::{AppState, Level};
use crate::action::Action;
use crate::app::alerts::Grouping;
use crate::backend::Scope;
use crate::pane::Pane;

impl AppState {
    /// Commands the palette offers, best matches for the current input first: the registry's
    /// actions, then what depends on the state (services, commands, remotes, projects, themes,
    /// columns).
    pub fn palette_candidates(&self) -> Vec<Suggestion> {
        let mut all: Vec<Suggestion> = Vec::new();
        let mut add = |line: String, help: String| all.push(Suggestion { line, help });
        for p in Pane::all() {
            add(
                p.name().to_string(),
                format!("{} pane", p.title().to_lowercase()),
            );
        }
        for s in crate::action::REGISTRY
            .iter()
            .filter(|s| !s.words.is_empty())
            .filter(|s| !(self.readonly && s.write))
        {
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
        let mut members: Vec<&str> = self
            .remotes
            .iter()
            .flat_map(|r| r.hosts.iter().filter(|h| h.clustered))
            .map(|h| h.name.as_str())
            .collect();
        members.sort_unstable();
        members.dedup();
        if !members.is_empty() {
            add("member all".into(), "every cluster member".into());
        }
        for m in members {
            add(
                format!("member {m}"),
                "only this member and the instances it runs".into(),
            );
            if !self.readonly {
                add(
                    format!("move {m}"),
                    "move the selected instance to this member".into(),
                );
            }
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
            .chain(std::iter::once(self.listing.home_project.clone()))
            .collect();
        projects.sort();
        projects.dedup();
        for p in projects {
            add(format!("project {p}"), "only this project".into());
        }
        for t in &self.view.themes {
            add(format!("theme {t}"), "switch theme".into());
        }
        for c in columns(self.pane) {
            add(
                format!("sort {}", c.name.to_ascii_lowercase()),
                format!("sort {} by this column", self.pane.title()),
            );
        }
        let input = self.palette().map(|p| p.input.trim()).unwrap_or("");
        best_first(all, input)
    }

    pub(crate) fn palette_key(&mut self, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        let k = self.read_key(self.keys(), &ev);
        let Some(mut p) = self.palette().cloned() else {
            return vec![];
        };
        match k {
            KeyIn::Action(Action::Cancel, _) => {
                self.close();
                return vec![];
            }
            KeyIn::Action(Action::Quit, _) => return vec![Effect::Quit],
            KeyIn::Action(Action::Down, _) => p.selected += 1,
            KeyIn::Action(Action::Up, _) => p.selected = p.selected.saturating_sub(1),
            KeyIn::Action(Action::Complete, _) => {
                let c = self.palette_candidates();
                if let Some(s) = c.get(p.selected.min(c.len().saturating_sub(1))) {
                    p.input = format!("{} ", s.line);
                    p.selected = 0;
                }
            }
            KeyIn::Action(Action::Submit, _) => {
                let typed = p.input.trim().to_string();
                let cands = self.palette_candidates();
                let chosen = if p.selected > 0 || parse_command(&typed).is_none() {
                    cands
                        .get(p.selected.min(cands.len().saturating_sub(1)))
                        .map(|c| c.line.clone())
                        .unwrap_or(typed)
                } else {
                    typed
                };
                self.close();
                return self.run_command(&chosen, now);
            }
            KeyIn::Action(a, _) if edit_line(&mut p.input, a, None) => p.selected = 0,
            KeyIn::Action(_, Some(c)) | KeyIn::Text(c) => {
                p.input.push(c);
                p.selected = 0;
            }
            _ => {}
        }
        if let Some(x) = self.palette_mut() {
            *x = p;
        }
        vec![]
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
        }
        vec![]
    }
}

/// A parsed palette command.
#[derive(Debug, Clone, PartialEq)]
pub enum PaletteCommand {
    Pane(Pane),
    Action(Action),
    Remote(Option<String>),
    Project(Option<String>),
    /// `member <name>|all`: one cluster member and what runs on it.
    Member(Option<String>),
    /// `move <member>`: the selected instance to that member.
    MoveTo(String),
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
        "member" | "members" | "m" => PaletteCommand::Member(arg(rest)),
        "move" | "migrate" if !rest.is_empty() => PaletteCommand::MoveTo(rest.to_string()),
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

/// The suggestions matching the input, best first (all of them, as they are, for no input).
fn best_first(all: Vec<Suggestion>, input: &str) -> Vec<Suggestion> {
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
