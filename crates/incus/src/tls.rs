//! TLS for HTTPS remotes: the client certificate from the incus CLI and a verifier that accepts
//! exactly the pinned server certificate (Incus servers use self-signed certificates).

use std::path::Path;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::error::IncusError;

use atlas_net::Pin;
pub use atlas_net::{PinnedVerifier, install_crypto_provider};

/// Builds the rustls configuration for one HTTPS remote.
pub fn client_config(
    client_cert: &Path,
    client_key: &Path,
    server_cert: &Path,
) -> Result<ClientConfig, IncusError> {
    install_crypto_provider();
    let tls_err = |what: &str, p: &Path, e: &dyn std::fmt::Display| {
        IncusError::Tls(format!("{what} {}: {e}", p.display()))
    };
    let pinned = CertificateDer::from_pem_file(server_cert).map_err(|e| {
        tls_err(
            "no pinned server certificate (add the remote with `incus remote add`)",
            server_cert,
            &e,
        )
    })?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(client_cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| tls_err("cannot read client certificate", client_cert, &e))?;
    if certs.is_empty() {
        return Err(tls_err(
            "cannot read client certificate",
            client_cert,
            &"no certificate in file",
        ));
    }
    let key = PrivateKeyDer::from_pem_file(client_key)
        .map_err(|e| tls_err("cannot read client key", client_key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinnedVerifier::new(Pin::Certificate(pinned), &provider));
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| IncusError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(certs, key)
        .map_err(|e| IncusError::Tls(format!("client certificate/key: {e}")))?;
    Ok(config)
}
