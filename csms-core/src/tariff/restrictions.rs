//! Tariff restrictions, read once and evaluated at an instant.
//!
//! Each restriction is evaluated on its own at the start of a slice of the session (the
//! session is first cut wherever a restriction can start or stop holding, see
//! [`periods`](super::periods)), and the element is active when all of them hold:
//!
//! - `start_time`/`end_time`: the local time of day `t` holds when `start_time <= t <
//!   end_time`; when `end_time < start_time` the window wraps past midnight (`t >= start_time
//!   or t < end_time`); `end_time` `00:00` means the end of the day; equal times mean the whole
//!   day. With only one of them, the window is open on the other side.
//! - `day_of_week`: the local day of the instant, so a window `22:00`-`06:00` restricted to
//!   `FRIDAY` covers Friday 22:00-24:00 and Friday 00:00-06:00, not Saturday morning (each
//!   restriction is evaluated independently, as the specification's logical AND says).
//! - `start_date` (inclusive) and `end_date` (exclusive): the local date of the instant.
//! - `min_kwh` (inclusive) and `max_kwh` (exclusive): the energy charged in the session before
//!   the instant.
//! - `min_duration` (inclusive) and `max_duration` (exclusive): seconds since the charging
//!   session started, that is since the first period that is not reservation time (for
//!   reservation time: since the reservation started).
//! - `min_power`/`min_current` hold when the lowest power (current) of the period is at least
//!   the limit, `max_power`/`max_current` when the highest is below it. A period gives its
//!   lowest and highest value with the `MIN_*`/`MAX_*` dimensions (one stands in for the other
//!   when only one is given); without power dimensions the average power (energy / charging
//!   time) is used; without current dimensions a current restriction does not hold, with a
//!   warning. Parking and reservation time draw no power and no current.
//! - `reservation`: elements with `RESERVATION` price reservation time only, and elements
//!   without it never price reservation time. When the reservation expired (the CDR has
//!   reservation time and nothing else), `RESERVATION_EXPIRES` elements come first, then
//!   `RESERVATION` elements, so the note of the specification holds whatever their order.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use ocpi_types::v221::tariffs::{DayOfWeek, ReservationRestrictionType, TariffRestrictions};
use rust_decimal::Decimal;

use super::TariffError;

/// Which reservation costs an element describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReservationKind {
    /// No `reservation` restriction: the element prices the charging session.
    None,
    /// `RESERVATION`.
    Reservation,
    /// `RESERVATION_EXPIRES`.
    Expires,
}

/// The restrictions of one element, parsed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Restrictions {
    pub(crate) start_time: Option<NaiveTime>,
    pub(crate) end_time: Option<NaiveTime>,
    pub(crate) start_date: Option<NaiveDate>,
    pub(crate) end_date: Option<NaiveDate>,
    pub(crate) min_kwh: Option<Decimal>,
    pub(crate) max_kwh: Option<Decimal>,
    pub(crate) min_current: Option<Decimal>,
    pub(crate) max_current: Option<Decimal>,
    pub(crate) min_power: Option<Decimal>,
    pub(crate) max_power: Option<Decimal>,
    pub(crate) min_duration: Option<i64>,
    pub(crate) max_duration: Option<i64>,
    /// Bit `n` set: active on weekday `n` (Monday = 0). Zero: every day.
    pub(crate) days: u8,
}

/// What an element's restrictions are evaluated against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Moment {
    /// Local date and time of the instant, when the tariff needs it.
    pub(crate) local: Option<NaiveDateTime>,
    /// Energy charged before the instant, in kWh.
    pub(crate) kwh_before: Decimal,
    /// Nanoseconds since the (charging or reservation) session started.
    pub(crate) elapsed_ns: i128,
    /// Lowest and highest power in kW.
    pub(crate) power: Option<(Decimal, Decimal)>,
    /// Lowest and highest current in A.
    pub(crate) current: Option<(Decimal, Decimal)>,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holds {
    Yes,
    No,
    /// Does not hold because a current was needed and none was measured.
    NoCurrent,
}

