//! Async clients of alert sources: Alertmanager API v2 (HTTP or HTTPS with an optional CA, basic or bearer auth).

use std::path::PathBuf;
use std::time::Duration;

use serde::de::DeserializeOwned;

use atlas_core::alerts::types::{Alert, Silence, SilenceRequest};
use atlas_core::text::error_chain;

/// Where an alert source (Alertmanager or Prometheus) is and how to authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceSpec {
    pub name: String,
    /// Base URL, e.g. `http://127.0.0.1:9093`.
    pub url: String,
    pub basic_auth: Option<(String, String)>,
    pub bearer_token: Option<String>,
    /// A CA certificate (PEM) to trust for HTTPS.
    pub tls_ca: Option<PathBuf>,
    /// Refuse writes (silences) to this source.
    pub readonly: bool,
}

/// Errors from an Alertmanager, worded for an operator.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SourceError {
    #[error("{name}: cannot reach {url}: {reason}")]
    Connect {
        name: String,
        url: String,
        reason: String,
    },
    #[error("{name}: {path}: HTTP {status}: {message}")]
    Api {
        name: String,
        path: String,
        status: u16,
        message: String,
    },
    #[error("{name}: {path}: unexpected answer: {reason}")]
    Parse {
        name: String,
        path: String,
        reason: String,
    },
    #[error("{name}: {0}", name = .1)]
    Config(String, String),
    #[error("{0} is read-only: silences cannot be changed there")]
    ReadOnly(String),
    /// Asked of the wrong kind of source (silences of a Prometheus, history of an Alertmanager).
    #[error("{0}")]
    WrongKind(&'static str),
}

/// An HTTP(S) connection to one alert source, with its auth.
/// How long one request to a source may take: a poll is a small answer, and a source that
/// does not answer within this is reported down rather than waited for.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(8);

#[derive(Debug, Clone)]
pub struct HttpSource {
    spec: SourceSpec,
    http: reqwest::Client,
    /// List items that could not be decoded since the last [`HttpSource::take_skipped`].
    skipped: atlas_core::decode::SkipLog,
}

impl HttpSource {
    pub fn new(spec: SourceSpec) -> Result<Self, SourceError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let cfg_err = |m: String| SourceError::Config(m, spec.name.clone());
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(REQUEST_DEADLINE)
            .user_agent(concat!("atlas-tui/", env!("CARGO_PKG_VERSION")));
        if spec.url.starts_with("https://") {
            let mut roots = rustls::RootCertStore::empty();
            if let Some(ca) = &spec.tls_ca {
                use rustls::pki_types::CertificateDer;
                use rustls::pki_types::pem::PemObject;
                let certs = CertificateDer::pem_file_iter(ca)
                    .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| cfg_err(format!("tls_ca {}: {e}", ca.display())))?;
                for c in certs {
                    roots
                        .add(c)
                        .map_err(|e| cfg_err(format!("tls_ca {}: {e}", ca.display())))?;
                }
            } else {
                return Err(cfg_err(
                    "an https URL needs tls_ca (the CA that signed its certificate)".into(),
                ));
            }
            let cfg = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| cfg_err(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
            b = b.tls_backend_preconfigured(cfg);
        } else if spec.url.starts_with("http://") {
            // No TLS: an empty configuration instead of the default one, which reads every
            // system root certificate first.
            b = b.tls_backend_preconfigured(
                rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            );
        } else {
            return Err(cfg_err(format!(
                "url {:?} must start with http:// or https://",
                spec.url
            )));
        }
        let http = b.build().map_err(|e| cfg_err(error_chain(&e)))?;
        Ok(Self {
            spec,
            http,
            skipped: Default::default(),
        })
    }

    pub fn spec(&self) -> &SourceSpec {
        &self.spec
    }

    /// The list items left out (undecodable) since the last call.
    pub fn take_skipped(&self) -> Vec<atlas_core::decode::Skipped> {
        self.skipped.take()
    }

    /// Decodes a list item by item, keeping what was skipped for [`HttpSource::take_skipped`].
    pub(crate) fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        v: serde_json::Value,
    ) -> Result<Vec<T>, SourceError> {
        let (items, skipped) =
            atlas_core::decode::list(path, v).map_err(|reason| SourceError::Parse {
                name: self.spec.name.clone(),
                path: path.to_string(),
                reason: reason.to_string(),
            })?;
        self.skipped.record(skipped);
        Ok(items)
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(
            method,
            format!("{}{path}", self.spec.url.trim_end_matches('/')),
        );
        if let Some((u, p)) = &self.spec.basic_auth {
            r = r.basic_auth(u, Some(p));
        }
        if let Some(t) = &self.spec.bearer_token {
            r = r.bearer_auth(t);
        }
        r
    }

    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<T, SourceError> {
        let name = self.spec.name.clone();
        let resp = req.send().await.map_err(|e| SourceError::Connect {
            name: name.clone(),
            url: self.spec.url.clone(),
            reason: error_chain(&e),
        })?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| SourceError::Connect {
            name: name.clone(),
            url: self.spec.url.clone(),
            reason: error_chain(&e),
        })?;
        if status >= 400 {
            return Err(SourceError::Api {
                name,
                path: path.to_string(),
                status,
                message: String::from_utf8_lossy(&bytes)
                    .trim()
                    .trim_matches('"')
                    .to_string(),
            });
        }
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        serde_json::from_slice(bytes)
            .and_then(atlas_core::decode::value)
            .map_err(|e| SourceError::Parse {
                name,
                path: path.to_string(),
                reason: e.to_string(),
            })
    }
}

