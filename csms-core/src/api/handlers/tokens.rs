//! Authorization tokens.

use axum::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::Deserialize;

use super::users::require_user;
use super::vehicles::require_vehicle;
use super::{Created, as_json};
use crate::api::auth::{Caller, OPERATE, READ};
use crate::api::error::{Body, Path};
use crate::api::schema::{NewTokenDef, TokenDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{NewToken, Token, TokenId, TokenStatus};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/tokens", "createToken", OPERATE, create)
            .summary("tokens", "Create a token (uid unique within the tenant)")
            .body::<NewTokenDef>()
            .returns_status::<TokenDef>(201),
        Route::get("/tokens/{id}", "getToken", READ, get_one)
            .summary("tokens", "A token")
            .returns::<TokenDef>(),
        Route::put("/tokens/{id}/status", "setTokenStatus", OPERATE, set_status)
            .summary("tokens", "Block, accept or invalidate a token")
            .body::<StatusChange>()
            .returns::<TokenDef>(),
    ]
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(new): Body<NewToken>,
) -> Result<Created<Token>, ApiError> {
    if new.uid.is_empty() || new.uid.len() > 36 {
        return Err(ApiError::Invalid(
            "uid must have 1 to 36 characters".to_owned(),
        ));
    }
    if let Some(owner) = new.owner {
        require_user(&state, caller.tenant, owner).await?;
    }
    if let Some(vehicle) = new.vehicle_id {
        require_vehicle(&state, caller.tenant, vehicle).await?;
    }
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
