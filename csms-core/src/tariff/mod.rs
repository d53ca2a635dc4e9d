//! The tariff and CDR engine: prices charging sessions and CDRs with the whole tariff model of
//! OCPI 2.2.1 (`mod_tariffs.asciidoc`), in exact decimals, and explains every number.
//!
//! Pure and synchronous: no storage, no network, no clock. `csms-core` uses it to price each
//! session that ends; call it directly to price a partner's CDR or to check their invoice.
//!
//! - [`price`]: a [`Tariff`] and a [`Consumption`] (OCPI charging periods, from a CDR or built from
//!   meter values by [`meter::periods_from_meter_values`]) give a [`Pricing`]: the totals of a
//!   CDR (`total_cost`, `total_energy_cost`, ..., each excluding and including VAT, and as
//!   `ocpi_types` values with [`Pricing::cdr_totals`]), a [`breakdown`](Pricing::breakdown)
//!   with one [`Line`] per stretch of the session that one price component priced, and
//!   [`warnings`](Pricing::warnings) for what the engine had to assume.
//! - [`price_session`]: what the CSMS calls when a session ends: meter values, tariff and
//!   time zone in; pricing and charging periods out.
//! - [`price_with_tariffs`]: periods that name different tariffs (`tariff_id`), each priced
//!   with its own.
//! - [`price_v211`]: the same for an OCPI 2.1.1 tariff.
//! - [`price_at_period_starts`]: a roaming partner's periods, each priced whole with the
//!   tariff at its start ([`PeriodPricing`]).
//! - [`cdr`]: pricing a CDR given as JSON, partial or not, and comparing with the totals it
//!   states (what the `price-cdr` example does).
//! - [`simple`]: the tariffs people ask for (per kWh, per minute, per session, parking after a
//!   grace period, peak and off-peak) built as OCPI tariffs.
//!
//! ```
//! use csms_core::tariff::{price, simple, Options, Consumption};
//! use rust_decimal::Decimal;
//!
//! // 25.5 kWh at 15.0 KGS per kWh, no VAT.
//! let tariff = simple::per_kwh("KGS", Decimal::new(150, 1), None);
//! let json = r#"[{"start_date_time": "2024-03-01T10:00:00Z",
//!                 "dimensions": [{"type": "ENERGY", "volume": 25.5}, {"type": "TIME", "volume": 1.5}]}]"#;
//! let session = Consumption::new(serde_json::from_str(json).unwrap());
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
//!    the dimension is free in that slice. A partner's CDR is priced with the restrictions
//!    as they hold at the start of each slice's period instead ([`PeriodPricing`]); the
//!    slices then only show where that differs.
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
//! - A component with a price of zero is free of charge, as if no component applied: it
//!   takes no `step_size` rounding (see [`steps`]).
//! - No rounding unless asked for ([`Options::decimals`]): OCPI leaves rounding to law and
//!   contracts. Costs of time divide by 3600 and so carry 28 significant digits.
//! - Periods priced with different tariffs still make one session: a `FLAT` fee is billed
//!   once, steps round the session's totals once, durations and energy count from the
//!   session's start; each tariff's `min_price`/`max_price` limits what that tariff priced;
//!   a period without `tariff_id` among periods that have one is not priced (see
//!   [`price_with_tariffs`]).
//!
//! # OCPI 2.1.1 tariffs
//!
//! A 2.1.1 tariff is read as the 2.2.1 tariff it converts to, and priced by the same rules:
//!
//! - Price components have no `vat`, and 2.1.1 does not say whether its prices include VAT:
//!   they are billed as they are, `incl_vat` equals `excl_vat`, with a warning.
//! - There is no `min_price`, `max_price`, `start_date_time`/`end_date_time`, no current
//!   restriction and no `reservation` restriction, so those rules never come into play (a
//!   2.1.1 CDR has no reservation time either).
//! - The restrictions 2.1.1 has are worded without the clarifications 2.2.1 added, and mean
//!   the same: `start_time`/`end_time` "valid from/until this time of the day" (an end before
//!   the start wraps past midnight, `00:00` ends the day), read in the location's
//!   `time_zone`; `start_date` inclusive and `end_date` exclusive; `min_kwh`/`max_kwh` "valid
//!   from/until this amount of energy is used" (inclusive/exclusive); `min_duration`/
//!   `max_duration` "valid for a duration from/up to x seconds"; `day_of_week`.
//! - `min_power`/`max_power` ("valid from/up to this charging speed") are in kW, even where
//!   the 2.1.1 complex example's text speaks of amperes. A 2.1.1 CDR has no power dimensions
//!   (only `MIN_CURRENT`/`MAX_CURRENT`), so they look at the period's average power.
//! - `step_size` is described in 2.1.1 as blocks only; the 2.2.1 rules (once per session per
//!   dimension group, the step of the last paid component) apply.
//! - The `FLAT` dimension of a 2.1.1 charging period is ignored: flat fees come from the
//!   tariff.

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

