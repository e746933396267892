//! Alert sources and their model, as the console uses them: the model and the join with the
//! inventory from [`atlas_core::alerts`], the clients and workers from [`atlas_alerts`].

pub mod runbooks;

pub use atlas_alerts::{client, prometheus, worker};
pub use atlas_core::alerts::{history, join, model, types};

pub use client::{AlertmanagerClient, SourceError, SourceSpec};
pub use prometheus::PrometheusClient;
pub use types::{Alert, Matcher, Silence, SilenceRequest};
