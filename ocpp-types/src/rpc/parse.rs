//! Reading frames: one pass of a serde visitor over the top-level array.
//!
//! The visitor accepts any JSON value in every position and records what it found, so that
//! a frame of the wrong shape is told apart from text that is not JSON, and so that the
//! message type and id read before a problem are known when the error is reported (they are
//! written to a [`Progress`] as soon as they are read, which survives a JSON syntax error
//! further on). Payloads and error details are captured as borrowed [`RawValue`]s: checked
//! for JSON syntax, never parsed into values or copied.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::message_id::overlong_id_chars;
use super::{Call, CallError, CallResult, Frame, FrameError, FrameErrorKind, FrameLimits};
use super::{MessageType, OcppVersion};

/// How many bytes of an over-long input are read to recover its message type and id.
///
/// 256 bytes hold the type, any id of at most 36 characters and some whitespace.
const HEAD_LEN: usize = 256;

impl<'a> Frame<'a> {
    /// Reads one OCPP-J frame of `version` from `input`, the text of a WebSocket message.
    ///
    /// Whitespace around the JSON is accepted. Message types 5 (CALLRESULTERROR) and 6 (SEND)
    /// are only accepted in OCPP 2.1. An input longer than `limits.max_frame_len` bytes is
    /// rejected without being parsed; only its first bytes are read, to recover the message
    /// type and id for the answer.
    ///
    /// The payload (or error details) is borrowed from `input` without being parsed into a
    /// value; strings are borrowed unless they contain escapes. On error, the
    /// [`FrameError`] tells what was wrong, which [`ErrorCode`](crate::ErrorCode) it
    /// calls for and, through [`FrameError::answer`], which frame to send back (see the
    /// [module documentation](super) for the rules).
    ///
    /// ```
    /// use ocpp_types::OcppVersion;
    /// use ocpp_types::rpc::{Frame, FrameLimits};
    ///
    /// let text = r#"[2, "19223201", "BootNotification", {"reason": "PowerUp"}]"#;
    /// let Frame::Call(call) = Frame::parse(text, OcppVersion::V201, FrameLimits::default())?
    /// else {
    ///     panic!("a CALL");
    /// };
    /// assert_eq!(call.message_id, "19223201");
    /// assert_eq!(call.action, "BootNotification");
    /// assert_eq!(call.payload.get(), r#"{"reason": "PowerUp"}"#);
    ///
    /// // A CALL whose payload is not an object is answered with a CALLERROR.
    /// let text = r#"[2,"7","Heartbeat",[]]"#;
    /// let error = Frame::parse(text, OcppVersion::V201, FrameLimits::default()).unwrap_err();
    /// assert_eq!(error.message_id(), Some("7"));
    /// assert_eq!(
    ///     error.answer().as_deref(),
    ///     Some(r#"[4,"7","FormatViolation","payload is not a JSON object",{}]"#)
    /// );
    /// # Ok::<(), ocpp_types::rpc::FrameError>(())
    /// ```
    pub fn parse(
        input: &'a str,
        version: OcppVersion,
        limits: FrameLimits,
    ) -> Result<Frame<'a>, FrameError> {
        let mut progress = Progress::default();
        if input.len() > limits.max_frame_len {
            let head = input.as_bytes().get(..HEAD_LEN).unwrap_or(input.as_bytes());
            let mut deserializer = serde_json::Deserializer::from_slice(head);
            // The head is usually cut short, so the outcome is an error or a frame that is
            // not used either way: only the type and id written to `progress` matter.
            let _ = FrameSeed::new(version, &mut progress).deserialize(&mut deserializer);
            let kind = FrameErrorKind::TooLarge {
                len: input.len(),
                max: limits.max_frame_len,
            };
            return Err(progress.into_error(kind, version));
        }
        if !input
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with('[')
        {
            let kind = match serde_json::from_str::<IgnoredAny>(input) {
                Ok(IgnoredAny) => FrameErrorKind::NotArray,
                Err(error) => not_json(&error),
            };
            return Err(progress.into_error(kind, version));
        }
        let mut deserializer = serde_json::Deserializer::from_str(input);
        let outcome = FrameSeed::new(version, &mut progress)
            .deserialize(&mut deserializer)
            .and_then(|outcome| deserializer.end().map(|()| outcome));
        match outcome {
            Ok(Ok(frame)) => Ok(frame),
            Ok(Err(kind)) => Err(progress.into_error(kind, version)),
            Err(error) => Err(progress.into_error(not_json(&error), version)),
        }
    }
}

fn not_json(error: &serde_json::Error) -> FrameErrorKind {
    FrameErrorKind::NotJson {
        line: error.line(),
        column: error.column(),
    }
}

/// What was learned of a frame before reading stopped.
#[derive(Default)]
struct Progress<'a> {
    /// The message type, once read and known to exist in the version.
    message_type: Option<MessageType>,
    /// The message id, once read as a string of at most 36 characters.
    message_id: Option<Cow<'a, str>>,
    /// Whether a message type number the version does not have was read.
    foreign_type: bool,
}

