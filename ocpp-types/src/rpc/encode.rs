//! Writing frames.

use std::io;

use serde::Serialize;
use serde::ser::SerializeMap;

use super::message_id::overlong_id_chars;
use super::{Frame, MessageType};
use crate::{ErrorCode, OcppVersion};

/// The longest error description OCPP 2.x allows (`string[255]`), in characters. The encoder
/// cuts longer descriptions to this length, in every version.
pub const MAX_ERROR_DESCRIPTION_LEN: usize = 255;

/// `description`, cut to [`MAX_ERROR_DESCRIPTION_LEN`] characters.
fn clip(description: &str) -> &str {
    match description.char_indices().nth(MAX_ERROR_DESCRIPTION_LEN) {
        Some((end, _)) => description.get(..end).unwrap_or(description),
        None => description,
    }
}

/// A frame could not be written. Nothing is left in the buffer when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The message id is longer than 36 characters.
    #[error(
        "message id has {chars} characters, more than {}",
        super::MAX_MESSAGE_ID_LEN
    )]
    MessageIdTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// The message type does not exist in the encoder's version (CALLRESULTERROR and SEND
    /// before 2.1).
    #[error("OCPP {version} has no {message_type} frames")]
    UnsupportedMessageType {
        /// The message type.
        message_type: MessageType,
        /// The encoder's version.
        version: OcppVersion,
    },
    /// The payload did not serialize to a JSON object.
    #[error("the payload is not a JSON object")]
    PayloadNotObject,
    /// The error details did not serialize to a JSON object.
    #[error("the error details are not a JSON object")]
    DetailsNotObject,
    /// The payload or details could not be serialized.
    #[error("the payload or details could not be serialized")]
    Serialize(#[from] serde_json::Error),
}

/// A buffer frames can be written to: `Vec<u8>` or `String`.
///
/// Writing appends to what the buffer holds; on error the buffer is left as it was. Reuse one
/// buffer (`clear` it between frames) to avoid an allocation per frame.
pub trait FrameBuffer: sealed::Buffer {}

impl FrameBuffer for Vec<u8> {}

impl FrameBuffer for String {}

mod sealed {
    use super::*;

    /// What the encoder needs of a buffer. Not nameable outside the crate, so
    /// [`FrameBuffer`](super::FrameBuffer) cannot be implemented elsewhere.
    pub trait Buffer {
        /// The current length in bytes.
        fn position(&self) -> usize;
        /// The bytes written so far.
        fn bytes(&self) -> &[u8];
        /// Shortens the buffer to `len` bytes, a length it had before.
        fn truncate_to(&mut self, len: usize);
        /// Appends ASCII punctuation.
        fn push_punctuation(&mut self, text: &'static str);
        /// Appends `value` as compact JSON.
        fn push_json<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()>;
    }

    impl Buffer for Vec<u8> {
        fn position(&self) -> usize {
            self.len()
        }

        fn bytes(&self) -> &[u8] {
            self
        }

        fn truncate_to(&mut self, len: usize) {
            self.truncate(len);
        }

        fn push_punctuation(&mut self, text: &'static str) {
            self.extend_from_slice(text.as_bytes());
        }

        fn push_json<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
            serde_json::to_writer(self, value)
        }
    }

    impl Buffer for String {
        fn position(&self) -> usize {
            self.len()
        }

        fn bytes(&self) -> &[u8] {
            self.as_bytes()
        }

        fn truncate_to(&mut self, len: usize) {
            // Only ever called with an earlier length, a character boundary.
            if self.is_char_boundary(len) {
                self.truncate(len);
            }
        }

        fn push_punctuation(&mut self, text: &'static str) {
            self.push_str(text);
        }

        fn push_json<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
            serde_json::to_writer(StrWriter(self), value)
        }
    }

    /// Lets serde_json write into a `String`. serde_json writes whole UTF-8 fragments
    /// (string pieces split at ASCII escapes, numbers, punctuation, raw values); a fragment
    /// that is not valid UTF-8 is refused with an error rather than written.
    struct StrWriter<'s>(&'s mut String);

    impl io::Write for StrWriter<'_> {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let text = std::str::from_utf8(bytes)
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
            self.0.push_str(text);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}

