//! Parsed frames, which borrow from the text they were read from, and their owned forms.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::MessageType;
use crate::ErrorCode;

/// The limits [`Frame::parse`] enforces before reading a frame.
///
/// ```
/// use ocpp_types::rpc::FrameLimits;
///
/// assert_eq!(FrameLimits::default().max_frame_len, 1024 * 1024);
/// let strict = FrameLimits::new(64 * 1024);
/// assert_eq!(strict.max_frame_len, 65536);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FrameLimits {
    /// The longest frame accepted, in bytes of JSON text (whitespace included). A longer input
    /// is rejected with [`FrameErrorKind::TooLarge`](super::FrameErrorKind::TooLarge) without
    /// being parsed.
    ///
    /// The default, [`FrameLimits::DEFAULT_MAX_FRAME_LEN`] (1 MiB), is far above what OCPP
    /// messages need in practice (the largest, such as certificate chains, local
    /// authorization lists or device model reports, stay in the tens of kilobytes, and 2.x
    /// peers split reports by their `BytesPerMessage` settings), while bounding the memory and
    /// time one frame can cost.
    pub max_frame_len: usize,
}

impl FrameLimits {
    /// The default [`FrameLimits::max_frame_len`]: 1 MiB.
    pub const DEFAULT_MAX_FRAME_LEN: usize = 1024 * 1024;

    /// Limits with the given maximum frame length in bytes.
    pub const fn new(max_frame_len: usize) -> FrameLimits {
        FrameLimits { max_frame_len }
    }
}

impl Default for FrameLimits {
    fn default() -> FrameLimits {
        FrameLimits::new(FrameLimits::DEFAULT_MAX_FRAME_LEN)
    }
}

/// A CALL (`[2, "<id>", "<Action>", {payload}]`) or a SEND (`[6, ...]`, same shape).
///
/// Equality compares the payload's JSON text as written.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// The message id, at most 36 characters.
    pub message_id: Cow<'a, str>,
    /// The action, such as `BootNotification`.
    pub action: Cow<'a, str>,
    /// The payload: a JSON object, as written in the input.
    pub payload: &'a RawValue,
}

/// A CALLRESULT: `[3, "<id>", {payload}]`.
///
/// Equality compares the payload's JSON text as written.
#[derive(Debug, Clone)]
pub struct CallResult<'a> {
    /// The message id of the CALL this answers.
    pub message_id: Cow<'a, str>,
    /// The payload: a JSON object, as written in the input.
    pub payload: &'a RawValue,
}

/// A CALLERROR (`[4, "<id>", "<code>", "<description>", {details}]`) or a CALLRESULTERROR
/// (`[5, ...]`, same shape).
///
/// Equality compares the details' JSON text as written.
#[derive(Debug, Clone)]
pub struct CallError<'a> {
    /// The message id of the CALL (or, for a CALLRESULTERROR, the CALLRESULT) this answers.
    pub message_id: Cow<'a, str>,
    /// The error code as written on the wire, in the spelling of the sender's version.
    pub error_code: Cow<'a, str>,
    /// The error description, possibly empty.
    pub description: Cow<'a, str>,
    /// The error details: a JSON object, as written in the input.
    pub details: &'a RawValue,
}

