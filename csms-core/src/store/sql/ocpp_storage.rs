//! `ocpp_server::storage::Storage` (the station storage of the OCPP server), and what
//! the store types have besides the traits.

/// Implements the ocpp_storage part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! ocpp_storage {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod ocpp_storage {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use ocpp_server::storage::{BootInfo, StationRecord, Storage, StorageError};
            use ocpp_types::OcppVersion;

            use crate::model::{
                BootLogEntry, NewStation, RegistrationStatus, TenantId, UnknownStationPolicy,
            };
            use crate::store::sql::{at, now, station_record, storage_error};
            use crate::store::{StationStore, StoreError, StoreResult, TenantStore};

            #[async_trait]
            impl Storage for $store {
                async fn station(
                    &self,
                    identity: &str,
                ) -> Result<Option<StationRecord>, StorageError> {
                    let station = self
                        .station_by_identity(identity)
                        .await
                        .map_err(storage_error)?;
                    Ok(station.as_ref().map(station_record))
                }

                async fn record_boot(
                    &self,
                    identity: &str,
                    boot: BootInfo,
                ) -> Result<(), StorageError> {
                    self.record_boot_of(identity, boot)
                        .await
                        .map_err(storage_error)
                }

                async fn record_connection(
                    &self,
                    identity: &str,
                    version: Option<OcppVersion>,
                    when: DateTime<Utc>,
                ) -> Result<(), StorageError> {
                    self.writes
                        .write(
                            (identity.to_owned(), version, at(when)),
                            |(identity, version, when), connection| {
                                Box::pin(async move {
                                    sqlx::query(
                                        "UPDATE stations SET online = $2, \
                                         ocpp_version = COALESCE($3, ocpp_version), last_seen = $4 \
                                         WHERE identity = $1",
                                    )
                                    .bind(identity)
                                    .bind(version.is_some())
                                    .bind(version.map(OcppVersion::as_str))
                                    .bind(*when)
                                    .execute(&mut *connection)
                                    .await?;
                                    Ok(())
                                })
                            },
                        )
                        .await
                        .map_err(storage_error)?;
                    self.stations.forget_identity(identity);
                    Ok(())
                }

                async fn record_seen(
                    &self,
                    identity: &str,
                    when: DateTime<Utc>,
                ) -> Result<(), StorageError> {
                    self.writes
                        .write((identity.to_owned(), at(when)), |(identity, when), connection| {
                            Box::pin(async move {
                                sqlx::query("UPDATE stations SET last_seen = $2 WHERE identity = $1")
                                    .bind(identity)
                                    .bind(*when)
                                    .execute(&mut *connection)
                                    .await?;
                                Ok(())
                            })
                        })
                        .await
                        .map_err(storage_error)?;
                    self.stations.forget_identity(identity);
                    Ok(())
                }
            }

            impl $store {
                /// The tenant that registers stations no tenant knows, if any (see
                /// [`with_unknown_station_tenant`](Self::with_unknown_station_tenant)).
                pub fn unknown_station_tenant(&self) -> Option<TenantId> {
                    self.unknown_stations
                }

                /// Registers the stations that boot without being known under `tenant`, with
                /// the registration its [`UnknownStationPolicy`] gives (through
                /// `ocpp_server::storage::Storage::record_boot`). Without it, such boots are
                /// not recorded: every station must be registered first.
                pub fn with_unknown_station_tenant(mut self, tenant: TenantId) -> Self {
                    self.unknown_stations = Some(tenant);
                    self
                }

                /// The sqlx pool the store writes through, for what the store traits do not
                /// cover. On SQLite it is the store's one writing connection: hold it
                /// briefly, since every write waits for it.
                pub fn pool(&self) -> &sqlx::Pool<<$row as sqlx::Row>::Database> {
                    &self.pool
                }

                async fn record_boot_of(&self, identity: &str, boot: BootInfo) -> StoreResult<()> {
                    let station = match self.station_by_identity(identity).await? {
                        Some(station) => station,
                        None => {
                            let Some(tenant) = self.unknown_stations else {
                                return Ok(());
                            };
                            let Some(owner) = self.tenant(tenant).await? else {
                                return Err(StoreError::NotFound { what: "tenant" });
                            };
                            let registration = match owner.settings.unknown_stations {
                                UnknownStationPolicy::Accept => RegistrationStatus::Accepted,
                                UnknownStationPolicy::Pending => RegistrationStatus::Pending,
                                UnknownStationPolicy::Reject => RegistrationStatus::Rejected,
                            };
                            let mut new = NewStation::accepted(identity);
                            new.registration = registration;
                            match self.create_station(tenant, &new).await {
                                Ok(station) => station,
                                // Registered meanwhile by another connection.
                                Err(StoreError::Conflict { .. }) => self
                                    .station_by_identity(identity)
                                    .await?
                                    .ok_or(StoreError::NotFound { what: "station" })?,
                                Err(error) => return Err(error),
                            }
                        }
                    };
                    let entry = BootLogEntry {
                        tenant_id: station.tenant_id,
                        station_id: station.id,
                        at: boot.at.unwrap_or_else(now),
                        vendor: boot.vendor,
                        model: boot.model,
                        serial_number: boot.serial_number,
                        firmware_version: boot.firmware_version,
                        reason: None,
                        outcome: station.registration,
                    };
                    self.log_boot(station.tenant_id, &entry).await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use ocpp_storage;
