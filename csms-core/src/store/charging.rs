//! Charging sessions and what they are billed: tariffs, CDRs, invoices.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ocpi_types::v221::tariffs::Tariff;

use super::{Page, Paged, StoreResult};
use crate::model::{
    Cdr, CdrFilter, CdrId, ChargingSession, Invoice, InvoiceId, MeterRecorded, MeterReport,
    MeterValue, NewCdr, NewInvoice, NewSession, SessionFilter, SessionId, SessionStart,
    SessionStatus, SessionStop, StationId, StationMeterValue, StoredTariff, TariffAssignment,
    TariffId, TariffScope, TenantId, UnknownStop, UserId,
};

/// Charging sessions and meter values.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Starts a session, or finds the one the same start created before: the session, and
    /// whether this call created it. [`StoreError::NotFound`](super::StoreError::NotFound) if `tenant` has no such
    /// station.
    async fn start_session(
        &self,
        tenant: TenantId,
        new: &NewSession,
    ) -> StoreResult<(ChargingSession, bool)>;

    /// Starts a session like [`start_session`](Self::start_session) and, when this call
    /// created it, ends in the same transaction the session still running on its connector
    /// (a station that starts a new transaction there lost the stop of the old one): failed,
    /// with `reason` as its stop reason, when the new one started.
    async fn start_session_ending_running(
        &self,
        tenant: TenantId,
        new: &NewSession,
        reason: &str,
    ) -> StoreResult<SessionStart>;

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

    /// Keeps the station's own cost calculation of a session
    /// ([`ChargingSession::station_cost_details`](crate::model::ChargingSession::station_cost_details)),
    /// replacing what it sent before; `false` if `tenant` has no such session.
    async fn record_station_cost(
        &self,
        tenant: TenantId,
        session: SessionId,
        details: &serde_json::Value,
    ) -> StoreResult<bool>;

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

    /// Up to `limit` sessions of any tenant that ended before `ended_before` and are not
    /// settled: without their CDR, or with a token their usage was not counted on (a crash
    /// or a store failure between a stop and what follows it). By id (session ids are
    /// unique across tenants), after `after`: the reconciliation job
    /// ([`Csms::settle_ended_sessions`](crate::ocpp::Csms::settle_ended_sessions)) walks
    /// them page by page.
    async fn sessions_to_settle(
        &self,
        ended_before: DateTime<Utc>,
        after: Option<SessionId>,
        limit: u32,
    ) -> StoreResult<Vec<ChargingSession>>;

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
    /// [`StoreError::NotFound`](super::StoreError::NotFound) if `tenant` has no such session.
    async fn add_meter_values(
        &self,
        tenant: TenantId,
        session: SessionId,
        values: &[MeterValue],
    ) -> StoreResult<u64>;

    /// A running session's progress: adds `values` as
    /// [`add_meter_values`](SessionStore::add_meter_values) does (with the other meter values
    /// of the write batch, in one statement) and, with `update`, sets its status and highest
    /// `seqNo` as [`update_session`](SessionStore::update_session) does, in the same batch;
    /// whether the update applied. `session` is the session as read from this store (no
    /// session is ever deleted): its status tells whether the update changes it.
    async fn advance_session(
        &self,
        tenant: TenantId,
        session: &ChargingSession,
        values: &[MeterValue],
        update: Option<(SessionStatus, Option<i64>)>,
    ) -> StoreResult<bool>;

    /// Keeps what a station measured: against the session its [`MeterTarget`](crate::model::MeterTarget) finds, else
    /// against the station. Values already kept (identical in every field but the signed
    /// data) are skipped; a value that differs from a kept one in anything, the value or
    /// unit included, is kept beside it. [`StoreError::NotFound`](super::StoreError::NotFound)
    /// if `tenant` has no such station.
    async fn record_meter_values(
        &self,
        tenant: TenantId,
        report: MeterReport,
    ) -> StoreResult<MeterRecorded>;

    /// The meter values kept against a station (outside sessions), oldest first, at most
    /// `limit`.
    async fn station_meter_values(
        &self,
        tenant: TenantId,
        station: StationId,
        limit: u32,
    ) -> StoreResult<Vec<StationMeterValue>>;

    /// Keeps the stop of a transaction this CSMS does not know; `false` if the same stop
    /// (same station and transaction id) was kept before. [`StoreError::NotFound`](super::StoreError::NotFound) if
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
    /// Stores an OCPI tariff; [`StoreError::Invalid`](super::StoreError::Invalid) if it does not validate (strictly),
    /// [`StoreError::Conflict`](super::StoreError::Conflict) if the tenant has a tariff with its OCPI `id`.
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

    /// Deletes a tariff; `false` if `tenant` has no such tariff. [`StoreError::Conflict`](super::StoreError::Conflict)
    /// while it is assigned or a CDR was priced with it.
    async fn delete_tariff(&self, tenant: TenantId, id: TariffId) -> StoreResult<bool>;

    /// Assigns a tariff to a scope, replacing the tariff the scope had; `false` if `tenant`
    /// has no such tariff, [`StoreError::NotFound`](super::StoreError::NotFound) if it has no such location or EVSE.
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
    /// whether this call issued it. [`StoreError::NotFound`](super::StoreError::NotFound) if `tenant` has no such
    /// session (or tariff), [`StoreError::Invalid`](super::StoreError::Invalid) if the session is not over.
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

/// Invoices.
#[async_trait]
pub trait InvoiceStore: Send + Sync {
    /// Issues an invoice of the owner's CDRs that `new` selects and no invoice has yet, with
    /// their totals; `None` if there are none. [`StoreError::Invalid`](super::StoreError::Invalid) if the period is
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
