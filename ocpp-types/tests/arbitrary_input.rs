//! Arbitrary input through frame parsing plus typed decoding, for every version and both
//! validation modes: nothing panics, every error is answered with a code the version defines,
//! and every decoded payload round-trips.
//!
//! The same pipeline runs under the coverage-guided fuzzer in `fuzz/` (target
//! `frame_decode`); this test guards it in the normal test run.

use ocpp_types::rpc::{Encoder, Frame, FrameError, FrameErrorKind, FrameLimits, MessageType};
use ocpp_types::validate::{Mode, ValidationOptions};
use ocpp_types::{ActionInfo, ErrorCode, OcppVersion};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------------------------

/// What the pipeline did with one input, over every version and mode.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Outcome {
    /// Frames read.
    frames: usize,
    /// Frames refused, with the error checked and its answer, if any, written and read back.
    frame_errors: usize,
    /// Payloads decoded, re-encoded and decoded again to an equal value.
    decoded: usize,
    /// Payloads refused, with the CALLERROR answering them written and read back.
    decode_errors: usize,
}

/// Runs `data` through the pipeline: if it is UTF-8, for each version and mode, parse it as a
/// frame; decode a CALL or SEND payload as its action's request, and a CALLRESULT payload as
/// the response of `result_action` (if given) and of a few actions picked by the first byte.
/// Panics on any broken expectation.
fn run_bytes(data: &[u8], result_action: Option<&str>) -> Outcome {
    let mut outcome = Outcome::default();
    let Ok(text) = std::str::from_utf8(data) else {
        return outcome;
    };
    let selector = data.first().copied().unwrap_or(0);
    for version in OcppVersion::ALL {
        for options in [ValidationOptions::strict(), ValidationOptions::lenient()] {
            check_frame(
                text,
                version,
                &options,
                selector,
                result_action,
                &mut outcome,
            );
        }
        check_too_large(text, version);
    }
    outcome
}

fn run(text: &str) -> Outcome {
    run_bytes(text.as_bytes(), None)
}

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

