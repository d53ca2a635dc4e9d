//! Signing webhook deliveries as the [Standard Webhooks] specification describes, so that a
//! receiver verifies them with any of its libraries.
//!
//! A delivery carries three headers: `webhook-id` (the event's identifier, the same on every
//! attempt), `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature`
//! (`v1,` and the Base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the secret). A
//! secret is written `whsec_` and the Base64 of its 24 to 64 random bytes.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a written secret.
const PREFIX: &str = "whsec_";

/// How many random bytes a generated secret has.
const GENERATED_LEN: usize = 32;

/// The header naming the event.
pub const WEBHOOK_ID: &str = "webhook-id";
/// The header with the attempt's time, in Unix seconds.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The header with the signatures.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// Why a secret was refused, or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretFormatError {
    /// Not `whsec_` followed by Base64.
    #[error("a webhook secret is \"whsec_\" followed by the Base64 of 24 to 64 bytes")]
    NotBase64,
    /// Fewer than 24 or more than 64 bytes.
    #[error("a webhook secret has 24 to 64 bytes, this one {0}")]
    BadLength(usize),
    /// The operating system's random source failed.
    #[error("no random source: {0}")]
    NoRandomSource(String),
}

/// A webhook's signing secret. [`Debug`](fmt::Debug) shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

impl WebhookSecret {
    /// A fresh random secret.
    pub fn generate() -> Result<WebhookSecret, SecretFormatError> {
        let mut bytes = vec![0u8; GENERATED_LEN];
        getrandom::fill(&mut bytes)
            .map_err(|error| SecretFormatError::NoRandomSource(error.to_string()))?;
        Ok(WebhookSecret(bytes))
    }

    /// Reads a written secret (`whsec_` and Base64; the prefix may be left out).
    pub fn parse(text: &str) -> Result<WebhookSecret, SecretFormatError> {
        let encoded = text.trim().strip_prefix(PREFIX).unwrap_or(text.trim());
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretFormatError::NotBase64)?;
        if !(24..=64).contains(&bytes.len()) {
            return Err(SecretFormatError::BadLength(bytes.len()));
        }
        Ok(WebhookSecret(bytes))
    }

    /// The secret written as receivers configure it: `whsec_` and Base64.
    pub fn to_text(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// The `webhook-signature` value of `body` sent as event `id` at `timestamp` (Unix
    /// seconds).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(id, timestamp, body)))
    }

    /// Whether one of the signatures of a `webhook-signature` value (space-separated
    /// `v1,...`) signs `body` sent as event `id` at `timestamp`, compared in constant time.
    pub fn verify(&self, id: &str, timestamp: i64, body: &[u8], signatures: &str) -> bool {
        signatures.split(' ').any(|signature| {
            let Some(encoded) = signature.strip_prefix("v1,") else {
                return false;
            };
            let Ok(given) = STANDARD.decode(encoded) else {
                return false;
            };
            self.keyed(id, timestamp, body).verify_slice(&given).is_ok()
        })
    }

    fn keyed(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC-SHA256 accepts keys of every length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
        self.keyed(id, timestamp, body)
            .finalize()
            .into_bytes()
            .to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the specification's reference libraries: secret, message id,
    /// timestamp, payload and the signature they produce.
    #[test]
    fn signs_as_the_reference_implementation() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(secret.verify(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
            "v1,bad v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        ));
        assert!(!secret.verify(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265331,
            body,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        ));
    }

    #[test]
    fn secrets_round_trip_and_bad_ones_are_refused() {
        let secret = WebhookSecret::generate().unwrap();
        assert_eq!(WebhookSecret::parse(&secret.to_text()).unwrap(), secret);
        assert!(!format!("{secret:?}").contains(&secret.to_text()[6..]));
        assert_eq!(
            WebhookSecret::parse("whsec_c2hvcnQ="),
            Err(SecretFormatError::BadLength(5))
        );
        assert_eq!(
            WebhookSecret::parse("whsec_not base64!"),
            Err(SecretFormatError::NotBase64)
        );
    }
}
