//! What the framework itself persists about stations, behind a trait.
//!
//! The server reads a station's record when it connects (to check its password or whether it
//! is known), and writes its boot information, when it was last seen and whether it is
//! connected. [`InMemoryStorage`] keeps all of it in a map; `csms-core` provides SQL stores.
//!
//! Passwords are never stored in clear: a record holds a [`PasswordHash`] (Argon2id; salted
//! SHA-256 hashes of earlier versions are still verified), and the server compares hashes in
//! constant time.
//!
//! ```
//! use ocpp_server::storage::{InMemoryStorage, Storage};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let storage = InMemoryStorage::new();
//! storage.add_station("CP-1", Some("correct horse battery staple")).unwrap();
//! let record = storage.station(&"CP-1".into()).await.unwrap().unwrap();
//! assert!(record.password.unwrap().verify("correct horse battery staple"));
//! # });
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use crate::security::SecurityProfile;
use crate::station::{Attachment, StationAddress};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash as PhcHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chrono::{DateTime, Utc};
use ocpp_types::OcppVersion;
use sha2::{Digest, Sha256};

/// Why the storage failed.
#[derive(Debug, thiserror::Error)]
#[error("storage: {message}")]
pub struct StorageError {
    message: String,
}

impl StorageError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> StorageError {
        StorageError {
            message: message.into(),
        }
    }
}

/// The hash of a station password.
///
/// New hashes are Argon2id, written as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`)
/// with a 16-byte random salt and the parameters OWASP recommends for a server (19 MiB of
/// memory, 2 passes, 1 lane): the server verifies one at each station connection, and a stolen
/// table of hashes stays expensive to attack even where an operator chose the passwords.
///
/// Salted SHA-256, in the form `sha256$<salt>$<hash>` (both in unpadded Base64), is the form
/// of secrets a machine drew at random with at least 128 bits ([`PasswordHash::of_random_secret`],
/// for API keys checked at every request, where a slow hash would cost much and protect
/// nothing), and of station passwords hashed by earlier versions: those are still read and
/// verified, so that no station is locked out, and replaced by an Argon2id hash when the
/// station's password is next set ([`PasswordHash::is_fast`] tells the forms apart).
///
/// [`Debug`](fmt::Debug) shows nothing of the hash; [`Display`](fmt::Display) writes the form
/// to store.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    form: HashForm,
}

