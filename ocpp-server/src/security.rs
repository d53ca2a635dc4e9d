//! Station authentication without I/O: the OCPP security profiles, what a connection
//! presents, the one rule that admits it ([`admit`]), and the throttle of failed attempts
//! ([`AuthThrottle`]).
//!
//! The [`Server`](crate::server::Server) asks its [`Storage`](crate::storage::Storage) for
//! the station's record, takes the profile the record names (or the server's default), and
//! admits the connection only with what that profile requires. Every refusal looks the same
//! to the station (HTTP 401), whether the identity is unknown or the credentials are wrong,
//! and a presented password is always checked against a hash (a stand-in one for unknown
//! stations), so that neither the answer nor its timing tells which identities exist.
//!
//! ```
//! use ocpp_server::security::{admit, Denial, Presented, SecurityProfile, Transport};
//! use ocpp_server::storage::PasswordHash;
//!
//! let hash = PasswordHash::new("0123456789abcdef0123").unwrap();
//! let plain = Transport::Plain;
//! let with = |password| Presented { transport: &plain, basic: Some(("CP-1", password)) };
//! assert_eq!(admit(SecurityProfile::Basic, "CP-1", &with("0123456789abcdef0123"), Some(&hash)), Ok(()));
//! assert_eq!(admit(SecurityProfile::Basic, "CP-1", &with("guess"), Some(&hash)), Err(Denial::WrongPassword));
//! // Profile 2 needs TLS, whatever the password.
//! assert_eq!(admit(SecurityProfile::TlsBasic, "CP-1", &with("0123456789abcdef0123"), Some(&hash)), Err(Denial::PlainTransport));
//! ```

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::storage::PasswordHash;

/// How a station authenticates (the OCPP security profiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecurityProfile {
    /// 0: no authentication, plain `ws` (development, or a closed network).
    None,
    /// 1: HTTP Basic authentication; the user must be the station identity.
    Basic,
    /// 2: TLS (server certificate) plus HTTP Basic authentication.
    TlsBasic,
    /// 3: TLS with a client certificate whose common name is the station identity.
    TlsClientCertificate,
}

impl SecurityProfile {
    /// The profile's number in OCPP.
    pub const fn number(self) -> u8 {
        match self {
            SecurityProfile::None => 0,
            SecurityProfile::Basic => 1,
            SecurityProfile::TlsBasic => 2,
            SecurityProfile::TlsClientCertificate => 3,
        }
    }

    /// The profile numbered `number` in OCPP, if there is one.
    pub const fn from_number(number: u8) -> Option<SecurityProfile> {
        match number {
            0 => Some(SecurityProfile::None),
            1 => Some(SecurityProfile::Basic),
            2 => Some(SecurityProfile::TlsBasic),
            3 => Some(SecurityProfile::TlsClientCertificate),
            _ => None,
        }
    }

    /// Whether a station of this profile must connect over TLS.
    pub const fn uses_tls(self) -> bool {
        matches!(
            self,
            SecurityProfile::TlsBasic | SecurityProfile::TlsClientCertificate
        )
    }

    /// Whether a station of this profile authenticates with a password.
    pub const fn uses_password(self) -> bool {
        matches!(self, SecurityProfile::Basic | SecurityProfile::TlsBasic)
    }
}

/// How a connection reached the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP (`ws://`).
    Plain,
    /// TLS (`wss://`).
    Tls {
        /// The common name of the client certificate the station presented, which the TLS
        /// layer verified against the listener's client roots; `None` without one.
        client_certificate: Option<String>,
    },
}

/// What a connection presents to be admitted as a station.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// How it connected.
    pub transport: &'a Transport,
    /// The user and password of its `Authorization: Basic` header, if it sent one.
    pub basic: Option<(&'a str, &'a str)>,
}

/// Why a connection was not admitted: logged and counted, never told to the station, which
/// gets the same answer for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// No station may connect at this address.
    #[error("unknown station")]
    UnknownStation,
    /// The profile needs TLS and the station connected without.
    #[error("the station's security profile needs TLS")]
    PlainTransport,
    /// The profile needs a client certificate naming the station, and there was none or it
    /// names another.
    #[error("no client certificate of the station")]
    CertificateMismatch,
    /// The profile needs Basic authentication and there was none.
    #[error("no Basic authentication")]
    NoCredentials,
    /// The Basic user is not the station identity.
    #[error("the Basic user is not the station identity")]
    WrongUser,
    /// The profile needs a password and none is stored for the station.
    #[error("no password stored for the station")]
    NoPassword,
    /// The password is not the station's.
    #[error("wrong password")]
    WrongPassword,
}

