//! The PVE API client: `/api2/json` over HTTPS with the pinned (or CA-checked) certificate,
//! an API token or a ticket (renewed before it expires, again after a 401), the CSRF token on
//! writes. Every answer is `{"data": …}`; errors carry PVE's own message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::error::PveError;
use crate::spec::{Auth, PveSpec, Trust};

/// Tickets live two hours; a new one is fetched well before.
const TICKET_RENEW: Duration = Duration::from_secs(100 * 60);

#[derive(Clone)]
struct Ticket {
    cookie: String,
    csrf: String,
    at: Instant,
}

enum Login {
    Token(String),
    Password {
        user: String,
        password: String,
        ticket: Mutex<Option<Ticket>>,
    },
}

/// A client of one PVE remote; cheap to clone.
#[derive(Clone)]
pub struct PveClient {
    http: reqwest::Client,
    base: String,
    remote: String,
    login: Arc<Login>,
    /// Called on every answer: the link proved alive.
    on_answer: Option<atlas_core::liveness::OnAlive>,
}

impl std::fmt::Debug for PveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PveClient({}, {})", self.remote, self.base)
    }
}

fn tls_config(trust: &Trust) -> Result<rustls::ClientConfig, PveError> {
    atlas_net::install_crypto_provider();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PveError::Tls(e.to_string()))?;
    Ok(match trust {
        Trust::Pinned(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(atlas_net::PinnedVerifier::new(
                pin.clone(),
                &provider,
            )))
            .with_no_client_auth(),
        Trust::Ca(certs) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in certs {
                roots
                    .add(c.clone())
                    .map_err(|e| PveError::Tls(format!("CA certificate: {e}")))?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    })
}

/// The text of a reqwest error with its causes (a TLS refusal says why).
fn transport(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(c) = src {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = c.source();
    }
    s
}

/// How long one request may take: PVE answers its lists and writes (a write starts a task and
/// answers with its UPID) in well under a second; a link that answers nothing within this is
/// not waited for.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(15);

/// A failed request: nothing sent (no connection), or sent without a (whole) answer.
fn link_error(e: &reqwest::Error) -> PveError {
    if e.is_connect() {
        PveError::Transport(transport(e))
    } else {
        PveError::NoAnswer(transport(e))
    }
}

impl PveClient {
    pub fn new(spec: &PveSpec) -> Result<Self, PveError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(REQUEST_DEADLINE)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("atlas-tui/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(tls_config(&spec.trust)?)
            .build()
            .map_err(|e| PveError::Tls(transport(&e)))?;
        let login = match &spec.auth {
            Auth::Token { id, secret } => Login::Token(format!("PVEAPIToken={id}={secret}")),
            Auth::Password { user, password } => Login::Password {
                user: user.clone(),
                password: password.clone(),
                ticket: Mutex::new(None),
            },
        };
        Ok(PveClient {
            http,
            base: format!("{}/api2/json", spec.url.trim_end_matches('/')),
            remote: spec.name.clone(),
            login: Arc::new(login),
            on_answer: None,
        })
    }

    /// The same client, calling `on_answer` whenever the server answers.
    pub fn with_on_answer(mut self, on_answer: atlas_core::liveness::OnAlive) -> Self {
        self.on_answer = Some(on_answer);
        self
    }

    pub fn remote(&self) -> &str {
        &self.remote
    }

    /// A ticket: the current one, or a new one when it is old or `renew` says it was refused.
    async fn ticket(&self, renew: bool) -> Result<Option<Ticket>, PveError> {
        let Login::Password {
            user,
            password,
            ticket,
        } = &*self.login
        else {
            return Ok(None);
        };
        let mut cur = ticket.lock().await;
        if let Some(t) = cur.as_ref()
            && !renew
            && t.at.elapsed() < TICKET_RENEW
        {
            return Ok(Some(t.clone()));
        }
        let resp = self
            .http
            .post(format!("{}/access/ticket", self.base))
            .form(&[("username", user.as_str()), ("password", password.as_str())])
            .send()
            .await
            .map_err(|e| PveError::Transport(transport(&e)))?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status == 401 || status == 403 {
            return Err(PveError::Auth(format!("{user}: login refused")));
        }
        let data = &body["data"];
        let (Some(t), Some(csrf)) = (
            data["ticket"].as_str(),
            data["CSRFPreventionToken"].as_str(),
        ) else {
            return Err(PveError::Auth(format!(
                "{user}: no ticket in the answer (HTTP {status})"
            )));
        };
        let t = Ticket {
            cookie: format!("PVEAuthCookie={t}"),
            csrf: csrf.to_string(),
            at: Instant::now(),
        };
        *cur = Some(t.clone());
        Ok(Some(t))
    }

