//! Operator commands to stations, in one version-neutral form.
//!
//! A [`Command`] is mapped to the messages of the station's OCPP version (1.6, 2.0.1 or
//! 2.1),
//! sent through the station's `ocpp_server::StationHandle` (wherever it is connected: see
//! [`CommandRoute`]), and answered with a
//! [`CommandResult`]: a normalized [`Outcome`], the status the station gave, and its typed
//! answer as JSON. Whatever the outcome (not connected, timeout, CallError, rejected,
//! accepted, or a command the version cannot express), an entry goes to the tenant's audit
//! log: action `station.<command>` (`station.reset`), target `station:<identity>`, the actor,
//! and as new value `{"request": <the command>, "result": <the CommandResult>}`.
//!
//! Values of secret settings (1.6 `AuthorizationKey`, 2.x `SecurityCtrlr.BasicAuthPassword`
//! and the others [`is_secret_setting`](crate::ocpp::secrets::is_secret_setting) names) are
//! sent to the station as given, but the audit entry, the log, the answer and the kept
//! configuration only ever have them as `"<redacted>"` or without a value.
//!
//! # JSON
//!
//! A command is an object whose `command` member names it, in snake case, with its fields
//! beside it (the JSON Schema is [`Command`]'s `schemars::JsonSchema`):
//!
//! ```json
//! {"command": "remote_start", "evse": 1, "id_token": "04A2B3C4"}
//! {"command": "remote_stop", "transaction_id": "17"}
//! {"command": "reset", "kind": "soft"}
//! {"command": "unlock", "evse": 1, "connector": 1}
//! {"command": "change_availability", "evse": 2, "operative": false}
//! {"command": "set_variables", "variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "60"}]}
//! {"command": "get_variables", "variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]}
//! {"command": "trigger_message", "message": "StatusNotification", "evse": 1}
//! {"command": "reserve_now", "evse": 1, "id_token": "04A2B3C4", "expires_at": "2026-03-01T12:00:00Z"}
//! {"command": "reserve_now", "reservation_id": 5, "evse": 1, "id_token": "04A2B3C4", "expires_at": "2026-03-01T14:00:00Z"}
//! {"command": "cancel_reservation", "reservation_id": 5}
//! {"command": "set_charging_profile", "evse": 1, "profile": { ...the version's ChargingProfile... }}
//! {"command": "get_composite_schedule", "evse": 1, "duration": 3600, "unit": "W"}
//! {"command": "clear_charging_profile", "profile_id": 3}
//! {"command": "send_local_list", "version": 4, "full": true, "entries": [{"id_token": "04A2B3C4", "status": "accepted"}]}
//! ```
//!
//! `set_configuration` and `get_configuration` are accepted as other names of
//! `set_variables` and `get_variables`; `{"command": "get_base_report", "report_base":
//! "FullInventory"}` asks a 2.x station for its device model.
//!
//! What an answer tells of the station's settings is kept with its configuration
//! (`ConfigurationStore`): the keys a 1.6 GetConfiguration reads out and the values a 2.x
//! GetVariables reads, the values a station accepts through ChangeConfiguration or
//! SetVariables, and (through the CSMS's NotifyReport handler) the device model a
//! GetBaseReport asks for.
//!
//! # Mapping
//!
//! - 1.6 connectors are numbered like EVSEs (connector `n` is EVSE `n`): where 1.6 wants a
//!   connector, it is `evse` when given, else `connector`, else 0 (the whole station).
//! - `set_variables`: 1.6 sends one ChangeConfiguration per variable (key = `variable`,
//!   `component` ignored) and stops at the first that is not answered; 2.0.1 one
//!   SetVariables (each variable needs its `component`).
//! - `get_variables`: 1.6 GetConfiguration of the variables (none: all); 2.0.1 GetVariables
//!   (each needs its `component`, and at least one is needed).
//! - `reset`: `hard` is 1.6 `Hard` and 2.0.1 `Immediate`; `soft` is `Soft` and `OnIdle`.
//! - `remote_stop`: the 1.6 transaction id must be an integer.
//! - `set_charging_profile`: `profile` is the version's own `ChargingProfile` object.
//! - `send_local_list`: an entry without `status` removes the token from the list
//!   (differential updates).
//! - `reserve_now` is recorded as a [`Reservation`](crate::model::Reservation), whose id
//!   is the `reservationId` the station gets and the result's `reservation_id`: without
//!   `reservation_id` a new one (refused, and so never active, when the station does not
//!   accept it or it cannot be sent; kept when the station does not answer in time, since
//!   it may hold it); with the id of an active reservation of the station, that one again
//!   with what the command now says (a station replaces a reservation sent again with its
//!   id; the record follows once the station accepts). `cancel_reservation` cancels the
//!   record once the station accepts, or answers `Rejected` (it holds no such
//!   reservation). See [`Commands::reserve`].
//! - A profile a station accepts (`set_charging_profile`) is kept with the station, replacing
//!   what it replaces on the station (the same id; the same EVSE, purpose and stack level);
//!   a `clear_charging_profile` the station answers (`Accepted`, or `Unknown`: it has none)
//!   removes what it names
//!   ([`ChargingProfileStore`](crate::store::ChargingProfileStore)).
//! - 2.1 extends 2.0.1 in every message these commands send: a 2.1 station gets the 2.0.1
//!   request re-typed as its 2.1 form (a request that has none is answered
//!   [`Outcome::Invalid`]), and `profile` is a 2.0.1 `ChargingProfile`.
//!
//! # Limits
//!
//! A command fans out to the station in proportion to its lists, so they are bounded:
//! `set_variables` and `get_variables` take at most [`MAX_VARIABLES`] variables (1.6 sends
//! one ChangeConfiguration per variable, one after the other), `send_local_list` at most
//! [`MAX_LOCAL_LIST_ENTRIES`] entries. A longer list is [`Outcome::Invalid`]: nothing is
//! sent ([`Command::check_limits`] tells before sending).
//!
//! The station's answer is decoded once into the version's typed response, whose typed
//! status decides the outcome (one rule per response type, in `verdict.rs`).
//! An answer counts as [`Outcome::Accepted`] when its status is `Accepted`, `Unlocked`,
//! `Scheduled` or `RebootRequired`, or when it has no status (GetConfiguration,
//! GetVariables); any other status is [`Outcome::Rejected`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ocpp_server::{CallFailure, StationHandle};
use ocpp_types::{OcppCall, OcppVersion};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{OcppError, admission, secrets};
use crate::model::{
    Actor, ChargingProfileCriteria, ConfigurationKey, NewAuditEntry, NewReservation,
    PartnerReservation, ReservationId, ReservationStatus, SentChargingProfile, Station, StationId,
    TenantId, TokenStatus, VariableValue,
};

