//! The `csms` example as an OCPI 2.2.1 CPO, against an eMSP platform on 127.0.0.1 built from
//! `ocpi-server` alone (its own in-memory partner store), over real sockets:
//!
//! - an operator adds the eMSP through the admin API and hands it the token A; the eMSP
//!   registers (it sends the credentials), and the partner shows connected with the eMSP's
//!   endpoints;
//! - the eMSP pulls the demo's location with its EVSEs and connectors, one EVSE and one
//!   connector, and the tariffs, as the CPO's tenant publishes them;
//! - a driver of the eMSP is refused at a station until the eMSP pushes its token, then
//!   charges; the eMSP pulls its driver's session and CDR, with its own token in them;
//! - the other direction: the operator registers the CPO with a second eMSP party, given
//!   its versions URL and token A, and the exchange's steps are reported when they fail;
//! - a suspended partner's requests are refused, and served again once resumed.

#[path = "csms/common.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Csms, TempDir};
use ev_backend::csms_core::api::axum;
use ev_backend::ocpi_server::client::NoData;
use ev_backend::ocpi_server::{
    Access, ClientConfig, MemoryStore, OcpiClient, OcpiServer, ServerConfig, TenantKey,
    generate_token,
};
use ev_backend::ocpi_types::common::{PageRequest, StatusCode};
use ev_backend::ocpi_types::v221::{
    BusinessDetails, Cdr, CredentialsRole, Evse, InterfaceRole, Location, Role, Session, Tariff,
    Token,
};
use serde_json::json;

struct Emsp {
    server: OcpiServer,
    store: Arc<MemoryStore>,
    url: String,
}