    /// One request: the status, the answer's text and the status's reason.
    async fn send_text(
        &self,
        method: &Method,
        path: &str,
        form: &[(&str, String)],
        renew: bool,
    ) -> Result<(u16, String, String), PveError> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        match &*self.login {
            Login::Token(h) => req = req.header("Authorization", h),
            Login::Password { .. } => {
                if let Some(t) = self.ticket(renew).await? {
                    req = req.header("Cookie", t.cookie);
                    if *method != Method::GET {
                        req = req.header("CSRFPreventionToken", t.csrf);
                    }
                }
            }
        }
        if !form.is_empty() {
            req = req.form(form);
        }
        let resp = req.send().await.map_err(|e| link_error(&e))?;
        if let Some(heard) = &self.on_answer {
            heard();
        }
        let status = resp.status();
        let reason = status.canonical_reason().unwrap_or("").to_string();
        let text = resp.text().await.map_err(|e| link_error(&e))?;
        Ok((status.as_u16(), text, reason))
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        form: &[(&str, String)],
        renew: bool,
    ) -> Result<(u16, Value, String), PveError> {
        let (status, text, reason) = self.send_text(method, path, form, renew).await?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let message = message(&body, reason);
        Ok((status, body, message))
    }

    /// The error for a refused request.
    fn refusal(&self, status: u16, body: &Value, message: String) -> PveError {
        match status {
            401 => PveError::Auth(match &*self.login {
                Login::Token(_) => format!("the API token was refused ({message})"),
                Login::Password { user, .. } => format!("{user}: {message}"),
            }),
            _ => {
                let mut message = message;
                // Parameter errors name the fields.
                if let Some(errs) = body["errors"].as_object() {
                    for (k, v) in errs {
                        message.push_str(&format!("; {k}: {}", v.as_str().unwrap_or("").trim()));
                    }
                }
                PveError::Api { status, message }
            }
        }
    }

    /// Sends a request and gives `data`; a refused ticket is renewed once.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        form: &[(&str, String)],
    ) -> Result<Value, PveError> {
        let (mut status, mut body, mut message) =
            self.send_once(&method, path, form, false).await?;
        if status == 401 && matches!(&*self.login, Login::Password { .. }) {
            (status, body, message) = self.send_once(&method, path, form, true).await?;
        }
        match status {
            200..=299 => Ok(body.get_mut("data").map(Value::take).unwrap_or_default()),
            _ => Err(self.refusal(status, &body, message)),
        }
    }

    /// The list under `data`, decoded item by item from the answer's text (no tree of the
    /// whole answer is built); bad items are left out and named.
    pub async fn get_list<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(Vec<T>, Vec<atlas_core::decode::Skipped>), PveError> {
        let (mut status, mut text, mut reason) =
            self.send_text(&Method::GET, path, &[], false).await?;
        if status == 401 && matches!(&*self.login, Login::Password { .. }) {
            (status, text, reason) = self.send_text(&Method::GET, path, &[], true).await?;
        }
        if !(200..=299).contains(&status) {
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            return Err(self.refusal(status, &body, message(&body, reason)));
        }
        let mut out = Vec::new();
        let head =
            atlas_core::decode::envelope_list_in("data", path, text.as_bytes(), |t| out.push(t))
                .map_err(|e| PveError::Decode {
                    path: path.to_string(),
                    message: e.to_string(),
                })?;
        if let Some(what) = head.not_a_list {
            return Err(PveError::Decode {
                path: path.to_string(),
                message: format!("expected a list, got {what}"),
            });
        }
        Ok((out, head.skipped))
    }

    pub async fn get_value(&self, path: &str) -> Result<Value, PveError> {
        self.send(Method::GET, path, &[]).await
    }

    /// `data` decoded as `T` (whole: for lists, decode with `atlas_core::decode` instead).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, PveError> {
        let v = self.get_value(path).await?;
        serde_json::from_value(v).map_err(|e| PveError::Decode {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    pub async fn post(&self, path: &str, form: &[(&str, String)]) -> Result<Value, PveError> {
        self.send(Method::POST, path, form).await
    }

    pub async fn delete(&self, path: &str) -> Result<Value, PveError> {
        self.send(Method::DELETE, path, &[]).await
    }
}

/// Percent-encodes a path segment (a UPID, a volume id).
pub fn encode(s: &str) -> String {
    atlas_core::text::encode(s)
}

/// The answer's own message, else the status's reason.
fn message(body: &Value, reason: String) -> String {
    body["message"]
        .as_str()
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .unwrap_or(reason)
}
