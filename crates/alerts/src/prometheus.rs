//! Prometheus's own view of its alerting rules (`/api/v1/alerts`): pending alerts, and firing
//! ones Alertmanager may not have received yet.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::client::{HttpSource, SourceError, SourceSpec};
use atlas_core::alerts::types::{Alert, AlertStatus, fingerprint};

/// `GET /api/v1/alerts` → `data.alerts[]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PromAlert {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `pending` or `firing`.
    #[serde(default)]
    pub state: String,
    pub active_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub value: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct MatrixData {
    #[serde(default)]
    result: serde_json::Value,
}

/// One series of a range query: `{"metric": {...}, "values": [[time, "value"], ...]}`.
#[derive(Deserialize)]
struct MatrixSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(serde_json::Number, serde_json::Value)>,
}

#[derive(Deserialize)]
struct AlertsData {
    #[serde(default)]
    alerts: serde_json::Value,
}

/// Why an `/api/v1/alerts` answer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AlertsAnswerError {
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("status {status:?}: {error}")]
    Status { status: String, error: String },
    #[error("{0}")]
    NotAList(#[from] atlas_core::decode::NotAList),
}

/// Decodes `/api/v1/alerts` item by item: alerts that cannot be decoded are skipped and returned.
fn decode_alerts(
    bytes: &[u8],
    source_url: &str,
) -> Result<(Vec<Alert>, Vec<atlas_core::decode::Skipped>), AlertsAnswerError> {
    let env: Envelope<AlertsData> =
        serde_json::from_slice(bytes).and_then(atlas_core::decode::value)?;
    if env.status != "success" {
        return Err(AlertsAnswerError::Status {
            status: env.status,
            error: env.error,
        });
    }
    let list = env.data.map(|d| d.alerts).unwrap_or_default();
    let (alerts, skipped) = atlas_core::decode::list::<PromAlert>("/api/v1/alerts", list)?;
    Ok((
        alerts
            .into_iter()
            .map(|a| a.into_alert(source_url))
            .collect(),
        skipped,
    ))
}

impl PromAlert {
    /// As an Alertmanager-shaped alert: same fingerprint Alertmanager would give it, state
    /// `pending` or `firing`, the value as an annotation.
    pub fn into_alert(self, source_url: &str) -> Alert {
        let mut annotations = self.annotations;
        if !self.value.is_empty() {
            annotations
                .entry("value".into())
                .or_insert(self.value.clone());
        }
        Alert {
            fingerprint: fingerprint(&self.labels),
            generator_url: format!("{}/alerts", source_url.trim_end_matches('/')),
            labels: self.labels,
            annotations,
            starts_at: self.active_at,
            ends_at: None,
            updated_at: None,
            status: AlertStatus {
                state: self.state,
                silenced_by: vec![],
                inhibited_by: vec![],
            },
        }
    }
}

/// Parses a `/api/v1/alerts` answer into Alertmanager-shaped alerts.
/// Alerts that cannot be decoded are left out (and logged).
pub fn parse_alerts(bytes: &[u8], source_url: &str) -> Result<Vec<Alert>, AlertsAnswerError> {
    decode_alerts(bytes, source_url).map(|(a, _)| a)
}

/// A client for one Prometheus.
#[derive(Debug, Clone)]
pub struct PrometheusClient(HttpSource);

impl PrometheusClient {
    pub fn new(spec: SourceSpec) -> Result<Self, SourceError> {
        HttpSource::new(spec).map(Self)
    }

    pub fn spec(&self) -> &SourceSpec {
        self.0.spec()
    }

    /// An answer whose `status` is not `success` as an error.
    fn check<T>(&self, path: &str, env: &Envelope<T>) -> Result<(), SourceError> {
        if env.status == "success" {
            return Ok(());
        }
        Err(SourceError::Api {
            name: self.spec().name.clone(),
            path: path.into(),
            status: 200,
            message: format!("status {:?}: {}", env.status, env.error),
        })
    }

