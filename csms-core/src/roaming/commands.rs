//! The Commands module, Receiver interface: a partner (an eMSP) asks one of the tenant's
//! stations to start or stop a session for its driver, or to unlock a connector.
//!
//! Each command is checked at once against the caller's tenant and answered synchronously
//! (the OCPI `CommandResponse`): `REJECTED` with a message when it cannot be carried out
//! (no such location, EVSE or reservation, the station offline, a token that is not the
//! partner's), `UNKNOWN_SESSION` when the session to stop is not one of the partner's, else
//! `ACCEPTED` with [`RESULT_TIMEOUT`]. An accepted command is then
//! sent to the station on a task of its own, through the operator command machinery
//! ([`Commands`]: audited as `station.<command>` with the partner as the actor,
//! [`Actor::RoamingPartner`]), and what the station made of it goes to the outbox
//! ([`OutboxStore::record_command_result`](crate::store::OutboxStore::record_command_result)),
//! whose pusher ([`super::push`]) POSTs it to the command's `response_url` with the token
//! the partner gave us (`their_token`), as a 2.2.1 `CommandResult` or, to a partner that
//! sent the command in 2.1.1, a 2.1.1 `CommandResponse`
//! (`ocpi_server::modules::command_result_v211`), retried until the partner takes it and
//! logged with the partner's pushes.
//!
//! | command | sent to the station | synchronous refusals |
//! | --- | --- | --- |
//! | `START_SESSION` | 1.6 RemoteStartTransaction, 2.x RequestStartTransaction, on the EVSE | unknown location or EVSE, no station of the location connected, a token not of the partner's parties or not valid |
//! | `STOP_SESSION` | 1.6 RemoteStopTransaction, 2.x RequestStopTransaction | `UNKNOWN_SESSION`: no such session, or not charged with one of the partner's tokens; `REJECTED`: the session is over, its station offline |
//! | `UNLOCK_CONNECTOR` | UnlockConnector | unknown location, EVSE or connector; the station offline |
//! | `RESERVE_NOW` | ReserveNow, with the id of the reservation recorded for it ([`Commands::reserve`]) | as `START_SESSION`, and a reservation id of the partner's held at another station, an expiry already past |
//! | `CANCEL_RESERVATION` | CancelReservation of the reservation recorded for it | no active reservation of the partner's with this id; the station offline |
//!
//! `START_SESSION` carries the driver's whole Token: it is stored as the partner's (as its
//! Tokens Receiver push would be, [`RoamingStore::put_roaming_token`](crate::store::RoamingStore::put_roaming_token); a newer push of the same
//! token is kept), so that the station's Authorize and StartTransaction for it are decided
//! by the roaming authorization ([`super::authorize`]) by the token's own whitelist rule.
//! Without `evse_uid` the first EVSE of a connected station of the location whose status is
//! available is taken (else the first of a connected station; the station decides).
//!
//! The asynchronous result: the station's acceptance is `ACCEPTED`; a refusal
//! `EVSE_OCCUPIED` when the EVSE shows occupied, `EVSE_INOPERATIVE` when it shows out of
//! service or faulted, else `REJECTED`; no answer in time `TIMEOUT`; a station gone, a
//! CALLERROR or an answer that is not valid `FAILED`. A reservation's refusal is read from
//! the station's own status instead (`Occupied`: `EVSE_OCCUPIED`; `Faulted`, `Unavailable`:
//! `EVSE_INOPERATIVE`), and a station answering a CancelReservation with `Rejected` (it
//! holds no such reservation) gives `UNKNOWN_RESERVATION`.
//!
//! A reservation is recorded ([`crate::model::Reservation`]) with the partner and the
//! partner's `reservation_id` beside it ([`PartnerReservation`]); the station only ever sees
//! the record's own id, unique whichever partner asked. A `RESERVE_NOW` naming a
//! reservation id of the partner's that is active replaces that reservation: the station is
//! sent a ReserveNow with the same id and the new expiry, token and EVSE, as OCPP says a
//! station replaces a reservation. Its token is stored as `START_SESSION`'s is, so that the
//! station's authorization of it, when the driver arrives, is the roaming one. Without
//! `evse_uid`, any EVSE of a connected station of the location is reserved (the station
//! chosen as for `START_SESSION`).

