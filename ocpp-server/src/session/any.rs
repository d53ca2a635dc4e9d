//! Decoded messages of whichever version the session speaks.

use ocpp_types::decode::{DecodeError, Decoded};
#[cfg(feature = "v16")]
use ocpp_types::v16;
#[cfg(feature = "v21")]
use ocpp_types::v21;
#[cfg(feature = "v201")]
use ocpp_types::v201;
use ocpp_types::validate::ValidationOptions;
use ocpp_types::{ActionInfo, OcppVersion};

use crate::SessionError;

/// A decoded incoming request (CALL or SEND) of one of the enabled versions.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)]
pub enum AnyRequest {
    /// OCPP 1.6.
    #[cfg(feature = "v16")]
    V16(v16::Request),
    /// OCPP 2.0.1.
    #[cfg(feature = "v201")]
    V201(v201::Request),
    /// OCPP 2.1.
    #[cfg(feature = "v21")]
    V21(v21::Request),
}

/// A decoded CALLRESULT payload of one of the enabled versions.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)]
pub enum AnyResponse {
    /// OCPP 1.6.
    #[cfg(feature = "v16")]
    V16(v16::Response),
    /// OCPP 2.0.1.
    #[cfg(feature = "v201")]
    V201(v201::Response),
    /// OCPP 2.1.
    #[cfg(feature = "v21")]
    V21(v21::Response),
}

impl AnyRequest {
    /// Decodes and validates a request payload of `version`.
    pub fn decode(
        version: OcppVersion,
        action: &str,
        payload: &str,
        options: &ValidationOptions,
    ) -> Result<Decoded<AnyRequest>, DecodeError> {
        let _ = (action, payload, options);
        match version {
            #[cfg(feature = "v16")]
            OcppVersion::V16 => {
                v16::Request::decode(action, payload, options).map(|d| d.map(AnyRequest::V16))
            }
            #[cfg(feature = "v201")]
            OcppVersion::V201 => {
                v201::Request::decode(action, payload, options).map(|d| d.map(AnyRequest::V201))
            }
            #[cfg(feature = "v21")]
            OcppVersion::V21 => {
                v21::Request::decode(action, payload, options).map(|d| d.map(AnyRequest::V21))
            }
            #[allow(unreachable_patterns)]
            _ => Err(DecodeError::unknown_action(action)),
        }
    }

    /// The action.
    pub fn action(&self) -> &'static str {
        match *self {
            #[cfg(feature = "v16")]
            AnyRequest::V16(ref request) => request.action(),
            #[cfg(feature = "v201")]
            AnyRequest::V201(ref request) => request.action(),
            #[cfg(feature = "v21")]
            AnyRequest::V21(ref request) => request.action(),
        }
    }
}

impl AnyRequest {
    /// The payload itself, boxed for downcasting to its type.
    pub fn into_any(self) -> Box<dyn std::any::Any + Send> {
        match self {
            #[cfg(feature = "v16")]
            AnyRequest::V16(request) => request.into_any(),
            #[cfg(feature = "v201")]
            AnyRequest::V201(request) => request.into_any(),
            #[cfg(feature = "v21")]
            AnyRequest::V21(request) => request.into_any(),
        }
    }
}

impl AnyResponse {
    /// Decodes and validates a response payload of `version` to a CALL of `action`.
    pub fn decode(
        version: OcppVersion,
        action: &str,
        payload: &str,
        options: &ValidationOptions,
    ) -> Result<Decoded<AnyResponse>, DecodeError> {
        let _ = (action, payload, options);
        match version {
            #[cfg(feature = "v16")]
            OcppVersion::V16 => {
                v16::Response::decode(action, payload, options).map(|d| d.map(AnyResponse::V16))
            }
            #[cfg(feature = "v201")]
            OcppVersion::V201 => {
                v201::Response::decode(action, payload, options).map(|d| d.map(AnyResponse::V201))
            }
            #[cfg(feature = "v21")]
            OcppVersion::V21 => {
                v21::Response::decode(action, payload, options).map(|d| d.map(AnyResponse::V21))
            }
            #[allow(unreachable_patterns)]
            _ => Err(DecodeError::unknown_action(action)),
        }
    }

    /// The action.
    pub fn action(&self) -> &'static str {
        match *self {
            #[cfg(feature = "v16")]
            AnyResponse::V16(ref response) => response.action(),
            #[cfg(feature = "v201")]
            AnyResponse::V201(ref response) => response.action(),
            #[cfg(feature = "v21")]
            AnyResponse::V21(ref response) => response.action(),
        }
    }
}

/// The description of `action` in `version`, or why there is none.
pub(crate) fn action_info(
    version: OcppVersion,
    action: &str,
) -> Result<Option<&'static ActionInfo>, SessionError> {
    let _ = action;
    match version {
        #[cfg(feature = "v16")]
        OcppVersion::V16 => Ok(v16::action_info(action)),
        #[cfg(feature = "v201")]
        OcppVersion::V201 => Ok(v201::action_info(action)),
        #[cfg(feature = "v21")]
        OcppVersion::V21 => Ok(v21::action_info(action)),
        #[allow(unreachable_patterns)]
        _ => Err(SessionError::VersionNotEnabled(version)),
    }
}

/// The version's own spelling of `action`, if the version defines it.
pub(crate) fn action_name(version: OcppVersion, action: &str) -> Option<&'static str> {
    action_info(version, action)
        .ok()
        .flatten()
        .map(|info| info.name)
}