/// An OCPP-J frame, borrowing from the text it was parsed from.
///
/// Strings are borrowed unless they contain escapes; payloads and error details are always
/// borrowed, unparsed ([`RawValue`]). [`Frame::into_owned`] gives an [`OwnedFrame`] that can
/// outlive the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A CALL, type 2.
    Call(Call<'a>),
    /// A CALLRESULT, type 3.
    CallResult(CallResult<'a>),
    /// A CALLERROR, type 4.
    CallError(CallError<'a>),
    /// A CALLRESULTERROR, type 5 (OCPP 2.1).
    CallResultError(CallError<'a>),
    /// A SEND, type 6 (OCPP 2.1).
    Send(Call<'a>),
}

/// The owned form of [`Call`].
#[derive(Debug, Clone)]
pub struct OwnedCall {
    /// The message id.
    pub message_id: String,
    /// The action.
    pub action: String,
    /// The payload, a JSON object.
    pub payload: Box<RawValue>,
}

/// The owned form of [`CallResult`].
#[derive(Debug, Clone)]
pub struct OwnedCallResult {
    /// The message id.
    pub message_id: String,
    /// The payload, a JSON object.
    pub payload: Box<RawValue>,
}

/// The owned form of [`CallError`].
#[derive(Debug, Clone)]
pub struct OwnedCallError {
    /// The message id.
    pub message_id: String,
    /// The error code as written on the wire.
    pub error_code: String,
    /// The error description.
    pub description: String,
    /// The error details, a JSON object.
    pub details: Box<RawValue>,
}

/// The owned form of [`Frame`], for keeping a frame beyond the input buffer.
///
/// ```
/// use ocpp_types::OcppVersion;
/// use ocpp_types::rpc::{Frame, FrameLimits, OwnedFrame};
///
/// let owned: OwnedFrame = {
///     let text = String::from(r#"[3,"42",{"currentTime":"2025-01-01T00:00:00Z"}]"#);
///     Frame::parse(&text, OcppVersion::V16, FrameLimits::default())?.into_owned()
/// };
/// assert_eq!(owned.as_frame().message_id(), "42");
/// # Ok::<(), ocpp_types::rpc::FrameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedFrame {
    /// A CALL, type 2.
    Call(OwnedCall),
    /// A CALLRESULT, type 3.
    CallResult(OwnedCallResult),
    /// A CALLERROR, type 4.
    CallError(OwnedCallError),
    /// A CALLRESULTERROR, type 5 (OCPP 2.1).
    CallResultError(OwnedCallError),
    /// A SEND, type 6 (OCPP 2.1).
    Send(OwnedCall),
}

impl Call<'_> {
    /// Copies the borrowed parts.
    pub fn into_owned(self) -> OwnedCall {
        OwnedCall {
            message_id: self.message_id.into_owned(),
            action: self.action.into_owned(),
            payload: self.payload.to_owned(),
        }
    }
}

impl CallResult<'_> {
    /// Copies the borrowed parts.
    pub fn into_owned(self) -> OwnedCallResult {
        OwnedCallResult {
            message_id: self.message_id.into_owned(),
            payload: self.payload.to_owned(),
        }
    }
}

impl CallError<'_> {
    /// The error code, if it is one that some OCPP version defines (either spelling).
    pub fn code(&self) -> Option<ErrorCode> {
        ErrorCode::from_wire(&self.error_code)
    }

    /// Copies the borrowed parts.
    pub fn into_owned(self) -> OwnedCallError {
        OwnedCallError {
            message_id: self.message_id.into_owned(),
            error_code: self.error_code.into_owned(),
            description: self.description.into_owned(),
            details: self.details.to_owned(),
        }
    }
}

impl OwnedCall {
    /// A borrowed view.
    pub fn as_call(&self) -> Call<'_> {
        Call {
            message_id: Cow::Borrowed(&self.message_id),
            action: Cow::Borrowed(&self.action),
            payload: &self.payload,
        }
    }
}

impl OwnedCallResult {
    /// A borrowed view.
    pub fn as_call_result(&self) -> CallResult<'_> {
        CallResult {
            message_id: Cow::Borrowed(&self.message_id),
            payload: &self.payload,
        }
    }
}

impl OwnedCallError {
    /// A borrowed view.
    pub fn as_call_error(&self) -> CallError<'_> {
        CallError {
            message_id: Cow::Borrowed(&self.message_id),
            error_code: Cow::Borrowed(&self.error_code),
            description: Cow::Borrowed(&self.description),
            details: &self.details,
        }
    }
}

impl<'a> Frame<'a> {
    /// The frame's message type.
    pub const fn message_type(&self) -> MessageType {
        match self {
            Frame::Call(_) => MessageType::Call,
            Frame::CallResult(_) => MessageType::CallResult,
            Frame::CallError(_) => MessageType::CallError,
            Frame::CallResultError(_) => MessageType::CallResultError,
            Frame::Send(_) => MessageType::Send,
        }
    }

