//! Long actions as jobs: what a job is ([`atlas_core::jobs`]), how one runs with its
//! bookkeeping ([`execute`]: the journal and the history), configured commands, and how progress
//! reads. How a job's steps run is its provider's ([`atlas_core::provider::Operator`]).

mod command;
pub mod execute;
pub mod journal;
mod patterns;
pub mod queue;

pub use atlas_core::jobs::*;
pub use atlas_core::ops::{CancelRx, Reporter};
pub use patterns::snapshot_name;

/// `[██████░░░░]  62% 12.3MiB/19.8MiB`, or the stage text when there is no percent.
pub fn progress_text(p: &Progress, width: usize) -> String {
    let bytes = match (p.done, p.total) {
        (Some(d), Some(t)) if t > 0 => format!(
            " {}/{}",
            crate::inventory::human_bytes(d),
            crate::inventory::human_bytes(t)
        ),
        (Some(d), _) => format!(" {}", crate::inventory::human_bytes(d)),
        _ => String::new(),
    };
    match p.percent {
        Some(pct) => {
            let pct = pct.clamp(0.0, 100.0);
            let cells = 10usize;
            let full = ((pct / 100.0) * cells as f64).round() as usize;
            let bar: String = "█".repeat(full) + &"░".repeat(cells - full);
            let s = format!("{bar} {pct:>3.0}%{bytes}");
            if s.chars().count() > width && width > 0 {
                format!("{bar} {pct:>3.0}%")
            } else {
                s
            }
        }
        None if !bytes.is_empty() => format!("{}{bytes}", p.stage),
        None => p.stage.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn names_from_patterns() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 3, 4, 5).unwrap();
        assert_eq!(
            snapshot_name("atlas-%Y%m%d-%H%M%S", now),
            "atlas-20261123-030405"
        );
        assert_eq!(snapshot_name("", now), "snap-20261123-030405");
        let t = Target::instance("local", "default", "grafana01");
        assert_eq!(
            backup_file_name(&t, now, ""),
            "local-default-grafana01-20261123T030405Z.tar.gz"
        );
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
    }
}
