//! Users and API keys.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use ocpp_server::storage::PasswordHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CheckBody, Created, List, PageQuery, as_json};
use crate::api::auth::{ADMIN, Caller, READ, generate_key};
use crate::api::error::Query;
use crate::api::error::{Body, Path};
use crate::api::schema::{NewUserDef, UserDef, UserUpdateDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{
    ApiKey, ApiKeyId, NewApiKey, NewUser, Role, TenantId, User, UserId, UserUpdate,
};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/users", "createUser", ADMIN, create_user)
            .summary("users", "Create a user (staff, driver or renter)")
            .body::<NewUserDef>()
            .returns_status::<UserDef>(201),
        Route::get("/users/{id}", "getUser", READ, get_user)
            .summary("users", "A user")
            .returns::<UserDef>(),
        Route::get("/users", "listUsers", READ, list_users)
            .summary("users", "The tenant's users")
            .query::<PageQuery>()
            .returns::<List<UserDef>>()
            .paged(),
        Route::put("/users/{id}", "updateUser", ADMIN, update_user)
            .summary("users", "Change a user (disabling one stops its keys)")
            .body::<UserUpdateDef>()
            .returns::<UserDef>(),
        Route::delete("/users/{id}", "deleteUser", ADMIN, delete_user)
            .summary(
                "users",
                "Delete a user (409 while tokens, vehicles or history point at it)",
            )
            .no_content(),
        Route::post("/api-keys", "createApiKey", ADMIN, create_key)
            .summary(
                "users",
                "Create an API key; its secret is shown only in this answer",
            )
            .body::<CreateKey>()
            .returns_status::<KeyView>(201),
        Route::delete("/api-keys/{id}", "revokeApiKey", ADMIN, revoke_key)
            .summary("users", "Revoke an API key")
            .no_content(),
    ]
}

/// Checks that `user` is one of the tenant's users.
pub(crate) async fn require_user(
    state: &ApiState,
    tenant: TenantId,
    user: UserId,
) -> Result<User, ApiError> {
    state
        .inner
        .store
        .user(tenant, user)
        .await?
        .ok_or_else(|| ApiError::Invalid(format!("no user {user} in this tenant")))
}

/// A user's name must not be blank.
fn check_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::Invalid("name is empty".to_owned()));
    }
    Ok(())
}

impl CheckBody for NewUser {
    fn check_body(&self) -> Result<(), ApiError> {
        check_name(&self.name)
    }
}

impl CheckBody for UserUpdate {
    fn check_body(&self) -> Result<(), ApiError> {
        check_name(&self.name)
    }
}

impl CheckBody for CreateKey {
    fn check_body(&self) -> Result<(), ApiError> {
        check_name(&self.name)?;
        if self.roles.is_empty() {
            return Err(ApiError::Invalid(
                "a key needs at least one role".to_owned(),
            ));
        }
        Ok(())
    }
}

async fn create_user(
    State(state): State<ApiState>,
    caller: Caller,
    Body(new): Body<NewUser>,
) -> Result<Created<User>, ApiError> {
    new.check_body()?;
    let user = state.inner.store.create_user(caller.tenant, &new).await?;
    state
        .audit(
            &caller,
            "user.create",
            format!("user:{}", user.id),
            None,
            as_json(&user),
        )
        .await?;
    Ok(Created(user))
}

