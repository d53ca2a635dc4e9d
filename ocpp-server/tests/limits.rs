//! The server's limits over real loopback sockets: connections in all and per source
//! address, the rate of new connections, writes to peers that stop reading, a bounded
//! shutdown, and the bad-frame budget spent by invalid payloads.
//!
//! Sources other than 127.0.0.1 are other loopback addresses (127.0.0.2, ...), which Linux
//! and most systems route to the loopback interface.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use ocpp_server::server::limits::{ConnectionLimits, Rate};
use ocpp_server::server::{Server, ServerConfig};
use ocpp_server::storage::InMemoryStorage;
use ocpp_server::{CallFailure, Router};
use ocpp_types::v16;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// How long a test waits for what should happen (much longer than it takes).
const GENEROUS: Duration = Duration::from_secs(10);

async fn start(config: ServerConfig) -> Server {
    let router = Router::new().on(|_ctx, _: v16::HeartbeatRequest| async {
        Ok(v16::HeartbeatResponse {
            current_time: chrono::Utc::now(),
        })
    });
    Server::bind(
        "127.0.0.1:0",
        config,
        router,
        Arc::new(InMemoryStorage::new()),
    )
    .await
    .unwrap()
}

/// A config whose only limits are `connections`, with a handshake timeout far longer than
/// any test, so that a connection closed early was closed by a limit.
fn limited(connections: ConnectionLimits) -> ServerConfig {
    let mut config = ServerConfig::default();
    config.connections = connections;
    config.handshake_timeout = Duration::from_secs(120);
    config
}

fn no_limits() -> ConnectionLimits {
    ConnectionLimits {
        max_total: 1000,
        max_per_source: 1000,
        rate: None,
        rate_per_source: None,
        tracked_sources: 1000,
        // The tests' sources are loopback addresses.
        exempt_loopback: false,
        exempt_sources: Vec::new(),
    }
}

fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A TCP connection to the server from `source`.
async fn connect_from(server: &Server, source: IpAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    socket.connect(server.local_addr()).await.unwrap()
}

