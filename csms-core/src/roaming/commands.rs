//! The Commands module, Receiver interface: a partner (an eMSP) asks one of the tenant's
//! stations to start or stop a session for its driver, or to unlock a connector.
//!
//! Each command is checked at once against the caller's tenant and answered synchronously
//! (the OCPI `CommandResponse`): `REJECTED` with a message when it cannot be carried out
//! (no such location or EVSE, the station offline, a token that is not the partner's),
//! `UNKNOWN_SESSION` when the session to stop is not one of the partner's, `NOT_SUPPORTED`
//! for reservations, else `ACCEPTED` with [`RESULT_TIMEOUT`]. An accepted command is then
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
//! | `RESERVE_NOW`, `CANCEL_RESERVATION` | nothing | `NOT_SUPPORTED` |
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
//! CALLERROR or an answer that is not valid `FAILED`.
//!
//! Reservations are not supported: the model's reservations ([`crate::model::Reservation`])
//! have no place for the partner's `reservation_id`, so a `CANCEL_RESERVATION`, which names
//! only that, could not be matched to the reservation sent to the station.

use std::sync::Arc;
use std::time::Duration;

use ocpi_server::{Command, CommandsReceiver, OcpiError, RequestContext};
use ocpi_types::common::DisplayText;
use ocpi_types::v221::VersionNumber;
use ocpi_types::v221::commands::{
    CommandResponse, CommandResponseType, CommandResult, CommandResultType, StartSession,
    StopSession, UnlockConnector,
};

use super::partners::{partner_of, tenant_of};
use super::publish;
use crate::model::{
    Actor, CommandResultDue, ConnectorStatus, LocationId, RoamingPartnerId, SessionId,
    StationDetails, StationFilter, TenantId,
};
use crate::ocpp::commands::{
    Command as StationCommand, CommandResult as StationResult, CommandRoute, Commands, Outcome,
};
use crate::store::{self, Store};

/// How long a partner is told to wait for a command's result: the station's answer (the
/// OCPP server waits 30 s for it) and the time to POST it.
pub const RESULT_TIMEOUT: Duration = Duration::from_secs(45);

fn failed(error: store::StoreError) -> OcpiError {
    OcpiError::Store(Box::new(error))
}

fn scope(ctx: &RequestContext) -> Result<(TenantId, RoamingPartnerId), OcpiError> {
    let tenant = tenant_of(&ctx.caller.tenant).map_err(|e| OcpiError::Store(Box::new(e)))?;
    let partner = partner_of(&ctx.caller.partner).map_err(|e| OcpiError::Store(Box::new(e)))?;
    Ok((tenant, partner))
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

/// The OCPI result of what a station made of a command; `refusal` is what a refusal is
/// (`REJECTED`, or what the EVSE's state tells).
fn outcome_result(sent: &StationResult, refusal: CommandResultType) -> CommandResult {
    let detail = sent.error.as_deref().or(sent.status.as_deref());
    match sent.outcome {
        Outcome::Accepted => result(CommandResultType::Accepted, None),
        Outcome::Rejected => result(refusal, detail),
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

/// A command found acceptable: what to send to which station, and how to read a refusal.
struct Accepted {
    identity: String,
    command: StationCommand,
    refusal: CommandResultType,
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

    /// Checks a `START_SESSION` and stores its token.
    async fn start(
        &self,
        ctx: &RequestContext,
        tenant: TenantId,
        partner: RoamingPartnerId,
        start: &StartSession,
    ) -> Result<Result<Accepted, CommandResponse>, OcpiError> {
        let token = &start.token;
        if !ctx
            .caller
            .owns(token.country_code.as_str(), token.party_id.as_str())
        {
            return Ok(Err(rejected("the token is not of one of your parties")));
        }
        if !token.valid {
            return Ok(Err(rejected("the token is not valid")));
        }
        let Some(stations) = self.stations_at(tenant, start.location_id.as_str()).await? else {
            return Ok(Err(rejected("unknown location")));
        };
        // The EVSE asked for, or the first available one of a connected station.
        let mut chosen = None;
        match &start.evse_uid {
            Some(uid) => {
                for details in &stations {
                    let found = details.evses.iter().find(|evse| {
                        publish::evse_uid(&details.station, evse.evse_id, evse.uid.as_deref())
                            == uid.as_str()
                    });
                    if let Some(evse) = found {
                        if !details.station.online {
                            return Ok(Err(rejected("the station of the EVSE is offline")));
                        }
                        chosen = Some((details, evse.evse_id));
                        break;
                    }
                }
                if chosen.is_none() {
                    return Ok(Err(rejected("unknown EVSE")));
                }
            }
            None => {
                let mut fallback = None;
                for details in &stations {
                    if !details.station.online {
                        continue;
                    }
                    for evse in &details.evses {
                        if state_of(details, evse.evse_id) == EvseState::Available {
                            chosen = Some((details, evse.evse_id));
                            break;
                        }
                        if fallback.is_none() {
                            fallback = Some((details, evse.evse_id));
                        }
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
        let Some((details, evse)) = chosen else {
            return Ok(Err(rejected("unknown EVSE")));
        };
        // The token as the partner's, for the station's authorization of it.
        self.store
            .put_roaming_token(tenant, partner, token)
            .await
            .map_err(failed)?;
        let refusal = match state_of(details, evse) {
            EvseState::Occupied => CommandResultType::EvseOccupied,
            EvseState::Inoperative => CommandResultType::EvseInoperative,
            EvseState::Available | EvseState::Other => CommandResultType::Rejected,
        };
        Ok(Ok(Accepted {
            identity: details.station.identity.clone(),
            command: StationCommand::RemoteStart {
                evse: Some(evse),
                connector: None,
                id_token: token.uid.as_str().to_owned(),
                remote_start_id: None,
                charging_profile: None,
            },
            refusal,
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
        let Ok(id) = stop.session_id.as_str().parse::<i64>() else {
            return unknown();
        };
        let Some(session) = self
            .store
            .session(tenant, SessionId(id))
            .await
            .map_err(failed)?
        else {
            return unknown();
        };
        let Some(uid) = &session.token_uid else {
            return unknown();
        };
        let tokens = self
            .store
            .roaming_tokens_by_uid(tenant, uid)
            .await
            .map_err(failed)?;
        if !tokens.iter().any(|token| token.partner_id == partner) {
            return unknown();
        }
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
            command: StationCommand::RemoteStop {
                transaction_id: session.transaction.to_text(),
            },
            refusal: CommandResultType::Rejected,
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
            command: StationCommand::Unlock {
                evse: Some(evse),
                connector: connector.connector_id,
            },
            refusal: CommandResultType::Rejected,
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
        let sent = commands
            .send(
                tenant,
                Actor::RoamingPartner(partner),
                &accepted.identity,
                &*stations,
                &accepted.command,
            )
            .await;
        let outcome = match &sent {
            Ok(sent) => outcome_result(sent, accepted.refusal),
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
            Command::ReserveNow(_) | Command::CancelReservation(_) => {
                return Ok(refused(
                    CommandResponseType::NotSupported,
                    "reservations are not supported",
                ));
            }
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
                outcome_result(&sent(outcome), occupied.clone()).result,
                expected,
                "{outcome:?}"
            );
        }
        let long = "x".repeat(600);
        assert_eq!(text(&long)[0].text.as_str().len(), 512);
    }
}
