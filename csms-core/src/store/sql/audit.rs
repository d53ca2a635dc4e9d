//! The audit log.

/// Implements the audit part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! audit {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod audit {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{AuditEntry, AuditId, NewAuditEntry, TenantId};
            use crate::store::sql::{at, from_json, to_json};
            use crate::store::{AuditStore, Page, Paged, StoreError, StoreResult};

            const AUDIT_COLUMNS: &str =
                "id, tenant_id, at, actor, action, target, old_value, new_value";

            fn audit_from(row: &$row) -> StoreResult<AuditEntry> {
                let old: Option<String> = row.try_get("old_value")?;
                let new: Option<String> = row.try_get("new_value")?;
                Ok(AuditEntry {
                    id: AuditId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    at: row.try_get("at")?,
                    actor: from_json("audit actor", &row.try_get::<String, _>("actor")?)?,
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    old_value: old.map(|text| from_json("audit old value", &text)).transpose()?,
                    new_value: new.map(|text| from_json("audit new value", &text)).transpose()?,
                })
            }

            #[async_trait]
            impl AuditStore for $store {
                async fn append_audit(
                    &self,
                    tenant: TenantId,
                    entry: &NewAuditEntry,
                ) -> StoreResult<AuditEntry> {
                    let old = entry
                        .old_value
                        .as_ref()
                        .map(|value| to_json("audit old value", value))
                        .transpose()?;
                    let new = entry
                        .new_value
                        .as_ref()
                        .map(|value| to_json("audit new value", value))
                        .transpose()?;
                    let row = sqlx::query(&format!(
                        "INSERT INTO audit_log (tenant_id, at, actor, action, target, old_value, \
                         new_value) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {AUDIT_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(at(entry.at))
                    .bind(to_json("audit actor", &entry.actor)?)
                    .bind(&entry.action)
                    .bind(&entry.target)
                    .bind(old)
                    .bind(new)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on("audit entry"))?;
                    audit_from(&row)
                }

                async fn audit_log(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                    sqlx::query(&format!(
                        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = $1 \
                         ORDER BY id DESC LIMIT $2"
                    ))
                    .bind(tenant.0)
                    .bind(i64::from(limit))
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(audit_from)
                    .collect()
                }

                async fn list_audit(
                    &self,
                    tenant: TenantId,
                    page: Page,
                ) -> StoreResult<Paged<AuditEntry>> {
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1")
                            .bind(tenant.0)
                            .fetch_one(&self.readers)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = $1 \
                         ORDER BY id DESC LIMIT $2 OFFSET $3"
                    ))
                    .bind(tenant.0)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(audit_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }
            }
        }
    };
}

pub(crate) use audit;
