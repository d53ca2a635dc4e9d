//! Tariffs module of OCPI 2.1.1.

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{DateTime, DisplayText, LocalDate, LocalTime, OcpiString, Url};
use crate::v211::locations::EnergyMix;
pub use crate::v221::tariffs::{DayOfWeek, TariffDimensionType as DimensionType};
use crate::validate::checks;

ocpi_object! {
    /// A tariff (2.1.1).
    pub struct Tariff {
        /// Unique ID, string(36).
        pub id: OcpiString<36>,
        /// ISO 4217 currency code.
        pub currency: OcpiString<3>,
        /// Alternative texts.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub tariff_alt_text: Vec<DisplayText>,
        /// URL of a human-readable explanation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tariff_alt_url: Option<Url>,
        /// Elements (at least one).
        #[schemars(length(min = 1))]
        pub elements: Vec<TariffElement> => checks::non_empty,
        /// Energy mix.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub energy_mix: Option<EnergyMix>,
        /// Last update.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// A tariff element (2.1.1).
    pub struct TariffElement {
        /// Price components (at least one).
        #[schemars(length(min = 1))]
        pub price_components: Vec<PriceComponent> => checks::non_empty,
        /// Restrictions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub restrictions: Option<TariffRestrictions>,
    }
}

ocpi_object! {
    /// A price component (2.1.1; no VAT).
    pub struct PriceComponent {
        /// The priced dimension.
        pub r#type: DimensionType,
        /// Price per unit.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub price: Decimal,
        /// Billing step size.
        #[schemars(range(min = 0))]
        pub step_size: i64 => checks::non_negative,
    }
}

ocpi_object! {
    /// Tariff restrictions (2.1.1).
    pub struct TariffRestrictions {
        /// Start time of day.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start_time: Option<LocalTime>,
        /// End time of day.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end_time: Option<LocalTime>,
        /// Start date.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start_date: Option<LocalDate>,
        /// End date.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end_date: Option<LocalDate>,
        /// Minimum energy in kWh.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub min_kwh: Option<Decimal>,
        /// Maximum energy in kWh.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub max_kwh: Option<Decimal>,
        /// Minimum power in kW.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub min_power: Option<Decimal>,
        /// Maximum power in kW.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub max_power: Option<Decimal>,
        /// Minimum duration in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_duration: Option<i64>,
        /// Maximum duration in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_duration: Option<i64>,
        /// Days of the week.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub day_of_week: Vec<DayOfWeek>,
    }
    rules = crate::rules::tariff_restrictions_211;
}
