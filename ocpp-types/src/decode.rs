//! Decoding a payload into its typed message, with validation, in one call.

use std::fmt;

use serde_json::value::RawValue;

use crate::ErrorCode;
use crate::validate::{
    JsonPath, Report, Validate, ValidationOptions, Validator, Violation, ViolationKind,
};
use crate::wire::{self, DecodeScope, Tracking, WireValue};

/// A decoded payload with the deviations that were tolerated.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    /// The typed payload.
    pub value: T,
    /// Deviations from the schema that the validation options tolerated.
    pub warnings: Vec<Violation>,
}

impl<T> Decoded<T> {
    /// Applies `f` to the value, keeping the warnings.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Decoded<U> {
        Decoded {
            value: f(self.value),
            warnings: self.warnings,
        }
    }
}

/// A payload that could not be decoded, or broke its schema.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct DecodeError {
    /// The action whose payload it was.
    pub action: String,
    /// What made it invalid; never empty.
    pub errors: Vec<Violation>,
    /// Deviations that alone would have been tolerated.
    pub warnings: Vec<Violation>,
}

impl DecodeError {
    /// An error for an action the version does not define.
    pub fn unknown_action(action: &str) -> DecodeError {
        DecodeError {
            action: action.to_owned(),
            errors: vec![Violation {
                kind: ViolationKind::UnknownAction,
                path: JsonPath::root(),
                message: format!("unknown action {action:?}"),
            }],
            warnings: Vec::new(),
        }
    }

    /// The CallError code that reports this error: the code of the first violation.
    pub fn error_code(&self) -> ErrorCode {
        self.errors
            .first()
            .map_or(ErrorCode::FormatViolation, Violation::error_code)
    }

    /// A one-line description for a CallError, naming the first violation and its path.
    pub fn description(&self) -> String {
        match self.errors.as_slice() {
            [] => format!("invalid {} payload", self.action),
            [only] => only.to_string(),
            [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} payload: {}", self.action, self.description())
    }
}

/// Decodes and validates the payload of `action` as a `T`.
///
/// Generated message types offer the same through [`crate::OcppMessage::decode`], and each
/// version's `Request` and `Response` enums choose the type from the action name.
///
/// ```
/// # #[cfg(feature = "v16")] {
/// use ocpp_types::decode::decode;
/// use ocpp_types::v16::HeartbeatResponse;
/// use ocpp_types::validate::ValidationOptions;
/// use ocpp_types::ErrorCode;
///
/// let options = ValidationOptions::strict();
/// let ok = decode::<HeartbeatResponse>("Heartbeat", r#"{"currentTime":"2024-05-01T12:00:00Z"}"#, &options);
/// assert!(ok.is_ok());
///
/// let bad = decode::<HeartbeatResponse>("Heartbeat", r#"{"currentTime":12}"#, &options).unwrap_err();
/// assert_eq!(bad.error_code(), ErrorCode::TypeConstraintViolation);
/// assert_eq!(bad.errors[0].path.to_string(), "$.currentTime");
/// # }
/// ```
pub fn decode<T: WireValue + Validate>(
    action: &str,
    payload: &str,
    options: &ValidationOptions,
) -> Result<Decoded<T>, DecodeError> {
    // Valid payloads are read once, without paths; anything worth reporting is read again
    // with paths, to say where it is.
    let scope = DecodeScope::enter(Tracking::Detect, T::INTEGERS_WITHOUT_FRACTION);
    let mut result = read::<T>(payload);
    let mut findings = scope.finish();
    if result.is_err() || findings.noticed {
        let scope = DecodeScope::enter(Tracking::Paths, T::INTEGERS_WITHOUT_FRACTION);
        result = read::<T>(payload);
        findings = scope.finish();
    }

    let mut report = Report::default();
    for note in findings.notes {
        report.file(options, action, note);
    }
    let value = match result {
        Ok(value) => value,
        Err(error) => {
            let failure = findings.failure.unwrap_or_else(|| Violation {
                kind: if error.is_data() {
                    wire::classify(&error.to_string())
                } else {
                    ViolationKind::InvalidJson
                },
                path: JsonPath::root(),
                message: error.to_string(),
            });
            report.errors.insert(0, failure);
            return Err(DecodeError {
                action: action.to_owned(),
                errors: report.errors,
                warnings: report.warnings,
            });
        }
    };

    let mut validator = Validator::new(options, action).with_report(report);
    value.validate(&mut validator);
    let report = validator.finish();
    if report.is_valid() {
        Ok(Decoded {
            value,
            warnings: report.warnings,
        })
    } else {
        Err(DecodeError {
            action: action.to_owned(),
            errors: report.errors,
            warnings: report.warnings,
        })
    }
}

fn read<T: WireValue>(payload: &str) -> Result<T, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(payload);
    let value = T::read(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Decodes a raw payload, as taken from an RPC frame.
pub fn decode_raw<T: WireValue + Validate>(
    action: &str,
    payload: &RawValue,
    options: &ValidationOptions,
) -> Result<Decoded<T>, DecodeError> {
    decode(action, payload.get(), options)
}
