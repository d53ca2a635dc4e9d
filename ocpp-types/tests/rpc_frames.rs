//! OCPP-J RPC frames: malformed frames and their answers, round trips, borrowing, encoding
//! errors, and parsing arbitrary input.

use std::borrow::Cow;

use ocpp_types::rpc::{
    EncodeError, Encoder, Frame, FrameError, FrameErrorKind, FrameLimits,
    MAX_ERROR_DESCRIPTION_LEN, MAX_MESSAGE_ID_LEN, MessageIdGenerator, MessageType, OwnedFrame,
    UNKNOWN_MESSAGE_ID,
};
use ocpp_types::{ErrorCode, OcppVersion};
use proptest::prelude::*;
use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

const V16: OcppVersion = OcppVersion::V16;
const V201: OcppVersion = OcppVersion::V201;
const V21: OcppVersion = OcppVersion::V21;

fn parse(input: &str, version: OcppVersion) -> Result<Frame<'_>, FrameError> {
    Frame::parse(input, version, FrameLimits::default())
}

fn parse_err(input: &str, version: OcppVersion) -> FrameError {
    match parse(input, version) {
        Ok(frame) => panic!("{input} parsed in {version}: {frame:?}"),
        Err(error) => error,
    }
}

/// The answer a malformed frame must get: message type, id and wire code.
type Answer = Option<(MessageType, &'static str, &'static str)>;

/// Checks the error of `input` in `version` and the answer frame it produces.
fn check(
    input: &str,
    version: OcppVersion,
    kind: FrameErrorKind,
    message_type: Option<MessageType>,
    message_id: Option<&str>,
    answer: Answer,
) {
    let error = parse_err(input, version);
    let context = format!("{input} in {version}");
    assert_eq!(error.kind(), kind, "{context}");
    assert_eq!(error.version(), version, "{context}");
    assert_eq!(error.message_type(), message_type, "{context}");
    assert_eq!(error.message_id(), message_id, "{context}");
    assert_eq!(error.wire_code(), kind.error_code().wire_name(version));
    let text = error.answer();
    match (answer, text) {
        (None, None) => {}
        (Some((answer_type, answer_id, answer_code)), Some(text)) => {
            let frame = parse(&text, version)
                .unwrap_or_else(|e| panic!("{context}: answer {text} does not parse: {e}"));
            assert_eq!(frame.message_type(), answer_type, "{context}: {text}");
            assert_eq!(frame.message_id(), answer_id, "{context}: {text}");
            let frame_error = frame.error().expect("an error frame");
            assert_eq!(frame_error.error_code, answer_code, "{context}: {text}");
            assert_eq!(frame_error.description, kind.to_string(), "{context}");
            assert_eq!(frame_error.details.get(), "{}", "{context}");
            let decided = error.error_answer().expect("the answer's decision");
            assert_eq!(decided.message_type, answer_type);
            assert_eq!(decided.message_id, answer_id);
            assert_eq!(decided.error_code.wire_name(version), answer_code);
        }
        (expected, got) => panic!("{context}: expected answer {expected:?}, got {got:?}"),
    }
}

fn call_error(id: &'static str, code: &'static str) -> Answer {
    Some((MessageType::CallError, id, code))
}

/// The spelling of `code` in 1.6 and in 2.x.
fn spellings(code: ErrorCode) -> (&'static str, &'static str) {
    (code.wire_name(V16), code.wire_name(V201))
}

#[test]
fn error_code_table() {
    use FrameErrorKind::*;
    let rpc = ErrorCode::RpcFrameworkError;
    let format = ErrorCode::FormatViolation;
    let unsupported = ErrorCode::MessageTypeNotSupported;
    let table = [
        (TooLarge { len: 2, max: 1 }, format),
        (NotJson { line: 1, column: 1 }, rpc),
        (NotArray, rpc),
        (EmptyArray, rpc),
        (MessageTypeNotNumber, rpc),
        (UnknownMessageType, unsupported),
        (UnsupportedMessageType(MessageType::Send), unsupported),
        (
            WrongLength {
                message_type: MessageType::Call,
                found: 2,
            },
            rpc,
        ),
        (MessageIdNotString, rpc),
        (MessageIdTooLong { chars: 37 }, rpc),
        (ActionNotString, format),
        (PayloadNotObject, format),
        (ErrorCodeNotString, format),
        (DescriptionNotString, format),
        (DetailsNotObject, format),
    ];
    for (kind, code) in table {
        assert_eq!(kind.error_code(), code, "{kind:?}");
        // 1.6 has one spelling for all three codes.
        assert_eq!(kind.error_code().wire_name(V16), "FormationViolation");
        for version in OcppVersion::ALL {
            let name = kind.error_code().wire_name(version);
            let read = ErrorCode::from_wire(name).expect("a defined name");
            assert!(read.defined_in(version), "{kind:?} {version}");
        }
    }
}

