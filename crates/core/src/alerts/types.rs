//! Serde types of Alertmanager's API v2 (checked against Alertmanager 0.25).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A matcher or matcher line that does not parse, or a regex that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    #[error("{0:?}: expected name=value, name!=value, name=~re or name!~re")]
    NoOperator(String),
    #[error("{text:?}: bad label name {name:?}")]
    BadName { text: String, name: String },
    #[error("{name}: bad regex: {error}")]
    BadRegex { name: String, error: String },
    #[error("unterminated quote")]
    UnterminatedQuote,
}

/// A duration (`90m`, `1h30m`) that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration")]
    Empty,
    #[error("{text:?}: expected a number before {unit:?}")]
    NoNumber { text: String, unit: char },
    #[error("{text:?}: unknown unit {unit:?} (s, m, h, d, w, y)")]
    UnknownUnit { text: String, unit: char },
    #[error("{text:?}: missing unit after {number} (s, m, h, d, w)")]
    NoUnit { text: String, number: String },
    #[error("{0:?}: must be longer than zero")]
    NotPositive(String),
    #[error("{0:?}: too long")]
    TooLong(String),
}

/// An alert from `GET /api/v2/alerts`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub fingerprint: String,
    #[serde(rename = "generatorURL", default)]
    pub generator_url: String,
    #[serde(default)]
    pub status: AlertStatus,
}

impl Alert {
    /// The annotation `summary` (or `description`, or `message`), for one-line display.
    pub fn summary(&self) -> &str {
        summary_of(&self.annotations)
    }

    pub fn name(&self) -> &str {
        self.labels
            .get("alertname")
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn severity(&self) -> &str {
        self.labels
            .get("severity")
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// The annotation that says what an alert is about in one line: `summary`, `description` or
/// `message`.
pub fn summary_of(annotations: &BTreeMap<String, String>) -> &str {
    ["summary", "description", "message"]
        .iter()
        .find_map(|k| annotations.get(*k))
        .map(String::as_str)
        .unwrap_or("")
}

/// `status` of an alert: `active`, `suppressed` (silenced or inhibited) or `unprocessed`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub silenced_by: Vec<String>,
    #[serde(default)]
    pub inhibited_by: Vec<String>,
}

/// A label matcher as Alertmanager stores it (`=`, `!=`, `=~`, `!~`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    /// Parses `name=value`, `name!=value`, `name=~regex`, `name!~regex` (value may be quoted), as
    /// amtool writes them.
    pub fn parse(s: &str) -> Result<Self, MatcherError> {
        let s = s.trim();
        let ops = [
            ("!~", true, false),
            ("=~", true, true),
            ("!=", false, false),
            ("=", false, true),
        ];
        let (pos, op, is_regex, is_equal) = ops
            .iter()
            .filter_map(|(op, r, e)| s.find(op).map(|p| (p, *op, *r, *e)))
            .min_by_key(|(p, op, _, _)| (*p, usize::MAX - op.len()))
            .ok_or_else(|| MatcherError::NoOperator(s.to_string()))?;
        let name = s[..pos].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(MatcherError::BadName {
                text: s.to_string(),
                name: name.to_string(),
            });
        }
        let raw = s[pos + op.len()..].trim();
        if raw.starts_with('"') && (raw.len() < 2 || !raw.ends_with('"')) {
            return Err(MatcherError::UnterminatedQuote);
        }
        let value = if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
            unquote(&raw[1..raw.len() - 1])
        } else {
            raw.to_string()
        };
        Ok(Matcher {
            name: name.to_string(),
            value,
            is_regex,
            is_equal,
        })
    }
}

/// Undoes the quoting `Display` applies (`\\` → `\`, `\"` → `"`, `\n`), as amtool does.
fn unquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes regex metacharacters (but not `-`, which needs none outside a class).
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match (self.is_regex, self.is_equal) {
            (false, true) => "=",
            (false, false) => "!=",
            (true, true) => "=~",
            (true, false) => "!~",
        };
        write!(f, "{}{op}{:?}", self.name, self.value)
    }
}

/// A [`Matcher`] ready to test label sets, with its regex compiled (anchored, as Alertmanager
/// anchors it).
#[derive(Debug, Clone)]
pub struct CompiledMatcher {
    pub matcher: Matcher,
    re: Option<regex::Regex>,
}

impl CompiledMatcher {
    pub fn new(matcher: Matcher) -> Result<Self, MatcherError> {
        let re = if matcher.is_regex {
            Some(
                regex::Regex::new(&format!("^(?:{})$", matcher.value)).map_err(|e| {
                    MatcherError::BadRegex {
                        name: matcher.name.clone(),
                        error: e.to_string(),
                    }
                })?,
            )
        } else {
            None
        };
        Ok(Self { matcher, re })
    }

    /// Whether a label set matches; a missing label counts as the empty string.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels
            .get(&self.matcher.name)
            .map(String::as_str)
            .unwrap_or("");
        let hit = match &self.re {
            Some(re) => re.is_match(v),
            None => v == self.matcher.value,
        };
        hit == self.matcher.is_equal
    }
}

/// Compiles matchers; all must match for a label set to be selected.
pub fn compile_all(ms: &[Matcher]) -> Result<Vec<CompiledMatcher>, MatcherError> {
    ms.iter().cloned().map(CompiledMatcher::new).collect()
}

/// Whether every matcher matches.
pub fn all_match(ms: &[CompiledMatcher], labels: &BTreeMap<String, String>) -> bool {
    ms.iter().all(|m| m.matches(labels))
}

