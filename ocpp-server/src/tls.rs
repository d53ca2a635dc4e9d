//! TLS settings for security profiles 2 and 3, with rustls and its `ring` provider.
//!
//! Build the server side with [`listener_config`] (which client certificates it asks for:
//! none for profile 2 alone, optional to serve profiles 2 and 3 on one listener, required
//! for profile 3 alone; with certificate revocation lists) and the charge-point side with
//! [`client_config`]. The identity of a station connecting with a client certificate is the
//! common name (CN) of the certificate's subject, as OCPP 2.x prescribes for security
//! profile 3. [`read_certificates`], [`read_private_key`] and [`read_crls`] read PEM files.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
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

/// Which client certificates a TLS listener asks stations for.
#[derive(Debug, Clone)]
pub enum ClientCertificates {
    /// None (stations of security profile 2: TLS plus Basic).
    None,
    /// A certificate issued under `roots` and not revoked by `crls`, if the station has one:
    /// stations of profiles 2 and 3 on one listener (each is admitted by its own profile,
    /// see [`crate::security::admit`]).
    Optional {
        /// The certificate authorities that issue station certificates.
        roots: RootCertStore,
        /// Revoked certificates.
        crls: Vec<CertificateRevocationListDer<'static>>,
    },
    /// A certificate issued under `roots` and not revoked by `crls`, from every station
    /// (profile 3 only).
    Required {
        /// The certificate authorities that issue station certificates.
        roots: RootCertStore,
        /// Revoked certificates.
        crls: Vec<CertificateRevocationListDer<'static>>,
    },
}

/// A server configuration with `certificates` (leaf first) and `key`. With `client_roots`,
/// every station must present a certificate issued under them (security profile 3);
/// without, no client certificate is asked for (profile 2). See [`listener_config`] for
/// optional client certificates and revocation lists.
pub fn server_config(
    certificates: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_roots: Option<RootCertStore>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let clients = match client_roots {
        Some(roots) => ClientCertificates::Required {
            roots,
            crls: Vec::new(),
        },
        None => ClientCertificates::None,
    };
    listener_config(certificates, key, clients)
}

/// A server configuration with `certificates` (leaf first) and `key`, asking stations for
/// the client certificates `clients` says.
pub fn listener_config(
    certificates: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    clients: ClientCertificates,
) -> Result<Arc<ServerConfig>, TlsError> {
    let error = |e: &dyn std::fmt::Display| TlsError(e.to_string());
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| error(&e))?;
    let verifier = |roots: RootCertStore, crls| {
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider()).with_crls(crls)
    };
    let builder = match clients {
        ClientCertificates::None => builder.with_no_client_auth(),
        ClientCertificates::Optional { roots, crls } => builder.with_client_cert_verifier(
            verifier(roots, crls)
                .allow_unauthenticated()
                .build()
                .map_err(|e| error(&e))?,
        ),
        ClientCertificates::Required { roots, crls } => {
            builder.with_client_cert_verifier(verifier(roots, crls).build().map_err(|e| error(&e))?)
        }
    };
    let config = builder
        .with_single_cert(certificates, key)
        .map_err(|e| error(&e))?;
    Ok(Arc::new(config))
}

/// The certificates of a PEM file, in order.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let read = CertificateDer::pem_file_iter(path)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError(format!("{}: {e}", path.display())))?;
    if read.is_empty() {
        return Err(TlsError(format!("{}: no certificate", path.display())));
    }
    Ok(read)
}

/// The private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError(format!("{}: {e}", path.display())))
}

/// The certificate revocation lists of a PEM file.
pub fn read_crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    CertificateRevocationListDer::pem_file_iter(path)
        .and_then(|crls| crls.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError(format!("{}: {e}", path.display())))
}

/// A root store of the certificates of a PEM file.
pub fn read_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for certificate in read_certificates(path)? {
        roots
            .add(certificate)
            .map_err(|e| TlsError(format!("{}: {e}", path.display())))?;
    }
    Ok(roots)
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
