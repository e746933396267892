//! Alert sources: Alertmanager (API v2) and Prometheus (`/api/v1/alerts`) clients, and one
//! worker per source that polls it and writes silences. The model they fill is
//! [`atlas_core::alerts`]; nothing here knows of the inventory or the UI.

pub mod client;
pub mod prometheus;
pub mod worker;

pub use client::{AlertmanagerClient, SourceError, SourceSpec};
pub use prometheus::PrometheusClient;
