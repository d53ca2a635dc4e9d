//! OCPP 1.6 stations against the CSMS over real sockets: boots under each policy, Authorize,
//! a whole transaction with its meter values and CDR, retries after a reconnect, a stop of
//! an unknown transaction, station reports, a store failure, and starts on reservations.

mod ocpp_support;

use chrono::{Duration, TimeZone, Utc};
use csms_core::model::{
    Actor, ConnectorStatus, NewReservation, RegistrationStatus, ReservationStatus, SessionStatus,
    TariffScope, TokenStatus, TransactionRef, UnknownStationPolicy,
};
use csms_core::store::{
    AuditStore, CdrStore, ReservationStore, SessionStore, StationStore, Store, TenantStore,
    TokenStore,
};
use csms_core::tariff::simple;
use ocpp_server::{CallFailure, Router};
use ocpp_support::{HEARTBEAT, Harness, RETRY, sqlite};
use ocpp_types::{ErrorCode, OcppVersion, v16};
use rust_decimal::Decimal;
use serde_json::json;

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

async fn boot(cp: &ocpp_server::client::ChargePoint) -> v16::BootNotificationResponse {
    let mut request = v16::BootNotificationRequest::new("Wallbox 22", "Acme");
    request.firmware_version = Some("1.4.2".into());
    cp.call(&request).await.expect("boot answered")
}

fn code(failure: CallFailure) -> Option<ErrorCode> {
    match failure {
        CallFailure::CallError { code, .. } => code,
        other => panic!("expected a CallError, got {other}"),
    }
}

