//! CDRs module (`mod_cdrs.asciidoc`): CDR, CdrToken, CdrLocation,
//! ChargingPeriod, CdrDimension, SignedData, SignedValue.

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{CiString, DateTime, OcpiString, Price};
use crate::v221::locations::{ConnectorFormat, ConnectorType, GeoLocation, PowerType};
use crate::v221::tariffs::Tariff;
use crate::v221::tokens::TokenType;
use crate::validate::checks;

ocpi_object! {
    /// A Charge Detail Record: the facts of a finished session, for billing.
    pub struct Cdr {
        /// ISO-3166 alpha-2 country code of the CPO that owns this CDR.
        pub country_code: CiString<2>,
        /// ID of the CPO that owns this CDR.
        pub party_id: CiString<3>,
        /// Unique ID of the CDR per country_code/party_id, CiString(39).
        pub id: CiString<39>,
        /// Start of the session (or reservation).
        pub start_date_time: DateTime,
        /// End of the session.
        pub end_date_time: DateTime,
        /// The Session this CDR is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub session_id: Option<CiString<36>>,
        /// The token used.
        pub cdr_token: CdrToken,
        /// How the session was authorized.
        pub auth_method: AuthMethod,
        /// Reference to the authorization given by the eMSP.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub authorization_reference: Option<CiString<36>>,
        /// Where the session took place.
        pub cdr_location: CdrLocation,
        /// Identification of the meter.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub meter_id: Option<OcpiString<255>>,
        /// ISO 4217 currency code.
        pub currency: OcpiString<3>,
        /// The relevant tariffs.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub tariffs: Vec<Tariff>,
        /// The charging periods (at least one).
        #[schemars(length(min = 1))]
        pub charging_periods: Vec<ChargingPeriod> => checks::non_empty,
        /// Signed meter data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub signed_data: Option<SignedData>,
        /// Total cost.
        pub total_cost: Price,
        /// Total of the fixed costs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total_fixed_cost: Option<Price>,
        /// Total energy in kWh.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub total_energy: Decimal,
        /// Total cost of the energy.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total_energy_cost: Option<Price>,
        /// Total duration in hours.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub total_time: Decimal,
        /// Total cost of the charging time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total_time_cost: Option<Price>,
        /// Total time not charging, in hours.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub total_parking_time: Option<Decimal>,
        /// Total cost of parking.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total_parking_cost: Option<Price>,
        /// Total cost of the reservation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total_reservation_cost: Option<Price>,
        /// Human-readable remark.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub remark: Option<OcpiString<255>>,
        /// Reference to an invoice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub invoice_reference_id: Option<CiString<39>>,
        /// `true` for a Credit CDR.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub credit: Option<bool>,
        /// ID of the CDR a Credit CDR credits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub credit_reference_id: Option<CiString<39>>,
        /// Session at the driver's home charger.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub home_charging_compensation: Option<bool>,
        /// When this CDR was last updated.
        pub last_updated: DateTime,
    }
    rules = crate::rules::cdr;
}

ocpi_enum! {
    /// How a session was authorized.
    pub enum AuthMethod {
        /// Authorization request sent to the eMSP.
        AuthRequest = "AUTH_REQUEST",
        /// A command such as StartSession.
        Command = "COMMAND",
        /// Whitelist, no request to the eMSP.
        Whitelist = "WHITELIST",
    }
}

ocpi_object! {
    /// One measured dimension of a charging period.
    pub struct CdrDimension {
        /// What is measured.
        pub r#type: CdrDimensionType,
        /// The volume.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub volume: Decimal,
    }
    rules = crate::rules::cdr_dimension;
}

