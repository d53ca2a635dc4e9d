//! WebSocket compression (permessage-deflate, RFC 7692) between our charge point and our
//! server over loopback, measured by a proxy that counts the bytes on the wire, and a raw
//! client sending a decompression bomb.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use ocpp_server::Router;
use ocpp_server::client::{ChargePoint, ChargePointConfig, ClientError};
use ocpp_server::server::{Server, ServerConfig};
use ocpp_server::storage::InMemoryStorage;
use ocpp_types::rpc::FrameLimits;
use ocpp_types::{OcppVersion, v201};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// A TCP proxy counting the bytes each way and keeping the start of the server's bytes (the
/// upgrade answer).
struct Proxy {
    addr: SocketAddr,
    /// Charge point to server.
    up: Arc<AtomicU64>,
    /// Server to charge point.
    down: Arc<AtomicU64>,
    answer: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            up: Arc::default(),
            down: Arc::default(),
            answer: Arc::default(),
        };
        let (up, down, answer) = (
            Arc::clone(&proxy.up),
            Arc::clone(&proxy.down),
            Arc::clone(&proxy.answer),
        );
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(target).await.unwrap();
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, Arc::clone(&up), None));
                let answer = Some(Arc::clone(&answer));
                tokio::spawn(pump(server_read, client_write, Arc::clone(&down), answer));
            }
        });
        proxy
    }

    /// The `Sec-WebSocket-Extensions` of the server's upgrade answer.
    fn extensions(&self) -> Option<String> {
        let answer = self.answer.lock().unwrap();
        let text = String::from_utf8_lossy(&answer);
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        head.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("sec-websocket-extensions"))
            .map(|(_, value)| value.trim().to_owned())
    }
}

