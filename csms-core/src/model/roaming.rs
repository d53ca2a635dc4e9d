//! Roaming partners: the OCPI parties a tenant exchanges locations, sessions, CDRs and
//! tokens with.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    /// The partner's interface role for it (`SENDER` or `RECEIVER`; empty in OCPI 2.1.1,
    /// whose endpoints have no role).
    pub role: String,
    /// Its URL.
    pub url: String,
}

impl PartnerEndpoint {
    /// Whether it is the partner's Receiver of `module`, the one pushes of that module go to:
    /// declared a Receiver (OCPI 2.2.1), or without a role (OCPI 2.1.1, where an eMSP's
    /// Locations, Sessions, CDRs and Tariffs endpoints are the interfaces that receive).
    pub fn receives(&self, module: &str) -> bool {
        self.module == module
            && (self.role.is_empty() || self.role.eq_ignore_ascii_case("RECEIVER"))
    }
}

/// The SHA-256 of a credentials token we issued to a partner, in lowercase hexadecimal.
///
/// The tokens we issue are long random strings that only need to be compared with the one a
/// request presents, so only their hash is stored: a copy of the database does not let
/// anyone act as a partner. (The tokens partners issue to us are sealed instead: we present
/// them.)
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(String);

impl TokenHash {
    /// The hash of `token`.
    pub fn of(token: &str) -> TokenHash {
        let digest = Sha256::digest(token.as_bytes());
        TokenHash(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// A hash in its stored form (64 lowercase hexadecimal digits); `None` if `text` is not
    /// one.
    pub fn from_hex(text: &str) -> Option<TokenHash> {
        let valid = text.len() == 64
            && text
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        valid.then(|| TokenHash(text.to_owned()))
    }

    /// The stored form: 64 lowercase hexadecimal digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

/// A roaming partner of a tenant.
///
/// [`Debug`](fmt::Debug) leaves out `their_token`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoamingPartner {
    /// Its identifier.
    pub id: RoamingPartnerId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// What the operator calls it.
    pub name: String,
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
    /// The hash of the token it presents to us (which we issued); unique in the whole
    /// system. The token itself is not kept.
    pub our_token_hash: Option<TokenHash>,
    /// The token we present to it (which it issued), in clear: we send it.
    pub their_token: Option<String>,
    /// Its endpoints.
    pub endpoints: Vec<PartnerEndpoint>,
    /// Where the connection stands.
    pub status: PartnerStatus,
    /// When it last pulled one of our modules (to the minute).
    pub last_pull_at: Option<DateTime<Utc>>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

impl fmt::Debug for RoamingPartner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoamingPartner")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("name", &self.name)
            .field("country_code", &self.country_code)
            .field("party_id", &self.party_id)
            .field("role", &self.role)
            .field("versions_url", &self.versions_url)
            .field("version", &self.version)
            .field("our_token_hash", &self.our_token_hash)
            .field(
                "their_token",
                &self.their_token.as_ref().map(|_| "<redacted>"),
            )
            .field("endpoints", &self.endpoints)
            .field("status", &self.status)
            .field("last_pull_at", &self.last_pull_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A token a roaming partner pushed to us (OCPI Tokens module, Receiver interface): one of
/// its drivers' tokens, authorized at our stations by its `valid` flag and `whitelist` rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoamingToken {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The partner that pushed it.
    pub partner_id: RoamingPartnerId,
    /// The OCPI 2.2.1 Token, as last pushed.
    pub token: ocpi_types::v221::tokens::Token,
}

id_type!(
    /// The identifier of a push to a roaming partner.
    PartnerDeliveryId
);

/// What a roaming partner's command came to, due at the `response_url` the partner gave
/// with it: the data of a [`RoamingCommandResult`](super::EventKind::RoamingCommandResult)
/// event, which the outbox delivers to that partner (retried like every push).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandResultDue {
    /// The partner that sent the command.
    pub partner_id: RoamingPartnerId,
    /// Where the partner asked for the result.
    pub response_url: String,
    /// The OCPI version the partner sent the command in, and so the form of the result: a
    /// 2.2.1 `CommandResult`, or the 2.1.1 `CommandResponse`.
    pub version: ocpi_types::v221::VersionNumber,
    /// The result.
    pub result: ocpi_types::v221::commands::CommandResult,
}

/// What a roaming partner's ChargingProfiles request came to, due at the `response_url` it
/// gave: the data of a [`RoamingProfileResult`](super::EventKind::RoamingProfileResult)
/// event, which the outbox delivers to that partner (OCPI 2.2.1: 2.1.1 has no such module).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileResultDue {
    /// The partner that asked.
    pub partner_id: RoamingPartnerId,
    /// Where the partner asked for the result.
    pub response_url: String,
    /// The result.
    pub result: ProfileResult,
}

/// The result of a ChargingProfiles request, in the form its request calls for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileResult {
    /// Of a `GET`: the profile the session's EVSE follows.
    Active(ocpi_types::v221::charging_profiles::ActiveChargingProfileResult),
    /// Of a `PUT`.
    Set(ocpi_types::v221::charging_profiles::ChargingProfileResult),
    /// Of a `DELETE`.
    Clear(ocpi_types::v221::charging_profiles::ClearProfileResult),
}

