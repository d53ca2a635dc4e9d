//! Message ids: their length limit and a generator of unique ids.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The longest message id OCPP-J allows, in characters (not bytes).
pub const MAX_MESSAGE_ID_LEN: usize = 36;

/// Whether `id` may be used as a message id: at most [`MAX_MESSAGE_ID_LEN`] characters.
///
/// ```
/// use ocpp_types::rpc::is_valid_message_id;
///
/// assert!(is_valid_message_id("19223201"));
/// assert!(is_valid_message_id(&"é".repeat(36)));
/// assert!(!is_valid_message_id(&"x".repeat(37)));
/// ```
pub fn is_valid_message_id(id: &str) -> bool {
    id.chars().nth(MAX_MESSAGE_ID_LEN).is_none()
}

/// The number of characters in `id` when it is longer than [`MAX_MESSAGE_ID_LEN`].
pub(crate) fn overlong_id_chars(id: &str) -> Option<usize> {
    if is_valid_message_id(id) {
        None
    } else {
        Some(id.chars().count())
    }
}

/// Makes message ids for the CALLs (and SENDs) one side sends.
///
/// Ids are `<prefix>-<counter>`: a 16-digit hexadecimal prefix chosen when the generator is
/// made, then a hexadecimal counter, at most 33 characters in all. One generator never repeats
/// an id (the counter would take 2^64 ids to wrap), and the random prefix keeps ids apart
/// across restarts and between generators, as OCPP asks ids to be unique for a sender. The
/// generator is cheap: no allocation but the returned `String`, one atomic increment, and it
/// can be shared between threads.
///
/// ```
/// use ocpp_types::rpc::{MessageIdGenerator, is_valid_message_id};
///
/// let ids = MessageIdGenerator::new();
/// let first = ids.next_id();
/// let second = ids.next_id();
/// assert_ne!(first, second);
/// assert!(is_valid_message_id(&first));
///
/// let fixed = MessageIdGenerator::with_prefix(0xabc);
/// assert_eq!(fixed.next_id(), "0000000000000abc-0");
/// assert_eq!(fixed.next_id(), "0000000000000abc-1");
/// ```
#[derive(Debug)]
pub struct MessageIdGenerator {
    prefix: u64,
    counter: AtomicU64,
}

impl MessageIdGenerator {
    /// A generator with a random prefix.
    pub fn new() -> MessageIdGenerator {
        MessageIdGenerator::with_prefix(random_prefix())
    }

    /// A generator with the given prefix, for reproducible ids (tests, replays).
    pub const fn with_prefix(prefix: u64) -> MessageIdGenerator {
        MessageIdGenerator {
            prefix,
            counter: AtomicU64::new(0),
        }
    }

    /// The next id.
    pub fn next_id(&self) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}-{count:x}", self.prefix)
    }
}

impl Default for MessageIdGenerator {
    fn default() -> MessageIdGenerator {
        MessageIdGenerator::new()
    }
}

/// 64 bits that differ between processes and between calls: the standard library's randomly
/// keyed hasher over the current time and a process-wide counter.
fn random_prefix() -> u64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_id_fits() {
        let ids = MessageIdGenerator::with_prefix(u64::MAX);
        ids.counter.store(u64::MAX, Ordering::Relaxed);
        let id = ids.next_id();
        assert_eq!(id.len(), 33);
        assert!(is_valid_message_id(&id));
        assert_eq!(ids.next_id(), format!("{:016x}-0", u64::MAX));
    }

    #[test]
    fn generators_differ() {
        let a = MessageIdGenerator::new().next_id();
        let b = MessageIdGenerator::new().next_id();
        assert_ne!(a, b);
    }

    #[test]
    fn length_counts_characters() {
        assert_eq!(overlong_id_chars(&"ß".repeat(36)), None);
        assert_eq!(overlong_id_chars(&"ß".repeat(37)), Some(37));
        assert_eq!(overlong_id_chars(""), None);
    }
}
