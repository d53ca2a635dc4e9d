//! The server and the charge-point client over real loopback sockets.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use ocpp_server::client::{ChargePoint, ChargePointConfig, ClientError};
use ocpp_server::server::{SecurityProfile, Server, ServerConfig};
use ocpp_server::storage::{InMemoryStorage, Storage};
use ocpp_server::{CallFailure, Context, ErrorReply, Router, StationAddress};
use ocpp_types::{ErrorCode, OcppVersion, v16, v201};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// A CSMS that accepts every boot and answers heartbeats, in 1.6 and 2.0.1.
fn csms_router() -> Router {
    Router::new()
        .on(|_ctx, _boot: v16::BootNotificationRequest| async {
            Ok(v16::BootNotificationResponse {
                status: v16::RegistrationStatus::Accepted,
                current_time: now(),
                interval: 60,
            })
        })
        .on(|_ctx, _: v16::HeartbeatRequest| async {
            Ok(v16::HeartbeatResponse {
                current_time: now(),
            })
        })
        .on(|_ctx, _boot: v201::BootNotificationRequest| async {
            Ok(v201::BootNotificationResponse {
                status: v201::RegistrationStatus::Accepted,
                current_time: now(),
                interval: 60,
                status_info: None,
                custom_data: None,
            })
        })
}

/// A station that accepts ClearCache (both versions) and answers GetLocalListVersion.
fn station_router() -> Router {
    Router::new()
        .on(|_ctx, _: v16::ClearCacheRequest| async {
            Ok(v16::ClearCacheResponse {
                status: v16::ClearCacheStatus::Accepted,
            })
        })
        .on(|_ctx, _: v201::ClearCacheRequest| async {
            Ok(v201::ClearCacheResponse {
                status: v201::ClearCacheStatus::Accepted,
                status_info: None,
                custom_data: None,
            })
        })
        .on(|_ctx, _: v201::GetLocalListVersionRequest| async {
            Ok(v201::GetLocalListVersionResponse {
                version_number: 7,
                custom_data: None,
            })
        })
}

async fn start(config: ServerConfig, router: Router) -> (Server, Arc<InMemoryStorage>) {
    let storage = Arc::new(InMemoryStorage::new());
    let server = Server::bind("127.0.0.1:0", config, router, storage.clone())
        .await
        .unwrap();
    (server, storage)
}

fn url(server: &Server) -> String {
    format!("ws://{}/ocpp", server.local_addr())
}

fn client_config(server: &Server, identity: &str, version: OcppVersion) -> ChargePointConfig {
    let mut config = ChargePointConfig::new(url(server), identity);
    config.versions = vec![version];
    config.reconnect = None;
    config
}

fn boot16() -> v16::BootNotificationRequest {
    serde_json::from_value(serde_json::json!({
        "chargePointVendor": "ACME", "chargePointModel": "One", "chargeBoxSerialNumber": "SN-1"
    }))
    .unwrap()
}

fn boot201() -> v201::BootNotificationRequest {
    serde_json::from_value(serde_json::json!({
        "reason": "PowerUp",
        "chargingStation": {"vendorName": "ACME", "model": "Two", "serialNumber": "SN-2"}
    }))
    .unwrap()
}

/// Polls until `condition` holds, for at most 5 seconds.
async fn eventually(mut condition: impl FnMut() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not met within 5 s");
}

