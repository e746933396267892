//! One background task per alert source: polls on an interval with jitter, performs silence
//! writes, and reports [`SourceEvent`]s through a [`SourceSink`].

use std::time::Duration;

use tokio::sync::mpsc;

use crate::client::{AlertmanagerClient, SourceError, SourceSpec};
use crate::prometheus::PrometheusClient;
use atlas_core::alerts::model::{SourceData, SourceKind};
use atlas_core::alerts::types::SilenceRequest;
use atlas_core::trend::{Metric, Series, Window};

/// What a source worker reports.
#[derive(Debug, Clone)]
pub enum SourceEvent {
    /// What the source answered (alerts and silences), or why it did not.
    Polled {
        source: String,
        result: Result<SourceData, SourceError>,
    },
    /// The source answered just now and will be polled again `within` this while its link
    /// lives (see `atlas_core::liveness`).
    Alive { source: String, within: Duration },
    /// A silence write finished: the silence id, or the error.
    Written {
        source: String,
        what: String,
        /// The write that was asked for.
        cmd: SourceCmd,
        result: Result<String, SourceError>,
    },
    /// When an alert fired over the last day (asked for with [`SourceCmd::History`]).
    History {
        source: String,
        fingerprint: String,
        result: Result<atlas_core::alerts::history::History, SourceError>,
    },
    /// An instance's usage over a window (asked for with [`SourceCmd::Usage`]).
    Usage {
        source: String,
        key: String,
        window: Window,
        result: Result<Series, SourceError>,
    },
    /// Alerts or silences that could not be decoded were left out.
    Skipped {
        source: String,
        items: Vec<atlas_core::decode::Skipped>,
    },
}

/// Where a source worker reports.
pub type SourceSink = std::sync::Arc<dyn Fn(SourceEvent) + Send + Sync>;

/// What a source worker can be asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceCmd {
    /// Poll now.
    Refresh,
    /// Create or update (with `id`) a silence.
    PutSilence(SilenceRequest),
    /// Expire a silence.
    Expire(String),
    /// Read when an alert fired over the last `window_secs` (Prometheus only), in `buckets`.
    History {
        fingerprint: String,
        labels: std::collections::BTreeMap<String, String>,
        window_secs: i64,
        buckets: usize,
    },
    /// Read an Incus instance's usage over `window` from the series Prometheus scraped from
    /// incusd's `/1.0/metrics` (Prometheus only); `key` names the row it is for.
    Usage {
        key: String,
        project: String,
        name: String,
        window: Window,
    },
}

/// No source is called stale sooner than this after its last answer.
const LIVE_FLOOR: Duration = Duration::from_secs(15);

/// How often to poll.
#[derive(Debug, Clone, Copy)]
pub struct PollConfig {
    pub every: Duration,
    /// Up to this much is added at random to each interval, so several consoles do not poll
    /// in lockstep.
    pub jitter: Duration,
}

#[derive(Clone)]
enum Client {
    Alertmanager(AlertmanagerClient),
    Prometheus(PrometheusClient),
}

impl Client {
    async fn poll(&self) -> Result<SourceData, SourceError> {
        match self {
            Client::Alertmanager(c) => {
                let (alerts, silences) = tokio::join!(c.alerts(), c.silences());
                Ok(SourceData {
                    alerts: alerts?,
                    silences: silences?,
                })
            }
            Client::Prometheus(c) => Ok(SourceData {
                alerts: c.alerts().await?,
                silences: vec![],
            }),
        }
    }

    fn take_skipped(&self) -> Vec<atlas_core::decode::Skipped> {
        match self {
            Client::Alertmanager(c) => c.take_skipped(),
            Client::Prometheus(c) => c.take_skipped(),
        }
    }
}

/// A pseudo-random duration in `[0, max)`, from the clock (no RNG dependency needed for this).
fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return max;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64 ^ d.as_secs().rotate_left(17))
        .unwrap_or(0);
    let x = nanos.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Duration::from_millis(x % (max.as_millis().max(1) as u64))
}

/// Starts the worker of one source; dropping the returned sender stops it.
pub fn spawn_source(
    spec: SourceSpec,
    kind: SourceKind,
    cfg: PollConfig,
    tx: SourceSink,
) -> mpsc::UnboundedSender<SourceCmd> {
    let (ctx, crx) = mpsc::unbounded_channel();
    tokio::spawn(run(spec, kind, cfg, tx, crx));
    ctx
}

