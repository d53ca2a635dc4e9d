//! Locations and stations, and what stations report and are told: configuration,
//! reservations, charging profiles.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ocpp_types::OcppVersion;

use super::{Page, Paged, StationSnapshot, StoreResult};
use crate::model::{
    BootLogEntry, ChargingProfileCriteria, ConfigurationKey, Connector, Evse, Location, LocationId,
    NewLocation, NewReservation, NewStation, PartnerReservation, RegistrationStatus, Reservation,
    ReservationId, ReservationStatus, SentChargingProfile, SessionId, Station, StationDetails,
    StationFilter, StationId, StatusReport, TenantId, UserId, VariableValue,
};

/// Locations.
#[async_trait]
pub trait LocationStore: Send + Sync {
    /// Creates a location. [`StoreError::Invalid`](super::StoreError::Invalid) if two
    /// spots share a label, [`StoreError::NotFound`](super::StoreError::NotFound) if a
    /// renter is not a user of the tenant.
    async fn create_location(&self, tenant: TenantId, new: &NewLocation) -> StoreResult<Location>;

    /// The location `id` of `tenant`.
    async fn location(&self, tenant: TenantId, id: LocationId) -> StoreResult<Option<Location>>;

    /// A page of the tenant's locations, by name.
    async fn list_locations(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<Location>>;

    /// Replaces a location's details and parking spots; `None` if `tenant` has no such
    /// location. [`StoreError::Invalid`](super::StoreError::Invalid) if two spots share a label,
    /// [`StoreError::NotFound`](super::StoreError::NotFound) if a renter is not a user of the tenant.
    async fn update_location(
        &self,
        tenant: TenantId,
        id: LocationId,
        update: &NewLocation,
    ) -> StoreResult<Option<Location>>;

    /// Assigns the spot labelled `label` to `renter`, or frees it (`None`); `false` if
    /// `tenant` has no such location or spot. [`StoreError::NotFound`](super::StoreError::NotFound) if the renter is not
    /// a user of the tenant.
    async fn set_spot_renter(
        &self,
        tenant: TenantId,
        location: LocationId,
        label: &str,
        renter: Option<UserId>,
    ) -> StoreResult<bool>;

    /// Deletes a location; `false` if `tenant` has no such location.
    /// [`StoreError::Conflict`](super::StoreError::Conflict) while stations stand there or a tariff is assigned to it.
    async fn delete_location(&self, tenant: TenantId, id: LocationId) -> StoreResult<bool>;
}

/// Stations, their boot log, EVSEs and connectors.
#[async_trait]
pub trait StationStore: Send + Sync {
    /// Registers a station; [`StoreError::Conflict`](super::StoreError::Conflict) if the
    /// tenant has a station of that identity already.
    async fn create_station(&self, tenant: TenantId, new: &NewStation) -> StoreResult<Station>;

    /// The station `id` of `tenant`.
    async fn station_by_id(&self, tenant: TenantId, id: StationId) -> StoreResult<Option<Station>>;

    /// The station `identity` of `tenant` (identities are unique within a tenant).
    async fn station_by_identity(
        &self,
        tenant: TenantId,
        identity: &str,
    ) -> StoreResult<Option<Station>> {
        Ok(self
            .station_snapshot(tenant, identity)
            .await?
            .map(StationSnapshot::into_station))
    }

    /// The station `identity` of `tenant`, as a snapshot that tells when its row has
    /// changed since: what a station's connection keeps of it, read again only once
    /// outdated.
    async fn station_snapshot(
        &self,
        tenant: TenantId,
        identity: &str,
    ) -> StoreResult<Option<StationSnapshot>>;