pub use breakdown::{Amount, CdrTotals, Dimension, Line, Pricing, TariffShare, Unit, Warning};
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

use engine::Assignment;

/// What is priced: the charging periods of a session or CDR.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Consumption {
    /// The charging periods (OCPI 2.2.1), in time order (they are sorted, with a warning,
    /// when they are not).
    pub periods: Vec<ChargingPeriod>,
    /// End of the session (a CDR's `end_date_time`): where the last period ends when it has
    /// no time dimension. Optional.
    pub end: Option<DateTime<Utc>>,
}

impl Consumption {
    /// A session of these periods, with no stated end.
    pub fn new(periods: Vec<ChargingPeriod>) -> Self {
        Consumption { periods, end: None }
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

/// How a charging period within which a restriction starts or stops holding (a time of
/// day, a `max_duration` or `min_kwh` reached, ...) is priced.
///
/// OCPI 2.2.1 has the CPO start a new charging period "every moment/event that has relevance
/// for the total costs of a CDR" (`mod_cdrs.asciidoc`, the CDR object): in a CDR from a
/// roaming partner, each period is priced with one element per dimension, the one that
/// applies at its start. Our own sessions are priced from meter values and split at every
/// boundary, whatever periods they were measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodPricing {
    /// Cut each period wherever a restriction can start or stop holding, and price each part
    /// with the tariff as it stands there: how the CSMS prices its own sessions ([`price`],
    /// [`price_session`]).
    #[default]
    SplitAtEveryBoundary,
    /// Price each period whole with the tariff as it stood at the period's start (its local
    /// time, the session's duration and energy so far, the period's power and current): how
    /// a partner's CDR is priced ([`price_at_period_starts`], and the default of
    /// [`cdr::CdrOptions`]). A period that spans
    /// a boundary gets a warning saying where, and what splitting there would have cost, and
    /// is listed in [`Pricing::spanning_periods`].
    TariffAtPeriodStart,
}

/// Prices `session` with the OCPI 2.2.1 `tariff`.
///
/// Fails on an empty tariff, unreadable restrictions, negative times, overflow, and when the
/// tariff depends on local time and no time zone can be found (see [`timezone`]). Never
/// panics.
pub fn price(
    tariff: &Tariff,
    session: &Consumption,
    options: &Options,
) -> Result<Pricing, TariffError> {
    engine::run(
        &[tariff],
        Assignment::All,
        session,
        options,
        PeriodPricing::SplitAtEveryBoundary,
        Vec::new(),
    )
}

/// Prices a roaming partner's charging periods with the OCPI 2.2.1 `tariff`: each period
/// whole, with the tariff as it stood at the period's start
/// ([`PeriodPricing::TariffAtPeriodStart`]), as the CPO cut them. Where a period spans a
/// restriction boundary, a warning says where and what splitting there would have cost, and
/// [`Pricing::spanning_periods`] lists it; [`price`] gives the cost split at every boundary.
/// Fails as [`price`] does.
///
/// ```
/// use csms_core::tariff::{price, price_at_period_starts, Options, Consumption};
/// use rust_decimal::Decimal;
///
/// // 0.50 per kWh for the first hour of the session, 0.30 after.
/// let tariff = serde_json::from_str(r#"{"country_code": "NL", "party_id": "EXA", "id": "1",
///     "currency": "EUR", "last_updated": "2024-03-01T00:00:00Z", "elements": [
///     {"price_components": [{"type": "ENERGY", "price": 0.50, "step_size": 1}],
///      "restrictions": {"max_duration": 3600}},
///     {"price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 1}]}]}"#).unwrap();
/// // One period of two hours and 20 kWh: the CPO did not start a new one after the first hour.
/// let json = r#"[{"start_date_time": "2024-03-01T10:00:00Z",
///                 "dimensions": [{"type": "ENERGY", "volume": 20}, {"type": "TIME", "volume": 2}]}]"#;
/// let session = Consumption::new(serde_json::from_str(json).unwrap());
/// let as_cut = price_at_period_starts(&tariff, &session, &Options::default()).unwrap();
/// assert_eq!(as_cut.total_cost.excl_vat, Decimal::from(10)); // 20 kWh at 0.50
/// assert_eq!(as_cut.spanning_periods, [0]);
/// let split = price(&tariff, &session, &Options::default()).unwrap();
/// assert_eq!(split.total_cost.excl_vat, Decimal::from(8)); // 10 at 0.50, 10 at 0.30
/// ```
pub fn price_at_period_starts(
    tariff: &Tariff,
    session: &Consumption,
    options: &Options,
) -> Result<Pricing, TariffError> {
    engine::run(
        &[tariff],
        Assignment::All,
        session,
        options,
        PeriodPricing::TariffAtPeriodStart,
        Vec::new(),
    )
}

/// Prices a session that has ended, from its meter values: what the CSMS calls when a
/// transaction stops.
///
/// The same as [`meter::periods_from_meter_values`], then [`price`] in the location's
/// `time_zone`; [`Pricing::cdr_totals`] gives the totals to put in the session's OCPI 2.2.1
/// CDR, and the periods are its `charging_periods`. Fails as those two do (fewer than two
/// samples, samples out of order, a register that goes back, and what [`price`] rejects).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csms_core::tariff::meter::MeterSample;
/// use csms_core::tariff::{price_session, simple};
/// use rust_decimal::Decimal;
///
/// // 0.30 EUR per kWh plus 21% VAT; 12.5 kWh charged, then parked for a quarter of an hour.
/// let tariff = simple::per_kwh("EUR", Decimal::new(30, 2), Some(Decimal::from(21)));
/// let at = |h, m| Utc.with_ymd_and_hms(2024, 3, 1, h, m, 0).unwrap();
/// let sample = |h, m, wh: i64| MeterSample {
///     at: at(h, m), energy_kwh: Decimal::new(wh, 3), power_kw: None, current_a: None,
/// };
/// let samples = [sample(18, 0, 1_000_000), sample(19, 0, 1_011_000), sample(19, 10, 1_012_500),
///                sample(19, 25, 1_012_500)];
/// let (pricing, periods) = price_session(&tariff, &samples, chrono_tz::Europe::Amsterdam).unwrap();
/// let totals = pricing.cdr_totals();
/// assert_eq!(totals.total_cost.excl_vat, Decimal::new(375, 2));
/// assert_eq!(totals.total_cost.incl_vat, Some(Decimal::new(45375, 4)));
/// assert_eq!(totals.total_parking_time, Some(Decimal::new(25, 2)));
/// assert_eq!(periods.len(), 3);
/// ```
pub fn price_session(
    tariff: &Tariff,
    samples: &[meter::MeterSample],
    time_zone: Tz,
) -> Result<(Pricing, Vec<ChargingPeriod>), TariffError> {
    let periods = meter::periods_from_meter_values(samples)?;
    let session = Consumption {
        periods,
        end: samples.last().map(|s| s.at),
    };
    let options = Options {
        time_zone: Some(time_zone),
        ..Options::default()
    };
    let pricing = price(tariff, &session, &options)?;
    Ok((pricing, session.periods))
}

/// Prices each charging period of `session` with the tariff its `tariff_id` names (OCPI
/// 2.2.1: "the Tariff that is relevant for this Charging Period"), looked up by `id` in
/// `tariffs`. Tariffs that no period names are ignored.
///
/// The session stays one session across tariffs: restrictions on duration and energy count
/// from its start, a `FLAT` fee is billed once (by the first tariff whose element applies),
/// and `step_size` rounds each total once, with the step of the last paid line, whichever
/// tariff that is ("the `step_size` is not taken into account when switching between two
/// Tariffs"). Each tariff's `min_price` and `max_price` limit what that tariff priced.
/// [`Pricing::tariffs`] lists the tariffs named, with what each one billed, and every
/// [`Line::tariff`] points into it.
///
/// A period without `tariff_id` is not priced ("if not provided, no Tariff is relevant
/// during this period"), with a warning. Fails with [`TariffError::UnknownTariff`] when a
/// period names a tariff that is not in `tariffs`, and with [`TariffError::NoTariff`] when
/// no period names one; otherwise as [`price`].
///
/// ```
/// use csms_core::tariff::{price_with_tariffs, simple, Options, Consumption};
/// use rust_decimal::Decimal;
///
/// let mut regular = simple::per_kwh("EUR", Decimal::new(30, 2), None);
/// regular.id = "REGULAR".into();
/// let mut fast = simple::per_kwh("EUR", Decimal::new(50, 2), None);
/// fast.id = "FAST".into();
/// // The driver switched to a faster charging profile, with its own tariff, after an hour.
/// let json = r#"[{"start_date_time": "2024-03-01T10:00:00Z", "tariff_id": "REGULAR",
///                 "dimensions": [{"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 1}]},
///                {"start_date_time": "2024-03-01T11:00:00Z", "tariff_id": "FAST",
///                 "dimensions": [{"type": "ENERGY", "volume": 20}, {"type": "TIME", "volume": 0.5}]}]"#;
/// let session = Consumption::new(serde_json::from_str(json).unwrap());
/// let pricing = price_with_tariffs(&[regular, fast], &session, &Options::default()).unwrap();
/// assert_eq!(pricing.total_cost.excl_vat, Decimal::new(13, 0)); // 10 * 0.30 + 20 * 0.50
/// assert_eq!(pricing.tariffs[1].id, "FAST");
/// assert_eq!(pricing.tariffs[1].cost.excl_vat, Decimal::new(10, 0));
/// assert_eq!(pricing.breakdown[1].tariff, 1);
/// ```
pub fn price_with_tariffs(
    tariffs: &[Tariff],
    session: &Consumption,
    options: &Options,
) -> Result<Pricing, TariffError> {
    let (used, assignment) = assign_tariffs(tariffs.iter(), &session.periods)?;
    engine::run(
        &used,
        Assignment::PerPeriod(&assignment),
        session,
        options,
        PeriodPricing::SplitAtEveryBoundary,
        Vec::new(),
    )
}

/// The tariffs the periods name, in the order they are first named, and for each period the
/// index of its tariff in that list.
pub(crate) fn assign_tariffs<'t>(
    tariffs: impl Iterator<Item = &'t Tariff> + Clone,
    periods: &[ChargingPeriod],
) -> Result<(Vec<&'t Tariff>, Vec<Option<usize>>), TariffError> {
    let mut used: Vec<&Tariff> = Vec::new();
    let mut assignment = Vec::with_capacity(periods.len());
    for (index, period) in periods.iter().enumerate() {
        let Some(id) = &period.tariff_id else {
            assignment.push(None);
            continue;
        };
        if let Some(i) = used.iter().position(|t| &t.id == id) {
            assignment.push(Some(i));
            continue;
        }
        let tariff =
            tariffs
                .clone()
                .find(|t| &t.id == id)
                .ok_or_else(|| TariffError::UnknownTariff {
                    period: index,
                    id: id.as_str().to_owned(),
                })?;
        assignment.push(Some(used.len()));
        used.push(tariff);
    }
    if used.is_empty() {
        return Err(TariffError::NoTariff);
    }
    Ok((used, assignment))
}

/// Prices `session` with an OCPI 2.1.1 `tariff`: the same model without VAT, current and
/// reservation restrictions, and price limits. `incl_vat` equals `excl_vat`, with a warning.
/// See [the 2.1.1 section](self#ocpi-211-tariffs).
pub fn price_v211(
    tariff: &v211::Tariff,
    session: &Consumption,
    options: &Options,
) -> Result<Pricing, TariffError> {
    let tariff = from_v211(tariff)?;
    let warnings = vec![Warning::general(
        "OCPI 2.1.1 tariffs carry no VAT: incl_vat equals excl_vat",
    )];
    engine::run(
        &[&tariff],
        Assignment::All,
        session,
        options,
        PeriodPricing::SplitAtEveryBoundary,
        warnings,
    )
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
