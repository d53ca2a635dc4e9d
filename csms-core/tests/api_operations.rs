//! The admin API's tariffs, estimates, CDRs and commands to stations, over real sockets: a
//! station connects to an OCPP server on the same store and answers the commands.
#![cfg(feature = "http-api")]

mod api_support;

use std::time::Duration;

use api_support::{CsmsWithApi, TestApi};
use chrono::{TimeZone, Utc};
use csms_core::model::{NewCdr, NewSession, SessionStatus, SessionStop, StationId, TenantId};
use ocpp_server::client::{ChargePoint, ChargePointConfig};
use ocpp_types::{OcppVersion, v16, v201};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// An OCPI tariff: `per_kwh` per kWh and `flat` per session, with `vat` percent.
fn tariff(id: &str, per_kwh: f64, flat: f64, vat: f64) -> Value {
    json!({
        "country_code": "NL", "party_id": "ALP", "id": id, "currency": "EUR",
        "elements": [
            { "price_components": [{ "type": "ENERGY", "price": per_kwh, "vat": vat, "step_size": 1 }] },
            { "price_components": [{ "type": "FLAT", "price": flat, "vat": vat, "step_size": 1 }] }
        ],
        "last_updated": "2026-01-01T00:00:00Z"
    })
}

async fn tenant_id(api: &TestApi, key: &str) -> TenantId {
    TenantId(api.get("/tenant", key).await.body["id"].as_i64().unwrap())
}

