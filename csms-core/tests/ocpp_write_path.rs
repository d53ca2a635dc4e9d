//! The store's write path under concurrency, over real sockets, on SQLite and PostgreSQL at
//! the same time.
//!
//! Proves that a CSMS on either store, with 50 OCPP 1.6 stations sending meter values at
//! once, answers every call with a CALLRESULT within a bounded time while stations resend
//! what they already sent (as a station that lost the CALLRESULT does), and that each
//! session then holds exactly the readings sent: an identical resend stored once, a reading
//! that differs from one stored for the same instant and measurand stored as well. And that
//! a MeterValues cut off by a dropped connection is answered when the station reconnects and
//! resends it, and stored once.
//!
//! The stations speak raw OCPP-J through a small hand-written WebSocket client (RFC 6455, no
//! extensions), so the test decides every frame sent: message ids, payloads, and when the
//! socket goes away.

mod ocpp_support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use csms_core::model::{StationId, TenantId, UnknownStationPolicy};
use csms_core::store::{PostgresStore, Store};
use ocpp_support::{Harness, postgres, sqlite};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// Stations sending at once, per store.
const STATIONS: usize = 50;
/// MeterValues calls per station, one in flight at a time.
const METER_CALLS: u32 = 200;
/// Every this many MeterValues calls: the previous payload again, under a new message id.
const RESEND_EVERY: u32 = 7;
/// Every this many MeterValues calls (unless it is a resend): the previous message's
/// timestamp with different values.
const SAME_TIME_EVERY: u32 = 11;
/// How long any one call may wait for its answer.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);
/// A safety net: how long one store's whole scenario may take.
const SCENARIO_DEADLINE: Duration = Duration::from_secs(300);
/// Meter values slower than this are counted as slow in the summary.
const SLOW: Duration = Duration::from_secs(1);

/// One stored or sent reading, as compared: time, measurand, phase, value.
type Reading = (DateTime<Utc>, String, Option<String>, Decimal);

fn show(reading: &Reading) -> String {
    let (at, measurand, phase, value) = reading;
    let phase = phase
        .as_deref()
        .map(|p| format!("/{p}"))
        .unwrap_or_default();
    format!(
        "{} {measurand}{phase} = {value}",
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// Why a call got no CALLRESULT.
#[derive(Debug)]
enum CallFailed {
    /// A CALLERROR.
    Error { code: String, description: String },
    /// No answer within [`CALL_TIMEOUT`].
    Timeout,
    /// The socket failed, closed, or carried something unexpected.
    Socket(String),
    /// A CALLRESULT, but not the one expected.
    Answer(String),
}

impl CallFailed {
    /// The kind, for counting.
    fn kind(&self) -> String {
        match self {
            CallFailed::Error { code, .. } => format!("CallError {code}"),
            CallFailed::Timeout => format!("timeout (> {} s)", CALL_TIMEOUT.as_secs()),
            CallFailed::Socket(_) => "socket failure".to_owned(),
            CallFailed::Answer(_) => "unexpected answer".to_owned(),
        }
    }
}

impl std::fmt::Display for CallFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallFailed::Error { code, description } => {
                write!(f, "CALLERROR {code}: {description:?}")
            }
            CallFailed::Timeout => write!(f, "no answer within {} s", CALL_TIMEOUT.as_secs()),
            CallFailed::Socket(why) => write!(f, "socket: {why}"),
            CallFailed::Answer(why) => write!(f, "unexpected answer: {why}"),
        }
    }
}

fn socket(error: impl std::fmt::Display) -> CallFailed {
    CallFailed::Socket(error.to_string())
}

/// Where the test's stations connect: the server and their tenant.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    addr: SocketAddr,
    tenant: TenantId,
}

/// A 1.6 charge point over a hand-written WebSocket client.
struct RawStation {
    socket: BufReader<TcpStream>,
}

