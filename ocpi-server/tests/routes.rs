//! Every route and error path, through the router without a server.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{
    Commands, Empty, HubClients, Locations, Profiles, Tokens, location, role, token_json,
};
use ocpi_server::{
    Access, MemoryStore, OcpiServer, PartnerEndpoint, PartnerStore, Registration, ServerConfig,
    StoreError, TenantKey,
};
use ocpi_types::common::headers::base64_encode;
use ocpi_types::v221::{Role, VersionNumber};
use serde_json::Value;
use tower::ServiceExt;

const BASE: &str = "https://cpo.example.com/ocpi";
const TOKEN_A: &str = "token-a-0123456789";
const TOKEN_C: &str = "token-c-0123456789";

struct App {
    router: Router,
    store: Arc<MemoryStore>,
    commands: Arc<Commands>,
    profiles: Arc<Profiles>,
}

async fn app() -> App {
    let store = Arc::new(MemoryStore::new());
    let tenant = TenantKey("t1".into());
    store.add_partner(&tenant, Some(TOKEN_A));
    let pending = store.add_partner(&tenant, Some(TOKEN_C));
    let registration = Registration {
        issued_token: None,
        their_token: "their-token".into(),
        versions_url: "https://emsp.example.com/versions".into(),
        version: VersionNumber::V2_2_1,
        endpoints: vec![PartnerEndpoint {
            module: "credentials".into(),
            role: None,
            url: "https://emsp.example.com/2.2.1/credentials".into(),
        }],
        roles: vec![role(Role::Emsp, "NL", "TNM")],
    };
    store
        .save_registration(&pending, &registration)
        .await
        .unwrap();
    let mut config = ServerConfig::new(BASE, vec![role(Role::Cpo, "NL", "CPO")]);
    config.max_page_size = 2;
    config.max_body_bytes = 4096;
    let commands = Arc::new(Commands::default());
    let profiles = Arc::new(Profiles::default());
    let server = OcpiServer::new(config, store.clone())
        .unwrap()
        .with_locations(Arc::new(Locations((0..5).map(location).collect())))
        .with_sessions(Arc::new(Empty))
        .with_cdrs(Arc::new(Empty))
        .with_tariffs(Arc::new(Empty))
        .with_tokens(Arc::new(Tokens::default()))
        .with_commands(commands.clone())
        .with_charging_profiles(profiles.clone())
        .with_hub_client_info(Arc::new(HubClients::default()));
    App {
        router: server.router(),
        store,
        commands,
        profiles,
    }
}

fn b64(token: &str) -> String {
    format!("Token {}", base64_encode(token.as_bytes()))
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> u64 {
        self.body["status_code"].as_u64().unwrap_or(0)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every answer is an envelope.
    fn check_envelope(&self) {
        assert!(self.body["status_code"].is_u64(), "{:?}", self.body);
        assert!(self.body["timestamp"].is_string(), "{:?}", self.body);
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert!(self.header("x-request-id").is_some());
        assert!(self.header("x-correlation-id").is_some());
    }
}

async fn call(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    let answer = Answer {
        status,
        headers,
        body,
    };
    answer.check_envelope();
    answer
}

fn request(method: &str, uri: &str, auth: Option<&str>, body: Option<String>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(auth) = auth {
        builder = builder.header("Authorization", auth);
    }
    match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(Body::from(body))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

async fn get(router: &Router, uri: &str, auth: Option<&str>) -> Answer {
    call(router, request("GET", uri, auth, None)).await
}

#[tokio::test]
async fn authentication() {
    let app = app().await;
    let r = &app.router;
    let missing = get(r, "/versions", None).await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::UNAUTHORIZED, 2000)
    );
    let unknown = get(r, "/versions", Some(&b64("nobody"))).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::UNAUTHORIZED, 2000)
    );
    let malformed = get(r, "/versions", Some("Bearer abc")).await;
    assert_eq!(malformed.status, StatusCode::UNAUTHORIZED);
    // Token A, Base64-encoded and raw, opens the versions.
    for auth in [b64(TOKEN_A), format!("Token {TOKEN_A}")] {
        let ok = get(r, "/versions", Some(&auth)).await;
        assert_eq!((ok.status, ok.code()), (StatusCode::OK, 1000), "{auth}");
    }
    // Token A on a module: 401.
    let refused = get(r, "/2.2.1/locations", Some(&b64(TOKEN_A))).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::UNAUTHORIZED, 2000)
    );
    // Token C, both ways, opens the modules.
    for auth in [b64(TOKEN_C), format!("Token {TOKEN_C}")] {
        let ok = get(r, "/2.2.1/locations", Some(&auth)).await;
        assert_eq!((ok.status, ok.code()), (StatusCode::OK, 1000));
    }
}

