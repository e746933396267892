//! The error of every call to an Incus server.

/// Errors from talking to an Incus server, worded for an operator.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IncusError {
    /// Nothing was sent: the connection could not be made.
    #[error("cannot reach {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    /// The request may have reached the server, but no (whole) answer came back within its
    /// deadline: what it did there is not known.
    #[error("no answer from {endpoint}: {reason}")]
    NoAnswer { endpoint: String, reason: String },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("{path}: HTTP {status}: {message}")]
    Api {
        path: String,
        status: u16,
        message: String,
    },
    #[error("{path}: unexpected answer: {reason}")]
    Parse { path: String, reason: String },
    #[error("events: {0}")]
    Events(String),
}

impl IncusError {
    /// The link failed (nothing sent, or no answer): another try, or another member, may do.
    pub fn is_link(&self) -> bool {
        matches!(
            self,
            IncusError::Connect { .. } | IncusError::NoAnswer { .. } | IncusError::Events(_)
        )
    }

    /// True when the server answered "not found" (the object is gone).
    pub fn is_not_found(&self) -> bool {
        matches!(self, IncusError::Api { status: 404, .. })
    }
}