#[tokio::test]
async fn a_16_station_boots_and_the_csms_calls_it() {
    let (server, storage) = start(ServerConfig::default(), csms_router()).await;
    let station = ChargePoint::connect(
        client_config(&server, "CP-16", OcppVersion::V16),
        station_router(),
    )
    .await
    .unwrap();
    assert_eq!(station.version(), Some(OcppVersion::V16));

    let answer = station.call(&boot16()).await.unwrap();
    assert_eq!(answer.status, v16::RegistrationStatus::Accepted);
    let listed = server.stations();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].address.identity(), listed[0].version),
        ("CP-16", OcppVersion::V16)
    );

    let handle = server.station("CP-16").unwrap();
    let cleared = handle
        .call(&v16::ClearCacheRequest::default())
        .await
        .unwrap();
    assert_eq!(cleared.status, v16::ClearCacheStatus::Accepted);
    // An action the station has no handler for.
    let failure = handle
        .call(&v16::GetLocalListVersionRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(
        failure,
        CallFailure::CallError {
            code: Some(ErrorCode::NotImplemented),
            ..
        }
    ));

    // The framework keeps the connection state; the boot is the application's.
    eventually(|| {
        storage
            .records()
            .iter()
            .any(|r| r.connected == Some(OcppVersion::V16) && r.boot.is_none())
    })
    .await;
    station.close().await;
    eventually(|| server.stations().is_empty()).await;
    eventually(|| storage.records().iter().all(|r| r.connected.is_none())).await;
}

/// What the station storage resolved at admission, per connection: carried by every
/// message's context and by the server's handle, never looked up again.
#[derive(Debug, PartialEq)]
struct Resolved {
    station_number: u32,
}

#[tokio::test]
async fn what_the_storage_attaches_at_admission_reaches_every_handler() {
    let router = Router::new().on(|ctx: Context, _: v16::HeartbeatRequest| async move {
        // The attached number, as the time's seconds; nothing attached: an error.
        let resolved = ctx
            .attachment::<Resolved>()
            .ok_or_else(|| ErrorReply::new(ErrorCode::InternalError, "nothing attached"))?;
        assert!(ctx.attachment::<String>().is_none(), "not a String");
        let at = chrono::DateTime::from_timestamp(i64::from(resolved.station_number), 0).unwrap();
        Ok(v16::HeartbeatResponse { current_time: at })
    });
    let (server, storage) = start(ServerConfig::default(), router).await;
    let mut record = ocpp_server::storage::StationRecord::new("CP-A");
    record.attachment = Some(ocpp_server::Attachment::new(Resolved {
        station_number: 41,
    }));
    storage.add_record(StationAddress::new("CP-A"), record);
    storage.add_station("CP-B", None).unwrap();

    let attached = ChargePoint::connect(
        client_config(&server, "CP-A", OcppVersion::V16),
        Router::new(),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        let answer = attached.call(&v16::HeartbeatRequest {}).await.unwrap();
        assert_eq!(answer.current_time.timestamp(), 41);
    }
    assert_eq!(
        server.station("CP-A").unwrap().attachment::<Resolved>(),
        Some(&Resolved { station_number: 41 })
    );

    let bare = ChargePoint::connect(
        client_config(&server, "CP-B", OcppVersion::V16),
        Router::new(),
    )
    .await
    .unwrap();
    let failure = bare.call(&v16::HeartbeatRequest {}).await.unwrap_err();
    assert!(matches!(
        failure,
        CallFailure::CallError {
            code: Some(ErrorCode::InternalError),
            ..
        }
    ));
    assert!(
        server
            .station("CP-B")
            .unwrap()
            .attachment::<Resolved>()
            .is_none()
    );
}

#[tokio::test]
async fn a_201_handler_calls_the_station_back_before_answering() {
    // The boot handler asks the station for its local list version first: the station's
    // boot is still waiting for its answer while it answers ours.
    let router = csms_router().on(
        |ctx: Context, _boot: v201::BootNotificationRequest| async move {
            let list = ctx
                .station()
                .call(&v201::GetLocalListVersionRequest::default())
                .await
                .map_err(|e| ErrorReply::new(ErrorCode::InternalError, e.to_string()))?;
            Ok(v201::BootNotificationResponse {
                status: v201::RegistrationStatus::Accepted,
                current_time: now(),
                interval: list.version_number,
                status_info: None,
                custom_data: None,
            })
        },
    );
    let (server, storage) = start(ServerConfig::default(), router).await;
    let station = ChargePoint::connect(
        client_config(&server, "CP-201", OcppVersion::V201),
        station_router(),
    )
    .await
    .unwrap();
    let answer = station.call(&boot201()).await.unwrap();
    assert_eq!(answer.interval, 7);
    assert_eq!(server.stations()[0].version, OcppVersion::V201);
    eventually(|| {
        storage
            .records()
            .iter()
            .any(|r| r.connected == Some(OcppVersion::V201))
    })
    .await;
}

