//! The `/1.0/events` websocket, over the unix socket or TLS with the pinned configuration.

use std::pin::Pin;
use std::time::Duration;

use futures_util::SinkExt;
use tokio::time::Instant;

use futures_util::{Stream, StreamExt};
use rustls::pki_types::ServerName;
use tokio_tungstenite::tungstenite::Message;

use super::cliconfig::Endpoint;
use super::client::{IncusClient, IncusError, Scope, error_chain};
use super::types::Event;

/// A stream of decoded events; it ends (or yields an error) when the connection drops.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<Event, IncusError>> + Send>>;

/// Subscribes to lifecycle and operation events; `on_alive` is called whenever the link proved
/// alive.
pub async fn subscribe(
    client: &IncusClient,
    scope: &Scope,
    on_alive: OnAlive,
) -> Result<EventStream, IncusError> {
    within_deadline(
        client,
        open(client, scope, "lifecycle,operation", Some(on_alive)),
    )
    .await
}

/// Subscribes to the given event types (comma-separated: `operation`, `lifecycle`, `logging`).
pub async fn subscribe_to(
    client: &IncusClient,
    scope: &Scope,
    types: &str,
) -> Result<EventStream, IncusError> {
    within_deadline(client, open(client, scope, types, None)).await
}

/// A subscription that is not set up within a cheap call's deadline (connect, TLS, upgrade) is
/// a remote that does not answer.
async fn within_deadline(
    client: &IncusClient,
    open: impl std::future::Future<Output = Result<EventStream, IncusError>>,
) -> Result<EventStream, IncusError> {
    let deadline = crate::client::CHEAP_READ;
    tokio::time::timeout(deadline, open)
        .await
        .unwrap_or_else(|_| {
            Err(IncusError::Connect {
                endpoint: client.endpoint().describe(),
                reason: format!(
                    "no answer to the event subscription within {} s",
                    deadline.as_secs()
                ),
            })
        })
}

/// Opens the websocket; the stream ends with an error when the link goes silent.
async fn open(
    client: &IncusClient,
    scope: &Scope,
    types: &str,
    on_alive: Option<OnAlive>,
) -> Result<EventStream, IncusError> {
    let path = format!(
        "/1.0/events?type={types}&{}",
        crate::client::scope_query(scope)
    );
    let ev = |e: &dyn std::fmt::Display| IncusError::Events(e.to_string());
    match client.endpoint() {
        Endpoint::Unix(sock) => {
            let stream =
                tokio::net::UnixStream::connect(sock)
                    .await
                    .map_err(|e| IncusError::Connect {
                        endpoint: client.endpoint().describe(),
                        reason: e.to_string(),
                    })?;
            let (ws, _) = tokio_tungstenite::client_async(format!("ws://incus{path}"), stream)
                .await
                .map_err(|e| ev(&error_chain(&e)))?;
            Ok(watched(ws, on_alive))
        }
        Endpoint::Https { url, .. } => {
            let hostport = url.trim_start_matches("https://");
            let host = hostport
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or(hostport)
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string();
            let addr = if hostport.contains(':') && !hostport.ends_with(']') {
                hostport.to_string()
            } else {
                format!("{hostport}:8443")
            };
            let tcp =
                tokio::net::TcpStream::connect(&addr)
                    .await
                    .map_err(|e| IncusError::Connect {
                        endpoint: url.clone(),
                        reason: e.to_string(),
                    })?;
            let config = client
                .tls_config()
                .ok_or_else(|| IncusError::Tls("no TLS configuration".into()))?;
            let name = ServerName::try_from(host).map_err(|e| ev(&e))?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| IncusError::Tls(format!("{url}: {e}")))?;
            let (ws, _) = tokio_tungstenite::client_async(format!("wss://{hostport}{path}"), tls)
                .await
                .map_err(|e| ev(&error_chain(&e)))?;
            Ok(watched(ws, on_alive))
        }
    }
}

/// How often the console pings the server on the event stream.
pub const PING_EVERY: Duration = Duration::from_secs(3);

/// A stream from which nothing at all (no event, no pong, no keepalive) came for this long is
/// dead, whatever the socket says: a frozen relay or a stalled VPN sends neither data nor RST.
pub const SILENT_AFTER: Duration = Duration::from_secs(10);

/// Called whenever the stream proved the link alive (any frame came).
pub use atlas_core::liveness::OnAlive;

/// Reads the websocket on a task of its own, pings the server every [`PING_EVERY`] and ends the
/// stream with an error when nothing came for [`SILENT_AFTER`]. The task ends with the stream.
fn watched<S>(ws: tokio_tungstenite::WebSocketStream<S>, on_alive: Option<OnAlive>) -> EventStream
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let (mut sink, mut frames) = ws.split();
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut heard = Instant::now();
        let end = loop {
            tokio::select! {
                frame = frames.next() => {
                    let msg = match frame {
                        None => break IncusError::Events("event stream ended".into()),
                        Some(Err(e)) => break IncusError::Events(error_chain(&e)),
                        Some(Ok(msg)) => msg,
                    };
                    heard = Instant::now();
                    if let Some(alive) = &on_alive {
                        alive();
                    }
                    let ev = match msg {
                        Message::Text(t) => decode_event(t.as_bytes()),
                        Message::Binary(b) => decode_event(&b),
                        Message::Close(_) => {
                            break IncusError::Events("server closed the event stream".into())
                        }
                        _ => None,
                    };
                    if let Some(ev) = ev
                        && tx.send(ev).is_err()
                    {
                        return;
                    }
                }
                _ = ping.tick() => {
                    // A write into a link that takes nothing must not hold up the deadline.
                    let sent = tokio::time::timeout(PING_EVERY, sink.send(Message::Ping(Vec::new().into()))).await;
                    if let Ok(Err(e)) = sent {
                        break IncusError::Events(error_chain(&e));
                    }
                }
                _ = tokio::time::sleep_until(heard + SILENT_AFTER) => {
                    break IncusError::Events(format!(
                        "nothing heard from the server for {} s (no event, no pong): the link is silent",
                        SILENT_AFTER.as_secs()
                    ));
                }
            }
        };
        let _ = tx.send(Err(end));
    });
    let guard = AbortOnDrop(task);
    Box::pin(futures_util::stream::unfold(
        (rx, guard),
        |(mut rx, guard)| async move { rx.recv().await.map(|ev| (ev, (rx, guard))) },
    ))
}

/// Ends the reading task when the stream is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One event; an undecodable one is logged and left out (it must not end the stream).
fn decode_event(bytes: &[u8]) -> Option<Result<Event, IncusError>> {
    let decoded = serde_json::from_slice::<serde_json::Value>(bytes)
        .and_then(atlas_core::decode::value::<Event>);
    match decoded {
        Ok(ev) => Some(Ok(ev)),
        Err(e) => {
            tracing::warn!(error = %e, "undecodable event skipped");
            None
        }
    }
}
