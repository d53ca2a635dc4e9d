//! OCPP 2.0.1 stations against the CSMS over real sockets: boots, Authorize, a transaction
//! of TransactionEvents with its CDR and total cost, events delivered offline and out of
//! order, an Ended for a transaction never seen, retries after a reconnect, and a
//! transaction on a reservation.

mod ocpp_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use csms_core::model::{
    AuthMethod, ConnectorStatus, EventKind, NewReservation, RegistrationStatus, ReservationStatus,
    SessionStatus, TariffScope, UnknownStationPolicy,
};
use csms_core::store::{
    CdrStore, OutboxStore, ReservationStore, SessionStore, StationStore, Store, TariffStore,
};
use csms_core::tariff::simple;
use ocpp_server::Router;
use ocpp_server::client::ChargePoint;
use ocpp_support::{HEARTBEAT, Harness, sqlite};
use ocpp_types::{OcppVersion, v201};
use rust_decimal::Decimal;

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 18, 0, 0).unwrap()
}

async fn boot(cp: &ChargePoint) -> v201::BootNotificationResponse {
    let station = v201::ChargingStation::new("Wallbox 22", "Acme");
    let request = v201::BootNotificationRequest::new(station, v201::BootReason::PowerUp);
    cp.call(&request).await.expect("boot answered")
}

fn register(at: DateTime<Utc>, wh: i64, context: v201::ReadingContext) -> v201::MeterValue {
    let mut sample = v201::SampledValue::new(Decimal::from(wh));
    sample.measurand = Some(v201::Measurand::EnergyActiveImportRegister);
    sample.context = Some(context);
    v201::MeterValue::new(vec![sample], at)
}