#[tokio::test]
async fn the_subprotocol_is_negotiated_in_the_server_order_or_refused() {
    let mut config = ServerConfig::default();
    config.versions = vec![OcppVersion::V16, OcppVersion::V201];
    let (server, _) = start(config, csms_router()).await;

    let mut offer = client_config(&server, "CP-1", OcppVersion::V201);
    offer.versions = vec![OcppVersion::V201, OcppVersion::V16];
    let station = ChargePoint::connect(offer, Router::new()).await.unwrap();
    assert_eq!(
        station.version(),
        Some(OcppVersion::V16),
        "the server prefers 1.6"
    );

    let refused = ChargePoint::connect(
        client_config(&server, "CP-2", OcppVersion::V21),
        Router::new(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, ClientError::Upgrade(ref text) if text.contains("400")),
        "{refused}"
    );

    // The refusal says what was offered and what is supported.
    let response = raw_upgrade(&server, "/ocpp/CP-3", Some("ocpp2.1"), None).await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        response.contains("offered ocpp2.1; supported: ocpp1.6, ocpp2.0.1"),
        "{response}"
    );
    let response = raw_upgrade(&server, "/elsewhere/CP-3", Some("ocpp1.6"), None).await;
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
}

#[tokio::test]
async fn only_versions_the_router_handles_are_offered() {
    // The default prefers 2.1, which this router has no handler for: a station offering
    // 2.1 and 2.0.1 (current 2.1-capable firmware) must land on 2.0.1 and boot.
    let (server, _) = start(ServerConfig::default(), csms_router()).await;
    let mut offer = client_config(&server, "CP-1", OcppVersion::V21);
    offer.versions = vec![OcppVersion::V21, OcppVersion::V201];
    let station = ChargePoint::connect(offer, Router::new()).await.unwrap();
    assert_eq!(station.version(), Some(OcppVersion::V201));
    let boot = station
        .call(&v201::BootNotificationRequest {
            charging_station: v201::ChargingStation {
                model: "M".into(),
                vendor_name: "V".into(),
                serial_number: None,
                firmware_version: None,
                modem: None,
                custom_data: None,
            },
            reason: v201::BootReason::PowerUp,
            custom_data: None,
        })
        .await
        .unwrap();
    assert_eq!(boot.status, v201::RegistrationStatus::Accepted);

    // A station that offers only 2.1 is refused at the handshake, not put on a version
    // whose every message would be refused.
    let response = raw_upgrade(&server, "/ocpp/CP-2", Some("ocpp2.1"), None).await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        response.contains("supported: ocpp2.0.1, ocpp1.6"),
        "{response}"
    );

    // A router with nothing for any accepted version cannot be served at all.
    let mut config = ServerConfig::default();
    config.versions = vec![OcppVersion::V21];
    let refused = Server::bind(
        "127.0.0.1:0",
        config,
        csms_router(),
        Arc::new(InMemoryStorage::new()),
    )
    .await;
    assert!(refused.is_err());
}

