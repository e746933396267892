//! The settings the console and the headless commands share: the defaults of the actions, and
//! who is acting.

use std::path::PathBuf;

use crate::alerts::types::parse_duration;

/// Defaults of the actions (`[actions]` in the config).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSettings {
    pub snapshot_pattern: String,
    pub snapshot_expiry: Option<chrono::Duration>,
    pub safety_expiry: Option<chrono::Duration>,
    pub backup_dir: PathBuf,
    pub compression: String,
    pub stop_timeout: i64,
    /// A newest backup older than this is flagged stale in the backups pane.
    pub backup_stale: chrono::Duration,
    /// Confirmations start with the maintenance silence on.
    pub maintenance_silence: bool,
    /// How long the object's alerts are watched after a maintenance action.
    pub maintenance_watch: chrono::Duration,
    /// Jobs at once on one remote; the rest wait in the queue.
    pub concurrency: usize,
}

impl Default for ActionSettings {
    fn default() -> Self {
        Self {
            snapshot_pattern: "atlas-%Y%m%d-%H%M%S".into(),
            snapshot_expiry: None,
            safety_expiry: Some(chrono::Duration::days(7)),
            backup_dir: PathBuf::from("backups"),
            compression: String::new(),
            stop_timeout: 30,
            backup_stale: chrono::Duration::hours(36),
            maintenance_silence: false,
            maintenance_watch: chrono::Duration::minutes(5),
            concurrency: crate::jobs::queue::DEFAULT_LIMIT,
        }
    }
}

impl ActionSettings {
    /// From the config section; `data_dir` is where backups go by default.
    pub fn from_config(c: &crate::config::ActionsSection, data_dir: &std::path::Path) -> Self {
        let dur = |s: &str| {
            if s.trim().is_empty() {
                None
            } else {
                parse_duration(s).ok()
            }
        };
        Self {
            snapshot_pattern: c.snapshot_pattern.clone(),
            snapshot_expiry: dur(&c.snapshot_expiry),
            safety_expiry: dur(&c.safety_expiry),
            backup_dir: if c.backup_dir.trim().is_empty() {
                data_dir.join("backups")
            } else {
                PathBuf::from(&c.backup_dir)
            },
            compression: c.compression.clone(),
            stop_timeout: c.stop_timeout_secs as i64,
            backup_stale: chrono::Duration::hours(c.backup_stale_hours.max(1) as i64),
            maintenance_silence: c.maintenance_silence,
            maintenance_watch: chrono::Duration::seconds(c.maintenance_watch_secs.max(1) as i64),
            concurrency: c.concurrency.max(1),
        }
    }
}

/// `$USER@hostname`.
pub fn default_author() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "atlas-tui".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}