use crate::store::{Store, StoreError};
use verdict::{Decided, Verdict};

mod route;
mod v16;
mod v201;
mod verdict;

pub use route::CommandRoute;

/// The most variables a `set_variables` or `get_variables` command takes.
pub const MAX_VARIABLES: usize = 50;

/// The most entries a `send_local_list` command takes.
pub const MAX_LOCAL_LIST_ENTRIES: usize = 1000;

/// Hard or soft reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResetKind {
    /// Restart at once (1.6 `Hard`, 2.0.1 `Immediate`).
    Hard,
    /// Restart when idle (1.6 `Soft`, 2.0.1 `OnIdle`).
    Soft,
}

/// A variable to set (a 1.6 configuration key, a 2.0.1 component variable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VariableToSet {
    /// The 2.0.1 component (`OCPPCommCtrlr`); ignored by 1.6.
    #[serde(default)]
    pub component: Option<String>,
    /// The variable, or the 1.6 key (`HeartbeatInterval`).
    pub variable: String,
    /// The value.
    pub value: String,
}

/// A variable to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VariableRef {
    /// The 2.0.1 component; ignored by 1.6.
    #[serde(default)]
    pub component: Option<String>,
    /// The variable, or the 1.6 key.
    pub variable: String,
}

/// An entry of a local authorization list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LocalListEntry {
    /// The idTag / idToken.
    pub id_token: String,
    /// Its status; absent: remove it from the list.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub status: Option<TokenStatus>,
    /// Until when the station may use the entry.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Its group (1.6 parentIdTag, 2.0.1 groupIdToken).
    #[serde(default)]
    pub group: Option<String>,
}

