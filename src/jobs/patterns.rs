//! Name patterns of the configuration, expanded.

use chrono::{DateTime, Utc};

/// Expands a snapshot name pattern: `%d`/`%Y`... are strftime fields (`atlas-%Y%m%d-%H%M%S`).
pub fn snapshot_name(pattern: &str, now: DateTime<Utc>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if write!(out, "{}", now.format(pattern)).is_err() || out.is_empty() {
        return now.format("snap-%Y%m%d-%H%M%S").to_string();
    }
    out.chars()
        .map(|c| {
            if c == '/' || c.is_whitespace() {
                '-'
            } else {
                c
            }
        })
        .collect()
}
