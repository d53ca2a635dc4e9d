//! Interoperability with an implementation we did not write: the Python `ocpp` package
//! (PyPI), as a charge point against our server and as a central system against our client,
//! in OCPP 1.6 and 2.0.1.
//!
//! The Python interpreter is `$OCPP_PYTHON`, or `python3`; it needs the packages `ocpp` and
//! `websockets` (`.ci/run` installs them into a virtual environment). Without them the tests
//! fail when `CI` is set, and otherwise say loudly that they did not run.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use ev_backend::ocpp_server::client::{ChargePoint, ChargePointConfig};
use ev_backend::ocpp_server::server::{Server, ServerConfig};
use ev_backend::ocpp_server::storage::InMemoryStorage;
use ev_backend::ocpp_server::{Context, Router};
use ev_backend::ocpp_types::{OcppMessage, OcppVersion, v16, v201};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;

/// The Python interpreter with `ocpp` installed, or `None` (after saying so) outside CI.
fn python() -> Option<String> {
    let python = std::env::var("OCPP_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let works = std::process::Command::new(&python)
        .args(["-c", "import ocpp, websockets"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if works {
        return Some(python);
    }
    let message = format!(
        "{python} cannot import the Python packages `ocpp` and `websockets`: install them \
         (python3 -m venv .venv && .venv/bin/pip install ocpp websockets) and set \
         OCPP_PYTHON=.venv/bin/python"
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n*** PYTHON INTEROPERABILITY TEST NOT RUN: {message} ***\n");
    None
}

/// Waits (at most 30 s) for the Python process to end: its exit status and what it printed.
async fn finish(
    child: &mut tokio::process::Child,
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
) -> (std::process::ExitStatus, Vec<String>) {
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the Python process ends")
        .expect("its exit status");
    let mut output = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        output.push(line);
    }
    (status, output)
}

fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(name)
        .display()
        .to_string()
}

fn message<T: OcppMessage>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid message")
}

/// Our CSMS: records what the station sends on `seen`.
fn csms_router(seen: mpsc::UnboundedSender<String>) -> Router {
    let now = chrono::Utc::now;
    let tx = seen.clone();
    let router = Router::new()
        .on(move |_ctx, _: v16::BootNotificationRequest| {
            let _ = tx.send("boot".to_owned());
            async move {
                Ok(v16::BootNotificationResponse {
                    status: v16::RegistrationStatus::Accepted,
                    current_time: now(),
                    interval: 300,
                })
            }
        })
        .on(move |_ctx, _: v16::HeartbeatRequest| async move {
            Ok(v16::HeartbeatResponse {
                current_time: now(),
            })
        })
        .on(|_ctx, _: v16::StatusNotificationRequest| async {
            Ok(v16::StatusNotificationResponse {})
        })
        .on(|_ctx, _: v16::AuthorizeRequest| async {
            Ok(message::<v16::AuthorizeResponse>(
                json!({"idTagInfo": {"status": "Accepted"}}),
            ))
        })
        .on(|_ctx, _: v16::StartTransactionRequest| async {
            Ok(message::<v16::StartTransactionResponse>(
                json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 42}),
            ))
        })
        .on(|_ctx, _: v16::MeterValuesRequest| async { Ok(v16::MeterValuesResponse {}) });
    let tx = seen.clone();
    let router = router.on(move |_ctx, stop: v16::StopTransactionRequest| {
        let _ = tx.send(format!("stop {} {}", stop.transaction_id, stop.meter_stop));
        async { Ok(v16::StopTransactionResponse { id_tag_info: None }) }
    });
    let tx = seen.clone();
    let router = router
        .on(move |_ctx, _: v201::BootNotificationRequest| {
            let _ = tx.send("boot".to_owned());
            async move {
                Ok(message::<v201::BootNotificationResponse>(
                    json!({"status": "Accepted", "currentTime": now(), "interval": 300}),
                ))
            }
        })
        .on(move |_ctx, _: v201::HeartbeatRequest| async move {
            Ok(v201::HeartbeatResponse {
                current_time: now(),
                custom_data: None,
            })
        })
        .on(|_ctx, _: v201::StatusNotificationRequest| async { Ok(Default::default()) })
        .on(|_ctx, _: v201::AuthorizeRequest| async {
            Ok(message::<v201::AuthorizeResponse>(
                json!({"idTokenInfo": {"status": "Accepted"}}),
            ))
        });
    let tx = seen.clone();
    let router = router.on(move |_ctx, report: v201::NotifyReportRequest| {
        let entries = report.report_data.map_or(0, |data| data.len());
        let _ = tx.send(format!("report {entries}"));
        async { Ok(v201::NotifyReportResponse { custom_data: None }) }
    });
    let tx = seen;
    router.on(move |_ctx, event: v201::TransactionEventRequest| {
        let _ = tx.send(format!(
            "{:?} {}",
            event.event_type, event.transaction_info.transaction_id
        ));
        async { Ok(Default::default()) }
    })
}

