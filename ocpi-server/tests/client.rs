//! The client against small servers on 127.0.0.1: retries, status codes, 2.1.1 registration.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::http::StatusCode as Http;
use axum::response::IntoResponse;
use axum::routing::get;
use common::role;
use ocpi_server::client::NoData;
use ocpi_server::{
    Auth, ClientConfig, ClientError, MemoryStore, OcpiClient, OcpiServer, ServerConfig, TenantKey,
};
use ocpi_types::common::{StatusCode, TokenEncoding};
use ocpi_types::v221::{Role, VersionNumber};

fn client() -> OcpiClient {
    let mut config = ClientConfig::default();
    config.initial_backoff = Duration::from_millis(5);
    config.max_retries = 2;
    OcpiClient::new(config).unwrap()
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

const OK: &str = r#"{"data": "fine", "status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"}"#;

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Fine(String);

impl ocpi_types::Validate for Fine {
    fn validate_at(&self, _: &mut ocpi_types::Validator) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_then_succeeds_and_sends_the_headers() {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let app = axum::Router::new().route(
        "/flaky",
        get(move |headers: axum::http::HeaderMap| {
            let seen = seen.clone();
            async move {
                assert_eq!(headers["authorization"], "Token c2VjcmV0");
                assert!(headers.contains_key("x-request-id"));
                assert_eq!(headers["x-correlation-id"], "corr");
                assert_eq!(headers["ocpi-to-party-id"], "CPO");
                match seen.fetch_add(1, Ordering::SeqCst) {
                    0 => (Http::SERVICE_UNAVAILABLE, "busy").into_response(),
                    1 => (Http::TOO_MANY_REQUESTS, [("Retry-After", "0")], "slow down")
                        .into_response(),
                    _ => ([("Content-Type", "application/json")], OK).into_response(),
                }
            }
        }),
    );
    let url = serve(app).await;
    let routing = ocpi_types::common::RoutingHeaders {
        to_party_id: Some("CPO".into()),
        to_country_code: Some("NL".into()),
        ..Default::default()
    };
    let auth = Auth::new("secret", TokenEncoding::Base64)
        .with_routing(routing)
        .with_correlation_id("corr");
    let fine: Fine = client().get(&format!("{url}/flaky"), &auth).await.unwrap();
    assert_eq!(fine, Fine("fine".into()));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_typed() {
    let posts = Arc::new(AtomicU32::new(0));
    let counted = posts.clone();
    let app = axum::Router::new()
        .route("/down", get(|| async { (Http::BAD_GATEWAY, "<html>down</html>") }))
        .route(
            "/unknown",
            get(|| async {
                (
                    [("Content-Type", "application/json")],
                    r#"{"status_code": 2003, "status_message": "no such location", "timestamp": "2024-01-01T00:00:00Z"}"#,
                )
            }),
        )
        .route("/garbage", get(|| async { "not json" }))
        .route(
            "/post",
            axum::routing::post(move || {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    (Http::INTERNAL_SERVER_ERROR, "oops")
                }
            }),
        );
    let url = serve(app).await;
    let auth = Auth::new("t", TokenEncoding::Plain);
    let c = client();
    let down = c
        .get::<Fine>(&format!("{url}/down"), &auth)
        .await
        .unwrap_err();
    assert!(
        matches!(
            down,
            ClientError::Http {
                http_status: 502,
                ..
            }
        ),
        "{down}"
    );
    let unknown = c
        .get::<Fine>(&format!("{url}/unknown"), &auth)
        .await
        .unwrap_err();
    assert_eq!(unknown.status_code(), Some(StatusCode::UnknownLocation));
    let garbage = c
        .get::<Fine>(&format!("{url}/garbage"), &auth)
        .await
        .unwrap_err();
    assert!(
        matches!(garbage, ClientError::InvalidResponse { .. }),
        "{garbage}"
    );
    // A POST is not repeated after a 5xx: it may have had an effect.
    let post = c
        .post::<_, NoData>(&format!("{url}/post"), &auth, &1)
        .await
        .unwrap_err();
    assert_eq!(post.http_status(), Some(500));
    assert_eq!(posts.load(Ordering::SeqCst), 1);
    let bad = c
        .get::<Fine>("ftp://example.com/x", &auth)
        .await
        .unwrap_err();
    assert!(matches!(bad, ClientError::InvalidUrl(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_in_2_1_1() {
    // A CPO that offers only 2.1.1.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cpo_url = format!("http://{}/ocpi", listener.local_addr().unwrap());
    let cpo_store = Arc::new(MemoryStore::new());
    let mut config = ServerConfig::new(cpo_url.clone(), vec![role(Role::Cpo, "NL", "CPO")]);
    config.versions = vec![VersionNumber::V2_1_1];
    let cpo = OcpiServer::new(config, cpo_store.clone()).unwrap();
    let app = axum::Router::new().nest("/ocpi", cpo.router());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let emsp_url = format!("http://{}/ocpi", listener.local_addr().unwrap());
    let emsp_store = Arc::new(MemoryStore::new());
    let config = ServerConfig::new(emsp_url, vec![role(Role::Emsp, "NL", "TNM")]);
    let emsp = OcpiServer::new(config, emsp_store.clone()).unwrap();
    let app = axum::Router::new().nest("/ocpi", emsp.router());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let tenant = TenantKey("t".into());
    cpo_store.add_partner(&tenant, Some("token-a"));
    let cpo_partner = emsp_store.add_partner(&tenant, None);
    let registered = emsp
        .register_with(&cpo_partner, &format!("{cpo_url}/versions"), "token-a")
        .await
        .unwrap();
    assert_eq!(registered.version, VersionNumber::V2_1_1);
    assert_eq!(registered.caller.parties[0].role, Role::Cpo);
    assert_eq!(registered.endpoints[0].role, None);
    let on_cpo = cpo_store.partners();
    assert_eq!(on_cpo[0].parties[0].role, Role::Emsp);
    assert_eq!(on_cpo[0].version, Some(VersionNumber::V2_1_1));
}
