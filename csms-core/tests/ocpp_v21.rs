//! OCPP 2.1 stations against the CSMS over real sockets: a station offering 2.1 and 2.0.1
//! lands on 2.1 and boots; a 2.1 station authorizes, charges through TransactionEvents to
//! its CDR and total cost (its own cost details kept), has meter values outside
//! transactions and periodic event streams kept, and answers operator commands; a token's
//! limits reach the station as its transaction limit.

mod ocpp_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use csms_core::model::{
    Actor, AuthMethod, ConnectorStatus, SessionStatus, TariffScope, UnknownStationPolicy, UserId,
};
use csms_core::ocpp::commands::{Command, Outcome, ResetKind};
use csms_core::store::{StationStore, Store};
use csms_core::tariff::simple;
use ocpp_server::client::{ChargePoint, ChargePointConfig};
use ocpp_server::{Context, Router};
use ocpp_support::{HEARTBEAT, Harness, sqlite};
use ocpp_types::{OcppVersion, v21};
use rust_decimal::Decimal;
use serde_json::json;

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 18, 0, 0).unwrap()
}

async fn boot(cp: &ChargePoint) -> v21::BootNotificationResponse {
    let station = v21::ChargingStation::new("Wallbox 22", "Acme");
    let request = v21::BootNotificationRequest::new(station, v21::BootReason::PowerUp);
    cp.call(&request).await.expect("boot answered")
}

fn register(at: DateTime<Utc>, wh: i64, context: v21::ReadingContext) -> v21::MeterValue {
    let mut sample = v21::SampledValue::new(Decimal::from(wh));
    sample.measurand = Some(v21::Measurand::EnergyActiveImportRegister);
    sample.context = Some(context);
    v21::MeterValue::new(vec![sample], at)
}

fn event(
    kind: v21::TransactionEvent,
    seq_no: u32,
    at: DateTime<Utc>,
    wh: i64,
) -> v21::TransactionEventRequest {
    let (trigger, context, state) = match kind {
        v21::TransactionEvent::Started => (
            v21::TriggerReason::Authorized,
            v21::ReadingContext::TransactionBegin,
            v21::ChargingState::EvConnected,
        ),
        v21::TransactionEvent::Ended => (
            v21::TriggerReason::EvDeparted,
            v21::ReadingContext::TransactionEnd,
            v21::ChargingState::Idle,
        ),
        _ => (
            v21::TriggerReason::MeterValuePeriodic,
            v21::ReadingContext::SamplePeriodic,
            v21::ChargingState::Charging,
        ),
    };
    let mut info = v21::Transaction::new("TX-21");
    info.charging_state = Some(state);
    if kind == v21::TransactionEvent::Ended {
        info.stopped_reason = Some(v21::Reason::EvDisconnected);
    }
    let mut request = v21::TransactionEventRequest::new(kind, seq_no, at, info, trigger);
    let mut evse = v21::Evse::new(1);
    evse.connector_id = Some(1);
    request.evse = Some(evse);
    request.id_token = Some(v21::IdToken::new("TAG-21", "ISO14443"));
    request.meter_value = Some(vec![register(at, wh, context)]);
    request
}

