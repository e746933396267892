//! The state machine: what the console shows and how keys and updates change it, in layers —
//! the types the state holds, the state, the views derived from it, and the behaviour on top
//! (see `ARCHITECTURE.md`).

pub mod action_forms;
pub mod actions;
mod activity;
pub mod activity_view;
pub mod alert_view;
pub mod alerts;
pub mod bulk;
pub mod cells;
pub mod cluster;
pub mod commands;
mod copy;
pub mod effect;
pub mod export;
pub mod job_view;
pub mod jobs;
pub mod keys;
pub mod layers;
pub mod line;
pub mod liveness;
pub mod maintenance;
pub mod marks;
pub mod memo;
pub mod palette;
pub mod panes;
pub mod quit;
mod read_seen;
mod remote_update;
mod router;
pub mod rows;
pub mod services;
pub mod services_view;
pub mod state;
pub mod timeline;
pub mod timeline_view;
pub mod trends;
pub mod update;
pub mod usage;

pub use rows::Pane;
pub use state::{AppState, Effect, InputMode, RemoteView};
