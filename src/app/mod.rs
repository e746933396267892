//! Application state: what the console shows and how keys and backend updates change it.

pub mod actions;
pub mod alerts;
pub mod detail;
pub mod editor;
pub mod jobs;
pub mod rows;
pub mod services;
pub mod state;

pub use rows::Pane;
pub use state::{AppState, Effect, InputMode, RemoteView};
