//! Stations, their boot log, EVSEs and connectors.

/// Implements the stations part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! stations {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod stations {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};
            use ocpp_server::storage::PasswordHash;
            use ocpp_types::OcppVersion;
            use sqlx::Row;

            use crate::model::{
                BootLogEntry, Connector, ConnectorStatus, ConnectorStatusChange, EventKind, Evse, LocationId, NewStation,
                RegistrationStatus, Station, StationDetails, StationFilter, StationId,
                StationPresence, StatusReport, TenantId,
            };
            use crate::store::sql::{at, now, parse, parse_opt};
            use crate::store::{
                LocationStore, Page, Paged, StationSnapshot, StationStore, StoreError, StoreResult,
            };

            /// The tables of a station's own parts, deleted with it (children first).
            const STATION_PARTS: &[&str] =
                &[
                "tariff_assignments",
                "connectors",
                "evses",
                "boot_log",
                "station_configuration",
                "station_variables",
                "charging_profiles",
            ];

            const STATION_COLUMNS: &str = "id, tenant_id, location_id, identity, station_group, \
                 vendor, model, serial_number, firmware_version, ocpp_version, security_profile, \
                 credentials_hash, registration, online, node_id, last_boot_at, last_heartbeat, \
                 last_seen, created_at";

            const BOOT_COLUMNS: &str = "tenant_id, station_id, at, vendor, model, serial_number, \
                 firmware_version, reason, outcome";

            const EVSE_COLUMNS: &str = "tenant_id, station_id, evse_id, uid, status";

            const CONNECTOR_COLUMNS: &str = "tenant_id, station_id, evse_id, connector_id, \
                 standard, format, power_type, max_voltage, max_amperage, max_power_w, status, \
                 error_code, vendor_error_code, status_at";

            fn station_from(row: &$row) -> StoreResult<Station> {
                let profile: i32 = row.try_get("security_profile")?;
                let hash: Option<String> = row.try_get("credentials_hash")?;
                Ok(Station {
                    id: StationId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    location_id: row.try_get::<Option<i64>, _>("location_id")?.map(LocationId),
                    identity: row.try_get("identity")?,
                    group: row.try_get("station_group")?,
                    vendor: row.try_get("vendor")?,
                    model: row.try_get("model")?,
                    serial_number: row.try_get("serial_number")?,
                    firmware_version: row.try_get("firmware_version")?,
                    ocpp_version: parse_opt(
                        "OCPP version",
                        row.try_get("ocpp_version")?,
                        crate::model::ocpp_version_from_str,
                    )?,
                    security_profile: u8::try_from(profile)
                        .map_err(|error| StoreError::corrupt("security profile", error))?,
                    credentials_hash: hash
                        .map(|hash| {
                            PasswordHash::parse(&hash).ok_or_else(|| {
                                StoreError::corrupt("station credentials", "not a known password hash form")
                            })
                        })
                        .transpose()?,
                    registration: parse(
                        "registration status",
                        &row.try_get::<String, _>("registration")?,
                        RegistrationStatus::parse,
                    )?,
                    online: row.try_get("online")?,
                    node: row.try_get("node_id")?,
                    last_boot_at: row.try_get("last_boot_at")?,
                    last_heartbeat: row.try_get("last_heartbeat")?,
                    last_seen: row.try_get("last_seen")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            fn boot_from(row: &$row) -> StoreResult<BootLogEntry> {
                Ok(BootLogEntry {
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    station_id: StationId(row.try_get("station_id")?),
                    at: row.try_get("at")?,
                    vendor: row.try_get("vendor")?,
                    model: row.try_get("model")?,
                    serial_number: row.try_get("serial_number")?,
                    firmware_version: row.try_get("firmware_version")?,
                    reason: row.try_get("reason")?,
                    outcome: parse(
                        "boot outcome",
                        &row.try_get::<String, _>("outcome")?,
                        RegistrationStatus::parse,
                    )?,
                })
            }

            fn evse_from(row: &$row) -> StoreResult<Evse> {
                Ok(Evse {
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    station_id: StationId(row.try_get("station_id")?),
                    evse_id: row.try_get("evse_id")?,
                    uid: row.try_get("uid")?,
                    status: parse(
                        "EVSE status",
                        &row.try_get::<String, _>("status")?,
                        ConnectorStatus::parse,
                    )?,
                })
            }

            fn connector_from(row: &$row) -> StoreResult<Connector> {
                Ok(Connector {
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    station_id: StationId(row.try_get("station_id")?),
                    evse_id: row.try_get("evse_id")?,
                    connector_id: row.try_get("connector_id")?,
                    standard: row
                        .try_get::<Option<String>, _>("standard")?
                        .map(|text| ConnectorType::from_wire(&text)),
                    format: row
                        .try_get::<Option<String>, _>("format")?
                        .map(|text| ConnectorFormat::from_wire(&text)),
                    power_type: row
                        .try_get::<Option<String>, _>("power_type")?
                        .map(|text| PowerType::from_wire(&text)),
                    max_voltage: row.try_get("max_voltage")?,
                    max_amperage: row.try_get("max_amperage")?,
                    max_power_w: row.try_get("max_power_w")?,
                    status: parse(
                        "connector status",
                        &row.try_get::<String, _>("status")?,
                        ConnectorStatus::parse,
                    )?,
                    error_code: row.try_get("error_code")?,
                    vendor_error_code: row.try_get("vendor_error_code")?,
                    status_at: row.try_get("status_at")?,
                })
            }

            #[async_trait]
            impl StationStore for $store {
                async fn create_station(
                    &self,
                    tenant: TenantId,
                    new: &NewStation,
                ) -> StoreResult<Station> {
                    if new.security_profile > 3 {
                        return Err(StoreError::Invalid {
                            what: "security profile",
                            reason: format!("{} is not 0 to 3", new.security_profile),
                        });
                    }
                    if let Some(location) = new.location_id {
                        if self.location(tenant, location).await?.is_none() {
                            return Err(StoreError::NotFound { what: "location" });
                        }
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO stations (tenant_id, location_id, identity, station_group, \
                         security_profile, credentials_hash, registration, online, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8) RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(new.location_id.map(|id| id.0))
                    .bind(&new.identity)
                    .bind(&new.group)
                    .bind(i32::from(new.security_profile))
                    .bind(new.credentials_hash.as_ref().map(|hash| hash.to_string()))
                    .bind(new.registration.as_str())
                    .bind(now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on("station identity"))?;
                    self.station_by_id(tenant, StationId(id))
                        .await?
                        .ok_or(StoreError::NotFound { what: "station" })
                }

                async fn station_by_id(
                    &self,
                    tenant: TenantId,
                    id: StationId,
                ) -> StoreResult<Option<Station>> {
                    sqlx::query(&format!(
                        "SELECT {STATION_COLUMNS} FROM stations WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(station_from)
                    .transpose()
                }

                async fn station_snapshot(
                    &self,
                    tenant: TenantId,
                    identity: &str,
                ) -> StoreResult<Option<StationSnapshot>> {
                    let lookup = match self.stations.get(tenant, identity) {
                        Ok(station) => return Ok(Some(station)),
                        Err(lookup) => lookup,
                    };
                    let station = sqlx::query(&format!(
                        "SELECT {STATION_COLUMNS} FROM stations \
                         WHERE tenant_id = $1 AND identity = $2"
                    ))
                    .bind(tenant.0)
                    .bind(identity)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(station_from)
                    .transpose()?;
                    Ok(station.map(|station| self.stations.keep(lookup, station)))
                }

                async fn record_connection(
                    &self,
                    tenant: TenantId,
                    identity: &str,
                    version: Option<OcppVersion>,
                    node: &str,
                    when: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    let recorded = self
                        .writes
                        .write(
                            (tenant, identity.to_owned(), version, node.to_owned(), at(when)),
                            |(tenant, identity, version, node, when), connection| {
                                Box::pin(async move {
                                    // A connection that ends changes nothing once the station
                                    // is connected to another node.
                                    let statement = match version {
                                        Some(_) => {
                                            "UPDATE stations SET online = TRUE, node_id = $3, \
                                             ocpp_version = COALESCE($4, ocpp_version), \
                                             last_seen = $5 \
                                             WHERE tenant_id = $1 AND identity = $2 RETURNING id"
                                        }
                                        None => {
                                            "UPDATE stations SET online = FALSE, node_id = NULL, \
                                             ocpp_version = COALESCE($4, ocpp_version), \
                                             last_seen = $5 \
                                             WHERE tenant_id = $1 AND identity = $2 \
                                             AND (node_id = $3 OR node_id IS NULL) RETURNING id"
                                        }
                                    };
                                    let station: Option<i64> = sqlx::query_scalar(statement)
                                    .bind(tenant.0)
                                    .bind(identity.as_str())
                                    .bind(node.as_str())
                                    .bind(version.map(OcppVersion::as_str))
                                    .bind(*when)
                                    .fetch_optional(&mut *connection)
                                    .await?;
                                    let Some(station) = station else {
                                        return Ok(false);
                                    };
                                    let presence = StationPresence {
                                        identity: identity.clone(),
                                        ocpp_version: version.map(|v| v.as_str().to_owned()),
                                        at: *when,
                                    };
                                    let kind = if version.is_some() {
                                        EventKind::StationConnected
                                    } else {
                                        EventKind::StationDisconnected
                                    };
                                    super::outbox::record_event(
                                        connection,
                                        *tenant,
                                        kind,
                                        &format!("station:{station}"),
                                        &presence,
                                    )
                                    .await?;
                                    Ok(true)
                                })
                            },
                        )
                        .await?;
                    self.stations.forget_identity(tenant, identity);
                    Ok(recorded)
                }

                async fn record_seen(
                    &self,
                    tenant: TenantId,
                    identity: &str,
                    when: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    let recorded = self
                        .writes
                        .write(
                            (tenant, identity.to_owned(), at(when)),
                            |(tenant, identity, when), connection| {
                                Box::pin(async move {
                                    let done = sqlx::query(
                                        "UPDATE stations SET last_seen = $3 \
                                         WHERE tenant_id = $1 AND identity = $2",
                                    )
                                    .bind(tenant.0)
                                    .bind(identity)
                                    .bind(*when)
                                    .execute(&mut *connection)
                                    .await?;
                                    Ok(done.rows_affected() > 0)
                                })
                            },
                        )
                        .await?;
                    self.stations.forget_identity(tenant, identity);
                    Ok(recorded)
                }

                async fn station_node(
                    &self,
                    tenant: TenantId,
                    identity: &str,
                ) -> StoreResult<Option<String>> {
                    let node: Option<Option<String>> = sqlx::query_scalar(
                        "SELECT node_id FROM stations \
                         WHERE tenant_id = $1 AND identity = $2 AND online",
                    )
                    .bind(tenant.0)
                    .bind(identity)
                    .fetch_optional(&self.readers)
                    .await?;
                    Ok(node.flatten())
                }

                fn station_changes(&self) -> tokio::sync::broadcast::Receiver<StationId> {
                    self.stations.changes()
                }

                fn forget_station(&self, id: Option<StationId>) {
                    match id {
                        Some(id) => self.stations.forget(id),
                        None => self.stations.forget_all(),
                    }
                }

                async fn set_station_registration(
                    &self,
                    tenant: TenantId,
                    id: StationId,
                    status: RegistrationStatus,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE stations SET registration = $3 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(status.as_str())
                    .execute(&self.pool)
                    .await?;
                    self.stations.forget_everywhere(id);
                    Ok(done.rows_affected() > 0)
                }

                async fn record_heartbeat(
                    &self,
                    tenant: TenantId,
                    id: StationId,
                    when: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    let recorded = self
                        .writes
                        .write((tenant, id, at(when)), |&(tenant, id, when), connection| {
                            Box::pin(async move {
                                let done = sqlx::query(
                                    "UPDATE stations SET last_heartbeat = $3 \
                                     WHERE tenant_id = $1 AND id = $2",
                                )
                                .bind(tenant.0)
                                .bind(id.0)
                                .bind(when)
                                .execute(&mut *connection)
                                .await?;
                                Ok(done.rows_affected() > 0)
                            })
                        })
                        .await?;
                    self.stations.forget(id);
                    Ok(recorded)
                }

                async fn log_boot(&self, tenant: TenantId, entry: &BootLogEntry) -> StoreResult<bool> {
                    let logged = self
                        .writes
                        .write((tenant, entry.clone()), |(tenant, entry), connection| {
                            Box::pin(async move {
                                let done = sqlx::query(
                                    "UPDATE stations SET vendor = $3, model = $4, serial_number = $5, \
                                     firmware_version = $6, last_boot_at = $7 \
                                     WHERE tenant_id = $1 AND id = $2",
                                )
                                .bind(tenant.0)
                                .bind(entry.station_id.0)
                                .bind(&entry.vendor)
                                .bind(&entry.model)
                                .bind(&entry.serial_number)
                                .bind(&entry.firmware_version)
                                .bind(at(entry.at))
                                .execute(&mut *connection)
                                .await?;
                                if done.rows_affected() == 0 {
                                    return Ok(false);
                                }
                                sqlx::query(&format!(
                                    "INSERT INTO boot_log ({BOOT_COLUMNS}) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                                ))
                                .bind(tenant.0)
                                .bind(entry.station_id.0)
                                .bind(at(entry.at))
                                .bind(&entry.vendor)
                                .bind(&entry.model)
                                .bind(&entry.serial_number)
                                .bind(&entry.firmware_version)
                                .bind(&entry.reason)
                                .bind(entry.outcome.as_str())
                                .execute(&mut *connection)
                                .await?;
                                Ok(true)
                            })
                        })
                        .await?;
                    self.stations.forget_everywhere(entry.station_id);
                    Ok(logged)
                }

                async fn boot_log(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    limit: u32,
                ) -> StoreResult<Vec<BootLogEntry>> {
                    sqlx::query(&format!(
                        "SELECT {BOOT_COLUMNS} FROM boot_log WHERE tenant_id = $1 AND station_id = $2 \
                         ORDER BY at DESC, id DESC LIMIT $3"
                    ))
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(i64::from(limit))
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(boot_from)
                    .collect()
                }

                async fn upsert_evse(&self, tenant: TenantId, evse: &Evse) -> StoreResult<bool> {
                    let done = sqlx::query(&format!(
                        "INSERT INTO evses ({EVSE_COLUMNS}) \
                         SELECT tenant_id, id, $3, $4, $5 FROM stations \
                         WHERE tenant_id = $1 AND id = $2 \
                         ON CONFLICT (tenant_id, station_id, evse_id) \
                         DO UPDATE SET uid = excluded.uid, status = excluded.status"
                    ))
                    .bind(tenant.0)
                    .bind(evse.station_id.0)
                    .bind(evse.evse_id)
                    .bind(&evse.uid)
                    .bind(evse.status.as_str())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn evses(&self, tenant: TenantId, station: StationId) -> StoreResult<Vec<Evse>> {
                    sqlx::query(&format!(
                        "SELECT {EVSE_COLUMNS} FROM evses WHERE tenant_id = $1 AND station_id = $2 \
                         ORDER BY evse_id"
                    ))
                    .bind(tenant.0)
                    .bind(station.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(evse_from)
                    .collect()
                }

                async fn delete_evse(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    evse_id: i32,
                ) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    sqlx::query(
                        "DELETE FROM connectors WHERE tenant_id = $1 AND station_id = $2 \
                         AND evse_id = $3",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(evse_id)
                    .execute(&mut *tx)
                    .await?;
                    let done = sqlx::query(
                        "DELETE FROM evses WHERE tenant_id = $1 AND station_id = $2 \
                         AND evse_id = $3",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(evse_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::referenced("EVSE with a tariff assigned"))?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn delete_connector(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    evse_id: i32,
                    connector_id: i32,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM connectors WHERE tenant_id = $1 AND station_id = $2 \
                         AND evse_id = $3 AND connector_id = $4",
                    )
                    .bind(tenant.0)
                    .bind(station.0)
                    .bind(evse_id)
                    .bind(connector_id)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn upsert_connector(
                    &self,
                    tenant: TenantId,
                    connector: &Connector,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(&format!(
                        "INSERT INTO connectors ({CONNECTOR_COLUMNS}) \
                         SELECT tenant_id, station_id, evse_id, $4, $5, $6, $7, $8, $9, $10, $11, \
                         $12, $13, $14 FROM evses \
                         WHERE tenant_id = $1 AND station_id = $2 AND evse_id = $3 \
                         ON CONFLICT (tenant_id, station_id, evse_id, connector_id) DO UPDATE SET \
                         standard = excluded.standard, format = excluded.format, \
                         power_type = excluded.power_type, max_voltage = excluded.max_voltage, \
                         max_amperage = excluded.max_amperage, max_power_w = excluded.max_power_w, \
                         status = excluded.status, error_code = excluded.error_code, \
                         vendor_error_code = excluded.vendor_error_code, \
                         status_at = excluded.status_at"
                    ))
                    .bind(tenant.0)
                    .bind(connector.station_id.0)
                    .bind(connector.evse_id)
                    .bind(connector.connector_id)
                    .bind(connector.standard.as_ref().map(|standard| standard.as_str()))
                    .bind(connector.format.as_ref().map(|format| format.as_str()))
                    .bind(connector.power_type.as_ref().map(|power| power.as_str()))
                    .bind(connector.max_voltage)
                    .bind(connector.max_amperage)
                    .bind(connector.max_power_w)
                    .bind(connector.status.as_str())
                    .bind(&connector.error_code)
                    .bind(&connector.vendor_error_code)
                    .bind(connector.status_at.map(at))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn record_status(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                    report: &StatusReport,
                ) -> StoreResult<bool> {
                    self.writes
                        .write((tenant, station, report.clone()), |&(tenant, station, ref report), connection| {
                            Box::pin(async move {
                                let change = ConnectorStatusChange {
                                    station_id: station,
                                    evse_id: report.evse_id,
                                    connector_id: report.connector_id,
                                    status: report.status,
                                    error_code: report.error_code.clone(),
                                    at: at(report.at),
                                };
                                let subject = format!(
                                    "connector:{}:{}:{}",
                                    station, report.evse_id, report.connector_id
                                );
                                // A new status (or error) is an event; the same again is not.
                                let changed = sqlx::query(
                                    "UPDATE connectors SET status = $5, error_code = $6, \
                                     vendor_error_code = $7, status_at = $8 \
                                     WHERE tenant_id = $1 AND station_id = $2 AND evse_id = $3 \
                                     AND connector_id = $4 AND (status_at IS NULL OR status_at <= $8) \
                                     AND (status IS DISTINCT FROM $5 OR error_code IS DISTINCT FROM $6)",
                                )
                                .bind(tenant.0)
                                .bind(station.0)
                                .bind(report.evse_id)
                                .bind(report.connector_id)
                                .bind(report.status.as_str())
                                .bind(&report.error_code)
                                .bind(&report.vendor_error_code)
                                .bind(at(report.at))
                                .execute(&mut *connection)
                                .await?;
                                if changed.rows_affected() > 0 {
                                    super::outbox::record_event(
                                        connection,
                                        tenant,
                                        EventKind::EvseStatusChanged,
                                        &subject,
                                        &change,
                                    )
                                    .await?;
                                    return Ok(true);
                                }
                                let done = sqlx::query(
                                    "UPDATE connectors SET status = $5, error_code = $6, \
                                     vendor_error_code = $7, status_at = $8 \
                                     WHERE tenant_id = $1 AND station_id = $2 AND evse_id = $3 \
                                     AND connector_id = $4 AND (status_at IS NULL OR status_at <= $8)",
                                )
                                .bind(tenant.0)
                                .bind(station.0)
                                .bind(report.evse_id)
                                .bind(report.connector_id)
                                .bind(report.status.as_str())
                                .bind(&report.error_code)
                                .bind(&report.vendor_error_code)
                                .bind(at(report.at))
                                .execute(&mut *connection)
                                .await?;
                                if done.rows_affected() > 0 {
                                    return Ok(true);
                                }
                                let exists: Option<i32> = sqlx::query_scalar(
                                    "SELECT connector_id FROM connectors WHERE tenant_id = $1 \
                                     AND station_id = $2 AND evse_id = $3 AND connector_id = $4",
                                )
                                .bind(tenant.0)
                                .bind(station.0)
                                .bind(report.evse_id)
                                .bind(report.connector_id)
                                .fetch_optional(&mut *connection)
                                .await?;
                                if exists.is_some() {
                                    // A report older than the one kept.
                                    return Ok(true);
                                }
                                // A connector nobody registered: the station's word makes it,
                                // with its EVSE if that is new too.
                                sqlx::query(
                                    "INSERT INTO evses (tenant_id, station_id, evse_id, status) \
                                     SELECT tenant_id, id, $3, $4 FROM stations \
                                     WHERE tenant_id = $1 AND id = $2 \
                                     ON CONFLICT (tenant_id, station_id, evse_id) DO NOTHING",
                                )
                                .bind(tenant.0)
                                .bind(station.0)
                                .bind(report.evse_id)
                                .bind(report.status.as_str())
                                .execute(&mut *connection)
                                .await?;
                                let created = sqlx::query(
                                    "INSERT INTO connectors (tenant_id, station_id, evse_id, \
                                     connector_id, status, error_code, vendor_error_code, \
                                     status_at) \
                                     SELECT tenant_id, station_id, evse_id, $4, $5, $6, $7, $8 \
                                     FROM evses \
                                     WHERE tenant_id = $1 AND station_id = $2 AND evse_id = $3 \
                                     ON CONFLICT (tenant_id, station_id, evse_id, connector_id) \
                                     DO NOTHING",
                                )
                                .bind(tenant.0)
                                .bind(station.0)
                                .bind(report.evse_id)
                                .bind(report.connector_id)
                                .bind(report.status.as_str())
                                .bind(&report.error_code)
                                .bind(&report.vendor_error_code)
                                .bind(at(report.at))
                                .execute(&mut *connection)
                                .await?;
                                if created.rows_affected() == 0 {
                                    return Ok(false);
                                }
                                super::outbox::record_event(
                                    connection,
                                    tenant,
                                    EventKind::EvseStatusChanged,
                                    &subject,
                                    &change,
                                )
                                .await?;
                                Ok(true)
                            })
                        })
                        .await
                }

                async fn connectors(
                    &self,
                    tenant: TenantId,
                    station: StationId,
                ) -> StoreResult<Vec<Connector>> {
                    sqlx::query(&format!(
                        "SELECT {CONNECTOR_COLUMNS} FROM connectors \
                         WHERE tenant_id = $1 AND station_id = $2 ORDER BY evse_id, connector_id"
                    ))
                    .bind(tenant.0)
                    .bind(station.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(connector_from)
                    .collect()
                }

                async fn list_stations(
                    &self,
                    tenant: TenantId,
                    filter: &StationFilter,
                    page: Page,
                ) -> StoreResult<Paged<StationDetails>> {
                    const FILTER: &str = "tenant_id = $1 AND ($2 IS NULL OR location_id = $2) \
                         AND ($3 IS NULL OR registration = $3) AND ($4 IS NULL OR online = $4) \
                         AND ($5 IS NULL OR substr(identity, 1, length($5)) = $5)";
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM stations WHERE {FILTER}"))
                            .bind(tenant.0)
                            .bind(filter.location.map(|id| id.0))
                            .bind(filter.registration.map(RegistrationStatus::as_str))
                            .bind(filter.online)
                            .bind(&filter.identity_prefix)
                            .fetch_one(&self.readers)
                            .await?;
                    let stations = sqlx::query(&format!(
                        "SELECT {STATION_COLUMNS} FROM stations WHERE {FILTER} \
                         ORDER BY identity LIMIT $6 OFFSET $7"
                    ))
                    .bind(tenant.0)
                    .bind(filter.location.map(|id| id.0))
                    .bind(filter.registration.map(RegistrationStatus::as_str))
                    .bind(filter.online)
                    .bind(&filter.identity_prefix)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(station_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    if stations.is_empty() {
                        return Ok(Paged::new(Vec::new(), total.unsigned_abs()));
                    }
                    // The ids are the database's own integers.
                    let ids = stations
                        .iter()
                        .map(|station| station.id.0.to_string())
                        .collect::<Vec<_>>()
                        .join(", ");
                    let mut evses = sqlx::query(&format!(
                        "SELECT {EVSE_COLUMNS} FROM evses WHERE tenant_id = $1 \
                         AND station_id IN ({ids}) ORDER BY station_id, evse_id"
                    ))
                    .bind(tenant.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(evse_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    let mut connectors = sqlx::query(&format!(
                        "SELECT {CONNECTOR_COLUMNS} FROM connectors WHERE tenant_id = $1 \
                         AND station_id IN ({ids}) ORDER BY station_id, evse_id, connector_id"
                    ))
                    .bind(tenant.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(connector_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    let items = stations
                        .into_iter()
                        .map(|station| {
                            let (own_evses, rest): (Vec<_>, Vec<_>) =
                                evses.drain(..).partition(|evse| evse.station_id == station.id);
                            evses = rest;
                            let (own_connectors, rest): (Vec<_>, Vec<_>) = connectors
                                .drain(..)
                                .partition(|connector| connector.station_id == station.id);
                            connectors = rest;
                            StationDetails {
                                station,
                                evses: own_evses,
                                connectors: own_connectors,
                            }
                        })
                        .collect();
                    Ok(Paged::new(items, total.unsigned_abs()))
                }

                async fn update_station(
                    &self,
                    tenant: TenantId,
                    id: StationId,
                    update: &NewStation,
                ) -> StoreResult<Option<Station>> {
                    if update.security_profile > 3 {
                        return Err(StoreError::Invalid {
                            what: "security profile",
                            reason: format!("{} is not 0 to 3", update.security_profile),
                        });
                    }
                    if self.station_by_id(tenant, id).await?.is_none() {
                        return Ok(None);
                    }
                    if let Some(location) = update.location_id {
                        if self.location(tenant, location).await?.is_none() {
                            return Err(StoreError::NotFound { what: "location" });
                        }
                    }
                    let updated = sqlx::query(&format!(
                        "UPDATE stations SET identity = $3, location_id = $4, \
                         station_group = $5, security_profile = $6, credentials_hash = $7, \
                         registration = $8 WHERE tenant_id = $1 AND id = $2 \
                         RETURNING {STATION_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(&update.identity)
                    .bind(update.location_id.map(|id| id.0))
                    .bind(&update.group)
                    .bind(i32::from(update.security_profile))
                    .bind(update.credentials_hash.as_ref().map(|hash| hash.to_string()))
                    .bind(update.registration.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::on("station identity"))?;
                    self.stations.forget_everywhere(id);
                    updated.as_ref().map(station_from).transpose()
                }

                async fn delete_station(&self, tenant: TenantId, id: StationId) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    for table in STATION_PARTS {
                        sqlx::query(&format!(
                            "DELETE FROM {table} WHERE tenant_id = $1 AND station_id = $2"
                        ))
                        .bind(tenant.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let done = sqlx::query("DELETE FROM stations WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::referenced(
                            "station with sessions, CDRs, kept stops, meter values or reservations",
                        ))?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    tx.commit().await?;
                    self.stations.forget_everywhere(id);
                    Ok(true)
                }
            }
        }
    };
}

pub(crate) use stations;
