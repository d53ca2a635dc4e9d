//! JSON Schemas of the model as the API reads and writes it, for the OpenAPI document.
//!
//! The model's own types carry no schema, so each one the API exposes has a mirror here:
//! a struct with the same fields and serde attributes, derived with `#[serde(remote = ...)]`.
//! Serde's remote derive builds and takes apart the real type field by field, so a field
//! added, removed, renamed or retyped in the model fails to compile here until its mirror
//! follows: the schemas cannot drift from what is sent. Identifiers and the model's
//! enumerations get their schemas from the enumerations themselves (`ALL`, `as_str`).
#![allow(dead_code)]

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use ocpi_types::common::number::Number;
use rust_decimal::Decimal;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::model::{
    Actor, ApiKeyId, AuditEntry, AuditId, BootLogEntry, Cdr, CdrId, ConfigurationKey, Connector,
    Evse, StoredTariff, TariffAssignment, TariffId, TariffScope, UserUpdate, VariableKey,
    VariableValue,
};
use crate::model::{
    Address, AuthMethod, ChargingSession, ConnectorStatus, Coordinates, Location, LocationId,
    MeterValue, NewLocation, NewTenant, NewToken, NewUser, NewVehicle, OpeningHours, ParkingSpot,
    PartnerReservation, RegistrationStatus, Reservation, ReservationId, ReservationStatus,
    RoamingPartnerId, Role, SentChargingProfile, SessionId, SessionStatus, StationId, Tenant,
    TenantId, TenantRole, TenantSettings, TimeWindow, Token, TokenId, TokenKind, TokenRestrictions,
    TokenStatus, TokenUsage, TransactionRef, UnknownStationPolicy, User, UserId, Vehicle,
    VehicleId,
};
use ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};
use ocpi_types::v221::tariffs::Tariff;

/// Gives store-assigned identifiers the schema of a 64-bit integer.
macro_rules! id_schemas {
    ($($id:ident),* $(,)?) => {$(
        impl JsonSchema for $id {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($id).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "integer", "format": "int64" })
            }
        }
    )*};
}

id_schemas!(
    TenantId,
    UserId,
    ApiKeyId,
    TokenId,
    VehicleId,
    LocationId,
    StationId,
    SessionId,
    AuditId,
    TariffId,
    CdrId,
    ReservationId,
    RoamingPartnerId
);

/// Gives the model's enumerations the schema of their stored names.
macro_rules! enum_schemas {
    ($($name:ident: $doc:literal),* $(,)?) => {$(
        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let names: Vec<&str> = $name::ALL.iter().map(|value| value.as_str()).collect();
                json_schema!({ "type": "string", "enum": names, "description": $doc })
            }
        }
    )*};
}

enum_schemas!(
    TenantRole: "What a tenant is in the OCPI sense.",
    UnknownStationPolicy: "What BootNotification answers a station that no tenant has registered.",
    Role: "What a user or an API key may do within its tenant.",
    TokenKind: "How a token is presented.",
    TokenStatus: "Whether a token may start charging.",
    RegistrationStatus: "Whether a station is let in (the BootNotification answer it gets).",
    ConnectorStatus: "The state of a connector.",
    SessionStatus: "Where a session stands.",
    AuthMethod: "How the driver was authorized.",
    ReservationStatus: "Where a reservation stands.",
);

/// An OCPP version as written (`1.6`, `2.0.1`, `2.1`).
pub(crate) struct OcppVersionName;

impl JsonSchema for OcppVersionName {
    fn schema_name() -> Cow<'static, str> {
        "OcppVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = ocpp_types::OcppVersion::ALL
            .iter()
            .map(|version| version.as_str())
            .collect();
        json_schema!({ "type": "string", "enum": names })
    }
}

/// A tenant's settings.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "TenantSettings")]
#[schemars(rename = "TenantSettings")]
pub(crate) struct TenantSettingsDef {
    /// The IANA time zone of its operations (`Europe/Berlin`).
    pub time_zone: String,
    /// ISO 4217 currency of its prices (`EUR`).
    pub currency: String,
    /// Language of its texts (`en`).
    pub language: String,
    /// What to answer stations nobody registered.
    pub unknown_stations: UnknownStationPolicy,
    /// Whether its stations may connect without authentication (security profile 0;
    /// default `false`).
    #[serde(default)]
    pub unsecured_stations: bool,
}

