//! The tariffs people ask for, as OCPI 2.2.1 tariffs.
//!
//! Each constructor returns an ordinary [`Tariff`] (id `SIMPLE`, owner `ZZ`/`ZZZ`: set your
//! own before publishing it), so it prices, validates and travels like any other. `vat` is a
//! percentage applied to every component (`None`: no VAT applicable).
//!
//! ```
//! use csms_core::tariff::simple::{self, Band};
//! use ocpi_types::v221::tariffs::DayOfWeek;
//! use rust_decimal::Decimal;
//!
//! // Peak 0.45/kWh on weekdays 17:00-21:00, off-peak 0.25/kWh otherwise, 21% VAT.
//! let weekdays = vec![DayOfWeek::Monday, DayOfWeek::Tuesday, DayOfWeek::Wednesday,
//!                     DayOfWeek::Thursday, DayOfWeek::Friday];
//! let tariff = simple::time_of_use(
//!     "EUR",
//!     &[Band { days: weekdays, from_hour: 17, to_hour: 21, price_per_kwh: Decimal::new(45, 2) }],
//!     Decimal::new(25, 2),
//!     Some(Decimal::from(21)),
//! );
//! assert_eq!(tariff.elements.len(), 2);
//! ```

use chrono::{TimeZone, Utc};
use ocpi_types::common::{CiString, DateTime, LocalTime, OcpiString};
use ocpi_types::v221::tariffs::{
    DayOfWeek, PriceComponent, Tariff, TariffDimensionType, TariffElement, TariffRestrictions,
};
use rust_decimal::Decimal;

fn component(
    r#type: TariffDimensionType,
    price: Decimal,
    vat: Option<Decimal>,
    step_size: i64,
) -> PriceComponent {
    PriceComponent {
        r#type,
        price,
        vat,
        step_size,
    }
}

fn element(
    components: Vec<PriceComponent>,
    restrictions: Option<TariffRestrictions>,
) -> TariffElement {
    TariffElement {
        price_components: components,
        restrictions,
    }
}

fn no_restrictions() -> TariffRestrictions {
    TariffRestrictions {
        start_time: None,
        end_time: None,
        start_date: None,
        end_date: None,
        min_kwh: None,
        max_kwh: None,
        min_current: None,
        max_current: None,
        min_power: None,
        max_power: None,
        min_duration: None,
        max_duration: None,
        day_of_week: Vec::new(),
        reservation: None,
    }
}

/// A tariff of these elements, in `currency`.
pub fn tariff(currency: &str, elements: Vec<TariffElement>) -> Tariff {
    Tariff {
        country_code: CiString::from("ZZ"),
        party_id: CiString::from("ZZZ"),
        id: CiString::from("SIMPLE"),
        currency: OcpiString::from(currency),
        r#type: None,
        tariff_alt_text: Vec::new(),
        tariff_alt_url: None,
        min_price: None,
        max_price: None,
        elements,
        start_date_time: None,
        end_date_time: None,
        energy_mix: None,
        last_updated: DateTime::from_utc(Utc.timestamp_opt(0, 0).single().unwrap_or_default()),
    }
}

/// `price` per kWh, billed per Wh.
pub fn per_kwh(currency: &str, price: Decimal, vat: Option<Decimal>) -> Tariff {
    tariff(
        currency,
        vec![element(
            vec![component(TariffDimensionType::Energy, price, vat, 1)],
            None,
        )],
    )
}

/// `price` per minute of charging, billed per started minute (OCPI prices time per hour:
/// the component's price is 60 × `price`, with a step of 60 seconds).
pub fn per_minute(currency: &str, price: Decimal, vat: Option<Decimal>) -> Tariff {
    let per_hour = price.saturating_mul(Decimal::from(60));
    tariff(
        currency,
        vec![element(
            vec![component(TariffDimensionType::Time, per_hour, vat, 60)],
            None,
        )],
    )
}

/// `price` per session (a start fee, whatever the session's length or energy).
pub fn per_session(currency: &str, price: Decimal, vat: Option<Decimal>) -> Tariff {
    tariff(
        currency,
        vec![element(
            vec![component(TariffDimensionType::Flat, price, vat, 1)],
            None,
        )],
    )
}

/// `energy_price` per kWh, and `parking_price` per hour of parking (vehicle connected, not
/// charging) once the session has lasted `grace_minutes`, billed per started minute.
///
/// OCPI has no restriction on the parking time alone, so the grace period counts from the
/// start of the session (`min_duration`), as most idle fees do; parking before it is free.
pub fn parking_after_grace(
    currency: &str,
    energy_price: Decimal,
    parking_price: Decimal,
    grace_minutes: u32,
    vat: Option<Decimal>,
) -> Tariff {
    let grace = TariffRestrictions {
        min_duration: Some(i64::from(grace_minutes) * 60),
        ..no_restrictions()
    };
    tariff(
        currency,
        vec![
            element(
                vec![component(
                    TariffDimensionType::ParkingTime,
                    parking_price,
                    vat,
                    60,
                )],
                Some(grace),
            ),
            element(
                vec![component(TariffDimensionType::Energy, energy_price, vat, 1)],
                None,
            ),
        ],
    )
}

/// A band of a time-of-use tariff: `price_per_kwh` on `days` (every day when empty) from
/// `from_hour` to `to_hour` local time (24 or 0 for midnight; a band that ends before it
/// starts runs past midnight).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    /// The days the band applies on (all days when empty).
    pub days: Vec<DayOfWeek>,
    /// First hour of the band, 0 to 23.
    pub from_hour: u32,
    /// Hour the band ends, 0 to 24 (24 and 0 mean midnight).
    pub to_hour: u32,
    /// Price per kWh during the band.
    pub price_per_kwh: Decimal,
}

fn hour(h: u32) -> LocalTime {
    LocalTime::from(format!("{:02}:00", h % 24))
}

/// Time-of-use pricing per kWh: the first band that covers the moment applies, otherwise
/// `otherwise_per_kwh` (off-peak). Evaluated in the location's local time.
pub fn time_of_use(
    currency: &str,
    bands: &[Band],
    otherwise_per_kwh: Decimal,
    vat: Option<Decimal>,
) -> Tariff {
    let mut elements: Vec<TariffElement> = bands
        .iter()
        .map(|b| {
            element(
                vec![component(
                    TariffDimensionType::Energy,
                    b.price_per_kwh,
                    vat,
                    1,
                )],
                Some(TariffRestrictions {
                    start_time: Some(hour(b.from_hour)),
                    end_time: Some(hour(b.to_hour)),
                    day_of_week: b.days.clone(),
                    ..no_restrictions()
                }),
            )
        })
        .collect();
    elements.push(element(
        vec![component(
            TariffDimensionType::Energy,
            otherwise_per_kwh,
            vat,
            1,
        )],
        None,
    ));
    tariff(currency, elements)
}
