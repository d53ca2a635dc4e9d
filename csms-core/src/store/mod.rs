//! Where the CSMS keeps its [model](crate::model): the [`Store`] trait family, and stores on
//! SQLite ([`SqliteStore`], the embedded default) and PostgreSQL ([`PostgresStore`]).
//!
//! # Tenants
//!
//! Every method that reads or changes a tenant's rows takes the [`TenantId`] explicitly and
//! every query it runs is filtered by it: a row of tenant A is neither found, nor changed,
//! nor counted through tenant B's id (a method asked for it answers `None`, `false` or an
//! empty list, as for a row that does not exist). The schemas back this up: a row that
//! points at another (a session at its station, a meter value at its session) points at
//! the pair `(tenant_id, id)`, so a foreign key cannot join rows of two tenants.
//!
//! Three lookups are not scoped, because they are how a tenant is found in the first place:
//!
//! - [`StationStore::station_by_identity`]: a station's identity (the last segment of its
//!   connection URL) is **unique across the whole system**. A station connects before
//!   anything tells which tenant it belongs to, so its identity maps to exactly one station
//!   and so to one tenant; registering an identity that any tenant already uses fails with
//!   [`StoreError::Conflict`]. The [`Storage`] implementation of `ocpp-server` works by
//!   identity in the same way.
//! - [`RoamingStore::partner_by_our_token`]: the token an OCPI partner presents is unique
//!   across the system and finds the partner, and so the tenant.
//! - [`UserStore::api_key_by_prefix`]: an API key's public prefix is unique across the
//!   system and finds the key, and so its tenant; the secret is then checked against the
//!   stored hash ([`ApiKey::accepts`]).
//!
//! # Idempotency
//!
//! [`SessionStore::start_session`] inserts or gets: the same start delivered twice creates
//! one session (a unique constraint on the station and the start's key, then a read of the
//! row that won). A stop of a transaction the store does not know is kept
//! ([`SessionStore::record_unknown_stop`]), once. Meter values are unique per session, time and sampled quantity, so a
//! MeterValues or TransactionEvent delivered again adds nothing. A stop on a session that is
//! already over changes nothing.
//! [`CdrStore::issue_cdr`] issues one CDR per session (a unique constraint on the session): the
//! same session again gives the first CDR back. An issued CDR cannot be changed or deleted:
//! triggers in both schemas refuse it. [`TokenStore::record_token_usage`] adds to a token's
//! counters in one transaction that holds the token's row, so concurrent additions all count.
//!
//! # Migrations
//!
//! Each store carries its own migration set (`csms-core/migrations/sqlite/` and
//! `csms-core/migrations/postgres/`), embedded in the binary and applied when the store is
//! opened, through sqlx's migrator (which records them in `_sqlx_migrations` and refuses a
//! database whose applied migrations were changed).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ocpi_types::v221::tariffs::Tariff;
use ocpp_server::storage::Storage;
use rust_decimal::Decimal;

use crate::model::{
    ApiKey, ApiKeyId, AttemptOutcome, AuditEntry, BootLogEntry, Cdr, CdrFilter, CdrId,
    ChargingProfileCriteria, ChargingSession, ConfigurationKey, Connector, DeliveryId, Evse,
    Invoice, InvoiceId, Location, LocationId, MeterValue, NewApiKey, NewAuditEntry, NewCdr,
    NewDelivery, NewInvoice, NewLocation, NewReservation, NewRoamingPartner, NewSession,
    NewStation, NewTenant, NewToken, NewUser, NewVehicle, NewWebhook, PartnerStatus,
    RegistrationStatus, Reservation, ReservationId, RoamingPartner, RoamingPartnerId,
    SentChargingProfile, SessionFilter, SessionId, SessionStatus, SessionStop, Station,
    StationDetails, StationFilter, StationId, StatusReport, StoredTariff, TariffAssignment,
    TariffId, TariffScope, Tenant, TenantId, TenantSettings, Token, TokenFilter, TokenId,
    TokenStatus, TokenUsage, UnknownStop, User, UserId, UserUpdate, VariableValue, Vehicle,
    VehicleId, Webhook, WebhookDelivery, WebhookId,
};

