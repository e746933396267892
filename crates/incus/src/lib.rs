//! Everything that talks to Incus: configuration discovery, TLS, the REST client and events.

pub mod cliconfig;
pub mod client;
pub mod convert;
pub mod error;
pub mod events;
pub mod metrics;
pub mod ops;
pub mod provider;
pub mod tls;
pub mod types;

pub use cliconfig::{CliConfig, Endpoint, RemoteSpec};
pub use client::{IncusClient, IncusError, Scope};