impl RawStation {
    /// Connects as `identity`, offering only `ocpp1.6`.
    async fn connect(endpoint: Endpoint, identity: &str) -> Result<RawStation, CallFailed> {
        let Endpoint { addr, tenant } = endpoint;
        let attempt = async {
            let stream = TcpStream::connect(addr).await.map_err(socket)?;
            stream.set_nodelay(true).map_err(socket)?;
            let mut socket_ = BufReader::new(stream);
            let request = format!(
                "GET /ocpp/{tenant}/{identity} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                 Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
            );
            socket_
                .get_mut()
                .write_all(request.as_bytes())
                .await
                .map_err(socket)?;
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                head.push(socket_.read_u8().await.map_err(socket)?);
                if head.len() > 16 * 1024 {
                    return Err(socket("upgrade answer too long"));
                }
            }
            let head = String::from_utf8_lossy(&head);
            let protocol = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.eq_ignore_ascii_case("sec-websocket-protocol"))
                .map(|(_, value)| value.trim());
            if !head.starts_with("HTTP/1.1 101") || protocol != Some("ocpp1.6") {
                return Err(socket(format!("upgrade refused: {head}")));
            }
            Ok(RawStation { socket: socket_ })
        };
        tokio::time::timeout(CALL_TIMEOUT, attempt)
            .await
            .unwrap_or(Err(CallFailed::Timeout))
    }

    /// Sends a masked, final frame.
    async fn write_frame(&mut self, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        let mut frame = Vec::with_capacity(payload.len() + 14);
        frame.push(0x80 | opcode);
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
        let key = [0x37, 0xfa, 0x21, 0x3d];
        frame.extend_from_slice(&key);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        self.socket.get_mut().write_all(&frame).await
    }

    /// Sends a CALL without waiting for anything.
    async fn send_call(
        &mut self,
        id: &str,
        action: &str,
        payload: &Value,
    ) -> Result<(), CallFailed> {
        let frame = json!([2, id, action, payload]).to_string();
        self.write_frame(0x1, frame.as_bytes())
            .await
            .map_err(socket)
    }

    /// The next text message, answering pings on the way.
    async fn read_text(&mut self) -> Result<String, CallFailed> {
        let mut message = Vec::new();
        loop {
            let first = self.socket.read_u8().await.map_err(socket)?;
            let second = self.socket.read_u8().await.map_err(socket)?;
            let len = match second & 0x7f {
                126 => u64::from(self.socket.read_u16().await.map_err(socket)?),
                127 => self.socket.read_u64().await.map_err(socket)?,
                len => u64::from(len),
            };
            let mut key = None;
            if second & 0x80 != 0 {
                let mut bytes = [0; 4];
                self.socket.read_exact(&mut bytes).await.map_err(socket)?;
                key = Some(bytes);
            }
            let mut payload = vec![0; usize::try_from(len).map_err(socket)?];
            self.socket.read_exact(&mut payload).await.map_err(socket)?;
            if let Some(key) = key {
                for (i, byte) in payload.iter_mut().enumerate() {
                    *byte ^= key[i % 4];
                }
            }
            match first & 0x0f {
                0x0..=0x2 => {
                    message.extend_from_slice(&payload);
                    if first & 0x80 != 0 {
                        return String::from_utf8(message).map_err(socket);
                    }
                }
                0x8 => {
                    let code = payload
                        .get(..2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]).to_string())
                        .unwrap_or_else(|| "no code".to_owned());
                    let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                    return Err(socket(format!(
                        "the server closed the connection ({code} {reason:?})"
                    )));
                }
                0x9 => self.write_frame(0xa, &payload).await.map_err(socket)?,
                0xa => {}
                opcode => return Err(socket(format!("unexpected opcode {opcode:#x}"))),
            }
        }
    }

    /// Waits for the answer to CALL `id`; a CALL of the CSMS meanwhile gets a CALLERROR.
    async fn answer(&mut self, id: &str) -> Result<Value, CallFailed> {
        loop {
            let text = self.read_text().await?;
            let frame: Value = serde_json::from_str(&text)
                .map_err(|e| socket(format!("not JSON ({e}): {text}")))?;
            let kind = frame[0].as_u64();
            let for_us = frame[1].as_str() == Some(id);
            match kind {
                Some(3) if for_us => return Ok(frame[2].clone()),
                Some(4) if for_us => {
                    return Err(CallFailed::Error {
                        code: frame[2].as_str().unwrap_or_default().to_owned(),
                        description: frame[3].as_str().unwrap_or_default().to_owned(),
                    });
                }
                Some(2) => {
                    let refusal = json!([4, frame[1], "NotImplemented", "", {}]).to_string();
                    self.write_frame(0x1, refusal.as_bytes())
                        .await
                        .map_err(socket)?;
                }
                _ => return Err(socket(format!("unexpected frame for call {id}: {text}"))),
            }
        }
    }

    /// Sends CALL `action` as message `id` and waits at most [`CALL_TIMEOUT`] for its
    /// CALLRESULT.
    async fn call(&mut self, id: &str, action: &str, payload: &Value) -> Result<Value, CallFailed> {
        let exchange = async {
            self.send_call(id, action, payload).await?;
            self.answer(id).await
        };
        tokio::time::timeout(CALL_TIMEOUT, exchange)
            .await
            .unwrap_or(Err(CallFailed::Timeout))
    }

    /// Closes with 1000 and drops the socket.
    async fn close(mut self) {
        let _ = self.write_frame(0x8, &1000u16.to_be_bytes()).await;
    }
}

