//! Authorization tokens: what a driver presents (a card, an app, a contract, a car) and the
//! rules on its use.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::station::StationId;
use super::tenant::TenantId;
use super::user::UserId;
use super::vehicle::VehicleId;

id_type!(
    /// The identifier of a token.
    TokenId
);

text_enum!(
    /// How a token is presented.
    TokenKind {
        /// An RFID card (ISO 14443, MIFARE): the uid is the card's UID in hex.
        Rfid = "RFID",
        /// An app or a remote start: the uid is chosen by the app's back end.
        App = "APP",
        /// An ISO 15118 contract certificate (Plug & Charge): the uid is the eMAID.
        Iso15118Contract = "ISO15118_CONTRACT",
        /// Autocharge: the uid is the vehicle's VIN or MAC address.
        Autocharge = "AUTOCHARGE",
        /// A token of a roaming partner (OCPI), copied to us.
        Roaming = "ROAMING",
        /// A temporary token (a guest, a one-off), normally with an expiry.
        Temporary = "TEMPORARY",
    }
);

text_enum!(
    /// Whether a token may start charging.
    TokenStatus {
        /// It may.
        Accepted = "accepted",
        /// It was blocked by the operator.
        Blocked = "blocked",
        /// It expired.
        Expired = "expired",
        /// It is not valid (for example, reported lost).
        Invalid = "invalid",
    }
);

/// A recurring period on some days of the week, between two local times.
///
/// An `end` before `start` runs over midnight into the next day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// The days it starts on; every day when empty.
    pub days: Vec<Weekday>,
    /// Local start time.
    pub start: NaiveTime,
    /// Local end time (exclusive).
    pub end: NaiveTime,
}

/// Limits on a token's use. Empty lists and `None` mean "no limit".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRestrictions {
    /// The only stations it may charge at.
    #[serde(default)]
    pub stations: Vec<StationId>,
    /// The only station groups it may charge at (the group names of stations).
    #[serde(default)]
    pub station_groups: Vec<String>,
    /// When it may start charging.
    #[serde(default)]
    pub time_windows: Vec<TimeWindow>,
    /// The IANA time zone of `time_windows`; the tenant's when `None`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// How many sessions it may have running at once.
    #[serde(default)]
    pub max_concurrent_sessions: Option<u32>,
    /// Energy per calendar day, in kWh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub max_energy_kwh_per_day: Option<Decimal>,
    /// Energy per calendar month, in kWh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub max_energy_kwh_per_month: Option<Decimal>,
    /// Amount per calendar day, in the tenant's currency.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub max_amount_per_day: Option<Decimal>,
    /// Amount per calendar month, in the tenant's currency.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub max_amount_per_month: Option<Decimal>,
    /// Longest session, in minutes.
    #[serde(default)]
    pub max_duration_minutes: Option<u32>,
}

/// What a token has used, counted against its [`TokenRestrictions`].
///
/// The day and month counters belong to `day` and `month`; counting on a later day starts
/// them again from zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Sessions started, ever.
    pub sessions: u64,
    /// The day the day counters belong to.
    pub day: Option<NaiveDate>,
    /// Energy on `day`, in kWh.
    #[serde(with = "ocpi_types::common::number")]
    pub energy_kwh_day: Decimal,
    /// Amount on `day`.
    #[serde(with = "ocpi_types::common::number")]
    pub amount_day: Decimal,
    /// The first day of the month the month counters belong to.
    pub month: Option<NaiveDate>,
    /// Energy in `month`, in kWh.
    #[serde(with = "ocpi_types::common::number")]
    pub energy_kwh_month: Decimal,
    /// Amount in `month`.
    #[serde(with = "ocpi_types::common::number")]
    pub amount_month: Decimal,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenUsage {
    /// Counts `energy_kwh` and `amount` used at `at`, on the local `day` of the token's time
    /// zone. A later day (or month) than the counters' starts them again from zero; an
    /// earlier one (a late report) counts only in the counters it still belongs to.
    ///
    /// The counters saturate at the largest decimal instead of overflowing: a counter that
    /// high has used up any limit, which is what it is read for.
    pub fn record(
        &mut self,
        energy_kwh: Decimal,
        amount: Decimal,
        day: NaiveDate,
        at: DateTime<Utc>,
    ) {
        let month = day.with_day(1).unwrap_or(day);
        match self.day {
            Some(current) if current == day => {
                self.energy_kwh_day = self.energy_kwh_day.saturating_add(energy_kwh);
                self.amount_day = self.amount_day.saturating_add(amount);
            }
            Some(current) if current > day => {}
            _ => {
                self.day = Some(day);
                self.energy_kwh_day = energy_kwh;
                self.amount_day = amount;
            }
        }
        match self.month {
            Some(current) if current == month => {
                self.energy_kwh_month = self.energy_kwh_month.saturating_add(energy_kwh);
                self.amount_month = self.amount_month.saturating_add(amount);
            }
            Some(current) if current > month => {}
            _ => {
                self.month = Some(month);
                self.energy_kwh_month = energy_kwh;
                self.amount_month = amount;
            }
        }
        if self.last_used_at.is_none_or(|last| last < at) {
            self.last_used_at = Some(at);
        }
    }

    /// Counts a session started at `at`.
    pub fn record_session(&mut self, at: DateTime<Utc>) {
        self.sessions = self.sessions.saturating_add(1);
        if self.last_used_at.is_none_or(|last| last < at) {
            self.last_used_at = Some(at);
        }
    }
}

