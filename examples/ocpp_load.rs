//! Load test of the OCPP server against the transport ceiling, over loopback.
//!
//! ```text
//! cargo run --release --example ocpp_load -- [--stations 100] [--seconds 5] [--idle 10000]
//!     [--message meter-values|heartbeat]
//! ```
//!
//! Two servers run in turn, each in a child process of this example:
//!
//! * `ceiling`: a minimal tokio-tungstenite server that parses each frame as a
//!   `serde_json::Value` and answers a canned CALLRESULT: what the transport allows (with the
//!   same 4 KiB read buffer as ours);
//! * `ours`: [`Server`] with strict validation and typed 1.6 `MeterValues` and `Heartbeat`
//!   handlers.
//!
//! Against each, `--stations` simulated 1.6 stations send `MeterValues` CALLs (or, with
//! `--message heartbeat`, `Heartbeat` CALLs, where the cost per message dominates) for
//! `--seconds`, each with one call in flight, and the example reports messages per second and
//! latency percentiles; the servers take turns for three rounds and the median round counts. Then `--idle` stations connect and stay silent, and the example reads
//! the server's resident memory (`VmRSS` of the child) at half and at all of them: the growth
//! per connection, and whether it is linear. It ends with our figures as ratios of the
//! ceiling's. The machine is shared: compare ratios, not absolute figures.

#[path = "support/load.rs"]
mod load;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ev_backend::ocpp_server::Router;
use ev_backend::ocpp_server::server::{Server, ServerConfig};
use ev_backend::ocpp_server::storage::InMemoryStorage;
use ev_backend::ocpp_types::v16;
use futures_util::{SinkExt, StreamExt};
use load::{BoxError, Outgoing, ServerProcess, Station, Window};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// How to call it.
const USAGE: &str =
    "usage: ocpp_load [--stations N] [--seconds S] [--idle N] [--message meter-values|heartbeat]";

/// The payload of every `MeterValues` CALL.
const METER_VALUES: &str = r#"{"connectorId":1,"transactionId":7,"meterValue":[{"timestamp":"2025-01-01T00:00:00Z","sampledValue":[{"value":"1234","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}"#;

/// What the stations send.
#[derive(Debug, Clone, Copy)]
enum Message16 {
    /// `MeterValues` with one sampled value.
    MeterValues,
    /// `Heartbeat`: an empty request, the smallest message there is.
    Heartbeat,
}

impl Message16 {
    fn parse(name: &str) -> Option<Message16> {
        match name {
            "meter-values" => Some(Message16::MeterValues),
            "heartbeat" => Some(Message16::Heartbeat),
            _ => None,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Message16::MeterValues => "MeterValues",
            Message16::Heartbeat => "Heartbeat",
        }
    }

    fn payload(self) -> &'static str {
        match self {
            Message16::MeterValues => METER_VALUES,
            Message16::Heartbeat => "{}",
        }
    }
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, kind] = args.as_slice()
        && flag == "--serve"
    {
        return serve(kind);
    }
    let (mut stations, mut seconds, mut idle) = (100usize, 5u64, 10_000usize);
    let mut message = Message16::MeterValues;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let value = iter.next();
        let number = value.and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), number) {
            ("--stations", Some(v)) => stations = v as usize,
            ("--seconds", Some(v)) => seconds = v,
            ("--idle", Some(v)) => idle = v as usize,
            ("--message", _) if let Some(kind) = value.and_then(|v| Message16::parse(v)) => {
                message = kind;
            }
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    println!("{} CALLs", message.action());
    let runtime = tokio::runtime::Runtime::new()?;
    let (ceiling, ours) = runtime.block_on(compare(stations, seconds, idle, message))?;
    println!();
    println!(
        "throughput: {:.3} of the ceiling (goal >= 0.92)",
        ours.per_second / ceiling.per_second
    );
    println!(
        "p99 latency: {:.2}x the ceiling's (goal <= 1.2)",
        ours.p99.as_secs_f64() / ceiling.p99.as_secs_f64()
    );
    println!(
        "memory per idle station: {:.1} KiB (ceiling {:.1} KiB; goal <= 12 KiB)",
        ours.per_idle_kib, ceiling.per_idle_kib
    );
    println!(
        "100,000 idle stations at this rate: {:.2} GiB (goal < 1.5 GiB)",
        ours.per_idle_kib * 100_000.0 / 1024.0 / 1024.0
    );
    Ok(())
}