/// When the session starts.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The energy register after MeterValues call `k` (call 0: the start).
fn register(k: u32) -> u32 {
    10_000 + 50 * k
}

/// The MeterValues of call `k` at `at` (one meterValue of five sampledValues: the energy
/// register, the power, the current of each phase; every value a function of `k`), and its
/// readings.
fn meter_values(tx: i64, at: DateTime<Utc>, k: u32) -> (Value, Vec<Reading>) {
    let samples = [
        (
            "Energy.Active.Import.Register",
            None,
            "Wh",
            register(k).to_string(),
        ),
        ("Power.Active.Import", None, "W", (11_000 + k).to_string()),
        ("Current.Import", Some("L1"), "A", format!("16.{k:03}")),
        ("Current.Import", Some("L2"), "A", format!("15.{k:03}")),
        ("Current.Import", Some("L3"), "A", format!("17.{k:03}")),
    ];
    let mut sampled = Vec::new();
    let mut readings = Vec::new();
    for (measurand, phase, unit, value) in samples {
        let mut sample = json!({"value": value, "measurand": measurand, "unit": unit});
        if let Some(phase) = phase {
            sample["phase"] = json!(phase);
        }
        sampled.push(sample);
        readings.push((
            at,
            measurand.to_owned(),
            phase.map(str::to_owned),
            value.parse::<Decimal>().expect("a decimal").normalize(),
        ));
    }
    let payload = json!({
        "connectorId": 1,
        "transactionId": tx,
        "meterValue": [{"timestamp": time(at), "sampledValue": sampled}],
    });
    (payload, readings)
}

/// How one station's calls went.
#[derive(Default)]
struct Stats {
    /// The wait for each answered call.
    latencies: Vec<Duration>,
}

/// Where and why a station stopped early.
struct Failure {
    identity: String,
    /// The call (1 = BootNotification) and what it was.
    call: u32,
    step: String,
    why: Stopped,
    /// Since the scenario started.
    at: Duration,
}

enum Stopped {
    Call(CallFailed),
    /// Another station failed first.
    Aborted,
    /// [`SCENARIO_DEADLINE`] passed.
    Deadline,
}

/// What a station sent, once it got every answer.
struct Sent {
    tx: i64,
    /// The distinct readings sent: one copy per reading, resends not repeated.
    readings: Vec<Reading>,
    /// Those sent by same-timestamp messages.
    same_time: Vec<Reading>,
}

struct StationRun {
    identity: String,
    stats: Stats,
    outcome: Result<Sent, Failure>,
}

/// One station's whole run: BootNotification, StartTransaction, [`METER_CALLS`]
/// MeterValues with resends and same-timestamp readings, StopTransaction.
async fn run_station(
    endpoint: Endpoint,
    store: &'static str,
    identity: String,
    tag: String,
    abort: Arc<AtomicBool>,
    started: Instant,
) -> StationRun {
    let mut stats = Stats::default();
    let outcome = drive_station(endpoint, &identity, &tag, &abort, started, &mut stats).await;
    // A failed call stops the other stations; the first is shown at once, the others in
    // the scenario's report.
    if let Err(Failure {
        why: Stopped::Call(e),
        call,
        step,
        at,
        ..
    }) = &outcome
        && !abort.swap(true, Ordering::SeqCst)
    {
        eprintln!(
            "first failure at {:.1} s: [{store}] station {identity}, call {call} ({step}): {e}",
            at.as_secs_f64(),
        );
    }
    StationRun {
        identity,
        stats,
        outcome,
    }
}

