//! Reservations.

/// Implements the reservations part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! reservations {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod reservations {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use crate::model::{
                NewReservation, PartnerReservation, Reservation, ReservationId,
                ReservationStatus, RoamingPartnerId, SessionId, StationId, TenantId,
            };
            use crate::store::sql::{at, now, parse};
            use crate::store::{ReservationStore, StoreError, StoreResult};

            const RESERVATION_COLUMNS: &str = "id, tenant_id, station_id, evse_id, token_uid, \
                 group_id, expires_at, status, session_id, partner_id, partner_reservation_id, \
                 created_at";

            /// What a unique index refusing a reservation means.
            const TAKEN: &str =
                "active reservation of this EVSE, or of this partner's reservation id";

            fn reservation_from(row: &$row) -> StoreResult<Reservation> {
                Ok(Reservation {
                    id: ReservationId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    station_id: StationId(row.try_get("station_id")?),
                    evse_id: row.try_get("evse_id")?,
                    token_uid: row.try_get("token_uid")?,
                    group_id: row.try_get("group_id")?,
                    expires_at: row.try_get("expires_at")?,
                    status: parse(
                        "reservation status",
                        &row.try_get::<String, _>("status")?,
                        ReservationStatus::parse,
                    )?,
                    session_id: row.try_get::<Option<i64>, _>("session_id")?.map(SessionId),
                    partner: match (
                        row.try_get::<Option<i64>, _>("partner_id")?,
                        row.try_get::<Option<String>, _>("partner_reservation_id")?,
                    ) {
                        (Some(partner), Some(id)) => Some(PartnerReservation {
                            partner_id: RoamingPartnerId(partner),
                            reservation_id: id,
                        }),
                        _ => None,
                    },
                    created_at: row.try_get("created_at")?,
                })
            }

            #[async_trait]
            impl ReservationStore for $store {
                async fn create_reservation(
                    &self,
                    tenant: TenantId,
                    new: &NewReservation,
                ) -> StoreResult<Reservation> {
                    let when = now();
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    sqlx::query(
                        "UPDATE reservations SET status = 'expired' WHERE tenant_id = $1 \
                         AND station_id = $2 AND status = 'active' AND expires_at <= $3",
                    )
                    .bind(tenant.0)
                    .bind(new.station_id.0)
                    .bind(when)
                    .execute(&mut *tx)
                    .await?;
                    let row = sqlx::query(&format!(
                        "INSERT INTO reservations (tenant_id, station_id, evse_id, token_uid, \
                         group_id, expires_at, status, created_at, partner_id, \
                         partner_reservation_id) \
                         SELECT tenant_id, id, $3, $4, $5, $6, 'active', $7, $8, $9 FROM stations \
                         WHERE tenant_id = $1 AND id = $2 RETURNING {RESERVATION_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(new.station_id.0)
                    .bind(new.evse_id)
                    .bind(&new.token_uid)
                    .bind(&new.group_id)
                    .bind(at(new.expires_at))
                    .bind(when)
                    .bind(new.partner.as_ref().map(|p| p.partner_id.0))
                    .bind(new.partner.as_ref().map(|p| p.reservation_id.as_str()))
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::on(TAKEN))?;
                    let Some(row) = row else {
                        return Err(StoreError::NotFound { what: "station" });
                    };
                    let reservation = reservation_from(&row)?;
                    tx.commit().await?;
                    Ok(reservation)
                }

                async fn reservation(
                    &self,
                    tenant: TenantId,
                    id: ReservationId,
                ) -> StoreResult<Option<Reservation>> {
                    sqlx::query(&format!(
                        "SELECT {RESERVATION_COLUMNS} FROM reservations \
                         WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(reservation_from)
                    .transpose()
                }

                async fn partner_reservation(
                    &self,
                    tenant: TenantId,
                    partner: &PartnerReservation,
                ) -> StoreResult<Option<Reservation>> {
                    sqlx::query(&format!(
                        "SELECT {RESERVATION_COLUMNS} FROM reservations \
                         WHERE tenant_id = $1 AND partner_id = $2 \
                         AND partner_reservation_id = $3 AND status = 'active'"
                    ))
                    .bind(tenant.0)
                    .bind(partner.partner_id.0)
                    .bind(&partner.reservation_id)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(reservation_from)
                    .transpose()
                }

                async fn change_reservation(
                    &self,
                    tenant: TenantId,
                    id: ReservationId,
                    new: &NewReservation,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE reservations SET evse_id = $3, token_uid = $4, group_id = $5, \
                         expires_at = $6 WHERE tenant_id = $1 AND id = $2 AND status = 'active'",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(new.evse_id)
                    .bind(&new.token_uid)
                    .bind(&new.group_id)
                    .bind(at(new.expires_at))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::on(TAKEN))?;
                    Ok(done.rows_affected() > 0)
                }

                async fn end_reservation(
                    &self,
                    tenant: TenantId,
                    id: ReservationId,
                    status: ReservationStatus,
                ) -> StoreResult<bool> {
                    if matches!(status, ReservationStatus::Active | ReservationStatus::Used) {
                        return Err(StoreError::Invalid {
                            what: "end of a reservation",
                            reason: format!("a reservation cannot end as {}", status.as_str()),
                        });
                    }
                    let done = sqlx::query(
                        "UPDATE reservations SET status = $3 \
                         WHERE tenant_id = $1 AND id = $2 AND status = 'active'",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(status.as_str())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn use_reservation(
                    &self,
                    tenant: TenantId,
                    id: ReservationId,
                    session: SessionId,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE reservations SET status = 'used', session_id = $3 \
                         WHERE tenant_id = $1 AND id = $2 AND status = 'active'",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(session.0)
                    .execute(&self.pool)
                    .await
                    .map_err(|error| {
                        if StoreError::is_foreign_key(&error) {
                            StoreError::NotFound { what: "session" }
                        } else {
                            StoreError::Database(error)
                        }
                    })?;
                    Ok(done.rows_affected() > 0)
                }

                async fn expire_reservations(
                    &self,
                    tenant: TenantId,
                    when: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    let done = sqlx::query(
                        "UPDATE reservations SET status = 'expired' WHERE tenant_id = $1 \
                         AND status = 'active' AND expires_at <= $2",
                    )
                    .bind(tenant.0)
                    .bind(at(when))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected())
                }

                async fn reservations_of_station(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    active_only: bool,
                ) -> StoreResult<Vec<Reservation>> {
                    sqlx::query(&format!(
                        "SELECT {RESERVATION_COLUMNS} FROM reservations \
                         WHERE tenant_id = $1 AND station_id = $2 \
                         AND (NOT $3 OR status = 'active') ORDER BY created_at DESC, id DESC"
                    ))
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(active_only)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(reservation_from)
                    .collect()
                }
            }
        }
    };
}

pub(crate) use reservations;
