//! Slow and hostile clients: what they cost the well-behaved stations, and whether the server
//! drops each of them as its limits say.
//!
//! ```text
//! cargo run --release --example hostile_clients -- [--stations 100] [--seconds 10] [--slow 500]
//!     [--invalid 10000] [--handshake-timeout 10]
//! ```
//!
//! The OCPP server (the framework's [`Server`] with an [`InMemoryStorage`], a 1.6
//! `Heartbeat` handler and the default [`ServerConfig`] but for `--handshake-timeout`) runs in
//! a child process. `--stations` well-behaved 1.6 stations send `Heartbeat` CALLs in a closed
//! loop (one in flight each) for `--seconds`, first alone, then again while hostile clients
//! run:
//!
//! * `--slow` clients that open a TCP connection, send part of an upgrade request head and
//!   then nothing: the server must close each once the handshake timeout passes;
//! * a station sending garbage text frames of 1 MiB less 1 KiB (within the frame limit, not
//!   OCPP-J): closed with 1008 once it reaches `max_bad_frames` (20);
//! * a station sending one frame just past the 1 MiB frame limit: closed with 1009;
//! * a station sending a decompression bomb (a permessage-deflate frame of 64 KiB inflating
//!   to 64 MiB of zeros): closed with 1009;
//!
//!   each of these three reconnects 100 ms after its connection ends and starts again, for
//!   the whole window;
//! * four stations sending `--invalid` CALLs in all whose payload fails validation, one at a
//!   time, each answered with a CALLERROR, reconnecting at once each time the server closes
//!   the connection with 1008 at the 20th.
//!
//! It reports the well-behaved stations' latency percentiles without the hostile clients,
//! with them, and without them again (the same load once more, to tell the machine's noise
//! from their cost), with the ratios, what became of each hostile client (close codes, how long the
//! slow ones were held), and the server's resident memory (`VmRSS` of the child, read from
//! `/proc`) before, at its peak during, and after the hostile clients.

#[path = "support/load.rs"]
mod load;

use std::io;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use ev_backend::ocpp_server::Router;
use ev_backend::ocpp_server::server::{Server, ServerConfig};
use ev_backend::ocpp_server::storage::InMemoryStorage;
use ev_backend::ocpp_types::v16;
use flate2::{Compress, Compression, FlushCompress};
use load::{BoxError, Outgoing, ServerProcess, Station, Window};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// How to call it.
const USAGE: &str = "usage: hostile_clients [--stations N] [--seconds S] [--slow N] \
    [--invalid N] [--handshake-timeout S]";

/// The server's frame limit (the default of `ServerConfig::frame_limits`).
const FRAME_LIMIT: usize = 1 << 20;

/// Malformed frames or calls whose payload fails validation that close a connection (the
/// default `ServerConfig::max_bad_frames`): the 20th is answered, then the server closes.
const BAD_FRAMES_TO_CLOSE: usize = 20;

/// The settings of a run.
#[derive(Debug, Clone, Copy)]
struct Settings {
    stations: usize,
    seconds: u64,
    slow: usize,
    invalid: usize,
    handshake_timeout: u64,
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, addr, timeout] = args.as_slice()
        && flag == "--serve"
    {
        return serve(addr, Duration::from_secs(timeout.parse()?));
    }
    let mut settings = Settings {
        stations: 100,
        seconds: 10,
        slow: 500,
        invalid: 10_000,
        handshake_timeout: 10,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let value = iter.next().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), value) {
            ("--stations", Some(v)) => settings.stations = v as usize,
            ("--seconds", Some(v)) => settings.seconds = v,
            ("--slow", Some(v)) => settings.slow = v as usize,
            ("--invalid", Some(v)) => settings.invalid = v as usize,
            ("--handshake-timeout", Some(v)) => settings.handshake_timeout = v.max(1),
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let failures = runtime.block_on(run(settings))?;
    if failures > 0 {
        return Err(format!("{failures} hostile clients not dropped as expected").into());
    }
    Ok(())
}

