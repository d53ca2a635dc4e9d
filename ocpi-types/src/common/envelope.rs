//! The response envelope of every OCPI response.

use crate::common::{DateTime, StatusCode, Text};
use crate::validate::{Validate, Validator};

/// The JSON object every OCPI response carries: `data`, `status_code`,
/// `status_message` and `timestamp`.
///
/// `data` is optional: responses with an error, and some responses without
/// payload, omit it.
///
/// ```
/// use ocpi_types::common::{Response, StatusCode};
///
/// let json = r#"{"status_code": 2001, "status_message": "Missing required field: type",
///                "timestamp": "2015-06-30T21:59:59Z"}"#;
/// let response: Response<serde_json::Value> = serde_json::from_str(json).unwrap();
/// assert_eq!(response.status_code, StatusCode::InvalidOrMissingParameters);
/// assert!(response.data.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Response<T> {
    /// The payload: an object, a list of objects or a string, depending on the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    /// The OCPI status code.
    pub status_code: StatusCode,
    /// An optional message that may help when debugging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<Text>,
    /// When this message was generated.
    pub timestamp: DateTime,
}

impl<T> Response<T> {
    /// A success response (1000) carrying `data`.
    pub fn success(data: T, timestamp: DateTime) -> Self {
        Response {
            data: Some(data),
            status_code: StatusCode::Success,
            status_message: None,
            timestamp,
        }
    }

    /// An error response without data.
    pub fn error(status_code: StatusCode, message: impl Into<String>, timestamp: DateTime) -> Self {
        Response {
            data: None,
            status_code,
            status_message: Some(Text::new(message)),
            timestamp,
        }
    }
}

impl<T: Validate> Validate for Response<T> {
    fn validate_at(&self, v: &mut Validator) {
        v.field("data", |v| self.data.validate_at(v));
        v.field("status_code", |v| self.status_code.validate_at(v));
        v.field("status_message", |v| self.status_message.validate_at(v));
        v.field("timestamp", |v| self.timestamp.validate_at(v));
    }
}