use std::sync::Arc;
use std::time::Duration;

use ocpi_server::{Command, CommandsReceiver, OcpiError, RequestContext};
use ocpi_types::common::DisplayText;
use ocpi_types::v221::VersionNumber;
use ocpi_types::v221::commands::{
    CancelReservation, CommandResponse, CommandResponseType, CommandResult, CommandResultType,
    ReserveNow, StartSession, StopSession, UnlockConnector,
};
use ocpi_types::v221::tokens::Token;

use super::partners::scope;
use super::publish;
use crate::model::{
    Actor, ChargingSession, CommandResultDue, ConnectorStatus, LocationId, PartnerReservation,
    RoamingPartnerId, SessionId, StationDetails, StationFilter, TenantId,
};
use crate::ocpp::commands::{
    Command as StationCommand, CommandResult as StationResult, CommandRoute, Commands, Outcome,
    Refusal, ReservationRequest,
};
use crate::store::{self, Store};

/// How long a partner is told to wait for a command's result: the station's answer (the
/// OCPP server waits 30 s for it) and the time to POST it.
pub const RESULT_TIMEOUT: Duration = Duration::from_secs(45);

fn failed(error: store::StoreError) -> OcpiError {
    OcpiError::Store(Box::new(error))
}

/// A text for a partner, in English.
fn text(message: &str) -> Vec<DisplayText> {
    let mut message = message.to_owned();
    if message.len() > 512 {
        let mut end = 512;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
    }
    vec![DisplayText {
        language: "en".into(),
        text: message.as_str().into(),
    }]
}

/// A synchronous answer other than `ACCEPTED`, with why.
fn refused(result: CommandResponseType, message: &str) -> CommandResponse {
    CommandResponse {
        result,
        timeout: 0,
        message: text(message),
    }
}

fn rejected(message: &str) -> CommandResponse {
    refused(CommandResponseType::Rejected, message)
}

/// An asynchronous result, with a message when there is something to say.
fn result(result: CommandResultType, message: Option<&str>) -> CommandResult {
    CommandResult {
        result,
        message: message.map(text).unwrap_or_default(),
    }
}

/// How an EVSE shows, for a station's refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EvseState {
    Available,
    Occupied,
    Inoperative,
    Other,
}

fn evse_state(statuses: impl IntoIterator<Item = ConnectorStatus>) -> EvseState {
    use ConnectorStatus as S;
    let statuses: Vec<ConnectorStatus> = statuses.into_iter().collect();
    let any = |wanted: &[ConnectorStatus]| statuses.iter().any(|s| wanted.contains(s));
    if any(&[
        S::Preparing,
        S::Charging,
        S::SuspendedEv,
        S::SuspendedEvse,
        S::Finishing,
        S::Occupied,
        S::Reserved,
    ]) {
        EvseState::Occupied
    } else if !statuses.is_empty()
        && statuses
            .iter()
            .all(|s| matches!(s, S::Unavailable | S::Faulted))
    {
        EvseState::Inoperative
    } else if any(&[S::Available]) {
        EvseState::Available
    } else {
        EvseState::Other
    }
}

/// The state of EVSE `evse` of a station, from the EVSE's and its connectors' statuses.
fn state_of(details: &StationDetails, evse: i32) -> EvseState {
    let evse_status = details
        .evses
        .iter()
        .filter(|e| e.evse_id == evse)
        .map(|e| e.status);
    let connectors = details
        .connectors
        .iter()
        .filter(|c| c.evse_id == evse)
        .map(|c| c.status);
    evse_state(connectors.chain(evse_status))
}