/// An operator command to a station. See the module docs for the JSON form and the mapping
/// to each version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Start a transaction (1.6 RemoteStartTransaction, 2.0.1 RequestStartTransaction).
    RemoteStart {
        /// The EVSE (1.6: the connector).
        #[serde(default)]
        evse: Option<i32>,
        /// The connector (1.6, when `evse` is absent).
        #[serde(default)]
        connector: Option<i32>,
        /// The token to start for.
        id_token: String,
        /// 2.0.1 `remoteStartId`; chosen from the clock when absent.
        #[serde(default)]
        remote_start_id: Option<i32>,
        /// A charging profile of the station's version, as JSON.
        #[serde(default)]
        charging_profile: Option<Value>,
    },
    /// Stop a transaction (1.6 RemoteStopTransaction, 2.0.1 RequestStopTransaction).
    RemoteStop {
        /// The station's id of the transaction.
        transaction_id: String,
    },
    /// Restart the station (or, 2.0.1, an EVSE).
    Reset {
        /// Hard or soft.
        kind: ResetKind,
        /// 2.0.1: only this EVSE.
        #[serde(default)]
        evse: Option<i32>,
    },
    /// Unlock a connector.
    Unlock {
        /// The EVSE (1.6: the connector).
        #[serde(default)]
        evse: Option<i32>,
        /// The connector.
        connector: i32,
    },
    /// Make the station, an EVSE or a connector (in)operative.
    ChangeAvailability {
        /// The EVSE; absent: the whole station.
        #[serde(default)]
        evse: Option<i32>,
        /// The connector of the EVSE (2.0.1).
        #[serde(default)]
        connector: Option<i32>,
        /// Operative or inoperative.
        operative: bool,
    },
    /// Set configuration keys / variables.
    #[serde(alias = "set_configuration")]
    SetVariables {
        /// What to set (at most [`MAX_VARIABLES`]).
        #[schemars(length(max = MAX_VARIABLES))]
        variables: Vec<VariableToSet>,
    },
    /// Read configuration keys / variables.
    #[serde(alias = "get_configuration")]
    GetVariables {
        /// What to read (1.6: none reads all; at most [`MAX_VARIABLES`]).
        #[serde(default)]
        #[schemars(length(max = MAX_VARIABLES))]
        variables: Vec<VariableRef>,
    },
    /// Ask a 2.x station to report its device model (NotifyReport messages follow, and are
    /// kept with the station's configuration).
    GetBaseReport {
        /// The report's id, echoed in the NotifyReports (a time-based one when absent).
        #[serde(default)]
        request_id: Option<i32>,
        /// `ConfigurationInventory`, `FullInventory` or `SummaryInventory`.
        report_base: String,
    },
    /// Ask the station to send a message (`StatusNotification`, `Heartbeat`, ...).
    TriggerMessage {
        /// The message, as the version names it.
        message: String,
        /// The EVSE (1.6: the connector).
        #[serde(default)]
        evse: Option<i32>,
        /// The connector (2.0.1, with `evse`).
        #[serde(default)]
        connector: Option<i32>,
    },
    /// Reserve an EVSE (1.6: a connector) for a token.
    ReserveNow {
        /// The reservation's id: absent for a new reservation (the CSMS records it and sends
        /// its id), or an active reservation of the station to replace.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reservation_id: Option<i32>,
        /// The EVSE (1.6: the connector; absent: any).
        #[serde(default)]
        evse: Option<i32>,
        /// The token.
        id_token: String,
        /// Its group.
        #[serde(default)]
        group: Option<String>,
        /// When the reservation ends.
        expires_at: DateTime<Utc>,
    },
    /// Cancel a reservation.
    CancelReservation {
        /// The reservation's id.
        reservation_id: i32,
    },
    /// Install a charging profile.
    SetChargingProfile {
        /// The EVSE (1.6: the connector); 0: the whole station.
        evse: i32,
        /// The version's `ChargingProfile` object.
        profile: Value,
    },
    /// Ask for the schedule the station will follow on an EVSE (1.6: a connector), all its
    /// profiles combined, from now on for `duration` seconds.
    GetCompositeSchedule {
        /// The EVSE (1.6: the connector); 0: the station's grid connection.
        evse: i32,
        /// How long, in seconds.
        duration: i32,
        /// `W` or `A`, or absent for the station's choice.
        #[serde(default)]
        unit: Option<String>,
    },
    /// Remove charging profiles by id or by criteria.
    ClearChargingProfile {
        /// The profile's id.
        #[serde(default)]
        profile_id: Option<i32>,
        /// The EVSE (1.6: the connector).
        #[serde(default)]
        evse: Option<i32>,
        /// The purpose, as the version names it (`TxDefaultProfile`).
        #[serde(default)]
        purpose: Option<String>,
        /// The stack level.
        #[serde(default)]
        stack_level: Option<i32>,
    },
    /// Replace or update the station's local authorization list.
    SendLocalList {
        /// The list's new version.
        version: i32,
        /// A full replacement (`true`) or a differential update.
        full: bool,
        /// The entries (at most [`MAX_LOCAL_LIST_ENTRIES`]).
        #[serde(default)]
        #[schemars(length(max = MAX_LOCAL_LIST_ENTRIES))]
        entries: Vec<LocalListEntry>,
    },
}

