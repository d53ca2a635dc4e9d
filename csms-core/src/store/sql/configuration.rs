//! Station configuration: OCPP 1.6 keys and OCPP 2.0.1 variable values.

/// `None` as -1, for EVSE and connector numbers in keys.
pub(crate) fn or_minus_one(number: Option<i32>) -> i32 {
    number.unwrap_or(-1)
}

/// -1 as `None`.
pub(crate) fn non_negative(number: i32) -> Option<i32> {
    (number >= 0).then_some(number)
}

/// Implements the configuration part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! configuration {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod configuration {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{ConfigurationKey, StationId, TenantId, VariableKey, VariableValue};
            use crate::store::sql::configuration::{non_negative, or_minus_one};
            use crate::store::sql::{at, non_empty, or_empty};
            use crate::store::{ConfigurationStore, StationStore, StoreError, StoreResult};

            const VARIABLE_COLUMNS: &str = "component, component_instance, evse_id, \
                 connector_id, variable, variable_instance, attribute, value, mutability, \
                 reported_at";

            fn key_from(row: &$row) -> StoreResult<ConfigurationKey> {
                Ok(ConfigurationKey {
                    key: row.try_get("config_key")?,
                    value: row.try_get("value")?,
                    readonly: row.try_get("readonly")?,
                    reported_at: row.try_get("reported_at")?,
                })
            }

            fn variable_from(row: &$row) -> StoreResult<VariableValue> {
                Ok(VariableValue {
                    key: VariableKey {
                        component: row.try_get("component")?,
                        component_instance: non_empty(row.try_get("component_instance")?),
                        evse_id: non_negative(row.try_get("evse_id")?),
                        connector_id: non_negative(row.try_get("connector_id")?),
                        variable: row.try_get("variable")?,
                        variable_instance: non_empty(row.try_get("variable_instance")?),
                        attribute: row.try_get("attribute")?,
                    },
                    value: row.try_get("value")?,
                    mutability: row.try_get("mutability")?,
                    reported_at: row.try_get("reported_at")?,
                })
            }

            #[async_trait]
            impl ConfigurationStore for $store {
                async fn upsert_configuration(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    keys: &[ConfigurationKey],
                ) -> StoreResult<u64> {
                    if self.station_by_id(tenant, station).await?.is_none() {
                        return Err(StoreError::NotFound { what: "station" });
                    }
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    let mut written = 0;
                    for key in keys {
                        let done = sqlx::query(
                            "INSERT INTO station_configuration (tenant_id, station_id, \
                             config_key, value, readonly, reported_at) \
                             SELECT tenant_id, id, $3, $4, $5, $6 FROM stations \
                             WHERE tenant_id = $1 AND id = $2 \
                             ON CONFLICT (tenant_id, station_id, config_key) DO UPDATE SET \
                             value = excluded.value, readonly = excluded.readonly, \
                             reported_at = excluded.reported_at \
                             WHERE station_configuration.reported_at <= excluded.reported_at",
                        )
                        .bind(tenant.0)
                        .bind(station.0)
                        .bind(&key.key)
                        .bind(&key.value)
                        .bind(key.readonly)
                        .bind(at(key.reported_at))
                        .execute(&mut *tx)
                        .await?;
                        written += done.rows_affected();
                    }
                    tx.commit().await?;
                    Ok(written)
                }

                async fn configuration(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                ) -> StoreResult<Vec<ConfigurationKey>> {
                    sqlx::query(
                        "SELECT config_key, value, readonly, reported_at \
                         FROM station_configuration WHERE tenant_id = $1 AND station_id = $2 \
                         ORDER BY config_key",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(key_from)
                    .collect()
                }

                async fn upsert_variables(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    values: &[VariableValue],
                ) -> StoreResult<u64> {
                    if self.station_by_id(tenant, station).await?.is_none() {
                        return Err(StoreError::NotFound { what: "station" });
                    }
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    let mut written = 0;
                    for value in values {
                        let key = &value.key;
                        let done = sqlx::query(&format!(
                            "INSERT INTO station_variables (tenant_id, station_id, \
                             {VARIABLE_COLUMNS}) \
                             SELECT tenant_id, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \
                             FROM stations WHERE tenant_id = $1 AND id = $2 \
                             ON CONFLICT (tenant_id, station_id, component, component_instance, \
                             evse_id, connector_id, variable, variable_instance, attribute) \
                             DO UPDATE SET value = excluded.value, \
                             mutability = COALESCE(excluded.mutability, \
                             station_variables.mutability), \
                             reported_at = excluded.reported_at \
                             WHERE station_variables.reported_at <= excluded.reported_at"
                        ))
                        .bind(tenant.0)
                        .bind(station.0)
                        .bind(&key.component)
                        .bind(or_empty(&key.component_instance))
                        .bind(or_minus_one(key.evse_id))
                        .bind(or_minus_one(key.connector_id))
                        .bind(&key.variable)
                        .bind(or_empty(&key.variable_instance))
                        .bind(&key.attribute)
                        .bind(&value.value)
                        .bind(&value.mutability)
                        .bind(at(value.reported_at))
                        .execute(&mut *tx)
                        .await?;
                        written += done.rows_affected();
                    }
                    tx.commit().await?;
                    Ok(written)
                }

                async fn variables(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                ) -> StoreResult<Vec<VariableValue>> {
                    sqlx::query(&format!(
                        "SELECT {VARIABLE_COLUMNS} FROM station_variables \
                         WHERE tenant_id = $1 AND station_id = $2 ORDER BY component, \
                         component_instance, evse_id, connector_id, variable, \
                         variable_instance, attribute"
                    ))
                    .bind(tenant.0)
                    .bind(station.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(variable_from)
                    .collect()
                }
            }
        }
    };
}

pub(crate) use configuration;