/// A station's calls, numbered from 1, each timed, stopping early once another station
/// failed or the scenario ran out of time.
struct Caller<'a> {
    station: RawStation,
    identity: &'a str,
    abort: &'a AtomicBool,
    started: Instant,
    stats: &'a mut Stats,
    number: u32,
}

impl Caller<'_> {
    fn fail(&self, step: &str, why: Stopped) -> Failure {
        Failure {
            identity: self.identity.to_owned(),
            call: self.number,
            step: step.to_owned(),
            why,
            at: self.started.elapsed(),
        }
    }

    async fn call(&mut self, step: &str, action: &str, payload: &Value) -> Result<Value, Failure> {
        self.number += 1;
        if self.abort.load(Ordering::SeqCst) {
            return Err(self.fail(step, Stopped::Aborted));
        }
        if self.started.elapsed() > SCENARIO_DEADLINE {
            return Err(self.fail(step, Stopped::Deadline));
        }
        let sent = Instant::now();
        let id = self.number.to_string();
        match self.station.call(&id, action, payload).await {
            Ok(answer) => {
                self.stats.latencies.push(sent.elapsed());
                Ok(answer)
            }
            Err(e) => Err(self.fail(step, Stopped::Call(e))),
        }
    }
}

async fn drive_station(
    endpoint: Endpoint,
    identity: &str,
    tag: &str,
    abort: &AtomicBool,
    started: Instant,
    stats: &mut Stats,
) -> Result<Sent, Failure> {
    let station = RawStation::connect(endpoint, identity)
        .await
        .map_err(|e| Failure {
            identity: identity.to_owned(),
            call: 0,
            step: "WebSocket connection".to_owned(),
            why: Stopped::Call(e),
            at: started.elapsed(),
        })?;
    let mut caller = Caller {
        station,
        identity,
        abort,
        started,
        stats,
        number: 0,
    };
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "Wallbox 22"});
    let booted = caller
        .call("BootNotification", "BootNotification", &boot)
        .await?;
    if booted["status"] != "Accepted" {
        let why = CallFailed::Answer(format!("not accepted: {booted}"));
        return Err(caller.fail("BootNotification", Stopped::Call(why)));
    }
    let start = json!({
        "connectorId": 1, "idTag": tag, "meterStart": register(0), "timestamp": time(t0()),
    });
    let started_tx = caller
        .call("StartTransaction", "StartTransaction", &start)
        .await?;
    let tx = match started_tx["transactionId"].as_i64() {
        Some(tx) if started_tx["idTagInfo"]["status"] == "Accepted" => tx,
        _ => {
            let why = CallFailed::Answer(format!("not an accepted start: {started_tx}"));
            return Err(caller.fail("StartTransaction", Stopped::Call(why)));
        }
    };

    let mut sent = Sent {
        tx,
        readings: Vec::new(),
        same_time: Vec::new(),
    };
    // The timestamp of the previous MeterValues, and its payload.
    let mut at = t0();
    let mut previous = None;
    for k in 1..=METER_CALLS {
        let (step, payload) = match previous.take() {
            Some(payload) if k % RESEND_EVERY == 0 => {
                (format!("MeterValues #{k} (resend of #{})", k - 1), payload)
            }
            _ if k % SAME_TIME_EVERY == 0 => {
                let (payload, readings) = meter_values(tx, at, k);
                sent.same_time.extend_from_slice(&readings);
                sent.readings.extend(readings);
                (
                    format!("MeterValues #{k} (same timestamp as #{})", k - 1),
                    payload,
                )
            }
            _ => {
                at += chrono::Duration::seconds(10);
                let (payload, readings) = meter_values(tx, at, k);
                sent.readings.extend(readings);
                (format!("MeterValues #{k}"), payload)
            }
        };
        caller.call(&step, "MeterValues", &payload).await?;
        previous = Some(payload);
    }
    let stop = json!({
        "transactionId": tx,
        "idTag": tag,
        "meterStop": register(METER_CALLS + 1),
        "timestamp": time(at + chrono::Duration::seconds(10)),
        "reason": "EVDisconnected",
    });
    caller
        .call("StopTransaction", "StopTransaction", &stop)
        .await?;
    caller.station.close().await;
    Ok(sent)
}

