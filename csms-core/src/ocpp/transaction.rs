//! The rules of transactions, whatever the version that carried them. A session begins
//! ([`Csms::begin_session`]) and ends ([`Csms::end_session`]) the same way for a 1.6
//! StartTransaction / StopTransaction and a 2.x TransactionEvent; a token is decided on
//! ([`Csms::decide`](super::Csms)) before anything is written. A 2.x event is a
//! [`TransactionReport`] in and a [`TransactionAnswer`] out: 2.0.1 and 2.1 `TransactionEvent`s
//! are translated to the report by their version's module, and the answer back.

use chrono::{DateTime, SubsecRound, Utc};
use ocpp_server::Context;
use rust_decimal::Decimal;

use super::authorize::Authorization;
use super::connected::ConnectedStation;
use super::sequence::{self, EventKind, KnownTransaction, Step};
use super::{Csms, OcppError, meter};
use crate::model::{
    AuthMethod, Cdr, ChargingSession, MeterValue, NewSession, SessionId, SessionStart,
    SessionStatus, SessionStop, Station, Token, TransactionRef,
};
use crate::store::Store;

/// What a station reports of a transaction in one event, in no version's words.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TransactionReport {
    /// Started, Updated or Ended.
    pub(super) kind: EventKind,
    /// The station's transaction id.
    pub(super) transaction_id: String,
    /// The event's sequence number.
    pub(super) seq_no: i64,
    /// When it happened.
    pub(super) at: DateTime<Utc>,
    /// Whether it happened while the station was offline.
    pub(super) offline: bool,
    /// The EVSE, if the event names one.
    pub(super) evse_id: Option<i32>,
    /// The connector, if the event names one.
    pub(super) connector_id: Option<i32>,
    /// The id token presented, if any.
    pub(super) token_uid: Option<String>,
    /// How the driver was authorized.
    pub(super) auth_method: AuthMethod,
    /// The session status the charging state means, if it means one.
    pub(super) charging: Option<SessionStatus>,
    /// Why the transaction stopped, as the station says it.
    pub(super) stopped_reason: Option<String>,
    /// The meter values it carries.
    pub(super) values: Vec<MeterValue>,
    /// The reservation the transaction is charged on, if the event names one.
    pub(super) reservation_id: Option<i64>,
    /// The station's own calculation of the cost (2.1 `costDetails`), kept with the
    /// session.
    pub(super) station_cost: Option<serde_json::Value>,
}

/// What the CSMS answers a transaction event.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TransactionAnswer {
    /// The session of the transaction.
    pub(super) session: SessionId,
    /// The decision on the id token, when the event carried one.
    pub(super) authorization: Option<Authorization>,
    /// The session's total cost (tax included when known), once it has ended.
    pub(super) total_cost: Option<Decimal>,
}

/// The session status a 2.x charging state means (`None` for a state no version defines).
pub(super) fn session_status(charging_state: &str) -> Option<SessionStatus> {
    match charging_state {
        "Charging" => Some(SessionStatus::Charging),
        "SuspendedEV" => Some(SessionStatus::SuspendedEv),
        "SuspendedEVSE" => Some(SessionStatus::SuspendedEvse),
        "EVConnected" | "Idle" => Some(SessionStatus::Authorized),
        _ => None,
    }
}

/// How the driver of a 2.x transaction was authorized: by a remote start, or by the type of
/// the id token presented (`None`: no token).
pub(super) fn auth_method(remote_start: bool, token_type: Option<&str>) -> AuthMethod {
    if remote_start {
        return AuthMethod::RemoteStart;
    }
    match token_type {
        None | Some("NoAuthorization") => AuthMethod::None,
        Some("eMAID") => AuthMethod::PlugAndCharge,
        Some("MacAddress") => AuthMethod::Autocharge,
        Some("Local") => AuthMethod::LocalList,
        Some(_) => AuthMethod::Central,
    }
}

/// The session a token decision is made for: it does not count among the token's running
/// sessions (a retried start must not find its own session in the way).
#[derive(Debug, Clone, Copy)]
pub(super) enum ThisSession<'a> {
    /// None: an Authorize, or a stop.
    None,
    /// The 2.x transaction of this id.
    Transaction(&'a str),
    /// The 1.6 start on this connector at this time.
    Start {
        /// The connector.
        connector: Option<i32>,
        /// When the station says it started.
        started_at: DateTime<Utc>,
    },
}

