//! The ChargingProfiles module, Receiver interface: a partner (an eMSP, or a smart-charging
//! service acting for it) steers the sessions charged with its own tokens.
//!
//! | request | sent to the station | result POSTed to `response_url` |
//! | --- | --- | --- |
//! | `GET {session_id}?duration=` | GetCompositeSchedule of the session's EVSE for `duration` seconds | `ActiveChargingProfileResult`: the schedule as an `ActiveChargingProfile` |
//! | `PUT {session_id}` | SetChargingProfile: a `TxProfile` of the session's transaction | `ChargingProfileResult` |
//! | `DELETE {session_id}` | ClearChargingProfile of that profile | `ClearProfileResult` |
//!
//! Each request is checked at once and answered `UNKNOWN_SESSION` when the session is not
//! one of the partner's, `REJECTED` with the session over or its station offline, else
//! `ACCEPTED` with [`RESULT_TIMEOUT`]. The station is then sent the command on a task of
//! its own through the operator command machinery (audited as `station.<command>` with the
//! partner as the actor), and the result goes through the outbox
//! ([`OutboxStore::record_profile_result`](crate::store::OutboxStore::record_profile_result)),
//! retried until the partner takes it, as every push is.
//!
//! The profile a partner sets is one per session: its id is the session's id, its stack
//! level 0, and a new `PUT` replaces it on the station (a station replaces a profile sent
//! again with the same id); `DELETE` clears it by that id. A profile with
//! `start_date_time` is `Absolute` from that time, one without `Relative` to the start of
//! the transaction. The station's answer decides the result: accepted is `ACCEPTED`; a
//! ClearChargingProfile the station answers `Unknown` is `UNKNOWN`; a GetCompositeSchedule
//! accepted without a schedule is `UNKNOWN`; every other answer, no answer in time or a
//! station gone is `REJECTED`.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ocpi_server::{ChargingProfilesReceiver, OcpiError, RequestContext};
use ocpi_types::common::DateTime as OcpiDateTime;
use ocpi_types::v221::charging_profiles::{
    ActiveChargingProfile, ActiveChargingProfileResult, ChargingProfile, ChargingProfilePeriod,
    ChargingProfileResponse, ChargingProfileResponseType, ChargingProfileResult,
    ChargingProfileResultType, ChargingRateUnit, ClearProfileResult, SetChargingProfile,
};
use ocpp_types::OcppVersion;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use super::commands::{RESULT_TIMEOUT, partner_session};
use super::partners::scope;
use crate::model::{
    Actor, ProfileResult, ProfileResultDue, RoamingPartnerId, TenantId, TransactionRef,
};
use crate::ocpp::commands::{
    Command as StationCommand, CommandResult as StationResult, CommandRoute, Commands, Outcome,
    Refusal,
};
use crate::store::{Store, StoreError};

fn failed(error: StoreError) -> OcpiError {
    OcpiError::Store(Box::new(error))
}

fn answer(result: ChargingProfileResponseType) -> ChargingProfileResponse {
    let timeout = match result {
        ChargingProfileResponseType::Accepted => RESULT_TIMEOUT.as_secs() as i64,
        _ => 0,
    };
    ChargingProfileResponse { result, timeout }
}

/// A session a partner may steer now: the partner and its tenant, the session's station,
/// EVSE and transaction, and the id of the profile the partner sets for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Steered {
    tenant: TenantId,
    partner: RoamingPartnerId,
    identity: String,
    version: OcppVersion,
    evse: i32,
    transaction: TransactionRef,
    profile_id: i32,
}