/// A 2.1 station that accepts resets and reports one variable.
fn station_router() -> Router {
    Router::new()
        .on(|_ctx: Context, _: v21::ResetRequest| async {
            Ok(v21::ResetResponse::new(v21::ResetStatus::Accepted))
        })
        .on(
            |_ctx: Context, request: v21::GetVariablesRequest| async move {
                let results = request
                    .get_variable_data
                    .into_iter()
                    .map(|data| {
                        let mut result = v21::GetVariableResult::new(
                            v21::GetVariableStatus::Accepted,
                            data.component,
                            data.variable,
                        );
                        result.attribute_value = Some("300".into());
                        result
                    })
                    .collect();
                Ok(v21::GetVariablesResponse::new(results))
            },
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_offering_21_and_201_lands_on_21_and_boots() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CS-DUAL").await;
    let mut config = ChargePointConfig::new(h.url.clone(), "CS-DUAL");
    config.versions = vec![OcppVersion::V21, OcppVersion::V201];
    config.reconnect = None;
    let cp = ChargePoint::connect(config, Router::new())
        .await
        .expect("connects");
    assert_eq!(cp.version(), Some(OcppVersion::V21));
    let answer = boot(&cp).await;
    assert_eq!(answer.status, v21::RegistrationStatus::Accepted);
    assert_eq!(answer.interval, HEARTBEAT as i32);
    let station = h
        .store
        .station_by_identity(h.tenant, "CS-DUAL")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(station.ocpp_version, Some(OcppVersion::V21));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_21_station_charges_to_its_cdr_and_answers_commands() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    run_21_station(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_21_station_charges_to_its_cdr_and_answers_commands_postgres() {
    let Some((h, schema)) = ocpp_support::postgres(UnknownStationPolicy::Reject).await else {
        return;
    };
    run_21_station(&h).await;
    ocpp_support::drop_schema(&h.store, &schema).await;
}

async fn run_21_station<S: Store + 'static>(h: &Harness<S>) {
    let station = h.station("CS-21").await;
    let token = h.token("TAG-21", |_| {}).await;
    let tariff = h
        .store
        .create_tariff(h.tenant, &simple::per_kwh("EUR", dec("0.25"), None))
        .await
        .unwrap();
    h.store
        .assign_tariff(h.tenant, &TariffScope::TenantDefault, tariff.id)
        .await
        .unwrap();
    let cp = h.connect("CS-21", OcppVersion::V21, station_router()).await;
    assert_eq!(boot(&cp).await.status, v21::RegistrationStatus::Accepted);

    cp.call(&v21::StatusNotificationRequest::new(
        1,
        v21::ConnectorStatus::Occupied,
        1,
        t0(),
    ))
    .await
    .unwrap();
    let connectors = h.store.connectors(h.tenant, station.id).await.unwrap();
    assert_eq!(connectors[0].status, ConnectorStatus::Occupied);

    let authorized = cp
        .call(&v21::AuthorizeRequest::new(v21::IdToken::new(
            "TAG-21", "ISO14443",
        )))
        .await
        .unwrap();
    assert_eq!(
        authorized.id_token_info.status,
        v21::AuthorizationStatus::Accepted
    );
    let unknown = cp
        .call(&v21::AuthorizeRequest::new(v21::IdToken::new(
            "NOBODY", "ISO14443",
        )))
        .await
        .unwrap();
    assert_eq!(
        unknown.id_token_info.status,
        v21::AuthorizationStatus::Unknown
    );

    let started = cp
        .call(&event(v21::TransactionEvent::Started, 0, t0(), 1000))
        .await
        .unwrap();
    assert_eq!(
        started.id_token_info.map(|info| info.status),
        Some(v21::AuthorizationStatus::Accepted)
    );
    cp.call(&event(
        v21::TransactionEvent::Updated,
        1,
        t0() + Duration::minutes(30),
        5000,
    ))
    .await
    .unwrap();
    let mut ended = event(
        v21::TransactionEvent::Ended,
        2,
        t0() + Duration::hours(1),
        9000,
    );
    ended.cost_details = Some(
        serde_json::from_value(json!({
            "totalCost": {"currency": "EUR", "typeOfCost": "NormalCost", "total": {"exclTax": 2.0}},
            "totalUsage": {"energy": 8000, "chargingTime": 3600, "idleTime": 0}
        }))
        .expect("cost details"),
    );
    let answer = cp.call(&ended).await.unwrap();
    assert_eq!(answer.total_cost, Some(dec("2")), "8 kWh at 0.25");

    let session = h
        .store
        .session_by_transaction(h.tenant, station.id, "TX-21")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.status, SessionStatus::Completed);
    assert_eq!(session.energy_wh, Some(dec("8000")));
    // The station's own cost calculation is kept with the session, as sent.
    let kept = session
        .station_cost_details
        .as_ref()
        .expect("cost details kept with the session");
    assert_eq!(kept["totalCost"]["currency"], "EUR", "{kept}");
    assert_eq!(kept["totalCost"]["total"]["exclTax"], 2.0, "{kept}");
    assert_eq!(kept["totalUsage"]["energy"], 8000, "{kept}");
    assert_eq!(session.token_id, Some(token.id));
    assert_eq!(session.auth_method, Some(AuthMethod::Central));
    assert_eq!(session.stop_reason.as_deref(), Some("EVDisconnected"));
    assert_eq!(
        h.store
            .meter_values(h.tenant, session.id)
            .await
            .unwrap()
            .len(),
        3
    );
    let cdr = h
        .store
        .cdr_of_session(h.tenant, session.id)
        .await
        .unwrap()
        .expect("a CDR");
    assert_eq!(cdr.energy_wh, dec("8000"));

    // Meter values outside a transaction are kept against the station.
    cp.call(&v21::MeterValuesRequest::new(
        0,
        vec![register(t0(), 12_345, v21::ReadingContext::SamplePeriodic)],
    ))
    .await
    .unwrap();
    let kept = h
        .store
        .station_meter_values(h.tenant, station.id, 10)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].value.value, dec("12345"));

    // A periodic event stream (a SEND) is kept against the station.
    cp.send(&v21::NotifyPeriodicEventStream::new(
        t0(),
        vec![v21::StreamDataElement::new(dec("1.5"), "230.1")],
        7,
        0,
    ))
    .await
    .unwrap();

    // Operator commands reach the 2.1 station in its own messages.
    let handle = h.handle("CS-21").await;
    let commands = h.csms.commands();
    let operator = Actor::User(UserId(1));
    let reset = commands
        .send(
            h.tenant,
            operator.clone(),
            "CS-21",
            &handle,
            &Command::Reset {
                kind: ResetKind::Soft,
                evse: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(reset.outcome, Outcome::Accepted, "{reset:?}");
    let read: Command = serde_json::from_value(json!({
        "command": "get_variables",
        "variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]
    }))
    .unwrap();
    let read = commands
        .send(h.tenant, operator, "CS-21", &handle, &read)
        .await
        .unwrap();
    assert_eq!(read.outcome, Outcome::Accepted, "{read:?}");
    assert_eq!(
        read.response.as_ref().unwrap()["getVariableResult"][0]["attributeValue"],
        "300"
    );

    let mut stream_kept = false;
    for _ in 0..100 {
        let audit = h.store.audit_log(h.tenant, 50).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|entry| entry.action.as_str()).collect();
        if actions.contains(&"station.periodic_event_stream") {
            stream_kept = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(stream_kept, "the periodic event stream was kept");
}

/// A 2.1 station is told, with its token's acceptance, what the token's limits leave of a
/// session (`transactionLimit`): the day's energy still to charge and the longest session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tokens_limits_reach_a_21_station_as_its_transaction_limit() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CS-LIMIT").await;
    h.token("TAG-21", |token| {
        token.restrictions.max_energy_kwh_per_day = Some(dec("20"));
        token.restrictions.max_duration_minutes = Some(60);
    })
    .await;
    let cp = h.connect("CS-LIMIT", OcppVersion::V21, Router::new()).await;
    boot(&cp).await;
    let answer = cp
        .call(&event(v21::TransactionEvent::Started, 0, Utc::now(), 1000))
        .await
        .expect("started answered");
    assert_eq!(
        answer.id_token_info.map(|info| info.status),
        Some(v21::AuthorizationStatus::Accepted)
    );
    let limit = answer.transaction_limit.expect("a transaction limit");
    assert_eq!(limit.max_energy, Some(dec("20000")));
    assert_eq!(limit.max_time, Some(3600));
    assert_eq!(limit.max_cost, None);
}
