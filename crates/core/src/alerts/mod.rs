//! The alerts model: Alertmanager and Prometheus alerts and silences, merged across sources.

pub mod history;
pub mod join;
pub mod model;
pub mod types;

pub use types::{Alert, Matcher, Silence, SilenceRequest};

/// A label map from pairs (the alerts modules' tests).
#[cfg(test)]
pub(crate) fn test_labels(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
