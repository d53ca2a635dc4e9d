//! Locations.

/// Implements the locations part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! locations {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod locations {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{
                Coordinates, EventKind, Location, LocationId, NewLocation, ParkingSpot, TenantId,
                UserId,
            };
            use crate::store::sql::{from_json, now, to_json};
            use crate::store::{LocationStore, Page, Paged, StoreError, StoreResult};

            /// Spot labels are unique within a location and renters are the tenant's users.
            /// Spot labels are unique within a location and renters are the tenant's users,
            /// whose rows stay held (written to) until `connection`'s transaction ends, so that
            /// a renter cannot be deleted meanwhile.
            async fn check_spots(
                connection: &mut <<$row as sqlx::Row>::Database as sqlx::Database>::Connection,
                tenant: TenantId,
                spots: &[ParkingSpot],
            ) -> StoreResult<()> {
                for (index, spot) in spots.iter().enumerate() {
                    if spots[..index].iter().any(|other| other.label == spot.label) {
                        return Err(StoreError::Invalid {
                            what: "parking spots",
                            reason: format!("two spots are labelled {:?}", spot.label),
                        });
                    }
                    if let Some(renter) = spot.renter {
                        hold_renter(&mut *connection, tenant, renter).await?;
                    }
                }
                Ok(())
            }

            /// Holds a renter's row until the transaction ends; [`StoreError::NotFound`] if
            /// the tenant has no such user.
            async fn hold_renter(
                connection: &mut <<$row as sqlx::Row>::Database as sqlx::Database>::Connection,
                tenant: TenantId,
                renter: UserId,
            ) -> StoreResult<()> {
                let held =
                    sqlx::query("UPDATE users SET name = name WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(renter.0)
                        .execute(&mut *connection)
                        .await?;
                if held.rows_affected() == 0 {
                    return Err(StoreError::NotFound { what: "renter" });
                }
                Ok(())
            }

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

            /// Writes the event of a location's change (`LocationChanged`, the location as it
            /// now is, or `LocationDeleted`, as it was) in `tx`.
            async fn location_changed(
                tx: &mut sqlx::Transaction<'_, <$row as sqlx::Row>::Database>,
                kind: EventKind,
                location: &Location,
            ) -> StoreResult<()> {
                super::outbox::record_event(
                    &mut **tx,
                    location.tenant_id,
                    kind,
                    &format!("location:{}", location.id),
                    location,
                )
                .await
            }

            #[async_trait]
            impl LocationStore for $store {
                async fn create_location(
                    &self,
                    tenant: TenantId,
                    new: &NewLocation,
                ) -> StoreResult<Location> {
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    check_spots(&mut *tx, tenant, &new.parking_spots).await?;
                    let row = sqlx::query(&format!(
                        "INSERT INTO locations (tenant_id, name, address, latitude, longitude, \
                         time_zone, opening_hours, parking_spots, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {LOCATION_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(&new.name)
                    .bind(to_json("location address", &new.address)?)
                    .bind(dec_in(new.coordinates.as_ref().map(|c| c.latitude)))
                    .bind(dec_in(new.coordinates.as_ref().map(|c| c.longitude)))
                    .bind(&new.time_zone)
                    .bind(to_json("opening hours", &new.opening_hours)?)
                    .bind(to_json("parking spots", &new.parking_spots)?)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::on("location"))?;
                    let location = location_from(&row)?;
                    location_changed(&mut tx, EventKind::LocationChanged, &location).await?;
                    tx.commit().await?;
                    Ok(location)
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
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(location_from)
                    .transpose()
                }

                async fn list_locations(
                    &self,
                    tenant: TenantId,
                    page: Page,
                ) -> StoreResult<Paged<Location>> {
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM locations WHERE tenant_id = $1")
                            .bind(tenant.0)
                            .fetch_one(&self.readers)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {LOCATION_COLUMNS} FROM locations WHERE tenant_id = $1 \
                         ORDER BY name, id LIMIT $2 OFFSET $3"
                    ))
                    .bind(tenant.0)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(location_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }

                async fn update_location(
                    &self,
                    tenant: TenantId,
                    id: LocationId,
                    update: &NewLocation,
                ) -> StoreResult<Option<Location>> {
                    if self.location(tenant, id).await?.is_none() {
                        return Ok(None);
                    }
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    check_spots(&mut *tx, tenant, &update.parking_spots).await?;
                    let updated = sqlx::query(&format!(
                        "UPDATE locations SET name = $3, address = $4, latitude = $5, \
                         longitude = $6, time_zone = $7, opening_hours = $8, parking_spots = $9 \
                         WHERE tenant_id = $1 AND id = $2 RETURNING {LOCATION_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(&update.name)
                    .bind(to_json("location address", &update.address)?)
                    .bind(dec_in(update.coordinates.as_ref().map(|c| c.latitude)))
                    .bind(dec_in(update.coordinates.as_ref().map(|c| c.longitude)))
                    .bind(&update.time_zone)
                    .bind(to_json("opening hours", &update.opening_hours)?)
                    .bind(to_json("parking spots", &update.parking_spots)?)
                    .fetch_optional(&mut *tx)
                    .await?
                    .as_ref()
                    .map(location_from)
                    .transpose()?;
                    if let Some(location) = &updated {
                        location_changed(&mut tx, EventKind::LocationChanged, location).await?;
                    }
                    tx.commit().await?;
                    Ok(updated)
                }

                async fn set_spot_renter(
                    &self,
                    tenant: TenantId,
                    location: LocationId,
                    label: &str,
                    renter: Option<UserId>,
                ) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    if let Some(renter) = renter {
                        hold_renter(&mut *tx, tenant, renter).await?;
                    }
                    // Writing first holds the location until the end of the transaction.
                    let held = sqlx::query(
                        "UPDATE locations SET parking_spots = parking_spots \
                         WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(location.0)
                    .execute(&mut *tx)
                    .await?;
                    if held.rows_affected() == 0 {
                        return Ok(false);
                    }
                    let text: String = sqlx::query_scalar(
                        "SELECT parking_spots FROM locations WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(location.0)
                    .fetch_one(&mut *tx)
                    .await?;
                    let mut spots: Vec<ParkingSpot> = from_json("parking spots", &text)?;
                    let Some(spot) = spots.iter_mut().find(|spot| spot.label == label) else {
                        return Ok(false);
                    };
                    spot.renter = renter;
                    sqlx::query(
                        "UPDATE locations SET parking_spots = $3 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(location.0)
                    .bind(to_json("parking spots", &spots)?)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn delete_location(
                    &self,
                    tenant: TenantId,
                    id: LocationId,
                ) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    let deleted = sqlx::query(&format!(
                        "DELETE FROM locations WHERE tenant_id = $1 AND id = $2 \
                         RETURNING {LOCATION_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::referenced(
                        "location with stations or an assigned tariff",
                    ))?;
                    let Some(deleted) = deleted.as_ref().map(location_from).transpose()? else {
                        return Ok(false);
                    };
                    location_changed(&mut tx, EventKind::LocationDeleted, &deleted).await?;
                    tx.commit().await?;
                    Ok(true)
                }
            }
        }
    };
}

pub(crate) use locations;
