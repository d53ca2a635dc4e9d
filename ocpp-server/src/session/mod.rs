//! The per-connection OCPP-J session: a protocol state machine without I/O.
//!
//! Time is always passed in (`now`), and outputs are pulled:
//!
//! * inputs: [`Session::on_text`] for every text frame received, [`Session::on_timeout`]
//!   when the deadline from [`Session::poll_timeout`] passes, [`Session::on_closed`] when the
//!   connection is gone;
//! * application commands: [`Session::call`] / [`Session::call_typed`],
//!   [`Session::send`] / [`Session::send_typed`] (2.1), [`Session::respond`],
//!   [`Session::close`];
//! * outputs: [`Session::poll_transmit`] (text frames to write, in order),
//!   [`Session::poll_event`] ([`Event`]s for the application), [`Session::poll_timeout`]
//!   (the single next deadline).
//!
//! After any input or command, a driver drains `poll_transmit` and `poll_event` until they
//! return `None`, then resets its one timer to `poll_timeout`. On [`Event::Close`] it closes
//! the WebSocket with the given code.
//!
//! Rules: at most one of our CALLs is in flight; further calls wait in a bounded queue and
//! go out in order. Incoming CALLs are delivered while ours is pending and answered in any
//! order. Every accepted call ends in exactly one [`Event::Outcome`].
//!
//! Incoming CALLs are refused before reaching the application with: `NotImplemented` for an
//! action the version does not know; `NotSupported` for an action the peer's role may not
//! send, or a SEND-only action sent as a CALL; the decoding error's code for an invalid
//! payload; `RpcFrameworkError` when too many incoming calls await their answer. Malformed
//! frames and invalid payloads (of CALLs and SENDs) count against
//! [`SessionConfig::max_bad_frames`]: reaching it closes the session with 1008.
//!
//! Two sessions back to back in memory:
//!
//! ```
//! use std::time::Instant;
//! use ocpp_server::{Event, Role, Session, SessionConfig, CallOutcome};
//! use ocpp_types::{OcppVersion, v16};
//!
//! let now = Instant::now();
//! let mut csms = Session::new(SessionConfig::new(OcppVersion::V16, Role::Csms)).unwrap();
//! let mut station =
//!     Session::new(SessionConfig::new(OcppVersion::V16, Role::ChargingStation)).unwrap();
//!
//! let id = station.call(now, "Heartbeat", &serde_json::json!({})).unwrap();
//! while let Some(frame) = station.poll_transmit() {
//!     csms.on_text(now, &frame);
//! }
//! let Some(Event::Call(call)) = csms.poll_event() else { panic!() };
//! csms.respond(now, &call.message_id, Ok(&serde_json::json!({"currentTime": "2025-01-01T00:00:00Z"})))
//!     .unwrap();
//! while let Some(frame) = csms.poll_transmit() {
//!     station.on_text(now, &frame);
//! }
//! let Some(Event::Outcome { id: done, outcome, .. }) = station.poll_event() else { panic!() };
//! assert_eq!(done, id);
//! let response = outcome.decode::<v16::HeartbeatRequest>().unwrap();
//! assert_eq!(response.current_time.to_rfc3339(), "2025-01-01T00:00:00+00:00");
//! ```

mod any;
mod config;
mod event;
mod incoming;

use std::collections::{HashSet, VecDeque};
use std::time::Instant;

use ocpp_types::rpc::{Encoder, MessageIdGenerator};
use ocpp_types::{ErrorCode, OcppCall, OcppSend, OcppVersion};
use serde::Serialize;

pub(crate) use any::action_name;
pub use any::{AnyRequest, AnyResponse};
pub use config::{Role, SessionConfig};
pub use event::{
    CallId, CallOutcome, Close, ErrorReply, Event, IncomingCall, IncomingSend, Warning,
};

use crate::SessionError;

/// How many ids of timed-out calls are remembered to tell a late answer from an unknown one.
const REMEMBERED_TIMEOUTS: usize = 16;

/// Close code for a frame past the size limit (WebSocket "message too big").
pub const CLOSE_TOO_BIG: u16 = 1009;
/// Close code for a peer that sent too many malformed frames or invalid payloads (WebSocket
/// "policy violation").
pub const CLOSE_POLICY: u16 = 1008;

