//! Frame parsing plus typed decoding, for every version and both validation modes.
//!
//! Input bytes that are UTF-8 are read as an OCPP-J frame of 1.6, 2.0.1 and 2.1, in strict and
//! lenient mode. A CALL or SEND payload is decoded as its action's request, a CALLRESULT
//! payload as the response of a few actions chosen by the first input byte. Errors are turned
//! into the frame that answers them; successes are re-encoded and decoded again. Besides not
//! panicking, the target checks:
//!
//! - every error code sent is spelled as the version defines it;
//! - an error answer is a well-formed CALLERROR (or, in 2.1, CALLRESULTERROR) of the version;
//! - a parsed frame, re-encoded, parses to an equal frame;
//! - a decoded payload re-encodes, and decodes again in the same mode to an equal value
//!   (payloads with timestamps below millisecond precision excepted: OCPP-J writes at most
//!   three fraction digits), whose encoding is the same text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ocpp_types::rpc::{Encoder, Frame, FrameErrorKind, FrameLimits, MessageType};
use ocpp_types::validate::{Mode, ValidationOptions};
use ocpp_types::{ActionInfo, ErrorCode, OcppVersion};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let selector = data.first().copied().unwrap_or(0);
    for version in OcppVersion::ALL {
        for options in [ValidationOptions::strict(), ValidationOptions::lenient()] {
            check_frame(text, version, &options, selector);
        }
        check_too_large(text, version);
    }
});

/// The error codes each version's specification lists, as spelled on the wire.
fn valid_wire_codes(version: OcppVersion) -> &'static [&'static str] {
    match version {
        OcppVersion::V16 => &[
            "NotImplemented",
            "NotSupported",
            "InternalError",
            "ProtocolError",
            "SecurityError",
            "FormationViolation",
            "PropertyConstraintViolation",
            "OccurenceConstraintViolation",
            "TypeConstraintViolation",
            "GenericError",
        ],
        OcppVersion::V201 | OcppVersion::V21 => &[
            "FormatViolation",
            "GenericError",
            "InternalError",
            "MessageTypeNotSupported",
            "NotImplemented",
            "NotSupported",
            "OccurrenceConstraintViolation",
            "PropertyConstraintViolation",
            "ProtocolError",
            "RpcFrameworkError",
            "SecurityError",
            "TypeConstraintViolation",
        ],
    }
}

fn assert_valid_code(code: ErrorCode, version: OcppVersion) {
    let name = code.wire_name(version);
    assert!(
        valid_wire_codes(version).contains(&name),
        "{code:?} is spelled {name:?}, not a code of OCPP {version}"
    );
}

fn check_frame(text: &str, version: OcppVersion, options: &ValidationOptions, selector: u8) {
    match Frame::parse(text, version, FrameLimits::default()) {
        Ok(frame) => {
            check_reencoded_frame(&frame, version);
            match &frame {
                Frame::Call(call) | Frame::Send(call) => {
                    decode_request(
                        version,
                        &call.message_id,
                        &call.action,
                        call.payload.get(),
                        options,
                    );
                }
                Frame::CallResult(result) => {
                    let actions = actions(version);
                    let responses: Vec<&ActionInfo> =
                        actions.iter().filter(|info| info.has_response).collect();
                    for step in [0, 7, 13] {
                        let info = responses[(usize::from(selector) + step) % responses.len()];
                        decode_response(
                            version,
                            &result.message_id,
                            info.name,
                            result.payload.get(),
                            options,
                        );
                    }
                }
                Frame::CallError(error) | Frame::CallResultError(error) => {
                    let _ = error.code();
                }
            }
        }
        Err(error) => {
            let _ = error.to_string();
            assert_eq!(error.version(), version);
            assert_eq!(error.wire_code(), error.error_code().wire_name(version));
            assert_valid_code(error.error_code(), version);
            if let Some(id) = error.message_id() {
                assert!(id.chars().count() <= ocpp_types::rpc::MAX_MESSAGE_ID_LEN);
            }
            check_answer(&error, version);
        }
    }
}