/// The run: returns how many expectations failed.
async fn run(settings: Settings) -> Result<usize, BoxError> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args([
        "--serve",
        "127.0.0.1:0",
        &settings.handshake_timeout.to_string(),
    ]);
    let server = ServerProcess::start(
        command,
        |line| line.starts_with("listening on "),
        load::CALL_TIMEOUT,
    )?;
    let addr = server
        .ready
        .trim()
        .strip_prefix("listening on ")
        .ok_or("the server did not start")?
        .to_owned();
    let pid = server.id();
    println!(
        "hostile clients: {} well-behaved stations, {} s a phase, {} slow clients, {} invalid \
         payloads, handshake timeout {} s",
        settings.stations,
        settings.seconds,
        settings.slow,
        settings.invalid,
        settings.handshake_timeout
    );

    let calm = well_behaved(&addr, settings).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = load::rss_kib(pid)?;
    print_latency("without hostile clients, before", &calm);

    // The hostile clients, then the same load beside them.
    let started = Instant::now();
    let slow = open_slow_clients(&addr, settings.slow).await?;
    let window_over = Arc::new(AtomicBool::new(false));
    let garbage = tokio::spawn(repeat(window_over.clone(), {
        let addr = addr.clone();
        move || garbage_station(addr.clone())
    }));
    let oversized = tokio::spawn(repeat(window_over.clone(), {
        let addr = addr.clone();
        move || oversized_station(addr.clone())
    }));
    let bomb = tokio::spawn(repeat(window_over.clone(), {
        let addr = addr.clone();
        move || bomb_station(addr.clone())
    }));
    let invalid: Vec<_> = (0..4)
        .map(|i| {
            let share = settings.invalid / 4 + usize::from(i < settings.invalid % 4);
            tokio::spawn(invalid_station(addr.clone(), i, share))
        })
        .collect();
    let sampling = tokio::spawn(peak_rss(pid, window_over.clone()));
    let stormy = well_behaved(&addr, settings).await?;
    window_over.store(true, Ordering::Relaxed);
    print_latency("with hostile clients", &stormy);
    println!(
        "ratio with/without (before): p50 {:.2}x, p99 {:.2}x",
        ratio(stormy.p50, calm.p50),
        ratio(stormy.p99, calm.p99)
    );

    let mut failures = 0;
    let mut check = |what: &str, ok: bool, detail: String| {
        println!("{} {what}: {detail}", if ok { "ok  " } else { "FAIL" });
        failures += usize::from(!ok);
    };
    let report = |closes: Vec<Closed>| {
        let mut codes = std::collections::BTreeMap::<String, usize>::new();
        for closed in &closes {
            *codes.entry(closed.to_string()).or_default() += 1;
        }
        (closes, codes)
    };
    let (closes, codes) = report(garbage.await??);
    check(
        "garbage frames of 1 MiB",
        !closes.is_empty() && closes.iter().all(|c| c.code == Some(1008)),
        format!(
            "{} connections, {} frames sent, closed: {codes:?} (expected 1008 at the {}th)",
            closes.len(),
            closes.iter().map(|c| c.sent).sum::<usize>(),
            BAD_FRAMES_TO_CLOSE
        ),
    );
    let (closes, codes) = report(oversized.await??);
    check(
        "frames past the 1 MiB limit",
        !closes.is_empty() && closes.iter().all(|c| c.code == Some(1009)),
        format!(
            "{} connections, closed: {codes:?} (expected 1009)",
            closes.len()
        ),
    );
    let (closes, codes) = report(bomb.await??);
    check(
        "decompression bombs (64 KiB inflating to 64 MiB)",
        !closes.is_empty() && closes.iter().all(|c| c.code == Some(1009)),
        format!(
            "{} connections, closed: {codes:?} (expected 1009)",
            closes.len()
        ),
    );
    let mut invalid_closes = Vec::new();
    for task in invalid {
        invalid_closes.extend(task.await??);
    }
    let sent: usize = invalid_closes.iter().map(|c| c.sent).sum();
    let answered: usize = invalid_closes.iter().map(|c| c.answered).sum();
    let (closes, codes) = report(invalid_closes);
    // Every connection is closed by the server with 1008 once past the budget, but each
    // station's last, cut short when its share ran out, which it closes itself.
    let by_server = closes.iter().filter(|c| c.code == Some(1008)).count();
    check(
        "invalid payloads",
        sent == settings.invalid
            && by_server >= closes.len().saturating_sub(4)
            && closes.iter().all(|c| {
                (c.code == Some(1008) && c.answered == BAD_FRAMES_TO_CLOSE)
                    || (c.code != Some(1008) && c.sent < BAD_FRAMES_TO_CLOSE)
            }),
        format!(
            "{sent} sent over {} connections, {answered} answered with a CALLERROR, closed: {codes:?} \
             (expected 1008 after the {}th CALLERROR)",
            closes.len(),
            BAD_FRAMES_TO_CLOSE
        ),
    );
    let held = slow.await??;
    let longest = held.iter().copied().max().unwrap_or_default();
    let shortest = held.iter().copied().min().unwrap_or_default();
    let limit = Duration::from_secs(settings.handshake_timeout);
    check(
        "slow clients (partial request head)",
        held.len() == settings.slow
            && shortest + Duration::from_millis(100) >= limit
            && longest <= limit + Duration::from_secs(5),
        format!(
            "{} of {} closed by the server, held {:.2} s to {:.2} s (handshake timeout {} s)",
            held.len(),
            settings.slow,
            shortest.as_secs_f64(),
            longest.as_secs_f64(),
            settings.handshake_timeout
        ),
    );
    let peak = sampling.await??;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = load::rss_kib(pid)?;
    // The same load once more without them, to tell noise from their cost.
    let again = well_behaved(&addr, settings).await?;
    print_latency("without hostile clients, after", &again);
    println!(
        "ratio with/without (after): p50 {:.2}x, p99 {:.2}x",
        ratio(stormy.p50, again.p50),
        ratio(stormy.p99, again.p99)
    );
    println!(
        "server memory: {:.1} MiB before the hostile clients, peak {:.1} MiB while they ran, {:.1} MiB \
         after ({:.1} s in all)",
        rss_before as f64 / 1024.0,
        peak as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        started.elapsed().as_secs_f64()
    );
    println!("expectations failed: {failures}");
    Ok(failures)
}

