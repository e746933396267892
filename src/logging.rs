//! Tracing to a log file in the state directory, never to the screen.

use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::filter::LevelFilter;

/// Starts logging to `file` at `level` (`ATLAS_TUI_LOG` overrides). Failure to open the file
/// disables logging rather than stopping the console.
pub fn init(file: &Path, level: &str) -> Result<(), String> {
    let level = std::env::var("ATLAS_TUI_LOG").unwrap_or_else(|_| level.to_string());
    let filter: LevelFilter = level
        .parse()
        .map_err(|_| format!("bad log level {level:?}"))?;
    let f = crate::files::append_private(file).map_err(|e| format!("{}: {e}", file.display()))?;
    tracing_subscriber::fmt()
        .with_writer(Mutex::new(f))
        .with_ansi(false)
        .with_max_level(filter)
        .try_init()
        .map_err(|e| e.to_string())
}
