//! Which stations may connect, and how they must authenticate: the station storage of the
//! OCPP server ([`StationAdmission`]).
//!
//! A station connects at `/ocpp/<tenant>/<identity>`, the tenant being the number of its
//! tenant ([`tenant_in`], [`address_of`]): identities are unique within a tenant, and no
//! registration by one tenant can capture another tenant's station. The server then admits
//! the connection with what the station's profile requires ([`security_profile`]);
//! `ocpp_server::security::admit` checks it, and every refusal looks the same from outside.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ocpp_server::security::SecurityProfile;
use ocpp_server::server::ServerConfig;
use ocpp_server::storage::{BootInfo, StationRecord, Storage, StorageError};
use ocpp_server::{Attachment, StationAddress};
use ocpp_types::OcppVersion;

use super::connected::ConnectedStation;
use crate::model::{Station, Tenant, TenantId, UnknownStationPolicy};
use crate::store::{Store, StoreError};

/// The tenant a station's address names, if it names one: its path segment is the
/// tenant's number.
pub fn tenant_in(address: &StationAddress) -> Option<TenantId> {
    let segment = address.tenant()?;
    // Only the canonical spelling: `01` or `+1` would be a second address of one station.
    let number: i64 = segment.parse().ok()?;
    (number.to_string() == segment).then_some(TenantId(number))
}

/// The address at which the station `identity` of `tenant` connects.
pub fn address(tenant: TenantId, identity: &str) -> StationAddress {
    StationAddress::in_tenant(tenant.0.to_string(), identity)
}

/// The address at which `station` connects.
pub fn address_of(station: &Station) -> StationAddress {
    address(station.tenant_id, &station.identity)
}

/// The settings of an OCPP server in front of the CSMS: identities scoped by the tenant in
/// the path, stations admitted only as [`security_profile`] says.
pub fn server_config() -> ServerConfig {
    let mut config = ServerConfig::default();
    config.tenant_in_path = true;
    config.accept_unknown_stations = false;
    config
}

/// How the station `station` (`None`: a station `tenant` has not registered) must
/// authenticate, or `None` if it may not connect at all.
///
/// A registered station connects with its own profile; profile 0 only if its tenant allows
/// unsecured stations. A station nobody registered connects only if the tenant's policy
/// lets unknown stations in (to be registered at boot), then without authentication if the
/// tenant allows unsecured stations, else with a client certificate naming it (profile 3):
/// a password it cannot have is never asked for.
pub fn security_profile(tenant: &Tenant, station: Option<&Station>) -> Option<SecurityProfile> {
    let unsecured = tenant.settings.unsecured_stations;
    match station {
        Some(station) => match SecurityProfile::from_number(station.security_profile)? {
            SecurityProfile::None if !unsecured => None,
            profile => Some(profile),
        },
        None => match tenant.settings.unknown_stations {
            UnknownStationPolicy::Reject => None,
            UnknownStationPolicy::Accept | UnknownStationPolicy::Pending if unsecured => {
                Some(SecurityProfile::None)
            }
            UnknownStationPolicy::Accept | UnknownStationPolicy::Pending => {
                Some(SecurityProfile::TlsClientCertificate)
            }
        },
    }
}

/// The OCPP server's station storage over a [`Store`]: admits connections by
/// [`security_profile`] and keeps their state on the station's row. Boots are not its
/// business: the CSMS decides them in its BootNotification handler.
#[derive(Debug)]
pub struct StationAdmission<S> {
    store: Arc<S>,
    /// The node the stations connect to.
    node: String,
}

impl<S> StationAdmission<S> {
    /// The admission of stations kept in `store`, recorded as connected to `node` (see
    /// [`crate::cluster`]).
    pub fn new(store: Arc<S>, node: impl Into<String>) -> StationAdmission<S> {
        StationAdmission {
            store,
            node: node.into(),
        }
    }
}

fn storage_error(error: StoreError) -> StorageError {
    // The server may show the message to the station, which is not authenticated yet: the
    // details (database, driver, SQL) go to the log only.
    tracing::error!(%error, "station store failed");
    StorageError::new("the station store failed")
}

