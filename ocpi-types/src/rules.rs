//! Cross-field rules: what the specification states in words about how the
//! fields of an object relate. Like every other rule, a broken one is an error
//! in [`Mode::Strict`](crate::Mode::Strict) and a warning in
//! [`Mode::Lenient`](crate::Mode::Lenient); the finding carries the path of
//! the member that breaks it.
//!
//! | Object | Rule | Reported at | Source |
//! |---|---|---|---|
//! | Location | `publish_allowed_to` may only be used when `publish` is `false` | `publish_allowed_to` | Location object |
//! | PublishTokenType | at least one of `uid`, `visual_number`, `group_id` | the entry | PublishTokenType class |
//! | PublishTokenType | `uid` needs `type` | `type` | PublishTokenType class |
//! | PublishTokenType | `visual_number` needs `issuer` | `issuer` | PublishTokenType class |
//! | Hours | `twentyfourseven = true`: no `regular_hours` | `regular_hours` | Hours class |
//! | Hours | `twentyfourseven = false`: at least one `regular_hours` | `regular_hours` | Hours class |
//! | RegularHours | `period_end` later than `period_begin` (no exception for midnight: this is the rule of the RegularHours class; the wrap-around and `00:00` as end of day belong to TariffRestrictions) | `period_end` | RegularHours class |
//! | ExceptionalPeriod | `period_end` later than `period_begin` | `period_end` | implied by begin/end |
//! | StatusSchedule | `period_end`, when set, not before `period_begin` | `period_end` | implied by begin/end |
//! | Tariff | `end_date_time` not before `start_date_time` | `end_date_time` | implied |
//! | Tariff | `min_price` not above `max_price` (excluding VAT, and including VAT when both give it) | `max_price` | min/max price notes |
//! | TariffRestrictions | `min_kwh` ≤ `max_kwh`, `min_current` ≤ `max_current`, `min_power` ≤ `max_power`, `min_duration` ≤ `max_duration` | the `max_` member | inclusive minimum, exclusive maximum |
//! | TariffRestrictions | `start_date` not after `end_date` (`start_time`/`end_time` may wrap around midnight and are not compared) | `end_date` | TariffRestrictions class |
//! | TariffRestrictions | energy, current, power and durations not negative | the member | amounts and durations |
//! | Session | `end_date_time`, when set, not before `start_date_time` | `end_date_time` | implied |
//! | Session, CDR | charging periods in order of `start_date_time` ("a period ends when the next period starts") | `charging_periods` | ChargingPeriod class |
//! | CDR | `end_date_time` not before `start_date_time`, unless one is `1970-01-01T00:00:00Z`, the value the specification prescribes for an unknown start or end | `end_date_time` | CDR object and its note |
//! | CDR | `credit = true` needs `credit_reference_id` | `credit_reference_id` | CDR object |
//! | CDR | `total_parking_time` not above `total_time` | `total_parking_time` | note on `total_charging_time` |
//! | CDR | no session-only dimensions (`CURRENT`, `ENERGY_EXPORT`, `ENERGY_IMPORT`, `POWER`, `STATE_OF_CHARGE`) in its charging periods | the dimension's `type` | CdrDimensionType enum |
//! | CdrDimension | `STATE_OF_CHARGE` between 0 and 100 | `volume` | CdrDimensionType enum |
//! | StartSession | `connector_id` needs `evse_uid` | `evse_uid` | StartSession object |
//!
//! The OCPI 2.1.1 objects follow the same rules where they have the fields
//! (Session `end_datetime`, CDR `stop_date_time`, TariffRestrictions, charging
//! periods; Hours and its classes are shared).
//!
//! When an object is read as a [partial object](crate::partial), a rule that
//! involves a missing or undecodable member is not checked.

use std::fmt::Display;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use crate::common::{DateTime, LocalDate, LocalTime, Price};
use crate::validate::Validator;
use crate::{v211, v221};

pub(crate) fn location(l: &v221::Location, v: &mut Validator) {
    if l.publish && !l.publish_allowed_to.is_empty() {
        v.rule(
            &["publish", "publish_allowed_to"],
            "publish_allowed_to",
            "may only be used when `publish` is false",
        );
    }
}

pub(crate) fn publish_token(t: &v221::PublishTokenType, v: &mut Validator) {
    if t.uid.is_none() && t.visual_number.is_none() && t.group_id.is_none() {
        v.rule(
            &["uid", "visual_number", "group_id"],
            "",
            "at least one of `uid`, `visual_number` or `group_id` must be set",
        );
    }
    if t.uid.is_some() && t.r#type.is_none() {
        v.rule(&["uid", "type"], "type", "must be set when `uid` is set");
    }
    if t.visual_number.is_some() && t.issuer.is_none() {
        v.rule(
            &["visual_number", "issuer"],
            "issuer",
            "must be set when `visual_number` is set",
        );
    }
}