/// `sent` against `stored` as multisets: the readings sent but not stored, and those stored
/// but not sent (or stored more often than sent).
fn multiset_difference(sent: &[Reading], stored: &[Reading]) -> (Vec<Reading>, Vec<Reading>) {
    let mut count: BTreeMap<&Reading, i64> = BTreeMap::new();
    for reading in sent {
        *count.entry(reading).or_default() += 1;
    }
    for reading in stored {
        *count.entry(reading).or_default() -= 1;
    }
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    for (reading, n) in count {
        let copies = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
        let into = if n > 0 { &mut missing } else { &mut extra };
        into.extend(std::iter::repeat_n(reading.clone(), copies));
    }
    (missing, extra)
}

/// The stored readings of `station`'s session for transaction `tx`.
async fn stored_readings<S: Store + 'static>(
    h: &Harness<S>,
    station: StationId,
    tx: i64,
) -> Result<Vec<Reading>, String> {
    let session = h
        .store
        .session_by_transaction(h.tenant, station, &tx.to_string())
        .await
        .map_err(|e| format!("the session of transaction {tx} cannot be read: {e}"))?
        .ok_or_else(|| format!("no session for transaction {tx}"))?;
    let values = h
        .store
        .meter_values(h.tenant, session.id)
        .await
        .map_err(|e| format!("the meter values of transaction {tx} cannot be read: {e}"))?;
    Ok(values
        .into_iter()
        .map(|v| (v.timestamp, v.measurand, v.phase, v.value.normalize()))
        .collect())
}

/// Why `stored` is not exactly `sent`, if it is not.
fn compare(sent: &Sent, stored: &[Reading]) -> Option<String> {
    let (missing, extra) = multiset_difference(&sent.readings, stored);
    if missing.is_empty() && extra.is_empty() {
        return None;
    }
    let same_time = missing
        .iter()
        .filter(|r| sent.same_time.contains(r))
        .count();
    let examples = |readings: &[Reading]| {
        readings
            .iter()
            .take(3)
            .map(show)
            .collect::<Vec<_>>()
            .join("; ")
    };
    Some(format!(
        "transaction {}: sent {} distinct readings, stored {}; {} sent but not stored ({} of \
         them from same-timestamp messages), e.g. [{}]; {} stored but never sent or stored \
         more than once, e.g. [{}]",
        sent.tx,
        sent.readings.len(),
        stored.len(),
        missing.len(),
        same_time,
        examples(&missing),
        extra.len(),
        examples(&extra),
    ))
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() - 1) * p / 100]
}

