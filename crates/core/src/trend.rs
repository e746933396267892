//! Usage over time: CPU, memory, disk and network of an instance or host, as the console
//! sampled them (a bounded ring per object) or as a Prometheus or Proxmox VE answered for a
//! window, and how both are drawn (sparklines and small charts in block characters).

use std::collections::VecDeque;

/// What a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// CPU in percent of one core (a host: its 1-minute load, in percent of one core).
    Cpu,
    /// Memory in use, in bytes.
    Memory,
    /// Disk reads and writes, in bytes per second.
    Disk,
    /// Network received and sent (loopback left out), in bytes per second.
    Network,
}

impl Metric {
    pub const ALL: [Metric; 4] = [Metric::Cpu, Metric::Memory, Metric::Disk, Metric::Network];

    pub fn label(self) -> &'static str {
        match self {
            Metric::Cpu => "cpu",
            Metric::Memory => "memory",
            Metric::Disk => "disk",
            Metric::Network => "network",
        }
    }

    /// The next metric (`W` cycles the panes' sparklines: cpu → memory → disk → network).
    pub fn next(self) -> Metric {
        match self {
            Metric::Cpu => Metric::Memory,
            Metric::Memory => Metric::Disk,
            Metric::Disk => Metric::Network,
            Metric::Network => Metric::Cpu,
        }
    }

    /// The least a chart's scale goes up to, so idle noise stays low (5 % of a core, 1 KiB).
    pub fn floor(self) -> f64 {
        match self {
            Metric::Cpu => 5.0,
            _ => 1024.0,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }

    /// A value as the detail shows it (`3.2%`, `412.0 MiB`, `1.2 MiB/s`).
    pub fn show(self, v: f64) -> String {
        match self {
            Metric::Cpu => format!("{v:.1}%"),
            Metric::Memory => crate::inventory::human_bytes(v.max(0.0) as u64),
            Metric::Disk | Metric::Network => {
                format!("{}/s", crate::inventory::human_bytes(v.max(0.0) as u64))
            }
        }
    }
}

/// Series of one read: each metric with its points (unix seconds, value).
pub type Series = Vec<(Metric, Vec<(i64, f64)>)>;

/// One series of a range query: its labels and points (unix seconds, value).
pub type Labeled = (std::collections::BTreeMap<String, String>, Vec<(i64, f64)>);

/// The windows the detail view can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Window {
    #[default]
    Min15,
    Hour1,
    Hour6,
}

impl Window {
    pub fn secs(self) -> i64 {
        match self {
            Window::Min15 => 15 * 60,
            Window::Hour1 => 3600,
            Window::Hour6 => 6 * 3600,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Min15 => "15m",
            Window::Hour1 => "1h",
            Window::Hour6 => "6h",
        }
    }

    /// The next window (`w` cycles 15m → 1h → 6h → 15m).
    pub fn next(self) -> Window {
        match self {
            Window::Min15 => Window::Hour1,
            Window::Hour1 => Window::Hour6,
            Window::Hour6 => Window::Min15,
        }
    }
}

/// One reading of every metric at one time (unix seconds); `NaN` where it is not known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: i64,
    values: [f32; 4],
}

impl Sample {
    pub fn new(at: i64) -> Self {
        Sample {
            at,
            values: [f32::NAN; 4],
        }
    }

    /// With `metric` set (a value that is not finite stays unknown).
    pub fn with(mut self, metric: Metric, v: Option<f64>) -> Self {
        self.values[metric.slot()] = v.filter(|v| v.is_finite()).map_or(f32::NAN, |v| v as f32);
        self
    }

    pub fn get(&self, metric: Metric) -> Option<f64> {
        let v = self.values[metric.slot()];
        (!v.is_nan()).then_some(v as f64)
    }
}

/// Fine samples kept (at the 15 s usage interval: one hour).
pub const FINE_KEPT: usize = 240;
/// Seconds one coarse sample averages.
pub const COARSE_STEP: i64 = 90;
/// Coarse samples kept (six hours).
pub const COARSE_KEPT: usize = 240;