fn event(
    kind: v201::TransactionEvent,
    tx: &str,
    seq_no: i32,
    at: DateTime<Utc>,
    wh: Option<i64>,
) -> v201::TransactionEventRequest {
    let (trigger, context, state) = match kind {
        v201::TransactionEvent::Started => (
            v201::TriggerReason::Authorized,
            v201::ReadingContext::TransactionBegin,
            v201::ChargingState::EvConnected,
        ),
        v201::TransactionEvent::Ended => (
            v201::TriggerReason::EvDeparted,
            v201::ReadingContext::TransactionEnd,
            v201::ChargingState::Idle,
        ),
        _ => (
            v201::TriggerReason::MeterValuePeriodic,
            v201::ReadingContext::SamplePeriodic,
            v201::ChargingState::Charging,
        ),
    };
    let mut info = v201::Transaction::new(tx);
    info.charging_state = Some(state);
    if kind == v201::TransactionEvent::Ended {
        info.stopped_reason = Some(v201::Reason::EvDisconnected);
    }
    let mut request = v201::TransactionEventRequest::new(kind, seq_no, at, info, trigger);
    let mut evse = v201::Evse::new(1);
    evse.connector_id = Some(1);
    request.evse = Some(evse);
    request.id_token = Some(v201::IdToken::new("TAG-201", v201::IdTokenEnum::Iso14443));
    request.meter_value = wh.map(|wh| vec![register(at, wh, context)]);
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boot_status_and_authorize() {
    let h = sqlite(UnknownStationPolicy::Pending).await;
    let station = h.station("CS-1").await;
    let cp = h.connect("CS-1", OcppVersion::V201, Router::new()).await;
    let answer = boot(&cp).await;
    assert_eq!(answer.status, v201::RegistrationStatus::Accepted);
    assert_eq!(answer.interval, HEARTBEAT as i32);
    let log = h.store.boot_log(h.tenant, station.id, 5).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].reason.as_deref(), Some("PowerUp"));

    let unknown = h.connect("CS-NEW", OcppVersion::V201, Router::new()).await;
    assert_eq!(
        boot(&unknown).await.status,
        v201::RegistrationStatus::Pending
    );
    let new = h
        .store
        .station_by_identity(h.tenant, "CS-NEW")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.registration, RegistrationStatus::Pending);

    let at = t0();
    cp.call(&v201::StatusNotificationRequest::new(
        1,
        v201::ConnectorStatus::Occupied,
        1,
        at,
    ))
    .await
    .unwrap();
    let connectors = h.store.connectors(h.tenant, station.id).await.unwrap();
    assert_eq!(connectors[0].status, ConnectorStatus::Occupied);

    h.token("GOOD", |t| t.group_id = Some("FLEET".into())).await;
    h.token("DEPOT-ONLY", |t| {
        t.restrictions.station_groups = vec!["depot".into()]
    })
    .await;
    let ask = |uid: &str| {
        let request =
            v201::AuthorizeRequest::new(v201::IdToken::new(uid, v201::IdTokenEnum::Iso14443));
        let cp = &cp;
        async move { cp.call(&request).await.expect("answered").id_token_info }
    };
    let good = ask("GOOD").await;
    assert_eq!(good.status, v201::AuthorizationStatus::Accepted);
    assert_eq!(
        good.group_id_token.map(|g| g.id_token).as_deref(),
        Some("FLEET")
    );
    assert_eq!(
        ask("NOBODY").await.status,
        v201::AuthorizationStatus::Unknown
    );
    assert_eq!(
        ask("DEPOT-ONLY").await.status,
        v201::AuthorizationStatus::NotAtThisLocation
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_of_events_is_billed_and_retries_change_nothing() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CS-TX").await;
    let token = h.token("TAG-201", |_| {}).await;
    let tariff = h
        .store
        .create_tariff(h.tenant, &simple::per_kwh("EUR", dec("0.25"), None))
        .await
        .unwrap();
    h.store
        .assign_tariff(h.tenant, &TariffScope::TenantDefault, tariff.id)
        .await
        .unwrap();
    let cp = h.connect("CS-TX", OcppVersion::V201, Router::new()).await;
    boot(&cp).await;
    let started = event(v201::TransactionEvent::Started, "TX-A", 0, t0(), Some(1000));
    let answer = cp.call(&started).await.unwrap();
    assert_eq!(
        answer.id_token_info.map(|i| i.status),
        Some(v201::AuthorizationStatus::Accepted)
    );
    assert_eq!(answer.total_cost, None);
    let updated = event(
        v201::TransactionEvent::Updated,
        "TX-A",
        1,
        t0() + Duration::minutes(30),
        Some(5000),
    );
    cp.call(&updated).await.unwrap();
    let session = h
        .store
        .session_by_transaction(h.tenant, station.id, "TX-A")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.status, SessionStatus::Charging);
    assert_eq!(session.meter_start_wh, Some(dec("1000")));
    assert_eq!(session.token_id, Some(token.id));
    assert_eq!(session.auth_method, Some(AuthMethod::Central));
    let ended = event(
        v201::TransactionEvent::Ended,
        "TX-A",
        2,
        t0() + Duration::hours(1),
        Some(9000),
    );
    let answer = cp.call(&ended).await.unwrap();
    assert_eq!(answer.total_cost, Some(dec("2")), "8 kWh at 0.25");

    // The answers were lost: everything again after a reconnect.
    cp.close().await;
    h.gone("CS-TX").await;
    let cp = h.connect("CS-TX", OcppVersion::V201, Router::new()).await;
    cp.call(&started).await.unwrap();
    cp.call(&updated).await.unwrap();
    let again = cp.call(&ended).await.unwrap();
    assert_eq!(again.total_cost, Some(dec("2")), "the same CDR");

    let sessions = h
        .store
        .sessions_started_between(h.tenant, t0() - Duration::days(1), t0() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(session.status, SessionStatus::Completed);
    assert_eq!(session.energy_wh, Some(dec("8000")));
    assert_eq!(session.meter_stop_wh, Some(dec("9000")));
    assert_eq!(session.last_seq_no, Some(2));
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
        .unwrap();
    assert_eq!(cdr.energy_wh, dec("8000"));
    assert_eq!(cdr.total_cost_excl_vat, dec("2"));
}