#[async_trait]
impl<S: Store + 'static> Storage for StationAdmission<S> {
    async fn station(
        &self,
        address: &StationAddress,
    ) -> Result<Option<StationRecord>, StorageError> {
        let Some(tenant) = tenant_in(address) else {
            return Ok(None);
        };
        let Some(tenant) = self.store.tenant(tenant).await.map_err(storage_error)? else {
            return Ok(None);
        };
        let station = self
            .store
            .station_snapshot(tenant.id, address.identity())
            .await
            .map_err(storage_error)?;
        let Some(profile) = security_profile(&tenant, station.as_deref()) else {
            return Ok(None);
        };
        let mut record = StationRecord::new(address.identity());
        record.security_profile = Some(profile);
        // The connection carries the station from here on.
        record.attachment = Some(Attachment::new(ConnectedStation::new(station.clone())));
        if let Some(station) = station {
            record.password = station.credentials_hash.clone();
            record.boot = match (&station.vendor, &station.model) {
                (Some(vendor), Some(model)) => Some(BootInfo {
                    vendor: vendor.clone(),
                    model: model.clone(),
                    serial_number: station.serial_number.clone(),
                    firmware_version: station.firmware_version.clone(),
                    at: station.last_boot_at,
                }),
                _ => None,
            };
            record.last_seen = station.last_seen;
            record.connected = station.ocpp_version.filter(|_| station.online);
        }
        Ok(Some(record))
    }

    async fn record_connection(
        &self,
        address: &StationAddress,
        version: Option<OcppVersion>,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        if let Some(tenant) = tenant_in(address) {
            self.store
                .record_connection(tenant, address.identity(), version, &self.node, at)
                .await
                .map_err(storage_error)?;
        }
        Ok(())
    }

    async fn record_seen(
        &self,
        address: &StationAddress,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        if let Some(tenant) = tenant_in(address) {
            self.store
                .record_seen(tenant, address.identity(), at)
                .await
                .map_err(storage_error)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RegistrationStatus, TenantRole, TenantSettings};

    fn tenant(unknown: UnknownStationPolicy, unsecured: bool) -> Tenant {
        Tenant {
            id: TenantId(4),
            name: "T".into(),
            role: TenantRole::Cpo,
            country_code: "DE".into(),
            party_id: "ABC".into(),
            settings: TenantSettings {
                unknown_stations: unknown,
                unsecured_stations: unsecured,
                ..TenantSettings::default()
            },
            created_at: Utc::now(),
        }
    }

    fn station(profile: u8) -> Station {
        Station {
            id: crate::model::StationId(1),
            tenant_id: TenantId(4),
            location_id: None,
            identity: "CP 1".into(),
            group: None,
            vendor: None,
            model: None,
            serial_number: None,
            firmware_version: None,
            ocpp_version: None,
            security_profile: profile,
            credentials_hash: None,
            registration: RegistrationStatus::Accepted,
            online: false,
            node: None,
            last_boot_at: None,
            last_heartbeat: None,
            last_seen: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_station_connects_with_its_own_profile_and_profile_0_only_where_allowed() {
        use SecurityProfile as P;
        use UnknownStationPolicy as U;
        let strict = tenant(U::Reject, false);
        let open = tenant(U::Reject, true);
        for (profile, expected) in [
            (1, P::Basic),
            (2, P::TlsBasic),
            (3, P::TlsClientCertificate),
        ] {
            assert_eq!(
                security_profile(&strict, Some(&station(profile))),
                Some(expected)
            );
            assert_eq!(
                security_profile(&open, Some(&station(profile))),
                Some(expected)
            );
        }
        assert_eq!(security_profile(&strict, Some(&station(0))), None);
        assert_eq!(security_profile(&open, Some(&station(0))), Some(P::None));
        assert_eq!(security_profile(&open, Some(&station(9))), None);
    }

    #[test]
    fn an_unknown_station_connects_only_where_the_policy_lets_it_in() {
        use SecurityProfile as P;
        use UnknownStationPolicy as U;
        assert_eq!(security_profile(&tenant(U::Reject, true), None), None);
        assert_eq!(
            security_profile(&tenant(U::Accept, true), None),
            Some(P::None)
        );
        assert_eq!(
            security_profile(&tenant(U::Pending, false), None),
            Some(P::TlsClientCertificate)
        );
    }

    #[test]
    fn the_tenant_is_named_by_its_number_spelled_one_way() {
        let at = |tenant: &str| tenant_in(&StationAddress::in_tenant(tenant, "CP-1"));
        assert_eq!(at("4"), Some(TenantId(4)));
        for other in ["04", "+4", "four", "", "4.0"] {
            assert_eq!(at(other), None, "{other}");
        }
        assert_eq!(tenant_in(&StationAddress::new("CP-1")), None);
        let address = address_of(&station(1));
        assert_eq!(address, StationAddress::in_tenant("4", "CP 1"));
        assert_eq!(tenant_in(&address), Some(TenantId(4)));
    }
}
