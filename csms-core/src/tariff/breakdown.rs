//! What the engine returns: totals in the CDR's terms, a breakdown that explains every
//! number, and warnings.

use chrono::{DateTime, Utc};
use ocpi_types::common::Price;
use rust_decimal::Decimal;
use serde::Serialize;

/// Writes a decimal as a JSON number without trailing zeros.
pub(crate) fn normalized<S: serde::Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    ocpi_types::common::number::serialize(&v.normalize(), s)
}

fn normalized_option<S: serde::Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => normalized(v, s),
        None => s.serialize_none(),
    }
}

/// An amount of money, excluding and including VAT.
///
/// Components without VAT (`vat` absent, "no VAT applicable") count the same on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Amount {
    /// Excluding VAT.
    #[serde(serialize_with = "normalized")]
    pub excl_vat: Decimal,
    /// Including VAT.
    #[serde(serialize_with = "normalized")]
    pub incl_vat: Decimal,
}

impl Amount {
    /// Zero on both sides.
    pub const ZERO: Amount = Amount {
        excl_vat: Decimal::ZERO,
        incl_vat: Decimal::ZERO,
    };

    /// `excl_vat` with `vat` percent added (`None`: no VAT applicable).
    pub fn with_vat(excl_vat: Decimal, vat: Option<Decimal>) -> Option<Amount> {
        let incl_vat = match vat {
            None => excl_vat,
            Some(rate) => {
                let tax = excl_vat
                    .checked_mul(rate)?
                    .checked_div(Decimal::ONE_HUNDRED)?;
                excl_vat.checked_add(tax)?
            }
        };
        Some(Amount { excl_vat, incl_vat })
    }

    pub(crate) fn checked_add(self, other: Amount) -> Option<Amount> {
        Some(Amount {
            excl_vat: self.excl_vat.checked_add(other.excl_vat)?,
            incl_vat: self.incl_vat.checked_add(other.incl_vat)?,
        })
    }

    pub(crate) fn map(self, f: impl Fn(Decimal) -> Decimal) -> Amount {
        Amount {
            excl_vat: f(self.excl_vat),
            incl_vat: f(self.incl_vat),
        }
    }
}

/// What a breakdown line prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Dimension {
    /// A `FLAT` component of the charging session (billed once).
    Flat,
    /// An `ENERGY` component.
    Energy,
    /// A `TIME` component: time charging.
    Time,
    /// A `PARKING_TIME` component: time not charging.
    ParkingTime,
    /// A `FLAT` component of a reservation element.
    ReservationFlat,
    /// A `TIME` component of a reservation element: reservation time.
    ReservationTime,
    /// The raise to the tariff's `min_price`.
    MinPrice,
    /// The cut to the tariff's `max_price`.
    MaxPrice,
}

/// The unit of a line's volumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    /// Kilowatt-hours (`price` is per kWh).
    #[serde(rename = "kWh")]
    Kwh,
    /// Seconds (`price` is per hour, as in the tariff).
    #[serde(rename = "s")]
    Seconds,
    /// One session (flat fees and price limits).
    #[serde(rename = "session")]
    Session,
}

/// One line of the breakdown: one price component applied over a stretch of the session, from
/// one charging period to another, in which nothing changes the price (so a long session
/// priced the same way for hours gives one line, not one per period).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Index of the tariff that priced the line, in [`Pricing::tariffs`] (0 when the session
    /// was priced with one tariff).
    pub tariff: usize,
    /// The first and the last charging period the stretch covers (0-based, input order);
    /// `None` for price limits.
    pub periods: Option<(usize, usize)>,
    /// What is priced.
    pub dimension: Dimension,
    /// Index of the tariff element that applied (0-based).
    pub element: Option<usize>,
    /// Index of the price component within that element.
    pub component: Option<usize>,
    /// Start of the stretch.
    pub start: DateTime<Utc>,
    /// End of the stretch.
    pub end: DateTime<Utc>,
    /// The volume measured.
    #[serde(serialize_with = "normalized")]
    pub volume: Decimal,
    /// The volume billed: the measured volume, plus what `step_size` rounding added when this
    /// is the line that rounding applies to.
    #[serde(serialize_with = "normalized")]
    pub billed_volume: Decimal,
    /// Unit of both volumes.
    pub unit: Unit,
    /// Price per unit of the tariff, excluding VAT (per kWh, per hour, or per session).
    #[serde(serialize_with = "normalized")]
    pub price: Decimal,
    /// The component's `step_size`, when it is the one that was applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_size: Option<i64>,
    /// VAT percentage (`None`: no VAT applicable).
    #[serde(serialize_with = "normalized_option")]
    pub vat: Option<Decimal>,
    /// The cost of the line.
    pub cost: Amount,
    /// How the line came about, when it is not obvious.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Something the engine had to assume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Index of the charging period concerned, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<usize>,
    /// What was assumed.
    pub message: String,
}

