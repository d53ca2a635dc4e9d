//! The authorization decision: may this token charge at this station now?
//!
//! [`authorize`] is plain code over values (the token, the station, the time, what the token
//! has used and how many sessions it has running); [`Authorization::to_v16`] and
//! [`Authorization::to_v201`] give the answers of the two versions.
//!
//! The checks, in order (the first that fails decides):
//!
//! 1. unknown token → [`AuthStatus::Unknown`];
//! 2. the token's status: blocked, expired, invalid → that status;
//! 3. its expiry (`expires_at` at or before now) → [`AuthStatus::Expired`];
//! 4. where: with `stations` or `station_groups` restricted, the station must be one of the
//!    listed stations **or** belong to one of the listed groups → [`AuthStatus::NotAtThisLocation`];
//! 5. when: with `time_windows`, the local time (in the token's time zone, else the tenant's)
//!    must fall in one of them → [`AuthStatus::NotAtThisTime`];
//! 6. how many sessions it has running → [`AuthStatus::ConcurrentTx`];
//! 7. its usage counters (energy and amount per day and per month, counted in the same time
//!    zone, a counter of an earlier day or month counting as zero) → [`AuthStatus::NoCredit`].
//!
//! `max_duration_minutes` is not an authorization matter (it limits a running session) and is
//! not checked here. An accepted token carries its [`SessionLimit`]: what its day and month
//! leave of its energy and amount limits, and its longest session, for a station that can
//! hold a session to them (OCPP 2.1 `transactionLimit`).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{Station, TimeWindow, Token, TokenStatus, TokenUsage};
use ocpp_types::{v16, v21, v201};

/// The outcome of an authorization, in the words of OCPP 2.0.1 (which has them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthStatus {
    /// It may charge.
    Accepted,
    /// The operator blocked it.
    Blocked,
    /// It expired.
    Expired,
    /// It is not valid (lost, withdrawn).
    Invalid,
    /// Nobody issued it (not a token of the tenant).
    Unknown,
    /// It has as many sessions running as it may.
    ConcurrentTx,
    /// It may not charge at this station.
    NotAtThisLocation,
    /// It may not charge at this time.
    NotAtThisTime,
    /// It used up an energy or amount limit.
    NoCredit,
}

/// The restriction that refused a token, when one did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailedRestriction {
    /// The station is neither among its stations nor in its station groups.
    Station,
    /// Now is in none of its time windows.
    TimeWindow,
    /// `max_concurrent_sessions`.
    ConcurrentSessions,
    /// `max_energy_kwh_per_day`.
    EnergyPerDay,
    /// `max_energy_kwh_per_month`.
    EnergyPerMonth,
    /// `max_amount_per_day`.
    AmountPerDay,
    /// `max_amount_per_month`.
    AmountPerMonth,
    /// Its time zone is not an IANA name, so its time windows and day counters cannot be
    /// read: refused rather than guessed.
    TimeZone,
}

/// What [`authorize`] decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    /// The outcome.
    pub status: AuthStatus,
    /// The restriction that refused it, if one did.
    pub failed: Option<FailedRestriction>,
    /// Until when the answer may be cached: the token's expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// The token's group (1.6 parentIdTag, 2.0.1 groupIdToken).
    pub group: Option<String>,
    /// What one session of an accepted token may use at most (nothing when refused).
    #[serde(default)]
    pub limit: SessionLimit,
}

/// What one session of a token may use at most: the least of what its day and month leave of
/// its energy and amount limits, and its longest session. `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLimit {
    /// Energy, in Wh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub energy_wh: Option<Decimal>,
    /// Amount, in the tenant's currency.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub amount: Option<Decimal>,
    /// Duration, in seconds.
    pub duration_secs: Option<u32>,
}

impl SessionLimit {
    /// Whether it limits nothing.
    pub fn is_none(&self) -> bool {
        *self == SessionLimit::default()
    }

    /// The OCPP 2.1 `transactionLimit`, when it limits anything.
    pub fn to_v21(&self) -> Option<v21::TransactionLimit> {
        if self.is_none() {
            return None;
        }
        Some(v21::TransactionLimit {
            max_cost: self.amount,
            max_energy: self.energy_wh,
            max_time: self
                .duration_secs
                .map(|secs| i32::try_from(secs).unwrap_or(i32::MAX)),
            ..Default::default()
        })
    }
}

