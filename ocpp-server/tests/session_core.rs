//! The session core, driven by hand: frames in, frames and events out, time passed in.

use std::time::{Duration, Instant};

use ocpp_server::session::{CLOSE_POLICY, CLOSE_TOO_BIG};
use ocpp_server::{
    AnyRequest, CallOutcome, ErrorReply, Event, Role, Session, SessionConfig, SessionError, Warning,
};
use ocpp_types::rpc::FrameLimits;
use ocpp_types::validate::ValidationOptions;
use ocpp_types::{ErrorCode, OcppVersion, v16, v21, v201};
use serde_json::{Value, json};

fn csms(version: OcppVersion) -> Session {
    Session::new(SessionConfig::new(version, Role::Csms)).unwrap()
}

fn station(version: OcppVersion) -> Session {
    Session::new(SessionConfig::new(version, Role::ChargingStation)).unwrap()
}

fn transmits(session: &mut Session) -> Vec<Value> {
    std::iter::from_fn(|| session.poll_transmit())
        .map(|text| serde_json::from_str(&text).unwrap())
        .collect()
}

fn events(session: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| session.poll_event()).collect()
}

/// The one event `session` has, whatever it is.
fn one(session: &mut Session) -> Event {
    let mut all = events(session);
    assert_eq!(all.len(), 1, "one event expected: {all:?}");
    all.remove(0)
}

/// Moves every frame `from` has to send into `to`.
fn deliver(now: Instant, from: &mut Session, to: &mut Session) -> usize {
    let mut count = 0;
    while let Some(text) = from.poll_transmit() {
        to.on_text(now, &text);
        count += 1;
    }
    count
}

fn id_of(frame: &Value) -> String {
    frame[1].as_str().unwrap().to_owned()
}

const BOOT_16: &str = r#"{"chargePointVendor":"ACME","chargePointModel":"One"}"#;

#[test]
fn one_call_in_flight_and_the_rest_wait_in_order() {
    let now = Instant::now();
    let mut cs = csms(OcppVersion::V16);
    let first = cs.call(now, "Reset", &json!({"type": "Soft"})).unwrap();
    let second = cs
        .call(now, "ClearCache", &json!({}))
        .expect("queued behind the first");
    let third = cs
        .call(now, "GetConfiguration", &json!({}))
        .expect("queued too");
    let sent = transmits(&mut cs);
    assert_eq!(sent.len(), 1, "only the first call goes out: {sent:?}");
    assert_eq!(sent[0][2], "Reset");
    assert_eq!(cs.in_flight(), Some(first));
    assert_eq!(cs.queued(), 2);

    // The answer releases the next call, in order.
    cs.on_text(
        now,
        &format!(r#"[3,"{}",{{"status":"Accepted"}}]"#, id_of(&sent[0])),
    );
    let next = transmits(&mut cs);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0][2], "ClearCache");
    let Event::Outcome { id, outcome, .. } = one(&mut cs) else {
        panic!("one outcome")
    };
    assert_eq!(id, first);
    let response = outcome.decode::<v16::ResetRequest>().unwrap();
    assert_eq!(response.status, v16::ResetStatus::Accepted);

    cs.on_text(
        now,
        &format!(r#"[4,"{}","NotSupported","no",{{}}]"#, id_of(&next[0])),
    );
    let last = transmits(&mut cs);
    assert_eq!(last[0][2], "GetConfiguration");
    let Event::Outcome { id, outcome, .. } = one(&mut cs) else {
        panic!("one outcome")
    };
    assert_eq!(id, second);
    assert!(matches!(
        outcome,
        CallOutcome::CallError { code: Some(ErrorCode::NotSupported), ref description, .. }
            if description == "no"
    ));
    assert_eq!(cs.in_flight(), Some(third));
}

#[test]
fn the_queue_is_bounded() {
    let now = Instant::now();
    let mut config = SessionConfig::new(OcppVersion::V201, Role::Csms);
    config.max_queued_calls = 2;
    let mut cs = Session::new(config).unwrap();
    for _ in 0..3 {
        cs.call(now, "GetLocalListVersion", &json!({})).unwrap();
    }
    assert!(matches!(
        cs.call(now, "GetLocalListVersion", &json!({})),
        Err(SessionError::QueueFull { capacity: 2 })
    ));
}