/// Serializes as an empty JSON object, the default error details.
struct EmptyObject;

impl Serialize for EmptyObject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_map(Some(0))?.end()
    }
}

/// Writes frames for one OCPP version.
///
/// Payloads and error details are anything [`Serialize`]: typed messages, a
/// [`serde_json::Value`], or a [`RawValue`](serde_json::value::RawValue) written as is. They
/// must serialize to JSON objects. Message ids must be at most 36 characters. Error codes are
/// spelled as the version prescribes ([`ErrorCode::wire_name`]); error descriptions are cut to
/// [`MAX_ERROR_DESCRIPTION_LEN`] (255) characters; error details default to `{}`. Each frame
/// can be had as a new `String`, or appended to a reusable [`FrameBuffer`] (`Vec<u8>` or
/// `String`) with the `write_` methods.
///
/// ```
/// use ocpp_types::{ErrorCode, OcppVersion};
/// use ocpp_types::rpc::Encoder;
/// use serde_json::json;
/// use serde_json::value::RawValue;
///
/// let v16 = Encoder::new(OcppVersion::V16);
/// let call = v16.call("1", "Heartbeat", &json!({}))?;
/// assert_eq!(call, r#"[2,"1","Heartbeat",{}]"#);
///
/// let payload = RawValue::from_string(r#"{"currentTime":"2025-01-01T00:00:00Z"}"#.into())?;
/// let result = v16.call_result("1", &payload)?;
/// assert_eq!(result, r#"[3,"1",{"currentTime":"2025-01-01T00:00:00Z"}]"#);
///
/// let error = v16.call_error("2", ErrorCode::FormatViolation, "bad payload")?;
/// assert_eq!(error, r#"[4,"2","FormationViolation","bad payload",{}]"#);
///
/// // Hot path: one buffer, reused.
/// let v21 = Encoder::new(OcppVersion::V21);
/// let mut buffer = Vec::new();
/// v21.write_send(&mut buffer, "3", "NotifyPeriodicEventStream", &json!({"id": 1}))?;
/// assert_eq!(buffer, br#"[6,"3","NotifyPeriodicEventStream",{"id":1}]"#);
/// buffer.clear();
/// v21.write_call_error_with_details(
///     &mut buffer,
///     "4",
///     ErrorCode::FormatViolation,
///     "bad payload",
///     &json!({"field": "id"}),
/// )?;
/// assert_eq!(buffer, br#"[4,"4","FormatViolation","bad payload",{"field":"id"}]"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Encoder {
    version: OcppVersion,
}

impl Encoder {
    /// An encoder for `version`.
    pub const fn new(version: OcppVersion) -> Encoder {
        Encoder { version }
    }

    /// The version frames are written for.
    pub const fn version(&self) -> OcppVersion {
        self.version
    }

    /// A CALL: `[2, "<id>", "<Action>", {payload}]`.
    pub fn call<P: Serialize + ?Sized>(
        &self,
        message_id: &str,
        action: &str,
        payload: &P,
    ) -> Result<String, EncodeError> {
        let mut text = String::new();
        self.write_call(&mut text, message_id, action, payload)?;
        Ok(text)
    }

    /// Appends a CALL to `buffer`.
    pub fn write_call<B: FrameBuffer, P: Serialize + ?Sized>(
        &self,
        buffer: &mut B,
        message_id: &str,
        action: &str,
        payload: &P,
    ) -> Result<(), EncodeError> {
        self.write(buffer, MessageType::Call, message_id, &[action], payload)
    }

    /// A CALLRESULT: `[3, "<id>", {payload}]`.
    pub fn call_result<P: Serialize + ?Sized>(
        &self,
        message_id: &str,
        payload: &P,
    ) -> Result<String, EncodeError> {
        let mut text = String::new();
        self.write_call_result(&mut text, message_id, payload)?;
        Ok(text)
    }

