//! atlas-net: TLS for self-signed servers. A verifier that trusts exactly one pinned
//! certificate, or a certificate with a pinned SHA-256 fingerprint, and the process-wide crypto
//! provider. Used by the providers (Incus, Proxmox VE).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Installs ring as the process-wide crypto provider (idempotent).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// What a server's certificate must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// Exactly this certificate, byte for byte.
    Certificate(CertificateDer<'static>),
    /// A certificate with this SHA-256 fingerprint (as Proxmox VE shows it).
    Sha256([u8; 32]),
}

impl Pin {
    /// Parses a SHA-256 fingerprint: 64 hex digits, with or without `:` between bytes.
    pub fn parse_sha256(s: &str) -> Result<Pin, String> {
        let hex: String = s.chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "fingerprint {s:?} is not a SHA-256 fingerprint (64 hex digits, `:` between bytes allowed)"
            ));
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(Pin::Sha256(out))
    }

    fn matches(&self, cert: &CertificateDer<'_>) -> bool {
        match self {
            Pin::Certificate(c) => cert.as_ref() == c.as_ref(),
            Pin::Sha256(fp) => sha256(cert.as_ref()) == *fp,
        }
    }
}

/// The SHA-256 fingerprint of a certificate, as `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    sha256(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn sha256(der: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Accepts only a server whose end-entity certificate is the pinned one. Self-signed servers
/// (Incus, Proxmox VE's default) are trusted this way, never by turning verification off.
#[derive(Debug)]
pub struct PinnedVerifier {
    pin: Pin,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    pub fn new(pin: Pin, provider: &CryptoProvider) -> Self {
        Self {
            pin,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.pin.matches(end_entity) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "server certificate (SHA-256 {}) does not match the pinned {}",
                fingerprint(end_entity.as_ref()),
                match &self.pin {
                    Pin::Certificate(_) => "certificate",
                    Pin::Sha256(_) => "fingerprint",
                }
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_with_or_without_colons() {
        let fp = "AB:".repeat(31) + "AB";
        assert_eq!(Pin::parse_sha256(&fp), Ok(Pin::Sha256([0xAB; 32])));
        assert_eq!(
            Pin::parse_sha256(&"ab".repeat(32)),
            Ok(Pin::Sha256([0xAB; 32]))
        );
        assert!(Pin::parse_sha256("AB:CD").is_err());
        assert!(Pin::parse_sha256(&"zz".repeat(32)).is_err());
        let der = b"not really a certificate";
        let pin = Pin::parse_sha256(&fingerprint(der)).unwrap();
        assert!(pin.matches(&CertificateDer::from(der.to_vec())));
        assert!(!pin.matches(&CertificateDer::from(b"other".to_vec())));
    }
}