    /// Pending and firing alerts of every alerting rule.
    pub async fn alerts(&self) -> Result<Vec<Alert>, SourceError> {
        let path = "/api/v1/alerts";
        let env: Envelope<AlertsData> = self
            .0
            .send(path, self.0.request(reqwest::Method::GET, path))
            .await?;
        self.check(path, &env)?;
        let url = self.spec().url.clone();
        let list = env.data.map(|d| d.alerts).unwrap_or_default();
        let alerts: Vec<PromAlert> = self.0.list(path, list)?;
        Ok(alerts.into_iter().map(|a| a.into_alert(&url)).collect())
    }

    /// The series of a range query (`/api/v1/query_range`): each with its labels and the
    /// times at which it had a value. A series that cannot be read is left out.
    pub async fn query_range(
        &self,
        query: &str,
        start: i64,
        end: i64,
        step_secs: i64,
    ) -> Result<Vec<atlas_core::alerts::history::Series>, SourceError> {
        Ok(self
            .query_range_points(query, start, end, step_secs)
            .await?
            .into_iter()
            .map(|(labels, points)| atlas_core::alerts::history::Series {
                labels,
                times: points.into_iter().map(|(t, _)| t).collect(),
            })
            .collect())
    }

    /// The series of a range query with their points (unix seconds, value); a point whose
    /// value is not a number (`NaN`, `+Inf`) is left out.
    pub async fn query_range_points(
        &self,
        query: &str,
        start: i64,
        end: i64,
        step_secs: i64,
    ) -> Result<Vec<atlas_core::trend::Labeled>, SourceError> {
        let path = "/api/v1/query_range";
        let req = self.0.request(reqwest::Method::GET, path).query(&[
            ("query", query.to_string()),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("step", step_secs.to_string()),
        ]);
        let env: Envelope<MatrixData> = self.0.send(path, req).await?;
        self.check(path, &env)?;
        let list = env.data.map(|d| d.result).unwrap_or_default();
        let series: Vec<MatrixSeries> = self.0.list(path, list)?;
        Ok(series
            .into_iter()
            .map(|s| {
                let points = s
                    .values
                    .iter()
                    .filter_map(|(t, v)| {
                        let v = match v {
                            serde_json::Value::String(s) => s.parse::<f64>().ok(),
                            v => v.as_f64(),
                        }
                        .filter(|v| v.is_finite())?;
                        Some((t.as_f64()? as i64, v))
                    })
                    .collect();
                (s.metric, points)
            })
            .collect())
    }

    /// The list items left out since the last call (see [`HttpSource::take_skipped`]).
    pub fn take_skipped(&self) -> Vec<atlas_core::decode::Skipped> {
        self.0.take_skipped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_answers_are_errors_not_panics() {
        for bad in [
            &b"not json"[..],
            br#"{"status":"error","errorType":"bad_data","error":"boom"}"#,
            br#"{"status":"success","data":{"alerts":{"labels":"oops"}}}"#,
            b"",
        ] {
            assert!(parse_alerts(bad, "http://p").is_err(), "{bad:?}");
        }
        let e = parse_alerts(br#"{"status":"error","error":"boom"}"#, "http://p").unwrap_err();
        assert!(e.to_string().contains("boom"), "{e}");
        assert!(
            parse_alerts(br#"{"status":"success","data":{}}"#, "http://p")
                .unwrap()
                .is_empty()
        );
        // One bad alert is left out; the others stay.
        let (alerts, skipped) = decode_alerts(
            br#"{"status":"success","data":{"alerts":[{"labels":"oops"},{"labels":{"alertname":"A"},"state":"firing","annotations":null}]}}"#,
            "http://p",
        )
        .unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(skipped.len(), 1);
    }

    #[test]
    fn parses_prometheus_alerts() {
        let json = r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"LokiIngestionStalled","instance":"loki01.incus:3100","severity":"warning"},"annotations":{"summary":"no logs"},"state":"pending","activeAt":"2026-11-23T10:00:00.5Z","value":"1e+00"}]}}"#;
        let (mut alerts, skipped) = decode_alerts(json.as_bytes(), "http://p:9090/").unwrap();
        assert!(skipped.is_empty());
        let a = alerts.remove(0);
        assert_eq!(a.status.state, "pending");
        assert_eq!(a.name(), "LokiIngestionStalled");
        assert_eq!(a.annotations["value"], "1e+00");
        assert_eq!(a.generator_url, "http://p:9090/alerts");
        assert_eq!(a.fingerprint, fingerprint(&a.labels));
    }
}
