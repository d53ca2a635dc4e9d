//! Secrets through the admin API: generated station passwords, shown once and kept only as
//! hashes, and station passwords set by command that stay out of the audit log and the kept
//! configuration.
#![cfg(feature = "http-api")]

mod api_support;

use std::sync::Arc;

use api_support::TestApi;
use csms_core::model::TenantId;
use csms_core::ocpp::{Csms, CsmsConfig};
use ocpp_server::client::{ChargePoint, ChargePointConfig};
use ocpp_server::server::{SecurityProfile, Server, ServerConfig};
use ocpp_types::{OcppVersion, v16};
use serde_json::json;

async fn tenant_id(api: &TestApi, key: &str) -> TenantId {
    TenantId(api.get("/tenant", key).await.body["id"].as_i64().unwrap())
}

/// Whether `password` is hexadecimal and 32 characters long.
fn is_generated(password: &str) -> bool {
    password.len() == 32 && password.bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_station_password_is_shown_once_kept_hashed_and_lets_the_station_in() {
    let api_store = TestApi::start().await;
    let csms = Csms::new(api_store.sqlite.clone().unwrap(), CsmsConfig::default());
    let mut server_config = ServerConfig::default();
    server_config.security = SecurityProfile::Basic;
    let server = Arc::new(
        Server::bind(
            "127.0.0.1:0",
            server_config,
            csms.router(),
            csms.station_storage(),
        )
        .await
        .unwrap(),
    );
    let api = api_store.sharing_store_with(server.clone()).await;
    let admin = api.tenant("Alpha", "ALP").await;
    let created = api
        .post(
            "/stations",
            &admin,
            json!({ "identity": "PW-1", "security_profile": 1,
                    "password": "the first password, set by hand" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_i64().unwrap();
    let path = format!("/stations/{id}/password");

    let first = api.call("POST", &path, Some(&admin), None).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["identity"], "PW-1");
    let password = first.body["password"].as_str().unwrap().to_owned();
    assert!(is_generated(&password), "{password}");

    // Rotating again replaces it.
    let second = api.call("POST", &path, Some(&admin), None).await;
    assert_eq!(second.status, 200, "{}", second.text);
    let rotated = second.body["password"].as_str().unwrap().to_owned();
    assert!(is_generated(&rotated), "{rotated}");
    assert_ne!(rotated, password);

    // Only a hash is kept, which takes the last password and no earlier one.
    let station = api
        .store
        .station_by_identity("PW-1")
        .await
        .unwrap()
        .unwrap();
    let hash = station.credentials_hash.clone().unwrap();
    assert!(!hash.to_string().contains(&rotated));
    assert!(hash.verify(&rotated));
    assert!(!hash.verify(&password));
    assert!(!hash.verify("the first password, set by hand"));
    let view = api.get(&format!("/stations/{id}"), &admin).await;
    assert_eq!(view.body["has_password"], true);
    assert_eq!(view.body["security_profile"], 1);
    assert!(!view.text.contains(&rotated));

    // The station gets in with the new password, not with the old one.
    let connect = |password: &str| {
        let mut config =
            ChargePointConfig::new(format!("ws://{}/ocpp", server.local_addr()), "PW-1");
        config.versions = vec![OcppVersion::V16];
        config.reconnect = None;
        config.password = Some(password.to_owned());
        ChargePoint::connect(config, ocpp_server::Router::new())
    };
    assert!(
        connect(&password).await.is_err(),
        "the old password is refused"
    );
    let station = connect(&rotated)
        .await
        .expect("the new password lets it in");
    station
        .call(&v16::BootNotificationRequest::new("Model", "Vendor"))
        .await
        .unwrap();
    station.close().await;

    // Rotations are audited without the password.
    let tenant = tenant_id(&api, &admin).await;
    let log = api.store.audit_log(tenant, 50).await.unwrap();
    let rotations = log
        .iter()
        .filter(|entry| entry.action == "station.password")
        .count();
    assert_eq!(rotations, 2);
    let audit = serde_json::to_string(&log).unwrap();
    assert!(!audit.contains(&password) && !audit.contains(&rotated));

    // Viewers cannot rotate; another tenant does not see the station.
    let viewer = api.key(&admin, &["viewer"]).await;
    api.call("POST", &path, Some(&viewer), None)
        .await
        .assert_error(403, "forbidden");
    let beta = api.tenant("Beta", "BET").await;
    api.call("POST", &path, Some(&beta), None)
        .await
        .assert_error(404, "not_found");
    api.call("POST", "/stations/999999/password", Some(&admin), None)
        .await
        .assert_error(404, "not_found");

    // The route and its answer are in the OpenAPI document.
    let document = csms_core::api::openapi();
    let operation = &document["paths"]["/stations/{id}/password"]["post"];
    assert_eq!(operation["operationId"], "rotateStationPassword");
    let schema = &document["components"]["schemas"]["NewStationPassword"];
    assert!(schema["properties"]["password"].is_object(), "{schema}");
}
