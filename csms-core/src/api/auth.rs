//! Who is calling: API keys (`Authorization: Bearer <prefix>.<secret>`), the system key, and
//! the roles each route needs.
//!
//! A key acting for a user has, at each request, its roles limited by the user's current
//! roles (an admin may do what an operator and a viewer may, an operator what a viewer
//! may): a user demoted takes the rights from their keys at once, and a user disabled or
//! deleted makes their keys fail (401). A key without a user has its own roles.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;

use super::ApiState;
use super::error::ApiError;
use crate::model::{ApiKeyId, Role, TenantId, UserId};

/// What a route requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Nobody needs to be authenticated.
    Public,
    /// The system key (creating and reading tenants).
    System,
    /// A key of the tenant with one of these roles.
    Tenant(&'static [Role]),
}

/// Reading: admins, operators and viewers.
pub(crate) const READ: Access = Access::Tenant(&[Role::Admin, Role::Operator, Role::Viewer]);
/// Operating stations, tokens, locations: admins and operators.
pub(crate) const OPERATE: Access = Access::Tenant(&[Role::Admin, Role::Operator]);
/// Users, keys and settings: admins.
pub(crate) const ADMIN: Access = Access::Tenant(&[Role::Admin]);
/// Lists a driver or renter may read too, narrowed to their own (see [`Caller::own_scope`]).
pub(crate) const READ_OWN: Access = Access::Tenant(&[
    Role::Admin,
    Role::Operator,
    Role::Viewer,
    Role::Driver,
    Role::Renter,
]);

impl Access {
    /// The roles it admits, for the OpenAPI document.
    pub(crate) fn roles(self) -> Vec<&'static str> {
        match self {
            Access::Public => Vec::new(),
            Access::System => vec!["system"],
            Access::Tenant(roles) => roles.iter().map(|role| role.as_str()).collect(),
        }
    }
}

/// The tenant key a request was authenticated with, put in the request by the router for
/// the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The key's tenant: everything the request sees or changes is the tenant's.
    pub tenant: TenantId,
    /// The key.
    pub key: ApiKeyId,
    /// The user the key acts for, if any.
    pub user: Option<UserId>,
    /// The key's roles.
    pub roles: Vec<Role>,
}

