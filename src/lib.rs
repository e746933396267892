//! atlas-tui: a terminal operations console for Incus fleets (and, behind the same provider seam,
//! other backends).
//!
//! Below this crate: `atlas-core` (the neutral inventory, the provider contract, jobs, service
//! definitions and plans, the alerts model), `atlas-incus` (the Incus provider) and
//! `atlas-alerts` (the alert sources). Here, bottom up: [`action`] and [`pane`] (the
//! registries), [`jobs`] (a job run and the journal), [`config`], [`backend`] (the update channel
//! and the choice of provider), [`usecase`] (shared with the headless commands), [`app`] (the
//! state machine, no I/O), [`ui`] (rendering), the headless commands and [`run`] (the loop). See
//! `ARCHITECTURE.md`.

pub use atlas_core::{activity, decode, inventory, liveness, services, survey, trend};
pub use atlas_incus as incus;

pub mod action;
pub mod alerts;
pub mod app;
pub mod backend;
pub mod config;
pub mod docs;
pub mod export;
pub mod files;
pub mod headless;
pub mod headless_actions;
pub mod headless_batch;
pub mod headless_services;
pub mod headless_timeline;
pub mod info;
pub mod jobs;
pub mod logging;
pub mod memory;
pub mod pane;
pub mod remotes;
pub mod run;

pub mod tasks;
pub mod timeline;
pub mod tui;
pub mod ui;
pub mod usecase;
