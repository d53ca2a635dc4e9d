//! Sessions module (`mod_sessions.asciidoc`): Session and ChargingPreferences.

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{CiString, DateTime, OcpiString, Price};
use crate::v221::cdrs::{AuthMethod, CdrToken, ChargingPeriod};

ocpi_object! {
    /// A charging session (ongoing or finished).
    pub struct Session {
        /// ISO-3166 alpha-2 country code of the CPO that owns this Session.
        pub country_code: CiString<2>,
        /// ID of the CPO that owns this Session.
        pub party_id: CiString<3>,
        /// Unique ID of the session in the CPO platform.
        pub id: CiString<36>,
        /// When the session became ACTIVE.
        pub start_date_time: DateTime,
        /// When the session was completed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end_date_time: Option<DateTime>,
        /// kWh charged.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub kwh: Decimal,
        /// The token used to start the session.
        pub cdr_token: CdrToken,
        /// How the session was authorized.
        pub auth_method: AuthMethod,
        /// Reference to the authorization given by the eMSP.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub authorization_reference: Option<CiString<36>>,
        /// Location.id of the Location.
        pub location_id: CiString<36>,
        /// EVSE.uid of the EVSE.
        pub evse_uid: CiString<36>,
        /// Connector.id of the Connector.
        pub connector_id: CiString<36>,
        /// Identification of the kWh meter.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub meter_id: Option<OcpiString<255>>,
        /// ISO 4217 currency code.
        pub currency: OcpiString<3>,
        /// Charging periods so far.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub charging_periods: Vec<ChargingPeriod>,
        /// Total cost so far.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total_cost: Option<Price>,
        /// Status of the session.
        pub status: SessionStatus,
        /// When this Session was last updated.
        pub last_updated: DateTime,
    }
    rules = crate::rules::session;
}

ocpi_object! {
    /// A PATCH of a Session: the fields to change, and `last_updated`.
    pub struct SessionPatch {
        /// See [`Session::country_code`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub country_code: Option<CiString<2>>,
        /// See [`Session::party_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub party_id: Option<CiString<3>>,
        /// See [`Session::id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<CiString<36>>,
        /// See [`Session::start_date_time`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start_date_time: Option<DateTime>,
        /// See [`Session::end_date_time`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end_date_time: Option<DateTime>,
        /// See [`Session::kwh`].
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub kwh: Option<Decimal>,
        /// See [`Session::cdr_token`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub cdr_token: Option<CdrToken>,
        /// See [`Session::auth_method`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub auth_method: Option<AuthMethod>,
        /// See [`Session::authorization_reference`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub authorization_reference: Option<CiString<36>>,
        /// See [`Session::location_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub location_id: Option<CiString<36>>,
        /// See [`Session::evse_uid`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evse_uid: Option<CiString<36>>,
        /// See [`Session::connector_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub connector_id: Option<CiString<36>>,
        /// See [`Session::meter_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub meter_id: Option<OcpiString<255>>,
        /// See [`Session::currency`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub currency: Option<OcpiString<3>>,
        /// See [`Session::charging_periods`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub charging_periods: Option<Vec<ChargingPeriod>>,
        /// See [`Session::total_cost`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total_cost: Option<Price>,
        /// See [`Session::status`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<SessionStatus>,
        /// Required in every PATCH.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// The driver's charging preferences (body of the Sessions PUT).
    pub struct ChargingPreferences {
        /// Type of smart charging profile selected by the driver.
        pub profile_type: ProfileType,
        /// Expected departure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub departure_time: Option<DateTime>,
        /// Requested energy in kWh.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub energy_need: Option<Decimal>,
        /// Whether the EV may be discharged when needed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub discharge_allowed: Option<bool>,
    }
}

ocpi_enum! {
    /// Answer to a ChargingPreferences PUT.
    pub enum ChargingPreferencesResponse {
        /// Accepted.
        Accepted = "ACCEPTED",
        /// `departure_time` is required.
        DepartureRequired = "DEPARTURE_REQUIRED",
        /// `energy_need` is required.
        EnergyNeedRequired = "ENERGY_NEED_REQUIRED",
        /// Cannot be fulfilled.
        NotPossible = "NOT_POSSIBLE",
        /// `profile_type` not supported.
        ProfileTypeNotSupported = "PROFILE_TYPE_NOT_SUPPORTED",
    }
}

ocpi_enum! {
    /// Smart charging profile type chosen by the driver.
    pub enum ProfileType {
        /// Cheapest.
        Cheap = "CHEAP",
        /// Fastest.
        Fast = "FAST",
        /// Greenest.
        Green = "GREEN",
        /// No special preferences.
        Regular = "REGULAR",
    }
}

ocpi_enum! {
    /// Status of a session.
    pub enum SessionStatus {
        /// Accepted and active.
        Active = "ACTIVE",
        /// Finished.
        Completed = "COMPLETED",
        /// Declared invalid, will not be billed.
        Invalid = "INVALID",
        /// Pending, not yet started.
        Pending = "PENDING",
        /// Started due to a reservation.
        Reservation = "RESERVATION",
    }
}