impl Authorization {
    /// Whether the token may charge.
    pub fn is_accepted(&self) -> bool {
        self.status == AuthStatus::Accepted
    }

    /// The answer for an unknown token.
    pub fn unknown() -> Authorization {
        Authorization {
            status: AuthStatus::Unknown,
            failed: None,
            expires_at: None,
            group: None,
            limit: SessionLimit::default(),
        }
    }

    /// The OCPP 1.6 `idTagInfo`. 1.6 has fewer statuses: an unknown token is `Invalid`, and
    /// a known token refused by a restriction (location, time, credit) is `Blocked`.
    pub fn to_v16(&self) -> v16::IdTagInfo {
        let status = match self.status {
            AuthStatus::Accepted => v16::AuthorizationStatus::Accepted,
            AuthStatus::Blocked
            | AuthStatus::NotAtThisLocation
            | AuthStatus::NotAtThisTime
            | AuthStatus::NoCredit => v16::AuthorizationStatus::Blocked,
            AuthStatus::Expired => v16::AuthorizationStatus::Expired,
            AuthStatus::Invalid | AuthStatus::Unknown => v16::AuthorizationStatus::Invalid,
            AuthStatus::ConcurrentTx => v16::AuthorizationStatus::ConcurrentTx,
        };
        v16::IdTagInfo {
            expiry_date: self.expires_at,
            parent_id_tag: self.group.clone(),
            status,
        }
    }

    /// The OCPP 2.0.1 `idTokenInfo`: the group as a `Central` id token.
    pub fn to_v201(&self) -> v201::IdTokenInfo {
        let status = match self.status {
            AuthStatus::Accepted => v201::AuthorizationStatus::Accepted,
            AuthStatus::Blocked => v201::AuthorizationStatus::Blocked,
            AuthStatus::Expired => v201::AuthorizationStatus::Expired,
            AuthStatus::Invalid => v201::AuthorizationStatus::Invalid,
            AuthStatus::Unknown => v201::AuthorizationStatus::Unknown,
            AuthStatus::ConcurrentTx => v201::AuthorizationStatus::ConcurrentTx,
            AuthStatus::NotAtThisLocation => v201::AuthorizationStatus::NotAtThisLocation,
            AuthStatus::NotAtThisTime => v201::AuthorizationStatus::NotAtThisTime,
            AuthStatus::NoCredit => v201::AuthorizationStatus::NoCredit,
        };
        let mut info = v201::IdTokenInfo::new(status);
        info.cache_expiry_date_time = self.expires_at;
        info.group_id_token = self
            .group
            .as_ref()
            .map(|group| v201::IdToken::new(group.clone(), v201::IdTokenEnum::Central));
        info
    }

    /// The OCPP 2.1 `idTokenInfo`: as in 2.0.1.
    pub fn to_v21(&self) -> v21::IdTokenInfo {
        let status = match self.status {
            AuthStatus::Accepted => v21::AuthorizationStatus::Accepted,
            AuthStatus::Blocked => v21::AuthorizationStatus::Blocked,
            AuthStatus::Expired => v21::AuthorizationStatus::Expired,
            AuthStatus::Invalid => v21::AuthorizationStatus::Invalid,
            AuthStatus::Unknown => v21::AuthorizationStatus::Unknown,
            AuthStatus::ConcurrentTx => v21::AuthorizationStatus::ConcurrentTx,
            AuthStatus::NotAtThisLocation => v21::AuthorizationStatus::NotAtThisLocation,
            AuthStatus::NotAtThisTime => v21::AuthorizationStatus::NotAtThisTime,
            AuthStatus::NoCredit => v21::AuthorizationStatus::NoCredit,
        };
        let mut info = v21::IdTokenInfo::new(status);
        info.cache_expiry_date_time = self.expires_at;
        info.group_id_token = self
            .group
            .as_ref()
            .map(|group| v21::IdToken::new(group.clone(), "Central"));
        info
    }
}

/// What the decision looks at besides the token.
#[derive(Debug, Clone, Copy)]
pub struct AuthContext<'a> {
    /// The station the token is presented at.
    pub station: &'a Station,
    /// Now.
    pub now: DateTime<Utc>,
    /// The tenant's time zone (IANA name), used when the token names none.
    pub tenant_time_zone: &'a str,
    /// How many sessions the token has running (not counting the one being started).
    pub running_sessions: u32,
}

