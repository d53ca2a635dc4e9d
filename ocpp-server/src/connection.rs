//! The task that drives one WebSocket connection: a thin loop around [`Session`].
//!
//! It feeds the session what the socket delivers, what the application instructions (through
//! [`StationHandle`]s) and the time; it writes the session's frames, starts a task per
//! incoming CALL for its handler, hands results back to waiting callers, keeps the peer
//! alive with pings, and closes as the session asks. Both the server and the charge-point
//! client run it.
//!
//! A handler that panics does not take the connection down: the panic is caught and logged
//! with its cause (`tracing::error!`), a CALL is answered with `InternalError` (a code of
//! every OCPP version) and its slot freed, and the connection goes on.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures_util::{FutureExt, SinkExt, StreamExt};
use ocpp_types::OcppVersion;
use ocpp_types::rpc::FrameLimits;
use serde_json::value::RawValue;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tracing::{debug, error, info, warn};

use crate::deflate;
use crate::metrics;
use crate::router::{Context, Router};
use crate::session::{
    CLOSE_TOO_BIG, CallId, CallOutcome, ErrorReply, Event, IncomingCall, IncomingSend, Session,
    Warning,
};
use crate::station::{CallFailure, CallReply, Instruction, StationHandle};
use crate::storage::Storage;

/// Close code for a server going down (WebSocket "going away").
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// How a connection keeps its peer alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Send a WebSocket ping after this long without hearing from the peer (`None`: never).
    pub ping_interval: Option<Duration>,
    /// With pings on, drop the connection after this long without hearing anything (ping
    /// answers included).
    pub dead_after: Duration,
}

impl Default for Keepalive {
    /// A ping after 60 s of silence, dead after 150 s.
    fn default() -> Keepalive {
        Keepalive {
            ping_interval: Some(Duration::from_secs(60)),
            dead_after: Duration::from_secs(150),
        }
    }
}

/// The WebSocket settings for frames up to `limits`: larger messages are refused by the
/// WebSocket layer before they are buffered.
pub(crate) fn websocket_config(limits: FrameLimits, read_buffer: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(read_buffer)
        .max_message_size(Some(limits.max_frame_len))
        .max_frame_size(Some(limits.max_frame_len))
}

/// The end of the connection, kept for the caller's logs.
#[derive(Debug)]
pub(crate) enum Ended {
    /// The peer closed, or the socket failed.
    Peer,
    /// We closed with this code.
    Closed(u16),
    /// Nothing came from the peer for too long.
    Dead,
    /// A write did not complete in time: the peer stopped reading.
    WriteTimeout,
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ended::Peer => f.write_str("closed by the peer"),
            Ended::Closed(code) => write!(f, "closed by us with {code}"),
            Ended::Dead => f.write_str("peer silent for too long"),
            Ended::WriteTimeout => f.write_str("peer not reading (write timed out)"),
        }
    }
}

/// What a connection needs besides its socket and session.
pub(crate) struct Peer {
    pub(crate) handle: StationHandle,
    pub(crate) instructions: mpsc::Receiver<Box<Instruction>>,
    pub(crate) router: Arc<Router>,
    pub(crate) storage: Option<Arc<dyn Storage>>,
    pub(crate) keepalive: Keepalive,
    pub(crate) shutdown: watch::Receiver<bool>,
    pub(crate) grace: Duration,
    /// How long a write (a batch of frames, a ping, a close frame) may take.
    pub(crate) write_timeout: Duration,
}

struct Pending {
    reply: oneshot::Sender<CallReply>,
    action: &'static str,
    sent: Instant,
}

struct Driver<S> {
    ws: WebSocketStream<S>,
    session: Session,
    version: OcppVersion,
    handle: StationHandle,
    router: Arc<Router>,
    storage: Option<Arc<dyn Storage>>,
    pending: HashMap<CallId, Pending>,
    handlers: usize,
    /// SEND handlers still running.
    sends: Arc<AtomicUsize>,
    close: Option<(u16, String)>,
    last_heard: Instant,
    last_recorded: Instant,
}

/// How long the loop sleeps when nothing is due (it wakes earlier for any input).
const IDLE_WAKE: Duration = Duration::from_secs(3600);

/// How often "last seen" is written to the storage at most.
const SEEN_EVERY: Duration = Duration::from_secs(60);

