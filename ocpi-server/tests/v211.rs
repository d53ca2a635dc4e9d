//! The module endpoints in OCPI 2.1.1, through the router: the same (2.2.1) modules
//! behind them, objects converted both ways, objects that cannot be converted left out,
//! and each partner served the version it agreed.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Commands, Locations, Tokens, location, role};
use ocpi_server::{
    CdrsSender, Command, MemoryStore, OcpiError, OcpiServer, Page, PageQuery, PartnerEndpoint,
    PartnerStore, Registration, RequestContext, ServerConfig, SessionsSender, TariffsSender,
    TenantKey, TokenKey,
};
use ocpi_types::common::headers::base64_encode;
use ocpi_types::v221::{Cdr, Location, Role, Session, Tariff, TokenType, VersionNumber};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tower::ServiceExt;

const BASE: &str = "https://cpo.example.com/ocpi";
/// The token of an eMSP (NL/TNM) registered in 2.1.1.
const OLD: &str = "token-of-a-2.1.1-partner";
/// The token of an eMSP (NL/NEW) registered in 2.2.1.
const NEW: &str = "token-of-a-2.2.1-partner";
/// The id of the spec's unpublished Location, and its EVSE.
const HIDDEN: &str = "3e7b39c2-10d0-4138-a8b3-8509a25f9920";
const HIDDEN_EVSE: &str = "fd855359-bc81-47bb-bb89-849ae3dac89e";

fn example<T: DeserializeOwned>(file: &str) -> T {
    let path = format!(
        "{}/../ocpi-types/tests/spec-examples/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A list in memory, for the Sender modules.
struct Listed<T>(Vec<T>);

macro_rules! listed {
    ($trait:ident, $object:ty) => {
        #[async_trait::async_trait]
        impl $trait for Listed<$object> {
            async fn list(
                &self,
                _: &RequestContext,
                page: &PageQuery,
            ) -> Result<Page<$object>, OcpiError> {
                Ok(page.slice(&self.0))
            }
        }
    };
}
listed!(SessionsSender, Session);
listed!(CdrsSender, Cdr);
listed!(TariffsSender, Tariff);

/// LOC1 (converts), LOC7 (no postal code: does not), and an unpublished Location.
fn locations() -> Vec<Location> {
    vec![
        example("location_example.json"),
        location(7),
        example("location_example_uc3_destination_charger_not_published.json"),
    ]
}

/// The spec's session at LOC1, as its CPO publishes it (a price including VAT and the
/// periods' tariff: left out in 2.1.1); the same as a reservation (2.1.1 has none: does not
/// convert); one at the unpublished Location (converts: it is embedded all the same); one at
/// a Location nobody knows (left out).
fn sessions() -> Vec<Session> {
    let at_loc1: Session = example("session_example_2_short_finished.json");
    let mut reservation = at_loc1.clone();
    reservation.id = "102".into();
    reservation.status = ocpi_types::v221::SessionStatus::Reservation;
    let mut hidden = at_loc1.clone();
    hidden.id = "103".into();
    hidden.location_id = HIDDEN.into();
    hidden.evse_uid = HIDDEN_EVSE.into();
    let mut nowhere = at_loc1.clone();
    nowhere.id = "104".into();
    nowhere.location_id = "NOWHERE".into();
    vec![at_loc1, reservation, hidden, nowhere]
}

/// The spec's CDR as it is (a cost breakdown and VAT, which its 2.1.1 form leaves out), and
/// a credit CDR (2.1.1 has none: does not convert).
fn cdrs() -> Vec<Cdr> {
    let plain: Cdr = example("cdr_example.json");
    let mut credit = plain.clone();
    credit.id = "12346".into();
    credit.credit = Some(true);
    credit.credit_reference_id = Some("12345".into());
    vec![plain, credit]
}

/// A tariff with a maximum price (2.1.1 has none: does not convert) and the same without
/// (converts, its VAT left out: 2.1.1 prices are without VAT).
fn tariffs() -> Vec<Tariff> {
    let mut capped: Tariff = example("tariff_1_simple_2hour.json");
    capped.max_price = Some(ocpi_types::common::Price {
        excl_vat: 10.into(),
        incl_vat: None,
    });
    let mut plain: Tariff = example("tariff_1_simple_2hour.json");
    plain.id = "13".into();
    vec![capped, plain]
}

struct App {
    router: Router,
    tokens: Arc<Tokens>,
    commands: Arc<Commands>,
}

async fn registered(
    store: &MemoryStore,
    token: &str,
    version: VersionNumber,
    party_id: &str,
) -> ocpi_server::Caller {
    let partner = store.add_partner(&TenantKey("t".into()), Some(token));
    let registration = Registration {
        issued_token: None,
        their_token: format!("their-{token}"),
        versions_url: "https://emsp.example.com/versions".into(),
        version,
        endpoints: vec![PartnerEndpoint {
            module: "credentials".into(),
            role: None,
            url: "https://emsp.example.com/credentials".into(),
        }],
        roles: vec![role(Role::Emsp, "NL", party_id)],
    };
    store
        .save_registration(&partner, &registration)
        .await
        .unwrap()
}

async fn app() -> App {
    let store = Arc::new(MemoryStore::new());
    registered(&store, OLD, VersionNumber::V2_1_1, "TNM").await;
    registered(&store, NEW, VersionNumber::V2_2_1, "NEW").await;
    let mut config = ServerConfig::new(BASE, vec![role(Role::Cpo, "BE", "BEC")]);
    config.max_page_size = 2;
    let tokens = Arc::new(Tokens::default());
    let commands = Arc::new(Commands::default());
    let router = OcpiServer::new(config, store)
        .unwrap()
        .with_locations(Arc::new(Locations(locations())))
        .with_sessions(Arc::new(Listed(sessions())))
        .with_cdrs(Arc::new(Listed(cdrs())))
        .with_tariffs(Arc::new(Listed(tariffs())))
        .with_tokens(tokens.clone())
        .with_commands(commands.clone())
        .router();
    App {
        router,
        tokens,
        commands,
    }
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

    fn data(&self) -> &Value {
        &self.body["data"]
    }

    fn ids(&self, field: &str) -> Vec<String> {
        self.list(self.data())
            .iter()
            .map(|o| o[field].as_str().unwrap().to_owned())
            .collect()
    }

    /// The modules of version details.
    fn modules(&self) -> Vec<String> {
        self.list(&self.data()["endpoints"])
            .iter()
            .map(|o| o["identifier"].as_str().unwrap().to_owned())
            .collect()
    }

    fn list<'a>(&self, value: &'a Value) -> &'a Vec<Value> {
        value
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {:?}", self.body))
    }

    fn message(&self) -> &str {
        self.body["status_message"].as_str().unwrap_or("")
    }
}