/// Latency percentiles of one phase.
struct Latency {
    calls: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

fn print_latency(what: &str, latency: &Latency) {
    println!(
        "{what}: {} calls, {:.0}/s, latency p50 {:.1} µs, p99 {:.1} µs",
        latency.calls,
        latency.per_second,
        latency.p50.as_secs_f64() * 1e6,
        latency.p99.as_secs_f64() * 1e6
    );
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// The well-behaved stations: `Heartbeat` in a closed loop for the phase. Every call must
/// be answered with a CALLRESULT.
async fn well_behaved(addr: &str, settings: Settings) -> Result<Latency, BoxError> {
    let mut stations = Vec::new();
    for i in 0..settings.stations {
        stations.push(
            Station::connect(&format!("{addr}/ocpp"), &format!("GOOD-{i}"), "ocpp1.6").await?,
        );
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(settings.seconds);
    let tasks: Vec<_> = stations
        .into_iter()
        .map(|mut station| {
            tokio::spawn(async move {
                let mut distinct = 0;
                let stats = load::closed_loop(&mut station, Window::whole(deadline), || {
                    distinct += 1;
                    Outgoing {
                        action: "Heartbeat",
                        payload: "{}".to_owned(),
                        distinct,
                    }
                })
                .await;
                station.close().await;
                if let Some(failure) = stats.failure {
                    return Err::<_, BoxError>(failure.into());
                }
                if stats.call_errors > 0 || stats.timeouts > 0 {
                    return Err(format!(
                        "a well-behaved station got {} CALLERRORs and {} timeouts",
                        stats.call_errors, stats.timeouts
                    )
                    .into());
                }
                Ok(stats.latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Ok(Latency {
        calls: latencies.len(),
        per_second: latencies.len() as f64 / elapsed,
        p50: load::percentile(&latencies, 0.50),
        p99: load::percentile(&latencies, 0.99),
    })
}

/// The highest resident memory of `pid`, read every 50 ms until `over`.
async fn peak_rss(pid: u32, over: Arc<AtomicBool>) -> Result<u64, BoxError> {
    let mut peak = 0;
    while !over.load(Ordering::Relaxed) {
        peak = peak.max(load::rss_kib(pid)?);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(peak.max(load::rss_kib(pid)?))
}

/// Opens `count` connections that send part of a request head and then nothing; the task
/// returns, for each, how long the server held it before closing it.
async fn open_slow_clients(
    addr: &str,
    count: usize,
) -> Result<tokio::task::JoinHandle<Result<Vec<Duration>, BoxError>>, BoxError> {
    let mut waits = Vec::new();
    for i in 0..count {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(
                format!("GET /ocpp/SLOW-{i} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: web").as_bytes(),
            )
            .await?;
        let sent = Instant::now();
        waits.push(tokio::spawn(async move {
            let mut buffer = [0; 256];
            // The server closes without an answer, or with one; either way the read ends.
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return sent.elapsed(),
                    Ok(_) => continue,
                }
            }
        }));
    }
    Ok(tokio::spawn(async move {
        let mut held = Vec::new();
        for wait in waits {
            held.push(tokio::time::timeout(Duration::from_secs(120), wait).await??);
        }
        Ok(held)
    }))
}

/// How a hostile connection ended.
#[derive(Debug, Clone, Copy)]
struct Closed {
    /// The close code the server sent, if it sent a close frame.
    code: Option<u16>,
    /// Frames (or calls) sent.
    sent: usize,
    /// CALLERRORs received.
    answered: usize,
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(code) => write!(f, "{code}"),
            None => f.write_str("no close frame"),
        }
    }
}

/// How long a hostile station waits before it reconnects.
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);

/// Runs `client` again and again until `over`, [`RECONNECT_PAUSE`] apart, collecting how each
/// connection ended.
async fn repeat<F, Fut>(over: Arc<AtomicBool>, client: F) -> Result<Vec<Closed>, BoxError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Closed, BoxError>>,
{
    let mut closes = Vec::new();
    while !over.load(Ordering::Relaxed) {
        closes.push(client().await?);
        tokio::time::sleep(RECONNECT_PAUSE).await;
    }
    Ok(closes)
}

/// A WebSocket connection driven by hand: the upgrade request, masked frames out, frames
/// read back.
struct Raw {
    reader: OwnedReadHalf,
    buffer: Vec<u8>,
}

impl Raw {
    /// Connects to `ws://ADDR/ocpp/IDENTITY` offering OCPP 1.6 and, with `deflate`,
    /// permessage-deflate (each end resetting its context after every message).
    async fn connect(
        addr: &str,
        identity: &str,
        deflate: bool,
    ) -> Result<(Raw, OwnedWriteHalf), BoxError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (reader, mut writer) = stream.into_split();
        let extensions = if deflate {
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; \
             client_no_context_takeover\r\n"
        } else {
            ""
        };
        let request = format!(
            "GET /ocpp/{identity} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n{extensions}\r\n"
        );
        writer.write_all(request.as_bytes()).await?;
        let mut raw = Raw {
            reader,
            buffer: Vec::new(),
        };
        let end = loop {
            if let Some(end) = raw.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            raw.fill().await?;
        };
        let head = String::from_utf8_lossy(&raw.buffer[..end]).into_owned();
        raw.buffer.drain(..end);
        if !head.starts_with("HTTP/1.1 101") {
            return Err(format!("upgrade refused: {head}").into());
        }
        if deflate && !head.to_ascii_lowercase().contains("permessage-deflate") {
            return Err("the server did not agree to permessage-deflate".into());
        }
        Ok((raw, writer))
    }

    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0; 16 * 1024];
        let n = self.reader.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// The next frame from the server: its opcode and payload (the server does not mask).
    async fn next_frame(&mut self) -> io::Result<(u8, Vec<u8>)> {
        loop {
            if self.buffer.len() >= 2 {
                let opcode = self.buffer[0] & 0x0f;
                let (len, at) = match self.buffer[1] & 0x7f {
                    126 if self.buffer.len() >= 4 => (
                        usize::from(u16::from_be_bytes([self.buffer[2], self.buffer[3]])),
                        4,
                    ),
                    127 if self.buffer.len() >= 10 => {
                        let raw: [u8; 8] = self.buffer[2..10].try_into().expect("8 bytes");
                        (u64::from_be_bytes(raw) as usize, 10)
                    }
                    126 | 127 => (usize::MAX, 0),
                    short => (usize::from(short), 2),
                };
                if at > 0 && self.buffer.len() >= at + len {
                    let payload = self.buffer[at..at + len].to_vec();
                    self.buffer.drain(..at + len);
                    return Ok((opcode, payload));
                }
            }
            self.fill().await?;
        }
    }

    /// Reads until the server's close frame: its code, and the text frames before it.
    async fn close_code(&mut self) -> (Option<u16>, usize) {
        let mut texts = 0;
        loop {
            match tokio::time::timeout(load::CALL_TIMEOUT, self.next_frame()).await {
                Ok(Ok((0x8, payload))) => {
                    let code =
                        (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                    return (code, texts);
                }
                Ok(Ok((0x1, _))) => texts += 1,
                Ok(Ok(_)) => continue,
                Ok(Err(_)) | Err(_) => return (None, texts),
            }
        }
    }
}

/// A client frame: final, masked, `rsv1` for a compressed message.
fn frame(opcode: u8, rsv1: bool, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x80 | opcode | if rsv1 { 0x40 } else { 0 }];
    match payload.len() {
        len @ 0..=125 => bytes.push(0x80 | len as u8),
        len @ 126..=0xffff => {
            bytes.push(0x80 | 126);
            bytes.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            bytes.push(0x80 | 127);
            bytes.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    let key = [0x37, 0xfa, 0x21, 0x3d];
    bytes.extend_from_slice(&key);
    bytes.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    bytes
}

/// Sends garbage text frames of 1 MiB less 1 KiB until the server closes the connection.
async fn garbage_station(addr: String) -> Result<Closed, BoxError> {
    let (mut raw, mut writer) = Raw::connect(&addr, "GARBAGE", false).await?;
    let garbage: Vec<u8> = (0..FRAME_LIMIT - 1024)
        .map(|i| b'!' + (i * 7 % 90) as u8)
        .collect();
    let wire = frame(0x1, false, &garbage);
    let sending = tokio::spawn(async move {
        let mut sent = 0;
        while writer.write_all(&wire).await.is_ok() {
            sent += 1;
            // Past the budget, the server has closed.
            if sent > BAD_FRAMES_TO_CLOSE {
                break;
            }
            tokio::task::yield_now().await;
        }
        sent
    });
    let (code, _) = raw.close_code().await;
    let sent = sending.await?;
    Ok(Closed {
        code,
        sent,
        answered: 0,
    })
}

/// Sends one text frame a byte past the frame limit.
async fn oversized_station(addr: String) -> Result<Closed, BoxError> {
    let (mut raw, mut writer) = Raw::connect(&addr, "OVERSIZED", false).await?;
    let payload = vec![b' '; FRAME_LIMIT + 1];
    // The server may close before all of it is written.
    let _ = writer.write_all(&frame(0x1, false, &payload)).await;
    let (code, _) = raw.close_code().await;
    Ok(Closed {
        code,
        sent: 1,
        answered: 0,
    })
}

/// The compressed payload of the bomb: 64 MiB of zeros, about 64 KiB compressed.
fn bomb() -> &'static [u8] {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| {
        let zeros = vec![0u8; 1 << 20];
        let mut deflater = Compress::new(Compression::best(), false);
        let mut out = Vec::with_capacity(1 << 17);
        for _ in 0..64 {
            deflater
                .compress_vec(&zeros, &mut out, FlushCompress::None)
                .expect("compresses");
            out.reserve(1 << 12);
        }
        loop {
            out.reserve(1 << 12);
            let before = out.len();
            deflater
                .compress_vec(&[], &mut out, FlushCompress::Sync)
                .expect("compresses");
            if out.len() == before || out.ends_with(&[0, 0, 0xff, 0xff]) {
                break;
            }
        }
        // RFC 7692: the sender removes the tail of the final empty stored block.
        if out.ends_with(&[0, 0, 0xff, 0xff]) {
            out.truncate(out.len() - 4);
        }
        out
    })
}

/// Sends one compressed text frame inflating to 64 MiB.
async fn bomb_station(addr: String) -> Result<Closed, BoxError> {
    let (mut raw, mut writer) = Raw::connect(&addr, "BOMB", true).await?;
    let _ = writer.write_all(&frame(0x1, true, bomb())).await;
    let (code, _) = raw.close_code().await;
    Ok(Closed {
        code,
        sent: 1,
        answered: 0,
    })
}

/// Sends `count` CALLs whose payload fails validation (a `MeterValues` without its required
/// fields), one at a time, reconnecting whenever the server closes the connection.
async fn invalid_station(
    addr: String,
    station: usize,
    count: usize,
) -> Result<Vec<Closed>, BoxError> {
    let mut closes = Vec::new();
    let mut left = count;
    let mut connection = 0;
    while left > 0 {
        connection += 1;
        let (mut raw, mut writer) =
            Raw::connect(&addr, &format!("INVALID-{station}-{connection}"), false).await?;
        let mut closed = Closed {
            code: None,
            sent: 0,
            answered: 0,
        };
        loop {
            if left == 0 {
                let _ = writer
                    .write_all(&frame(0x8, false, &1000u16.to_be_bytes()))
                    .await;
                closed.code = raw.close_code().await.0;
                break;
            }
            let call = format!(
                r#"[2,"{}","MeterValues",{{"connectorId":"one"}}]"#,
                closed.sent
            );
            if writer
                .write_all(&frame(0x1, false, call.as_bytes()))
                .await
                .is_err()
            {
                break;
            }
            closed.sent += 1;
            left -= 1;
            match tokio::time::timeout(load::CALL_TIMEOUT, raw.next_frame()).await {
                Ok(Ok((0x1, text))) if text.starts_with(b"[4,") => closed.answered += 1,
                Ok(Ok((0x8, payload))) => {
                    closed.code =
                        (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                    break;
                }
                Ok(Ok((opcode, text))) => {
                    return Err(format!(
                        "unexpected frame {opcode}: {}",
                        String::from_utf8_lossy(&text)
                    )
                    .into());
                }
                Ok(Err(_)) | Err(_) => break,
            }
        }
        closes.push(closed);
    }
    Ok(closes)
}

/// The server side, in the child process.
fn serve(addr: &str, handshake_timeout: Duration) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let router = Router::new()
            .on(|_ctx, _: v16::HeartbeatRequest| async {
                Ok(v16::HeartbeatResponse {
                    current_time: Utc::now(),
                })
            })
            .on(|_ctx, _: v16::MeterValuesRequest| async { Ok(v16::MeterValuesResponse {}) });
        let mut config = ServerConfig::default();
        config.handshake_timeout = handshake_timeout;
        let server = Server::bind(addr, config, router, Arc::new(InMemoryStorage::new())).await?;
        println!("listening on {}", server.local_addr());
        tokio::signal::ctrl_c().await?;
        server.shutdown().await;
        Ok(())
    })
}
