//! OCPI `DateTime`: a UTC timestamp in RFC 3339 form.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use chrono::{NaiveDateTime, SecondsFormat, TimeZone, Utc};

use crate::validate::{Validate, Validator};

/// An OCPI `DateTime`: an instant in UTC.
///
/// Reading accepts what `types.asciidoc` allows (`2015-06-29T20:39:09Z`,
/// fractional seconds, and no designator at all, which means UTC) and also any
/// other RFC 3339 timestamp (a `+01:00` offset, a lower-case `t`, ...), converted
/// to UTC, and fields without their leading zero (`2025-8-14T10:37:48Z`), as some
/// partners send them. Such a deviation from the OCPI form is remembered and reported by
/// validation (an error in strict mode, a warning in lenient mode). Writing
/// always uses the OCPI form with `Z`, with fractional seconds only when there
/// are any.
///
/// Equality, ordering and hashing compare the instant only.
///
/// ```
/// use ocpi_types::common::DateTime;
/// use ocpi_types::{Mode, Validate};
///
/// let t: DateTime = serde_json::from_str(r#""2015-06-29T20:39:09""#).unwrap();
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#""2015-06-29T20:39:09Z""#);
/// let offset: DateTime = serde_json::from_str(r#""2015-06-29T22:39:09+02:00""#).unwrap();
/// assert_eq!(t, offset);
/// assert!(!offset.validate(Mode::Strict).is_ok());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct DateTime {
    utc: chrono::DateTime<Utc>,
    deviation: Option<Deviation>,
}

/// How a timestamp that was read deviates from the OCPI form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deviation {
    /// A numeric UTC offset (seconds east of UTC), even `+00:00`.
    Offset(i32),
    /// Longer than string(25).
    TooLong(usize),
    /// A separator other than `T` or a lower-case `z`.
    Notation,
    /// A month, day, hour, minute or second of one digit (`2025-8-14T9:05:00Z`).
    Unpadded,
}

impl DateTime {
    /// Wraps a UTC instant.
    pub fn from_utc(utc: chrono::DateTime<Utc>) -> Self {
        DateTime {
            utc,
            deviation: None,
        }
    }

    /// The instant.
    pub fn utc(&self) -> chrono::DateTime<Utc> {
        self.utc
    }

    /// Reads an OCPI (or other RFC 3339) timestamp.
    pub fn parse(text: &str) -> Result<Self, crate::Error> {
        let invalid = || crate::Error::InvalidDateTime(text.to_owned());
        let len = text.chars().count();
        let notation_ok = text.as_bytes().get(10) == Some(&b'T') && !text.ends_with('z');
        if let Ok(fixed) = chrono::DateTime::parse_from_rfc3339(text) {
            let zulu = text.ends_with(['Z', 'z']);
            let deviation = if !zulu {
                Some(Deviation::Offset(fixed.offset().local_minus_utc()))
            } else if len > 25 {
                Some(Deviation::TooLong(len))
            } else if !notation_ok {
                Some(Deviation::Notation)
            } else {
                None
            };
            return Ok(DateTime {
                utc: fixed.with_timezone(&Utc),
                deviation,
            });
        }
        let naive = match NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dt%H:%M:%S%.f"))
        {
            Ok(naive) => naive,
            Err(_) => {
                // What partners send: fields without their leading zero.
                let padded = zero_padded(text).ok_or_else(invalid)?;
                let read = DateTime::parse(&padded).map_err(|_| invalid())?;
                return Ok(DateTime {
                    utc: read.utc,
                    deviation: Some(Deviation::Unpadded),
                });
            }
        };
        let deviation = if len > 25 {
            Some(Deviation::TooLong(len))
        } else if !notation_ok {
            Some(Deviation::Notation)
        } else {
            None
        };
        Ok(DateTime {
            utc: Utc.from_utc_datetime(&naive),
            deviation,
        })
    }