/// The station's form of `profile`, a `TxProfile` for the steered session's transaction:
/// 1.6 `csChargingProfiles`, or the 2.x `ChargingProfile` (2.1 stations take its 2.0.1
/// form, see [`crate::ocpp::commands`]); or why it has none.
pub(crate) fn station_profile(
    steered: &Steered,
    profile: &ChargingProfile,
) -> Result<Value, String> {
    let periods: Vec<Value> = profile
        .charging_profile_period
        .iter()
        .map(|period| {
            let limit = period
                .limit
                .to_f64()
                .ok_or_else(|| format!("limit {} is out of range", period.limit))?;
            let start = i32::try_from(period.start_period)
                .map_err(|_| format!("start_period {} is out of range", period.start_period))?;
            Ok(json!({"startPeriod": start, "limit": limit}))
        })
        .collect::<Result<_, String>>()?;
    if periods.is_empty() {
        return Err("a profile needs at least one period".to_owned());
    }
    let unit = match &profile.charging_rate_unit {
        ChargingRateUnit::W => "W",
        ChargingRateUnit::A => "A",
        other => return Err(format!("{other:?} is not a charging rate unit")),
    };
    let mut schedule = json!({"chargingRateUnit": unit, "chargingSchedulePeriod": periods});
    if let Some(duration) = profile.duration {
        let duration =
            i32::try_from(duration).map_err(|_| format!("duration {duration} is out of range"))?;
        schedule["duration"] = json!(duration);
    }
    if let Some(rate) = profile.min_charging_rate {
        schedule["minChargingRate"] = json!(rate.to_f64());
    }
    let start = profile.start_date_time.as_ref().map(OcpiDateTime::utc);
    if let Some(start) = start {
        schedule["startSchedule"] = json!(start);
    }
    let kind = if start.is_some() {
        "Absolute"
    } else {
        "Relative"
    };
    match steered.version {
        OcppVersion::V16 => {
            let TransactionRef::V16(transaction) = &steered.transaction else {
                return Err("the session has no 1.6 transaction id".to_owned());
            };
            Ok(json!({
                "chargingProfileId": steered.profile_id,
                "transactionId": transaction,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": kind,
                "chargingSchedule": schedule,
            }))
        }
        OcppVersion::V201 | OcppVersion::V21 => {
            schedule["id"] = json!(steered.profile_id);
            Ok(json!({
                "id": steered.profile_id,
                "transactionId": steered.transaction.to_text(),
                "stackLevel": 0,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": kind,
                "chargingSchedule": [schedule],
            }))
        }
    }
}

/// A JSON number as a decimal.
fn decimal(value: &Value) -> Option<Decimal> {
    let number = value.as_number()?;
    Decimal::from_str(&number.to_string())
        .or_else(|_| Decimal::from_scientific(&number.to_string()))
        .ok()
        .map(|value| value.normalize())
}

