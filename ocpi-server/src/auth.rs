//! Authentication: the `Authorization: Token ...` header, looked up in the store, Base64
//! first (OCPI 2.2.1) and as is second (partners that do not encode the token).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use ocpi_types::common::{CredentialsToken, RequestIds, RoutingHeaders, TokenEncoding};
use ocpi_types::v221::VersionNumber;

use crate::error::OcpiError;
use crate::meta::RequestMeta;
use crate::server::Shared;
use crate::store::{Access, Caller, PartnerStore};

/// The longest `Authorization` header value looked up; longer ones are unknown tokens.
const MAX_AUTHORIZATION_LEN: usize = 1024;

/// What a module handler knows of a request: who sent it, and its routing headers and
/// message ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The registered partner that sent the request.
    pub caller: Caller,
    /// The request's `OCPI-to-*` and `OCPI-from-*` headers (the answer carries them
    /// swapped).
    pub routing: RoutingHeaders,
    /// The request's `X-Request-ID` and `X-Correlation-ID` (generated when absent; the
    /// answer repeats them).
    pub ids: RequestIds,
}

/// The version of the module routes a request matched, set on them as an extension: a
/// registered caller is served only the modules of the version it agreed (a caller whose
/// store records no version is served both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModuleVersion(pub(crate) VersionNumber);

/// The caller of the versions and credentials modules: any known token, registration
/// tokens included, with the token as presented.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub(crate) caller: Caller,
    pub(crate) token: CredentialsToken,
}

/// Finds the caller of a request; the token is decoded from Base64 when it can be and
/// looked up decoded, then (when that finds nothing) as sent.
pub(crate) async fn authenticate(
    parts: &Parts,
    store: &dyn PartnerStore,
) -> Result<(Caller, CredentialsToken), OcpiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(OcpiError::MissingToken)?
        .to_str()
        .map_err(|_| OcpiError::MalformedToken)?;
    let raw = CredentialsToken::from_header_value(value, TokenEncoding::Plain)
        .map_err(|_| OcpiError::MalformedToken)?;
    if value.len() > MAX_AUTHORIZATION_LEN {
        return Err(OcpiError::UnknownCredentials);
    }
    if let Ok(decoded) = CredentialsToken::from_header_value(value, TokenEncoding::Base64) {
        if !decoded.as_str().is_empty() {
            if let Some(caller) = store.authenticate(decoded.as_str()).await? {
                return Ok((caller, decoded));
            }
        }
    }
    match store.authenticate(raw.as_str()).await? {
        Some(caller) => Ok((caller, raw)),
        None => Err(OcpiError::UnknownCredentials),
    }
}

fn meta_of(parts: &Parts) -> RequestMeta {
    parts
        .extensions
        .get::<RequestMeta>()
        .cloned()
        .unwrap_or_else(|| RequestMeta::from_headers(&parts.headers))
}

impl FromRequestParts<Arc<Shared>> for Authenticated {
    type Rejection = OcpiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<Shared>) -> Result<Self, OcpiError> {
        let (caller, token) = authenticate(parts, state.store.as_ref()).await?;
        Ok(Authenticated { caller, token })
    }
}

impl FromRequestParts<Arc<Shared>> for RequestContext {
    type Rejection = OcpiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<Shared>) -> Result<Self, OcpiError> {
        let (caller, _) = authenticate(parts, state.store.as_ref()).await?;
        if caller.access != Access::Registered {
            return Err(OcpiError::RegistrationTokenOnly);
        }
        if let (Some(ModuleVersion(asked)), Some(agreed)) =
            (parts.extensions.get::<ModuleVersion>(), &caller.version)
        {
            if asked != agreed {
                return Err(OcpiError::OtherVersion {
                    agreed: agreed.to_string(),
                    asked: asked.to_string(),
                });
            }
        }
        let meta = meta_of(parts);
        Ok(RequestContext {
            caller,
            routing: meta.routing,
            ids: meta.ids,
        })
    }
}
