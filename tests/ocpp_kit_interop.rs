//! Interoperability with an OCPP implementation we did not write: the charging-station side
//! of the `ocpp-kit` crate (crates.io), in OCPP 1.6, 2.0.1 and 2.1, against the reference
//! CSMS (the `csms` example, started with `--demo` as a process on a database of its own
//! and free ports).
//!
//! For each version the ocpp-kit station `DEMO-1` boots, sends a heartbeat, reports its
//! connector, has the demo tokens authorized (`DEMOTAG1` accepted, `DEMOTAG2` blocked) and
//! charges 10 kWh (1.6: StartTransaction, MeterValues, StopTransaction; 2.x:
//! TransactionEvent Started, Updated, Ended with meter values). The admin API must then
//! show the station as it booted, the completed session with its energy and the CDR priced
//! with the demo tariff. Two operator commands go through the admin API
//! (`get_configuration` / `get_variables` and a soft `reset`); ocpp-kit's station handler
//! answers them, and the API must report them accepted, with the station's answer, and
//! audit them.
//!
//! ocpp-kit reads what the CSMS sends with its pedantic decoder (the schemas, plus no
//! member they do not define), and reports any rule of the protocol the CSMS breaks: both
//! fail the test.

#[path = "csms/common.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Api, Csms, TempDir};
use ocpp_kit::RawValue;
use ocpp_kit::decode::DecodeOptions;
use ocpp_kit::engine::IncomingRequest;
use ocpp_kit::rpc::CallError;
use ocpp_kit::transport::{BasicAuthPassword, BoxFuture, Ctx, Event, Handle, Handler, Station};
use ocpp_kit::types::DateTime;
use ocpp_kit::{Version, v1_6};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// The station ocpp-kit plays: one of the demo's.
const IDENTITY: &str = "DEMO-1";
/// The demo token that is accepted.
const ACCEPTED_TAG: &str = "DEMOTAG1";
/// The demo token that is blocked.
const BLOCKED_TAG: &str = "DEMOTAG2";
/// The energy register (Wh) at the start, in the middle and at the end of the transaction:
/// 10 kWh charged.
const METER_WH: [i32; 3] = [2_935_600, 2_940_000, 2_945_600];
/// The heartbeat interval the station reports when asked.
const HEARTBEAT_INTERVAL: &str = "300";

/// The demo CSMS on a database of its own, on free ports, and the demo tenant's admin key.
fn start_demo(dir: &TempDir) -> (Csms, Api) {
    Csms::start_demo(dir, &[])
}

