//! Success answers and the envelope every answer is wrapped in.

use axum::http::StatusCode as HttpStatus;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ocpi_types::common::{DateTime, StatusCode};
use serde::Serialize;

/// Now, as an OCPI timestamp.
pub(crate) fn now() -> DateTime {
    DateTime::from_utc(chrono::Utc::now())
}

/// `body` as a JSON response with `status`.
pub(crate) fn json_response<T: Serialize>(status: HttpStatus, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(error) => {
            tracing::error!(%error, "an OCPI answer could not be written as JSON");
            let body = format!(
                r#"{{"status_code":3000,"status_message":"internal error","timestamp":"{}"}}"#,
                now()
            );
            let mut response = (HttpStatus::INTERNAL_SERVER_ERROR, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
    }
}

/// An error envelope without data.
pub(crate) fn envelope_error(status: HttpStatus, code: StatusCode, message: &str) -> Response {
    json_response(
        status,
        &ocpi_types::common::Response::<()>::error(code, message, now()),
    )
}

/// A successful answer: OCPI status 1000, with or without data, with HTTP 200 or 201.
///
/// ```
/// use ocpi_server::Reply;
///
/// let stored: Reply<()> = Reply::created_empty(); // a PUT that created an object
/// let found = Reply::ok("a value"); // a GET
/// # let _ = (stored, found);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<T> {
    status: HttpStatus,
    data: Option<T>,
}

impl<T> Reply<T> {
    /// HTTP 200 with `data`.
    pub fn ok(data: T) -> Reply<T> {
        Reply {
            status: HttpStatus::OK,
            data: Some(data),
        }
    }

    /// HTTP 201 (an object was created) with `data`.
    pub fn created(data: T) -> Reply<T> {
        Reply {
            status: HttpStatus::CREATED,
            data: Some(data),
        }
    }

    /// HTTP 200 without data.
    pub fn ok_empty() -> Reply<T> {
        Reply {
            status: HttpStatus::OK,
            data: None,
        }
    }

    /// HTTP 201 without data.
    pub fn created_empty() -> Reply<T> {
        Reply {
            status: HttpStatus::CREATED,
            data: None,
        }
    }
}

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        let body = ocpi_types::common::Response {
            data: self.data,
            status_code: StatusCode::Success,
            status_message: None,
            timestamp: now(),
        };
        json_response(self.status, &body)
    }
}
