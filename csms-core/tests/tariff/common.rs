//! Helpers shared by the tariff tests: sessions written as compact tuples.

#![allow(dead_code, unreachable_pub)]

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use csms_core::tariff::{Amount, Consumption, Options, Pricing, price};
use ocpi_types::v221::cdrs::ChargingPeriod;
use ocpi_types::v221::tariffs::Tariff;
use rust_decimal::Decimal;

/// A decimal from its text.
pub fn d(text: &str) -> Decimal {
    text.parse()
        .unwrap_or_else(|_| panic!("not a decimal: {text}"))
}

/// A UTC instant from RFC 3339 text.
pub fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|_| panic!("not a timestamp: {text}"))
        .with_timezone(&Utc)
}

/// A tariff from JSON.
pub fn tariff(json: &str) -> Tariff {
    serde_json::from_str(json).expect("tariff JSON")
}

/// A charging period starting at `start` with `(dimension, volume)` pairs.
pub fn period(start: &str, dims: &[(&str, &str)]) -> ChargingPeriod {
    let dims: Vec<String> = dims
        .iter()
        .map(|(ty, v)| format!(r#"{{"type": "{ty}", "volume": {v}}}"#))
        .collect();
    let json = format!(
        r#"{{"start_date_time": "{start}", "dimensions": [{}]}}"#,
        dims.join(",")
    );
    serde_json::from_str(&json).expect("period JSON")
}

/// Options with a time zone.
pub fn in_zone(zone: Tz) -> Options {
    Options {
        time_zone: Some(zone),
        ..Options::default()
    }
}

/// Prices the periods with the tariff.
pub fn run(tariff: &Tariff, periods: Vec<ChargingPeriod>, options: &Options) -> Pricing {
    price(tariff, &Consumption::new(periods), options).expect("pricing succeeds")
}

/// An amount from two decimal texts.
pub fn amount(excl: &str, incl: &str) -> Amount {
    Amount {
        excl_vat: d(excl),
        incl_vat: d(incl),
    }
}

/// Asserts an amount, comparing numerically.
#[track_caller]
pub fn assert_amount(actual: Amount, excl: &str, incl: &str) {
    assert_eq!(
        (actual.excl_vat.normalize(), actual.incl_vat.normalize()),
        (d(excl).normalize(), d(incl).normalize()),
        "expected {excl} / {incl}"
    );
}
