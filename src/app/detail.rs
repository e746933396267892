//! The text of the detail view: a YAML-like rendering of the selected object, built from state.

use chrono::{DateTime, Utc};

use super::rows::Pane;
use super::state::{AppState, DetailState, DetailTab, LogState};

/// The title and lines of the detail view.
pub fn detail_text(state: &AppState, d: &DetailState, now: DateTime<Utc>) -> (String, Vec<String>) {
    if d.tab == DetailTab::Log {
        let title = format!("console log: {}", d.key);
        let lines = match state.consoles.logs.get(&d.key.to_string()) {
            None | Some(LogState::Loading) => vec!["loading console log…".to_string()],
            Some(LogState::Failed(e)) => vec![format!("error: {e}")],
            Some(LogState::Loaded(t)) if t.trim().is_empty() => {
                vec!["(the console log is empty)".to_string()]
            }
            Some(LogState::Loaded(t)) => t.lines().map(|l| l.replace('\r', "")).collect(),
        };
        return (title, lines);
    }
    let mut out = Vec::new();
    let key = d.key.to_string();
    let found = super::panes::detail(state, d.pane, &d.key, now, &mut out);
    if found && matches!(d.pane, Pane::Instances | Pane::Hosts | Pane::Volumes) {
        super::panes::lines::object_alerts(state, &key, now, &mut out);
    }
    if !found {
        out = vec![format!(
            "{} is gone (deleted, or its remote no longer lists it)",
            d.key
        )];
    }
    (
        format!(
            "{}: {}",
            d.pane.title().trim_end_matches('s').to_ascii_lowercase(),
            d.key
        ),
        out,
    )
}