/// Sends an upgrade request by hand and returns the response head and body.
async fn raw_upgrade(
    server: &Server,
    path: &str,
    protocol: Option<&str>,
    authorization: Option<&str>,
) -> String {
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    );
    if let Some(protocol) = protocol {
        request.push_str(&format!("Sec-WebSocket-Protocol: {protocol}\r\n"));
    }
    if let Some(authorization) = authorization {
        request.push_str(&format!("Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn profile_1_checks_the_password_and_the_user() {
    let mut config = ServerConfig::default();
    config.security = SecurityProfile::Basic;
    let (server, storage) = start(config, csms_router()).await;
    storage
        .add_station("CP-1", Some("0123456789abcdef"))
        .unwrap();

    let mut good = client_config(&server, "CP-1", OcppVersion::V16);
    good.password = Some("0123456789abcdef".into());
    let station = ChargePoint::connect(good.clone(), Router::new())
        .await
        .unwrap();
    assert!(station.call(&boot16()).await.is_ok());
    station.close().await;

    let mut wrong = good.clone();
    wrong.password = Some("0123456789abcdeX".into());
    let refused = ChargePoint::connect(wrong, Router::new())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClientError::Upgrade(ref t) if t.contains("401")),
        "{refused}"
    );

    let mut none = good.clone();
    none.password = None;
    assert!(ChargePoint::connect(none, Router::new()).await.is_err());

    // The user must be the identity in the URL: CP-1's password does not open CP-2.
    storage
        .add_station("CP-2", Some("another password!"))
        .unwrap();
    let basic = "Basic Q1AtMTowMTIzNDU2Nzg5YWJjZGVm"; // CP-1:0123456789abcdef
    let response = raw_upgrade(&server, "/ocpp/CP-2", Some("ocpp1.6"), Some(basic)).await;
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(response.contains("WWW-Authenticate: Basic"));
    let response = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), Some(basic)).await;
    assert!(response.starts_with("HTTP/1.1 101"), "{response}");
    // An unknown station has no password to match.
    let response = raw_upgrade(&server, "/ocpp/CP-9", Some("ocpp1.6"), Some(basic)).await;
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
}

#[tokio::test]
async fn unknown_stations_can_be_refused() {
    let mut config = ServerConfig::default();
    config.accept_unknown_stations = false;
    let (server, storage) = start(config, csms_router()).await;
    let response = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), None).await;
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    storage.add_station("CP-1", None).unwrap();
    let response = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), None).await;
    assert!(response.starts_with("HTTP/1.1 101"), "{response}");
}

#[tokio::test]
async fn refusals_tell_nothing_about_which_stations_exist() {
    let mut config = ServerConfig::default();
    config.security = SecurityProfile::Basic;
    config.accept_unknown_stations = false;
    let (server, storage) = start(config, csms_router()).await;
    storage
        .add_station("CP-1", Some("0123456789abcdef"))
        .unwrap();
    let wrong = "Basic Q1AtMTowMTIzNDU2Nzg5YWJjZGVY"; // CP-1:0123456789abcdeX
    let known = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), Some(wrong)).await;
    let unknown_wrong = "Basic Q1AtOTowMTIzNDU2Nzg5YWJjZGVY"; // CP-9:0123456789abcdeX
    let unknown = raw_upgrade(&server, "/ocpp/CP-9", Some("ocpp1.6"), Some(unknown_wrong)).await;
    assert!(known.starts_with("HTTP/1.1 401"), "{known}");
    assert_eq!(known, unknown);
    let bare = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), None).await;
    assert_eq!(bare, unknown);
}

/// A server requiring Basic auth that locks an identity out after three failures, with
/// station CP-1 of password `0123456789abcdef`.
async fn throttling_server() -> (Server, Arc<InMemoryStorage>) {
    let mut config = ServerConfig::default();
    config.security = SecurityProfile::Basic;
    config.throttle.per_identity = 3;
    let (server, storage) = start(config, csms_router()).await;
    storage
        .add_station("CP-1", Some("0123456789abcdef"))
        .unwrap();
    (server, storage)
}