/// Whether the server closes `stream` without a word (before the long handshake timeout).
async fn closed_at_once(stream: &mut TcpStream) -> bool {
    let mut buf = [0; 64];
    matches!(
        timeout(GENEROUS, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// Upgrades `stream` as station `identity` on 1.6: whether the server answered 101.
async fn upgrades(stream: &mut TcpStream, identity: &str) -> bool {
    let request = format!(
        "GET /ocpp/{identity} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut head = Vec::new();
    let mut buf = [0; 512];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match timeout(GENEROUS, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => return false,
        }
    }
    head.starts_with(b"HTTP/1.1 101")
}

/// A WebSocket connection of station `identity` on 1.6, which reads only when told.
async fn raw_station(server: &Server, identity: &str) -> WebSocketStream<TcpStream> {
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

/// Polls until `condition` holds, for at most [`GENEROUS`].
async fn eventually(mut condition: impl FnMut() -> bool) {
    let until = Instant::now() + GENEROUS;
    while !condition() {
        assert!(Instant::now() < until, "condition not met in time");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn connections_over_the_limit_per_source_are_closed_at_once() {
    let server = start(limited(ConnectionLimits {
        max_per_source: 3,
        ..no_limits()
    }))
    .await;
    // Three connections in their handshake hold the source's places.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from(&server, loopback(1)).await);
    }
    let mut fourth = connect_from(&server, loopback(1)).await;
    assert!(closed_at_once(&mut fourth).await);
    assert_eq!(server.connections(), 3);
    // Another source is not concerned.
    let mut other = connect_from(&server, loopback(2)).await;
    assert!(upgrades(&mut other, "CP-OTHER").await);
    // The three were admitted and can go on.
    assert!(upgrades(&mut held[0], "CP-0").await);
    // A connection that ends gives its place back.
    drop(held.remove(1));
    let until = Instant::now() + GENEROUS;
    loop {
        let mut again = connect_from(&server, loopback(1)).await;
        if upgrades(&mut again, "CP-AGAIN").await {
            break;
        }
        assert!(Instant::now() < until, "the place was not given back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn connections_over_the_total_limit_are_closed_at_once() {
    let server = start(limited(ConnectionLimits {
        max_total: 2,
        ..no_limits()
    }))
    .await;
    let mut first = connect_from(&server, loopback(1)).await;
    let _second = connect_from(&server, loopback(2)).await;
    let mut third = connect_from(&server, loopback(3)).await;
    assert!(closed_at_once(&mut third).await);
    assert!(upgrades(&mut first, "CP-1").await);
    eventually(|| server.stations().len() == 1).await;
}

#[tokio::test]
async fn new_connections_beyond_the_rate_are_closed_at_once() {
    // Two at once, then one a minute: a third one now is refused, even with the first two
    // gone, since the rate is about arrivals.
    let server = start(limited(ConnectionLimits {
        rate: Some(Rate {
            burst: 2,
            interval: Duration::from_secs(60),
        }),
        ..no_limits()
    }))
    .await;
    let mut first = connect_from(&server, loopback(1)).await;
    let mut second = connect_from(&server, loopback(2)).await;
    assert!(upgrades(&mut first, "CP-1").await);
    assert!(upgrades(&mut second, "CP-2").await);
    drop((first, second));
    let mut third = connect_from(&server, loopback(3)).await;
    assert!(closed_at_once(&mut third).await);
}

#[tokio::test]
async fn new_connections_from_one_source_beyond_its_rate_are_closed_at_once() {
    let server = start(limited(ConnectionLimits {
        rate_per_source: Some(Rate {
            burst: 2,
            interval: Duration::from_secs(60),
        }),
        ..no_limits()
    }))
    .await;
    let _first = connect_from(&server, loopback(1)).await;
    let _second = connect_from(&server, loopback(1)).await;
    let mut third = connect_from(&server, loopback(1)).await;
    assert!(closed_at_once(&mut third).await);
    let mut elsewhere = connect_from(&server, loopback(2)).await;
    assert!(upgrades(&mut elsewhere, "CP-ELSEWHERE").await);
}

/// Calls `identity` again and again with large payloads, each timing out, so that frames
/// pile up towards a station that does not read.
fn flood(server: &Server, identity: &str) -> tokio::task::JoinHandle<()> {
    let handle = server.station(identity).unwrap();
    tokio::spawn(async move {
        let request = v16::DataTransferRequest {
            vendor_id: "ACME".to_owned(),
            message_id: None,
            data: Some("x".repeat(2 * 1024 * 1024)),
        };
        loop {
            match handle.call(&request).await {
                Err(CallFailure::NotConnected) => return,
                _ => tokio::task::yield_now().await,
            }
        }
    })
}

#[tokio::test]
async fn a_peer_that_stops_reading_is_dropped_after_the_write_timeout() {
    let mut config = ServerConfig::default();
    config.write_timeout = Duration::from_millis(300);
    config.call_timeout = Duration::from_millis(20);
    // No pings: only the write timeout can find that the peer is gone.
    config.keepalive.ping_interval = None;
    let server = start(config).await;
    // Never read from again.
    let _deaf = raw_station(&server, "CP-DEAF").await;
    eventually(|| server.station("CP-DEAF").is_some()).await;
    let flooding = flood(&server, "CP-DEAF");
    eventually(|| server.stations().is_empty()).await;
    timeout(GENEROUS, flooding).await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_ends_in_bounded_time_whatever_the_peers_do() {
    let mut config = ServerConfig::default();
    config.call_timeout = Duration::from_millis(20);
    config.keepalive.ping_interval = None;
    config.shutdown_grace = Duration::from_millis(200);
    config.shutdown_timeout = Duration::from_millis(300);
    // Neither the write timeout nor the handshake timeout comes to the rescue.
    config.write_timeout = Duration::from_secs(600);
    config.handshake_timeout = Duration::from_secs(600);
    let server = start(config).await;
    // A station that stops reading, whose connection is stuck writing...
    let _deaf = raw_station(&server, "CP-DEAF").await;
    eventually(|| server.station("CP-DEAF").is_some()).await;
    let handle = server.station("CP-DEAF").unwrap();
    let _flooding = flood(&server, "CP-DEAF");
    // ... (given time to fill the socket) ...
    tokio::time::sleep(Duration::from_millis(500)).await;
    // ... and a connection that never sends its upgrade request.
    let _mute = TcpStream::connect(server.local_addr()).await.unwrap();
    eventually(|| server.connections() == 2).await;
    timeout(GENEROUS, server.shutdown())
        .await
        .expect("shutdown returned in time");
    // The stuck connection's task is gone with its end of the instructions.
    let failure = timeout(GENEROUS, handle.call(&v16::ClearCacheRequest::default()))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(failure, CallFailure::NotConnected), "{failure}");
}

#[tokio::test]
async fn a_station_repeating_invalid_payloads_is_disconnected() {
    let mut config = ServerConfig::default();
    config.max_bad_frames = 3;
    let server = start(config).await;
    let mut ws = raw_station(&server, "CP-INVALID").await;
    eventually(|| server.station("CP-INVALID").is_some()).await;
    // Well-formed frames, each payload missing what BootNotification requires.
    for n in 0..3 {
        let frame = format!(r#"[2,"b{n}","BootNotification",{{}}]"#);
        ws.send(Message::text(frame)).await.unwrap();
    }
    let mut errors = 0;
    let close = timeout(GENEROUS, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => break frame,
                Some(Ok(Message::Text(text))) => {
                    assert!(text.starts_with("[4,"), "{text}");
                    errors += 1;
                }
                Some(Ok(_)) => {}
                other => panic!("{other:?}"),
            }
        }
    })
    .await
    .expect("closed by the server");
    assert_eq!(errors, 3, "every invalid payload is answered");
    assert_eq!(close.map(|frame| frame.code), Some(CloseCode::Policy));
    eventually(|| server.stations().is_empty()).await;
}