/// The samples of one object: the recent ones as taken, older ones averaged into 90 s steps.
/// Both rings are bounded, so a console left open for days holds at most 480 samples per
/// object.
#[derive(Debug, Clone, Default)]
pub struct Ring {
    fine: VecDeque<Sample>,
    coarse: VecDeque<Sample>,
    /// The coarse step being summed: its start, sums and counts per metric.
    acc: Option<(i64, [f64; 4], [u32; 4])>,
}

impl Ring {
    /// Adds a sample (one older than the last is ignored).
    pub fn push(&mut self, s: Sample) {
        if self.fine.back().is_some_and(|b| b.at >= s.at) {
            return;
        }
        if self.fine.len() == FINE_KEPT {
            self.fine.pop_front();
        }
        self.fine.push_back(s);
        let step = s.at - s.at.rem_euclid(COARSE_STEP);
        if let Some((start, sums, counts)) = self.acc
            && start != step
        {
            self.close(start, sums, counts);
            self.acc = None;
        }
        let (_, sums, counts) = self.acc.get_or_insert((step, [0.0; 4], [0; 4]));
        for m in Metric::ALL {
            if let Some(v) = s.get(m) {
                sums[m.slot()] += v;
                counts[m.slot()] += 1;
            }
        }
    }

    fn close(&mut self, start: i64, sums: [f64; 4], counts: [u32; 4]) {
        if self.coarse.len() == COARSE_KEPT {
            self.coarse.pop_front();
        }
        let mut s = Sample::new(start + COARSE_STEP / 2);
        for m in Metric::ALL {
            let n = counts[m.slot()];
            s = s.with(m, (n > 0).then(|| sums[m.slot()] / n as f64));
        }
        self.coarse.push_back(s);
    }

    /// How many samples it holds.
    pub fn len(&self) -> usize {
        self.fine.len() + self.coarse.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fine.is_empty()
    }

    /// The last sample taken.
    pub fn last(&self) -> Option<&Sample> {
        self.fine.back()
    }

    /// The points of one metric from `from` on (unix seconds): the coarse steps before the
    /// first fine sample, then the fine ones.
    pub fn points(&self, metric: Metric, from: i64) -> Vec<(i64, f64)> {
        let first_fine = self.fine.front().map_or(i64::MAX, |s| s.at);
        self.coarse
            .iter()
            .filter(|s| s.at < first_fine)
            .chain(self.fine.iter())
            .filter(|s| s.at >= from)
            .filter_map(|s| s.get(metric).map(|v| (s.at, v)))
            .collect()
    }

    /// The last `n` fine values of a metric (for a pane's sparkline column).
    pub fn recent(&self, metric: Metric, n: usize) -> Vec<Option<f64>> {
        let skip = self.fine.len().saturating_sub(n);
        self.fine.iter().skip(skip).map(|s| s.get(metric)).collect()
    }
}

/// Points averaged into `n` equal steps of `[from, to)`; a step without a point is `None`.
pub fn buckets(points: &[(i64, f64)], from: i64, to: i64, n: usize) -> Vec<Option<f64>> {
    if n == 0 || to <= from {
        return vec![];
    }
    let span = (to - from) as f64;
    let mut sums = vec![(0.0, 0u32); n];
    for &(t, v) in points {
        if t < from || t >= to || !v.is_finite() {
            continue;
        }
        let i = (((t - from) as f64 / span) * n as f64) as usize;
        let slot = &mut sums[i.min(n - 1)];
        slot.0 += v;
        slot.1 += 1;
    }
    sums.into_iter()
        .map(|(s, c)| (c > 0).then(|| s / c as f64))
        .collect()
}

/// Fills single missing steps between two known ones with the one before (samples taken at
/// about the step's own length land one step apart or two).
pub fn bridge(values: &mut [Option<f64>]) {
    for i in 1..values.len().saturating_sub(1) {
        if values[i].is_none() && values[i + 1].is_some() {
            values[i] = values[i - 1];
        }
    }
}

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The top of a chart's scale: the largest value (at least `floor`, so idle noise stays low).
pub fn scale(values: &[Option<f64>], floor: f64) -> f64 {
    values
        .iter()
        .flatten()
        .fold(floor, |m, v| if v.is_finite() { m.max(*v) } else { m })
}

