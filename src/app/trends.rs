//! Usage over time as the console samples it: the counters last read per object (CPU time,
//! disk and network bytes), the rates between two readings, and a bounded ring of samples per
//! instance and host that the panes' sparklines and the detail charts draw.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::inventory::{HostRow, InstanceRow, cpu_percent};
use crate::trend::{Metric, Ring, Sample, Series};

/// Counters of one instance at one reading.
#[derive(Debug, Clone, Copy)]
struct Counters {
    cpu_ns: Option<u64>,
    disk: Option<u64>,
    net: Option<u64>,
    at: DateTime<Utc>,
}

/// What a remote's usage readings left: the last counters and the rings, by row key.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    last: HashMap<String, Counters>,
    pub rings: HashMap<String, Ring>,
}

/// Seconds two readings are apart at least to make a sample.
const MIN_STEP_SECS: i64 = 5;

/// Units per second between two readings of a counter (none when it went back, as after a
/// restart, or when the readings are under half a second apart).
fn rate(prev: u64, prev_at: DateTime<Utc>, now: u64, at: DateTime<Utc>) -> Option<f64> {
    let secs = (at - prev_at).num_milliseconds() as f64 / 1000.0;
    if secs < 0.5 || now < prev {
        return None;
    }
    Some((now - prev) as f64 / secs)
}

impl Samples {
    /// Takes a reading of an instance: sets its CPU %; with `record`, a sample goes into its
    /// ring (a reading of usage, not an event that only changed its config).
    pub fn instance(&mut self, row: &mut InstanceRow, now: DateTime<Utc>, record: bool) {
        let key = row.key();
        let running = row.status().eq_ignore_ascii_case("running");
        let st = row.state();
        let cur = Counters {
            cpu_ns: st.and_then(|s| s.cpu_ns),
            disk: st.and_then(|s| s.disk_io),
            net: st.and_then(|s| s.net_io),
            at: now,
        };
        let mem = st
            .and_then(|s| s.memory.as_ref())
            .map(|m| m.usage as f64)
            .filter(|m| *m > 0.0);
        if !running {
            row.cpu_pct = None;
            self.last.remove(&key);
            return;
        }
        if cur.cpu_ns.is_none() {
            return;
        }
        let prev = self.last.get(&key).copied();
        let between = |f: fn(&Counters) -> Option<u64>| {
            let p = prev?;
            rate(f(&p)?, p.at, f(&cur)?, now)
        };
        // Two readings close together (the metrics and `/state` of the same moment) make no
        // CPU % and no sample: the rate between them would be noise.
        let spaced = prev.is_some_and(|p| (now - p.at).num_seconds() >= MIN_STEP_SECS);
        if let Some(p) = prev
            && spaced
            && let (Some(a), Some(b)) = (p.cpu_ns, cur.cpu_ns)
            && let Some(pct) = cpu_percent(a, p.at, b, now)
        {
            row.cpu_pct = Some(pct);
        }
        let record = record && (spaced || prev.is_none());
        if record && prev.is_some() {
            let s = Sample::new(now.timestamp())
                .with(Metric::Cpu, row.cpu_pct)
                .with(Metric::Memory, mem)
                .with(Metric::Disk, between(|c| c.disk))
                .with(Metric::Network, between(|c| c.net));
            self.rings.entry(key.clone()).or_default().push(s);
        }
        // An event between readings keeps the reading the next rate is taken from.
        if record || prev.is_none() {
            self.last.insert(key, cur);
        }
    }

    /// A reading of a host: its 1-minute load (in percent of one core) and memory in use.
    pub fn host(&mut self, h: &HostRow, now: DateTime<Utc>) {
        if h.load.is_none() && h.memory.is_none() {
            return;
        }
        let s = Sample::new(now.timestamp())
            .with(Metric::Cpu, h.load.map(|l| l[0] * 100.0))
            .with(Metric::Memory, h.memory.map(|m| m.used as f64));
        self.rings.entry(h.key()).or_default().push(s);
    }

    /// Whether nothing was read yet.
    pub fn is_empty(&self) -> bool {
        self.last.is_empty() && self.rings.is_empty()
    }

    /// Forgets what is not among `keys` any more (objects deleted or renamed).
    pub fn keep_only(&mut self, keep: impl Fn(&str) -> bool) {
        self.last.retain(|k, _| keep(k));
        self.rings.retain(|k, _| keep(k));
    }

    /// The ring of a row key.
    pub fn ring(&self, key: &str) -> Option<&Ring> {
        self.rings.get(key)
    }
}

/// A usage history read for the detail view.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRead {
    /// Where it came from (a Prometheus source's name, or `rrddata`).
    pub source: String,
    pub window: crate::trend::Window,
    pub at: DateTime<Utc>,
    pub result: Result<Series, String>,
}

impl UsageRead {
    /// Whether it has any point to draw.
    pub fn has_points(&self) -> bool {
        self.result
            .as_ref()
            .is_ok_and(|s| s.iter().any(|(_, p)| !p.is_empty()))
    }
}

/// What the detail view's charts show: the window chosen, and the history reads by row key.
#[derive(Debug, Clone, Default)]
pub struct UsageView {
    pub window: crate::trend::Window,
    /// The reads of each row (one per source), the last answer of each.
    pub reads: HashMap<String, Vec<UsageRead>>,
}

impl UsageView {
    /// Keeps an answer (the last of each source and window).
    pub fn keep(&mut self, key: String, read: UsageRead) {
        let got = self.reads.entry(key).or_default();
        got.retain(|r| r.source != read.source);
        got.push(read);
    }

    /// The read to draw for a row in the current window: the first source with points.
    pub fn best(&self, key: &str) -> Option<&UsageRead> {
        let reads = self.reads.get(key)?;
        reads
            .iter()
            .filter(|r| r.window == self.window)
            .find(|r| r.has_points())
            .or_else(|| reads.iter().find(|r| r.window == self.window))
    }
}

/// Columns of a detail chart.
pub const CHART_WIDTH: usize = 60;
/// Lines of a detail chart (eight levels each).
pub const CHART_ROWS: usize = 2;
