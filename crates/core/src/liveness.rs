//! Whether what a remote or an alert source reported is still current.
//!
//! Every worker says when its link proved alive (an answer, an event, a pong) and how soon it
//! will be heard from again if the link stays alive ([`Liveness::heard`]). Past that deadline
//! what it reported is **stale**: the console keeps showing it, dimmed, with its age, and says
//! why. One mechanism for both providers and the alert sources: a silent link (a frozen relay,
//! a stalled VPN) is told from a quiet one by the deadline alone, whatever the worker is
//! waiting on.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// When a link was last heard from, and until when that counts as live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Liveness {
    heard: Option<DateTime<Utc>>,
    /// `heard` plus the deadline the worker gave with it.
    until: Option<DateTime<Utc>>,
}

/// What the console can say of a link now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Nothing heard yet: what it would report is not known (loading).
    Unheard,
    /// Heard within its deadline.
    Live,
    /// Not heard from within its deadline; the age is since it was last heard.
    Stale { age: chrono::Duration },
}

impl Liveness {
    /// The link proved alive at `now`, and will be heard from again `within` this if it stays so.
    pub fn heard(&mut self, now: DateTime<Utc>, within: Duration) {
        let within = chrono::Duration::from_std(within).unwrap_or(chrono::Duration::MAX);
        self.heard = Some(now);
        self.until = now.checked_add_signed(within);
    }

    /// When it was last heard from.
    pub fn last_heard(&self) -> Option<DateTime<Utc>> {
        self.heard
    }

    pub fn freshness(&self, now: DateTime<Utc>) -> Freshness {
        match (self.heard, self.until) {
            (None, _) => Freshness::Unheard,
            (Some(heard), Some(until)) if now > until => Freshness::Stale { age: now - heard },
            (Some(_), _) => Freshness::Live,
        }
    }

    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        matches!(self.freshness(now), Freshness::Stale { .. })
    }

    /// When it turns stale if nothing is heard before (for a loop that must wake then).
    pub fn stale_at(&self) -> Option<DateTime<Utc>> {
        self.until
    }
}

/// What a worker calls whenever its link proved alive (an answer, a frame).
pub type OnAlive = std::sync::Arc<dyn Fn() + Send + Sync>;

/// `report` called at most once a second however often the link proves alive: a worker calls
/// the result on every answer.
pub fn throttled(report: impl Fn() + Send + Sync + 'static) -> OnAlive {
    let last = std::sync::Mutex::new(None::<std::time::Instant>);
    std::sync::Arc::new(move || {
        let Ok(mut last) = last.lock() else { return };
        if last.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
            return;
        }
        *last = Some(std::time::Instant::now());
        report();
    })
}

/// How soon a worker that talks every `cadence` is heard from again while its link lives: two
/// missed beats and the time one request may take, but never under `floor`.
pub fn deadline(cadence: Duration, request: Duration, floor: Duration) -> Duration {
    (cadence * 2 + request).max(floor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    #[test]
    fn a_link_is_unheard_then_live_then_stale_with_its_age() {
        let mut l = Liveness::default();
        assert_eq!(l.freshness(at(0)), Freshness::Unheard);
        assert!(!l.is_stale(at(0)));
        l.heard(at(0), Duration::from_secs(10));
        assert_eq!(l.freshness(at(10)), Freshness::Live);
        assert_eq!(
            l.freshness(at(14)),
            Freshness::Stale {
                age: chrono::Duration::seconds(14)
            }
        );
        assert_eq!(l.stale_at(), Some(at(10)));
        // Heard again: live, and the deadline moves.
        l.heard(at(15), Duration::from_secs(10));
        assert_eq!(l.freshness(at(20)), Freshness::Live);
        assert_eq!(l.last_heard(), Some(at(15)));
    }

    #[test]
    fn a_deadline_covers_two_beats_and_a_request() {
        let s = Duration::from_secs;
        assert_eq!(deadline(s(5), s(5), s(10)), s(15));
        assert_eq!(deadline(s(1), s(1), s(10)), s(10));
        assert_eq!(deadline(s(60), s(8), s(10)), s(128));
    }
}