impl Command {
    /// The command's name, as in its JSON (`remote_start`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::RemoteStart { .. } => "remote_start",
            Command::RemoteStop { .. } => "remote_stop",
            Command::Reset { .. } => "reset",
            Command::Unlock { .. } => "unlock",
            Command::ChangeAvailability { .. } => "change_availability",
            Command::SetVariables { .. } => "set_variables",
            Command::GetVariables { .. } => "get_variables",
            Command::GetBaseReport { .. } => "get_base_report",
            Command::TriggerMessage { .. } => "trigger_message",
            Command::ReserveNow { .. } => "reserve_now",
            Command::CancelReservation { .. } => "cancel_reservation",
            Command::SetChargingProfile { .. } => "set_charging_profile",
            Command::GetCompositeSchedule { .. } => "get_composite_schedule",
            Command::ClearChargingProfile { .. } => "clear_charging_profile",
            Command::SendLocalList { .. } => "send_local_list",
        }
    }

    /// Whether its lists are within the limits ([`MAX_VARIABLES`],
    /// [`MAX_LOCAL_LIST_ENTRIES`]); if not, why, naming the limit.
    pub fn check_limits(&self) -> Result<(), String> {
        let (what, given, limit) = match self {
            Command::SetVariables { variables } => ("variables", variables.len(), MAX_VARIABLES),
            Command::GetVariables { variables } => ("variables", variables.len(), MAX_VARIABLES),
            Command::SendLocalList { entries, .. } => {
                ("entries", entries.len(), MAX_LOCAL_LIST_ENTRIES)
            }
            _ => return Ok(()),
        };
        if given > limit {
            return Err(format!(
                "{} takes at most {limit} {what}, not {given}",
                self.name()
            ));
        }
        Ok(())
    }
}

/// How a command went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The station accepted it.
    Accepted,
    /// The station answered with another status.
    Rejected,
    /// The station is not connected.
    NotConnected,
    /// The station did not answer in time.
    Timeout,
    /// The station answered with a CALLERROR.
    CallError,
    /// The station's answer was not a valid response, or the call could not be sent.
    Failed,
    /// The command cannot be expressed in the station's version (or a value in it is wrong):
    /// nothing was sent.
    Invalid,
    /// The tenant has no station with this identity: nothing was sent.
    UnknownStation,
}

/// Why a station refused a command, where its answer says more than no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The EVSE or connector is in use or reserved (ReserveNow `Occupied`).
    Occupied,
    /// The EVSE or connector is out of order or unavailable (ReserveNow `Faulted`,
    /// `Unavailable`).
    Inoperative,
    /// The station holds nothing the command names: no such reservation (CancelReservation
    /// `Rejected`) or charging profile (ClearChargingProfile `Unknown`).
    Unknown,
}

/// What a command gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommandResult {
    /// The normalized outcome.
    pub outcome: Outcome,
    /// The status the station answered (`Accepted`, `Rejected`, `Unlocked`, ...), if any.
    pub status: Option<String>,
    /// The station's typed answer as JSON (an array when the command took several calls).
    pub response: Option<Value>,
    /// What went wrong, when something did.
    pub error: Option<String>,
    /// Why the station refused, where its answer says more than no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// The reservation a `reserve_now` recorded, or sent again: the `reservationId` the
    /// station got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<i64>")]
    pub reservation_id: Option<ReservationId>,
    /// What the answer tells of the station's settings (keys and variables it read out,
    /// values it accepted), kept with its configuration.
    #[serde(skip)]
    #[schemars(skip)]
    pub settings: Box<Settings>,
}

/// Settings of a station that an answer reported: 1.6 configuration keys and 2.x
/// device-model variable values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// 1.6 keys.
    pub keys: Vec<ConfigurationKey>,
    /// 2.x variable values.
    pub variables: Vec<VariableValue>,
}