/// An operator using the CSMS.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Tenant")]
#[schemars(rename = "Tenant")]
pub(crate) struct TenantDef {
    pub id: TenantId,
    pub name: String,
    pub role: TenantRole,
    /// ISO 3166-1 alpha-2 country code of its OCPI party.
    pub country_code: String,
    /// Its OCPI party id (three characters).
    pub party_id: String,
    #[serde(with = "TenantSettingsDef")]
    pub settings: TenantSettings,
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a tenant.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "NewTenant")]
#[schemars(rename = "NewTenant")]
pub(crate) struct NewTenantDef {
    pub name: String,
    pub role: TenantRole,
    pub country_code: String,
    pub party_id: String,
    #[serde(with = "TenantSettingsDef")]
    pub settings: TenantSettings,
}

/// A person known to a tenant: a staff member, a driver, a renter.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "User")]
#[schemars(rename = "User")]
pub(crate) struct UserDef {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a user.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "NewUser")]
#[schemars(rename = "NewUser")]
pub(crate) struct NewUserDef {
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
}

/// A recurring period on some days of the week, between two local times.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "TimeWindow")]
#[schemars(rename = "TimeWindow")]
pub(crate) struct TimeWindowDef {
    /// The days it starts on; every day when empty.
    #[schemars(with = "Vec<WeekdayName>")]
    pub days: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A day of the week as written (`Mon` ... `Sun`).
pub(crate) struct WeekdayName;

impl JsonSchema for WeekdayName {
    fn schema_name() -> Cow<'static, str> {
        "Weekday".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "enum": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] })
    }
}

/// Limits on a token's use. Empty lists and absent values mean "no limit".
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "TokenRestrictions")]
#[schemars(rename = "TokenRestrictions")]
pub(crate) struct TokenRestrictionsDef {
    #[serde(default)]
    pub stations: Vec<StationId>,
    #[serde(default)]
    pub station_groups: Vec<String>,
    #[serde(default)]
    #[schemars(with = "Vec<TimeWindowDef>")]
    pub time_windows: Vec<TimeWindow>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub max_concurrent_sessions: Option<u32>,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub max_energy_kwh_per_day: Option<Decimal>,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub max_energy_kwh_per_month: Option<Decimal>,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub max_amount_per_day: Option<Decimal>,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub max_amount_per_month: Option<Decimal>,
    #[serde(default)]
    pub max_duration_minutes: Option<u32>,
}

/// What a token has used, counted against its restrictions.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "TokenUsage")]
#[schemars(rename = "TokenUsage")]
pub(crate) struct TokenUsageDef {
    pub sessions: u64,
    pub day: Option<NaiveDate>,
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub energy_kwh_day: Decimal,
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub amount_day: Decimal,
    pub month: Option<NaiveDate>,
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub energy_kwh_month: Decimal,
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub amount_month: Decimal,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// An authorization token.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Token")]
#[schemars(rename = "Token")]
pub(crate) struct TokenDef {
    pub id: TokenId,
    pub tenant_id: TenantId,
    /// The value presented (1.6 idTag, 2.0.1 idToken), unique within the tenant.
    pub uid: String,
    pub kind: TokenKind,
    pub status: TokenStatus,
    pub expires_at: Option<DateTime<Utc>>,
    pub group_id: Option<String>,
    pub visual_id: Option<String>,
    pub owner: Option<UserId>,
    pub vehicle_id: Option<VehicleId>,
    #[serde(with = "TokenRestrictionsDef")]
    pub restrictions: TokenRestrictions,
    #[serde(with = "TokenUsageDef")]
    pub usage: TokenUsage,
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a token.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "NewToken")]
#[schemars(rename = "NewToken")]
pub(crate) struct NewTokenDef {
    pub uid: String,
    pub kind: TokenKind,
    pub status: TokenStatus,
    pub expires_at: Option<DateTime<Utc>>,
    pub group_id: Option<String>,
    pub visual_id: Option<String>,
    pub owner: Option<UserId>,
    pub vehicle_id: Option<VehicleId>,
    #[serde(with = "TokenRestrictionsDef")]
    pub restrictions: TokenRestrictions,
}

/// An electric vehicle.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Vehicle")]
#[schemars(rename = "Vehicle")]
pub(crate) struct VehicleDef {
    pub id: VehicleId,
    pub tenant_id: TenantId,
    pub vin: Option<String>,
    pub make: String,
    pub model: String,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub battery_capacity_kwh: Option<Decimal>,
    pub owner: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a vehicle.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "NewVehicle")]