async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> Answer {
    let builder = Request::builder().method(method).uri(uri).header(
        "Authorization",
        format!("Token {}", base64_encode(token.as_bytes())),
    );
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    assert!(body["status_code"].is_u64(), "{body:?}");
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(router: &Router, uri: &str) -> Answer {
    call(router, "GET", uri, OLD, None).await
}

#[tokio::test]
async fn v211_details_list_the_registered_modules_without_roles() {
    let app = app().await;
    let details = get(&app.router, "/2.1.1/details").await;
    assert_eq!(details.code(), 1000);
    let endpoints = details.data()["endpoints"].as_array().unwrap();
    let modules: Vec<&str> = endpoints
        .iter()
        .map(|e| e["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(
        modules,
        [
            "credentials",
            "locations",
            "sessions",
            "cdrs",
            "tariffs",
            "tokens",
            "commands"
        ]
    );
    for endpoint in endpoints {
        assert!(endpoint.get("role").is_none(), "{endpoint}");
        let url = endpoint["url"].as_str().unwrap();
        assert_eq!(
            url,
            format!("{BASE}/2.1.1/{}", endpoint["identifier"].as_str().unwrap())
        );
    }
}

#[tokio::test]
async fn v211_sessions_and_cdrs_need_the_locations_module() {
    let store = Arc::new(MemoryStore::new());
    registered(&store, OLD, VersionNumber::V2_1_1, "TNM").await;
    let config = ServerConfig::new(BASE, vec![role(Role::Cpo, "BE", "BEC")]);
    let router = OcpiServer::new(config, store)
        .unwrap()
        .with_sessions(Arc::new(Listed(sessions())))
        .with_cdrs(Arc::new(Listed(cdrs())))
        .router();
    let details = get(&router, "/2.1.1/details").await;
    assert_eq!(details.modules(), ["credentials"]);
    let absent = get(&router, "/2.1.1/sessions").await;
    assert_eq!(absent.status, StatusCode::NOT_FOUND);
    // In 2.2.1 they are served.
    let v221 = get(&router, "/2.2.1/details").await;
    assert!(v221.modules().contains(&"sessions".to_owned()));
}

#[tokio::test]
async fn v211_locations_leave_out_what_cannot_be_converted() {
    let app = app().await;
    let r = &app.router;
    // LOC1 converts, LOC7 (no postal code) does not: one object, and a Link past both.
    let first = get(r, "/2.1.1/locations").await;
    assert_eq!((first.status, first.code()), (StatusCode::OK, 1000));
    assert_eq!(first.ids("id"), ["LOC1"]);
    let loc1 = &first.data()[0];
    assert_eq!(loc1["type"], "ON_STREET");
    assert!(loc1.get("publish").is_none() && loc1.get("country_code").is_none());
    assert_eq!(first.header("x-total-count"), Some("3"));
    assert_eq!(first.header("x-limit"), Some("2"));
    assert_eq!(
        first.header("link"),
        Some(format!("<{BASE}/2.1.1/locations?offset=2&limit=2>; rel=\"next\"").as_str())
    );
    // The unpublished Location is left out: an empty last page.
    let second = get(r, "/2.1.1/locations/?offset=2&limit=2").await;
    assert!(second.ids("id").is_empty());
    assert_eq!(second.header("link"), None);

    // One Location, EVSE and Connector, in 2.1.1 form.
    let one = get(r, "/2.1.1/locations/LOC1").await;
    assert_eq!(one.data()["id"], "LOC1");
    assert_eq!(one.data()["type"], "ON_STREET");
    let evse = get(r, "/2.1.1/locations/LOC1/3256").await;
    assert_eq!(evse.data()["uid"], "3256");
    let connector = get(r, "/2.1.1/locations/LOC1/3256/1").await;
    assert_eq!(connector.data()["id"], "1");
    assert!(
        connector.data().get("voltage").is_some(),
        "{:?}",
        connector.body
    );
    assert!(connector.data().get("max_voltage").is_none());
    // A Location that cannot be converted is unknown in 2.1.1, and says why.
    let loc7 = get(r, "/2.1.1/locations/LOC7").await;
    assert_eq!((loc7.status, loc7.code()), (StatusCode::NOT_FOUND, 2003));
    assert!(loc7.message().contains("postal_code"), "{}", loc7.message());
    let unknown = get(r, "/2.1.1/locations/LOC9/1").await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, 2003)
    );
}

