//! What one caller, one request and one connection may take of the API: the limits, the
//! middleware that applies the per-request ones, and the per-key token buckets.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::error::ApiError;

/// The name of the counter of requests the API refused before or instead of handling
/// them, by `reason`: `rate_limited`, `overloaded`, `payload_too_large` (declared
/// `Content-Length` only) or `timeout`.
pub const REFUSED: &str = "csms_api_refused_total";

/// What the API takes of one caller, request and connection. [`Default`] gives limits safe
/// for an API reachable by untrusted clients; change the fields to tune them:
///
/// ```
/// use std::time::Duration;
/// use csms_core::api::{ApiLimits, RateLimit};
///
/// let mut limits = ApiLimits::default();
/// limits.request_timeout = Duration::from_secs(120);
/// limits.rate_limit = Some(RateLimit { burst: 50, per_second: 10 });
/// ```
///
/// [`Api::with_limits`](super::Api::with_limits) applies the per-request limits (body size,
/// rate, requests in flight, request timeout) in the router, however it is served;
/// [`serve`](super::serve) applies the per-connection ones (`header_read_timeout`,
/// `max_connections`), which `axum::serve` cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiLimits {
    /// How long a client may take to send a request's headers (10 s). A connection that
    /// has not sent complete headers by then, including an idle kept-alive connection that
    /// sends no next request, is closed. Used by [`serve`](super::serve).
    pub header_read_timeout: Duration,
    /// How many connections are served at once (1024). Past it, [`serve`](super::serve)
    /// accepts no connection until one closes (they wait in the listener's backlog).
    pub max_connections: usize,
    /// How long a request may take from its headers to its answer, reading its body
    /// included (60 s, longer than the 30 s a station has to answer a command, so that a
    /// silent station is reported as such with 504). Past it: 503 `timeout`. A command to a
    /// station runs on to its end (and is audited) even when its request is cut off.
    pub request_timeout: Duration,
    /// How many requests are handled at once (256). A request past it is not queued: it
    /// is answered at once with 503 `overloaded` and `Retry-After: 1`.
    pub max_in_flight: usize,
    /// The largest request body in bytes (1 MiB). A larger one is answered with 413
    /// `payload_too_large`: at once when its `Content-Length` says so, else once the
    /// limit is read.
    pub max_body_bytes: usize,
    /// How many requests each caller may send, keyed by the whole `Authorization` header
    /// (so by API key, or system key), or by the client's IP address when there is none
    /// and it is known (served by [`serve`](super::serve)). Excess requests are answered
    /// with 429 `rate_limited` and `Retry-After`. `None`: no rate limit. Default: a burst
    /// of 1000, then 200 per second.
    pub rate_limit: Option<RateLimit>,
    /// How many callers' rate states are kept (10 000). When a new caller comes and the
    /// table is full, the callers whose buckets have refilled are forgotten (they lose
    /// nothing), and if none has, the one idle longest.
    pub rate_limit_keys: usize,
}

impl ApiLimits {
    /// The default of [`max_body_bytes`](ApiLimits::max_body_bytes): 1 MiB.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
}