#[schemars(rename = "NewVehicle")]
pub(crate) struct NewVehicleDef {
    pub vin: Option<String>,
    pub make: String,
    pub model: String,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub battery_capacity_kwh: Option<Decimal>,
    pub owner: Option<UserId>,
}

/// A postal address.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Address")]
#[schemars(rename = "Address")]
pub(crate) struct AddressDef {
    pub street: String,
    pub postal_code: Option<String>,
    pub city: String,
    pub state: Option<String>,
    /// ISO 3166-1 alpha-3 country code.
    pub country: String,
}

/// WGS 84 coordinates in decimal degrees.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Coordinates")]
#[schemars(rename = "Coordinates")]
pub(crate) struct CoordinatesDef {
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub latitude: Decimal,
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub longitude: Decimal,
}

/// When a location is open.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "OpeningHours")]
#[schemars(rename = "OpeningHours")]
pub(crate) struct OpeningHoursDef {
    pub twenty_four_seven: bool,
    #[serde(default)]
    #[schemars(with = "Vec<TimeWindowDef>")]
    pub regular: Vec<TimeWindow>,
}

/// A parking spot of a location, perhaps assigned to a renter.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "ParkingSpot")]
#[schemars(rename = "ParkingSpot")]
pub(crate) struct ParkingSpotDef {
    pub label: String,
    pub floor: Option<String>,
    pub renter: Option<UserId>,
}

/// A site with charging stations.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Location")]
#[schemars(rename = "Location")]
pub(crate) struct LocationDef {
    pub id: LocationId,
    pub tenant_id: TenantId,
    pub name: String,
    #[serde(with = "AddressDef")]
    pub address: Address,
    #[schemars(with = "Option<CoordinatesDef>")]
    pub coordinates: Option<Coordinates>,
    pub time_zone: String,
    #[serde(with = "OpeningHoursDef")]
    pub opening_hours: OpeningHours,
    #[schemars(with = "Vec<ParkingSpotDef>")]
    pub parking_spots: Vec<ParkingSpot>,
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a location.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "NewLocation")]
#[schemars(rename = "NewLocation")]
pub(crate) struct NewLocationDef {
    pub name: String,
    #[serde(with = "AddressDef")]
    pub address: Address,
    #[schemars(with = "Option<CoordinatesDef>")]
    pub coordinates: Option<Coordinates>,
    pub time_zone: String,
    #[serde(with = "OpeningHoursDef")]
    pub opening_hours: OpeningHours,
    #[schemars(with = "Vec<ParkingSpotDef>")]
    pub parking_spots: Vec<ParkingSpot>,
}

/// The id by which a station names a transaction: `{"v16": 12}` or `{"v201": "abc"}`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "TransactionRef", rename_all = "snake_case")]
#[schemars(rename = "TransactionRef")]
pub(crate) enum TransactionRefDef {
    /// OCPP 1.6: an integer the CSMS assigns.
    V16(i32),
    /// OCPP 2.0.1: a string the station chooses.
    V201(String),
}

/// A charging session.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "ChargingSession")]
#[schemars(rename = "ChargingSession")]
pub(crate) struct ChargingSessionDef {
    pub id: SessionId,
    pub tenant_id: TenantId,
    pub station_id: StationId,
    #[serde(with = "TransactionRefDef")]
    pub transaction: TransactionRef,
    pub evse_id: Option<i32>,
    pub connector_id: Option<i32>,
    pub token_uid: Option<String>,
    pub token_id: Option<TokenId>,
    pub started_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub meter_start_wh: Option<Decimal>,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub meter_stop_wh: Option<Decimal>,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub energy_wh: Option<Decimal>,
    pub status: SessionStatus,
    pub stop_reason: Option<String>,
    pub auth_method: Option<AuthMethod>,
    pub offline: bool,
    pub last_seq_no: Option<i64>,
    pub station_cost_details: Option<serde_json::Value>,
    pub updated_at: DateTime<Utc>,
}

/// One sampled value of a session.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "MeterValue")]
#[schemars(rename = "MeterValue")]
pub(crate) struct MeterValueDef {
    pub timestamp: DateTime<Utc>,
    pub measurand: String,
    pub phase: Option<String>,
    pub location: Option<String>,
    pub context: Option<String>,
    pub unit: Option<String>,
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub value: Decimal,
    pub signed_data: Option<String>,
}