#[tokio::test]
async fn failed_attempts_are_throttled() {
    let (server, storage) = throttling_server().await;
    storage
        .add_station("CP-2", Some("0123456789abcdef"))
        .unwrap();
    let wrong = "Basic Q1AtMTowMTIzNDU2Nzg5YWJjZGVY"; // CP-1:0123456789abcdeX
    for _ in 0..3 {
        let response = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), Some(wrong)).await;
        assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    }
    // Locked out, even with the right password, which is not even checked.
    let right = "Basic Q1AtMTowMTIzNDU2Nzg5YWJjZGVm"; // CP-1:0123456789abcdef
    let response = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), Some(right)).await;
    assert!(response.starts_with("HTTP/1.1 429"), "{response}");
    assert!(response.contains("Retry-After: 60"), "{response}");
    // Other stations are not.
    let other = "Basic Q1AtMjowMTIzNDU2Nzg5YWJjZGVm"; // CP-2:0123456789abcdef
    let response = raw_upgrade(&server, "/ocpp/CP-2", Some("ocpp1.6"), Some(other)).await;
    assert!(response.starts_with("HTTP/1.1 101"), "{response}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_at_once_get_no_more_guesses_than_attempts_one_by_one() {
    let (server, _storage) = throttling_server().await;
    let wrong = "Basic Q1AtMTowMTIzNDU2Nzg5YWJjZGVY"; // CP-1:0123456789abcdeX
    // Fifty guesses sent together: each password check takes a while, so without
    // counting those in progress, all fifty would be checked before the first failure.
    let attempts =
        (0..50).map(|_| raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), Some(wrong)));
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers
        .iter()
        .filter(|answer| answer.starts_with("HTTP/1.1 401"))
        .count();
    let throttled = answers
        .iter()
        .filter(|answer| answer.starts_with("HTTP/1.1 429"))
        .count();
    assert_eq!(checked + throttled, 50, "{answers:?}");
    assert!(checked <= 3, "{checked} passwords checked for a limit of 3");
    // The identity is locked out now, the right password included.
    let right = "Basic Q1AtMTowMTIzNDU2Nzg5YWJjZGVm"; // CP-1:0123456789abcdef
    let response = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), Some(right)).await;
    assert!(response.starts_with("HTTP/1.1 429"), "{response}");
}

#[tokio::test]
async fn identities_are_scoped_by_the_tenant_in_the_path() {
    let mut config = ServerConfig::default();
    config.security = SecurityProfile::Basic;
    config.tenant_in_path = true;
    config.accept_unknown_stations = false;
    let (server, storage) = start(config, csms_router()).await;
    for (tenant, password) in [("a", "password of a's CP-1"), ("b", "password of b's CP-1")] {
        let mut record = ocpp_server::storage::StationRecord::new("CP-1");
        record.password = Some(ocpp_server::storage::PasswordHash::new(password).unwrap());
        storage.add_record(StationAddress::in_tenant(tenant, "CP-1"), record);
    }
    let url = format!("ws://{}/ocpp/a", server.local_addr());
    let mut config = ChargePointConfig::new(url, "CP-1");
    config.versions = vec![OcppVersion::V16];
    config.reconnect = None;
    config.password = Some("password of a's CP-1".into());
    let station = ChargePoint::connect(config.clone(), Router::new())
        .await
        .unwrap();
    let handle = server.station(StationAddress::in_tenant("a", "CP-1"));
    assert!(handle.is_some());
    assert!(server.station("CP-1").is_none());
    assert!(
        server
            .station(StationAddress::in_tenant("b", "CP-1"))
            .is_none()
    );
    station.close().await;
    // a's password does not open b's station of the same identity.
    config.url = format!("ws://{}/ocpp/b", server.local_addr());
    let refused = ChargePoint::connect(config, Router::new())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClientError::Upgrade(ref t) if t.contains("401")),
        "{refused}"
    );
    // Without a tenant, there is no such endpoint.
    let response = raw_upgrade(&server, "/ocpp/CP-1", Some("ocpp1.6"), None).await;
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
}