/// 50 stations at once on `h`; `Ok` with a summary, or `Err` with every failure.
async fn write_path_scenario<S: Store + 'static>(
    h: &Harness<S>,
    store: &'static str,
) -> Result<String, String> {
    let mut stations = Vec::with_capacity(STATIONS);
    for n in 0..STATIONS {
        let identity = format!("WP-{n:02}");
        let station = h.station(&identity).await;
        let tag = format!("TAG-{n:02}");
        h.token(&tag, |_| {}).await;
        stations.push((identity, tag, station.id));
    }
    let endpoint = Endpoint {
        addr: h.server.local_addr(),
        tenant: h.tenant,
    };
    let abort = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut running = JoinSet::new();
    for (identity, tag, _) in &stations {
        running.spawn(run_station(
            endpoint,
            store,
            identity.clone(),
            tag.clone(),
            Arc::clone(&abort),
            started,
        ));
    }
    let mut runs = Vec::with_capacity(STATIONS);
    while let Some(run) = running.join_next().await {
        runs.push(run.unwrap_or_else(|e| panic!("[{store}] a station task failed: {e}")));
    }
    let elapsed = started.elapsed();

    let mut latencies: Vec<Duration> = runs
        .iter()
        .flat_map(|run| run.stats.latencies.iter().copied())
        .collect();
    latencies.sort();
    let slow = latencies.iter().filter(|l| **l > SLOW).count();
    let summary = format!(
        "[{store}] {STATIONS} stations, {} calls answered in {:.1} s; latency p50 {:?}, p99 \
         {:?}, max {:?}; {slow} calls over {SLOW:?}",
        latencies.len(),
        elapsed.as_secs_f64(),
        percentile(&latencies, 50),
        percentile(&latencies, 99),
        latencies.last().copied().unwrap_or_default(),
    );

    let mut failures: Vec<&Failure> = runs
        .iter()
        .filter_map(|r| r.outcome.as_ref().err())
        .collect();
    if !failures.is_empty() {
        failures.sort_by_key(|f| f.at);
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for failure in &failures {
            let kind = match &failure.why {
                Stopped::Call(e) => e.kind(),
                Stopped::Aborted => "stopped after another station failed".to_owned(),
                Stopped::Deadline => "scenario deadline passed".to_owned(),
            };
            *kinds.entry(kind).or_default() += 1;
        }
        let mut report = format!(
            "[{store}] {} of {STATIONS} stations did not get through ({kinds:?}):\n",
            failures.len()
        );
        let failed: Vec<_> = failures
            .iter()
            .filter(|f| matches!(f.why, Stopped::Call(_) | Stopped::Deadline))
            .collect();
        for failure in failed.iter().take(12) {
            let why = match &failure.why {
                Stopped::Call(e) => e.to_string(),
                _ => format!("the scenario took over {} s", SCENARIO_DEADLINE.as_secs()),
            };
            let _ = writeln!(
                report,
                "  at {:>6.1} s: [{store}] station {}, call {} ({}): {why}",
                failure.at.as_secs_f64(),
                failure.identity,
                failure.call,
                failure.step,
            );
        }
        if failed.len() > 12 {
            let _ = writeln!(report, "  ... and {} more", failed.len() - 12);
        }
        report.push_str(&summary);
        return Err(report);
    }

    let mut mismatches = Vec::new();
    for run in &runs {
        let Ok(sent) = &run.outcome else { continue };
        let station = stations
            .iter()
            .find(|(identity, ..)| *identity == run.identity)
            .map(|(.., id)| *id)
            .expect("a station of the scenario");
        let problem = match stored_readings(h, station, sent.tx).await {
            Ok(stored) => compare(sent, &stored),
            Err(e) => Some(e),
        };
        if let Some(problem) = problem {
            mismatches.push(format!("  [{store}] station {}, {problem}", run.identity));
        }
    }
    if !mismatches.is_empty() {
        mismatches.sort();
        let shown = mismatches.len().min(5);
        return Err(format!(
            "[{store}] the stored meter values of {} of {STATIONS} sessions are not exactly the \
             distinct readings sent (each identical resend once, each differing same-timestamp \
             reading in addition):\n{}\n{summary}",
            mismatches.len(),
            mismatches[..shown].join("\n"),
        ));
    }
    Ok(summary)
}

/// A MeterValues whose connection drops before its answer: the station reconnects and sends
/// it again (same message id, same payload, as a retry of the same CALL); it must be
/// answered, and its readings stored once.
async fn dropped_call_scenario<S: Store + 'static>(
    h: &Harness<S>,
    store: &str,
) -> Result<String, String> {
    let identity = "WP-DROP";
    let station = h.station(identity).await;
    h.token("TAG-DROP", |_| {}).await;
    let endpoint = Endpoint {
        addr: h.server.local_addr(),
        tenant: h.tenant,
    };
    let failed =
        |what: &'static str| move |e: CallFailed| format!("[{store}] {identity}, {what}: {e}");

    let mut cp = RawStation::connect(endpoint, identity)
        .await
        .map_err(failed("connection"))?;
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "Wallbox 22"});
    cp.call("1", "BootNotification", &boot)
        .await
        .map_err(failed("BootNotification"))?;
    let start = json!({
        "connectorId": 1, "idTag": "TAG-DROP", "meterStart": register(0), "timestamp": time(t0()),
    });
    let started = cp
        .call("2", "StartTransaction", &start)
        .await
        .map_err(failed("StartTransaction"))?;
    let tx = started["transactionId"]
        .as_i64()
        .filter(|_| started["idTagInfo"]["status"] == "Accepted")
        .ok_or_else(|| format!("[{store}] {identity}: not an accepted start: {started}"))?;
    let (first, mut readings) = meter_values(tx, t0() + chrono::Duration::seconds(10), 1);
    cp.call("3", "MeterValues", &first)
        .await
        .map_err(failed("MeterValues #1"))?;

    // The CALL goes out, and the connection drops before its answer can arrive.
    let at = t0() + chrono::Duration::seconds(20);
    let (cut, cut_readings) = meter_values(tx, at, 2);
    cp.send_call("4", "MeterValues", &cut)
        .await
        .map_err(failed("MeterValues #2 before the drop"))?;
    drop(cp);

    let mut cp = RawStation::connect(endpoint, identity)
        .await
        .map_err(failed("reconnection"))?;
    let resent = Instant::now();
    cp.call("4", "MeterValues", &cut)
        .await
        .map_err(failed("MeterValues #2 resent after reconnecting"))?;
    let waited = resent.elapsed();
    readings.extend(cut_readings);
    let stop = json!({
        "transactionId": tx,
        "idTag": "TAG-DROP",
        "meterStop": register(3),
        "timestamp": time(at + chrono::Duration::seconds(10)),
        "reason": "EVDisconnected",
    });
    cp.call("5", "StopTransaction", &stop)
        .await
        .map_err(failed("StopTransaction"))?;
    cp.close().await;

    let stored = stored_readings(h, station.id, tx)
        .await
        .map_err(|e| format!("[{store}] {identity}: {e}"))?;
    let sent = Sent {
        tx,
        readings,
        same_time: Vec::new(),
    };
    if let Some(problem) = compare(&sent, &stored) {
        return Err(format!("[{store}] {identity}, {problem}"));
    }
    Ok(format!(
        "[{store}] the cut-off MeterValues was answered {waited:?} after it was resent, and \
         stored once"
    ))
}