impl Progress<'_> {
    fn into_error(self, kind: FrameErrorKind, version: OcppVersion) -> FrameError {
        FrameError::new(
            kind,
            version,
            self.message_type,
            self.message_id.map(Cow::into_owned),
            self.foreign_type,
        )
    }
}

/// Reads the top-level array.
struct FrameSeed<'p, 'a> {
    version: OcppVersion,
    progress: &'p mut Progress<'a>,
}

impl<'p, 'a> FrameSeed<'p, 'a> {
    fn new(version: OcppVersion, progress: &'p mut Progress<'a>) -> FrameSeed<'p, 'a> {
        FrameSeed { version, progress }
    }
}

impl<'de> DeserializeSeed<'de> for FrameSeed<'_, 'de> {
    type Value = Result<Frame<'de>, FrameErrorKind>;

    fn deserialize<D>(self, deserializer: D) -> Result<Self::Value, D::Error>
    where
        D: de::Deserializer<'de>,
    {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FrameSeed<'_, 'de> {
    type Value = Result<Frame<'de>, FrameErrorKind>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an OCPP-J frame (a JSON array)")
    }

    fn visit_seq<A>(self, seq: A) -> Result<Self::Value, A::Error>
    where
        A: SeqAccess<'de>,
    {
        let mut elements = Elements {
            seq,
            count: 0,
            ended: false,
        };
        let outcome = read_frame(&mut elements, self.version, self.progress)?;
        // The rest of the array must still be valid JSON, and is counted.
        elements.drain()?;
        Ok(outcome)
    }
}

/// The elements of the array, counted as they are read.
struct Elements<A> {
    seq: A,
    count: usize,
    ended: bool,
}

impl<'de, A: SeqAccess<'de>> Elements<A> {
    fn next_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        if self.ended {
            return Ok(None);
        }
        let element = self.seq.next_element_seed(seed)?;
        match element {
            Some(_) => self.count += 1,
            None => self.ended = true,
        }
        Ok(element)
    }

    fn next_element(&mut self) -> Result<Option<Element<'de>>, A::Error> {
        self.next_seed(ElementSeed)
    }

    fn next_raw(&mut self) -> Result<Option<&'de RawValue>, A::Error> {
        self.next_seed(PhantomData::<&'de RawValue>)
    }

    fn drain(&mut self) -> Result<(), A::Error> {
        while self.next_seed(PhantomData::<IgnoredAny>)?.is_some() {}
        Ok(())
    }
}

/// Reads the elements and checks them, in this order: message type, number of elements,
/// message id, then the other elements in array order. The first problem is reported.
fn read_frame<'de, A: SeqAccess<'de>>(
    elements: &mut Elements<A>,
    version: OcppVersion,
    progress: &mut Progress<'de>,
) -> Result<Result<Frame<'de>, FrameErrorKind>, A::Error> {
    let message_type = match elements.next_element()? {
        None => return Ok(Err(FrameErrorKind::EmptyArray)),
        Some(Element::Integer(number)) => match MessageType::from_number(number) {
            Some(message_type) if message_type.exists_in(version) => Ok(message_type),
            Some(message_type) => Err(FrameErrorKind::UnsupportedMessageType(message_type)),
            None => Err(FrameErrorKind::UnknownMessageType),
        },
        Some(Element::OtherNumber) => Err(FrameErrorKind::UnknownMessageType),
        Some(Element::Str(_) | Element::Other) => Err(FrameErrorKind::MessageTypeNotNumber),
    };
    match message_type {
        Ok(message_type) => progress.message_type = Some(message_type),
        Err(FrameErrorKind::UnknownMessageType | FrameErrorKind::UnsupportedMessageType(_)) => {
            progress.foreign_type = true;
        }
        Err(_) => {}
    }

    // The id is read (and recorded) whatever the message type, so that it is known if the
    // frame must be answered.
    let message_id = elements.next_element()?.map(|element| match element {
        Element::Str(id) => match overlong_id_chars(&id) {
            None => {
                progress.message_id = Some(id.clone());
                Ok(id)
            }
            Some(chars) => Err(FrameErrorKind::MessageIdTooLong { chars }),
        },
        Element::Integer(_) | Element::OtherNumber | Element::Other => {
            Err(FrameErrorKind::MessageIdNotString)
        }
    });

    let message_type = match message_type {
        Ok(message_type) => message_type,
        Err(kind) => return Ok(Err(kind)),
    };
    let body = read_body(elements, message_type)?;
    elements.drain()?;
    let wrong_length = FrameErrorKind::WrongLength {
        message_type,
        found: elements.count,
    };
    if elements.count != message_type.element_count() {
        return Ok(Err(wrong_length));
    }
    let (Some(message_id), Some(body)) = (message_id, body) else {
        // Missing elements; the count above already tells, this only satisfies the types.
        return Ok(Err(wrong_length));
    };
    Ok(message_id.and_then(|message_id| Ok(body?.into_frame(message_type, message_id))))
}