#[tokio::test]
async fn a_new_connection_replaces_the_old_one() {
    let (server, _) = start(ServerConfig::default(), csms_router()).await;
    let first = ChargePoint::connect(
        client_config(&server, "CP-1", OcppVersion::V16),
        station_router(),
    )
    .await
    .unwrap();
    let first_handle = first.handle().unwrap();
    let second = ChargePoint::connect(
        client_config(&server, "CP-1", OcppVersion::V201),
        station_router(),
    )
    .await
    .unwrap();
    eventually(|| !first_handle.is_connected()).await;
    assert_eq!(server.stations().len(), 1);
    let handle = server.station("CP-1").unwrap();
    assert_eq!(handle.version(), OcppVersion::V201);
    let answer = handle
        .call(&v201::ClearCacheRequest::default())
        .await
        .unwrap();
    assert_eq!(answer.status, v201::ClearCacheStatus::Accepted);
    drop(second);
}

#[tokio::test]
async fn a_call_without_answer_times_out() {
    let mut config = ServerConfig::default();
    config.call_timeout = Duration::from_millis(200);
    let (server, _) = start(config, csms_router()).await;
    let slow = Router::new().on(|_ctx, _: v16::ClearCacheRequest| async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok(v16::ClearCacheResponse {
            status: v16::ClearCacheStatus::Accepted,
        })
    });
    let _station = ChargePoint::connect(client_config(&server, "CP-1", OcppVersion::V16), slow)
        .await
        .unwrap();
    let handle = server.station("CP-1").unwrap();
    let failure = handle
        .call(&v16::ClearCacheRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(failure, CallFailure::Timeout), "{failure}");
    // Calls to a station that is gone say so.
    assert!(server.station("CP-unknown").is_none());
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009() {
    let mut config = ServerConfig::default();
    config.frame_limits = ocpp_types::rpc::FrameLimits::new(1024);
    let (server, _) = start(config, csms_router()).await;
    let mut request = format!("ws://{}/ocpp/CP-1", server.local_addr())
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("ocpp1.6"),
    );
    let stream = TcpStream::connect(server.local_addr()).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    let big = format!(r#"[2,"1","Heartbeat",{{"x":"{}"}}]"#, "y".repeat(4096));
    ws.send(Message::text(big)).await.unwrap();
    let close = loop {
        match ws.next().await {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(close.unwrap().code, CloseCode::Size);
}

#[tokio::test]
async fn shutdown_lets_calls_in_flight_finish() {
    let (server, _) = start(ServerConfig::default(), csms_router()).await;
    let slow = Router::new().on(|_ctx, _: v16::ClearCacheRequest| async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(v16::ClearCacheResponse {
            status: v16::ClearCacheStatus::Accepted,
        })
    });
    let station = ChargePoint::connect(client_config(&server, "CP-1", OcppVersion::V16), slow)
        .await
        .unwrap();
    let handle = server.station("CP-1").unwrap();
    let call = tokio::spawn(async move { handle.call(&v16::ClearCacheRequest::default()).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.shutdown().await;
    let answer = call.await.unwrap().unwrap();
    assert_eq!(answer.status, v16::ClearCacheStatus::Accepted);
    eventually(|| station.handle().is_none()).await;
}

#[tokio::test]
async fn the_storage_sees_connect_and_disconnect() {
    let (server, storage) = start(ServerConfig::default(), csms_router()).await;
    let station = ChargePoint::connect(
        client_config(&server, "CP-7", OcppVersion::V16),
        Router::new(),
    )
    .await
    .unwrap();
    let record = storage.station(&"CP-7".into()).await.unwrap().unwrap();
    assert_eq!(record.connected, Some(OcppVersion::V16));
    assert!(record.last_seen.is_some());
    drop(station);
    eventually(|| server.stations().is_empty()).await;
}

#[tokio::test]
async fn a_station_that_closes_gets_a_close_frame_back() {
    let (server, _) = start(ServerConfig::default(), csms_router()).await;
    let mut ws = raw_station(&server, "CP-BYE").await;
    eventually(|| server.station("CP-BYE").is_some()).await;
    ws.send(Message::Close(Some(
        tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        },
    )))
    .await
    .unwrap();
    // RFC 6455 5.5.1: the server answers a Close frame with one of its own.
    let answer = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => break Some(frame),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => break None,
            }
        }
    })
    .await
    .expect("the server answers in time");
    let frame = answer.expect("a Close frame, not a dropped connection");
    assert_eq!(frame.map(|frame| frame.code), Some(CloseCode::Normal));
    eventually(|| server.stations().is_empty()).await;
}

