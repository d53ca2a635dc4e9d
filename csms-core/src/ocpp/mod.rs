//! The OCPP behaviour of the CSMS for 1.6, 2.0.1 and 2.1 stations, and operator commands to
//! them.
//!
//! [`Csms`] answers what stations send: it builds an `ocpp_server::Router` whose handlers
//! find the station by its tenant and identity, decide with the plain functions of
//! [`authorize`], [`boot`] and [`sequence`], store everything through the [`Store`], and
//! answer only once the store has committed. A store failure is answered with the CallError
//! `InternalError` (and logged), never a panic; a station nobody registered gets
//! `SecurityError` for anything but BootNotification, as does a rejected one (a pending one
//! may boot and send Heartbeats only).
//!
//! ```no_run
//! use std::sync::Arc;
//! use csms_core::ocpp::{Csms, CsmsConfig};
//! use csms_core::store::SqliteStore;
//! use ocpp_server::server::{Server, ServerConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(SqliteStore::open("csms.db").await?);
//! let csms = Csms::new(store, CsmsConfig::default());
//! let server = Server::bind("0.0.0.0:9000", csms.server_config(), csms.router(),
//!     csms.station_storage()).await?;
//! // Operator commands go through the server's station handles:
//! let commands = csms.commands();
//! # Ok(())
//! # }
//! ```
//!
//! Stations connect at `/ocpp/<tenant>/<identity>` ([`Csms::server_config`]; the tenant is
//! the tenant's number), each admitted with what its own security profile requires
//! ([`admission`]). [`Csms::station_storage`] is the `ocpp_server::storage::Storage` to give
//! the server: it admits connections and keeps their state. Boots are decided in one
//! place, the BootNotification handler ([`boot::decide_boot`], with the tenant's
//! [`UnknownStationPolicy`](crate::model::UnknownStationPolicy) as the one setting for
//! stations nobody registered), which logs each boot once, with its reason and its answer.
//!
//! What each message does:
//!
//! - **BootNotification**: [`boot::decide_boot`]; a new station is registered under the
//!   tenant its URL names, as that tenant's policy says, and the boot goes to the boot log.
//! - **Heartbeat**: recorded on the station.
//! - **StatusNotification**: recorded on the connector (1.6 connector `n` is EVSE `n`,
//!   connector `n`; connector 0, the whole station, is only logged). A connector nobody
//!   registered is created from the report, with its EVSE if that is new too; what it
//!   physically is stays unknown until an operator describes it.
//! - **NotifyReport** (2.x): the device model is kept with the station's configuration
//!   ([`device_model`], secret values without their value), and the EVSEs and connectors it
//!   shows (`EVSE` and `Connector` components) are created if nobody registered them, with
//!   the `AvailabilityState` it gives.
//! - **Authorize**: [`authorize::authorize`], answered as `idTagInfo` / `idTokenInfo`.
//! - **StartTransaction / StopTransaction / MeterValues** (1.6) and **TransactionEvent**
//!   (2.0.1 and 2.1, one set of rules on a version-neutral report, ordered by
//!   [`sequence::sequence`]): sessions and their meter values; a retried
//!   start finds its session, a stop of a transaction nobody knows is kept
//!   (`record_unknown_stop`); a 1.6 start on a connector whose session never got its stop
//!   ends that session ([`SUPERSEDED`]). A start or event naming a reservation of its
//!   station (`reservationId`) marks that reservation used by the session. 1.6 MeterValues without a transaction go to the
//!   connector's running session; MeterValues of no known session (2.0.1 MeterValues, which
//!   are outside transactions, 1.6 ones naming a transaction nobody started or on a connector
//!   where none runs) are kept against the station, EVSE and connector
//!   (`SessionStore::record_meter_values`), never dropped.
//! - **DataTransfer** is answered `UnknownVendorId`; it, **Firmware-**, **Diagnostics-**,
//!   **LogStatusNotification** and **SecurityEventNotification** go to the audit log with the
//!   station as actor (actions `station.data_transfer`, `station.firmware_status`,
//!   `station.diagnostics_status`, `station.log_status`, `station.security_event`).
//! - 2.1 only: a TransactionEvent's `costDetails` (the station's own cost calculation) is
//!   kept with its session (`station_cost_details`, as last sent); the SEND
//!   **NotifyPeriodicEventStream** goes to the audit log (`station.periodic_event_stream`).
//!
//! When a session ends, [`cdr`] issues its CDR, and the token's usage counters get its
//! energy and cost (in the token's time zone's day and month); a session's start is counted
//! on its token too. Each of these happens once per session however often it is attempted
//! (a CDR per session, a count per session and kind), so a stop retried after a failure
//! between the steps completes what is missing, and the reconciliation job
//! ([`Csms::settle_ended_sessions`]) settles sessions that a crash left without them.
//!
//! # Energy
//!
//! A session's energy is its stop register reading minus its start reading: 1.6
//! `meterStart`/`meterStop`, 2.0.1 the first and last `Energy.Active.Import.Register`
//! readings of the transaction (in Wh or kWh, total, not per phase).
//!
//! # Absurd values
//!
//! Nothing a station sends makes the CSMS panic; absurd readings are refused or kept and
//! flagged, never dropped silently:
//!
//! - A sampled value that is no decimal of at most 28 digits (1.6 `"1e400"`, `"NaN"`,
//!   `"Infinity"`; a 2.x value its `multiplier` takes beyond that range) is refused with
//!   `PropertyConstraintViolation` naming its path, and nothing of the message is stored; the
//!   framework refuses 2.x numbers that are no exact decimal before any handler runs.
//! - Any other value is stored as sent, however absurd (`"7.9e28"` Wh, `Decimal::MAX`,
//!   `meterStart`/`meterStop` at the i32 extremes), and every computation from it is checked:
//!   a session energy beyond the decimal range, or negative, is unknown (`None`); charging
//!   periods, pricing, the CDR's energy and invoices fail with typed errors instead of
//!   overflowing; a token's usage counters saturate at the largest decimal.
//! - A finished session that cannot be priced (its register going backwards, fewer than two
//!   readings, energy or amounts beyond the decimal range) gets no CDR: the failure is logged
//!   and recorded in the audit log (action [`cdr::NOT_BILLED`], target `session:<id>`, the
//!   reason as new value). The station's stop is still answered, and the session ends.

