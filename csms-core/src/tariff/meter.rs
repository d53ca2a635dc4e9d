//! Charging periods from a session's meter values.
//!
//! Each interval between two consecutive samples becomes one charging period: charging
//! (`TIME` and `ENERGY`) when the energy register rose, parking (`PARKING_TIME`) when it did
//! not, since a vehicle that is connected and draws nothing is parked. Power and current,
//! when the samples have them, give `MIN_*`/`MAX_*` dimensions (the lower and higher of the
//! interval's two samples), which power and current restrictions look at.

use chrono::{DateTime, Utc};
use ocpi_types::common::DateTime as OcpiDateTime;
use ocpi_types::v221::cdrs::{CdrDimension, CdrDimensionType, ChargingPeriod};
use rust_decimal::Decimal;

use super::TariffError;

/// One meter reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeterSample {
    /// When it was read.
    pub at: DateTime<Utc>,
    /// The energy register (energy imported since some origin), in kWh.
    pub energy_kwh: Decimal,
    /// Active power at that moment, in kW, when measured.
    pub power_kw: Option<Decimal>,
    /// Current at that moment, summed over the phases, in A, when measured.
    pub current_a: Option<Decimal>,
}

fn dimension(r#type: CdrDimensionType, volume: Decimal) -> CdrDimension {
    CdrDimension { r#type, volume }
}

fn low_high(a: Option<Decimal>, b: Option<Decimal>) -> Option<(Decimal, Decimal)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.min(b), a.max(b))),
        (Some(v), None) | (None, Some(v)) => Some((v, v)),
        (None, None) => None,
    }
}

/// Builds the charging periods of a session from its meter values, in time order.
///
/// Fails when there are fewer than two samples, when samples go back in time, and when the
/// energy register decreases.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csms_core::tariff::meter::{periods_from_meter_values, MeterSample};
/// use rust_decimal::Decimal;
///
/// let at = |min| Utc.with_ymd_and_hms(2024, 3, 1, 10, min, 0).unwrap();
/// let sample = |min, kwh| MeterSample { at: at(min), energy_kwh: Decimal::from(kwh), power_kw: None, current_a: None };
/// let periods = periods_from_meter_values(&[sample(0, 100), sample(30, 105), sample(45, 105)]).unwrap();
/// assert_eq!(periods.len(), 2);
/// assert_eq!(periods[1].dimensions[0].r#type.as_str(), "PARKING_TIME");
/// ```
pub fn periods_from_meter_values(
    samples: &[MeterSample],
) -> Result<Vec<ChargingPeriod>, TariffError> {
    if samples.len() < 2 {
        return Err(TariffError::NoPeriods);
    }
    let mut periods = Vec::with_capacity(samples.len() - 1);
    for (index, pair) in samples.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        if b.at < a.at {
            return Err(TariffError::InvalidSession(format!(
                "meter value {} is earlier than the one before it",
                index + 1
            )));
        }
        if b.energy_kwh < a.energy_kwh {
            return Err(TariffError::MeterWentBackwards {
                index: index + 1,
                kwh: b.energy_kwh,
            });
        }
        let span = b.at.signed_duration_since(a.at);
        let nanos =
            i128::from(span.num_seconds()) * 1_000_000_000 + i128::from(span.subsec_nanos());
        if nanos == 0 {
            continue;
        }
        let secs = Decimal::try_from_i128_with_scale(nanos, 9)
            .map_err(|_| TariffError::Overflow("a meter interval"))?;
        let hours = secs / Decimal::from(3600);
        let energy = b
            .energy_kwh
            .checked_sub(a.energy_kwh)
            .ok_or(TariffError::Overflow("a meter interval's energy"))?;
        let mut dimensions = Vec::with_capacity(6);
        if energy > Decimal::ZERO {
            dimensions.push(dimension(CdrDimensionType::Energy, energy));
            dimensions.push(dimension(CdrDimensionType::Time, hours));
            if let Some((lo, hi)) = low_high(a.power_kw, b.power_kw) {
                dimensions.push(dimension(CdrDimensionType::MinPower, lo));
                dimensions.push(dimension(CdrDimensionType::MaxPower, hi));
            }
            if let Some((lo, hi)) = low_high(a.current_a, b.current_a) {
                dimensions.push(dimension(CdrDimensionType::MinCurrent, lo));
                dimensions.push(dimension(CdrDimensionType::MaxCurrent, hi));
            }
        } else {
            dimensions.push(dimension(CdrDimensionType::ParkingTime, hours));
        }
        periods.push(ChargingPeriod {
            start_date_time: OcpiDateTime::from_utc(a.at),
            dimensions,
            tariff_id: None,
        });
    }
    if periods.is_empty() {
        return Err(TariffError::NoPeriods);
    }
    Ok(periods)
}
