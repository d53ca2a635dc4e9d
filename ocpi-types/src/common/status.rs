//! OCPI status codes (`status_codes.asciidoc`).

use std::borrow::Cow;
use std::fmt;

use crate::validate::{Validate, Validator};

/// An OCPI status code, the `status_code` of every response.
///
/// Serialized as the four-digit integer.
///
/// ```
/// use ocpi_types::common::{StatusClass, StatusCode};
///
/// assert_eq!(StatusCode::from_code(2003), StatusCode::UnknownLocation);
/// assert_eq!(StatusCode::from_code(1901).class(), StatusClass::Success);
/// assert!(StatusCode::Success.is_success());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusCode {
    /// 1000: generic success code.
    Success,
    /// 2000: generic client error.
    GenericClientError,
    /// 2001: invalid or missing parameters.
    InvalidOrMissingParameters,
    /// 2002: not enough information.
    NotEnoughInformation,
    /// 2003: unknown Location.
    UnknownLocation,
    /// 2004: unknown Token.
    UnknownToken,
    /// 3000: generic server error.
    GenericServerError,
    /// 3001: unable to use the client's API.
    UnableToUseClientApi,
    /// 3002: unsupported version.
    UnsupportedVersion,
    /// 3003: no matching endpoints or expected endpoints missing between parties.
    NoMatchingEndpoints,
    /// 4000: generic Hub error.
    GenericHubError,
    /// 4001: unknown receiver (TO address is unknown).
    UnknownReceiver,
    /// 4002: timeout on forwarded request.
    ForwardedRequestTimeout,
    /// 4003: connection problem (receiving party is not connected).
    ConnectionProblem,
    /// A code of a custom range: 1900–1999, 2900–2999, 3900–3999 or 4900–4999.
    Custom(u16),
    /// Any other code, which the specification does not define.
    Other(u16),
}

/// The range a status code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusClass {
    /// 1xxx: success.
    Success,
    /// 2xxx: client errors.
    ClientError,
    /// 3xxx: server errors.
    ServerError,
    /// 4xxx: Hub errors.
    HubError,
    /// Outside 1000–4999.
    Unknown,
}

impl StatusCode {
    /// The code of each defined variant, in order.
    const TABLE: [(StatusCode, u16); 14] = [
        (StatusCode::Success, 1000),
        (StatusCode::GenericClientError, 2000),
        (StatusCode::InvalidOrMissingParameters, 2001),
        (StatusCode::NotEnoughInformation, 2002),
        (StatusCode::UnknownLocation, 2003),
        (StatusCode::UnknownToken, 2004),
        (StatusCode::GenericServerError, 3000),
        (StatusCode::UnableToUseClientApi, 3001),
        (StatusCode::UnsupportedVersion, 3002),
        (StatusCode::NoMatchingEndpoints, 3003),
        (StatusCode::GenericHubError, 4000),
        (StatusCode::UnknownReceiver, 4001),
        (StatusCode::ForwardedRequestTimeout, 4002),
        (StatusCode::ConnectionProblem, 4003),
    ];

    /// The numeric code.
    pub fn code(self) -> u16 {
        match self {
            StatusCode::Custom(code) | StatusCode::Other(code) => code,
            known => Self::TABLE
                .iter()
                .find(|(k, _)| *k == known)
                .map_or(0, |(_, c)| *c),
        }
    }

    /// The variant for a numeric code.
    pub fn from_code(code: u16) -> Self {
        if let Some((known, _)) = Self::TABLE.iter().find(|(_, c)| *c == code) {
            return *known;
        }
        if matches!(code, 1900..=1999 | 2900..=2999 | 3900..=3999 | 4900..=4999) {
            StatusCode::Custom(code)
        } else {
            StatusCode::Other(code)
        }
    }

    /// The range of the code.
    pub fn class(self) -> StatusClass {
        match self.code() {
            1000..=1999 => StatusClass::Success,
            2000..=2999 => StatusClass::ClientError,
            3000..=3999 => StatusClass::ServerError,
            4000..=4999 => StatusClass::HubError,
            _ => StatusClass::Unknown,
        }
    }

    /// `true` for 1xxx.
    pub fn is_success(self) -> bool {
        self.class() == StatusClass::Success
    }

    /// The description of the specification (empty for custom and unknown codes).
    pub fn description(self) -> &'static str {
        match self {
            StatusCode::Success => "Generic success code",
            StatusCode::GenericClientError => "Generic client error",
            StatusCode::InvalidOrMissingParameters => "Invalid or missing parameters",
            StatusCode::NotEnoughInformation => "Not enough information",
            StatusCode::UnknownLocation => "Unknown Location",
            StatusCode::UnknownToken => "Unknown Token",
            StatusCode::GenericServerError => "Generic server error",
            StatusCode::UnableToUseClientApi => "Unable to use the client's API",
            StatusCode::UnsupportedVersion => "Unsupported version",
            StatusCode::NoMatchingEndpoints => {
                "No matching endpoints or expected endpoints missing between parties"
            }
            StatusCode::GenericHubError => "Generic Hub error",
            StatusCode::UnknownReceiver => "Unknown receiver (TO address is unknown)",
            StatusCode::ForwardedRequestTimeout => "Timeout on forwarded request",
            StatusCode::ConnectionProblem => {
                "Connection problem (receiving party is not connected)"
            }
            StatusCode::Custom(_) | StatusCode::Other(_) => "",
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

impl From<u16> for StatusCode {
    fn from(code: u16) -> Self {
        StatusCode::from_code(code)
    }
}

impl serde::Serialize for StatusCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for StatusCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        u16::deserialize(d).map(StatusCode::from_code)
    }
}

impl Validate for StatusCode {
    fn validate_at(&self, v: &mut Validator) {
        if let StatusCode::Other(code) = self {
            v.violation(format!(
                "status code {code} is not defined by OCPI and not in a custom range (x9xx)"
            ));
        }
    }
}

impl schemars::JsonSchema for StatusCode {
    fn schema_name() -> Cow<'static, str> {
        "StatusCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "OCPI status code: 1000, 2000-2004, 3000-3003, 4000-4003 or a custom x9xx code",
            "anyOf": [
                { "type": "integer", "enum": [1000, 2000, 2001, 2002, 2003, 2004, 3000, 3001, 3002, 3003, 4000, 4001, 4002, 4003] },
                { "type": "integer", "minimum": 1900, "maximum": 1999 },
                { "type": "integer", "minimum": 2900, "maximum": 2999 },
                { "type": "integer", "minimum": 3900, "maximum": 3999 },
                { "type": "integer", "minimum": 4900, "maximum": 4999 }
            ]
        })
    }
}