#[tokio::test]
async fn v211_sessions_cdrs_and_tariffs_are_converted() {
    let app = app().await;
    let r = &app.router;
    // Sessions, two a page: 101 converts, 102 (a reservation) does not; 103 at the unpublished
    // Location is embedded all the same; 104 at an unknown Location is left out.
    let first = get(r, "/2.1.1/sessions").await;
    assert_eq!(first.ids("id"), ["101"]);
    let session = &first.data()[0];
    assert_eq!(session["auth_id"], "NL-TST-C12345678-S");
    assert!(session.get("start_datetime").is_some());
    assert_eq!(session["location"]["id"], "LOC1");
    assert_eq!(session["location"]["evses"].as_array().unwrap().len(), 1);
    assert_eq!(session["location"]["evses"][0]["uid"], "3256");
    assert_eq!(first.header("x-total-count"), Some("4"));
    assert!(first.header("link").unwrap().contains("offset=2&limit=2"));
    let second = get(r, "/2.1.1/sessions?offset=2").await;
    assert_eq!(second.ids("id"), ["103"]);
    assert_eq!(second.data()[0]["location"]["id"], HIDDEN);
    assert_eq!(second.header("link"), None);

    // CDRs: the credit CDR is left out.
    let cdrs = get(r, "/2.1.1/cdrs").await;
    assert_eq!(cdrs.ids("id"), ["12345"]);
    let cdr = &cdrs.data()[0];
    assert!(cdr.get("stop_date_time").is_some());
    assert_eq!(cdr["auth_id"], "DE8ACC12E46L89");
    assert_eq!(cdr["location"]["evses"][0]["evse_id"], "BE*BEC*E041503003");
    assert_eq!(cdr["total_cost"], 4.0);
    assert_eq!(cdrs.header("x-total-count"), Some("2"));

    // Tariffs: the one with VAT is left out.
    let tariffs = get(r, "/2.1.1/tariffs/").await;
    assert_eq!(tariffs.ids("id"), ["13"]);
    assert!(tariffs.data()[0].get("country_code").is_none());
}