/// How long the answer to a peer's Close frame may take to write.
const CLOSE_REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// Drives the connection until it ends.
pub(crate) async fn run<S>(ws: WebSocketStream<S>, session: Session, peer: Peer) -> Ended
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Peer {
        handle,
        mut instructions,
        router,
        storage,
        keepalive,
        mut shutdown,
        grace,
        write_timeout,
    } = peer;
    let now = Instant::now();
    let mut driver = Driver {
        ws,
        version: session.version(),
        session,
        handle,
        router,
        storage,
        pending: HashMap::new(),
        handlers: 0,
        sends: Arc::new(AtomicUsize::new(0)),
        close: None,
        last_heard: now,
        last_recorded: now,
    };
    let mut drain_until: Option<Instant> = None;
    let mut pinged = false;
    loop {
        match timeout(write_timeout, driver.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                debug!(%error, "write failed");
                break driver.end(Ended::Peer);
            }
            Err(_) => {
                info!("write timed out: the peer does not read");
                break driver.end(Ended::WriteTimeout);
            }
        }
        if let Some((code, reason)) = driver.close.take() {
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            };
            let _ = timeout(write_timeout, driver.ws.close(Some(frame))).await;
            break driver.end(Ended::Closed(code));
        }
        if let Some(deadline) = drain_until {
            let idle = driver.session.in_flight().is_none()
                && driver.session.queued() == 0
                && driver.handlers == 0;
            if idle || Instant::now() >= deadline {
                driver.close = Some((CLOSE_GOING_AWAY, "shutting down".to_owned()));
                continue;
            }
        }
        let ping_at = keepalive
            .ping_interval
            .filter(|_| !pinged)
            .map(|interval| driver.last_heard + interval);
        // Without our pings, silence proves nothing: the peer may just have nothing to say.
        let dead_at = keepalive
            .ping_interval
            .map(|_| driver.last_heard + keepalive.dead_after);
        let wake = [
            driver.session.poll_timeout().map(Instant::from_std),
            ping_at,
            dead_at,
            drain_until,
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or_else(|| Instant::now() + IDLE_WAKE);
        tokio::select! {
            message = driver.ws.next() => {
                driver.last_heard = Instant::now();
                pinged = false;
                match message {
                    Some(Ok(message)) => {
                        if !driver.on_message(message) {
                            // The peer closed. Reading its Close frame queued ours (RFC 6455
                            // 5.5.1): it goes out before the connection ends.
                            let wait = CLOSE_REPLY_TIMEOUT.min(write_timeout);
                            let _ = timeout(wait, driver.ws.flush()).await;
                            break driver.end(Ended::Peer);
                        }
                    }
                    Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                        warn!(size, max_size, "frame over the limit");
                        metrics::bad_frame(driver.version);
                        driver.session.close(Instant::now().into_std());
                        driver.close = Some((CLOSE_TOO_BIG, "frame over the size limit".to_owned()));
                        driver.handle_events();
                    }
                    // permessage-deflate refused the peer's frames (a message inflating
                    // past the limit, bad compressed data): close with the matching code.
                    Some(Err(WsError::Io(error))) if deflate::Error::from_io(&error).is_some() => {
                        let code = deflate::Error::from_io(&error).map_or(1002, |e| e.close_code());
                        warn!(%error, "compressed frames refused");
                        metrics::bad_frame(driver.version);
                        driver.session.close(Instant::now().into_std());
                        driver.close = Some((code, error.to_string()));
                        driver.handle_events();
                    }
                    Some(Err(error)) => {
                        debug!(%error, "read failed");
                        break driver.end(Ended::Peer);
                    }
                    None => break driver.end(Ended::Peer),
                }
            }
            Some(instruction) = instructions.recv() => driver.on_instruction(*instruction),
            changed = shutdown.changed(), if drain_until.is_none() => {
                if changed.is_err() || *shutdown.borrow() {
                    drain_until = Some(Instant::now() + grace);
                }
            }
            () = sleep_until(wake) => {
                let now = Instant::now();
                if dead_at.is_some_and(|at| now >= at) {
                    info!("no sign of life from the peer");
                    break driver.end(Ended::Dead);
                }
                if ping_at.is_some_and(|at| now >= at) {
                    pinged = true;
                    let ping = driver.ws.send(Message::Ping(Default::default()));
                    match timeout(write_timeout, ping).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => break driver.end(Ended::Peer),
                        Err(_) => {
                            info!("ping not written in time: the peer does not read");
                            break driver.end(Ended::WriteTimeout);
                        }
                    }
                }
                driver.session.on_timeout(now.into_std());
                driver.handle_events();
            }
        }
    }
}