pub mod admission;
pub mod authorize;
pub mod boot;
pub mod cdr;
pub mod commands;
mod connected;
pub mod device_model;
mod error;
mod handlers;
pub mod meter;
mod notice;
pub mod ocpi_cdr;
mod reservation;
pub mod secrets;
pub mod sequence;
mod transaction;
mod v16;
mod v201;
mod v21;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ocpp_server::Context;
use ocpp_server::server::ServerConfig;
use ocpp_server::storage::Storage;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use error::OcppError;

/// The stop reason of a 1.6 session that a new start on its connector ended: the station
/// lost its stop (the session ends failed, with a CDR from its own readings).
pub const SUPERSEDED: &str = "SupersededByNewTransaction";

use crate::model::{
    Actor, Cdr, ChargingSession, NewAuditEntry, RegistrationStatus, SessionFilter, SessionId,
    Station, Tenant, Token,
};
use crate::roaming::authorize::RoamingAuthorizer;
use crate::store::{Page, StationSnapshot, Store};
use authorize::{AuthContext, Authorization};
use boot::BootIntervals;
use connected::ConnectedStation;
use transaction::ThisSession;

/// What a pass of [`Csms::settle_ended_sessions`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    /// Sessions found unsettled (without their CDR or their count on the token).
    pub found: usize,
    /// Of those, the sessions that now have their CDR.
    pub with_cdr: usize,
}

/// Settings of a [`Csms`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsmsConfig {
    /// Heartbeat and retry intervals of BootNotification answers.
    pub intervals: BootIntervals,
    /// How far back sessions are looked for when a token's concurrent sessions are counted,
    /// in hours (a session running longer is not counted; at most the latest 500 sessions
    /// of the token in that window are looked at).
    pub running_session_window_hours: u32,
    /// The name of this process among the CSMS processes that share its database (see
    /// [`crate::cluster`]): the stations connected here are recorded as connected to it.
    /// Default `local`.
    pub node_id: String,
}

impl Default for CsmsConfig {
    fn default() -> CsmsConfig {
        CsmsConfig {
            intervals: BootIntervals::default(),
            running_session_window_hours: 48,
            node_id: "local".to_owned(),
        }
    }
}

/// The CSMS side of OCPP over a [`Store`]: handlers for 1.6, 2.0.1 and 2.1 stations
/// ([`Csms::router`]) and operator commands ([`Csms::commands`]).
///
/// Generic over the store (`SqliteStore`, `PostgresStore`, or any other [`Store`]), which
/// it shares through an `Arc`; cheap to clone.
#[derive(Debug)]
pub struct Csms<S> {
    store: Arc<S>,
    config: Arc<CsmsConfig>,
    /// Roaming partners' tokens, authorized when no token of the tenant has the uid.
    roaming: Arc<RoamingAuthorizer>,
}

impl<S> Clone for Csms<S> {
    fn clone(&self) -> Csms<S> {
        Csms {
            store: Arc::clone(&self.store),
            config: Arc::clone(&self.config),
            roaming: Arc::clone(&self.roaming),
        }
    }
}

