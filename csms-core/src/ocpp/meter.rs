//! Meter values of every version as the model's [`MeterValue`]s, and energy register
//! readings in Wh.
//!
//! Absent fields take the defaults of the specification: measurand
//! `Energy.Active.Import.Register`, unit `Wh`, context `Sample.Periodic`, location `Outlet`.
//! A 1.6 value is decimal text and must read as a decimal; a 1.6 `SignedData` sample carries
//! the signed form of the raw sample with the same time, measurand, phase, location and
//! context, and is attached to it as its signed data (one with no such raw sample is kept
//! alone, with the value 0). A 2.0.1 `unitOfMeasure.multiplier` (a power of ten) is applied
//! to the value, and a `signedMeterValue` is kept as its JSON.
//!
//! Values are decimals of at most 28 digits (`rust_decimal`): a 1.6 value beyond that range
//! (`1e400`, `NaN`, `Infinity`), or a 2.x value its multiplier takes beyond it, is refused
//! ([`OcppError::BadValue`], answered `PropertyConstraintViolation`). Values within it are
//! kept as sent, however absurd; an energy register reading in kWh too large to be counted in
//! Wh is kept but is no register reading ([`register_wh`] is `None`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::model::MeterValue;
use ocpp_types::{v16, v21, v201};

use super::error::OcppError;

/// The measurand of the energy register.
pub const ENERGY_REGISTER: &str = "Energy.Active.Import.Register";

/// Reads 1.6 meter values. `path` names the field in errors (`$.meterValue`).
pub fn from_v16(values: &[v16::MeterValue], path: &str) -> Result<Vec<MeterValue>, OcppError> {
    let mut out: Vec<MeterValue> = Vec::new();
    let mut signed: Vec<(MeterValue, String)> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        for (j, sample) in value.sampled_value.iter().enumerate() {
            let mut row = MeterValue {
                timestamp: value.timestamp,
                measurand: sample
                    .measurand
                    .as_ref()
                    .map_or(ENERGY_REGISTER, |m| m.as_str())
                    .to_owned(),
                phase: sample.phase.as_ref().map(|p| p.as_str().to_owned()),
                location: Some(
                    sample
                        .location
                        .as_ref()
                        .map_or("Outlet", |l| l.as_str())
                        .to_owned(),
                ),
                context: Some(
                    sample
                        .context
                        .as_ref()
                        .map_or("Sample.Periodic", |c| c.as_str())
                        .to_owned(),
                ),
                unit: Some(sample.unit.as_ref().map_or("Wh", |u| u.as_str()).to_owned()),
                value: Decimal::ZERO,
                signed_data: None,
            };
            if matches!(sample.format, Some(v16::ValueFormat::SignedData)) {
                signed.push((row, sample.value.clone()));
                continue;
            }
            row.value = parse_decimal(&sample.value).ok_or_else(|| OcppError::BadValue {
                path: format!("{path}[{i}].sampledValue[{j}].value"),
                reason: format!("{:?} is not a decimal number", sample.value),
            })?;
            out.push(row);
        }
    }
    for (row, data) in signed {
        let same = out.iter_mut().find(|raw| {
            raw.timestamp == row.timestamp
                && raw.measurand == row.measurand
                && raw.phase == row.phase
                && raw.location == row.location
                && raw.context == row.context
        });
        match same {
            Some(raw) => raw.signed_data = Some(data),
            None => out.push(MeterValue {
                signed_data: Some(data),
                ..row
            }),
        }
    }
    Ok(out)
}

/// Reads 2.0.1 meter values. `path` names the field in errors (`$.meterValue`): a value
/// whose multiplier takes it beyond the decimal range is refused.
pub fn from_v201(values: &[v201::MeterValue], path: &str) -> Result<Vec<MeterValue>, OcppError> {
    let mut out = Vec::new();
    for (i, value) in values.iter().enumerate() {
        for (j, sample) in value.sampled_value.iter().enumerate() {
            let unit = sample.unit_of_measure.as_ref();
            let at = || format!("{path}[{i}].sampledValue[{j}]");
            out.push(from_sample(
                at,
                Sample {
                    timestamp: value.timestamp,
                    measurand: sample.measurand.as_ref().map(|m| m.as_str()),
                    phase: sample.phase.as_ref().map(|p| p.as_str()),
                    location: sample.location.as_ref().map(|l| l.as_str()),
                    context: sample.context.as_ref().map(|c| c.as_str()),
                    unit: unit.and_then(|u| u.unit.as_deref()),
                    multiplier: unit.and_then(|u| u.multiplier).unwrap_or(0),
                    value: sample.value,
                    signed_data: sample
                        .signed_meter_value
                        .as_ref()
                        .and_then(|signed| serde_json::to_string(signed).ok()),
                },
            )?);
        }
    }
    Ok(out)
}