/// An EVSE: one vehicle can charge at it at a time.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Evse")]
#[schemars(rename = "Evse")]
pub(crate) struct EvseDef {
    pub tenant_id: TenantId,
    pub station_id: StationId,
    pub evse_id: i32,
    pub uid: Option<String>,
    pub status: ConnectorStatus,
}

/// A connector of an EVSE.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Connector")]
#[schemars(rename = "Connector")]
pub(crate) struct ConnectorDef {
    pub tenant_id: TenantId,
    pub station_id: StationId,
    pub evse_id: i32,
    pub connector_id: i32,
    pub standard: Option<ConnectorType>,
    pub format: Option<ConnectorFormat>,
    pub power_type: Option<PowerType>,
    pub max_voltage: Option<i32>,
    pub max_amperage: Option<i32>,
    pub max_power_w: Option<i32>,
    pub status: ConnectorStatus,
    pub error_code: Option<String>,
    pub vendor_error_code: Option<String>,
    pub status_at: Option<DateTime<Utc>>,
}

/// One BootNotification, as kept in a station's boot log.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "BootLogEntry")]
#[schemars(rename = "BootLogEntry")]
pub(crate) struct BootLogEntryDef {
    pub tenant_id: TenantId,
    pub station_id: StationId,
    pub at: DateTime<Utc>,
    pub vendor: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub firmware_version: Option<String>,
    pub reason: Option<String>,
    pub outcome: RegistrationStatus,
}

/// A reservation of a station's EVSE (or of any of its EVSEs) for a token.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Reservation")]
#[schemars(rename = "Reservation")]
pub(crate) struct ReservationDef {
    /// Its id: also the `reservationId` the station was sent.
    pub id: ReservationId,
    pub tenant_id: TenantId,
    pub station_id: StationId,
    /// The EVSE (1.6: the connector), or `null` for any of the station.
    pub evse_id: Option<i32>,
    pub token_uid: String,
    pub group_id: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub status: ReservationStatus,
    /// The session that used it.
    pub session_id: Option<SessionId>,
    /// The roaming partner that asked for it (OCPI `RESERVE_NOW`), with its own id for it.
    #[schemars(with = "Option<PartnerReservationDef>")]
    pub partner: Option<PartnerReservation>,
    pub created_at: DateTime<Utc>,
}

/// A charging profile a station accepted, as kept.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "SentChargingProfile")]
#[schemars(rename = "SentChargingProfile")]
pub(crate) struct SentChargingProfileDef {
    pub station_id: StationId,
    /// The EVSE (1.6: the connector); 0 for the whole station.
    pub evse_id: i32,
    /// Its `chargingProfileId` (1.6) or `id` (2.x).
    pub profile_id: i32,
    pub stack_level: i32,
    /// Its `chargingProfilePurpose`.
    pub purpose: String,
    /// The profile as sent: the version's `ChargingProfile` object.
    pub profile: serde_json::Value,
    pub sent_at: DateTime<Utc>,
}

/// A reservation as a roaming partner knows it.
#[derive(JsonSchema)]
#[schemars(rename = "PartnerReservation")]
pub(crate) struct PartnerReservationDef {
    pub partner_id: RoamingPartnerId,
    /// The partner's `reservation_id`, in lower case.
    pub reservation_id: String,
}

/// One OCPP 1.6 configuration key of a station, as it last reported it.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "ConfigurationKey")]
#[schemars(rename = "ConfigurationKey")]
pub(crate) struct ConfigurationKeyDef {
    pub key: String,
    pub value: Option<String>,
    pub readonly: bool,
    pub reported_at: DateTime<Utc>,
}

/// Where a 2.x device-model variable lives and which of its attributes a value is.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "VariableKey")]
#[schemars(rename = "VariableKey")]
pub(crate) struct VariableKeyDef {
    pub component: String,
    pub component_instance: Option<String>,
    pub evse_id: Option<i32>,
    pub connector_id: Option<i32>,
    pub variable: String,
    pub variable_instance: Option<String>,
    /// `Actual`, `Target`, `MinSet` or `MaxSet`.
    pub attribute: String,
}

