//! The CDR of a finished session.
//!
//! The tariff is the one that applies to the session (`TariffStore::tariff_for`: the token's
//! group, the EVSE, the location, the tenant's default). The charging periods come from the
//! session's meter values ([`samples`], then
//! [`periods_from_meter_values`]); the
//! engine prices them in the location's time zone (the tenant's when the station has no
//! location), without rounding. The CDR is issued once per session (`CdrStore::issue_cdr`
//! finds the one issued before), and never changes.
//!
//! A session no tariff applies to gets a CDR all the same, at zero cost in the tenant's
//! currency and without a tariff (and without periods when its readings give none), with a
//! warning logged and kept in its details. A session with a tariff that cannot be priced
//! (its register going backwards, fewer than two readings, energy or amounts beyond the
//! decimal range) gets no CDR; the error is logged and recorded in the audit log
//! ([`NOT_BILLED`]).
//!
//! The CDR's `details` are `{"charging_periods": [...OCPI periods...], "pricing": <the
//! engine's totals, breakdown and warnings>, "tariff_id": <the OCPI tariff id>, "ocpi_cdr":
//! <the OCPI 2.2.1 Cdr object, see [`ocpi_cdr`](super::ocpi_cdr)>}`; when the OCPI object
//! cannot be made (a station without location), `"ocpi_cdr_missing"` says why instead.
//! Without tariff: `{"charging_periods": ..., "warning": "..."}`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde_json::json;

use super::meter::register_wh;
use super::ocpi_cdr::{self, CdrFacts};
use super::{Csms, OcppError};
use crate::model::{Actor, Cdr, ChargingSession, MeterValue, NewAuditEntry, NewCdr};
use crate::store::Store;
use crate::tariff::meter::{MeterSample, periods_from_meter_values};
use crate::tariff::{self, Consumption, Options};
use ocpi_types::v221::cdrs::ChargingPeriod;

/// The meter samples of a session for pricing: the energy register of each time a reading
/// has (kWh), with the total active power (kW) and the current summed over phases (A)
/// read at the same time; plus the session's start and stop readings where the meter
/// values have none as early or as late.
pub fn samples(session: &ChargingSession, values: &[MeterValue]) -> Vec<MeterSample> {
    #[derive(Default)]
    struct At {
        energy_wh: Option<Decimal>,
        power_kw: Option<Decimal>,
        current_a: Option<Decimal>,
    }
    let mut by_time: BTreeMap<DateTime<Utc>, At> = BTreeMap::new();
    for value in values {
        let at = by_time.entry(value.timestamp).or_default();
        if let Some(wh) = register_wh(value) {
            at.energy_wh = Some(wh);
        } else if value.measurand == "Power.Active.Import" && value.phase.is_none() {
            let kw = match value.unit.as_deref() {
                Some("kW") => Some(value.value),
                None | Some("W") => value.value.checked_div(Decimal::ONE_THOUSAND),
                _ => None,
            };
            at.power_kw = kw.or(at.power_kw);
        } else if value.measurand == "Current.Import"
            && value.unit.as_deref().is_none_or(|u| u == "A")
        {
            let per_phase = matches!(value.phase.as_deref(), Some("L1" | "L2" | "L3"));
            if value.phase.is_none() {
                at.current_a = Some(value.value);
            } else if per_phase {
                at.current_a = Some(at.current_a.unwrap_or_default().saturating_add(value.value));
            }
        }
    }
    let mut samples: Vec<MeterSample> = by_time
        .into_iter()
        .filter_map(|(at, reading)| {
            Some(MeterSample {
                at,
                energy_kwh: reading.energy_wh? / Decimal::ONE_THOUSAND,
                power_kw: reading.power_kw,
                current_a: reading.current_a,
            })
        })
        .collect();
    let first = samples.first().map(|s| s.at);
    let last = samples.last().map(|s| s.at);
    if let Some(start) = session.meter_start_wh
        && first.is_none_or(|first| first > session.started_at)
    {
        samples.insert(
            0,
            MeterSample {
                at: session.started_at,
                energy_kwh: start / Decimal::ONE_THOUSAND,
                power_kw: None,
                current_a: None,
            },
        );
    }
    if let (Some(stop), Some(stopped_at)) = (session.meter_stop_wh, session.stopped_at)
        && last.is_none_or(|last| last < stopped_at)
    {
        samples.push(MeterSample {
            at: stopped_at,
            energy_kwh: stop / Decimal::ONE_THOUSAND,
            power_kw: None,
            current_a: None,
        });
    }
    samples
}