async fn get_user(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<User>, ApiError> {
    let user = state.inner.store.user(caller.tenant, UserId(id)).await?;
    user.map(Json).ok_or(ApiError::NotFound("user"))
}

async fn list_users(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<List<User>, ApiError> {
    let page = query.page()?;
    let users = state.inner.store.list_users(caller.tenant, page).await?;
    Ok(List::of(users, page))
}

async fn update_user(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(update): Body<UserUpdate>,
) -> Result<Json<User>, ApiError> {
    update.check_body()?;
    let store = &state.inner.store;
    let before = store
        .user(caller.tenant, UserId(id))
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let user = store
        .update_user(caller.tenant, UserId(id), &update)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    state
        .audit(
            &caller,
            "user.update",
            format!("user:{id}"),
            as_json(&before),
            as_json(&user),
        )
        .await?;
    Ok(Json(user))
}

async fn delete_user(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let store = &state.inner.store;
    let before = store
        .user(caller.tenant, UserId(id))
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    if !store.delete_user(caller.tenant, UserId(id)).await? {
        return Err(ApiError::NotFound("user"));
    }
    state
        .audit(
            &caller,
            "user.delete",
            format!("user:{id}"),
            as_json(&before),
            None,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What it takes to create an API key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateKey {
    /// A name to recognise it by.
    name: String,
    /// What it may do.
    roles: Vec<Role>,
    /// The user it acts for: disabling the user disables the key.
    #[serde(default)]
    user_id: Option<UserId>,
    /// When it stops working, if ever.
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

/// An API key as shown: never its hash; the whole key only when it is created.
#[derive(Serialize, JsonSchema)]
pub(crate) struct KeyView {
    /// Its identifier.
    pub id: ApiKeyId,
    /// Its name.
    pub name: String,
    /// The public part.
    pub prefix: String,
    /// The user it acts for.
    pub user_id: Option<UserId>,
    /// What it may do.
    pub roles: Vec<Role>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The whole key to send as `Authorization: Bearer <key>`; only when created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Leaves out the whole key (its secret).
impl std::fmt::Debug for KeyView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyView")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("prefix", &self.prefix)
            .field("user_id", &self.user_id)
            .field("roles", &self.roles)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl KeyView {
    fn of(key: ApiKey, whole: Option<String>) -> KeyView {
        let ApiKey {
            id,
            tenant_id: _,
            user_id,
            name,
            prefix,
            secret_hash: _,
            roles,
            created_at,
            expires_at,
            revoked_at,
        } = key;
        KeyView {
            id,
            name,
            prefix,
            user_id,
            roles,
            created_at,
            expires_at,
            revoked_at,
            key: whole,
        }
    }
}

/// Creates a key with fresh random prefix and secret.
pub(crate) async fn new_key(
    state: &ApiState,
    tenant: TenantId,
    name: String,
    roles: Vec<Role>,
    user_id: Option<UserId>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<KeyView, ApiError> {
    let (prefix, secret) = generate_key()?;
    let new = NewApiKey {
        user_id,
        name,
        prefix: prefix.clone(),
        secret_hash: PasswordHash::of_random_secret(&secret)
            .map_err(|error| ApiError::Unavailable(error.to_string()))?,
        roles,
        expires_at,
    };
    let key = state.inner.store.create_api_key(tenant, &new).await?;
    Ok(KeyView::of(key, Some(format!("{prefix}.{secret}"))))
}

async fn create_key(
    State(state): State<ApiState>,
    caller: Caller,
    Body(input): Body<CreateKey>,
) -> Result<Created<KeyView>, ApiError> {
    input.check_body()?;
    if let Some(user) = input.user_id {
        require_user(&state, caller.tenant, user).await?;
    }
    let view = new_key(
        &state,
        caller.tenant,
        input.name,
        input.roles,
        input.user_id,
        input.expires_at,
    )
    .await?;
    let target = format!("api_key:{}", view.id);
    let logged =
        serde_json::json!({ "name": view.name, "prefix": view.prefix, "roles": view.roles });
    state
        .audit(&caller, "api_key.create", target, None, Some(logged))
        .await?;
    Ok(Created(view))
}

async fn revoke_key(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let store = &state.inner.store;
    if !store
        .revoke_api_key(caller.tenant, ApiKeyId(id), Utc::now())
        .await?
    {
        return Err(ApiError::NotFound("API key"));
    }
    state
        .audit(
            &caller,
            "api_key.revoke",
            format!("api_key:{id}"),
            None,
            None,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
