//! The detail view's usage charts: asking a Prometheus or the provider for a window, and
//! drawing the best answer (or the console's own samples).

use chrono::{DateTime, Utc};

use super::state::{AppState, Effect};
use super::trends::{CHART_ROWS, CHART_WIDTH};
use crate::trend::{Metric, Ring, Series};

impl AppState {
    /// Asks for an instance's usage over the chosen window: from its provider's own history
    /// (Proxmox VE), and from every Prometheus configured for its remote. Other rows chart the
    /// console's own samples.
    pub(crate) fn request_usage(&self, key: &crate::app::cells::RowKey) -> Vec<Effect> {
        use crate::alerts::model::SourceKind;
        use crate::inventory::ObjectKey;
        let Some(ObjectKey::Instance {
            remote,
            project,
            name,
        }) = key.object()
        else {
            return vec![];
        };
        let window = self.usage.window;
        let mut fx = Vec::new();
        if self.supports(remote, crate::backend::Operation::UsageHistory) {
            fx.push(Effect::Send {
                remote: Some(remote.clone()),
                cmd: crate::backend::Command::UsageHistory {
                    project: project.clone(),
                    name: name.clone(),
                    window,
                },
            });
        } else {
            fx.extend(
                self.alerting
                    .sources
                    .iter()
                    .filter(|s| s.kind == SourceKind::Prometheus)
                    .filter(|s| s.remotes.is_empty() || s.remotes.contains(remote))
                    .map(|s| Effect::Alert {
                        source: s.name.clone(),
                        cmd: crate::alerts::worker::SourceCmd::Usage {
                            key: key.to_string(),
                            project: project.clone(),
                            name: name.clone(),
                            window,
                        },
                    }),
            );
        }
        fx
    }

    /// The detail view's charts of a row: the best history read for the window, else the
    /// console's own samples.
    pub(crate) fn push_usage(
        &self,
        key: &str,
        ring: Option<&Ring>,
        now: DateTime<Utc>,
        out: &mut Vec<String>,
    ) {
        use crate::trend::{bridge, buckets, chart, scale};
        let window = self.usage.window;
        let to = now.timestamp();
        let from = to - window.secs();
        let read = self.usage.best(key);
        let (series, from_where): (Series, String) = match read {
            Some(r) if r.has_points() => (
                r.result.clone().unwrap_or_default(),
                format!("from {}, read {}", r.source, r.at.format("%H:%M:%S")),
            ),
            _ => (
                Metric::ALL
                    .iter()
                    .map(|m| (*m, ring.map(|r| r.points(*m, from)).unwrap_or_default()))
                    .collect(),
                "sampled by the console every 15 s while it runs".to_string(),
            ),
        };
        let failed = match read.map(|r| (&r.source, &r.result)) {
            Some((source, Err(e))) => format!(" ({source}: {e})"),
            _ => String::new(),
        };
        if series.iter().all(|(_, p)| p.iter().all(|(t, _)| *t < from)) {
            out.push(format!(
                "usage ({}): no samples yet{failed}",
                window.label()
            ));
            return;
        }
        out.push(format!(
            "usage, last {} ({}; w: 15m/1h/6h):",
            window.label(),
            from_where
        ));
        if !failed.is_empty() {
            out.push(format!(" {failed}"));
        }
        for m in Metric::ALL {
            let points = series
                .iter()
                .find(|(sm, _)| *sm == m)
                .map(|(_, p)| p.as_slice())
                .unwrap_or(&[]);
            let mut values = buckets(points, from, to + 1, CHART_WIDTH);
            if values.iter().all(Option::is_none) {
                out.push(format!("  {:<8} -", m.label()));
                continue;
            }
            bridge(&mut values);
            let top = scale(&values, m.floor());
            let last = values.iter().rev().flatten().next().copied().unwrap_or(0.0);
            let max = values.iter().flatten().fold(0.0f64, |a, b| a.max(*b));
            out.push(format!(
                "  {:<8} now {}  max {}",
                m.label(),
                m.show(last),
                m.show(max)
            ));
            for line in chart(&values, top, CHART_ROWS) {
                out.push(format!("  │{line}"));
            }
        }
        let start = format!("-{}", window.label());
        out.push(format!(
            "  └{start}{}now",
            "─".repeat(CHART_WIDTH.saturating_sub(start.len() + 3))
        ));
    }
}