#[derive(Clone, PartialEq, Eq)]
enum HashForm {
    /// A PHC string of Argon2id, checked by [`PasswordHash::parse`] to carry a salt, an output
    /// and bounded parameters.
    Argon2id(Box<PhcHash>),
    /// Salted SHA-256: random secrets, and station passwords of earlier versions.
    Sha256 { salt: [u8; 16], hash: [u8; 32] },
}

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordHashError {
    /// The operating system's random source failed, so no salt could be drawn. Nothing is
    /// hashed with a predictable salt: the caller must not store the password.
    #[error("no random source for the password salt: {0}")]
    NoRandomSource(getrandom::Error),
    /// Argon2 refused the input (for example, memory could not be had).
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

/// Argon2id cost of new hashes: memory in KiB (19 MiB), passes, lanes (OWASP's first choice).
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_PASSES: u32 = 2;
const ARGON2_LANES: u32 = 1;

/// The largest costs a stored hash may ask for: verifying runs at each connection, so a hash
/// that would take a gigabyte or minutes is refused rather than computed.
const ARGON2_MAX_MEMORY_KIB: u32 = 256 * 1024;
const ARGON2_MAX_PASSES: u32 = 16;
const ARGON2_MAX_LANES: u32 = 8;

impl PasswordHash {
    /// Hashes `password` with Argon2id and a fresh random salt.
    ///
    /// Fails closed: without the operating system's random source there is no hash (and no
    /// zero salt), only [`PasswordHashError::NoRandomSource`].
    pub fn new(password: &str) -> Result<PasswordHash, PasswordHashError> {
        PasswordHash::salted_by(password, getrandom::fill)
    }

    /// [`PasswordHash::new`] with the salt from `fill`.
    fn salted_by(
        password: &str,
        fill: impl FnOnce(&mut [u8]) -> Result<(), getrandom::Error>,
    ) -> Result<PasswordHash, PasswordHashError> {
        let mut salt = [0; 16];
        fill(&mut salt).map_err(PasswordHashError::NoRandomSource)?;
        let hash = argon2()
            .and_then(|argon2| {
                argon2
                    .hash_password_with_salt(password.as_bytes(), &salt)
                    .map_err(|error| error.to_string())
            })
            .map_err(PasswordHashError::Hashing)?;
        Ok(PasswordHash {
            form: HashForm::Argon2id(Box::new(hash)),
        })
    }

    /// Hashes `secret`, which a machine drew at random with at least 128 bits of entropy
    /// (an API key's secret), with salted SHA-256: guessing such a secret is hopeless
    /// whatever the hash, so the hash is fast. Never use it for a password a person or an
    /// operator chose. Fails closed like [`PasswordHash::new`].
    pub fn of_random_secret(secret: &str) -> Result<PasswordHash, PasswordHashError> {
        let mut salt = [0; 16];
        getrandom::fill(&mut salt).map_err(PasswordHashError::NoRandomSource)?;
        Ok(PasswordHash {
            form: HashForm::Sha256 {
                hash: sha256(&salt, secret),
                salt,
            },
        })
    }

    /// Whether `password` is the one hashed. Both forms compare the computed hash with the
    /// stored one in constant time.
    pub fn verify(&self, password: &str) -> bool {
        match &self.form {
            HashForm::Argon2id(hash) => argon2().is_ok_and(|argon2| {
                // The parameters, salt and version are the stored hash's.
                argon2
                    .verify_password(password.as_bytes(), hash.as_ref())
                    .is_ok()
            }),
            HashForm::Sha256 { salt, hash } => {
                let other = sha256(salt, password);
                hash.iter()
                    .zip(other)
                    .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                    == 0
            }
        }
    }

    /// Whether this is a fast (salted SHA-256) hash: of a random secret, or a station
    /// password hashed by an earlier version, to be replaced by an Argon2id hash when the
    /// station's password is next set.
    pub fn is_fast(&self) -> bool {
        matches!(self.form, HashForm::Sha256 { .. })
    }

    /// Reads a stored hash: an Argon2id PHC string, or the `sha256$<salt>$<hash>` form of
    /// earlier versions. `None` if it is neither, or if its Argon2 costs exceed what a server
    /// should spend on one connection (256 MiB, 16 passes, 8 lanes).
    pub fn parse(text: &str) -> Option<PasswordHash> {
        if text.starts_with('$') {
            return PasswordHash::parse_argon2id(text);
        }
        let mut parts = text.split('$');
        if parts.next()? != "sha256" {
            return None;
        }
        let salt = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
        let hash = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(PasswordHash {
            form: HashForm::Sha256 {
                salt: salt.try_into().ok()?,
                hash: hash.try_into().ok()?,
            },
        })
    }

    fn parse_argon2id(text: &str) -> Option<PasswordHash> {
        let hash = PhcHash::new(text).ok()?;
        if hash.algorithm.as_str() != "argon2id" || hash.salt.is_none() || hash.hash.is_none() {
            return None;
        }
        if hash.version.is_some_and(|version| version != 0x13) {
            return None;
        }
        let params = argon2::Params::try_from(&hash).ok()?;
        let bounded = params.m_cost() <= ARGON2_MAX_MEMORY_KIB
            && params.t_cost() <= ARGON2_MAX_PASSES
            && params.p_cost() <= ARGON2_MAX_LANES;
        bounded.then(|| PasswordHash {
            form: HashForm::Argon2id(Box::new(hash)),
        })
    }
}

/// The Argon2id hasher of new hashes (verifying takes the stored hash's parameters).
fn argon2() -> Result<Argon2<'static>, String> {
    let params = argon2::Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_PASSES,
        ARGON2_LANES,
        Some(argon2::Params::DEFAULT_OUTPUT_LEN),
    )
    .map_err(|error| error.to_string())?;
    Ok(Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

/// Salted SHA-256.
fn sha256(salt: &[u8; 16], password: &str) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(salt);
    digest.update(password.as_bytes());
    digest.finalize().into()
}