fn parse_time(text: &str, path: String) -> Result<NaiveTime, TariffError> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| TariffError::InvalidTariff {
        path,
        message: format!("{text:?} is not a time of day HH:MM"),
    })
}

fn parse_date(text: &str, path: String) -> Result<NaiveDate, TariffError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| TariffError::InvalidTariff {
        path,
        message: format!("{text:?} is not a date YYYY-MM-DD"),
    })
}

fn day_bit(day: &DayOfWeek, path: String) -> Result<u8, TariffError> {
    let n = match day {
        DayOfWeek::Monday => 0,
        DayOfWeek::Tuesday => 1,
        DayOfWeek::Wednesday => 2,
        DayOfWeek::Thursday => 3,
        DayOfWeek::Friday => 4,
        DayOfWeek::Saturday => 5,
        DayOfWeek::Sunday => 6,
        DayOfWeek::NonStandard(other) => {
            return Err(TariffError::InvalidTariff {
                path,
                message: format!("{other:?} is not a day of the week"),
            });
        }
    };
    Ok(1 << n)
}

impl Restrictions {
    /// Reads the restrictions of element `index`.
    pub(crate) fn read(
        r: &TariffRestrictions,
        index: usize,
    ) -> Result<(Self, ReservationKind), TariffError> {
        let at = |field: &str| format!("$.elements[{index}].restrictions.{field}");
        let mut days = 0;
        for (i, day) in r.day_of_week.iter().enumerate() {
            days |= day_bit(day, at(&format!("day_of_week[{i}]")))?;
        }
        let reservation = match &r.reservation {
            None => ReservationKind::None,
            Some(ReservationRestrictionType::Reservation) => ReservationKind::Reservation,
            Some(ReservationRestrictionType::ReservationExpires) => ReservationKind::Expires,
            Some(ReservationRestrictionType::NonStandard(other)) => {
                return Err(TariffError::InvalidTariff {
                    path: at("reservation"),
                    message: format!("{other:?} is not a reservation restriction"),
                });
            }
        };
        let restrictions = Restrictions {
            start_time: match &r.start_time {
                Some(t) => Some(parse_time(t.as_str(), at("start_time"))?),
                None => None,
            },
            end_time: match &r.end_time {
                Some(t) => Some(parse_time(t.as_str(), at("end_time"))?),
                None => None,
            },
            start_date: match &r.start_date {
                Some(d) => Some(parse_date(d.as_str(), at("start_date"))?),
                None => None,
            },
            end_date: match &r.end_date {
                Some(d) => Some(parse_date(d.as_str(), at("end_date"))?),
                None => None,
            },
            min_kwh: r.min_kwh,
            max_kwh: r.max_kwh,
            min_current: r.min_current,
            max_current: r.max_current,
            min_power: r.min_power,
            max_power: r.max_power,
            min_duration: r.min_duration,
            max_duration: r.max_duration,
            days,
        };
        Ok((restrictions, reservation))
    }

    /// `true` when a restriction depends on the local time (so a time zone is needed).
    pub(crate) fn uses_local_time(&self) -> bool {
        self.start_time.is_some()
            || self.end_time.is_some()
            || self.start_date.is_some()
            || self.end_date.is_some()
            || self.days != 0
    }