/// The elements after the message id, checked.
enum Body<'de> {
    /// Action and payload of a CALL or SEND.
    Call(Cow<'de, str>, &'de RawValue),
    /// Payload of a CALLRESULT.
    CallResult(&'de RawValue),
    /// Code, description and details of a CALLERROR or CALLRESULTERROR.
    CallError(Cow<'de, str>, Cow<'de, str>, &'de RawValue),
}

impl<'de> Body<'de> {
    fn into_frame(self, message_type: MessageType, message_id: Cow<'de, str>) -> Frame<'de> {
        match self {
            Body::Call(action, payload) => {
                let call = Call {
                    message_id,
                    action,
                    payload,
                };
                if message_type == MessageType::Send {
                    Frame::Send(call)
                } else {
                    Frame::Call(call)
                }
            }
            Body::CallResult(payload) => Frame::CallResult(CallResult {
                message_id,
                payload,
            }),
            Body::CallError(error_code, description, details) => {
                let error = CallError {
                    message_id,
                    error_code,
                    description,
                    details,
                };
                if message_type == MessageType::CallResultError {
                    Frame::CallResultError(error)
                } else {
                    Frame::CallError(error)
                }
            }
        }
    }
}

/// Reads the elements after the id for `message_type`; `None` if the array ends before.
fn read_body<'de, A: SeqAccess<'de>>(
    elements: &mut Elements<A>,
    message_type: MessageType,
) -> Result<Option<Result<Body<'de>, FrameErrorKind>>, A::Error> {
    Ok(match message_type {
        MessageType::Call | MessageType::Send => {
            let Some(action) = elements.next_element()? else {
                return Ok(None);
            };
            let Some(payload) = elements.next_raw()? else {
                return Ok(None);
            };
            Some(
                string(action, FrameErrorKind::ActionNotString).and_then(|action| {
                    let payload = object(payload, FrameErrorKind::PayloadNotObject)?;
                    Ok(Body::Call(action, payload))
                }),
            )
        }
        MessageType::CallResult => {
            let Some(payload) = elements.next_raw()? else {
                return Ok(None);
            };
            Some(object(payload, FrameErrorKind::PayloadNotObject).map(Body::CallResult))
        }
        MessageType::CallError | MessageType::CallResultError => {
            let Some(code) = elements.next_element()? else {
                return Ok(None);
            };
            let Some(description) = elements.next_element()? else {
                return Ok(None);
            };
            let Some(details) = elements.next_raw()? else {
                return Ok(None);
            };
            Some((|| {
                let code = string(code, FrameErrorKind::ErrorCodeNotString)?;
                let description = string(description, FrameErrorKind::DescriptionNotString)?;
                let details = object(details, FrameErrorKind::DetailsNotObject)?;
                Ok(Body::CallError(code, description, details))
            })())
        }
    })
}

fn string(element: Element<'_>, kind: FrameErrorKind) -> Result<Cow<'_, str>, FrameErrorKind> {
    match element {
        Element::Str(text) => Ok(text),
        Element::Integer(_) | Element::OtherNumber | Element::Other => Err(kind),
    }
}

fn object(raw: &RawValue, kind: FrameErrorKind) -> Result<&RawValue, FrameErrorKind> {
    // A raw value starts at its first character: `{` is an object, anything else is not.
    if raw.get().starts_with('{') {
        Ok(raw)
    } else {
        Err(kind)
    }
}

/// A frame element, as far as the message type, id, action, code and description need.
enum Element<'de> {
    /// A string, borrowed unless it had escapes.
    Str(Cow<'de, str>),
    /// A non-negative integer.
    Integer(u64),
    /// Any other number.
    OtherNumber,
    /// `null`, a boolean, an array or an object.
    Other,
}

/// Reads any JSON value as an [`Element`].
struct ElementSeed;

impl<'de> DeserializeSeed<'de> for ElementSeed {
    type Value = Element<'de>;

    fn deserialize<D>(self, deserializer: D) -> Result<Element<'de>, D::Error>
    where
        D: de::Deserializer<'de>,
    {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed {
    type Value = Element<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Element<'de>, E> {
        Ok(Element::Other)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Element<'de>, E> {
        Ok(u64::try_from(value).map_or(Element::OtherNumber, Element::Integer))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Element<'de>, E> {
        Ok(Element::Integer(value))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Element<'de>, E> {
        Ok(u64::try_from(value).map_or(Element::OtherNumber, Element::Integer))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Element<'de>, E> {
        Ok(u64::try_from(value).map_or(Element::OtherNumber, Element::Integer))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Element<'de>, E> {
        Ok(Element::OtherNumber)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Element<'de>, E> {
        Ok(Element::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Element<'de>, E> {
        Ok(Element::Str(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Element<'de>, E> {
        Ok(Element::Str(Cow::Owned(value)))
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Element<'de>, E> {
        Ok(Element::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Element<'de>, E> {
        Ok(Element::Other)
    }

    fn visit_none<E: de::Error>(self) -> Result<Element<'de>, E> {
        Ok(Element::Other)
    }

    fn visit_some<D>(self, deserializer: D) -> Result<Element<'de>, D::Error>
    where
        D: de::Deserializer<'de>,
    {
        IgnoredAny::deserialize(deserializer)?;
        Ok(Element::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Element<'de>, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Element::Other)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Element<'de>, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(Element::Other)
    }
}
