//! Security profiles 2 and 3 over real TLS, with certificates made for the test.

use std::sync::Arc;

use ocpp_server::Router;
use ocpp_server::client::{ChargePoint, ChargePointConfig, ClientError};
use ocpp_server::server::{SecurityProfile, Server, ServerConfig};
use ocpp_server::storage::InMemoryStorage;
use ocpp_server::tls::{self, rustls};
use ocpp_types::{OcppVersion, v201};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority that issues server and station certificates.
struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Authority {
    fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.distinguished_name.push(DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Authority { issuer }
    }

    fn roots(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        roots.add(self.issuer.der().clone()).unwrap();
        roots
    }

    /// A leaf certificate for `names` with subject common name `common_name`.
    fn issue(
        &self,
        names: &[&str],
        common_name: &str,
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (vec![certificate.der().clone()], key)
    }
}

fn router() -> Router {
    Router::new().on(|_ctx, _: v201::HeartbeatRequest| async {
        Ok(v201::HeartbeatResponse {
            current_time: chrono::Utc::now(),
            custom_data: None,
        })
    })
}

async fn tls_server(
    authority: &Authority,
    profile: SecurityProfile,
    client_roots: Option<RootCertStore>,
) -> (Server, Arc<InMemoryStorage>) {
    let (chain, key) = authority.issue(&["localhost"], "csms.example");
    let mut config = ServerConfig::default();
    config.security = profile;
    config.tls = Some(tls::server_config(chain, key, client_roots).unwrap());
    let storage = Arc::new(InMemoryStorage::new());
    let server = Server::bind("127.0.0.1:0", config, router(), storage.clone())
        .await
        .unwrap();
    (server, storage)
}

fn station_config(
    server: &Server,
    identity: &str,
    tls: Arc<rustls::ClientConfig>,
) -> ChargePointConfig {
    let url = format!("wss://localhost:{}/ocpp", server.local_addr().port());
    let mut config = ChargePointConfig::new(url, identity);
    config.versions = vec![OcppVersion::V201];
    config.reconnect = None;
    config.tls = Some(tls);
    config
}

#[tokio::test]
async fn profile_2_is_tls_plus_basic_authentication() {
    let authority = Authority::new("Test root");
    let (server, storage) = tls_server(&authority, SecurityProfile::TlsBasic, None).await;
    storage
        .add_station("CP-2", Some("a long random password"))
        .unwrap();
    let trusting = tls::client_config(authority.roots(), None).unwrap();

    let mut config = station_config(&server, "CP-2", trusting.clone());
    config.password = Some("a long random password".into());
    let station = ChargePoint::connect(config.clone(), Router::new())
        .await
        .unwrap();
    station
        .call(&v201::HeartbeatRequest::default())
        .await
        .unwrap();
    station.close().await;

    config.password = Some("wrong".into());
    let refused = ChargePoint::connect(config.clone(), Router::new())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClientError::Upgrade(ref t) if t.contains("401")),
        "{refused}"
    );

    // A station that does not trust the server's authority does not connect.
    let other = Authority::new("Other root");
    let mut distrusting = station_config(
        &server,
        "CP-2",
        tls::client_config(other.roots(), None).unwrap(),
    );
    distrusting.password = Some("a long random password".into());
    let refused = ChargePoint::connect(distrusting, Router::new())
        .await
        .unwrap_err();
    assert!(matches!(refused, ClientError::Io(_)), "{refused}");
}

#[tokio::test]
async fn profile_3_takes_the_identity_from_the_client_certificate() {
    let authority = Authority::new("Test root");
    let stations = Authority::new("Station root");
    let (server, _) = tls_server(
        &authority,
        SecurityProfile::TlsClientCertificate,
        Some(stations.roots()),
    )
    .await;

    let certified =
        tls::client_config(authority.roots(), Some(stations.issue(&[], "CP-3"))).unwrap();
    let station = ChargePoint::connect(
        station_config(&server, "CP-3", certified.clone()),
        Router::new(),
    )
    .await
    .unwrap();
    station
        .call(&v201::HeartbeatRequest::default())
        .await
        .unwrap();
    assert_eq!(server.stations()[0].identity, "CP-3");

    // CP-3's certificate does not open CP-4.
    let refused = ChargePoint::connect(station_config(&server, "CP-4", certified), Router::new())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClientError::Upgrade(ref t) if t.contains("403")),
        "{refused}"
    );

    // Without a certificate, or with one from another authority, TLS itself fails.
    let anonymous = tls::client_config(authority.roots(), None).unwrap();
    assert!(
        ChargePoint::connect(station_config(&server, "CP-3", anonymous), Router::new())
            .await
            .is_err()
    );
    let foreign =
        tls::client_config(authority.roots(), Some(authority.issue(&[], "CP-3"))).unwrap();
    assert!(
        ChargePoint::connect(station_config(&server, "CP-3", foreign), Router::new())
            .await
            .is_err()
    );
}

#[test]
fn the_common_name_is_read_from_the_subject() {
    let authority = Authority::new("Root");
    let (chain, _) = authority.issue(&["station.example"], "CP-42");
    assert_eq!(
        tls::certificate_common_name(&chain[0]).as_deref(),
        Some("CP-42")
    );
    assert_eq!(
        tls::certificate_common_name(&CertificateDer::from(vec![1, 2, 3])),
        None
    );
}