fn energy(at: chrono::DateTime<Utc>, wh: &str) -> v16::MeterValue {
    let mut register = v16::SampledValue::new(wh);
    register.measurand = Some(v16::Measurand::EnergyActiveImportRegister);
    register.unit = Some(v16::UnitOfMeasure::Wh);
    let mut power = v16::SampledValue::new("11000");
    power.measurand = Some(v16::Measurand::PowerActiveImport);
    power.unit = Some(v16::UnitOfMeasure::W);
    let mut l1 = v16::SampledValue::new("16");
    l1.measurand = Some(v16::Measurand::CurrentImport);
    l1.phase = Some(v16::Phase::L1);
    l1.unit = Some(v16::UnitOfMeasure::A);
    v16::MeterValue {
        sampled_value: vec![register, power, l1],
        timestamp: at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boots_follow_registration_and_the_unknown_station_policy() {
    let h = sqlite(UnknownStationPolicy::Accept).await;
    let known = h.station("CP-KNOWN").await;
    let cp = h.connect("CP-KNOWN", OcppVersion::V16, Router::new()).await;
    let answer = boot(&cp).await;
    assert_eq!(answer.status, v16::RegistrationStatus::Accepted);
    assert_eq!(answer.interval, HEARTBEAT as i32);
    let log = h.store.boot_log(h.tenant, known.id, 10).await.unwrap();
    assert_eq!(log.len(), 1, "one boot, logged once");
    assert_eq!(log[0].vendor, "Acme");
    assert_eq!(log[0].outcome, RegistrationStatus::Accepted);
    let station = h
        .store
        .station_by_identity(h.tenant, "CP-KNOWN")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(station.firmware_version.as_deref(), Some("1.4.2"));

    // Unknown, policy accept: registered and accepted.
    let cp = h.connect("CP-NEW", OcppVersion::V16, Router::new()).await;
    assert_eq!(boot(&cp).await.status, v16::RegistrationStatus::Accepted);
    let new = h
        .store
        .station_by_identity(h.tenant, "CP-NEW")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.tenant_id, h.tenant);
    assert_eq!(new.registration, RegistrationStatus::Accepted);

    // Policy pending: registered as pending; it may send Heartbeats, not Authorize.
    let mut settings = h.store.tenant(h.tenant).await.unwrap().unwrap().settings;
    settings.unknown_stations = UnknownStationPolicy::Pending;
    h.store
        .update_tenant_settings(h.tenant, &settings)
        .await
        .unwrap();
    let cp = h.connect("CP-WAIT", OcppVersion::V16, Router::new()).await;
    let answer = boot(&cp).await;
    assert_eq!(answer.status, v16::RegistrationStatus::Pending);
    assert_eq!(answer.interval, RETRY as i32);
    let waiting = h
        .store
        .station_by_identity(h.tenant, "CP-WAIT")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(waiting.registration, RegistrationStatus::Pending);
    cp.call(&v16::HeartbeatRequest {})
        .await
        .expect("heartbeat while pending");
    let refused = cp
        .call(&v16::AuthorizeRequest { id_tag: "X".into() })
        .await
        .unwrap_err();
    assert_eq!(code(refused), Some(ErrorCode::SecurityError));
    // Once an operator accepts it, the next boot is accepted.
    h.store
        .set_station_registration(h.tenant, waiting.id, RegistrationStatus::Accepted)
        .await
        .unwrap();
    assert_eq!(boot(&cp).await.status, v16::RegistrationStatus::Accepted);
    assert_eq!(
        h.store
            .boot_log(h.tenant, waiting.id, 10)
            .await
            .unwrap()
            .len(),
        2
    );

    // Policy reject: not even connected, and not registered.
    settings.unknown_stations = UnknownStationPolicy::Reject;
    h.store
        .update_tenant_settings(h.tenant, &settings)
        .await
        .unwrap();
    let Err(refused) = h
        .try_connect("CP-STRANGER", OcppVersion::V16, None, Router::new())
        .await
    else {
        panic!("an unknown station is let in under the reject policy");
    };
    assert!(refused.to_string().contains("401"), "{refused}");
    assert!(
        h.store
            .station_by_identity(h.tenant, "CP-STRANGER")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_answers_id_tag_info() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CP-1").await;
    let expiry = Utc::now() + Duration::days(30);
    h.token("GOOD", |t| {
        t.group_id = Some("FLEET".into());
        t.expires_at = Some(expiry);
    })
    .await;
    h.token("BLOCKED", |t| t.status = TokenStatus::Blocked)
        .await;
    h.token("OLD", |t| {
        t.expires_at = Some(Utc::now() - Duration::hours(1))
    })
    .await;
    h.token("ELSEWHERE", |t| {
        t.restrictions.station_groups = vec!["depot".into()];
    })
    .await;
    let cp = h.connect("CP-1", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    let ask = |tag: &str| {
        let request = v16::AuthorizeRequest { id_tag: tag.into() };
        let cp = &cp;
        async move { cp.call(&request).await.expect("answered").id_tag_info }
    };
    let good = ask("GOOD").await;
    assert_eq!(good.status, v16::AuthorizationStatus::Accepted);
    assert_eq!(good.parent_id_tag.as_deref(), Some("FLEET"));
    assert_eq!(
        good.expiry_date.map(|d| d.timestamp()),
        Some(expiry.timestamp())
    );
    assert_eq!(
        ask("BLOCKED").await.status,
        v16::AuthorizationStatus::Blocked
    );
    assert_eq!(ask("OLD").await.status, v16::AuthorizationStatus::Expired);
    assert_eq!(
        ask("NOBODY").await.status,
        v16::AuthorizationStatus::Invalid
    );
    assert_eq!(
        ask("ELSEWHERE").await.status,
        v16::AuthorizationStatus::Blocked
    );
}

/// Start, meter values, stop, then the same start and stop again after a reconnect: one
/// session, its meter values, its energy, one CDR priced with the tenant's tariff, and the
/// token's counters.
async fn transaction_flow<S: Store + 'static>(h: &Harness<S>) {
    let location = h.location().await;
    let station = h.station_at("CP-TX", Some(location)).await;
    let token = h.token("TAG-1", |_| {}).await;
    let tariff = h
        .store
        .create_tariff(
            h.tenant,
            &simple::per_kwh("EUR", dec("0.30"), Some(dec("21"))),
        )
        .await
        .expect("tariff stored");
    assert!(
        h.store
            .assign_tariff(h.tenant, &TariffScope::TenantDefault, tariff.id)
            .await
            .unwrap()
    );

    let cp = h.connect("CP-TX", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let start = v16::StartTransactionRequest::new(1, "TAG-1", 1000, t0);
    let started = cp.call(&start).await.expect("start answered");
    assert_eq!(
        started.id_tag_info.status,
        v16::AuthorizationStatus::Accepted
    );
    let tx = started.transaction_id;

    let mut values =
        v16::MeterValuesRequest::new(1, vec![energy(t0 + Duration::minutes(30), "6000")]);
    values.transaction_id = Some(tx);
    cp.call(&values).await.expect("meter values answered");
    let mut stop = v16::StopTransactionRequest::new(11000, t0 + Duration::hours(1), tx);
    stop.id_tag = Some("TAG-1".into());
    stop.reason = Some(v16::Reason::EvDisconnected);
    stop.transaction_data = Some(vec![energy(t0 + Duration::minutes(45), "9000")]);
    let stopped = cp.call(&stop).await.expect("stop answered");
    assert_eq!(
        stopped.id_tag_info.map(|info| info.status),
        Some(v16::AuthorizationStatus::Accepted)
    );

    // The station lost the answers and sends both again after reconnecting.
    cp.close().await;
    h.gone("CP-TX").await;
    let cp = h.connect("CP-TX", OcppVersion::V16, Router::new()).await;
    let again = cp.call(&start).await.expect("start answered again");
    assert_eq!(
        again.transaction_id, tx,
        "the same start finds the same session"
    );
    cp.call(&stop).await.expect("stop answered again");

    let sessions = h
        .store
        .sessions_started_between(h.tenant, t0 - Duration::days(1), t0 + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1, "one session");
    let session = &sessions[0];
    assert_eq!(session.station_id, station.id);
    assert_eq!(session.transaction, TransactionRef::V16(tx));
    assert_eq!(session.token_id, Some(token.id));
    assert_eq!(session.status, SessionStatus::Completed);
    assert_eq!(session.stop_reason.as_deref(), Some("EVDisconnected"));
    assert_eq!(session.energy_wh, Some(dec("10000")));
    let stored = h.store.meter_values(h.tenant, session.id).await.unwrap();
    assert_eq!(stored.len(), 6, "three samples at two times, each once");
    let l1 = stored
        .iter()
        .find(|v| v.phase.as_deref() == Some("L1"))
        .unwrap();
    assert_eq!(l1.measurand, "Current.Import");
    assert_eq!(l1.unit.as_deref(), Some("A"));
    assert_eq!(l1.location.as_deref(), Some("Outlet"));
    assert_eq!(l1.context.as_deref(), Some("Sample.Periodic"));

    // The CDR: 10 kWh at 0.30 plus 21 % VAT.
    let cdr = h
        .store
        .cdr_of_session(h.tenant, session.id)
        .await
        .unwrap()
        .expect("a CDR");
    assert_eq!(cdr.energy_wh, dec("10000"));
    assert_eq!(cdr.currency, "EUR");
    assert_eq!(cdr.total_cost_excl_vat, dec("3"));
    assert_eq!(cdr.total_cost_incl_vat, Some(dec("3.63")));
    assert_eq!(cdr.tariff_id, Some(tariff.id));
    assert_eq!(
        cdr.details["charging_periods"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(cdr.details["ocpi_cdr_missing"], serde_json::Value::Null);
    let ocpi = &cdr.details["ocpi_cdr"];
    assert_eq!(ocpi["country_code"], "NL");
    assert_eq!(ocpi["cdr_token"]["uid"], "TAG-1");
    assert_eq!(ocpi["cdr_token"]["type"], "RFID");
    assert_eq!(ocpi["auth_method"], "AUTH_REQUEST");
    assert_eq!(ocpi["cdr_location"]["evse_id"], "CP-TX*1");
    assert_eq!(ocpi["cdr_location"]["connector_standard"], "IEC_62196_T2");
    assert_eq!(ocpi["total_energy"], json!(10));
    assert_eq!(ocpi["total_time"], json!(1));
    assert_eq!(ocpi["total_cost"], json!({"excl_vat": 3, "incl_vat": 3.63}));
    assert_eq!(ocpi["tariffs"][0]["id"], "SIMPLE");

    // Counted once, on 2 March in Amsterdam.
    let token = h.store.token(h.tenant, token.id).await.unwrap().unwrap();
    assert_eq!(token.usage.sessions, 1);
    assert_eq!(token.usage.energy_kwh_day, dec("10"));
    assert_eq!(token.usage.amount_day, dec("3.63"));
    assert_eq!(
        token.usage.day,
        Some(chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_is_stored_once_and_billed_once_sqlite() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    transaction_flow(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_is_stored_once_and_billed_once_postgres() {
    let Some((h, schema)) = ocpp_support::postgres(UnknownStationPolicy::Reject).await else {
        return;
    };
    transaction_flow(&h).await;
    ocpp_support::drop_schema(&h.store, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_without_tariff_gets_a_zero_cost_cdr() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CP-FREE").await;
    let cp = h.connect("CP-FREE", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let started = cp
        .call(&v16::StartTransactionRequest::new(2, "ANYONE", 0, t0))
        .await
        .unwrap();
    assert_eq!(
        started.id_tag_info.status,
        v16::AuthorizationStatus::Invalid
    );
    let stop =
        v16::StopTransactionRequest::new(2500, t0 + Duration::minutes(20), started.transaction_id);
    cp.call(&stop).await.unwrap();
    let session = h
        .store
        .session_by_transaction(
            h.tenant,
            h.store
                .station_by_identity(h.tenant, "CP-FREE")
                .await
                .unwrap()
                .unwrap()
                .id,
            &started.transaction_id.to_string(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.energy_wh, Some(dec("2500")));
    let cdr = h
        .store
        .cdr_of_session(h.tenant, session.id)
        .await
        .unwrap()
        .expect("a CDR");
    assert_eq!(cdr.total_cost_excl_vat, Decimal::ZERO);
    assert_eq!(cdr.tariff_id, None);
    assert_eq!(cdr.energy_wh, dec("2500"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_start_ends_the_connectors_session_that_never_got_its_stop() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CP-LOST").await;
    h.token("TAG-L", |_| {}).await;
    let cp = h.connect("CP-LOST", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let first = cp
        .call(&v16::StartTransactionRequest::new(1, "TAG-L", 1000, t0))
        .await
        .expect("first start answered");
    let mut values =
        v16::MeterValuesRequest::new(1, vec![energy(t0 + Duration::minutes(20), "4000")]);
    values.transaction_id = Some(first.transaction_id);
    cp.call(&values).await.expect("meter values answered");
    // A power cut: the stop of the first transaction is lost, and a new one starts.
    let t1 = t0 + Duration::hours(2);
    let second_start = v16::StartTransactionRequest::new(1, "TAG-L", 5000, t1);
    let second = cp.call(&second_start).await.expect("second start answered");
    assert_ne!(second.transaction_id, first.transaction_id);
    // A retry of the second start changes nothing.
    cp.call(&second_start).await.expect("retry answered");

    let sessions = h
        .store
        .sessions_started_between(h.tenant, t0 - Duration::days(1), t1 + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2, "{sessions:#?}");
    let old = &sessions[0];
    assert_eq!(old.transaction, TransactionRef::V16(first.transaction_id));
    assert_eq!(old.status, SessionStatus::Failed, "{old:#?}");
    assert_eq!(
        old.stop_reason.as_deref(),
        Some(csms_core::ocpp::SUPERSEDED)
    );
    assert_eq!(old.stopped_at, Some(t1));
    assert!(
        h.store
            .cdr_of_session(h.tenant, old.id)
            .await
            .unwrap()
            .is_some(),
        "the ended session gets its CDR"
    );
    let new = &sessions[1];
    assert_eq!(new.transaction, TransactionRef::V16(second.transaction_id));
    assert!(!new.status.is_final(), "{new:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_of_an_unknown_transaction_is_kept() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CP-2").await;
    let cp = h.connect("CP-2", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let mut stop = v16::StopTransactionRequest::new(4321, at, 999);
    stop.reason = Some(v16::Reason::PowerLoss);
    let answer = cp.call(&stop).await.expect("answered");
    assert_eq!(answer.id_tag_info, None);
    cp.call(&stop).await.expect("answered again");
    let kept = h.store.unknown_stops(h.tenant, station.id).await.unwrap();
    assert_eq!(kept.len(), 1, "kept once");
    assert_eq!(kept[0].transaction_id, "999");
    assert_eq!(kept[0].meter_stop_wh, Some(dec("4321")));
    assert_eq!(kept[0].reason.as_deref(), Some("PowerLoss"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_heartbeat_and_station_reports_are_recorded() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CP-3").await;
    let cp = h.connect("CP-3", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let mut status = v16::StatusNotificationRequest::new(
        2,
        v16::ChargePointErrorCode::GroundFailure,
        v16::ChargePointStatus::Faulted,
    );
    status.timestamp = Some(at);
    cp.call(&status).await.expect("status answered");
    let connectors = h.store.connectors(h.tenant, station.id).await.unwrap();
    let faulted = connectors.iter().find(|c| c.evse_id == 2).unwrap();
    assert_eq!(faulted.status, ConnectorStatus::Faulted);
    assert_eq!(faulted.error_code.as_deref(), Some("GroundFailure"));
    assert_eq!(faulted.status_at, Some(at));

    cp.call(&v16::HeartbeatRequest {}).await.expect("heartbeat");
    let seen = h
        .store
        .station_by_id(h.tenant, station.id)
        .await
        .unwrap()
        .unwrap();
    assert!(seen.last_heartbeat.is_some());

    let mut transfer = v16::DataTransferRequest::new("com.acme");
    transfer.data = Some("hello".into());
    let answer = cp.call(&transfer).await.unwrap();
    assert_eq!(answer.status, v16::DataTransferStatus::UnknownVendorId);
    cp.call(&v16::FirmwareStatusNotificationRequest {
        status: v16::FirmwareStatus::Installed,
    })
    .await
    .unwrap();
    cp.call(&v16::DiagnosticsStatusNotificationRequest {
        status: v16::DiagnosticsStatus::Uploaded,
    })
    .await
    .unwrap();
    cp.call(&v16::SecurityEventNotificationRequest::new(
        at,
        "TamperDetectionActivated",
    ))
    .await
    .unwrap();
    let log = h.store.audit_log(h.tenant, 10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "station.security_event",
            "station.diagnostics_status",
            "station.firmware_status",
            "station.data_transfer"
        ]
    );
    assert!(log.iter().all(|e| e.actor == Actor::Station("CP-3".into())));
    assert_eq!(log[3].new_value.as_ref().unwrap()["data"], "hello");
    assert_eq!(
        log[0].new_value.as_ref().unwrap()["type"],
        "TamperDetectionActivated"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_and_store_failures_are_call_errors() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CP-4").await;
    let cp = h.connect("CP-4", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    let mut values = v16::MeterValuesRequest::new(
        1,
        vec![v16::MeterValue {
            sampled_value: vec![v16::SampledValue::new("12,5")],
            timestamp: Utc::now(),
        }],
    );
    values.transaction_id = Some(1);
    let refused = cp.call(&values).await.unwrap_err();
    assert_eq!(code(refused), Some(ErrorCode::PropertyConstraintViolation));

    h.store.close().await;
    let failed = cp.call(&v16::HeartbeatRequest {}).await.unwrap_err();
    assert_eq!(code(failed), Some(ErrorCode::InternalError));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_start_is_not_its_own_concurrent_session() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CP-ONE").await;
    h.token("TAG-ONE", |t| {
        t.restrictions.max_concurrent_sessions = Some(1)
    })
    .await;
    let cp = h.connect("CP-ONE", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    // Concurrent sessions are counted among recent ones: a start of a minute ago.
    let at = Utc::now() - Duration::minutes(1);
    let start = v16::StartTransactionRequest::new(1, "TAG-ONE", 1000, at);
    let first = cp.call(&start).await.expect("start answered");
    assert_eq!(first.id_tag_info.status, v16::AuthorizationStatus::Accepted);
    // The answer was lost and the station sends the same start again: the same
    // transaction, still accepted (its own session does not count against the token).
    let again = cp.call(&start).await.expect("retry answered");
    assert_eq!(again.transaction_id, first.transaction_id);
    assert_eq!(again.id_tag_info.status, v16::AuthorizationStatus::Accepted);
    // A second transaction of the same token, on the other connector, is one too many.
    let other = v16::StartTransactionRequest::new(2, "TAG-ONE", 0, at + Duration::seconds(30));
    let second = cp.call(&other).await.expect("second start answered");
    assert_ne!(second.transaction_id, first.transaction_id);
    assert_eq!(
        second.id_tag_info.status,
        v16::AuthorizationStatus::ConcurrentTx
    );
}

/// The CSMS stops between a stop it committed and what follows it (here: the stop written
/// straight to the store, as a crash would leave it): the reconciliation job issues the
/// session's CDR and counts it on its token, once, however often it runs; a retried start
/// counts the session once too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_ended_without_its_cdr_is_settled_once() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CP-SETTLE").await;
    let token = h.token("TAG-SETTLE", |_| {}).await;
    let cp = h
        .connect("CP-SETTLE", OcppVersion::V16, Router::new())
        .await;
    boot(&cp).await;
    let t0 = Utc::now() - Duration::minutes(30);
    let start = v16::StartTransactionRequest::new(1, "TAG-SETTLE", 1000, t0);
    let started = cp.call(&start).await.expect("start answered");
    cp.call(&start).await.expect("retried start answered");
    let session = h
        .store
        .session_by_transaction(h.tenant, station.id, &started.transaction_id.to_string())
        .await
        .unwrap()
        .unwrap();
    let stop = csms_core::model::SessionStop {
        stopped_at: t0 + Duration::minutes(20),
        meter_stop_wh: Some(dec("7000")),
        status: SessionStatus::Completed,
        reason: Some("Local".into()),
        offline: false,
        seq_no: None,
    };
    h.store
        .stop_session(h.tenant, session.id, &stop)
        .await
        .unwrap()
        .unwrap();
    assert!(
        h.store
            .cdr_of_session(h.tenant, session.id)
            .await
            .unwrap()
            .is_none()
    );

    let settled = h
        .csms
        .settle_ended_sessions(Duration::seconds(0))
        .await
        .unwrap();
    assert_eq!((settled.found, settled.with_cdr), (1, 1));
    let cdr = h
        .store
        .cdr_of_session(h.tenant, session.id)
        .await
        .unwrap()
        .expect("the CDR is issued");
    assert_eq!(cdr.energy_wh, dec("6000"));
    let usage = || async {
        h.store
            .token(h.tenant, token.id)
            .await
            .unwrap()
            .unwrap()
            .usage
    };
    let counted = usage().await;
    assert_eq!(counted.sessions, 1, "the retried start counts once");
    assert_eq!(counted.energy_kwh_month, dec("6"));

    // Nothing is left to settle, and settling again changes nothing.
    let again = h
        .csms
        .settle_ended_sessions(Duration::seconds(0))
        .await
        .unwrap();
    assert_eq!(again.found, 0);
    assert_eq!(usage().await, counted);
}

/// A reservation made for the next hour on EVSE 1 of `station`, for `TAG-RES`.
fn reservation_at(station: csms_core::model::StationId) -> NewReservation {
    NewReservation {
        station_id: station,
        evse_id: Some(1),
        token_uid: "TAG-RES".to_owned(),
        group_id: None,
        expires_at: Utc::now() + Duration::hours(1),
        partner: None,
    }
}

/// A StartTransaction naming a reservation of its station uses it, for its session, once
/// however often it is sent; one naming another station's reservation leaves that one
/// active.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_on_a_reservation_uses_it() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CP-RES").await;
    let other = h.station("CP-ELSEWHERE").await;
    h.token("TAG-RES", |_| {}).await;
    let mine = h
        .store
        .create_reservation(h.tenant, &reservation_at(station.id))
        .await
        .unwrap();
    let theirs = h
        .store
        .create_reservation(h.tenant, &reservation_at(other.id))
        .await
        .unwrap();
    let cp = h.connect("CP-RES", OcppVersion::V16, Router::new()).await;
    boot(&cp).await;
    let mut start = v16::StartTransactionRequest::new(1, "TAG-RES", 0, Utc::now());
    start.reservation_id = Some(i32::try_from(mine.id.0).unwrap());
    let started = cp.call(&start).await.expect("start answered");
    assert_eq!(
        started.id_tag_info.status,
        v16::AuthorizationStatus::Accepted
    );
    let again = cp.call(&start).await.expect("resend answered");
    assert_eq!(again.transaction_id, started.transaction_id);
    let used = h
        .store
        .reservation(h.tenant, mine.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.status, ReservationStatus::Used);
    let session = used.session_id.expect("the session that used it");
    let session = h.store.session(h.tenant, session).await.unwrap().unwrap();
    assert_eq!(
        session.transaction,
        TransactionRef::V16(started.transaction_id)
    );

    let mut elsewhere = v16::StartTransactionRequest::new(2, "TAG-RES", 0, Utc::now());
    elsewhere.reservation_id = Some(i32::try_from(theirs.id.0).unwrap());
    cp.call(&elsewhere).await.expect("start answered");
    let untouched = h
        .store
        .reservation(h.tenant, theirs.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (untouched.status, untouched.session_id),
        (ReservationStatus::Active, None)
    );
}
