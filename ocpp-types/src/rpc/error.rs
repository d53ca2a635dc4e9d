//! Why a frame could not be read, the error code that calls for, and the frame to answer with.

use std::fmt;

use super::{Encoder, MessageType};
use crate::{ErrorCode, OcppVersion};

/// The message id OCPP-J 2.x prescribes for a CALLERROR answering a CALL whose id could not
/// be read.
pub const UNKNOWN_MESSAGE_ID: &str = "-1";

/// What was wrong with a frame. See the [module documentation](super) for the error code each
/// kind calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameErrorKind {
    /// The input is longer than [`FrameLimits::max_frame_len`](super::FrameLimits).
    TooLarge {
        /// The input length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The input is not valid JSON (a syntax error, truncated input, characters after the
    /// JSON value, or a number beyond the range of a 64-bit float).
    NotJson {
        /// The line of the error, from 1.
        line: usize,
        /// The column of the error, from 1 (0 when the input ended).
        column: usize,
    },
    /// The input is JSON, but not an array.
    NotArray,
    /// The array is empty: it has no message type.
    EmptyArray,
    /// The first element, the message type, is not a number.
    MessageTypeNotNumber,
    /// The message type is a number that no OCPP version uses.
    UnknownMessageType,
    /// The message type exists in OCPP, but not in the version the frame was read for
    /// (CALLRESULTERROR and SEND before 2.1).
    UnsupportedMessageType(MessageType),
    /// The array does not have the number of elements its message type calls for.
    WrongLength {
        /// The message type read from the frame.
        message_type: MessageType,
        /// The number of elements found, the message type included.
        found: usize,
    },
    /// The second element, the message id, is not a string.
    MessageIdNotString,
    /// The message id is longer than 36 characters.
    MessageIdTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// The action of a CALL or SEND is not a string.
    ActionNotString,
    /// The payload of a CALL, CALLRESULT or SEND is not a JSON object.
    PayloadNotObject,
    /// The error code of a CALLERROR or CALLRESULTERROR is not a string.
    ErrorCodeNotString,
    /// The error description of a CALLERROR or CALLRESULTERROR is not a string.
    DescriptionNotString,
    /// The error details of a CALLERROR or CALLRESULTERROR are not a JSON object.
    DetailsNotObject,
}

impl FrameErrorKind {
    /// The error code this problem calls for (spell it with [`ErrorCode::wire_name`]).
    ///
    /// The frame envelope (JSON array, message type, element count, message id) failing is an
    /// `RpcFrameworkError`; a message type the receiver does not have is
    /// `MessageTypeNotSupported`; an element of a readable envelope having the wrong JSON type,
    /// or the frame being too large, is a `FormatViolation`.
    pub const fn error_code(self) -> ErrorCode {
        match self {
            FrameErrorKind::NotJson { .. }
            | FrameErrorKind::NotArray
            | FrameErrorKind::EmptyArray
            | FrameErrorKind::MessageTypeNotNumber
            | FrameErrorKind::WrongLength { .. }
            | FrameErrorKind::MessageIdNotString
            | FrameErrorKind::MessageIdTooLong { .. } => ErrorCode::RpcFrameworkError,
            FrameErrorKind::UnknownMessageType | FrameErrorKind::UnsupportedMessageType(_) => {
                ErrorCode::MessageTypeNotSupported
            }
            FrameErrorKind::TooLarge { .. }
            | FrameErrorKind::ActionNotString
            | FrameErrorKind::PayloadNotObject
            | FrameErrorKind::ErrorCodeNotString
            | FrameErrorKind::DescriptionNotString
            | FrameErrorKind::DetailsNotObject => ErrorCode::FormatViolation,
        }
    }
}

impl fmt::Display for FrameErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameErrorKind::TooLarge { len, max } => {
                write!(f, "frame of {len} bytes exceeds the limit of {max} bytes")
            }
            FrameErrorKind::NotJson { line, column } => {
                write!(f, "not valid JSON (line {line}, column {column})")
            }
            FrameErrorKind::NotArray => f.write_str("not a JSON array"),
            FrameErrorKind::EmptyArray => f.write_str("empty array, no message type"),
            FrameErrorKind::MessageTypeNotNumber => f.write_str("message type is not a number"),
            FrameErrorKind::UnknownMessageType => f.write_str("unknown message type"),
            FrameErrorKind::UnsupportedMessageType(message_type) => write!(
                f,
                "message type {} ({message_type}) is not supported in this OCPP version",
                message_type.number()
            ),
            FrameErrorKind::WrongLength {
                message_type,
                found,
            } => write!(
                f,
                "a {message_type} frame has {} elements, not {found}",
                message_type.element_count()
            ),
            FrameErrorKind::MessageIdNotString => f.write_str("message id is not a string"),
            FrameErrorKind::MessageIdTooLong { chars } => write!(
                f,
                "message id has {chars} characters, more than {}",
                super::MAX_MESSAGE_ID_LEN
            ),
            FrameErrorKind::ActionNotString => f.write_str("action is not a string"),
            FrameErrorKind::PayloadNotObject => f.write_str("payload is not a JSON object"),
            FrameErrorKind::ErrorCodeNotString => f.write_str("error code is not a string"),
            FrameErrorKind::DescriptionNotString => {
                f.write_str("error description is not a string")
            }
            FrameErrorKind::DetailsNotObject => f.write_str("error details are not a JSON object"),
        }
    }
}