#[tokio::test]
async fn tariffs_are_stored_listed_assigned_and_price_estimates() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    let location = api
        .post(
            "/locations",
            &admin,
            json!({ "name": "Garage", "address": { "street": "Main 1", "postal_code": null,
                    "city": "Utrecht", "state": null, "country": "NLD" }, "coordinates": null,
                    "time_zone": "Europe/Amsterdam", "opening_hours": { "twenty_four_seven": true },
                    "parking_spots": [] }),
        )
        .await;
    let location_id = location.body["id"].as_i64().unwrap();
    let station = api
        .post(
            "/stations",
            &admin,
            json!({ "identity": "EST-1", "location_id": location_id }),
        )
        .await;
    let station_id = station.body["id"].as_i64().unwrap();

    // No tariff yet: nothing to price with.
    let request = json!({ "station_id": station_id, "energy_kwh": 10, "duration_minutes": 60 });
    api.post("/estimate", &admin, request.clone())
        .await
        .assert_error(422, "no_tariff");

    let mut ids = Vec::new();
    for (name, per_kwh) in [("T-A", 0.30), ("T-B", 0.40), ("T-C", 0.50)] {
        let created = api
            .post("/tariffs", &admin, tariff(name, per_kwh, 1.0, 21.0))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.body["tariff"]["id"], name);
        ids.push(created.body["id"].as_i64().unwrap());
    }
    api.post("/tariffs", &admin, tariff("T-A", 0.1, 0.0, 0.0))
        .await
        .assert_error(409, "conflict");
    // Paging: total in the body and the header.
    let page = api.get("/tariffs?offset=1&limit=1", &admin).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["total"], 3);
    assert_eq!(page.body["offset"], 1);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["items"][0]["tariff"]["id"], "T-B");
    assert_eq!(page.header("x-total-count"), Some("3"));
    api.get("/tariffs?limit=0", &admin)
        .await
        .assert_error(400, "invalid_query");
    api.get("/tariffs?limit=501", &admin)
        .await
        .assert_error(400, "invalid_query");

    // The tenant default prices: 10 kWh at 0.30 plus 1.00, 21% VAT.
    let assigned = api
        .put(
            "/tariff-assignments",
            &admin,
            json!({ "scope": { "kind": "tenant_default" }, "tariff_id": ids[0] }),
        )
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.text);
    let estimate = api.post("/estimate", &admin, request.clone()).await;
    assert_eq!(estimate.status, 200, "{}", estimate.text);
    assert_eq!(estimate.body["tariff"], "T-A");
    assert_eq!(estimate.body["currency"], "EUR");
    assert_eq!(estimate.body["total_cost"]["excl_vat"], json!(4));
    assert_eq!(estimate.body["total_cost"]["incl_vat"], json!(4.84));
    assert_eq!(estimate.body["total_energy_cost"]["excl_vat"], json!(3));
    assert_eq!(estimate.body["total_fixed_cost"]["excl_vat"], json!(1));
    assert_eq!(estimate.body["total_time"], json!(1));

    // The location's own tariff wins over the default.
    let at_location = api
        .put(
            "/tariff-assignments",
            &admin,
            json!({ "scope": { "kind": "location", "location": location_id }, "tariff_id": ids[1] }),
        )
        .await;
    assert_eq!(at_location.status, 200, "{}", at_location.text);
    // An EVSE the station does not have cannot get one.
    api.put(
        "/tariff-assignments",
        &admin,
        json!({ "scope": { "kind": "evse", "station": station_id, "evse_id": 9 }, "tariff_id": ids[1] }),
    )
    .await
    .assert_error(404, "not_found");
    let priced = api.post("/estimate", &admin, request.clone()).await;
    assert_eq!(priced.body["tariff"], "T-B");
    assert_eq!(priced.body["total_cost"]["excl_vat"], json!(5));
    let listed = api.get("/tariff-assignments", &admin).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);

    // Assigned tariffs cannot go; unassigned ones can.
    api.delete(&format!("/tariffs/{}", ids[0]), &admin)
        .await
        .assert_error(409, "conflict");
    let gone = api.delete(&format!("/tariffs/{}", ids[2]), &admin).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    let unassigned = api
        .call(
            "DELETE",
            "/tariff-assignments",
            Some(&admin),
            Some(&json!({ "scope": { "kind": "tenant_default" } })),
        )
        .await;
    assert_eq!(unassigned.status, 204, "{}", unassigned.text);
    let still = api.post("/estimate", &admin, request.clone()).await;
    assert_eq!(still.body["tariff"], "T-B");
    let unassigned = api
        .call(
            "DELETE",
            "/tariff-assignments",
            Some(&admin),
            Some(&json!({ "scope": { "kind": "location", "location": location_id } })),
        )
        .await;
    assert_eq!(unassigned.status, 204, "{}", unassigned.text);
    api.post("/estimate", &admin, request.clone())
        .await
        .assert_error(422, "no_tariff");
    // Replacing keeps the id.
    let replaced = api
        .put(
            &format!("/tariffs/{}", ids[0]),
            &admin,
            tariff("T-A", 0.35, 1.0, 21.0),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(replaced.body["id"].as_i64(), Some(ids[0]));

    // Bad estimates.
    let mut bad = request.clone();
    bad["duration_minutes"] = json!(0);
    api.post("/estimate", &admin, bad)
        .await
        .assert_error(400, "invalid");

    // Another tenant sees none of it, and cannot price at A's station.
    let beta = api.tenant("Beta", "BET").await;
    let theirs = api.get("/tariffs", &beta).await;
    assert_eq!(theirs.body["total"], 0);
    assert_eq!(theirs.body["items"], json!([]));
    for id in &ids[..2] {
        api.get(&format!("/tariffs/{id}"), &beta)
            .await
            .assert_error(404, "not_found");
        api.put(&format!("/tariffs/{id}"), &beta, tariff("X", 1.0, 1.0, 0.0))
            .await
            .assert_error(404, "not_found");
        api.delete(&format!("/tariffs/{id}"), &beta)
            .await
            .assert_error(404, "not_found");
    }
    assert_eq!(api.get("/tariff-assignments", &beta).await.body, json!([]));
    api.put(
        "/tariff-assignments",
        &beta,
        json!({ "scope": { "kind": "tenant_default" }, "tariff_id": ids[1] }),
    )
    .await
    .assert_error(404, "not_found");
    api.post("/estimate", &beta, request)
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn cdrs_are_listed_with_filters_and_pages_per_tenant() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    let tenant = tenant_id(&api, &admin).await;
    let station = api
        .post("/stations", &admin, json!({ "identity": "CDR-1" }))
        .await;
    let station = StationId(station.body["id"].as_i64().unwrap());
    let mut sessions = Vec::new();
    for hour in [8, 10, 12] {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap();
        let (session, _) = api
            .store
            .start_session(
                tenant,
                &NewSession {
                    station_id: station,
                    transaction_id: Some(format!("tx-{hour}")),
                    evse_id: Some(1),
                    connector_id: Some(1),
                    token_uid: Some("TAG".to_owned()),
                    token_id: None,
                    started_at: start,
                    meter_start_wh: Some(Decimal::ZERO),
                    status: SessionStatus::Charging,
                    auth_method: None,
                    offline: false,
                    seq_no: Some(0),
                },
            )
            .await
            .unwrap();
        let stop = SessionStop {
            stopped_at: start + chrono::Duration::hours(1),
            meter_stop_wh: Some(Decimal::from(10_000)),
            status: SessionStatus::Completed,
            reason: None,
            offline: false,
            seq_no: Some(1),
        };
        api.store
            .stop_session(tenant, session.id, &stop)
            .await
            .unwrap();
        let new = NewCdr {
            session_id: session.id,
            owner: None,
            energy_wh: Decimal::from(10_000),
            currency: "EUR".to_owned(),
            total_cost_excl_vat: Decimal::from(4),
            total_cost_incl_vat: Some(Decimal::new(484, 2)),
            tariff_id: None,
            details: json!({}),
        };
        api.store.issue_cdr(tenant, &new).await.unwrap();
        sessions.push(session.id.0);
    }
    let all = api.get("/cdrs", &admin).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["total"], 3);
    assert_eq!(all.body["items"][0]["total_cost_incl_vat"], json!(4.84));
    let later = api
        .get("/cdrs?from=2026-03-02T09:00:00Z&limit=1", &admin)
        .await;
    assert_eq!(later.body["total"], 2, "{}", later.text);
    assert_eq!(later.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        later.body["items"][0]["session_id"].as_i64(),
        Some(sessions[1])
    );
    let one = api
        .get(&format!("/cdrs?session={}", sessions[2]), &admin)
        .await;
    assert_eq!(one.body["total"], 1);
    let id = one.body["items"][0]["id"].as_i64().unwrap();
    assert_eq!(api.get(&format!("/cdrs/{id}"), &admin).await.status, 200);
    let of_session = api
        .get(&format!("/sessions/{}/cdr", sessions[2]), &admin)
        .await;
    assert_eq!(of_session.body["id"].as_i64(), Some(id));
    api.get("/cdrs?from=yesterday", &admin)
        .await
        .assert_error(400, "invalid_query");

    let session = api.get(&format!("/sessions/{}", sessions[0]), &admin).await;
    assert_eq!(session.body["energy_wh"], json!(10000));
    assert_eq!(session.body["transaction"], json!({ "v201": "tx-8" }));

    let beta = api.tenant("Beta", "BET").await;
    assert_eq!(api.get("/cdrs", &beta).await.body["total"], 0);
    api.get(&format!("/cdrs/{id}"), &beta)
        .await
        .assert_error(404, "not_found");
    for path in [
        format!("/sessions/{}", sessions[0]),
        format!("/sessions/{}/meter-values", sessions[0]),
        format!("/sessions/{}/cdr", sessions[0]),
    ] {
        api.get(&path, &beta).await.assert_error(404, "not_found");
    }
}