async fn pump(
    mut from: impl AsyncReadExt + Unpin,
    mut to: impl AsyncWriteExt + Unpin,
    count: Arc<AtomicU64>,
    capture: Option<Arc<Mutex<Vec<u8>>>>,
) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        count.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(capture) = &capture {
            let mut capture = capture.lock().unwrap();
            if capture.len() < 4096 {
                capture.extend_from_slice(&buffer[..n]);
            }
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// A 2.0.1 NotifyReport of `entries` variables (about 100 bytes of JSON each).
fn notify_report(entries: usize) -> v201::NotifyReportRequest {
    let data: Vec<Value> = (0..entries)
        .map(|i| {
            json!({
                "component": {"name": "EVSE", "evse": {"id": 1 + i % 4}},
                "variable": {"name": format!("Power{i}")},
                "variableAttribute": [{"type": "Actual", "value": format!("{}", i * 37 % 22_000)}]
            })
        })
        .collect();
    serde_json::from_value(json!({
        "requestId": 1, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": 0, "reportData": data
    }))
    .unwrap()
}

/// A CSMS that reports the size of every NotifyReport it gets.
fn csms_router(reports: mpsc::UnboundedSender<usize>) -> Router {
    Router::new().on(move |_ctx, report: v201::NotifyReportRequest| {
        let _ = reports.send(report.report_data.map_or(0, |data| data.len()));
        async { Ok(v201::NotifyReportResponse { custom_data: None }) }
    })
}

/// A station that answers a DataTransfer with the length of its data.
fn station_router() -> Router {
    Router::new().on(|_ctx, request: v201::DataTransferRequest| async move {
        let len = request.data.map_or(0, |data| data.to_string().len());
        Ok(serde_json::from_value::<v201::DataTransferResponse>(
            json!({"status": "Accepted", "data": len}),
        )
        .unwrap())
    })
}

struct Setup {
    server: Server,
    proxy: Proxy,
    station: ChargePoint,
    reports: mpsc::UnboundedReceiver<usize>,
}

/// Our server and charge point through a proxy; with `takeover`, both allow compression to
/// keep its context between messages.
async fn setup(server_compression: bool, station_compression: bool, takeover: bool) -> Setup {
    let (seen, reports) = mpsc::unbounded_channel();
    let mut config = ServerConfig::default();
    config.compression = server_compression;
    config.compression_context_takeover = takeover;
    let server = Server::bind(
        "127.0.0.1:0",
        config,
        csms_router(seen),
        Arc::new(InMemoryStorage::new()),
    )
    .await
    .unwrap();
    let proxy = Proxy::start(server.local_addr()).await;
    let mut config = ChargePointConfig::new(format!("ws://{}/ocpp", proxy.addr), "CP-Z");
    config.versions = vec![OcppVersion::V201];
    config.reconnect = None;
    config.compression = station_compression;
    config.compression_context_takeover = takeover;
    let station = ChargePoint::connect(config, station_router())
        .await
        .unwrap();
    Setup {
        server,
        proxy,
        station,
        reports,
    }
}

/// Sends a 200 KB report up and a 100 KB DataTransfer down; returns the JSON sizes.
async fn exchange(setup: &mut Setup) -> (usize, usize) {
    let report = notify_report(2000);
    let report_len = serde_json::to_string(&report).unwrap().len();
    assert!(report_len > 200_000, "{report_len}");
    setup.station.call(&report).await.unwrap();
    let received = tokio::time::timeout(Duration::from_secs(10), setup.reports.recv()).await;
    assert_eq!(received.unwrap(), Some(2000));

    let words: Vec<String> = (0..10_000).map(|i| format!("tariff-{}", i % 300)).collect();
    let transfer: v201::DataTransferRequest = serde_json::from_value(json!({
        "vendorId": "org.example", "messageId": "Tariffs", "data": words
    }))
    .unwrap();
    let transfer_len = serde_json::to_string(&transfer).unwrap().len();
    assert!(transfer_len > 100_000, "{transfer_len}");
    let handle = setup.server.station("CP-Z").unwrap();
    let answer = handle.call(&transfer).await.unwrap();
    let data = serde_json::to_string(&words).unwrap();
    assert_eq!(answer.data, Some(json!(data.len())));
    (report_len, transfer_len)
}

#[tokio::test]
async fn large_messages_go_through_compressed_both_ways() {
    let mut setup = setup(true, true, false).await;
    assert_eq!(
        setup.proxy.extensions().as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    );
    let (up_before, down_before) = (
        setup.proxy.up.load(Ordering::Relaxed),
        setup.proxy.down.load(Ordering::Relaxed),
    );
    let (report_len, transfer_len) = exchange(&mut setup).await;
    let up = setup.proxy.up.load(Ordering::Relaxed) - up_before;
    let down = setup.proxy.down.load(Ordering::Relaxed) - down_before;
    println!("on the wire: {up} bytes for {report_len} up, {down} for {transfer_len} down");
    // Both messages and their small answers, compressed to well under a fifth.
    assert!(
        (up as usize) < report_len / 5,
        "{up} bytes sent for a report of {report_len}"
    );
    assert!(
        (down as usize) < transfer_len / 5,
        "{down} bytes sent for a DataTransfer of {transfer_len}"
    );
    setup.station.close().await;
    setup.server.shutdown().await;
}

#[tokio::test]
async fn context_takeover_when_both_ends_allow_it() {
    let mut setup = setup(true, true, true).await;
    assert_eq!(
        setup.proxy.extensions().as_deref(),
        Some("permessage-deflate")
    );
    let (report_len, transfer_len) = exchange(&mut setup).await;
    // Again, on the contexts kept from the first exchange.
    let (up, down) = (
        setup.proxy.up.load(Ordering::Relaxed),
        setup.proxy.down.load(Ordering::Relaxed),
    );
    exchange(&mut setup).await;
    let up = setup.proxy.up.load(Ordering::Relaxed) - up;
    let down = setup.proxy.down.load(Ordering::Relaxed) - down;
    assert!((up as usize) < report_len / 5, "{up} for {report_len}");
    assert!(
        (down as usize) < transfer_len / 5,
        "{down} for {transfer_len}"
    );
    setup.station.close().await;
    setup.server.shutdown().await;
}

#[tokio::test]
async fn compression_is_used_only_when_both_ends_want_it() {
    for (server, station) in [(false, true), (true, false)] {
        let mut setup = setup(server, station, false).await;
        assert_eq!(setup.proxy.extensions(), None);
        let (report_len, transfer_len) = exchange(&mut setup).await;
        assert!(setup.proxy.up.load(Ordering::Relaxed) as usize > report_len);
        assert!(setup.proxy.down.load(Ordering::Relaxed) as usize > transfer_len);
        setup.station.close().await;
        setup.server.shutdown().await;
    }
}

/// Raw DEFLATE of `data` as permessage-deflate sends it (sync flush, tail removed).
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 100 + 1024);
    Compress::new(Compression::best(), false)
        .compress_vec(data, &mut out, FlushCompress::Sync)
        .unwrap();
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

