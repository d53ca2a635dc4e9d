//! The module interfaces an application implements: the Sender interfaces of Locations,
//! Sessions, CDRs and Tariffs, and the Receiver interfaces of Tokens, Commands,
//! ChargingProfiles and HubClientInfo (the CPO side of OCPI 2.2.1). Register the ones you implement with [`OcpiServer`]; only
//! those get routes and appear in the version details.
//!
//! Each method gets the [`RequestContext`] (the registered partner, its routing headers
//! and message ids): scope what it sees by `ctx.caller.tenant` and `ctx.caller.partner`.
//!
//! The same implementations serve partners that agreed OCPI 2.1.1
//! (`ctx.caller.version`): the server converts the objects they return and take (see
//! the crate documentation). What the server cannot do for them is the asynchronous
//! side of commands: the result a [`CommandsReceiver`] POSTs to
//! [`Command::response_url`] is, for a 2.1.1 partner, a 2.1.1 `CommandResponse`
//! (`ocpi_types::v211::CommandResponse`), not a 2.2.1 `CommandResult`:
//! [`command_result_v211`] makes it.
//!
//! [`OcpiServer`]: crate::OcpiServer

use ocpi_types::common::CiString;
use ocpi_types::v211;
use ocpi_types::v221::{
    CancelReservation, Cdr, ChargingProfileResponse, ClientInfo, CommandResponse, CommandResult,
    CommandResultType, CommandType, Connector, Evse, Location, ReserveNow, Session,
    SetChargingProfile, StartSession, StopSession, Tariff, Token, TokenPatch, TokenType,
    UnlockConnector,
};

use crate::auth::RequestContext;
use crate::error::OcpiError;
use crate::paging::{Page, PageQuery};

/// The Locations module, Sender interface (`GET` list, and one Location, EVSE or
/// Connector).
#[async_trait::async_trait]
pub trait LocationsSender: Send + Sync {
    /// One page of the Locations the caller may see, oldest first.
    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageQuery,
    ) -> Result<Page<Location>, OcpiError>;
    /// One Location; `None` answers 404 with OCPI 2003.
    async fn location(
        &self,
        ctx: &RequestContext,
        location_id: &str,
    ) -> Result<Option<Location>, OcpiError>;
    /// One EVSE of a Location; `None` answers 404 with OCPI 2003.
    async fn evse(
        &self,
        ctx: &RequestContext,
        location_id: &str,
        evse_uid: &str,
    ) -> Result<Option<Evse>, OcpiError>;
    /// One Connector of an EVSE; `None` answers 404 with OCPI 2003.
    async fn connector(
        &self,
        ctx: &RequestContext,
        location_id: &str,
        evse_uid: &str,
        connector_id: &str,
    ) -> Result<Option<Connector>, OcpiError>;
}

/// The Sessions module, Sender interface (`GET` list).
#[async_trait::async_trait]
pub trait SessionsSender: Send + Sync {
    /// One page of the caller's Sessions, oldest first.
    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageQuery,
    ) -> Result<Page<Session>, OcpiError>;
}

/// The CDRs module, Sender interface (`GET` list).
#[async_trait::async_trait]
pub trait CdrsSender: Send + Sync {
    /// One page of the caller's CDRs, oldest first.
    async fn list(&self, ctx: &RequestContext, page: &PageQuery) -> Result<Page<Cdr>, OcpiError>;
}

/// The Tariffs module, Sender interface (`GET` list).
#[async_trait::async_trait]
pub trait TariffsSender: Send + Sync {
    /// One page of the Tariffs the caller may see, oldest first.
    async fn list(&self, ctx: &RequestContext, page: &PageQuery)
    -> Result<Page<Tariff>, OcpiError>;
}

/// The address of a Token in the Tokens Receiver interface:
/// `/{country_code}/{party_id}/{uid}?type={type}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenKey {
    /// Country code of the eMSP owning the Token.
    pub country_code: CiString<2>,
    /// Party id of the eMSP owning the Token.
    pub party_id: CiString<3>,
    /// `Token.uid`.
    pub uid: CiString<36>,
    /// `Token.type` (`RFID` when the request does not say).
    pub token_type: TokenType,
}

/// Whether a PUT created an object or replaced one (answered with HTTP 201 or 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stored {
    /// The object is new.
    Created,
    /// The object replaced one that existed.
    Updated,
}

/// The Tokens module, Receiver interface (`GET`, `PUT`, `PATCH` of one Token).
///
/// The routes check before calling it that the country code and party id of the URL are
/// one of the caller's parties (otherwise 404 with OCPI 2001) and, for a PUT, that the
/// Token's `country_code`, `party_id`, `uid` and `type` are those of the URL (otherwise
/// OCPI 2001).
#[async_trait::async_trait]
pub trait TokensReceiver: Send + Sync {
    /// The Token as stored; `None` answers 404 with OCPI 2004.
    async fn get(&self, ctx: &RequestContext, key: &TokenKey) -> Result<Option<Token>, OcpiError>;
    /// Stores a new or updated Token.
    async fn put(
        &self,
        ctx: &RequestContext,
        key: &TokenKey,
        token: Token,
    ) -> Result<Stored, OcpiError>;
    /// Applies a partial update; `Ok(false)` when there is no such Token (404, OCPI 2004).
    async fn patch(
        &self,
        ctx: &RequestContext,
        key: &TokenKey,
        patch: TokenPatch,
    ) -> Result<bool, OcpiError>;
}

