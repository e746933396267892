//! What the palette offers, best matches for what is typed first: the registry's actions,
//! then what depends on the state (services, commands, remotes, projects, themes, columns).

use crate::app::panes::columns;
use crate::app::state::AppState;
use crate::pane::Pane;

/// Commands the palette offers, best matches for the current input first: the registry's
/// actions, then what depends on the state (services, commands, remotes, projects, themes,
/// columns).
pub fn suggestions(state: &AppState, input: &str) -> Vec<Suggestion> {
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
        .filter(|s| !(state.readonly && s.write))
    {
        add(s.words[0].to_string(), s.help.to_string());
    }
    fixed(&mut add);
    commands(state, &mut add);
    if let Some(s) = &state.services.survey {
        for l in &s.loaded {
            add(format!("edit {}", l.name()), "edit this definition".into());
            add(
                format!("preview {}", l.name()),
                "its rendered cloud-init".into(),
            );
            if !state.readonly {
                add(format!("plan {}", l.name()), "plan, then apply it".into());
            }
        }
    }
    add("remote all".into(), "show every remote".into());
    for r in &state.remotes {
        add(
            format!("remote {}", r.name),
            format!("show only {}", r.endpoint),
        );
    }
    let mut members: Vec<&str> = state
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
        if !state.readonly {
            add(
                format!("move {m}"),
                "move the selected instance to this member".into(),
            );
        }
    }
    add("project all".into(), "all projects".into());
    let mut projects: Vec<String> = state
        .remotes
        .iter()
        .flat_map(|r| r.projects.iter().cloned())
        .chain(
            state
                .remotes
                .iter()
                .flat_map(|r| r.instances.iter().map(|i| i.inst.project.clone())),
        )
        .chain(std::iter::once(state.listing.home_project.clone()))
        .collect();
    projects.sort();
    projects.dedup();
    for p in projects {
        add(format!("project {p}"), "only this project".into());
    }
    for t in &state.view.themes {
        add(format!("theme {t}"), "switch theme".into());
    }
    for c in columns(state.pane) {
        add(
            format!("sort {}", c.name.to_ascii_lowercase()),
            format!("sort {} by this column", state.pane.title()),
        );
    }
    // The palette's history first, most recent first.
    let recent: Vec<&String> = state.view.palette_history.iter().rev().collect();
    let mut ordered: Vec<Suggestion> = recent
        .iter()
        .map(|line| Suggestion {
            line: (*line).clone(),
            help: all
                .iter()
                .find(|s| s.line == **line)
                .map(|s| format!("recent · {}", s.help))
                .unwrap_or_else(|| "recent".into()),
        })
        .collect();
    ordered.extend(all.into_iter().filter(|s| !recent.contains(&&s.line)));
    best_first(ordered, input.trim())
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

/// What the palette always offers beyond the registry: exports and groupings.
fn fixed(add: &mut impl FnMut(String, String)) {
    for (f, what) in [("csv", "CSV"), ("json", "JSON"), ("md", "a Markdown table")] {
        add(
            format!("export {f}"),
            format!("the pane as shown, every column, as {what} (a file name may follow)"),
        );
    }
    for (g, h) in [
        ("group alertname", "group the alerts by alert name"),
        ("group object", "group the alerts by object"),
        ("group none", "do not group the alerts"),
    ] {
        add(g.into(), h.into());
    }
}

/// The configured commands (`run <name>`).
fn commands(state: &AppState, add: &mut impl FnMut(String, String)) {
    // Those that change things are left out in read-only mode.
    for c in state
        .services
        .commands
        .iter()
        .filter(|c| !(state.readonly && c.dangerous))
    {
        add(
            format!("run {}", c.name),
            format!(
                "{} ([[commands]]{})",
                c.label.as_deref().unwrap_or("a configured command"),
                c.key
                    .as_deref()
                    .map(|k| format!(", key {k}"))
                    .unwrap_or_default()
            ),
        );
    }
}
