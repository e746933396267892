//! Alert sources (Alertmanager API v2, Prometheus `/api/v1/alerts`), their merged view, the join
//! of alerts with the Incus inventory, and the workers that poll them. Knows nothing of the UI.

pub use atlas_core::alerts::{model, types};

pub mod client;
pub mod join;
pub mod prometheus;
pub mod worker;

pub use client::{AlertmanagerClient, SourceError, SourceSpec};
pub use prometheus::PrometheusClient;
pub use types::{Alert, Matcher, Silence, SilenceRequest};
