//! Tenants and their settings.

/// Implements the tenants part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! tenants {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod tenants {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{NewTenant, Tenant, TenantId, TenantRole, TenantSettings};
            use crate::store::sql::{from_json, now, parse, to_json};
            use crate::store::{Page, Paged, StoreError, StoreResult, TenantStore};

            const TENANT_COLUMNS: &str =
                "id, name, role, country_code, party_id, settings, created_at";

            fn tenant_from(row: &$row) -> StoreResult<Tenant> {
                Ok(Tenant {
                    id: TenantId(row.try_get("id")?),
                    name: row.try_get("name")?,
                    role: parse(
                        "tenant role",
                        &row.try_get::<String, _>("role")?,
                        TenantRole::parse,
                    )?,
                    country_code: row.try_get("country_code")?,
                    party_id: row.try_get("party_id")?,
                    settings: from_json("tenant settings", &row.try_get::<String, _>("settings")?)?,
                    created_at: row.try_get("created_at")?,
                })
            }

            #[async_trait]
            impl TenantStore for $store {
                async fn create_tenant(&self, new: &NewTenant) -> StoreResult<Tenant> {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO tenants (name, role, country_code, party_id, settings, \
                         created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(&new.name)
                    .bind(new.role.as_str())
                    .bind(&new.country_code)
                    .bind(&new.party_id)
                    .bind(to_json("tenant settings", &new.settings)?)
                    .bind(now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on("tenant"))?;
                    self.tenant(TenantId(id))
                        .await?
                        .ok_or(StoreError::NotFound { what: "tenant" })
                }

                async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
                    sqlx::query(&format!(
                        "SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1"
                    ))
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(tenant_from)
                    .transpose()
                }

                async fn update_tenant_settings(
                    &self,
                    id: TenantId,
                    settings: &TenantSettings,
                ) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE tenants SET settings = $2 WHERE id = $1")
                        .bind(id.0)
                        .bind(to_json("tenant settings", settings)?)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn list_tenants(&self, page: Page) -> StoreResult<Paged<Tenant>> {
                    let (offset, limit) = page.binds();
                    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants")
                        .fetch_one(&self.readers)
                        .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {TENANT_COLUMNS} FROM tenants ORDER BY id LIMIT $1 OFFSET $2"
                    ))
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(tenant_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }
            }
        }
    };
}

pub(crate) use tenants;
