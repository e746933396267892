//! Application state: what the console shows and how keys and backend updates change it.

pub mod actions;
pub mod alerts;
pub mod detail;
pub mod editor;
pub mod jobs;
pub mod keys;
pub mod line;
pub mod palette;
pub mod rows;
pub mod services;
pub mod state;
pub mod update;

pub use rows::Pane;
pub use state::{AppState, Effect, InputMode, RemoteView};
