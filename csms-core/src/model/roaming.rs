//! Roaming partners: the OCPI parties a tenant exchanges locations, sessions, CDRs and
//! tokens with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::tenant::{TenantId, TenantRole};

id_type!(
    /// The identifier of a roaming partner.
    RoamingPartnerId
);

text_enum!(
    /// Where the connection with a partner stands.
    PartnerStatus {
        /// Registered, credentials not yet exchanged.
        Pending = "pending",
        /// Credentials exchanged; requests flow.
        Connected = "connected",
        /// Requests are refused until an operator resumes it.
        Suspended = "suspended",
    }
);

/// One OCPI module endpoint of a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerEndpoint {
    /// The module identifier (`locations`, `cdrs`, ...).
    pub module: String,
    /// The partner's interface role for it (`SENDER` or `RECEIVER`).
    pub role: String,
    /// Its URL.
    pub url: String,
}

/// A roaming partner of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoamingPartner {
    /// Its identifier.
    pub id: RoamingPartnerId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// Its OCPI party id.
    pub party_id: String,
    /// Its role.
    pub role: TenantRole,
    /// Its OCPI versions URL.
    pub versions_url: String,
    /// The OCPI version agreed (`2.2.1`).
    pub version: Option<String>,
    /// The token it presents to us; unique in the whole system.
    pub our_token: Option<String>,
    /// The token we present to it.
    pub their_token: Option<String>,
    /// Its endpoints.
    pub endpoints: Vec<PartnerEndpoint>,
    /// Where the connection stands.
    pub status: PartnerStatus,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// What it takes to register (or replace) a [`RoamingPartner`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRoamingPartner {
    /// Its country code.
    pub country_code: String,
    /// Its party id.
    pub party_id: String,
    /// Its role.
    pub role: TenantRole,
    /// Its versions URL.
    pub versions_url: String,
    /// The version agreed.
    pub version: Option<String>,
    /// The token it presents to us.
    pub our_token: Option<String>,
    /// The token we present to it.
    pub their_token: Option<String>,
    /// Its endpoints.
    pub endpoints: Vec<PartnerEndpoint>,
    /// Where the connection stands.
    pub status: PartnerStatus,
}