impl fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.form {
            HashForm::Argon2id(hash) => write!(f, "{hash}"),
            HashForm::Sha256 { salt, hash } => write!(
                f,
                "sha256${}${}",
                STANDARD_NO_PAD.encode(salt),
                STANDARD_NO_PAD.encode(hash)
            ),
        }
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// What a station said about itself in its last BootNotification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootInfo {
    /// The vendor.
    pub vendor: String,
    /// The model.
    pub model: String,
    /// The serial number, if given.
    pub serial_number: Option<String>,
    /// The firmware version, if given.
    pub firmware_version: Option<String>,
    /// When the notification arrived.
    pub at: Option<DateTime<Utc>>,
}

/// What the framework knows about one station.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StationRecord {
    /// The identity, as in the connection URL.
    pub identity: String,
    /// Its security profile; `None`: the server's default
    /// ([`ServerConfig::security`](crate::server::ServerConfig::security)).
    pub security_profile: Option<SecurityProfile>,
    /// The hash of its Basic authentication password, if it has one.
    pub password: Option<PasswordHash>,
    /// What it said at its last boot, as the application recorded it.
    pub boot: Option<BootInfo>,
    /// When a message from it last arrived (recorded at most once a minute).
    pub last_seen: Option<DateTime<Utc>>,
    /// The version of its current connection, if it is connected.
    pub connected: Option<OcppVersion>,
    /// What the storage attaches to the connection it admits with this record: handlers
    /// find it in their [`Context`](crate::Context) ([`Context::attachment`]).
    ///
    /// [`Context::attachment`]: crate::Context::attachment
    pub attachment: Option<Attachment>,
}

impl StationRecord {
    /// A record of a station that never connected.
    pub fn new(identity: impl Into<String>) -> StationRecord {
        StationRecord {
            identity: identity.into(),
            security_profile: None,
            password: None,
            boot: None,
            last_seen: None,
            connected: None,
            attachment: None,
        }
    }
}

