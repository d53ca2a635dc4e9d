//! Authorization tokens.

use axum::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::Deserialize;

use super::users::require_user;
use super::vehicles::require_vehicle;
use super::{CheckBody, Created, List, as_json, page};
use crate::api::auth::{Caller, OPERATE, READ, READ_OWN};
use crate::api::error::{Body, Path, Query};
use crate::api::schema::{NewTokenDef, TokenDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{NewToken, Token, TokenFilter, TokenId, TokenStatus, UserId};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/tokens", "createToken", OPERATE, create)
            .summary("tokens", "Create a token (uid unique within the tenant)")
            .body::<NewTokenDef>()
            .returns_status::<TokenDef>(201),
        Route::get("/tokens", "listTokens", READ_OWN, list)
            .summary(
                "tokens",
                "Tokens by uid, with filters (a driver's key: its user's only)",
            )
            .query::<TokenQuery>()
            .returns::<List<TokenDef>>()
            .paged(),
        Route::put("/tokens/{id}", "updateToken", OPERATE, update)
            .summary(
                "tokens",
                "Replace what a token is (its usage counters stay)",
            )
            .body::<NewTokenDef>()
            .returns::<TokenDef>(),
        Route::delete("/tokens/{id}", "deleteToken", OPERATE, delete)
            .summary(
                "tokens",
                "Delete a token (409 while sessions point at it: block it instead)",
            )
            .no_content(),
        Route::get("/tokens/{id}", "getToken", READ, get_one)
            .summary("tokens", "A token")
            .returns::<TokenDef>(),
        Route::put("/tokens/{id}/status", "setTokenStatus", OPERATE, set_status)
            .summary("tokens", "Block, accept or invalidate a token")
            .body::<StatusChange>()
            .returns::<TokenDef>(),
    ]
}

/// Checks what a token would be.
impl CheckBody for NewToken {
    fn check_body(&self) -> Result<(), ApiError> {
        if self.uid.is_empty() || self.uid.len() > 36 {
            return Err(ApiError::Invalid(
                "uid must have 1 to 36 characters".to_owned(),
            ));
        }
        Ok(())
    }
}

impl CheckBody for StatusChange {}

async fn check(state: &ApiState, caller: &Caller, new: &NewToken) -> Result<(), ApiError> {
    new.check_body()?;
    if let Some(owner) = new.owner {
        require_user(state, caller.tenant, owner).await?;
    }
    if let Some(vehicle) = new.vehicle_id {
        require_vehicle(state, caller.tenant, vehicle).await?;
    }
    Ok(())
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(new): Body<NewToken>,
) -> Result<Created<Token>, ApiError> {
    check(&state, &caller, &new).await?;
    let token = state.inner.store.create_token(caller.tenant, &new).await?;
    state
        .audit(
            &caller,
            "token.create",
            format!("token:{}", token.id),
            None,
            as_json(&token),
        )
        .await?;
    Ok(Created(token))
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Token>, ApiError> {
    let token = state.inner.store.token(caller.tenant, TokenId(id)).await?;
    token.map(Json).ok_or(ApiError::NotFound("token"))
}

/// A token's new status.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusChange {
    /// The status.
    status: TokenStatus,
}

async fn set_status(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(change): Body<StatusChange>,
) -> Result<Json<Token>, ApiError> {
    let store = &state.inner.store;
    let before = store
        .token(caller.tenant, TokenId(id))
        .await?
        .ok_or(ApiError::NotFound("token"))?;
    if !store
        .set_token_status(caller.tenant, TokenId(id), change.status)
        .await?
    {
        return Err(ApiError::NotFound("token"));
    }
    state
        .audit(
            &caller,
            "token.status",
            format!("token:{id}"),
            as_json(&before.status),
            as_json(&change.status),
        )
        .await?;
    get_one(State(state), caller, Path(id)).await
}

/// Which tokens; every filter narrows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenQuery {
    /// Of this user or renter.
    owner: Option<i64>,
    /// With this status.
    status: Option<TokenStatus>,
    /// Whose uid starts with this.
    uid_prefix: Option<String>,
    /// How many to skip (default 0).
    offset: Option<u64>,
    /// How many at most (default 50, at most 500).
    limit: Option<u32>,
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<TokenQuery>,
) -> Result<List<Token>, ApiError> {
    let page = page(query.offset, query.limit)?;
    let owner = match caller.own_scope()? {
        Some(own) => Some(own),
        None => query.owner.map(UserId),
    };
    let filter = TokenFilter {
        owner,
        status: query.status,
        uid_prefix: query.uid_prefix,
    };
    let tokens = state
        .inner
        .store
        .list_tokens(caller.tenant, &filter, page)
        .await?;
    Ok(List::of(tokens, page))
}

async fn update(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(new): Body<NewToken>,
) -> Result<Json<Token>, ApiError> {
    check(&state, &caller, &new).await?;
    let store = &state.inner.store;
    let before = store
        .token(caller.tenant, TokenId(id))
        .await?
        .ok_or(ApiError::NotFound("token"))?;
    let token = store
        .update_token(caller.tenant, TokenId(id), &new)
        .await?
        .ok_or(ApiError::NotFound("token"))?;
    state
        .audit(
            &caller,
            "token.update",
            format!("token:{id}"),
            as_json(&before),
            as_json(&token),
        )
        .await?;
    Ok(Json(token))
}

async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::http::StatusCode, ApiError> {
    let store = &state.inner.store;
    let before = store
        .token(caller.tenant, TokenId(id))
        .await?
        .ok_or(ApiError::NotFound("token"))?;
    if !store.delete_token(caller.tenant, TokenId(id)).await? {
        return Err(ApiError::NotFound("token"));
    }
    state
        .audit(
            &caller,
            "token.delete",
            format!("token:{id}"),
            as_json(&before),
            None,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
