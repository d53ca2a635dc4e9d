//! CDRs module of OCPI 2.1.1.

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{DateTime, OcpiString};
use crate::v211::locations::Location;
use crate::v211::tariffs::Tariff;
use crate::validate::checks;

ocpi_object! {
    /// A Charge Detail Record (2.1.1).
    pub struct Cdr {
        /// Unique ID, string(36).
        pub id: OcpiString<36>,
        /// Start of the session.
        pub start_date_time: DateTime,
        /// End of the session.
        pub stop_date_time: DateTime,
        /// Token ID (Token.auth_id) used.
        pub auth_id: OcpiString<36>,
        /// How the session was authorized.
        pub auth_method: AuthMethod,
        /// The Location, with only the EVSE and Connector used.
        pub location: Location,
        /// Identification of the meter.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub meter_id: Option<OcpiString<255>>,
        /// ISO 4217 currency code.
        pub currency: OcpiString<3>,
        /// Relevant tariffs.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub tariffs: Vec<Tariff>,
        /// Charging periods (at least one).
        #[schemars(length(min = 1))]
        pub charging_periods: Vec<ChargingPeriod> => checks::non_empty,
        /// Total cost (excluding VAT).
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub total_cost: Decimal,
        /// Total energy in kWh.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub total_energy: Decimal,
        /// Total duration in hours.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub total_time: Decimal,
        /// Total time not charging, in hours.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub total_parking_time: Option<Decimal>,
        /// Remark.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub remark: Option<OcpiString<255>>,
        /// Last update.
        pub last_updated: DateTime,
    }
    rules = crate::rules::cdr_211;
}

ocpi_enum! {
    /// How a session was authorized (2.1.1).
    pub enum AuthMethod {
        /// Authorization request to the eMSP.
        AuthRequest = "AUTH_REQUEST",
        /// Whitelist.
        Whitelist = "WHITELIST",
    }
}

ocpi_object! {
    /// A charging period (2.1.1).
    pub struct ChargingPeriod {
        /// Start of the period.
        pub start_date_time: DateTime,
        /// Measured values (at least one).
        #[schemars(length(min = 1))]
        pub dimensions: Vec<CdrDimension> => checks::non_empty,
    }
}

ocpi_object! {
    /// One measured dimension (2.1.1).
    pub struct CdrDimension {
        /// What is measured.
        pub r#type: CdrDimensionType,
        /// The volume.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub volume: Decimal,
    }
}

ocpi_enum! {
    /// Dimensions of a charging period (2.1.1).
    pub enum CdrDimensionType {
        /// Energy in kWh.
        Energy = "ENERGY",
        /// Flat fee.
        Flat = "FLAT",
        /// Maximum current in A.
        MaxCurrent = "MAX_CURRENT",
        /// Minimum current in A.
        MinCurrent = "MIN_CURRENT",
        /// Parking time in hours.
        ParkingTime = "PARKING_TIME",
        /// Charging time in hours.
        Time = "TIME",
    }
}
