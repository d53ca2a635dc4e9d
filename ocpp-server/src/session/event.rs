//! What a session hands to the application: events, call outcomes and error replies.

use ocpp_types::decode::DecodeError;
use ocpp_types::validate::{ValidationOptions, Violation};
use ocpp_types::{ErrorCode, OcppCall, OcppMessage};
use serde_json::value::RawValue;

use super::AnyRequest;

/// The handle of one of our outgoing calls, unique within its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub(crate) u64);

impl CallId {
    /// The number, counted from 0 in each session.
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// Something the application must know about, from [`Session::poll_event`](super::Session::poll_event).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// The peer sent a valid CALL: answer it with [`Session::respond`](super::Session::respond).
    Call(IncomingCall),
    /// The peer sent a valid SEND (2.1): never answered.
    Send(IncomingSend),
    /// One of our calls ended; exactly one such event follows every accepted call.
    Outcome {
        /// The call.
        id: CallId,
        /// Its action.
        action: String,
        /// How it ended.
        outcome: CallOutcome,
    },
    /// The peer rejected one of our CALLRESULTs with a CALLRESULTERROR (2.1).
    ResultRejected {
        /// The message id of our CALLRESULT.
        message_id: String,
        /// The error code as written.
        error_code: String,
        /// The description.
        description: String,
        /// The details, a JSON object.
        details: Box<RawValue>,
    },
    /// Something was wrong but the session carries on.
    Warning(Warning),
    /// The session asks the driver to close the connection with this code; the session is
    /// closed and produces nothing more beyond the frames already queued.
    Close(Close),
}

/// A close request: the WebSocket close code and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    /// 1009 (message too big) or 1008 (policy violation: too many malformed frames or
    /// invalid payloads).
    pub code: u16,
    /// A short reason for the close frame.
    pub reason: String,
}

/// A problem that did not stop the session.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Warning {
    /// A CALLRESULT or CALLERROR with an id we are not waiting for; it was dropped.
    UnexpectedAnswer {
        /// The id.
        message_id: String,
        /// Whether the id was that of a call that had timed out.
        late: bool,
    },
    /// A malformed frame; `answered` says whether an error frame was sent back.
    MalformedFrame {
        /// The problem.
        error: ocpp_types::rpc::FrameError,
        /// Whether a CALLERROR (or CALLRESULTERROR) was sent.
        answered: bool,
    },
    /// An incoming CALL was refused with a CALLERROR before reaching the application.
    CallRefused {
        /// The message id.
        message_id: String,
        /// The action.
        action: String,
        /// The error code sent.
        code: ErrorCode,
        /// The description sent.
        description: String,
    },
    /// An incoming SEND was dropped (unknown, not allowed or invalid); SENDs are never answered.
    SendDropped {
        /// The action.
        action: String,
        /// Why.
        reason: String,
    },
    /// A CALL reused the id of an incoming CALL still waiting for its answer; it was dropped.
    DuplicateCall {
        /// The id.
        message_id: String,
    },
}

/// A valid incoming CALL.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingCall {
    /// The message id, to pass to [`Session::respond`](super::Session::respond).
    pub message_id: String,
    /// The decoded request.
    pub request: AnyRequest,
    /// What lenient validation let through.
    pub warnings: Vec<Violation>,
}

/// A valid incoming SEND (2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingSend {
    /// The message id.
    pub message_id: String,
    /// The decoded message.
    pub request: AnyRequest,
    /// What lenient validation let through.
    pub warnings: Vec<Violation>,
}

/// How one of our calls ended.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CallOutcome {
    /// A valid CALLRESULT.
    Result {
        /// The payload as received (decode it with [`CallOutcome::decode`]).
        payload: Box<RawValue>,
        /// What lenient validation let through.
        warnings: Vec<Violation>,
    },
    /// The peer answered with a CALLERROR.
    CallError {
        /// The code, if it is one OCPP defines.
        code: Option<ErrorCode>,
        /// The code as written.
        error_code: String,
        /// The description.
        description: String,
        /// The details, a JSON object.
        details: Box<RawValue>,
    },
    /// No answer within the call timeout.
    Timeout,
    /// The CALLRESULT's payload is not a valid response (in 2.1 a CALLRESULTERROR was sent).
    InvalidResponse(DecodeError),
    /// The session closed before an answer came (or before the call was sent).
    Closed,
}

impl CallOutcome {
    /// The typed response of a call of `C`, decoded leniently from a [`CallOutcome::Result`]
    /// (the session already validated it with its options); `None` for any other outcome or
    /// a payload of another action.
    pub fn decode<C: OcppCall>(&self) -> Option<C::Response> {
        match self {
            CallOutcome::Result { payload, .. } => {
                <C::Response as OcppMessage>::decode(payload.get(), &ValidationOptions::lenient())
                    .ok()
                    .map(|decoded| decoded.value)
            }
            _ => None,
        }
    }
}

/// The error answer to an incoming CALL: [`Session::respond`](super::Session::respond) with
/// `Err(ErrorReply)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorReply {
    /// The code (spelled as the session's version spells it).
    pub code: ErrorCode,
    /// The description.
    pub description: String,
    /// The details, a JSON object (`{}` when `None`).
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ErrorReply {
    /// A reply with `code` and `description`, no details.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> ErrorReply {
        ErrorReply {
            code,
            description: description.into(),
            details: None,
        }
    }

    /// `NotImplemented`.
    pub fn not_implemented(action: &str) -> ErrorReply {
        ErrorReply::new(
            ErrorCode::NotImplemented,
            format!("{action} is not implemented"),
        )
    }

    /// `NotSupported`.
    pub fn not_supported(action: &str) -> ErrorReply {
        ErrorReply::new(
            ErrorCode::NotSupported,
            format!("{action} is not supported"),
        )
    }

    /// `InternalError` with a generic description.
    pub fn internal() -> ErrorReply {
        ErrorReply::new(ErrorCode::InternalError, "internal error")
    }
}