/// One attribute value of a 2.x device-model variable, as the station last reported it.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "VariableValue")]
#[schemars(rename = "VariableValue")]
pub(crate) struct VariableValueDef {
    #[serde(with = "VariableKeyDef")]
    pub key: VariableKey,
    pub value: Option<String>,
    /// `ReadOnly`, `WriteOnly` or `ReadWrite`, when reported.
    pub mutability: Option<String>,
    pub reported_at: DateTime<Utc>,
}

/// A tariff of a tenant, as stored: the OCPI 2.2.1 object with the store's id.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "StoredTariff")]
#[schemars(rename = "StoredTariff")]
pub(crate) struct StoredTariffDef {
    pub id: TariffId,
    pub tenant_id: TenantId,
    /// The OCPI 2.2.1 tariff object; its `id` is unique within the tenant.
    pub tariff: Tariff,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a tariff is assigned to: `{"kind": "tenant_default"}`, `{"kind": "location",
/// "location": 3}`, `{"kind": "evse", "station": 7, "evse_id": 1}` or `{"kind":
/// "token_group", "group": "staff"}`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "TariffScope", tag = "kind", rename_all = "snake_case")]
#[schemars(rename = "TariffScope")]
pub(crate) enum TariffScopeDef {
    /// The tenant's default.
    TenantDefault,
    /// Every EVSE of a location.
    Location {
        /// The location.
        location: LocationId,
    },
    /// One EVSE of a station.
    Evse {
        /// The station.
        station: StationId,
        /// The EVSE's number on the station.
        evse_id: i32,
    },
    /// The tokens of a group.
    TokenGroup {
        /// The group id.
        group: String,
    },
}

/// A tariff's assignment to a scope.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "TariffAssignment")]
#[schemars(rename = "TariffAssignment")]
pub(crate) struct TariffAssignmentDef {
    #[serde(with = "TariffScopeDef")]
    pub scope: TariffScope,
    pub tariff_id: TariffId,
}

/// A charge detail record, issued once per session and never changed.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Cdr")]
#[schemars(rename = "Cdr")]
pub(crate) struct CdrDef {
    pub id: CdrId,
    pub tenant_id: TenantId,
    pub session_id: SessionId,
    pub station_id: StationId,
    pub token_uid: Option<String>,
    pub owner: Option<UserId>,
    pub started_at: DateTime<Utc>,
    pub stopped_at: DateTime<Utc>,
    /// Energy billed, in Wh.
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub energy_wh: Decimal,
    pub currency: String,
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    pub total_cost_excl_vat: Decimal,
    #[serde(default, with = "ocpi_types::common::number::option")]
    #[schemars(with = "Option<Number>")]
    pub total_cost_incl_vat: Option<Decimal>,
    pub tariff_id: Option<TariffId>,
    /// The details behind the totals (an OCPI CDR, the pricing breakdown).
    pub details: serde_json::Value,
    pub issued_at: DateTime<Utc>,
}

/// What an operator can change of a user.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "UserUpdate")]
#[schemars(rename = "UserUpdate")]
pub(crate) struct UserUpdateDef {
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    /// A disabled user's keys stop working.
    pub disabled: bool,
}

/// One entry of the audit log.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(remote = "AuditEntry")]
#[schemars(rename = "AuditEntry")]
pub(crate) struct AuditEntryDef {
    pub id: AuditId,
    pub tenant_id: TenantId,
    pub at: DateTime<Utc>,
    #[serde(with = "ActorDef")]
    pub actor: Actor,
    /// What was done (`token.status`, `station.reset`).
    pub action: String,
    /// What it was done to (`token:12`, `station:CP-1`).
    pub target: String,
    pub old_value: Option<serde_json::Value>,
    pub new_value: Option<serde_json::Value>,
}

/// Who did something: `{"kind": "api_key", "id": 3}`, `{"kind": "station", "id": "CP-1"}`,
/// `{"kind": "system"}`, `{"kind": "roaming_partner", "id": 2}`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(
    remote = "Actor",
    tag = "kind",
    content = "id",
    rename_all = "snake_case"
)]
#[schemars(rename = "Actor")]
pub(crate) enum ActorDef {
    /// A user.
    User(UserId),
    /// A program with an API key.
    ApiKey(ApiKeyId),
    /// A station (by identity).
    Station(String),
    /// The CSMS itself.
    System,
    /// A roaming partner (by its number), through OCPI: the commands it sends.
    RoamingPartner(#[schemars(with = "i64")] crate::model::RoamingPartnerId),
}