pub(crate) fn hours(h: &v221::Hours, v: &mut Validator) {
    let involved = ["twentyfourseven", "regular_hours"];
    if h.twentyfourseven && !h.regular_hours.is_empty() {
        v.rule(
            &involved,
            "regular_hours",
            "must be absent when `twentyfourseven` is true",
        );
    }
    if !h.twentyfourseven && h.regular_hours.is_empty() {
        v.rule(
            &involved,
            "regular_hours",
            "must hold at least one RegularHours when `twentyfourseven` is false",
        );
    }
}

pub(crate) fn regular_hours(r: &v221::RegularHours, v: &mut Validator) {
    if let Some((begin, end)) = local_times(&r.period_begin, &r.period_end) {
        if end <= begin {
            v.rule(
                &["period_begin", "period_end"],
                "period_end",
                format!("{end} must be later than period_begin {begin}"),
            );
        }
    }
}

pub(crate) fn exceptional_period(p: &v221::ExceptionalPeriod, v: &mut Validator) {
    if p.period_end <= p.period_begin {
        v.rule(
            &["period_begin", "period_end"],
            "period_end",
            format!(
                "{} must be later than period_begin {}",
                p.period_end, p.period_begin
            ),
        );
    }
}

pub(crate) fn status_schedule(s: &v221::StatusSchedule, v: &mut Validator) {
    if let Some(end) = &s.period_end {
        not_before(v, &s.period_begin, end, "period_begin", "period_end");
    }
}

pub(crate) fn tariff(t: &v221::Tariff, v: &mut Validator) {
    if let (Some(start), Some(end)) = (&t.start_date_time, &t.end_date_time) {
        not_before(v, start, end, "start_date_time", "end_date_time");
    }
    if let (Some(min), Some(max)) = (&t.min_price, &t.max_price) {
        prices(v, min, max);
    }
}

fn prices(v: &mut Validator, min: &Price, max: &Price) {
    let involved = ["min_price", "max_price"];
    if min.excl_vat > max.excl_vat {
        v.rule(
            &involved,
            "max_price",
            format!(
                "excl_vat {} is below min_price excl_vat {}",
                max.excl_vat, min.excl_vat
            ),
        );
    }
    if let (Some(min), Some(max)) = (min.incl_vat, max.incl_vat) {
        if min > max {
            v.rule(
                &involved,
                "max_price",
                format!("incl_vat {max} is below min_price incl_vat {min}"),
            );
        }
    }
}

pub(crate) fn tariff_restrictions(r: &v221::TariffRestrictions, v: &mut Validator) {
    dates(v, &r.start_date, &r.end_date);
    range(v, r.min_kwh, r.max_kwh, "min_kwh", "max_kwh");
    range(
        v,
        r.min_current,
        r.max_current,
        "min_current",
        "max_current",
    );
    range(v, r.min_power, r.max_power, "min_power", "max_power");
    range(
        v,
        r.min_duration,
        r.max_duration,
        "min_duration",
        "max_duration",
    );
    for (value, name) in [
        (r.min_kwh, "min_kwh"),
        (r.max_kwh, "max_kwh"),
        (r.min_current, "min_current"),
        (r.max_current, "max_current"),
        (r.min_power, "min_power"),
        (r.max_power, "max_power"),
    ] {
        non_negative(v, value, Decimal::ZERO, name);
    }
    non_negative(v, r.min_duration, 0, "min_duration");
    non_negative(v, r.max_duration, 0, "max_duration");
}

pub(crate) fn tariff_restrictions_211(r: &v211::TariffRestrictions, v: &mut Validator) {
    dates(v, &r.start_date, &r.end_date);
    range(v, r.min_kwh, r.max_kwh, "min_kwh", "max_kwh");
    range(v, r.min_power, r.max_power, "min_power", "max_power");
    range(
        v,
        r.min_duration,
        r.max_duration,
        "min_duration",
        "max_duration",
    );
    for (value, name) in [
        (r.min_kwh, "min_kwh"),
        (r.max_kwh, "max_kwh"),
        (r.min_power, "min_power"),
        (r.max_power, "max_power"),
    ] {
        non_negative(v, value, Decimal::ZERO, name);
    }
    non_negative(v, r.min_duration, 0, "min_duration");
    non_negative(v, r.max_duration, 0, "max_duration");
}

pub(crate) fn session(s: &v221::Session, v: &mut Validator) {
    if let Some(end) = &s.end_date_time {
        not_before(
            v,
            &s.start_date_time,
            end,
            "start_date_time",
            "end_date_time",
        );
    }
    periods_in_order(v, s.charging_periods.iter().map(|p| &p.start_date_time));
}

pub(crate) fn session_211(s: &v211::Session, v: &mut Validator) {
    if let Some(end) = &s.end_datetime {
        not_before(v, &s.start_datetime, end, "start_datetime", "end_datetime");
    }
    periods_in_order(v, s.charging_periods.iter().map(|p| &p.start_date_time));
}

pub(crate) fn cdr(c: &v221::Cdr, v: &mut Validator) {
    if !is_unknown_time(&c.start_date_time) && !is_unknown_time(&c.end_date_time) {
        not_before(
            v,
            &c.start_date_time,
            &c.end_date_time,
            "start_date_time",
            "end_date_time",
        );
    }
    if c.credit == Some(true) && c.credit_reference_id.is_none() {
        v.rule(
            &["credit", "credit_reference_id"],
            "credit_reference_id",
            "is required for a Credit CDR (`credit` is true)",
        );
    }
    parking_time(v, c.total_parking_time, c.total_time);
    periods_in_order(v, c.charging_periods.iter().map(|p| &p.start_date_time));
    session_only_dimensions(v, &c.charging_periods);
}