    /// Records that the station `identity` of `tenant` connected to `node` with `version`,
    /// or (`None`) that its connection to `node` ended, at `at`, with a
    /// `station.connected` or `station.disconnected` event; `false` if `tenant` has no such
    /// station, or if it ended a connection to `node` while the station is connected to
    /// another node (it moved: its connection there stands).
    async fn record_connection(
        &self,
        tenant: TenantId,
        identity: &str,
        version: Option<OcppVersion>,
        node: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Records that a message from the station `identity` of `tenant` arrived at `at`;
    /// `false` if `tenant` has no such station.
    async fn record_seen(
        &self,
        tenant: TenantId,
        identity: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// The node holding the connection of the station `identity` of `tenant`, if it is
    /// online: read from the database (another process may have changed it a moment ago),
    /// never from what the store keeps in memory.
    async fn station_node(&self, tenant: TenantId, identity: &str) -> StoreResult<Option<String>>;

    /// The ids of the stations whose rows this store changed (registration, boot, settings,
    /// deletion), as they commit: what other processes on the same database must forget of
    /// them (see [`crate::cluster`]). Changes of a station's connection state are not sent.
    fn station_changes(&self) -> tokio::sync::broadcast::Receiver<StationId>;

    /// Forgets what this store keeps in memory of the station `id` (`None`: of every
    /// station), which another process changed.
    fn forget_station(&self, id: Option<StationId>);

    /// A page of the stations `filter` lets through, by identity, with their EVSEs and
    /// connectors.
    async fn list_stations(
        &self,
        tenant: TenantId,
        filter: &StationFilter,
        page: Page,
    ) -> StoreResult<Paged<StationDetails>>;

    /// Replaces what a station was registered with (identity, location, group, security
    /// profile, credentials, registration); `None` if `tenant` has no such station.
    /// [`StoreError::Conflict`](super::StoreError::Conflict) if the tenant has another station of that identity, [`StoreError::NotFound`](super::StoreError::NotFound) if the
    /// location is not the tenant's.
    async fn update_station(
        &self,
        tenant: TenantId,
        id: StationId,
        update: &NewStation,
    ) -> StoreResult<Option<Station>>;

    /// Deletes a station with its EVSEs, connectors, boot log, configuration, charging
    /// profiles and tariff assignments; `false` if `tenant` has no such station.
    /// [`StoreError::Conflict`](super::StoreError::Conflict) (and nothing deleted) while its history points at it:
    /// sessions, CDRs, kept stops, reservations.
    async fn delete_station(&self, tenant: TenantId, id: StationId) -> StoreResult<bool>;

    /// Sets whether a station is let in; `false` if `tenant` has no such station.
    async fn set_station_registration(
        &self,
        tenant: TenantId,
        id: StationId,
        status: RegistrationStatus,
    ) -> StoreResult<bool>;

    /// Records a Heartbeat; `false` if `tenant` has no such station.
    async fn record_heartbeat(
        &self,
        tenant: TenantId,
        id: StationId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Appends a BootNotification to the station's boot log and copies what it said (vendor,
    /// model, serial, firmware) to the station; `false` if `tenant` has no such station.
    async fn log_boot(&self, tenant: TenantId, entry: &BootLogEntry) -> StoreResult<bool>;

    /// The station's last `limit` boots, newest first.
    async fn boot_log(
        &self,
        tenant: TenantId,
        station: StationId,
        limit: u32,
    ) -> StoreResult<Vec<BootLogEntry>>;

    /// Creates or replaces an EVSE; `false` if `tenant` has no such station.
    async fn upsert_evse(&self, tenant: TenantId, evse: &Evse) -> StoreResult<bool>;

    /// The station's EVSEs, by number.
    async fn evses(&self, tenant: TenantId, station: StationId) -> StoreResult<Vec<Evse>>;

    /// Creates or replaces a connector (its EVSE must exist); `false` if `tenant` has no
    /// such EVSE.
    async fn upsert_connector(&self, tenant: TenantId, connector: &Connector) -> StoreResult<bool>;

    /// Records a StatusNotification. A connector nobody registered is created with the
    /// reported status (and its EVSE, if that is new too), its physical description left
    /// unknown; `false` only if `tenant` has no such station. A report older than the one
    /// recorded changes nothing (and answers `true`).
    async fn record_status(
        &self,
        tenant: TenantId,
        station: StationId,
        report: &StatusReport,
    ) -> StoreResult<bool>;

    /// Deletes an EVSE with its connectors; `false` if `tenant` has no such EVSE.
    /// [`StoreError::Conflict`](super::StoreError::Conflict) while a tariff is assigned to it.
    async fn delete_evse(
        &self,
        tenant: TenantId,
        station: StationId,
        evse_id: i32,
    ) -> StoreResult<bool>;

    /// Deletes a connector; `false` if `tenant` has no such connector.
    async fn delete_connector(
        &self,
        tenant: TenantId,
        station: StationId,
        evse_id: i32,
        connector_id: i32,
    ) -> StoreResult<bool>;

    /// The station's connectors, by EVSE and number.
    async fn connectors(&self, tenant: TenantId, station: StationId)
    -> StoreResult<Vec<Connector>>;
}

/// Station configuration, as stations report it.
#[async_trait]
pub trait ConfigurationStore: Send + Sync {
    /// Creates or replaces OCPP 1.6 keys of a station (a GetConfiguration answer); keys not
    /// given stay, a key reported earlier than the one stored is ignored. How many were
    /// written. [`StoreError::NotFound`](super::StoreError::NotFound) if `tenant` has no such station.
    async fn upsert_configuration(
        &self,
        tenant: TenantId,
        station: StationId,
        keys: &[ConfigurationKey],
    ) -> StoreResult<u64>;

    /// The station's 1.6 keys, by key.
    async fn configuration(
        &self,
        tenant: TenantId,
        station: StationId,
    ) -> StoreResult<Vec<ConfigurationKey>>;

    /// Creates or replaces OCPP 2.0.1 variable values of a station (a GetVariables answer,
    /// a NotifyReport); values not given stay, a value reported earlier than the one stored
    /// is ignored. How many were written. [`StoreError::NotFound`](super::StoreError::NotFound) if `tenant` has no such
    /// station.
    async fn upsert_variables(
        &self,
        tenant: TenantId,
        station: StationId,
        values: &[VariableValue],
    ) -> StoreResult<u64>;

    /// The station's variable values, by component, variable and attribute.
    async fn variables(
        &self,
        tenant: TenantId,
        station: StationId,
    ) -> StoreResult<Vec<VariableValue>>;
}

/// Reservations.
#[async_trait]
pub trait ReservationStore: Send + Sync {
    /// Makes a reservation, after expiring the station's reservations that are past their
    /// time. [`StoreError::NotFound`](super::StoreError::NotFound) if `tenant` has no such station,
    /// [`StoreError::Conflict`](super::StoreError::Conflict) if the EVSE (or the station, for `evse_id: None`) has an
    /// active reservation.
    async fn create_reservation(
        &self,
        tenant: TenantId,
        new: &NewReservation,
    ) -> StoreResult<Reservation>;

    /// The reservation `id` of `tenant`.
    async fn reservation(
        &self,
        tenant: TenantId,
        id: ReservationId,
    ) -> StoreResult<Option<Reservation>>;

    /// The active reservation a roaming partner knows as `partner.reservation_id`.
    async fn partner_reservation(
        &self,
        tenant: TenantId,
        partner: &PartnerReservation,
    ) -> StoreResult<Option<Reservation>>;

    /// Replaces what an active reservation holds (EVSE, token, group, expiry) by what `new`
    /// says, as a station replaces a reservation sent to it again with the same id; its
    /// station and partner stay. `false` if `tenant` has no such active reservation;
    /// [`StoreError::Conflict`](super::StoreError::Conflict) if the EVSE has another active
    /// reservation.
    async fn change_reservation(
        &self,
        tenant: TenantId,
        id: ReservationId,
        new: &NewReservation,
    ) -> StoreResult<bool>;

    /// Ends an active reservation as `status`: [`ReservationStatus::Cancelled`],
    /// [`ReservationStatus::Expired`] or [`ReservationStatus::Refused`] (any other is
    /// [`StoreError::Invalid`](super::StoreError::Invalid)). `false` if `tenant` has no such
    /// active reservation.
    async fn end_reservation(
        &self,
        tenant: TenantId,
        id: ReservationId,
        status: ReservationStatus,
    ) -> StoreResult<bool>;

    /// Marks an active reservation used by `session`; `false` if `tenant` has no such
    /// active reservation. [`StoreError::NotFound`](super::StoreError::NotFound) if it has no such session.
    async fn use_reservation(
        &self,
        tenant: TenantId,
        id: ReservationId,
        session: SessionId,
    ) -> StoreResult<bool>;

    /// Expires the active reservations whose time is up at `now`; how many.
    async fn expire_reservations(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<u64>;

    /// A station's reservations (only the active ones if `active_only`), newest first.
    async fn reservations_of_station(
        &self,
        tenant: TenantId,
        station: StationId,
        active_only: bool,
    ) -> StoreResult<Vec<Reservation>>;
}

/// Charging profiles sent to stations.
#[async_trait]
pub trait ChargingProfileStore: Send + Sync {
    /// Records a profile the station accepted. As on the station, it replaces the profile
    /// with the same id, and any profile on the same EVSE with the same purpose and stack
    /// level. `false` if `tenant` has no such station.
    async fn record_charging_profile(
        &self,
        tenant: TenantId,
        profile: &SentChargingProfile,
    ) -> StoreResult<bool>;

    /// The station's profiles, by EVSE, purpose and stack level.
    async fn charging_profiles(
        &self,
        tenant: TenantId,
        station: StationId,
    ) -> StoreResult<Vec<SentChargingProfile>>;

    /// Removes the station's profiles that match `criteria` (a ClearChargingProfile the
    /// station accepted); how many.
    async fn clear_charging_profiles(
        &self,
        tenant: TenantId,
        station: StationId,
        criteria: &ChargingProfileCriteria,
    ) -> StoreResult<u64>;
}