/// What a station's refusal of a command is, as an OCPI result.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RefusedAs {
    /// Always this (`REJECTED`, or what the EVSE's state tells).
    Is(CommandResultType),
    /// What the station says of its refusal: occupied or inoperative, else `REJECTED`.
    TheStationSays,
}

impl RefusedAs {
    fn of(&self, refusal: Option<Refusal>) -> CommandResultType {
        match (self, refusal) {
            (RefusedAs::Is(result), _) => result.clone(),
            (RefusedAs::TheStationSays, Some(Refusal::Occupied)) => CommandResultType::EvseOccupied,
            (RefusedAs::TheStationSays, Some(Refusal::Inoperative)) => {
                CommandResultType::EvseInoperative
            }
            (RefusedAs::TheStationSays, Some(Refusal::Unknown) | None) => {
                CommandResultType::Rejected
            }
        }
    }
}

/// The OCPI result of what a station made of a command; `refused` says what a refusal is.
fn outcome_result(sent: &StationResult, refused: &RefusedAs) -> CommandResult {
    let detail = sent.error.as_deref().or(sent.status.as_deref());
    match sent.outcome {
        Outcome::Accepted => result(CommandResultType::Accepted, None),
        Outcome::Rejected => result(refused.of(sent.refusal), detail),
        Outcome::Timeout => result(
            CommandResultType::Timeout,
            Some("the station did not answer"),
        ),
        Outcome::Invalid => result(CommandResultType::NotSupported, detail),
        Outcome::NotConnected | Outcome::CallError | Outcome::Failed | Outcome::UnknownStation => {
            result(CommandResultType::Failed, detail)
        }
    }
}

/// What a command found acceptable asks of its station.
enum Action {
    /// A command, sent as an operator's is.
    Send(StationCommand),
    /// A reservation, recorded and sent ([`Commands::reserve`]).
    Reserve(ReservationRequest),
}

/// The session `session_id` of `tenant` if it is charged with one of `partner`'s tokens
/// (the sessions a partner may command or steer).
pub(super) async fn partner_session<S: Store + ?Sized>(
    store: &S,
    tenant: TenantId,
    partner: RoamingPartnerId,
    session_id: &str,
) -> Result<Option<ChargingSession>, store::StoreError> {
    let Ok(id) = session_id.parse::<i64>() else {
        return Ok(None);
    };
    let Some(session) = store.session(tenant, SessionId(id)).await? else {
        return Ok(None);
    };
    let Some(uid) = &session.token_uid else {
        return Ok(None);
    };
    let tokens = store.roaming_tokens_by_uid(tenant, uid).await?;
    Ok(tokens
        .iter()
        .any(|token| token.partner_id == partner)
        .then_some(session))
}

/// A command found acceptable: what to ask of which station, and how to read a refusal.
struct Accepted {
    identity: String,
    action: Action,
    refusal: RefusedAs,
}

/// Where a command's result goes: the partner that sent the command, in the version it
/// speaks, at its `response_url`.
struct ResultTo {
    tenant: TenantId,
    partner: RoamingPartnerId,
    version: Option<VersionNumber>,
    response_url: String,
}

/// The Commands Receiver of the tenants of a store, commanding their stations wherever
/// they are connected (see [`CommandRoute`]).
pub struct RoamingCommands<S: ?Sized> {
    store: Arc<S>,
    stations: Arc<dyn CommandRoute>,
}

impl<S: ?Sized> std::fmt::Debug for RoamingCommands<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoamingCommands").finish_non_exhaustive()
    }
}