fn session_only_dimensions(v: &mut Validator, periods: &[v221::ChargingPeriod]) {
    use v221::CdrDimensionType as D;
    for (i, period) in periods.iter().enumerate() {
        for (j, dimension) in period.dimensions.iter().enumerate() {
            let session_only = matches!(
                dimension.r#type,
                D::Current | D::EnergyExport | D::EnergyImport | D::Power | D::StateOfCharge
            );
            if session_only {
                let message = format!(
                    "{} may only be used in Sessions, not in CDRs",
                    dimension.r#type
                );
                v.field("charging_periods", |v| {
                    v.index(i, |v| {
                        v.field("dimensions", |v| {
                            v.index(j, |v| v.rule(&["type"], "type", message));
                        });
                    });
                });
            }
        }
    }
}

pub(crate) fn cdr_dimension(d: &v221::CdrDimension, v: &mut Validator) {
    let percent = Decimal::ZERO..=Decimal::ONE_HUNDRED;
    if d.r#type == v221::CdrDimensionType::StateOfCharge && !percent.contains(&d.volume) {
        v.rule(
            &["type", "volume"],
            "volume",
            format!("a state of charge is 0 to 100 percent, got {}", d.volume),
        );
    }
}

pub(crate) fn start_session(s: &v221::StartSession, v: &mut Validator) {
    if s.connector_id.is_some() && s.evse_uid.is_none() {
        v.rule(
            &["connector_id", "evse_uid"],
            "evse_uid",
            "is required when `connector_id` is set",
        );
    }
}

pub(crate) fn cdr_211(c: &v211::Cdr, v: &mut Validator) {
    if !is_unknown_time(&c.start_date_time) && !is_unknown_time(&c.stop_date_time) {
        not_before(
            v,
            &c.start_date_time,
            &c.stop_date_time,
            "start_date_time",
            "stop_date_time",
        );
    }
    parking_time(v, c.total_parking_time, c.total_time);
    periods_in_order(v, c.charging_periods.iter().map(|p| &p.start_date_time));
}

fn parking_time(v: &mut Validator, parking: Option<Decimal>, total: Decimal) {
    if let Some(parking) = parking {
        if parking > total {
            v.rule(
                &["total_parking_time", "total_time"],
                "total_parking_time",
                format!("{parking} h is more than total_time {total} h"),
            );
        }
    }
}

/// `1970-01-01T00:00:00Z`: what a CPO sends for an unknown CDR start or end.
fn is_unknown_time(t: &DateTime) -> bool {
    t.utc() == Utc.timestamp_opt(0, 0).single().unwrap_or_default()
}

fn not_before(
    v: &mut Validator,
    start: &DateTime,
    end: &DateTime,
    start_name: &str,
    end_name: &str,
) {
    if end < start {
        v.rule(
            &[start_name, end_name],
            end_name,
            format!("{end} is before {start_name} {start}"),
        );
    }
}

fn periods_in_order<'a>(v: &mut Validator, starts: impl Iterator<Item = &'a DateTime>) {
    let mut previous: Option<&DateTime> = None;
    for (i, start) in starts.enumerate() {
        if let Some(before) = previous {
            if start < before {
                v.rule(
                    &["charging_periods"],
                    "charging_periods",
                    format!(
                        "period {i} starts at {start}, before the previous period ({before}); \
                         periods must be in order"
                    ),
                );
            }
        }
        previous = Some(start);
    }
}

fn range<T: PartialOrd + Display>(
    v: &mut Validator,
    min: Option<T>,
    max: Option<T>,
    min_name: &str,
    max_name: &str,
) {
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            v.rule(
                &[min_name, max_name],
                max_name,
                format!("{max} is less than {min_name} {min}"),
            );
        }
    }
}

fn non_negative<T: PartialOrd + Display>(v: &mut Validator, value: Option<T>, zero: T, name: &str) {
    if let Some(value) = value {
        if value < zero {
            v.rule(&[name], name, format!("must not be negative, got {value}"));
        }
    }
}

fn dates(v: &mut Validator, start: &Option<LocalDate>, end: &Option<LocalDate>) {
    if let (Some(start), Some(end)) = (start, end) {
        // Well-formed dates (YYYY-MM-DD) compare as text.
        if start.is_well_formed() && end.is_well_formed() && end.as_str() < start.as_str() {
            v.rule(
                &["start_date", "end_date"],
                "end_date",
                format!("{end} is before start_date {start}"),
            );
        }
    }
}

/// Both times when both are well-formed (HH:MM compares as text).
fn local_times<'a>(begin: &'a LocalTime, end: &'a LocalTime) -> Option<(&'a str, &'a str)> {
    (begin.is_well_formed() && end.is_well_formed()).then(|| (begin.as_str(), end.as_str()))
}
