//! Stations that send absurd meter readings, over real sockets, on SQLite and PostgreSQL:
//! values at and beyond the decimal range, `NaN`, register readings that overflow the
//! session's energy, `meterStart`/`meterStop` at the i32 extremes. Every call is answered
//! (a result, or a CallError naming the value), nothing panics, the connection stays up
//! and the next normal transaction is billed; a session that cannot be priced has its
//! failure recorded in the audit log.

mod ocpp_support;

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use csms_core::model::{ChargingSession, SessionStatus, TariffScope, UnknownStationPolicy};
use csms_core::ocpp::cdr::NOT_BILLED;
use csms_core::store::Store;
use csms_core::tariff::simple;
use futures_util::{SinkExt, StreamExt};
use ocpp_server::{CallFailure, Router};
use ocpp_support::{Harness, sqlite};
use ocpp_types::{ErrorCode, OcppVersion, v16, v201};
use rust_decimal::Decimal;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// Panics anywhere in this test binary (the CSMS runs in it).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// The texts a 1.6 station may put in a sampled value.
const ABSURD: [&str; 9] = [
    "7.9e28",
    "-7.9e28",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "79228162514264337593543950336",
];

/// Whether a CallError is one that names a bad value (not a failure of the CSMS).
fn names_the_value(code: Option<ErrorCode>) -> bool {
    matches!(
        code,
        Some(
            ErrorCode::PropertyConstraintViolation
                | ErrorCode::FormatViolation
                | ErrorCode::TypeConstraintViolation
                | ErrorCode::OccurrenceConstraintViolation
        )
    )
}

fn register16(at: DateTime<Utc>, text: &str, unit: v16::UnitOfMeasure) -> v16::MeterValue {
    let mut register = v16::SampledValue::new(text);
    register.measurand = Some(v16::Measurand::EnergyActiveImportRegister);
    register.unit = Some(unit);
    v16::MeterValue {
        sampled_value: vec![register],
        timestamp: at,
    }
}

async fn billing<S: Store + 'static>(h: &Harness<S>) {
    let location = h.location().await;
    h.station_at("CP-ABS", Some(location)).await;
    h.station_at("CS-ABS", Some(location)).await;
    h.token("TAG-1", |_| {}).await;
    h.token("TAG-201", |_| {}).await;
    let tariff = h
        .store
        .create_tariff(
            h.tenant,
            &simple::per_kwh("EUR", dec("0.30"), Some(dec("21"))),
        )
        .await
        .expect("tariff stored");
    h.store
        .assign_tariff(h.tenant, &TariffScope::TenantDefault, tariff.id)
        .await
        .unwrap();
}

/// The session of `at`'s start, its CDR or the recorded failure to bill it.
async fn settled<S: Store + 'static>(h: &Harness<S>, started: DateTime<Utc>) -> ChargingSession {
    let sessions = h
        .store
        .sessions_started_between(
            h.tenant,
            started - Duration::minutes(5),
            started + Duration::minutes(5),
        )
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1, "one session started at {started}");
    let session = sessions.into_iter().next().unwrap();
    assert_eq!(session.status, SessionStatus::Completed);
    let cdr = h.store.cdr_of_session(h.tenant, session.id).await.unwrap();
    let target = format!("session:{}", session.id);
    let recorded = h
        .store
        .audit_log(h.tenant, 100)
        .await
        .unwrap()
        .into_iter()
        .any(|entry| {
            entry.action == NOT_BILLED
                && entry.target == target
                && entry
                    .new_value
                    .as_ref()
                    .is_some_and(|v| v["reason"].is_string())
        });
    assert!(
        cdr.is_some() || recorded,
        "session {} has neither a CDR nor a recorded failure",
        session.id
    );
    session
}

