//! What the load examples (`ocpp_load`, `csms_load`) share: simulated stations over
//! WebSocket with one call in flight, the closed loop that drives them, latency percentiles,
//! servers in child processes, and what `/proc` tells of those processes.
//!
//! Each example includes it with `#[path = "support/load.rs"] mod load;`. Cargo takes only
//! files directly in `examples/` (and directories with a `main.rs`) for examples, so this
//! file is no example of its own.

// Each example uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Any error, sendable between tasks.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a call waits for its answer before it counts as a timeout (and how long a
/// connection may take to open).
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A simulated station: its WebSocket connection and the id of its next call.
pub(crate) struct Station {
    /// The connection.
    ws: WebSocketStream<TcpStream>,
    /// The message id of the next CALL (a counter).
    next_id: u64,
}

/// What a call got back.
pub(crate) enum Reply {
    /// A CALLRESULT: the whole frame.
    Result(Utf8Bytes),
    /// A CALLERROR: the whole frame.
    Error(Utf8Bytes),
    /// No answer within the timeout.
    Timeout,
}

impl Reply {
    /// The payload of a CALLRESULT as JSON; `None` for anything else or a frame that does
    /// not parse.
    pub(crate) fn payload(&self) -> Option<serde_json::Value> {
        let Reply::Result(text) = self else {
            return None;
        };
        let mut frame: serde_json::Value = serde_json::from_str(text.as_str()).ok()?;
        Some(frame.get_mut(2)?.take())
    }

    /// A short description, for reports.
    pub(crate) fn describe(&self) -> String {
        match self {
            Reply::Result(text) => format!("CALLRESULT {}", shorten(text.as_str(), 200)),
            Reply::Error(text) => format!("CALLERROR {}", shorten(text.as_str(), 200)),
            Reply::Timeout => format!("no answer in {} s", CALL_TIMEOUT.as_secs()),
        }
    }
}

/// `text` cut to at most `max` bytes (at a character boundary), with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The message type and id of an OCPP-J frame (`[2,"id",...`), read without parsing the
/// rest of it.
fn frame_head(text: &str) -> Option<(u8, &str)> {
    let rest = text.trim_start().strip_prefix('[')?.trim_start();
    let kind = match rest.as_bytes().first()? {
        b'2' => 2,
        b'3' => 3,
        b'4' => 4,
        _ => return None,
    };
    let rest = rest[1..].trim_start().strip_prefix(',')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    Some((kind, &rest[..end]))
}

