//! The tariff and CDR engine: prices charging sessions and CDRs with the whole tariff model of
//! OCPI 2.2.1 (`mod_tariffs.asciidoc`), in exact decimals, and explains every number.
//!
//! Pure and synchronous: no storage, no network, no clock. `csms-core` uses it to price each
//! session that ends; call it directly to price a partner's CDR or to check their invoice.
//!
//! - [`price`]: a [`Tariff`] and a [`Session`] (OCPI charging periods, from a CDR or built from
//!   meter values by [`meter::periods_from_meter_values`]) give a [`Pricing`]: the totals of a
//!   CDR (`total_cost`, `total_energy_cost`, ..., each excluding and including VAT), a
//!   [`breakdown`](Pricing::breakdown) with one [`Line`] per period and price component, and
//!   [`warnings`](Pricing::warnings) for what the engine had to assume.
//! - [`price_v211`]: the same for an OCPI 2.1.1 tariff.
//! - [`cdr`]: pricing a CDR given as JSON, partial or not, and comparing with the totals it
//!   states (what the `price-cdr` example does).
//! - [`simple`]: the tariffs people ask for (per kWh, per minute, per session, parking after a
//!   grace period, peak and off-peak) built as OCPI tariffs.
//!
//! ```
//! use csms_core::tariff::{price, simple, Options, Session};
//! use rust_decimal::Decimal;
//!
//! // 25.5 kWh at 15.0 KGS per kWh, no VAT.
//! let tariff = simple::per_kwh("KGS", Decimal::new(150, 1), None);
//! let json = r#"[{"start_date_time": "2024-03-01T10:00:00Z",
//!                 "dimensions": [{"type": "ENERGY", "volume": 25.5}, {"type": "TIME", "volume": 1.5}]}]"#;
//! let session = Session::new(serde_json::from_str(json).unwrap());
//! let pricing = price(&tariff, &session, &Options::default()).unwrap();
//! assert_eq!(pricing.total_cost.excl_vat, Decimal::new(3825, 1));
//! assert_eq!(pricing.breakdown.len(), 1);
//! ```
//!
//! # How a session is priced
//!
//! 1. The charging periods are laid out on the time line and cut wherever a restriction can
//!    start or stop holding: local times of day and midnights in the location's time zone
//!    (daylight-saving changes included), the instants where `min_duration`/`max_duration`
//!    are reached, and the points where the session's energy reaches `min_kwh`/`max_kwh`
//!    ([`periods`] and [`restrictions`] say how each is read).
//! 2. For every slice and every dimension, the first element (in tariff order) that has a
//!    component for the dimension and whose restrictions all hold prices it. No such element:
//!    the dimension is free in that slice.
//! 3. `FLAT`: the first slice of the charging session in which a `FLAT` component applies
//!    bills it, once; reservations bill their own `FLAT` once in the same way.
//! 4. Steps: see [`steps`].
//! 5. Costs: price × billed volume (per kWh, per hour), VAT per component, added up per
//!    dimension; then `min_price` and `max_price` limit `total_cost` on each side of VAT.
//!
//! # Decisions where the specification leaves room
//!
//! - Within a period, reservation time comes first, then charging, then parking; energy is
//!   spread evenly over the charging time.
//! - `total_time` is the session's duration (charging and parking, reservation excluded);
//!   reservation costs (their flat fees included) count only in `total_reservation_cost`,
//!   not in `total_fixed_cost` or `total_time_cost`.
//! - A reservation expired when the CDR has reservation time and no charging, parking or
//!   energy.
//! - A tariff's `start_date_time`/`end_date_time` outside the session gives a warning, not an
//!   error (the caller chose the tariff).
//! - No rounding unless asked for ([`Options::decimals`]): OCPI leaves rounding to law and
//!   contracts. Costs of time divide by 3600 and so carry 28 significant digits.
//! - OCPI 2.1.1 tariffs have no VAT: their prices are taken as they are, with
//!   `incl_vat` = `excl_vat` and a warning; they have no current or reservation restrictions
//!   and no `min_price`/`max_price`, so those rules never come into play.

mod breakdown;
pub mod cdr;
mod engine;
mod error;
pub mod meter;
pub mod periods;
pub mod restrictions;
pub mod simple;
pub mod steps;
pub mod timezone;
mod totals;

pub use breakdown::{Amount, Dimension, Line, Pricing, Unit, Warning};
pub use error::TariffError;
/// The exact decimal type of every price, volume and total (re-exported from `rust_decimal`).
pub use rust_decimal::Decimal;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ocpi_types::common::CiString;
use ocpi_types::v211;
use ocpi_types::v211::convert::Party;
use ocpi_types::v221::cdrs::ChargingPeriod;
use ocpi_types::v221::tariffs::Tariff;

/// What is priced: the charging periods of a session or CDR.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Session {
    /// The charging periods (OCPI 2.2.1), in time order (they are sorted, with a warning,
    /// when they are not).
    pub periods: Vec<ChargingPeriod>,
    /// End of the session (a CDR's `end_date_time`): where the last period ends when it has
    /// no time dimension. Optional.
    pub end: Option<DateTime<Utc>>,
}

impl Session {
    /// A session of these periods, with no stated end.
    pub fn new(periods: Vec<ChargingPeriod>) -> Self {
        Session { periods, end: None }
    }

    /// The same session, ending at `end`.
    pub fn ending_at(mut self, end: DateTime<Utc>) -> Self {
        self.end = Some(end);
        self
    }
}

/// How to price.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// The location's time zone. When absent and the tariff depends on local time, the zone
    /// is derived from [`country`](Options::country).
    pub time_zone: Option<Tz>,
    /// The location's country (ISO 3166-1 alpha-3 or alpha-2).
    pub country: Option<String>,
    /// Round the totals to this many decimals (half away from zero). `None`: no rounding.
    pub decimals: Option<u32>,
}

/// Prices `session` with the OCPI 2.2.1 `tariff`.
///
/// Fails on an empty tariff, unreadable restrictions, negative times, overflow, and when the
/// tariff depends on local time and no time zone can be found (see [`timezone`]). Never
/// panics.
pub fn price(
    tariff: &Tariff,
    session: &Session,
    options: &Options,
) -> Result<Pricing, TariffError> {
    engine::run(tariff, session, options, Vec::new())
}

/// Prices `session` with an OCPI 2.1.1 `tariff`: the same model without VAT, current and
/// reservation restrictions, and price limits. `incl_vat` equals `excl_vat`, with a warning.
pub fn price_v211(
    tariff: &v211::Tariff,
    session: &Session,
    options: &Options,
) -> Result<Pricing, TariffError> {
    let tariff = from_v211(tariff)?;
    let warnings = vec![Warning::general(
        "OCPI 2.1.1 tariffs carry no VAT: incl_vat equals excl_vat",
    )];
    engine::run(&tariff, session, options, warnings)
}

/// An OCPI 2.1.1 tariff as 2.2.1 (owner `ZZ`/`ZZZ`, which pricing does not look at).
pub(crate) fn from_v211(tariff: &v211::Tariff) -> Result<Tariff, TariffError> {
    let owner = Party {
        country_code: CiString::from("ZZ"),
        party_id: CiString::from("ZZZ"),
    };
    v211::convert::tariff_to_v221(tariff, &owner).map_err(|e| TariffError::InvalidJson {
        what: "tariff",
        message: e.to_string(),
    })
}