async fn v16_station<S: Store + 'static>(h: &Harness<S>) {
    let cp = h.connect("CP-ABS", OcppVersion::V16, Router::new()).await;
    let boot = v16::BootNotificationRequest::new("Wallbox 22", "Acme");
    cp.call(&boot).await.expect("boot answered");
    let alive = || async {
        cp.call(&v16::HeartbeatRequest {})
            .await
            .expect("the connection still works");
    };

    // Session A: meterStart and meterStop at the i32 extremes, absurd readings between.
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let start = v16::StartTransactionRequest::new(1, "TAG-1", i32::MIN, t0);
    let tx = cp
        .call(&start)
        .await
        .expect("start answered")
        .transaction_id;
    for (i, text) in ABSURD.iter().enumerate() {
        for unit in [v16::UnitOfMeasure::Wh, v16::UnitOfMeasure::KWh] {
            let at = t0 + Duration::minutes(i as i64 + 1);
            let mut values = v16::MeterValuesRequest::new(1, vec![register16(at, text, unit)]);
            values.transaction_id = Some(tx);
            match cp.call(&values).await {
                Ok(_) => {}
                Err(CallFailure::CallError { code, .. }) if names_the_value(code) => {}
                Err(other) => panic!("MeterValues {text}: {other}"),
            }
            alive().await;
        }
    }
    let mut stop = v16::StopTransactionRequest::new(i32::MAX, t0 + Duration::hours(1), tx);
    stop.transaction_data = Some(vec![register16(
        t0 + Duration::minutes(30),
        "-7.9e28",
        v16::UnitOfMeasure::Wh,
    )]);
    cp.call(&stop).await.expect("stop answered");
    alive().await;
    let session = settled(h, t0).await;
    assert_eq!(session.meter_start_wh, Some(Decimal::from(i32::MIN)));
    assert_eq!(session.meter_stop_wh, Some(Decimal::from(i32::MAX)));

    // Session B: a reading before the start at the lowest decimal and one after the stop
    // at the highest: the energy between them is beyond the decimal range.
    let t1 = t0 + Duration::hours(3);
    let start = v16::StartTransactionRequest::new(1, "TAG-1", 0, t1);
    let tx = cp
        .call(&start)
        .await
        .expect("start answered")
        .transaction_id;
    let mut values = v16::MeterValuesRequest::new(
        1,
        vec![register16(
            t1 - Duration::minutes(1),
            "-79228162514264337593543950335",
            v16::UnitOfMeasure::Wh,
        )],
    );
    values.transaction_id = Some(tx);
    cp.call(&values).await.expect("meter values answered");
    let mut stop = v16::StopTransactionRequest::new(100, t1 + Duration::hours(1), tx);
    stop.transaction_data = Some(vec![register16(
        t1 + Duration::hours(1) + Duration::minutes(1),
        "79228162514264337593543950335",
        v16::UnitOfMeasure::Wh,
    )]);
    cp.call(&stop).await.expect("stop answered");
    alive().await;
    let session = settled(h, t1).await;
    assert!(
        h.store
            .cdr_of_session(h.tenant, session.id)
            .await
            .unwrap()
            .is_none(),
        "an energy beyond the decimal range is not billed"
    );

    // Session C, normal: billed as ever.
    let t2 = t0 + Duration::hours(6);
    let start = v16::StartTransactionRequest::new(1, "TAG-1", 1000, t2);
    let tx = cp
        .call(&start)
        .await
        .expect("start answered")
        .transaction_id;
    let stop = v16::StopTransactionRequest::new(11000, t2 + Duration::hours(1), tx);
    cp.call(&stop).await.expect("stop answered");
    let session = settled(h, t2).await;
    let cdr = h
        .store
        .cdr_of_session(h.tenant, session.id)
        .await
        .unwrap()
        .expect("a CDR");
    assert_eq!(cdr.energy_wh, dec("10000"));
    assert_eq!(cdr.total_cost_incl_vat, Some(dec("3.63")));
    cp.close().await;
}

/// A 2.0.1 station on a bare WebSocket: it can send numbers no decimal holds.
struct RawStation {
    ws: WebSocketStream<TcpStream>,
    next_id: u32,
}

impl RawStation {
    async fn connect(url: &str, identity: &str) -> RawStation {
        let url = format!("{url}/{identity}");
        let mut request = url.as_str().into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("ocpp2.0.1"),
        );
        let address = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let stream = TcpStream::connect(address).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(request, stream)
            .await
            .expect("upgraded");
        RawStation { ws, next_id: 0 }
    }

    /// Sends a CALL with `payload` (JSON text, as is) and returns the answer frame.
    async fn call(&mut self, action: &str, payload: &str) -> Vec<Value> {
        self.next_id += 1;
        let id = self.next_id.to_string();
        let frame = format!("[2,\"{id}\",\"{action}\",{payload}]");
        self.ws.send(Message::text(frame)).await.unwrap();
        let answer = tokio::time::timeout(StdDuration::from_secs(10), async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let frame: Vec<Value> = serde_json::from_str(text.as_str()).unwrap();
                        if frame.get(1) == Some(&Value::String(id.clone())) {
                            return frame;
                        }
                    }
                    Some(Ok(_)) => {}
                    other => panic!("{action}: the connection ended: {other:?}"),
                }
            }
        })
        .await;
        answer.unwrap_or_else(|_| panic!("{action} not answered"))
    }

    /// A CALL that must be answered with a CALLRESULT: its payload.
    async fn ok(&mut self, action: &str, payload: &str) -> Value {
        let frame = self.call(action, payload).await;
        assert_eq!(frame[0], 3, "{action}: {frame:?}");
        frame[2].clone()
    }
}

const SENTINEL: &str = "987654321";

