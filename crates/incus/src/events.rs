//! The `/1.0/events` websocket, over the unix socket or TLS with the pinned configuration.

use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use rustls::pki_types::ServerName;
use tokio_tungstenite::tungstenite::Message;

use super::cliconfig::Endpoint;
use super::client::{IncusClient, IncusError, Scope, error_chain};
use super::types::Event;

/// A stream of decoded events; it ends (or yields an error) when the connection drops.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<Event, IncusError>> + Send>>;

/// Subscribes to lifecycle and operation events.
pub async fn subscribe(client: &IncusClient, scope: &Scope) -> Result<EventStream, IncusError> {
    subscribe_to(client, scope, "lifecycle,operation").await
}

/// Subscribes to the given event types (comma-separated: `operation`, `lifecycle`, `logging`).
pub async fn subscribe_to(
    client: &IncusClient,
    scope: &Scope,
    types: &str,
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
            Ok(decode(ws))
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
            Ok(decode(ws))
        }
    }
}

fn decode<S>(ws: tokio_tungstenite::WebSocketStream<S>) -> EventStream
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    Box::pin(ws.filter_map(|msg| async move {
        match msg {
            Ok(Message::Text(t)) => decode_event(t.as_bytes()),
            Ok(Message::Binary(b)) => decode_event(&b),
            Ok(Message::Close(_)) => Some(Err(IncusError::Events(
                "server closed the event stream".into(),
            ))),
            Ok(_) => None,
            Err(e) => Some(Err(IncusError::Events(error_chain(&e)))),
        }
    }))
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
