//! Tariffs module (`mod_tariffs.asciidoc`): Tariff, TariffElement,
//! PriceComponent, TariffRestrictions.

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{
    CiString, DateTime, DisplayText, LocalDate, LocalTime, OcpiString, Price, Url,
};
use crate::v221::locations::EnergyMix;
use crate::validate::checks;

ocpi_object! {
    /// A tariff: how a CPO charges for sessions.
    pub struct Tariff {
        /// ISO-3166 alpha-2 country code of the CPO that owns this Tariff.
        pub country_code: CiString<2>,
        /// ID of the CPO that owns this Tariff.
        pub party_id: CiString<3>,
        /// Unique ID of the tariff within the CPO's platform.
        pub id: CiString<36>,
        /// ISO-4217 currency code.
        pub currency: OcpiString<3>,
        /// Type of tariff (for ad-hoc payment or charging preferences).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub r#type: Option<TariffType>,
        /// Alternative tariff texts.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub tariff_alt_text: Vec<DisplayText>,
        /// URL of a human-readable explanation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tariff_alt_url: Option<Url>,
        /// Minimum price of a session.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_price: Option<Price>,
        /// Maximum price of a session.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_price: Option<Price>,
        /// The tariff elements (at least one).
        #[schemars(length(min = 1))]
        pub elements: Vec<TariffElement> => checks::non_empty,
        /// When this tariff becomes active.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start_date_time: Option<DateTime>,
        /// When this tariff stops being valid.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end_date_time: Option<DateTime>,
        /// Energy supplied with this tariff.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub energy_mix: Option<EnergyMix>,
        /// When this Tariff was last updated.
        pub last_updated: DateTime,
    }
    rules = crate::rules::tariff;
}

ocpi_enum! {
    /// Days of the week.
    pub enum DayOfWeek {
        /// Monday.
        Monday = "MONDAY",
        /// Tuesday.
        Tuesday = "TUESDAY",
        /// Wednesday.
        Wednesday = "WEDNESDAY",
        /// Thursday.
        Thursday = "THURSDAY",
        /// Friday.
        Friday = "FRIDAY",
        /// Saturday.
        Saturday = "SATURDAY",
        /// Sunday.
        Sunday = "SUNDAY",
    }
}

ocpi_object! {
    /// How one dimension is priced.
    pub struct PriceComponent {
        /// The priced dimension.
        pub r#type: TariffDimensionType,
        /// Price per unit, excluding VAT.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub price: Decimal,
        /// VAT percentage (absent: no VAT applicable).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub vat: Option<Decimal>,
        /// Billing step size, in the dimension's step unit.
        #[schemars(range(min = 0))]
        pub step_size: i64 => checks::non_negative,
    }
}

ocpi_enum! {
    /// Reservation restriction of a tariff element.
    pub enum ReservationRestrictionType {
        /// Costs of a reservation.
        Reservation = "RESERVATION",
        /// Costs of a reservation that expires.
        ReservationExpires = "RESERVATION_EXPIRES",
    }
}

ocpi_object! {
    /// A group of price components valid under the same restrictions.
    pub struct TariffElement {
        /// The price components (at least one).
        #[schemars(length(min = 1))]
        pub price_components: Vec<PriceComponent> => checks::non_empty,
        /// When this element applies.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub restrictions: Option<TariffRestrictions>,
    }
}

ocpi_enum! {
    /// Dimensions a tariff can price.
    pub enum TariffDimensionType {
        /// Energy in kWh (step: 1 Wh).
        Energy = "ENERGY",
        /// Flat fee.
        Flat = "FLAT",
        /// Time not charging, in hours (step: 1 s).
        ParkingTime = "PARKING_TIME",
        /// Time charging, in hours (step: 1 s).
        Time = "TIME",
    }
}

ocpi_object! {
    /// Conditions under which a tariff element applies.
    pub struct TariffRestrictions {
        /// Start time of day, local time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start_time: Option<LocalTime>,
        /// End time of day, local time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end_time: Option<LocalTime>,
        /// Start date, local time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start_date: Option<LocalDate>,
        /// End date, local time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end_date: Option<LocalDate>,
        /// Minimum consumed energy in kWh (inclusive).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub min_kwh: Option<Decimal>,
        /// Maximum consumed energy in kWh (exclusive).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub max_kwh: Option<Decimal>,
        /// Sum of the minimum current over all phases, in A.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub min_current: Option<Decimal>,
        /// Sum of the maximum current over all phases, in A.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub max_current: Option<Decimal>,
        /// Minimum power in kW.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub min_power: Option<Decimal>,
        /// Maximum power in kW.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub max_power: Option<Decimal>,
        /// Minimum duration in seconds (inclusive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_duration: Option<i64>,
        /// Maximum duration in seconds (exclusive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_duration: Option<i64>,
        /// Days of the week.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub day_of_week: Vec<DayOfWeek>,
        /// Present when the element describes reservation costs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reservation: Option<ReservationRestrictionType>,
    }
    rules = crate::rules::tariff_restrictions;
}

ocpi_enum! {
    /// Type of a tariff.
    pub enum TariffType {
        /// Ad-hoc payment at the charge point.
        AdHocPayment = "AD_HOC_PAYMENT",
        /// Charging preference CHEAP.
        ProfileCheap = "PROFILE_CHEAP",
        /// Charging preference FAST.
        ProfileFast = "PROFILE_FAST",
        /// Charging preference GREEN.
        ProfileGreen = "PROFILE_GREEN",
        /// RFID or no charging preference.
        Regular = "REGULAR",
    }
}
