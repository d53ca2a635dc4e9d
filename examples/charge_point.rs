//! A simulated charging station of OCPP 1.6 or 2.0.1.
//!
//! ```text
//! cargo run --example charge_point -- --url ws://127.0.0.1:9000/ocpp/1 --id CP-1 --version 1.6|2.0.1
//!     [--password PASSWORD] [--ca PEM] [--cert PEM --key PEM]
//!     [--id-tag TAG] [--meter-interval SECONDS] [--meter-values N] [--once]
//! ```
//!
//! The URL is the CSMS endpoint to which the identity is appended. With `wss://` URLs,
//! `--ca` names the authorities it trusts for the CSMS's certificate, and `--cert`/`--key` its
//! own client certificate (security profile 3); `--password` is its Basic password (profiles
//! 1 and 2).
//!
//! It boots, reports its connector available, authorizes a token, runs a full transaction
//! with N periodic meter values (default 3, every 10 s), and stops it. Then it stays
//! connected, sending heartbeats and answering remote commands (remote start and stop,
//! reset, configuration or variables, trigger message, clear cache, unlock), until Ctrl-C;
//! with `--once` it exits after the transaction. A remote start runs another transaction;
//! a remote stop ends the running one early. Exit status: 0 on success, 1 when the CSMS
//! refuses or fails, 2 on bad usage.
//!
//! Like a real station, it keeps its transaction going when the connection drops: the
//! transaction's messages (start, meter values, stop, and the status changes around them) wait
//! for the connection to come back and are delivered then, the same message again if it was
//! in flight when the connection dropped, so the CSMS sees each of them at least once.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use ev_backend::ocpp_server::client::{ChargePoint, ChargePointConfig};
use ev_backend::ocpp_server::tls;
use ev_backend::ocpp_server::{CallFailure, Context, Router, StationHandle};
use ev_backend::ocpp_types::{OcppCall, OcppMessage, OcppVersion, v16, v201};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tracing::{info, warn};

const USAGE: &str = "usage: charge_point --url URL --id ID --version 1.6|2.0.1 [--password P] \
                     [--ca PEM] [--cert PEM --key PEM] \
                     [--id-tag TAG] [--meter-interval SECONDS] [--meter-values N] [--once]";

/// The command line. Not `Debug`: it holds the station password.
#[derive(Clone)]
struct Args {
    url: String,
    id: String,
    version: OcppVersion,
    password: Option<String>,
    /// Who it trusts for the CSMS's certificate (`wss://`).
    ca: Option<PathBuf>,
    /// Its client certificate and key (security profile 3).
    certificate: Option<(PathBuf, PathBuf)>,
    id_tag: String,
    meter_interval: Duration,
    meter_values: u32,
    once: bool,
}

fn parse_args() -> Option<Args> {
    let mut args = std::env::args().skip(1);
    let (mut url, mut id, mut version) = (None, None, None);
    let (mut cert, mut key) = (None, None);
    let mut parsed = Args {
        url: String::new(),
        id: String::new(),
        version: OcppVersion::V16,
        password: None,
        ca: None,
        certificate: None,
        id_tag: "AABBCCDD".to_owned(),
        meter_interval: Duration::from_secs(10),
        meter_values: 3,
        once: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--once" => parsed.once = true,
            "--url" => url = args.next(),
            "--id" => id = args.next(),
            "--version" => version = args.next()?.parse::<OcppVersion>().ok(),
            "--password" => parsed.password = args.next(),
            "--ca" => parsed.ca = Some(PathBuf::from(args.next()?)),
            "--cert" => cert = Some(PathBuf::from(args.next()?)),
            "--key" => key = Some(PathBuf::from(args.next()?)),
            "--id-tag" => parsed.id_tag = args.next()?,
            "--meter-interval" => {
                parsed.meter_interval = Duration::from_secs_f64(args.next()?.parse().ok()?)
            }
            "--meter-values" => parsed.meter_values = args.next()?.parse().ok()?,
            _ => return None,
        }
    }
    parsed.certificate = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => return None,
    };
    if parsed.certificate.is_some() && parsed.ca.is_none() {
        return None;
    }
    parsed.url = url?;
    parsed.id = id?;
    parsed.version = version?;
    if parsed.version == OcppVersion::V21 {
        return None;
    }
    Some(parsed)
}