/// Reads 2.1 meter values (2.0.1's, read the same way).
pub fn from_v21(values: &[v21::MeterValue], path: &str) -> Result<Vec<MeterValue>, OcppError> {
    let mut out = Vec::new();
    for (i, value) in values.iter().enumerate() {
        for (j, sample) in value.sampled_value.iter().enumerate() {
            let unit = sample.unit_of_measure.as_ref();
            let at = || format!("{path}[{i}].sampledValue[{j}]");
            out.push(from_sample(
                at,
                Sample {
                    timestamp: value.timestamp,
                    measurand: sample.measurand.as_ref().map(|m| m.as_str()),
                    phase: sample.phase.as_ref().map(|p| p.as_str()),
                    location: sample.location.as_ref().map(|l| l.as_str()),
                    context: sample.context.as_ref().map(|c| c.as_str()),
                    unit: unit.and_then(|u| u.unit.as_deref()),
                    multiplier: unit.and_then(|u| u.multiplier).unwrap_or(0),
                    value: sample.value,
                    signed_data: sample
                        .signed_meter_value
                        .as_ref()
                        .and_then(|signed| serde_json::to_string(signed).ok()),
                },
            )?);
        }
    }
    Ok(out)
}

/// A 2.x sampled value, its fields as text: what [`from_sample`] reads.
struct Sample<'a> {
    timestamp: DateTime<Utc>,
    measurand: Option<&'a str>,
    phase: Option<&'a str>,
    location: Option<&'a str>,
    context: Option<&'a str>,
    unit: Option<&'a str>,
    multiplier: i32,
    value: Decimal,
    signed_data: Option<String>,
}

/// A 2.x sampled value as a [`MeterValue`]: the specification's defaults filled in, the
/// multiplier applied (`path`: the sampled value's path, for the error when that is beyond
/// the decimal range).
fn from_sample(path: impl Fn() -> String, sample: Sample<'_>) -> Result<MeterValue, OcppError> {
    let value = scale(sample.value, sample.multiplier).ok_or_else(|| OcppError::BadValue {
        path: format!("{}.value", path()),
        reason: format!(
            "{} times 10^{} is beyond the decimal range",
            sample.value, sample.multiplier
        ),
    })?;
    Ok(MeterValue {
        timestamp: sample.timestamp,
        measurand: sample.measurand.unwrap_or(ENERGY_REGISTER).to_owned(),
        phase: sample.phase.map(str::to_owned),
        location: Some(sample.location.unwrap_or("Outlet").to_owned()),
        context: Some(sample.context.unwrap_or("Sample.Periodic").to_owned()),
        unit: Some(sample.unit.unwrap_or("Wh").to_owned()),
        value,
        signed_data: sample.signed_data,
    })
}

/// `value` × 10^`multiplier`: `None` beyond the decimal range. Exact, but for digits past
/// the 28th decimal place, which a negative multiplier may round away.
fn scale(value: Decimal, multiplier: i32) -> Option<Decimal> {
    if value.is_zero() {
        return Some(value);
    }
    let mut result = value;
    for _ in 0..multiplier.unsigned_abs() {
        result = if multiplier > 0 {
            result.checked_mul(Decimal::TEN)?
        } else {
            let smaller = result.checked_div(Decimal::TEN)?;
            if smaller.is_zero() {
                // Below the smallest decimal: as good as zero.
                return Some(smaller);
            }
            smaller
        };
    }
    Some(result)
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    Decimal::from_str_exact(text)
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
}

/// The reading of the energy register in Wh, if `value` is one (the total, not a phase's;
/// in `Wh` or `kWh`; not a signed-only sample).
pub fn register_wh(value: &MeterValue) -> Option<Decimal> {
    if value.measurand != ENERGY_REGISTER || value.phase.is_some() {
        return None;
    }
    if value
        .location
        .as_deref()
        .is_some_and(|l| l != "Outlet" && l != "Inlet")
    {
        return None;
    }
    match value.unit.as_deref() {
        None | Some("Wh") => Some(value.value),
        Some("kWh") => value.value.checked_mul(Decimal::ONE_THOUSAND),
        _ => None,
    }
}

/// The energy register readings (in Wh) of `values`, in time order.
pub fn register_readings(values: &[MeterValue]) -> Vec<(DateTime<Utc>, Decimal)> {
    let mut readings: Vec<_> = values
        .iter()
        .filter_map(|v| register_wh(v).map(|wh| (v.timestamp, wh)))
        .collect();
    readings.sort_by_key(|(at, _)| *at);
    readings
}

