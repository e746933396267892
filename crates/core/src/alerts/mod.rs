//! The alerts model: Alertmanager and Prometheus alerts and silences, merged across sources.

pub mod history;
pub mod join;
pub mod model;
pub mod types;

pub use types::{Alert, Matcher, Silence, SilenceRequest};
