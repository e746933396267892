//! A Proxmox VE remote as configured: where, how to log in, which certificate to trust.

use atlas_net::Pin;
use rustls::pki_types::CertificateDer;

/// How atlas-tui logs in.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// An API token, `user@realm!tokenid`, and its secret: `Authorization: PVEAPIToken=…`.
    Token { id: String, secret: String },
    /// A user and password: a ticket (renewed before its two hours run out), and the CSRF
    /// token on every write.
    Password { user: String, password: String },
}

impl std::fmt::Debug for Auth {
    // Secrets never reach logs or debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Token { id, .. } => write!(f, "Token({id}, secret hidden)"),
            Auth::Password { user, .. } => write!(f, "Password({user}, password hidden)"),
        }
    }
}

/// Which server certificate is trusted. PVE's default certificate is self-signed: pin it (or
/// its fingerprint) or give the CA that signed it; verification is never turned off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Exactly this certificate, or one with this SHA-256 fingerprint.
    Pinned(Pin),
    /// Certificates signed by these CAs (for the name in the URL).
    Ca(Vec<CertificateDer<'static>>),
}

/// A Proxmox VE cluster (or single host) as the console reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PveSpec {
    pub name: String,
    /// `https://host:8006`.
    pub url: String,
    pub auth: Auth,
    pub trust: Trust,
    pub production: bool,
}
