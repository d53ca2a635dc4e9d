//! `ocpp_server::storage::Storage` (the station storage of the OCPP server), and what
//! the store types have besides the traits.

/// Implements the ocpp_storage part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! ocpp_storage {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod ocpp_storage {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use ocpp_server::storage::{StationRecord, Storage, StorageError};
            use ocpp_types::OcppVersion;

            use crate::store::sql::{at, station_record, storage_error};
            use crate::store::StationStore;

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
                /// The sqlx pool the store writes through, for what the store traits do not
                /// cover. On SQLite it is the store's one writing connection: hold it
                /// briefly, since every write waits for it.
                pub fn pool(&self) -> &sqlx::Pool<<$row as sqlx::Row>::Database> {
                    &self.pool
                }
            }
        }
    };
}

pub(crate) use ocpp_storage;
