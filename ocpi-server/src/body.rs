//! Request bodies: read within the size limit, decoded with `ocpi_types::decode_value` in
//! the server's mode, warnings logged, failures answered with OCPI 2001 and a JSON path.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode as HttpStatus;
use axum::response::IntoResponse;
use ocpi_types::{Mode, Validate};
use serde::de::DeserializeOwned;

use crate::error::OcpiError;
use crate::server::Shared;

/// A decoded and validated OCPI object from a request body.
#[derive(Debug, Clone)]
pub(crate) struct OcpiBody<T>(pub(crate) T);

/// Decodes `bytes` into `T` in `mode`, logging the warnings.
pub(crate) fn decode_body<T: DeserializeOwned + Validate>(
    bytes: &[u8],
    mode: Mode,
) -> Result<T, OcpiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| OcpiError::InvalidJson("the body is not UTF-8".to_owned()))?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| OcpiError::InvalidJson(error.to_string()))?;
    let (decoded, report) =
        ocpi_types::decode_value::<T>(&value, mode, "$").map_err(|error| match error {
            ocpi_types::Error::Json { path, message } => OcpiError::InvalidBody { path, message },
            other => OcpiError::InvalidBody {
                path: "$".to_owned(),
                message: other.to_string(),
            },
        })?;
    if let Some(issue) = report.errors.first() {
        return Err(OcpiError::InvalidBody {
            path: issue.path.clone(),
            message: issue.message.clone(),
        });
    }
    for warning in &report.warnings {
        tracing::warn!(path = %warning.path, message = %warning.message, "OCPI body accepted with a deviation");
    }
    Ok(decoded)
}

impl<T: DeserializeOwned + Validate> FromRequest<Arc<Shared>> for OcpiBody<T> {
    type Rejection = OcpiError;

    async fn from_request(request: Request, state: &Arc<Shared>) -> Result<Self, OcpiError> {
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
        decode_body(&bytes, state.config.decode_mode).map(OcpiBody)
    }
}

/// A request body as bytes, read within the size limit.
#[derive(Debug, Clone)]
pub(crate) struct RawBody(pub(crate) Bytes);

impl FromRequest<Arc<Shared>> for RawBody {
    type Rejection = OcpiError;

    async fn from_request(request: Request, state: &Arc<Shared>) -> Result<Self, OcpiError> {
        Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == HttpStatus::PAYLOAD_TOO_LARGE {
                    OcpiError::PayloadTooLarge {
                        limit: state.config.max_body_bytes,
                    }
                } else {
                    OcpiError::InvalidJson(format!(
                        "the body could not be read ({})",
                        rejection.into_response().status()
                    ))
                }
            })
    }
}

/// Path parameters; a segment that cannot be read is answered with 400 and OCPI 2001.
#[derive(Debug, Clone)]
pub(crate) struct Params<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for Params<T> {
    type Rejection = OcpiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, OcpiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Params(value))
            .map_err(|rejection| OcpiError::InvalidPath(rejection.body_text()))
    }
}
