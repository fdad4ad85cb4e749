//! TLS mode: the committed certificate fixtures and the rustls server configuration.

use std::io;
use std::sync::Arc;

use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::{TlsOptions, CA_PEM, SERVER_CERT_PEM, SERVER_KEY_PEM};

fn invalid(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("webraft-test-server TLS fixture {what}: {e}"),
    )
}

fn certs(pem: &str, what: &str) -> io::Result<Vec<CertificateDer<'static>>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(what, e))
}

/// The acceptor for [`crate::TestServer::start_tls`]: the fixture server certificate, HTTP/1.1
/// over ALPN, and with `require_client_cert` a verifier that accepts only client certificates
/// signed by the fixture CA. The ring provider is named explicitly so the configuration never
/// depends on which rustls provider features the rest of the workspace enables.
pub(crate) fn acceptor(options: &TlsOptions) -> io::Result<TlsAcceptor> {
    let provider = Arc::new(ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("protocol versions", e))?;
    let builder = if options.require_client_cert {
        let mut roots = RootCertStore::empty();
        for ca in certs(CA_PEM, "ca.pem")? {
            roots.add(ca).map_err(|e| invalid("ca.pem", e))?;
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| invalid("client verifier", e))?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY_PEM.as_bytes())
        .map_err(|e| invalid("server.key", e))?;
    let mut config = builder
        .with_single_cert(certs(SERVER_CERT_PEM, "server.pem")?, key)
        .map_err(|e| invalid("server.pem", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