impl CommandResult {
    pub(crate) fn failed(outcome: Outcome, error: impl Into<String>) -> CommandResult {
        CommandResult {
            outcome,
            status: None,
            response: None,
            error: Some(error.into()),
            refusal: None,
            reservation_id: None,
            settings: Box::default(),
        }
    }

    /// The station's answer `response` (as JSON) with what it decided.
    fn answered(response: Value, verdict: Verdict) -> CommandResult {
        CommandResult {
            outcome: if verdict.accepted {
                Outcome::Accepted
            } else {
                Outcome::Rejected
            },
            status: verdict.status,
            response: Some(response),
            error: None,
            refusal: verdict.refusal,
            reservation_id: None,
            settings: Box::default(),
        }
    }

    /// Whether the station, having done or refused a removal (a cancellation, a clear),
    /// holds none of what it named now: accepted, or refused as [`Refusal::Unknown`].
    fn holds_none(&self) -> bool {
        self.outcome == Outcome::Accepted || self.refusal == Some(Refusal::Unknown)
    }

    /// Replaces the values of secret settings in the station's answer and drops them from
    /// the settings to keep (see [`secrets`](crate::ocpp::secrets)).
    pub(crate) fn redact(&mut self) {
        if let Some(response) = &mut self.response {
            secrets::redact_json(response);
        }
        secrets::redact_keys(&mut self.settings.keys);
        secrets::redact_variables(&mut self.settings.variables);
    }

    fn from_failure(failure: CallFailure) -> CommandResult {
        let outcome = match &failure {
            CallFailure::NotConnected => Outcome::NotConnected,
            CallFailure::Timeout => Outcome::Timeout,
            CallFailure::CallError { .. } => Outcome::CallError,
            _ => Outcome::Failed,
        };
        CommandResult::failed(outcome, failure.to_string())
    }
}

/// Sends [`Command`]s and audits them. Get one from [`Csms::commands`](super::Csms::commands).
#[derive(Debug)]
pub struct Commands<S> {
    store: Arc<S>,
}

impl<S> Clone for Commands<S> {
    fn clone(&self) -> Commands<S> {
        Commands {
            store: Arc::clone(&self.store),
        }
    }
}

impl<S: Store> Commands<S> {
    /// Commands over `store`'s audit log.
    pub fn new(store: Arc<S>) -> Commands<S> {
        Commands { store }
    }

    /// Sends `command` to the station `identity` of `tenant` through `route` (such as the
    /// OCPP server it may be connected to), appends the audit entry, then keeps what the
    /// answer told of the station's settings. Fails only when the store does (the station
    /// not looked up, the audit entry or the settings not written).
    ///
    /// A `reserve_now` is [`Commands::reserve`]; what the answer of any other command
    /// changed of what the station holds (its settings, profiles, reservations) is kept.
    pub async fn send(
        &self,
        tenant: TenantId,
        actor: Actor,
        identity: &str,
        route: &(impl CommandRoute + ?Sized),
        command: &Command,
    ) -> Result<CommandResult, OcppError> {
        match command {
            Command::ReserveNow {
                reservation_id,
                evse,
                id_token,
                group,
                expires_at,
            } => {
                let request = ReservationRequest {
                    replaces: reservation_id.map(|id| ReservationId(id.into())),
                    evse: *evse,
                    token_uid: id_token.clone(),
                    group: group.clone(),
                    expires_at: *expires_at,
                    partner: None,
                };
                self.reserve(tenant, actor, identity, route, &request).await
            }
            _ => self.deliver(tenant, actor, identity, route, command).await,
        }
    }

