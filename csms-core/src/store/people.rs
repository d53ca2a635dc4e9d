//! Tenants, users and API keys, tokens, vehicles, and the audit log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{Page, Paged, StoreResult};
use crate::model::{
    ApiKey, ApiKeyId, AuditEntry, NewApiKey, NewAuditEntry, NewTenant, NewToken, NewUser,
    NewVehicle, SessionId, Tenant, TenantId, TenantSettings, Token, TokenFilter, TokenId,
    TokenStatus, TokenUsage, User, UserId, UserUpdate, Vehicle, VehicleId,
};

/// Tenants.
#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Creates a tenant.
    async fn create_tenant(&self, new: &NewTenant) -> StoreResult<Tenant>;

    /// The tenant `id`, if it exists.
    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>>;

    /// A page of every tenant, oldest first: for the operator of the whole system (and
    /// for work done per tenant, such as webhook deliveries), never for a tenant's users.
    async fn list_tenants(&self, page: Page) -> StoreResult<Paged<Tenant>>;

    /// Replaces a tenant's settings; `false` if there is no such tenant.
    async fn update_tenant_settings(
        &self,
        id: TenantId,
        settings: &TenantSettings,
    ) -> StoreResult<bool>;
}

/// Users and API keys.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; [`StoreError::Conflict`](super::StoreError::Conflict) if the tenant has a user with that e-mail.
    async fn create_user(&self, tenant: TenantId, new: &NewUser) -> StoreResult<User>;

    /// The user `id` of `tenant`.
    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<User>>;

    /// A page of the tenant's users, by name.
    async fn list_users(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<User>>;

    /// Changes a user; `None` if `tenant` has no such user, [`StoreError::Conflict`](super::StoreError::Conflict) if
    /// the e-mail is another user's.
    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        update: &UserUpdate,
    ) -> StoreResult<Option<User>>;

    /// Deletes a user; `false` if `tenant` has no such user. [`StoreError::Conflict`](super::StoreError::Conflict) while
    /// anything points at it (tokens, vehicles, API keys, CDRs, a parking spot it rents).
    async fn delete_user(&self, tenant: TenantId, id: UserId) -> StoreResult<bool>;

    /// Creates an API key; [`StoreError::Conflict`](super::StoreError::Conflict) if its prefix is taken (by any tenant).
    async fn create_api_key(&self, tenant: TenantId, new: &NewApiKey) -> StoreResult<ApiKey>;

    /// The key with public prefix `prefix`, whatever its tenant: how a request's tenant is
    /// found. Check the secret with [`ApiKey::accepts`] before trusting it.
    async fn api_key_by_prefix(&self, prefix: &str) -> StoreResult<Option<ApiKey>>;

    /// A page of the tenant's API keys (revoked ones included), oldest first.
    async fn list_api_keys(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<ApiKey>>;

    /// Revokes a key at `at`; `false` if `tenant` has no such key.
    async fn revoke_api_key(
        &self,
        tenant: TenantId,
        id: ApiKeyId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

/// Authorization tokens.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Creates a token; [`StoreError::Conflict`](super::StoreError::Conflict) if the tenant has one with that uid.
    async fn create_token(&self, tenant: TenantId, new: &NewToken) -> StoreResult<Token>;

    /// The token `id` of `tenant`.
    async fn token(&self, tenant: TenantId, id: TokenId) -> StoreResult<Option<Token>>;

    /// The token of `tenant` presented as `uid` (an idTag or idToken): the Authorize lookup.
    async fn token_by_uid(&self, tenant: TenantId, uid: &str) -> StoreResult<Option<Token>>;

    /// The tokens of a user (or renter), by uid.
    async fn tokens_of_owner(&self, tenant: TenantId, owner: UserId) -> StoreResult<Vec<Token>>;

    /// A page of the tokens `filter` lets through, by uid.
    async fn list_tokens(
        &self,
        tenant: TenantId,
        filter: &TokenFilter,
        page: Page,
    ) -> StoreResult<Paged<Token>>;

    /// Replaces what a token was created with (its usage counters stay); `None` if
    /// `tenant` has no such token, [`StoreError::Conflict`](super::StoreError::Conflict) if the uid is another token's.
    async fn update_token(
        &self,
        tenant: TenantId,
        id: TokenId,
        update: &NewToken,
    ) -> StoreResult<Option<Token>>;

    /// Deletes a token; `false` if `tenant` has no such token. [`StoreError::Conflict`](super::StoreError::Conflict)
    /// while sessions point at it (block it instead).
    async fn delete_token(&self, tenant: TenantId, id: TokenId) -> StoreResult<bool>;

    /// Sets a token's status; `false` if `tenant` has no such token.
    async fn set_token_status(
        &self,
        tenant: TenantId,
        id: TokenId,
        status: TokenStatus,
    ) -> StoreResult<bool>;

    /// Replaces a token's usage counters; `false` if `tenant` has no such token. Prefer
    /// [`record_token_usage`](TokenStore::record_token_usage) and
    /// [`record_token_session`](TokenStore::record_token_session): a read, change and
    /// save can lose what a concurrent change wrote in between.
    async fn save_token_usage(
        &self,
        tenant: TenantId,
        id: TokenId,
        usage: &TokenUsage,
    ) -> StoreResult<bool>;

    /// Adds `energy_wh` and `amount` used at `at` to a token's day and month counters, in
    /// one transaction that holds the token's row: concurrent calls all count. The day and
    /// month are those of `at` in the token's time zone (its restrictions' zone, else the
    /// tenant's); counters of an earlier day or month start again from zero (see
    /// [`TokenUsage::record`]). With `session`, what that session used is counted once, in
    /// the same transaction: counting it again (a retried stop, the reconciliation after a
    /// crash) changes nothing. The counters as they now are, or `None` if `tenant` has no
    /// such token.
    async fn record_token_usage(
        &self,
        tenant: TenantId,
        id: TokenId,
        session: Option<SessionId>,
        energy_wh: Decimal,
        amount: Decimal,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<TokenUsage>>;

    /// Counts a session started at `at` on a token (its `sessions` counter and last use),
    /// in one transaction that holds the token's row, like
    /// [`record_token_usage`](TokenStore::record_token_usage), and, with `session`, once per
    /// session. The counters as they now are, or `None` if `tenant` has no such token.
    async fn record_token_session(
        &self,
        tenant: TenantId,
        id: TokenId,
        session: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<TokenUsage>>;
}

/// Vehicles.
#[async_trait]
pub trait VehicleStore: Send + Sync {
    /// Creates a vehicle.
    async fn create_vehicle(&self, tenant: TenantId, new: &NewVehicle) -> StoreResult<Vehicle>;

    /// The vehicle `id` of `tenant`.
    async fn vehicle(&self, tenant: TenantId, id: VehicleId) -> StoreResult<Option<Vehicle>>;

    /// A page of the tenant's vehicles, oldest first.
    async fn list_vehicles(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<Vehicle>>;

    /// Replaces a vehicle's details; `None` if `tenant` has no such vehicle.
    async fn update_vehicle(
        &self,
        tenant: TenantId,
        id: VehicleId,
        update: &NewVehicle,
    ) -> StoreResult<Option<Vehicle>>;

    /// Deletes a vehicle; `false` if `tenant` has no such vehicle. [`StoreError::Conflict`](super::StoreError::Conflict)
    /// while tokens point at it.
    async fn delete_vehicle(&self, tenant: TenantId, id: VehicleId) -> StoreResult<bool>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry.
    async fn append_audit(
        &self,
        tenant: TenantId,
        entry: &NewAuditEntry,
    ) -> StoreResult<AuditEntry>;

    /// The last `limit` entries, newest first.
    async fn audit_log(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    /// A page of the log, newest first.
    async fn list_audit(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<AuditEntry>>;
}