/// A raw WebSocket connection offering 1.6, as a station that stops reading would have.
async fn raw_station(
    server: &Server,
    identity: &str,
) -> tokio_tungstenite::WebSocketStream<TcpStream> {
    let mut request = format!("ws://{}/ocpp/{identity}", server.local_addr())
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("ocpp1.6"),
    );
    let stream = TcpStream::connect(server.local_addr()).await.unwrap();
    tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn silent_peers_are_pinged_and_dead_ones_dropped() {
    let mut config = ServerConfig::default();
    config.keepalive = ocpp_server::Keepalive {
        ping_interval: Some(Duration::from_millis(100)),
        dead_after: Duration::from_millis(400),
    };
    let (server, _) = start(config, csms_router()).await;
    // Our charge point answers pings (its connection reads all the time).
    let alive = ChargePoint::connect(
        client_config(&server, "CP-ALIVE", OcppVersion::V16),
        Router::new(),
    )
    .await
    .unwrap();
    // This one never reads again, so it never answers a ping.
    let _deaf = raw_station(&server, "CP-DEAF").await;
    eventually(|| server.stations().len() == 2).await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    let left: Vec<_> = server
        .stations()
        .into_iter()
        .map(|s| s.address.identity().to_owned())
        .collect();
    assert_eq!(left, vec!["CP-ALIVE".to_owned()]);
    assert!(alive.call(&boot16()).await.is_ok());
}

#[tokio::test]
async fn validation_can_differ_per_station() {
    let mut config = ServerConfig::default();
    config.station_validation.insert(
        "CP-OLD".to_owned(),
        ocpp_types::validate::ValidationOptions::lenient(),
    );
    let (server, _) = start(config, csms_router()).await;
    // chargePointVendor is at most 20 characters in 1.6.
    let long_vendor: v16::BootNotificationRequest = serde_json::from_value(serde_json::json!({
        "chargePointVendor": "A vendor name far over twenty characters",
        "chargePointModel": "One"
    }))
    .unwrap();
    let strict = ChargePoint::connect(
        client_config(&server, "CP-NEW", OcppVersion::V16),
        Router::new(),
    )
    .await
    .unwrap();
    let refused = strict.call(&long_vendor).await.unwrap_err();
    assert!(
        matches!(
            refused,
            CallFailure::CallError {
                code: Some(ErrorCode::PropertyConstraintViolation),
                ..
            }
        ),
        "{refused}"
    );
    let lenient = ChargePoint::connect(
        client_config(&server, "CP-OLD", OcppVersion::V16),
        Router::new(),
    )
    .await
    .unwrap();
    assert!(lenient.call(&long_vendor).await.is_ok());
}

