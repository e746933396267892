//! Alert sources, grouping and the alert filter as the state holds them.

pub use crate::usecase::settings::default_author;

use crate::alerts::model::{SourceData, SourceKind};
use crate::alerts::types::Matcher;
use chrono::{DateTime, Utc};

/// How an alert source is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceStatus {
    Loading,
    Up,
    Down(String),
}

/// An alert source as the UI knows it.
#[derive(Debug, Clone)]
pub struct AlertSourceView {
    pub name: String,
    pub kind: SourceKind,
    pub url: String,
    pub readonly: bool,
    /// Remotes its alerts are preferably about (config `remotes`).
    pub remotes: Vec<String>,
    pub status: SourceStatus,
    pub last_ok: Option<DateTime<Utc>>,
    /// The last good answer (kept while the source is down).
    pub data: Option<SourceData>,
    /// When its poller last had an answer, and until when that holds.
    pub live: crate::liveness::Liveness,
    /// Not heard from within its deadline: what it said is stale.
    pub silent: bool,
}

impl AlertSourceView {
    pub fn new(name: &str, kind: SourceKind, url: &str, readonly: bool) -> Self {
        Self {
            name: name.into(),
            kind,
            url: url.into(),
            readonly,
            remotes: vec![],
            status: SourceStatus::Loading,
            last_ok: None,
            data: None,
            live: Default::default(),
            silent: false,
        }
    }
}

/// How the alerts pane groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    #[default]
    None,
    AlertName,
    Object,
}

impl Grouping {
    pub fn label(self) -> &'static str {
        match self {
            Grouping::None => "none",
            Grouping::AlertName => "alertname",
            Grouping::Object => "object",
        }
    }
}

/// Splits an alerts-pane filter into label matchers (`severity=critical`), object keys
/// (`@local/default/grafana01`) and the rest (fuzzy words).
pub fn split_alert_filter(filter: &str) -> (Vec<Matcher>, Vec<String>, String) {
    let mut matchers = Vec::new();
    let mut objects = Vec::new();
    let mut rest = Vec::new();
    for word in filter.split_whitespace() {
        if let Some(k) = word.strip_prefix('@') {
            objects.push(k.to_string());
        } else if word.contains('=') && !word.starts_with('!') {
            match Matcher::parse(word) {
                Ok(m) => matchers.push(m),
                Err(_) => rest.push(word),
            }
        } else {
            rest.push(word);
        }
    }
    (matchers, objects, rest.join(" "))
}

/// An alert's history covers the last day…
pub const HISTORY_WINDOW_SECS: i64 = 24 * 3600;
/// …in minutes: how long it fired is told to the minute (a quarter-hour step called an alert
/// active 19 minutes "fired 30m"); one Prometheus series of 1440 points is a small answer.
pub const HISTORY_BUCKETS: usize = 1440;
/// The strip drawn of it has one mark per half hour.
pub const HISTORY_MARKS: usize = 48;

/// What was last known of an alert seen firing.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The object's key where it was joined to one, else its `instance`/`node` label.
    pub target: String,
    /// `HighCPU (warning): …`.
    pub text: String,
    /// When it started firing, as its source says.
    pub since: Option<DateTime<Utc>>,
    /// The alert itself, to join it again when it resolves.
    pub alert: crate::alerts::model::MergedAlert,
}