    /// Evaluates every restriction at `m`.
    pub(crate) fn holds(&self, m: &Moment) -> Holds {
        if let Some(local) = m.local {
            if !self.time_of_day_holds(local.time()) {
                return Holds::No;
            }
            let date = local.date();
            if self.days != 0 && self.days & (1 << weekday_index(date.weekday())) == 0 {
                return Holds::No;
            }
            if self.start_date.is_some_and(|d| date < d) || self.end_date.is_some_and(|d| date >= d)
            {
                return Holds::No;
            }
        }
        if self.min_kwh.is_some_and(|k| m.kwh_before < k)
            || self.max_kwh.is_some_and(|k| m.kwh_before >= k)
        {
            return Holds::No;
        }
        let elapsed = m.elapsed_ns;
        if self
            .min_duration
            .is_some_and(|s| elapsed < i128::from(s) * 1_000_000_000)
            || self
                .max_duration
                .is_some_and(|s| elapsed >= i128::from(s) * 1_000_000_000)
        {
            return Holds::No;
        }
        if self.min_power.is_some() || self.max_power.is_some() {
            match m.power {
                Some((lo, hi)) => {
                    if self.min_power.is_some_and(|p| lo < p)
                        || self.max_power.is_some_and(|p| hi >= p)
                    {
                        return Holds::No;
                    }
                }
                None => return Holds::No,
            }
        }
        if self.min_current.is_some() || self.max_current.is_some() {
            match m.current {
                Some((lo, hi)) => {
                    if self.min_current.is_some_and(|a| lo < a)
                        || self.max_current.is_some_and(|a| hi >= a)
                    {
                        return Holds::No;
                    }
                }
                None => return Holds::NoCurrent,
            }
        }
        Holds::Yes
    }

    fn time_of_day_holds(&self, t: NaiveTime) -> bool {
        match (self.start_time, self.end_time) {
            (None, None) => true,
            (Some(start), None) => t >= start,
            (None, Some(end)) => end == NaiveTime::MIN || t < end,
            (Some(start), Some(end)) if start == end => true,
            (Some(start), Some(end)) if end == NaiveTime::MIN => t >= start,
            (Some(start), Some(end)) if start < end => t >= start && t < end,
            (Some(start), Some(end)) => t >= start || t < end,
        }
    }
}

fn weekday_index(day: Weekday) -> u32 {
    day.num_days_from_monday()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hh: u32, mm: u32) -> Moment {
        // 2024-01-05 is a Friday.
        let local = NaiveDate::from_ymd_opt(2024, 1, 5)
            .and_then(|d| d.and_hms_opt(hh, mm, 0))
            .expect("valid");
        Moment {
            local: Some(local),
            kwh_before: Decimal::ZERO,
            elapsed_ns: 0,
            power: None,
            current: None,
        }
    }

    fn window(start: &str, end: &str) -> Restrictions {
        Restrictions {
            start_time: Some(parse_time(start, String::new()).expect("time")),
            end_time: Some(parse_time(end, String::new()).expect("time")),
            ..Restrictions::default()
        }
    }

    #[test]
    fn windows_wrap_past_midnight() {
        let night = window("22:00", "06:00");
        assert_eq!(night.holds(&at(23, 0)), Holds::Yes);
        assert_eq!(night.holds(&at(5, 59)), Holds::Yes);
        assert_eq!(night.holds(&at(6, 0)), Holds::No);
        assert_eq!(night.holds(&at(21, 59)), Holds::No);
    }

    #[test]
    fn midnight_ends_the_day_and_equal_times_cover_it() {
        let evening = window("20:00", "00:00");
        assert_eq!(evening.holds(&at(23, 59)), Holds::Yes);
        assert_eq!(evening.holds(&at(0, 0)), Holds::No);
        assert_eq!(window("08:00", "08:00").holds(&at(3, 0)), Holds::Yes);
    }

    #[test]
    fn days_and_dates_use_the_local_date() {
        let weekend = Restrictions {
            days: 0b110_0000,
            ..Restrictions::default()
        };
        assert_eq!(weekend.holds(&at(12, 0)), Holds::No);
        let friday = Restrictions {
            days: 0b1_0000,
            start_date: NaiveDate::from_ymd_opt(2024, 1, 5),
            end_date: NaiveDate::from_ymd_opt(2024, 1, 6),
            ..Restrictions::default()
        };
        assert_eq!(friday.holds(&at(12, 0)), Holds::Yes);
    }

    #[test]
    fn a_current_restriction_without_current_does_not_hold() {
        let r = Restrictions {
            max_current: Some(Decimal::from(32)),
            ..Restrictions::default()
        };
        assert_eq!(r.holds(&at(12, 0)), Holds::NoCurrent);
        let with = Moment {
            current: Some((Decimal::from(10), Decimal::from(16))),
            ..at(12, 0)
        };
        assert_eq!(r.holds(&with), Holds::Yes);
    }
}