impl<S: Store> Csms<S> {
    /// Issues the CDR of a finished session (or finds the one issued before): the CDR and
    /// whether this call issued it; `None` when the session cannot be priced.
    pub(super) async fn issue_cdr(
        &self,
        session: &ChargingSession,
        values: &[MeterValue],
        energy_wh: Option<Decimal>,
    ) -> Result<Option<(Cdr, bool)>, OcppError> {
        let tenant_id = session.tenant_id;
        if let Some(cdr) = self.store.cdr_of_session(tenant_id, session.id).await? {
            return Ok(Some((cdr, false)));
        }
        let Some(tenant) = self.store.tenant(tenant_id).await? else {
            return Ok(None);
        };
        let token = match session.token_id {
            Some(id) => self.store.token(tenant_id, id).await?,
            None => None,
        };
        let station = self
            .store
            .station_by_id(tenant_id, session.station_id)
            .await?;
        let location = match station.as_ref().and_then(|s| s.location_id) {
            Some(id) => self.store.location(tenant_id, id).await?,
            None => None,
        };
        let zone_name = location
            .as_ref()
            .map_or(tenant.settings.time_zone.as_str(), |l| l.time_zone.as_str());
        let options = Options {
            time_zone: zone_name.parse::<Tz>().ok(),
            country: location.as_ref().map(|l| l.address.country.clone()),
            decimals: None,
        };
        let sampled = samples(session, values);
        let periods = periods_from_meter_values(&sampled);
        let tariff = self
            .store
            .tariff_for(
                tenant_id,
                session.station_id,
                session.evse_id,
                token.as_ref().and_then(|t| t.group_id.as_deref()),
            )
            .await?;
        let energy_wh =
            match energy_wh.or_else(|| periods_energy_wh(periods.as_deref().unwrap_or_default())) {
                Some(energy_wh) => energy_wh,
                None => {
                    let reason = "the session's energy is beyond the decimal range".to_owned();
                    self.not_billed(session, reason).await?;
                    return Ok(None);
                }
            };
        let new = match tariff {
            None => {
                tracing::warn!(session = %session.id, "no tariff applies: CDR at zero cost");
                NewCdr {
                    session_id: session.id,
                    owner: None,
                    energy_wh,
                    currency: tenant.settings.currency.clone(),
                    total_cost_excl_vat: Decimal::ZERO,
                    total_cost_incl_vat: Some(Decimal::ZERO),
                    tariff_id: None,
                    details: json!({
                        "charging_periods": periods.as_deref().unwrap_or_default(),
                        "warning": "no tariff applies to the session: zero cost",
                    }),
                }
            }
            Some(stored) => {
                let periods = match periods {
                    Ok(periods) => periods,
                    Err(error) => {
                        self.not_billed(session, error.to_string()).await?;
                        return Ok(None);
                    }
                };
                let priced = Consumption::new(periods.clone())
                    .ending_at(session.stopped_at.unwrap_or(session.started_at));
                let pricing = match tariff::price(&stored.tariff, &priced, &options) {
                    Ok(pricing) => pricing,
                    Err(error) => {
                        self.not_billed(session, error.to_string()).await?;
                        return Ok(None);
                    }
                };
                let ocpi = match (&station, &location) {
                    (Some(station), Some(location)) => {
                        let connectors = self.store.connectors(tenant_id, station.id).await?;
                        let evses = self.store.evses(tenant_id, station.id).await?;
                        let connector = connectors.iter().find(|c| {
                            Some(c.evse_id) == session.evse_id
                                && session.connector_id.is_none_or(|id| id == c.connector_id)
                        });
                        match connector {
                            Some(connector) => ocpi_cdr::build(&CdrFacts {
                                tenant: &tenant,
                                session,
                                token: token.as_ref(),
                                station,
                                location,
                                evse: evses.iter().find(|e| e.evse_id == connector.evse_id),
                                connector,
                                tariff: Some(&stored.tariff),
                                periods: &periods,
                                pricing: &pricing,
                                now: Utc::now(),
                            }),
                            None => Err("the session's connector is not registered".to_owned()),
                        }
                    }
                    _ => Err("the station has no location".to_owned()),
                };
                let mut details = json!({
                    "charging_periods": periods,
                    "pricing": pricing,
                    "tariff_id": stored.tariff.id.as_str(),
                });
                match ocpi {
                    Ok(cdr) => details["ocpi_cdr"] = json!(cdr),
                    Err(reason) => {
                        tracing::info!(session = %session.id, %reason, "no OCPI CDR object");
                        details["ocpi_cdr_missing"] = json!(reason);
                    }
                }
                NewCdr {
                    session_id: session.id,
                    owner: None,
                    energy_wh,
                    currency: pricing.currency.clone(),
                    total_cost_excl_vat: pricing.total_cost.excl_vat,
                    total_cost_incl_vat: Some(pricing.total_cost.incl_vat),
                    tariff_id: Some(stored.id),
                    details,
                }
            }
        };
        Ok(Some(self.store.issue_cdr(tenant_id, &new).await?))
    }