/// A masked, compressed, final text frame.
fn compressed_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0xc1];
    match payload.len() {
        len @ 0..=125 => frame.push(0x80 | len as u8),
        len @ 126..=0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    let key = [0x12, 0x34, 0x56, 0x78];
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

#[tokio::test]
async fn a_decompression_bomb_closes_the_connection_with_1009() {
    let mut config = ServerConfig::default();
    let mut limits = FrameLimits::default();
    limits.max_frame_len = 64 * 1024;
    config.frame_limits = limits;
    let server = Server::bind(
        "127.0.0.1:0",
        config,
        Router::new(),
        Arc::new(InMemoryStorage::new()),
    )
    .await
    .unwrap();
    let mut socket = TcpStream::connect(server.local_addr()).await.unwrap();
    let request = "GET /ocpp/BOMB HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
        Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\
        Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        answer.push(socket.read_u8().await.unwrap());
    }
    let answer = String::from_utf8(answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 101"), "{answer}");
    assert!(answer.contains("Sec-WebSocket-Extensions: permessage-deflate"));

    // 8 MiB of spaces compress to a few kilobytes.
    let bomb = deflate(&vec![b' '; 8 << 20]);
    assert!(bomb.len() < 16 * 1024, "{}", bomb.len());
    socket.write_all(&compressed_frame(&bomb)).await.unwrap();
    let mut head = [0; 4];
    tokio::time::timeout(Duration::from_secs(10), socket.read_exact(&mut head))
        .await
        .unwrap()
        .unwrap();
    // An unmasked close frame with 1009 (message too big).
    assert_eq!(head[0], 0x88);
    assert_eq!(u16::from_be_bytes([head[2], head[3]]), 1009);
    server.shutdown().await;
}

/// Reads an HTTP head byte by byte, so nothing after it is consumed.
async fn read_head(socket: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(socket.read_u8().await.unwrap());
    }
    String::from_utf8(head).unwrap()
}

/// The value of header `name` in `head`.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

/// A hand-written CSMS: answers the upgrade with `extensions`, then sends `then` in the same
/// write as the answer.
async fn fake_csms(
    extensions: &'static str,
    then: Vec<u8>,
) -> (SocketAddr, tokio::task::JoinHandle<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let head = read_head(&mut socket).await;
        assert_eq!(
            header(&head, "sec-websocket-extensions"),
            Some(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover, \
                 permessage-deflate"
            )
        );
        let key = header(&head, "sec-websocket-key").unwrap();
        let mut answer = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\
             Sec-WebSocket-Extensions: {extensions}\r\n\r\n",
            derive_accept_key(key.as_bytes())
        )
        .into_bytes();
        answer.extend_from_slice(&then);
        socket.write_all(&answer).await.unwrap();
        socket
    });
    (addr, task)
}

fn station_config(addr: SocketAddr) -> ChargePointConfig {
    let mut config = ChargePointConfig::new(format!("ws://{addr}/ocpp"), "CP-F");
    config.versions = vec![OcppVersion::V201];
    config.reconnect = None;
    config.compression = true;
    config
}

#[tokio::test]
async fn the_charge_point_inflates_a_call_sent_with_the_upgrade_answer() {
    // A compressed, unmasked CALL in the same TCP write as the 101: it must not reach
    // tungstenite before the answer is read and compression set up.
    let call =
        json!([2, "c1", "DataTransfer", {"vendorId": "org.example", "data": "x".repeat(1000)}]);
    let compressed = deflate(call.to_string().as_bytes());
    let mut frame = vec![0xc1, 126];
    frame.extend_from_slice(&(compressed.len() as u16).to_be_bytes());
    frame.extend_from_slice(&compressed);
    let (addr, csms) = fake_csms(
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        frame,
    )
    .await;
    let station = ChargePoint::connect(station_config(addr), station_router())
        .await
        .unwrap();
    let mut socket = csms.await.unwrap();
    // The station's answer: a masked text frame, compressed or not.
    let mut head = [0; 2];
    socket.read_exact(&mut head).await.unwrap();
    assert_eq!(head[0] & 0xbf, 0x81, "{head:?}");
    assert!(head[1] & 0x80 != 0 && head[1] & 0x7f < 126);
    let mut key = [0; 4];
    socket.read_exact(&mut key).await.unwrap();
    let mut payload = vec![0; usize::from(head[1] & 0x7f)];
    socket.read_exact(&mut payload).await.unwrap();
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= key[i % 4];
    }
    if head[0] & 0x40 != 0 {
        payload.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut inflated = Vec::with_capacity(4096);
        Decompress::new(false)
            .decompress_vec(&payload, &mut inflated, FlushDecompress::Sync)
            .unwrap();
        payload = inflated;
    }
    let answer: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        answer,
        json!([3, "c1", {"status": "Accepted", "data": 1002}])
    );
    drop(station);
}

#[tokio::test]
async fn the_charge_point_refuses_an_answer_it_did_not_offer() {
    let (addr, _csms) =
        fake_csms("permessage-deflate; client_max_window_bits=10", Vec::new()).await;
    let refused = ChargePoint::connect(station_config(addr), Router::new()).await;
    assert!(
        matches!(refused, Err(ClientError::Upgrade(ref text)) if text.contains("client_max_window_bits")),
        "{refused:?}"
    );
}