#[test]
fn incoming_calls_are_handled_while_our_call_waits() {
    let now = Instant::now();
    let mut cs = csms(OcppVersion::V16);
    let mut cp = station(OcppVersion::V16);
    let ours = cs.call(now, "ClearCache", &json!({})).unwrap();
    // The station sends a BootNotification before it answers our call.
    cp.call(
        now,
        "BootNotification",
        &serde_json::from_str::<Value>(BOOT_16).unwrap(),
    )
    .unwrap();
    deliver(now, &mut cp, &mut cs);
    let Event::Call(call) = one(&mut cs) else {
        panic!("the station's call reaches the application")
    };
    assert!(matches!(
        call.request,
        AnyRequest::V16(v16::Request::BootNotification(_))
    ));
    cs.respond(
        now,
        &call.message_id,
        Ok(&json!({"status": "Accepted", "currentTime": "2025-01-01T00:00:00Z", "interval": 300})),
    )
    .unwrap();
    // Our call is still in flight; the answer to the station's call went out before it ends.
    assert_eq!(cs.in_flight(), Some(ours));
    deliver(now, &mut cs, &mut cp);
    let cp_events = events(&mut cp);
    assert!(
        cp_events
            .iter()
            .any(|e| matches!(e, Event::Call(c) if c.request.action() == "ClearCache"))
    );
    assert!(cp_events.iter().any(|e| matches!(e, Event::Outcome { action, outcome: CallOutcome::Result { .. }, .. } if action == "BootNotification")));
}

