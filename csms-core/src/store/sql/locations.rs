//! Locations.

/// Implements the locations part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! locations {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod locations {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{Coordinates, Location, LocationId, NewLocation, TenantId};
            use crate::store::sql::{from_json, now, to_json};
            use crate::store::{LocationStore, StoreError, StoreResult};

            const LOCATION_COLUMNS: &str = "id, tenant_id, name, address, latitude, longitude, \
                 time_zone, opening_hours, parking_spots, created_at";

            fn location_from(row: &$row) -> StoreResult<Location> {
                let coordinates = match (dec(row, "latitude")?, dec(row, "longitude")?) {
                    (Some(latitude), Some(longitude)) => Some(Coordinates {
                        latitude,
                        longitude,
                    }),
                    _ => None,
                };
                Ok(Location {
                    id: LocationId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    name: row.try_get("name")?,
                    address: from_json("location address", &row.try_get::<String, _>("address")?)?,
                    coordinates,
                    time_zone: row.try_get("time_zone")?,
                    opening_hours: from_json(
                        "opening hours",
                        &row.try_get::<String, _>("opening_hours")?,
                    )?,
                    parking_spots: from_json(
                        "parking spots",
                        &row.try_get::<String, _>("parking_spots")?,
                    )?,
                    created_at: row.try_get("created_at")?,
                })
            }

            #[async_trait]
            impl LocationStore for $store {
                async fn create_location(
                    &self,
                    tenant: TenantId,
                    new: &NewLocation,
                ) -> StoreResult<Location> {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO locations (tenant_id, name, address, latitude, longitude, \
                         time_zone, opening_hours, parking_spots, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(&new.name)
                    .bind(to_json("location address", &new.address)?)
                    .bind(dec_in(new.coordinates.as_ref().map(|c| c.latitude)))
                    .bind(dec_in(new.coordinates.as_ref().map(|c| c.longitude)))
                    .bind(&new.time_zone)
                    .bind(to_json("opening hours", &new.opening_hours)?)
                    .bind(to_json("parking spots", &new.parking_spots)?)
                    .bind(now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on("location"))?;
                    self.location(tenant, LocationId(id))
                        .await?
                        .ok_or(StoreError::NotFound { what: "location" })
                }

                async fn location(
                    &self,
                    tenant: TenantId,
                    id: LocationId,
                ) -> StoreResult<Option<Location>> {
                    sqlx::query(&format!(
                        "SELECT {LOCATION_COLUMNS} FROM locations WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(location_from)
                    .transpose()
                }
            }
        }
    };
}

pub(crate) use locations;
