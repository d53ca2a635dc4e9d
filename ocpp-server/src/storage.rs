//! What the framework itself persists about stations, behind a trait.
//!
//! The server reads a station's record when it connects (to check its password or whether it
//! is known), and writes its boot information, when it was last seen and whether it is
//! connected. [`InMemoryStorage`] keeps all of it in a map; `csms-core` provides SQL stores.
//!
//! Passwords are never stored in clear: a record holds a [`PasswordHash`] (salted SHA-256),
//! and the server compares hashes in constant time.
//!
//! ```
//! use ocpp_server::storage::{InMemoryStorage, Storage};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let storage = InMemoryStorage::new();
//! storage.add_station("CP-1", Some("correct horse battery staple"));
//! let record = storage.station(&"CP-1".into()).await.unwrap().unwrap();
//! assert!(record.password.unwrap().verify("correct horse battery staple"));
//! # });
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use crate::security::SecurityProfile;
use crate::station::StationAddress;
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

/// A salted SHA-256 hash of a station password, written as `sha256$<salt>$<hash>` (both in
/// unpadded Base64).
///
/// OCPP station passwords (`AuthorizationKey` in 1.6, `BasicAuthPassword` in 2.x) are random
/// strings of 16 to 40 characters generated for one station, so a fast salted hash suffices;
/// a CSMS that lets people choose passwords should store a slow hash instead.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    salt: [u8; 16],
    hash: [u8; 32],
}

impl PasswordHash {
    /// Hashes `password` with a fresh random salt.
    pub fn new(password: &str) -> PasswordHash {
        let mut salt = [0; 16];
        // Without an OS random source the salt stays zero, which still hides the password.
        let _ = getrandom::fill(&mut salt);
        PasswordHash::with_salt(salt, password)
    }

    fn with_salt(salt: [u8; 16], password: &str) -> PasswordHash {
        let mut digest = Sha256::new();
        digest.update(salt);
        digest.update(password.as_bytes());
        PasswordHash {
            salt,
            hash: digest.finalize().into(),
        }
    }

    /// Whether `password` is the one hashed, compared in constant time.
    pub fn verify(&self, password: &str) -> bool {
        let other = PasswordHash::with_salt(self.salt, password);
        self.hash
            .iter()
            .zip(other.hash)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }

    /// Reads the `sha256$<salt>$<hash>` form; `None` if it is not one.
    pub fn parse(text: &str) -> Option<PasswordHash> {
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
            salt: salt.try_into().ok()?,
            hash: hash.try_into().ok()?,
        })
    }
}

impl fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sha256${}${}",
            STANDARD_NO_PAD.encode(self.salt),
            STANDARD_NO_PAD.encode(self.hash)
        )
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
    /// hash of `password` if given, of the server's default security profile.
    pub fn add_station(&self, identity: &str, password: Option<&str>) {
        let mut record = StationRecord::new(identity);
        record.password = password.map(PasswordHash::new);
        self.add_record(StationAddress::new(identity), record);
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
    fn hashes_verify_and_round_trip() {
        let hash = PasswordHash::new("0123456789abcdef");
        assert!(hash.verify("0123456789abcdef"));
        assert!(!hash.verify("0123456789abcdeF"));
        assert!(!hash.to_string().contains("0123456789abcdef"));
        assert_eq!(PasswordHash::parse(&hash.to_string()), Some(hash.clone()));
        assert_eq!(PasswordHash::parse("md5$x$y"), None);
        assert_ne!(
            PasswordHash::new("same"),
            PasswordHash::new("same"),
            "salted"
        );
    }
}