impl Warning {
    pub(crate) fn at(period: usize, message: impl Into<String>) -> Self {
        Warning {
            period: Some(period),
            message: message.into(),
        }
    }

    pub(crate) fn general(message: impl Into<String>) -> Self {
        Warning {
            period: None,
            message: message.into(),
        }
    }
}

/// What one tariff billed in a session priced with several (see
/// [`price_with_tariffs`](super::price_with_tariffs)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TariffShare {
    /// The tariff's `id`.
    pub id: String,
    /// The cost of the lines it priced, after its own `min_price`/`max_price`.
    pub cost: Amount,
}

/// The price of a session: the totals of an OCPI 2.2.1 CDR, with the breakdown and the
/// warnings.
///
/// Times are in hours (rounded to 6 decimals), energy in kWh; costs are exact (to 28
/// significant digits) unless [`Options::decimals`](super::Options::decimals) asks for
/// rounding. The dimension totals are before `min_price`/`max_price`; only `total_cost` is
/// limited by them (the breakdown then has a `MIN_PRICE` or `MAX_PRICE` line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pricing {
    /// ISO 4217 currency of the tariff.
    pub currency: String,
    /// Total cost of the session.
    pub total_cost: Amount,
    /// Flat fees of the charging session (start or transaction fees).
    pub total_fixed_cost: Amount,
    /// Energy charged, in kWh.
    #[serde(serialize_with = "normalized")]
    pub total_energy: Decimal,
    /// Cost of the energy.
    pub total_energy_cost: Amount,
    /// Duration of the session (charging and parking, not reservation), in hours.
    #[serde(serialize_with = "normalized")]
    pub total_time: Decimal,
    /// Cost of the charging time.
    pub total_time_cost: Amount,
    /// Time not charging, in hours.
    #[serde(serialize_with = "normalized")]
    pub total_parking_time: Decimal,
    /// Cost of the parking time.
    pub total_parking_cost: Amount,
    /// Cost of the reservation, its flat fees included.
    pub total_reservation_cost: Amount,
    /// The tariffs that priced the session, with what each one billed; [`Line::tariff`]
    /// indexes this list.
    pub tariffs: Vec<TariffShare>,
    /// One line per stretch of the session priced by one price component.
    pub breakdown: Vec<Line>,
    /// What the engine had to assume.
    pub warnings: Vec<Warning>,
    /// Charging periods (0-based, input order) within which a restriction starts or stops
    /// holding so that splitting them would change a price, when the session was priced with
    /// the tariff at each period's start
    /// ([`PeriodPricing::TariffAtPeriodStart`](super::PeriodPricing::TariffAtPeriodStart));
    /// each has a warning. Empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spanning_periods: Vec<usize>,
}

/// The totals of an OCPI 2.2.1 CDR, typed as `ocpi_types` types them: copy them into a
/// [`Cdr`](ocpi_types::v221::cdrs::Cdr). Every optional total is given, zero included, and
/// every price has both sides of VAT.
#[derive(Debug, Clone, PartialEq)]
pub struct CdrTotals {
    /// `currency`.
    pub currency: String,
    /// `total_cost`.
    pub total_cost: Price,
    /// `total_fixed_cost`.
    pub total_fixed_cost: Option<Price>,
    /// `total_energy`, in kWh.
    pub total_energy: Decimal,
    /// `total_energy_cost`.
    pub total_energy_cost: Option<Price>,
    /// `total_time`, in hours.
    pub total_time: Decimal,
    /// `total_time_cost`.
    pub total_time_cost: Option<Price>,
    /// `total_parking_time`, in hours.
    pub total_parking_time: Option<Decimal>,
    /// `total_parking_cost`.
    pub total_parking_cost: Option<Price>,
    /// `total_reservation_cost`.
    pub total_reservation_cost: Option<Price>,
}

impl From<Amount> for Price {
    fn from(a: Amount) -> Price {
        Price {
            excl_vat: a.excl_vat,
            incl_vat: Some(a.incl_vat),
        }
    }
}

impl Pricing {
    /// The totals as an OCPI 2.2.1 CDR states them.
    pub fn cdr_totals(&self) -> CdrTotals {
        CdrTotals {
            currency: self.currency.clone(),
            total_cost: self.total_cost.into(),
            total_fixed_cost: Some(self.total_fixed_cost.into()),
            total_energy: self.total_energy,
            total_energy_cost: Some(self.total_energy_cost.into()),
            total_time: self.total_time,
            total_time_cost: Some(self.total_time_cost.into()),
            total_parking_time: Some(self.total_parking_time),
            total_parking_cost: Some(self.total_parking_cost.into()),
            total_reservation_cost: Some(self.total_reservation_cost.into()),
        }
    }
}