#[test]
fn broken_envelopes_of_what_may_be_a_call() {
    use FrameErrorKind::*;
    let (v16, v2x) = spellings(ErrorCode::RpcFrameworkError);
    assert_eq!((v16, v2x), ("FormationViolation", "RpcFrameworkError"));
    let unknown_id = call_error(UNKNOWN_MESSAGE_ID, v2x);

    // Nothing recovered: 1.6 cannot answer, 2.x answers with id "-1".
    for (input, kind) in [
        (r#"{"a": 1}"#, NotArray),
        ("\"text\"", NotArray),
        ("42", NotArray),
        ("null", NotArray),
        ("[]", EmptyArray),
        (" [ ] ", EmptyArray),
        ("[{}]", MessageTypeNotNumber),
        (r#"["2"]"#, MessageTypeNotNumber),
    ] {
        check(input, V16, kind, None, None, None);
        check(input, V201, kind, None, None, unknown_id);
        check(input, V21, kind, None, None, unknown_id);
    }
    for input in [
        "",
        "   ",
        "not json",
        "[2,\"1\",",
        "{",
        "[2 \"1\"]",
        "[2,\"1\",\"A\",{}]]",
    ] {
        for version in OcppVersion::ALL {
            let error = parse_err(input, version);
            assert!(
                matches!(error.kind(), NotJson { .. }),
                "{input}: {:?}",
                error.kind()
            );
            assert_eq!(error.error_code(), ErrorCode::RpcFrameworkError);
        }
    }
    let error = parse_err("not json", V201);
    check("not json", V201, error.kind(), None, None, unknown_id);
    check("not json", V16, error.kind(), None, None, None);

    // The message type is not a number, but the id was readable: answered with it.
    let input = r#"["2", "abc", "Heartbeat", {}]"#;
    let kind = MessageTypeNotNumber;
    check(input, V16, kind, None, Some("abc"), call_error("abc", v16));
    check(input, V201, kind, None, Some("abc"), call_error("abc", v2x));
    check(input, V21, kind, None, Some("abc"), call_error("abc", v2x));
}

#[test]
fn malformed_calls() {
    use FrameErrorKind::*;
    let call = Some(MessageType::Call);
    let (rpc16, rpc2x) = spellings(ErrorCode::RpcFrameworkError);
    let (format16, format2x) = spellings(ErrorCode::FormatViolation);

    let with_id: [(&str, FrameErrorKind, &str, &str); 9] = [
        (
            r#"[2,"1","Heartbeat"]"#,
            WrongLength {
                message_type: MessageType::Call,
                found: 3,
            },
            rpc16,
            rpc2x,
        ),
        (
            r#"[2,"1","Heartbeat",{},{}]"#,
            WrongLength {
                message_type: MessageType::Call,
                found: 5,
            },
            rpc16,
            rpc2x,
        ),
        (
            r#"[2,"1"]"#,
            WrongLength {
                message_type: MessageType::Call,
                found: 2,
            },
            rpc16,
            rpc2x,
        ),
        (r#"[2,"1",5,{}]"#, ActionNotString, format16, format2x),
        (r#"[2,"1",null,{}]"#, ActionNotString, format16, format2x),
        (
            r#"[2,"1","Heartbeat",[]]"#,
            PayloadNotObject,
            format16,
            format2x,
        ),
        (
            r#"[2,"1","Heartbeat",null]"#,
            PayloadNotObject,
            format16,
            format2x,
        ),
        (
            r#"[2,"1","Heartbeat","{}"]"#,
            PayloadNotObject,
            format16,
            format2x,
        ),
        // The number of elements is checked before the elements themselves.
        (
            r#"[2,"1",5]"#,
            WrongLength {
                message_type: MessageType::Call,
                found: 3,
            },
            rpc16,
            rpc2x,
        ),
    ];
    for (input, kind, code16, code2x) in with_id {
        check(input, V16, kind, call, Some("1"), call_error("1", code16));
        check(input, V201, kind, call, Some("1"), call_error("1", code2x));
        check(input, V21, kind, call, Some("1"), call_error("1", code2x));
    }

    // The id cannot be recovered: 2.x answers with "-1" and RpcFrameworkError, 1.6 cannot.
    let long_id = "x".repeat(MAX_MESSAGE_ID_LEN + 1);
    let long = format!(r#"[2,"{long_id}","Heartbeat",{{}}]"#);
    let without_id: [(&str, FrameErrorKind); 6] = [
        (
            "[2]",
            WrongLength {
                message_type: MessageType::Call,
                found: 1,
            },
        ),
        (r#"[2,5,"Heartbeat",{}]"#, MessageIdNotString),
        (r#"[2,null,"Heartbeat",{}]"#, MessageIdNotString),
        (r#"[2,["1"],"Heartbeat",{}]"#, MessageIdNotString),
        (&long, MessageIdTooLong { chars: 37 }),
        // Length before id.
        (
            "[2,5]",
            WrongLength {
                message_type: MessageType::Call,
                found: 2,
            },
        ),
    ];
    for (input, kind) in without_id {
        check(input, V16, kind, call, None, None);
        check(input, V201, kind, call, None, call_error("-1", rpc2x));
        check(input, V21, kind, call, None, call_error("-1", rpc2x));
    }

    // An id of exactly 36 characters, counted as characters, is fine.
    let id = "é".repeat(MAX_MESSAGE_ID_LEN);
    let input = format!(r#"[2,"{id}","Heartbeat",[]]"#);
    let error = parse_err(&input, V201);
    assert_eq!(error.kind(), PayloadNotObject);
    assert_eq!(error.message_id(), Some(id.as_str()));

    // Broken JSON after a readable id: the id is still recovered.
    for input in [
        r#"[2,"7","Heartbeat",{"#,
        r#"[2,"7","Heartbeat",{}] trailing"#,
    ] {
        let error = parse_err(input, V201);
        assert!(matches!(error.kind(), NotJson { .. }));
        check(
            input,
            V16,
            error.kind(),
            call,
            Some("7"),
            call_error("7", rpc16),
        );
        check(
            input,
            V201,
            error.kind(),
            call,
            Some("7"),
            call_error("7", rpc2x),
        );
    }
}

#[test]
fn message_types_a_version_does_not_have() {
    use FrameErrorKind::*;
    // Never answered: a message with a type number not in the version's list is ignored.
    for input in [
        r#"[7,"1","A",{}]"#,
        r#"[1,"1"]"#,
        r#"[0,"1"]"#,
        r#"[2.0,"1","A",{}]"#,
    ] {
        for version in OcppVersion::ALL {
            check(input, version, UnknownMessageType, None, Some("1"), None);
        }
    }
    for input in [r#"[-2,5]"#, "[1e300]", "[18446744073709551617]", "[7]"] {
        for version in OcppVersion::ALL {
            check(input, version, UnknownMessageType, None, None, None);
        }
    }
    for (input, message_type) in [
        (
            r#"[5,"1","GenericError","",{}]"#,
            MessageType::CallResultError,
        ),
        (
            r#"[6,"1","NotifyPeriodicEventStream",{}]"#,
            MessageType::Send,
        ),
        // The rest of the frame is not looked at.
        (r#"[6,"1",5]"#, MessageType::Send),
    ] {
        let kind = UnsupportedMessageType(message_type);
        check(input, V16, kind, None, Some("1"), None);
        check(input, V201, kind, None, Some("1"), None);
    }
    for (input, message_type) in [
        (
            r#"[5,"1","GenericError","",{}]"#,
            MessageType::CallResultError,
        ),
        (
            r#"[6,"1","NotifyPeriodicEventStream",{}]"#,
            MessageType::Send,
        ),
    ] {
        assert_eq!(parse(input, V21).unwrap().message_type(), message_type);
    }
    let error = parse_err(r#"[6,"1","A",{}]"#, V201);
    assert_eq!(error.error_code(), ErrorCode::MessageTypeNotSupported);
    assert_eq!(error.wire_code(), "MessageTypeNotSupported");
    assert_eq!(
        parse_err(r#"[6,"1","A",{}]"#, V16).wire_code(),
        "FormationViolation"
    );
}

#[test]
fn malformed_call_results() {
    use FrameErrorKind::*;
    let result = Some(MessageType::CallResult);
    let rpc = ErrorCode::RpcFrameworkError.as_str();
    let format = ErrorCode::FormatViolation.as_str();
    let cases = [
        (r#"[3,"1",[]]"#, PayloadNotObject, format),
        (r#"[3,"1",7]"#, PayloadNotObject, format),
        (
            r#"[3,"1"]"#,
            WrongLength {
                message_type: MessageType::CallResult,
                found: 2,
            },
            rpc,
        ),
        (
            r#"[3,"1",{},{}]"#,
            WrongLength {
                message_type: MessageType::CallResult,
                found: 4,
            },
            rpc,
        ),
    ];
    for (input, kind, code) in cases {
        // Never answered with a CALLERROR; 2.1 answers with a CALLRESULTERROR.
        check(input, V16, kind, result, Some("1"), None);
        check(input, V201, kind, result, Some("1"), None);
        check(
            input,
            V21,
            kind,
            result,
            Some("1"),
            Some((MessageType::CallResultError, "1", code)),
        );
    }
    // Without an id nothing can be answered.
    for version in OcppVersion::ALL {
        check(
            r#"[3,5,{}]"#,
            version,
            MessageIdNotString,
            result,
            None,
            None,
        );
        check(
            "[3]",
            version,
            WrongLength {
                message_type: MessageType::CallResult,
                found: 1,
            },
            result,
            None,
            None,
        );
    }
}

#[test]
fn malformed_errors_and_sends_are_never_answered() {
    use FrameErrorKind::*;
    let error_frames = |number: u8| {
        let message_type = MessageType::from_number(number.into()).unwrap();
        vec![
            (format!(r#"[{number},"1",5,"d",{{}}]"#), ErrorCodeNotString),
            (
                format!(r#"[{number},"1","GenericError",false,{{}}]"#),
                DescriptionNotString,
            ),
            (
                format!(r#"[{number},"1","GenericError","d",null]"#),
                DetailsNotObject,
            ),
            (
                format!(r#"[{number},"1","GenericError","d"]"#),
                WrongLength {
                    message_type,
                    found: 4,
                },
            ),
        ]
    };
    for version in OcppVersion::ALL {
        for (input, kind) in error_frames(4) {
            check(
                &input,
                version,
                kind,
                Some(MessageType::CallError),
                Some("1"),
                None,
            );
        }
        check(
            r#"[4,null,"GenericError","d",{}]"#,
            version,
            MessageIdNotString,
            Some(MessageType::CallError),
            None,
            None,
        );
    }
    for (input, kind) in error_frames(5) {
        check(
            &input,
            V21,
            kind,
            Some(MessageType::CallResultError),
            Some("1"),
            None,
        );
    }
    let send = Some(MessageType::Send);
    check(
        r#"[6,"1","A",[]]"#,
        V21,
        PayloadNotObject,
        send,
        Some("1"),
        None,
    );
    check(
        r#"[6,"1",1,{}]"#,
        V21,
        ActionNotString,
        send,
        Some("1"),
        None,
    );
    check(r#"[6,1,"A",{}]"#, V21, MessageIdNotString, send, None, None);
    check(
        r#"[6,"1","A"]"#,
        V21,
        WrongLength {
            message_type: MessageType::Send,
            found: 3,
        },
        send,
        Some("1"),
        None,
    );
}

#[test]
fn too_large_frames_are_not_parsed_but_answered() {
    use FrameErrorKind::*;
    let limits = FrameLimits::new(40);
    let payload = "x".repeat(100);
    let call = format!(r#"[2,"abc","DataTransfer",{{"data":"{payload}"}}]"#);
    let too_large = TooLarge {
        len: call.len(),
        max: 40,
    };
    let (format16, format2x) = spellings(ErrorCode::FormatViolation);
    for (version, code) in [(V16, format16), (V201, format2x), (V21, format2x)] {
        let error = Frame::parse(&call, version, limits).unwrap_err();
        assert_eq!(error.kind(), too_large);
        assert_eq!(error.message_type(), Some(MessageType::Call));
        assert_eq!(error.message_id(), Some("abc"));
        let answer = error.answer().unwrap();
        assert_eq!(
            answer,
            format!(
                r#"[4,"abc","{code}","frame of {} bytes exceeds the limit of 40 bytes",{{}}]"#,
                call.len()
            )
        );
    }
    // The limit is inclusive.
    assert!(Frame::parse(&call, V201, FrameLimits::new(call.len())).is_ok());
    assert!(Frame::parse(&call, V201, FrameLimits::new(call.len() - 1)).is_err());

    // Even invalid JSON is only reported as too large.
    let garbage = "}".repeat(41);
    let error = Frame::parse(&garbage, V201, limits).unwrap_err();
    assert_eq!(error.kind(), TooLarge { len: 41, max: 40 });
    assert_eq!(error.message_id(), None);
    assert_eq!(error.error_answer().unwrap().message_id, "-1");
    assert_eq!(
        error.error_answer().unwrap().error_code,
        ErrorCode::RpcFrameworkError
    );
    assert_eq!(
        Frame::parse(&garbage, V16, limits).unwrap_err().answer(),
        None
    );

    // A frame whose first bytes show a type number the version does not have is ignored.
    for (text, version) in [
        (format!(r#"[7,"abc","A",{{"data":"{payload}"}}]"#), V21),
        (format!(r#"[6,"abc","A",{{"data":"{payload}"}}]"#), V201),
        (format!(r#"[6,"abc","A",{{"data":"{payload}"}}]"#), V16),
    ] {
        let error = Frame::parse(&text, version, limits).unwrap_err();
        assert!(matches!(error.kind(), TooLarge { .. }));
        assert_eq!(error.message_type(), None);
        assert_eq!(error.answer(), None, "{text} in {version}");
    }

    // The id is only looked for in the first bytes.
    let padded = format!("{}{call}", " ".repeat(300));
    let error = Frame::parse(&padded, V21, limits).unwrap_err();
    assert_eq!((error.message_type(), error.message_id()), (None, None));

    // A CALLRESULT too large for a 2.1 receiver is answered with a CALLRESULTERROR.
    let result = format!(r#"[3,"r1",{{"data":"{payload}"}}]"#);
    let error = Frame::parse(&result, V21, limits).unwrap_err();
    let answer = error.error_answer().unwrap();
    assert_eq!(answer.message_type, MessageType::CallResultError);
    assert_eq!(answer.message_id, "r1");
    assert_eq!(answer.error_code, ErrorCode::FormatViolation);
    assert_eq!(
        Frame::parse(&result, V201, limits).unwrap_err().answer(),
        None
    );

    assert_eq!(FrameLimits::default().max_frame_len, 1 << 20);
}

/// Whether `inner` lies within `outer`'s memory.
fn points_into(outer: &str, inner: &str) -> bool {
    let range = outer.as_bytes().as_ptr_range();
    let inner_range = inner.as_bytes().as_ptr_range();
    range.start <= inner_range.start && inner_range.end <= range.end
}

#[test]
fn parsing_borrows_from_the_input() {
    let input = " \r\n\t[ 2 , \"id-1\" , \"BootNotification\" , {\"reason\": \"PowerUp\", \"n\": [1, 2.50, {}]} ] \n";
    let frame = parse(input, V201).unwrap();
    let Frame::Call(call) = &frame else {
        panic!("a CALL: {frame:?}")
    };
    assert!(matches!(call.message_id, Cow::Borrowed("id-1")));
    assert!(matches!(call.action, Cow::Borrowed("BootNotification")));
    assert_eq!(
        call.payload.get(),
        r#"{"reason": "PowerUp", "n": [1, 2.50, {}]}"#
    );
    assert!(points_into(input, call.payload.get()));
    assert!(points_into(input, &call.message_id));
    assert!(points_into(input, &call.action));

    let input = r#"[4,"e","NotImplemented","no \"such\" action",{"a":1}]"#;
    let frame = parse(input, V16).unwrap();
    let error = frame.error().unwrap();
    assert!(points_into(input, error.details.get()));
    assert!(points_into(input, &error.error_code));
    assert!(matches!(error.description, Cow::Owned(_)));
    assert_eq!(error.description, r#"no "such" action"#);
    assert_eq!(error.code(), Some(ErrorCode::NotImplemented));
}

#[test]
fn escaped_ids_are_decoded() {
    let input = r#"[3,"a\"b\\c\u00e9\n\ud83d\ude00",{}]"#;
    let frame = parse(input, V16).unwrap();
    assert_eq!(frame.message_id(), "a\"b\\cé\n😀");
    let Frame::CallResult(result) = &frame else {
        panic!("a CALLRESULT")
    };
    assert!(matches!(result.message_id, Cow::Owned(_)));
    assert!(points_into(input, result.payload.get()));
    // Encoding escapes it again, and the text reads back to the same frame.
    let text = Encoder::new(V16).frame(&frame).unwrap();
    assert_eq!(parse(&text, V16).unwrap(), frame);
    // Escapes in an over-long id are counted as decoded characters.
    let id = format!(r#"{}\u00e9"#, "x".repeat(35));
    let text = format!(r#"[2,"{id}","A",{{}}]"#);
    assert!(parse(&text, V201).is_ok());
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BootNotificationResponse {
    current_time: &'static str,
    interval: u32,
    status: &'static str,
}

fn raw(json: &str) -> Box<RawValue> {
    RawValue::from_string(json.to_owned()).unwrap()
}

#[test]
fn round_trips_every_frame_type() {
    let typed = BootNotificationResponse {
        current_time: "2025-01-01T00:00:00Z",
        interval: 300,
        status: "Accepted",
    };
    let details = raw(r#"{"field":"interval","limit":[1,2]}"#);
    let ids = ["1", "a\"b\\c/é\t", &"z".repeat(36), ""];
    for version in OcppVersion::ALL {
        let encoder = Encoder::new(version);
        for id in ids {
            let mut frames = vec![
                (
                    encoder.call(id, "Heartbeat", &json!({})).unwrap(),
                    MessageType::Call,
                ),
                (
                    encoder.call(id, "Boot\"Notification", &details).unwrap(),
                    MessageType::Call,
                ),
                (
                    encoder.call_result(id, &typed).unwrap(),
                    MessageType::CallResult,
                ),
                (
                    encoder
                        .call_error(id, ErrorCode::OccurrenceConstraintViolation, "x \"y\"")
                        .unwrap(),
                    MessageType::CallError,
                ),
                (
                    encoder
                        .call_error_with_details(id, ErrorCode::GenericError, "", &details)
                        .unwrap(),
                    MessageType::CallError,
                ),
            ];
            if version == V21 {
                frames.push((
                    encoder
                        .call_result_error(id, ErrorCode::PropertyConstraintViolation, "bad")
                        .unwrap(),
                    MessageType::CallResultError,
                ));
                frames.push((
                    encoder
                        .call_result_error_with_details(
                            id,
                            ErrorCode::FormatViolation,
                            "",
                            &details,
                        )
                        .unwrap(),
                    MessageType::CallResultError,
                ));
                frames.push((
                    encoder
                        .send(id, "NotifyPeriodicEventStream", &json!({"id": 1}))
                        .unwrap(),
                    MessageType::Send,
                ));
            }
            for (text, message_type) in frames {
                let frame = parse(&text, version).unwrap_or_else(|e| panic!("{text}: {e}"));
                assert_eq!(frame.message_type(), message_type, "{text}");
                assert_eq!(frame.message_id(), id, "{text}");
                // Re-encoding gives the same text.
                assert_eq!(encoder.frame(&frame).unwrap(), text);
                // The owned form holds the same frame.
                let owned: OwnedFrame = frame.clone().into_owned();
                assert_eq!(owned.as_frame(), frame);
                assert_eq!(owned.message_id(), id);
                assert_eq!(owned.message_type(), message_type);
                let mut buffer = b"prefix".to_vec();
                encoder.write_frame(&mut buffer, &owned.as_frame()).unwrap();
                assert_eq!(&buffer[6..], text.as_bytes());
            }
        }
    }
}

#[test]
fn encoded_frames_have_the_expected_text() {
    let v16 = Encoder::new(V16);
    let v201 = Encoder::new(V201);
    let v21 = Encoder::new(V21);
    let payload = json!({"idTag": "ABC"});
    assert_eq!(
        v16.call("1", "Authorize", &payload).unwrap(),
        r#"[2,"1","Authorize",{"idTag":"ABC"}]"#
    );
    assert_eq!(
        v201.call_result("1", &raw(r#"{ "status" : "Accepted" }"#))
            .unwrap(),
        r#"[3,"1",{ "status" : "Accepted" }]"#
    );
    for (encoder, code) in [
        (v16, "OccurenceConstraintViolation"),
        (v201, "OccurrenceConstraintViolation"),
    ] {
        assert_eq!(
            encoder
                .call_error("1", ErrorCode::OccurrenceConstraintViolation, "d")
                .unwrap(),
            format!(r#"[4,"1","{code}","d",{{}}]"#)
        );
    }
    assert_eq!(
        v16.call_error("1", ErrorCode::RpcFrameworkError, "")
            .unwrap(),
        r#"[4,"1","FormationViolation","",{}]"#
    );
    assert_eq!(
        v21.call_result_error("1", ErrorCode::FormatViolation, "d")
            .unwrap(),
        r#"[5,"1","FormatViolation","d",{}]"#
    );
    assert_eq!(v21.send("1", "A", &json!({})).unwrap(), r#"[6,"1","A",{}]"#);

    // Into reusable buffers, appending.
    let mut text = String::from("x");
    v201.write_call(&mut text, "2", "Heartbeat", &json!({}))
        .unwrap();
    v201.write_call_result(&mut text, "2", &json!({"currentTime": "t"}))
        .unwrap();
    v201.write_call_error(&mut text, "2", ErrorCode::InternalError, "é")
        .unwrap();
    assert_eq!(
        text,
        r#"x[2,"2","Heartbeat",{}][3,"2",{"currentTime":"t"}][4,"2","InternalError","é",{}]"#
    );
    let mut bytes = Vec::new();
    v21.write_send(&mut bytes, "3", "A", &json!({})).unwrap();
    v21.write_call_result_error(&mut bytes, "3", ErrorCode::GenericError, "")
        .unwrap();
    v21.write_call_result_error_with_details(
        &mut bytes,
        "3",
        ErrorCode::GenericError,
        "",
        &json!({"k": 1}),
    )
    .unwrap();
    v21.write_call_error_with_details(&mut bytes, "3", ErrorCode::GenericError, "", &json!({}))
        .unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        r#"[6,"3","A",{}][5,"3","GenericError","",{}][5,"3","GenericError","",{"k":1}][4,"3","GenericError","",{}]"#
    );
}

#[test]
fn encoding_errors_leave_the_buffer_unchanged() {
    let v16 = Encoder::new(V16);
    let v21 = Encoder::new(V21);
    let long_id = "x".repeat(37);

    let mut text = String::from("kept");
    let mut bytes = b"kept".to_vec();
    let outcomes = [
        (
            v16.write_call(&mut text, &long_id, "A", &json!({})),
            v16.write_call(&mut bytes, &long_id, "A", &json!({})),
        ),
        (
            v16.write_call(&mut text, "1", "A", &json!([1, 2])),
            v16.write_call(&mut bytes, "1", "A", &json!([1, 2])),
        ),
        (
            v16.write_call_result(&mut text, "1", &5),
            v16.write_call_result(&mut bytes, "1", &5),
        ),
        (
            v21.write_call_error_with_details(&mut text, "1", ErrorCode::GenericError, "", &"d"),
            v21.write_call_error_with_details(&mut bytes, "1", ErrorCode::GenericError, "", &"d"),
        ),
        (
            v16.write_send(&mut text, "1", "A", &json!({})),
            v16.write_send(&mut bytes, "1", "A", &json!({})),
        ),
        (
            v16.write_call_result_error(&mut text, "1", ErrorCode::GenericError, ""),
            v16.write_call_result_error(&mut bytes, "1", ErrorCode::GenericError, ""),
        ),
    ];
    let kinds: Vec<_> = outcomes
        .into_iter()
        .map(|(a, b)| {
            let (a, b) = (a.unwrap_err(), b.unwrap_err());
            assert_eq!(a.to_string(), b.to_string());
            a
        })
        .collect();
    assert!(matches!(
        kinds[0],
        EncodeError::MessageIdTooLong { chars: 37 }
    ));
    assert!(matches!(kinds[1], EncodeError::PayloadNotObject));
    assert!(matches!(kinds[2], EncodeError::PayloadNotObject));
    assert!(matches!(kinds[3], EncodeError::DetailsNotObject));
    assert!(matches!(
        kinds[4],
        EncodeError::UnsupportedMessageType {
            message_type: MessageType::Send,
            version: V16
        }
    ));
    assert!(matches!(
        kinds[5],
        EncodeError::UnsupportedMessageType {
            message_type: MessageType::CallResultError,
            ..
        }
    ));
    assert_eq!(text, "kept");
    assert_eq!(bytes, b"kept");

    // A payload that fails to serialize half-way.
    #[derive(Serialize)]
    struct Fails {
        ok: u8,
        #[serde(serialize_with = "fail")]
        bad: u8,
    }
    fn fail<S: serde::Serializer>(_: &u8, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("refused"))
    }
    let payload = Fails { ok: 1, bad: 2 };
    assert!(matches!(
        v16.write_call(&mut text, "1", "A", &payload),
        Err(EncodeError::Serialize(_))
    ));
    assert!(v16.write_call(&mut bytes, "1", "A", &payload).is_err());
    assert_eq!(text, "kept");
    assert_eq!(bytes, b"kept");
}

#[test]
fn long_descriptions_are_cut_to_255_characters() {
    let description = "é".repeat(300);
    let kept = "é".repeat(MAX_ERROR_DESCRIPTION_LEN);
    for version in OcppVersion::ALL {
        let encoder = Encoder::new(version);
        let text = encoder
            .call_error("1", ErrorCode::GenericError, &description)
            .unwrap();
        let frame = parse(&text, version).unwrap();
        assert_eq!(frame.error().unwrap().description, kept);
        // Re-encoding a frame with a long description cuts it too.
        let long = format!(r#"[4,"1","GenericError","{description}",{{}}]"#);
        let frame = parse(&long, version).unwrap();
        assert_eq!(encoder.frame(&frame).unwrap(), text);
    }
    let text = Encoder::new(V21)
        .call_result_error("1", ErrorCode::GenericError, &description)
        .unwrap();
    assert_eq!(
        parse(&text, V21).unwrap().error().unwrap().description,
        kept
    );
    let exact = "x".repeat(MAX_ERROR_DESCRIPTION_LEN);
    let text = Encoder::new(V16)
        .call_error("1", ErrorCode::GenericError, &exact)
        .unwrap();
    assert_eq!(
        parse(&text, V16).unwrap().error().unwrap().description,
        exact
    );
}

#[test]
fn generated_ids_are_unique_and_valid() {
    let ids = MessageIdGenerator::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..1000 {
        let id = ids.next_id();
        assert!(id.chars().count() <= MAX_MESSAGE_ID_LEN);
        assert!(seen.insert(id));
    }
    let text = Encoder::new(V201)
        .call(&ids.next_id(), "Heartbeat", &json!({}))
        .unwrap();
    assert!(parse(&text, V201).is_ok());
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let deep_object = format!("{}0{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let payload_text = format!(r#"[2,"1","A",{deep_object}]"#);
    let frame = parse(&payload_text, V201).unwrap();
    assert_eq!(frame.payload().unwrap().get().len(), deep_object.len());
    for input in [
        nested.clone(),
        format!("[{nested}]"),
        format!(r#"[2,{nested},"A",{{}}]"#),
        format!(r#"[2,"1",{nested},{{}}]"#),
        format!(r#"[4,"1","A",{nested},{{}}]"#),
        format!(r#"[2,"1","A",{{}},{nested}]"#),
        format!(r#"[9,"1",{nested}]"#),
        deep_object.clone(),
    ] {
        for version in OcppVersion::ALL {
            let error = parse_err(&input, version);
            let _ = error.answer();
        }
    }
}

/// Checks what must hold for any input: no panic, a defined error code, a well-formed answer.
fn check_any_input(input: &str) {
    for version in OcppVersion::ALL {
        match parse(input, version) {
            Ok(frame) => {
                assert!(frame.message_type().exists_in(version));
                assert!(frame.message_id().chars().count() <= MAX_MESSAGE_ID_LEN);
                // A frame that was read is written back and reads the same.
                let text = Encoder::new(version).frame(&frame).unwrap();
                let reparsed = parse(&text, version).unwrap();
                match (frame.error(), reparsed.error()) {
                    // Descriptions over 255 characters are cut when written.
                    (Some(read), Some(written))
                        if read.description.chars().count() > MAX_ERROR_DESCRIPTION_LEN =>
                    {
                        assert!(read.description.starts_with(&*written.description));
                        assert_eq!(written.description.chars().count(), 255);
                        assert_eq!(read.error_code, written.error_code);
                        assert_eq!(read.details.get(), written.details.get());
                    }
                    _ => assert_eq!(reparsed, frame),
                }
            }
            Err(error) => {
                let code = error.error_code();
                let name = code.wire_name(version);
                let read = ErrorCode::from_wire(name).expect("a defined name");
                assert!(read.defined_in(version), "{name} in {version}");
                if let Some(id) = error.message_id() {
                    assert!(id.chars().count() <= MAX_MESSAGE_ID_LEN);
                }
                if matches!(
                    error.kind(),
                    FrameErrorKind::UnknownMessageType | FrameErrorKind::UnsupportedMessageType(_)
                ) {
                    assert_eq!(error.answer(), None);
                }
                if let Some(answer) = error.answer() {
                    let frame = parse(&answer, version).unwrap();
                    let reply = frame.error().expect("an error frame");
                    let read = reply.code().expect("a defined code");
                    assert!(read.defined_in(version));
                    assert_eq!(reply.error_code, read.wire_name(version));
                    match frame.message_type() {
                        MessageType::CallError => {}
                        MessageType::CallResultError => {
                            assert_eq!(version, V21);
                            assert_eq!(error.message_type(), Some(MessageType::CallResult));
                        }
                        other => panic!("answered with a {other}"),
                    }
                    assert!(!matches!(
                        error.message_type(),
                        Some(
                            MessageType::CallError
                                | MessageType::CallResultError
                                | MessageType::Send
                        )
                    ));
                }
            }
        }
    }
}

/// JSON-ish array elements, valid and not, that exercise every position of a frame.
fn element() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..9).prop_map(|n| n.to_string()),
        Just("-1".to_owned()),
        Just("2.0".to_owned()),
        Just("1e3".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("{}".to_owned()),
        Just("[]".to_owned()),
        Just(r#"{"a":[1,{"b":null}],"c":"\u00e9"}"#.to_owned()),
        Just(r#""GenericError""#.to_owned()),
        Just(r#""FormationViolation""#.to_owned()),
        Just(r#""Heartbeat""#.to_owned()),
        "[a-zA-Z0-9 ]{0,40}".prop_map(|s| format!("\"{s}\"")),
        "[a-z\"\\\\/\u{e9}\u{1F600}]{0,40}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just(r#""\ud800""#.to_owned()),
        Just("{".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just("\"unterminated".to_owned()),
    ]
}

fn array() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(element(), 0..7),
        prop::sample::select(vec!["", " ", "\n\t ", "\r\n"]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(elements, space, open, close)| {
            let separator = format!(",{space}");
            format!(
                "{space}{}{}{}{space}",
                if open { "[" } else { "" },
                elements.join(&separator),
                if close { "]" } else { "" }
            )
        })
}

fn text_up_to(chars: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..=chars).prop_map(String::from_iter)
}

fn json_object() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e9f64..1e9).prop_map(serde_json::Value::from),
        text_up_to(12).prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(text_up_to(6), inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(text_up_to(8), value, 0..5)
        .prop_map(|map| serde_json::Value::Object(map.into_iter().collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn encoded_frames_read_back(
        id in text_up_to(MAX_MESSAGE_ID_LEN),
        action in text_up_to(40),
        description in text_up_to(300),
        code in prop::sample::select(ErrorCode::ALL.to_vec()),
        payload in json_object(),
        cut in any::<prop::sample::Index>(),
    ) {
        let payload_text = serde_json::to_string(&payload).unwrap();
        let clipped: String = description.chars().take(MAX_ERROR_DESCRIPTION_LEN).collect();
        for version in OcppVersion::ALL {
            let encoder = Encoder::new(version);
            let mut texts = vec![
                encoder.call(&id, &action, &payload).unwrap(),
                encoder.call_result(&id, &payload).unwrap(),
                encoder.call_error_with_details(&id, code, &description, &payload).unwrap(),
            ];
            if version == V21 {
                texts.push(encoder.send(&id, &action, &payload).unwrap());
                texts.push(
                    encoder
                        .call_result_error_with_details(&id, code, &description, &payload)
                        .unwrap(),
                );
            }
            for text in &texts {
                let frame = parse(text, version).unwrap();
                prop_assert_eq!(frame.message_id(), id.as_str());
                if let Some(read) = frame.action() {
                    prop_assert_eq!(read, action.as_str());
                }
                let object = frame
                    .payload()
                    .or_else(|| frame.error().map(|error| error.details))
                    .unwrap();
                prop_assert_eq!(object.get(), payload_text.as_str());
                if let Some(error) = frame.error() {
                    prop_assert_eq!(&error.description, &clipped);
                    prop_assert_eq!(error.code(), Some(code).filter(|c| c.defined_in(version))
                        .or(Some(ErrorCode::FormatViolation)));
                }
                prop_assert_eq!(&encoder.frame(&frame).unwrap(), text);
                // Any prefix of a frame is handled.
                let end = cut.index(text.len() + 1);
                if let Some(prefix) = text.get(..end) {
                    check_any_input(prefix);
                }
            }
        }
    }

    #[test]
    fn any_string_is_handled(input in any::<String>()) {
        check_any_input(&input);
    }

    #[test]
    fn any_bytes_are_handled(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_any_input(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn any_json_ish_array_is_handled(input in array()) {
        check_any_input(&input);
        // The same input over a tight size limit is rejected without a panic.
        for version in OcppVersion::ALL {
            let limits = FrameLimits::new(input.len() / 2);
            if input.len() > limits.max_frame_len {
                let error = Frame::parse(&input, version, limits).unwrap_err();
                let too_large = matches!(error.kind(), FrameErrorKind::TooLarge { .. });
                prop_assert!(too_large);
                let _ = error.answer();
            }
        }
    }
}