/// Over the size limit, the input is refused unparsed, and the answer is still well formed.
fn check_too_large(text: &str, version: OcppVersion) {
    if text.is_empty() {
        return;
    }
    let error = Frame::parse(text, version, FrameLimits::new(text.len() / 2))
        .expect_err("an input over the limit is refused");
    assert!(matches!(error.kind(), FrameErrorKind::TooLarge { .. }));
    assert_valid_code(error.error_code(), version);
    check_answer(&error, version);
}

fn check_answer(error: &ocpp_types::rpc::FrameError, version: OcppVersion) {
    let decision = error.error_answer();
    let answer = error.answer();
    assert_eq!(decision.is_some(), answer.is_some(), "{error:?}");
    if matches!(
        error.kind(),
        FrameErrorKind::UnknownMessageType | FrameErrorKind::UnsupportedMessageType(_)
    ) {
        // Message types the version does not have are ignored.
        assert!(decision.is_none(), "{error:?} is answered");
    }
    let (Some(decision), Some(answer)) = (decision, answer) else {
        return;
    };
    assert_valid_code(decision.error_code, version);
    let frame = Frame::parse(&answer, version, FrameLimits::default())
        .unwrap_or_else(|e| panic!("the answer {answer:?} does not parse: {e}"));
    assert_eq!(frame.message_type(), decision.message_type);
    assert_eq!(frame.message_id(), decision.message_id);
    let (Frame::CallError(sent) | Frame::CallResultError(sent)) = &frame else {
        panic!("the answer {answer:?} is not an error frame");
    };
    assert_eq!(sent.error_code, decision.error_code.wire_name(version));
    assert_eq!(sent.description, error.kind().to_string());
    if decision.message_type == MessageType::CallResultError {
        assert_eq!(version, OcppVersion::V21);
    }
}

fn check_reencoded_frame(frame: &Frame<'_>, version: OcppVersion) {
    let text = Encoder::new(version)
        .frame(frame)
        .unwrap_or_else(|e| panic!("{frame:?} does not re-encode: {e}"));
    let again = Frame::parse(&text, version, FrameLimits::default())
        .unwrap_or_else(|e| panic!("the re-encoded {text:?} does not parse: {e}"));
    match (frame, &again) {
        (Frame::CallError(sent), Frame::CallError(read))
        | (Frame::CallResultError(sent), Frame::CallResultError(read)) => {
            // The encoder cuts descriptions to 255 characters.
            assert_eq!(read.message_id, sent.message_id);
            assert_eq!(read.error_code, sent.error_code);
            assert_eq!(read.description, clip(&sent.description));
            assert_eq!(read.details.get(), sent.details.get());
        }
        _ => assert_eq!(&again, frame),
    }
    assert_eq!(frame.clone().into_owned().as_frame(), *frame);
}

/// The CALLERROR (or CALLRESULTERROR) that answers a payload that failed to decode.
fn answer_decode_error(
    version: OcppVersion,
    message_id: &str,
    code: ErrorCode,
    description: &str,
    result_error: bool,
) {
    assert_valid_code(code, version);
    let encoder = Encoder::new(version);
    let answer = if result_error {
        encoder.call_result_error(message_id, code, description)
    } else {
        encoder.call_error(message_id, code, description)
    }
    .unwrap_or_else(|e| panic!("no answer to {message_id:?}: {e}"));
    let frame = Frame::parse(&answer, version, FrameLimits::default())
        .unwrap_or_else(|e| panic!("the answer {answer:?} does not parse: {e}"));
    let (Frame::CallError(sent) | Frame::CallResultError(sent)) = frame else {
        panic!("the answer {answer:?} is not an error frame");
    };
    assert_eq!(sent.message_id, message_id);
    assert_eq!(sent.description, clip(description));
}

/// `description` as the encoder writes it: at most 255 characters.
fn clip(description: &str) -> String {
    description
        .chars()
        .take(ocpp_types::rpc::MAX_ERROR_DESCRIPTION_LEN)
        .collect()
}

