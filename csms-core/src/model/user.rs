//! Users, their roles, and the API keys that authenticate programs acting for a tenant.

use chrono::{DateTime, Utc};
use ocpp_server::storage::PasswordHash;
use serde::{Deserialize, Serialize};

use super::tenant::TenantId;

id_type!(
    /// The identifier of a user.
    UserId
);

id_type!(
    /// The identifier of an API key.
    ApiKeyId
);

text_enum!(
    /// What a user (or an API key) may do within its tenant.
    Role {
        /// Everything, including users, keys and settings.
        Admin = "admin",
        /// Stations, locations, tokens and commands to stations.
        Operator = "operator",
        /// Reading only.
        Viewer = "viewer",
        /// A driver of the tenant's network: their own tokens and sessions.
        Driver = "driver",
        /// A renter (of a parking spot, say): a driver a spot can be assigned to.
        Renter = "renter",
    }
);

/// A person known to a tenant: a staff member, a driver, a renter.
///
/// A renter need not log in: `email` is optional, and a renter's tokens and parking spots
/// point at their user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its identifier.
    pub id: UserId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The name shown.
    pub name: String,
    /// E-mail address, unique within the tenant when given.
    pub email: Option<String>,
    /// Its roles.
    pub roles: Vec<Role>,
    /// Whether it is disabled (its tokens stay, its logins and keys do not work).
    pub disabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a [`User`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// The name shown.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Its roles.
    pub roles: Vec<Role>,
}

/// A key for the admin API, stored hashed.
///
/// A key as handed out is `<prefix>.<secret>`: the prefix is public and unique across the
/// whole system (it finds the key, and so the tenant), the secret is only stored as a salted
/// hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Its identifier.
    pub id: ApiKeyId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The user it acts for, if any.
    pub user_id: Option<UserId>,
    /// A name to recognise it by.
    pub name: String,
    /// The public part, unique in the whole system.
    pub prefix: String,
    /// The hash of the secret part.
    #[serde(with = "super::hash_serde")]
    pub secret_hash: Option<PasswordHash>,
    /// What it may do.
    pub roles: Vec<Role>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// Whether `secret` is this key's secret and the key works at `now`.
    pub fn accepts(&self, secret: &str, now: DateTime<Utc>) -> bool {
        let valid = self.revoked_at.is_none() && self.expires_at.is_none_or(|end| now < end);
        let matches = self
            .secret_hash
            .as_ref()
            .is_some_and(|hash| hash.verify(secret));
        valid && matches
    }
}

/// What it takes to create an [`ApiKey`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// The user it acts for, if any.
    pub user_id: Option<UserId>,
    /// A name to recognise it by.
    pub name: String,
    /// The public part, unique in the whole system.
    pub prefix: String,
    /// The hash of the secret part.
    pub secret_hash: PasswordHash,
    /// What it may do.
    pub roles: Vec<Role>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// What an operator can change of a [`User`]: everything but its id and tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    /// The name shown.
    pub name: String,
    /// E-mail address, unique within the tenant when given.
    pub email: Option<String>,
    /// Its roles.
    pub roles: Vec<Role>,
    /// Whether it is disabled.
    pub disabled: bool,
}
