//! The storage the OCPI machinery needs: which partner presents a credentials token, and
//! what a credentials exchange leaves behind.
//!
//! The application implements [`PartnerStore`] over its own database (csms-core will);
//! [`MemoryStore`](crate::memory::MemoryStore) keeps everything in memory, for tests and
//! examples.

use std::fmt;

use ocpi_types::common::CiString;
use ocpi_types::v221::{CredentialsRole, InterfaceRole, Role, VersionNumber};

/// An opaque identifier of a partner, chosen by the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartnerId(pub String);

/// An opaque key of the tenant (or platform, or account) a partner belongs to, chosen by
/// the store; handlers use it to scope what they return.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantKey(pub String);

/// What a credentials token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// A token issued for a registration that is not finished: `CREDENTIALS_TOKEN_A` we
    /// gave a partner out of band, or the token B we sent a partner we are registering with
    /// while it fetches our versions. It only allows the versions and credentials modules.
    Registration,
    /// The token of a registered partner (`CREDENTIALS_TOKEN_C` we issued, or token B once
    /// the partner accepted it): every module.
    Registered,
}

/// One party (country code, party id, role) of a partner, from its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartyRef {
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: CiString<2>,
    /// Party id (ISO 15118).
    pub party_id: CiString<3>,
    /// The role of the party.
    pub role: Role,
}

impl PartyRef {
    /// The party of a credentials role.
    pub fn of(role: &CredentialsRole) -> PartyRef {
        PartyRef {
            country_code: role.country_code.clone(),
            party_id: role.party_id.clone(),
            role: role.role.clone(),
        }
    }
}

/// Who sent a request: the partner a presented credentials token belongs to, as the store
/// knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The partner.
    pub partner: PartnerId,
    /// Its tenant.
    pub tenant: TenantKey,
    /// What its token allows.
    pub access: Access,
    /// The version agreed with it, once registered.
    pub version: Option<VersionNumber>,
    /// Its parties (empty until registered).
    pub parties: Vec<PartyRef>,
}

impl Caller {
    /// `true` when one of the caller's parties has this country code and party id
    /// (compared case-insensitively).
    pub fn owns(&self, country_code: &str, party_id: &str) -> bool {
        self.parties.iter().any(|p| {
            p.country_code.eq_ignore_ascii_case(country_code)
                && p.party_id.eq_ignore_ascii_case(party_id)
        })
    }
}

/// One module endpoint of a partner, as its version details list it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerEndpoint {
    /// The module identifier (`locations`, `tokens`, ...).
    pub module: String,
    /// The partner's interface role for it (2.2.1); `None` in 2.1.1, which has no roles.
    pub role: Option<InterfaceRole>,
    /// The URL.
    pub url: String,
}

/// What a credentials exchange leaves: given to [`PartnerStore::save_registration`].
#[derive(Clone, PartialEq)]
pub struct Registration {
    /// The token the partner uses towards us from now on, in clear, when a new one was
    /// issued in this exchange (token C, as receiver of the credentials); the store may
    /// keep only a hash of it. `None` when the token the caller presented stays (token B,
    /// which we issued before POSTing our credentials, as sender).
    pub issued_token: Option<String>,
    /// The token we present to the partner (its token B, or the token C it returned).
    pub their_token: String,
    /// The partner's versions URL.
    pub versions_url: String,
    /// The version agreed.
    pub version: VersionNumber,
    /// The partner's endpoints in that version.
    pub endpoints: Vec<PartnerEndpoint>,
    /// The partner's roles, from its credentials (2.1.1 credentials become one role).
    pub roles: Vec<CredentialsRole>,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field(
                "issued_token",
                &self.issued_token.as_ref().map(|_| "<redacted>"),
            )
            .field("their_token", &"<redacted>")
            .field("versions_url", &self.versions_url)
            .field("version", &self.version)
            .field("endpoints", &self.endpoints)
            .field("roles", &self.roles)
            .finish()
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The change conflicts with what is stored (e.g. the party is registered under
    /// another token).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store itself failed (unreachable, corrupt, ...).
    #[error("storage failure: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

/// The partners and their credentials tokens.
///
/// The application creates its partners (in its own admin API, with their country code,
/// party id, role and name) before any credentials exchange, and then either gives a
/// partner a token A out of band, or registers with it
/// ([`OcpiServer::register_with`](crate::OcpiServer::register_with)); this trait only
/// changes partners that exist.
///
/// Tokens are compared as presented: [`authenticate`](PartnerStore::authenticate) is
/// asked first with the Base64-decoded token of the `Authorization` header and, when that
/// finds nothing, with the header's token as is (for partners that do not encode it). The
/// store sees tokens we issue in clear only once, when they are issued
/// ([`set_registration_token`](PartnerStore::set_registration_token),
/// [`Registration::issued_token`]); it may keep them hashed.
#[async_trait::async_trait]
pub trait PartnerStore: Send + Sync {
    /// The caller a presented token belongs to, or `None` for an unknown token.
    async fn authenticate(&self, token: &str) -> Result<Option<Caller>, StoreError>;

    /// The partner's registration token becomes `token` ([`Access::Registration`]): the
    /// token B we send a partner we register with, while it fetches our versions with it.
    /// Any token it had (a token A, an earlier token C) stops working. Returns the partner
    /// as it now is.
    async fn set_registration_token(
        &self,
        partner: &Caller,
        token: &str,
    ) -> Result<Caller, StoreError>;

    /// Records a finished credentials exchange with the partner of `caller`: its token,
    /// URL, version, endpoints and roles, and (when [`Registration::issued_token`] is set)
    /// the new token it uses, which replaces the one it presented. The partner is then
    /// [`Access::Registered`]. Returns the partner as it now is.
    async fn save_registration(
        &self,
        caller: &Caller,
        registration: &Registration,
    ) -> Result<Caller, StoreError>;

    /// Forgets the partner's registration: its tokens stop working, both ways. (The
    /// partner itself is the application's to keep or delete.)
    async fn unregister(&self, caller: &Caller) -> Result<(), StoreError>;

    /// The roles we show the partners of `tenant` in our credentials, when a platform
    /// hosts several parties (each tenant its own); `None` (the default): the roles of
    /// [`ServerConfig::roles`](crate::ServerConfig::roles).
    async fn our_roles(
        &self,
        tenant: &TenantKey,
    ) -> Result<Option<Vec<CredentialsRole>>, StoreError> {
        let _ = tenant;
        Ok(None)
    }
}
