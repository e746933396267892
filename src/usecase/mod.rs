//! What the console and the headless commands both do, written once: the action settings,
//! restore planning and the confirmation rules. Below `app` and the `headless` commands, above
//! `config` and `jobs`.

pub mod cluster;
pub mod confirm;
pub mod restore;
pub mod settings;

pub use confirm::{Confirmation, confirmation};
pub use settings::{ActionSettings, default_author};