impl Default for ApiLimits {
    fn default() -> ApiLimits {
        ApiLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            request_timeout: Duration::from_secs(60),
            max_in_flight: 256,
            max_body_bytes: ApiLimits::DEFAULT_MAX_BODY_BYTES,
            rate_limit: Some(RateLimit {
                burst: 1000,
                per_second: 200,
            }),
            rate_limit_keys: 10_000,
        }
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_second` requests a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many requests may come at once (at least 1 is used).
    pub burst: u32,
    /// How many requests a second are admitted in the long run (at least 1 is used).
    pub per_second: u32,
}

/// The body limit of the request, put in it for the body extractor's error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub(crate) usize);

/// Token buckets by key, at most `max_keys` of them. No clock or I/O inside: the caller
/// says what time it is.
#[derive(Debug)]
pub(crate) struct TokenBuckets {
    burst: f64,
    per_second: f64,
    max_keys: usize,
    buckets: HashMap<u64, Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Its tokens at `now`, refilled since it was last seen.
    fn level(&self, now: Instant, burst: f64, per_second: f64) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + elapsed * per_second).min(burst)
    }
}

impl TokenBuckets {
    /// Buckets of `rate`, for at most `max_keys` keys (at least 1).
    pub(crate) fn new(rate: RateLimit, max_keys: usize) -> TokenBuckets {
        TokenBuckets {
            burst: f64::from(rate.burst.max(1)),
            per_second: f64::from(rate.per_second.max(1)),
            max_keys: max_keys.max(1),
            buckets: HashMap::new(),
        }
    }

    /// Takes a token from `key`'s bucket at `now`: `Ok`, or how long until it has one.
    pub(crate) fn take(&mut self, key: u64, now: Instant) -> Result<(), Duration> {
        if !self.buckets.contains_key(&key) && self.buckets.len() >= self.max_keys {
            self.evict(now);
        }
        let (burst, per_second) = (self.burst, self.per_second);
        let bucket = self.buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let tokens = bucket.level(now, burst, per_second);
        *bucket = Bucket {
            tokens,
            at: now.max(bucket.at),
        };
        if tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - tokens) / per_second))
        }
    }

    /// Makes room for one more key: forgets the full buckets (a fresh one is the same), and
    /// if none is full, the one seen longest ago.
    fn evict(&mut self, now: Instant) {
        let (burst, per_second) = (self.burst, self.per_second);
        self.buckets
            .retain(|_, bucket| bucket.level(now, burst, per_second) < burst);
        if self.buckets.len() >= self.max_keys {
            let oldest = self
                .buckets
                .iter()
                .min_by_key(|(_, bucket)| bucket.at)
                .map(|(key, _)| *key);
            if let Some(key) = oldest {
                self.buckets.remove(&key);
            }
        }
    }

    /// How many keys it holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.len()
    }
}

/// The per-request limits of one router.
#[derive(Debug)]
pub(crate) struct Guard {
    limits: ApiLimits,
    in_flight: Arc<Semaphore>,
    buckets: Option<Mutex<TokenBuckets>>,
    /// Keys the buckets, seeded at random so that callers cannot aim at each other's.
    hasher: RandomState,
}

impl Guard {
    pub(crate) fn new(limits: ApiLimits) -> Guard {
        Guard {
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
            buckets: limits
                .rate_limit
                .map(|rate| Mutex::new(TokenBuckets::new(rate, limits.rate_limit_keys))),
            hasher: RandomState::new(),
            limits,
        }
    }

    /// The rate key of a request: its `Authorization` header, else its client's address,
    /// else one key for all such requests.
    fn key(&self, request: &Request) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        if let Some(credential) = request.headers().get(AUTHORIZATION) {
            0u8.hash(&mut hasher);
            credential.as_bytes().hash(&mut hasher);
        } else if let Some(ConnectInfo(peer)) =
            request.extensions().get::<ConnectInfo<SocketAddr>>()
        {
            1u8.hash(&mut hasher);
            peer.ip().hash(&mut hasher);
        } else {
            2u8.hash(&mut hasher);
        }
        hasher.finish()
    }
}

fn refused(error: ApiError, reason: &'static str) -> Response {
    metrics::counter!(REFUSED, "reason" => reason).increment(1);
    error.into_response()
}

/// Applies the per-request limits: the caller's rate, the requests in flight, the declared
/// body size (the body extractor enforces it on the bytes), and the request timeout.
pub(crate) async fn guard(
    State(guard): State<Arc<Guard>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(buckets) = &guard.buckets {
        let key = guard.key(&request);
        let taken = buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(key, Instant::now());
        if let Err(wait) = taken {
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return refused(ApiError::RateLimited { retry_after }, "rate_limited");
        }
    }
    let Ok(_permit) = Arc::clone(&guard.in_flight).try_acquire_owned() else {
        return refused(ApiError::Overloaded, "overloaded");
    };
    let limit = guard.limits.max_body_bytes;
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return refused(ApiError::PayloadTooLarge { limit }, "payload_too_large");
    }
    request.extensions_mut().insert(BodyLimit(limit));
    let timeout = guard.limits.request_timeout;
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let seconds = timeout.as_secs().max(1);
            refused(ApiError::Timeout { seconds }, "timeout")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: RateLimit = RateLimit {
        burst: 3,
        per_second: 2,
    };

    #[test]
    fn a_burst_then_the_refill_rate() {
        let mut buckets = TokenBuckets::new(RATE, 10);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(buckets.take(1, start), Ok(()));
        }
        // Empty: a token comes in half a second at 2 a second.
        let wait = buckets.take(1, start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        // A quarter of a second on: a quarter to go.
        let later = start + Duration::from_millis(250);
        assert_eq!(buckets.take(1, later), Err(Duration::from_millis(250)));
        let later = start + Duration::from_millis(500);
        assert_eq!(buckets.take(1, later), Ok(()));
        assert!(buckets.take(1, later).is_err());
        // Long idle refills to the burst, not beyond.
        let much_later = later + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(buckets.take(1, much_later), Ok(()));
        }
        assert!(buckets.take(1, much_later).is_err());
    }

    #[test]
    fn keys_have_their_own_buckets() {
        let mut buckets = TokenBuckets::new(RATE, 10);
        let now = Instant::now();
        for _ in 0..3 {
            buckets.take(1, now).unwrap();
        }
        assert!(buckets.take(1, now).is_err());
        assert_eq!(buckets.take(2, now), Ok(()));
    }

    #[test]
    fn the_table_is_bounded_and_forgets_full_buckets_first() {
        let mut buckets = TokenBuckets::new(RATE, 3);
        let now = Instant::now();
        // Key 1 drained, keys 2 and 3 used once.
        for _ in 0..3 {
            buckets.take(1, now).unwrap();
        }
        buckets.take(2, now).unwrap();
        buckets.take(3, now + Duration::from_millis(1)).unwrap();
        // One second on, 2 and 3 have refilled (2 tokens a second); 1 has not (3 taken).
        let later = now + Duration::from_secs(1);
        buckets.take(4, later).unwrap();
        assert_eq!(
            buckets.len(),
            2,
            "the full buckets of 2 and 3 are forgotten"
        );
        // 1 is still limited: one second gave it 2 of its 3 tokens back.
        buckets.take(1, later).unwrap();
        buckets.take(1, later).unwrap();
        assert!(buckets.take(1, later).is_err());
    }

    #[test]
    fn with_no_full_bucket_the_longest_idle_is_forgotten() {
        let mut buckets = TokenBuckets::new(RATE, 2);
        let now = Instant::now();
        for _ in 0..3 {
            buckets.take(1, now).unwrap();
        }
        for _ in 0..3 {
            buckets.take(2, now + Duration::from_millis(10)).unwrap();
        }
        buckets.take(3, now + Duration::from_millis(20)).unwrap();
        assert_eq!(buckets.len(), 2);
        // 2 was kept, still drained; 1 was forgotten, so it starts afresh.
        assert!(buckets.take(2, now + Duration::from_millis(20)).is_err());
        assert_eq!(buckets.len(), 2);
        for _ in 0..3 {
            assert_eq!(buckets.take(1, now + Duration::from_millis(30)), Ok(()));
        }
        assert!(buckets.len() <= 2);
    }

    #[test]
    fn zero_rates_act_as_one() {
        let mut buckets = TokenBuckets::new(
            RateLimit {
                burst: 0,
                per_second: 0,
            },
            0,
        );
        let now = Instant::now();
        assert_eq!(buckets.take(1, now), Ok(()));
        assert_eq!(buckets.take(1, now), Err(Duration::from_secs(1)));
    }
}
