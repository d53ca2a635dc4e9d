//! Encryption at rest of the secrets a store must give back in clear (webhook signing
//! secrets, the tokens roaming partners gave us to call them with): XChaCha20-Poly1305 under
//! a 32-byte [`SecretKey`] the store is given.
//!
//! A sealed value is stored as `sealed:v1:<hex of nonce (24 bytes) and ciphertext>`, with a
//! fresh random nonce each time, and bound to where it belongs (the associated data names
//! the tenant and the kind of secret), so a value copied to another tenant's row does not
//! open. Without a key a store refuses to store such secrets rather than keep them in clear.

use std::fmt;
use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::model::TenantId;
use crate::store::{StoreError, StoreResult};

/// The prefix of a sealed value, and of the form it is in.
const SEALED: &str = "sealed:v1:";

/// How long a nonce is.
const NONCE_LEN: usize = 24;

/// Why a key could not be had, or a secret sealed or opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The key is not 64 hexadecimal digits (32 bytes).
    #[error("a secret key is 64 hexadecimal digits (32 bytes)")]
    BadKey,
    /// The key file could not be read or written.
    #[error("secret key file: {0}")]
    File(#[from] std::io::Error),
    /// The operating system's random source failed.
    #[error("no random source: {0}")]
    NoRandomSource(getrandom::Error),
    /// A sealed value did not open: damaged, sealed under another key, or moved.
    #[error("a sealed secret does not open with this key")]
    DoesNotOpen,
}

/// The 32-byte key secrets are sealed with. [`Debug`](fmt::Debug) shows nothing of it.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// The key of these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> SecretKey {
        SecretKey(bytes)
    }

    /// The key written as 64 hexadecimal digits (surrounding whitespace ignored), as
    /// configuration gives it.
    pub fn from_hex(text: &str) -> Result<SecretKey, SecretError> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return Err(SecretError::BadKey);
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| SecretError::BadKey)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| SecretError::BadKey)?;
        }
        Ok(SecretKey(bytes))
    }

    /// A fresh random key.
    pub fn generate() -> Result<SecretKey, SecretError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(SecretError::NoRandomSource)?;
        Ok(SecretKey(bytes))
    }

    /// The key in the file at `path` (64 hexadecimal digits); when there is no such file, a
    /// fresh key written to a new one that only its owner may read (on Unix). Keep the file
    /// out of database backups: whoever has both reads the secrets.
    pub fn load_or_create(path: impl AsRef<Path>) -> Result<SecretKey, SecretError> {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => return SecretKey::from_hex(&text),
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
            Err(_) => {}
        }
        let key = SecretKey::generate()?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        file.write_all(key.to_hex().as_bytes())?;
        file.sync_all()?;
        Ok(key)
    }

    fn to_hex(&self) -> String {
        hex(&self.0)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }

    /// `secret` sealed for `place` (what it belongs to, such as `webhook:tenant:7`).
    pub(crate) fn seal(&self, place: &str, secret: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(SecretError::NoRandomSource)?;
        let sealed = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| SecretError::DoesNotOpen)?;
        Ok(format!("{SEALED}{}{}", hex(&nonce), hex(&sealed)))
    }

    /// The secret sealed for `place` in `stored`.
    pub(crate) fn open(&self, place: &str, stored: &str) -> Result<String, SecretError> {
        let bytes = stored
            .strip_prefix(SEALED)
            .and_then(unhex)
            .ok_or(SecretError::DoesNotOpen)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::DoesNotOpen);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SecretError::DoesNotOpen)?;
        let clear = self
            .cipher()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| SecretError::DoesNotOpen)?;
        String::from_utf8(clear).map_err(|_| SecretError::DoesNotOpen)
    }
}

/// Whether a stored value is sealed (rather than a clear value of an earlier version).
pub(crate) fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

/// The kinds of secret a store seals, each bound to its tenant.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SecretKind {
    /// A webhook's signing secret.
    WebhookSecret,
    /// The token a roaming partner gave us to call it with (its token B or C).
    PartnerToken,
}

impl SecretKind {
    /// What the secret is, in errors.
    fn what(self) -> &'static str {
        match self {
            SecretKind::WebhookSecret => "webhook secret",
            SecretKind::PartnerToken => "roaming partner token",
        }
    }

    /// What a secret of this kind of `tenant` is bound to: a sealed secret copied to another
    /// tenant's row, or to another kind of column, does not open.
    fn place(self, tenant: TenantId) -> String {
        match self {
            SecretKind::WebhookSecret => format!("webhook:tenant:{}", tenant.0),
            SecretKind::PartnerToken => format!("roaming-partner:tenant:{}", tenant.0),
        }
    }

    /// `secret` as a store keeps it: sealed with `key`, or refused without one (never kept
    /// in clear).
    pub(crate) fn seal(
        self,
        key: Option<&SecretKey>,
        tenant: TenantId,
        secret: &str,
    ) -> StoreResult<String> {
        let key = key.ok_or_else(|| StoreError::Invalid {
            what: self.what(),
            reason: "the store has no secret key to encrypt it with (see with_secret_key)"
                .to_owned(),
        })?;
        key.seal(&self.place(tenant), secret)
            .map_err(|error| StoreError::Invalid {
                what: self.what(),
                reason: error.to_string(),
            })
    }

    /// A stored secret in clear: opened with `key`, or as it is when an earlier version kept
    /// it in clear.
    pub(crate) fn open(
        self,
        key: Option<&SecretKey>,
        tenant: TenantId,
        stored: String,
    ) -> StoreResult<String> {
        if !is_sealed(&stored) {
            return Ok(stored);
        }
        let key = key
            .ok_or_else(|| StoreError::corrupt(self.what(), "sealed, and the store has no key"))?;
        key.open(&self.place(tenant), &stored)
            .map_err(|error| StoreError::corrupt(self.what(), error))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_place() {
        let key = SecretKey::generate().unwrap();
        let sealed = key.seal("webhook:tenant:1", "whsec-0123456789").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("whsec"));
        assert_ne!(
            sealed,
            key.seal("webhook:tenant:1", "whsec-0123456789").unwrap()
        );
        assert_eq!(
            key.open("webhook:tenant:1", &sealed).unwrap(),
            "whsec-0123456789"
        );
        assert!(key.open("webhook:tenant:2", &sealed).is_err());
        let other = SecretKey::generate().unwrap();
        assert!(other.open("webhook:tenant:1", &sealed).is_err());
        // The last hex digit changed (to another one, whatever it was).
        let mut damaged = sealed.clone();
        let last = damaged.pop();
        damaged.push(if last == Some('0') { '1' } else { '0' });
        for bad in [
            damaged.as_str(),
            "sealed:v1:",
            "sealed:v1:zz",
            "whsec-plain",
            "",
        ] {
            assert!(key.open("webhook:tenant:1", bad).is_err(), "{bad}");
        }
        assert_eq!(format!("{key:?}"), "SecretKey(..)");
    }

    #[test]
    fn keys_come_from_hex_or_a_file_made_once() {
        let hex_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let key = SecretKey::from_hex(&format!("{hex_key}\n")).unwrap();
        assert_eq!(key.to_hex(), hex_key);
        assert!(SecretKey::from_hex("0011").is_err());
        assert!(SecretKey::from_hex(&hex_key.replace('0', "g")).is_err());

        let path = std::env::temp_dir().join(format!(
            "csms_secret_key_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let made = SecretKey::load_or_create(&path).unwrap();
        let again = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(made.to_hex(), again.to_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_file(&path);
    }
}
