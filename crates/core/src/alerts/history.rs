//! When an alert fired over a window (24 h): from Prometheus's `ALERTS` series, as a strip of
//! buckets for the alert's detail.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// One `ALERTS` series: its labels and the times (seconds) at which it was firing.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub times: Vec<i64>,
}

/// When one alert fired: a bucket per `step` from `start`, true where it fired in it.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The Prometheus it was read from.
    pub source: String,
    pub start: DateTime<Utc>,
    pub step_secs: i64,
    pub firing: Vec<bool>,
}

/// Labels Prometheus adds to `ALERTS` or Alertmanager adds to alerts: not compared.
const IGNORED: &[&str] = &["__name__", "alertstate"];

/// True when `series` is the alert with `labels`: every label of the series (but the ones
/// `ALERTS` adds) is the alert's. The alert may carry more (external labels added on the way
/// to Alertmanager).
pub fn is_of(series: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    series
        .iter()
        .filter(|(k, _)| !IGNORED.contains(&k.as_str()))
        .all(|(k, v)| labels.get(k) == Some(v))
}

/// The strip of `buckets` buckets of `step_secs` from `start` for the alert with `labels`.
pub fn strip(
    series: &[Series],
    labels: &BTreeMap<String, String>,
    start: DateTime<Utc>,
    step_secs: i64,
    buckets: usize,
) -> Vec<bool> {
    let mut firing = vec![false; buckets];
    let from = start.timestamp();
    for s in series.iter().filter(|s| is_of(&s.labels, labels)) {
        for t in &s.times {
            // A point at the end of a bucket stands for that bucket (`max_over_time` over the
            // step before it).
            let i = (t - from - 1).div_euclid(step_secs.max(1));
            if let Ok(i) = usize::try_from(i)
                && i < buckets
            {
                firing[i] = true;
            }
        }
    }
    firing
}

/// The strip of `buckets` buckets of `step_secs` from `start` for firing intervals (unix
/// seconds, end excluded): a bucket an interval overlaps fired.
pub fn strip_of_intervals(
    intervals: &[(i64, i64)],
    start: DateTime<Utc>,
    step_secs: i64,
    buckets: usize,
) -> Vec<bool> {
    let from = start.timestamp();
    let step = step_secs.max(1);
    let mut firing = vec![false; buckets];
    for &(a, b) in intervals {
        let first = (a - from).div_euclid(step).max(0);
        let last = (b - 1 - from).div_euclid(step);
        for i in first..=last {
            if let Ok(i) = usize::try_from(i)
                && i < buckets
            {
                firing[i] = true;
            }
        }
    }
    firing
}

/// The PromQL of an alert's firing history, each point the whole step before it — or the state
/// at the point: the last point is at the end of the current step, a little ahead, and the part
/// of that step already past can be shorter than the rule's evaluation interval (a second after
/// a whole minute, or a minute-long interval): an alert firing now is then still seen as firing
/// now (its last sample, as an instant query finds it; a resolved alert's series is stale).
pub fn query(alertname: &str, step_secs: i64) -> String {
    let name = alertname.replace('\\', "\\\\").replace('"', "\\\"");
    let series = format!("ALERTS{{alertname=\"{name}\",alertstate=\"firing\"}}");
    format!("max_over_time({series}[{step_secs}s]) or {series}")
}

impl History {
    /// The strip as one character per bucket: `█` fired, `·` did not.
    pub fn line(&self) -> String {
        self.firing
            .iter()
            .map(|f| if *f { '█' } else { '·' })
            .collect()
    }

    /// How long it fired over the window.
    pub fn fired_secs(&self) -> i64 {
        self.firing.iter().filter(|f| **f).count() as i64 * self.step_secs
    }

    /// How many times it started firing in the window (a run of firing buckets is one).
    pub fn episodes(&self) -> usize {
        self.firing
            .iter()
            .enumerate()
            .filter(|(i, f)| **f && (*i == 0 || !self.firing[i - 1]))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::test_labels as labels;
    use chrono::TimeZone;

    #[test]
    fn intervals_fill_the_buckets_they_overlap() {
        let start = Utc.timestamp_opt(1_000, 0).unwrap();
        let got = strip_of_intervals(&[(1_000, 1_100), (1_350, 1_401), (500, 900)], start, 100, 6);
        assert_eq!(got, [true, false, false, true, true, false]);
        assert_eq!(
            strip_of_intervals(&[(5_000, 6_000)], start, 100, 6),
            [false; 6]
        );
    }

    #[test]
    fn the_alerts_own_series_fill_its_buckets() {
        let start = Utc.timestamp_opt(1_000_000, 0).unwrap();
        let alert = labels(&[
            ("alertname", "HostDown"),
            ("instance", "loki01"),
            ("cluster", "atlas"),
        ]);
        let mine = Series {
            labels: labels(&[
                ("__name__", "ALERTS"),
                ("alertname", "HostDown"),
                ("alertstate", "firing"),
                ("instance", "loki01"),
            ]),
            // The ends of buckets 0 and 1, then bucket 3; one point before the window.
            times: vec![1_000_900, 1_001_800, 1_003_600, 999_000],
        };
        let other = Series {
            labels: labels(&[("alertname", "HostDown"), ("instance", "grafana01")]),
            times: vec![1_002_700],
        };
        let f = strip(&[mine, other], &alert, start, 900, 4);
        assert_eq!(f, [true, true, false, true]);
        let h = History {
            source: "prometheus".into(),
            start,
            step_secs: 900,
            firing: f,
        };
        assert_eq!(h.line(), "██·█");
        assert_eq!(h.fired_secs(), 2700);
        assert_eq!(h.episodes(), 2);
    }

    #[test]
    fn the_query_escapes_the_name() {
        assert_eq!(
            query(r#"A"b"#, 900),
            r#"max_over_time(ALERTS{alertname="A\"b",alertstate="firing"}[900s]) or ALERTS{alertname="A\"b",alertstate="firing"}"#
        );
    }
}
