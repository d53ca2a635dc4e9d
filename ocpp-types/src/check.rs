//! Checking logs of OCPP-J frames: each frame parsed, paired with its CALL and validated.
//!
//! [`LogChecker`] reads frames one at a time, as a charging station's or a CSMS's log lists
//! them. It remembers the action of each CALL by message id, so that the CALLRESULT answering
//! it is validated against the right schema, and reports for each frame every violation with
//! its CallError code (spelled for the version) and JSON path.
//!
//! ```
//! use ocpp_types::check::LogChecker;
//! use ocpp_types::validate::ValidationOptions;
//! use ocpp_types::OcppVersion;
//!
//! let mut checker = LogChecker::new(OcppVersion::V16, ValidationOptions::strict());
//! let call = checker.check_frame(1, r#"[2,"1","Heartbeat",{}]"#);
//! assert!(call.ok);
//! let result = checker.check_frame(2, r#"[3,"1",{"currentTime":"yesterday"}]"#);
//! assert!(!result.ok);
//! assert_eq!(result.action.as_deref(), Some("Heartbeat"));
//! assert_eq!(result.errors[0].code, "TypeConstraintViolation");
//! assert_eq!(result.errors[0].path, "$.currentTime");
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::decode::{DecodeError, Decoded};
use crate::rpc::{CallError, Frame, FrameLimits, MessageType};
use crate::validate::{ValidationOptions, Violation};
use crate::{ErrorCode, OcppVersion};

/// How many CALLs awaiting their answer a checker remembers; the oldest are forgotten first.
pub const MAX_PENDING_CALLS: usize = 100_000;

/// One problem found in a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The CallError code, as the version spells it.
    pub code: String,
    /// Where in the frame's payload (`$` for the frame itself).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Finding {
    fn from_violation(version: OcppVersion, violation: &Violation) -> Finding {
        Finding {
            code: violation.error_code().wire_name(version).to_owned(),
            path: violation.path.to_string(),
            message: violation.message.clone(),
        }
    }

    fn frame(version: OcppVersion, code: ErrorCode, message: String) -> Finding {
        Finding {
            code: code.wire_name(version).to_owned(),
            path: "$".to_owned(),
            message,
        }
    }
}

/// The verdict on one frame.
#[derive(Debug, Clone, Serialize)]
pub struct FrameReport {
    /// The line number (from 1).
    pub line: usize,
    /// Whether the frame is valid.
    pub ok: bool,
    /// `CALL`, `CALLRESULT`, ..., when it could be read.
    pub message_type: Option<&'static str>,
    /// The action, given by a CALL or SEND, or by the CALL a result answers.
    pub action: Option<String>,
    /// What makes the frame invalid.
    pub errors: Vec<Finding>,
    /// Deviations the validation options tolerate, and frames that could not be paired.
    pub warnings: Vec<Finding>,
    /// The frame written anew from its typed payload, when it is valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<Box<RawValue>>,
}