impl<S: Store + 'static> Csms<S> {
    /// A CSMS over `store`.
    pub fn new(store: Arc<S>, config: CsmsConfig) -> Csms<S> {
        Csms {
            store,
            config: Arc::new(config),
            roaming: Arc::new(RoamingAuthorizer::new()),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<S> {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &CsmsConfig {
        &self.config
    }

    /// The station storage to give `ocpp_server::server::Server::bind` with this router:
    /// [`admission::StationAdmission`], which admits connections and keeps their state
    /// (boots are the router's, decided by [`boot::decide_boot`] in one place).
    pub fn station_storage(&self) -> Arc<dyn Storage> {
        Arc::new(admission::StationAdmission::new(
            Arc::clone(&self.store),
            self.config.node_id.clone(),
        ))
    }

    /// The server settings this router and storage need
    /// ([`admission::server_config`]): change what else you like (listeners, limits,
    /// versions), not the tenant in the path.
    pub fn server_config(&self) -> ServerConfig {
        admission::server_config()
    }

    /// The operator commands, over this store's audit log.
    pub fn commands(&self) -> commands::Commands<S> {
        commands::Commands::new(Arc::clone(&self.store))
    }

    /// The station that sent the message of `ctx`, if it is registered: as its connection
    /// keeps it, read again only once a write outdated it.
    async fn known_station(&self, ctx: &Context) -> Result<Option<StationSnapshot>, OcppError> {
        let connected = ctx.attachment::<ConnectedStation>();
        if let Some(station) = connected.and_then(ConnectedStation::station) {
            return Ok(Some(station));
        }
        let address = ctx.address();
        let Some(tenant) = admission::tenant_in(address) else {
            return Ok(None);
        };
        let station = self
            .store
            .station_snapshot(tenant, address.identity())
            .await?;
        if let (Some(connected), Some(station)) = (connected, &station) {
            connected.keep_station(station.clone());
        }
        Ok(station)
    }

    /// The registered station that sent the message of `ctx`, whatever its registration.
    async fn registered(&self, ctx: &Context) -> Result<StationSnapshot, OcppError> {
        self.known_station(ctx)
            .await?
            .ok_or_else(|| OcppError::UnknownStation(ctx.address().to_string()))
    }

    /// The station that sent the message of `ctx` if it is accepted (`pending_ok`: or
    /// pending).
    async fn admitted(
        &self,
        ctx: &Context,
        pending_ok: bool,
    ) -> Result<StationSnapshot, OcppError> {
        let station = self.registered(ctx).await?;
        match station.registration {
            RegistrationStatus::Accepted => Ok(station),
            RegistrationStatus::Pending if pending_ok => Ok(station),
            status => Err(OcppError::NotAccepted {
                identity: ctx.address().to_string(),
                status,
            }),
        }
    }

    async fn tenant_of(&self, station: &Station) -> Result<Tenant, OcppError> {
        self.store
            .tenant(station.tenant_id)
            .await?
            .ok_or(OcppError::Store(crate::store::StoreError::NotFound {
                what: "tenant",
            }))
    }

    /// Looks `uid` up and decides on it, for no session (an Authorize, a stop).
    async fn authorize_uid(
        &self,
        station: &Station,
        uid: &str,
        now: DateTime<Utc>,
    ) -> Result<Authorization, OcppError> {
        let token = self.store.token_by_uid(station.tenant_id, uid).await?;
        self.decide(station, uid, token.as_ref(), now, ThisSession::None)
            .await
    }

    /// Decides on the token `uid` presented at `station` (`token`: what the store has for
    /// it, `None` when the tenant has no such token: then a roaming partner's token of that
    /// uid decides, if a partner pushed one); `this`: the session it is presented for, not
    /// counted among the token's running sessions.
    async fn decide(
        &self,
        station: &Station,
        uid: &str,
        token: Option<&Token>,
        now: DateTime<Utc>,
        this: ThisSession<'_>,
    ) -> Result<Authorization, OcppError> {
        if token.is_none()
            && let Some(decision) = self.roaming.authorize(&self.store, station, uid).await?
        {
            return Ok(decision);
        }
        let tenant = self.tenant_of(station).await?;
        let mut running = 0;
        if let Some(token) = token
            && token.restrictions.max_concurrent_sessions.is_some()
        {
            let window = Duration::hours(i64::from(self.config.running_session_window_hours));
            let filter = SessionFilter {
                token_uid: Some(token.uid.clone()),
                from: Some(now - window),
                ..SessionFilter::default()
            };
            running = self
                .store
                .list_sessions(station.tenant_id, &filter, Page::first(Page::MAX_LIMIT))
                .await?
                .items
                .iter()
                .filter(|session| !session.status.is_final() && !this.is(station, session))
                .count()
                .try_into()
                .unwrap_or(u32::MAX);
        }
        let ctx = AuthContext {
            station,
            now,
            tenant_time_zone: &tenant.settings.time_zone,
            running_sessions: running,
        };
        Ok(authorize::authorize(token, &ctx))
    }

    /// Counts `session`, which started at `at`, on its token: once, however often its
    /// start is delivered.
    async fn count_session_start(
        &self,
        token: &Token,
        session: SessionId,
        at: DateTime<Utc>,
    ) -> Result<(), OcppError> {
        self.store
            .record_token_session(token.tenant_id, token.id, Some(session), at)
            .await?;
        Ok(())
    }

    /// What follows the end of a session, for the message that ended it, its retries and
    /// the reconciliation after a crash alike: its CDR (issued once), and its energy and
    /// cost on the token's day and month counters (counted once, at zero cost for a session
    /// that cannot be priced). Each step is idempotent, so a failure between them is made
    /// good by the next attempt ([`Csms::settle_ended_sessions`]).
    async fn session_ended(&self, session: &ChargingSession) -> Result<Option<Cdr>, OcppError> {
        let values = self
            .store
            .meter_values(session.tenant_id, session.id)
            .await?;
        let energy_wh = session_energy_wh(session, &values);
        let issued = self.issue_cdr(session, &values, energy_wh).await?;
        if let Some(token_id) = session.token_id {
            let amount = issued
                .as_ref()
                .map(|(cdr, _)| cdr.total_cost_incl_vat.unwrap_or(cdr.total_cost_excl_vat))
                .unwrap_or_default();
            self.store
                .record_token_usage(
                    session.tenant_id,
                    token_id,
                    Some(session.id),
                    energy_wh.unwrap_or_default(),
                    amount,
                    session.stopped_at.unwrap_or_else(Utc::now),
                )
                .await?;
        }
        Ok(issued.map(|(cdr, _)| cdr))
    }

    /// The reconciliation job's pass: settles every session that ended more than `grace`
    /// ago without its CDR or its count on the token (the CSMS stopped, or the store
    /// failed, between a stop and what follows it), as its stop would have, a page of 100
    /// at a time. Returns how many it found and how many of those got their CDR; a session
    /// that cannot be priced stays without one, logged, and is tried again on the next
    /// pass. Run it periodically (the `csms` example does, every minute).
    pub async fn settle_ended_sessions(&self, grace: Duration) -> Result<Settled, OcppError> {
        const PAGE: u32 = 100;
        let ended_before = Utc::now() - grace;
        let mut settled = Settled::default();
        let mut after = None;
        loop {
            let due = self
                .store
                .sessions_to_settle(ended_before, after, PAGE)
                .await?;
            for session in &due {
                settled.found += 1;
                if self.session_ended(session).await?.is_some() {
                    settled.with_cdr += 1;
                }
            }
            match due.last() {
                Some(last) if due.len() == PAGE as usize => after = Some(last.id),
                _ => break,
            }
        }
        if settled.found > 0 {
            tracing::info!(
                found = settled.found,
                with_cdr = settled.with_cdr,
                "ended sessions settled"
            );
        }
        Ok(settled)
    }

    /// Appends a station's report to the audit log.
    async fn audit_station(
        &self,
        station: &Station,
        action: &str,
        value: serde_json::Value,
    ) -> Result<(), OcppError> {
        let entry = NewAuditEntry {
            at: Utc::now(),
            actor: Actor::Station(station.identity.clone()),
            action: action.to_owned(),
            target: format!("station:{}", station.identity),
            old_value: None,
            new_value: Some(value),
        };
        self.store.append_audit(station.tenant_id, &entry).await?;
        Ok(())
    }
}

/// A session's energy in Wh: its stop reading minus its start reading. The start reading is
/// the session's (1.6 `meterStart`, the first reading of the event that began a 2.0.1
/// transaction) unless a register reading older than the session's start arrived later
/// (events delivered out of order); likewise the stop reading is the session's unless a
/// later register reading exists. `None` without any reading.
pub fn session_energy_wh(
    session: &ChargingSession,
    values: &[crate::model::MeterValue],
) -> Option<Decimal> {
    let readings = meter::register_readings(values);
    let first = readings.first().copied();
    let last = readings.last().copied();
    let start = match (session.meter_start_wh, first) {
        (Some(_), Some((at, wh))) if at < session.started_at => wh,
        (Some(start), _) => start,
        (None, Some((_, wh))) => wh,
        (None, None) => return session.energy_wh,
    };
    let stop = match (session.meter_stop_wh, last) {
        (Some(_), Some((at, wh))) if session.stopped_at.is_some_and(|end| at > end) => wh,
        (Some(stop), _) => stop,
        (None, Some((_, wh))) => wh,
        (None, None) => return session.energy_wh,
    };
    stop.checked_sub(start)
        .filter(|energy| !energy.is_sign_negative())
}