    /// Reserves for a token: records the [`Reservation`](crate::model::Reservation) (or,
    /// with `request.replaces`, takes the station's active one), sends the station a
    /// ReserveNow with its id as [`Commands::send`] sends commands, and settles the record
    /// by the answer:
    ///
    /// | answer | a new reservation | a replacement |
    /// | --- | --- | --- |
    /// | accepted | active | changed to what `request` says |
    /// | no answer in time | active (the station may hold it) | unchanged |
    /// | anything else, or not sent | refused | unchanged (the station keeps it) |
    ///
    /// A new reservation of an EVSE (or station) that has an active one, or a replacement
    /// of a reservation the station does not hold, is [`Outcome::Invalid`] and sends nothing.
    /// The result's `reservation_id` is the reservation's.
    pub async fn reserve(
        &self,
        tenant: TenantId,
        actor: Actor,
        identity: &str,
        route: &(impl CommandRoute + ?Sized),
        request: &ReservationRequest,
    ) -> Result<CommandResult, OcppError> {
        let mut command = Command::ReserveNow {
            reservation_id: None,
            evse: request.evse,
            id_token: request.token_uid.clone(),
            group: request.group.clone(),
            expires_at: request.expires_at,
        };
        let Some(station) = self.store.station_by_identity(tenant, identity).await? else {
            return self
                .deliver_to(tenant, actor, identity, route, &command, None)
                .await;
        };
        let wanted = NewReservation {
            station_id: station.id,
            evse_id: request.evse,
            token_uid: request.token_uid.clone(),
            group_id: request.group.clone(),
            expires_at: request.expires_at,
            partner: request.partner.clone(),
        };
        let held = match request.replaces {
            Some(id) => match self.store.reservation(tenant, id).await? {
                Some(held)
                    if held.station_id == station.id
                        && held.status == ReservationStatus::Active =>
                {
                    Ok(held.id)
                }
                _ => Err(format!(
                    "station {identity} holds no active reservation {id}"
                )),
            },
            None => match self.store.create_reservation(tenant, &wanted).await {
                Ok(held) => Ok(held.id),
                Err(StoreError::Conflict { .. }) => Err(
                    "the EVSE (or, for any EVSE, the station) has an active reservation".to_owned(),
                ),
                Err(error) => return Err(error.into()),
            },
        };
        let id = match held {
            Ok(id) => id,
            Err(why) => {
                let result = CommandResult::failed(Outcome::Invalid, why);
                return self
                    .finish(tenant, actor, identity, &command, result, None)
                    .await;
            }
        };
        let Ok(sent) = i32::try_from(id.0) else {
            if request.replaces.is_none() {
                self.store
                    .end_reservation(tenant, id, ReservationStatus::Refused)
                    .await?;
            }
            let why = format!("reservation {id} is past what OCPP can carry");
            let result = CommandResult::failed(Outcome::Invalid, why);
            return self
                .finish(tenant, actor, identity, &command, result, None)
                .await;
        };
        if let Command::ReserveNow { reservation_id, .. } = &mut command {
            *reservation_id = Some(sent);
        }
        let mut result = self
            .deliver_to(tenant, actor, identity, route, &command, Some(&station))
            .await?;
        match (result.outcome, request.replaces) {
            (Outcome::Accepted, Some(_)) => {
                match self.store.change_reservation(tenant, id, &wanted).await {
                    Ok(_) => {}
                    Err(StoreError::Conflict { what }) => tracing::warn!(
                        reservation = %id,
                        station = identity,
                        "the station accepted a reservation again, but its record could not \
                         follow: {what}"
                    ),
                    Err(error) => return Err(error.into()),
                }
            }
            (Outcome::Accepted | Outcome::Timeout, None) | (_, Some(_)) => {}
            (_, None) => {
                self.store
                    .end_reservation(tenant, id, ReservationStatus::Refused)
                    .await?;
            }
        }
        result.reservation_id = Some(id);
        Ok(result)
    }

    /// Sends `command` to the station `identity` as [`Commands::send`] says.
    async fn deliver(
        &self,
        tenant: TenantId,
        actor: Actor,
        identity: &str,
        route: &(impl CommandRoute + ?Sized),
        command: &Command,
    ) -> Result<CommandResult, OcppError> {
        let station = self.store.station_by_identity(tenant, identity).await?;
        self.deliver_to(tenant, actor, identity, route, command, station.as_ref())
            .await
    }

    /// [`Commands::deliver`] to the station already looked up.
    async fn deliver_to(
        &self,
        tenant: TenantId,
        actor: Actor,
        identity: &str,
        route: &(impl CommandRoute + ?Sized),
        command: &Command,
        station: Option<&Station>,
    ) -> Result<CommandResult, OcppError> {
        let address = admission::address(tenant, identity);
        let mut reached = None;
        let result = match (station, command.check_limits()) {
            (None, _) => CommandResult::failed(Outcome::UnknownStation, "no such station"),
            (Some(_), Err(too_long)) => CommandResult::failed(Outcome::Invalid, too_long),
            (Some(station), Ok(())) => {
                let result = route.run_command(&address, command).await;
                if result.outcome != Outcome::NotConnected {
                    reached = Some(station.id);
                }
                result
            }
        };
        self.finish(tenant, actor, identity, command, result, reached)
            .await
    }

