//! The audit log: every administrative change and every command sent, with who did it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::roaming::RoamingPartnerId;
use super::tenant::TenantId;
use super::user::{ApiKeyId, UserId};

id_type!(
    /// The identifier of an audit entry.
    AuditId
);

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A user.
    User(UserId),
    /// A program with an API key.
    ApiKey(ApiKeyId),
    /// A station (by identity).
    Station(String),
    /// The CSMS itself.
    System,
    /// A roaming partner, through OCPI (the commands it sends to stations).
    RoamingPartner(RoamingPartnerId),
}

/// One entry of the audit log. Entries are never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its identifier (ascending in the order of writing).
    pub id: AuditId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: Actor,
    /// What was done (`token.block`, `station.reset`).
    pub action: String,
    /// What it was done to (`token:12`, `station:CP-1`).
    pub target: String,
    /// The value before, if something changed.
    pub old_value: Option<serde_json::Value>,
    /// The value after, or a command's outcome.
    pub new_value: Option<serde_json::Value>,
}

/// What it takes to write an [`AuditEntry`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAuditEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: Actor,
    /// What was done.
    pub action: String,
    /// What it was done to.
    pub target: String,
    /// The value before.
    pub old_value: Option<serde_json::Value>,
    /// The value after.
    pub new_value: Option<serde_json::Value>,
}
