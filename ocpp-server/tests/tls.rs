//! Security profiles 2 and 3 over real TLS, with certificates made for the test.

use std::sync::Arc;

use ocpp_server::Router;
use ocpp_server::client::{ChargePoint, ChargePointConfig, ClientError};
use ocpp_server::server::{SecurityProfile, Server, ServerConfig};
use ocpp_server::storage::{InMemoryStorage, PasswordHash, StationRecord};
use ocpp_server::tls::{self, ClientCertificates, rustls};
use ocpp_types::{OcppVersion, v201};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer, DnType,
    IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};
use rustls::RootCertStore;
use rustls::pki_types::CertificateRevocationListDer;
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
        self.issue_numbered(names, common_name, None)
    }

    /// A certificate revocation list of the certificates numbered `serials`.
    fn revoke(&self, serials: &[u64]) -> CertificateRevocationListDer<'static> {
        let params = CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(2025, 1, 1),
            next_update: rcgen::date_time_ymd(2099, 1, 1),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|&serial| RevokedCertParams {
                    serial_number: SerialNumber::from(serial),
                    revocation_time: rcgen::date_time_ymd(2025, 1, 1),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params.signed_by(&self.issuer).unwrap().der().clone()
    }

    fn issue_numbered(
        &self,
        names: &[&str],
        common_name: &str,
        serial: Option<u64>,
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.serial_number = serial.map(SerialNumber::from);
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
    assert_eq!(server.stations()[0].address.identity(), "CP-3");

    // CP-3's certificate does not open CP-4.
    let refused = ChargePoint::connect(station_config(&server, "CP-4", certified), Router::new())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClientError::Upgrade(ref t) if t.contains("401")),
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

/// How a connection attempt ended: `Ok` once admitted, else the refusal.
async fn attempt(
    url: &str,
    identity: &str,
    password: Option<&str>,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<(), String> {
    let mut config = ChargePointConfig::new(url, identity);
    config.versions = vec![OcppVersion::V201];
    config.reconnect = None;
    config.password = password.map(str::to_owned);
    config.tls = tls;
    let station = ChargePoint::connect(config, Router::new())
        .await
        .map_err(|error| error.to_string())?;
    station.close().await;
    Ok(())
}

/// One server, a plain and a TLS listener, stations of every profile: each is admitted only
/// with what its own profile requires, whatever the server's default.
#[tokio::test]
async fn each_station_is_admitted_by_its_own_profile() {
    let authority = Authority::new("Test root");
    let stations = Authority::new("Station root");
    let storage = Arc::new(InMemoryStorage::new());
    let mut config = ServerConfig::default();
    config.accept_unknown_stations = false;
    let server = Server::bind("127.0.0.1:0", config, router(), storage.clone())
        .await
        .unwrap();
    let (chain, key) = authority.issue(&["localhost"], "csms.example");
    let clients = ClientCertificates::Optional {
        roots: stations.roots(),
        crls: vec![stations.revoke(&[666])],
    };
    let tls_addr = server
        .listen(
            "127.0.0.1:0",
            Some(tls::listener_config(chain, key, clients).unwrap()),
        )
        .await
        .unwrap();
    let password = "a long random password";
    for (identity, profile) in [
        ("CP-0", SecurityProfile::None),
        ("CP-1", SecurityProfile::Basic),
        ("CP-2", SecurityProfile::TlsBasic),
        ("CP-3", SecurityProfile::TlsClientCertificate),
        ("CP-5", SecurityProfile::TlsClientCertificate),
    ] {
        let mut record = StationRecord::new(identity);
        record.security_profile = Some(profile);
        record.password = profile
            .uses_password()
            .then(|| PasswordHash::new(password).unwrap());
        storage.add_record(identity.into(), record);
    }
    let plain = format!("ws://{}/ocpp", server.local_addr());
    let secure = format!("wss://localhost:{}/ocpp", tls_addr.port());
    let anonymous = || Some(tls::client_config(authority.roots(), None).unwrap());
    let certified = |name: &str, serial| {
        let certificate = stations.issue_numbered(&[], name, Some(serial));
        Some(tls::client_config(authority.roots(), Some(certificate)).unwrap())
    };
    let refused = |outcome: Result<(), String>| match outcome {
        Ok(()) => panic!("admitted"),
        Err(error) => error,
    };

    // Profile 0: nothing asked.
    attempt(&plain, "CP-0", None, None).await.unwrap();
    // Profile 1: its password, over either listener.
    assert!(refused(attempt(&plain, "CP-1", None, None).await).contains("401"));
    assert!(refused(attempt(&plain, "CP-1", Some("guess"), None).await).contains("401"));
    attempt(&plain, "CP-1", Some(password), None).await.unwrap();
    attempt(&secure, "CP-1", Some(password), anonymous())
        .await
        .unwrap();
    // Profile 2: its password, over TLS only.
    assert!(refused(attempt(&plain, "CP-2", Some(password), None).await).contains("401"));
    assert!(refused(attempt(&secure, "CP-2", None, anonymous()).await).contains("401"));
    attempt(&secure, "CP-2", Some(password), anonymous())
        .await
        .unwrap();
    // Profile 3: a certificate naming it, over TLS only; a password is no substitute.
    assert!(refused(attempt(&plain, "CP-3", Some(password), None).await).contains("401"));
    assert!(refused(attempt(&secure, "CP-3", Some(password), anonymous()).await).contains("401"));
    let other = refused(attempt(&secure, "CP-3", None, certified("CP-4", 4)).await);
    assert!(other.contains("401"), "{other}");
    attempt(&secure, "CP-3", None, certified("CP-3", 3))
        .await
        .unwrap();
    // A revoked certificate does not get through TLS.
    refused(attempt(&secure, "CP-5", None, certified("CP-5", 666)).await);
    attempt(&secure, "CP-5", None, certified("CP-5", 5))
        .await
        .unwrap();
    // Unknown stations are refused alike.
    assert!(refused(attempt(&plain, "CP-9", None, None).await).contains("401"));
    server.shutdown().await;
}