impl ThisSession<'_> {
    /// Whether `session`, of `station`, is this one.
    pub(super) fn is(&self, station: &Station, session: &ChargingSession) -> bool {
        if session.station_id != station.id {
            return false;
        }
        match *self {
            ThisSession::None => false,
            ThisSession::Transaction(id) => {
                matches!(&session.transaction, TransactionRef::V201(known) if known == id)
            }
            ThisSession::Start {
                connector,
                started_at,
            } => {
                // Stores keep times to the microsecond.
                session.connector_id == connector
                    && session.started_at.trunc_subsecs(6) == started_at.trunc_subsecs(6)
            }
        }
    }
}

impl<S: Store + 'static> Csms<S> {
    /// Starts a session (`ending_running`: the stop reason of a session still running on
    /// its connector, which the start ends in the same transaction); counts it on its
    /// token when this start created it, and issues the CDR of the session it ended.
    pub(super) async fn begin_session(
        &self,
        station: &Station,
        new: &NewSession,
        token: Option<&Token>,
        ending_running: Option<&str>,
    ) -> Result<SessionStart, OcppError> {
        let tenant = station.tenant_id;
        let start = match ending_running {
            Some(reason) => {
                self.store
                    .start_session_ending_running(tenant, new, reason)
                    .await?
            }
            None => {
                let (session, created) = self.store.start_session(tenant, new).await?;
                SessionStart {
                    session,
                    created,
                    superseded: None,
                }
            }
        };
        // Counted once per session: a retried start, or one whose first attempt failed
        // after the session was stored, counts it if nothing did yet.
        if let Some(token) = token {
            self.count_session_start(token, start.session.id, new.started_at)
                .await?;
        }
        if let Some(ended) = &start.superseded {
            tracing::warn!(
                station = %station.identity,
                session = %ended.id,
                "a new start on the connector ended its session that never got a stop"
            );
            if ended.status.is_final() {
                self.session_ended(ended).await?;
            }
        }
        Ok(start)
    }

    /// Ends `session` with `stop` (a session already over stays as it is) and issues its
    /// CDR once it is over: the CDR, if the session could be priced.
    pub(super) async fn end_session(
        &self,
        session: &ChargingSession,
        stop: &SessionStop,
    ) -> Result<Option<Cdr>, OcppError> {
        let stopped = self
            .store
            .stop_session(session.tenant_id, session.id, stop)
            .await?;
        match stopped {
            Some(stopped) if stopped.status.is_final() => self.session_ended(&stopped).await,
            _ => Ok(None),
        }
    }

    /// Applies a transaction event of the station of `ctx` ([`Csms::transaction`]), with
    /// what its connection keeps.
    pub(super) async fn transaction_event(
        &self,
        ctx: &Context,
        report: TransactionReport,
    ) -> Result<TransactionAnswer, OcppError> {
        let station = self.admitted(ctx, false).await?;
        self.transaction(&station, ctx.attachment(), report).await
    }

    /// Applies a transaction event of `station`: decides on its id token, finds or starts
    /// its session, orders it by [`sequence::sequence`], keeps its meter values, ends the
    /// session and issues its CDR when it ends. `connected`: what the station's connection
    /// keeps, where an `Updated` event finds its running session without reading it.
    async fn transaction(
        &self,
        station: &Station,
        connected: Option<&ConnectedStation>,
        report: TransactionReport,
    ) -> Result<TransactionAnswer, OcppError> {
        let tenant = station.tenant_id;
        // Taken, and given back once the event is applied: an event that fails leaves the
        // connection nothing, and the next one reads the session.
        let kept = connected
            .filter(|_| report.kind == EventKind::Updated)
            .and_then(|connected| connected.take_running(&report.transaction_id));
        let existing = match kept {
            Some(session) => Some(session),
            None => {
                self.store
                    .session_by_transaction(tenant, station.id, &report.transaction_id)
                    .await?
            }
        };
        let decided = sequence::sequence(
            existing.as_ref().map(|session| KnownTransaction {
                last_seq_no: session.last_seq_no,
                is_over: session.status.is_final(),
            }),
            report.kind,
            report.seq_no,
        );
        if let Some((expected, received)) = decided.gap {
            tracing::info!(
                station = %station.identity,
                transaction = %report.transaction_id,
                expected,
                received,
                "TransactionEvent seqNo gap"
            );
        }
        // The token is read once and decided on before anything is written.
        let token = match &report.token_uid {
            Some(uid) => self.store.token_by_uid(tenant, uid).await?,
            None => None,
        };
        let authorization = match &report.token_uid {
            Some(uid) => Some(
                self.decide(
                    station,
                    uid,
                    token.as_ref(),
                    Utc::now(),
                    ThisSession::Transaction(&report.transaction_id),
                )
                .await?,
            ),
            None => None,
        };
        let session = match existing {
            Some(session) => session,
            None => {
                // A transaction first seen late started no later than its earliest sample.
                let started_at = report
                    .values
                    .iter()
                    .map(|value| value.timestamp)
                    .chain([report.at])
                    .min()
                    .unwrap_or(report.at);
                let new = NewSession {
                    station_id: station.id,
                    transaction_id: Some(report.transaction_id.clone()),
                    evse_id: report.evse_id,
                    connector_id: report.connector_id,
                    token_uid: report.token_uid.clone(),
                    token_id: token.as_ref().map(|token| token.id),
                    started_at,
                    meter_start_wh: meter::register_span(&report.values).map(|(first, _)| first),
                    status: report.charging.unwrap_or(SessionStatus::Authorized),
                    auth_method: Some(report.auth_method),
                    offline: report.offline,
                    seq_no: Some(report.seq_no),
                };
                self.begin_session(station, &new, token.as_ref(), None)
                    .await?
                    .session
            }
        };
        if let Some(reservation) = report.reservation_id {
            self.reservation_used(station, reservation, session.id)
                .await?;
        }
        if let Some(cost) = &report.station_cost {
            self.store
                .record_station_cost(tenant, session.id, cost)
                .await?;
        }
        let (ends, update) = match decided.step {
            Step::Begin { end } => (end, None),
            Step::Advance { end: false } => (
                false,
                Some((
                    report.charging.unwrap_or(session.status),
                    Some(report.seq_no),
                )),
            ),
            Step::Advance { end: true } => (true, None),
            Step::KeepMeterValues => (false, None),
        };
        let updated = if !report.values.is_empty() || update.is_some() {
            self.store
                .advance_session(tenant, &session, &report.values, update)
                .await?
        } else {
            false
        };
        let cdr = if ends && !session.status.is_final() {
            let all = self.store.meter_values(tenant, session.id).await?;
            let stop = SessionStop {
                stopped_at: report.at,
                meter_stop_wh: meter::register_span(&all).map(|(_, last)| last),
                status: SessionStatus::Completed,
                reason: Some(
                    report
                        .stopped_reason
                        .clone()
                        .unwrap_or_else(|| "Local".to_owned()),
                ),
                offline: report.offline,
                seq_no: Some(report.seq_no),
            };
            self.end_session(&session, &stop).await?
        } else if report.kind == EventKind::Ended && session.status.is_final() {
            // A retried Ended: the CDR issued before, for its total cost.
            self.session_ended(&session).await?
        } else {
            None
        };
        let total_cost = match report.kind {
            EventKind::Ended => {
                cdr.map(|cdr| cdr.total_cost_incl_vat.unwrap_or(cdr.total_cost_excl_vat))
            }
            EventKind::Started | EventKind::Updated => None,
        };
        let answer = TransactionAnswer {
            session: session.id,
            authorization,
            total_cost,
        };
        if let Some(connected) = connected {
            match update {
                _ if ends => {}
                // The store's guard found the session elsewhere than this connection left
                // it: the next event reads it.
                Some(_) if !updated => {}
                Some((status, seq_no)) => {
                    let mut advanced = session;
                    advanced.status = status;
                    advanced.last_seq_no = seq_no.or(advanced.last_seq_no);
                    connected.keep_running(&report.transaction_id, advanced);
                }
                None => connected.keep_running(&report.transaction_id, session),
            }
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charging_states_of_every_version() {
        let table = [
            ("Charging", Some(SessionStatus::Charging)),
            ("SuspendedEV", Some(SessionStatus::SuspendedEv)),
            ("SuspendedEVSE", Some(SessionStatus::SuspendedEvse)),
            ("EVConnected", Some(SessionStatus::Authorized)),
            ("Idle", Some(SessionStatus::Authorized)),
            ("Dancing", None),
        ];
        for (state, status) in table {
            assert_eq!(session_status(state), status, "{state}");
        }
    }

    #[test]
    fn how_a_driver_was_authorized() {
        let table = [
            (true, Some("ISO14443"), AuthMethod::RemoteStart),
            (false, None, AuthMethod::None),
            (false, Some("NoAuthorization"), AuthMethod::None),
            (false, Some("eMAID"), AuthMethod::PlugAndCharge),
            (false, Some("MacAddress"), AuthMethod::Autocharge),
            (false, Some("Local"), AuthMethod::LocalList),
            (false, Some("ISO14443"), AuthMethod::Central),
            (false, Some("Central"), AuthMethod::Central),
        ];
        for (remote, token_type, method) in table {
            assert_eq!(auth_method(remote, token_type), method, "{token_type:?}");
        }
    }
}
