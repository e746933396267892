//! atlas-core: the domain every layer shares. Decoding that keeps the good items of a list,
//! diagnostics with file and line, the alerts model. Nothing here talks to a server or draws.

pub mod activity;
pub mod alerts;
pub mod compact;
pub mod decode;
pub mod diagnostic;
pub mod inventory;
pub mod jobs;
pub mod liveness;
pub mod ops;
pub mod provider;
pub mod services;
pub mod survey;
pub mod text;
pub mod tolerant;
pub mod trend;
