//! Users and API keys.

/// Implements the users part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! users {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod users {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use ocpp_server::storage::PasswordHash;
            use sqlx::Row;

            use crate::model::{
                ApiKey, ApiKeyId, NewApiKey, NewUser, ParkingSpot, TenantId, User, UserId, UserUpdate,
            };
            use crate::store::sql::{at, from_json, now, to_json};
            use crate::store::{Page, Paged, StoreError, StoreResult, UserStore};

            const USER_COLUMNS: &str = "id, tenant_id, name, email, roles, disabled, created_at";

            const API_KEY_COLUMNS: &str = "id, tenant_id, user_id, name, prefix, secret_hash, \
                 roles, created_at, expires_at, revoked_at";

            fn user_from(row: &$row) -> StoreResult<User> {
                Ok(User {
                    id: UserId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    name: row.try_get("name")?,
                    email: row.try_get("email")?,
                    roles: from_json("user roles", &row.try_get::<String, _>("roles")?)?,
                    disabled: row.try_get("disabled")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            fn api_key_from(row: &$row) -> StoreResult<ApiKey> {
                let hash: String = row.try_get("secret_hash")?;
                Ok(ApiKey {
                    id: ApiKeyId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    user_id: row.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                    name: row.try_get("name")?,
                    prefix: row.try_get("prefix")?,
                    secret_hash: Some(PasswordHash::parse(&hash).ok_or_else(|| {
                        StoreError::corrupt("API key hash", "not a known password hash form")
                    })?),
                    roles: from_json("API key roles", &row.try_get::<String, _>("roles")?)?,
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            }

            #[async_trait]
            impl UserStore for $store {
                async fn create_user(&self, tenant: TenantId, new: &NewUser) -> StoreResult<User> {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO users (tenant_id, name, email, roles, disabled, created_at) \
                         VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(&new.name)
                    .bind(&new.email)
                    .bind(to_json("user roles", &new.roles)?)
                    .bind(now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on("user with this e-mail"))?;
                    self.user(tenant, UserId(id))
                        .await?
                        .ok_or(StoreError::NotFound { what: "user" })
                }

                async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<User>> {
                    sqlx::query(&format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(user_from)
                    .transpose()
                }

                async fn create_api_key(
                    &self,
                    tenant: TenantId,
                    new: &NewApiKey,
                ) -> StoreResult<ApiKey> {
                    sqlx::query(
                        "INSERT INTO api_keys (tenant_id, user_id, name, prefix, secret_hash, roles, \
                         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(tenant.0)
                    .bind(new.user_id.map(|id| id.0))
                    .bind(&new.name)
                    .bind(&new.prefix)
                    .bind(new.secret_hash.to_string())
                    .bind(to_json("API key roles", &new.roles)?)
                    .bind(now())
                    .bind(new.expires_at.map(at))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::on("API key prefix"))?;
                    self.api_key_by_prefix(&new.prefix)
                        .await?
                        .ok_or(StoreError::NotFound { what: "API key" })
                }

                async fn api_key_by_prefix(&self, prefix: &str) -> StoreResult<Option<ApiKey>> {
                    sqlx::query(&format!(
                        "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE prefix = $1"
                    ))
                    .bind(prefix)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(api_key_from)
                    .transpose()
                }

                async fn revoke_api_key(
                    &self,
                    tenant: TenantId,
                    id: ApiKeyId,
                    when: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) \
                         WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(at(when))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn list_api_keys(
                    &self,
                    tenant: TenantId,
                    page: Page,
                ) -> StoreResult<Paged<ApiKey>> {
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE tenant_id = $1")
                            .bind(tenant.0)
                            .fetch_one(&self.readers)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 \
                         ORDER BY id LIMIT $2 OFFSET $3"
                    ))
                    .bind(tenant.0)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(api_key_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }

                async fn list_users(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<User>> {
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE tenant_id = $1")
                            .bind(tenant.0)
                            .fetch_one(&self.readers)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 \
                         ORDER BY name, id LIMIT $2 OFFSET $3"
                    ))
                    .bind(tenant.0)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(user_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }

                async fn update_user(
                    &self,
                    tenant: TenantId,
                    id: UserId,
                    update: &UserUpdate,
                ) -> StoreResult<Option<User>> {
                    sqlx::query(&format!(
                        "UPDATE users SET name = $3, email = $4, roles = $5, disabled = $6 \
                         WHERE tenant_id = $1 AND id = $2 RETURNING {USER_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(&update.name)
                    .bind(&update.email)
                    .bind(to_json("user roles", &update.roles)?)
                    .bind(update.disabled)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::on("user with this e-mail"))?
                    .as_ref()
                    .map(user_from)
                    .transpose()
                }

                async fn delete_user(&self, tenant: TenantId, id: UserId) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    let done = sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::referenced(
                            "user with tokens, vehicles, API keys or CDRs",
                        ))?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    // Renters are kept in the locations' parking spots, which no foreign
                    // key covers; assigning a renter holds the user's row, so what is read
                    // here after the delete is complete.
                    let spots: Vec<String> = sqlx::query_scalar(
                        "SELECT parking_spots FROM locations WHERE tenant_id = $1",
                    )
                    .bind(tenant.0)
                    .fetch_all(&mut *tx)
                    .await?;
                    for text in spots {
                        let spots: Vec<ParkingSpot> = from_json("parking spots", &text)?;
                        if spots.iter().any(|spot| spot.renter == Some(id)) {
                            return Err(StoreError::Conflict {
                                what: "user renting a parking spot",
                            });
                        }
                    }
                    tx.commit().await?;
                    Ok(true)
                }
            }
        }
    };
}

pub(crate) use users;