#[derive(Debug)]
struct Outgoing {
    id: CallId,
    message_id: String,
    action: String,
    text: String,
}

#[derive(Debug)]
struct InFlight {
    call: Outgoing,
    deadline: Instant,
}

/// One OCPP-J connection's protocol state: see the [module documentation](self).
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    encoder: Encoder,
    ids: MessageIdGenerator,
    next_call: u64,
    in_flight: Option<InFlight>,
    queue: VecDeque<Outgoing>,
    timed_out: VecDeque<String>,
    incoming: HashSet<String>,
    transmits: VecDeque<String>,
    events: VecDeque<Event>,
    bad_frames: u32,
    closed: bool,
}

impl Session {
    /// A session with `config`; fails if the version is not enabled by the crate features.
    pub fn new(config: SessionConfig) -> Result<Session, SessionError> {
        any::action_info(config.version, "")?;
        Ok(Session {
            encoder: Encoder::new(config.version),
            config,
            ids: MessageIdGenerator::new(),
            next_call: 0,
            in_flight: None,
            queue: VecDeque::new(),
            timed_out: VecDeque::new(),
            incoming: HashSet::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            bad_frames: 0,
            closed: false,
        })
    }

    /// The settings.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The version.
    pub fn version(&self) -> OcppVersion {
        self.config.version
    }

    /// Whether the session is closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The call in flight, if any.
    pub fn in_flight(&self) -> Option<CallId> {
        self.in_flight.as_ref().map(|f| f.call.id)
    }

    /// How many calls wait behind the one in flight.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    // ---- outputs ----