/// The schedule a station answered a GetCompositeSchedule with (1.6: `scheduleStart` and
/// `chargingSchedule`; 2.x: `schedule`), as the OCPI `ActiveChargingProfile`; `None`
/// without one.
pub(crate) fn active_profile(response: &Value) -> Option<ActiveChargingProfile> {
    let (start, schedule) = match response.get("schedule") {
        Some(schedule) => (schedule.get("scheduleStart"), schedule),
        None => {
            let schedule = response.get("chargingSchedule")?;
            let start = response
                .get("scheduleStart")
                .or_else(|| schedule.get("startSchedule"));
            (start, schedule)
        }
    };
    let start: DateTime<Utc> = serde_json::from_value(start?.clone()).ok()?;
    let unit = match schedule.get("chargingRateUnit")?.as_str()? {
        "W" => ChargingRateUnit::W,
        "A" => ChargingRateUnit::A,
        _ => return None,
    };
    let periods = schedule
        .get("chargingSchedulePeriod")?
        .as_array()?
        .iter()
        .map(|period| {
            Some(ChargingProfilePeriod {
                start_period: period.get("startPeriod")?.as_i64()?,
                limit: decimal(period.get("limit")?)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(ActiveChargingProfile {
        start_date_time: OcpiDateTime::from_utc(start),
        charging_profile: ChargingProfile {
            start_date_time: Some(OcpiDateTime::from_utc(start)),
            duration: schedule.get("duration").and_then(Value::as_i64),
            charging_rate_unit: unit,
            min_charging_rate: schedule.get("minChargingRate").and_then(decimal),
            charging_profile_period: periods,
        },
    })
}

/// What a partner asked of a steered session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    Active,
    Set,
    Clear,
}

/// The result of what the station made of `request`.
fn profile_result(request: Request, sent: &StationResult) -> ProfileResult {
    use ChargingProfileResultType as R;
    let accepted = sent.outcome == Outcome::Accepted;
    let plain = if accepted { R::Accepted } else { R::Rejected };
    match request {
        Request::Active => {
            let profile = sent.response.as_ref().and_then(active_profile);
            let result = match (&profile, accepted) {
                (Some(_), true) => R::Accepted,
                (None, true) => R::Unknown,
                (_, false) => R::Rejected,
            };
            ProfileResult::Active(ActiveChargingProfileResult {
                result,
                profile: profile.filter(|_| accepted),
            })
        }
        Request::Set => ProfileResult::Set(ChargingProfileResult { result: plain }),
        Request::Clear => {
            let unknown = sent.refusal == Some(Refusal::Unknown);
            ProfileResult::Clear(ClearProfileResult {
                result: if unknown { R::Unknown } else { plain },
            })
        }
    }
}

/// The ChargingProfiles Receiver of the tenants of a store, steering their stations
/// wherever they are connected (see [`CommandRoute`]).
pub struct RoamingChargingProfiles<S: ?Sized> {
    store: Arc<S>,
    stations: Arc<dyn CommandRoute>,
}

impl<S: ?Sized> std::fmt::Debug for RoamingChargingProfiles<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoamingChargingProfiles")
            .finish_non_exhaustive()
    }
}

impl<S: Store + 'static> RoamingChargingProfiles<S> {
    /// The charging profiles of the tenants of `store`, sent to the stations `stations`
    /// has connected.
    pub fn new(store: Arc<S>, stations: Arc<dyn CommandRoute>) -> RoamingChargingProfiles<S> {
        RoamingChargingProfiles { store, stations }
    }

    /// The caller's tenant and partner, and the session `session_id` if the partner may
    /// steer it now; else the answer that says why not.
    async fn steered(
        &self,
        ctx: &RequestContext,
        session_id: &str,
    ) -> Result<Result<Steered, ChargingProfileResponse>, OcpiError> {
        let (tenant, partner) = scope(ctx)?;
        let unknown = Ok(Err(answer(ChargingProfileResponseType::UnknownSession)));
        let rejected = Ok(Err(answer(ChargingProfileResponseType::Rejected)));
        let found = partner_session(&*self.store, tenant, partner, session_id)
            .await
            .map_err(failed)?;
        let Some(session) = found else {
            return unknown;
        };
        if session.status.is_final() {
            return rejected;
        }
        let station = self
            .store
            .station_by_id(tenant, session.station_id)
            .await
            .map_err(failed)?;
        let Some(station) = station else {
            return unknown;
        };
        let (Some(version), Some(evse), Ok(profile_id), true) = (
            station.ocpp_version,
            session.evse_id.or(session.connector_id),
            i32::try_from(session.id.0),
            station.online,
        ) else {
            return rejected;
        };
        Ok(Ok(Steered {
            tenant,
            partner,
            identity: station.identity,
            version,
            evse,
            transaction: session.transaction,
            profile_id,
        }))
    }

    /// Sends `command` for `request` on a task of its own, the result to the outbox; the
    /// answer that says so.
    fn carry_out(
        &self,
        steered: Steered,
        request: Request,
        command: StationCommand,
        response_url: &str,
    ) -> ChargingProfileResponse {
        let store = Arc::clone(&self.store);
        let stations = Arc::clone(&self.stations);
        let response_url = response_url.to_owned();
        let (tenant, partner) = (steered.tenant, steered.partner);
        tokio::spawn(async move {
            let commands = Commands::new(Arc::clone(&store));
            let actor = Actor::RoamingPartner(partner);
            let sent = commands
                .send(tenant, actor, &steered.identity, &*stations, &command)
                .await;
            let result = match &sent {
                Ok(sent) => profile_result(request, sent),
                Err(error) => {
                    tracing::warn!(%error, station = steered.identity, "profile not sent");
                    let failed = StationResult::failed(Outcome::Failed, error.to_string());
                    profile_result(request, &failed)
                }
            };
            let due = ProfileResultDue {
                partner_id: partner,
                response_url,
                result,
            };
            if let Err(error) = store.record_profile_result(tenant, &due).await {
                tracing::warn!(%error, partner = partner.0, "profile result not recorded");
            }
        });
        answer(ChargingProfileResponseType::Accepted)
    }
}