#[tokio::test]
async fn versions_and_details() {
    let app = app().await;
    let r = &app.router;
    let versions = get(r, "/versions", Some(&b64(TOKEN_A))).await;
    assert_eq!(
        versions.body["data"],
        serde_json::json!([
            {"version": "2.2.1", "url": format!("{BASE}/2.2.1/details")},
            {"version": "2.1.1", "url": format!("{BASE}/2.1.1/details")}
        ])
    );
    let details = get(r, "/2.2.1/details", Some(&b64(TOKEN_C))).await;
    assert_eq!(details.body["data"]["version"], "2.2.1");
    let endpoints: Vec<(String, String)> = details.body["data"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["identifier"].as_str().unwrap().to_owned(),
                e["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("credentials", "SENDER"),
        ("credentials", "RECEIVER"),
        ("locations", "SENDER"),
        ("sessions", "SENDER"),
        ("cdrs", "SENDER"),
        ("tariffs", "SENDER"),
        ("tokens", "RECEIVER"),
        ("commands", "RECEIVER"),
        ("chargingprofiles", "RECEIVER"),
        ("hubclientinfo", "RECEIVER"),
    ];
    assert_eq!(
        endpoints,
        expected.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
    );
    assert_eq!(
        details.body["data"]["endpoints"][2]["url"],
        format!("{BASE}/2.2.1/locations")
    );
    let old = get(r, "/2.1.1/details", Some(&b64(TOKEN_A))).await;
    assert_eq!(old.body["data"]["version"], "2.1.1");
    let first = &old.body["data"]["endpoints"][0];
    assert_eq!(first["identifier"], "credentials");
    assert!(first.get("role").is_none());
}

#[tokio::test]
async fn details_list_only_the_registered_modules() {
    let store = Arc::new(MemoryStore::new());
    store.add_partner(&TenantKey("t".into()), Some(TOKEN_A));
    let config = ServerConfig::new(BASE, vec![role(Role::Cpo, "NL", "CPO")]);
    let router = OcpiServer::new(config, store)
        .unwrap()
        .with_tokens(Arc::new(Tokens::default()))
        .router();
    let details = get(&router, "/2.2.1/details", Some(&b64(TOKEN_A))).await;
    let modules: Vec<&str> = details.body["data"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(modules, ["credentials", "credentials", "tokens"]);
    let absent = get(&router, "/2.2.1/locations", Some(&b64(TOKEN_A))).await;
    assert_eq!(
        (absent.status, absent.code()),
        (StatusCode::NOT_FOUND, 2000)
    );
}

#[tokio::test]
async fn a_registration_token_replaces_the_partners_tokens() {
    let app = app().await;
    let store = &app.store;
    let registered = store
        .authenticate(TOKEN_C)
        .await
        .unwrap()
        .expect("the registered partner");
    let pending = store.authenticate(TOKEN_A).await.unwrap().unwrap();
    // A token of another partner cannot be given.
    let taken = store
        .set_registration_token(&pending, TOKEN_C)
        .await
        .unwrap_err();
    assert!(matches!(taken, StoreError::Conflict(_)), "{taken}");
    // Token A stops working; token B is a registration token of the same partner.
    let renewed = store
        .set_registration_token(&pending, "token-b")
        .await
        .unwrap();
    assert_eq!(renewed.partner, pending.partner);
    assert_eq!(renewed.access, Access::Registration);
    assert!(store.authenticate(TOKEN_A).await.unwrap().is_none());
    assert_eq!(
        store.authenticate("token-b").await.unwrap(),
        Some(renewed.clone())
    );
    // A registered partner we register with again: its token C stops working at once, on
    // the modules too.
    let tokens_url = "/2.2.1/tokens/NL/TNM/012345678";
    let before = get(&app.router, tokens_url, Some(&b64(TOKEN_C))).await;
    assert_eq!(before.code(), 2004);
    let again = store
        .set_registration_token(&registered, "token-b2")
        .await
        .unwrap();
    assert_eq!(again.access, Access::Registration);
    let after = get(&app.router, tokens_url, Some(&b64(TOKEN_C))).await;
    assert_eq!(
        (after.status, after.code()),
        (StatusCode::UNAUTHORIZED, 2000)
    );
    let with_b = get(&app.router, tokens_url, Some(&b64("token-b2"))).await;
    assert_eq!(with_b.status, StatusCode::UNAUTHORIZED);
    // A partner the store does not know.
    let mut unknown = renewed;
    unknown.partner.0 = "nobody".into();
    let error = store
        .set_registration_token(&unknown, "token-x")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
}

#[tokio::test]
async fn paging_across_pages() {
    let app = app().await;
    let r = &app.router;
    let auth = b64(TOKEN_C);
    let first = get(r, "/2.2.1/locations", Some(&auth)).await;
    assert_eq!(first.header("x-total-count"), Some("5"));
    assert_eq!(first.header("x-limit"), Some("2"));
    assert_eq!(
        first.header("link"),
        Some(format!("<{BASE}/2.2.1/locations?offset=2&limit=2>; rel=\"next\"").as_str())
    );
    let ids = |a: &Answer| -> Vec<String> {
        a.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&first), ["LOC0", "LOC1"]);
    // A larger limit is capped, and reported in X-Limit.
    let second = get(r, "/2.2.1/locations/?offset=2&limit=50", Some(&auth)).await;
    assert_eq!(second.header("x-limit"), Some("2"));
    assert_eq!(ids(&second), ["LOC2", "LOC3"]);
    assert_eq!(
        second.header("link"),
        Some(format!("<{BASE}/2.2.1/locations?offset=4&limit=2>; rel=\"next\"").as_str())
    );
    let last = get(r, "/2.2.1/locations?offset=4&limit=2", Some(&auth)).await;
    assert_eq!(ids(&last), ["LOC4"]);
    assert_eq!(last.header("link"), None);
    assert_eq!(last.header("x-total-count"), Some("5"));
    // Filters are kept in the next link.
    let filtered = get(
        r,
        "/2.2.1/locations?date_from=2024-01-01T00:00:01Z&limit=1",
        Some(&auth),
    )
    .await;
    assert_eq!(filtered.header("x-total-count"), Some("4"));
    assert_eq!(ids(&filtered), ["LOC1"]);
    assert_eq!(
        filtered.header("link"),
        Some(
            format!("<{BASE}/2.2.1/locations?date_from=2024-01-01T00:00:01Z&offset=1&limit=1>; rel=\"next\"")
                .as_str()
        )
    );
    // Other lists.
    for module in ["sessions", "cdrs", "tariffs"] {
        let empty = get(r, &format!("/2.2.1/{module}"), Some(&auth)).await;
        assert_eq!(empty.body["data"], serde_json::json!([]));
        assert_eq!(empty.header("x-total-count"), Some("0"));
        assert_eq!(empty.header("link"), None);
    }
}

#[tokio::test]
async fn bad_paging_parameters() {
    let app = app().await;
    let auth = b64(TOKEN_C);
    for query in ["offset=abc", "limit=-1", "date_from=yesterday", "date_to=1"] {
        let bad = get(
            &app.router,
            &format!("/2.2.1/locations?{query}"),
            Some(&auth),
        )
        .await;
        assert_eq!(
            (bad.status, bad.code()),
            (StatusCode::BAD_REQUEST, 2001),
            "{query}"
        );
        let name = query.split('=').next().unwrap();
        assert!(
            bad.body["status_message"].as_str().unwrap().contains(name),
            "{:?}",
            bad.body
        );
    }
}

#[tokio::test]
async fn single_location_evse_connector() {
    let app = app().await;
    let r = &app.router;
    let auth = b64(TOKEN_C);
    let found = get(r, "/2.2.1/locations/LOC3", Some(&auth)).await;
    assert_eq!(found.body["data"]["id"], "LOC3");
    let evse = get(r, "/2.2.1/locations/LOC3/EVSE1", Some(&auth)).await;
    assert_eq!(evse.body["data"]["uid"], "EVSE1");
    let connector = get(r, "/2.2.1/locations/LOC3/EVSE1/1", Some(&auth)).await;
    assert_eq!(connector.body["data"]["id"], "1");
    for uri in [
        "/2.2.1/locations/NOPE",
        "/2.2.1/locations/LOC3/NOPE",
        "/2.2.1/locations/LOC3/EVSE1/9",
    ] {
        let missing = get(r, uri, Some(&auth)).await;
        assert_eq!(
            (missing.status, missing.code()),
            (StatusCode::NOT_FOUND, 2003),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_methods_and_panics_answer_envelopes() {
    let app = app().await;
    let r = &app.router;
    let auth = b64(TOKEN_C);
    let unknown = get(r, "/2.2.1/nothing/here", Some(&auth)).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, 2000)
    );
    let unknown = get(r, "/", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let method = call(r, request("DELETE", "/versions", Some(&auth), None)).await;
    assert_eq!(
        (method.status, method.code()),
        (StatusCode::METHOD_NOT_ALLOWED, 2000)
    );
    let method = call(
        r,
        request("POST", "/2.2.1/locations", Some(&auth), Some("{}".into())),
    )
    .await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    let panic = get(r, "/2.2.1/locations/PANIC", Some(&auth)).await;
    assert_eq!(
        (panic.status, panic.code()),
        (StatusCode::INTERNAL_SERVER_ERROR, 3000)
    );
    assert_eq!(panic.body["status_message"], "internal error");
}

#[tokio::test]
async fn message_ids_and_routing_headers() {
    let app = app().await;
    let request = Request::builder()
        .uri("/2.2.1/locations")
        .header("Authorization", b64(TOKEN_C))
        .header("X-Request-ID", "req-1")
        .header("X-Correlation-ID", "corr-1")
        .header("OCPI-from-country-code", "NL")
        .header("OCPI-from-party-id", "TNM")
        .header("OCPI-to-country-code", "NL")
        .header("OCPI-to-party-id", "CPO")
        .body(Body::empty())
        .unwrap();
    let answer = call(&app.router, request).await;
    assert_eq!(answer.header("x-request-id"), Some("req-1"));
    assert_eq!(answer.header("x-correlation-id"), Some("corr-1"));
    assert_eq!(answer.header("ocpi-to-party-id"), Some("TNM"));
    assert_eq!(answer.header("ocpi-from-party-id"), Some("CPO"));
    assert_eq!(answer.header("ocpi-to-country-code"), Some("NL"));
    // Generated when absent, on errors too.
    let anonymous = get(&app.router, "/versions", None).await;
    assert_eq!(anonymous.header("x-request-id").unwrap().len(), 32);
    assert_ne!(
        anonymous.header("x-request-id"),
        anonymous.header("x-correlation-id")
    );
}

#[tokio::test]
async fn credentials_receiver_rules() {
    let app = app().await;
    let r = &app.router;
    // GET with token A: our credentials, with the token presented.
    let ours = get(r, "/2.2.1/credentials", Some(&b64(TOKEN_A))).await;
    assert_eq!(ours.body["data"]["token"], TOKEN_A);
    assert_eq!(ours.body["data"]["url"], format!("{BASE}/versions"));
    assert_eq!(ours.body["data"]["roles"][0]["party_id"], "CPO");
    let old = get(r, "/2.1.1/credentials", Some(&b64(TOKEN_A))).await;
    assert_eq!(old.body["data"]["party_id"], "CPO");
    // A second POST by a registered partner: 405.
    let body = serde_json::json!({"token": "b", "url": "http://127.0.0.1:1/versions",
        "roles": [serde_json::to_value(role(Role::Emsp, "NL", "TNM")).unwrap()]})
    .to_string();
    let again = call(
        r,
        request(
            "POST",
            "/2.2.1/credentials",
            Some(&b64(TOKEN_C)),
            Some(body.clone()),
        ),
    )
    .await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::METHOD_NOT_ALLOWED, 2000)
    );
    // PUT and DELETE with token A: 405.
    let put = call(
        r,
        request(
            "PUT",
            "/2.2.1/credentials",
            Some(&b64(TOKEN_A)),
            Some(body.clone()),
        ),
    )
    .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    let delete = call(
        r,
        request("DELETE", "/2.2.1/credentials", Some(&b64(TOKEN_A)), None),
    )
    .await;
    assert_eq!(delete.status, StatusCode::METHOD_NOT_ALLOWED);
    // A POST whose partner cannot be reached: 3001.
    let unreachable = call(
        r,
        request(
            "POST",
            "/2.2.1/credentials",
            Some(&b64(TOKEN_A)),
            Some(body),
        ),
    )
    .await;
    assert_eq!(
        (unreachable.status, unreachable.code()),
        (StatusCode::OK, 3001)
    );
    // Token A still works after a failed registration.
    assert_eq!(get(r, "/versions", Some(&b64(TOKEN_A))).await.code(), 1000);
    // Bad bodies: not JSON, and JSON without a required field.
    let not_json = call(
        r,
        request(
            "POST",
            "/2.2.1/credentials",
            Some(&b64(TOKEN_A)),
            Some("{".into()),
        ),
    )
    .await;
    assert_eq!(
        (not_json.status, not_json.code()),
        (StatusCode::BAD_REQUEST, 2001)
    );
    let missing = serde_json::json!({"token": "b", "roles": []}).to_string();
    let missing = call(
        r,
        request(
            "POST",
            "/2.2.1/credentials",
            Some(&b64(TOKEN_A)),
            Some(missing),
        ),
    )
    .await;
    assert_eq!((missing.status, missing.code()), (StatusCode::OK, 2001));
    assert!(
        missing.body["status_message"]
            .as_str()
            .unwrap()
            .contains("$.url"),
        "{:?}",
        missing.body
    );
    // DELETE by the registered partner unregisters it.
    let delete = call(
        r,
        request("DELETE", "/2.2.1/credentials", Some(&b64(TOKEN_C)), None),
    )
    .await;
    assert_eq!((delete.status, delete.code()), (StatusCode::OK, 1000));
    let gone = get(r, "/2.2.1/locations", Some(&b64(TOKEN_C))).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    // The partner stays (it is the application's), no longer registered.
    let partners = app.store.partners();
    assert_eq!(partners.len(), 2);
    assert!(partners.iter().all(|p| p.access == Access::Registration));
    assert!(
        partners
            .iter()
            .all(|p| app.store.registration(&p.partner).is_none())
    );
}

#[tokio::test]
async fn body_size_limit() {
    let app = app().await;
    let big = format!("{{\"token\": \"{}\"}}", "x".repeat(10_000));
    let answer = call(
        &app.router,
        request("POST", "/2.2.1/credentials", Some(&b64(TOKEN_A)), Some(big)),
    )
    .await;
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, 2000)
    );
}