/// Drops a PostgreSQL test schema without waiting on a store that may be stuck: the drop
/// runs on a connection of its own and gives way (`lock_timeout`) to transactions the CSMS
/// still holds, until they end (the store's pool gives up waiting after its acquire
/// timeout); a schema that cannot be dropped in time is reported and left behind, so that a
/// broken store fails the test rather than hangs it.
async fn drop_schema_when_free(store: &PostgresStore, schema: &str) -> Option<String> {
    let dropped = async {
        let url = std::env::var("DATABASE_URL").map_err(|e| e.to_string())?;
        let mut connection = sqlx::PgConnection::connect(&url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query("SET lock_timeout = '2s'")
            .execute(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
        loop {
            match sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .execute(&mut connection)
                .await
            {
                Ok(_) => break,
                Err(e) if e.to_string().contains("lock timeout") => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        let _ = connection.close().await;
        store.close().await;
        Ok::<_, String>(())
    };
    match tokio::time::timeout(Duration::from_secs(120), dropped).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("[postgres] schema {schema} left behind: {e}")),
        Err(_) => Some(format!(
            "[postgres] schema {schema} left behind: still locked after 120 s"
        )),
    }
}

/// Prints the summaries and fails with every failure, of either store.
fn assert_all_passed(outcomes: [Option<Result<String, String>>; 2]) {
    let mut failures = Vec::new();
    for outcome in outcomes.into_iter().flatten() {
        match outcome {
            Ok(summary) => eprintln!("{summary}"),
            Err(failure) => failures.push(failure),
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_stations_resending_meter_values_are_answered_and_stored_exactly_once() {
    let (on_sqlite, on_postgres) = tokio::join!(
        async {
            let h = sqlite(UnknownStationPolicy::Reject).await;
            write_path_scenario(&h, "sqlite").await
        },
        async {
            let (h, schema) = postgres(UnknownStationPolicy::Reject).await?;
            let outcome = write_path_scenario(&h, "postgres").await;
            if let Some(left) = drop_schema_when_free(&h.store, &schema).await {
                eprintln!("{left}");
            }
            Some(outcome)
        },
    );
    assert_all_passed([Some(on_sqlite), on_postgres]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cut_off_by_a_dropped_connection_is_answered_when_resent_and_stored_once() {
    let (on_sqlite, on_postgres) = tokio::join!(
        async {
            let h = sqlite(UnknownStationPolicy::Reject).await;
            dropped_call_scenario(&h, "sqlite").await
        },
        async {
            let (h, schema) = postgres(UnknownStationPolicy::Reject).await?;
            let outcome = dropped_call_scenario(&h, "postgres").await;
            if let Some(left) = drop_schema_when_free(&h.store, &schema).await {
                eprintln!("{left}");
            }
            Some(outcome)
        },
    );
    assert_all_passed([Some(on_sqlite), on_postgres]);
}