/// Whether a value's debug form shows a timestamp with digits below the millisecond, which
/// the wire format does not keep (chrono writes 6 or 9 fraction digits for those).
fn has_sub_millisecond_timestamp(debug: &str) -> bool {
    let bytes = debug.as_bytes();
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&b| b == b'T') {
        let tail = &rest[at + 1..];
        // `HH:MM:SS.fffffff...Z`
        if tail.len() > 9
            && tail[2] == b':'
            && tail[5] == b':'
            && tail[8] == b'.'
            && tail[9..].iter().take_while(|b| b.is_ascii_digit()).count() > 3
        {
            return true;
        }
        rest = tail;
    }
    false
}

macro_rules! version_pipeline {
    ($($module:ident: $version:ident),*) => {
        fn actions(version: OcppVersion) -> &'static [ActionInfo] {
            match version {
                $(OcppVersion::$version => ocpp_types::$module::ACTIONS,)*
            }
        }

        fn decode_request(
            version: OcppVersion,
            message_id: &str,
            action: &str,
            payload: &str,
            options: &ValidationOptions,
        ) {
            match version {
                $(OcppVersion::$version => {
                    use ocpp_types::$module::{Request, action_info};
                    match Request::decode(action, payload, options) {
                        Ok(decoded) => {
                            assert_eq!(decoded.value.action(), action);
                            assert!(decoded.value.validate_with(options).is_valid());
                            let encoded = serde_json::to_string(&decoded.value)
                                .unwrap_or_else(|e| panic!("{action} does not re-encode: {e}"));
                            let again = Request::decode(action, &encoded, options)
                                .unwrap_or_else(|e| panic!("{action} {encoded} does not decode again: {e}"));
                            if !has_sub_millisecond_timestamp(&format!("{:?}", decoded.value)) {
                                assert_eq!(again.value, decoded.value, "{action} {payload} -> {encoded}");
                            }
                            let encoded_again = serde_json::to_string(&again.value).unwrap();
                            assert_eq!(encoded_again, encoded);
                            if options.mode() == Mode::Strict {
                                assert!(decoded.warnings.is_empty());
                            }
                        }
                        Err(error) => {
                            assert!(!error.errors.is_empty());
                            let _ = error.to_string();
                            if action_info(action).is_none() {
                                assert_eq!(error.error_code(), ErrorCode::NotImplemented);
                            }
                            answer_decode_error(
                                version,
                                message_id,
                                error.error_code(),
                                &error.description(),
                                false,
                            );
                        }
                    }
                })*
            }
        }

        fn decode_response(
            version: OcppVersion,
            message_id: &str,
            action: &str,
            payload: &str,
            options: &ValidationOptions,
        ) {
            match version {
                $(OcppVersion::$version => {
                    use ocpp_types::$module::Response;
                    match Response::decode(action, payload, options) {
                        Ok(decoded) => {
                            assert_eq!(decoded.value.action(), action);
                            assert!(decoded.value.validate_with(options).is_valid());
                            let encoded = serde_json::to_string(&decoded.value)
                                .unwrap_or_else(|e| panic!("{action} response does not re-encode: {e}"));
                            let again = Response::decode(action, &encoded, options)
                                .unwrap_or_else(|e| panic!("{action} response {encoded} does not decode again: {e}"));
                            if !has_sub_millisecond_timestamp(&format!("{:?}", decoded.value)) {
                                assert_eq!(again.value, decoded.value, "{action} {payload} -> {encoded}");
                            }
                            let encoded_again = serde_json::to_string(&again.value).unwrap();
                            assert_eq!(encoded_again, encoded);
                            if options.mode() == Mode::Strict {
                                assert!(decoded.warnings.is_empty());
                            }
                        }
                        Err(error) => {
                            assert!(!error.errors.is_empty());
                            let _ = error.to_string();
                            answer_decode_error(
                                version,
                                message_id,
                                error.error_code(),
                                &error.description(),
                                version == OcppVersion::V21,
                            );
                        }
                    }
                })*
            }
        }
    };
}

version_pipeline!(v16: V16, v201: V201, v21: V21);