impl Station {
    /// Connects to `ws://ENDPOINT/IDENTITY` (`ENDPOINT` is `ADDR/PATH`, such as
    /// `127.0.0.1:9000/ocpp`) offering the subprotocol `protocol` (`ocpp1.6`, `ocpp2.0.1`),
    /// with Nagle's algorithm off; gives up after [`CALL_TIMEOUT`].
    pub(crate) async fn connect(
        endpoint: &str,
        identity: &str,
        protocol: &'static str,
    ) -> Result<Station, BoxError> {
        let addr = endpoint.split_once('/').map_or(endpoint, |(addr, _)| addr);
        let mut request = format!("ws://{endpoint}/{identity}").into_client_request()?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(protocol));
        let connect = async {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (ws, _) = tokio_tungstenite::client_async(request, stream).await?;
            Ok::<_, BoxError>(ws)
        };
        let ws = tokio::time::timeout(CALL_TIMEOUT, connect)
            .await
            .map_err(|_| format!("{identity}: no connection in {} s", CALL_TIMEOUT.as_secs()))??;
        Ok(Station { ws, next_id: 1 })
    }

    /// Sends the CALL `[2,"<id>","<action>",<payload>]` and waits at most `timeout` for its
    /// answer. Answers to earlier calls (that timed out) are skipped; a CALL of the server
    /// is refused with a CALLERROR `NotImplemented`. An error is the connection failing.
    pub(crate) async fn call(
        &mut self,
        action: &str,
        payload: &str,
        timeout: Duration,
    ) -> Result<Reply, BoxError> {
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.ws
            .send(Message::text(format!(r#"[2,"{id}","{action}",{payload}]"#)))
            .await?;
        let ws = &mut self.ws;
        let answer = async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(text))) => match frame_head(text.as_str()) {
                        Some((3, answered)) if answered == id => return Ok(Reply::Result(text)),
                        Some((4, answered)) if answered == id => return Ok(Reply::Error(text)),
                        Some((2, call)) => {
                            let refusal = format!(r#"[4,"{call}","NotImplemented","",{{}}]"#);
                            ws.send(Message::text(refusal)).await?;
                        }
                        _ => continue,
                    },
                    Some(Ok(Message::Close(_))) | None => {
                        return Err("the server closed the connection".into());
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(error)) => return Err(error.into()),
                }
            }
        };
        match tokio::time::timeout(timeout, answer).await {
            Ok(answer) => answer,
            Err(_) => Ok(Reply::Timeout),
        }
    }

    /// Waits until the server closes the connection or it fails, answering the server's
    /// CALLs with a CALLERROR `NotImplemented` meanwhile (and its pings, as tungstenite does).
    pub(crate) async fn closed(&mut self) {
        while let Some(Ok(message)) = self.ws.next().await {
            match message {
                Message::Close(_) => break,
                Message::Text(text) => {
                    if let Some((2, call)) = frame_head(text.as_str()) {
                        let refusal = format!(r#"[4,"{call}","NotImplemented","",{{}}]"#);
                        if self.ws.send(Message::text(refusal)).await.is_err() {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Closes the connection (waiting at most 5 s for the close to go out).
    pub(crate) async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.ws.close(None)).await;
    }
}

/// When a closed loop sends, and which of its answers it measures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// No new call after this.
    pub(crate) stop_sending: Instant,
    /// Answers from this instant on are measured...
    pub(crate) measure_from: Instant,
    /// ...up to this one.
    pub(crate) measure_until: Instant,
    /// How long a call waits for its answer.
    pub(crate) timeout: Duration,
}

impl Window {
    /// Sends until `stop_sending` and measures every answer.
    pub(crate) fn whole(stop_sending: Instant) -> Window {
        let now = Instant::now();
        Window {
            stop_sending,
            measure_from: now,
            measure_until: stop_sending.max(now) + Duration::from_secs(3600),
            timeout: CALL_TIMEOUT,
        }
    }
}

/// One message of a closed loop.
pub(crate) struct Outgoing {
    /// The action (`MeterValues`).
    pub(crate) action: &'static str,
    /// The payload, a JSON object.
    pub(crate) payload: String,
    /// Which distinct message this is: a number that grows by one with each new message and
    /// stays the same for a resend of the previous one.
    pub(crate) distinct: u64,
}

/// What the closed loop of one station counted.
#[derive(Debug, Default)]
pub(crate) struct LoopStats {
    /// The latencies of the calls answered with a CALLRESULT inside the measured window.
    pub(crate) latencies: Vec<Duration>,
    /// Calls sent.
    pub(crate) sent: u64,
    /// Calls answered with a CALLRESULT, measured or not.
    pub(crate) acknowledged: u64,
    /// Calls answered with a CALLERROR.
    pub(crate) call_errors: u64,
    /// Calls without an answer in time.
    pub(crate) timeouts: u64,
    /// Distinct messages sent (a resend counts once).
    pub(crate) distinct_sent: u64,
    /// Distinct messages with at least one CALLRESULT.
    pub(crate) distinct_acknowledged: u64,
    /// The first CALLERROR, for the report.
    pub(crate) first_call_error: Option<String>,
    /// Why the loop ended early: the connection failed.
    pub(crate) failure: Option<String>,
}

/// Sends what `next` makes, one call in flight, until `window.stop_sending` (or the
/// connection fails), and counts the answers.
pub(crate) async fn closed_loop(
    station: &mut Station,
    window: Window,
    mut next: impl FnMut() -> Outgoing,
) -> LoopStats {
    let mut stats = LoopStats::default();
    let (mut last_sent, mut last_acknowledged) = (0u64, 0u64);
    while Instant::now() < window.stop_sending {
        let message = next();
        if message.distinct > last_sent {
            stats.distinct_sent += 1;
            last_sent = message.distinct;
        }
        stats.sent += 1;
        let sent = Instant::now();
        match station
            .call(message.action, &message.payload, window.timeout)
            .await
        {
            Ok(Reply::Result(_)) => {
                let answered = Instant::now();
                stats.acknowledged += 1;
                if message.distinct > last_acknowledged {
                    stats.distinct_acknowledged += 1;
                    last_acknowledged = message.distinct;
                }
                if (window.measure_from..=window.measure_until).contains(&answered) {
                    stats.latencies.push(answered - sent);
                }
            }
            Ok(reply @ Reply::Error(_)) => {
                stats.call_errors += 1;
                stats
                    .first_call_error
                    .get_or_insert_with(|| reply.describe());
            }
            Ok(Reply::Timeout) => stats.timeouts += 1,
            Err(error) => {
                stats.failure = Some(error.to_string());
                break;
            }
        }
    }
    stats
}

/// The `p` quantile (0 to 1) of `sorted` latencies; zero when there are none.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// A server in a child process, killed when dropped.
pub(crate) struct ServerProcess {
    /// The process.
    child: Child,
    /// The line it printed when it was ready.
    pub(crate) ready: String,
}

impl ServerProcess {
    /// Starts `command` with its standard output piped and waits (at most `timeout`) for a
    /// line that `is_ready` accepts. Its later output is read and dropped.
    pub(crate) fn start(
        mut command: Command,
        is_ready: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> Result<ServerProcess, BoxError> {
        let mut child = command.stdout(Stdio::piped()).spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut server = ServerProcess {
            child,
            ready: String::new(),
        };
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Once the server is ready nobody listens: the rest is drained.
                let _ = sender.send(line);
            }
        });
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if is_ready(&line) => {
                    server.ready = line;
                    return Ok(server);
                }
                Ok(_) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(
                        format!("the server was not ready in {} s", timeout.as_secs()).into(),
                    );
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = server.child.wait()?;
                    return Err(format!("the server exited before it was ready ({status})").into());
                }
            }
        }
    }

    /// The process id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Asks the server to stop (SIGINT, as Ctrl-C) and waits at most `grace` for it, then
    /// kills it. Returns whether it stopped on its own.
    pub(crate) fn stop(mut self, grace: Duration) -> bool {
        let asked = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + grace;
        while asked && Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` field of `/proc/<pid>/status` (such as `VmRSS:` or `VmHWM:`), in KiB.
pub(crate) fn status_kib(pid: u32, field: &str) -> Result<u64, BoxError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .ok_or_else(|| format!("no {field} in /proc/{pid}/status"))?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or_else(|| format!("bad {field}"))?
        .parse()?)
}

/// The resident memory of process `pid` (`VmRSS`), in KiB.
pub(crate) fn rss_kib(pid: u32) -> Result<u64, BoxError> {
    status_kib(pid, "VmRSS:")
}

/// The CPU time process `pid` has used so far, user and system (`utime + stime` of
/// `/proc/<pid>/stat`), in seconds.
pub(crate) fn cpu_seconds(pid: u32) -> Result<f64, BoxError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name, in parentheses, may hold spaces: count fields after it.
    let (_, after_name) = stat.rsplit_once(')').ok_or("bad /proc stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the line; the name is field 2, so after it they are the 12th
    // and 13th.
    let ticks = |index: usize| -> Result<u64, BoxError> {
        Ok(fields.get(index).ok_or("short /proc stat")?.parse()?)
    };
    Ok((ticks(11)? + ticks(12)?) as f64 / clock_ticks_per_second())
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`; 100 if that fails).
pub(crate) fn clock_ticks_per_second() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|ticks: &f64| *ticks > 0.0)
            .unwrap_or(100.0)
    })
}
