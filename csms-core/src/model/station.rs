//! Charging stations, their boot log, EVSEs and connectors.
//!
//! A station's identity (the last segment of its connection URL) is unique within its
//! tenant, whose number is the segment before it (`/ocpp/<tenant>/<identity>`): two tenants
//! may each have a station `CP-1`. See [`crate::store`] and [`crate::ocpp::admission`].

use chrono::{DateTime, Utc};
use ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};
use ocpp_server::storage::PasswordHash;
use ocpp_types::OcppVersion;
use serde::{Deserialize, Serialize};

use super::location::LocationId;
use super::tenant::TenantId;

id_type!(
    /// The identifier of a station (not its identity, which is a string).
    StationId
);

text_enum!(
    /// Whether a station is let in (the BootNotification answer it gets).
    RegistrationStatus {
        /// It is registered and may operate.
        Accepted = "accepted",
        /// It is known but waits for an operator.
        Pending = "pending",
        /// It is refused.
        Rejected = "rejected",
    }
);

text_enum!(
    /// The state of a connector (1.6 ChargePointStatus and 2.0.1 ConnectorStatus together).
    ConnectorStatus {
        /// Free.
        Available = "Available",
        /// Occupied, before charging (1.6).
        Preparing = "Preparing",
        /// Charging (1.6).
        Charging = "Charging",
        /// The vehicle suspended charging (1.6).
        SuspendedEv = "SuspendedEV",
        /// The station suspended charging (1.6).
        SuspendedEvse = "SuspendedEVSE",
        /// Occupied, after charging (1.6).
        Finishing = "Finishing",
        /// Occupied (2.0.1).
        Occupied = "Occupied",
        /// Reserved.
        Reserved = "Reserved",
        /// Taken out of service.
        Unavailable = "Unavailable",
        /// Broken.
        Faulted = "Faulted",
    }
);

/// A charging station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Station {
    /// Its identifier.
    pub id: StationId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Where it stands.
    pub location_id: Option<LocationId>,
    /// Its identity, as in its connection URL; unique within its tenant.
    pub identity: String,
    /// A group name, for token restrictions (`level -2`).
    pub group: Option<String>,
    /// Vendor, from its last BootNotification.
    pub vendor: Option<String>,
    /// Model, from its last BootNotification.
    pub model: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Firmware version.
    pub firmware_version: Option<String>,
    /// The OCPP version it last connected with.
    #[serde(with = "super::ocpp_version_serde")]
    pub ocpp_version: Option<OcppVersion>,
    /// OCPP security profile: 0 (none), 1 (Basic), 2 (TLS + Basic), 3 (TLS client
    /// certificate).
    pub security_profile: u8,
    /// The hash of its Basic authentication password.
    #[serde(with = "super::hash_serde")]
    pub credentials_hash: Option<PasswordHash>,
    /// Whether it is let in.
    pub registration: RegistrationStatus,
    /// Whether it is connected now.
    pub online: bool,
    /// The node (CSMS process) holding its connection while it is online, as it names
    /// itself (see [`crate::cluster`]).
    pub node: Option<String>,
    /// When it last booted (its last BootNotification).
    pub last_boot_at: Option<DateTime<Utc>>,
    /// When it last sent a Heartbeat.
    pub last_heartbeat: Option<DateTime<Utc>>,
    /// When a message from it last arrived.
    pub last_seen: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What it takes to register a [`Station`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStation {
    /// Its identity, unique within its tenant.
    pub identity: String,
    /// Where it stands.
    pub location_id: Option<LocationId>,
    /// A group name.
    pub group: Option<String>,
    /// OCPP security profile, 0 to 3.
    pub security_profile: u8,
    /// The hash of its Basic authentication password.
    #[serde(with = "super::hash_serde")]
    pub credentials_hash: Option<PasswordHash>,
    /// Whether it is let in.
    pub registration: RegistrationStatus,
}

impl NewStation {
    /// An accepted station with no location, group or password (security profile 0).
    pub fn accepted(identity: impl Into<String>) -> NewStation {
        NewStation {
            identity: identity.into(),
            location_id: None,
            group: None,
            security_profile: 0,
            credentials_hash: None,
            registration: RegistrationStatus::Accepted,
        }
    }
}

/// One BootNotification, as kept in a station's boot log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootLogEntry {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The station.
    pub station_id: StationId,
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// Vendor.
    pub vendor: String,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Firmware version.
    pub firmware_version: Option<String>,
    /// The boot reason (2.0.1 `reason`: `PowerUp`, `Watchdog`, ...).
    pub reason: Option<String>,
    /// What it was answered.
    pub outcome: RegistrationStatus,
}

/// An EVSE: one vehicle can charge at it at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evse {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its station.
    pub station_id: StationId,
    /// Its number within the station (2.0.1 `evseId`, from 1; 1.6 connectors map one to
    /// one).
    pub evse_id: i32,
    /// Its OCPI EVSE id (`NL*ABC*E12345`), if published.
    pub uid: Option<String>,
    /// Its overall status.
    pub status: ConnectorStatus,
}

/// A connector of an EVSE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connector {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its station.
    pub station_id: StationId,
    /// Its EVSE's number.
    pub evse_id: i32,
    /// Its number within the EVSE (from 1).
    pub connector_id: i32,
    /// Its standard (Type 2, CCS, CHAdeMO, ...); `None` for a connector a station reported
    /// that nobody described yet.
    pub standard: Option<ConnectorType>,
    /// Socket or cable, when known.
    pub format: Option<ConnectorFormat>,
    /// AC or DC, when known.
    pub power_type: Option<PowerType>,
    /// Maximum voltage, in volts.
    pub max_voltage: Option<i32>,
    /// Maximum current, in amperes.
    pub max_amperage: Option<i32>,
    /// Maximum power, in watts.
    pub max_power_w: Option<i32>,
    /// Its last reported status.
    pub status: ConnectorStatus,
    /// Its last reported error code (1.6 `errorCode`), if any but `NoError`.
    pub error_code: Option<String>,
    /// The vendor's error code.
    pub vendor_error_code: Option<String>,
    /// When the status was reported.
    pub status_at: Option<DateTime<Utc>>,
}

/// A StatusNotification: the state of one connector (or, with `connector_id` 0 in 1.6,
/// of the whole station).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The EVSE's number.
    pub evse_id: i32,
    /// The connector's number.
    pub connector_id: i32,
    /// The status.
    pub status: ConnectorStatus,
    /// The error code, if any but `NoError`.
    pub error_code: Option<String>,
    /// The vendor's error code.
    pub vendor_error_code: Option<String>,
    /// When the station reported it.
    pub at: DateTime<Utc>,
}

/// Which stations to list; every field narrows, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationFilter {
    /// At this location.
    pub location: Option<LocationId>,
    /// With this registration.
    pub registration: Option<RegistrationStatus>,
    /// Connected or not.
    pub online: Option<bool>,
    /// Whose identity starts with this (case matters).
    pub identity_prefix: Option<String>,
}

/// A station with its EVSEs and connectors, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationDetails {
    /// The station.
    pub station: Station,
    /// Its EVSEs, by number.
    pub evses: Vec<Evse>,
    /// Its connectors, by EVSE and number.
    pub connectors: Vec<Connector>,
}
