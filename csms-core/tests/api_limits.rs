//! The admin API's limits, over real sockets: slow clients are disconnected, big bodies,
//! floods of one key and excess requests in flight are refused with JSON errors, requests
//! are cut off in time, and commands to stations take bounded lists.
#![cfg(feature = "http-api")]

mod api_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api_support::{Response, SYSTEM_KEY, TestApi};
use csms_core::api::{Api, ApiLimits, NoStations, RateLimit};
use csms_core::store::SqliteStore;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads what the server sends until it closes the connection; `None` if it is still open
/// after `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| bytes)
}

/// A request to create a tenant that declares a body of `length` bytes and sends only
/// its first byte: its handler waits for the rest.
async fn hold_a_request(api: &TestApi, length: usize) -> TcpStream {
    let mut stream = TcpStream::connect(api.addr).await.unwrap();
    let head = format!(
        "POST /tenants HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {SYSTEM_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let mut limits = ApiLimits::default();
    limits.header_read_timeout = Duration::from_secs(1);
    let api = TestApi::with_limits(limits).await;

    let stream = TcpStream::connect(api.addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    writer
        .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .await
        .unwrap();
    // A slow loris: one more byte of the header every 100 ms, never its end.
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b"a").await.is_err() {
                break;
            }
        }
    });
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buffer = [0u8; 1024];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    trickle.abort();
    let elapsed = started.elapsed();
    assert!(
        closed.is_ok(),
        "the connection is still open after {elapsed:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(900),
        "closed before the timeout: {elapsed:?}"
    );

    // The server goes on serving complete requests.
    assert_eq!(api.call("GET", "/health", None, None).await.status, 200);
}