    /// The next text frame to write.
    pub fn poll_transmit(&mut self) -> Option<String> {
        self.transmits.pop_front()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::on_timeout`] must be called next, if at all.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.in_flight.as_ref().map(|f| f.deadline)
    }

    // ---- commands ----

    /// Sends a CALL of `action` now, or queues it behind the one in flight. The answer comes
    /// as an [`Event::Outcome`] with the returned id.
    pub fn call<P: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        action: &str,
        payload: &P,
    ) -> Result<CallId, SessionError> {
        if self.closed {
            return Err(SessionError::Closed);
        }
        self.check_outgoing(action, false)?;
        if self.in_flight.is_some() && self.queue.len() >= self.config.max_queued_calls {
            return Err(SessionError::QueueFull {
                capacity: self.config.max_queued_calls,
            });
        }
        let message_id = self.ids.next_id();
        let text = self.encoder.call(&message_id, action, payload)?;
        let id = CallId(self.next_call);
        self.next_call += 1;
        self.queue.push_back(Outgoing {
            id,
            message_id,
            action: action.to_owned(),
            text,
        });
        self.send_next(now);
        Ok(id)
    }

    /// [`Session::call`] with a typed request; decode the outcome with
    /// [`CallOutcome::decode::<C>`](CallOutcome::decode).
    pub fn call_typed<C: OcppCall>(
        &mut self,
        now: Instant,
        request: &C,
    ) -> Result<CallId, SessionError> {
        self.check_version(C::VERSION)?;
        self.call(now, C::ACTION, request)
    }

    /// Sends a SEND (2.1) at once, even while a CALL is in flight; nothing answers it.
    pub fn send<P: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        action: &str,
        payload: &P,
    ) -> Result<(), SessionError> {
        let _ = now;
        if self.closed {
            return Err(SessionError::Closed);
        }
        self.check_outgoing(action, true)?;
        let text = self.encoder.send(&self.ids.next_id(), action, payload)?;
        self.transmits.push_back(text);
        Ok(())
    }

    /// [`Session::send`] with a typed message.
    pub fn send_typed<S: OcppSend>(
        &mut self,
        now: Instant,
        message: &S,
    ) -> Result<(), SessionError> {
        self.check_version(S::VERSION)?;
        self.send(now, S::ACTION, message)
    }

    /// Answers the incoming CALL `message_id`: a CALLRESULT with the payload, or a CALLERROR.
    pub fn respond<P: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        message_id: &str,
        reply: Result<&P, ErrorReply>,
    ) -> Result<(), SessionError> {
        let _ = now;
        if self.closed {
            return Err(SessionError::Closed);
        }
        if !self.incoming.contains(message_id) {
            return Err(SessionError::UnknownIncomingCall(message_id.to_owned()));
        }
        let text = match reply {
            Ok(payload) => self.encoder.call_result(message_id, payload)?,
            Err(error) => self.error_text(message_id, &error)?,
        };
        self.incoming.remove(message_id);
        self.transmits.push_back(text);
        Ok(())
    }

    /// Closes the session from our side: every call in flight or queued ends with
    /// [`CallOutcome::Closed`]. The driver closes the connection itself.
    pub fn close(&mut self, now: Instant) {
        self.on_closed(now);
    }

    // ---- inputs ----

    /// The connection is gone: every call in flight or queued ends with
    /// [`CallOutcome::Closed`], and commands are refused from now on.
    pub fn on_closed(&mut self, now: Instant) {
        let _ = now;
        self.closed = true;
        self.incoming.clear();
        if let Some(flight) = self.in_flight.take() {
            self.outcome(flight.call, CallOutcome::Closed);
        }
        while let Some(call) = self.queue.pop_front() {
            self.outcome(call, CallOutcome::Closed);
        }
    }

    /// The deadline from [`Session::poll_timeout`] may have passed.
    pub fn on_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        let expired = matches!(&self.in_flight, Some(flight) if flight.deadline <= now);
        if !expired {
            return;
        }
        if let Some(flight) = self.in_flight.take() {
            if self.timed_out.len() == REMEMBERED_TIMEOUTS {
                self.timed_out.pop_front();
            }
            self.timed_out.push_back(flight.call.message_id.clone());
            self.outcome(flight.call, CallOutcome::Timeout);
        }
        self.send_next(now);
    }

    // ---- internals ----

    fn check_version(&self, version: OcppVersion) -> Result<(), SessionError> {
        if version == self.config.version {
            Ok(())
        } else {
            Err(SessionError::WrongVersion {
                session: self.config.version,
                message: version,
            })
        }
    }

    fn check_outgoing(&self, action: &str, is_send: bool) -> Result<(), SessionError> {
        let version = self.config.version;
        let info =
            any::action_info(version, action)?.ok_or_else(|| SessionError::UnknownAction {
                action: action.to_owned(),
                version,
            })?;
        if info.has_response == is_send {
            return Err(SessionError::WrongMessageKind {
                action: action.to_owned(),
                is_send: !info.has_response,
            });
        }
        if !self.config.role.may_send(info.sender) {
            return Err(SessionError::NotAllowedForRole {
                action: action.to_owned(),
                role: self.config.role,
            });
        }
        Ok(())
    }

    fn send_next(&mut self, now: Instant) {
        if self.in_flight.is_some() || self.closed {
            return;
        }
        if let Some(call) = self.queue.pop_front() {
            self.transmits.push_back(call.text.clone());
            self.in_flight = Some(InFlight {
                call,
                deadline: now + self.config.call_timeout,
            });
        }
    }

    fn outcome(&mut self, call: Outgoing, outcome: CallOutcome) {
        self.events.push_back(Event::Outcome {
            id: call.id,
            action: call.action,
            outcome,
        });
    }

    fn close_with(&mut self, now: Instant, code: u16, reason: String) {
        self.on_closed(now);
        self.events.push_back(Event::Close(Close { code, reason }));
    }

    fn error_text(&self, message_id: &str, error: &ErrorReply) -> Result<String, SessionError> {
        Ok(match &error.details {
            Some(details) => self.encoder.call_error_with_details(
                message_id,
                error.code,
                &error.description,
                details,
            )?,
            None => self
                .encoder
                .call_error(message_id, error.code, &error.description)?,
        })
    }

    fn refuse(&mut self, message_id: &str, action: &str, code: ErrorCode, description: String) {
        let reply = ErrorReply::new(code, description.clone());
        // The id was checked by the parser and the details are empty: cannot fail.
        if let Ok(text) = self.error_text(message_id, &reply) {
            self.transmits.push_back(text);
        }
        self.events.push_back(Event::Warning(Warning::CallRefused {
            message_id: message_id.to_owned(),
            action: action.to_owned(),
            code,
            description,
        }));
    }
}
