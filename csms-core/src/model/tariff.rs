//! Tariffs: OCPI 2.2.1 tariff objects kept per tenant, and what they apply to.
//!
//! A tariff is assigned to a [`TariffScope`]: the tenant's default, a location, one EVSE, or
//! a token group. The tariff of a session is the most specific one assigned: token group,
//! then EVSE, then location, then the tenant's default
//! ([`TariffStore::tariff_for`](crate::store::TariffStore::tariff_for)).

use chrono::{DateTime, Utc};
use ocpi_types::v221::tariffs::Tariff;
use serde::{Deserialize, Serialize};

use super::location::LocationId;
use super::station::StationId;
use super::tenant::TenantId;

id_type!(
    /// The identifier of a stored tariff (not the OCPI `id`, which is a string).
    TariffId
);

/// A tariff of a tenant, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTariff {
    /// Its identifier.
    pub id: TariffId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The OCPI 2.2.1 tariff object; its `id` is unique within the tenant.
    pub tariff: Tariff,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last replaced.
    pub updated_at: DateTime<Utc>,
}

/// What a tariff is assigned to. Each scope has at most one tariff: assigning another
/// replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TariffScope {
    /// The tenant's default: every session no more specific tariff covers.
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
    /// The tokens of a group (their `group_id`), wherever they charge.
    TokenGroup {
        /// The group id.
        group: String,
    },
}

impl TariffScope {
    /// The stored name of the scope's kind (`tenant`, `location`, `evse`, `token_group`).
    pub fn kind(&self) -> &'static str {
        match self {
            TariffScope::TenantDefault => "tenant",
            TariffScope::Location { .. } => "location",
            TariffScope::Evse { .. } => "evse",
            TariffScope::TokenGroup { .. } => "token_group",
        }
    }

    /// A text naming the scope, unique per scope within a tenant (`evse:12:1`).
    pub fn key(&self) -> String {
        match self {
            TariffScope::TenantDefault => "tenant".to_owned(),
            TariffScope::Location { location } => format!("location:{location}"),
            TariffScope::Evse { station, evse_id } => format!("evse:{station}:{evse_id}"),
            TariffScope::TokenGroup { group } => format!("token_group:{group}"),
        }
    }
}

/// A tariff's assignment to a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffAssignment {
    /// What it applies to.
    pub scope: TariffScope,
    /// The tariff.
    pub tariff_id: TariffId,
}
