//! Roaming partners' tokens authorized at our stations, against a partner platform on
//! 127.0.0.1 that answers real-time authorization (`POST {tokens}/{uid}/authorize`): each
//! whitelist rule, the partner's refusals, and the partner unreachable.
#![cfg(feature = "http-api")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::post;
use chrono::Utc;
use csms_core::api::axum;
use csms_core::model::{
    NewRoamingPartner, NewStation, NewTenant, PartnerEndpoint, PartnerStatus, Station, TenantRole,
    TenantSettings, TokenHash,
};
use csms_core::ocpp::authorize::AuthStatus;
use csms_core::roaming::authorize::RoamingAuthorizer;
use csms_core::store::{RoamingStore, SecretKey, SqliteStore, StationStore, TenantStore};
use serde_json::{Value, json};

/// What the partner answers for each uid, and how many times it was asked.
#[derive(Default)]
struct Partner {
    asked: AtomicUsize,
}

async fn authorize(
    State(partner): State<Arc<Partner>>,
    Path(uid): Path<String>,
    Json(_body): Json<Value>,
) -> Json<Value> {
    partner.asked.fetch_add(1, Ordering::SeqCst);
    let allowed = match uid.as_str() {
        "BLOCKED-1" => "BLOCKED",
        "NOCREDIT-1" => "NO_CREDIT",
        _ => "ALLOWED",
    };
    Json(json!({
        "status_code": 1000,
        "timestamp": "2026-03-01T10:00:00Z",
        "data": { "allowed": allowed, "token": token(&uid, true, "NEVER") },
    }))
}

fn token(uid: &str, valid: bool, whitelist: &str) -> Value {
    json!({
        "country_code": "DE", "party_id": "EMP", "uid": uid, "type": "RFID",
        "contract_id": "DE-EMP-C12345678-X", "issuer": "eMSP", "valid": valid,
        "whitelist": whitelist, "last_updated": "2026-03-01T10:00:00Z"
    })
}

struct Setup {
    store: Arc<SqliteStore>,
    station: Station,
    partner: Arc<Partner>,
    _dir: tempdir::Dir,
}

mod tempdir {
    pub(crate) struct Dir(pub(crate) std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A tenant with a station and a partner whose tokens endpoint is `tokens_url` (a live
/// partner, or an address where nobody listens), and the partner's tokens stored.
async fn setup(reachable: bool) -> Setup {
    let path = std::env::temp_dir().join(format!(
        "roaming-authorize-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&path).unwrap();
    let store = Arc::new(
        SqliteStore::open(path.join("csms.db"))
            .await
            .unwrap()
            .with_secret_key(SecretKey::generate().unwrap()),
    );
    let tenant = store
        .create_tenant(&NewTenant {
            name: "CPO".to_owned(),
            role: TenantRole::Cpo,
            country_code: "NL".to_owned(),
            party_id: "CPO".to_owned(),
            settings: TenantSettings::default(),
        })
        .await
        .unwrap()
        .id;
    let station = store
        .create_station(tenant, &NewStation::accepted("CP-1"))
        .await
        .unwrap();
    let partner = Arc::new(Partner::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    if reachable {
        let app = axum::Router::new()
            .route("/ocpi/2.2.1/tokens/{uid}/authorize", post(authorize))
            .with_state(Arc::clone(&partner));
        tokio::spawn(async move { axum::serve(listener, app).await });
    } else {
        drop(listener);
    }
    let stored = store
        .create_partner(
            tenant,
            &NewRoamingPartner {
                name: "eMSP".to_owned(),
                country_code: "DE".to_owned(),
                party_id: "EMP".to_owned(),
                role: TenantRole::Emsp,
                versions_url: format!("http://{addr}/ocpi/versions"),
                version: Some("2.2.1".to_owned()),
                our_token_hash: Some(TokenHash::of("their-token-c")),
                their_token: Some("our-token-at-them".to_owned()),
                endpoints: vec![PartnerEndpoint {
                    module: "tokens".to_owned(),
                    role: "SENDER".to_owned(),
                    url: format!("http://{addr}/ocpi/2.2.1/tokens"),
                }],
                status: PartnerStatus::Connected,
            },
        )
        .await
        .unwrap();
    for (uid, valid, rule) in [
        ("ALWAYS-1", true, "ALWAYS"),
        ("ALLOWED-1", true, "ALLOWED"),
        ("OFFLINE-1", true, "ALLOWED_OFFLINE"),
        ("NEVER-1", true, "NEVER"),
        ("INVALID-1", false, "ALWAYS"),
        ("BLOCKED-1", true, "NEVER"),
        ("NOCREDIT-1", true, "ALLOWED_OFFLINE"),
    ] {
        let token = serde_json::from_value(token(uid, valid, rule)).unwrap();
        assert!(
            store
                .put_roaming_token(tenant, stored.id, &token)
                .await
                .unwrap()
        );
    }
    Setup {
        store,
        station,
        partner,
        _dir: tempdir::Dir(path),
    }
}

async fn status(setup: &Setup, uid: &str) -> Option<AuthStatus> {
    RoamingAuthorizer::new()
        .authorize(&setup.store, &setup.station, uid)
        .await
        .unwrap()
        .map(|decision| decision.status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_whitelist_rule_with_the_partner_reachable() {
    let setup = setup(true).await;
    assert_eq!(status(&setup, "ALWAYS-1").await, Some(AuthStatus::Accepted));
    assert_eq!(
        status(&setup, "ALLOWED-1").await,
        Some(AuthStatus::Accepted)
    );
    assert_eq!(
        setup.partner.asked.load(Ordering::SeqCst),
        0,
        "whitelisted: nobody asked"
    );
    assert_eq!(status(&setup, "INVALID-1").await, Some(AuthStatus::Invalid));
    assert_eq!(
        status(&setup, "OFFLINE-1").await,
        Some(AuthStatus::Accepted)
    );
    assert_eq!(status(&setup, "NEVER-1").await, Some(AuthStatus::Accepted));
    assert_eq!(status(&setup, "BLOCKED-1").await, Some(AuthStatus::Blocked));
    assert_eq!(
        status(&setup, "NOCREDIT-1").await,
        Some(AuthStatus::NoCredit)
    );
    assert_eq!(setup.partner.asked.load(Ordering::SeqCst), 4);
    // Case does not tell uids apart; a uid nobody pushed is not the partners' matter.
    assert_eq!(status(&setup, "always-1").await, Some(AuthStatus::Accepted));
    assert_eq!(status(&setup, "UNKNOWN-9").await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_partner_unreachable_only_offline_whitelisting_accepts() {
    let setup = setup(false).await;
    assert_eq!(status(&setup, "ALWAYS-1").await, Some(AuthStatus::Accepted));
    assert_eq!(
        status(&setup, "OFFLINE-1").await,
        Some(AuthStatus::Accepted)
    );
    assert_eq!(
        status(&setup, "NOCREDIT-1").await,
        Some(AuthStatus::Accepted)
    );
    assert_eq!(status(&setup, "NEVER-1").await, Some(AuthStatus::Invalid));
    assert_eq!(status(&setup, "BLOCKED-1").await, Some(AuthStatus::Invalid));
}