#[async_trait::async_trait]
impl<S: Store + 'static> ChargingProfilesReceiver for RoamingChargingProfiles<S> {
    async fn active_profile(
        &self,
        ctx: &RequestContext,
        session_id: &str,
        duration: i64,
        response_url: &str,
    ) -> Result<ChargingProfileResponse, OcpiError> {
        let steered = match self.steered(ctx, session_id).await? {
            Ok(steered) => steered,
            Err(refusal) => return Ok(refusal),
        };
        let command = StationCommand::GetCompositeSchedule {
            evse: steered.evse,
            duration: i32::try_from(duration).unwrap_or(i32::MAX),
            unit: None,
        };
        Ok(self.carry_out(steered, Request::Active, command, response_url))
    }

    async fn set_profile(
        &self,
        ctx: &RequestContext,
        session_id: &str,
        request: SetChargingProfile,
    ) -> Result<ChargingProfileResponse, OcpiError> {
        let steered = match self.steered(ctx, session_id).await? {
            Ok(steered) => steered,
            Err(refusal) => return Ok(refusal),
        };
        let profile = station_profile(&steered, &request.charging_profile).map_err(|why| {
            OcpiError::InvalidBody {
                path: "$.charging_profile".to_owned(),
                message: why,
            }
        })?;
        let command = StationCommand::SetChargingProfile {
            evse: steered.evse,
            profile,
        };
        let url = request.response_url.as_str().to_owned();
        Ok(self.carry_out(steered, Request::Set, command, &url))
    }

    async fn clear_profile(
        &self,
        ctx: &RequestContext,
        session_id: &str,
        response_url: &str,
    ) -> Result<ChargingProfileResponse, OcpiError> {
        let steered = match self.steered(ctx, session_id).await? {
            Ok(steered) => steered,
            Err(refusal) => return Ok(refusal),
        };
        let command = StationCommand::ClearChargingProfile {
            profile_id: Some(steered.profile_id),
            evse: None,
            purpose: None,
            stack_level: None,
        };
        Ok(self.carry_out(steered, Request::Clear, command, response_url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steered(version: OcppVersion, transaction: TransactionRef) -> Steered {
        Steered {
            tenant: TenantId(1),
            partner: RoamingPartnerId(2),
            identity: "CP-1".to_owned(),
            version,
            evse: 1,
            transaction,
            profile_id: 42,
        }
    }

    fn profile(start: Option<&str>) -> ChargingProfile {
        serde_json::from_value(json!({
            "start_date_time": start,
            "duration": 3600,
            "charging_rate_unit": "W",
            "min_charging_rate": 1400.5,
            "charging_profile_period": [
                {"start_period": 0, "limit": 11000},
                {"start_period": 900, "limit": 3700.5}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_partners_profile_is_a_tx_profile_of_the_sessions_transaction() {
        let v16 = station_profile(
            &steered(OcppVersion::V16, TransactionRef::V16(7)),
            &profile(None),
        )
        .unwrap();
        assert_eq!(
            v16,
            json!({
                "chargingProfileId": 42, "transactionId": 7, "stackLevel": 0,
                "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
                "chargingSchedule": {
                    "duration": 3600, "chargingRateUnit": "W", "minChargingRate": 1400.5,
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 11000.0},
                        {"startPeriod": 900, "limit": 3700.5}
                    ]
                }
            })
        );
        // It reads as the version's typed profile.
        serde_json::from_value::<ocpp_types::v16::ChargingProfile>(v16).unwrap();

        let v201 = station_profile(
            &steered(OcppVersion::V201, TransactionRef::V201("TX-9".into())),
            &profile(Some("2026-03-01T10:00:00Z")),
        )
        .unwrap();
        assert_eq!(v201["transactionId"], "TX-9");
        assert_eq!(v201["chargingProfileKind"], "Absolute");
        assert_eq!(
            v201["chargingSchedule"][0]["startSchedule"],
            "2026-03-01T10:00:00Z"
        );
        assert_eq!(v201["chargingSchedule"][0]["id"], 42);
        serde_json::from_value::<ocpp_types::v201::ChargingProfile>(v201).unwrap();

        let mut empty = profile(None);
        empty.charging_profile_period.clear();
        let refused = station_profile(&steered(OcppVersion::V16, TransactionRef::V16(7)), &empty);
        assert!(refused.unwrap_err().contains("period"));
        let wrong = station_profile(
            &steered(OcppVersion::V16, TransactionRef::V201("TX".into())),
            &profile(None),
        );
        assert!(wrong.is_err(), "a 1.6 profile needs a 1.6 transaction");
    }

    #[test]
    fn a_composite_schedule_is_the_active_profile() {
        let v16 = json!({
            "status": "Accepted", "connectorId": 1, "scheduleStart": "2026-03-01T10:00:00Z",
            "chargingSchedule": {
                "duration": 900, "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 600, "limit": 6}]
            }
        });
        let active = active_profile(&v16).expect("a profile");
        assert_eq!(
            serde_json::to_value(&active).unwrap(),
            json!({
                "start_date_time": "2026-03-01T10:00:00Z",
                "charging_profile": {
                    "start_date_time": "2026-03-01T10:00:00Z", "duration": 900,
                    "charging_rate_unit": "A",
                    "charging_profile_period": [
                        {"start_period": 0, "limit": 16}, {"start_period": 600, "limit": 6}
                    ]
                }
            })
        );
        let v201 = json!({
            "status": "Accepted",
            "schedule": {
                "evseId": 1, "duration": 60, "scheduleStart": "2026-03-01T10:00:00Z",
                "chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400.0}]
            }
        });
        let active = active_profile(&v201).expect("a profile");
        assert_eq!(active.charging_profile.duration, Some(60));
        assert_eq!(
            active.charging_profile.charging_profile_period[0].limit,
            Decimal::from(7400)
        );
        assert_eq!(active_profile(&json!({"status": "Rejected"})), None);
    }

    #[test]
    fn the_stations_answer_decides_the_result() {
        let sent = |outcome, refusal: Option<Refusal>, response: Option<Value>| StationResult {
            outcome,
            status: None,
            response,
            error: None,
            refusal,
            reservation_id: None,
            settings: Box::default(),
        };
        let body = |result: ProfileResult| result.body()["result"].clone();
        let accepted = sent(Outcome::Accepted, None, None);
        assert_eq!(body(profile_result(Request::Set, &accepted)), "ACCEPTED");
        assert_eq!(body(profile_result(Request::Clear, &accepted)), "ACCEPTED");
        assert_eq!(
            body(profile_result(Request::Active, &accepted)),
            "UNKNOWN",
            "accepted without a schedule"
        );
        let unknown = sent(Outcome::Rejected, Some(Refusal::Unknown), None);
        assert_eq!(body(profile_result(Request::Clear, &unknown)), "UNKNOWN");
        assert_eq!(body(profile_result(Request::Set, &unknown)), "REJECTED");
        let timeout = sent(Outcome::Timeout, None, None);
        for request in [Request::Active, Request::Set, Request::Clear] {
            assert_eq!(body(profile_result(request, &timeout)), "REJECTED");
        }
    }
}