fn token_211(uid: &str, token_type: &str) -> Value {
    json!({
        "uid": uid, "type": token_type, "auth_id": "NL-TNM-C12345678-X",
        "visual_number": "DF000-2001-8999", "issuer": "TheNewMotion", "valid": true,
        "whitelist": "ALLOWED", "last_updated": "2024-01-01T00:00:00Z"
    })
}

#[tokio::test]
async fn v211_tokens_are_converted_before_the_module() {
    let app = app().await;
    let r = &app.router;
    let url = "/2.1.1/tokens/NL/TNM/012345678";
    // A 2.1.1 PUT reaches the module as a 2.2.1 Token owned by the party of the URL.
    let put = call(r, "PUT", url, OLD, Some(token_211("012345678", "RFID"))).await;
    assert_eq!((put.status, put.code()), (StatusCode::CREATED, 1000));
    let key = TokenKey {
        country_code: "NL".into(),
        party_id: "TNM".into(),
        uid: "012345678".into(),
        token_type: TokenType::Rfid,
    };
    {
        let stored = app.tokens.0.lock().unwrap();
        let token = stored.get(&key).expect("stored under its 2.2.1 key");
        assert_eq!(token.country_code.as_str(), "NL");
        assert_eq!(token.party_id.as_str(), "TNM");
        assert_eq!(token.contract_id.as_str(), "NL-TNM-C12345678-X");
        assert_eq!(token.r#type, TokenType::Rfid);
    }
    let again = call(r, "PUT", url, OLD, Some(token_211("012345678", "RFID"))).await;
    assert_eq!((again.status, again.code()), (StatusCode::OK, 1000));
    // GET answers the 2.1.1 Token.
    let back = get(r, url).await;
    assert_eq!(back.data()["auth_id"], "NL-TNM-C12345678-X");
    assert!(back.data().get("contract_id").is_none());
    assert!(back.data().get("country_code").is_none());
    // A PATCH without last_updated (2.1.1 does not require it).
    let patch = call(r, "PATCH", url, OLD, Some(json!({"valid": false}))).await;
    assert_eq!((patch.status, patch.code()), (StatusCode::OK, 1000));
    assert!(!app.tokens.0.lock().unwrap()[&key].valid);
    let patch = call(r, "PATCH", url, OLD, Some(json!({"auth_id": "NL-TNM-C0"}))).await;
    assert_eq!(patch.code(), 1000);
    assert_eq!(
        app.tokens.0.lock().unwrap()[&key].contract_id.as_str(),
        "NL-TNM-C0"
    );
    let bad_type = call(r, "PATCH", url, OLD, Some(json!({"type": "APP_USER"}))).await;
    assert_eq!((bad_type.status, bad_type.code()), (StatusCode::OK, 2001));
    // A Token of type OTHER: found without a type in the URL.
    let other = "/2.1.1/tokens/NL/TNM/OTHER1";
    let put = call(r, "PUT", other, OLD, Some(token_211("OTHER1", "OTHER"))).await;
    assert_eq!(put.status, StatusCode::CREATED);
    assert_eq!(get(r, other).await.data()["type"], "OTHER");
    let patch = call(r, "PATCH", other, OLD, Some(json!({"valid": false}))).await;
    assert_eq!(patch.code(), 1000);
    // Refusals: another party's URL, a uid unlike the URL's, a 2.2.1 Token, unknown.
    let foreign = call(
        r,
        "PUT",
        "/2.1.1/tokens/DE/XYZ/012345678",
        OLD,
        Some(token_211("012345678", "RFID")),
    )
    .await;
    assert_eq!(
        (foreign.status, foreign.code()),
        (StatusCode::NOT_FOUND, 2001)
    );
    let mismatch = call(r, "PUT", url, OLD, Some(token_211("999", "RFID"))).await;
    assert_eq!(
        (mismatch.code(), mismatch.message()),
        (2001, "invalid body: $.uid: differs from the URL")
    );
    let v221 = call(
        r,
        "PUT",
        url,
        OLD,
        Some(common::token_json("NL", "TNM", "012345678")),
    )
    .await;
    assert_eq!(v221.code(), 2001);
    assert!(v221.message().contains("auth_id"), "{}", v221.message());
    let unknown = get(r, "/2.1.1/tokens/NL/TNM/nobody").await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, 2004)
    );
    let unknown = call(
        r,
        "PATCH",
        "/2.1.1/tokens/NL/TNM/nobody",
        OLD,
        Some(json!({"valid": true})),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, 2004)
    );
}