#[tokio::test]
async fn the_charge_point_reconnects_after_the_server_restarts() {
    let (server, _) = start(ServerConfig::default(), csms_router()).await;
    let addr = server.local_addr();
    let mut config = client_config(&server, "CP-1", OcppVersion::V16);
    config.reconnect = Some(ocpp_server::client::Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
    });
    let station = ChargePoint::connect(config, station_router())
        .await
        .unwrap();
    server.shutdown().await;
    eventually(|| station.handle().is_none()).await;
    assert!(matches!(
        station.call(&boot16()).await,
        Err(CallFailure::NotConnected)
    ));

    // The same address again, after a few failed attempts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let storage = Arc::new(InMemoryStorage::new());
    let server = Server::bind(addr, ServerConfig::default(), csms_router(), storage)
        .await
        .unwrap();
    let handle = tokio::time::timeout(Duration::from_secs(5), station.connected())
        .await
        .expect("reconnected")
        .unwrap();
    assert_eq!(handle.version(), OcppVersion::V16);
    assert!(station.call(&boot16()).await.is_ok());
    eventually(|| server.station("CP-1").is_some()).await;
}

/// A log sink for `tracing_subscriber`: everything written, kept for the test to read.
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_panicking_handler_answers_internal_error_and_the_connection_goes_on() {
    use std::sync::atomic::{AtomicBool, Ordering};
    // The test runtime has one thread: the server's tasks log to this subscriber too.
    let logs = Logs::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    let panicked16 = Arc::new(AtomicBool::new(false));
    let panicked201 = Arc::new(AtomicBool::new(false));
    let (first16, first201) = (panicked16.clone(), panicked201.clone());
    let router = csms_router()
        // Panics at once: the handler runs in the connection's own turn.
        .on(move |_ctx, _: v16::HeartbeatRequest| {
            let first = !first16.swap(true, Ordering::SeqCst);
            async move {
                if first {
                    panic!("heartbeat handler failed on purpose");
                }
                Ok(v16::HeartbeatResponse {
                    current_time: now(),
                })
            }
        })
        // Panics after waiting: the handler runs in a task of its own.
        .on(move |_ctx, _: v201::HeartbeatRequest| {
            let first = !first201.swap(true, Ordering::SeqCst);
            async move {
                tokio::task::yield_now().await;
                if first {
                    panic!("{} handler failed after waiting", "2.0.1 heartbeat");
                }
                Ok(v201::HeartbeatResponse {
                    current_time: now(),
                    custom_data: None,
                })
            }
        });
    let (server, _) = start(ServerConfig::default(), router).await;

    for (identity, version) in [("CP-P16", OcppVersion::V16), ("CP-P201", OcppVersion::V201)] {
        let station =
            ChargePoint::connect(client_config(&server, identity, version), Router::new())
                .await
                .unwrap();
        let failure = match version {
            OcppVersion::V16 => station
                .call(&v16::HeartbeatRequest::default())
                .await
                .map(drop),
            _ => station
                .call(&v201::HeartbeatRequest::default())
                .await
                .map(drop),
        }
        .unwrap_err();
        assert!(
            matches!(
                failure,
                CallFailure::CallError {
                    code: Some(ErrorCode::InternalError),
                    ..
                }
            ),
            "{failure}"
        );
        // The call's slot is free and the connection still up: the next call is answered.
        match version {
            OcppVersion::V16 => {
                station
                    .call(&v16::HeartbeatRequest::default())
                    .await
                    .unwrap();
                assert_eq!(
                    station.call(&boot16()).await.unwrap().status,
                    v16::RegistrationStatus::Accepted
                );
            }
            _ => {
                station
                    .call(&v201::HeartbeatRequest::default())
                    .await
                    .unwrap();
                assert_eq!(
                    station.call(&boot201()).await.unwrap().status,
                    v201::RegistrationStatus::Accepted
                );
            }
        }
        assert_eq!(server.stations().len(), 1);
        station.close().await;
        eventually(|| server.stations().is_empty()).await;
    }
    assert!(panicked16.load(Ordering::SeqCst) && panicked201.load(Ordering::SeqCst));
    let logged = logs.text();
    assert!(
        logged.contains("heartbeat handler failed on purpose"),
        "{logged}"
    );
    assert!(
        logged.contains("2.0.1 heartbeat handler failed after waiting"),
        "{logged}"
    );
    assert!(logged.contains("ERROR"), "{logged}");
}
