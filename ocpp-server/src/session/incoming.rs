//! Frames from the peer: CALLs and SENDs for the application, answers to our calls.

use std::time::Instant;

use ocpp_types::OcppVersion;
use ocpp_types::rpc::{CallError, Frame};

use super::{
    AnyRequest, AnyResponse, CLOSE_POLICY, CLOSE_TOO_BIG, CallOutcome, Event, IncomingCall,
    IncomingSend, Outgoing, Session, Warning, any,
};
use ocpp_types::ErrorCode;

impl Session {
    /// A text frame from the peer.
    pub fn on_text(&mut self, now: Instant, text: &str) {
        if self.closed {
            return;
        }
        // Length first: nothing of a frame past the limit is read.
        if text.len() > self.config.frame_limits.max_frame_len {
            self.close_with(
                now,
                CLOSE_TOO_BIG,
                format!("frame of {} bytes over the limit", text.len()),
            );
            return;
        }
        match Frame::parse(text, self.config.version, self.config.frame_limits) {
            Ok(Frame::Call(call)) => self.on_call(
                now,
                call.message_id.as_ref(),
                &call.action,
                call.payload.get(),
            ),
            Ok(Frame::Send(send)) => {
                self.on_send(now, &send.message_id, &send.action, send.payload.get())
            }
            Ok(Frame::CallResult(result)) => {
                self.on_call_result(now, &result.message_id, result.payload.get())
            }
            Ok(Frame::CallError(error)) => self.on_call_error(now, &error),
            Ok(Frame::CallResultError(error)) => self.events.push_back(Event::ResultRejected {
                message_id: error.message_id.clone().into_owned(),
                error_code: error.error_code.clone().into_owned(),
                description: error.description.clone().into_owned(),
                details: error.details.to_owned(),
            }),
            Err(error) => {
                let answer = error.answer();
                let answered = answer.is_some();
                if let Some(answer) = answer {
                    self.transmits.push_back(answer);
                }
                self.events
                    .push_back(Event::Warning(Warning::MalformedFrame { error, answered }));
                self.count_bad_frame(now);
            }
        }
    }

    /// Counts a malformed frame, or one whose payload is invalid, against
    /// [`SessionConfig::max_bad_frames`](super::SessionConfig::max_bad_frames): reaching it,
    /// the session closes with 1008.
    fn count_bad_frame(&mut self, now: Instant) {
        self.bad_frames = self.bad_frames.saturating_add(1);
        if self.bad_frames >= self.config.max_bad_frames && !self.closed {
            self.close_with(
                now,
                CLOSE_POLICY,
                "too many malformed frames or invalid payloads".to_owned(),
            );
        }
    }

    fn on_call(&mut self, now: Instant, message_id: &str, action: &str, payload: &str) {
        if self.incoming.contains(message_id) {
            self.events
                .push_back(Event::Warning(Warning::DuplicateCall {
                    message_id: message_id.to_owned(),
                }));
            return;
        }
        let version = self.config.version;
        let info = match any::action_info(version, action) {
            Ok(Some(info)) => info,
            _ => {
                let text = format!("OCPP {version} has no action {action:?}");
                return self.refuse(message_id, action, ErrorCode::NotImplemented, text);
            }
        };
        if !info.has_response {
            let text = format!("{action} is a SEND, not a CALL");
            return self.refuse(message_id, action, ErrorCode::NotSupported, text);
        }
        let peer = self.config.role.peer();
        if !peer.may_send(info.sender) {
            let text = format!("a {peer} may not send {action}");
            return self.refuse(message_id, action, ErrorCode::NotSupported, text);
        }
        if self.incoming.len() >= self.config.max_pending_incoming {
            let text = "too many calls awaiting an answer".to_owned();
            return self.refuse(message_id, action, ErrorCode::RpcFrameworkError, text);
        }
        match AnyRequest::decode(version, action, payload, &self.config.validation) {
            Ok(decoded) => {
                self.incoming.insert(message_id.to_owned());
                self.events.push_back(Event::Call(IncomingCall {
                    message_id: message_id.to_owned(),
                    request: decoded.value,
                    warnings: decoded.warnings,
                }));
            }
            Err(error) => {
                // Answered, but counted: a peer repeating invalid payloads is eventually
                // disconnected, like one sending malformed frames.
                self.refuse(message_id, action, error.error_code(), error.description());
                self.count_bad_frame(now);
            }
        }
    }

    fn on_send(&mut self, now: Instant, message_id: &str, action: &str, payload: &str) {
        let version = self.config.version;
        let drop = |reason: String| {
            Event::Warning(Warning::SendDropped {
                action: action.to_owned(),
                reason,
            })
        };
        let info = match any::action_info(version, action) {
            Ok(Some(info)) if !info.has_response => info,
            _ => {
                return self
                    .events
                    .push_back(drop(format!("{action} is not a SEND of OCPP {version}")));
            }
        };
        let peer = self.config.role.peer();
        if !peer.may_send(info.sender) {
            return self
                .events
                .push_back(drop(format!("a {peer} may not send {action}")));
        }
        match AnyRequest::decode(version, action, payload, &self.config.validation) {
            Ok(decoded) => self.events.push_back(Event::Send(IncomingSend {
                message_id: message_id.to_owned(),
                request: decoded.value,
                warnings: decoded.warnings,
            })),
            Err(error) => {
                self.events.push_back(drop(error.to_string()));
                self.count_bad_frame(now);
            }
        }
    }

    /// Takes the call in flight if `message_id` is its id, or warns.
    fn take_answered(&mut self, message_id: &str) -> Option<Outgoing> {
        match &self.in_flight {
            Some(flight) if flight.call.message_id == message_id => {
                self.in_flight.take().map(|flight| flight.call)
            }
            _ => {
                let late = self.timed_out.iter().any(|id| id == message_id);
                self.events
                    .push_back(Event::Warning(Warning::UnexpectedAnswer {
                        message_id: message_id.to_owned(),
                        late,
                    }));
                None
            }
        }
    }

    fn on_call_result(&mut self, now: Instant, message_id: &str, payload: &str) {
        let Some(call) = self.take_answered(message_id) else {
            return;
        };
        let version = self.config.version;
        let outcome =
            match AnyResponse::decode(version, &call.action, payload, &self.config.validation) {
                Ok(decoded) => CallOutcome::Result {
                    payload: serde_json::value::RawValue::from_string(payload.to_owned())
                        .unwrap_or_else(|_| empty_object()),
                    warnings: decoded.warnings,
                },
                Err(error) => {
                    if version == OcppVersion::V21 {
                        if let Ok(text) = self.encoder.call_result_error(
                            message_id,
                            error.error_code(),
                            &error.description(),
                        ) {
                            self.transmits.push_back(text);
                        }
                    }
                    CallOutcome::InvalidResponse(error)
                }
            };
        self.outcome(call, outcome);
        self.send_next(now);
    }

    fn on_call_error(&mut self, now: Instant, error: &CallError<'_>) {
        let Some(call) = self.take_answered(&error.message_id) else {
            return;
        };
        let outcome = CallOutcome::CallError {
            code: error.code(),
            error_code: error.error_code.clone().into_owned(),
            description: error.description.clone().into_owned(),
            details: error.details.to_owned(),
        };
        self.outcome(call, outcome);
        self.send_next(now);
    }
}

fn empty_object() -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string("{}".to_owned()).unwrap_or_default()
}