/// A client for one Alertmanager (API v2).
#[derive(Debug, Clone)]
pub struct AlertmanagerClient(HttpSource);

impl AlertmanagerClient {
    pub fn new(spec: SourceSpec) -> Result<Self, SourceError> {
        HttpSource::new(spec).map(Self)
    }

    pub fn spec(&self) -> &SourceSpec {
        &self.0.spec
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.0.request(method, path)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<T, SourceError> {
        self.0.send(path, req).await
    }

    /// Every alert, silenced and inhibited ones included.
    pub async fn alerts(&self) -> Result<Vec<Alert>, SourceError> {
        let path = "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true";
        let v: serde_json::Value = self
            .send(path, self.request(reqwest::Method::GET, path))
            .await?;
        self.0.list(path, v)
    }

    /// Every silence (active, pending, expired).
    pub async fn silences(&self) -> Result<Vec<Silence>, SourceError> {
        let path = "/api/v2/silences";
        let v: serde_json::Value = self
            .send(path, self.request(reqwest::Method::GET, path))
            .await?;
        self.0.list(path, v)
    }

    /// The list items left out since the last call (see [`HttpSource::take_skipped`]).
    pub fn take_skipped(&self) -> Vec<atlas_core::decode::Skipped> {
        self.0.take_skipped()
    }

    fn writable(&self) -> Result<(), SourceError> {
        if self.0.spec.readonly {
            return Err(SourceError::ReadOnly(self.0.spec.name.clone()));
        }
        Ok(())
    }

    /// Creates (or, with `id`, updates) a silence; returns its id.
    pub async fn put_silence(&self, s: &SilenceRequest) -> Result<String, SourceError> {
        self.writable()?;
        #[derive(serde::Deserialize)]
        struct Created {
            #[serde(rename = "silenceID")]
            silence_id: String,
        }
        let path = "/api/v2/silences";
        let c: Created = self
            .send(path, self.request(reqwest::Method::POST, path).json(s))
            .await?;
        Ok(c.silence_id)
    }

    /// Expires a silence now.
    pub async fn expire_silence(&self, id: &str) -> Result<(), SourceError> {
        self.writable()?;
        let path = format!("/api/v2/silence/{}", atlas_core::text::encode(id));
        let _: serde_json::Value = self
            .send(&path, self.request(reqwest::Method::DELETE, &path))
            .await?;
        Ok(())
    }
}