#[test]
fn a_call_times_out_and_its_late_answer_is_dropped() {
    let start = Instant::now();
    let mut cs = csms(OcppVersion::V201);
    let first = cs.call(start, "ClearCache", &json!({})).unwrap();
    cs.call(start, "GetLocalListVersion", &json!({})).unwrap();
    let sent = transmits(&mut cs);
    assert_eq!(cs.poll_timeout(), Some(start + Duration::from_secs(30)));

    // Before the deadline nothing happens.
    cs.on_timeout(start + Duration::from_secs(29));
    assert!(events(&mut cs).is_empty());

    let later = start + Duration::from_secs(30);
    cs.on_timeout(later);
    let Event::Outcome {
        id,
        outcome: CallOutcome::Timeout,
        ..
    } = one(&mut cs)
    else {
        panic!("a timeout")
    };
    assert_eq!(id, first);
    // The next call goes out with a fresh deadline.
    assert_eq!(transmits(&mut cs)[0][2], "GetLocalListVersion");
    assert_eq!(cs.poll_timeout(), Some(later + Duration::from_secs(30)));

    cs.on_text(
        later,
        &format!(r#"[3,"{}",{{"status":"Accepted"}}]"#, id_of(&sent[0])),
    );
    let Event::Warning(Warning::UnexpectedAnswer { late: true, .. }) = one(&mut cs) else {
        panic!("a warning about a late answer")
    };
}

#[test]
fn answers_with_unknown_ids_are_dropped_with_a_warning() {
    let now = Instant::now();
    let mut cs = csms(OcppVersion::V16);
    let ours = cs.call(now, "ClearCache", &json!({})).unwrap();
    cs.on_text(now, r#"[3,"nobody-asked",{"status":"Accepted"}]"#);
    cs.on_text(now, r#"[4,"nor-this","GenericError","",{}]"#);
    let warnings = events(&mut cs);
    assert_eq!(warnings.len(), 2);
    assert!(warnings.iter().all(|e| matches!(
        e,
        Event::Warning(Warning::UnexpectedAnswer { late: false, .. })
    )));
    assert!(
        transmits(&mut cs).len() == 1,
        "only our call, nothing answers the strays"
    );
    assert_eq!(cs.in_flight(), Some(ours));
}

#[test]
fn malformed_frames_get_the_answer_the_version_prescribes() {
    let now = Instant::now();
    // A CALL whose payload is not an object, id recoverable.
    let mut cs = csms(OcppVersion::V16);
    cs.on_text(now, r#"[2,"m1","Heartbeat",[]]"#);
    let answer = transmits(&mut cs);
    assert_eq!(
        answer[0],
        json!([4, "m1", "FormationViolation", answer[0][3], {}])
    );

    let mut cs = csms(OcppVersion::V201);
    cs.on_text(now, r#"[2,"m1","Heartbeat",[]]"#);
    assert_eq!(transmits(&mut cs)[0][2], "FormatViolation");

    // No id: 2.x answers with id "-1" and RpcFrameworkError; 1.6 cannot answer.
    cs.on_text(now, r#"{"not": "an array"}"#);
    let answer = transmits(&mut cs);
    assert_eq!(answer[0][1], "-1");
    assert_eq!(answer[0][2], "RpcFrameworkError");
    let mut cs = csms(OcppVersion::V16);
    cs.on_text(now, "not json");
    assert!(transmits(&mut cs).is_empty());
    assert!(matches!(
        events(&mut cs).as_slice(),
        [Event::Warning(Warning::MalformedFrame {
            answered: false,
            ..
        })]
    ));
}

#[test]
fn unknown_actions_get_not_implemented() {
    let now = Instant::now();
    for version in OcppVersion::ALL {
        let mut cs = csms(version);
        cs.on_text(now, r#"[2,"x1","MakeCoffee",{}]"#);
        let answer = transmits(&mut cs);
        assert_eq!(answer[0][0], 4, "{version}");
        assert_eq!(answer[0][1], "x1");
        assert_eq!(answer[0][2], "NotImplemented", "{version}");
        assert!(matches!(
            events(&mut cs).as_slice(),
            [Event::Warning(Warning::CallRefused {
                code: ErrorCode::NotImplemented,
                ..
            })]
        ));
    }
}

#[test]
fn actions_the_peer_may_not_send_are_not_supported() {
    let now = Instant::now();
    // A station may not send Reset to the CSMS.
    let mut cs = csms(OcppVersion::V201);
    cs.on_text(now, r#"[2,"r1","Reset",{"type":"Immediate"}]"#);
    assert_eq!(transmits(&mut cs)[0][2], "NotSupported");
}

#[test]
fn invalid_payloads_get_the_violation_code_in_the_version_spelling() {
    let now = Instant::now();
    let mut cs = csms(OcppVersion::V16);
    // chargePointModel missing: an occurrence constraint.
    cs.on_text(
        now,
        r#"[2,"b1","BootNotification",{"chargePointVendor":"ACME"}]"#,
    );
    assert_eq!(transmits(&mut cs)[0][2], "OccurenceConstraintViolation");
    let mut cs = csms(OcppVersion::V201);
    cs.on_text(now, r#"[2,"b1","BootNotification",{"reason":"PowerUp"}]"#);
    assert_eq!(transmits(&mut cs)[0][2], "OccurrenceConstraintViolation");
}

#[test]
fn application_errors_become_call_errors_spelled_for_the_version() {
    let now = Instant::now();
    let mut cs = csms(OcppVersion::V16);
    cs.on_text(now, &format!(r#"[2,"b1","BootNotification",{BOOT_16}]"#));
    let Event::Call(call) = one(&mut cs) else {
        panic!()
    };
    let mut reply = ErrorReply::new(ErrorCode::FormatViolation, "vendor unknown");
    reply.details = Some(serde_json::Map::from_iter([(
        "hint".to_owned(),
        json!("register"),
    )]));
    cs.respond::<Value>(now, &call.message_id, Err(reply))
        .unwrap();
    assert_eq!(
        transmits(&mut cs)[0],
        json!([4, "b1", "FormationViolation", "vendor unknown", {"hint": "register"}])
    );
    // Answering twice is refused.
    assert!(matches!(
        cs.respond(now, "b1", Ok(&json!({}))),
        Err(SessionError::UnknownIncomingCall(_))
    ));
    // RpcFrameworkError does not exist in 1.6: FormationViolation stands for it.
    cs.on_text(now, r#"[2,"h1","Heartbeat",{}]"#);
    let _ = events(&mut cs);
    cs.respond::<Value>(
        now,
        "h1",
        Err(ErrorReply::new(ErrorCode::RpcFrameworkError, "x")),
    )
    .unwrap();
    assert_eq!(transmits(&mut cs)[0][2], "FormationViolation");
}

#[test]
fn duplicate_incoming_ids_are_dropped() {
    let now = Instant::now();
    let mut cs = csms(OcppVersion::V16);
    cs.on_text(now, r#"[2,"h1","Heartbeat",{}]"#);
    cs.on_text(now, r#"[2,"h1","Heartbeat",{}]"#);
    let events = events(&mut cs);
    assert!(matches!(events[0], Event::Call(_)));
    assert!(matches!(
        events[1],
        Event::Warning(Warning::DuplicateCall { .. })
    ));
}

#[test]
fn too_many_waiting_incoming_calls_get_rpc_framework_error() {
    let now = Instant::now();
    let mut config = SessionConfig::new(OcppVersion::V201, Role::Csms);
    config.max_pending_incoming = 1;
    let mut cs = Session::new(config).unwrap();
    cs.on_text(now, r#"[2,"h1","Heartbeat",{}]"#);
    cs.on_text(now, r#"[2,"h2","Heartbeat",{}]"#);
    let answer = transmits(&mut cs);
    assert_eq!(
        answer,
        vec![json!([4, "h2", "RpcFrameworkError", answer[0][3], {}])]
    );
}

#[test]
fn send_messages_never_wait_and_are_never_answered() {
    let now = Instant::now();
    let mut cp = station(OcppVersion::V21);
    let mut cs = csms(OcppVersion::V21);
    cp.call(now, "Heartbeat", &json!({})).unwrap();
    let stream = json!({"id": 1, "pending": 0, "basetime": "2025-01-01T00:00:00Z", "data": [{"t": 0, "v": "1"}]});
    cp.send(now, "NotifyPeriodicEventStream", &stream).unwrap();
    cp.send(now, "NotifyPeriodicEventStream", &stream).unwrap();
    assert_eq!(
        deliver(now, &mut cp, &mut cs),
        3,
        "the SENDs go out behind the pending call"
    );
    let got = events(&mut cs);
    assert_eq!(
        got.iter().filter(|e| matches!(e, Event::Send(_))).count(),
        2
    );
    assert_eq!(transmits(&mut cs).len(), 0, "SENDs are not answered");

    // A SEND-only action as a CALL is refused, a CALL action as a SEND rejected locally.
    cs.on_text(
        now,
        &format!(r#"[2,"s1","NotifyPeriodicEventStream",{stream}]"#),
    );
    assert_eq!(transmits(&mut cs)[0][2], "NotSupported");
    let _ = events(&mut cs);
    assert!(matches!(
        cp.send(now, "Heartbeat", &json!({})),
        Err(SessionError::WrongMessageKind { is_send: false, .. })
    ));
    // An invalid SEND is dropped with a warning, silently for the peer.
    cs.on_text(now, r#"[6,"s2","NotifyPeriodicEventStream",{"id":"x"}]"#);
    assert!(matches!(
        events(&mut cs).as_slice(),
        [Event::Warning(Warning::SendDropped { .. })]
    ));
    assert!(transmits(&mut cs).is_empty());
}

#[test]
fn call_result_error_reports_that_the_peer_rejected_our_result() {
    let now = Instant::now();
    let mut cs = csms(OcppVersion::V21);
    cs.on_text(now, r#"[5,"r9","FormatViolation","bad status",{}]"#);
    let Event::ResultRejected {
        message_id,
        error_code,
        ..
    } = one(&mut cs)
    else {
        panic!()
    };
    assert_eq!(
        (message_id.as_str(), error_code.as_str()),
        ("r9", "FormatViolation")
    );
}

#[test]
fn an_invalid_call_result_fails_the_call_and_in_21_is_answered() {
    let now = Instant::now();
    for version in [OcppVersion::V201, OcppVersion::V21] {
        let mut cs = csms(version);
        cs.call(now, "ClearCache", &json!({})).unwrap();
        let sent = transmits(&mut cs);
        cs.on_text(
            now,
            &format!(r#"[3,"{}",{{"status":"Maybe"}}]"#, id_of(&sent[0])),
        );
        assert!(matches!(
            events(&mut cs).as_slice(),
            [Event::Outcome {
                outcome: CallOutcome::InvalidResponse(_),
                ..
            }]
        ));
        let answer = transmits(&mut cs);
        if version == OcppVersion::V21 {
            assert_eq!(answer[0][0], 5);
            assert_eq!(answer[0][1], sent[0][1]);
            assert_eq!(answer[0][2], "PropertyConstraintViolation");
        } else {
            assert!(answer.is_empty());
        }
    }
}

#[test]
fn validation_mode_comes_from_the_session_config() {
    let now = Instant::now();
    // An over-long vendor (max 20 in 1.6).
    let frame = r#"[2,"b1","BootNotification",{"chargePointVendor":"A vendor with a very long name","chargePointModel":"One"}]"#;
    let mut strict = csms(OcppVersion::V16);
    strict.on_text(now, frame);
    assert_eq!(transmits(&mut strict)[0][2], "PropertyConstraintViolation");

    let mut config = SessionConfig::new(OcppVersion::V16, Role::Csms);
    config.validation = ValidationOptions::lenient();
    let mut lenient = Session::new(config).unwrap();
    lenient.on_text(now, frame);
    let Event::Call(call) = one(&mut lenient) else {
        panic!()
    };
    assert_eq!(call.warnings.len(), 1);
}

#[test]
fn an_oversized_frame_closes_with_1009_and_ends_every_call() {
    let now = Instant::now();
    let mut config = SessionConfig::new(OcppVersion::V201, Role::Csms);
    config.frame_limits = FrameLimits::new(64);
    let mut cs = Session::new(config).unwrap();
    cs.call(now, "ClearCache", &json!({})).unwrap();
    cs.call(now, "GetLocalListVersion", &json!({})).unwrap();
    let _ = transmits(&mut cs);
    cs.on_text(
        now,
        &format!(r#"[2,"h1","Heartbeat",{{"pad":"{}"}}]"#, "x".repeat(100)),
    );
    let got = events(&mut cs);
    assert_eq!(
        got.iter()
            .filter(|e| matches!(
                e,
                Event::Outcome {
                    outcome: CallOutcome::Closed,
                    ..
                }
            ))
            .count(),
        2
    );
    assert!(matches!(got.last(), Some(Event::Close(close)) if close.code == CLOSE_TOO_BIG));
    assert!(cs.is_closed());
    assert!(matches!(
        cs.call(now, "ClearCache", &json!({})),
        Err(SessionError::Closed)
    ));
}

#[test]
fn a_peer_sending_too_many_bad_frames_is_disconnected() {
    let now = Instant::now();
    let mut config = SessionConfig::new(OcppVersion::V16, Role::Csms);
    config.max_bad_frames = 3;
    let mut cs = Session::new(config).unwrap();
    for _ in 0..2 {
        cs.on_text(now, "[");
    }
    assert!(!cs.is_closed());
    cs.on_text(now, "[");
    assert!(cs.is_closed());
    assert!(matches!(
        events(&mut cs).last(),
        Some(Event::Close(close)) if close.code == CLOSE_POLICY
    ));
}

#[test]
fn invalid_payloads_count_toward_the_bad_frame_budget() {
    let now = Instant::now();
    for version in OcppVersion::ALL {
        let mut config = SessionConfig::new(version, Role::Csms);
        config.max_bad_frames = 3;
        let mut cs = Session::new(config).unwrap();
        // Well-formed frames whose payloads fail validation: each answered, each counted.
        let invalid = [
            r#"[2,"i1","BootNotification",{}]"#,
            r#"[2,"i2","BootNotification",{"reason":17}]"#,
        ];
        for frame in invalid {
            cs.on_text(now, frame);
            let answer = transmits(&mut cs);
            assert_eq!(answer.len(), 1, "{version}: {answer:?}");
            assert_eq!(answer[0][0], 4, "{version}");
            assert!(!cs.is_closed(), "{version}");
        }
        // Valid calls, and refusals that are not about the payload, count for nothing.
        cs.on_text(now, r#"[2,"h1","Heartbeat",{}]"#);
        cs.on_text(now, r#"[2,"x1","MakeCoffee",{}]"#);
        let _ = transmits(&mut cs);
        assert!(!cs.is_closed(), "{version}");
        let _ = events(&mut cs);
        // The third invalid payload is still answered, then the session closes with 1008.
        cs.on_text(now, r#"[2,"i3","BootNotification",{}]"#);
        assert_eq!(transmits(&mut cs)[0][1], "i3", "{version}");
        assert!(cs.is_closed(), "{version}");
        assert!(matches!(
            events(&mut cs).last(),
            Some(Event::Close(close)) if close.code == CLOSE_POLICY
        ));
    }
}

#[test]
fn malformed_frames_and_invalid_payloads_share_one_budget() {
    let now = Instant::now();
    let mut config = SessionConfig::new(OcppVersion::V21, Role::Csms);
    config.max_bad_frames = 3;
    let mut cs = Session::new(config).unwrap();
    cs.on_text(now, "[");
    cs.on_text(now, r#"[2,"i1","BootNotification",{}]"#);
    assert!(!cs.is_closed());
    // An invalid SEND, dropped without an answer, counts too.
    cs.on_text(now, r#"[6,"s1","NotifyPeriodicEventStream",{"id":"x"}]"#);
    assert!(cs.is_closed());
    assert!(matches!(
        events(&mut cs).last(),
        Some(Event::Close(close)) if close.code == CLOSE_POLICY
    ));
}

#[test]
fn commands_are_checked_against_version_and_role() {
    let now = Instant::now();
    let mut cs = csms(OcppVersion::V16);
    assert!(matches!(
        cs.call(now, "BootNotification", &json!({})),
        Err(SessionError::NotAllowedForRole { .. })
    ));
    assert!(matches!(
        cs.call(now, "TransactionEvent", &json!({})),
        Err(SessionError::UnknownAction { .. })
    ));
    assert!(matches!(
        cs.call_typed(now, &v201::ClearCacheRequest::default()),
        Err(SessionError::WrongVersion { .. })
    ));
}

#[test]
fn back_to_back_exchanges_in_16_and_201() {
    let now = Instant::now();
    // 1.6: boot, then the CSMS resets the station, typed on both sides.
    let mut cs = csms(OcppVersion::V16);
    let mut cp = station(OcppVersion::V16);
    let boot: v16::BootNotificationRequest = serde_json::from_str(BOOT_16).unwrap();
    let boot_id = cp.call_typed(now, &boot).unwrap();
    deliver(now, &mut cp, &mut cs);
    let Event::Call(call) = one(&mut cs) else {
        panic!()
    };
    let AnyRequest::V16(v16::Request::BootNotification(received)) = &call.request else {
        panic!()
    };
    assert_eq!(received, &boot);
    let accepted: v16::BootNotificationResponse = serde_json::from_value(
        json!({"status": "Accepted", "currentTime": "2025-03-01T10:00:00.123Z", "interval": 60}),
    )
    .unwrap();
    cs.respond(now, &call.message_id, Ok(&accepted)).unwrap();
    deliver(now, &mut cs, &mut cp);
    let Event::Outcome { id, outcome, .. } = one(&mut cp) else {
        panic!()
    };
    assert_eq!(id, boot_id);
    assert_eq!(
        outcome.decode::<v16::BootNotificationRequest>(),
        Some(accepted)
    );

    // 2.0.1: a TransactionEvent from the station, a RequestStopTransaction from the CSMS.
    let mut cs = csms(OcppVersion::V201);
    let mut cp = station(OcppVersion::V201);
    cp.call(
        now,
        "TransactionEvent",
        &json!({
            "eventType": "Started", "timestamp": "2025-03-01T10:00:00Z",
            "triggerReason": "Authorized", "seqNo": 0,
            "transactionInfo": {"transactionId": "tx-1"},
            "idToken": {"idToken": "AABBCC", "type": "ISO14443"}
        }),
    )
    .unwrap();
    let stop = cs
        .call_typed(
            now,
            &v201::RequestStopTransactionRequest {
                transaction_id: "tx-1".to_owned(),
                custom_data: None,
            },
        )
        .unwrap();
    deliver(now, &mut cp, &mut cs);
    deliver(now, &mut cs, &mut cp);
    let at_cs = events(&mut cs);
    let at_cp = events(&mut cp);
    let Some(Event::Call(tx)) = at_cs.first() else {
        panic!("{at_cs:?}")
    };
    let Some(Event::Call(stop_call)) = at_cp.first() else {
        panic!("{at_cp:?}")
    };
    cs.respond(now, &tx.message_id, Ok(&json!({}))).unwrap();
    cp.respond(
        now,
        &stop_call.message_id,
        Ok(&json!({"status": "Accepted"})),
    )
    .unwrap();
    deliver(now, &mut cp, &mut cs);
    deliver(now, &mut cs, &mut cp);
    let Event::Outcome { id, outcome, .. } = one(&mut cs) else {
        panic!()
    };
    assert_eq!(id, stop);
    assert_eq!(
        outcome
            .decode::<v201::RequestStopTransactionRequest>()
            .unwrap()
            .status,
        v201::RequestStartStopStatus::Accepted
    );
    assert!(matches!(
        events(&mut cp).as_slice(),
        [Event::Outcome {
            outcome: CallOutcome::Result { .. },
            ..
        }]
    ));
}

#[test]
fn closing_ends_every_call_once() {
    let now = Instant::now();
    let mut cp = station(OcppVersion::V21);
    let a = cp.call(now, "Heartbeat", &json!({})).unwrap();
    let b = cp.call(now, "Heartbeat", &json!({})).unwrap();
    cp.on_closed(now);
    let ids: Vec<_> = events(&mut cp)
        .into_iter()
        .map(|e| match e {
            Event::Outcome {
                id,
                outcome: CallOutcome::Closed,
                ..
            } => id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, vec![a, b]);
    cp.on_closed(now);
    assert!(events(&mut cp).is_empty());
    let _ = v21::HeartbeatRequest::default();
}

mod properties {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Step {
        /// The CSMS makes a call.
        Call,
        /// The station answers the oldest call it has seen, with a result or an error.
        Answer { error: bool },
        /// A stray answer with an id nobody used.
        Stray,
        /// Time passes.
        Wait(u64),
        /// The connection drops.
        Drop,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => Just(Step::Call),
            4 => any::<bool>().prop_map(|error| Step::Answer { error }),
            1 => Just(Step::Stray),
            2 => (0u64..40).prop_map(Step::Wait),
            1 => Just(Step::Drop),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever happens, at most one CALL is unanswered on the wire, and every accepted
        /// call ends in exactly one outcome (after the connection drops at the latest).
        #[test]
        fn one_call_in_flight_and_one_outcome_per_call(steps in prop::collection::vec(step(), 1..60)) {
            let start = Instant::now();
            let mut now = start;
            let mut cs = csms(OcppVersion::V201);
            let mut accepted = Vec::new();
            let mut outcomes: HashMap<u64, usize> = HashMap::new();
            // CALL frames the station has received and not answered.
            let mut unanswered: Vec<String> = Vec::new();
            for step in steps {
                match step {
                    Step::Call => {
                        if let Ok(id) = cs.call(now, "ClearCache", &json!({})) {
                            accepted.push(id.get());
                        }
                    }
                    Step::Answer { error } => {
                        if !unanswered.is_empty() {
                            let id = unanswered.remove(0);
                            let text = if error {
                                format!(r#"[4,"{id}","GenericError","",{{}}]"#)
                            } else {
                                format!(r#"[3,"{id}",{{"status":"Accepted"}}]"#)
                            };
                            cs.on_text(now, &text);
                        }
                    }
                    Step::Stray => cs.on_text(now, r#"[3,"stray",{"status":"Accepted"}]"#),
                    Step::Wait(seconds) => {
                        now += Duration::from_secs(seconds);
                        if cs.poll_timeout().is_some_and(|deadline| deadline <= now) {
                            cs.on_timeout(now);
                        }
                    }
                    Step::Drop => cs.on_closed(now),
                }
                for frame in transmits(&mut cs) {
                    prop_assert_eq!(frame[0].as_u64(), Some(2));
                    unanswered.push(id_of(&frame));
                }
                for event in events(&mut cs) {
                    if let Event::Outcome { id, outcome, .. } = event {
                        *outcomes.entry(id.get()).or_default() += 1;
                        // A call that timed out stays unanswered on the wire but no longer
                        // blocks: forget it, as the peer may never answer.
                        if matches!(outcome, CallOutcome::Timeout) {
                            unanswered.clear();
                        }
                    }
                }
                prop_assert!(unanswered.len() <= 1, "two calls unanswered: {:?}", unanswered);
            }
            cs.on_closed(now);
            for event in events(&mut cs) {
                if let Event::Outcome { id, .. } = event {
                    *outcomes.entry(id.get()).or_default() += 1;
                }
            }
            for id in &accepted {
                prop_assert_eq!(outcomes.get(id).copied(), Some(1), "call {}", id);
            }
            prop_assert_eq!(outcomes.len(), accepted.len());
        }
    }
}