    /// Appends a CALLRESULT to `buffer`.
    pub fn write_call_result<B: FrameBuffer, P: Serialize + ?Sized>(
        &self,
        buffer: &mut B,
        message_id: &str,
        payload: &P,
    ) -> Result<(), EncodeError> {
        self.write(buffer, MessageType::CallResult, message_id, &[], payload)
    }

    /// A CALLERROR with details `{}`: `[4, "<id>", "<code>", "<description>", {}]`.
    pub fn call_error(
        &self,
        message_id: &str,
        code: ErrorCode,
        description: &str,
    ) -> Result<String, EncodeError> {
        self.call_error_with_details(message_id, code, description, &EmptyObject)
    }

    /// A CALLERROR with details: `[4, "<id>", "<code>", "<description>", {details}]`.
    pub fn call_error_with_details<D: Serialize + ?Sized>(
        &self,
        message_id: &str,
        code: ErrorCode,
        description: &str,
        details: &D,
    ) -> Result<String, EncodeError> {
        let mut text = String::new();
        self.write_call_error_with_details(&mut text, message_id, code, description, details)?;
        Ok(text)
    }

    /// Appends a CALLERROR with details `{}` to `buffer`.
    pub fn write_call_error<B: FrameBuffer>(
        &self,
        buffer: &mut B,
        message_id: &str,
        code: ErrorCode,
        description: &str,
    ) -> Result<(), EncodeError> {
        self.write_call_error_with_details(buffer, message_id, code, description, &EmptyObject)
    }

    /// Appends a CALLERROR with details to `buffer`.
    pub fn write_call_error_with_details<B: FrameBuffer, D: Serialize + ?Sized>(
        &self,
        buffer: &mut B,
        message_id: &str,
        code: ErrorCode,
        description: &str,
        details: &D,
    ) -> Result<(), EncodeError> {
        let code = code.wire_name(self.version);
        let strings = [code, clip(description)];
        self.write(
            buffer,
            MessageType::CallError,
            message_id,
            &strings,
            details,
        )
    }

    /// A CALLRESULTERROR (2.1) with details `{}`: `[5, "<id>", "<code>", "<description>", {}]`.
    pub fn call_result_error(
        &self,
        message_id: &str,
        code: ErrorCode,
        description: &str,
    ) -> Result<String, EncodeError> {
        self.call_result_error_with_details(message_id, code, description, &EmptyObject)
    }

    /// A CALLRESULTERROR (2.1) with details.
    pub fn call_result_error_with_details<D: Serialize + ?Sized>(
        &self,
        message_id: &str,
        code: ErrorCode,
        description: &str,
        details: &D,
    ) -> Result<String, EncodeError> {
        let mut text = String::new();
        self.write_call_result_error_with_details(
            &mut text,
            message_id,
            code,
            description,
            details,
        )?;
        Ok(text)
    }

    /// Appends a CALLRESULTERROR (2.1) with details `{}` to `buffer`.
    pub fn write_call_result_error<B: FrameBuffer>(
        &self,
        buffer: &mut B,
        message_id: &str,
        code: ErrorCode,
        description: &str,
    ) -> Result<(), EncodeError> {
        self.write_call_result_error_with_details(
            buffer,
            message_id,
            code,
            description,
            &EmptyObject,
        )
    }

    /// Appends a CALLRESULTERROR (2.1) with details to `buffer`.
    pub fn write_call_result_error_with_details<B: FrameBuffer, D: Serialize + ?Sized>(
        &self,
        buffer: &mut B,
        message_id: &str,
        code: ErrorCode,
        description: &str,
        details: &D,
    ) -> Result<(), EncodeError> {
        let code = code.wire_name(self.version);
        let strings = [code, clip(description)];
        self.write(
            buffer,
            MessageType::CallResultError,
            message_id,
            &strings,
            details,
        )
    }

    /// A SEND (2.1): `[6, "<id>", "<Action>", {payload}]`.
    pub fn send<P: Serialize + ?Sized>(
        &self,
        message_id: &str,
        action: &str,
        payload: &P,
    ) -> Result<String, EncodeError> {
        let mut text = String::new();
        self.write_send(&mut text, message_id, action, payload)?;
        Ok(text)
    }

