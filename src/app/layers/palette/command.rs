//! The palette's command lines: an action's palette word (from the registry), a pane's name
//! or alias, or a command with an argument.

use crate::action::Action;
use crate::app::alert_view::Grouping;
use crate::pane::Pane;

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
    /// `export csv|json|md [file]`: the pane as shown.
    Export(crate::export::Format, Option<String>),
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
        "export" if !rest.is_empty() => {
            let (format, file) = match rest.split_once(char::is_whitespace) {
                Some((f, file)) => (f, Some(file.trim().to_string())),
                None => (rest, None),
            };
            PaletteCommand::Export(crate::export::Format::parse(format)?, file)
        }
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
