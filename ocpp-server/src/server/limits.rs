//! How many connections the server holds and how fast it takes new ones, without I/O.
//!
//! The accept loop asks an [`Admission`] about every TCP connection the moment it is
//! accepted, before a byte is read: [`Admission::try_open`] either gives a [`Permit`], which
//! the connection keeps until it ends (handshake included) and which releases its place
//! when dropped, or says why not ([`Rejection`]), and the connection is closed at once,
//! without an answer (nothing is written to a connection over the limits, so that refusing
//! costs nothing and cannot block).
//!
//! Sources are counted by address: an IPv4 address (IPv4-mapped IPv6 addresses included),
//! or an IPv6 `/64` network, since one IPv6 host commonly holds a whole `/64`. Some sources
//! are exempt from the limits per source and count toward the totals only: loopback
//! addresses by default, and those of [`ConnectionLimits::exempt_sources`], such as a
//! reverse proxy in front of the server, whose address every connection through it has.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use std::time::Instant;
//! use ocpp_server::server::limits::{Admission, ConnectionLimits, Rejection};
//!
//! let limits = ConnectionLimits {
//!     max_total: 10,
//!     max_per_source: 2,
//!     ..ConnectionLimits::default()
//! };
//! let admission = Admission::new(limits);
//! let here = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
//! let now = Instant::now();
//! let first = admission.try_open(here, now).unwrap();
//! let _second = admission.try_open(here, now).unwrap();
//! assert_eq!(admission.try_open(here, now).unwrap_err(), Rejection::SourceLimit);
//! drop(first);
//! assert!(admission.try_open(here, now).is_ok());
//! ```

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A rate: at most [`Self::burst`] at once, then one more every [`Self::interval`] (a token
/// bucket holding `burst` tokens, refilled by one every `interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// How many may come at once, after a quiet time (at least 1 is allowed).
    pub burst: u32,
    /// The time one more is allowed after.
    pub interval: Duration,
}

impl Rate {
    /// `per_second` a second on average, `burst` at once.
    pub fn per_second(per_second: u32, burst: u32) -> Rate {
        Rate {
            burst,
            interval: Duration::from_secs(1) / per_second.max(1),
        }
    }
}

/// Limits of an [`Admission`]: see [`ServerConfig::connections`](super::ServerConfig::connections).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// The most connections at once, handshakes included (default 100,000: mind the
    /// process's file descriptor limit, and the memory each may hold, see
    /// [`server`](super#memory-per-connection)).
    pub max_total: usize,
    /// The most connections at once from one source address (default 256: many stations
    /// of a site, or of a mobile operator, may share one address).
    pub max_per_source: usize,
    /// How fast new connections are taken in all (default `None`: no limit, so that the
    /// stations reconnecting after a restart are not turned away; set it to what the
    /// handshakes, TLS and password checks included, may cost).
    pub rate: Option<Rate>,
    /// How fast new connections are taken from one source address (default 50 at once,
    /// then 10 a second; `None`: no limit).
    pub rate_per_source: Option<Rate>,
    /// The most source addresses whose rate is tracked (default 100,000); past it, new
    /// addresses are not rate-limited one by one (the total rate still holds) until old ones
    /// are forgotten, so memory stays bounded.
    pub tracked_sources: usize,
    /// Whether loopback sources (127.0.0.0/8, ::1) are exempt from the limits per source
    /// (default `true`): a local reverse proxy or tool connects from them.
    pub exempt_loopback: bool,
    /// Sources exempt from the limits per source, counting toward the totals only (default
    /// none): typically the address of a reverse proxy or load balancer in front of the
    /// server, through which every station connects.
    pub exempt_sources: Vec<IpAddr>,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_total: 100_000,
            max_per_source: 256,
            rate: None,
            rate_per_source: Some(Rate::per_second(10, 50)),
            tracked_sources: 100_000,
            exempt_loopback: true,
            exempt_sources: Vec::new(),
        }
    }
}

/// Why a new connection is closed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The server holds [`ConnectionLimits::max_total`] connections.
    #[error("too many connections")]
    TotalLimit,
    /// The source holds [`ConnectionLimits::max_per_source`] connections.
    #[error("too many connections from the source address")]
    SourceLimit,
    /// New connections come faster than [`ConnectionLimits::rate`].
    #[error("new connections too fast")]
    Rate,
    /// New connections come from the source faster than
    /// [`ConnectionLimits::rate_per_source`].
    #[error("new connections from the source address too fast")]
    SourceRate,
}