impl<S> Driver<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Writes every frame the session has, then flushes once.
    async fn flush(&mut self) -> Result<(), WsError> {
        let mut wrote = false;
        while let Some(text) = self.session.poll_transmit() {
            self.ws.feed(Message::text(text)).await?;
            wrote = true;
        }
        if wrote {
            self.ws.flush().await?;
        }
        Ok(())
    }

    /// Returns `false` when the peer closed.
    fn on_message(&mut self, message: Message) -> bool {
        let now = Instant::now().into_std();
        match message {
            Message::Text(text) => self.session.on_text(now, text.as_str()),
            // OCPP-J uses text frames; a binary frame holding UTF-8 is read as text.
            Message::Binary(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text) => {
                    warn!("binary frame read as text");
                    self.session.on_text(now, text);
                }
                Err(_) => {
                    warn!("binary frame that is not UTF-8, ignored");
                    metrics::bad_frame(self.version);
                }
            },
            Message::Close(_) => return false,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
        self.record_seen();
        self.handle_events();
        true
    }

    fn on_instruction(&mut self, instruction: Instruction) {
        let now = Instant::now();
        match instruction {
            Instruction::Call {
                action,
                payload,
                reply,
            } => match self.session.call(now.into_std(), action, &*payload) {
                Ok(id) => {
                    self.pending.insert(
                        id,
                        Pending {
                            reply,
                            action,
                            sent: now,
                        },
                    );
                }
                Err(error) => {
                    let _ = reply.send(Err(CallFailure::Refused(error)));
                }
            },
            Instruction::Send { action, payload } => {
                match self.session.send(now.into_std(), action, &*payload) {
                    Ok(()) => metrics::message(self.version, action, "out", "send"),
                    Err(error) => warn!(action, %error, "SEND refused"),
                }
            }
            Instruction::Respond { message_id, reply } => {
                self.handlers = self.handlers.saturating_sub(1);
                let reply = reply.as_deref().map_err(|error| (**error).clone());
                if let Err(error) = self.session.respond(now.into_std(), &message_id, reply) {
                    warn!(message_id, %error, "answer not sent");
                }
            }
            Instruction::Close { code, reason } => {
                self.session.close(now.into_std());
                self.close = Some((code, reason));
            }
        }
        self.handle_events();
    }

    fn handle_events(&mut self) {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::Call(call) => self.on_call(call),
                Event::Send(send) => self.on_send(send),
                Event::Outcome { id, outcome, .. } => self.on_outcome(id, outcome),
                Event::ResultRejected {
                    message_id,
                    error_code,
                    description,
                    ..
                } => warn!(
                    message_id,
                    error_code, description, "peer rejected our CALLRESULT"
                ),
                Event::Warning(warning) => self.on_warning(warning),
                Event::Close(close) => {
                    warn!(code = close.code, reason = close.reason, "closing");
                    self.close = Some((close.code, close.reason));
                }
            }
        }
    }

    fn on_call(&mut self, call: IncomingCall) {
        let IncomingCall {
            message_id,
            request,
            warnings,
        } = call;
        let action = request.action();
        debug!(message_id, action, "CALL");
        let Some(handler) = self.router.call_handler(self.version, action) else {
            metrics::message(self.version, action, "in", "refused");
            let reply = ErrorReply::not_implemented(action);
            let _ = self.session.respond::<RawValue>(
                Instant::now().into_std(),
                &message_id,
                Err(reply),
            );
            return;
        };
        let ctx = Context::new(self.handle.clone(), warnings);
        let mut answer = contained_call(handler(ctx, request.into_any()), action);
        // Most handlers answer without waiting: answer those in this turn of the loop, and
        // give a task only to a handler that has to wait (for the storage, or for a call to
        // the station).
        if let Some(reply) = answer.as_mut().now_or_never() {
            metrics::message(self.version, action, "in", outcome(&reply));
            let reply = reply.as_deref().map_err(Clone::clone);
            if let Err(error) = self
                .session
                .respond(Instant::now().into_std(), &message_id, reply)
            {
                warn!(message_id, %error, "answer not sent");
            }
            return;
        }
        self.handlers += 1;
        let handle = self.handle.clone();
        let version = self.version;
        tokio::spawn(async move {
            let reply = answer.await;
            metrics::message(version, action, "in", outcome(&reply));
            handle.respond(message_id, reply.map_err(Box::new)).await;
        });
    }

    fn on_send(&mut self, send: IncomingSend) {
        let action = send.request.action();
        metrics::message(self.version, action, "in", "send");
        let Some(handler) = self.router.send_handler(self.version, action) else {
            return;
        };
        let ctx = Context::new(self.handle.clone(), send.warnings);
        let mut handled = contained_send(handler(ctx, send.request.into_any()), action);
        if handled.as_mut().now_or_never().is_some() {
            return;
        }
        // Nothing answers a SEND, so nothing slows a peer down: handlers that wait are as
        // many as incoming calls may be, and further SENDs are dropped meanwhile.
        let waiting = Arc::clone(&self.sends);
        if waiting.load(Ordering::Relaxed) >= self.session.config().max_pending_incoming {
            warn!(action, "SEND dropped: too many SEND handlers waiting");
            return;
        }
        waiting.fetch_add(1, Ordering::Relaxed);
        let counted = Waiting(waiting);
        tokio::spawn(async move {
            handled.await;
            drop(counted);
        });
    }

    fn on_outcome(&mut self, id: CallId, outcome: CallOutcome) {
        let Some(pending) = self.pending.remove(&id) else {
            return;
        };
        let (label, reply) = match outcome {
            CallOutcome::Result { payload, .. } => ("ok", Ok(payload)),
            CallOutcome::CallError {
                code,
                error_code,
                description,
                details,
            } => (
                "error",
                Err(CallFailure::CallError {
                    code,
                    error_code,
                    description,
                    details,
                }),
            ),
            CallOutcome::Timeout => ("timeout", Err(CallFailure::Timeout)),
            CallOutcome::InvalidResponse(error) => {
                ("invalid", Err(CallFailure::InvalidResponse(error)))
            }
            _ => ("closed", Err(CallFailure::NotConnected)),
        };
        metrics::message(self.version, pending.action, "out", label);
        if label != "closed" {
            metrics::call_duration(self.version, pending.action, pending.sent.elapsed());
        }
        let _ = pending.reply.send(reply);
    }

    fn on_warning(&mut self, warning: Warning) {
        match warning {
            Warning::MalformedFrame { error, answered } => {
                metrics::bad_frame(self.version);
                warn!(%error, answered, "malformed frame");
            }
            Warning::CallRefused {
                message_id,
                action,
                code,
                description,
            } => {
                let action: &str = &action;
                metrics::message(self.version, refused_action(action), "in", "refused");
                warn!(
                    message_id,
                    action,
                    code = code.as_str(),
                    description,
                    "CALL refused"
                );
            }
            other => warn!(?other, "protocol warning"),
        }
    }

    fn record_seen(&mut self) {
        let now = Instant::now();
        if now.duration_since(self.last_recorded) < SEEN_EVERY {
            return;
        }
        self.last_recorded = now;
        if let Some(storage) = self.storage.clone() {
            let address = self.handle.address().clone();
            tokio::spawn(async move {
                if let Err(error) = storage.record_seen(&address, Utc::now()).await {
                    warn!(%error, "last seen not recorded");
                }
            });
        }
    }

    /// Ends every waiting call and returns `ended`.
    fn end(&mut self, ended: Ended) -> Ended {
        self.session.on_closed(Instant::now().into_std());
        self.handle_events();
        ended
    }
}