impl fmt::Display for FrameReport {
    /// One line with the verdict, then one indented line per finding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}:", self.line)?;
        if let Some(message_type) = self.message_type {
            write!(f, " {message_type}")?;
        }
        if let Some(action) = &self.action {
            write!(f, " {action}")?;
        }
        f.write_str(if self.ok { " ok" } else { " INVALID" })?;
        for error in &self.errors {
            write!(
                f,
                "\n  error   {} at {}: {}",
                error.code, error.path, error.message
            )?;
        }
        for warning in &self.warnings {
            write!(
                f,
                "\n  warning {} at {}: {}",
                warning.code, warning.path, warning.message
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Payload {
    Request,
    Response,
}

/// Checks a sequence of frames of one version (see the [module documentation](self)).
#[derive(Debug)]
pub struct LogChecker {
    version: OcppVersion,
    options: ValidationOptions,
    limits: FrameLimits,
    pending: HashMap<String, String>,
    order: VecDeque<String>,
}

impl LogChecker {
    /// A checker for frames of `version`, validated with `options`.
    pub fn new(version: OcppVersion, options: ValidationOptions) -> LogChecker {
        LogChecker {
            version,
            options,
            limits: FrameLimits::default(),
            pending: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Uses other frame limits than the default.
    pub fn with_limits(mut self, limits: FrameLimits) -> LogChecker {
        self.limits = limits;
        self
    }

    /// Checks one frame, found at `line` of the input.
    pub fn check_frame(&mut self, line: usize, text: &str) -> FrameReport {
        let mut report = FrameReport {
            line,
            ok: false,
            message_type: None,
            action: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            canonical: None,
        };
        let frame = match Frame::parse(text.trim(), self.version, self.limits) {
            Ok(frame) => frame,
            Err(error) => {
                report.message_type = error.message_type().map(MessageType::name);
                report.errors.push(Finding::frame(
                    self.version,
                    error.error_code(),
                    error.kind().to_string(),
                ));
                return report;
            }
        };
        report.message_type = Some(frame.message_type().name());
        let canonical = match &frame {
            Frame::Call(call) | Frame::Send(call) => {
                report.action = Some(call.action.to_string());
                if matches!(frame, Frame::Call(_)) {
                    self.remember(&call.message_id, &call.action);
                }
                self.payload(&mut report, Payload::Request, &call.action, call.payload)
                    .map(|payload| {
                        let number = frame.message_type().number();
                        to_raw(&(number, &call.message_id, &call.action, payload))
                    })
            }
            Frame::CallResult(result) => match self.pending_action(&result.message_id) {
                Some(action) => {
                    let canonical = self
                        .payload(&mut report, Payload::Response, &action, result.payload)
                        .map(|payload| to_raw(&(3, &result.message_id, payload)));
                    report.action = Some(action);
                    canonical
                }
                None => {
                    report.warnings.push(self.unpaired(&result.message_id));
                    Some(to_raw(&(3, &result.message_id, result.payload)))
                }
            },
            Frame::CallError(error) | Frame::CallResultError(error) => {
                report.action = self.pending_action(&error.message_id);
                if report.action.is_none() && matches!(frame, Frame::CallError(_)) {
                    report.warnings.push(self.unpaired(&error.message_id));
                }
                self.error_code(&mut report, error).then(|| {
                    let number = frame.message_type().number();
                    to_raw(&(
                        number,
                        &error.message_id,
                        &error.error_code,
                        &error.description,
                        error.details,
                    ))
                })
            }
        };
        report.ok = report.errors.is_empty();
        if report.ok {
            report.canonical = canonical.flatten();
        }
        report
    }

    fn remember(&mut self, message_id: &str, action: &str) {
        if self.order.len() >= MAX_PENDING_CALLS {
            if let Some(oldest) = self.order.pop_front() {
                self.pending.remove(&oldest);
            }
        }
        if self
            .pending
            .insert(message_id.to_owned(), action.to_owned())
            .is_none()
        {
            self.order.push_back(message_id.to_owned());
        }
    }

    fn pending_action(&mut self, message_id: &str) -> Option<String> {
        let action = self.pending.remove(message_id)?;
        if let Some(at) = self.order.iter().position(|id| id == message_id) {
            self.order.remove(at);
        }
        Some(action)
    }

    fn unpaired(&self, message_id: &str) -> Finding {
        Finding::frame(
            self.version,
            ErrorCode::GenericError,
            format!(
                "no earlier CALL with message id {message_id:?}: the action, and so the payload's schema, is unknown"
            ),
        )
    }

    /// Checks that a CALLERROR's code is one the version defines, spelled as it spells it.
    fn error_code(&self, report: &mut FrameReport, error: &CallError<'_>) -> bool {
        let known = ErrorCode::from_wire(&error.error_code)
            .filter(|code| code.wire_name(self.version) == error.error_code);
        if known.is_none() {
            report.errors.push(Finding::frame(
                self.version,
                ErrorCode::PropertyConstraintViolation,
                format!(
                    "{:?} is not an error code of OCPP {}",
                    error.error_code, self.version
                ),
            ));
        }
        known.is_some()
    }

    /// Decodes a payload, filing the findings; returns the payload written anew when valid.
    fn payload(
        &self,
        report: &mut FrameReport,
        kind: Payload,
        action: &str,
        payload: &RawValue,
    ) -> Option<Box<RawValue>> {
        let result = decode_payload(self.version, kind, action, payload.get(), &self.options);
        let version = self.version;
        match result {
            Ok(decoded) => {
                report.warnings.extend(
                    decoded
                        .warnings
                        .iter()
                        .map(|w| Finding::from_violation(version, w)),
                );
                Some(decoded.value)
            }
            Err(error) => {
                report.errors.extend(
                    error
                        .errors
                        .iter()
                        .map(|e| Finding::from_violation(version, e)),
                );
                report.warnings.extend(
                    error
                        .warnings
                        .iter()
                        .map(|w| Finding::from_violation(version, w)),
                );
                None
            }
        }
    }
}

fn to_raw(value: &impl Serialize) -> Option<Box<RawValue>> {
    serde_json::value::to_raw_value(value).ok()
}

/// Decodes a payload of `version` and writes it anew.
fn decode_payload(
    version: OcppVersion,
    kind: Payload,
    action: &str,
    payload: &str,
    options: &ValidationOptions,
) -> Result<Decoded<Box<RawValue>>, DecodeError> {
    #[allow(unused_macros)]
    macro_rules! decode {
        ($module:ident) => {
            match kind {
                Payload::Request => crate::$module::Request::decode(action, payload, options)
                    .map(|decoded| decoded.map(|value| to_raw(&value))),
                Payload::Response => crate::$module::Response::decode(action, payload, options)
                    .map(|decoded| decoded.map(|value| to_raw(&value))),
            }
        };
    }
    let decoded: Decoded<Option<Box<RawValue>>> = match version {
        #[cfg(feature = "v16")]
        OcppVersion::V16 => decode!(v16),
        #[cfg(feature = "v201")]
        OcppVersion::V201 => decode!(v201),
        #[cfg(feature = "v21")]
        OcppVersion::V21 => decode!(v21),
        #[allow(unreachable_patterns)]
        _ => {
            // This version's messages are not compiled in.
            let _ = (kind, payload, options);
            Err(DecodeError::unknown_action(action))
        }
    }?;
    match decoded.value {
        Some(value) => Ok(Decoded {
            value,
            warnings: decoded.warnings,
        }),
        None => Err(DecodeError::unknown_action(action)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_results_with_their_calls() {
        let mut checker = LogChecker::new(OcppVersion::V201, ValidationOptions::strict());
        let call = checker.check_frame(
            1,
            r#"[2,"a1","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]"#,
        );
        assert!(call.ok, "{call}");
        let other = checker.check_frame(2, r#"[2,"a2","Heartbeat",{}]"#);
        assert!(other.ok);
        let result = checker.check_frame(
            3,
            r#"[3,"a1",{"currentTime":"2024-01-01T00:00:00Z","interval":300,"status":"Accepted"}]"#,
        );
        assert!(result.ok, "{result}");
        assert_eq!(result.action.as_deref(), Some("BootNotification"));
        assert_eq!(
            result.canonical.unwrap().get(),
            r#"[3,"a1",{"currentTime":"2024-01-01T00:00:00Z","interval":300,"status":"Accepted"}]"#
        );
        // Answered once: a second result with the same id cannot be paired.
        let again = checker.check_frame(4, r#"[3,"a1",{}]"#);
        assert!(again.ok);
        assert_eq!(again.warnings.len(), 1);
    }

    #[test]
    fn error_codes_must_be_spelled_for_the_version() {
        let mut checker = LogChecker::new(OcppVersion::V16, ValidationOptions::strict());
        let wrong = checker.check_frame(1, r#"[4,"x","FormatViolation","bad",{}]"#);
        assert!(!wrong.ok);
        let right = checker.check_frame(2, r#"[4,"x","FormationViolation","bad",{}]"#);
        assert!(right.errors.is_empty());
    }

    #[test]
    fn malformed_frames_report_the_frame_error() {
        let mut checker = LogChecker::new(OcppVersion::V201, ValidationOptions::lenient());
        let report = checker.check_frame(7, "[2,\"1\"");
        assert!(!report.ok);
        assert_eq!(report.errors[0].code, "RpcFrameworkError");
        let report = checker.check_frame(8, r#"[2,"1","Heartbeat",{"x":1}]"#);
        assert!(report.ok);
        assert_eq!(report.warnings[0].path, "$.x");
    }

    #[test]
    fn remembers_a_bounded_number_of_calls() {
        let mut checker = LogChecker::new(OcppVersion::V16, ValidationOptions::strict());
        for i in 0..MAX_PENDING_CALLS + 10 {
            checker.remember(&i.to_string(), "Heartbeat");
        }
        assert_eq!(checker.pending.len(), MAX_PENDING_CALLS);
        assert!(checker.pending_action("0").is_none());
        assert!(checker.pending_action("20").is_some());
    }
}