/// The first and the last energy register readings (in Wh) of `values`, by time.
pub fn register_span(values: &[MeterValue]) -> Option<(Decimal, Decimal)> {
    let readings = register_readings(values);
    Some((readings.first()?.1, readings.last()?.1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample(value: &str) -> v16::SampledValue {
        v16::SampledValue::new(value)
    }

    #[test]
    fn v16_defaults_units_and_signed_data() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
        let mut kwh = sample("12.5");
        kwh.unit = Some(v16::UnitOfMeasure::KWh);
        let mut power = sample("7400");
        power.measurand = Some(v16::Measurand::PowerActiveImport);
        power.unit = Some(v16::UnitOfMeasure::W);
        let mut signed = sample("OCMF|{...}");
        signed.format = Some(v16::ValueFormat::SignedData);
        signed.unit = Some(v16::UnitOfMeasure::KWh);
        let values = vec![v16::MeterValue {
            sampled_value: vec![kwh, power, signed],
            timestamp: at,
        }];
        let rows = from_v16(&values, "$.meterValue").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].measurand, ENERGY_REGISTER);
        assert_eq!(rows[0].context.as_deref(), Some("Sample.Periodic"));
        assert_eq!(rows[0].signed_data.as_deref(), Some("OCMF|{...}"));
        assert_eq!(register_wh(&rows[0]), Some(Decimal::from(12500)));
        assert_eq!(register_wh(&rows[1]), None);
        let bad = vec![v16::MeterValue {
            sampled_value: vec![sample("12,5")],
            timestamp: at,
        }];
        let error = from_v16(&bad, "$.meterValue").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("$.meterValue[0].sampledValue[0].value")
        );
    }

    #[test]
    fn v201_multiplier_and_span() {
        let at = |m| Utc.with_ymd_and_hms(2026, 3, 1, 10, m, 0).unwrap();
        let mut start = v201::SampledValue::new(Decimal::new(15, 1));
        start.unit_of_measure = Some(v201::UnitOfMeasure {
            custom_data: None,
            multiplier: Some(3),
            unit: Some("Wh".into()),
        });
        let end = v201::SampledValue::new(Decimal::from(9500));
        let rows = from_v201(
            &[
                v201::MeterValue::new(vec![end], at(30)),
                v201::MeterValue::new(vec![start], at(0)),
            ],
            "$.meterValue",
        )
        .unwrap();
        assert_eq!(rows[1].value, Decimal::from(1500));
        assert_eq!(
            register_span(&rows),
            Some((Decimal::from(1500), Decimal::from(9500)))
        );
    }

    #[test]
    fn multipliers_beyond_the_decimal_range_are_refused() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
        let scaled = |value: Decimal, multiplier: i32| {
            let mut sample = v201::SampledValue::new(value);
            sample.unit_of_measure = Some(v201::UnitOfMeasure {
                custom_data: None,
                multiplier: Some(multiplier),
                unit: None,
            });
            from_v201(&[v201::MeterValue::new(vec![sample], at)], "$.meterValue")
        };
        let big = Decimal::from_scientific("7.9e28").unwrap();
        let error = scaled(big, 3).unwrap_err();
        assert!(matches!(error, OcppError::BadValue { .. }));
        assert!(
            error
                .to_string()
                .contains("$.meterValue[0].sampledValue[0].value")
        );
        assert!(scaled(Decimal::MIN, 1).is_err());
        assert!(scaled(Decimal::ONE, i32::MAX).is_err());
        assert_eq!(scaled(Decimal::MAX, 0).unwrap()[0].value, Decimal::MAX);
        assert_eq!(
            scaled(Decimal::ZERO, i32::MAX).unwrap()[0].value,
            Decimal::ZERO
        );
        assert_eq!(
            scaled(Decimal::MAX, i32::MIN).unwrap()[0].value,
            Decimal::ZERO
        );
        assert_eq!(
            scaled(Decimal::from(15), -1).unwrap()[0].value,
            Decimal::new(15, 1)
        );
    }

    #[test]
    fn v16_values_outside_the_decimal_range_are_refused() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
        for text in [
            "1e400",
            "-1e400",
            "NaN",
            "inf",
            "-Infinity",
            "79228162514264337593543950336",
            "1e-400",
        ] {
            let values = vec![v16::MeterValue {
                sampled_value: vec![sample(text)],
                timestamp: at,
            }];
            assert!(from_v16(&values, "$.meterValue").is_err(), "{text}");
        }
        for (text, wh) in [
            ("7.9e28", Decimal::from_scientific("7.9e28").unwrap()),
            ("-7.9e28", -Decimal::from_scientific("7.9e28").unwrap()),
            ("79228162514264337593543950335", Decimal::MAX),
            ("-79228162514264337593543950335", Decimal::MIN),
        ] {
            let values = vec![v16::MeterValue {
                sampled_value: vec![sample(text)],
                timestamp: at,
            }];
            let rows = from_v16(&values, "$.meterValue").unwrap();
            assert_eq!(register_wh(&rows[0]), Some(wh), "{text}");
        }
        // In kWh, the largest readings have no value in Wh: not a register reading.
        let mut kwh = sample("7.9e28");
        kwh.unit = Some(v16::UnitOfMeasure::KWh);
        let rows = from_v16(
            &[v16::MeterValue {
                sampled_value: vec![kwh],
                timestamp: at,
            }],
            "$.meterValue",
        )
        .unwrap();
        assert_eq!(register_wh(&rows[0]), None);
    }
}