#[tokio::test]
async fn v211_commands_take_2_1_1_requests() {
    let app = app().await;
    let r = &app.router;
    let start = json!({
        "response_url": "https://emsp.example.com/commands/START_SESSION/1",
        "token": token_211("012345678", "RFID"),
        "location_id": "LOC1", "evse_uid": "3256"
    });
    let answer = call(r, "POST", "/2.1.1/commands/START_SESSION", OLD, Some(start)).await;
    assert_eq!((answer.status, answer.code()), (StatusCode::OK, 1000));
    assert_eq!(answer.data()["result"], "ACCEPTED");
    assert!(answer.data().get("timeout").is_none(), "{:?}", answer.body);
    let reserve = json!({
        "response_url": "https://emsp.example.com/commands/RESERVE_NOW/2",
        "token": token_211("012345678", "RFID"),
        "expiry_date": "2024-01-01T01:00:00Z", "reservation_id": 42, "location_id": "LOC1"
    });
    let answer = call(r, "POST", "/2.1.1/commands/RESERVE_NOW", OLD, Some(reserve)).await;
    assert_eq!(answer.code(), 1000);
    {
        let received = app.commands.0.lock().unwrap();
        match &received[0] {
            Command::StartSession(c) => {
                assert_eq!(c.token.country_code.as_str(), "NL");
                assert_eq!(c.token.party_id.as_str(), "TNM");
                assert_eq!(c.token.contract_id.as_str(), "NL-TNM-C12345678-X");
                assert_eq!(c.evse_uid.as_ref().unwrap().as_str(), "3256");
            }
            other => panic!("{other:?}"),
        }
        match &received[1] {
            Command::ReserveNow(c) => assert_eq!(c.reservation_id.as_str(), "42"),
            other => panic!("{other:?}"),
        }
    }
    // 2.1.1 has no CANCEL_RESERVATION; a 2.2.1 body (a string reservation id) is refused.
    let cancel = call(
        r,
        "POST",
        "/2.1.1/commands/CANCEL_RESERVATION",
        OLD,
        Some(json!({"response_url": "https://e.example.com/r", "reservation_id": "1"})),
    )
    .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    let stop = call(
        r,
        "POST",
        "/2.1.1/commands/STOP_SESSION",
        OLD,
        Some(json!({"response_url": "https://e.example.com/r", "session_id": "101"})),
    )
    .await;
    assert_eq!(stop.code(), 1000);
    assert_eq!(app.commands.0.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn each_partner_is_served_the_version_it_agreed() {
    let app = app().await;
    let r = &app.router;
    // A partner registered in 2.2.1 asking a 2.1.1 module: refused, told which to use.
    let refused = call(r, "GET", "/2.1.1/locations", NEW, None).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::NOT_FOUND, 2000)
    );
    assert!(refused.message().contains("2.2.1"), "{}", refused.message());
    let put = call(
        r,
        "PUT",
        "/2.1.1/tokens/NL/NEW/1",
        NEW,
        Some(token_211("1", "RFID")),
    )
    .await;
    assert_eq!(put.status, StatusCode::NOT_FOUND);
    assert!(app.tokens.0.lock().unwrap().is_empty());
    // And the other way round.
    let refused = call(r, "GET", "/2.2.1/locations", OLD, None).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::NOT_FOUND, 2000)
    );
    assert!(refused.message().contains("2.1.1"), "{}", refused.message());
    // Each on its own version; versions, details and credentials are open to both.
    assert_eq!(
        call(r, "GET", "/2.2.1/locations", NEW, None).await.code(),
        1000
    );
    assert_eq!(
        call(r, "GET", "/2.1.1/locations", OLD, None).await.code(),
        1000
    );
    for token in [OLD, NEW] {
        for uri in [
            "/versions",
            "/2.1.1/details",
            "/2.2.1/details",
            "/2.1.1/credentials",
        ] {
            let answer = call(r, "GET", uri, token, None).await;
            assert_eq!(answer.code(), 1000, "{uri}: {:?}", answer.body);
        }
    }
}
