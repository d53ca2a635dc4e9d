//! ChargingProfiles module (`mod_charging_profiles.asciidoc`).

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{DateTime, Url};
use crate::validate::checks;

ocpi_object! {
    /// The CPO's immediate answer to a charging profile request.
    pub struct ChargingProfileResponse {
        /// Response of the CPO.
        pub result: ChargingProfileResponseType,
        /// Timeout for the request in seconds.
        #[schemars(range(min = 0))]
        pub timeout: i64 => checks::non_negative,
    }
}

ocpi_object! {
    /// Result of a GET ActiveChargingProfile request.
    pub struct ActiveChargingProfileResult {
        /// Whether the EVSE could process the request.
        pub result: ChargingProfileResultType,
        /// The profile, when `result` is ACCEPTED.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub profile: Option<ActiveChargingProfile>,
    }
}

ocpi_object! {
    /// Result of a SetChargingProfile request.
    pub struct ChargingProfileResult {
        /// Whether the EVSE could process the profile.
        pub result: ChargingProfileResultType,
    }
}

ocpi_object! {
    /// Result of a request to clear a charging profile.
    pub struct ClearProfileResult {
        /// Whether the EVSE could remove the profile.
        pub result: ChargingProfileResultType,
    }
}

ocpi_object! {
    /// Body of a PUT that sets a charging profile on a session.
    pub struct SetChargingProfile {
        /// The limits over time.
        pub charging_profile: ChargingProfile,
        /// Where to POST the ChargingProfileResult.
        pub response_url: Url,
    }
}

ocpi_object! {
    /// The charging profile in effect, as calculated by the Charge Point.
    pub struct ActiveChargingProfile {
        /// When the profile was calculated; all times are relative to it.
        pub start_date_time: DateTime,
        /// The profile.
        pub charging_profile: ChargingProfile,
    }
}

ocpi_enum! {
    /// Unit of a charging rate.
    pub enum ChargingRateUnit {
        /// Watts (power).
        W = "W",
        /// Amperes (current).
        A = "A",
    }
}

ocpi_object! {
    /// Limits of power or current over time.
    pub struct ChargingProfile {
        /// Start of an absolute profile.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start_date_time: Option<DateTime>,
        /// Duration in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub duration: Option<i64>,
        /// Unit of the limits.
        pub charging_rate_unit: ChargingRateUnit,
        /// Minimum charging rate supported by the EV.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub min_charging_rate: Option<Decimal>,
        /// The periods.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub charging_profile_period: Vec<ChargingProfilePeriod>,
    }
}

ocpi_object! {
    /// One period of a charging profile.
    pub struct ChargingProfilePeriod {
        /// Start of the period in seconds from the start of the profile.
        #[schemars(range(min = 0))]
        pub start_period: i64 => checks::non_negative,
        /// Charging rate limit in the profile's unit.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub limit: Decimal,
    }
}

ocpi_enum! {
    /// The CPO's answer to a charging profile request.
    pub enum ChargingProfileResponseType {
        /// Accepted, forwarded to the EVSE.
        Accepted = "ACCEPTED",
        /// Not supported.
        NotSupported = "NOT_SUPPORTED",
        /// Rejected.
        Rejected = "REJECTED",
        /// Requests sent too often.
        TooOften = "TOO_OFTEN",
        /// Unknown session.
        UnknownSession = "UNKNOWN_SESSION",
    }
}

ocpi_enum! {
    /// The EVSE's result of a charging profile request.
    pub enum ChargingProfileResultType {
        /// Accepted by the EVSE.
        Accepted = "ACCEPTED",
        /// Rejected by the EVSE.
        Rejected = "REJECTED",
        /// No matching charging profile found.
        Unknown = "UNKNOWN",
    }
}
