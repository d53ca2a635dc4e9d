//! Secrets through the admin API: generated station passwords, shown once and kept only as
//! hashes, and station passwords set by command that stay out of the audit log and the kept
//! configuration.
#![cfg(feature = "http-api")]

mod api_support;

use api_support::{CsmsWithApi, TestApi};
use csms_core::model::TenantId;
use ocpp_server::client::{ChargePoint, ChargePointConfig};
use ocpp_types::{OcppVersion, v16, v201};
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
    let csms = CsmsWithApi::start().await;
    let api = &csms.api;
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
        .station_by_identity(tenant_id(api, &admin).await, "PW-1")
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
    let url = csms.station_url(tenant_id(api, &admin).await);
    let connect = |password: &str| {
        let mut config = ChargePointConfig::new(url.clone(), "PW-1");
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
    let tenant = tenant_id(api, &admin).await;
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

/// Asserts that nothing the API or the store shows of the tenant's audit log and of the
/// station's configuration contains `secret`.
async fn assert_nowhere(api: &TestApi, admin: &str, station: i64, secret: &str) {
    let audit = api.get("/audit", admin).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    assert!(
        audit.text.contains("station.set_variables"),
        "{}",
        audit.text
    );
    assert!(!audit.text.contains(secret), "audit API: {}", audit.text);
    let tenant = tenant_id(api, admin).await;
    let log = api.store.audit_log(tenant, 100).await.unwrap();
    let stored = serde_json::to_string(&log).unwrap();
    assert!(!stored.contains(secret), "audit store: {stored}");
    assert!(stored.contains("<redacted>"), "{stored}");

    let shown = api
        .get(&format!("/stations/{station}/configuration"), admin)
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert!(
        !shown.text.contains(secret),
        "configuration API: {}",
        shown.text
    );
    let station = csms_core::model::StationId(station);
    let keys = api.store.configuration(tenant, station).await.unwrap();
    let variables = api.store.variables(tenant, station).await.unwrap();
    let kept = format!("{keys:?} {variables:?}");
    assert!(!kept.contains(secret), "configuration store: {kept}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2x_basic_auth_password_set_by_command_is_in_no_audit_entry_or_kept_setting() {
    let csms = CsmsWithApi::start().await;
    let api = &csms.api;
    let admin = api.tenant("Alpha", "ALP").await;
    let created = api
        .post("/stations", &admin, json!({ "identity": "SEC-201" }))
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let secret = "a-new-basic-auth-password-0123";

    // A 2.0.1 station that accepts every variable and, asked, reads back its password
    // (which a write-only variable should not, but a station may).
    let router = ocpp_server::Router::new()
        .on(|_ctx, request: v201::SetVariablesRequest| async move {
            let results = request
                .set_variable_data
                .into_iter()
                .map(|data| {
                    v201::SetVariableResult::new(
                        v201::SetVariableStatus::Accepted,
                        data.component,
                        data.variable,
                    )
                })
                .collect();
            Ok(v201::SetVariablesResponse::new(results))
        })
        .on(move |_ctx, request: v201::GetVariablesRequest| async move {
            let results = request
                .get_variable_data
                .into_iter()
                .map(|data| {
                    let mut result = v201::GetVariableResult::new(
                        v201::GetVariableStatus::Accepted,
                        data.component,
                        data.variable,
                    );
                    result.attribute_value = Some("a-new-basic-auth-password-0123".into());
                    result
                })
                .collect();
            Ok(v201::GetVariablesResponse::new(results))
        });
    let url = csms.station_url(tenant_id(api, &admin).await);
    let mut config = ChargePointConfig::new(url, "SEC-201");
    config.versions = vec![OcppVersion::V201];
    config.reconnect = None;
    let station = ChargePoint::connect(config, router).await.unwrap();
    station
        .call(&v201::BootNotificationRequest::new(
            v201::ChargingStation::new("Model", "Vendor"),
            v201::BootReason::PowerUp,
        ))
        .await
        .unwrap();

    let commands = format!("/stations/{id}/commands");
    let set = api
        .post(
            &commands,
            &admin,
            json!({ "command": "set_variables", "variables": [
                { "component": "SecurityCtrlr", "variable": "BasicAuthPassword", "value": secret },
                { "component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "60" }
            ]}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["outcome"], "accepted", "{}", set.text);
    let read = api
        .post(
            &commands,
            &admin,
            json!({ "command": "get_variables", "variables": [
                { "component": "SecurityCtrlr", "variable": "BasicAuthPassword" }
            ]}),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert!(!read.text.contains(secret), "{}", read.text);

    // The station also reports it in its device model.
    let mut report = v201::NotifyReportRequest::new(chrono::Utc::now(), 1, 0);
    report.report_data = Some(vec![v201::ReportData::new(
        v201::Component::new("SecurityCtrlr"),
        v201::Variable::new("BasicAuthPassword"),
        vec![v201::VariableAttribute {
            value: Some(secret.into()),
            ..Default::default()
        }],
    )]);
    station.call(&report).await.unwrap();

    assert_nowhere(api, &admin, id, secret).await;
    // What is not secret is kept as before, and the secret variable is known to be set.
    let shown = api
        .get(&format!("/stations/{id}/configuration"), &admin)
        .await;
    let variables = shown.body["variables"].as_array().unwrap();
    let value_of = |name: &str| {
        variables
            .iter()
            .find(|v| v["key"]["variable"] == name)
            .map(|v| v["value"].clone())
    };
    assert_eq!(value_of("HeartbeatInterval"), Some(json!("60")));
    assert_eq!(value_of("BasicAuthPassword"), Some(serde_json::Value::Null));
    station.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_16_authorization_key_set_by_command_is_in_no_audit_entry_or_kept_setting() {
    let csms = CsmsWithApi::start().await;
    let api = &csms.api;
    let admin = api.tenant("Alpha", "ALP").await;
    let created = api
        .post("/stations", &admin, json!({ "identity": "SEC-16" }))
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let secret = "00112233445566778899aabbccddeeff";

    // A 1.6 station that accepts every key and reads back all of them, its key included.
    let router = ocpp_server::Router::new()
        .on(|_ctx, _: v16::ChangeConfigurationRequest| async {
            Ok(v16::ChangeConfigurationResponse {
                status: v16::ConfigurationStatus::Accepted,
            })
        })
        .on(|_ctx, _: v16::GetConfigurationRequest| async {
            Ok(v16::GetConfigurationResponse {
                configuration_key: Some(vec![v16::KeyValue {
                    key: "AuthorizationKey".into(),
                    readonly: false,
                    value: Some("00112233445566778899aabbccddeeff".into()),
                }]),
                unknown_key: None,
            })
        });
    let url = csms.station_url(tenant_id(api, &admin).await);
    let mut config = ChargePointConfig::new(url, "SEC-16");
    config.versions = vec![OcppVersion::V16];
    config.reconnect = None;
    let station = ChargePoint::connect(config, router).await.unwrap();
    station
        .call(&v16::BootNotificationRequest::new("Model", "Vendor"))
        .await
        .unwrap();

    let commands = format!("/stations/{id}/commands");
    let set = api
        .post(
            &commands,
            &admin,
            json!({ "command": "set_configuration", "variables": [
                { "variable": "AuthorizationKey", "value": secret }
            ]}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["outcome"], "accepted", "{}", set.text);
    let read = api
        .post(&commands, &admin, json!({ "command": "get_configuration" }))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert!(!read.text.contains(secret), "{}", read.text);

    assert_nowhere(api, &admin, id, secret).await;
    let shown = api
        .get(&format!("/stations/{id}/configuration"), &admin)
        .await;
    assert_eq!(
        shown.body["keys"][0]["key"], "AuthorizationKey",
        "{}",
        shown.text
    );
    station.close().await;
}