/// How many rounds of load each server gets, alternating, to even out a noisy machine.
const ROUNDS: usize = 3;

/// The figures of one server: the median round's throughput and p99, and the memory.
struct Figures {
    /// Messages per second.
    per_second: f64,
    /// The p99 latency.
    p99: Duration,
    /// Resident memory per idle connection, in KiB.
    per_idle_kib: f64,
}

/// Runs the rounds of load against both servers, then their idle memory: the ceiling's
/// figures and ours.
async fn compare(
    stations: usize,
    seconds: u64,
    idle: usize,
    message: Message16,
) -> Result<(Figures, Figures), BoxError> {
    let servers = [start("ceiling")?, start("ours")?];
    let mut rounds: [Vec<(f64, Duration)>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        for (server, results) in servers.iter().zip(rounds.iter_mut()) {
            results.push(load(server, stations, seconds, message).await?);
        }
    }
    let mut figures = Vec::new();
    for (server, mut results) in servers.iter().zip(rounds) {
        results.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (per_second, _) = results[ROUNDS / 2];
        results.sort_by_key(|r| r.1);
        let p99 = results[ROUNDS / 2].1;
        let per_idle_kib = idle_memory(server, idle).await?;
        figures.push(Figures {
            per_second,
            p99,
            per_idle_kib,
        });
    }
    let ours = figures.pop().ok_or("no figures")?;
    let ceiling = figures.pop().ok_or("no figures")?;
    Ok((ceiling, ours))
}

/// A server in a child process.
struct Child {
    /// `ceiling` or `ours`.
    kind: &'static str,
    /// Where it listens.
    addr: String,
    /// The process.
    process: ServerProcess,
}

/// Starts server `kind` (`ceiling` or `ours`) in a child process: this example with
/// `--serve KIND`.
fn start(kind: &'static str) -> Result<Child, BoxError> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["--serve", kind]);
    let process = ServerProcess::start(command, |_| true, load::CALL_TIMEOUT)?;
    let addr = process
        .ready
        .trim()
        .strip_prefix("listening on ")
        .ok_or("the server did not start")?
        .to_owned();
    Ok(Child {
        kind,
        addr,
        process,
    })
}

