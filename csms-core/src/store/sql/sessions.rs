//! Charging sessions, meter values and stops of unknown transactions.

/// Implements the sessions part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! sessions {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod sessions {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use crate::model::{AuthMethod, ChargingSession, MeterValue, NewSession, SessionFilter, SessionId, SessionStatus, SessionStop, StationId, TenantId, TokenId, TransactionRef, UnknownStop, UserId};
            use crate::store::sql::{at, non_empty, now, or_empty, parse, parse_opt, start_key};
            use crate::store::{Page, Paged, SessionStore, StationStore, StoreError, StoreResult};

            const SESSION_COLUMNS: &str = "id, tenant_id, station_id, transaction_id, is_v16, \
                 evse_id, connector_id, token_uid, token_id, started_at, stopped_at, \
                 meter_start_wh, meter_stop_wh, energy_wh, status, stop_reason, auth_method, \
                 offline, last_seq_no, updated_at";

            const METER_COLUMNS: &str =
                "at, measurand, phase, location, context, unit, value, signed_data";

            fn session_from(row: &$row) -> StoreResult<ChargingSession> {
                let transaction_id: Option<String> = row.try_get("transaction_id")?;
                let transaction_id = transaction_id
                    .ok_or_else(|| StoreError::corrupt("transaction id", "missing"))?;
                let transaction = if row.try_get::<bool, _>("is_v16")? {
                    TransactionRef::V16(
                        transaction_id
                            .parse()
                            .map_err(|error| StoreError::corrupt("1.6 transaction id", error))?,
                    )
                } else {
                    TransactionRef::V201(transaction_id)
                };
                Ok(ChargingSession {
                    id: SessionId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    station_id: StationId(row.try_get("station_id")?),
                    transaction,
                    evse_id: row.try_get("evse_id")?,
                    connector_id: row.try_get("connector_id")?,
                    token_uid: row.try_get("token_uid")?,
                    token_id: row.try_get::<Option<i64>, _>("token_id")?.map(TokenId),
                    started_at: row.try_get("started_at")?,
                    stopped_at: row.try_get("stopped_at")?,
                    meter_start_wh: dec(row, "meter_start_wh")?,
                    meter_stop_wh: dec(row, "meter_stop_wh")?,
                    energy_wh: dec(row, "energy_wh")?,
                    status: parse(
                        "session status",
                        &row.try_get::<String, _>("status")?,
                        SessionStatus::parse,
                    )?,
                    stop_reason: row.try_get("stop_reason")?,
                    auth_method: parse_opt(
                        "authorization method",
                        row.try_get("auth_method")?,
                        AuthMethod::parse,
                    )?,
                    offline: row.try_get("offline")?,
                    last_seq_no: row.try_get("last_seq_no")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn meter_value_from(row: &$row) -> StoreResult<MeterValue> {
                Ok(MeterValue {
                    timestamp: row.try_get("at")?,
                    measurand: row.try_get("measurand")?,
                    phase: non_empty(row.try_get("phase")?),
                    location: non_empty(row.try_get("location")?),
                    context: non_empty(row.try_get("context")?),
                    unit: row.try_get("unit")?,
                    value: dec(row, "value")?
                        .ok_or_else(|| StoreError::corrupt("meter value", "missing"))?,
                    signed_data: row.try_get("signed_data")?,
                })
            }

            #[async_trait]
            impl SessionStore for $store {
                async fn start_session(
                    &self,
                    tenant: TenantId,
                    new: &NewSession,
                ) -> StoreResult<(ChargingSession, bool)> {
                    let key = start_key(new);
                    let when = now();
                    // Any unique key a concurrent delivery of the same start hits first (the
                    // start key, or the 2.0.1 transaction id, which makes the start key) means
                    // the same start: the conflict is not narrowed to one of them.
                    // Writing first takes SQLite's write lock at once, so the transaction never
                    // has to upgrade from a read lock.
                    let mut tx = self.pool.begin().await?;
                    let inserted: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO sessions (tenant_id, station_id, start_key, transaction_id, \
                         is_v16, evse_id, connector_id, token_uid, token_id, started_at, \
                         meter_start_wh, status, auth_method, offline, last_seq_no, updated_at) \
                         SELECT tenant_id, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                         $15, $16 FROM stations WHERE tenant_id = $1 AND id = $2 \
                         ON CONFLICT DO NOTHING RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(new.station_id.0)
                    .bind(&key)
                    .bind(&new.transaction_id)
                    .bind(new.transaction_id.is_none())
                    .bind(new.evse_id)
                    .bind(new.connector_id)
                    .bind(&new.token_uid)
                    .bind(new.token_id.map(|id| id.0))
                    .bind(at(new.started_at))
                    .bind(dec_in(new.meter_start_wh))
                    .bind(new.status.as_str())
                    .bind(new.auth_method.map(AuthMethod::as_str))
                    .bind(new.offline)
                    .bind(new.seq_no)
                    .bind(when)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::on("transaction id of this station"))?;
                    if let (Some(id), None) = (inserted, &new.transaction_id) {
                        // 1.6: the station's transaction id is the session's.
                        let transaction = i32::try_from(id).map_err(|_| StoreError::Invalid {
                            what: "1.6 transaction id",
                            reason: format!("session id {id} does not fit an OCPP integer"),
                        })?;
                        sqlx::query(
                            "UPDATE sessions SET transaction_id = $3 WHERE tenant_id = $1 AND id = $2",
                        )
                        .bind(tenant.0)
                        .bind(id)
                        .bind(transaction.to_string())
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::on("transaction id of this station"))?;
                    }
                    let row = sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions \
                         WHERE tenant_id = $1 AND station_id = $2 AND start_key = $3"
                    ))
                    .bind(tenant.0)
                    .bind(new.station_id.0)
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    match row {
                        Some(row) => Ok((session_from(&row)?, inserted.is_some())),
                        None => Err(StoreError::NotFound { what: "station" }),
                    }
                }

                async fn session(
                    &self,
                    tenant: TenantId,
                    id: SessionId,
                ) -> StoreResult<Option<ChargingSession>> {
                    sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(session_from)
                    .transpose()
                }

                async fn session_by_transaction(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    transaction_id: &str,
                ) -> StoreResult<Option<ChargingSession>> {
                    sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions \
                         WHERE tenant_id = $1 AND station_id = $2 AND transaction_id = $3"
                    ))
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(transaction_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(session_from)
                    .transpose()
                }

                async fn active_session(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    evse_id: Option<i32>,
                    connector_id: i32,
                ) -> StoreResult<Option<ChargingSession>> {
                    sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions \
                         WHERE tenant_id = $1 AND station_id = $2 AND connector_id = $3 \
                         AND ($4 IS NULL OR evse_id = $4) \
                         AND status NOT IN ('completed', 'failed') \
                         ORDER BY started_at DESC, id DESC LIMIT 1"
                    ))
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(connector_id)
                    .bind(evse_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(session_from)
                    .transpose()
                }

                async fn update_session(
                    &self,
                    tenant: TenantId,
                    id: SessionId,
                    status: SessionStatus,
                    seq_no: Option<i64>,
                ) -> StoreResult<bool> {
                    if status.is_final() {
                        return Err(StoreError::Invalid {
                            what: "session status",
                            reason: "a session ends through stop_session".to_owned(),
                        });
                    }
                    let done = sqlx::query(
                        "UPDATE sessions SET status = $3, last_seq_no = COALESCE($4, last_seq_no), \
                         updated_at = $5 WHERE tenant_id = $1 AND id = $2 \
                         AND status NOT IN ('completed', 'failed') \
                         AND ($4 IS NULL OR last_seq_no IS NULL OR last_seq_no < $4)",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(status.as_str())
                    .bind(seq_no)
                    .bind(now())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn stop_session(
                    &self,
                    tenant: TenantId,
                    id: SessionId,
                    stop: &SessionStop,
                ) -> StoreResult<Option<ChargingSession>> {
                    if !stop.status.is_final() {
                        return Err(StoreError::Invalid {
                            what: "session status",
                            reason: format!("{} does not end a session", stop.status),
                        });
                    }
                    let Some(session) = self.session(tenant, id).await? else {
                        return Ok(None);
                    };
                    if session.status.is_final() {
                        return Ok(Some(session));
                    }
                    let energy = match (session.meter_start_wh, stop.meter_stop_wh) {
                        (Some(start), Some(end)) => end.checked_sub(start),
                        _ => None,
                    };
                    sqlx::query(
                        "UPDATE sessions SET stopped_at = $3, meter_stop_wh = $4, energy_wh = $5, \
                         status = $6, stop_reason = $7, offline = (offline OR $8), \
                         last_seq_no = COALESCE($9, last_seq_no), updated_at = $10 \
                         WHERE tenant_id = $1 AND id = $2 AND status NOT IN ('completed', 'failed')",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(at(stop.stopped_at))
                    .bind(dec_in(stop.meter_stop_wh))
                    .bind(dec_in(energy))
                    .bind(stop.status.as_str())
                    .bind(&stop.reason)
                    .bind(stop.offline)
                    .bind(stop.seq_no)
                    .bind(now())
                    .execute(&self.pool)
                    .await?;
                    self.session(tenant, id).await
                }

                async fn sessions_started_between(
                    &self,
                    tenant: TenantId,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                ) -> StoreResult<Vec<ChargingSession>> {
                    sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions WHERE tenant_id = $1 \
                         AND started_at >= $2 AND started_at < $3 ORDER BY started_at, id"
                    ))
                    .bind(tenant.0)
                    .bind(at(from))
                    .bind(at(to))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(session_from)
                    .collect()
                }

                async fn sessions_of_owner(
                    &self,
                    tenant: TenantId,
                    owner: UserId,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                ) -> StoreResult<Vec<ChargingSession>> {
                    sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions WHERE tenant_id = $1 \
                         AND token_uid IN \
                         (SELECT uid FROM tokens WHERE tenant_id = $1 AND owner_id = $2) \
                         AND started_at >= $3 AND started_at < $4 ORDER BY started_at, id"
                    ))
                    .bind(tenant.0)
                    .bind(owner.0)
                    .bind(at(from))
                    .bind(at(to))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(session_from)
                    .collect()
                }

                async fn add_meter_values(
                    &self,
                    tenant: TenantId,
                    session: SessionId,
                    values: &[MeterValue],
                ) -> StoreResult<u64> {
                    let mut tx = self.pool.begin().await?;
                    let mut added = 0;
                    for value in values {
                        let done = sqlx::query(&format!(
                            "INSERT INTO meter_values (tenant_id, session_id, {METER_COLUMNS}) \
                             SELECT tenant_id, id, $3, $4, $5, $6, $7, $8, $9, $10 FROM sessions \
                             WHERE tenant_id = $1 AND id = $2 ON CONFLICT DO NOTHING"
                        ))
                        .bind(tenant.0)
                        .bind(session.0)
                        .bind(at(value.timestamp))
                        .bind(&value.measurand)
                        .bind(or_empty(&value.phase))
                        .bind(or_empty(&value.location))
                        .bind(or_empty(&value.context))
                        .bind(&value.unit)
                        .bind($dec_in(value.value))
                        .bind(&value.signed_data)
                        .execute(&mut *tx)
                        .await?;
                        added += done.rows_affected();
                    }
                    if added == 0 && self.session(tenant, session).await?.is_none() {
                        return Err(StoreError::NotFound { what: "session" });
                    }
                    tx.commit().await?;
                    Ok(added)
                }

                async fn record_unknown_stop(
                    &self,
                    tenant: TenantId,
                    stop: &UnknownStop,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "INSERT INTO unknown_stops (tenant_id, station_id, transaction_id, \
                         token_uid, stopped_at, meter_stop_wh, reason, offline) \
                         SELECT tenant_id, id, $3, $4, $5, $6, $7, $8 FROM stations \
                         WHERE tenant_id = $1 AND id = $2 \
                         ON CONFLICT (tenant_id, station_id, transaction_id) DO NOTHING",
                    )
                    .bind(tenant.0)
                    .bind(stop.station_id.0)
                    .bind(&stop.transaction_id)
                    .bind(&stop.token_uid)
                    .bind(at(stop.stopped_at))
                    .bind(dec_in(stop.meter_stop_wh))
                    .bind(&stop.reason)
                    .bind(stop.offline)
                    .execute(&self.pool)
                    .await?;
                    if done.rows_affected() > 0 {
                        return Ok(true);
                    }
                    match self.station_by_id(tenant, stop.station_id).await? {
                        Some(_) => Ok(false),
                        None => Err(StoreError::NotFound { what: "station" }),
                    }
                }

                async fn unknown_stops(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                ) -> StoreResult<Vec<UnknownStop>> {
                    sqlx::query(
                        "SELECT station_id, transaction_id, token_uid, stopped_at, meter_stop_wh, \
                         reason, offline FROM unknown_stops WHERE tenant_id = $1 \
                         AND station_id = $2 ORDER BY stopped_at, id",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|row| {
                        Ok(UnknownStop {
                            station_id: StationId(row.try_get("station_id")?),
                            transaction_id: row.try_get("transaction_id")?,
                            token_uid: row.try_get("token_uid")?,
                            stopped_at: row.try_get("stopped_at")?,
                            meter_stop_wh: dec(row, "meter_stop_wh")?,
                            reason: row.try_get("reason")?,
                            offline: row.try_get("offline")?,
                        })
                    })
                    .collect()
                }

                async fn meter_values(
                    &self,
                    tenant: TenantId,
                    session: SessionId,
                ) -> StoreResult<Vec<MeterValue>> {
                    sqlx::query(&format!(
                        "SELECT {METER_COLUMNS} FROM meter_values \
                         WHERE tenant_id = $1 AND session_id = $2 ORDER BY at, id"
                    ))
                    .bind(tenant.0)
                    .bind(session.0)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(meter_value_from)
                    .collect()
                }

                async fn list_sessions(
                    &self,
                    tenant: TenantId,
                    filter: &SessionFilter,
                    page: Page,
                ) -> StoreResult<Paged<ChargingSession>> {
                    const FILTER: &str = "tenant_id = $1 AND ($2 IS NULL OR station_id = $2) \
                         AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR token_uid = $4) \
                         AND ($5 IS NULL OR token_uid IN \
                         (SELECT uid FROM tokens WHERE tenant_id = $1 AND owner_id = $5)) \
                         AND ($6 IS NULL OR started_at >= $6) AND ($7 IS NULL OR started_at < $7)";
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM sessions WHERE {FILTER}"))
                            .bind(tenant.0)
                            .bind(filter.station.map(|id| id.0))
                            .bind(filter.status.map(SessionStatus::as_str))
                            .bind(&filter.token_uid)
                            .bind(filter.owner.map(|id| id.0))
                            .bind(filter.from.map(at))
                            .bind(filter.to.map(at))
                            .fetch_one(&self.pool)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions WHERE {FILTER} \
                         ORDER BY started_at DESC, id DESC LIMIT $8 OFFSET $9"
                    ))
                    .bind(tenant.0)
                    .bind(filter.station.map(|id| id.0))
                    .bind(filter.status.map(SessionStatus::as_str))
                    .bind(&filter.token_uid)
                    .bind(filter.owner.map(|id| id.0))
                    .bind(filter.from.map(at))
                    .bind(filter.to.map(at))
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(session_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }
            }
        }
    };
}

pub(crate) use sessions;
