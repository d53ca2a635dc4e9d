//! TLS settings for security profiles 2 and 3, with rustls and its `ring` provider.
//!
//! Build the server side with [`server_config`] (with client roots for profile 3) and the
//! charge-point side with [`client_config`]. The identity of a station connecting with a
//! client certificate is the common name (CN) of the certificate's subject, as OCPP 2.x
//! prescribes for security profile 3.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use x509_cert::der::Decode;

pub use rustls;

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[error("TLS configuration: {0}")]
pub struct TlsError(String);

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server configuration with `certificates` (leaf first) and `key`. With `client_roots`,
/// every station must present a certificate issued under them (security profile 3);
/// without, no client certificate is asked for (profile 2).
pub fn server_config(
    certificates: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_roots: Option<RootCertStore>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let error = |e: &dyn std::fmt::Display| TlsError(e.to_string());
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| error(&e))?;
    let builder = match client_roots {
        Some(roots) => {
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| error(&e))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(certificates, key)
        .map_err(|e| error(&e))?;
    Ok(Arc::new(config))
}

/// A client configuration trusting `roots`, presenting `client` (certificates, leaf first,
/// and key) when given (security profile 3).
pub fn client_config(
    roots: RootCertStore,
    client: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
) -> Result<Arc<ClientConfig>, TlsError> {
    let error = |e: &dyn std::fmt::Display| TlsError(e.to_string());
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| error(&e))?
        .with_root_certificates(roots);
    let config = match client {
        Some((certificates, key)) => builder
            .with_client_auth_cert(certificates, key)
            .map_err(|e| error(&e))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The common name of the certificate's subject, if it has one (the last CN, if several).
pub fn certificate_common_name(certificate: &CertificateDer<'_>) -> Option<String> {
    let certificate = x509_cert::Certificate::from_der(certificate.as_ref()).ok()?;
    let cn = x509_cert::der::oid::db::rfc4519::COMMON_NAME;
    certificate
        .tbs_certificate
        .subject
        .0
        .iter()
        .rev()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|attribute| attribute.oid == cn)
        .find_map(|attribute| {
            let value = &attribute.value;
            x509_cert::der::asn1::Utf8StringRef::try_from(value)
                .map(|s| s.as_str().to_owned())
                .or_else(|_| {
                    x509_cert::der::asn1::PrintableStringRef::try_from(value)
                        .map(|s| s.as_str().to_owned())
                })
                .ok()
        })
}