/// One round of load: messages per second and the p99 latency.
async fn load(
    server: &Child,
    stations: usize,
    seconds: u64,
    message: Message16,
) -> Result<(f64, Duration), BoxError> {
    let kind = server.kind;
    let mut connections = Vec::new();
    for station in 0..stations {
        connections.push(
            Station::connect(
                &format!("{}/ocpp", server.addr),
                &format!("LOAD-{station}"),
                "ocpp1.6",
            )
            .await?,
        );
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|station| tokio::spawn(run_station(station, deadline, message)))
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let per_second = latencies.len() as f64 / elapsed;
    let (p50, p99) = (
        load::percentile(&latencies, 0.50),
        load::percentile(&latencies, 0.99),
    );
    println!(
        "{kind:>8}: {stations} stations, {per_second:>9.0} messages/s, latency p50 {:>7.1} µs, p99 {:>7.1} µs",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    Ok((per_second, p99))
}

/// The server's memory per idle connection, read at half and at all of `idle`.
async fn idle_memory(server: &Child, idle: usize) -> Result<f64, BoxError> {
    let kind = server.kind;
    let pid = server.process.id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let base = load::rss_kib(pid)?;
    let mut connections = Vec::with_capacity(idle);
    let mut readings = Vec::new();
    for target in [idle / 2, idle] {
        while connections.len() < target {
            let batch = (target - connections.len()).min(64);
            let mut pending = Vec::new();
            for _ in 0..batch {
                let id = format!("IDLE-{}", connections.len() + pending.len());
                let addr = server.addr.clone();
                pending.push(tokio::spawn(async move {
                    Station::connect(&format!("{addr}/ocpp"), &id, "ocpp1.6").await
                }));
            }
            for task in pending {
                connections.push(task.await??);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        readings.push((connections.len(), load::rss_kib(pid)?));
    }
    let per_idle =
        |(count, rss): (usize, u64)| rss.saturating_sub(base) as f64 / count.max(1) as f64;
    let (half, all) = (readings[0], readings[1]);
    let slope = all.1.saturating_sub(half.1) as f64 / (all.0 - half.0).max(1) as f64;
    println!(
        "{kind:>8}: {} idle stations: {:.1} KiB each ({:.1} KiB each at {}; {:.1} KiB per added connection)",
        all.0,
        per_idle(all),
        per_idle(half),
        half.0,
        slope
    );
    Ok(per_idle(all))
}

/// Sends `message` until the deadline, one call in flight; returns the latencies. Any
/// CALLERROR, missing answer or failed connection is an error.
async fn run_station(
    mut station: Station,
    deadline: Instant,
    message: Message16,
) -> Result<Vec<Duration>, BoxError> {
    let mut distinct = 0;
    let stats = load::closed_loop(&mut station, Window::whole(deadline), || {
        distinct += 1;
        Outgoing {
            action: message.action(),
            payload: message.payload().to_owned(),
            distinct,
        }
    })
    .await;
    if let Some(failure) = stats.failure {
        return Err(failure.into());
    }
    if let Some(error) = stats.first_call_error {
        return Err(format!("unexpected {error}").into());
    }
    if stats.timeouts > 0 {
        return Err(format!("{} calls without an answer", stats.timeouts).into());
    }
    station.close().await;
    Ok(stats.latencies)
}

/// The server side, in the child process.
fn serve(kind: &str) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        match kind {
            "ours" => {
                let router = Router::new()
                    .on(|_ctx, _: v16::MeterValuesRequest| async {
                        Ok(v16::MeterValuesResponse {})
                    })
                    .on(|_ctx, _: v16::HeartbeatRequest| async {
                        Ok(v16::HeartbeatResponse {
                            current_time: chrono::Utc::now(),
                        })
                    });
                let server = Server::bind(
                    "127.0.0.1:0",
                    ServerConfig::default(),
                    router,
                    Arc::new(InMemoryStorage::new()),
                )
                .await?;
                println!("listening on {}", server.local_addr());
                std::future::pending::<()>().await;
                Ok(())
            }
            "ceiling" => {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                println!("listening on {}", listener.local_addr()?);
                loop {
                    let (stream, _) = listener.accept().await?;
                    tokio::spawn(ceiling_connection(stream));
                }
            }
            _ => Err(format!("unknown server {kind}").into()),
        }
    })
}

/// The transport ceiling: parse the frame as JSON, answer a canned CALLRESULT (with the
/// current time for a `Heartbeat`, as its answer must carry).
// The handshake callback's error type is tungstenite's.
#[allow(clippy::result_large_err)]
async fn ceiling_connection(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let protocol = |_: &Request, mut response: Response| {
        response.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("ocpp1.6"),
        );
        Ok(response)
    };
    // The same read buffer as ours (tungstenite's default, 128 KiB, is allocated up front).
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, protocol, Some(config)).await
    else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(frame) = serde_json::from_str::<serde_json::Value>(text.as_str()) else {
            continue;
        };
        let id = frame.get(1).and_then(|id| id.as_str()).unwrap_or("-1");
        let answer = match frame.get(2).and_then(|action| action.as_str()) {
            Some("Heartbeat") => format!(
                r#"[3,"{id}",{{"currentTime":"{}"}}]"#,
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ),
            _ => format!(r#"[3,"{id}",{{}}]"#),
        };
        if ws.send(Message::text(answer)).await.is_err() {
            break;
        }
    }
}