impl Caller {
    /// Whose items the caller may see in a list of tokens, sessions or CDRs: everyone's
    /// (`None`) with a reading role; a driver's or renter's key sees only its user's.
    pub fn own_scope(&self) -> Result<Option<UserId>, ApiError> {
        let reads = [Role::Admin, Role::Operator, Role::Viewer];
        if self.roles.iter().any(|role| reads.contains(role)) {
            return Ok(None);
        }
        self.user.map(Some).ok_or_else(|| {
            ApiError::Forbidden("a driver's key must belong to a user to read lists".to_owned())
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(ApiError::Unauthenticated("this route needs an API key"))
    }
}

/// The bearer credential of a request, if it has one.
fn bearer(parts: &axum::http::HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("the Authorization header is not text"))?;
    let (scheme, credential) = value.split_once(' ').ok_or(ApiError::Unauthenticated(
        "the Authorization header must be `Bearer <key>`",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthenticated(
            "the Authorization header must be `Bearer <key>`",
        ));
    }
    Ok(Some(credential.trim()))
}

/// Whether two strings are equal, in time that depends only on their lengths.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Checks the request's credentials against what the route requires, and hands the tenant
/// caller to the handler.
pub(crate) async fn authorize(
    State(state): State<ApiState>,
    access: Access,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    match access {
        Access::Public => {}
        Access::System => {
            let credential = bearer(request.headers())?
                .ok_or(ApiError::Unauthenticated("this route needs the system key"))?;
            let is_system = state
                .inner
                .system_key
                .as_deref()
                .is_some_and(|key| same(key, credential));
            if !is_system {
                return Err(ApiError::Unauthenticated("this route needs the system key"));
            }
        }
        Access::Tenant(roles) => {
            let credential = bearer(request.headers())?.ok_or(ApiError::Unauthenticated(
                "this route needs an API key: `Authorization: Bearer <key>`",
            ))?;
            let caller = state.authenticate(credential).await?;
            if !caller.roles.iter().any(|role| roles.contains(role)) {
                let needed: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
                return Err(ApiError::Forbidden(format!(
                    "this needs a key with one of the roles {}",
                    needed.join(", ")
                )));
            }
            request.extensions_mut().insert(caller);
        }
    }
    Ok(next.run(request).await)
}

impl ApiState {
    /// The tenant caller of a `<prefix>.<secret>` key, if the key works now.
    pub(crate) async fn authenticate(&self, credential: &str) -> Result<Caller, ApiError> {
        if self
            .inner
            .system_key
            .as_deref()
            .is_some_and(|key| same(key, credential))
        {
            return Err(ApiError::Forbidden(
                "the system key only manages tenants; use a key of the tenant".to_owned(),
            ));
        }
        let unknown = ApiError::Unauthenticated("unknown, expired or revoked API key");
        let (prefix, secret) = credential.split_once('.').ok_or(ApiError::Unauthenticated(
            "an API key has the form <prefix>.<secret>",
        ))?;
        let store = &self.inner.store;
        let key = store
            .api_key_by_prefix(prefix)
            .await?
            .ok_or(ApiError::Unauthenticated(
                "unknown, expired or revoked API key",
            ))?;
        if !key.accepts(secret, Utc::now()) {
            return Err(unknown);
        }
        let roles = match key.user_id {
            None => key.roles,
            Some(user) => match store.user(key.tenant_id, user).await? {
                Some(user) if !user.disabled => effective_roles(&key.roles, &user.roles),
                Some(_) => return Err(ApiError::Unauthenticated("the key's user is disabled")),
                None => return Err(ApiError::Unauthenticated("the key's user no longer exists")),
            },
        };
        Ok(Caller {
            tenant: key.tenant_id,
            key: key.id,
            user: key.user_id,
            roles,
        })
    }
}

/// Whether a user with the role `held` may do what `role` allows: an admin may do what an
/// operator and a viewer may, an operator what a viewer may; driver and renter cover only
/// themselves.
fn covers(held: Role, role: Role) -> bool {
    held == role
        || matches!(
            (held, role),
            (Role::Admin, Role::Operator | Role::Viewer) | (Role::Operator, Role::Viewer)
        )
}

/// The roles a key acting for a user has now: each of its own roles limited by the user's
/// current roles (an admin key of a viewer is a viewer key; an operator key of an admin
/// stays an operator key; a driver key of a staff member has no role). A key never does
/// more than its user may, so demoting the user takes the rights from the key at once. (A
/// key without a user keeps its own roles.)
pub(crate) fn effective_roles(key: &[Role], user: &[Role]) -> Vec<Role> {
    let mut roles = Vec::new();
    for &granted in key {
        for &held in user {
            let limited = if covers(held, granted) {
                Some(granted)
            } else if covers(granted, held) {
                Some(held)
            } else {
                None
            };
            if let Some(role) = limited
                && !roles.contains(&role)
            {
                roles.push(role);
            }
        }
    }
    roles
}

/// A fresh API key: its public prefix and its secret, both random. Fails only when the
/// operating system has no random source.
pub fn generate_key() -> Result<(String, String), ApiError> {
    Ok((format!("key_{}", random_hex(8)?), random_hex(24)?))
}

/// `bytes` random bytes from the operating system, in hex.
pub(crate) fn random_hex(bytes: usize) -> Result<String, ApiError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|error| ApiError::Unavailable(format!("no random source: {error}")))?;
    Ok(buffer.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_does_no_more_than_its_user() {
        use Role::{Admin, Driver, Operator, Renter, Viewer};
        let table: [(&[Role], &[Role], &[Role]); 10] = [
            (&[Admin], &[Admin], &[Admin]),
            (&[Admin], &[Viewer], &[Viewer]),
            (&[Admin], &[Operator, Viewer], &[Operator, Viewer]),
            (&[Admin, Viewer], &[Viewer], &[Viewer]),
            (&[Viewer, Operator], &[Admin], &[Viewer, Operator]),
            (&[Operator], &[Viewer], &[Viewer]),
            (&[Driver], &[Admin], &[]),
            (&[Admin], &[Driver], &[]),
            (&[Driver, Renter], &[Renter], &[Renter]),
            (&[Admin], &[], &[]),
        ];
        for (key, user, effective) in table {
            assert_eq!(
                effective_roles(key, user),
                effective,
                "{key:?} for {user:?}"
            );
        }
    }
}