impl<S: Store + 'static> RoamingCommands<S> {
    /// The commands of the tenants of `store` to the stations `stations` has connected.
    pub fn new(store: Arc<S>, stations: Arc<dyn CommandRoute>) -> RoamingCommands<S> {
        RoamingCommands { store, stations }
    }

    /// The stations of location `location_id` of `tenant`, with their EVSEs and
    /// connectors; `None` when the tenant has no such location.
    async fn stations_at(
        &self,
        tenant: TenantId,
        location_id: &str,
    ) -> Result<Option<Vec<StationDetails>>, OcpiError> {
        let Ok(id) = location_id.parse::<i64>() else {
            return Ok(None);
        };
        let location = self
            .store
            .location(tenant, LocationId(id))
            .await
            .map_err(failed)?;
        if location.is_none() {
            return Ok(None);
        }
        let filter = StationFilter {
            location: Some(LocationId(id)),
            ..StationFilter::default()
        };
        let mut all = Vec::new();
        let mut offset = 0;
        loop {
            let page = store::Page {
                offset,
                limit: store::Page::MAX_LIMIT,
            };
            let got = self
                .store
                .list_stations(tenant, &filter, page)
                .await
                .map_err(failed)?;
            let count = got.items.len() as u64;
            all.extend(got.items);
            offset += count;
            if count == 0 || offset >= got.total {
                break;
            }
        }
        Ok(Some(all))
    }

    /// Where a `START_SESSION` or `RESERVE_NOW` at location `location_id` goes: the EVSE
    /// `evse_uid` names, or without it the first EVSE of a connected station of the
    /// location that shows available (else the first of a connected station); or why
    /// none.
    async fn evse_at(
        &self,
        tenant: TenantId,
        location_id: &str,
        evse_uid: Option<&str>,
    ) -> Result<Result<(StationDetails, i32), CommandResponse>, OcpiError> {
        let Some(stations) = self.stations_at(tenant, location_id).await? else {
            return Ok(Err(rejected("unknown location")));
        };
        let mut chosen = None;
        match evse_uid {
            Some(uid) => {
                for details in &stations {
                    let found = details.evses.iter().find(|evse| {
                        publish::evse_uid(&details.station, evse.evse_id, evse.uid.as_deref())
                            == uid
                    });
                    if let Some(evse) = found {
                        if !details.station.online {
                            return Ok(Err(rejected("the station of the EVSE is offline")));
                        }
                        chosen = Some((details, evse.evse_id));
                        break;
                    }
                }
            }
            None => {
                let mut fallback = None;
                for details in stations.iter().filter(|d| d.station.online) {
                    for evse in &details.evses {
                        if state_of(details, evse.evse_id) == EvseState::Available {
                            chosen = Some((details, evse.evse_id));
                            break;
                        }
                        fallback = fallback.or(Some((details, evse.evse_id)));
                    }
                    if chosen.is_some() {
                        break;
                    }
                }
                chosen = chosen.or(fallback);
                if chosen.is_none() {
                    return Ok(Err(rejected("no station of the location is online")));
                }
            }
        }
        Ok(match chosen {
            Some((details, evse)) => Ok((details.clone(), evse)),
            None => Err(rejected("unknown EVSE")),
        })
    }

    /// Why a command's token cannot be used, if it cannot: it must be valid and of one of
    /// the caller's parties.
    fn token_refusal(ctx: &RequestContext, token: &Token) -> Option<CommandResponse> {
        if !ctx
            .caller
            .owns(token.country_code.as_str(), token.party_id.as_str())
        {
            return Some(rejected("the token is not of one of your parties"));
        }
        if !token.valid {
            return Some(rejected("the token is not valid"));
        }
        None
    }

    /// Checks a `START_SESSION` and stores its token.
    async fn start(
        &self,
        ctx: &RequestContext,
        tenant: TenantId,
        partner: RoamingPartnerId,
        start: &StartSession,
    ) -> Result<Result<Accepted, CommandResponse>, OcpiError> {
        let token = &start.token;
        if let Some(refusal) = Self::token_refusal(ctx, token) {
            return Ok(Err(refusal));
        }
        let uid = start.evse_uid.as_ref().map(|uid| uid.as_str());
        let (details, evse) = match self
            .evse_at(tenant, start.location_id.as_str(), uid)
            .await?
        {
            Ok(chosen) => chosen,
            Err(refusal) => return Ok(Err(refusal)),
        };
        // The token as the partner's, for the station's authorization of it.
        self.store
            .put_roaming_token(tenant, partner, token)
            .await
            .map_err(failed)?;
        let refusal = match state_of(&details, evse) {
            EvseState::Occupied => CommandResultType::EvseOccupied,
            EvseState::Inoperative => CommandResultType::EvseInoperative,
            EvseState::Available | EvseState::Other => CommandResultType::Rejected,
        };
        Ok(Ok(Accepted {
            identity: details.station.identity,
            action: Action::Send(StationCommand::RemoteStart {
                evse: Some(evse),
                connector: None,
                id_token: token.uid.as_str().to_owned(),
                remote_start_id: None,
                charging_profile: None,
            }),
            refusal: RefusedAs::Is(refusal),
        }))
    }

    /// Checks a `RESERVE_NOW` and stores its token; a reservation id of the partner's that
    /// is active at the same station is replaced.
    async fn reserve(
        &self,
        ctx: &RequestContext,
        tenant: TenantId,
        partner: RoamingPartnerId,
        reserve: &ReserveNow,
    ) -> Result<Result<Accepted, CommandResponse>, OcpiError> {
        let token = &reserve.token;
        if let Some(refusal) = Self::token_refusal(ctx, token) {
            return Ok(Err(refusal));
        }
        let expires_at = reserve.expiry_date.utc();
        if expires_at <= chrono::Utc::now() {
            return Ok(Err(rejected("the reservation's expiry_date is past")));
        }
        let uid = reserve.evse_uid.as_ref().map(|uid| uid.as_str());
        let (details, evse) = match self
            .evse_at(tenant, reserve.location_id.as_str(), uid)
            .await?
        {
            Ok(chosen) => chosen,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let key = PartnerReservation::new(partner, reserve.reservation_id.as_str());
        let held = self
            .store
            .partner_reservation(tenant, &key)
            .await
            .map_err(failed)?;
        let replaces = match held {
            Some(held) if held.station_id == details.station.id => Some(held.id),
            Some(_) => {
                return Ok(Err(rejected(
                    "this reservation is held at another station: cancel it first",
                )));
            }
            None => None,
        };
        self.store
            .put_roaming_token(tenant, partner, token)
            .await
            .map_err(failed)?;
        Ok(Ok(Accepted {
            identity: details.station.identity,
            action: Action::Reserve(ReservationRequest {
                replaces,
                evse: uid.map(|_| evse),
                token_uid: token.uid.as_str().to_owned(),
                group: token
                    .group_id
                    .as_ref()
                    .map(|group| group.as_str().to_owned()),
                expires_at,
                partner: Some(key),
            }),
            refusal: RefusedAs::TheStationSays,
        }))
    }

    /// Checks a `CANCEL_RESERVATION`: the reservation must be an active one of the
    /// partner's.
    async fn cancel(
        &self,
        tenant: TenantId,
        partner: RoamingPartnerId,
        cancel: &CancelReservation,
    ) -> Result<Result<Accepted, CommandResponse>, OcpiError> {
        let key = PartnerReservation::new(partner, cancel.reservation_id.as_str());
        let held = self
            .store
            .partner_reservation(tenant, &key)
            .await
            .map_err(failed)?;
        let Some(held) = held else {
            return Ok(Err(rejected("unknown reservation")));
        };
        let (Some(station), Ok(sent)) = (
            self.store
                .station_by_id(tenant, held.station_id)
                .await
                .map_err(failed)?,
            i32::try_from(held.id.0),
        ) else {
            return Ok(Err(rejected("unknown reservation")));
        };
        if !station.online {
            return Ok(Err(rejected("the station is offline")));
        }
        Ok(Ok(Accepted {
            identity: station.identity,
            action: Action::Send(StationCommand::CancelReservation {
                reservation_id: sent,
            }),
            refusal: RefusedAs::Is(CommandResultType::UnknownReservation),
        }))
    }

    /// Checks a `STOP_SESSION`: the session must be charged with one of the partner's
    /// tokens.
    async fn stop(
        &self,
        tenant: TenantId,
        partner: RoamingPartnerId,
        stop: &StopSession,
    ) -> Result<Result<Accepted, CommandResponse>, OcpiError> {
        let unknown = || {
            Ok(Err(refused(
                CommandResponseType::UnknownSession,
                "unknown session",
            )))
        };
        let found = partner_session(&*self.store, tenant, partner, stop.session_id.as_str())
            .await
            .map_err(failed)?;
        let Some(session) = found else {
            return unknown();
        };
        if session.status.is_final() {
            return Ok(Err(rejected("the session is over")));
        }
        let Some(station) = self
            .store
            .station_by_id(tenant, session.station_id)
            .await
            .map_err(failed)?
        else {
            return unknown();
        };
        if !station.online {
            return Ok(Err(rejected("the station is offline")));
        }
        Ok(Ok(Accepted {
            identity: station.identity,
            action: Action::Send(StationCommand::RemoteStop {
                transaction_id: session.transaction.to_text(),
            }),
            refusal: RefusedAs::Is(CommandResultType::Rejected),
        }))
    }

    /// Checks an `UNLOCK_CONNECTOR`.
    async fn unlock(
        &self,
        tenant: TenantId,
        unlock: &UnlockConnector,
    ) -> Result<Result<Accepted, CommandResponse>, OcpiError> {
        let Some(stations) = self
            .stations_at(tenant, unlock.location_id.as_str())
            .await?
        else {
            return Ok(Err(rejected("unknown location")));
        };
        let found = stations.iter().find_map(|details| {
            details
                .evses
                .iter()
                .find(|evse| {
                    publish::evse_uid(&details.station, evse.evse_id, evse.uid.as_deref())
                        == unlock.evse_uid.as_str()
                })
                .map(|evse| (details, evse.evse_id))
        });
        let Some((details, evse)) = found else {
            return Ok(Err(rejected("unknown EVSE")));
        };
        let connector = details.connectors.iter().find(|c| {
            c.evse_id == evse && c.connector_id.to_string() == unlock.connector_id.as_str()
        });
        let Some(connector) = connector else {
            return Ok(Err(rejected("unknown connector")));
        };
        if !details.station.online {
            return Ok(Err(rejected("the station is offline")));
        }
        Ok(Ok(Accepted {
            identity: details.station.identity.clone(),
            action: Action::Send(StationCommand::Unlock {
                evse: Some(evse),
                connector: connector.connector_id,
            }),
            refusal: RefusedAs::Is(CommandResultType::Rejected),
        }))
    }

    /// Sends an accepted command to its station, and gives the result to the outbox, which
    /// POSTs it where `to` says (retried until the partner takes it, like every push).
    async fn carry_out(
        store: Arc<S>,
        stations: Arc<dyn CommandRoute>,
        accepted: Accepted,
        to: ResultTo,
    ) {
        let ResultTo {
            tenant,
            partner,
            version,
            response_url,
        } = to;
        let commands = Commands::new(Arc::clone(&store));
        let actor = Actor::RoamingPartner(partner);
        let identity = &accepted.identity;
        let sent = match &accepted.action {
            Action::Send(command) => {
                commands
                    .send(tenant, actor, identity, &*stations, command)
                    .await
            }
            Action::Reserve(request) => {
                commands
                    .reserve(tenant, actor, identity, &*stations, request)
                    .await
            }
        };
        let outcome = match &sent {
            Ok(sent) => outcome_result(sent, &accepted.refusal),
            Err(error) => {
                tracing::warn!(%error, station = accepted.identity, "roaming command not sent");
                result(CommandResultType::Failed, None)
            }
        };
        let due = CommandResultDue {
            partner_id: partner,
            response_url,
            version: version.unwrap_or(VersionNumber::V2_2_1),
            result: outcome,
        };
        if let Err(error) = store.record_command_result(tenant, &due).await {
            tracing::warn!(%error, partner = partner.0, "command result not recorded");
        }
    }
}

