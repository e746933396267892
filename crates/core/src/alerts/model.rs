//! The merged view of every alert source: alerts deduplicated by fingerprint, each with the
//! state every source reports for it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::types::{Alert, CompiledMatcher, Silence, all_match, compile_all};

/// What kind of source an alert came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Alertmanager,
    Prometheus,
}

/// What one source last said: its alerts and (Alertmanager) silences.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceData {
    pub alerts: Vec<Alert>,
    pub silences: Vec<Silence>,
}

/// Severity, ordered from least to most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    None,
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn parse(s: &str) -> Severity {
        match s.to_ascii_lowercase().as_str() {
            "critical" | "crit" | "page" | "error" | "high" | "disaster" => Severity::Critical,
            "warning" | "warn" | "major" | "minor" | "medium" => Severity::Warning,
            "" => Severity::None,
            _ => Severity::Info,
        }
    }

    /// Short label for badges.
    pub fn short(self) -> &'static str {
        match self {
            Severity::Critical => "crit",
            Severity::Warning => "warn",
            Severity::Info => "info",
            Severity::None => "none",
        }
    }

    /// Semantic theme style.
    pub fn style(self) -> &'static str {
        match self {
            Severity::Critical => "alert.critical",
            Severity::Warning => "alert.warning",
            Severity::Info | Severity::None => "alert.info",
        }
    }
}

/// How an alert stands, over all sources that know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertState {
    /// Firing and not silenced anywhere.
    Active,
    /// Firing in Prometheus, not (yet) in any Alertmanager.
    Firing,
    /// Prometheus: the condition holds, `for:` has not elapsed.
    Pending,
    Inhibited,
    Silenced,
}

impl AlertState {
    pub fn label(self) -> &'static str {
        match self {
            AlertState::Active => "active",
            AlertState::Firing => "firing",
            AlertState::Pending => "pending",
            AlertState::Inhibited => "inhibited",
            AlertState::Silenced => "silenced",
        }
    }

    /// Whether it counts as firing for badges (silenced and inhibited alerts are noise, pending
    /// ones are not firing yet).
    pub fn is_firing(self) -> bool {
        matches!(self, AlertState::Active | AlertState::Firing)
    }
}

/// One source's view of an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceView {
    pub source: String,
    pub kind: SourceKind,
    /// The raw state: `active`, `suppressed`, `unprocessed`, `pending`, `firing`.
    pub state: String,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

/// An alert as the console shows it: deduplicated over sources.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedAlert {
    pub fingerprint: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub generator_url: String,
    pub sources: Vec<SourceView>,
}