/// Decides whether `token` (`None`: nobody issued it) may charge. See the module docs for
/// the order of the checks.
pub fn authorize(token: Option<&Token>, ctx: &AuthContext<'_>) -> Authorization {
    let Some(token) = token else {
        return Authorization::unknown();
    };
    let decided = |status, failed| Authorization {
        status,
        failed,
        expires_at: token.expires_at,
        group: token.group_id.clone(),
        limit: SessionLimit::default(),
    };
    match token.status {
        TokenStatus::Accepted => {}
        TokenStatus::Blocked => return decided(AuthStatus::Blocked, None),
        TokenStatus::Expired => return decided(AuthStatus::Expired, None),
        TokenStatus::Invalid => return decided(AuthStatus::Invalid, None),
    }
    if token.expires_at.is_some_and(|expiry| expiry <= ctx.now) {
        return decided(AuthStatus::Expired, None);
    }
    let rules = &token.restrictions;
    if !rules.stations.is_empty() || !rules.station_groups.is_empty() {
        let listed = rules.stations.contains(&ctx.station.id);
        let in_group = ctx
            .station
            .group
            .as_ref()
            .is_some_and(|group| rules.station_groups.contains(group));
        if !listed && !in_group {
            return decided(
                AuthStatus::NotAtThisLocation,
                Some(FailedRestriction::Station),
            );
        }
    }
    let zone_name = rules.time_zone.as_deref().unwrap_or(ctx.tenant_time_zone);
    let needs_zone = !rules.time_windows.is_empty()
        || rules.max_energy_kwh_per_day.is_some()
        || rules.max_energy_kwh_per_month.is_some()
        || rules.max_amount_per_day.is_some()
        || rules.max_amount_per_month.is_some();
    let zone: Option<Tz> = zone_name.trim().parse().ok();
    if needs_zone && zone.is_none() {
        return decided(AuthStatus::Invalid, Some(FailedRestriction::TimeZone));
    }
    let local = zone.map(|zone| ctx.now.with_timezone(&zone).naive_local());
    if let Some(local) = local
        && !rules.time_windows.is_empty()
        && !rules
            .time_windows
            .iter()
            .any(|window| in_window(window, local.date(), local.time()))
    {
        return decided(
            AuthStatus::NotAtThisTime,
            Some(FailedRestriction::TimeWindow),
        );
    }
    if let Some(max) = rules.max_concurrent_sessions
        && ctx.running_sessions >= max
    {
        return decided(
            AuthStatus::ConcurrentTx,
            Some(FailedRestriction::ConcurrentSessions),
        );
    }
    let mut limit = SessionLimit {
        duration_secs: rules
            .max_duration_minutes
            .map(|minutes| minutes.saturating_mul(60)),
        ..SessionLimit::default()
    };
    if let Some(local) = local {
        let today = local.date();
        let counters = UsageToday::of(&token.usage, today);
        let limits = [
            (
                rules.max_energy_kwh_per_day,
                counters.energy_day,
                FailedRestriction::EnergyPerDay,
            ),
            (
                rules.max_energy_kwh_per_month,
                counters.energy_month,
                FailedRestriction::EnergyPerMonth,
            ),
            (
                rules.max_amount_per_day,
                counters.amount_day,
                FailedRestriction::AmountPerDay,
            ),
            (
                rules.max_amount_per_month,
                counters.amount_month,
                FailedRestriction::AmountPerMonth,
            ),
        ];
        for (max, used, restriction) in limits {
            if let Some(max) = max
                && used >= max
            {
                return decided(AuthStatus::NoCredit, Some(restriction));
            }
        }
        let left = |limits: [(Option<Decimal>, Decimal); 2]| {
            limits
                .into_iter()
                .filter_map(|(max, used)| max.and_then(|max| max.checked_sub(used)))
                .min()
        };
        limit.energy_wh = left([
            (rules.max_energy_kwh_per_day, counters.energy_day),
            (rules.max_energy_kwh_per_month, counters.energy_month),
        ])
        .and_then(|kwh| kwh.checked_mul(Decimal::ONE_THOUSAND));
        limit.amount = left([
            (rules.max_amount_per_day, counters.amount_day),
            (rules.max_amount_per_month, counters.amount_month),
        ]);
    }
    Authorization {
        limit,
        ..decided(AuthStatus::Accepted, None)
    }
}