async fn run(
    spec: SourceSpec,
    kind: SourceKind,
    cfg: PollConfig,
    tx: SourceSink,
    mut cmds: mpsc::UnboundedReceiver<SourceCmd>,
) {
    let name = spec.name.clone();
    let client = match kind {
        SourceKind::Alertmanager => AlertmanagerClient::new(spec).map(Client::Alertmanager),
        SourceKind::Prometheus => PrometheusClient::new(spec).map(Client::Prometheus),
    };
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            // A configuration error does not go away by polling: report it on every request.
            let err = e;
            tx(SourceEvent::Polled {
                source: name.clone(),
                result: Err(err.clone()),
            });
            while let Some(cmd) = cmds.recv().await {
                let what = describe(&cmd);
                tx(match cmd {
                    SourceCmd::Refresh => SourceEvent::Polled {
                        source: name.clone(),
                        result: Err(err.clone()),
                    },
                    SourceCmd::History { fingerprint, .. } => SourceEvent::History {
                        source: name.clone(),
                        fingerprint,
                        result: Err(err.clone()),
                    },
                    SourceCmd::Usage { key, window, .. } => SourceEvent::Usage {
                        source: name.clone(),
                        key,
                        window,
                        result: Err(err.clone()),
                    },
                    cmd => SourceEvent::Written {
                        source: name.clone(),
                        what,
                        cmd,
                        result: Err(err.clone()),
                    },
                });
            }
            return;
        }
    };
    loop {
        let result = client.poll().await;
        match &result {
            Err(e) => tracing::warn!(source = %name, error = %e, "alert source down"),
            Ok(_) => tx(SourceEvent::Alive {
                source: name.clone(),
                within: atlas_core::liveness::deadline(
                    cfg.every + cfg.jitter,
                    crate::client::REQUEST_DEADLINE,
                    LIVE_FLOOR,
                ),
            }),
        }
        tx(SourceEvent::Polled {
            source: name.clone(),
            result,
        });
        let skipped = client.take_skipped();
        if !skipped.is_empty() {
            tx(SourceEvent::Skipped {
                source: name.clone(),
                items: skipped,
            });
        }
        // Sleep until the next poll; a refresh or a write (whose effect should show at once)
        // polls now. A history is read beside the polls.
        let next = tokio::time::sleep(cfg.every + jitter(cfg.jitter));
        tokio::pin!(next);
        loop {
            tokio::select! {
                _ = &mut next => break,
                cmd = cmds.recv() => match cmd {
                    None => return,
                    Some(SourceCmd::Refresh) => break,
                    Some(SourceCmd::History { fingerprint, labels, window_secs, buckets }) => {
                        let (client, tx, source) = (client.clone(), tx.clone(), name.clone());
                        tokio::spawn(async move {
                            let result = history(&client, &labels, window_secs, buckets, &source).await;
                            tx(SourceEvent::History { source, fingerprint, result });
                        });
                    }
                    Some(SourceCmd::Usage { key, project, name: instance, window }) => {
                        let (client, tx, source) = (client.clone(), tx.clone(), name.clone());
                        tokio::spawn(async move {
                            let result = usage(&client, &project, &instance, window).await;
                            tx(SourceEvent::Usage { source, key, window, result });
                        });
                    }
                    Some(cmd) => {
                        let what = describe(&cmd);
                        let result = write(&client, cmd.clone()).await;
                        tracing::info!(source = %name, what = %what, ok = result.is_ok(), "silence write");
                        tx(SourceEvent::Written { source: name.clone(), what, cmd, result });
                        break;
                    }
                }
            }
        }
    }
}