/// A Python charge point against our server: its calls reach our handlers, and ours reach it.
async fn python_station_against_our_server(version: OcppVersion) {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let Some(python) = python() else { return };
    let (seen, mut events) = mpsc::unbounded_channel();
    let storage = Arc::new(InMemoryStorage::new());
    let server = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        csms_router(seen),
        storage,
    )
    .await
    .unwrap();
    let url = format!("ws://{}/ocpp", server.local_addr());
    let mut station = Command::new(&python)
        .args([
            script("charge_point.py"),
            url,
            "PY-1".to_owned(),
            version.to_string(),
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(station.stdout.take().unwrap()).lines();

    // Wait for the end of its transaction, then call it.
    let last = if version == OcppVersion::V16 {
        "stop 42 1500"
    } else {
        "Ended py-1"
    };
    let mut received = Vec::new();
    while !received.iter().any(|e| e == last) {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .expect("the station's messages arrive")
            .unwrap();
        received.push(event);
    }
    assert_eq!(received[0], "boot");
    if version == OcppVersion::V201 {
        // About 80 KB of report, compressed by websockets, inflated by us.
        assert!(received.iter().any(|e| e == "report 600"), "{received:?}");
    }
    let Some(handle) = server.station("PY-1") else {
        let (_, output) = finish(&mut station, &mut lines).await;
        panic!("the Python station disconnected: {output:?}");
    };
    assert_eq!(handle.version(), version);
    if version == OcppVersion::V16 {
        let answer = handle
            .call(&v16::ClearCacheRequest::default())
            .await
            .unwrap();
        assert_eq!(answer.status, v16::ClearCacheStatus::Accepted);
    } else {
        // About 125 KB the other way: compressed by us, inflated by websockets.
        let words: Vec<String> = (0..10_000).map(|i| format!("tariff-{}", i % 300)).collect();
        let size = serde_json::to_string(&words).unwrap().len();
        let transfer = message::<v201::DataTransferRequest>(
            json!({"vendorId": "org.example", "messageId": "Tariffs", "data": words}),
        );
        let answer = handle.call(&transfer).await.unwrap();
        assert_eq!(answer.status, v201::DataTransferStatus::Accepted);
        assert_eq!(answer.data, Some(json!(size)));
        let answer = handle
            .call(&v201::ClearCacheRequest::default())
            .await
            .unwrap();
        assert_eq!(answer.status, v201::ClearCacheStatus::Accepted);
    }
    let (status, output) = finish(&mut station, &mut lines).await;
    assert!(status.success(), "the Python station failed: {output:?}");
    assert!(
        output.iter().any(|l| l.contains(r#""step": "cleared""#)),
        "{output:?}"
    );
    // websockets offers permessage-deflate by default, and our server accepts it.
    let connected: Value = output
        .iter()
        .find_map(|line| {
            serde_json::from_str(line)
                .ok()
                .filter(|v: &Value| v["step"] == "connected")
        })
        .expect("the station reports its connection");
    assert_eq!(
        connected["extensions"],
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        "{output:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn python_16_station_against_our_server() {
    python_station_against_our_server(OcppVersion::V16).await;
}

#[tokio::test]
async fn python_201_station_against_our_server() {
    python_station_against_our_server(OcppVersion::V201).await;
}

/// Our station's answers to the Python CSMS's calls.
fn station_router() -> Router {
    Router::new()
        .on(|_ctx, _: v16::ClearCacheRequest| async {
            Ok(v16::ClearCacheResponse {
                status: v16::ClearCacheStatus::Accepted,
            })
        })
        .on(|_ctx, request: v16::GetConfigurationRequest| async move {
            assert_eq!(
                request.key.as_deref(),
                Some(&["HeartbeatInterval".to_owned()][..])
            );
            Ok(message::<v16::GetConfigurationResponse>(
                json!({"configurationKey": [
                    {"key": "HeartbeatInterval", "readonly": false, "value": "300"}
                ]}),
            ))
        })
        .on(|_ctx, _: v201::ClearCacheRequest| async {
            Ok(message::<v201::ClearCacheResponse>(
                json!({"status": "Accepted"}),
            ))
        })
        .on(
            |ctx: Context, request: v201::GetVariablesRequest| async move {
                assert_eq!(ctx.version(), OcppVersion::V201);
                let data = &request.get_variable_data[0];
                Ok(message::<v201::GetVariablesResponse>(
                    json!({"getVariableResult": [{
                        "attributeStatus": "Accepted", "attributeValue": "300",
                        "component": {"name": data.component.name},
                        "variable": {"name": data.variable.name}
                    }]}),
                ))
            },
        )
}

/// Our charge point against a Python CSMS: our calls reach it, and its calls reach our
/// handlers.
async fn our_station_against_python_csms(version: OcppVersion) {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let Some(python) = python() else { return };
    let mut csms = Command::new(&python)
        .args([script("central_system.py"), version.to_string()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(csms.stdout.take().unwrap()).lines();
    let port = loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the Python CSMS starts")
            .unwrap()
            .expect("it prints its port");
        if let Some(port) = line.strip_prefix("listening on ") {
            break port.to_owned();
        }
    };
    let mut config = ChargePointConfig::new(format!("ws://127.0.0.1:{port}/ocpp"), "RS-1");
    config.versions = vec![version];
    config.reconnect = None;
    // In 2.0.1 we offer compression too; websockets accepts it by default.
    config.compression = version == OcppVersion::V201;
    let station = ChargePoint::connect(config, station_router())
        .await
        .unwrap();
    assert_eq!(station.version(), Some(version));
    if version == OcppVersion::V16 {
        let boot = station
            .call(&message::<v16::BootNotificationRequest>(
                json!({"chargePointVendor": "EV Backend", "chargePointModel": "Rust"}),
            ))
            .await
            .unwrap();
        assert_eq!(boot.status, v16::RegistrationStatus::Accepted);
        station
            .call(&v16::HeartbeatRequest::default())
            .await
            .unwrap();
        let auth = station
            .call(&v16::AuthorizeRequest {
                id_tag: "RS-TAG".into(),
            })
            .await
            .unwrap();
        assert_eq!(auth.id_tag_info.status, v16::AuthorizationStatus::Accepted);
    } else {
        let boot = station
            .call(&message::<v201::BootNotificationRequest>(json!({
                "reason": "PowerUp",
                "chargingStation": {"vendorName": "EV Backend", "model": "Rust"}
            })))
            .await
            .unwrap();
        assert_eq!(boot.status, v201::RegistrationStatus::Accepted);
        station
            .call(&v201::HeartbeatRequest::default())
            .await
            .unwrap();
        let auth = station
            .call(&message::<v201::AuthorizeRequest>(
                json!({"idToken": {"idToken": "RS-TAG", "type": "ISO14443"}}),
            ))
            .await
            .unwrap();
        assert_eq!(
            auth.id_token_info.status,
            v201::AuthorizationStatus::Accepted
        );
    }
    let (status, output) = finish(&mut csms, &mut lines).await;
    assert!(status.success(), "the Python CSMS failed: {output:?}");
    assert!(
        output.iter().any(|l| l.contains("clear_cache")),
        "{output:?}"
    );
}

#[tokio::test]
async fn our_16_station_against_python_csms() {
    our_station_against_python_csms(OcppVersion::V16).await;
}

#[tokio::test]
async fn our_201_station_against_python_csms() {
    our_station_against_python_csms(OcppVersion::V201).await;
}