#[tokio::test]
async fn five_hundred_clients_that_never_finish_their_headers_hold_up_no_one() {
    let mut limits = ApiLimits::default();
    limits.header_read_timeout = Duration::from_secs(6);
    let api = TestApi::with_limits(limits).await;
    let admin = api.tenant("Alpha", "ALP").await;

    // 500 connections, each with part of a request head and then nothing.
    let mut slow = Vec::new();
    for n in 0..500 {
        let mut stream = TcpStream::connect(api.addr).await.unwrap();
        stream
            .write_all(format!("GET /health HTTP/1.1\r\nHost: t\r\nX-Slow-{n}: ").as_bytes())
            .await
            .unwrap();
        slow.push(stream);
    }
    let held_since = Instant::now();
    // Operators are served meanwhile, well before the slow clients are let go.
    for _ in 0..20 {
        let started = Instant::now();
        assert_eq!(api.call("GET", "/health", None, None).await.status, 200);
        let stations = api.call("GET", "/stations", Some(&admin), None).await;
        assert_eq!(stations.status, 200, "{}", stations.text);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "an operator waited {:?} behind the slow clients",
            started.elapsed()
        );
    }
    assert!(
        held_since.elapsed() < Duration::from_secs(6),
        "the operators' requests were answered while the slow clients were still connected"
    );
    // Then every slow client is disconnected once its headers are overdue.
    for stream in &mut slow {
        assert!(
            read_until_closed(stream, Duration::from_secs(20))
                .await
                .is_some(),
            "a slow client is still connected {:?} after it began",
            held_since.elapsed()
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_json() {
    // Declared: refused at once, before the body is read.
    let api = TestApi::start().await;
    let mut stream = hold_a_request(&api, 3 * 1024 * 1024).await;
    let bytes = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("answered without waiting for the body");
    let response = Response::parse(&bytes);
    response.assert_error(413, "payload_too_large");
    assert!(
        response.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&ApiLimits::DEFAULT_MAX_BODY_BYTES.to_string()),
        "{}",
        response.text
    );

    // Streamed (chunked, no length): cut at the limit.
    let mut limits = ApiLimits::default();
    limits.max_body_bytes = 1024;
    let api = TestApi::with_limits(limits).await;
    let name = "x".repeat(4096);
    let body =
        json!({ "name": name, "role": "CPO", "country_code": "NL", "party_id": "BIG" }).to_string();
    let request = format!(
        "POST /tenants HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {SYSTEM_KEY}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let response = api.raw(request.as_bytes()).await;
    response.assert_error(413, "payload_too_large");
    assert!(response.text.contains("1024"), "{}", response.text);

    // Within the limit, the same route works.
    let small = api
        .post(
            "/tenants",
            SYSTEM_KEY,
            json!({ "name": "Small", "role": "CPO", "country_code": "NL", "party_id": "SML" }),
        )
        .await;
    assert_eq!(small.status, 201, "{}", small.text);
}

#[tokio::test]
async fn a_key_past_its_rate_gets_429_while_another_key_goes_on() {
    let mut limits = ApiLimits::default();
    limits.rate_limit = Some(RateLimit {
        burst: 3,
        per_second: 1,
    });
    let api = TestApi::with_limits(limits).await;
    let alpha = api.tenant("Alpha", "ALP").await;
    let beta = api.tenant("Beta", "BET").await;

    for _ in 0..3 {
        let response = api.get("/tenant", &alpha).await;
        assert_eq!(response.status, 200, "{}", response.text);
    }
    // The burst is spent; a token comes back each second, so within three more requests
    // one is refused.
    let mut refused = None;
    for _ in 0..3 {
        let response = api.get("/tenant", &alpha).await;
        if response.status == 429 {
            refused = Some(response);
            break;
        }
    }
    let refused = refused.expect("a 429 after the burst");
    refused.assert_error(429, "rate_limited");
    let retry_after: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert_eq!(retry_after, 1);

    // Another key has its own rate.
    let response = api.get("/tenant", &beta).await;
    assert_eq!(response.status, 200, "{}", response.text);

    // After the wait, the first key works again.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let response = api.get("/tenant", &alpha).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn requests_past_the_in_flight_limit_get_503_at_once() {
    let mut limits = ApiLimits::default();
    limits.max_in_flight = 1;
    let api = TestApi::with_limits(limits).await;

    // One request is in its handler, waiting for its body.
    let held = hold_a_request(&api, 100).await;
    let mut refused = None;
    for _ in 0..50 {
        let response = api.call("GET", "/health", None, None).await;
        if response.status == 503 {
            refused = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = refused.expect("a 503 while one request is in flight");
    refused.assert_error(503, "overloaded");
    assert_eq!(refused.header("retry-after"), Some("1"));

    // Once it is gone, requests are handled again.
    drop(held);
    let mut status = 0;
    for _ in 0..100 {
        status = api.call("GET", "/health", None, None).await.status;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_request_not_answered_in_time_gets_503_timeout() {
    let mut limits = ApiLimits::default();
    limits.request_timeout = Duration::from_secs(1);
    let api = TestApi::with_limits(limits).await;

    let started = Instant::now();
    let mut stream = hold_a_request(&api, 100).await;
    let bytes = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("answered within the timeout");
    let elapsed = started.elapsed();
    Response::parse(&bytes).assert_error(503, "timeout");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
}

#[tokio::test]
async fn commands_with_too_long_lists_get_400_naming_the_limit() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    let created = api
        .post("/stations", &admin, json!({ "identity": "CAP-1" }))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let commands = format!("/stations/{}/commands", created.body["id"]);

    let variables = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({ "component": "C", "variable": format!("V{i}"), "value": "1" }))
            .collect()
    };
    let too_many = api
        .post(
            &commands,
            &admin,
            json!({ "command": "set_variables", "variables": variables(51) }),
        )
        .await;
    too_many.assert_error(400, "invalid");
    let message = too_many.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("at most 50") && message.contains("set_variables"),
        "{message}"
    );
    api.post(
        &commands,
        &admin,
        json!({ "command": "get_variables", "variables": variables(51) }),
    )
    .await
    .assert_error(400, "invalid");
    let entries: Vec<Value> = (0..1001)
        .map(|i| json!({ "id_token": format!("T{i}"), "status": "accepted" }))
        .collect();
    let too_many = api
        .post(
            &commands,
            &admin,
            json!({ "command": "send_local_list", "version": 1, "full": true, "entries": entries }),
        )
        .await;
    too_many.assert_error(400, "invalid");
    assert!(too_many.text.contains("at most 1000"), "{}", too_many.text);

    // At the limit, the command goes on to the station (which is not connected).
    api.post(
        &commands,
        &admin,
        json!({ "command": "set_variables", "variables": variables(50) }),
    )
    .await
    .assert_error(409, "station_offline");

    // The OpenAPI document says so.
    let document = csms_core::api::openapi().to_string();
    assert!(document.contains(r#""maxItems":50"#), "no maxItems 50");
    assert!(document.contains(r#""maxItems":1000"#), "no maxItems 1000");
}

#[tokio::test]
async fn serve_stops_on_shutdown_after_the_requests_in_progress() {
    let path = std::env::temp_dir().join(format!("csms_api_serve_{}.db", std::process::id()));
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    let limits = ApiLimits::default();
    let router = Api::new(store, Arc::new(NoStations))
        .with_system_key(SYSTEM_KEY)
        .with_limits(limits.clone())
        .router();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        csms_core::api::serve(listener, router, &limits, async {
            let _ = stopped.await;
        })
        .await;
    });

    // An idle kept-alive connection, and one in the middle of a request.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let n = idle.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));
    let body = json!({ "name": "Late", "role": "CPO", "country_code": "NL", "party_id": "LAT" })
        .to_string();
    let mut busy = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /tenants HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {SYSTEM_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..1]
    );
    busy.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    stop.send(()).unwrap();
    // The idle one is closed; the server waits for the busy one.
    assert!(
        read_until_closed(&mut idle, Duration::from_secs(5))
            .await
            .is_some()
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!server.is_finished());
    busy.write_all(&body.as_bytes()[1..]).await.unwrap();
    let answered = read_until_closed(&mut busy, Duration::from_secs(5))
        .await
        .expect("the request in progress is answered, then closed");
    let answered = Response::parse(&answered);
    assert_eq!(answered.status, 201, "{}", answered.text);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve returns once every connection is closed")
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