/// A token's counters as they stand on a given local day: those of an earlier day or month
/// count as zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UsageToday {
    energy_day: Decimal,
    energy_month: Decimal,
    amount_day: Decimal,
    amount_month: Decimal,
}

impl UsageToday {
    fn of(usage: &TokenUsage, today: NaiveDate) -> UsageToday {
        let same_day = usage.day == Some(today);
        let same_month = usage.month == Some(first_of_month(today));
        UsageToday {
            energy_day: if same_day {
                usage.energy_kwh_day
            } else {
                Decimal::ZERO
            },
            amount_day: if same_day {
                usage.amount_day
            } else {
                Decimal::ZERO
            },
            energy_month: if same_month {
                usage.energy_kwh_month
            } else {
                Decimal::ZERO
            },
            amount_month: if same_month {
                usage.amount_month
            } else {
                Decimal::ZERO
            },
        }
    }
}

/// The first day of `day`'s month.
fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Whether the local `date` and `time` fall in `window`: a window starts on one of its days
/// (every day when none are listed); one whose end is before its start runs past midnight
/// into the next day; one whose end equals its start lasts 24 hours.
pub fn in_window(window: &TimeWindow, date: NaiveDate, time: NaiveTime) -> bool {
    let starts_on = |day: NaiveDate| window.days.is_empty() || window.days.contains(&day.weekday());
    let yesterday = date - Duration::days(1);
    if window.start < window.end {
        starts_on(date) && time >= window.start && time < window.end
    } else {
        // Past midnight (or a full day when start == end).
        (starts_on(date) && time >= window.start) || (starts_on(yesterday) && time < window.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        NewToken, RegistrationStatus, StationId, TenantId, TokenId, TokenKind, TokenRestrictions,
    };
    use chrono::{TimeZone, Weekday};

    fn station(group: Option<&str>) -> Station {
        Station {
            id: StationId(7),
            tenant_id: TenantId(1),
            location_id: None,
            identity: "CP-7".into(),
            group: group.map(str::to_owned),
            vendor: None,
            model: None,
            serial_number: None,
            firmware_version: None,
            ocpp_version: None,
            security_profile: 0,
            credentials_hash: None,
            registration: RegistrationStatus::Accepted,
            online: true,
            node: None,
            last_boot_at: None,
            last_heartbeat: None,
            last_seen: None,
            created_at: Utc::now(),
        }
    }

    fn token(restrictions: TokenRestrictions) -> Token {
        let new = NewToken::accepted("TAG", TokenKind::Rfid);
        Token {
            id: TokenId(3),
            tenant_id: TenantId(1),
            uid: new.uid,
            kind: new.kind,
            status: new.status,
            expires_at: None,
            group_id: Some("FLEET".into()),
            visual_id: None,
            owner: None,
            vehicle_id: None,
            restrictions,
            usage: TokenUsage::default(),
            created_at: Utc::now(),
        }
    }

    // Monday 2026-03-02 12:00 UTC = 13:00 in Amsterdam.
    fn monday_noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
    }

    fn ctx(station: &Station, now: DateTime<Utc>) -> AuthContext<'_> {
        AuthContext {
            station,
            now,
            tenant_time_zone: "Europe/Amsterdam",
            running_sessions: 0,
        }
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn unknown_and_status_tokens() {
        let st = station(None);
        let c = ctx(&st, monday_noon());
        assert_eq!(authorize(None, &c).status, AuthStatus::Unknown);
        let mut t = token(TokenRestrictions::default());
        let ok = authorize(Some(&t), &c);
        assert_eq!(ok.status, AuthStatus::Accepted);
        assert_eq!(ok.group.as_deref(), Some("FLEET"));
        t.status = TokenStatus::Blocked;
        assert_eq!(authorize(Some(&t), &c).status, AuthStatus::Blocked);
        t.status = TokenStatus::Invalid;
        assert_eq!(authorize(Some(&t), &c).status, AuthStatus::Invalid);
        t.status = TokenStatus::Accepted;
        t.expires_at = Some(monday_noon());
        let expired = authorize(Some(&t), &c);
        assert_eq!(expired.status, AuthStatus::Expired);
        assert_eq!(expired.expires_at, Some(monday_noon()));
        t.expires_at = Some(monday_noon() + Duration::seconds(1));
        assert!(authorize(Some(&t), &c).is_accepted());
    }

    #[test]
    fn stations_and_groups() {
        let rules = TokenRestrictions {
            stations: vec![StationId(8)],
            station_groups: vec!["depot".into()],
            ..TokenRestrictions::default()
        };
        let t = token(rules);
        let elsewhere = station(Some("street"));
        let refused = authorize(Some(&t), &ctx(&elsewhere, monday_noon()));
        assert_eq!(refused.status, AuthStatus::NotAtThisLocation);
        assert_eq!(refused.failed, Some(FailedRestriction::Station));
        let depot = station(Some("depot"));
        assert!(authorize(Some(&t), &ctx(&depot, monday_noon())).is_accepted());
        let mut listed = station(None);
        listed.id = StationId(8);
        assert!(authorize(Some(&t), &ctx(&listed, monday_noon())).is_accepted());
    }

    #[test]
    fn time_windows_in_the_token_zone() {
        // Weekdays 08:00-13:30 local.
        let window = TimeWindow {
            days: vec![Weekday::Mon, Weekday::Tue],
            start: hm(8, 0),
            end: hm(13, 30),
        };
        let mut rules = TokenRestrictions {
            time_windows: vec![window],
            ..TokenRestrictions::default()
        };
        let st = station(None);
        // 13:00 in Amsterdam (tenant zone): inside.
        assert!(authorize(Some(&token(rules.clone())), &ctx(&st, monday_noon())).is_accepted());
        // 14:00 in Helsinki (token zone): outside.
        rules.time_zone = Some("Europe/Helsinki".into());
        let refused = authorize(Some(&token(rules.clone())), &ctx(&st, monday_noon()));
        assert_eq!(refused.status, AuthStatus::NotAtThisTime);
        assert_eq!(refused.failed, Some(FailedRestriction::TimeWindow));
        // A zone that is not one refuses.
        rules.time_zone = Some("Mars/Olympus".into());
        let refused = authorize(Some(&token(rules)), &ctx(&st, monday_noon()));
        assert_eq!(refused.failed, Some(FailedRestriction::TimeZone));
    }

    #[test]
    fn windows_past_midnight() {
        let night = TimeWindow {
            days: vec![Weekday::Fri],
            start: hm(22, 0),
            end: hm(6, 0),
        };
        let fri = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
        let sat = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert!(in_window(&night, fri, hm(23, 0)));
        assert!(in_window(&night, sat, hm(5, 59)));
        assert!(!in_window(&night, sat, hm(6, 0)));
        assert!(!in_window(&night, sat, hm(23, 0)));
        assert!(!in_window(&night, fri, hm(5, 0)));
        let all_day = TimeWindow {
            days: vec![],
            start: hm(0, 0),
            end: hm(0, 0),
        };
        assert!(in_window(&all_day, sat, hm(13, 0)));
    }

    #[test]
    fn concurrent_sessions() {
        let rules = TokenRestrictions {
            max_concurrent_sessions: Some(1),
            ..TokenRestrictions::default()
        };
        let t = token(rules);
        let st = station(None);
        let mut c = ctx(&st, monday_noon());
        assert!(authorize(Some(&t), &c).is_accepted());
        c.running_sessions = 1;
        let refused = authorize(Some(&t), &c);
        assert_eq!(refused.status, AuthStatus::ConcurrentTx);
        assert_eq!(
            refused.to_v16().status,
            v16::AuthorizationStatus::ConcurrentTx
        );
    }

    #[test]
    fn usage_limits_count_only_the_current_day_and_month() {
        let rules = TokenRestrictions {
            max_energy_kwh_per_day: Some(Decimal::from(20)),
            max_amount_per_month: Some(Decimal::from(100)),
            ..TokenRestrictions::default()
        };
        let mut t = token(rules);
        let st = station(None);
        let c = ctx(&st, monday_noon());
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        t.usage
            .record(Decimal::from(20), Decimal::from(5), today, monday_noon());
        let refused = authorize(Some(&t), &c);
        assert_eq!(refused.status, AuthStatus::NoCredit);
        assert_eq!(refused.failed, Some(FailedRestriction::EnergyPerDay));
        // Tomorrow the day counter is spent no more.
        let tomorrow = ctx(&st, monday_noon() + Duration::days(1));
        assert!(authorize(Some(&t), &tomorrow).is_accepted());
        // The month's amount adds up over days.
        let yesterday = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let mut u = TokenUsage::default();
        u.record(Decimal::ONE, Decimal::from(60), yesterday, monday_noon());
        u.record(Decimal::ONE, Decimal::from(40), today, monday_noon());
        assert_eq!(u.amount_month, Decimal::from(100));
        assert_eq!(u.amount_day, Decimal::from(40));
        t.usage = u;
        let refused = authorize(Some(&t), &c);
        assert_eq!(refused.failed, Some(FailedRestriction::AmountPerMonth));
        // Next month starts again.
        let april = ctx(&st, Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).unwrap());
        assert!(authorize(Some(&t), &april).is_accepted());
    }

    #[test]
    fn an_accepted_token_carries_what_its_limits_leave() {
        let rules = TokenRestrictions {
            max_energy_kwh_per_day: Some(Decimal::from(20)),
            max_energy_kwh_per_month: Some(Decimal::from(100)),
            max_amount_per_month: Some(Decimal::from(50)),
            max_duration_minutes: Some(90),
            ..TokenRestrictions::default()
        };
        let mut t = token(rules);
        let st = station(None);
        let c = ctx(&st, monday_noon());
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let yesterday = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        // 85 kWh this month, 5 of them today: the month leaves 15 kWh, the day 15 too; the
        // month's amount leaves 50 - 32.5.
        t.usage.record(
            Decimal::from(80),
            Decimal::from(30),
            yesterday,
            monday_noon(),
        );
        t.usage
            .record(Decimal::from(5), Decimal::new(25, 1), today, monday_noon());
        let accepted = authorize(Some(&t), &c);
        assert!(accepted.is_accepted());
        let limit = accepted.limit;
        assert_eq!(limit.energy_wh, Some(Decimal::from(15_000)));
        assert_eq!(limit.amount, Some(Decimal::new(175, 1)));
        assert_eq!(limit.duration_secs, Some(5400));
        let wire = limit.to_v21().expect("a limit");
        assert_eq!(wire.max_energy, Some(Decimal::from(15_000)));
        assert_eq!(wire.max_time, Some(5400));
        // The day's limit is the tighter one after a day of more charging.
        t.usage
            .record(Decimal::from(12), Decimal::ZERO, today, monday_noon());
        assert_eq!(
            authorize(Some(&t), &c).limit.energy_wh,
            Some(Decimal::from(3_000))
        );
        // No limits, no transactionLimit; a refused token carries none.
        let free = token(TokenRestrictions::default());
        assert!(authorize(Some(&free), &c).limit.to_v21().is_none());
        t.usage
            .record(Decimal::from(3), Decimal::ZERO, today, monday_noon());
        let refused = authorize(Some(&t), &c);
        assert_eq!(refused.status, AuthStatus::NoCredit);
        assert!(refused.limit.is_none());
    }

    #[test]
    fn answers_of_both_versions() {
        let expiry = monday_noon() + Duration::days(30);
        let auth = Authorization {
            status: AuthStatus::NotAtThisTime,
            failed: Some(FailedRestriction::TimeWindow),
            expires_at: Some(expiry),
            group: Some("FLEET".into()),
            limit: SessionLimit::default(),
        };
        let v16 = auth.to_v16();
        assert_eq!(v16.status, v16::AuthorizationStatus::Blocked);
        assert_eq!(v16.expiry_date, Some(expiry));
        assert_eq!(v16.parent_id_tag.as_deref(), Some("FLEET"));
        let v201 = auth.to_v201();
        assert_eq!(v201.status, v201::AuthorizationStatus::NotAtThisTime);
        assert_eq!(v201.cache_expiry_date_time, Some(expiry));
        assert_eq!(
            v201.group_id_token.map(|group| group.id_token),
            Some("FLEET".to_owned())
        );
        let unknown = Authorization::unknown();
        assert_eq!(unknown.to_v16().status, v16::AuthorizationStatus::Invalid);
        assert_eq!(unknown.to_v201().status, v201::AuthorizationStatus::Unknown);
    }
}
