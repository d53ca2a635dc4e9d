//! The one error of the server side: every failure becomes an HTTP status and an OCPI
//! envelope (`status_code`, `status_message`, `timestamp`), axum's own rejections included.

use axum::http::StatusCode as HttpStatus;
use axum::response::{IntoResponse, Response};
use ocpi_types::common::StatusCode;

use crate::reply::envelope_error;
use crate::store::StoreError;

/// Why a request failed.
///
/// [`OcpiError::status`] maps each variant to its HTTP status and OCPI status code. The
/// rules followed:
///
/// - no usable credentials token: HTTP 401 (`transport_and_format`), OCPI 2000;
/// - a body that is not JSON, a query or path parameter that cannot be read: HTTP 400,
///   OCPI 2001;
/// - a body that is JSON but not the object, or an object the request cannot take: the
///   request reached the OCPI layer, so HTTP 200 (`status_codes`: "an HTTP error status code
///   MUST NOT be returned"), OCPI 2001 with the JSON path;
/// - an unknown object: HTTP 404 with 2003 (Location), 2004 (Token) or 2000; a module
///   endpoint of a version other than the caller's: HTTP 404 with 2000;
/// - the credentials module's own rules: 405 for a POST by a registered partner or a
///   PUT/DELETE by one that is not; 3001/3002/3003 (HTTP 200) when the partner's API
///   cannot be used during registration;
/// - failures of ours: HTTP 500 (503 for a timeout), OCPI 3000, with a generic message
///   (details go to `tracing`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcpiError {
    /// No `Authorization` header.
    #[error("the Authorization header is missing")]
    MissingToken,
    /// An `Authorization` header that is not `Token <credentials token>`.
    #[error("the Authorization header is not 'Token <credentials token>'")]
    MalformedToken,
    /// A credentials token no partner has.
    #[error("the credentials token is not known")]
    UnknownCredentials,
    /// A registration token (token A) used on a module other than versions and credentials.
    #[error("this credentials token only allows the versions and credentials modules")]
    RegistrationTokenOnly,
    /// No route has this path.
    #[error("no OCPI endpoint at {0}")]
    NoRoute(String),
    /// The route exists, not with this method.
    #[error("method {0} is not allowed on this endpoint")]
    MethodNotAllowed(String),
    /// A credentials POST by a partner that is registered already.
    #[error("already registered: update the credentials with PUT")]
    AlreadyRegistered,
    /// A credentials PUT or DELETE by a partner that is not registered.
    #[error("not registered: register with POST first")]
    NotRegistered,
    /// The body is not JSON.
    #[error("the request body is not valid JSON: {0}")]
    InvalidJson(String),
    /// The body is JSON, not the object the endpoint takes.
    #[error("invalid body: {path}: {message}")]
    InvalidBody {
        /// JSON path of the offending value, e.g. `$.evses[0].uid`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A query parameter that cannot be read.
    #[error("invalid query parameter {name}: {message}")]
    InvalidParameter {
        /// The parameter.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A path segment that cannot be read.
    #[error("invalid path: {0}")]
    InvalidPath(String),
    /// The request is well formed but cannot be taken (e.g. an object whose id differs
    /// from the one in the URL).
    #[error("{0}")]
    Invalid(String),
    /// A client-owned object addressed under a country code and party id that are not the
    /// caller's.
    #[error("{country_code}/{party_id} is not one of your parties")]
    ForeignParty {
        /// The country code in the URL.
        country_code: String,
        /// The party id in the URL.
        party_id: String,
    },
    /// A module endpoint of a version other than the one agreed with the caller (a
    /// partner registered in 2.2.1 asking a 2.1.1 endpoint, or the other way round).
    #[error("you are registered in OCPI {agreed}: use its endpoints, not those of {asked}")]
    OtherVersion {
        /// The version agreed in the credentials exchange.
        agreed: String,
        /// The version of the endpoint asked.
        asked: String,
    },
    /// No such Location (or EVSE or Connector of it).
    #[error("unknown Location {0}")]
    UnknownLocation(String),
    /// No such Token.
    #[error("unknown Token {0}")]
    UnknownToken(String),
    /// No such object.
    #[error("no such {what}: {id}")]
    NotFound {
        /// What was asked for (`session`, `command`, ...).
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The body is larger than the limit.
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The request was not answered in time.
    #[error("the request was not answered within {seconds} s")]
    Timeout {
        /// The limit, in whole seconds.
        seconds: u64,
    },
    /// The partner's API could not be used during registration (OCPI 3001).
    #[error("unable to use the client's API: {0}")]
    ClientApi(String),
    /// No version in common with the partner (OCPI 3002).
    #[error("unsupported version: {0}")]
    UnsupportedVersion(String),
    /// The partner lacks endpoints we need (OCPI 3003).
    #[error("no matching endpoints: {0}")]
    NoMatchingEndpoints(String),
    /// The store refused a change that conflicts with what it holds.
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error("storage failure")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else that failed on our side, a handler's panic included; the message is
    /// logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for OcpiError {
    fn from(error: StoreError) -> OcpiError {
        match error {
            StoreError::Conflict(message) => OcpiError::Conflict(message),
            StoreError::Backend(source) => OcpiError::Store(source),
        }
    }
}

impl OcpiError {
    /// The HTTP status and the OCPI status code this error answers with.
    pub fn status(&self) -> (HttpStatus, StatusCode) {
        use StatusCode as S;
        match self {
            OcpiError::MissingToken
            | OcpiError::MalformedToken
            | OcpiError::UnknownCredentials
            | OcpiError::RegistrationTokenOnly => (HttpStatus::UNAUTHORIZED, S::GenericClientError),
            OcpiError::NoRoute(_) | OcpiError::NotFound { .. } | OcpiError::OtherVersion { .. } => {
                (HttpStatus::NOT_FOUND, S::GenericClientError)
            }
            OcpiError::MethodNotAllowed(_)
            | OcpiError::AlreadyRegistered
            | OcpiError::NotRegistered => (HttpStatus::METHOD_NOT_ALLOWED, S::GenericClientError),
            OcpiError::InvalidJson(_)
            | OcpiError::InvalidParameter { .. }
            | OcpiError::InvalidPath(_) => (HttpStatus::BAD_REQUEST, S::InvalidOrMissingParameters),
            OcpiError::InvalidBody { .. } | OcpiError::Invalid(_) => {
                (HttpStatus::OK, S::InvalidOrMissingParameters)
            }
            OcpiError::ForeignParty { .. } => {
                (HttpStatus::NOT_FOUND, S::InvalidOrMissingParameters)
            }
            OcpiError::UnknownLocation(_) => (HttpStatus::NOT_FOUND, S::UnknownLocation),
            OcpiError::UnknownToken(_) => (HttpStatus::NOT_FOUND, S::UnknownToken),
            OcpiError::PayloadTooLarge { .. } => {
                (HttpStatus::PAYLOAD_TOO_LARGE, S::GenericClientError)
            }
            OcpiError::Conflict(_) => (HttpStatus::CONFLICT, S::GenericClientError),
            OcpiError::Timeout { .. } => (HttpStatus::SERVICE_UNAVAILABLE, S::GenericServerError),
            OcpiError::ClientApi(_) => (HttpStatus::OK, S::UnableToUseClientApi),
            OcpiError::UnsupportedVersion(_) => (HttpStatus::OK, S::UnsupportedVersion),
            OcpiError::NoMatchingEndpoints(_) => (HttpStatus::OK, S::NoMatchingEndpoints),
            OcpiError::Store(_) | OcpiError::Internal(_) => {
                (HttpStatus::INTERNAL_SERVER_ERROR, S::GenericServerError)
            }
        }
    }

    /// The `status_message` sent: the error's text, except for our own failures, which
    /// are logged and answered with a generic text.
    pub fn public_message(&self) -> String {
        match self {
            OcpiError::Store(source) => {
                tracing::error!(error = %source, "OCPI request failed in the store");
                "internal error".to_owned()
            }
            OcpiError::Internal(message) => {
                tracing::error!(%message, "OCPI request failed");
                "internal error".to_owned()
            }
            other => other.to_string(),
        }
    }
}

impl IntoResponse for OcpiError {
    fn into_response(self) -> Response {
        let (http, code) = self.status();
        envelope_error(http, code, &self.public_message())
    }
}
