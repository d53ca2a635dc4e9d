//! Tariffs, their assignments and their resolution.

use ocpi_types::v221::tariffs::Tariff;
use ocpi_types::{Mode, Validate};

use crate::store::{StoreError, StoreResult};

/// The tariff as stored: checked (strictly), and its OCPI id.
pub(crate) fn checked_tariff(tariff: &Tariff) -> StoreResult<(String, String)> {
    let report = tariff.validate(Mode::Strict);
    if let Some(issue) = report.errors.first() {
        return Err(StoreError::Invalid {
            what: "tariff",
            reason: issue.to_string(),
        });
    }
    let json = super::to_json("tariff", tariff)?;
    Ok((tariff.id.to_string(), json))
}

/// Implements the tariffs part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! tariffs {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod tariffs {
            use super::*;
            use async_trait::async_trait;
            use ocpi_types::v221::tariffs::Tariff;
            use sqlx::Row;

            use crate::model::{
                EventKind, LocationId, StationId, StoredTariff, TariffAssignment, TariffId,
                TariffScope, TenantId,
            };
            use crate::store::sql::tariffs::checked_tariff;
            use crate::store::sql::{from_json, now};
            use crate::store::{
                Page, Paged, StationStore, StoreError, StoreResult, TariffStore,
            };

            const TARIFF_COLUMNS: &str = "id, tenant_id, tariff, created_at, updated_at";

            fn tariff_from(row: &$row) -> StoreResult<StoredTariff> {
                Ok(StoredTariff {
                    id: TariffId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    tariff: from_json("tariff", &row.try_get::<String, _>("tariff")?)?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn assignment_from(row: &$row) -> StoreResult<TariffAssignment> {
                let kind: String = row.try_get("scope")?;
                let scope = match kind.as_str() {
                    "tenant" => TariffScope::TenantDefault,
                    "location" => TariffScope::Location {
                        location: LocationId(
                            row.try_get::<Option<i64>, _>("location_id")?
                                .ok_or_else(|| StoreError::corrupt("tariff scope", "no location"))?,
                        ),
                    },
                    "evse" => TariffScope::Evse {
                        station: StationId(
                            row.try_get::<Option<i64>, _>("station_id")?
                                .ok_or_else(|| StoreError::corrupt("tariff scope", "no station"))?,
                        ),
                        evse_id: row
                            .try_get::<Option<i32>, _>("evse_id")?
                            .ok_or_else(|| StoreError::corrupt("tariff scope", "no EVSE"))?,
                    },
                    "token_group" => TariffScope::TokenGroup {
                        group: row
                            .try_get::<Option<String>, _>("token_group")?
                            .ok_or_else(|| StoreError::corrupt("tariff scope", "no group"))?,
                    },
                    other => {
                        return Err(StoreError::corrupt(
                            "tariff scope",
                            format!("unknown scope {other:?}"),
                        ));
                    }
                };
                Ok(TariffAssignment {
                    scope,
                    tariff_id: TariffId(row.try_get("tariff_id")?),
                })
            }

            /// Writes the event of a tariff's change (`TariffChanged`, the tariff as it now is,
            /// or `TariffDeleted`, as it was) in `tx`.
            async fn tariff_changed(
                tx: &mut sqlx::Transaction<'_, <$row as sqlx::Row>::Database>,
                kind: EventKind,
                tariff: &StoredTariff,
            ) -> StoreResult<()> {
                super::outbox::record_event(
                    &mut **tx,
                    tariff.tenant_id,
                    kind,
                    &format!("tariff:{}", tariff.id),
                    tariff,
                )
                .await
            }

            #[async_trait]
            impl TariffStore for $store {
                async fn create_tariff(
                    &self,
                    tenant: TenantId,
                    tariff: &Tariff,
                ) -> StoreResult<StoredTariff> {
                    let (ocpi_id, json) = checked_tariff(tariff)?;
                    let when = now();
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    let row = sqlx::query(&format!(
                        "INSERT INTO tariffs (tenant_id, ocpi_id, tariff, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $4) RETURNING {TARIFF_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(ocpi_id)
                    .bind(json)
                    .bind(when)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::on("tariff with this OCPI id"))?;
                    let stored = tariff_from(&row)?;
                    tariff_changed(&mut tx, EventKind::TariffChanged, &stored).await?;
                    tx.commit().await?;
                    Ok(stored)
                }

                async fn tariff(
                    &self,
                    tenant: TenantId,
                    id: TariffId,
                ) -> StoreResult<Option<StoredTariff>> {
                    sqlx::query(&format!(
                        "SELECT {TARIFF_COLUMNS} FROM tariffs WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(tariff_from)
                    .transpose()
                }

                async fn tariff_by_ocpi_id(
                    &self,
                    tenant: TenantId,
                    ocpi_id: &str,
                ) -> StoreResult<Option<StoredTariff>> {
                    sqlx::query(&format!(
                        "SELECT {TARIFF_COLUMNS} FROM tariffs \
                         WHERE tenant_id = $1 AND ocpi_id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(ocpi_id)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(tariff_from)
                    .transpose()
                }

                async fn list_tariffs(
                    &self,
                    tenant: TenantId,
                    page: Page,
                ) -> StoreResult<Paged<StoredTariff>> {
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM tariffs WHERE tenant_id = $1")
                            .bind(tenant.0)
                            .fetch_one(&self.readers)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {TARIFF_COLUMNS} FROM tariffs WHERE tenant_id = $1 \
                         ORDER BY ocpi_id, id LIMIT $2 OFFSET $3"
                    ))
                    .bind(tenant.0)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(tariff_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }

                async fn replace_tariff(
                    &self,
                    tenant: TenantId,
                    id: TariffId,
                    tariff: &Tariff,
                ) -> StoreResult<Option<StoredTariff>> {
                    let (ocpi_id, json) = checked_tariff(tariff)?;
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    let replaced = sqlx::query(&format!(
                        "UPDATE tariffs SET ocpi_id = $3, tariff = $4, updated_at = $5 \
                         WHERE tenant_id = $1 AND id = $2 RETURNING {TARIFF_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(ocpi_id)
                    .bind(json)
                    .bind(now())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::on("tariff with this OCPI id"))?
                    .as_ref()
                    .map(tariff_from)
                    .transpose()?;
                    if let Some(stored) = &replaced {
                        tariff_changed(&mut tx, EventKind::TariffChanged, stored).await?;
                    }
                    tx.commit().await?;
                    Ok(replaced)
                }

                async fn delete_tariff(&self, tenant: TenantId, id: TariffId) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    let deleted = sqlx::query(&format!(
                        "DELETE FROM tariffs WHERE tenant_id = $1 AND id = $2 \
                         RETURNING {TARIFF_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::referenced("tariff still assigned or priced a CDR"))?;
                    let Some(deleted) = deleted.as_ref().map(tariff_from).transpose()? else {
                        return Ok(false);
                    };
                    tariff_changed(&mut tx, EventKind::TariffDeleted, &deleted).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn assign_tariff(
                    &self,
                    tenant: TenantId,
                    scope: &TariffScope,
                    tariff: TariffId,
                ) -> StoreResult<bool> {
                    let (location, station, evse, group) = match scope {
                        TariffScope::TenantDefault => (None, None, None, None),
                        TariffScope::Location { location } => {
                            (Some(location.0), None, None, None)
                        }
                        TariffScope::Evse { station, evse_id } => {
                            (None, Some(station.0), Some(*evse_id), None)
                        }
                        TariffScope::TokenGroup { group } => {
                            (None, None, None, Some(group.as_str()))
                        }
                    };
                    let done = sqlx::query(
                        "INSERT INTO tariff_assignments (tenant_id, scope_key, scope, \
                         location_id, station_id, evse_id, token_group, tariff_id) \
                         SELECT tenant_id, $3, $4, $5, $6, $7, $8, id FROM tariffs \
                         WHERE tenant_id = $1 AND id = $2 \
                         ON CONFLICT (tenant_id, scope_key) \
                         DO UPDATE SET tariff_id = excluded.tariff_id",
                    )
                    .bind(tenant.0)
                    .bind(tariff.0)
                    .bind(scope.key())
                    .bind(scope.kind())
                    .bind(location)
                    .bind(station)
                    .bind(evse)
                    .bind(group)
                    .execute(&self.pool)
                    .await
                    .map_err(|error| {
                        if StoreError::is_foreign_key(&error) {
                            StoreError::NotFound {
                                what: match scope {
                                    TariffScope::Location { .. } => "location",
                                    _ => "EVSE",
                                },
                            }
                        } else {
                            StoreError::Database(error)
                        }
                    })?;
                    Ok(done.rows_affected() > 0)
                }

                async fn unassign_tariff(
                    &self,
                    tenant: TenantId,
                    scope: &TariffScope,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM tariff_assignments WHERE tenant_id = $1 AND scope_key = $2",
                    )
                    .bind(tenant.0)
                    .bind(scope.key())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn tariff_assignments(
                    &self,
                    tenant: TenantId,
                ) -> StoreResult<Vec<TariffAssignment>> {
                    sqlx::query(
                        "SELECT scope, location_id, station_id, evse_id, token_group, tariff_id \
                         FROM tariff_assignments WHERE tenant_id = $1 ORDER BY scope_key",
                    )
                    .bind(tenant.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(assignment_from)
                    .collect()
                }

                async fn tariff_for(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    evse_id: Option<i32>,
                    token_group: Option<&str>,
                ) -> StoreResult<Option<StoredTariff>> {
                    let location = self
                        .station_by_id(tenant, station)
                        .await?
                        .and_then(|station| station.location_id);
                    // Keys that cannot match when a part is missing.
                    let none = String::new();
                    let group_key = token_group
                        .map(|group| TariffScope::TokenGroup { group: group.to_owned() }.key())
                        .unwrap_or_else(|| none.clone());
                    let evse_key = evse_id
                        .map(|evse_id| TariffScope::Evse { station, evse_id }.key())
                        .unwrap_or_else(|| none.clone());
                    let location_key = location
                        .map(|location| TariffScope::Location { location }.key())
                        .unwrap_or(none);
                    let columns = TARIFF_COLUMNS
                        .split(", ")
                        .map(|column| format!("t.{column}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    sqlx::query(&format!(
                        "SELECT {columns} FROM tariff_assignments a JOIN tariffs t \
                         ON t.tenant_id = a.tenant_id AND t.id = a.tariff_id \
                         WHERE a.tenant_id = $1 AND a.scope_key IN ($2, $3, $4, 'tenant') \
                         ORDER BY CASE a.scope WHEN 'token_group' THEN 0 WHEN 'evse' THEN 1 \
                         WHEN 'location' THEN 2 ELSE 3 END LIMIT 1"
                    ))
                    .bind(tenant.0)
                    .bind(group_key)
                    .bind(evse_key)
                    .bind(location_key)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(tariff_from)
                    .transpose()
                }
            }
        }
    };
}

pub(crate) use tariffs;