/// The simulated hardware: one EVSE with one connector and an energy meter.
#[derive(Debug, Default)]
struct Station {
    energy_wh: AtomicI64,
    charging: AtomicBool,
    stop: Notify,
    transaction_id: AtomicI32,
    /// When the simulator started, in hexadecimal milliseconds: 2.0.1 transaction ids are
    /// `<run>-<n>`, so that no run reuses an earlier run's ids.
    run: String,
}

impl Station {
    fn new() -> Station {
        Station {
            run: format!("{:x}", Utc::now().timestamp_millis()),
            ..Station::default()
        }
    }

    /// The id of the 2.0.1 transaction number `number` of this run.
    fn v201_transaction_id(&self, number: i32) -> String {
        format!("{}-{number}", self.run)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_target(false).init();
    let Some(args) = parse_args() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The link to the CSMS: the charge point once connected, shared with the command handlers
/// (which are built before it).
#[derive(Debug, Clone, Default)]
struct Csms {
    client: Arc<Mutex<Option<ChargePoint>>>,
}

/// How long a transaction message waits for the CSMS before the simulator gives up.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(600);

impl Csms {
    /// The current connection, if connected.
    fn current(&self) -> Option<StationHandle> {
        let client = self
            .client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        client.as_ref().and_then(ChargePoint::handle)
    }

    /// Calls the CSMS once, on the current connection.
    async fn call<C: OcppCall>(&self, request: &C) -> Result<C::Response, CallFailure> {
        let handle = self.current().ok_or(CallFailure::NotConnected)?;
        handle.call(request).await
    }

    /// Calls the CSMS until it answers: a transaction message is not lost to a dropped
    /// connection. A CALLERROR is retried a few times (the CSMS may have failed to store
    /// it), then reported.
    async fn deliver<C: OcppCall>(&self, request: &C) -> Result<C::Response, CallFailure> {
        let started = Instant::now();
        let mut call_errors = 0;
        loop {
            match self.call(request).await {
                Ok(response) => return Ok(response),
                Err(CallFailure::NotConnected | CallFailure::Timeout)
                    if started.elapsed() < DELIVERY_DEADLINE => {}
                Err(CallFailure::CallError { .. }) if call_errors < 3 => call_errors += 1,
                Err(error) => return Err(error),
            }
            warn!(action = C::ACTION, "not delivered yet, trying again");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Closes the connection and stops reconnecting.
    async fn close(&self) {
        let client = self
            .client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(client) = client {
            client.close().await;
        }
    }
}

async fn run(args: Args) -> Result<(), Error> {
    let station = Arc::new(Station::new());
    let csms = Csms::default();
    let mut config = ChargePointConfig::new(args.url.clone(), args.id.clone());
    config.versions = vec![args.version];
    config.password = args.password.clone();
    if let Some(ca) = &args.ca {
        let client = match &args.certificate {
            Some((cert, key)) => Some((tls::read_certificates(cert)?, tls::read_private_key(key)?)),
            None => None,
        };
        config.tls = Some(tls::client_config(tls::read_roots(ca)?, client)?);
    }
    let router = match args.version {
        OcppVersion::V16 => v16_commands(csms.clone(), Arc::clone(&station), args.clone()),
        _ => v201_commands(csms.clone(), Arc::clone(&station), args.clone()),
    };
    let client = ChargePoint::connect(config, router).await?;
    *csms
        .client
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(client);
    info!(url = args.url, id = args.id, version = %args.version, "connected");
    let interval = match args.version {
        OcppVersion::V16 => v16_session(&csms, &station, &args).await?,
        _ => v201_session(&csms, &station, &args).await?,
    };
    if args.once {
        csms.close().await;
        return Ok(());
    }
    let mut heartbeat = tokio::time::interval(interval);
    heartbeat.tick().await;
    loop {
        tokio::select! {
            _ = heartbeat.tick() => {
                let result = match args.version {
                    OcppVersion::V16 => csms.call(&v16::HeartbeatRequest::default()).await.map(|_| ()),
                    _ => csms.call(&v201::HeartbeatRequest::default()).await.map(|_| ()),
                };
                if let Err(error) = result {
                    warn!(%error, "heartbeat failed");
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    csms.close().await;
    Ok(())
}

/// A typed message from its JSON form.
fn message<T: OcppMessage>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(message) => message,
        Err(error) => panic!("the simulator's own {} is invalid: {error}", T::ACTION),
    }
}

// ---- OCPP 1.6 ----

/// Boots and runs one transaction; returns the heartbeat interval.
async fn v16_session(csms: &Csms, station: &Arc<Station>, args: &Args) -> Result<Duration, Error> {
    let boot = csms
        .call(&message::<v16::BootNotificationRequest>(json!({
            "chargePointVendor": "EV Backend", "chargePointModel": "Simulator",
            "chargePointSerialNumber": args.id, "firmwareVersion": env!("CARGO_PKG_VERSION")
        })))
        .await?;
    if boot.status != v16::RegistrationStatus::Accepted {
        return Err(format!("boot not accepted: {:?}", boot.status).into());
    }
    info!(interval = boot.interval, "boot accepted");
    for connector in [0, 1] {
        v16_status(csms, connector, "Available").await?;
    }
    v16_transaction(csms.clone(), Arc::clone(station), args.clone()).await?;
    Ok(Duration::from_secs(boot.interval.max(10) as u64))
}

async fn v16_status(csms: &Csms, connector: i32, status: &str) -> Result<(), CallFailure> {
    let request = message::<v16::StatusNotificationRequest>(json!({
        "connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": Utc::now()
    }));
    csms.deliver(&request).await.map(|_| ())
}

async fn v16_transaction(csms: Csms, station: Arc<Station>, args: Args) -> Result<(), Error> {
    if station.charging.swap(true, Ordering::SeqCst) {
        return Err("a transaction is running already".into());
    }
    let authorized = csms
        .call(&v16::AuthorizeRequest {
            id_tag: args.id_tag.clone(),
        })
        .await?;
    if authorized.id_tag_info.status != v16::AuthorizationStatus::Accepted {
        station.charging.store(false, Ordering::SeqCst);
        return Err(format!("{} not authorized", args.id_tag).into());
    }
    v16_status(&csms, 1, "Preparing").await?;
    let meter_start = station.energy_wh.load(Ordering::SeqCst);
    let started = csms
        .deliver(&message::<v16::StartTransactionRequest>(json!({
            "connectorId": 1, "idTag": args.id_tag, "meterStart": meter_start, "timestamp": Utc::now()
        })))
        .await?;
    let transaction_id = started.transaction_id;
    station
        .transaction_id
        .store(transaction_id, Ordering::SeqCst);
    info!(transaction_id, "transaction started");
    v16_status(&csms, 1, "Charging").await?;
    for _ in 0..args.meter_values {
        tokio::select! {
            () = tokio::time::sleep(args.meter_interval) => {}
            () = station.stop.notified() => break,
        }
        // 11 kW for the interval.
        let wh = (11_000.0 * args.meter_interval.as_secs_f64() / 3600.0).round() as i64;
        let energy = station.energy_wh.fetch_add(wh.max(1), Ordering::SeqCst) + wh.max(1);
        csms.deliver(&message::<v16::MeterValuesRequest>(json!({
            "connectorId": 1, "transactionId": transaction_id,
            "meterValue": [{"timestamp": Utc::now(), "sampledValue": [
                {"value": energy.to_string(), "measurand": "Energy.Active.Import.Register", "unit": "Wh", "context": "Sample.Periodic"},
                {"value": "11000", "measurand": "Power.Active.Import", "unit": "W", "context": "Sample.Periodic"}
            ]}]
        })))
        .await?;
    }
    let meter_stop = station.energy_wh.load(Ordering::SeqCst);
    csms.deliver(&message::<v16::StopTransactionRequest>(json!({
        "transactionId": transaction_id, "idTag": args.id_tag, "meterStop": meter_stop,
        "timestamp": Utc::now(), "reason": "Local"
    })))
    .await?;
    info!(
        transaction_id,
        energy_wh = meter_stop - meter_start,
        "transaction stopped"
    );
    v16_status(&csms, 1, "Finishing").await?;
    v16_status(&csms, 1, "Available").await?;
    station.charging.store(false, Ordering::SeqCst);
    Ok(())
}

fn v16_commands(csms: Csms, station: Arc<Station>, args: Args) -> Router {
    let start_station = Arc::clone(&station);
    let stop_station = Arc::clone(&station);
    Router::new()
        .on(
            move |_ctx: Context, request: v16::RemoteStartTransactionRequest| {
                let station = Arc::clone(&start_station);
                let mut args = args.clone();
                let csms = csms.clone();
                async move {
                    if station.charging.load(Ordering::SeqCst) {
                        return Ok(v16::RemoteStartTransactionResponse {
                            status: v16::RemoteStartStopStatus::Rejected,
                        });
                    }
                    args.id_tag = request.id_tag;
                    tokio::spawn(async move {
                        if let Err(error) = v16_transaction(csms, station, args).await {
                            warn!(%error, "remote transaction failed");
                        }
                    });
                    Ok(v16::RemoteStartTransactionResponse {
                        status: v16::RemoteStartStopStatus::Accepted,
                    })
                }
            },
        )
        .on(move |_ctx, request: v16::RemoteStopTransactionRequest| {
            let station = Arc::clone(&stop_station);
            async move {
                let running = station.charging.load(Ordering::SeqCst)
                    && station.transaction_id.load(Ordering::SeqCst) == request.transaction_id;
                if running {
                    station.stop.notify_one();
                }
                let status = if running {
                    v16::RemoteStartStopStatus::Accepted
                } else {
                    v16::RemoteStartStopStatus::Rejected
                };
                Ok(v16::RemoteStopTransactionResponse { status })
            }
        })
        .on(|_ctx, request: v16::ResetRequest| async move {
            info!(kind = ?request.kind, "reset requested");
            Ok(v16::ResetResponse {
                status: v16::ResetStatus::Accepted,
            })
        })
        .on(
            |_ctx, request: v16::ChangeConfigurationRequest| async move {
                info!(
                    key = request.key,
                    value = request.value,
                    "configuration changed"
                );
                Ok(v16::ChangeConfigurationResponse {
                    status: v16::ConfigurationStatus::Accepted,
                })
            },
        )
        .on(|_ctx, _: v16::GetConfigurationRequest| async {
            Ok(message::<v16::GetConfigurationResponse>(
                json!({"configurationKey": [
                    {"key": "HeartbeatInterval", "readonly": false, "value": "300"},
                    {"key": "NumberOfConnectors", "readonly": true, "value": "1"}
                ]}),
            ))
        })
        .on(|_ctx, request: v16::TriggerMessageRequest| async move {
            info!(message = ?request.requested_message, "trigger");
            Ok(v16::TriggerMessageResponse {
                status: v16::TriggerMessageStatus::Accepted,
            })
        })
        .on(|_ctx, _: v16::ClearCacheRequest| async {
            Ok(v16::ClearCacheResponse {
                status: v16::ClearCacheStatus::Accepted,
            })
        })
        .on(|_ctx, _: v16::UnlockConnectorRequest| async {
            Ok(v16::UnlockConnectorResponse {
                status: v16::UnlockStatus::Unlocked,
            })
        })
}

// ---- OCPP 2.0.1 ----

async fn v201_session(csms: &Csms, station: &Arc<Station>, args: &Args) -> Result<Duration, Error> {
    let boot = csms
        .call(&message::<v201::BootNotificationRequest>(json!({
            "reason": "PowerUp",
            "chargingStation": {"vendorName": "EV Backend", "model": "Simulator",
                "serialNumber": args.id, "firmwareVersion": env!("CARGO_PKG_VERSION")}
        })))
        .await?;
    if boot.status != v201::RegistrationStatus::Accepted {
        return Err(format!("boot not accepted: {:?}", boot.status).into());
    }
    info!(interval = boot.interval, "boot accepted");
    v201_status(csms, "Available").await?;
    v201_transaction(csms.clone(), Arc::clone(station), args.clone(), None).await?;
    Ok(Duration::from_secs(boot.interval.max(10) as u64))
}

async fn v201_status(csms: &Csms, status: &str) -> Result<(), CallFailure> {
    let request = message::<v201::StatusNotificationRequest>(json!({
        "timestamp": Utc::now(), "connectorStatus": status, "evseId": 1, "connectorId": 1
    }));
    csms.deliver(&request).await.map(|_| ())
}

async fn v201_transaction(
    csms: Csms,
    station: Arc<Station>,
    args: Args,
    remote_start_id: Option<i32>,
) -> Result<(), Error> {
    if station.charging.swap(true, Ordering::SeqCst) {
        return Err("a transaction is running already".into());
    }
    let id_token = json!({"idToken": args.id_tag, "type": "ISO14443"});
    let authorized = csms
        .call(&message::<v201::AuthorizeRequest>(
            json!({"idToken": id_token}),
        ))
        .await?;
    if authorized.id_token_info.status != v201::AuthorizationStatus::Accepted {
        station.charging.store(false, Ordering::SeqCst);
        return Err(format!("{} not authorized", args.id_tag).into());
    }
    let number = station.transaction_id.fetch_add(1, Ordering::SeqCst) + 1;
    let transaction_id = station.v201_transaction_id(number);
    let energy = |station: &Station| {
        json!([{"timestamp": Utc::now(), "sampledValue": [{
            "value": station.energy_wh.load(Ordering::SeqCst),
            "measurand": "Energy.Active.Import.Register", "context": "Sample.Periodic",
            "unitOfMeasure": {"unit": "Wh"}
        }]}])
    };
    let mut seq_no = 0;
    let mut event = |event_type: &str, trigger: &str, extra: Value| {
        let mut body = json!({
            "eventType": event_type, "timestamp": Utc::now(), "triggerReason": trigger,
            "seqNo": seq_no, "transactionInfo": {"transactionId": transaction_id},
            "evse": {"id": 1, "connectorId": 1}
        });
        seq_no += 1;
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        message::<v201::TransactionEventRequest>(body)
    };
    let mut info = json!({"idToken": id_token, "meterValue": energy(&station)});
    if let Some(remote_start_id) = remote_start_id {
        info["transactionInfo"] = json!({"transactionId": transaction_id, "remoteStartId": remote_start_id, "chargingState": "Charging"});
    }
    csms.deliver(&event("Started", "Authorized", info)).await?;
    v201_status(&csms, "Occupied").await?;
    info!(transaction_id, "transaction started");
    let mut stopped_remotely = false;
    for _ in 0..args.meter_values {
        tokio::select! {
            () = tokio::time::sleep(args.meter_interval) => {}
            () = station.stop.notified() => { stopped_remotely = true; break }
        }
        let wh = (11_000.0 * args.meter_interval.as_secs_f64() / 3600.0).round() as i64;
        station.energy_wh.fetch_add(wh.max(1), Ordering::SeqCst);
        csms.deliver(&event(
            "Updated",
            "MeterValuePeriodic",
            json!({"meterValue": energy(&station)}),
        ))
        .await?;
    }
    let (trigger, reason) = if stopped_remotely {
        ("RemoteStop", "Remote")
    } else {
        ("StopAuthorized", "Local")
    };
    let mut end = json!({"meterValue": energy(&station)});
    end["transactionInfo"] = json!({"transactionId": transaction_id, "stoppedReason": reason});
    csms.deliver(&event("Ended", trigger, end)).await?;
    info!(transaction_id, "transaction ended");
    v201_status(&csms, "Available").await?;
    station.charging.store(false, Ordering::SeqCst);
    Ok(())
}

fn v201_commands(csms: Csms, station: Arc<Station>, args: Args) -> Router {
    let start_station = Arc::clone(&station);
    let stop_station = Arc::clone(&station);
    Router::new()
        .on(
            move |_ctx: Context, request: v201::RequestStartTransactionRequest| {
                let station = Arc::clone(&start_station);
                let mut args = args.clone();
                let csms = csms.clone();
                async move {
                    if station.charging.load(Ordering::SeqCst) {
                        return Ok(message::<v201::RequestStartTransactionResponse>(
                            json!({"status": "Rejected"}),
                        ));
                    }
                    args.id_tag = request.id_token.id_token;
                    let remote_start_id = request.remote_start_id;
                    tokio::spawn(async move {
                        if let Err(error) =
                            v201_transaction(csms, station, args, Some(remote_start_id)).await
                        {
                            warn!(%error, "remote transaction failed");
                        }
                    });
                    Ok(message::<v201::RequestStartTransactionResponse>(
                        json!({"status": "Accepted"}),
                    ))
                }
            },
        )
        .on(move |_ctx, request: v201::RequestStopTransactionRequest| {
            let station = Arc::clone(&stop_station);
            let current =
                station.v201_transaction_id(station.transaction_id.load(Ordering::SeqCst));
            async move {
                let running =
                    station.charging.load(Ordering::SeqCst) && request.transaction_id == current;
                if running {
                    station.stop.notify_one();
                }
                let status = if running { "Accepted" } else { "Rejected" };
                Ok(message::<v201::RequestStopTransactionResponse>(
                    json!({"status": status}),
                ))
            }
        })
        .on(|_ctx, request: v201::ResetRequest| async move {
            info!(kind = ?request.kind, "reset requested");
            Ok(message::<v201::ResetResponse>(
                json!({"status": "Accepted"}),
            ))
        })
        .on(|_ctx, request: v201::GetVariablesRequest| async move {
            let results: Vec<Value> = request
                .get_variable_data
                .iter()
                .map(|data| {
                    let known = data.component.name == "OCPPCommCtrlr"
                        && data.variable.name == "HeartbeatInterval";
                    let mut result = json!({
                        "attributeStatus": if known { "Accepted" } else { "UnknownVariable" },
                        "component": {"name": data.component.name},
                        "variable": {"name": data.variable.name}
                    });
                    if known {
                        result["attributeValue"] = json!("300");
                    }
                    result
                })
                .collect();
            Ok(message::<v201::GetVariablesResponse>(
                json!({"getVariableResult": results}),
            ))
        })
        .on(|_ctx, request: v201::SetVariablesRequest| async move {
            let results: Vec<Value> = request
                .set_variable_data
                .iter()
                .map(|data| {
                    json!({
                        "attributeStatus": "Accepted",
                        "component": {"name": data.component.name},
                        "variable": {"name": data.variable.name}
                    })
                })
                .collect();
            Ok(message::<v201::SetVariablesResponse>(
                json!({"setVariableResult": results}),
            ))
        })
        .on(|_ctx, request: v201::TriggerMessageRequest| async move {
            info!(message = ?request.requested_message, "trigger");
            Ok(message::<v201::TriggerMessageResponse>(
                json!({"status": "Accepted"}),
            ))
        })
        .on(|_ctx, _: v201::ClearCacheRequest| async {
            Ok(message::<v201::ClearCacheResponse>(
                json!({"status": "Accepted"}),
            ))
        })
        .on(|_ctx, _: v201::UnlockConnectorRequest| async {
            Ok(message::<v201::UnlockConnectorResponse>(
                json!({"status": "Unlocked"}),
            ))
        })
}