/// When the alert with `labels` fired over the last `window_secs`, from `ALERTS`.
async fn history(
    client: &Client,
    labels: &std::collections::BTreeMap<String, String>,
    window_secs: i64,
    buckets: usize,
    source: &str,
) -> Result<atlas_core::alerts::history::History, SourceError> {
    use atlas_core::alerts::history;
    let Client::Prometheus(p) = client else {
        return Err(SourceError::WrongKind(
            "alert history comes from Prometheus",
        ));
    };
    let alertname = labels.get("alertname").map(String::as_str).unwrap_or("");
    let buckets = buckets.max(1);
    let step = (window_secs / buckets as i64).max(1);
    let now = chrono::Utc::now().timestamp();
    // Whole steps, so that one alert's strip does not shift with the second it was asked at;
    // the last one ends now or just after.
    let end = (now + step - 1).div_euclid(step) * step;
    let start = end - step * buckets as i64;
    let series = p
        .query_range(&history::query(alertname, step), start + step, end, step)
        .await?;
    let start = chrono::DateTime::from_timestamp(start, 0).unwrap_or_default();
    Ok(history::History {
        source: source.to_string(),
        start,
        step_secs: step,
        firing: history::strip(&series, labels, start, step, buckets),
    })
}

/// Points of a usage window: about 120 over the window, at least one per 15 s scrape.
pub const USAGE_POINTS: i64 = 120;

/// The PromQL of one metric of an Incus instance, from incusd's `/1.0/metrics` series;
/// `range` is the rate window in seconds.
pub fn usage_query(metric: Metric, project: &str, name: &str, range: i64) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let sel = format!("name=\"{}\",project=\"{}\"", esc(name), esc(project));
    let net = format!("{sel},device!=\"lo\"");
    match metric {
        Metric::Cpu => format!("sum(rate(incus_cpu_seconds_total{{{sel}}}[{range}s])) * 100"),
        Metric::Memory => format!(
            "sum(incus_memory_MemTotal_bytes{{{sel}}}) - sum(incus_memory_MemFree_bytes{{{sel}}})"
        ),
        Metric::Disk => format!(
            "sum(rate(incus_disk_read_bytes_total{{{sel}}}[{range}s])) + sum(rate(incus_disk_written_bytes_total{{{sel}}}[{range}s]))"
        ),
        Metric::Network => format!(
            "sum(rate(incus_network_receive_bytes_total{{{net}}}[{range}s])) + sum(rate(incus_network_transmit_bytes_total{{{net}}}[{range}s]))"
        ),
    }
}

/// An instance's usage over a window: one range query per metric; a metric Prometheus has no
/// series for is left out.
async fn usage(
    client: &Client,
    project: &str,
    name: &str,
    window: Window,
) -> Result<Series, SourceError> {
    let Client::Prometheus(p) = client else {
        return Err(SourceError::WrongKind(
            "usage over time comes from Prometheus",
        ));
    };
    let step = (window.secs() / USAGE_POINTS).max(15);
    // A rate over at least four scrapes, so one late scrape does not show as a gap.
    let range = (step * 2).max(60);
    let end = chrono::Utc::now().timestamp();
    let start = end - window.secs();
    let mut out = Vec::new();
    for m in Metric::ALL {
        let series = p
            .query_range_points(&usage_query(m, project, name, range), start, end, step)
            .await?;
        if let Some((_, points)) = series.into_iter().find(|(_, pts)| !pts.is_empty()) {
            out.push((m, points));
        }
    }
    Ok(out)
}

fn describe(cmd: &SourceCmd) -> String {
    match cmd {
        SourceCmd::Refresh => "refresh".to_string(),
        SourceCmd::History { .. } => "alert history".to_string(),
        SourceCmd::Usage { .. } => "usage over time".to_string(),
        SourceCmd::PutSilence(r) if r.id.is_some() => "update silence".to_string(),
        SourceCmd::PutSilence(_) => "create silence".to_string(),
        SourceCmd::Expire(id) => format!("expire silence {}", short_id(id)),
    }
}

/// The first block of a silence id, as Alertmanager's UI shows it.
pub fn short_id(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

async fn write(client: &Client, cmd: SourceCmd) -> Result<String, SourceError> {
    let Client::Alertmanager(am) = client else {
        return Err(SourceError::WrongKind(
            "silences live in Alertmanager, not Prometheus",
        ));
    };
    match cmd {
        SourceCmd::PutSilence(req) => am.put_silence(&req).await,
        SourceCmd::Expire(id) => am.expire_silence(&id).await.map(|()| id),
        SourceCmd::Refresh | SourceCmd::History { .. } | SourceCmd::Usage { .. } => {
            Ok(String::new())
        }
    }
}