/// Where the framework keeps [`StationRecord`]s: what it needs to admit a connection (the
/// record and its password) and the connection state it reports. Boots are the
/// application's to decide and record, in its BootNotification handler.
///
/// Stations are found by their [`StationAddress`]: the identity alone, or with its tenant
/// on a server with [`tenant_in_path`](crate::server::ServerConfig::tenant_in_path).
///
/// Every method may be called from many connections at once.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// The record of the station at `address`, if one may connect there: `None` refuses
    /// the connection, unless the server accepts unknown stations.
    async fn station(
        &self,
        address: &StationAddress,
    ) -> Result<Option<StationRecord>, StorageError>;

    /// Records that the station connected with `version`, or (`None`) disconnected.
    async fn record_connection(
        &self,
        address: &StationAddress,
        version: Option<OcppVersion>,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// Records that a message from the station arrived at `at`.
    async fn record_seen(
        &self,
        address: &StationAddress,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;
}

/// A [`Storage`] in memory: for tests, development and small installations. It keeps
/// stations by address.
#[derive(Debug, Default)]
pub struct InMemoryStorage {
    stations: Mutex<HashMap<StationAddress, StationRecord>>,
}

impl InMemoryStorage {
    /// An empty store.
    pub fn new() -> InMemoryStorage {
        InMemoryStorage::default()
    }

    /// Adds (or replaces) the station `identity` (on a server without tenants), with the
    /// hash of `password` if given, of the server's default security profile. Fails, adding
    /// nothing, if the password cannot be hashed.
    pub fn add_station(
        &self,
        identity: &str,
        password: Option<&str>,
    ) -> Result<(), PasswordHashError> {
        let mut record = StationRecord::new(identity);
        record.password = password.map(PasswordHash::new).transpose()?;
        self.add_record(StationAddress::new(identity), record);
        Ok(())
    }

    /// Adds (or replaces) the record of the station at `address`.
    pub fn add_record(&self, address: StationAddress, record: StationRecord) {
        self.with(|stations| {
            stations.insert(address, record);
        });
    }

    /// Keeps what a station said at boot (creating its record if it is unknown). The
    /// framework never calls this: deciding and recording boots is the application's, in its
    /// BootNotification handler.
    pub fn record_boot(&self, address: &StationAddress, boot: BootInfo) {
        self.update(address, |record| record.boot = Some(boot));
    }

    /// Every record, in no particular order.
    pub fn records(&self) -> Vec<StationRecord> {
        self.with(|stations| stations.values().cloned().collect())
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<StationAddress, StationRecord>) -> T) -> T {
        // A panic while holding the lock cannot leave a record half-written: recover.
        let mut guard = self
            .stations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    fn update(&self, address: &StationAddress, f: impl FnOnce(&mut StationRecord)) {
        self.with(|stations| {
            f(stations
                .entry(address.clone())
                .or_insert_with(|| StationRecord::new(address.identity())))
        });
    }
}

#[async_trait]
impl Storage for InMemoryStorage {
    async fn station(
        &self,
        address: &StationAddress,
    ) -> Result<Option<StationRecord>, StorageError> {
        Ok(self.with(|stations| stations.get(address).cloned()))
    }

    async fn record_connection(
        &self,
        address: &StationAddress,
        version: Option<OcppVersion>,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.update(address, |record| {
            record.connected = version;
            record.last_seen = Some(at);
        });
        Ok(())
    }

    async fn record_seen(
        &self,
        address: &StationAddress,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.update(address, |record| record.last_seen = Some(at));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_random_source_there_is_no_hash() {
        let failing = |_: &mut [u8]| Err(getrandom::Error::UNSUPPORTED);
        assert!(matches!(
            PasswordHash::salted_by("a station password", failing),
            Err(PasswordHashError::NoRandomSource(_))
        ));
        let fixed = |salt: &mut [u8]| {
            salt.fill(7);
            Ok(())
        };
        let hash = PasswordHash::salted_by("a station password", fixed).unwrap();
        assert!(hash.verify("a station password"));
    }

    #[test]
    fn new_hashes_are_argon2id_and_verify_and_round_trip() {
        let hash = PasswordHash::new("0123456789abcdef").unwrap();
        let text = hash.to_string();
        assert!(
            text.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{text}"
        );
        assert!(!text.contains("0123456789abcdef"));
        assert!(!hash.is_fast());
        assert!(hash.verify("0123456789abcdef"));
        assert!(!hash.verify("0123456789abcdeF"));
        assert_eq!(PasswordHash::parse(&text), Some(hash.clone()));
        assert_eq!(format!("{hash:?}"), "PasswordHash(..)");
        let again = PasswordHash::new("0123456789abcdef").unwrap();
        assert_ne!(hash, again, "salted");
    }

    #[test]
    fn random_secrets_get_a_fast_salted_hash() {
        let hash = PasswordHash::of_random_secret("4f1c9a2b7d3e8f60a5b4c3d2e1f0a9b8").unwrap();
        assert!(hash.is_fast());
        assert!(hash.verify("4f1c9a2b7d3e8f60a5b4c3d2e1f0a9b8"));
        assert!(!hash.verify("4f1c9a2b7d3e8f60a5b4c3d2e1f0a9b9"));
        let text = hash.to_string();
        assert!(text.starts_with("sha256$"), "{text}");
        assert_eq!(PasswordHash::parse(&text), Some(hash));
    }

    #[test]
    fn stored_sha256_hashes_still_verify() {
        // Written by an earlier version: salt of sixteen bytes 1..=16, password "legacy password".
        let salt: [u8; 16] = std::array::from_fn(|i| i as u8 + 1);
        let text = format!(
            "sha256${}${}",
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(sha256(&salt, "legacy password"))
        );
        let hash = PasswordHash::parse(&text).unwrap();
        assert!(hash.is_fast());
        assert!(hash.verify("legacy password"));
        assert!(!hash.verify("legacy passworD"));
        assert_eq!(hash.to_string(), text);
    }

    #[test]
    fn parse_refuses_other_and_unbounded_forms() {
        for text in [
            "md5$x$y",
            "",
            "$argon2id$v=19$m=19456,t=2,p=1",
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "$argon2id$v=19$m=19456,t=1000,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "sha256$AAAA$AAAA",
        ] {
            assert_eq!(PasswordHash::parse(text), None, "{text}");
        }
        assert!(
            PasswordHash::parse(
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            )
            .is_some()
        );
    }
}
