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
/// to UTC. Such a deviation from the OCPI form is remembered and reported by
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
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dt%H:%M:%S%.f"))
            .map_err(|_| invalid())?;
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
