//! Alert sources, grouping, the alert filter and the silence form as the state holds them.

pub use crate::usecase::settings::default_author;

use crate::alerts::model::{SourceData, SourceKind};
use crate::alerts::types::{Matcher, SilenceRequest, compile_all, parse_duration, parse_matchers};
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

/// The fields of the silence form, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Matchers,
    Duration,
    Author,
    Comment,
}

impl FormField {
    pub const ALL: [FormField; 4] = [
        FormField::Matchers,
        FormField::Duration,
        FormField::Author,
        FormField::Comment,
    ];
}

/// The silence form (new silence, or extending one).
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceForm {
    pub matchers: String,
    pub duration: String,
    pub author: String,
    pub comment: String,
    pub field: FormField,
    /// Alertmanagers the silence is written to.
    pub targets: Vec<String>,
    /// Writable Alertmanagers left out because they are read-only.
    pub skipped_readonly: Vec<String>,
    /// Extending this silence (id, current end).
    pub extend: Option<(String, DateTime<Utc>)>,
    pub error: Option<String>,
    pub preset: usize,
}

impl SilenceForm {
    pub fn value(&self, f: FormField) -> &str {
        match f {
            FormField::Matchers => &self.matchers,
            FormField::Duration => &self.duration,
            FormField::Author => &self.author,
            FormField::Comment => &self.comment,
        }
    }

    pub(crate) fn value_mut(&mut self, f: FormField) -> &mut String {
        match f {
            FormField::Matchers => &mut self.matchers,
            FormField::Duration => &mut self.duration,
            FormField::Author => &mut self.author,
            FormField::Comment => &mut self.comment,
        }
    }

    /// The matchers as typed, or why they are wrong.
    pub fn parsed_matchers(&self) -> Result<Vec<Matcher>, String> {
        let ms = parse_matchers(&self.matchers).map_err(|e| e.to_string())?;
        if ms.is_empty() {
            return Err("at least one matcher is needed".into());
        }
        compile_all(&ms).map_err(|e| e.to_string())?;
        if ms.iter().all(|m| {
            let c = crate::alerts::types::CompiledMatcher::new(m.clone());
            c.is_ok_and(|c| c.matches(&Default::default()))
        }) {
            return Err(
                "these matchers would also match an empty label set: add one that selects".into(),
            );
        }
        Ok(ms)
    }

    /// The request to send, or the first problem (with the field it is in).
    pub fn request(&self, now: DateTime<Utc>) -> Result<SilenceRequest, (FormField, String)> {
        let matchers = self
            .parsed_matchers()
            .map_err(|e| (FormField::Matchers, e))?;
        let d = parse_duration(&self.duration).map_err(|e| (FormField::Duration, e.to_string()))?;
        if self.author.trim().is_empty() {
            return Err((FormField::Author, "author is required".into()));
        }
        if self.comment.trim().is_empty() {
            return Err((FormField::Comment, "a comment is required: say why".into()));
        }
        let (id, starts_at, ends_at) = match &self.extend {
            Some((id, end)) => (Some(id.clone()), now, (*end).max(now) + d),
            None => (None, now, now + d),
        };
        Ok(SilenceRequest {
            id,
            matchers,
            starts_at,
            ends_at,
            created_by: self.author.trim().to_string(),
            comment: self.comment.trim().to_string(),
        })
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