#[tokio::test]
async fn tokens_receiver() {
    let app = app().await;
    let r = &app.router;
    let auth = b64(TOKEN_C);
    let uri = "/2.2.1/tokens/NL/TNM/012345678";
    let put = |body: Value, uri: &str| request("PUT", uri, Some(&auth), Some(body.to_string()));
    let created = call(r, put(token_json("NL", "TNM", "012345678"), uri)).await;
    assert_eq!(
        (created.status, created.code()),
        (StatusCode::CREATED, 1000)
    );
    let updated = call(
        r,
        put(
            token_json("NL", "TNM", "012345678"),
            &format!("{uri}?type=RFID"),
        ),
    )
    .await;
    assert_eq!((updated.status, updated.code()), (StatusCode::OK, 1000));
    let read = get(r, uri, Some(&auth)).await;
    assert_eq!(read.body["data"]["uid"], "012345678");
    assert_eq!(read.body["data"]["valid"], true);
    // Country code and party id compare without case.
    let patch = serde_json::json!({"valid": false, "last_updated": "2024-02-01T00:00:00Z"});
    let patched = call(
        r,
        request(
            "PATCH",
            "/2.2.1/tokens/nl/tnm/012345678",
            Some(&auth),
            Some(patch.to_string()),
        ),
    )
    .await;
    assert_eq!((patched.status, patched.code()), (StatusCode::OK, 1000));
    assert_eq!(get(r, uri, Some(&auth)).await.body["data"]["valid"], false);
    // Unknown token, by uid or by type.
    let unknown = get(r, "/2.2.1/tokens/NL/TNM/other", Some(&auth)).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, 2004)
    );
    let other_type = get(r, &format!("{uri}?type=APP_USER"), Some(&auth)).await;
    assert_eq!(other_type.code(), 2004);
    let patch_unknown = call(
        r,
        request(
            "PATCH",
            "/2.2.1/tokens/NL/TNM/other",
            Some(&auth),
            Some(patch.to_string()),
        ),
    )
    .await;
    assert_eq!(patch_unknown.code(), 2004);
    let bad_type = get(r, &format!("{uri}?type=CARD"), Some(&auth)).await;
    assert_eq!(
        (bad_type.status, bad_type.code()),
        (StatusCode::BAD_REQUEST, 2001)
    );
    // Another party's token: refused.
    let foreign = call(
        r,
        put(token_json("DE", "XYZ", "1"), "/2.2.1/tokens/DE/XYZ/1"),
    )
    .await;
    assert_eq!(
        (foreign.status, foreign.code()),
        (StatusCode::NOT_FOUND, 2001)
    );
    let foreign_get = get(r, "/2.2.1/tokens/DE/XYZ/1", Some(&auth)).await;
    assert_eq!(foreign_get.code(), 2001);
    // A body that differs from the URL, or is not a Token.
    let mismatch = call(r, put(token_json("NL", "TNM", "999"), uri)).await;
    assert_eq!(mismatch.code(), 2001);
    assert!(
        mismatch.body["status_message"]
            .as_str()
            .unwrap()
            .contains("$.uid")
    );
    let mut broken = token_json("NL", "TNM", "012345678");
    broken["valid"] = Value::from("yes");
    let broken = call(r, put(broken, uri)).await;
    assert_eq!((broken.status, broken.code()), (StatusCode::OK, 2001));
    assert!(
        broken.body["status_message"]
            .as_str()
            .unwrap()
            .contains("$.valid"),
        "{:?}",
        broken.body
    );
    let patch_without_date = call(
        r,
        request("PATCH", uri, Some(&auth), Some("{\"valid\": true}".into())),
    )
    .await;
    assert!(
        patch_without_date.body["status_message"]
            .as_str()
            .unwrap()
            .contains("$.last_updated")
    );
    // Token A: 401.
    let token_a = get(r, uri, Some(&b64(TOKEN_A))).await;
    assert_eq!(token_a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn commands_receiver() {
    let app = app().await;
    let r = &app.router;
    let auth = b64(TOKEN_C);
    let start = serde_json::json!({
        "response_url": "https://emsp.example.com/ocpi/2.2.1/commands/START_SESSION/1",
        "token": token_json("NL", "TNM", "012345678"),
        "location_id": "LOC1", "evse_uid": "EVSE1"
    });
    let answer = call(
        r,
        request(
            "POST",
            "/2.2.1/commands/START_SESSION",
            Some(&auth),
            Some(start.to_string()),
        ),
    )
    .await;
    assert_eq!((answer.status, answer.code()), (StatusCode::OK, 1000));
    assert_eq!(answer.body["data"]["result"], "ACCEPTED");
    assert_eq!(answer.body["data"]["timeout"], 30);
    let stop =
        serde_json::json!({"response_url": "https://emsp.example.com/r/2", "session_id": "S1"});
    let answer = call(
        r,
        request(
            "POST",
            "/2.2.1/commands/STOP_SESSION",
            Some(&auth),
            Some(stop.to_string()),
        ),
    )
    .await;
    assert_eq!(answer.code(), 1000);
    {
        let seen = app.commands.0.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].response_url(), "https://emsp.example.com/r/2");
    }
    // A STOP_SESSION body on START_SESSION: 2001 with the path.
    let wrong = call(
        r,
        request(
            "POST",
            "/2.2.1/commands/START_SESSION",
            Some(&auth),
            Some(stop.to_string()),
        ),
    )
    .await;
    assert_eq!((wrong.status, wrong.code()), (StatusCode::OK, 2001));
    assert!(
        wrong.body["status_message"]
            .as_str()
            .unwrap()
            .contains("$.")
    );
    let unknown = call(
        r,
        request(
            "POST",
            "/2.2.1/commands/SELF_DESTRUCT",
            Some(&auth),
            Some("{}".into()),
        ),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, 2000)
    );
    let get_command = get(r, "/2.2.1/commands/START_SESSION", Some(&auth)).await;
    assert_eq!(get_command.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn charging_profiles_receiver() {
    let app = app().await;
    let r = &app.router;
    let auth = b64(TOKEN_C);
    let back = "https%3A%2F%2Femsp.example.com%2Fresults%2F1";
    let active = get(
        r,
        &format!("/2.2.1/chargingprofiles/S1?duration=900&response_url={back}"),
        Some(&auth),
    )
    .await;
    assert_eq!((active.status, active.code()), (StatusCode::OK, 1000));
    assert_eq!(active.body["data"]["result"], "ACCEPTED");
    assert_eq!(active.body["data"]["timeout"], 30);
    let profile = serde_json::json!({
        "response_url": "https://emsp.example.com/results/2",
        "charging_profile": {
            "charging_rate_unit": "W",
            "charging_profile_period": [{"start_period": 0, "limit": 11000}, {"start_period": 600, "limit": 3700}]
        }
    });
    let set = call(
        r,
        request(
            "PUT",
            "/2.2.1/chargingprofiles/S1",
            Some(&auth),
            Some(profile.to_string()),
        ),
    )
    .await;
    assert_eq!((set.status, set.code()), (StatusCode::OK, 1000));
    let cleared = call(
        r,
        request(
            "DELETE",
            &format!("/2.2.1/chargingprofiles/S2?response_url={back}"),
            Some(&auth),
            None,
        ),
    )
    .await;
    assert_eq!(cleared.code(), 1000);
    assert_eq!(cleared.body["data"]["result"], "UNKNOWN_SESSION");
    assert_eq!(
        app.profiles.0.lock().unwrap().clone(),
        [
            ("GET", "S1", "900 https://emsp.example.com/results/1"),
            ("PUT", "S1", "2 https://emsp.example.com/results/2"),
            ("DELETE", "S2", "https://emsp.example.com/results/1"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );

    // What cannot be read is 2001, and reaches no module.
    let bad_queries = [
        "/2.2.1/chargingprofiles/S1",
        "/2.2.1/chargingprofiles/S1?duration=900",
        &format!("/2.2.1/chargingprofiles/S1?duration=-1&response_url={back}"),
        &format!("/2.2.1/chargingprofiles/S1?duration=soon&response_url={back}"),
        "/2.2.1/chargingprofiles/S1?duration=60&response_url=ftp%3A%2F%2Fx",
    ];
    for uri in bad_queries {
        let refused = get(r, uri, Some(&auth)).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::BAD_REQUEST, 2001),
            "{uri}"
        );
    }
    let no_url = call(
        r,
        request("DELETE", "/2.2.1/chargingprofiles/S1", Some(&auth), None),
    )
    .await;
    assert_eq!(no_url.code(), 2001);
    let bad_profile = serde_json::json!({
        "response_url": "https://emsp.example.com/results/3",
        "charging_profile": {"charging_profile_period": [{"start_period": 0, "limit": 1}]}
    });
    let refused = call(
        r,
        request(
            "PUT",
            "/2.2.1/chargingprofiles/S1",
            Some(&auth),
            Some(bad_profile.to_string()),
        ),
    )
    .await;
    assert_eq!(refused.code(), 2001);
    assert_eq!(app.profiles.0.lock().unwrap().len(), 3);
    // Token A may not use it; a 2.1.1 partner has no such module.
    let token_a = get(
        r,
        &format!("/2.2.1/chargingprofiles/S1?duration=1&response_url={back}"),
        Some(&b64(TOKEN_A)),
    )
    .await;
    assert_eq!(token_a.status, StatusCode::UNAUTHORIZED);
    let posted = call(
        r,
        request(
            "POST",
            "/2.2.1/chargingprofiles/S1",
            Some(&auth),
            Some("{}".into()),
        ),
    )
    .await;
    assert_eq!(posted.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn hub_client_info_receiver() {
    let app = app().await;
    let r = &app.router;
    let auth = b64(TOKEN_C);
    let info = |status: &str, at: &str| {
        serde_json::json!({
            "country_code": "DE", "party_id": "ABC", "role": "EMSP", "status": status,
            "last_updated": at
        })
        .to_string()
    };
    let uri = "/2.2.1/hubclientinfo/DE/ABC";
    let unknown = get(r, uri, Some(&auth)).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, 2000)
    );
    let put =
        |body: String, uri: &'static str| call(r, request("PUT", uri, Some(&auth), Some(body)));
    let created = put(info("CONNECTED", "2026-03-01T10:00:00Z"), uri).await;
    assert_eq!(
        (created.status, created.code()),
        (StatusCode::CREATED, 1000)
    );
    let updated = put(info("OFFLINE", "2026-03-01T11:00:00Z"), uri).await;
    assert_eq!((updated.status, updated.code()), (StatusCode::OK, 1000));
    let read = get(r, "/2.2.1/hubclientinfo/de/abc", Some(&auth)).await;
    assert_eq!(read.code(), 1000);
    assert_eq!(read.body["data"]["status"], "OFFLINE");
    // The party in the body is the URL's.
    let other = put(
        info("CONNECTED", "2026-03-01T12:00:00Z"),
        "/2.2.1/hubclientinfo/DE/XYZ",
    )
    .await;
    assert_eq!(other.code(), 2001);
    assert!(
        other.body["status_message"]
            .as_str()
            .unwrap()
            .contains("party_id")
    );
    let no_status = serde_json::json!({
        "country_code": "DE", "party_id": "ABC", "role": "EMSP",
        "last_updated": "2026-03-01T12:00:00Z"
    });
    let bad = put(no_status.to_string(), uri).await;
    assert_eq!(bad.code(), 2001);
    let token_a = get(r, uri, Some(&b64(TOKEN_A))).await;
    assert_eq!(token_a.status, StatusCode::UNAUTHORIZED);
    let v211 = get(r, "/2.1.1/hubclientinfo/DE/ABC", Some(&auth)).await;
    assert_eq!(v211.status, StatusCode::NOT_FOUND);
}