/// A frame that could not be read, with what could be recovered of it.
///
/// ```
/// use ocpp_types::{ErrorCode, OcppVersion};
/// use ocpp_types::rpc::{Frame, FrameErrorKind, FrameLimits, MessageType};
///
/// let error = Frame::parse(r#"[2, "17", 5, {}]"#, OcppVersion::V16, FrameLimits::default())
///     .unwrap_err();
/// assert_eq!(error.kind(), FrameErrorKind::ActionNotString);
/// assert_eq!(error.message_type(), Some(MessageType::Call));
/// assert_eq!(error.message_id(), Some("17"));
/// assert_eq!(error.error_code(), ErrorCode::FormatViolation);
/// assert_eq!(error.wire_code(), "FormationViolation");
/// assert_eq!(
///     error.answer().as_deref(),
///     Some(r#"[4,"17","FormationViolation","action is not a string",{}]"#)
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed OCPP {version} frame: {kind}")]
pub struct FrameError {
    kind: FrameErrorKind,
    version: OcppVersion,
    message_type: Option<MessageType>,
    message_id: Option<String>,
    /// A message type number the version does not have was read (also in the first bytes of a
    /// frame too large to parse).
    foreign_type: bool,
}

/// The frame that answers a malformed one: see [`FrameError::error_answer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorAnswer<'e> {
    /// [`MessageType::CallError`], or [`MessageType::CallResultError`] for a CALLRESULT (2.1).
    pub message_type: MessageType,
    /// The message id to answer with: the malformed frame's, or [`UNKNOWN_MESSAGE_ID`].
    pub message_id: &'e str,
    /// The error code.
    pub error_code: ErrorCode,
}

impl FrameError {
    pub(crate) fn new(
        kind: FrameErrorKind,
        version: OcppVersion,
        message_type: Option<MessageType>,
        message_id: Option<String>,
        foreign_type: bool,
    ) -> FrameError {
        FrameError {
            kind,
            version,
            message_type,
            message_id,
            foreign_type,
        }
    }

    /// What was wrong.
    pub const fn kind(&self) -> FrameErrorKind {
        self.kind
    }

    /// The version the frame was read for.
    pub const fn version(&self) -> OcppVersion {
        self.version
    }

    /// The message type, if it was read and exists in the version.
    pub const fn message_type(&self) -> Option<MessageType> {
        self.message_type
    }

    /// The message id, if it was read: a string of at most 36 characters in the second element
    /// of an array, whatever else was wrong.
    pub fn message_id(&self) -> Option<&str> {
        self.message_id.as_deref()
    }

    /// The error code the problem calls for ([`FrameErrorKind::error_code`]).
    pub const fn error_code(&self) -> ErrorCode {
        self.kind.error_code()
    }

    /// The error code as the version spells it (1.6 has `FormationViolation` for
    /// `FormatViolation`, `MessageTypeNotSupported` and `RpcFrameworkError`).
    pub const fn wire_code(&self) -> &'static str {
        self.kind.error_code().wire_name(self.version)
    }

    /// Which frame must be sent back, if any, following the rules in the
    /// [module documentation](super).
    pub fn error_answer(&self) -> Option<ErrorAnswer<'_>> {
        let is_2x = self.version.is_2x();
        let call_error = |message_id, error_code| {
            Some(ErrorAnswer {
                message_type: MessageType::CallError,
                message_id,
                error_code,
            })
        };
        match (self.kind, self.message_type) {
            // Every version: "When a system receives a message with a Message Type Number
            // not in this list, it SHALL ignore the message payload" (OCPP-J 4.1.3; 2.1 calls
            // it the extension fallback mechanism, 4.4). Answering could confuse a peer
            // speaking a later version. This holds for a frame too large to parse whose first
            // bytes show such a type number, too.
            _ if self.foreign_type => None,
            // A CALL, or a frame too broken to tell, which may have been a CALL.
            (_, Some(MessageType::Call) | None) => match self.message_id() {
                Some(message_id) => call_error(message_id, self.error_code()),
                None if is_2x => call_error(UNKNOWN_MESSAGE_ID, ErrorCode::RpcFrameworkError),
                None => None,
            },
            (_, Some(MessageType::CallResult)) => match (self.version, self.message_id()) {
                (OcppVersion::V21, Some(message_id)) => Some(ErrorAnswer {
                    message_type: MessageType::CallResultError,
                    message_id,
                    error_code: self.error_code(),
                }),
                _ => None,
            },
            (
                _,
                Some(MessageType::CallError | MessageType::CallResultError | MessageType::Send),
            ) => None,
        }
    }

    /// The text of the CALLERROR (or, for a CALLRESULT in 2.1, CALLRESULTERROR) to send back,
    /// or `None` when nothing must be sent. The description is this error's
    /// [`kind`](FrameError::kind), the details `{}`. See the [module documentation](super) for
    /// the rules.
    pub fn answer(&self) -> Option<String> {
        let answer = self.error_answer()?;
        let encoder = Encoder::new(self.version);
        let description = self.kind.to_string();
        let text = if answer.message_type == MessageType::CallResultError {
            encoder.call_result_error(answer.message_id, answer.error_code, &description)
        } else {
            encoder.call_error(answer.message_id, answer.error_code, &description)
        };
        // Cannot fail: the id was checked when read, the message type exists in the version
        // and the details are `{}`.
        text.ok()
    }
}
