//! Alertmanager (API v2): the client and its types. Knows nothing of the UI.
//!
//! This is the data layer of the alerts capability; the pane, the join with the inventory and
//! the silence form build on it.

pub mod client;
pub mod types;

pub use client::{AlertmanagerClient, AlertmanagerError, AlertmanagerSpec};
pub use types::{Alert, Matcher, Silence, SilenceRequest};
