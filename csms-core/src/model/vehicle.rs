//! Vehicles, linked to users and (through [`Token::vehicle_id`](super::Token::vehicle_id))
//! to tokens.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::tenant::TenantId;
use super::user::UserId;

id_type!(
    /// The identifier of a vehicle.
    VehicleId
);

/// An electric vehicle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// Its identifier.
    pub id: VehicleId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Vehicle identification number (17 characters), used by Autocharge.
    pub vin: Option<String>,
    /// Make (`Renault`).
    pub make: String,
    /// Model (`Zoe`).
    pub model: String,
    /// Usable battery capacity in kWh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub battery_capacity_kwh: Option<Decimal>,
    /// The user it belongs to.
    pub owner: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a [`Vehicle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVehicle {
    /// Vehicle identification number.
    pub vin: Option<String>,
    /// Make.
    pub make: String,
    /// Model.
    pub model: String,
    /// Usable battery capacity in kWh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub battery_capacity_kwh: Option<Decimal>,
    /// The user it belongs to.
    pub owner: Option<UserId>,
}
