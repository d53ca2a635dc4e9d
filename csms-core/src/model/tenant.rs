//! Tenants: the operators that share one CSMS, each seeing only its own rows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

id_type!(
    /// The identifier of a tenant. Every store method takes one, and no query crosses it.
    TenantId
);

text_enum!(
    /// What a tenant is in the OCPI sense.
    TenantRole {
        /// Charge point operator: runs stations.
        Cpo = "CPO",
        /// e-Mobility service provider: issues tokens to drivers.
        Emsp = "EMSP",
        /// Roaming hub between CPOs and eMSPs.
        Hub = "HUB",
    }
);

text_enum!(
    /// What BootNotification answers a station that no tenant has registered.
    UnknownStationPolicy {
        /// Accept it and register it.
        Accept = "accept",
        /// Register it as pending, until an operator accepts it.
        Pending = "pending",
        /// Reject it.
        Reject = "reject",
    }
);

/// A tenant's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    /// The IANA time zone of its operations (`Europe/Berlin`), for reports and restrictions.
    pub time_zone: String,
    /// ISO 4217 currency of its prices (`EUR`).
    pub currency: String,
    /// Language of its texts, as a BCP 47 tag or ISO 639-1 code (`en`, `de`).
    pub language: String,
    /// What to answer stations nobody registered.
    pub unknown_stations: UnknownStationPolicy,
    /// Whether its stations may connect without authentication (security profile 0;
    /// default `false`). A station registered with profile 0 cannot connect otherwise,
    /// and without it a station nobody registered must present a client certificate
    /// naming it (profile 3).
    #[serde(default)]
    pub unsecured_stations: bool,
}

impl Default for TenantSettings {
    fn default() -> TenantSettings {
        TenantSettings {
            time_zone: "UTC".to_owned(),
            currency: "EUR".to_owned(),
            language: "en".to_owned(),
            unknown_stations: UnknownStationPolicy::Reject,
            unsecured_stations: false,
        }
    }
}

/// An operator using the CSMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Its identifier.
    pub id: TenantId,
    /// A display name.
    pub name: String,
    /// Its OCPI role.
    pub role: TenantRole,
    /// ISO 3166-1 alpha-2 country code of its OCPI party (`DE`).
    pub country_code: String,
    /// Its OCPI party id (three characters, `ABC`).
    pub party_id: String,
    /// Its settings.
    pub settings: TenantSettings,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a [`Tenant`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTenant {
    /// A display name.
    pub name: String,
    /// Its OCPI role.
    pub role: TenantRole,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// OCPI party id.
    pub party_id: String,
    /// Its settings.
    pub settings: TenantSettings,
}