impl Denial {
    /// A label for metrics and logs.
    pub const fn label(self) -> &'static str {
        match self {
            Denial::UnknownStation => "unknown_station",
            Denial::PlainTransport => "plain_transport",
            Denial::CertificateMismatch => "certificate_mismatch",
            Denial::NoCredentials => "no_credentials",
            Denial::WrongUser => "wrong_user",
            Denial::NoPassword => "no_password",
            Denial::WrongPassword => "wrong_password",
        }
    }
}

/// Admits a connection as `identity` under `profile` (`password`: the station's stored
/// hash), or says why not.
///
/// A presented password is checked whenever the profile needs one and whenever the
/// connection is refused (against a stand-in hash when the station has none): a refusal
/// takes as long whatever its cause.
pub fn admit(
    profile: SecurityProfile,
    identity: &str,
    presented: &Presented<'_>,
    password: Option<&PasswordHash>,
) -> Result<(), Denial> {
    let without_password = admit_without_password(profile, identity, presented);
    if without_password.is_err() || profile.uses_password() {
        let matches = presented.basic.map(|(_, given)| match password {
            Some(hash) => hash.verify(given),
            None => {
                check_without_station(presented);
                false
            }
        });
        without_password?;
        if password.is_none() {
            return Err(Denial::NoPassword);
        }
        if matches != Some(true) {
            return Err(Denial::WrongPassword);
        }
    }
    Ok(())
}

/// Every rule of [`admit`] but the password's.
fn admit_without_password(
    profile: SecurityProfile,
    identity: &str,
    presented: &Presented<'_>,
) -> Result<(), Denial> {
    if profile.uses_tls() && *presented.transport == Transport::Plain {
        return Err(Denial::PlainTransport);
    }
    if profile == SecurityProfile::TlsClientCertificate {
        let certified = match presented.transport {
            Transport::Tls {
                client_certificate: Some(name),
            } => name == identity,
            _ => false,
        };
        if !certified {
            return Err(Denial::CertificateMismatch);
        }
    }
    if profile.uses_password() {
        let (user, _) = presented.basic.ok_or(Denial::NoCredentials)?;
        if user != identity {
            return Err(Denial::WrongUser);
        }
    }
    Ok(())
}

/// Checks a password as if it belonged to a station that has none, so that an unknown
/// identity costs what a wrong password does.
pub fn check_without_station(presented: &Presented<'_>) {
    if let (Some((_, given)), Some(hash)) = (presented.basic, stand_in_hash()) {
        let _ = hash.verify(given);
    }
}

/// A hash of no station's password, made once.
fn stand_in_hash() -> Option<&'static PasswordHash> {
    static HASH: OnceLock<Option<PasswordHash>> = OnceLock::new();
    HASH.get_or_init(|| PasswordHash::new("no station has this password").ok())
        .as_ref()
}

/// Limits of an [`AuthThrottle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failed attempts allowed for one identity within [`Self::window`] (default 10).
    pub per_identity: u32,
    /// Failed attempts allowed from one source address within [`Self::window`] (default
    /// 30: several stations may share an address behind a router).
    pub per_source: u32,
    /// The window in which failures count (default 60 s).
    pub window: Duration,
    /// How long an identity or address that reached its limit is refused (default 60 s).
    pub lockout: Duration,
    /// The most identities and addresses tracked, each (default 100,000); past it, new ones
    /// are not tracked until old ones expire, so memory stays bounded.
    pub capacity: usize,
}

impl Default for ThrottleLimits {
    fn default() -> ThrottleLimits {
        ThrottleLimits {
            per_identity: 10,
            per_source: 30,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(60),
            capacity: 100_000,
        }
    }
}

/// Failed authentication attempts, per identity and per source address: past a limit, an
/// identity or address is refused for a while without its credentials being checked.
///
/// Failures count for any identity, known or not, so throttling reveals nothing. An
/// attacker can lock a station out for [`ThrottleLimits::lockout`] by failing for its
/// identity; the lockout is short, and a station retries.
///
/// Checking a password takes a while, so an attacker could start many attempts at once,
/// all checked before the first failure counts. Attempts therefore go through
/// [`begin`](Self::begin), and those in progress count as failures to come: an identity
/// never has more attempts in progress than failures left before its lockout, and an
/// address that has failed once has no more in progress than it has failures left (one
/// that has not failed is not held back, so that the stations behind one router all
/// reconnect at once after an outage). Each begun attempt ends with [`failed`](Self::failed),
/// [`succeeded`](Self::succeeded) or [`abandoned`](Self::abandoned).
#[derive(Debug)]
pub struct AuthThrottle {
    limits: ThrottleLimits,
    identities: Failures<String>,
    sources: Failures<IpAddr>,
    identities_in_progress: HashMap<String, u32>,
    sources_in_progress: HashMap<IpAddr, u32>,
}