/// A time `minutes` ago, as ocpp-kit writes it.
fn minutes_ago(minutes: i64) -> DateTime {
    let at = chrono::Utc::now() - chrono::Duration::minutes(minutes);
    DateTime::parse(&at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap()
}

fn decimal(value: &Value) -> Decimal {
    match value {
        Value::Number(number) => number.to_string().parse().unwrap(),
        Value::String(text) => text.parse().unwrap(),
        other => panic!("not a decimal: {other}"),
    }
}

/// The stored station `identity`.
fn station(api: &Api, identity: &str) -> Value {
    let stations = api.get("/stations?limit=500").expect(200);
    stations["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|station| station["identity"] == identity)
        .cloned()
        .unwrap_or_else(|| panic!("no station {identity} in {stations:#}"))
}

/// What the CSMS asked the ocpp-kit station, as `Action detail` lines.
type Seen = mpsc::UnboundedSender<String>;

/// ocpp-kit's station handler: answers the operator commands of the test (GetConfiguration
/// / GetVariables of `HeartbeatInterval`, Reset) and refuses everything else with
/// `NotSupported`. Whatever it is asked goes to `seen`.
struct KitStation {
    seen: Seen,
}

impl Handler for KitStation {
    fn on_request(
        &self,
        ctx: Ctx,
        request: IncomingRequest,
    ) -> BoxFuture<'_, Result<Box<RawValue>, CallError>> {
        Box::pin(async move {
            match ctx.version() {
                Version::V1_6 => answer_16(&ctx, &request, &self.seen),
                Version::V2_0_1 => kit_201::answer(&ctx, &request, &self.seen),
                Version::V2_1 => kit_21::answer(&ctx, &request, &self.seen),
                other => Err(CallError::not_supported(&format!("{other:?}"))),
            }
        })
    }
}

/// The 1.6 station's answers.
fn answer_16(
    ctx: &Ctx,
    request: &IncomingRequest,
    seen: &Seen,
) -> Result<Box<RawValue>, CallError> {
    let action = v1_6::Action::from_wire(&request.action)
        .ok_or_else(|| CallError::not_implemented(&request.action))?;
    match v1_6::CsmsRequest::decode(action, &request.payload, ctx.decode_options())? {
        v1_6::CsmsRequest::GetConfiguration(get) => {
            let keys = get.key.unwrap_or_default();
            let _ = seen.send(format!("GetConfiguration {}", keys.join(",")));
            let (known, unknown): (Vec<String>, Vec<String>) =
                keys.into_iter().partition(|key| key == "HeartbeatInterval");
            let mut response = v1_6::GetConfigurationResponse::new().with_configuration_key(
                known
                    .into_iter()
                    .map(|key| v1_6::KeyValue::new(key, false).with_value(HEARTBEAT_INTERVAL))
                    .collect(),
            );
            if !unknown.is_empty() {
                response = response.with_unknown_key(unknown);
            }
            ctx.reply(&response)
        }
        v1_6::CsmsRequest::Reset(reset) => {
            let _ = seen.send(format!("Reset {}", reset.r#type.as_str()));
            ctx.reply(&v1_6::ResetResponse::new(v1_6::ResetStatus::Accepted))
        }
        other => {
            let _ = seen.send(format!("{} refused", other.action().as_str()));
            Err(CallError::not_supported(other.action().as_str()))
        }
    }
}

/// The 1.6 station's part: boot, connector status, Authorize of both demo tokens and a
/// transaction of 10 kWh. Returns the transaction id the CSMS gave.
async fn charge_16(handle: &Handle) -> String {
    let boot = handle
        .call(v1_6::BootNotificationRequest::new(
            "ocpp-kit",
            "interop-1.6",
        ))
        .await
        .expect("BootNotification is answered");
    assert_eq!(boot.status, v1_6::RegistrationStatus::Accepted);
    assert!(boot.interval > 0, "{boot:?}");
    handle
        .call(v1_6::HeartbeatRequest::new())
        .await
        .expect("Heartbeat is answered");
    status_16(handle, v1_6::ChargePointStatus::Available).await;

    let auth = |tag: &'static str| async move {
        handle
            .call(v1_6::AuthorizeRequest::new(tag))
            .await
            .expect("Authorize is answered")
            .id_tag_info
            .status
    };
    assert_eq!(
        auth(ACCEPTED_TAG).await,
        v1_6::AuthorizationStatus::Accepted
    );
    assert_eq!(auth(BLOCKED_TAG).await, v1_6::AuthorizationStatus::Blocked);

    status_16(handle, v1_6::ChargePointStatus::Preparing).await;
    let start = handle
        .call(v1_6::StartTransactionRequest::new(
            1,
            ACCEPTED_TAG,
            METER_WH[0],
            minutes_ago(30),
        ))
        .await
        .expect("StartTransaction is answered");
    assert_eq!(
        start.id_tag_info.status,
        v1_6::AuthorizationStatus::Accepted
    );
    let transaction = start.transaction_id;
    status_16(handle, v1_6::ChargePointStatus::Charging).await;
    let sample = |wh: i32, context| {
        v1_6::SampledValue::new(wh.to_string())
            .with_measurand(v1_6::Measurand::EnergyActiveImportRegister)
            .with_unit(v1_6::UnitOfMeasure::Wh)
            .with_context(context)
    };
    handle
        .call(
            v1_6::MeterValuesRequest::new(
                1,
                vec![v1_6::MeterValue::new(
                    minutes_ago(15),
                    vec![sample(METER_WH[1], v1_6::ReadingContext::SamplePeriodic)],
                )],
            )
            .with_transaction_id(transaction),
        )
        .await
        .expect("MeterValues is answered");
    let stop = handle
        .call(
            v1_6::StopTransactionRequest::new(METER_WH[2], minutes_ago(0), transaction)
                .with_id_tag(ACCEPTED_TAG)
                .with_reason(v1_6::Reason::EVDisconnected)
                .with_transaction_data(vec![v1_6::MeterValue::new(
                    minutes_ago(0),
                    vec![sample(METER_WH[2], v1_6::ReadingContext::TransactionEnd)],
                )]),
        )
        .await
        .expect("StopTransaction is answered");
    assert_eq!(
        stop.id_tag_info.map(|info| info.status),
        Some(v1_6::AuthorizationStatus::Accepted)
    );
    status_16(handle, v1_6::ChargePointStatus::Available).await;
    transaction.to_string()
}

async fn status_16(handle: &Handle, status: v1_6::ChargePointStatus) {
    handle
        .call(
            v1_6::StatusNotificationRequest::new(1, v1_6::ChargePointErrorCode::NoError, status)
                .with_timestamp(minutes_ago(0)),
        )
        .await
        .expect("StatusNotification is answered");
}

/// The station's part in a 2.x version, the same in 2.0.1 and 2.1 (whose messages extend
/// 2.0.1's): `$kit` is ocpp-kit's module of the version.
macro_rules! station_2x {
    ($module:ident, $kit:ident, $model:literal) => {
        mod $module {
            use ocpp_kit::RawValue;
            use ocpp_kit::engine::IncomingRequest;
            use ocpp_kit::rpc::CallError;
            use ocpp_kit::transport::{Ctx, Handle};
            use ocpp_kit::types::Decimal;
            use ocpp_kit::$kit as o;
            use serde_json::json;

            use super::{ACCEPTED_TAG, BLOCKED_TAG, HEARTBEAT_INTERVAL, METER_WH, Seen};
            use super::minutes_ago;

            /// The station's answers.
            pub(super) fn answer(
                ctx: &Ctx,
                request: &IncomingRequest,
                seen: &Seen,
            ) -> Result<Box<RawValue>, CallError> {
                let action = o::Action::from_wire(&request.action)
                    .ok_or_else(|| CallError::not_implemented(&request.action))?;
                match o::CsmsRequest::decode(action, &request.payload, ctx.decode_options())? {
                    o::CsmsRequest::GetVariables(get) => {
                        let results = get
                            .get_variable_data
                            .into_iter()
                            .map(|data| {
                                let _ = seen.send(format!(
                                    "GetVariables {}.{}",
                                    data.component.name, data.variable.name
                                ));
                                let known = data.component.name == "OCPPCommCtrlr"
                                    && data.variable.name == "HeartbeatInterval";
                                let result = o::GetVariableResult::new(
                                    if known {
                                        o::GetVariableStatus::Accepted
                                    } else {
                                        o::GetVariableStatus::UnknownVariable
                                    },
                                    data.component,
                                    data.variable,
                                );
                                if known {
                                    result.with_attribute_value(HEARTBEAT_INTERVAL)
                                } else {
                                    result
                                }
                            })
                            .collect();
                        ctx.reply(&o::GetVariablesResponse::new(results))
                    }
                    o::CsmsRequest::Reset(reset) => {
                        let _ = seen.send(format!("Reset {}", reset.r#type.as_str()));
                        ctx.reply(&o::ResetResponse::new(o::ResetStatus::Accepted))
                    }
                    other => {
                        let _ = seen.send(format!("{} refused", other.action().as_str()));
                        Err(CallError::not_supported(other.action().as_str()))
                    }
                }
            }

            fn id_token(uid: &str) -> o::IdToken {
                // 2.0.1 types the token type as an enumeration, 2.1 as a string.
                serde_json::from_value(json!({"idToken": uid, "type": "ISO14443"})).unwrap()
            }

            async fn status(handle: &Handle, status: o::ConnectorStatus) {
                handle
                    .call(o::StatusNotificationRequest::new(
                        minutes_ago(0),
                        status,
                        1,
                        1,
                    ))
                    .await
                    .expect("StatusNotification is answered");
            }

            /// The energy register in kWh, with three decimals, as a meter value.
            fn register(wh: i32, minutes: i64, context: o::ReadingContext) -> Vec<o::MeterValue> {
                let kwh = Decimal::new(i64::from(wh), 3);
                vec![o::MeterValue::new(
                    vec![
                        o::SampledValue::new(kwh)
                            .with_measurand(o::Measurand::EnergyActiveImportRegister)
                            .with_context(context)
                            .with_unit_of_measure(o::UnitOfMeasure::new().with_unit("kWh")),
                    ],
                    minutes_ago(minutes),
                )]
            }

            /// Boot, connector status, Authorize of both demo tokens and a transaction of
            /// 10 kWh. Returns the transaction id.
            pub(super) async fn charge(handle: &Handle) -> String {
                let boot = handle
                    .call(o::BootNotificationRequest::new(
                        o::ChargingStation::new($model, "ocpp-kit"),
                        o::BootReason::PowerUp,
                    ))
                    .await
                    .expect("BootNotification is answered");
                assert_eq!(boot.status, o::RegistrationStatus::Accepted);
                assert!(boot.interval > 0, "{boot:?}");
                handle
                    .call(o::HeartbeatRequest::new())
                    .await
                    .expect("Heartbeat is answered");
                status(handle, o::ConnectorStatus::Available).await;

                let auth = |uid: &'static str| async move {
                    handle
                        .call(o::AuthorizeRequest::new(id_token(uid)))
                        .await
                        .expect("Authorize is answered")
                        .id_token_info
                        .status
                };
                assert_eq!(auth(ACCEPTED_TAG).await, o::AuthorizationStatus::Accepted);
                assert_eq!(auth(BLOCKED_TAG).await, o::AuthorizationStatus::Blocked);

                status(handle, o::ConnectorStatus::Occupied).await;
                let transaction = concat!("ocpp-kit-", $model);
                let event = |kind, trigger, seq_no, minutes: i64| {
                    o::TransactionEventRequest::new(
                        kind,
                        minutes_ago(minutes),
                        trigger,
                        seq_no,
                        o::Transaction::new(transaction)
                            .with_charging_state(o::ChargingState::Charging),
                    )
                };
                let started = handle
                    .call(
                        event(
                            o::TransactionEventEnum::Started,
                            o::TriggerReason::Authorized,
                            0,
                            30,
                        )
                        .with_evse(o::EVSE::new(1).with_connector_id(1))
                        .with_id_token(id_token(ACCEPTED_TAG))
                        .with_meter_value(register(
                            METER_WH[0],
                            30,
                            o::ReadingContext::TransactionBegin,
                        )),
                    )
                    .await
                    .expect("TransactionEvent Started is answered");
                assert_eq!(
                    started.id_token_info.map(|info| info.status),
                    Some(o::AuthorizationStatus::Accepted)
                );
                handle
                    .call(
                        event(
                            o::TransactionEventEnum::Updated,
                            o::TriggerReason::MeterValuePeriodic,
                            1,
                            15,
                        )
                        .with_meter_value(register(
                            METER_WH[1],
                            15,
                            o::ReadingContext::SamplePeriodic,
                        )),
                    )
                    .await
                    .expect("TransactionEvent Updated is answered");
                let mut ended = event(
                    o::TransactionEventEnum::Ended,
                    o::TriggerReason::EVCommunicationLost,
                    2,
                    0,
                )
                .with_meter_value(register(
                    METER_WH[2],
                    0,
                    o::ReadingContext::TransactionEnd,
                ));
                ended.transaction_info = o::Transaction::new(transaction)
                    .with_charging_state(o::ChargingState::EVConnected)
                    .with_stopped_reason(o::Reason::EVDisconnected);
                let ended = handle
                    .call(ended)
                    .await
                    .expect("TransactionEvent Ended is answered");
                // The demo tariff: 0.30 EUR/kWh and 1.00 EUR per session, plus 21% VAT.
                assert_eq!(
                    ended.total_cost,
                    Some("4.84".parse().unwrap()),
                    "the total cost (VAT included) of 10 kWh: {ended:?}"
                );
                status(handle, o::ConnectorStatus::Available).await;
                transaction.to_owned()
            }
        }
    };
}

station_2x!(kit_201, v2_0_1, "interop-2.0.1");
station_2x!(kit_21, v2_1, "interop-2.1");

/// Sends an operator command through the admin API: the result it answers, after checking
/// that it is 200.
fn command(api: &Api, station: i64, command: Value) -> Value {
    api.post(&format!("/stations/{station}/commands"), &command)
        .expect(200)
}

/// The ocpp-kit station `DEMO-1` in `version` against the demo CSMS; `name` is the
/// version as the API writes it.
async fn kit_station_against_the_csms(version: Version, name: &str) {
    let dir = TempDir::new("ocpp-kit-interop");
    let (csms, api) = start_demo(&dir);
    let id = station(&api, IDENTITY)["id"].as_i64().unwrap();

    let (seen, mut asked) = mpsc::unbounded_channel();
    // ocpp-kit speaks security profiles 1 to 3 only, so it always sends a password; the
    // demo stations are on profile 0, where the CSMS does not ask for one.
    let handle = Station::builder()
        .identity(IDENTITY)
        .unwrap()
        .url(csms.ocpp_url.clone())
        .versions([version])
        .password(BasicAuthPassword::utf8("not-asked-for-on-profile-0").unwrap())
        .reconnect(false)
        .decode_options(DecodeOptions::pedantic())
        .handler(KitStation { seen })
        .build()
        .unwrap()
        .spawn()
        .unwrap();
    let mut events = handle.events();

    let transaction = match version {
        Version::V1_6 => charge_16(&handle).await,
        Version::V2_0_1 => kit_201::charge(&handle).await,
        _ => kit_21::charge(&handle).await,
    };
    assert_eq!(handle.state().version, version);

    // The station as it booted, connected in this version, its connector free again.
    let stored = station(&api, IDENTITY);
    assert_eq!(stored["vendor"], "ocpp-kit", "{stored:#}");
    assert_eq!(stored["model"], format!("interop-{name}"), "{stored:#}");
    assert_eq!(stored["ocpp_version"], name, "{stored:#}");
    assert_eq!(stored["connection"]["version"], name, "{stored:#}");
    assert_eq!(stored["online"], true, "{stored:#}");
    assert_ne!(stored["last_heartbeat"], Value::Null, "{stored:#}");
    assert_eq!(stored["connectors"][0]["status"], "Available", "{stored:#}");
    let boots = api.get(&format!("/stations/{id}/boots")).expect(200);
    assert_eq!(boots[0]["vendor"], "ocpp-kit", "{boots:#}");
    assert_eq!(boots[0]["outcome"], "accepted", "{boots:#}");

    // The session: completed, 10 kWh, with its meter values and its priced CDR.
    let sessions = api.get(&format!("/sessions?station={id}")).expect(200);
    assert_eq!(sessions["total"], 1, "{sessions:#}");
    let session = &sessions["items"][0];
    assert_eq!(session["status"], "completed", "{session:#}");
    assert_eq!(session["token_uid"], ACCEPTED_TAG, "{session:#}");
    let stored_transaction = if version == Version::V1_6 {
        json!({ "v16": transaction.parse::<i64>().unwrap() })
    } else {
        json!({ "v201": transaction })
    };
    assert_eq!(session["transaction"], stored_transaction, "{session:#}");
    assert_eq!(session["evse_id"], 1, "{session:#}");
    assert_eq!(session["connector_id"], 1, "{session:#}");
    assert_eq!(session["stop_reason"], "EVDisconnected", "{session:#}");
    assert_eq!(
        decimal(&session["meter_start_wh"]),
        Decimal::from(METER_WH[0]),
        "{session:#}"
    );
    assert_eq!(
        decimal(&session["meter_stop_wh"]),
        Decimal::from(METER_WH[2]),
        "{session:#}"
    );
    assert_eq!(
        decimal(&session["energy_wh"]),
        Decimal::from(10_000),
        "{session:#}"
    );
    let session_id = session["id"].as_i64().unwrap();
    let values = api
        .get(&format!("/sessions/{session_id}/meter-values"))
        .expect(200);
    let registers: Vec<Decimal> = values
        .as_array()
        .unwrap()
        .iter()
        .filter(|value| value["measurand"] == "Energy.Active.Import.Register")
        .map(|value| {
            let reading = decimal(&value["value"]);
            if value["unit"] == "kWh" {
                reading * Decimal::from(1000)
            } else {
                reading
            }
        })
        .collect();
    // 1.6 keeps what MeterValues and StopTransaction carried; 2.x every event's values.
    let expected: &[i32] = if version == Version::V1_6 {
        &METER_WH[1..]
    } else {
        &METER_WH
    };
    assert_eq!(
        registers,
        expected
            .iter()
            .map(|&wh| Decimal::from(wh))
            .collect::<Vec<_>>(),
        "{values:#}"
    );
    let cdr = api.get(&format!("/sessions/{session_id}/cdr")).expect(200);
    assert_eq!(cdr["session_id"], session_id, "{cdr:#}");
    assert_eq!(cdr["token_uid"], ACCEPTED_TAG, "{cdr:#}");
    assert_eq!(decimal(&cdr["energy_wh"]), Decimal::from(10_000), "{cdr:#}");
    assert_eq!(cdr["currency"], "EUR", "{cdr:#}");
    // 10 kWh at 0.30 EUR and 1.00 EUR for the session; 21% VAT.
    assert_eq!(
        decimal(&cdr["total_cost_excl_vat"]),
        Decimal::from(4),
        "{cdr:#}"
    );
    assert_eq!(
        decimal(&cdr["total_cost_incl_vat"]),
        "4.84".parse::<Decimal>().unwrap(),
        "{cdr:#}"
    );

    // Operator commands through the admin API, answered by ocpp-kit's handler.
    let get = command(
        &api,
        id,
        json!({
            "command": "get_configuration",
            "variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]
        }),
    );
    assert_eq!(get["outcome"], "accepted", "{get:#}");
    if version == Version::V1_6 {
        assert_eq!(
            get["response"]["configurationKey"],
            json!([{"key": "HeartbeatInterval", "readonly": false, "value": HEARTBEAT_INTERVAL}]),
            "{get:#}"
        );
    } else {
        let result = &get["response"]["getVariableResult"][0];
        assert_eq!(result["attributeStatus"], "Accepted", "{get:#}");
        assert_eq!(result["attributeValue"], HEARTBEAT_INTERVAL, "{get:#}");
    }
    let reset = command(&api, id, json!({"command": "reset", "kind": "soft"}));
    assert_eq!(reset["outcome"], "accepted", "{reset:#}");
    assert_eq!(reset["status"], "Accepted", "{reset:#}");

    // What the station was asked: the versions' own forms of the two commands.
    let mut received = Vec::new();
    while let Ok(line) = asked.try_recv() {
        received.push(line);
    }
    let expected = if version == Version::V1_6 {
        ["GetConfiguration HeartbeatInterval", "Reset Soft"]
    } else {
        [
            "GetVariables OCPPCommCtrlr.HeartbeatInterval",
            "Reset OnIdle",
        ]
    };
    assert_eq!(received, expected);

    // Both commands are in the audit log, with the station's answer.
    let audit = api.get("/audit?limit=500").expect(200);
    for action in ["station.get_variables", "station.reset"] {
        let entry = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {audit:#}"));
        assert_eq!(entry["target"], format!("station:{IDENTITY}"), "{entry:#}");
        assert_eq!(
            entry["new_value"]["result"]["outcome"], "accepted",
            "{entry:#}"
        );
    }

    // ocpp-kit saw the CSMS break no rule of the protocol, and could use all its answers.
    loop {
        match events.try_recv() {
            Ok(event @ (Event::Violation(_) | Event::ResultRejected { .. })) => {
                panic!("ocpp-kit reports {event:?}")
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {}
            Err(_) => break,
        }
    }

    // A clean close, which the CSMS records.
    handle.shutdown(Duration::from_secs(5)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let stored = loop {
        let stored = station(&api, IDENTITY);
        if stored["online"] == false || Instant::now() > deadline {
            break stored;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(stored["online"], false, "{stored:#}");
    assert_eq!(stored["connection"], Value::Null, "{stored:#}");
}

// The API calls block; the station runs on the runtime's worker threads meanwhile.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocpp_kit_16_station_against_the_csms() {
    kit_station_against_the_csms(Version::V1_6, "1.6").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocpp_kit_201_station_against_the_csms() {
    kit_station_against_the_csms(Version::V2_0_1, "2.0.1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocpp_kit_21_station_against_the_csms() {
    kit_station_against_the_csms(Version::V2_1, "2.1").await;
}

/// An ocpp-kit station on security profile 1: its own Basic credentials let it in, another
/// password does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocpp_kit_station_authenticates_with_its_password_on_profile_1() {
    const PASSWORD: &str = "e1b7a93c5d2f4086b1c3d5e7f9a0b2c4";
    let dir = TempDir::new("ocpp-kit-basic");
    let (csms, api) = start_demo(&dir);
    let id = station(&api, IDENTITY)["id"].as_i64().unwrap();
    api.put(
        &format!("/stations/{id}"),
        &json!({"identity": IDENTITY, "security_profile": 1, "password": PASSWORD}),
    )
    .expect(200);
    let spawn = |password: &str| {
        let (seen, _) = mpsc::unbounded_channel();
        Station::builder()
            .identity(IDENTITY)
            .unwrap()
            .url(csms.ocpp_url.clone())
            .versions([Version::V1_6])
            .password(BasicAuthPassword::utf8(password).unwrap())
            .reconnect(false)
            .handler(KitStation { seen })
            .build()
            .unwrap()
            .spawn()
            .unwrap()
    };

    let impostor = spawn("0000000000000000000000000000000f");
    let refused = tokio::time::timeout(
        Duration::from_secs(10),
        impostor.call(v1_6::HeartbeatRequest::new()),
    )
    .await;
    assert!(
        !matches!(refused, Ok(Ok(_))),
        "a wrong password got an answer"
    );
    assert_eq!(station(&api, IDENTITY)["connection"], Value::Null);

    let genuine = spawn(PASSWORD);
    let boot = genuine
        .call(v1_6::BootNotificationRequest::new(
            "ocpp-kit",
            "interop-1.6",
        ))
        .await
        .expect("BootNotification is answered");
    assert_eq!(boot.status, v1_6::RegistrationStatus::Accepted);
    assert_eq!(station(&api, IDENTITY)["connection"]["version"], "1.6");
}
