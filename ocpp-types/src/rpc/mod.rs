//! OCPP-J RPC frames: CALL, CALLRESULT, CALLERROR, and 2.1's CALLRESULTERROR and SEND.
//!
//! | Type | Frame | Versions |
//! |------|-------|----------|
//! | 2 CALL | `[2, "<id>", "<Action>", {payload}]` | all |
//! | 3 CALLRESULT | `[3, "<id>", {payload}]` | all |
//! | 4 CALLERROR | `[4, "<id>", "<code>", "<description>", {details}]` | all |
//! | 5 CALLRESULTERROR | `[5, "<id>", "<code>", "<description>", {details}]` | 2.1 |
//! | 6 SEND | `[6, "<id>", "<Action>", {payload}]` (no response) | 2.1 |
//!
//! Message ids are strings of at most [`MAX_MESSAGE_ID_LEN`] (36) characters.
//!
//! # Reading
//!
//! [`Frame::parse`] reads one frame, borrowing from the input: the payload (or error details)
//! is a [`RawValue`](serde_json::value::RawValue) pointing into the input, checked for JSON
//! syntax but neither parsed into a value nor copied, ready to be deserialized into the message
//! type its action calls for. Ids, actions, error codes and descriptions are borrowed unless
//! they contain escapes. [`Frame::into_owned`] gives an [`OwnedFrame`] that outlives the input.
//!
//! Inputs longer than [`FrameLimits::max_frame_len`] (1 MiB by default) are rejected before
//! they are parsed. The checks run in this order, and the first failing one is reported:
//! size, JSON syntax, array, message type, number of elements, message id, then the other
//! elements in array order. The message type and id are recovered whenever they could be read
//! (the id even when a later element, the element count or the JSON syntax after it is wrong),
//! so the sender can be answered.
//!
//! # Error codes
//!
//! Each [`FrameErrorKind`] calls for one [`ErrorCode`](crate::ErrorCode)
//! ([`FrameErrorKind::error_code`]), spelled per version by
//! [`ErrorCode::wire_name`](crate::ErrorCode::wire_name):
//!
//! | [`FrameErrorKind`] | Problem | [`ErrorCode`](crate::ErrorCode) (2.x name) | 1.6 name |
//! |---|---|---|---|
//! | `NotJson` | not valid JSON | `RpcFrameworkError` | `FormationViolation` |
//! | `NotArray` | JSON, but not an array | `RpcFrameworkError` | `FormationViolation` |
//! | `EmptyArray` | no message type | `RpcFrameworkError` | `FormationViolation` |
//! | `MessageTypeNotNumber` | message type not a number | `RpcFrameworkError` | `FormationViolation` |
//! | `WrongLength` | element count wrong for the type | `RpcFrameworkError` | `FormationViolation` |
//! | `MessageIdNotString` | id not a string | `RpcFrameworkError` | `FormationViolation` |
//! | `MessageIdTooLong` | id over 36 characters | `RpcFrameworkError` | `FormationViolation` |
//! | `UnknownMessageType` | type not 2 to 6 | `MessageTypeNotSupported` | `FormationViolation` |
//! | `UnsupportedMessageType` | type 5 or 6 before 2.1 | `MessageTypeNotSupported` | `FormationViolation` |
//! | `ActionNotString` | action not a string | `FormatViolation` | `FormationViolation` |
//! | `PayloadNotObject` | payload not an object | `FormatViolation` | `FormationViolation` |
//! | `ErrorCodeNotString` | error code not a string | `FormatViolation` | `FormationViolation` |
//! | `DescriptionNotString` | description not a string | `FormatViolation` | `FormationViolation` |
//! | `DetailsNotObject` | details not an object | `FormatViolation` | `FormationViolation` |
//! | `TooLarge` | over the size limit | `FormatViolation` | `FormationViolation` |
//!
//! The reasoning: when the RPC envelope itself cannot be read (it is not a JSON array, or its
//! message type, element count or id is wrong), the message is not a valid RPC request, which
//! 2.x calls `RpcFrameworkError`. A message type number the receiver does not have is
//! `MessageTypeNotSupported`. When the envelope is sound but an element inside it has the
//! wrong JSON type, the message is syntactically incorrect for its kind: `FormatViolation`.
//! A frame over the size limit may be perfectly formed; it is refused for its content's size,
//! as 2.x refuses requests larger than the receiver's `BytesPerMessage` settings, with
//! `FormatViolation`. 1.6 has one code for all of these, `FormationViolation`.
//!
//! # Answering a malformed frame
//!
//! [`FrameError::answer`] gives the frame to send back, or `None` when none must be sent
//! ([`FrameError::error_answer`] gives the same decision as data):
//!
//! 1. A malformed CALLERROR, CALLRESULTERROR or SEND is never answered.
//! 2. A malformed CALLRESULT is not answered with a CALLERROR. In 2.1, if its id was
//!    recovered, it is answered with a CALLRESULTERROR `[5, "<id>", "<code>", ...]`; otherwise
//!    (and always in 1.6 and 2.0.1) it is not answered.
//! 3. A message whose type number the version does not have (`UnknownMessageType`,
//!    `UnsupportedMessageType`) is ignored, not answered: every version says that a message
//!    with a Message Type Number not in its list SHALL be ignored (OCPP-J 4.1.3, and 2.1's
//!    extension fallback mechanism, 4.4). The same holds for a frame too large to parse whose
//!    first bytes show such a type number. The error still names `MessageTypeNotSupported`,
//!    for logs and for callers that choose to answer anyway.
//! 4. A malformed CALL, and a frame too broken to tell its type (not JSON, not an array, empty,
//!    message type not a number, or too large with no readable type), which may have been a
//!    CALL, are answered with a CALLERROR with the recovered id and the problem's code. When
//!    the id could not be recovered, 2.x answers with id `"-1"` and `RpcFrameworkError`, as
//!    OCPP-J 2.x prescribes (4.2.3); 1.6 cannot answer a CALL without its id: no answer.
//!
//! The answer's description is the problem in words ([`FrameErrorKind`]'s `Display`), its
//! details `{}`.
//!
//! # Writing
//!
//! [`Encoder`] writes every frame type for a version, from typed payloads (anything
//! [`Serialize`](serde::Serialize)) or raw ones, to a new `String` or appended to a reusable
//! [`FrameBuffer`] (`Vec<u8>` or `String`). [`MessageIdGenerator`] makes unique message ids.
//!
//! ```
//! use ocpp_types::{ErrorCode, OcppVersion};
//! use ocpp_types::rpc::{Encoder, Frame, FrameLimits, MessageIdGenerator};
//! use serde_json::json;
//!
//! let version = OcppVersion::V201;
//! let encoder = Encoder::new(version);
//! let ids = MessageIdGenerator::new();
//! let id = ids.next_id();
//! let text = encoder.call(&id, "Heartbeat", &json!({}))?;
//!
//! match Frame::parse(&text, version, FrameLimits::default()) {
//!     Ok(Frame::Call(call)) => {
//!         assert_eq!(call.action, "Heartbeat");
//!         let answer = encoder.call_error(&call.message_id, ErrorCode::NotImplemented, "")?;
//!         assert!(answer.starts_with("[4,"));
//!     }
//!     Ok(_) => unreachable!("a CALL was written"),
//!     Err(error) => {
//!         if let Some(answer) = error.answer() {
//!             // send `answer` back
//!             # drop(answer);
//!         }
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod encode;
mod error;
mod frame;
mod message_id;
mod message_type;
mod parse;

pub use encode::{EncodeError, Encoder, FrameBuffer, MAX_ERROR_DESCRIPTION_LEN};
pub use error::{ErrorAnswer, FrameError, FrameErrorKind, UNKNOWN_MESSAGE_ID};
pub use frame::{
    Call, CallError, CallResult, Frame, FrameLimits, OwnedCall, OwnedCallError, OwnedCallResult,
    OwnedFrame,
};
pub use message_id::{MAX_MESSAGE_ID_LEN, MessageIdGenerator, is_valid_message_id};
pub use message_type::MessageType;

use crate::OcppVersion;