#[async_trait::async_trait]
impl<S: Store + 'static> CommandsReceiver for RoamingCommands<S> {
    async fn command(
        &self,
        ctx: &RequestContext,
        command: Command,
    ) -> Result<CommandResponse, OcpiError> {
        let (tenant, partner) = scope(ctx)?;
        let checked = match &command {
            Command::StartSession(start) => self.start(ctx, tenant, partner, start).await?,
            Command::StopSession(stop) => self.stop(tenant, partner, stop).await?,
            Command::UnlockConnector(unlock) => self.unlock(tenant, unlock).await?,
            Command::ReserveNow(reserve) => self.reserve(ctx, tenant, partner, reserve).await?,
            Command::CancelReservation(cancel) => self.cancel(tenant, partner, cancel).await?,
        };
        let accepted = match checked {
            Ok(accepted) => accepted,
            Err(refusal) => return Ok(refusal),
        };
        tokio::spawn(Self::carry_out(
            Arc::clone(&self.store),
            Arc::clone(&self.stations),
            accepted,
            ResultTo {
                tenant,
                partner,
                version: ctx.caller.version.clone(),
                response_url: command.response_url().to_owned(),
            },
        ));
        Ok(CommandResponse {
            result: CommandResponseType::Accepted,
            timeout: RESULT_TIMEOUT.as_secs() as i64,
            message: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evse_shows_as_its_connectors_do() {
        use ConnectorStatus as S;
        assert_eq!(evse_state([S::Available]), EvseState::Available);
        assert_eq!(evse_state([S::Available, S::Charging]), EvseState::Occupied);
        assert_eq!(evse_state([S::Reserved]), EvseState::Occupied);
        assert_eq!(
            evse_state([S::Unavailable, S::Faulted]),
            EvseState::Inoperative
        );
        assert_eq!(evse_state([]), EvseState::Other);
    }

    #[test]
    fn a_station_outcome_is_a_command_result() {
        let sent = |outcome| StationResult {
            outcome,
            status: Some("Rejected".to_owned()),
            response: None,
            error: None,
            refusal: None,
            reservation_id: None,
            settings: Box::default(),
        };
        let occupied = CommandResultType::EvseOccupied;
        let cases = [
            (Outcome::Accepted, CommandResultType::Accepted),
            (Outcome::Rejected, CommandResultType::EvseOccupied),
            (Outcome::Timeout, CommandResultType::Timeout),
            (Outcome::NotConnected, CommandResultType::Failed),
            (Outcome::CallError, CommandResultType::Failed),
            (Outcome::Invalid, CommandResultType::NotSupported),
        ];
        for (outcome, expected) in cases {
            assert_eq!(
                outcome_result(&sent(outcome), &RefusedAs::Is(occupied.clone())).result,
                expected,
                "{outcome:?}"
            );
        }
        let reservation = |refusal: Option<Refusal>| {
            let mut refused = sent(Outcome::Rejected);
            refused.refusal = refusal;
            outcome_result(&refused, &RefusedAs::TheStationSays).result
        };
        assert_eq!(
            reservation(Some(Refusal::Occupied)),
            CommandResultType::EvseOccupied
        );
        assert_eq!(
            reservation(Some(Refusal::Inoperative)),
            CommandResultType::EvseInoperative
        );
        assert_eq!(reservation(None), CommandResultType::Rejected);
        let long = "x".repeat(600);
        assert_eq!(text(&long)[0].text.as_str().len(), 512);
    }
}
