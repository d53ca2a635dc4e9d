//! Vehicles.

/// Implements the vehicles part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! vehicles {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod vehicles {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{NewVehicle, TenantId, UserId, Vehicle, VehicleId};
            use crate::store::sql::now;
            use crate::store::{Page, Paged, StoreError, StoreResult, VehicleStore};

            const VEHICLE_COLUMNS: &str =
                "id, tenant_id, vin, make, model, battery_capacity_kwh, owner_id, created_at";

            fn vehicle_from(row: &$row) -> StoreResult<Vehicle> {
                Ok(Vehicle {
                    id: VehicleId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    vin: row.try_get("vin")?,
                    make: row.try_get("make")?,
                    model: row.try_get("model")?,
                    battery_capacity_kwh: dec(row, "battery_capacity_kwh")?,
                    owner: row.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
                    created_at: row.try_get("created_at")?,
                })
            }

            #[async_trait]
            impl VehicleStore for $store {
                async fn create_vehicle(
                    &self,
                    tenant: TenantId,
                    new: &NewVehicle,
                ) -> StoreResult<Vehicle> {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO vehicles (tenant_id, vin, make, model, battery_capacity_kwh, \
                         owner_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(&new.vin)
                    .bind(&new.make)
                    .bind(&new.model)
                    .bind(dec_in(new.battery_capacity_kwh))
                    .bind(new.owner.map(|id| id.0))
                    .bind(now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on("vehicle"))?;
                    self.vehicle(tenant, VehicleId(id))
                        .await?
                        .ok_or(StoreError::NotFound { what: "vehicle" })
                }

                async fn vehicle(
                    &self,
                    tenant: TenantId,
                    id: VehicleId,
                ) -> StoreResult<Option<Vehicle>> {
                    sqlx::query(&format!(
                        "SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(vehicle_from)
                    .transpose()
                }

                async fn list_vehicles(
                    &self,
                    tenant: TenantId,
                    page: Page,
                ) -> StoreResult<Paged<Vehicle>> {
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM vehicles WHERE tenant_id = $1")
                            .bind(tenant.0)
                            .fetch_one(&self.readers)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE tenant_id = $1 \
                         ORDER BY id LIMIT $2 OFFSET $3"
                    ))
                    .bind(tenant.0)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(vehicle_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }

                async fn update_vehicle(
                    &self,
                    tenant: TenantId,
                    id: VehicleId,
                    update: &NewVehicle,
                ) -> StoreResult<Option<Vehicle>> {
                    sqlx::query(&format!(
                        "UPDATE vehicles SET vin = $3, make = $4, model = $5, \
                         battery_capacity_kwh = $6, owner_id = $7 \
                         WHERE tenant_id = $1 AND id = $2 RETURNING {VEHICLE_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(&update.vin)
                    .bind(&update.make)
                    .bind(&update.model)
                    .bind(dec_in(update.battery_capacity_kwh))
                    .bind(update.owner.map(|id| id.0))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|error| {
                        if StoreError::is_foreign_key(&error) {
                            StoreError::NotFound { what: "owner" }
                        } else {
                            StoreError::Database(error)
                        }
                    })?
                    .as_ref()
                    .map(vehicle_from)
                    .transpose()
                }

                async fn delete_vehicle(&self, tenant: TenantId, id: VehicleId) -> StoreResult<bool> {
                    let done =
                        sqlx::query("DELETE FROM vehicles WHERE tenant_id = $1 AND id = $2")
                            .bind(tenant.0)
                            .bind(id.0)
                            .execute(&self.pool)
                            .await
                            .map_err(StoreError::referenced("vehicle with tokens"))?;
                    Ok(done.rows_affected() > 0)
                }
            }
        }
    };
}

pub(crate) use vehicles;