/// A boxed future, as the router's handlers return.
type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The future of a CALL handler, with a panic turned into an `InternalError` answer (logged
/// with its cause): the call is answered, its slot freed, and the connection goes on.
fn contained_call(
    answer: Boxed<Result<Box<RawValue>, ErrorReply>>,
    action: &'static str,
) -> Boxed<Result<Box<RawValue>, ErrorReply>> {
    Box::pin(AssertUnwindSafe(answer).catch_unwind().map(move |answer| {
        answer.unwrap_or_else(|panic| {
            error!(
                action,
                cause = panic_cause(&*panic),
                "CALL handler panicked"
            );
            Err(ErrorReply::internal())
        })
    }))
}

/// The future of a SEND handler, with a panic logged with its cause instead of unwinding.
fn contained_send(handled: Boxed<()>, action: &'static str) -> Boxed<()> {
    Box::pin(
        AssertUnwindSafe(handled)
            .catch_unwind()
            .map(move |handled| {
                if let Err(panic) = handled {
                    error!(
                        action,
                        cause = panic_cause(&*panic),
                        "SEND handler panicked"
                    );
                }
            }),
    )
}

/// The message a panic carried (`panic!("...")` gives a `&str` or a `String`).
fn panic_cause(panic: &(dyn Any + Send)) -> &str {
    if let Some(text) = panic.downcast_ref::<&'static str>() {
        text
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text
    } else {
        "a panic without a message"
    }
}

/// A running SEND handler, uncounted when it ends (even by a panic).
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn outcome<T>(reply: &Result<T, ErrorReply>) -> &'static str {
    if reply.is_ok() { "ok" } else { "error" }
}

/// A label for a refused action: the version's own name when it has one, so that a peer
/// cannot grow the metric's label set with invented names.
fn refused_action(action: &str) -> &'static str {
    OcppVersion::ALL
        .iter()
        .find_map(|version| crate::session::action_name(*version, action))
        .unwrap_or("unknown")
}

impl StationHandle {
    pub(crate) async fn respond(
        &self,
        message_id: String,
        reply: Result<Box<RawValue>, Box<ErrorReply>>,
    ) {
        let _ = self
            .instructions()
            .send(Box::new(Instruction::Respond { message_id, reply }))
            .await;
    }
}