/// How long an attempt refused for the attempts in progress is told to wait.
const BUSY_WAIT: Duration = Duration::from_secs(1);

impl AuthThrottle {
    /// A throttle with `limits`.
    pub fn new(limits: ThrottleLimits) -> AuthThrottle {
        AuthThrottle {
            limits,
            identities: Failures::default(),
            sources: Failures::default(),
            identities_in_progress: HashMap::new(),
            sources_in_progress: HashMap::new(),
        }
    }

    /// `Err(wait)` while `identity` or `source` is locked out.
    pub fn check(&mut self, identity: &str, source: IpAddr, now: Instant) -> Result<(), Duration> {
        let identity = self.identities.locked(identity, now);
        let source = self.sources.locked(&source, now);
        match identity.max(source) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Begins an attempt of `identity` from `source`: `Err(wait)` while either is locked
    /// out, or while the attempts already in progress could use up what is left before
    /// the lockout (see the [type](Self)); else the attempt counts as in progress until it
    /// ends.
    pub fn begin(&mut self, identity: &str, source: IpAddr, now: Instant) -> Result<(), Duration> {
        self.check(identity, source, now)?;
        let limits = self.limits;
        let identity_failures = self.identities.recent(identity, now, &limits);
        let identity_busy = identity_failures
            + self
                .identities_in_progress
                .get(identity)
                .copied()
                .unwrap_or(0)
            >= limits.per_identity;
        let source_failures = self.sources.recent(&source, now, &limits);
        let source_busy = source_failures > 0
            && source_failures + self.sources_in_progress.get(&source).copied().unwrap_or(0)
                >= limits.per_source;
        if identity_busy || source_busy {
            return Err(BUSY_WAIT);
        }
        *self
            .identities_in_progress
            .entry(identity.to_owned())
            .or_default() += 1;
        *self.sources_in_progress.entry(source).or_default() += 1;
        Ok(())
    }

    /// Counts a failed attempt for `identity` from `source` (ending it, if it was begun).
    pub fn failed(&mut self, identity: &str, source: IpAddr, now: Instant) {
        self.abandoned(identity, source);
        let limits = self.limits;
        self.identities
            .fail(identity.to_owned(), limits.per_identity, &limits, now);
        self.sources.fail(source, limits.per_source, &limits, now);
    }

    /// Forgets the failures of `identity`, which just authenticated from `source` (ending
    /// its attempt, if it was begun).
    pub fn succeeded(&mut self, identity: &str, source: IpAddr) {
        self.abandoned(identity, source);
        self.identities.entries.remove(identity);
    }

    /// Ends an attempt begun with [`begin`](Self::begin) that came to no decision (the
    /// stations' storage could not be read, say): it counts neither way.
    pub fn abandoned(&mut self, identity: &str, source: IpAddr) {
        leave(&mut self.identities_in_progress, identity);
        leave(&mut self.sources_in_progress, &source);
    }
}

/// One attempt fewer in progress for `key`; none left, no entry, so the maps hold only
/// the attempts in progress.
fn leave<K, Q>(in_progress: &mut HashMap<K, u32>, key: &Q)
where
    K: Eq + Hash + std::borrow::Borrow<Q>,
    Q: Eq + Hash + ?Sized,
{
    if let Some(count) = in_progress.get_mut(key) {
        *count -= 1;
        if *count == 0 {
            in_progress.remove(key);
        }
    }
}

impl Default for AuthThrottle {
    fn default() -> AuthThrottle {
        AuthThrottle::new(ThrottleLimits::default())
    }
}

#[derive(Debug)]
struct Failures<K> {
    entries: HashMap<K, Record>,
}

impl<K> Default for Failures<K> {
    fn default() -> Failures<K> {
        Failures {
            entries: HashMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    since: Instant,
    count: u32,
    locked_until: Option<Instant>,
}

impl<K: Eq + Hash> Failures<K> {
    fn locked<Q>(&self, key: &Q, now: Instant) -> Option<Duration>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let until = self.entries.get(key)?.locked_until?;
        (until > now).then(|| until - now)
    }

    /// The failures of `key` in the current window (none once it passed).
    fn recent<Q>(&self, key: &Q, now: Instant, limits: &ThrottleLimits) -> u32
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.entries
            .get(key)
            .filter(|record| now.duration_since(record.since) < limits.window)
            .map_or(0, |record| record.count)
    }

