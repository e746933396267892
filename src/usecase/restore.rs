//! Restore planning: the safety snapshot taken first, and which instances are stopped and started
//! around a volume's restore.

use chrono::{DateTime, Utc};

use super::settings::ActionSettings;
use crate::jobs::{JobSpec, Safety, Target};

/// The safety snapshot taken before a restore (`atlas-safety-<time>`), expiring as configured.
pub fn safety(settings: &ActionSettings, now: DateTime<Utc>) -> Safety {
    Safety {
        name: format!("atlas-safety-{}", now.format("%Y%m%d-%H%M%S")),
        expires_at: settings.safety_expiry.map(|d| now + d),
    }
}

/// The users of a volume (instance name, running) that are stopped around its restore: Incus
/// refuses to restore a volume in use.
pub fn restart_around(users: impl IntoIterator<Item = (String, bool)>) -> Vec<String> {
    users
        .into_iter()
        .filter(|(_, running)| *running)
        .map(|(name, _)| name)
        .collect()
}

/// The restore job: back to `snapshot`, after a safety snapshot unless `safety` is `None`.
pub fn plan(
    target: Target,
    snapshot: String,
    safety: Option<Safety>,
    restart: Vec<String>,
) -> JobSpec {
    JobSpec::Restore {
        target,
        snapshot,
        safety,
        restart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safety_snapshot_and_restarts() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T03:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let s = safety(&ActionSettings::default(), now);
        assert_eq!(s.name, "atlas-safety-20261202-033000");
        assert_eq!(s.expires_at, Some(now + chrono::Duration::days(7)));
        let r = restart_around([("web".to_string(), true), ("db".to_string(), false)]);
        assert_eq!(r, ["web"]);
    }
}