/// Splits a matcher line (`alertname="X" instance=~"graf.*"`, commas or spaces between, braces
/// allowed) into matchers.
pub fn parse_matchers(line: &str) -> Result<Vec<Matcher>, MatcherError> {
    let line = line.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' | ' ' | '\t' if !quoted => {
                if !cur.trim().is_empty() {
                    out.push(Matcher::parse(&cur)?);
                }
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if quoted {
        return Err(MatcherError::UnterminatedQuote);
    }
    if !cur.trim().is_empty() {
        out.push(Matcher::parse(&cur)?);
    }
    Ok(out)
}

/// Alertmanager's fingerprint of a label set (FNV-1a 64 over sorted `name 0xff value 0xff`),
/// so Prometheus alerts can be matched with what Alertmanager already has.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 14695981039346656037;
    const PRIME: u64 = 1099511628211;
    let mut h = OFFSET;
    let mut add = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for (k, v) in labels {
        add(k.as_bytes());
        add(&[0xff]);
        add(v.as_bytes());
        add(&[0xff]);
    }
    format!("{h:016x}")
}

/// Parses a duration like `90m`, `2h`, `1d`, `1w`, `1h30m` (Alertmanager/amtool units).
pub fn parse_duration(s: &str) -> Result<chrono::Duration, DurationError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut total = 0i64;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().map_err(|_| DurationError::NoNumber {
            text: t.to_string(),
            unit: c,
        })?;
        num.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            'y' => 365 * 86400,
            _ => {
                return Err(DurationError::UnknownUnit {
                    text: t.to_string(),
                    unit: c,
                });
            }
        };
        total = total
            .checked_add(
                n.checked_mul(unit)
                    .ok_or_else(|| DurationError::TooLong(t.to_string()))?,
            )
            .ok_or_else(|| DurationError::TooLong(t.to_string()))?;
    }
    if !num.is_empty() {
        return Err(DurationError::NoUnit {
            text: t.to_string(),
            number: num,
        });
    }
    if total <= 0 {
        return Err(DurationError::NotPositive(t.to_string()));
    }
    if total > 100 * 365 * 86400 {
        return Err(DurationError::TooLong(t.to_string()));
    }
    Ok(chrono::Duration::seconds(total))
}

/// A silence from `GET /api/v2/silences`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    pub id: String,
    #[serde(default)]
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub status: SilenceStatus,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
pub struct SilenceStatus {
    /// `active`, `pending` or `expired`.
    #[serde(default)]
    pub state: String,
}

/// The body of `POST /api/v2/silences` (with `id` it updates that silence).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SilenceRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::test_labels as labels;

    #[test]
    fn parses_matchers_like_amtool() {
        let m = Matcher::parse("severity=critical").unwrap();
        assert_eq!(
            (m.name.as_str(), m.value.as_str(), m.is_regex, m.is_equal),
            ("severity", "critical", false, true)
        );
        let m = Matcher::parse(r#"instance=~"graf.*""#).unwrap();
        assert_eq!(
            (m.value.as_str(), m.is_regex, m.is_equal),
            ("graf.*", true, true)
        );
        let m = Matcher::parse("job!=node").unwrap();
        assert!(!m.is_regex && !m.is_equal);
        let m = Matcher::parse("job!~\"n.*\"").unwrap();
        assert!(m.is_regex && !m.is_equal);
        assert_eq!(m.to_string(), "job!~\"n.*\"");
        assert!(Matcher::parse("novalue").is_err());
        assert!(Matcher::parse("=x").is_err());
        assert!(Matcher::parse("bad name=x").is_err());
    }

    #[test]
    fn matchers_select_like_alertmanager() {
        let l = labels(&[
            ("alertname", "HighMemoryUsage"),
            ("instance", "grafana01.incus:9100"),
        ]);
        let ms = compile_all(
            &parse_matchers(r#"alertname="HighMemoryUsage", instance=~"graf.*""#).unwrap(),
        )
        .unwrap();
        assert!(all_match(&ms, &l));
        // Regexes are anchored.
        let ms = compile_all(&parse_matchers("instance=~graf").unwrap()).unwrap();
        assert!(!all_match(&ms, &l));
        // A missing label is the empty string.
        let ms = compile_all(&parse_matchers("team!=ops job=\"\"").unwrap()).unwrap();
        assert!(all_match(&ms, &l));
        let ms = compile_all(&parse_matchers("{alertname!~\"High.*\"}").unwrap()).unwrap();
        assert!(!all_match(&ms, &l));
        assert!(parse_matchers("a=\"unterminated").is_err());
        assert!(compile_all(&parse_matchers("a=~\"(\"").unwrap()).is_err());
        // What Display writes, parse reads back.
        let m = Matcher {
            name: "instance".into(),
            value: r#"a\.b"c"#.into(),
            is_regex: true,
            is_equal: true,
        };
        assert_eq!(parse_matchers(&m.to_string()).unwrap(), [m]);
        assert_eq!(regex_escape("step-ca01.incus"), r"step-ca01\.incus");
        let ms = parse_matchers(r#"summary="two words" x=1"#).unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].value, "two words");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2h").unwrap().num_seconds(), 7200);
        assert_eq!(parse_duration("1h30m").unwrap().num_seconds(), 5400);
        assert_eq!(parse_duration(" 1w ").unwrap().num_days(), 7);
        for bad in ["", "2", "h", "2x", "0m", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fingerprint_is_alertmanagers() {
        // Known value: Alertmanager gives this label set the fingerprint below (checked against
        // the real daemon in tests/alertmanager_live.rs as well).
        assert_eq!(fingerprint(&BTreeMap::new()), "cbf29ce484222325");
        let a = fingerprint(&labels(&[("alertname", "A"), ("x", "1")]));
        let b = fingerprint(&labels(&[("x", "1"), ("alertname", "A")]));
        assert_eq!(a, b);
        assert_ne!(a, fingerprint(&labels(&[("alertname", "A"), ("x", "2")])));
    }
}
