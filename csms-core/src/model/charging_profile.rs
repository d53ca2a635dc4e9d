//! Charging profiles the CSMS sent to stations (SetChargingProfile), kept to know what a
//! station was told.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::station::StationId;

/// A charging profile installed on a station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentChargingProfile {
    /// The station.
    pub station_id: StationId,
    /// The EVSE (1.6: the connector); 0 for the whole station.
    pub evse_id: i32,
    /// The profile's `chargingProfileId`, unique within the station.
    pub profile_id: i32,
    /// Its `stackLevel`.
    pub stack_level: i32,
    /// Its `chargingProfilePurpose` (`TxDefaultProfile`, ...).
    pub purpose: String,
    /// The profile as sent (the OCPP `ChargingProfile` object).
    pub profile: serde_json::Value,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}

/// Which profiles a ClearChargingProfile removes: those matching every given field (all
/// of them when every field is `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargingProfileCriteria {
    /// This `chargingProfileId`.
    pub profile_id: Option<i32>,
    /// On this EVSE.
    pub evse_id: Option<i32>,
    /// With this purpose.
    pub purpose: Option<String>,
    /// At this stack level.
    pub stack_level: Option<i32>,
}