fn check_frame(
    text: &str,
    version: OcppVersion,
    options: &ValidationOptions,
    selector: u8,
    result_action: Option<&str>,
    outcome: &mut Outcome,
) {
    match Frame::parse(text, version, FrameLimits::default()) {
        Ok(frame) => {
            outcome.frames += 1;
            check_reencoded_frame(&frame, version);
            match &frame {
                Frame::Call(call) | Frame::Send(call) => {
                    let ok = decode_request(
                        version,
                        &call.message_id,
                        &call.action,
                        call.payload.get(),
                        options,
                    );
                    outcome.count(ok);
                }
                Frame::CallResult(result) => {
                    let responses: Vec<&str> = actions(version)
                        .iter()
                        .filter(|info| info.has_response)
                        .map(|info| info.name)
                        .collect();
                    let picked = [0, 7, 13]
                        .map(|step| responses[(usize::from(selector) + step) % responses.len()]);
                    for action in result_action.into_iter().chain(picked) {
                        let ok = decode_response(
                            version,
                            &result.message_id,
                            action,
                            result.payload.get(),
                            options,
                        );
                        outcome.count(ok);
                    }
                }
                Frame::CallError(error) | Frame::CallResultError(error) => {
                    let _ = error.code();
                }
            }
        }
        Err(error) => {
            outcome.frame_errors += 1;
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

impl Outcome {
    fn count(&mut self, decoded: bool) {
        if decoded {
            self.decoded += 1;
        } else {
            self.decode_errors += 1;
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

fn check_answer(error: &FrameError, version: OcppVersion) {
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

/// Writes and reads back the CALLERROR (or CALLRESULTERROR) answering a payload that failed
/// to decode.
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
    assert_eq!(sent.error_code, code.wire_name(version));
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
/// the wire format does not keep (chrono shows 6 or 9 fraction digits for those).
fn has_sub_millisecond_timestamp(debug: &str) -> bool {
    let mut rest = debug.as_bytes();
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

        /// Decodes a CALL or SEND payload; `true` if it decoded (and round-tripped).
        fn decode_request(
            version: OcppVersion,
            message_id: &str,
            action: &str,
            payload: &str,
            options: &ValidationOptions,
        ) -> bool {
            match version {
                $(OcppVersion::$version => {
                    use ocpp_types::$module::{Request, action_info};
                    match Request::decode(action, payload, options) {
                        Ok(decoded) => {
                            assert_eq!(decoded.value.action(), action);
                            assert!(decoded.value.validate_with(options).is_valid());
                            if options.mode() == Mode::Strict {
                                assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
                            }
                            let encoded = serde_json::to_string(&decoded.value)
                                .unwrap_or_else(|e| panic!("{action} does not re-encode: {e}"));
                            let again = Request::decode(action, &encoded, options)
                                .unwrap_or_else(|e| {
                                    panic!("{action} {encoded} does not decode again: {e}")
                                });
                            if !has_sub_millisecond_timestamp(&format!("{:?}", decoded.value)) {
                                assert_eq!(again.value, decoded.value, "{payload} -> {encoded}");
                            }
                            let encoded_again = serde_json::to_string(&again.value).unwrap();
                            assert_eq!(encoded_again, encoded);
                            true
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
                            false
                        }
                    }
                })*
            }
        }

        /// Decodes a CALLRESULT payload as `action`'s; `true` if it decoded (and round-tripped).
        fn decode_response(
            version: OcppVersion,
            message_id: &str,
            action: &str,
            payload: &str,
            options: &ValidationOptions,
        ) -> bool {
            match version {
                $(OcppVersion::$version => {
                    use ocpp_types::$module::Response;
                    match Response::decode(action, payload, options) {
                        Ok(decoded) => {
                            assert_eq!(decoded.value.action(), action);
                            assert!(decoded.value.validate_with(options).is_valid());
                            if options.mode() == Mode::Strict {
                                assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
                            }
                            let encoded = serde_json::to_string(&decoded.value)
                                .unwrap_or_else(|e| panic!("{action} does not re-encode: {e}"));
                            let again = Response::decode(action, &encoded, options)
                                .unwrap_or_else(|e| {
                                    panic!("{action} {encoded} does not decode again: {e}")
                                });
                            if !has_sub_millisecond_timestamp(&format!("{:?}", decoded.value)) {
                                assert_eq!(again.value, decoded.value, "{payload} -> {encoded}");
                            }
                            let encoded_again = serde_json::to_string(&again.value).unwrap();
                            assert_eq!(encoded_again, encoded);
                            true
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
                            false
                        }
                    }
                })*
            }
        }
    };
}

version_pipeline!(v16: V16, v201: V201, v21: V21);

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// Valid frames: `(version, frame, action of a CALLRESULT)`.
const VALID: &[(OcppVersion, &str, Option<&str>)] = &[
    (
        OcppVersion::V16,
        r#"[2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger","chargePointSerialNumber":"CP-0001"}]"#,
        None,
    ),
    (
        OcppVersion::V16,
        r#"[2,"msg-17","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Charging","timestamp":"2024-05-01T12:00:00.123Z"}]"#,
        None,
    ),
    (
        OcppVersion::V16,
        r#"[2,"mv-42","MeterValues",{"connectorId":1,"transactionId":1234,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":"1234.5","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}]"#,
        None,
    ),
    (
        OcppVersion::V16,
        r#"[3,"19223201",{"status":"Accepted","currentTime":"2024-05-01T12:00:00Z","interval":300}]"#,
        Some("BootNotification"),
    ),
    (
        OcppVersion::V201,
        r#"[2,"19223201","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX"}}]"#,
        None,
    ),
    (
        OcppVersion::V201,
        r#"[2,"te-100","TransactionEvent",{"eventType":"Updated","timestamp":"2024-05-01T12:05:00.5Z","triggerReason":"MeterValuePeriodic","seqNo":4,"transactionInfo":{"transactionId":"tx-1","chargingState":"Charging"},"evse":{"id":1,"connectorId":1},"meterValue":[{"timestamp":"2024-05-01T12:05:00Z","sampledValue":[{"value":1234.56,"measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"kWh","multiplier":0}}]}]}]"#,
        None,
    ),
    (
        OcppVersion::V201,
        r#"[3,"te-100",{"totalCost":12.5,"idTokenInfo":{"status":"Accepted"}}]"#,
        Some("TransactionEvent"),
    ),
    (
        OcppVersion::V21,
        r#"[2,"sn-3","StatusNotification",{"timestamp":"2024-05-01T12:00:00Z","connectorStatus":"Occupied","evseId":1,"connectorId":1}]"#,
        None,
    ),
    (
        OcppVersion::V21,
        r#"[6,"s-1","NotifyPeriodicEventStream",{"id":3,"pending":0,"basetime":"2024-05-01T12:00:00Z","data":[{"t":0,"v":"11.5"},{"t":1.25,"v":"11.7"}]}]"#,
        None,
    ),
    (
        OcppVersion::V21,
        r#"[3,"hb-21",{"currentTime":"2024-05-01T12:00:00.999+01:00"}]"#,
        Some("Heartbeat"),
    ),
];

/// Field names and values that occur in OCPP payloads, so that random payloads often come
/// close to valid ones.
const KEYS: &[&str] = &[
    "chargePointVendor",
    "chargePointModel",
    "chargingStation",
    "model",
    "vendorName",
    "reason",
    "status",
    "currentTime",
    "interval",
    "connectorId",
    "errorCode",
    "timestamp",
    "evseId",
    "connectorStatus",
    "idTag",
    "idToken",
    "type",
    "meterValue",
    "sampledValue",
    "value",
    "eventType",
    "triggerReason",
    "seqNo",
    "transactionInfo",
    "transactionId",
    "customData",
    "vendorId",
    "data",
    "requestId",
];

const STRINGS: &[&str] = &[
    "Accepted",
    "Rejected",
    "PowerUp",
    "NoError",
    "Available",
    "Charging",
    "Occupied",
    "Started",
    "ISO14443",
    "2024-05-01T12:00:00Z",
    "2024-05-01T12:00:00.123456+02:00",
    "2024-05-01 12:00:00",
    "",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u32..400).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            json_object(inner).prop_map(Value::Object),
        ]
    })
}

fn json_object(values: impl Strategy<Value = Value>) -> impl Strategy<Value = Map<String, Value>> {
    let key = prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[a-zA-Z]{0,8}",
    ];
    prop::collection::vec((key, values), 0..6).prop_map(|members| members.into_iter().collect())
}

fn every_action() -> Vec<&'static str> {
    let mut names: Vec<&str> = OcppVersion::ALL
        .into_iter()
        .flat_map(|version| actions(version).iter().map(|info| info.name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names.push("NoSuchAction");
    names
}

/// A frame-shaped input: `[type, "id", "Action", payload]` and its relatives, with whitespace.
fn frame_shaped() -> impl Strategy<Value = (String, Option<&'static str>)> {
    let message_type = prop_oneof![
        4 => prop::sample::select(vec![2u8, 3, 4, 5, 6]).prop_map(Value::from),
        1 => json_value(),
    ];
    let id = prop_oneof![
        4 => "[a-z0-9-]{0,36}".prop_map(Value::from),
        1 => ".{0,40}".prop_map(Value::from),
        1 => json_value(),
    ];
    let action = prop::sample::select(every_action());
    let payload = prop_oneof![
        6 => json_object(json_value()).prop_map(Value::Object),
        1 => json_value(),
    ];
    let extra = prop::collection::vec(json_value(), 0..2);
    (message_type, id, action, payload, extra, any::<bool>()).prop_map(
        |(message_type, id, action, payload, extra, spaced)| {
            let mut elements = vec![message_type.clone(), id];
            match message_type.as_u64() {
                Some(3) => elements.push(payload),
                Some(4 | 5) => {
                    elements.push(Value::from(action));
                    elements.push(Value::from("description"));
                    elements.push(payload);
                }
                _ => {
                    elements.push(Value::from(action));
                    elements.push(payload);
                }
            }
            elements.extend(extra);
            let frame = Value::Array(elements);
            let text = if spaced {
                serde_json::to_string_pretty(&frame).unwrap()
            } else {
                frame.to_string()
            };
            (text, Some(action))
        },
    )
}

/// A valid frame, changed in one place: a member removed, replaced or added, or the text cut.
fn mutated_valid() -> impl Strategy<Value = (String, Option<&'static str>)> {
    (
        prop::sample::select(VALID),
        any::<prop::sample::Index>(),
        json_value(),
        0..4u8,
    )
        .prop_map(|((_, text, result_action), index, value, how)| {
            let mut frame: Value = serde_json::from_str(text).unwrap();
            let elements = frame.as_array_mut().unwrap();
            let payload = elements.last_mut().unwrap().as_object_mut().unwrap();
            let keys: Vec<String> = payload.keys().cloned().collect();
            let key = index.get(&keys).clone();
            match how {
                0 => {
                    payload.remove(&key);
                }
                1 => {
                    payload.insert(key, value);
                }
                2 => {
                    payload.insert("unexpectedField".to_owned(), value);
                }
                _ => {
                    let text = frame.to_string();
                    let mut cut = index.index(text.len() + 1);
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    return (text[..cut].to_owned(), result_action);
                }
            }
            (frame.to_string(), result_action)
        })
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_frames_decode_and_round_trip() {
    for &(version, text, result_action) in VALID {
        let outcome = run_bytes(text.as_bytes(), result_action);
        // Read by every version that has the message type, decoded in both modes at least by
        // the version it was written for.
        assert!(outcome.frames >= 2, "{text}: {outcome:?}");
        assert!(outcome.decoded >= 2, "{version} {text}: {outcome:?}");
        let options = ValidationOptions::strict();
        let mut own = Outcome::default();
        check_frame(text, version, &options, 0, result_action, &mut own);
        assert!(own.decoded >= 1, "{version} {text}: {own:?}");
    }
}

#[test]
fn malformed_frames_are_answered() {
    for text in [
        "",
        "[",
        "{}",
        "[]",
        "[2]",
        r#"[2,"1","Heartbeat",{}"#,
        r#"[2,"1","Heartbeat",[]]"#,
        r#"[9,"1","Heartbeat",{}]"#,
        r#"[2,"0123456789012345678901234567890123456789","Heartbeat",{}]"#,
        "\u{feff}[2,\"1\",\"Heartbeat\",{}]",
    ] {
        let outcome = run(text);
        assert_eq!(outcome.frames, 0, "{text:?}");
        assert_eq!(outcome.frame_errors, 6, "{text:?}");
    }
    // A CALL of an action no version has is read, and each decode is refused.
    let outcome = run(r#"[2,"1","NoSuchAction",{}]"#);
    assert_eq!(outcome.frames, 6);
    assert_eq!(outcome.decode_errors, 6);
    assert_eq!(outcome.decoded, 0);
}

/// The fuzzer's committed corpus (`fuzz/corpus/frame_decode`: the seeds, the regression
/// inputs and a 10^7-execution run minimised to one input per edge) goes through the pipeline
/// as the fuzzer runs it.
#[test]
fn the_fuzz_corpus_goes_through_the_pipeline() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/frame_decode");
    let mut inputs = 0;
    let mut decoded = 0;
    for entry in std::fs::read_dir(&dir).expect("the committed corpus") {
        let path = entry.expect("a corpus entry").path();
        let data = std::fs::read(&path).expect("a corpus input");
        let outcome = std::panic::catch_unwind(|| run_bytes(&data, None))
            .unwrap_or_else(|_| panic!("{} breaks the pipeline", path.display()));
        inputs += 1;
        decoded += outcome.decoded;
    }
    assert!(inputs > 500, "{inputs} inputs in {}", dir.display());
    // Most inputs are malformed on purpose; the seeds and many others decode.
    assert!(
        decoded > 100,
        "{decoded} payloads decoded of {inputs} inputs"
    );
}

#[test]
fn sub_millisecond_timestamps_are_recognised() {
    assert!(has_sub_millisecond_timestamp(
        "StatusNotificationRequest { timestamp: 2024-05-01T12:00:00.123456Z }"
    ));
    assert!(has_sub_millisecond_timestamp(
        "t: 2024-05-01T12:00:00.000000500Z"
    ));
    assert!(!has_sub_millisecond_timestamp(
        "t: 2024-05-01T12:00:00.123Z"
    ));
    assert!(!has_sub_millisecond_timestamp(
        "t: 2024-05-01T12:00:00Z, v: \"T\""
    ));
}

#[test]
fn payload_values_written_back_decode_to_equal_values() {
    // Decimals and timestamps in their many spellings.
    let outcome = run(
        r#"[2,"d","NotifyPeriodicEventStream",{"id":0,"pending":4294967295,"basetime":"2024-02-29T23:59:59.999-00:30","data":[{"t":1e-7,"v":""},{"t":-0.0,"v":"x"},{"t":123456789.123456,"v":"y"},{"t":1E3,"v":"z"}]}]"#,
    );
    // Read only by 2.1, which decodes it in both modes.
    assert_eq!(outcome.decoded, 2, "{outcome:?}");
    let outcome = run(&json!([2, "h", "Heartbeat", {}]).to_string());
    assert_eq!(outcome.decoded, 6, "{outcome:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..200)) {
        run_bytes(&data, None);
    }

    #[test]
    fn arbitrary_strings(text in ".{0,200}") {
        run(&text);
    }

    #[test]
    fn frame_shaped_strings((text, result_action) in frame_shaped()) {
        run_bytes(text.as_bytes(), result_action);
    }

    #[test]
    fn mutated_valid_frames((text, result_action) in mutated_valid()) {
        run_bytes(text.as_bytes(), result_action);
    }
}
