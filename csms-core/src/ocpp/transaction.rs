//! The rules of a 2.x transaction event, whatever the version that carried it: a
//! [`TransactionReport`] in, a [`TransactionAnswer`] out. 2.0.1 and 2.1 `TransactionEvent`s
//! are translated to the report by their version's module, and the answer back.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::authorize::Authorization;
use super::sequence::{self, EventKind, KnownTransaction, Step};
use super::{Csms, OcppError, meter};
use crate::model::{AuthMethod, MeterValue, NewSession, SessionStatus, SessionStop, Station};
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
}

/// What the CSMS answers a transaction event.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TransactionAnswer {
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

impl<S: Store + 'static> Csms<S> {
    /// Applies a transaction event of `station`: finds or starts its session, orders it by
    /// [`sequence::sequence`], keeps its meter values, ends the session and issues its CDR
    /// when it ends, and decides on its id token.
    pub(super) async fn transaction(
        &self,
        station: &Station,
        report: TransactionReport,
    ) -> Result<TransactionAnswer, OcppError> {
        let tenant = station.tenant_id;
        let existing = self
            .store
            .session_by_transaction(tenant, station.id, &report.transaction_id)
            .await?;
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
        let session = match existing {
            Some(session) => session,
            None => {
                let token = match &report.token_uid {
                    Some(uid) => self.store.token_by_uid(tenant, uid).await?,
                    None => None,
                };
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
                let (session, created) = self.store.start_session(tenant, &new).await?;
                if created && let Some(token) = &token {
                    self.count_session_start(token, started_at).await?;
                }
                session
            }
        };
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
        if !report.values.is_empty() || update.is_some() {
            self.store
                .advance_session(tenant, session.id, &report.values, update)
                .await?;
        }
        let mut ended_now = false;
        let mut over = session.status.is_final().then(|| session.clone());
        if ends && over.is_none() {
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
            over = self
                .store
                .stop_session(tenant, session.id, &stop)
                .await?
                .filter(|stopped| stopped.status.is_final());
            ended_now = true;
        }
        let mut total_cost = None;
        if report.kind == EventKind::Ended
            && let Some(over) = &over
        {
            total_cost = self
                .session_ended(over, ended_now)
                .await?
                .map(|cdr| cdr.total_cost_incl_vat.unwrap_or(cdr.total_cost_excl_vat));
        }
        let authorization = match &report.token_uid {
            Some(uid) => Some(
                self.authorize_uid(station, uid, Utc::now(), Some(session.id))
                    .await?
                    .1,
            ),
            None => None,
        };
        Ok(TransactionAnswer {
            authorization,
            total_cost,
        })
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
