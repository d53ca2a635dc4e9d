//! What wraps every request: its message ids and routing headers (read, handed to the
//! handlers, answered), its time limit, a handler's panic, and the rule that every answer
//! is an OCPI envelope.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode as HttpStatus};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use ocpi_types::common::{RequestIds, RoutingHeaders, StatusCode};

use crate::error::OcpiError;
use crate::reply::envelope_error;
use crate::token::random_id;

/// The longest message id taken from a request; a longer one is replaced.
const MAX_ID_LEN: usize = 255;

/// The message ids and routing headers of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMeta {
    /// `X-Request-ID` and `X-Correlation-ID`, both set: as sent, or generated when the
    /// request had none.
    pub ids: RequestIds,
    /// The `OCPI-to-*` and `OCPI-from-*` headers of the request.
    pub routing: RoutingHeaders,
}

impl RequestMeta {
    /// Reads the ids (generating those that are missing) and routing headers.
    pub fn from_headers(headers: &HeaderMap) -> RequestMeta {
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let sent = RequestIds::from_headers(pairs.iter().copied());
        let usable = |id: Option<String>| id.filter(|id| !id.is_empty() && id.len() <= MAX_ID_LEN);
        let ids = RequestIds {
            request_id: Some(usable(sent.request_id).unwrap_or_else(random_id)),
            correlation_id: Some(usable(sent.correlation_id).unwrap_or_else(random_id)),
        };
        RequestMeta {
            ids,
            routing: RoutingHeaders::from_headers(pairs.iter().copied()),
        }
    }

    /// Writes the ids and the routing headers swapped (`to` becomes `from`) into the
    /// headers of the answer.
    fn answer(&self, headers: &mut HeaderMap) {
        let pairs = self
            .ids
            .to_headers()
            .into_iter()
            .chain(self.routing.reply().to_headers());
        for (name, value) in pairs {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(name), HeaderValue::from_str(&value))
            {
                headers.insert(name, value);
            }
        }
    }
}

/// The limits of the middleware.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) request_timeout: Duration,
    pub(crate) max_body_bytes: usize,
}

/// The middleware around every route.
pub(crate) async fn around(
    State(limits): State<Limits>,
    mut request: Request,
    next: Next,
) -> Response {
    let meta = RequestMeta::from_headers(request.headers());
    request.extensions_mut().insert(meta.clone());
    let path = request.uri().path().to_owned();
    let method = request.method().to_string();
    let run = AssertUnwindSafe(next.run(request)).catch_unwind();
    let mut response = match tokio::time::timeout(limits.request_timeout, run).await {
        Ok(Ok(response)) => as_envelope(response, &path, &method, limits),
        Ok(Err(_)) => {
            OcpiError::Internal(format!("the handler of {method} {path} panicked")).into_response()
        }
        Err(_) => OcpiError::Timeout {
            seconds: limits.request_timeout.as_secs().max(1),
        }
        .into_response(),
    };
    meta.answer(response.headers_mut());
    response
}

/// `response` when it is JSON; otherwise (a rejection or answer of axum's own) the
/// envelope of its status.
fn as_envelope(response: Response, path: &str, method: &str, limits: Limits) -> Response {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let status = response.status();
    let error = match status {
        HttpStatus::NOT_FOUND => OcpiError::NoRoute(path.to_owned()),
        HttpStatus::METHOD_NOT_ALLOWED => OcpiError::MethodNotAllowed(method.to_owned()),
        HttpStatus::PAYLOAD_TOO_LARGE => OcpiError::PayloadTooLarge {
            limit: limits.max_body_bytes,
        },
        _ => {
            let code = if status.is_client_error() {
                StatusCode::GenericClientError
            } else if status.is_server_error() {
                StatusCode::GenericServerError
            } else {
                // A success without JSON: none of our routes answers so.
                return response;
            };
            let reason = status.canonical_reason().unwrap_or("error");
            return envelope_error(status, code, reason);
        }
    };
    error.into_response()
}
