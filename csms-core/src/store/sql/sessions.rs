//! Charging sessions, meter values and stops of unknown transactions.

/// Implements the sessions part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! sessions {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod sessions {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use crate::model::{AuthMethod, ChargingSession, EventKind, MeterRecorded, MeterReport, MeterTarget, MeterValue, NewSession, SessionFilter, SessionId, SessionStart, SessionStatus, SessionStop, StationId, StationMeterValue, TenantId, TokenId, TransactionRef, UnknownStop, UserId};
            use crate::store::sql::{at, from_json, non_empty, now, or_empty, parse, parse_opt, start_key, to_json, Params, StatementTexts};
            use crate::store::group_commit::SessionValues;
            use crate::store::readings;
            use crate::store::{Page, Paged, SessionStore, StoreError, StoreResult};

            const SESSION_COLUMNS: &str = "id, tenant_id, station_id, transaction_id, is_v16, \
                 evse_id, connector_id, token_uid, token_id, started_at, stopped_at, \
                 meter_start_wh, meter_stop_wh, energy_wh, status, stop_reason, auth_method, \
                 offline, last_seq_no, station_cost_details, updated_at";

            const METER_COLUMNS: &str =
                "at, measurand, phase, location, context, unit, value, signed_data";

            /// A session's reading ([`readings`](crate::store::readings)) but its tenant and
            /// session.
            const READING_COLUMNS: &str = "at, digest, samples";

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
                    station_cost_details: row
                        .try_get::<Option<String>, _>("station_cost_details")?
                        .map(|text| from_json("station cost details", &text))
                        .transpose()?,
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

            /// The connection a batched write runs on.
            type Connection = <<$row as sqlx::Row>::Database as sqlx::Database>::Connection;

            /// A statement with its parameters.
            type Query<'q> = sqlx::query::Query<
                'q,
                <$row as sqlx::Row>::Database,
                <<$row as sqlx::Row>::Database as sqlx::Database>::Arguments<'q>,
            >;

            /// How a write names the session its meter values go to.
            enum SessionKey<'a> {
                Id(SessionId),
                Transaction(StationId, &'a str),
                Running(StationId, Option<i32>, i32),
            }

            /// The most values one statement inserts (each takes 8 parameters; SQLite and
            /// PostgreSQL both allow far more than 8 × 500).
            const VALUES_PER_STATEMENT: usize = 500;

            async fn station_exists(
                connection: &mut Connection,
                tenant: TenantId,
                station: StationId,
            ) -> StoreResult<bool> {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM stations WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(station.0)
                        .fetch_optional(&mut *connection)
                        .await?;
                Ok(found.is_some())
            }

            /// The session `key` names.
            async fn session_id(
                connection: &mut Connection,
                tenant: TenantId,
                key: &SessionKey<'_>,
            ) -> StoreResult<Option<SessionId>> {
                let query = match key {
                    SessionKey::Id(id) => {
                        sqlx::query_scalar("SELECT id FROM sessions WHERE tenant_id = $1 AND id = $2")
                            .bind(tenant.0)
                            .bind(id.0)
                    }
                    SessionKey::Transaction(station, transaction) => sqlx::query_scalar(
                        "SELECT id FROM sessions WHERE tenant_id = $1 AND station_id = $2 \
                         AND transaction_id = $3",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(*transaction),
                    SessionKey::Running(station, evse, connector) => sqlx::query_scalar(
                        "SELECT id FROM sessions WHERE tenant_id = $1 AND station_id = $2 \
                         AND connector_id = $3 AND ($4 IS NULL OR evse_id = $4) \
                         AND status NOT IN ('completed', 'failed') \
                         ORDER BY started_at DESC, id DESC LIMIT 1",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(*connector)
                    .bind(*evse),
                };
                let id: Option<i64> = query.fetch_optional(&mut *connection).await?;
                Ok(id.map(SessionId))
            }

            /// Adds `values` to the session `key` names, skipping those it has: the
            /// session and how many were new (the values of instants whose readings it did
            /// not already have, see [`readings`](crate::store::readings)), or `None` if there
            /// is no such session. One statement per instant, which checks that the session
            /// is the tenant's and answers no rows (a `RETURNING` row would cost a round trip
            /// each on SQLite's worker); a message rarely carries more than one instant.
            async fn insert_session_values(
                connection: &mut Connection,
                tenant: TenantId,
                key: SessionKey<'_>,
                values: &[MeterValue],
            ) -> StoreResult<Option<(SessionId, u64)>> {
                let session = match key {
                    SessionKey::Id(id) => id,
                    _ => match session_id(connection, tenant, &key).await? {
                        Some(id) => id,
                        None => return Ok(None),
                    },
                };
                let mut added = 0;
                // Made once, not on every call.
                static INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
                    format!(
                        "INSERT INTO meter_readings (tenant_id, session_id, {READING_COLUMNS}) \
                         SELECT tenant_id, id, $3, $4, $5 FROM sessions \
                         WHERE tenant_id = $1 AND id = $2 \
                         ON CONFLICT DO NOTHING"
                    )
                });
                for reading in readings::readings(values) {
                    let query = bind_reading(
                        sqlx::query(INSERT.as_str()).bind(tenant.0).bind(session.0),
                        &reading,
                    );
                    if query.execute(&mut *connection).await?.rows_affected() > 0 {
                        added += reading.count as u64;
                    }
                }
                if added == 0 && session_id(connection, tenant, &SessionKey::Id(session)).await?.is_none() {
                    return Ok(None);
                }
                if let Some(newest) = values.iter().map(|value| value.timestamp).max() {
                    record_progress(connection, &[(session, newest)]).await?;
                }
                Ok(Some((session, added)))
            }

            /// [`SessionStore::record_meter_values`] on a batch's connection.
            async fn record_meter_values_in(
                connection: &mut Connection,
                tenant: TenantId,
                report: &MeterReport,
                received: DateTime<Utc>,
            ) -> StoreResult<MeterRecorded> {
                let (key, transaction) = match &report.target {
                    MeterTarget::Transaction { transaction_id } => (
                        Some(SessionKey::Transaction(report.station_id, transaction_id)),
                        transaction_id.as_str(),
                    ),
                    MeterTarget::RunningSession => (
                        Some(SessionKey::Running(
                            report.station_id,
                            report.evse_id,
                            report.connector_id.unwrap_or(0),
                        )),
                        "",
                    ),
                    MeterTarget::Station => (None, ""),
                };
                if let Some(key) = key {
                    if let Some((session, _)) =
                        insert_session_values(connection, tenant, key, &report.values).await?
                    {
                        return Ok(MeterRecorded {
                            session: Some(session),
                        });
                    }
                }
                let mut added = 0;
                for chunk in report.values.chunks(VALUES_PER_STATEMENT) {
                    let mut params = Params::new(PLACEHOLDERS);
                    let (evse, connector, transaction_id, received_at) =
                        (params.next(), params.next(), params.next(), params.next());
                    let rows = params.rows(chunk.len(), 8);
                    let (tenant_id, station_id) = (params.next(), params.next());
                    let sql = format!(
                        "INSERT INTO station_meter_values (tenant_id, station_id, evse_id, \
                         connector_id, transaction_id, received_at, {METER_COLUMNS}) \
                         SELECT s.tenant_id, s.id, {evse}, {connector}, {transaction_id}, \
                         {received_at}, v.column1, v.column2, v.column3, v.column4, v.column5, \
                         v.column6, v.column7, v.column8 \
                         FROM stations s, (VALUES {rows}) AS v \
                         WHERE s.tenant_id = {tenant_id} AND s.id = {station_id} \
                         ON CONFLICT DO NOTHING"
                    );
                    let mut query = sqlx::query(&sql)
                        .bind(report.evse_id.unwrap_or(0))
                        .bind(report.connector_id.unwrap_or(0))
                        .bind(transaction)
                        .bind(received);
                    for value in chunk {
                        query = bind_value(query, value);
                    }
                    let query = query.bind(tenant.0).bind(report.station_id.0);
                    added += query.execute(&mut *connection).await?.rows_affected();
                }
                if added == 0 && !station_exists(connection, tenant, report.station_id).await? {
                    return Err(StoreError::NotFound { what: "station" });
                }
                Ok(MeterRecorded { session: None })
            }

            /// [`GroupCommitConfig::insert_meter_values`](crate::store::group_commit::GroupCommitConfig):
            /// the readings of several sessions, up to 256 per statement, and the sequence
            /// numbers they carry: the sessions whose sequence number it raised.
            pub(in crate::store) fn insert_meter_values<'c>(
                connection: &'c mut Connection,
                sessions: &'c [&'c SessionValues],
            ) -> futures_util::future::BoxFuture<'c, StoreResult<Vec<SessionId>>> {
                Box::pin(async move {
                    let rows: Vec<(TenantId, SessionId, &readings::Reading)> = sessions
                        .iter()
                        .flat_map(|of| of.readings.iter().map(|reading| (of.tenant, of.session, reading)))
                        .collect();
                    let mut rest = rows.as_slice();
                    while !rest.is_empty() {
                        // A few statement sizes only, so that each is prepared once.
                        let size = STATEMENT_SIZES
                            .iter()
                            .copied()
                            .find(|&size| size <= rest.len())
                            .unwrap_or(1);
                        let (chunk, more) = rest.split_at(size);
                        rest = more;
                        let sql = reading_insert(size);
                        let mut query = sqlx::query(&sql);
                        for (tenant, session, reading) in chunk {
                            query = bind_reading(query.bind(tenant.0).bind(session.0), reading);
                        }
                        query.execute(&mut *connection).await?;
                    }
                    let newest: Vec<(SessionId, DateTime<Utc>)> = sessions
                        .iter()
                        .filter_map(|of| {
                            let newest = of.readings.iter().map(|reading| reading.at).max()?;
                            Some((of.session, newest))
                        })
                        .collect();
                    record_progress(connection, &newest).await?;
                    raise_seq_nos(connection, sessions).await
                })
            }

            /// Raises the highest sequence number of each running session of `sessions`
            /// whose values carry a higher one (the highest of a session's, when the batch
            /// has several), in one statement: the sessions it raised.
            async fn raise_seq_nos(
                connection: &mut Connection,
                sessions: &[&SessionValues],
            ) -> StoreResult<Vec<SessionId>> {
                let mut highest: std::collections::HashMap<SessionId, i64> =
                    std::collections::HashMap::new();
                for of in sessions {
                    if let Some(seq_no) = of.seq_no {
                        let kept = highest.entry(of.session).or_insert(seq_no);
                        *kept = (*kept).max(seq_no);
                    }
                }
                if highest.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = seq_no_update(highest.len());
                let mut query = sqlx::query_scalar::<_, i64>(&sql);
                let updated_at = now();
                for (session, seq_no) in &highest {
                    query = query.bind(session.0).bind(*seq_no).bind(updated_at);
                }
                let raised = query.fetch_all(&mut *connection).await?;
                Ok(raised.into_iter().map(SessionId).collect())
            }

            /// The statement that raises the highest sequence number of `rows` running
            /// sessions (each row the session, its new number and the time of the change),
            /// returning the sessions it raised, made once per number of rows.
            fn seq_no_update(rows: usize) -> std::sync::Arc<str> {
                static MADE: StatementTexts = StatementTexts::new();
                MADE.get(rows, || {
                    let values = Params::new(PLACEHOLDERS).rows(rows, 3);
                    format!(
                        "UPDATE sessions SET last_seq_no = v.column2, updated_at = v.column3 \
                         FROM (VALUES {values}) AS v \
                         WHERE sessions.id = v.column1 \
                         AND sessions.status NOT IN ('completed', 'failed') \
                         AND (sessions.last_seq_no IS NULL OR sessions.last_seq_no < v.column2) \
                         RETURNING id"
                    )
                })
            }

            /// Tells the progress of running sessions whose readings reached `newest`: a
            /// `session.updated` event for each whose last one (or start) is at least
            /// [`PROGRESS_EVERY`](crate::store::PROGRESS_EVERY) older, in the readings'
            /// time, in one statement for all of them.
            async fn record_progress(
                connection: &mut Connection,
                newest: &[(SessionId, DateTime<Utc>)],
            ) -> StoreResult<()> {
                if newest.is_empty() {
                    return Ok(());
                }
                let every = chrono::Duration::from_std(crate::store::PROGRESS_EVERY)
                    .unwrap_or_else(|_| chrono::Duration::minutes(5));
                let sql = progress_update(newest.len());
                let mut query = sqlx::query(&sql);
                for (session, at_reading) in newest {
                    query = query
                        .bind(session.0)
                        .bind(at(*at_reading))
                        .bind(at(*at_reading - every));
                }
                let rows = query.fetch_all(&mut *connection).await?;
                let mut events = Vec::with_capacity(rows.len());
                for row in &rows {
                    let session = session_from(row)?;
                    events.push((
                        session.tenant_id,
                        EventKind::SessionUpdated,
                        format!("session:{}", session.id),
                        to_json("event data", &session)?,
                    ));
                }
                super::outbox::record_events(connection, &events).await
            }

            /// The statement that marks the progress of `rows` sessions told (each row the
            /// session, its newest reading, and how old its last progress may be at most),
            /// returning those it marked, made once per number of rows.
            fn progress_update(rows: usize) -> std::sync::Arc<str> {
                static MADE: StatementTexts = StatementTexts::new();
                MADE.get(rows, || {
                    let values = Params::new(PLACEHOLDERS).rows(rows, 3);
                    format!(
                        "UPDATE sessions SET progress_at = v.column2 FROM (VALUES {values}) AS v \
                         WHERE sessions.id = v.column1 \
                         AND sessions.status NOT IN ('completed', 'failed') \
                         AND COALESCE(sessions.progress_at, sessions.started_at) <= v.column3 \
                         RETURNING {SESSION_COLUMNS}"
                    )
                })
            }

            /// A statement with a meter value's columns ([`METER_COLUMNS`]) bound next.
            fn bind_value<'q>(query: Query<'q>, value: &'q MeterValue) -> Query<'q> {
                query
                    .bind(at(value.timestamp))
                    .bind(&value.measurand)
                    .bind(or_empty(&value.phase))
                    .bind(or_empty(&value.location))
                    .bind(or_empty(&value.context))
                    .bind(&value.unit)
                    .bind($dec_in(value.value))
                    .bind(&value.signed_data)
            }

            /// A statement with a reading's row (its tenant and session bound before) bound
            /// next.
            fn bind_reading<'q>(query: Query<'q>, reading: &'q readings::Reading) -> Query<'q> {
                query
                    .bind(at(reading.at))
                    .bind(reading.digest.as_slice())
                    .bind(reading.samples.as_str())
            }

            /// The sizes, in readings, of the statements that insert a batch's readings.
            const STATEMENT_SIZES: [usize; 5] = [256, 64, 16, 4, 1];

            /// The statement that inserts `rows` readings of any sessions (each row its tenant
            /// and session, then the reading's instant, digest and samples), skipping those
            /// kept already, made once per number of rows. The sessions exist (the store found
            /// them before, and sessions are never deleted): no foreign key checks each row,
            /// which, with no column that may refuse a row either, also spares SQLite a
            /// statement journal.
            fn reading_insert(rows: usize) -> std::sync::Arc<str> {
                static MADE: StatementTexts = StatementTexts::new();
                MADE.get(rows, || {
                    let values = Params::new(PLACEHOLDERS).rows(rows, 5);
                    format!(
                        "INSERT INTO meter_readings (tenant_id, session_id, {READING_COLUMNS}) \
                         VALUES {values} \
                         ON CONFLICT DO NOTHING"
                    )
                })
            }

            /// [`SessionStore::start_session`] on a batch's connection.
            async fn start_in(
                connection: &mut Connection,
                tenant: TenantId,
                new: &NewSession,
                key: &str,
                supersede: Option<&str>,
            ) -> StoreResult<SessionStart> {
                // Any unique key a concurrent delivery of the same start hits first (the
                // start key, or the 2.0.1 transaction id, which makes the start key) means
                // the same start: the conflict is not narrowed to one of them.
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
                .bind(key)
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
                .bind(now())
                .fetch_optional(&mut *connection)
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
                    .execute(&mut *connection)
                    .await
                    .map_err(StoreError::on("transaction id of this station"))?;
                }
                let row = sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions \
                     WHERE tenant_id = $1 AND station_id = $2 AND start_key = $3"
                ))
                .bind(tenant.0)
                .bind(new.station_id.0)
                .bind(key)
                .fetch_optional(&mut *connection)
                .await?;
                let session = match row {
                    Some(row) => session_from(&row)?,
                    None => return Err(StoreError::NotFound { what: "station" }),
                };
                if inserted.is_some() {
                    super::outbox::record_event(
                        connection,
                        tenant,
                        EventKind::SessionStarted,
                        &format!("session:{}", session.id),
                        &session,
                    )
                    .await?;
                }
                let mut superseded = None;
                if let (Some(id), Some(reason), Some(connector)) =
                    (inserted, supersede, session.connector_id)
                {
                    let running = sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions \
                         WHERE tenant_id = $1 AND station_id = $2 AND connector_id = $3 \
                         AND ($4 IS NULL OR evse_id = $4) AND id <> $5 \
                         AND status NOT IN ('completed', 'failed') \
                         ORDER BY started_at DESC, id DESC LIMIT 1"
                    ))
                    .bind(tenant.0)
                    .bind(new.station_id.0)
                    .bind(connector)
                    .bind(session.evse_id)
                    .bind(id)
                    .fetch_optional(&mut *connection)
                    .await?
                    .as_ref()
                    .map(session_from)
                    .transpose()?;
                    if let Some(running) = running {
                        let stop = SessionStop {
                            stopped_at: new.started_at.max(running.started_at),
                            meter_stop_wh: None,
                            status: SessionStatus::Failed,
                            reason: Some(reason.to_owned()),
                            offline: false,
                            seq_no: None,
                        };
                        superseded = stop_in(connection, tenant, running.id, &stop).await?;
                    }
                }
                Ok(SessionStart {
                    created: inserted.is_some(),
                    session,
                    superseded,
                })
            }

            /// [`SessionStore::update_session`] on a batch's connection.
            async fn update_in(
                connection: &mut Connection,
                tenant: TenantId,
                id: SessionId,
                (status, seq_no): (SessionStatus, Option<i64>),
                previous: Option<SessionStatus>,
            ) -> StoreResult<bool> {
                // A change of status is an event; a later sequence number alone is not. The
                // status the caller read (`previous`) tells when there is no change to look
                // for: a session's status changes only through its own station's messages,
                // which come one at a time.
                if previous != Some(status) {
                    let changed = sqlx::query(&format!(
                        "UPDATE sessions SET status = $3, last_seq_no = COALESCE($4, last_seq_no), \
                         updated_at = $5 WHERE tenant_id = $1 AND id = $2 \
                         AND status NOT IN ('completed', 'failed') AND status <> $3 \
                         AND ($4 IS NULL OR last_seq_no IS NULL OR last_seq_no < $4) \
                         RETURNING {SESSION_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(status.as_str())
                    .bind(seq_no)
                    .bind(now())
                    .fetch_optional(&mut *connection)
                    .await?;
                    if let Some(row) = changed {
                        let session = session_from(&row)?;
                        super::outbox::record_event(
                            connection,
                            tenant,
                            EventKind::SessionUpdated,
                            &format!("session:{id}"),
                            &session,
                        )
                        .await?;
                        return Ok(true);
                    }
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
                .execute(&mut *connection)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            /// The session `id` on a batch's connection.
            async fn session_in(
                connection: &mut Connection,
                tenant: TenantId,
                id: SessionId,
            ) -> StoreResult<Option<ChargingSession>> {
                sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&mut *connection)
                .await?
                .as_ref()
                .map(session_from)
                .transpose()
            }

            /// [`SessionStore::stop_session`] on a batch's connection.
            async fn stop_in(
                connection: &mut Connection,
                tenant: TenantId,
                id: SessionId,
                stop: &SessionStop,
            ) -> StoreResult<Option<ChargingSession>> {
                let Some(session) = session_in(connection, tenant, id).await? else {
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
                .execute(&mut *connection)
                .await?;
                let stopped = session_in(connection, tenant, id).await?;
                if let Some(session) = &stopped {
                    super::outbox::record_event(
                        connection,
                        tenant,
                        EventKind::SessionEnded,
                        &format!("session:{id}"),
                        session,
                    )
                    .await?;
                }
                Ok(stopped)
            }

            impl $store {
                /// Starts a session in the next batch (`supersede`: the stop reason of a
                /// session still running on its connector, which it ends) and remembers its
                /// transaction id.
                async fn begin_session(
                    &self,
                    tenant: TenantId,
                    new: &NewSession,
                    supersede: Option<String>,
                ) -> StoreResult<SessionStart> {
                    let input = (tenant, new.clone(), start_key(new), supersede);
                    let start = self
                        .writes
                        .write(input, |(tenant, new, key, supersede), connection| {
                            Box::pin(async move {
                                start_in(connection, *tenant, new, key, supersede.as_deref())
                                    .await
                            })
                        })
                        .await?;
                    let session = &start.session;
                    let transaction = match &session.transaction {
                        TransactionRef::V16(id) => id.to_string(),
                        TransactionRef::V201(id) => id.clone(),
                    };
                    self.sessions.keep(tenant, session.station_id, &transaction, session.id);
                    Ok(start)
                }
            }

            #[async_trait]
            impl SessionStore for $store {
                async fn start_session(
                    &self,
                    tenant: TenantId,
                    new: &NewSession,
                ) -> StoreResult<(ChargingSession, bool)> {
                    let start = self.begin_session(tenant, new, None).await?;
                    Ok((start.session, start.created))
                }

                async fn start_session_ending_running(
                    &self,
                    tenant: TenantId,
                    new: &NewSession,
                    reason: &str,
                ) -> StoreResult<SessionStart> {
                    self.begin_session(tenant, new, Some(reason.to_owned())).await
                }

                async fn session(
                    &self,
                    tenant: TenantId,
                    id: SessionId,
                ) -> StoreResult<Option<ChargingSession>> {
                    session_in(&mut *self.readers.acquire().await?, tenant, id).await
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
                    .fetch_optional(&self.readers)
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
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(session_from)
                    .transpose()
                }

                async fn record_station_cost(
                    &self,
                    tenant: TenantId,
                    session: SessionId,
                    details: &serde_json::Value,
                ) -> StoreResult<bool> {
                    let text = to_json("station cost details", details)?;
                    self.writes
                        .write((tenant, session, text, now()), |(tenant, session, text, changed), connection| {
                            Box::pin(async move {
                                let done = sqlx::query(
                                    "UPDATE sessions SET station_cost_details = $3, updated_at = $4 \
                                     WHERE tenant_id = $1 AND id = $2",
                                )
                                .bind(tenant.0)
                                .bind(session.0)
                                .bind(text.as_str())
                                .bind(*changed)
                                .execute(&mut *connection)
                                .await?;
                                Ok(done.rows_affected() > 0)
                            })
                        })
                        .await
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
                    self.writes
                        .write((tenant, id, status, seq_no), |&(tenant, id, status, seq_no), connection| {
                            Box::pin(async move {
                                update_in(connection, tenant, id, (status, seq_no), None).await
                            })
                        })
                        .await
                }

                async fn advance_session(
                    &self,
                    tenant: TenantId,
                    session: &ChargingSession,
                    values: &[MeterValue],
                    update: Option<(SessionStatus, Option<i64>)>,
                ) -> StoreResult<bool> {
                    if update.is_some_and(|(status, _)| status.is_final()) {
                        return Err(StoreError::Invalid {
                            what: "session status",
                            reason: "a session ends through stop_session".to_owned(),
                        });
                    }
                    // The values join the batch-wide insert, and so does a new sequence
                    // number that changes no status (the status the caller read tells: a
                    // session's status changes only through its own station's messages,
                    // which come one at a time); any other update is a write of its own.
                    // Both are handed over before either is waited for, so that they share
                    // a batch (and its commit).
                    let seq_no_only = match update {
                        Some((status, Some(seq_no))) if status == session.status && !values.is_empty() => {
                            Some(seq_no)
                        }
                        _ => None,
                    };
                    let update = update.filter(|_| seq_no_only.is_none());
                    let values = async {
                        if values.is_empty() {
                            return Ok(false);
                        }
                        self.writes
                            .insert_meter_values(SessionValues {
                                tenant,
                                session: session.id,
                                readings: readings::readings(values),
                                seq_no: seq_no_only,
                            })
                            .await
                    };
                    let input = (tenant, session.id, update, session.status);
                    let updated = async {
                        if update.is_none() {
                            return Ok(false);
                        }
                        self.writes
                            .write(input, |&(tenant, id, update, previous), connection| {
                                Box::pin(async move {
                                    match update {
                                        Some(update) => {
                                            update_in(connection, tenant, id, update, Some(previous))
                                                .await
                                        }
                                        None => Ok(false),
                                    }
                                })
                            })
                            .await
                    };
                    let (raised, updated) = futures_util::future::try_join(values, updated).await?;
                    Ok(raised || updated)
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
                    self.writes
                        .write((tenant, id, stop.clone()), |(tenant, id, stop), connection| {
                            Box::pin(async move { stop_in(connection, *tenant, *id, stop).await })
                        })
                        .await
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
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(session_from)
                    .collect()
                }

                async fn sessions_to_settle(
                    &self,
                    ended_before: DateTime<Utc>,
                    after: Option<SessionId>,
                    limit: u32,
                ) -> StoreResult<Vec<ChargingSession>> {
                    sqlx::query(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions s \
                         WHERE s.status IN ('completed', 'failed') AND s.stopped_at < $1 \
                         AND s.id > $3 \
                         AND (NOT EXISTS (SELECT 1 FROM cdrs c \
                                 WHERE c.tenant_id = s.tenant_id AND c.session_id = s.id) \
                              OR (s.token_id IS NOT NULL AND NOT EXISTS ( \
                                 SELECT 1 FROM token_counts k WHERE k.tenant_id = s.tenant_id \
                                 AND k.session_id = s.id AND k.kind = 'usage'))) \
                         ORDER BY s.id LIMIT $2"
                    ))
                    .bind(at(ended_before))
                    .bind(i64::from(limit))
                    .bind(after.map_or(0, |id| id.0))
                    .fetch_all(&self.readers)
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
                    .fetch_all(&self.readers)
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
                    self.writes
                        .write((tenant, session, values.to_vec()), |(tenant, session, values), connection| {
                            Box::pin(async move {
                                let added = insert_session_values(
                                    connection,
                                    *tenant,
                                    SessionKey::Id(*session),
                                    values,
                                )
                                .await?;
                                if added.is_none() {
                                    return Err(StoreError::NotFound { what: "session" });
                                }
                                Ok(added.map_or(0, |(_, added)| added))
                            })
                        })
                        .await
                }

                async fn record_meter_values(
                    &self,
                    tenant: TenantId,
                    report: MeterReport,
                ) -> StoreResult<MeterRecorded> {
                    let transaction = match &report.target {
                        MeterTarget::Transaction { transaction_id } => Some(transaction_id.clone()),
                        _ => None,
                    };
                    let station = report.station_id;
                    if let Some(session) = transaction
                        .as_deref()
                        .and_then(|id| self.sessions.get(tenant, station, id))
                    {
                        let values = SessionValues {
                            tenant,
                            session,
                            readings: readings::readings(&report.values),
                            seq_no: None,
                        };
                        self.writes.insert_meter_values(values).await?;
                        return Ok(MeterRecorded { session: Some(session) });
                    }
                    let recorded = self
                        .writes
                        .write((tenant, report, now()), |(tenant, report, received), connection| {
                            Box::pin(async move {
                                record_meter_values_in(connection, *tenant, report, *received).await
                            })
                        })
                        .await?;
                    if let (Some(transaction), Some(session)) = (transaction, recorded.session) {
                        self.sessions.keep(tenant, station, &transaction, session);
                    }
                    Ok(recorded)
                }

                async fn station_meter_values(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    limit: u32,
                ) -> StoreResult<Vec<StationMeterValue>> {
                    sqlx::query(&format!(
                        "SELECT evse_id, connector_id, transaction_id, received_at, {METER_COLUMNS} \
                         FROM station_meter_values WHERE tenant_id = $1 AND station_id = $2 \
                         ORDER BY at, id LIMIT $3"
                    ))
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(i64::from(limit))
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(|row| {
                        Ok(StationMeterValue {
                            evse_id: row.try_get("evse_id")?,
                            connector_id: row.try_get("connector_id")?,
                            transaction_id: non_empty(row.try_get("transaction_id")?),
                            received_at: row.try_get("received_at")?,
                            value: meter_value_from(row)?,
                        })
                    })
                    .collect()
                }

                async fn record_unknown_stop(
                    &self,
                    tenant: TenantId,
                    stop: &UnknownStop,
                ) -> StoreResult<bool> {
                    self.writes
                        .write((tenant, stop.clone()), |(tenant, stop), connection| {
                            Box::pin(async move {
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
                                .execute(&mut *connection)
                                .await?;
                                if done.rows_affected() > 0 {
                                    return Ok(true);
                                }
                                match station_exists(connection, *tenant, stop.station_id).await? {
                                    true => Ok(false),
                                    false => Err(StoreError::NotFound { what: "station" }),
                                }
                            })
                        })
                        .await
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
                    .fetch_all(&self.readers)
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
                    let rows = sqlx::query(&format!(
                        "SELECT {READING_COLUMNS} FROM meter_readings \
                         WHERE tenant_id = $1 AND session_id = $2 ORDER BY at, id"
                    ))
                    .bind(tenant.0)
                    .bind(session.0)
                    .fetch_all(&self.readers)
                    .await?;
                    let mut values = Vec::with_capacity(rows.len());
                    for row in &rows {
                        let samples: String = row.try_get("samples")?;
                        readings::read_into(row.try_get("at")?, &samples, &mut values)?;
                    }
                    Ok(readings::in_time_order(values))
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
                         AND ($6 IS NULL OR started_at >= $6) AND ($7 IS NULL OR started_at < $7) \
                         AND ($10 IS NULL OR updated_at >= $10) AND ($11 IS NULL OR updated_at < $11) \
                         AND ($12 IS NULL OR upper(token_uid) IN (SELECT uid FROM roaming_tokens \
                         WHERE tenant_id = $1 AND partner_id = $12))";
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
                            // $8 and $9 are the page's, in the list below.
                            .bind(None::<i64>)
                            .bind(None::<i64>)
                            .bind(filter.updated_from.map(at))
                            .bind(filter.updated_to.map(at))
                            .bind(filter.roaming_partner.map(|id| id.0))
                            .fetch_one(&self.readers)
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
                    .bind(filter.updated_from.map(at))
                    .bind(filter.updated_to.map(at))
                    .bind(filter.roaming_partner.map(|id| id.0))
                    .fetch_all(&self.readers)
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