    /// The OCPI text form, e.g. `2015-06-29T20:39:09Z`.
    pub fn to_ocpi_string(&self) -> String {
        self.utc.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

/// `text` with one-digit months, days, hours, minutes and seconds given their leading zero
/// (`2025-8-14T9:5:0Z` is `2025-08-14T09:05:00Z`); `None` when it is not a timestamp of that
/// shape or nothing lacks a zero. The fraction and the designator or offset are kept.
fn zero_padded(text: &str) -> Option<String> {
    let sep = text.find(['T', 't'])?;
    let (date, rest) = (&text[..sep], &text[sep + 1..]);
    // The time runs up to the fraction, the designator or the offset.
    let time_end = rest.find(['.', 'Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, tail) = (&rest[..time_end], &rest[time_end..]);
    let mut date_parts = date.split('-');
    let year = date_parts.next()?;
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if year.len() != 4 || !digits(year, 4) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 6);
    out.push_str(year);
    let mut padded = false;
    let mut push = |out: &mut String, part: &str| -> Option<()> {
        if !digits(part, 2) {
            return None;
        }
        if part.len() == 1 {
            out.push('0');
            padded = true;
        }
        out.push_str(part);
        Some(())
    };
    for _ in 0..2 {
        out.push('-');
        push(&mut out, date_parts.next()?)?;
    }
    if date_parts.next().is_some() {
        return None;
    }
    out.push_str(&text[sep..=sep]);
    let mut time_parts = time.split(':');
    for i in 0..3 {
        if i > 0 {
            out.push(':');
        }
        push(&mut out, time_parts.next()?)?;
    }
    if time_parts.next().is_some() || !padded {
        return None;
    }
    out.push_str(tail);
    Some(out)
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(utc: chrono::DateTime<Utc>) -> Self {
        DateTime::from_utc(utc)
    }
}

impl From<DateTime> for chrono::DateTime<Utc> {
    fn from(t: DateTime) -> Self {
        t.utc
    }
}

impl std::str::FromStr for DateTime {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTime::parse(s)
    }
}

impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        self.utc == other.utc
    }
}

impl Eq for DateTime {}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.utc.cmp(&other.utc)
    }
}

impl Hash for DateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.utc.hash(state);
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_ocpi_string())
    }
}

impl serde::Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_ocpi_string())
    }
}

impl<'de> serde::Deserialize<'de> for DateTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(d)?;
        DateTime::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Validate for DateTime {
    fn validate_at(&self, v: &mut Validator) {
        match self.deviation {
            None => {}
            Some(Deviation::Offset(seconds)) => v.violation(format!(
                "timestamp has a UTC offset of {}{:02}:{:02}; OCPI timestamps are UTC, written with 'Z' or without designator",
                if seconds < 0 { '-' } else { '+' },
                seconds.abs() / 3600,
                seconds.abs() % 3600 / 60
            )),
            Some(Deviation::TooLong(len)) => v.violation(format!(
                "timestamp is {len} characters long; OCPI allows string(25)"
            )),
            Some(Deviation::Notation) => v.violation(
                "timestamp must use an upper-case 'T' separator and 'Z' designator",
            ),
            Some(Deviation::Unpadded) => v.violation(
                "timestamp has a month, day, hour, minute or second without its leading zero",
            ),
        }
    }
}

impl schemars::JsonSchema for DateTime {
    fn schema_name() -> Cow<'static, str> {
        "DateTime".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "maxLength": 25,
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mode;

    #[test]
    fn fields_without_leading_zeros_are_read_and_reported() {
        let t = DateTime::parse("2025-8-14T10:37:48Z").expect("reads");
        assert_eq!(t.to_ocpi_string(), "2025-08-14T10:37:48Z");
        let report = t.validate(Mode::Lenient);
        assert!(report.is_ok());
        assert_eq!(report.warnings.len(), 1, "{report:?}");
        assert!(
            t.validate(Mode::Strict).errors[0]
                .message
                .contains("leading zero")
        );

        for (text, expected) in [
            ("2025-8-4T9:5:7Z", "2025-08-04T09:05:07Z"),
            ("2025-12-4T10:37:48", "2025-12-04T10:37:48Z"),
            ("2025-8-14T10:37:48.25Z", "2025-08-14T10:37:48.250Z"),
            ("2025-8-14T12:37:48+02:00", "2025-08-14T10:37:48Z"),
        ] {
            let t = DateTime::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.to_ocpi_string(), expected, "{text}");
        }
        let json: DateTime = serde_json::from_str(r#""2025-8-14T10:37:48Z""#).expect("JSON");
        assert_eq!(json, t_utc("2025-08-14T10:37:48Z"));
    }

    #[test]
    fn what_is_no_timestamp_stays_an_error() {
        for text in [
            "2025-8-14",
            "2025-8-14T10:37",
            "25-8-14T10:37:48Z",
            "2025-123-14T10:37:48Z",
            "2025-8-14T10:37:48:00Z",
            "2025-13-14T10:37:48Z",
            "2025-8-14 10:37:48Z",
            "",
        ] {
            assert!(DateTime::parse(text).is_err(), "{text}");
        }
    }

    fn t_utc(text: &str) -> DateTime {
        DateTime::parse(text).expect("timestamp")
    }
}