#[tokio::test]
async fn commands_reach_the_connected_station_and_return_its_answer() {
    let csms = CsmsWithApi::start().await;
    let (api, server) = (&csms.api, &csms.server);
    let admin = api.tenant("Alpha", "ALP").await;
    let created = api
        .post("/stations", &admin, json!({ "identity": "CMD-1" }))
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let reset = json!({ "command": "reset", "kind": "soft" });

    // Not connected: 409, audited.
    api.post(&format!("/stations/{id}/commands"), &admin, reset.clone())
        .await
        .assert_error(409, "station_offline");

    // A 1.6 station that accepts soft resets and rejects unlocks.
    let router = ocpp_server::Router::new()
        .on(|_ctx, _: v16::ResetRequest| async {
            Ok(v16::ResetResponse {
                status: v16::ResetStatus::Accepted,
            })
        })
        .on(|_ctx, _: v16::UnlockConnectorRequest| async {
            Ok(v16::UnlockConnectorResponse {
                status: v16::UnlockStatus::NotSupported,
            })
        });
    let url = format!(
        "ws://{}/ocpp/{}",
        server.local_addr(),
        created.body["tenant_id"]
    );
    let mut config = ChargePointConfig::new(url, "CMD-1");
    config.versions = vec![OcppVersion::V16];
    config.reconnect = None;
    let station = ChargePoint::connect(config, router).await.unwrap();
    station
        .call(&v16::BootNotificationRequest::new("Model", "Vendor"))
        .await
        .unwrap();

    let view = api.get(&format!("/stations/{id}"), &admin).await;
    assert_eq!(view.body["connection"]["version"], "1.6", "{}", view.text);

    let answered = api
        .post(&format!("/stations/{id}/commands"), &admin, reset.clone())
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(answered.body["outcome"], "accepted");
    assert_eq!(answered.body["response"]["status"], "Accepted");
    let unlock = api
        .post(
            &format!("/stations/{id}/commands"),
            &admin,
            json!({ "command": "unlock", "evse": 1, "connector": 1 }),
        )
        .await;
    assert_eq!(unlock.status, 200, "{}", unlock.text);
    assert_eq!(unlock.body["outcome"], "rejected");
    assert_eq!(unlock.body["status"], "NotSupported");
    // A command the station's version cannot take, or not a command at all.
    api.post(
        &format!("/stations/{id}/commands"),
        &admin,
        json!({ "command": "fly" }),
    )
    .await
    .assert_error(400, "invalid_body");

    // Viewers cannot command; another tenant cannot even see the station.
    let viewer = api.key(&admin, &["viewer"]).await;
    api.post(&format!("/stations/{id}/commands"), &viewer, reset.clone())
        .await
        .assert_error(403, "forbidden");
    let beta = api.tenant("Beta", "BET").await;
    api.post(&format!("/stations/{id}/commands"), &beta, reset.clone())
        .await
        .assert_error(404, "not_found");
    api.get(&format!("/stations/{id}"), &beta)
        .await
        .assert_error(404, "not_found");

    // Every command sent through the API is in the audit log, with its outcome.
    let tenant = tenant_id(api, &admin).await;
    let log = api.store.audit_log(tenant, 50).await.unwrap();
    let resets: Vec<&str> = log
        .iter()
        .filter(|entry| entry.action == "station.reset")
        .map(|entry| {
            entry.new_value.as_ref().unwrap()["result"]["outcome"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(resets, ["accepted", "not_connected"]);

    station.close().await;
    tokio::time::timeout(Duration::from_secs(5), async {
        while !server.stations().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    let view = api.get(&format!("/stations/{id}"), &admin).await;
    assert_eq!(view.body["connection"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_station_reports_of_its_settings_is_kept_and_shown() {
    let csms = CsmsWithApi::start().await;
    let (api, server) = (&csms.api, &csms.server);
    let admin = api.tenant("Alpha", "ALP").await;
    let created = api
        .post("/stations", &admin, json!({ "identity": "DM-1" }))
        .await;
    let id = created.body["id"].as_i64().unwrap();

    // A 2.0.1 station that reports its device model when asked and accepts one variable.
    let router = ocpp_server::Router::new()
        .on(|_ctx, _: v201::GetBaseReportRequest| async {
            Ok(v201::GetBaseReportResponse::new(
                v201::GenericDeviceModelStatus::Accepted,
            ))
        })
        .on(|_ctx, request: v201::SetVariablesRequest| async move {
            let results = request
                .set_variable_data
                .into_iter()
                .map(|data| {
                    let status = if data.variable.name == "HeartbeatInterval" {
                        v201::SetVariableStatus::Accepted
                    } else {
                        v201::SetVariableStatus::Rejected
                    };
                    v201::SetVariableResult::new(status, data.component, data.variable)
                })
                .collect();
            Ok(v201::SetVariablesResponse::new(results))
        });
    let url = format!(
        "ws://{}/ocpp/{}",
        server.local_addr(),
        created.body["tenant_id"]
    );
    let mut config = ChargePointConfig::new(url, "DM-1");
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

    let asked = api
        .post(
            &format!("/stations/{id}/commands"),
            &admin,
            json!({ "command": "get_base_report", "report_base": "FullInventory", "request_id": 4 }),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    assert_eq!(asked.body["outcome"], "accepted", "{}", asked.text);
    // The report the station then sends.
    let attribute = |value: &str, mutability: v201::Mutability| v201::VariableAttribute {
        value: Some(value.into()),
        mutability: Some(mutability),
        ..Default::default()
    };
    let mut evse = v201::Evse::new(1);
    evse.connector_id = Some(1);
    let mut connector = v201::Component::new("Connector");
    connector.evse = Some(evse);
    let mut report = v201::NotifyReportRequest::new(Utc::now(), 4, 0);
    report.report_data = Some(vec![
        v201::ReportData::new(
            v201::Component::new("OCPPCommCtrlr"),
            v201::Variable::new("HeartbeatInterval"),
            vec![attribute("300", v201::Mutability::ReadWrite)],
        ),
        v201::ReportData::new(
            connector,
            v201::Variable::new("ConnectorType"),
            vec![attribute("cType2", v201::Mutability::ReadOnly)],
        ),
    ]);
    station.call(&report).await.unwrap();

    let shown = api
        .get(&format!("/stations/{id}/configuration"), &admin)
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    let variables = shown.body["variables"].as_array().unwrap();
    assert_eq!(variables.len(), 2, "{}", shown.text);
    let connector_type = variables
        .iter()
        .find(|v| v["key"]["variable"] == "ConnectorType")
        .unwrap();
    assert_eq!(connector_type["key"]["component"], "Connector");
    assert_eq!(connector_type["key"]["evse_id"], 1);
    assert_eq!(connector_type["key"]["connector_id"], 1);
    assert_eq!(connector_type["key"]["attribute"], "Actual");
    assert_eq!(connector_type["value"], "cType2");
    assert_eq!(connector_type["mutability"], "ReadOnly");

    // A value the station accepts is reflected; one it rejects is not.
    let set = api
        .post(
            &format!("/stations/{id}/commands"),
            &admin,
            json!({ "command": "set_variables", "variables": [
                { "component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "60" },
                { "component": "OCPPCommCtrlr", "variable": "Frobnicate", "value": "1" }
            ]}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let shown = api
        .get(&format!("/stations/{id}/configuration"), &admin)
        .await;
    let variables = shown.body["variables"].as_array().unwrap();
    assert_eq!(variables.len(), 2, "{}", shown.text);
    let heartbeat = variables
        .iter()
        .find(|v| v["key"]["variable"] == "HeartbeatInterval")
        .unwrap();
    assert_eq!(heartbeat["value"], "60", "{}", shown.text);
    assert_eq!(heartbeat["mutability"], "ReadWrite", "as reported before");
    assert_eq!(shown.body["keys"], json!([]));

    // Another tenant sees nothing of it.
    let beta = api.tenant("Beta", "BET").await;
    api.get(&format!("/stations/{id}/configuration"), &beta)
        .await
        .assert_error(404, "not_found");

    station.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_describe_change_and_remove_evses_and_connectors() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    let created = api
        .post("/stations", &admin, json!({ "identity": "EV-PARTS" }))
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let plug = json!({
        "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": "DC",
        "max_voltage": 920, "max_amperage": 250, "max_power_w": 150000
    });

    // Describing a connector of an EVSE nobody registered makes both.
    let put = api
        .put(
            &format!("/stations/{id}/evses/2/connectors/1"),
            &admin,
            plug.clone(),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.body["standard"], "IEC_62196_T2_COMBO");
    assert_eq!(
        put.body["status"], "Unavailable",
        "until the station reports"
    );
    let evse = api
        .put(
            &format!("/stations/{id}/evses/2"),
            &admin,
            json!({ "uid": "NL*ALP*E2" }),
        )
        .await;
    assert_eq!(evse.status, 200, "{}", evse.text);
    let view = api.get(&format!("/stations/{id}"), &admin).await;
    assert_eq!(view.body["evses"][0]["uid"], "NL*ALP*E2", "{}", view.text);
    assert_eq!(view.body["connectors"][0]["max_power_w"], 150000);

    // Bad numbers and bad descriptions are refused; another tenant sees nothing.
    api.put(
        &format!("/stations/{id}/evses/0/connectors/1"),
        &admin,
        plug.clone(),
    )
    .await
    .assert_error(400, "invalid_path");
    api.put(
        &format!("/stations/{id}/evses/2/connectors/1"),
        &admin,
        json!({ "standard": "WARP_PLUG", "format": "CABLE", "power_type": "DC" }),
    )
    .await
    .assert_error(400, "invalid_body");
    let beta = api.tenant("Beta", "BET").await;
    api.put(
        &format!("/stations/{id}/evses/2/connectors/1"),
        &beta,
        plug.clone(),
    )
    .await
    .assert_error(404, "not_found");
    api.delete(&format!("/stations/{id}/evses/2"), &beta)
        .await
        .assert_error(404, "not_found");

    // Removing the connector, then the EVSE.
    let gone = api
        .delete(&format!("/stations/{id}/evses/2/connectors/1"), &admin)
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    api.delete(&format!("/stations/{id}/evses/2/connectors/1"), &admin)
        .await
        .assert_error(404, "not_found");
    let gone = api.delete(&format!("/stations/{id}/evses/2"), &admin).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    let view = api.get(&format!("/stations/{id}"), &admin).await;
    assert_eq!(view.body["evses"], json!([]));
    assert_eq!(view.body["connectors"], json!([]));
    api.finish().await;
}
