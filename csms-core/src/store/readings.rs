//! A session's meter values as the SQL stores keep them: one row per session and instant
//! (a [`Reading`]), not one per sampled value.
//!
//! A station sends its samples in groups taken at one instant (a 1.6 or 2.x `MeterValue`:
//! energy, power, current and voltage per phase, ...). Kept as one row, such a group costs
//! one insert and one index entry instead of one of each per sampled value, which is most
//! of what storing a MeterValues message costs.
//!
//! - A row holds the instant, the samples as a JSON array (each sample an array of its
//!   measurand, phase, location, context, unit, value as decimal text, and signed data;
//!   `null` or `""` for what is absent), and the SHA-256 of that JSON. The stores' unique key
//!   (tenant, session, instant, digest) keeps a group delivered again once.
//! - A group that differs from a kept one at the same instant is kept beside it. Reading
//!   the session back ([`in_time_order`]) shows each sampled value once however many rows
//!   carry it: values identical in every field but the signed data are one reading (the first
//!   kept wins), while a value that differs in anything, the unit or value included, is kept
//!   beside it. That is the rule the stores had when each value was its own row.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::{StoreError, StoreResult};
use crate::model::MeterValue;

/// The samples of one session at one instant, as one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reading {
    /// The instant.
    pub(crate) at: DateTime<Utc>,
    /// SHA-256 of [`samples`](Self::samples).
    pub(crate) digest: Vec<u8>,
    /// The samples, as JSON (see the [module](self)).
    pub(crate) samples: String,
    /// How many samples.
    pub(crate) count: usize,
}

/// One sample as written: measurand, phase, location, context, unit, value, signed data.
type SampleOut<'a> = (
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    String,
    Option<&'a str>,
);

/// One sample as read back.
type SampleIn = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

/// `values` as rows: one per instant, in the order each instant first appears, its samples
/// in the order sent.
pub(crate) fn readings(values: &[MeterValue]) -> Vec<Reading> {
    let mut instants: Vec<DateTime<Utc>> = Vec::new();
    for value in values {
        if !instants.contains(&value.timestamp) {
            instants.push(value.timestamp);
        }
    }
    instants
        .into_iter()
        .map(|at| {
            let samples: Vec<SampleOut<'_>> = values
                .iter()
                .filter(|value| value.timestamp == at)
                .map(|value| {
                    (
                        value.measurand.as_str(),
                        value.phase.as_deref(),
                        value.location.as_deref(),
                        value.context.as_deref(),
                        value.unit.as_deref(),
                        value.value.to_string(),
                        value.signed_data.as_deref(),
                    )
                })
                .collect();
            let count = samples.len();
            // Strings, options and tuples of them always serialize.
            let samples = serde_json::to_string(&samples).unwrap_or_default();
            Reading {
                at,
                digest: Sha256::digest(samples.as_bytes()).to_vec(),
                samples,
                count,
            }
        })
        .collect()
}

/// The samples of the row at `at` holding `samples`, appended to `out`.
pub(crate) fn read_into(
    at: DateTime<Utc>,
    samples: &str,
    out: &mut Vec<MeterValue>,
) -> StoreResult<()> {
    let samples: Vec<SampleIn> = serde_json::from_str(samples)
        .map_err(|error| StoreError::corrupt("meter reading", error))?;
    for (measurand, phase, location, context, unit, value, signed_data) in samples {
        let value = value
            .parse::<Decimal>()
            .map_err(|error| StoreError::corrupt("meter value", error))?;
        out.push(MeterValue {
            timestamp: at,
            measurand,
            phase: phase.filter(|text| !text.is_empty()),
            location: location.filter(|text| !text.is_empty()),
            context: context.filter(|text| !text.is_empty()),
            unit,
            value,
            signed_data,
        });
    }
    Ok(())
}

/// Values read from rows in the order they were kept, in time order, each identical
/// reading once (see the [module](self)): a stable sort by time, so values of one instant
/// stay in the order kept.
pub(crate) fn in_time_order(mut values: Vec<MeterValue>) -> Vec<MeterValue> {
    values.sort_by_key(|value| value.timestamp);
    let mut kept: Vec<MeterValue> = Vec::with_capacity(values.len());
    let mut instant_start = 0;
    for value in values {
        if kept
            .get(instant_start)
            .is_some_and(|first| first.timestamp != value.timestamp)
        {
            instant_start = kept.len();
        }
        if !kept[instant_start..]
            .iter()
            .any(|other| same_reading(other, &value))
        {
            kept.push(value);
        }
    }
    kept
}

