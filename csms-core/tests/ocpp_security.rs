//! Station security against the CSMS over real sockets, attacked as an impostor would: a
//! station's own profile and password are enforced at the handshake, profile 0 only where
//! its tenant allows it, and one tenant's registration cannot capture another tenant's
//! station of the same identity.

mod ocpp_support;

use csms_core::model::{
    NewStation, NewTenant, RegistrationStatus, TenantRole, TenantSettings, UnknownStationPolicy,
};
use csms_core::ocpp::commands::{Command, Outcome, ResetKind};
use csms_core::store::{StationStore, Store, TenantStore};
use ocpp_server::Router;
use ocpp_server::client::{ChargePoint, ChargePointConfig};
use ocpp_server::storage::PasswordHash;
use ocpp_support::{Harness, sqlite};
use ocpp_types::{OcppVersion, v16, v201};

const PASSWORD: &str = "7f3a9c2e5b8d1f4a6c0e";

async fn boot16(cp: &ChargePoint) -> v16::RegistrationStatus {
    let request = v16::BootNotificationRequest::new("Wallbox 22", "Acme");
    cp.call(&request).await.expect("boot answered").status
}

fn refused<T>(attempt: Result<T, impl std::fmt::Display>) -> String {
    match attempt {
        Ok(_) => panic!("admitted"),
        Err(error) => error.to_string(),
    }
}

/// Registers `identity` in the harness's tenant with `profile` and, for profiles 1 and 2,
/// the test password.
async fn register<S: Store>(h: &Harness<S>, identity: &str, profile: u8) {
    let mut new = NewStation::accepted(identity);
    new.security_profile = profile;
    new.credentials_hash = matches!(profile, 1 | 2).then(|| PasswordHash::new(PASSWORD).unwrap());
    h.store
        .create_station(h.tenant, &new)
        .await
        .expect("station registered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_with_a_password_is_not_admitted_without_it() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    register(&h, "CP-SECURE", 1).await;
    let version = OcppVersion::V16;
    let attempt = |password| h.try_connect("CP-SECURE", version, password, Router::new());

    // No credentials at all, then a wrong password: both refused before any message.
    assert!(refused(attempt(None).await).contains("401"));
    assert!(refused(attempt(Some("7f3a9c2e5b8d1f4a6c0X")).await).contains("401"));
    // The right password is let in, and the station boots.
    let cp = attempt(Some(PASSWORD)).await.expect("admitted");
    assert_eq!(boot16(&cp).await, v16::RegistrationStatus::Accepted);
    cp.close().await;

    // Profile 2 needs TLS: its password over plain `ws` is refused.
    register(&h, "CP-TLS", 2).await;
    let attempt = h.try_connect("CP-TLS", version, Some(PASSWORD), Router::new());
    assert!(refused(attempt.await).contains("401"));
    // Profile 3 needs a client certificate.
    register(&h, "CP-CERT", 3).await;
    let attempt = h.try_connect("CP-CERT", version, Some(PASSWORD), Router::new());
    assert!(refused(attempt.await).contains("401"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_0_only_where_the_tenant_allows_it() {
    let h = sqlite(UnknownStationPolicy::Accept).await;
    register(&h, "CP-OPEN", 0).await;
    let cp = h.connect("CP-OPEN", OcppVersion::V16, Router::new()).await;
    assert_eq!(boot16(&cp).await, v16::RegistrationStatus::Accepted);
    cp.close().await;
    h.gone("CP-OPEN").await;

    // Once the tenant stops allowing unsecured stations, neither a registered profile-0
    // station nor an unknown one gets in without credentials.
    let mut settings = h.store.tenant(h.tenant).await.unwrap().unwrap().settings;
    settings.unsecured_stations = false;
    h.store
        .update_tenant_settings(h.tenant, &settings)
        .await
        .unwrap();
    for identity in ["CP-OPEN", "CP-UNKNOWN"] {
        let attempt = h.try_connect(identity, OcppVersion::V16, None, Router::new());
        assert!(refused(attempt.await).contains("401"), "{identity}");
    }
    assert!(
        h.store
            .station_by_identity(h.tenant, "CP-UNKNOWN")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenant_cannot_capture_a_station_of_the_same_identity() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    // Tenant B registers the identity first, with a password of its own.
    let b = h
        .store
        .create_tenant(&NewTenant {
            name: "Squatter".into(),
            role: TenantRole::Cpo,
            country_code: "NL".into(),
            party_id: "SQT".into(),
            settings: TenantSettings::default(),
        })
        .await
        .unwrap()
        .id;
    let mut squatted = NewStation::accepted("CP-REAL");
    squatted.security_profile = 1;
    squatted.credentials_hash = Some(PasswordHash::new("b's own password 123").unwrap());
    h.store.create_station(b, &squatted).await.unwrap();
    // Tenant A can still register its physical station of that name.
    register(&h, "CP-REAL", 1).await;

    // The station connects at A's URL and lands in A: its boot is in A's log.
    let cp = h
        .try_connect("CP-REAL", OcppVersion::V201, Some(PASSWORD), Router::new())
        .await
        .expect("admitted");
    let request = v201::BootNotificationRequest::new(
        v201::ChargingStation::new("Wallbox", "Acme"),
        v201::BootReason::PowerUp,
    );
    let answer = cp.call(&request).await.unwrap();
    assert_eq!(answer.status, v201::RegistrationStatus::Accepted);
    let a_station = h
        .store
        .station_by_identity(h.tenant, "CP-REAL")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a_station.model.as_deref(), Some("Wallbox"));
    let b_station = h
        .store
        .station_by_identity(b, "CP-REAL")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b_station.model, None);
    assert_eq!(b_station.registration, RegistrationStatus::Accepted);

    // B cannot command A's station: B's CP-REAL is another station, not connected.
    let commands = h.csms.commands();
    let actor = csms_core::model::Actor::System;
    let reset = Command::Reset {
        kind: ResetKind::Soft,
        evse: None,
    };
    let result = commands
        .send(b, actor.clone(), "CP-REAL", &h.server, &reset)
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::NotConnected);
    let result = commands
        .send(h.tenant, actor, "CP-REAL", &h.server, &reset)
        .await
        .unwrap();
    assert_ne!(result.outcome, Outcome::NotConnected);

    // A's password does not open B's address, nor does an unknown tenant exist.
    let b_url = h
        .url
        .replace(&format!("/ocpp/{}", h.tenant.0), &format!("/ocpp/{}", b.0));
    for url in [
        b_url,
        h.url
            .replace(&format!("/ocpp/{}", h.tenant.0), "/ocpp/999999"),
    ] {
        let mut config = ChargePointConfig::new(url, "CP-REAL");
        config.versions = vec![OcppVersion::V201];
        config.reconnect = None;
        config.password = Some(PASSWORD.to_owned());
        assert!(refused(ChargePoint::connect(config, Router::new()).await).contains("401"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_failure_tells_a_connecting_station_nothing_of_the_store() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = sqlite(UnknownStationPolicy::Accept).await;
    h.store.close().await;
    let url = h.url.trim_start_matches("ws://");
    let (address, path) = url.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET /{path}/CP-NOSTORE HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut response),
    )
    .await;
    let response = String::from_utf8_lossy(&response).to_ascii_lowercase();
    assert!(response.starts_with("http/1.1 503"), "{response}");
    for word in ["pool", "sqlx", "sqlite", "database", "closed"] {
        assert!(!response.contains(word), "{word:?} in {response}");
    }
}