/// An eMSP platform (party `NL`/`party_id`) on a free port.
async fn emsp(party_id: &str) -> Emsp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ocpi", listener.local_addr().unwrap());
    let store = Arc::new(MemoryStore::new());
    let role = CredentialsRole {
        role: Role::Emsp,
        business_details: BusinessDetails {
            name: format!("eMSP {party_id}").into(),
            website: None,
            logo: None,
        },
        party_id: party_id.into(),
        country_code: "NL".into(),
    };
    let config = ServerConfig::new(url.clone(), vec![role]);
    let mut client = ClientConfig::default();
    client.timeout = Duration::from_secs(10);
    let server = OcpiServer::new(config, store.clone())
        .unwrap()
        .with_client(OcpiClient::new(client).unwrap());
    let app = axum::Router::new().nest("/ocpi", server.router());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Emsp { server, store, url }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csms_is_a_cpo_that_emsps_register_with_and_pull() {
    let dir = TempDir::new("roaming");
    let (csms, api) = Csms::start_demo(&dir, &[]);
    let tenant = csms.demo_tenant();
    let platform = emsp("EMP").await;

    // The operator adds the eMSP and hands it the token A.
    let created = api
        .post(
            "/roaming-partners",
            &json!({"country_code": "NL", "party_id": "EMP", "role": "EMSP", "name": "EMP"}),
        )
        .expect(201);
    let partner = created["partner"]["id"].as_i64().expect("an id");
    assert_eq!(created["partner"]["status"], "pending");
    let token_a = created["token_a"].as_str().expect("token A").to_owned();
    let versions_url = created["versions_url"]
        .as_str()
        .expect("versions URL")
        .to_owned();
    assert_eq!(versions_url, format!("http://{}/ocpi/versions", csms.api));

    // The eMSP registers with the CPO.
    let us = platform.store.add_partner(&TenantKey("emsp".into()), None);
    let registered = platform
        .server
        .register_with(&us, &versions_url, &token_a)
        .await
        .expect("the eMSP registers with the CPO");
    assert_eq!(registered.caller.access, Access::Registered);
    let party = &registered.roles[0];
    assert_eq!(party.role, Role::Cpo);
    assert_eq!(
        party.party_id.as_str(),
        "DEM",
        "the demo tenant's own party"
    );
    let shown = api.get(&format!("/roaming-partners/{partner}")).expect(200);
    assert_eq!(shown["status"], "connected", "{shown:#}");
    assert_eq!(shown["version"], "2.2.1");
    assert_eq!(shown["can_call"], true);
    assert!(shown["last_pull_at"].is_null(), "no pull yet");
    assert!(
        shown["endpoints"]
            .as_array()
            .expect("endpoints")
            .iter()
            .any(|e| e["module"] == "credentials"),
        "{shown:#}"
    );
    // Token A is spent.
    let again = api.get(&format!("/roaming-partners/{partner}")).expect(200);
    assert!(again.get("token_a").is_none());

    // The eMSP pulls what the tenant publishes.
    let client = platform.server.client();
    let locations_url = registered
        .endpoint("locations", Some(InterfaceRole::Sender))
        .expect("a Locations Sender")
        .to_owned();
    let locations: Vec<Location> = client
        .get_all(&locations_url, &registered.auth, &PageRequest::default())
        .await
        .expect("locations");
    assert_eq!(locations.len(), 1, "{locations:#?}");
    let location = &locations[0];
    assert_eq!(location.party_id.as_str(), "DEM");
    let uids: Vec<&str> = location.evses.iter().map(|e| e.uid.as_str()).collect();
    assert_eq!(
        uids,
        ["NL*DEM*E1", "NL*DEM*E2"],
        "the demo's EVSEs by their uids"
    );
    let evse: Evse = client
        .get(
            &format!("{locations_url}/{}/NL*DEM*E2", location.id.as_str()),
            &registered.auth,
        )
        .await
        .expect("one EVSE");
    assert_eq!(evse.uid.as_str(), "NL*DEM*E2");
    assert_eq!(evse.connectors[0].id.as_str(), "1");
    let missing = client
        .get::<Location>(&format!("{locations_url}/999999"), &registered.auth)
        .await
        .expect_err("no such location");
    assert_eq!(missing.status_code(), Some(StatusCode::UnknownLocation));
    let tariffs_url = registered
        .endpoint("tariffs", Some(InterfaceRole::Sender))
        .expect("a Tariffs Sender")
        .to_owned();
    let tariffs: Vec<Tariff> = client
        .get_all(&tariffs_url, &registered.auth, &PageRequest::default())
        .await
        .expect("tariffs");
    assert_eq!(tariffs.len(), 1, "the demo tariff");
    assert_eq!(tariffs[0].currency.as_str(), "EUR");
    let shown = api.get(&format!("/roaming-partners/{partner}")).expect(200);
    assert!(
        shown["last_pull_at"].is_string(),
        "its pulls are recorded: {shown:#}"
    );

    // A driver of the eMSP: refused until the eMSP pushes the token, then charging.
    let refused = common::charge(&csms.ocpp_url, "DEMO-1", "1.6", "ROAM0001", &[]);
    assert!(!refused.status.success(), "no partner pushed ROAM0001 yet");
    let tokens_url = registered
        .endpoint("tokens", Some(InterfaceRole::Receiver))
        .expect("a Tokens Receiver")
        .to_owned();
    let token: Token = serde_json::from_value(json!({
        "country_code": "NL", "party_id": "EMP", "uid": "ROAM0001", "type": "RFID",
        "contract_id": "NL-EMP-C00000001-X", "issuer": "EMP", "valid": true,
        "whitelist": "ALWAYS", "last_updated": "2026-03-01T10:00:00Z"
    }))
    .unwrap();
    client
        .put::<_, NoData>(
            &format!("{tokens_url}/NL/EMP/ROAM0001"),
            &registered.auth,
            &token,
        )
        .await
        .expect("the token is pushed");
    let back: Token = client
        .get(
            &format!("{tokens_url}/NL/EMP/ROAM0001?type=RFID"),
            &registered.auth,
        )
        .await
        .expect("the token as stored");
    assert_eq!(back.contract_id.as_str(), "NL-EMP-C00000001-X");
    let output = common::charge(&csms.ocpp_url, "DEMO-1", "1.6", "ROAM0001", &[]);
    assert!(
        output.status.success(),
        "the roaming driver charges: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The eMSP sees its driver's session and CDR, with its own token in them.
    let sessions_url = registered
        .endpoint("sessions", Some(InterfaceRole::Sender))
        .expect("a Sessions Sender")
        .to_owned();
    let sessions: Vec<Session> = client
        .get_all(&sessions_url, &registered.auth, &PageRequest::default())
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 1, "only its own driver's: {sessions:#?}");
    let session = serde_json::to_value(&sessions[0]).unwrap();
    assert_eq!(session["status"], "COMPLETED");
    assert_eq!(session["cdr_token"]["party_id"], "EMP");
    assert_eq!(session["cdr_token"]["contract_id"], "NL-EMP-C00000001-X");
    assert_eq!(session["location_id"], location.id.as_str());
    let cdrs_url = registered
        .endpoint("cdrs", Some(InterfaceRole::Sender))
        .expect("a CDRs Sender")
        .to_owned();
    let cdrs: Vec<Cdr> = client
        .get_all(&cdrs_url, &registered.auth, &PageRequest::default())
        .await
        .expect("CDRs");
    assert_eq!(cdrs.len(), 1, "{cdrs:#?}");
    let cdr = serde_json::to_value(&cdrs[0]).unwrap();
    assert_eq!(cdr["cdr_token"]["uid"], "ROAM0001");
    assert_eq!(cdr["session_id"], session["id"]);
    assert!(
        cdr["total_cost"]["excl_vat"].as_f64().unwrap() > 0.0,
        "{cdr:#}"
    );

    // A suspended partner is refused, and served again once resumed.
    api.post(&format!("/roaming-partners/{partner}/suspend"), &json!({}))
        .expect(200);
    let refused = client
        .get_all::<Tariff>(&tariffs_url, &registered.auth, &PageRequest::default())
        .await
        .expect_err("suspended");
    assert_eq!(refused.http_status(), Some(401), "{refused}");
    let resumed = api
        .post(&format!("/roaming-partners/{partner}/resume"), &json!({}))
        .expect(200);
    assert_eq!(resumed["status"], "connected");
    client
        .get_all::<Tariff>(&tariffs_url, &registered.auth, &PageRequest::default())
        .await
        .expect("resumed");

    // The other direction: the CPO registers with a second party, given its token A.
    let second = emsp("EM2").await;
    let their_token_a = generate_token().unwrap();
    second
        .store
        .add_partner(&TenantKey("emsp".into()), Some(&their_token_a));
    let other = api
        .post(
            "/roaming-partners",
            &json!({"country_code": "NL", "party_id": "EM2", "role": "EMSP", "name": "EM2"}),
        )
        .expect(201)["partner"]["id"]
        .as_i64()
        .expect("an id");
    let failed = api
        .post(
            &format!("/roaming-partners/{other}/register"),
            &json!({"versions_url": format!("{}/versions", second.url), "token": "not-the-token"}),
        )
        .expect(502);
    assert_eq!(failed["error"]["code"], "partner_failed");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("versions"),
        "the failing step is named: {failed:#}"
    );
    let done = api
        .post(
            &format!("/roaming-partners/{other}/register"),
            &json!({"versions_url": format!("{}/versions", second.url), "token": their_token_a}),
        )
        .expect(200);
    assert_eq!(done["status"], "connected", "{done:#}");
    assert_eq!(done["versions_url"], format!("{}/versions", second.url));
    let on_their_side = second.store.partners();
    assert_eq!(on_their_side.len(), 1);
    assert_eq!(on_their_side[0].access, Access::Registered);
    assert!(on_their_side[0].owns("NL", "DEM"));

    // Partners are the tenant's own.
    let listed = api.get("/roaming-partners").expect(200);
    assert_eq!(listed["total"], 2);
    let _ = tenant;
}