ocpi_enum! {
    /// The dimensions of a charging period.
    pub enum CdrDimensionType {
        /// Average current in A (session only).
        Current = "CURRENT",
        /// Energy in kWh.
        Energy = "ENERGY",
        /// Energy fed back into the grid in kWh (session only).
        EnergyExport = "ENERGY_EXPORT",
        /// Energy charged in kWh (session only).
        EnergyImport = "ENERGY_IMPORT",
        /// Sum of the maximum current over all phases in A.
        MaxCurrent = "MAX_CURRENT",
        /// Sum of the minimum current over all phases in A.
        MinCurrent = "MIN_CURRENT",
        /// Maximum power in kW.
        MaxPower = "MAX_POWER",
        /// Minimum power in kW.
        MinPower = "MIN_POWER",
        /// Time the vehicle is not requesting power, in hours.
        ParkingTime = "PARKING_TIME",
        /// Average power in kW (session only).
        Power = "POWER",
        /// Time reserved and not yet in use, in hours.
        ReservationTime = "RESERVATION_TIME",
        /// State of charge in percent (session only).
        StateOfCharge = "STATE_OF_CHARGE",
        /// Time charging, in hours.
        Time = "TIME",
    }
}

ocpi_object! {
    /// The Location of a CDR, with only the EVSE and Connector used.
    pub struct CdrLocation {
        /// Location ID.
        pub id: CiString<36>,
        /// Display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub name: Option<OcpiString<255>>,
        /// Street/block name and house number, string(45).
        pub address: OcpiString<45>,
        /// City or town.
        pub city: OcpiString<45>,
        /// Postal code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub postal_code: Option<OcpiString<10>>,
        /// State or province, string(20).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub state: Option<OcpiString<20>>,
        /// ISO 3166-1 alpha-3 country code.
        pub country: OcpiString<3>,
        /// Coordinates.
        pub coordinates: GeoLocation,
        /// EVSE.uid.
        pub evse_uid: CiString<36>,
        /// EVSE ID (eMI3).
        pub evse_id: CiString<48>,
        /// Connector.id.
        pub connector_id: CiString<36>,
        /// Connector standard.
        pub connector_standard: ConnectorType,
        /// Connector format.
        pub connector_format: ConnectorFormat,
        /// Connector power type.
        pub connector_power_type: PowerType,
    }
}

ocpi_object! {
    /// The token of a session or CDR.
    pub struct CdrToken {
        /// Country code of the eMSP that owns the token.
        pub country_code: CiString<2>,
        /// ID of the eMSP that owns the token.
        pub party_id: CiString<3>,
        /// Token UID.
        pub uid: CiString<36>,
        /// Token type.
        pub r#type: TokenType,
        /// Contract ID.
        pub contract_id: CiString<36>,
    }
}

ocpi_object! {
    /// A period of a session with constant tariff and measured dimensions.
    pub struct ChargingPeriod {
        /// Start of the period.
        pub start_date_time: DateTime,
        /// The measured values (at least one).
        #[schemars(length(min = 1))]
        pub dimensions: Vec<CdrDimension> => checks::non_empty,
        /// Tariff relevant for this period.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tariff_id: Option<CiString<36>>,
    }
}

ocpi_object! {
    /// Signed meter data of a session.
    pub struct SignedData {
        /// Name of the encoding, e.g. `OCMF`.
        pub encoding_method: CiString<36>,
        /// Version of the encoding.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub encoding_method_version: Option<i64>,
        /// Public key, base64.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub public_key: Option<OcpiString<512>>,
        /// The signed values (at least one).
        #[schemars(length(min = 1))]
        pub signed_values: Vec<SignedValue> => checks::non_empty,
        /// URL for the EV driver to verify the data, string(512).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub url: Option<OcpiString<512>>,
    }
}

ocpi_object! {
    /// One signed value.
    pub struct SignedValue {
        /// Event the value belongs to, e.g. `Start`, `End`, `Intermediate`.
        pub nature: CiString<32>,
        /// The unencoded data, string(5000).
        pub plain_data: OcpiString<5000>,
        /// The signed data, base64, string(5000).
        pub signed_data: OcpiString<5000>,
    }
}