    /// Appends a SEND (2.1) to `buffer`.
    pub fn write_send<B: FrameBuffer, P: Serialize + ?Sized>(
        &self,
        buffer: &mut B,
        message_id: &str,
        action: &str,
        payload: &P,
    ) -> Result<(), EncodeError> {
        self.write(buffer, MessageType::Send, message_id, &[action], payload)
    }

    /// A frame, parsed or built. The error code of a CALLERROR or CALLRESULTERROR is written
    /// as the frame holds it (its description is cut to 255 characters).
    ///
    /// ```
    /// use ocpp_types::OcppVersion;
    /// use ocpp_types::rpc::{Encoder, Frame, FrameLimits};
    ///
    /// let text = r#" [ 3 , "a\"b" , { "status" : "Accepted" } ] "#;
    /// let frame = Frame::parse(text, OcppVersion::V201, FrameLimits::default())?;
    /// let compact = Encoder::new(OcppVersion::V201).frame(&frame)?;
    /// assert_eq!(compact, r#"[3,"a\"b",{ "status" : "Accepted" }]"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn frame(&self, frame: &Frame<'_>) -> Result<String, EncodeError> {
        let mut text = String::new();
        self.write_frame(&mut text, frame)?;
        Ok(text)
    }

    /// Appends a frame, parsed or built, to `buffer`.
    pub fn write_frame<B: FrameBuffer>(
        &self,
        buffer: &mut B,
        frame: &Frame<'_>,
    ) -> Result<(), EncodeError> {
        let message_type = frame.message_type();
        match frame {
            Frame::Call(call) | Frame::Send(call) => self.write(
                buffer,
                message_type,
                &call.message_id,
                &[&call.action],
                call.payload,
            ),
            Frame::CallResult(result) => self.write(
                buffer,
                message_type,
                &result.message_id,
                &[],
                result.payload,
            ),
            Frame::CallError(error) | Frame::CallResultError(error) => self.write(
                buffer,
                message_type,
                &error.message_id,
                &[&error.error_code, clip(&error.description)],
                error.details,
            ),
        }
    }

    /// Appends `[<type>,"<id>",<strings>...,<object>]`, or nothing on error.
    fn write<B: FrameBuffer, O: Serialize + ?Sized>(
        &self,
        buffer: &mut B,
        message_type: MessageType,
        message_id: &str,
        strings: &[&str],
        object: &O,
    ) -> Result<(), EncodeError> {
        if let Some(chars) = overlong_id_chars(message_id) {
            return Err(EncodeError::MessageIdTooLong { chars });
        }
        if !message_type.exists_in(self.version) {
            return Err(EncodeError::UnsupportedMessageType {
                message_type,
                version: self.version,
            });
        }
        let start = buffer.position();
        let written = write_elements(buffer, message_type, message_id, strings, object);
        if written.is_err() {
            buffer.truncate_to(start);
        }
        written
    }
}

fn write_elements<B: FrameBuffer, O: Serialize + ?Sized>(
    buffer: &mut B,
    message_type: MessageType,
    message_id: &str,
    strings: &[&str],
    object: &O,
) -> Result<(), EncodeError> {
    buffer.push_punctuation(match message_type {
        MessageType::Call => "[2,",
        MessageType::CallResult => "[3,",
        MessageType::CallError => "[4,",
        MessageType::CallResultError => "[5,",
        MessageType::Send => "[6,",
    });
    buffer.push_json(message_id)?;
    for string in strings {
        buffer.push_punctuation(",");
        buffer.push_json(string)?;
    }
    buffer.push_punctuation(",");
    let object_start = buffer.position();
    buffer.push_json(object)?;
    let first = buffer
        .bytes()
        .get(object_start..)
        .and_then(|bytes| bytes.iter().find(|byte| !byte.is_ascii_whitespace()));
    if first != Some(&b'{') {
        return Err(match message_type {
            MessageType::Call | MessageType::CallResult | MessageType::Send => {
                EncodeError::PayloadNotObject
            }
            MessageType::CallError | MessageType::CallResultError => EncodeError::DetailsNotObject,
        });
    }
    buffer.push_punctuation("]");
    Ok(())
}
