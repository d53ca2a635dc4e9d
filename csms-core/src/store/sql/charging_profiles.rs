//! Charging profiles sent to stations.

/// Implements the charging profiles part of [`sql_store!`](super::sql_store) for a store
/// type.
macro_rules! charging_profiles {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod charging_profiles {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{ChargingProfileCriteria, SentChargingProfile, StationId, TenantId};
            use crate::store::sql::{at, from_json, to_json};
            use crate::store::{ChargingProfileStore, StoreResult};

            fn profile_from(row: &$row) -> StoreResult<SentChargingProfile> {
                Ok(SentChargingProfile {
                    station_id: StationId(row.try_get("station_id")?),
                    evse_id: row.try_get("evse_id")?,
                    profile_id: row.try_get("profile_id")?,
                    stack_level: row.try_get("stack_level")?,
                    purpose: row.try_get("purpose")?,
                    profile: from_json("charging profile", &row.try_get::<String, _>("profile")?)?,
                    sent_at: row.try_get("sent_at")?,
                })
            }

            #[async_trait]
            impl ChargingProfileStore for $store {
                async fn record_charging_profile(
                    &self,
                    tenant: TenantId,
                    profile: &SentChargingProfile,
                ) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    sqlx::query(
                        "DELETE FROM charging_profiles WHERE tenant_id = $1 AND station_id = $2 \
                         AND evse_id = $3 AND purpose = $4 AND stack_level = $5 \
                         AND profile_id <> $6",
                    )
                    .bind(tenant.0)
                    .bind(profile.station_id.0)
                    .bind(profile.evse_id)
                    .bind(&profile.purpose)
                    .bind(profile.stack_level)
                    .bind(profile.profile_id)
                    .execute(&mut *tx)
                    .await?;
                    let done = sqlx::query(
                        "INSERT INTO charging_profiles (tenant_id, station_id, profile_id, \
                         evse_id, stack_level, purpose, profile, sent_at) \
                         SELECT tenant_id, id, $3, $4, $5, $6, $7, $8 FROM stations \
                         WHERE tenant_id = $1 AND id = $2 \
                         ON CONFLICT (tenant_id, station_id, profile_id) DO UPDATE SET \
                         evse_id = excluded.evse_id, stack_level = excluded.stack_level, \
                         purpose = excluded.purpose, profile = excluded.profile, \
                         sent_at = excluded.sent_at",
                    )
                    .bind(tenant.0)
                    .bind(profile.station_id.0)
                    .bind(profile.profile_id)
                    .bind(profile.evse_id)
                    .bind(profile.stack_level)
                    .bind(&profile.purpose)
                    .bind(to_json("charging profile", &profile.profile)?)
                    .bind(at(profile.sent_at))
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn charging_profiles(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                ) -> StoreResult<Vec<SentChargingProfile>> {
                    sqlx::query(
                        "SELECT station_id, evse_id, profile_id, stack_level, purpose, profile, \
                         sent_at FROM charging_profiles WHERE tenant_id = $1 AND station_id = $2 \
                         ORDER BY evse_id, purpose, stack_level, profile_id",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(profile_from)
                    .collect()
                }

                async fn clear_charging_profiles(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    criteria: &ChargingProfileCriteria,
                ) -> StoreResult<u64> {
                    let done = sqlx::query(
                        "DELETE FROM charging_profiles WHERE tenant_id = $1 AND station_id = $2 \
                         AND ($3 IS NULL OR profile_id = $3) AND ($4 IS NULL OR evse_id = $4) \
                         AND ($5 IS NULL OR purpose = $5) AND ($6 IS NULL OR stack_level = $6)",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(criteria.profile_id)
                    .bind(criteria.evse_id)
                    .bind(&criteria.purpose)
                    .bind(criteria.stack_level)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected())
                }
            }
        }
    };
}

pub(crate) use charging_profiles;