    /// Records that `session` gets no CDR, and why: logged, and kept in the audit log
    /// (action [`NOT_BILLED`], the session as target, `{"reason": ...}` as new value) for
    /// an operator to settle.
    async fn not_billed(&self, session: &ChargingSession, reason: String) -> Result<(), OcppError> {
        tracing::error!(session = %session.id, %reason, "session not priced: no CDR");
        let entry = NewAuditEntry {
            at: Utc::now(),
            actor: Actor::System,
            action: NOT_BILLED.to_owned(),
            target: format!("session:{}", session.id),
            old_value: None,
            new_value: Some(json!({ "reason": reason })),
        };
        self.store.append_audit(session.tenant_id, &entry).await?;
        Ok(())
    }
}

/// The audit action that records a finished session that got no CDR (its readings cannot
/// be priced: the register going backwards, fewer than two readings, amounts beyond the
/// decimal range), with the reason.
pub const NOT_BILLED: &str = "session.not_billed";

/// The energy of charging periods in Wh (their `ENERGY` volumes are in kWh); `None` when it
/// is beyond the decimal range.
pub fn periods_energy_wh(periods: &[ChargingPeriod]) -> Option<Decimal> {
    periods
        .iter()
        .flat_map(|p| &p.dimensions)
        .filter(|d| d.r#type.as_str() == "ENERGY")
        .try_fold(Decimal::ZERO, |sum, d| sum.checked_add(d.volume))?
        .checked_mul(Decimal::ONE_THOUSAND)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SessionId, SessionStatus, StationId, TenantId, TransactionRef};
    use chrono::{Duration, TimeZone};

    const ENERGY: &str = "Energy.Active.Import.Register";

    fn reading(
        at: DateTime<Utc>,
        measurand: &str,
        phase: Option<&str>,
        unit: &str,
        value: i64,
    ) -> MeterValue {
        MeterValue {
            timestamp: at,
            measurand: measurand.to_owned(),
            phase: phase.map(str::to_owned),
            location: Some("Outlet".into()),
            context: Some("Sample.Periodic".into()),
            unit: Some(unit.to_owned()),
            value: Decimal::from(value),
            signed_data: None,
        }
    }

    #[test]
    fn samples_join_readings_and_add_the_session_ends() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let session = ChargingSession {
            id: SessionId(1),
            tenant_id: TenantId(1),
            station_id: StationId(1),
            transaction: TransactionRef::V16(1),
            evse_id: Some(1),
            connector_id: Some(1),
            token_uid: None,
            token_id: None,
            started_at: t0,
            stopped_at: Some(t0 + Duration::hours(1)),
            meter_start_wh: Some(Decimal::from(1000)),
            meter_stop_wh: Some(Decimal::from(11000)),
            energy_wh: Some(Decimal::from(10000)),
            status: SessionStatus::Completed,
            stop_reason: None,
            auth_method: None,
            offline: false,
            last_seq_no: None,
            station_cost_details: None,
            updated_at: t0,
        };
        let mid = t0 + Duration::minutes(30);
        let values = [
            reading(mid, "Energy.Active.Import.Register", None, "kWh", 6),
            reading(mid, "Power.Active.Import", None, "W", 11000),
            reading(mid, "Current.Import", Some("L1"), "A", 16),
            reading(mid, "Current.Import", Some("L2"), "A", 15),
            reading(mid, "Voltage", Some("L1-N"), "V", 230),
        ];
        let sampled = samples(&session, &values);
        assert_eq!(sampled.len(), 3);
        assert_eq!(sampled[0].at, t0);
        assert_eq!(sampled[0].energy_kwh, Decimal::ONE);
        assert_eq!(sampled[1].energy_kwh, Decimal::from(6));
        assert_eq!(sampled[1].power_kw, Some(Decimal::from(11)));
        assert_eq!(sampled[1].current_a, Some(Decimal::from(31)));
        assert_eq!(sampled[2].energy_kwh, Decimal::from(11));
        // Readings at the session's very start and end are not doubled.
        let edges = [
            reading(t0, "Energy.Active.Import.Register", None, "Wh", 1000),
            reading(
                t0 + Duration::hours(1),
                "Energy.Active.Import.Register",
                None,
                "Wh",
                11000,
            ),
        ];
        assert_eq!(samples(&session, &edges).len(), 2);
    }

    #[test]
    fn absurd_readings_are_priced_or_refused_never_a_panic() {
        use crate::tariff::simple;
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let session = |start: Decimal, stop: Decimal| ChargingSession {
            id: SessionId(1),
            tenant_id: TenantId(1),
            station_id: StationId(1),
            transaction: TransactionRef::V16(1),
            evse_id: Some(1),
            connector_id: Some(1),
            token_uid: None,
            token_id: None,
            started_at: t0,
            stopped_at: Some(t0 + Duration::hours(2)),
            meter_start_wh: Some(start),
            meter_stop_wh: Some(stop),
            energy_wh: None,
            status: SessionStatus::Completed,
            stop_reason: None,
            auth_method: None,
            offline: false,
            last_seq_no: None,
            station_cost_details: None,
            updated_at: t0,
        };
        let register = |minutes: i64, wh: Decimal| MeterValue {
            value: wh,
            ..reading(t0 + Duration::minutes(minutes), ENERGY, None, "Wh", 0)
        };
        let extremes = [
            Decimal::MIN,
            Decimal::MAX,
            Decimal::from_scientific("-7.9e28").unwrap(),
            Decimal::from_scientific("7.9e28").unwrap(),
            Decimal::from(i32::MIN),
            Decimal::from(i32::MAX),
            Decimal::ZERO,
        ];
        let tariffs = [
            simple::per_kwh("EUR", Decimal::MAX, Some(Decimal::ONE_HUNDRED)),
            simple::per_kwh("EUR", Decimal::new(30, 2), Some(Decimal::from(21))),
            simple::per_minute("EUR", Decimal::MAX, None),
        ];
        for &start in &extremes {
            for &middle in &extremes {
                for &stop in &extremes {
                    let session = session(start, stop);
                    let values = [register(60, middle)];
                    let sampled = samples(&session, &values);
                    let energy = crate::ocpp::session_energy_wh(&session, &values);
                    if let Some(energy) = energy {
                        assert!(!energy.is_sign_negative());
                    }
                    let Ok(periods) = periods_from_meter_values(&sampled) else {
                        continue;
                    };
                    // Never more than the decimal range: `None`, not a panic.
                    let _ = periods_energy_wh(&periods);
                    let consumption = Consumption::new(periods).ending_at(t0 + Duration::hours(2));
                    for tariff in &tariffs {
                        let _ = tariff::price(tariff, &consumption, &Options::default());
                    }
                }
            }
        }
        // -MAX Wh to MAX Wh is 2 * MAX / 1000 kWh: that energy in Wh is out of range.
        let session = session(Decimal::MIN, Decimal::MAX);
        let periods = periods_from_meter_values(&samples(&session, &[])).unwrap();
        assert_eq!(periods_energy_wh(&periods), None);
        assert_eq!(crate::ocpp::session_energy_wh(&session, &[]), None);
    }
}