    /// The message id.
    pub fn message_id(&self) -> &str {
        match self {
            Frame::Call(call) | Frame::Send(call) => &call.message_id,
            Frame::CallResult(result) => &result.message_id,
            Frame::CallError(error) | Frame::CallResultError(error) => &error.message_id,
        }
    }

    /// The action of a CALL or SEND.
    pub fn action(&self) -> Option<&str> {
        match self {
            Frame::Call(call) | Frame::Send(call) => Some(&call.action),
            Frame::CallResult(_) | Frame::CallError(_) | Frame::CallResultError(_) => None,
        }
    }

    /// The payload of a CALL, CALLRESULT or SEND.
    pub fn payload(&self) -> Option<&'a RawValue> {
        match self {
            Frame::Call(call) | Frame::Send(call) => Some(call.payload),
            Frame::CallResult(result) => Some(result.payload),
            Frame::CallError(_) | Frame::CallResultError(_) => None,
        }
    }

    /// The error of a CALLERROR or CALLRESULTERROR.
    pub fn error(&self) -> Option<&CallError<'a>> {
        match self {
            Frame::CallError(error) | Frame::CallResultError(error) => Some(error),
            Frame::Call(_) | Frame::CallResult(_) | Frame::Send(_) => None,
        }
    }

    /// Copies the borrowed parts, so the frame can outlive its input.
    pub fn into_owned(self) -> OwnedFrame {
        match self {
            Frame::Call(call) => OwnedFrame::Call(call.into_owned()),
            Frame::CallResult(result) => OwnedFrame::CallResult(result.into_owned()),
            Frame::CallError(error) => OwnedFrame::CallError(error.into_owned()),
            Frame::CallResultError(error) => OwnedFrame::CallResultError(error.into_owned()),
            Frame::Send(call) => OwnedFrame::Send(call.into_owned()),
        }
    }
}

impl OwnedFrame {
    /// A borrowed view, for reading or encoding.
    pub fn as_frame(&self) -> Frame<'_> {
        match self {
            OwnedFrame::Call(call) => Frame::Call(call.as_call()),
            OwnedFrame::CallResult(result) => Frame::CallResult(result.as_call_result()),
            OwnedFrame::CallError(error) => Frame::CallError(error.as_call_error()),
            OwnedFrame::CallResultError(error) => Frame::CallResultError(error.as_call_error()),
            OwnedFrame::Send(call) => Frame::Send(call.as_call()),
        }
    }

    /// The frame's message type.
    pub fn message_type(&self) -> MessageType {
        self.as_frame().message_type()
    }

    /// The message id.
    pub fn message_id(&self) -> &str {
        match self {
            OwnedFrame::Call(call) | OwnedFrame::Send(call) => &call.message_id,
            OwnedFrame::CallResult(result) => &result.message_id,
            OwnedFrame::CallError(error) | OwnedFrame::CallResultError(error) => &error.message_id,
        }
    }
}

impl From<Frame<'_>> for OwnedFrame {
    fn from(frame: Frame<'_>) -> OwnedFrame {
        frame.into_owned()
    }
}

impl PartialEq for Call<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.message_id == other.message_id
            && self.action == other.action
            && self.payload.get() == other.payload.get()
    }
}

impl Eq for Call<'_> {}

impl PartialEq for CallResult<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.message_id == other.message_id && self.payload.get() == other.payload.get()
    }
}

impl Eq for CallResult<'_> {}

impl PartialEq for CallError<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.message_id == other.message_id
            && self.error_code == other.error_code
            && self.description == other.description
            && self.details.get() == other.details.get()
    }
}

impl Eq for CallError<'_> {}

impl PartialEq for OwnedCall {
    fn eq(&self, other: &Self) -> bool {
        self.as_call() == other.as_call()
    }
}

impl Eq for OwnedCall {}

impl PartialEq for OwnedCallResult {
    fn eq(&self, other: &Self) -> bool {
        self.as_call_result() == other.as_call_result()
    }
}

impl Eq for OwnedCallResult {}

impl PartialEq for OwnedCallError {
    fn eq(&self, other: &Self) -> bool {
        self.as_call_error() == other.as_call_error()
    }
}

impl Eq for OwnedCallError {}
