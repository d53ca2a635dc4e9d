//! Sessions module of OCPI 2.1.1.

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{DateTime, OcpiString};
use crate::v211::cdrs::{AuthMethod, ChargingPeriod};
use crate::v211::locations::Location;

ocpi_object! {
    /// A charging session (2.1.1).
    pub struct Session {
        /// Unique ID of the session, string(36).
        pub id: OcpiString<36>,
        /// Start of the session.
        pub start_datetime: DateTime,
        /// End of the session.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end_datetime: Option<DateTime>,
        /// kWh charged.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub kwh: Decimal,
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
        /// Charging periods.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub charging_periods: Vec<ChargingPeriod>,
        /// Total cost so far (excluding VAT).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub total_cost: Option<Decimal>,
        /// Status.
        pub status: SessionStatus,
        /// Last update.
        pub last_updated: DateTime,
    }
    rules = crate::rules::session_211;
}

ocpi_enum! {
    /// Status of a session (2.1.1).
    pub enum SessionStatus {
        /// Active.
        Active = "ACTIVE",
        /// Finished.
        Completed = "COMPLETED",
        /// Invalid, will not be billed.
        Invalid = "INVALID",
        /// Pending.
        Pending = "PENDING",
    }
}
