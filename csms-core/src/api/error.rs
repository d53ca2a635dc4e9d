//! The one error of the API: every failure is a status and a JSON body
//! `{"error": {"code": "...", "message": "..."}}`, axum's own rejections included.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::limits::{ApiLimits, BodyLimit};
use crate::store::StoreError;
use crate::tariff::TariffError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No usable credentials: missing, malformed, unknown, wrong, expired or revoked.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The credentials are good but do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist in the caller's tenant.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// No route has this path.
    #[error("no route for {0}")]
    NoRoute(String),
    /// The route exists, not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body is not the JSON the route takes.
    #[error("invalid request body: {0}")]
    InvalidBody(String),
    /// The body is not declared as JSON.
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// The query string is not what the route takes.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A path parameter is not what the route takes.
    #[error("invalid path: {0}")]
    InvalidPath(String),
    /// A value in the request is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A value that must be unique is taken, or the change conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// The station is not connected, so it cannot be commanded.
    #[error("station {0} is not connected")]
    StationOffline(String),
    /// No tariff applies to what is to be priced.
    #[error(
        "no tariff applies here: assign one to the tenant, the location, the EVSE or the token group"
    )]
    NoTariff,
    /// The station did not answer a command in time.
    #[error("station {0} did not answer in time")]
    StationTimeout(String),
    /// A command could not be sent, or the station's answer was not valid.
    #[error("the command to station {station} failed: {reason}")]
    StationFailed {
        /// The station.
        station: String,
        /// What went wrong.
        reason: String,
    },
    /// A roaming partner's OCPI platform refused or failed a step of an exchange.
    #[error("the roaming partner failed: {0}")]
    PartnerFailed(String),
    /// Pricing failed.
    #[error("cannot price: {0}")]
    Tariff(#[from] TariffError),
    /// The store failed.
    #[error("store: {0}")]
    Store(StoreError),
    /// The store cannot be reached.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The request body is larger than the API takes ([`ApiLimits::max_body_bytes`]).
    ///
    /// [`ApiLimits::max_body_bytes`]: super::ApiLimits::max_body_bytes
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The caller's key (or, without one, its address) sent more requests than its rate
    /// allows ([`ApiLimits::rate_limit`]); answered with `Retry-After`.
    ///
    /// [`ApiLimits::rate_limit`]: super::ApiLimits::rate_limit
    #[error("too many requests with this key: retry in {retry_after} s")]
    RateLimited {
        /// Seconds until a request is admitted again.
        retry_after: u64,
    },
    /// As many requests as the API handles at once are in flight
    /// ([`ApiLimits::max_in_flight`]); answered with `Retry-After: 1`.
    ///
    /// [`ApiLimits::max_in_flight`]: super::ApiLimits::max_in_flight
    #[error("the API is handling as many requests as it takes at once; retry shortly")]
    Overloaded,
    /// The request was not answered within [`ApiLimits::request_timeout`].
    ///
    /// [`ApiLimits::request_timeout`]: super::ApiLimits::request_timeout
    #[error("the request was not answered within {seconds} s")]
    Timeout {
        /// The limit, in whole seconds (at least 1).
        seconds: u64,
    },
}

impl ApiError {
    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::NoRoute(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::InvalidBody(_)
            | ApiError::InvalidQuery(_)
            | ApiError::InvalidPath(_)
            | ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Conflict(_) | ApiError::StationOffline(_) => StatusCode::CONFLICT,
            ApiError::Tariff(_) | ApiError::NoTariff => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::StationTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::StationFailed { .. } | ApiError::PartnerFailed(_) => StatusCode::BAD_GATEWAY,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) | ApiError::Overloaded | ApiError::Timeout { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// The stable machine-readable code in the body (`not_found`, `invalid_body`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::NoRoute(_) => "no_route",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::InvalidBody(_) => "invalid_body",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::InvalidPath(_) => "invalid_path",
            ApiError::Invalid(_) => "invalid",
            ApiError::Conflict(_) => "conflict",
            ApiError::StationOffline(_) => "station_offline",
            ApiError::Tariff(_) => "cannot_price",
            ApiError::NoTariff => "no_tariff",
            ApiError::StationTimeout(_) => "station_timeout",
            ApiError::StationFailed { .. } => "station_failed",
            ApiError::PartnerFailed(_) => "partner_failed",
            ApiError::Store(_) => "internal",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Overloaded => "overloaded",
            ApiError::Timeout { .. } => "timeout",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Conflict { what } => ApiError::Conflict(format!("{what} already exists")),
            StoreError::NotFound { what } => ApiError::NotFound(what),
            StoreError::Invalid { what, reason } => {
                ApiError::Invalid(format!("invalid {what}: {reason}"))
            }
            other => ApiError::Store(other),
        }
    }
}

/// The JSON body of an error.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct ErrorDetail {
    /// A stable code (`unauthenticated`, `forbidden`, `not_found`, `invalid_body`, ...).
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        // Details of internal failures go to the log, not to the caller.
        let message = match &self {
            ApiError::Store(error) => {
                tracing::error!(%error, "store failure in the admin API");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            ApiError::Overloaded => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

/// A JSON body, rejected with an [`ApiError`].
#[derive(Debug)]
pub(crate) struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let limit = request.extensions().get::<BodyLimit>().copied();
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            // Longer than the body limit: a streamed body (no `Content-Length`) is cut here;
            // a declared one is refused before (see `limits::guard`).
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge {
                    limit: limit
                        .map_or(ApiLimits::DEFAULT_MAX_BODY_BYTES, |BodyLimit(limit)| limit),
                })
            }
            Err(rejection) => Err(ApiError::InvalidBody(rejection.body_text())),
        }
    }
}

/// A query string, rejected with an [`ApiError`].
#[derive(Debug)]
pub(crate) struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection: QueryRejection| ApiError::InvalidQuery(rejection.body_text()))
    }
}

/// Path parameters, rejected with an [`ApiError`].
#[derive(Debug)]
pub(crate) struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|rejection: PathRejection| ApiError::InvalidPath(rejection.body_text()))
    }
}
