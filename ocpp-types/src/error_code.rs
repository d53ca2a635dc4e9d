//! The OCPP-J RPC error codes, named by meaning and spelled per version on the wire.

use std::fmt;

use crate::OcppVersion;

/// An OCPP-J CALLERROR code.
///
/// Variants are named as in OCPP 2.x. OCPP 1.6 spells two of them differently
/// (`FormationViolation`, `OccurenceConstraintViolation`) and lacks two others
/// (`MessageTypeNotSupported`, `RpcFrameworkError`); [`ErrorCode::wire_name`] gives the
/// exact spelling a version prescribes.
///
/// ```
/// use ocpp_types::{ErrorCode, OcppVersion};
///
/// let code = ErrorCode::OccurrenceConstraintViolation;
/// assert_eq!(code.wire_name(OcppVersion::V16), "OccurenceConstraintViolation");
/// assert_eq!(code.wire_name(OcppVersion::V201), "OccurrenceConstraintViolation");
/// assert_eq!(ErrorCode::from_wire("FormationViolation"), Some(ErrorCode::FormatViolation));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The payload is syntactically incorrect or does not conform to the message structure
    /// (1.6: `FormationViolation`).
    FormatViolation,
    /// Any other error.
    GenericError,
    /// An internal error prevented the receiver from processing the message.
    InternalError,
    /// The message type number is not supported (2.x; 1.6 has no such code and uses
    /// `FormationViolation`).
    MessageTypeNotSupported,
    /// The requested action is not known by the receiver.
    NotImplemented,
    /// The requested action is recognised but not supported by the receiver.
    NotSupported,
    /// A field violates an occurrence constraint: a required field is missing, or an array has
    /// too few or too many items (1.6: `OccurenceConstraintViolation`).
    OccurrenceConstraintViolation,
    /// A field contains an invalid value: too long, out of range, not one of the listed values.
    PropertyConstraintViolation,
    /// The payload is incomplete (1.6) or does not conform to the message structure (2.x).
    ProtocolError,
    /// The message is not a valid RPC request, for example its message id cannot be read (2.x;
    /// 1.6 has no such code and uses `FormationViolation`).
    RpcFrameworkError,
    /// A security issue prevented the receiver from completing the action.
    SecurityError,
    /// A field violates a data type constraint, for example a string where a number belongs.
    TypeConstraintViolation,
}

impl ErrorCode {
    /// Every error code.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::FormatViolation,
        ErrorCode::GenericError,
        ErrorCode::InternalError,
        ErrorCode::MessageTypeNotSupported,
        ErrorCode::NotImplemented,
        ErrorCode::NotSupported,
        ErrorCode::OccurrenceConstraintViolation,
        ErrorCode::PropertyConstraintViolation,
        ErrorCode::ProtocolError,
        ErrorCode::RpcFrameworkError,
        ErrorCode::SecurityError,
        ErrorCode::TypeConstraintViolation,
    ];

    /// The 2.x spelling of the code.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FormatViolation => "FormatViolation",
            ErrorCode::GenericError => "GenericError",
            ErrorCode::InternalError => "InternalError",
            ErrorCode::MessageTypeNotSupported => "MessageTypeNotSupported",
            ErrorCode::NotImplemented => "NotImplemented",
            ErrorCode::NotSupported => "NotSupported",
            ErrorCode::OccurrenceConstraintViolation => "OccurrenceConstraintViolation",
            ErrorCode::PropertyConstraintViolation => "PropertyConstraintViolation",
            ErrorCode::ProtocolError => "ProtocolError",
            ErrorCode::RpcFrameworkError => "RpcFrameworkError",
            ErrorCode::SecurityError => "SecurityError",
            ErrorCode::TypeConstraintViolation => "TypeConstraintViolation",
        }
    }

    /// The exact spelling `version` prescribes for this code.
    pub const fn wire_name(self, version: OcppVersion) -> &'static str {
        match (version, self) {
            (
                OcppVersion::V16,
                ErrorCode::FormatViolation
                | ErrorCode::MessageTypeNotSupported
                | ErrorCode::RpcFrameworkError,
            ) => "FormationViolation",
            (OcppVersion::V16, ErrorCode::OccurrenceConstraintViolation) => {
                "OccurenceConstraintViolation"
            }
            _ => self.as_str(),
        }
    }

    /// The code a wire name stands for, accepting the spellings of every version
    /// (`FormationViolation` and `FormatViolation`, `OccurenceConstraintViolation` and
    /// `OccurrenceConstraintViolation`). `None` for a name no version defines.
    pub fn from_wire(name: &str) -> Option<ErrorCode> {
        match name {
            "FormationViolation" => Some(ErrorCode::FormatViolation),
            "OccurenceConstraintViolation" => Some(ErrorCode::OccurrenceConstraintViolation),
            _ => ErrorCode::ALL
                .into_iter()
                .find(|code| code.as_str() == name),
        }
    }

    /// Whether `version` defines this code (1.6 lacks `MessageTypeNotSupported` and
    /// `RpcFrameworkError`).
    pub const fn defined_in(self, version: OcppVersion) -> bool {
        !matches!(
            (version, self),
            (
                OcppVersion::V16,
                ErrorCode::MessageTypeNotSupported | ErrorCode::RpcFrameworkError
            )
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_name_reads_back() {
        for version in OcppVersion::ALL {
            for code in ErrorCode::ALL {
                let name = code.wire_name(version);
                let back = ErrorCode::from_wire(name).expect("wire names read back");
                if code.defined_in(version) {
                    assert_eq!(back, code, "{version} {name}");
                } else {
                    assert_eq!(back, ErrorCode::FormatViolation);
                }
            }
        }
    }

    #[test]
    fn version_spellings() {
        assert_eq!(
            ErrorCode::FormatViolation.wire_name(OcppVersion::V16),
            "FormationViolation"
        );
        assert_eq!(
            ErrorCode::FormatViolation.wire_name(OcppVersion::V21),
            "FormatViolation"
        );
        assert_eq!(
            ErrorCode::OccurrenceConstraintViolation.wire_name(OcppVersion::V21),
            "OccurrenceConstraintViolation"
        );
        assert_eq!(ErrorCode::from_wire("NoSuchCode"), None);
    }
}
