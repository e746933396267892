//! Serde types of Alertmanager's API v2 (checked against Alertmanager 0.25).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An alert from `GET /api/v2/alerts`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
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
    pub fn parse(s: &str) -> Result<Self, String> {
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
            .ok_or_else(|| {
                format!("{s:?}: expected name=value, name!=value, name=~re or name!~re")
            })?;
        let name = s[..pos].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("{s:?}: bad label name {name:?}"));
        }
        let raw = s[pos + op.len()..].trim();
        let value = if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
            raw[1..raw.len() - 1].replace("\\\"", "\"")
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
}
