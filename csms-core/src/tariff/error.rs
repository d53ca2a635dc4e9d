//! The one error type of the engine.

use rust_decimal::Decimal;

/// Why a tariff, a CDR or a session could not be priced.
///
/// Bad input never panics: it ends up here, or as a [`Warning`](super::Warning) when the
/// engine can go on with a documented assumption.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TariffError {
    /// The tariff has no elements, so nothing can be priced.
    #[error("the tariff has no elements")]
    EmptyTariff,
    /// A restriction or price component of the tariff cannot be read.
    #[error("invalid tariff at {path}: {message}")]
    InvalidTariff {
        /// JSON path of the offending field, e.g. `$.elements[1].restrictions.start_time`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// There is no charging period to price.
    #[error("no charging periods to price")]
    NoPeriods,
    /// A time volume is negative.
    #[error("charging period {period}: negative {dimension} volume {volume}")]
    NegativeVolume {
        /// Index of the charging period (0-based, in input order).
        period: usize,
        /// The dimension, as OCPI spells it (`TIME`, `PARKING_TIME`, `RESERVATION_TIME`).
        dimension: &'static str,
        /// The volume that was given.
        volume: Decimal,
    },
    /// A session or CDR is inconsistent in a way the engine cannot repair.
    #[error("invalid session: {0}")]
    InvalidSession(String),
    /// A meter register went backwards between two samples.
    #[error("meter value {index} ({kwh} kWh) is lower than the one before it")]
    MeterWentBackwards {
        /// Index of the sample that is lower than its predecessor.
        index: usize,
        /// Its register value in kWh.
        kwh: Decimal,
    },
    /// The tariff has local-time restrictions, and the time zone of the location is not
    /// known: it was not given, and the country has several time zones (or none is known).
    #[error(
        "the tariff depends on local time and the time zone of the location is not known{}; give one, e.g. --timezone Europe/Amsterdam",
        country.as_ref().map(|c| format!(" (country {c} has more than one, or is not in the table)")).unwrap_or_default()
    )]
    TimeZoneRequired {
        /// The country of the location, when it was known.
        country: Option<String>,
    },
    /// A time zone name that is not in the IANA database.
    #[error("unknown time zone {0:?} (expected an IANA name such as Europe/Amsterdam)")]
    UnknownTimeZone(String),
    /// The tariff and the CDR use different currencies.
    #[error("the tariff is in {tariff}, the CDR in {cdr}")]
    CurrencyMismatch {
        /// Currency of the tariff.
        tariff: String,
        /// Currency of the CDR.
        cdr: String,
    },
    /// A JSON document (a CDR or a tariff) cannot be read.
    #[error("cannot read the {what}: {message}")]
    InvalidJson {
        /// What was being read (`CDR`, `tariff`).
        what: &'static str,
        /// Why, with the JSON path where there is one.
        message: String,
    },
    /// Neither a tariff was given nor does the CDR carry one.
    #[error("no tariff to price with: give one, or a CDR whose `tariffs` field holds it")]
    NoTariff,
    /// A charging period names (with `tariff_id`) a tariff that was not given.
    #[error("charging period {period} names tariff {id:?}, which is not among the tariffs given")]
    UnknownTariff {
        /// Index of the charging period (0-based, in input order).
        period: usize,
        /// The `tariff_id` it names.
        id: String,
    },
    /// A number grew beyond what a decimal of 28 digits holds.
    #[error("arithmetic overflow while computing {0}")]
    Overflow(&'static str),
}