/// An authorization token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Its identifier.
    pub id: TokenId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The value presented (1.6 idTag, 2.0.1 idToken), unique within the tenant.
    pub uid: String,
    /// How it is presented.
    pub kind: TokenKind,
    /// Whether it may charge.
    pub status: TokenStatus,
    /// When it stops being valid, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// Its group (1.6 parentIdTag, 2.0.1 groupIdToken): tokens of one group may stop each
    /// other's sessions.
    pub group_id: Option<String>,
    /// What is printed on it.
    pub visual_id: Option<String>,
    /// The user (or renter) it belongs to.
    pub owner: Option<UserId>,
    /// The vehicle it belongs to (Autocharge, contracts).
    pub vehicle_id: Option<VehicleId>,
    /// Limits on its use.
    pub restrictions: TokenRestrictions,
    /// What it has used.
    pub usage: TokenUsage,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What it takes to create a [`Token`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    /// The value presented.
    pub uid: String,
    /// How it is presented.
    pub kind: TokenKind,
    /// Whether it may charge.
    pub status: TokenStatus,
    /// When it stops being valid.
    pub expires_at: Option<DateTime<Utc>>,
    /// Its group.
    pub group_id: Option<String>,
    /// What is printed on it.
    pub visual_id: Option<String>,
    /// Its user or renter.
    pub owner: Option<UserId>,
    /// Its vehicle.
    pub vehicle_id: Option<VehicleId>,
    /// Limits on its use.
    pub restrictions: TokenRestrictions,
}

impl NewToken {
    /// An accepted token of `kind` with no expiry, owner or restrictions.
    pub fn accepted(uid: impl Into<String>, kind: TokenKind) -> NewToken {
        NewToken {
            uid: uid.into(),
            kind,
            status: TokenStatus::Accepted,
            expires_at: None,
            group_id: None,
            visual_id: None,
            owner: None,
            vehicle_id: None,
            restrictions: TokenRestrictions::default(),
        }
    }
}

/// Which tokens to list; every field narrows, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenFilter {
    /// Of this user or renter.
    pub owner: Option<UserId>,
    /// With this status.
    pub status: Option<TokenStatus>,
    /// Whose uid starts with this (case matters).
    pub uid_prefix: Option<String>,
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use rust_decimal::Decimal;

    use super::TokenUsage;

    fn day(d: u32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
    }

    #[test]
    fn counters_follow_days_and_months() {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
            .single()
            .expect("time");
        let mut usage = TokenUsage::default();
        usage.record(Decimal::new(10, 0), Decimal::new(3, 0), day(1, 3), at);
        usage.record(Decimal::new(5, 0), Decimal::new(1, 0), day(1, 3), at);
        assert_eq!(usage.energy_kwh_day, Decimal::new(15, 0));
        assert_eq!(usage.amount_month, Decimal::new(4, 0));
        assert_eq!(usage.month, Some(day(1, 3)));

        usage.record(Decimal::new(2, 0), Decimal::ONE, day(2, 3), at);
        assert_eq!(usage.day, Some(day(2, 3)));
        assert_eq!(usage.energy_kwh_day, Decimal::new(2, 0));
        assert_eq!(usage.energy_kwh_month, Decimal::new(17, 0));

        // A late report of the day before counts in the month only.
        usage.record(Decimal::ONE, Decimal::ONE, day(1, 3), at);
        assert_eq!(usage.energy_kwh_day, Decimal::new(2, 0));
        assert_eq!(usage.energy_kwh_month, Decimal::new(18, 0));

        usage.record(Decimal::ONE, Decimal::ONE, day(1, 4), at);
        assert_eq!(usage.month, Some(day(1, 4)));
        assert_eq!(usage.energy_kwh_month, Decimal::ONE);
        assert_eq!(usage.amount_day, Decimal::ONE);
        assert_eq!(usage.last_used_at, Some(at));
    }

    #[test]
    fn counters_saturate_instead_of_overflowing() {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
            .single()
            .expect("time");
        let mut usage = TokenUsage::default();
        usage.record(Decimal::MAX, Decimal::MAX, day(1, 3), at);
        usage.record(Decimal::MAX, Decimal::MAX, day(1, 3), at);
        usage.record(Decimal::MIN, Decimal::ONE, day(1, 3), at);
        assert_eq!(usage.energy_kwh_month, Decimal::ZERO);
        assert_eq!(usage.amount_day, Decimal::MAX);
        assert_eq!(usage.amount_month, Decimal::MAX);
    }
}