/// One line of block characters, one per value scaled to `top`; a space where none is known.
pub fn sparkline(values: &[Option<f64>], top: f64) -> String {
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) => {
                let f = if top > 0.0 {
                    (v / top).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                LEVELS[((f * 7.0).round() as usize).min(7)]
            }
        })
        .collect()
}

/// A chart `rows` lines high (top line first), one column per value scaled to `top`: each
/// line adds eight levels, so three lines show 24.
pub fn chart(values: &[Option<f64>], top: f64, rows: usize) -> Vec<String> {
    let eighths: Vec<Option<usize>> = values
        .iter()
        .map(|v| {
            v.map(|v| {
                let f = if top > 0.0 {
                    (v / top).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                // A known value always shows at least the lowest level.
                ((f * (rows * 8) as f64).round() as usize).max(1)
            })
        })
        .collect();
    (0..rows)
        .rev()
        .map(|r| {
            eighths
                .iter()
                .map(|e| match e {
                    None => ' ',
                    Some(e) => {
                        let level = e.saturating_sub(r * 8).min(8);
                        if level == 0 { ' ' } else { LEVELS[level - 1] }
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(at: i64, v: f64) -> Sample {
        Sample::new(at).with(Metric::Cpu, Some(v))
    }

    #[test]
    fn the_ring_keeps_recent_samples_and_averages_older_ones() {
        let mut r = Ring::default();
        for i in 0..1000 {
            r.push(cpu(i * 15, (i % 4) as f64));
        }
        assert_eq!(r.fine.len(), FINE_KEPT);
        assert!(r.coarse.len() <= COARSE_KEPT);
        // Every coarse step of 90 s averages six samples of 0,1,2,3,0,1 / 2,3,0,1,2,3 ...
        let pts = r.points(Metric::Cpu, 0);
        assert!(pts.windows(2).all(|w| w[0].0 < w[1].0), "in time order");
        assert_eq!(pts.last(), Some(&(999 * 15, 3.0)));
        let coarse = r
            .coarse
            .front()
            .and_then(|s| s.get(Metric::Cpu))
            .unwrap_or(-1.0);
        assert!((0.0..=3.0).contains(&coarse));
        // Out of order is ignored.
        r.push(cpu(10, 9.0));
        assert_eq!(r.last().map(|s| s.at), Some(999 * 15));
        assert_eq!(
            r.recent(Metric::Cpu, 3),
            vec![Some(1.0), Some(2.0), Some(3.0)]
        );
        assert_eq!(r.recent(Metric::Memory, 1), vec![None]);
    }

    #[test]
    fn buckets_average_and_leave_gaps() {
        let pts = [(0, 1.0), (5, 3.0), (25, 4.0), (99, 9.0), (100, 7.0)];
        assert_eq!(
            buckets(&pts, 0, 100, 4),
            vec![Some(2.0), Some(4.0), None, Some(9.0)]
        );
        assert!(buckets(&pts, 10, 10, 4).is_empty());
        let mut v = vec![Some(1.0), None, Some(3.0), None, None, Some(5.0), None];
        bridge(&mut v);
        assert_eq!(
            v,
            vec![Some(1.0), Some(1.0), Some(3.0), None, None, Some(5.0), None]
        );
    }

    #[test]
    fn sparklines_and_charts_scale_to_the_top() {
        let v = [Some(0.0), Some(5.0), None, Some(10.0)];
        assert_eq!(sparkline(&v, 10.0), "▁▅ █");
        assert_eq!(scale(&v, 1.0), 10.0);
        assert_eq!(scale(&[None], 1.0), 1.0);
        let c = chart(&v, 10.0, 2);
        assert_eq!(c, vec!["   █".to_string(), "▁█ █".to_string()]);
        assert_eq!(chart(&[Some(f64::NAN)], 0.0, 1), vec!["▁".to_string()]);
    }
}