/// A transaction queued offline and delivered out of order: one session, its state never
/// going back, every meter value kept, the energy from the oldest reading.
async fn offline_flow<S: Store + 'static>(h: &Harness<S>) {
    let station = h.station("CS-OFF").await;
    h.token("TAG-201", |_| {}).await;
    let cp = h.connect("CS-OFF", OcppVersion::V201, Router::new()).await;
    boot(&cp).await;
    let offline = |mut request: v201::TransactionEventRequest| {
        request.offline = Some(true);
        request
    };
    // The station queued the transaction while offline and delivers it out of order: an
    // update first (its Started still to come), with a gap in seqNo.
    let late_update = offline(event(
        v201::TransactionEvent::Updated,
        "TX-B",
        2,
        t0() + Duration::minutes(40),
        Some(7000),
    ));
    cp.call(&late_update).await.unwrap();
    let session = h
        .store
        .session_by_transaction(h.tenant, station.id, "TX-B")
        .await
        .unwrap()
        .expect("an Updated for a transaction never seen starts it");
    assert!(session.offline);
    assert_eq!(session.status, SessionStatus::Charging);
    assert_eq!(session.last_seq_no, Some(2));
    // The Started and the first update arrive late: their meter values are kept, their
    // state does not overwrite the newer one.
    cp.call(&offline(event(
        v201::TransactionEvent::Started,
        "TX-B",
        0,
        t0(),
        Some(2000),
    )))
    .await
    .unwrap();
    let mut first_update = offline(event(
        v201::TransactionEvent::Updated,
        "TX-B",
        1,
        t0() + Duration::minutes(20),
        Some(4000),
    ));
    first_update.transaction_info.charging_state = Some(v201::ChargingState::SuspendedEv);
    cp.call(&first_update).await.unwrap();
    let session = h
        .store
        .session_by_transaction(h.tenant, station.id, "TX-B")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        session.status,
        SessionStatus::Charging,
        "late state ignored"
    );
    assert_eq!(session.last_seq_no, Some(2));
    cp.call(&offline(event(
        v201::TransactionEvent::Ended,
        "TX-B",
        3,
        t0() + Duration::hours(1),
        Some(9000),
    )))
    .await
    .unwrap();
    let session = h
        .store
        .session_by_transaction(h.tenant, station.id, "TX-B")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.status, SessionStatus::Completed);
    assert_eq!(session.last_seq_no, Some(3));
    assert_eq!(
        h.store
            .meter_values(h.tenant, session.id)
            .await
            .unwrap()
            .len(),
        4
    );
    // The session began at the update seen first: its start reading is that update's, and
    // the CDR counts from the earliest reading.
    assert_eq!(session.meter_start_wh, Some(dec("7000")));
    let cdr = h
        .store
        .cdr_of_session(h.tenant, session.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cdr.total_cost_excl_vat, Decimal::ZERO, "no tariff");
    assert_eq!(
        cdr.energy_wh,
        dec("7000"),
        "from 2000 Wh, read before the session began"
    );
    let sessions = h
        .store
        .sessions_started_between(h.tenant, t0() - Duration::days(1), t0() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_events_out_of_order_make_one_session_sqlite() {
    offline_flow(&sqlite(UnknownStationPolicy::Reject).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_events_out_of_order_make_one_session_postgres() {
    let Some((h, schema)) = ocpp_support::postgres(UnknownStationPolicy::Reject).await else {
        return;
    };
    offline_flow(&h).await;
    ocpp_support::drop_schema(&h.store, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_for_a_transaction_never_seen_starts_and_ends_it() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CS-LOST").await;
    let cp = h.connect("CS-LOST", OcppVersion::V201, Router::new()).await;
    boot(&cp).await;
    let mut ended = event(
        v201::TransactionEvent::Ended,
        "TX-C",
        5,
        t0() + Duration::hours(2),
        None,
    );
    ended.meter_value = Some(vec![
        register(t0(), 100, v201::ReadingContext::TransactionBegin),
        register(
            t0() + Duration::hours(2),
            3100,
            v201::ReadingContext::TransactionEnd,
        ),
    ]);
    let answer = cp.call(&ended).await.unwrap();
    assert_eq!(
        answer.id_token_info.map(|i| i.status),
        Some(v201::AuthorizationStatus::Unknown)
    );
    let session = h
        .store
        .session_by_transaction(h.tenant, station.id, "TX-C")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.status, SessionStatus::Completed);
    assert_eq!(session.started_at, t0(), "from its earliest sample");
    assert_eq!(session.energy_wh, Some(dec("3000")));
    assert!(
        h.store
            .cdr_of_session(h.tenant, session.id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_nobody_registered_is_created_from_its_status() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CS-NEWPLUG").await;
    let cp = h
        .connect("CS-NEWPLUG", OcppVersion::V201, Router::new())
        .await;
    boot(&cp).await;
    cp.call(&v201::StatusNotificationRequest::new(
        2,
        v201::ConnectorStatus::Faulted,
        3,
        t0(),
    ))
    .await
    .unwrap();
    let connectors = h.store.connectors(h.tenant, station.id).await.unwrap();
    let reported = connectors
        .iter()
        .find(|c| (c.evse_id, c.connector_id) == (3, 2))
        .expect("the reported connector exists");
    assert_eq!(reported.status, ConnectorStatus::Faulted);
    assert_eq!(reported.standard, None, "nobody described it yet");
    let evses = h.store.evses(h.tenant, station.id).await.unwrap();
    assert!(evses.iter().any(|evse| evse.evse_id == 3));
}

/// A device-model report shows an EVSE and its connector nobody registered: both are
/// created, with the availability the report gives; a known connector's state is updated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_evses_and_connectors_of_a_device_model_report_are_kept() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CS-REPORT").await;
    let cp = h
        .connect("CS-REPORT", OcppVersion::V201, Router::new())
        .await;
    boot(&cp).await;
    let availability = |evse: i32, connector: Option<i32>, component: &str, state: &str| {
        let mut place = v201::Evse::new(evse);
        place.connector_id = connector;
        let mut component = v201::Component::new(component);
        component.evse = Some(place);
        let attribute = v201::VariableAttribute {
            value: Some(state.into()),
            ..Default::default()
        };
        v201::ReportData::new(
            component,
            v201::Variable::new("AvailabilityState"),
            vec![attribute],
        )
    };
    let mut report = v201::NotifyReportRequest::new(t0(), 7, 0);
    report.report_data = Some(vec![
        availability(3, None, "EVSE", "Available"),
        availability(3, Some(1), "Connector", "Occupied"),
        // Connector 1 of EVSE 1 is registered (Available): the report updates it.
        availability(1, Some(1), "Connector", "Unavailable"),
    ]);
    cp.call(&report).await.expect("report answered");

    let evses = h.store.evses(h.tenant, station.id).await.unwrap();
    let evse = evses.iter().find(|e| e.evse_id == 3).expect("EVSE 3 kept");
    assert_eq!(evse.status, ConnectorStatus::Available);
    let connectors = h.store.connectors(h.tenant, station.id).await.unwrap();
    let status = |evse: i32, connector: i32| {
        connectors
            .iter()
            .find(|c| (c.evse_id, c.connector_id) == (evse, connector))
            .map(|c| c.status)
    };
    assert_eq!(status(3, 1), Some(ConnectorStatus::Occupied));
    assert_eq!(status(1, 1), Some(ConnectorStatus::Unavailable));
}

/// A TransactionEvent naming a reservation of its station uses it for the transaction's
/// session, whichever event of the transaction names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_on_a_reservation_uses_it() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CS-RES").await;
    h.token("TAG-201", |_| {}).await;
    let reservation = h
        .store
        .create_reservation(
            h.tenant,
            &NewReservation {
                station_id: station.id,
                evse_id: Some(1),
                token_uid: "TAG-201".to_owned(),
                group_id: None,
                expires_at: Utc::now() + Duration::hours(1),
                partner: None,
            },
        )
        .await
        .unwrap();
    let cp = h.connect("CS-RES", OcppVersion::V201, Router::new()).await;
    boot(&cp).await;
    // Cable first: the Started names no reservation, the Updated of the authorization does.
    let mut started = event(v201::TransactionEvent::Started, "TX-R", 0, t0(), Some(1000));
    started.id_token = None;
    cp.call(&started).await.unwrap();
    let mut authorized = event(v201::TransactionEvent::Updated, "TX-R", 1, t0(), None);
    authorized.reservation_id = Some(i32::try_from(reservation.id.0).unwrap());
    cp.call(&authorized).await.unwrap();
    let used = h
        .store
        .reservation(h.tenant, reservation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.status, ReservationStatus::Used);
    let session = h
        .store
        .session_by_transaction(h.tenant, station.id, "TX-R")
        .await
        .unwrap()
        .expect("the session");
    assert_eq!(used.session_id, Some(session.id));
}

/// A ReservationStatusUpdate ends the station's reservation as it says, once; another
/// station's reservation is left as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reservation_update_ends_the_reservation() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CS-END").await;
    let other = h.station("CS-OTHER").await;
    let reserve = |station: csms_core::model::StationId, evse: i32| NewReservation {
        station_id: station,
        evse_id: Some(evse),
        token_uid: "TAG-201".to_owned(),
        group_id: None,
        expires_at: Utc::now() + Duration::hours(1),
        partner: None,
    };
    let mut made = Vec::new();
    for new in [
        reserve(station.id, 1),
        reserve(station.id, 2),
        reserve(other.id, 1),
    ] {
        made.push(h.store.create_reservation(h.tenant, &new).await.unwrap().id);
    }
    let cp = h.connect("CS-END", OcppVersion::V201, Router::new()).await;
    boot(&cp).await;
    let update = |id: csms_core::model::ReservationId, status| {
        v201::ReservationStatusUpdateRequest::new(i32::try_from(id.0).unwrap(), status)
    };
    let updates = [
        update(made[0], v201::ReservationUpdateStatus::Expired),
        update(made[1], v201::ReservationUpdateStatus::Removed),
        update(made[0], v201::ReservationUpdateStatus::Removed),
        update(made[2], v201::ReservationUpdateStatus::Removed),
    ];
    for request in &updates {
        cp.call(request).await.expect("answered");
    }
    let mut statuses = Vec::new();
    for id in &made {
        let held = h.store.reservation(h.tenant, *id).await.unwrap().unwrap();
        statuses.push(held.status);
    }
    assert_eq!(
        statuses,
        [
            ReservationStatus::Expired,
            ReservationStatus::Cancelled,
            ReservationStatus::Active,
        ]
    );
}

/// The session of `tx` on `station`, as stored.
async fn stored_session<S: Store + 'static>(
    h: &Harness<S>,
    station: csms_core::model::StationId,
    tx: &str,
) -> csms_core::model::ChargingSession {
    h.store
        .session_by_transaction(h.tenant, station, tx)
        .await
        .unwrap()
        .expect("the transaction's session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_carries_its_station_and_changes_reach_it() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    let station = h.station("CS-KEPT").await;
    h.token("TAG-201", |_| {}).await;
    let cp = h.connect("CS-KEPT", OcppVersion::V201, Router::new()).await;
    assert_eq!(boot(&cp).await.status, v201::RegistrationStatus::Accepted);
    let authorize = || {
        let request =
            v201::AuthorizeRequest::new(v201::IdToken::new("TAG-201", v201::IdTokenEnum::Iso14443));
        let cp = &cp;
        async move { cp.call(&request).await }
    };
    assert!(authorize().await.is_ok());

    // An operator rejects the station while it is connected: its next message, on the same
    // connection, is refused; accepted again, it is answered again.
    h.store
        .set_station_registration(h.tenant, station.id, RegistrationStatus::Rejected)
        .await
        .unwrap();
    let refused = authorize().await.unwrap_err();
    assert!(
        refused.to_string().contains("SecurityError"),
        "a rejected station's Authorize: {refused}"
    );
    h.store
        .set_station_registration(h.tenant, station.id, RegistrationStatus::Accepted)
        .await
        .unwrap();
    assert!(authorize().await.is_ok());

    // The connection keeps the running transaction its events advance.
    let at = t0();
    let tx = "TX-KEPT";
    cp.call(&event(
        v201::TransactionEvent::Started,
        tx,
        0,
        at,
        Some(1000),
    ))
    .await
    .unwrap();
    for seq_no in 1..=3 {
        let at = at + Duration::minutes(i64::from(seq_no));
        let wh = 1000 + 100 * i64::from(seq_no);
        cp.call(&event(
            v201::TransactionEvent::Updated,
            tx,
            seq_no,
            at,
            Some(wh),
        ))
        .await
        .unwrap();
    }
    let session = stored_session(&h, station.id, tx).await;
    assert_eq!(
        (session.status, session.last_seq_no),
        (SessionStatus::Charging, Some(3))
    );

    // Something other than this connection moves the session on (as a station's events
    // through another connection would): events the connection still thinks newer do not
    // undo it, and the connection reads the session again. (The events carry no readings,
    // so the only session events written are those of a change of status.)
    assert!(
        h.store
            .update_session(h.tenant, session.id, SessionStatus::SuspendedEv, Some(10))
            .await
            .unwrap()
    );
    for seq_no in [4, 5] {
        let at = at + Duration::minutes(i64::from(seq_no));
        cp.call(&event(
            v201::TransactionEvent::Updated,
            tx,
            seq_no,
            at,
            None,
        ))
        .await
        .unwrap();
        let now = stored_session(&h, station.id, tx).await;
        assert_eq!(
            (now.status, now.last_seq_no),
            (SessionStatus::SuspendedEv, Some(10)),
            "seqNo {seq_no} is older than the store's"
        );
    }
    let later = at + Duration::minutes(11);
    cp.call(&event(v201::TransactionEvent::Updated, tx, 11, later, None))
        .await
        .unwrap();
    let now = stored_session(&h, station.id, tx).await;
    assert_eq!(
        (now.status, now.last_seq_no),
        (SessionStatus::Charging, Some(11))
    );
    // The change back to Charging is told: a connection that still kept Charging would
    // have seen nothing to tell.
    let events = h.store.events(h.tenant, None, 1000).await.unwrap();
    let statuses: Vec<_> = events
        .iter()
        .filter(|event| {
            event.kind == EventKind::SessionUpdated
                && event.subject == format!("session:{}", session.id)
        })
        .filter_map(|event| event.data["status"].as_str())
        .collect();
    assert_eq!(statuses, ["charging", "suspended_ev", "charging"]);
    let values = h.store.meter_values(h.tenant, session.id).await.unwrap();
    assert_eq!(values.len(), 4, "every event's reading, once: {values:?}");
}
