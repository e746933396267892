//! atlas-pve: the Proxmox VE provider. The API client (API tokens or tickets, a pinned or
//! CA-checked certificate), a polling worker per remote (PVE has no event stream), jobs as PVE
//! tasks followed by UPID, and the `qm`/`pct` lines for the journal. Tested against `fakepve`,
//! a simulator of the PVE 9 API, not a real cluster.

pub mod client;
pub mod convert;
pub mod error;
pub mod jobs;
pub mod operator;
pub mod provider;
pub mod spec;
pub mod types;

pub use client::PveClient;
pub use error::PveError;
pub use operator::PveOperator;
pub use spec::{Auth, PveSpec, Trust};