/// A command request, typed by its `{command}` path segment.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `CANCEL_RESERVATION`.
    CancelReservation(CancelReservation),
    /// `RESERVE_NOW`.
    ReserveNow(ReserveNow),
    /// `START_SESSION`.
    StartSession(StartSession),
    /// `STOP_SESSION`.
    StopSession(StopSession),
    /// `UNLOCK_CONNECTOR`.
    UnlockConnector(UnlockConnector),
}

impl Command {
    /// The command type.
    pub fn command_type(&self) -> CommandType {
        match self {
            Command::CancelReservation(_) => CommandType::CancelReservation,
            Command::ReserveNow(_) => CommandType::ReserveNow,
            Command::StartSession(_) => CommandType::StartSession,
            Command::StopSession(_) => CommandType::StopSession,
            Command::UnlockConnector(_) => CommandType::UnlockConnector,
        }
    }

    /// Where the asynchronous CommandResult is to be POSTed.
    pub fn response_url(&self) -> &str {
        match self {
            Command::CancelReservation(c) => &c.response_url,
            Command::ReserveNow(c) => &c.response_url,
            Command::StartSession(c) => &c.response_url,
            Command::StopSession(c) => &c.response_url,
            Command::UnlockConnector(c) => &c.response_url,
        }
    }
}

/// The Commands module, Receiver interface (`POST /{command}`).
#[async_trait::async_trait]
pub trait CommandsReceiver: Send + Sync {
    /// Takes a command and answers at once whether it will be sent to the Charge Point;
    /// the result follows later, POSTed to [`Command::response_url`].
    async fn command(
        &self,
        ctx: &RequestContext,
        command: Command,
    ) -> Result<CommandResponse, OcpiError>;
}

/// The asynchronous result of a command for a partner that agreed OCPI 2.1.1, which
/// POSTs a `CommandResponse` to the `response_url`: `ACCEPTED` (and
/// `CANCELED_RESERVATION`, the success of a cancellation) stay accepted, `NOT_SUPPORTED`
/// and `TIMEOUT` keep their names, every failure (`REJECTED`, `EVSE_OCCUPIED`,
/// `EVSE_INOPERATIVE`, `FAILED`, `UNKNOWN_RESERVATION`) is `REJECTED`; 2.1.1 has no message.
///
/// ```
/// use ocpi_server::modules::command_result_v211;
/// use ocpi_types::v221::{CommandResult, CommandResultType};
///
/// let result = CommandResult { result: CommandResultType::EvseOccupied, message: Vec::new() };
/// let body = serde_json::to_value(command_result_v211(&result)).unwrap();
/// assert_eq!(body, serde_json::json!({"result": "REJECTED"}));
/// ```
pub fn command_result_v211(result: &CommandResult) -> v211::CommandResponse {
    use CommandResultType as R;
    use v211::CommandResponseType as V;
    let mapped = match &result.result {
        R::Accepted | R::CanceledReservation => V::Accepted,
        R::NotSupported => V::NotSupported,
        R::Timeout => V::Timeout,
        R::Rejected | R::EvseOccupied | R::EvseInoperative | R::Failed | R::UnknownReservation => {
            V::Rejected
        }
        R::NonStandard(other) => V::NonStandard(other.clone()),
    };
    // 2.1.1 results have only the result (no message).
    v211::CommandResponse { result: mapped }
}

/// The ChargingProfiles module, Receiver interface (`/chargingprofiles/{session_id}`, OCPI
/// 2.2.1 only): a partner (an eMSP, or a smart-charging service acting for it) asks for the
/// profile a session's EVSE follows (`GET`), sets one for the session (`PUT`) or clears
/// the one it set (`DELETE`). Each is answered at once with a `ChargingProfileResponse`
/// (`ACCEPTED` with a timeout, or `REJECTED`, `NOT_SUPPORTED`, `UNKNOWN_SESSION`,
/// `TOO_OFTEN`); the result follows, POSTed to `response_url`: an
/// `ActiveChargingProfileResult`, a `ChargingProfileResult` or a `ClearProfileResult`.
#[async_trait::async_trait]
pub trait ChargingProfilesReceiver: Send + Sync {
    /// `GET {session_id}?duration=..&response_url=..`: the profile of the next `duration`
    /// seconds.
    async fn active_profile(
        &self,
        ctx: &RequestContext,
        session_id: &str,
        duration: i64,
        response_url: &str,
    ) -> Result<ChargingProfileResponse, OcpiError>;

    /// `PUT {session_id}`: set `request.charging_profile` for the session.
    async fn set_profile(
        &self,
        ctx: &RequestContext,
        session_id: &str,
        request: SetChargingProfile,
    ) -> Result<ChargingProfileResponse, OcpiError>;

    /// `DELETE {session_id}?response_url=..`: clear the profile set for the session.
    async fn clear_profile(
        &self,
        ctx: &RequestContext,
        session_id: &str,
        response_url: &str,
    ) -> Result<ChargingProfileResponse, OcpiError>;
}

/// The HubClientInfo module, Receiver interface (`/hubclientinfo/{country_code}/{party_id}`,
/// OCPI 2.2.1 only): a Hub tells the platforms connected to it how the other parties'
/// connections to it stand (`PUT`), and reads back what it told (`GET`). The parties named
/// are the Hub's other clients, not the caller's own.
#[async_trait::async_trait]
pub trait HubClientInfoReceiver: Send + Sync {
    /// What the caller last told of the party `country_code`/`party_id`, if anything.
    async fn get(
        &self,
        ctx: &RequestContext,
        country_code: &str,
        party_id: &str,
    ) -> Result<Option<ClientInfo>, OcpiError>;

    /// Stores `info` (whose party is the one the URL names). An older `last_updated` than
    /// the one stored changes nothing.
    async fn put(&self, ctx: &RequestContext, info: ClientInfo) -> Result<Stored, OcpiError>;
}
