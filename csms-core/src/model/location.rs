//! Locations: where stations stand, when they are open, and their parking spots.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::tenant::TenantId;
use super::token::TimeWindow;
use super::user::UserId;

id_type!(
    /// The identifier of a location.
    LocationId
);

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub street: String,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City or town.
    pub city: String,
    /// State or province.
    pub state: Option<String>,
    /// ISO 3166-1 alpha-3 country code (as OCPI writes it).
    pub country: String,
}

/// WGS 84 coordinates in decimal degrees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coordinates {
    /// Latitude, -90 to 90.
    #[serde(with = "ocpi_types::common::number")]
    pub latitude: Decimal,
    /// Longitude, -180 to 180.
    #[serde(with = "ocpi_types::common::number")]
    pub longitude: Decimal,
}

/// When a location is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// Open at all times; `regular` is then ignored.
    pub twenty_four_seven: bool,
    /// The regular opening periods, in the location's time zone.
    #[serde(default)]
    pub regular: Vec<TimeWindow>,
}

impl Default for OpeningHours {
    fn default() -> OpeningHours {
        OpeningHours {
            twenty_four_seven: true,
            regular: Vec::new(),
        }
    }
}

/// A parking spot of a location, perhaps assigned to a renter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkingSpot {
    /// The label painted on it (`B-17`), unique within the location.
    pub label: String,
    /// The floor or level (`-2`).
    pub floor: Option<String>,
    /// The renter it is assigned to.
    pub renter: Option<UserId>,
}

/// A site with charging stations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Its identifier.
    pub id: LocationId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: Address,
    /// Where it is.
    pub coordinates: Option<Coordinates>,
    /// Its IANA time zone (`Europe/Amsterdam`).
    pub time_zone: String,
    /// When it is open.
    pub opening_hours: OpeningHours,
    /// Its parking spots.
    pub parking_spots: Vec<ParkingSpot>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a [`Location`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLocation {
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: Address,
    /// Where it is.
    pub coordinates: Option<Coordinates>,
    /// Its IANA time zone.
    pub time_zone: String,
    /// When it is open.
    pub opening_hours: OpeningHours,
    /// Its parking spots.
    pub parking_spots: Vec<ParkingSpot>,
}