/// A TransactionEvent whose one energy register reading is `value` (JSON text, as is).
fn event_text(
    kind: v201::TransactionEvent,
    tx: &str,
    seq_no: i32,
    at: DateTime<Utc>,
    value: Option<&str>,
) -> String {
    let trigger = match kind {
        v201::TransactionEvent::Started => v201::TriggerReason::Authorized,
        v201::TransactionEvent::Ended => v201::TriggerReason::EvDeparted,
        _ => v201::TriggerReason::MeterValuePeriodic,
    };
    let mut info = v201::Transaction::new(tx);
    info.charging_state = Some(v201::ChargingState::Charging);
    if kind == v201::TransactionEvent::Ended {
        info.stopped_reason = Some(v201::Reason::EvDisconnected);
    }
    let mut request = v201::TransactionEventRequest::new(kind, seq_no, at, info, trigger);
    let mut evse = v201::Evse::new(1);
    evse.connector_id = Some(1);
    request.evse = Some(evse);
    request.id_token = Some(v201::IdToken::new("TAG-201", v201::IdTokenEnum::Iso14443));
    if value.is_some() {
        let mut sample = v201::SampledValue::new(dec(SENTINEL));
        sample.measurand = Some(v201::Measurand::EnergyActiveImportRegister);
        request.meter_value = Some(vec![v201::MeterValue::new(vec![sample], at)]);
    }
    let text = serde_json::to_string(&request).unwrap();
    match value {
        Some(value) => {
            assert!(text.contains(SENTINEL));
            text.replace(SENTINEL, value)
        }
        None => text,
    }
}

async fn v201_station<S: Store + 'static>(h: &Harness<S>) {
    use v201::TransactionEvent::{Ended, Started, Updated};
    let mut cs = RawStation::connect(&h.url, "CS-ABS").await;
    let boot = serde_json::to_string(&v201::BootNotificationRequest::new(
        v201::ChargingStation::new("Wallbox 22", "Acme"),
        v201::BootReason::PowerUp,
    ))
    .unwrap();
    cs.ok("BootNotification", &boot).await;

    // Transaction 1: from nearly the lowest decimal to nearly the highest (the energy
    // between is beyond the decimal range), absurd updates between.
    let t0 = Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap();
    let started = event_text(Started, "TX-ABS", 0, t0, Some("-7.9e28"));
    cs.ok("TransactionEvent", &started).await;
    let updates = [
        "7.9e28",
        "-7.9e28",
        "79228162514264337593543950335",
        "-79228162514264337593543950335",
        "1e400",
        "-1e400",
        "\"NaN\"",
        "\"1e400\"",
        "NaN",
    ];
    for (i, value) in updates.iter().enumerate() {
        let at = t0 + Duration::minutes(i as i64 + 1);
        let update = event_text(Updated, "TX-ABS", i as i32 + 1, at, Some(value));
        let frame = cs.call("TransactionEvent", &update).await;
        match frame[0].as_u64() {
            Some(3) => {}
            Some(4) => {
                // A bare NaN is no JSON at all: an RPC framework error.
                let code = frame[2].as_str().and_then(ErrorCode::from_wire);
                assert!(
                    names_the_value(code) || code == Some(ErrorCode::RpcFrameworkError),
                    "{value}: {frame:?}"
                );
            }
            _ => panic!("{value}: {frame:?}"),
        }
        cs.ok("Heartbeat", "{}").await;
    }
    // A multiplier that takes a value beyond the decimal range is refused.
    let scaled = event_text(
        Updated,
        "TX-ABS",
        20,
        t0 + Duration::minutes(20),
        Some("7.9e28"),
    )
    .replace(
        "\"measurand\"",
        "\"unitOfMeasure\":{\"multiplier\":3},\"measurand\"",
    );
    let frame = cs.call("TransactionEvent", &scaled).await;
    assert_eq!(frame[0], 4, "{frame:?}");
    assert_eq!(frame[2], "PropertyConstraintViolation", "{frame:?}");
    let ended = event_text(Ended, "TX-ABS", 21, t0 + Duration::hours(1), Some("7.9e28"));
    cs.ok("TransactionEvent", &ended).await;
    cs.ok("Heartbeat", "{}").await;
    settled(h, t0).await;

    // Transaction 2, normal: billed, with its total cost in the answer.
    let t1 = t0 + Duration::hours(3);
    let started = event_text(Started, "TX-OK", 0, t1, Some("1000"));
    cs.ok("TransactionEvent", &started).await;
    let ended = event_text(Ended, "TX-OK", 1, t1 + Duration::hours(1), Some("11000"));
    let answer = cs.ok("TransactionEvent", &ended).await;
    assert_eq!(answer["totalCost"].as_f64(), Some(3.63), "{answer}");
    let session = settled(h, t1).await;
    assert!(
        h.store
            .cdr_of_session(h.tenant, session.id)
            .await
            .unwrap()
            .is_some()
    );
}

async fn absurd_values<S: Store + 'static>(h: &Harness<S>) {
    count_panics();
    billing(h).await;
    v16_station(h).await;
    v201_station(h).await;
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "something panicked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_readings_are_answered_and_settled_sqlite() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    absurd_values(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_readings_are_answered_and_settled_postgres() {
    let Some((h, schema)) = ocpp_support::postgres(UnknownStationPolicy::Reject).await else {
        return;
    };
    absurd_values(&h).await;
    ocpp_support::drop_schema(&h.store, &schema).await;
}