mod error;
mod migrate;
mod page;
mod postgres;
mod sql;
mod sqlite;

pub use error::StoreError;
pub use page::{Page, Paged};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// What store methods return.
pub type StoreResult<T> = Result<T, StoreError>;

/// Tenants.
#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Creates a tenant.
    async fn create_tenant(&self, new: &NewTenant) -> StoreResult<Tenant>;

    /// The tenant `id`, if it exists.
    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>>;

    /// A page of every tenant, oldest first: for the operator of the whole system (and
    /// for work done per tenant, such as webhook deliveries), never for a tenant's users.
    async fn list_tenants(&self, page: Page) -> StoreResult<Paged<Tenant>>;

    /// Replaces a tenant's settings; `false` if there is no such tenant.
    async fn update_tenant_settings(
        &self,
        id: TenantId,
        settings: &TenantSettings,
    ) -> StoreResult<bool>;
}

/// Users and API keys.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; [`StoreError::Conflict`] if the tenant has a user with that e-mail.
    async fn create_user(&self, tenant: TenantId, new: &NewUser) -> StoreResult<User>;

    /// The user `id` of `tenant`.
    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<User>>;

    /// A page of the tenant's users, by name.
    async fn list_users(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<User>>;

    /// Changes a user; `None` if `tenant` has no such user, [`StoreError::Conflict`] if
    /// the e-mail is another user's.
    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        update: &UserUpdate,
    ) -> StoreResult<Option<User>>;

    /// Deletes a user; `false` if `tenant` has no such user. [`StoreError::Conflict`] while
    /// anything points at it (tokens, vehicles, API keys, CDRs, a parking spot it rents).
    async fn delete_user(&self, tenant: TenantId, id: UserId) -> StoreResult<bool>;

    /// Creates an API key; [`StoreError::Conflict`] if its prefix is taken (by any tenant).
    async fn create_api_key(&self, tenant: TenantId, new: &NewApiKey) -> StoreResult<ApiKey>;

    /// The key with public prefix `prefix`, whatever its tenant: how a request's tenant is
    /// found. Check the secret with [`ApiKey::accepts`] before trusting it.
    async fn api_key_by_prefix(&self, prefix: &str) -> StoreResult<Option<ApiKey>>;

    /// A page of the tenant's API keys (revoked ones included), oldest first.
    async fn list_api_keys(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<ApiKey>>;

    /// Revokes a key at `at`; `false` if `tenant` has no such key.
    async fn revoke_api_key(
        &self,
        tenant: TenantId,
        id: ApiKeyId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

/// Authorization tokens.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Creates a token; [`StoreError::Conflict`] if the tenant has one with that uid.
    async fn create_token(&self, tenant: TenantId, new: &NewToken) -> StoreResult<Token>;

    /// The token `id` of `tenant`.
    async fn token(&self, tenant: TenantId, id: TokenId) -> StoreResult<Option<Token>>;

    /// The token of `tenant` presented as `uid` (an idTag or idToken): the Authorize lookup.
    async fn token_by_uid(&self, tenant: TenantId, uid: &str) -> StoreResult<Option<Token>>;

    /// The tokens of a user (or renter), by uid.
    async fn tokens_of_owner(&self, tenant: TenantId, owner: UserId) -> StoreResult<Vec<Token>>;

    /// A page of the tokens `filter` lets through, by uid.
    async fn list_tokens(
        &self,
        tenant: TenantId,
        filter: &TokenFilter,
        page: Page,
    ) -> StoreResult<Paged<Token>>;

    /// Replaces what a token was created with (its usage counters stay); `None` if
    /// `tenant` has no such token, [`StoreError::Conflict`] if the uid is another token's.
    async fn update_token(
        &self,
        tenant: TenantId,
        id: TokenId,
        update: &NewToken,
    ) -> StoreResult<Option<Token>>;

    /// Deletes a token; `false` if `tenant` has no such token. [`StoreError::Conflict`]
    /// while sessions point at it (block it instead).
    async fn delete_token(&self, tenant: TenantId, id: TokenId) -> StoreResult<bool>;

    /// Sets a token's status; `false` if `tenant` has no such token.
    async fn set_token_status(
        &self,
        tenant: TenantId,
        id: TokenId,
        status: TokenStatus,
    ) -> StoreResult<bool>;

    /// Replaces a token's usage counters; `false` if `tenant` has no such token. Prefer
    /// [`record_token_usage`](TokenStore::record_token_usage) and
    /// [`record_token_session`](TokenStore::record_token_session): a read, change and
    /// save can lose what a concurrent change wrote in between.
    async fn save_token_usage(
        &self,
        tenant: TenantId,
        id: TokenId,
        usage: &TokenUsage,
    ) -> StoreResult<bool>;

    /// Adds `energy_wh` and `amount` used at `at` to a token's day and month counters, in
    /// one transaction that holds the token's row: concurrent calls all count. The day and
    /// month are those of `at` in the token's time zone (its restrictions' zone, else the
    /// tenant's); counters of an earlier day or month start again from zero (see
    /// [`TokenUsage::record`]). The counters as they now are, or `None` if `tenant` has no
    /// such token.
    async fn record_token_usage(
        &self,
        tenant: TenantId,
        id: TokenId,
        energy_wh: Decimal,
        amount: Decimal,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<TokenUsage>>;

    /// Counts a session started at `at` on a token (its `sessions` counter and last use),
    /// in one transaction that holds the token's row, like
    /// [`record_token_usage`](TokenStore::record_token_usage). The counters as they now
    /// are, or `None` if `tenant` has no such token.
    async fn record_token_session(
        &self,
        tenant: TenantId,
        id: TokenId,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<TokenUsage>>;
}

/// Vehicles.
#[async_trait]
pub trait VehicleStore: Send + Sync {
    /// Creates a vehicle.
    async fn create_vehicle(&self, tenant: TenantId, new: &NewVehicle) -> StoreResult<Vehicle>;

    /// The vehicle `id` of `tenant`.
    async fn vehicle(&self, tenant: TenantId, id: VehicleId) -> StoreResult<Option<Vehicle>>;

    /// A page of the tenant's vehicles, oldest first.
    async fn list_vehicles(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<Vehicle>>;

    /// Replaces a vehicle's details; `None` if `tenant` has no such vehicle.
    async fn update_vehicle(
        &self,
        tenant: TenantId,
        id: VehicleId,
        update: &NewVehicle,
    ) -> StoreResult<Option<Vehicle>>;

    /// Deletes a vehicle; `false` if `tenant` has no such vehicle. [`StoreError::Conflict`]
    /// while tokens point at it.
    async fn delete_vehicle(&self, tenant: TenantId, id: VehicleId) -> StoreResult<bool>;
}

/// Locations.
#[async_trait]
pub trait LocationStore: Send + Sync {
    /// Creates a location.
    async fn create_location(&self, tenant: TenantId, new: &NewLocation) -> StoreResult<Location>;

    /// The location `id` of `tenant`.
    async fn location(&self, tenant: TenantId, id: LocationId) -> StoreResult<Option<Location>>;

    /// A page of the tenant's locations, by name.
    async fn list_locations(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<Location>>;

    /// Replaces a location's details and parking spots; `None` if `tenant` has no such
    /// location. [`StoreError::Invalid`] if two spots share a label,
    /// [`StoreError::NotFound`] if a renter is not a user of the tenant.
    async fn update_location(
        &self,
        tenant: TenantId,
        id: LocationId,
        update: &NewLocation,
    ) -> StoreResult<Option<Location>>;

    /// Assigns the spot labelled `label` to `renter`, or frees it (`None`); `false` if
    /// `tenant` has no such location or spot. [`StoreError::NotFound`] if the renter is not
    /// a user of the tenant.
    async fn set_spot_renter(
        &self,
        tenant: TenantId,
        location: LocationId,
        label: &str,
        renter: Option<UserId>,
    ) -> StoreResult<bool>;

    /// Deletes a location; `false` if `tenant` has no such location.
    /// [`StoreError::Conflict`] while stations stand there or a tariff is assigned to it.
    async fn delete_location(&self, tenant: TenantId, id: LocationId) -> StoreResult<bool>;
}

/// Stations, their boot log, EVSEs and connectors.
#[async_trait]
pub trait StationStore: Send + Sync {
    /// Registers a station; [`StoreError::Conflict`] if its identity is taken by any tenant.
    async fn create_station(&self, tenant: TenantId, new: &NewStation) -> StoreResult<Station>;

    /// The station `id` of `tenant`.
    async fn station_by_id(&self, tenant: TenantId, id: StationId) -> StoreResult<Option<Station>>;

    /// The station with `identity`, whatever its tenant: how a connecting station's tenant
    /// is found (identities are unique across the system).
    async fn station_by_identity(&self, identity: &str) -> StoreResult<Option<Station>>;

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
    /// [`StoreError::Conflict`] if the identity is taken, [`StoreError::NotFound`] if the
    /// location is not the tenant's.
    async fn update_station(
        &self,
        tenant: TenantId,
        id: StationId,
        update: &NewStation,
    ) -> StoreResult<Option<Station>>;

    /// Deletes a station with its EVSEs, connectors, boot log, configuration, charging
    /// profiles and tariff assignments; `false` if `tenant` has no such station.
    /// [`StoreError::Conflict`] (and nothing deleted) while its history points at it:
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

    /// Records a StatusNotification; `false` if `tenant` has no such connector. A report
    /// older than the one recorded changes nothing (and answers `true`).
    async fn record_status(
        &self,
        tenant: TenantId,
        station: StationId,
        report: &StatusReport,
    ) -> StoreResult<bool>;

    /// The station's connectors, by EVSE and number.
    async fn connectors(&self, tenant: TenantId, station: StationId)
    -> StoreResult<Vec<Connector>>;
}

/// Charging sessions and meter values.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Starts a session, or finds the one the same start created before: the session, and
    /// whether this call created it. [`StoreError::NotFound`] if `tenant` has no such
    /// station.
    async fn start_session(
        &self,
        tenant: TenantId,
        new: &NewSession,
    ) -> StoreResult<(ChargingSession, bool)>;

    /// The session `id` of `tenant`.
    async fn session(
        &self,
        tenant: TenantId,
        id: SessionId,
    ) -> StoreResult<Option<ChargingSession>>;

    /// The session a station calls `transaction_id` (a 2.0.1 id, or a 1.6 integer in
    /// decimal).
    async fn session_by_transaction(
        &self,
        tenant: TenantId,
        station: StationId,
        transaction_id: &str,
    ) -> StoreResult<Option<ChargingSession>>;

    /// The session running (not completed nor failed) on a station's connector, the latest
    /// if several are.
    async fn active_session(
        &self,
        tenant: TenantId,
        station: StationId,
        evse_id: Option<i32>,
        connector_id: i32,
    ) -> StoreResult<Option<ChargingSession>>;

    /// Sets a running session's status (and its highest `seqNo`); `false` if `tenant` has
    /// no such session or it is over.
    async fn update_session(
        &self,
        tenant: TenantId,
        id: SessionId,
        status: SessionStatus,
        seq_no: Option<i64>,
    ) -> StoreResult<bool>;

    /// Ends a session and computes its energy; a session already over is left as it is.
    /// The session as it now is, or `None` if `tenant` has no such session.
    async fn stop_session(
        &self,
        tenant: TenantId,
        id: SessionId,
        stop: &SessionStop,
    ) -> StoreResult<Option<ChargingSession>>;

    /// The sessions started in `[from, to)`, oldest first.
    async fn sessions_started_between(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ChargingSession>>;

    /// A page of the sessions `filter` lets through, newest first.
    async fn list_sessions(
        &self,
        tenant: TenantId,
        filter: &SessionFilter,
        page: Page,
    ) -> StoreResult<Paged<ChargingSession>>;

    /// The sessions started in `[from, to)` with any token of `owner` (a user or renter),
    /// oldest first: where someone charged, and how much.
    async fn sessions_of_owner(
        &self,
        tenant: TenantId,
        owner: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ChargingSession>>;

    /// Adds meter values to a session, skipping those it already has; how many were new.
    /// [`StoreError::NotFound`] if `tenant` has no such session.
    async fn add_meter_values(
        &self,
        tenant: TenantId,
        session: SessionId,
        values: &[MeterValue],
    ) -> StoreResult<u64>;

    /// Keeps the stop of a transaction this CSMS does not know; `false` if the same stop
    /// (same station and transaction id) was kept before. [`StoreError::NotFound`] if
    /// `tenant` has no such station.
    async fn record_unknown_stop(&self, tenant: TenantId, stop: &UnknownStop) -> StoreResult<bool>;

    /// The kept stops of unknown transactions of a station, oldest first.
    async fn unknown_stops(
        &self,
        tenant: TenantId,
        station: StationId,
    ) -> StoreResult<Vec<UnknownStop>>;

    /// A session's meter values, in time order.
    async fn meter_values(
        &self,
        tenant: TenantId,
        session: SessionId,
    ) -> StoreResult<Vec<MeterValue>>;
}

/// Tariffs, what they are assigned to, and which one applies to a session.
#[async_trait]
pub trait TariffStore: Send + Sync {
    /// Stores an OCPI tariff; [`StoreError::Invalid`] if it does not validate (strictly),
    /// [`StoreError::Conflict`] if the tenant has a tariff with its OCPI `id`.
    async fn create_tariff(&self, tenant: TenantId, tariff: &Tariff) -> StoreResult<StoredTariff>;

    /// The tariff `id` of `tenant`.
    async fn tariff(&self, tenant: TenantId, id: TariffId) -> StoreResult<Option<StoredTariff>>;

    /// The tenant's tariff with OCPI id `ocpi_id`.
    async fn tariff_by_ocpi_id(
        &self,
        tenant: TenantId,
        ocpi_id: &str,
    ) -> StoreResult<Option<StoredTariff>>;

    /// A page of the tenant's tariffs, by OCPI id.
    async fn list_tariffs(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<StoredTariff>>;

    /// Replaces a tariff's OCPI object (keeping its id and assignments); `None` if `tenant`
    /// has no such tariff. Errors as [`create_tariff`](TariffStore::create_tariff).
    async fn replace_tariff(
        &self,
        tenant: TenantId,
        id: TariffId,
        tariff: &Tariff,
    ) -> StoreResult<Option<StoredTariff>>;

    /// Deletes a tariff; `false` if `tenant` has no such tariff. [`StoreError::Conflict`]
    /// while it is assigned or a CDR was priced with it.
    async fn delete_tariff(&self, tenant: TenantId, id: TariffId) -> StoreResult<bool>;

    /// Assigns a tariff to a scope, replacing the tariff the scope had; `false` if `tenant`
    /// has no such tariff, [`StoreError::NotFound`] if it has no such location or EVSE.
    async fn assign_tariff(
        &self,
        tenant: TenantId,
        scope: &TariffScope,
        tariff: TariffId,
    ) -> StoreResult<bool>;

    /// Removes a scope's tariff; `false` if it had none.
    async fn unassign_tariff(&self, tenant: TenantId, scope: &TariffScope) -> StoreResult<bool>;

    /// The tenant's assignments, by scope.
    async fn tariff_assignments(&self, tenant: TenantId) -> StoreResult<Vec<TariffAssignment>>;

    /// The tariff of a session on `station`'s EVSE `evse_id` with a token of
    /// `token_group`: the most specific assigned, token group first, then the EVSE, the
    /// station's location, and the tenant's default. `None` if none applies.
    async fn tariff_for(
        &self,
        tenant: TenantId,
        station: StationId,
        evse_id: Option<i32>,
        token_group: Option<&str>,
    ) -> StoreResult<Option<StoredTariff>>;
}

/// Charge detail records. There is no way to change one: the database refuses it.
#[async_trait]
pub trait CdrStore: Send + Sync {
    /// Issues the CDR of a finished session, or finds the one issued before: the CDR, and
    /// whether this call issued it. [`StoreError::NotFound`] if `tenant` has no such
    /// session (or tariff), [`StoreError::Invalid`] if the session is not over.
    async fn issue_cdr(&self, tenant: TenantId, new: &NewCdr) -> StoreResult<(Cdr, bool)>;

    /// The CDR `id` of `tenant`.
    async fn cdr(&self, tenant: TenantId, id: CdrId) -> StoreResult<Option<Cdr>>;

    /// The CDR of a session.
    async fn cdr_of_session(
        &self,
        tenant: TenantId,
        session: SessionId,
    ) -> StoreResult<Option<Cdr>>;

    /// A page of the CDRs `filter` lets through, oldest session first.
    async fn list_cdrs(
        &self,
        tenant: TenantId,
        filter: &CdrFilter,
        page: Page,
    ) -> StoreResult<Paged<Cdr>>;
}

/// Station configuration, as stations report it.
#[async_trait]
pub trait ConfigurationStore: Send + Sync {
    /// Creates or replaces OCPP 1.6 keys of a station (a GetConfiguration answer); keys not
    /// given stay, a key reported earlier than the one stored is ignored. How many were
    /// written. [`StoreError::NotFound`] if `tenant` has no such station.
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
    /// is ignored. How many were written. [`StoreError::NotFound`] if `tenant` has no such
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
    /// time. [`StoreError::NotFound`] if `tenant` has no such station,
    /// [`StoreError::Conflict`] if the EVSE (or the station, for `evse_id: None`) has an
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

    /// Cancels an active reservation; `false` if `tenant` has no such active reservation.
    async fn cancel_reservation(&self, tenant: TenantId, id: ReservationId) -> StoreResult<bool>;

    /// Marks an active reservation used by `session`; `false` if `tenant` has no such
    /// active reservation. [`StoreError::NotFound`] if it has no such session.
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

/// Invoices.
#[async_trait]
pub trait InvoiceStore: Send + Sync {
    /// Issues an invoice of the owner's CDRs that `new` selects and no invoice has yet, with
    /// their totals; `None` if there are none. [`StoreError::Invalid`] if the period is
    /// empty. Invoicing is serialized per tenant, so a CDR lands on one invoice only.
    async fn create_invoice(
        &self,
        tenant: TenantId,
        new: &NewInvoice,
    ) -> StoreResult<Option<Invoice>>;

    /// The invoice `id` of `tenant`.
    async fn invoice(&self, tenant: TenantId, id: InvoiceId) -> StoreResult<Option<Invoice>>;

    /// A page of the tenant's invoices (of `owner` only, if given), newest period first.
    async fn list_invoices(
        &self,
        tenant: TenantId,
        owner: Option<UserId>,
        page: Page,
    ) -> StoreResult<Paged<Invoice>>;
}

/// Roaming partners.
#[async_trait]
pub trait RoamingStore: Send + Sync {
    /// Registers a partner; [`StoreError::Conflict`] if the tenant has one with that
    /// country code, party id and role, or if `our_token` is taken (by any tenant).
    async fn create_partner(
        &self,
        tenant: TenantId,
        new: &NewRoamingPartner,
    ) -> StoreResult<RoamingPartner>;

    /// The partner `id` of `tenant`.
    async fn partner(
        &self,
        tenant: TenantId,
        id: RoamingPartnerId,
    ) -> StoreResult<Option<RoamingPartner>>;

    /// The partner presenting `token`, whatever its tenant: how an incoming OCPI request's
    /// tenant is found (the token is unique across the system).
    async fn partner_by_our_token(&self, token: &str) -> StoreResult<Option<RoamingPartner>>;

    /// A page of the tenant's partners, by country code and party id.
    async fn list_partners(
        &self,
        tenant: TenantId,
        page: Page,
    ) -> StoreResult<Paged<RoamingPartner>>;

    /// Replaces a partner's details (after a credentials exchange, say); `None` if
    /// `tenant` has no such partner. Conflicts as [`create_partner`](RoamingStore::create_partner).
    async fn update_partner(
        &self,
        tenant: TenantId,
        id: RoamingPartnerId,
        update: &NewRoamingPartner,
    ) -> StoreResult<Option<RoamingPartner>>;

    /// Sets a partner's status; `false` if `tenant` has no such partner.
    async fn set_partner_status(
        &self,
        tenant: TenantId,
        id: RoamingPartnerId,
        status: PartnerStatus,
    ) -> StoreResult<bool>;

    /// Deletes a partner; `false` if `tenant` has no such partner.
    async fn delete_partner(&self, tenant: TenantId, id: RoamingPartnerId) -> StoreResult<bool>;
}

/// Webhook subscriptions and their delivery log.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Creates a subscription.
    async fn create_webhook(&self, tenant: TenantId, new: &NewWebhook) -> StoreResult<Webhook>;

    /// The subscription `id` of `tenant`.
    async fn webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<Option<Webhook>>;

    /// The tenant's subscriptions, oldest first.
    async fn webhooks(&self, tenant: TenantId) -> StoreResult<Vec<Webhook>>;

    /// Replaces a subscription; `None` if `tenant` has no such subscription.
    async fn update_webhook(
        &self,
        tenant: TenantId,
        id: WebhookId,
        update: &NewWebhook,
    ) -> StoreResult<Option<Webhook>>;

    /// Deletes a subscription; `false` if `tenant` has no such subscription.
    /// [`StoreError::Conflict`] once it has deliveries (deactivate it instead).
    async fn delete_webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<bool>;

    /// Queues a delivery, or finds the one queued before for the same webhook and event
    /// key: the delivery, and whether this call queued it. [`StoreError::NotFound`] if
    /// `tenant` has no such webhook.
    async fn enqueue_delivery(
        &self,
        tenant: TenantId,
        new: &NewDelivery,
    ) -> StoreResult<(WebhookDelivery, bool)>;

    /// Records an attempt on a pending delivery; the delivery as it now is. A delivery
    /// that is no longer pending is left as it is. `None` if `tenant` has no such delivery.
    async fn record_attempt(
        &self,
        tenant: TenantId,
        id: DeliveryId,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> StoreResult<Option<WebhookDelivery>>;

    /// At most `limit` pending deliveries due at `now`, the most overdue first.
    async fn due_deliveries(
        &self,
        tenant: TenantId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>>;

    /// A page of a webhook's delivery log, newest first.
    async fn deliveries(
        &self,
        tenant: TenantId,
        webhook: WebhookId,
        page: Page,
    ) -> StoreResult<Paged<WebhookDelivery>>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry.
    async fn append_audit(
        &self,
        tenant: TenantId,
        entry: &NewAuditEntry,
    ) -> StoreResult<AuditEntry>;

    /// The last `limit` entries, newest first.
    async fn audit_log(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    /// A page of the log, newest first.
    async fn list_audit(&self, tenant: TenantId, page: Page) -> StoreResult<Paged<AuditEntry>>;
}

/// Everything the CSMS stores, and the station storage of `ocpp-server`.
pub trait Store:
    TenantStore
    + UserStore
    + TokenStore
    + VehicleStore
    + LocationStore
    + StationStore
    + SessionStore
    + TariffStore
    + CdrStore
    + ConfigurationStore
    + ReservationStore
    + ChargingProfileStore
    + InvoiceStore
    + RoamingStore
    + WebhookStore
    + AuditStore
    + Storage
{
}

impl<T> Store for T where
    T: TenantStore
        + UserStore
        + TokenStore
        + VehicleStore
        + LocationStore
        + StationStore
        + SessionStore
        + TariffStore
        + CdrStore
        + ConfigurationStore
        + ReservationStore
        + ChargingProfileStore
        + InvoiceStore
        + RoamingStore
        + WebhookStore
        + AuditStore
        + Storage
{
}