impl Rejection {
    /// A label for metrics and logs.
    pub const fn label(self) -> &'static str {
        match self {
            Rejection::TotalLimit => "connection_limit",
            Rejection::SourceLimit => "source_connection_limit",
            Rejection::Rate => "connection_rate",
            Rejection::SourceRate => "source_connection_rate",
        }
    }
}

/// The server's count of connections and of their arrival rate: see the
/// [module documentation](self). Cloning gives another handle to the same count.
#[derive(Debug, Clone)]
pub struct Admission {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    limits: ConnectionLimits,
    total: usize,
    /// Open connections by source; a source without any is removed, so there are at most
    /// `max_total` entries.
    open: HashMap<Source, usize>,
    /// The total bucket's theoretical arrival time (GCRA): full when it is not after now.
    bucket: Option<Instant>,
    /// The buckets of sources, removed once full again.
    buckets: HashMap<Source, Instant>,
}

/// A source address as counted: an IPv4 address, or an IPv6 `/64` network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    V4(u32),
    V6(u64),
}

impl From<IpAddr> for Source {
    fn from(ip: IpAddr) -> Source {
        match ip {
            IpAddr::V4(v4) => Source::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Source::V4(u32::from(v4)),
                None => Source::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// A connection's place among the limits of an [`Admission`]: released when dropped.
#[derive(Debug)]
#[must_use = "the place is released when the permit is dropped"]
pub struct Permit {
    state: Arc<Mutex<State>>,
    /// `None` for an exempt source.
    source: Option<Source>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        state.total = state.total.saturating_sub(1);
        let Some(source) = self.source else {
            return;
        };
        if let Some(count) = state.open.get_mut(&source) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                state.open.remove(&source);
            }
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Admission {
    /// An admission under `limits`, with no connection yet.
    pub fn new(limits: ConnectionLimits) -> Admission {
        Admission {
            state: Arc::new(Mutex::new(State {
                limits,
                total: 0,
                open: HashMap::new(),
                bucket: None,
                buckets: HashMap::new(),
            })),
        }
    }

    /// A place for a new connection from `source` at `now`, or why not. The count limits
    /// are checked before the rates, and a refused connection takes nothing of either.
    pub fn try_open(&self, source: IpAddr, now: Instant) -> Result<Permit, Rejection> {
        let mut state = lock(&self.state);
        let limits = &state.limits;
        let source = (!limits.exempts(source)).then(|| Source::from(source));
        if state.total >= limits.max_total {
            return Err(Rejection::TotalLimit);
        }
        if let Some(source) = source {
            if state.open.get(&source).copied().unwrap_or(0) >= limits.max_per_source {
                return Err(Rejection::SourceLimit);
            }
        }
        // Both buckets are checked before either is taken from.
        let total = match limits.rate {
            Some(rate) => Some(take(state.bucket, rate, now).ok_or(Rejection::Rate)?),
            None => None,
        };
        let per_source = match (limits.rate_per_source, source) {
            (Some(rate), Some(source)) => {
                let bucket = state.buckets.get(&source).copied();
                Some(take(bucket, rate, now).ok_or(Rejection::SourceRate)?)
            }
            _ => None,
        };
        if let Some(tat) = total {
            state.bucket = Some(tat);
        }
        state.total += 1;
        if let Some(source) = source {
            if let Some(tat) = per_source {
                state.track(source, tat, now);
            }
            *state.open.entry(source).or_insert(0) += 1;
        }
        Ok(Permit {
            state: Arc::clone(&self.state),
            source,
        })
    }

    /// How many connections hold a place.
    pub fn open(&self) -> usize {
        lock(&self.state).total
    }

    /// How many connections from `source` hold a place (0 for an exempt source, which is
    /// not counted by itself).
    pub fn open_from(&self, source: IpAddr) -> usize {
        lock(&self.state)
            .open
            .get(&Source::from(source))
            .copied()
            .unwrap_or(0)
    }
}

impl ConnectionLimits {
    /// Whether `source` is exempt from the limits per source.
    fn exempts(&self, source: IpAddr) -> bool {
        let source = source.to_canonical();
        (self.exempt_loopback && source.is_loopback())
            || self
                .exempt_sources
                .iter()
                .any(|exempt| exempt.to_canonical() == source)
    }
}

impl State {
    /// Keeps a source's bucket, within the capacity.
    fn track(&mut self, source: Source, tat: Instant, now: Instant) {
        let capacity = self.limits.tracked_sources;
        if self.buckets.len() >= capacity && !self.buckets.contains_key(&source) {
            // A full bucket is as good as none.
            self.buckets.retain(|_, tat| *tat > now);
            if self.buckets.len() >= capacity {
                return;
            }
        }
        self.buckets.insert(source, tat);
    }
}

/// Takes one token from the bucket whose theoretical arrival time is `tat` (`None`: full):
/// the new one, or `None` when the bucket is empty (the generic cell rate algorithm).
fn take(tat: Option<Instant>, rate: Rate, now: Instant) -> Option<Instant> {
    let start = tat.filter(|tat| *tat > now).unwrap_or(now);
    let next = start.checked_add(rate.interval)?;
    let allowance = rate.interval.saturating_mul(rate.burst.max(1));
    (next.saturating_duration_since(now) <= allowance).then_some(next)
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const HERE: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const THERE: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    fn counts(max_total: usize, max_per_source: usize) -> ConnectionLimits {
        ConnectionLimits {
            max_total,
            max_per_source,
            rate: None,
            rate_per_source: None,
            tracked_sources: 100,
            exempt_loopback: true,
            exempt_sources: Vec::new(),
        }
    }

    #[test]
    fn connections_are_limited_per_source_and_in_all() {
        let admission = Admission::new(counts(3, 2));
        let now = Instant::now();
        let a = admission.try_open(HERE, now).unwrap();
        let b = admission.try_open(HERE, now).unwrap();
        assert_eq!(
            admission.try_open(HERE, now).unwrap_err(),
            Rejection::SourceLimit
        );
        let c = admission.try_open(THERE, now).unwrap();
        assert_eq!(
            admission.try_open(THERE, now).unwrap_err(),
            Rejection::TotalLimit
        );
        assert_eq!((admission.open(), admission.open_from(HERE)), (3, 2));
        // A refusal takes no place.
        drop(a);
        assert_eq!((admission.open(), admission.open_from(HERE)), (2, 1));
        let d = admission.try_open(THERE, now).unwrap();
        assert_eq!(admission.open_from(THERE), 2);
        drop((b, c, d));
        assert_eq!(admission.open(), 0);
        // Sources without connections are forgotten.
        assert!(lock(&admission.state).open.is_empty());
    }

    #[test]
    fn ipv6_sources_are_counted_by_their_64_network() {
        let admission = Admission::new(counts(10, 1));
        let now = Instant::now();
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_net: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_net: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        let _a = admission.try_open(one, now).unwrap();
        assert_eq!(
            admission.try_open(same_net, now).unwrap_err(),
            Rejection::SourceLimit
        );
        let _b = admission.try_open(other_net, now).unwrap();
        // An IPv4-mapped address is its IPv4 address.
        let _c = admission.try_open(HERE, now).unwrap();
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
        assert_eq!(
            admission.try_open(mapped, now).unwrap_err(),
            Rejection::SourceLimit
        );
        assert_ne!(
            Source::from(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            Source::from(IpAddr::V4(Ipv4Addr::LOCALHOST))
        );
    }

    #[test]
    fn the_total_rate_allows_a_burst_then_one_per_interval() {
        let limits = ConnectionLimits {
            rate: Some(Rate {
                burst: 3,
                interval: Duration::from_secs(1),
            }),
            ..counts(100, 100)
        };
        let admission = Admission::new(limits);
        let start = Instant::now();
        let mut held = Vec::new();
        for n in 0..3u8 {
            let source = IpAddr::V4(Ipv4Addr::new(10, 0, 0, n));
            held.push(admission.try_open(source, start).unwrap());
        }
        let fourth = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
        assert_eq!(
            admission.try_open(fourth, start).unwrap_err(),
            Rejection::Rate
        );
        // Refused connections take no place.
        assert_eq!(admission.open(), 3);
        // One more a second.
        let later = start + Duration::from_millis(1000);
        held.push(admission.try_open(fourth, later).unwrap());
        assert_eq!(
            admission.try_open(fourth, later).unwrap_err(),
            Rejection::Rate
        );
        // After a quiet time, a whole burst again; never more.
        let quiet = start + Duration::from_secs(60);
        for _ in 0..3 {
            held.push(admission.try_open(fourth, quiet).unwrap());
        }
        assert_eq!(
            admission.try_open(fourth, quiet).unwrap_err(),
            Rejection::Rate
        );
    }

    #[test]
    fn the_rate_per_source_leaves_other_sources_alone() {
        let limits = ConnectionLimits {
            rate_per_source: Some(Rate {
                burst: 2,
                interval: Duration::from_millis(500),
            }),
            ..counts(100, 100)
        };
        let admission = Admission::new(limits);
        let start = Instant::now();
        let _a = admission.try_open(HERE, start).unwrap();
        let _b = admission.try_open(HERE, start).unwrap();
        assert_eq!(
            admission.try_open(HERE, start).unwrap_err(),
            Rejection::SourceRate
        );
        let _c = admission.try_open(THERE, start).unwrap();
        let _d = admission
            .try_open(HERE, start + Duration::from_millis(500))
            .unwrap();
    }

    #[test]
    fn a_refusal_by_one_bucket_takes_nothing_from_the_other() {
        let limits = ConnectionLimits {
            rate: Some(Rate {
                burst: 2,
                interval: Duration::from_secs(10),
            }),
            rate_per_source: Some(Rate {
                burst: 1,
                interval: Duration::from_secs(10),
            }),
            ..counts(100, 100)
        };
        let admission = Admission::new(limits);
        let now = Instant::now();
        let _a = admission.try_open(HERE, now).unwrap();
        // Refused by its source's bucket: the total bucket keeps its second token.
        assert_eq!(
            admission.try_open(HERE, now).unwrap_err(),
            Rejection::SourceRate
        );
        let _b = admission.try_open(THERE, now).unwrap();
    }

    #[test]
    fn tracked_sources_stay_within_their_capacity() {
        let limits = ConnectionLimits {
            rate_per_source: Some(Rate {
                burst: 1,
                interval: Duration::from_secs(10),
            }),
            tracked_sources: 10,
            ..counts(10_000, 10)
        };
        let admission = Admission::new(limits);
        let now = Instant::now();
        for n in 0..1000u32 {
            drop(
                admission
                    .try_open(IpAddr::from(n.to_be_bytes()), now)
                    .unwrap(),
            );
        }
        assert!(lock(&admission.state).buckets.len() <= 10);
        // Full buckets are forgotten to make room.
        let later = now + Duration::from_secs(10);
        drop(admission.try_open(HERE, later).unwrap());
        assert!(
            lock(&admission.state)
                .buckets
                .contains_key(&Source::from(HERE))
        );
    }

    #[test]
    fn exempt_sources_count_toward_the_totals_only() {
        let limits = ConnectionLimits {
            max_per_source: 1,
            rate_per_source: Some(Rate {
                burst: 1,
                interval: Duration::from_secs(60),
            }),
            exempt_sources: vec![THERE],
            ..counts(4, 1)
        };
        let admission = Admission::new(limits);
        let now = Instant::now();
        let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 2).to_ipv6_mapped());
        let _a = admission.try_open(local, now).unwrap();
        let _b = admission
            .try_open(IpAddr::V6(Ipv6Addr::LOCALHOST), now)
            .unwrap();
        let _c = admission.try_open(THERE, now).unwrap();
        let d = admission.try_open(mapped, now).unwrap();
        assert_eq!(
            admission.try_open(local, now).unwrap_err(),
            Rejection::TotalLimit
        );
        assert_eq!(admission.open_from(THERE), 0);
        drop(d);
        // Without the exemption, loopback is a source like any other.
        let strict = Admission::new(ConnectionLimits {
            exempt_loopback: false,
            ..counts(4, 1)
        });
        let _e = strict.try_open(local, now).unwrap();
        assert_eq!(
            strict.try_open(local, now).unwrap_err(),
            Rejection::SourceLimit
        );
    }

    #[test]
    fn extreme_rates_do_not_panic() {
        let now = Instant::now();
        for rate in [
            Rate {
                burst: 0,
                interval: Duration::ZERO,
            },
            Rate {
                burst: u32::MAX,
                interval: Duration::MAX,
            },
            Rate::per_second(0, 0),
            Rate::per_second(u32::MAX, u32::MAX),
        ] {
            let limits = ConnectionLimits {
                rate: Some(rate),
                rate_per_source: Some(rate),
                exempt_loopback: false,
                ..counts(10, 10)
            };
            let admission = Admission::new(limits);
            for _ in 0..3 {
                let _ = admission.try_open(HERE, now);
            }
        }
    }
}
