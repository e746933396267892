//! What can go wrong talking to Proxmox VE.

/// An error of the PVE client. Its text names the remote's problem as an operator needs it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PveError {
    /// The TLS setup (a CA file that cannot be read, a bad fingerprint).
    #[error("TLS: {0}")]
    Tls(String),
    /// The server could not be reached: nothing was sent.
    #[error("{0}")]
    Transport(String),
    /// The request may have reached the server, but no (whole) answer came back in time.
    #[error("no answer: {0}")]
    NoAnswer(String),
    /// Refused credentials: a bad token or password.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// PVE answered with an error status and its message.
    #[error("{message} (HTTP {status})")]
    Api { status: u16, message: String },
    /// The answer could not be read.
    #[error("unexpected answer from {path}: {message}")]
    Decode { path: String, message: String },
}

impl PveError {
    pub fn status(&self) -> Option<u16> {
        match self {
            PveError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}