impl ProfileResult {
    /// The object POSTed to the partner.
    pub fn body(&self) -> serde_json::Value {
        let body = match self {
            ProfileResult::Active(result) => serde_json::to_value(result),
            ProfileResult::Set(result) => serde_json::to_value(result),
            ProfileResult::Clear(result) => serde_json::to_value(result),
        };
        body.unwrap_or(serde_json::Value::Null)
    }
}

/// An event pushed to a roaming partner (a session to its Sessions receiver, a CDR, a
/// location, an EVSE's status, a tariff, a command's result), with its attempts so far: the
/// log of what was pushed to the partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerDelivery {
    /// Its identifier.
    pub id: PartnerDeliveryId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The partner.
    pub partner_id: RoamingPartnerId,
    /// The event.
    pub event_id: super::EventId,
    /// What the event reports.
    pub kind: super::EventKind,
    /// The object it is about (`session:42`); pushes about one object go in order.
    pub subject: String,
    /// The event's data: the object after the change.
    pub payload: serde_json::Value,
    /// Where it stands.
    pub status: super::DeliveryStatus,
    /// How many attempts were made.
    pub attempts: u32,
    /// When the last attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When to try next (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The HTTP status of the last answer.
    pub response_status: Option<i32>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// What it takes to register (or replace) a [`RoamingPartner`].
///
/// [`Debug`](fmt::Debug) leaves out `their_token`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRoamingPartner {
    /// What the operator calls it.
    pub name: String,
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
    /// The hash of the token it presents to us ([`TokenHash::of`] the token we issue).
    pub our_token_hash: Option<TokenHash>,
    /// The token we present to it.
    pub their_token: Option<String>,
    /// Its endpoints.
    pub endpoints: Vec<PartnerEndpoint>,
    /// Where the connection stands.
    pub status: PartnerStatus,
}

impl fmt::Debug for NewRoamingPartner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewRoamingPartner")
            .field("name", &self.name)
            .field("country_code", &self.country_code)
            .field("party_id", &self.party_id)
            .field("role", &self.role)
            .field("versions_url", &self.versions_url)
            .field("version", &self.version)
            .field("our_token_hash", &self.our_token_hash)
            .field(
                "their_token",
                &self.their_token.as_ref().map(|_| "<redacted>"),
            )
            .field("endpoints", &self.endpoints)
            .field("status", &self.status)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_are_sha256_hex_and_debug_shows_no_token() {
        let hash = TokenHash::of("abc");
        assert_eq!(
            hash.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(TokenHash::from_hex(hash.as_str()), Some(hash.clone()));
        assert_eq!(TokenHash::from_hex("abc"), None);
        assert_eq!(format!("{hash:?}"), "TokenHash(..)");
        let partner = NewRoamingPartner {
            name: "Partner".to_owned(),
            country_code: "DE".to_owned(),
            party_id: "ABC".to_owned(),
            role: TenantRole::Emsp,
            versions_url: "https://example.com/versions".to_owned(),
            version: None,
            our_token_hash: Some(TokenHash::of("ours-0123456789")),
            their_token: Some("theirs-0123456789".to_owned()),
            endpoints: Vec::new(),
            status: PartnerStatus::Pending,
        };
        let shown = format!("{partner:?}");
        assert!(!shown.contains("theirs-0123456789"), "{shown}");
        assert!(
            !shown.contains(TokenHash::of("ours-0123456789").as_str()),
            "{shown}"
        );
        assert!(shown.contains("ABC"), "{shown}");
    }
}