    fn fail(&mut self, key: K, limit: u32, limits: &ThrottleLimits, now: Instant) {
        let expired = |record: &Record| {
            now.duration_since(record.since) >= limits.window
                && record.locked_until.is_none_or(|until| until <= now)
        };
        if self.entries.len() >= limits.capacity && !self.entries.contains_key(&key) {
            self.entries.retain(|_, record| !expired(record));
            if self.entries.len() >= limits.capacity {
                return;
            }
        }
        let record = self.entries.entry(key).or_insert(Record {
            since: now,
            count: 0,
            locked_until: None,
        });
        if expired(record) {
            *record = Record {
                since: now,
                count: 0,
                locked_until: None,
            };
        }
        if record.locked_until.is_some_and(|until| until > now) {
            return;
        }
        record.count += 1;
        if record.count >= limit {
            record.locked_until = Some(now + limits.lockout);
            record.since = now;
            record.count = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn hash() -> PasswordHash {
        PasswordHash::new("0123456789abcdef").unwrap()
    }

    type Case<'a> = (
        SecurityProfile,
        Presented<'a>,
        Option<&'a PasswordHash>,
        Result<(), Denial>,
    );

    #[test]
    fn each_profile_admits_only_what_it_requires() {
        let hash = hash();
        let plain = Transport::Plain;
        let tls = Transport::Tls {
            client_certificate: Option::None,
        };
        let certified = |name: &str| Transport::Tls {
            client_certificate: Some(name.to_owned()),
        };
        let (other, own) = (certified("CP-2"), certified("CP-1"));
        let right = Some(("CP-1", "0123456789abcdef"));
        let presented = |transport, basic| Presented { transport, basic };
        use SecurityProfile::*;
        let cases: &[Case<'_>] = &[
            (None, presented(&plain, Option::None), Option::None, Ok(())),
            (
                None,
                presented(&plain, Some(("x", "y"))),
                Option::None,
                Ok(()),
            ),
            (Basic, presented(&plain, right), Some(&hash), Ok(())),
            (Basic, presented(&tls, right), Some(&hash), Ok(())),
            (
                Basic,
                presented(&plain, Option::None),
                Some(&hash),
                Err(Denial::NoCredentials),
            ),
            (
                Basic,
                presented(&plain, Some(("CP-2", "0123456789abcdef"))),
                Some(&hash),
                Err(Denial::WrongUser),
            ),
            (
                Basic,
                presented(&plain, Some(("CP-1", "wrong"))),
                Some(&hash),
                Err(Denial::WrongPassword),
            ),
            (
                Basic,
                presented(&plain, right),
                Option::None,
                Err(Denial::NoPassword),
            ),
            (
                TlsBasic,
                presented(&plain, right),
                Some(&hash),
                Err(Denial::PlainTransport),
            ),
            (TlsBasic, presented(&tls, right), Some(&hash), Ok(())),
            (
                TlsBasic,
                presented(&tls, Option::None),
                Some(&hash),
                Err(Denial::NoCredentials),
            ),
            (
                TlsClientCertificate,
                presented(&plain, Option::None),
                Option::None,
                Err(Denial::PlainTransport),
            ),
            (
                TlsClientCertificate,
                presented(&tls, right),
                Some(&hash),
                Err(Denial::CertificateMismatch),
            ),
            (
                TlsClientCertificate,
                presented(&other, Option::None),
                Option::None,
                Err(Denial::CertificateMismatch),
            ),
            (
                TlsClientCertificate,
                presented(&own, Option::None),
                Option::None,
                Ok(()),
            ),
        ];
        for (profile, presented, password, expected) in cases {
            assert_eq!(
                admit(*profile, "CP-1", presented, *password),
                *expected,
                "{profile:?} {presented:?}"
            );
        }
    }

    #[test]
    fn profiles_round_trip_their_numbers() {
        for number in 0..4 {
            assert_eq!(
                SecurityProfile::from_number(number).unwrap().number(),
                number
            );
        }
        assert_eq!(SecurityProfile::from_number(4), Option::None);
    }

    #[test]
    fn failures_lock_an_identity_and_a_source_out_for_a_while() {
        let limits = ThrottleLimits {
            per_identity: 3,
            per_source: 5,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(30),
            capacity: 100,
        };
        let mut throttle = AuthThrottle::new(limits);
        let start = Instant::now();
        let here = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let there = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        for _ in 0..3 {
            assert_eq!(throttle.check("CP-1", here, start), Ok(()));
            throttle.failed("CP-1", here, start);
        }
        // The identity is locked, from anywhere; another identity from the same place is not.
        assert_eq!(
            throttle.check("CP-1", there, start),
            Err(Duration::from_secs(30))
        );
        assert_eq!(throttle.check("CP-2", here, start), Ok(()));
        // Two more failures from `here` lock the address for every identity.
        throttle.failed("CP-2", here, start);
        throttle.failed("CP-3", here, start);
        assert!(throttle.check("CP-4", here, start).is_err());
        assert_eq!(throttle.check("CP-4", there, start), Ok(()));
        // Failures while locked do not extend the lockout.
        throttle.failed("CP-1", there, start + Duration::from_secs(10));
        let later = start + Duration::from_secs(31);
        assert_eq!(throttle.check("CP-1", there, later), Ok(()));
        assert_eq!(throttle.check("CP-4", here, later), Ok(()));
        // Success forgets an identity's failures.
        throttle.failed("CP-1", there, later);
        throttle.failed("CP-1", there, later);
        throttle.succeeded("CP-1", there);
        throttle.failed("CP-1", there, later);
        assert_eq!(throttle.check("CP-1", there, later), Ok(()));
    }

    #[test]
    fn attempts_in_progress_count_as_failures_to_come() {
        let limits = ThrottleLimits {
            per_identity: 3,
            per_source: 5,
            ..ThrottleLimits::default()
        };
        let mut throttle = AuthThrottle::new(limits);
        let now = Instant::now();
        let here = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let there = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        // Three attempts at once on one identity, a fourth must wait.
        for _ in 0..3 {
            assert_eq!(throttle.begin("CP-1", here, now), Ok(()));
        }
        assert_eq!(throttle.begin("CP-1", there, now), Err(BUSY_WAIT));
        // One comes to nothing: its place is free again.
        throttle.abandoned("CP-1", here);
        assert_eq!(throttle.begin("CP-1", there, now), Ok(()));
        // The three left fail: locked out, the lockout's wait told.
        for source in [here, here, there] {
            throttle.failed("CP-1", source, now);
        }
        assert_eq!(throttle.begin("CP-1", there, now), Err(limits.lockout));
        assert!(throttle.identities_in_progress.is_empty());
        // An address that never failed is not held back by its attempts in progress
        // (stations behind one router reconnecting together).
        let router = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
        for n in 0..50 {
            assert_eq!(throttle.begin(&format!("R-{n}"), router, now), Ok(()));
        }
        for n in 0..50 {
            throttle.succeeded(&format!("R-{n}"), router);
        }
        // Once it failed, it has no more in progress than failures left.
        throttle.failed("X-0", router, now);
        for n in 1..5 {
            assert_eq!(throttle.begin(&format!("X-{n}"), router, now), Ok(()));
        }
        assert_eq!(throttle.begin("X-5", router, now), Err(BUSY_WAIT));
        for n in 1..5 {
            throttle.failed(&format!("X-{n}"), router, now);
        }
        assert_eq!(throttle.begin("X-6", router, now), Err(limits.lockout));
        assert!(throttle.sources_in_progress.is_empty());
    }

    #[test]
    fn the_throttle_keeps_at_most_its_capacity() {
        let limits = ThrottleLimits {
            capacity: 10,
            ..ThrottleLimits::default()
        };
        let mut throttle = AuthThrottle::new(limits);
        let now = Instant::now();
        for n in 0..1000u32 {
            throttle.failed(&n.to_string(), IpAddr::from(n.to_be_bytes()), now);
        }
        assert!(throttle.identities.entries.len() <= 10);
        assert!(throttle.sources.entries.len() <= 10);
        // Once the window passed, new failures are tracked again.
        let later = now + Duration::from_secs(61);
        throttle.failed("new", IpAddr::from([1, 2, 3, 4]), later);
        assert!(throttle.identities.entries.contains_key("new"));
    }
}
