//! Everything that talks to Incus: configuration discovery, TLS, the REST client and events.

pub mod activity;
pub mod cliconfig;
pub mod client;
pub mod convert;
pub mod error;
pub mod events;
pub mod jobs;
pub mod metrics;
pub mod operator;
pub mod ops;
pub mod plan;
pub mod provider;
pub mod tls;
pub mod types;

pub use cliconfig::{CliConfig, Endpoint, RemoteSpec};
pub use client::{IncusClient, IncusError, Scope};
pub use operator::IncusOperator;