/// Whether `a` and `b` are one reading: equal in every field but the signed data (a unit
/// absent and an empty one are the same).
fn same_reading(a: &MeterValue, b: &MeterValue) -> bool {
    a.timestamp == b.timestamp
        && a.measurand == b.measurand
        && a.phase == b.phase
        && a.location == b.location
        && a.context == b.context
        && a.unit.as_deref().unwrap_or("") == b.unit.as_deref().unwrap_or("")
        && a.value == b.value
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn value(second: u32, measurand: &str, value: &str) -> MeterValue {
        MeterValue {
            timestamp: Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, second).unwrap(),
            measurand: measurand.to_owned(),
            phase: None,
            location: Some("Outlet".to_owned()),
            context: Some("Sample.Periodic".to_owned()),
            unit: Some("Wh".to_owned()),
            value: value.parse().unwrap(),
            signed_data: None,
        }
    }

    fn read(rows: &[Reading]) -> Vec<MeterValue> {
        let mut out = Vec::new();
        for row in rows {
            read_into(row.at, &row.samples, &mut out).unwrap();
        }
        in_time_order(out)
    }

    #[test]
    fn one_row_per_instant_and_back() {
        let mut phase = value(0, "Current.Import", "16.5");
        phase.phase = Some("L1".to_owned());
        phase.signed_data = Some("OCMF|{}|{}".to_owned());
        let values = vec![
            value(30, "Energy.Active.Import.Register", "3000"),
            value(0, "Energy.Active.Import.Register", "1500.125"),
            phase.clone(),
        ];
        let rows = readings(&values);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].count, rows[1].count), (1, 2));
        let back = read(&rows);
        assert_eq!(back, vec![values[1].clone(), phase, values[0].clone()]);
        // Exact decimals, scale included.
        assert_eq!(back[0].value.to_string(), "1500.125");
    }

    #[test]
    fn the_same_group_has_the_same_digest_and_a_different_one_another() {
        let a = readings(&[value(0, "Energy.Active.Import.Register", "10")]);
        let b = readings(&[value(0, "Energy.Active.Import.Register", "10")]);
        let c = readings(&[value(0, "Energy.Active.Import.Register", "11")]);
        assert_eq!(a, b);
        assert_ne!(a[0].digest, c[0].digest);
        assert_eq!(a[0].digest.len(), 32);
    }

    #[test]
    fn identical_readings_show_once_and_differing_ones_beside_each_other() {
        let energy = value(0, "Energy.Active.Import.Register", "10");
        let mut signed = energy.clone();
        signed.signed_data = Some("signed".to_owned());
        let corrected = value(0, "Energy.Active.Import.Register", "12");
        let mut rows = readings(&[energy.clone(), value(0, "Power.Active.Import", "7")]);
        rows.extend(readings(&[signed, corrected.clone()]));
        rows.extend(readings(&[value(1, "Energy.Active.Import.Register", "10")]));
        let back = read(&rows);
        assert_eq!(back.len(), 4);
        assert_eq!(back[0], energy, "the first kept wins");
        assert_eq!(back[2], corrected);
        assert_eq!(
            back[3].timestamp.timestamp() - energy.timestamp.timestamp(),
            1
        );
    }

    #[test]
    fn rows_carried_over_with_empty_fields_read_as_absent() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
        let mut out = Vec::new();
        read_into(
            at,
            r#"[["Energy.Active.Import.Register","","Outlet","",null,"1.50",null]]"#,
            &mut out,
        )
        .unwrap();
        assert_eq!(out[0].phase, None);
        assert_eq!(out[0].context, None);
        assert_eq!(out[0].value.to_string(), "1.50");
        assert!(read_into(at, "[[1]]", &mut out).is_err());
        assert!(read_into(at, r#"[["E","","","","","x",null]]"#, &mut out).is_err());
    }
}