impl MergedAlert {
    pub fn name(&self) -> &str {
        self.labels
            .get("alertname")
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn severity(&self) -> Severity {
        Severity::parse(
            self.labels
                .get("severity")
                .map(String::as_str)
                .unwrap_or(""),
        )
    }

    pub fn summary(&self) -> &str {
        super::types::summary_of(&self.annotations)
    }

    /// The combined state: active if any Alertmanager delivers it; otherwise silenced or
    /// inhibited if an Alertmanager suppresses it; otherwise what Prometheus says.
    pub fn state(&self) -> AlertState {
        let am = || {
            self.sources
                .iter()
                .filter(|s| s.kind == SourceKind::Alertmanager)
        };
        if am().any(|s| s.state == "active" || s.state == "unprocessed") {
            return AlertState::Active;
        }
        if am().any(|s| !s.silenced_by.is_empty()) {
            return AlertState::Silenced;
        }
        if am().any(|s| !s.inhibited_by.is_empty()) {
            return AlertState::Inhibited;
        }
        if am().next().is_some() {
            return AlertState::Silenced;
        }
        if self.sources.iter().any(|s| s.state == "firing") {
            AlertState::Firing
        } else {
            AlertState::Pending
        }
    }

    /// Silence ids that silence it, over all sources.
    pub fn silenced_by(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .sources
            .iter()
            .flat_map(|s| s.silenced_by.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Alert fingerprints that inhibit it, over all sources.
    pub fn inhibited_by(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .sources
            .iter()
            .flat_map(|s| s.inhibited_by.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Names of the sources that report it.
    pub fn source_names(&self) -> Vec<&str> {
        self.sources.iter().map(|s| s.source.as_str()).collect()
    }
}

/// Merges what every source said into one list, deduplicated by fingerprint, in source order.
pub fn merge<'a>(
    sources: impl IntoIterator<Item = (&'a str, SourceKind, &'a SourceData)>,
) -> Vec<MergedAlert> {
    let mut out: Vec<MergedAlert> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (name, kind, data) in sources {
        for a in &data.alerts {
            let view = SourceView {
                source: name.to_string(),
                kind,
                state: a.status.state.clone(),
                silenced_by: a.status.silenced_by.clone(),
                inhibited_by: a.status.inhibited_by.clone(),
            };
            let fp = if a.fingerprint.is_empty() {
                super::types::fingerprint(&a.labels)
            } else {
                a.fingerprint.clone()
            };
            match index.get(&fp) {
                Some(i) => {
                    let m = &mut out[*i];
                    m.sources.push(view);
                    // The earliest start and the annotations of an Alertmanager win.
                    if let (Some(a0), Some(b0)) = (m.starts_at, a.starts_at) {
                        m.starts_at = Some(a0.min(b0));
                    }
                    if kind == SourceKind::Alertmanager && m.generator_url.is_empty() {
                        m.generator_url = a.generator_url.clone();
                    }
                }
                None => {
                    index.insert(fp.clone(), out.len());
                    out.push(MergedAlert {
                        fingerprint: fp,
                        labels: a.labels.clone(),
                        annotations: a.annotations.clone(),
                        starts_at: a.starts_at,
                        generator_url: a.generator_url.clone(),
                        sources: vec![view],
                    });
                }
            }
        }
    }
    out
}

/// A silence with the source it lives in.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedSilence {
    pub source: String,
    pub silence: Silence,
}

impl SourcedSilence {
    /// Compiled matchers (a silence whose regex does not compile matches nothing).
    pub fn compiled(&self) -> Option<Vec<CompiledMatcher>> {
        compile_all(&self.silence.matchers).ok()
    }

    /// Whether it selects this label set.
    pub fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        self.compiled().is_some_and(|ms| all_match(&ms, labels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::types::AlertStatus;

    fn alert(name: &str, state: &str, silenced: &[&str]) -> Alert {
        let labels: BTreeMap<String, String> = [("alertname", name), ("severity", "warning")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Alert {
            fingerprint: super::super::types::fingerprint(&labels),
            labels,
            annotations: BTreeMap::new(),
            starts_at: None,
            ends_at: None,
            updated_at: None,
            generator_url: String::new(),
            status: AlertStatus {
                state: state.into(),
                silenced_by: silenced.iter().map(|s| s.to_string()).collect(),
                inhibited_by: vec![],
            },
        }
    }

    fn data(alerts: Vec<Alert>) -> SourceData {
        SourceData {
            alerts,
            silences: vec![],
        }
    }

    #[test]
    fn dedups_by_fingerprint_and_combines_states() {
        let a = data(vec![
            alert("A", "suppressed", &["s1"]),
            alert("B", "active", &[]),
        ]);
        let b = data(vec![alert("A", "active", &[])]);
        let p = data(vec![alert("A", "firing", &[]), alert("C", "pending", &[])]);
        let m = merge([
            ("am1", SourceKind::Alertmanager, &a),
            ("am2", SourceKind::Alertmanager, &b),
            ("prom", SourceKind::Prometheus, &p),
        ]);
        assert_eq!(m.len(), 3);
        let a = m.iter().find(|x| x.name() == "A").unwrap();
        assert_eq!(a.source_names(), ["am1", "am2", "prom"]);
        // Delivered by am2: active, although am1 silences it.
        assert_eq!(a.state(), AlertState::Active);
        assert_eq!(a.silenced_by(), ["s1"]);
        let c = m.iter().find(|x| x.name() == "C").unwrap();
        assert_eq!(c.state(), AlertState::Pending);
        let only_silenced = merge([(
            "am1",
            SourceKind::Alertmanager,
            &data(vec![alert("A", "suppressed", &["s1"])]),
        )]);
        assert_eq!(only_silenced[0].state(), AlertState::Silenced);
    }

    #[test]
    fn severities_order() {
        assert!(Severity::parse("critical") > Severity::parse("warning"));
        assert!(Severity::parse("warning") > Severity::parse("info"));
        assert_eq!(Severity::parse("page"), Severity::Critical);
    }
}