    /// Audits what `command` gave, then keeps what the answer changed of what the station it
    /// `reached` holds ([`Commands::keep_changes`]).
    async fn finish(
        &self,
        tenant: TenantId,
        actor: Actor,
        identity: &str,
        command: &Command,
        mut result: CommandResult,
        reached: Option<StationId>,
    ) -> Result<CommandResult, OcppError> {
        // Secret settings (station passwords) leave no trace in clear: not in the answer,
        // the audit entry, the log or the kept configuration.
        result.redact();
        let mut audited = json!({ "request": command, "result": result });
        secrets::redact_json(&mut audited);
        tracing::debug!(
            station = identity,
            command = command.name(),
            outcome = ?result.outcome,
            request = %audited["request"],
            "operator command"
        );
        // The command reached the station (or not): that is audited first, whatever
        // keeping its settings then gives.
        let entry = NewAuditEntry {
            at: Utc::now(),
            actor,
            action: format!("station.{}", command.name()),
            target: format!("station:{identity}"),
            old_value: None,
            new_value: Some(audited),
        };
        self.store.append_audit(tenant, &entry).await?;
        if let Some(station) = reached {
            self.keep_changes(tenant, station, identity, command, &result)
                .await?;
        }
        Ok(result)
    }

    /// Keeps what the answer of `station` to `command` tells of what it holds now: the
    /// settings it read out or accepted, the charging profile it accepted, the reservation
    /// or profiles it no longer holds. (A reservation it takes is kept by
    /// [`Commands::reserve`].)
    async fn keep_changes(
        &self,
        tenant: TenantId,
        station: StationId,
        identity: &str,
        command: &Command,
        result: &CommandResult,
    ) -> Result<(), OcppError> {
        let settings = &result.settings;
        if !settings.keys.is_empty() {
            self.store
                .upsert_configuration(tenant, station, &settings.keys)
                .await?;
        }
        if !settings.variables.is_empty() {
            self.store
                .upsert_variables(tenant, station, &settings.variables)
                .await?;
        }
        match command {
            Command::CancelReservation { reservation_id } if result.holds_none() => {
                let id = ReservationId((*reservation_id).into());
                let held = self.store.reservation(tenant, id).await?;
                if held.is_some_and(|held| held.station_id == station) {
                    self.store
                        .end_reservation(tenant, id, ReservationStatus::Cancelled)
                        .await?;
                }
            }
            Command::SetChargingProfile { evse, profile }
                if result.outcome == Outcome::Accepted =>
            {
                match sent_profile(station, *evse, profile) {
                    Some(sent) => {
                        self.store.record_charging_profile(tenant, &sent).await?;
                    }
                    None => tracing::warn!(
                        station = identity,
                        "an accepted profile without its id, stack level or purpose: not kept"
                    ),
                }
            }
            Command::ClearChargingProfile {
                profile_id,
                evse,
                purpose,
                stack_level,
            } if result.holds_none() => {
                let criteria = ChargingProfileCriteria {
                    profile_id: *profile_id,
                    evse_id: *evse,
                    purpose: purpose.clone(),
                    stack_level: *stack_level,
                };
                self.store
                    .clear_charging_profiles(tenant, station, &criteria)
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// A profile a station accepted, as kept: its id, stack level and purpose read from the
/// version's `ChargingProfile` (1.6 `chargingProfileId`, 2.x `id`); `None` without them.
fn sent_profile(station: StationId, evse: i32, profile: &Value) -> Option<SentChargingProfile> {
    let number = |name: &str| {
        profile
            .get(name)
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
    };
    Some(SentChargingProfile {
        station_id: station,
        evse_id: evse,
        profile_id: number("chargingProfileId").or_else(|| number("id"))?,
        stack_level: number("stackLevel")?,
        purpose: profile.get("chargingProfilePurpose")?.as_str()?.to_owned(),
        profile: profile.clone(),
        sent_at: Utc::now(),
    })
}

/// What [`Commands::reserve`] reserves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRequest {
    /// The station's active reservation to send again with what this says, or `None` for a
    /// new one.
    pub replaces: Option<ReservationId>,
    /// The EVSE (1.6: the connector), or `None` for any of the station.
    pub evse: Option<i32>,
    /// The token it is held for.
    pub token_uid: String,
    /// The token's group, which may use it as well.
    pub group: Option<String>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// The roaming partner that asks for it, if one does.
    pub partner: Option<PartnerReservation>,
}

/// One call: its typed answer, or the result of its failure.
async fn call<C: OcppCall>(
    handle: &StationHandle,
    request: &C,
) -> Result<C::Response, CommandResult> {
    handle
        .call(request)
        .await
        .map_err(CommandResult::from_failure)
}

/// A typed answer as a result: decided by its typed status ([`verdict`]), kept as JSON.
fn answer<R: Serialize + Decided>(response: &R) -> CommandResult {
    match serde_json::to_value(response) {
        Ok(value) => CommandResult::answered(value, response.verdict()),
        Err(error) => CommandResult::failed(Outcome::Failed, error.to_string()),
    }
}

/// One call, its answer as a result.
async fn exchange<C>(handle: &StationHandle, request: &C) -> CommandResult
where
    C: OcppCall,
    C::Response: Decided,
{
    match call(handle, request).await {
        Ok(response) => answer(&response),
        Err(failed) => failed,
    }
}

fn invalid(reason: impl Into<String>) -> CommandResult {
    CommandResult::failed(Outcome::Invalid, reason)
}

/// The `reservationId` of a ReserveNow: the reservation's, which [`Commands::reserve`] sets.
fn sent_reservation_id(id: Option<i32>) -> Result<i32, CommandResult> {
    id.ok_or_else(|| {
        invalid("a reservation is sent with the id of its record: reserve through the CSMS")
    })
}

/// Maps and sends a command on a connected station.
pub async fn run(handle: &StationHandle, command: &Command) -> CommandResult {
    match handle.version() {
        OcppVersion::V16 => v16::run(handle, command).await,
        OcppVersion::V201 | OcppVersion::V21 => v201::run(handle, command).await,
    }
}

/// Reads a version-specific value from JSON, or says why not.
fn from_json<T: serde::de::DeserializeOwned>(
    what: &str,
    value: &Value,
) -> Result<T, CommandResult> {
    serde_json::from_value(value.clone()).map_err(|error| invalid(format!("{what}: {error}")))
}

/// A wire enumeration from its name; an unknown name is invalid.
fn wire<T: std::str::FromStr + ocpp_types::validate::WireEnum>(
    what: &str,
    text: &str,
) -> Result<T, CommandResult> {
    match text.parse::<T>() {
        Ok(value) if !value.is_unrecognized() => Ok(value),
        _ => Err(invalid(format!("{text:?} is not a {what}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_round_trips() {
        let text = r#"{"command":"reset","kind":"soft"}"#;
        let command: Command = serde_json::from_str(text).unwrap();
        assert_eq!(
            command,
            Command::Reset {
                kind: ResetKind::Soft,
                evse: None
            }
        );
        let alias: Command = serde_json::from_str(
            r#"{"command":"set_configuration","variables":[{"variable":"HeartbeatInterval","value":"60"}]}"#,
        )
        .unwrap();
        assert_eq!(alias.name(), "set_variables");
        let json = serde_json::to_value(&alias).unwrap();
        assert_eq!(json["command"], "set_variables");
        assert!(serde_json::from_str::<Command>(r#"{"command":"explode"}"#).is_err());
        let schema = schemars::schema_for!(Command);
        assert!(
            serde_json::to_string(&schema)
                .unwrap()
                .contains("remote_start")
        );
    }

    #[test]
    fn answers_are_decided_by_their_typed_status() {
        let unlocked = answer(&ocpp_types::v16::UnlockConnectorResponse {
            status: ocpp_types::v16::UnlockStatus::Unlocked,
        });
        assert_eq!(unlocked.outcome, Outcome::Accepted);
        assert_eq!(unlocked.response, Some(json!({"status": "Unlocked"})));
        let failed = answer(&ocpp_types::v16::UnlockConnectorResponse {
            status: ocpp_types::v16::UnlockStatus::UnlockFailed,
        });
        assert_eq!(failed.outcome, Outcome::Rejected);
        assert_eq!(failed.status.as_deref(), Some("UnlockFailed"));
        let listed = answer(&ocpp_types::v16::GetConfigurationResponse::default());
        assert_eq!((listed.outcome, listed.status), (Outcome::Accepted, None));
        assert_eq!(
            CommandResult::from_failure(CallFailure::Timeout).outcome,
            Outcome::Timeout
        );
    }
}
