//! atlas-tui: a terminal operations console for Incus fleets.
//!
//! Layers: [`incus`] talks to servers and knows nothing of the UI; [`inventory`] holds domain
//! rows; [`backend`] runs per-remote workers that report through channels; [`app`] is the state
//! and its pure updates; [`ui`] renders state; [`tui`] owns the terminal.

pub use atlas_core::{decode, inventory};
pub use atlas_incus as incus;

pub mod action;
pub mod alerts;
pub mod app;
pub mod backend;
pub mod config;
pub mod headless;
pub mod headless_actions;
pub mod headless_services;
pub mod jobs;
pub mod logging;
pub mod pane;
pub mod remotes;
pub mod run;
pub mod services;
pub mod tui;
pub mod ui;
pub mod usecase;
