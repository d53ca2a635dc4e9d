//! [`WireValue`] for the leaf types of the schemas: strings, booleans, integers, exact
//! decimals, timestamps, arrays and optional values.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::state;
use super::{Read, WireValue, Write};
use crate::validate::{PathSegment, ViolationKind};

impl WireValue for String {
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)
    }
    fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

impl WireValue for bool {
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        bool::deserialize(deserializer)
    }
    fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(*self)
    }
}

impl WireValue for serde_json::Value {
    const NULLABLE: bool = true;

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer)
    }
    fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }
}

/// Reports an integer outside the range of its Rust type as out of the schema's range.
fn out_of_range<E: de::Error>(value: impl fmt::Display, min: i128, max: i128, negative: bool) -> E {
    let (kind, bound) = if negative {
        (
            ViolationKind::BelowMinimum,
            format!("below the minimum {min}"),
        )
    } else {
        (
            ViolationKind::AboveMaximum,
            format!("above the maximum {max}"),
        )
    };
    let error = E::custom(format_args!("{value} is {bound}"));
    state::fail_at(None, kind, &error);
    error
}

macro_rules! wire_integer {
    ($($int:ty),*) => {$(
        impl WireValue for $int {
            fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct IntegerVisitor;
                impl Visitor<'_> for IntegerVisitor {
                    type Value = $int;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("an integer")
                    }
                    fn visit_i64<E: de::Error>(self, value: i64) -> Result<$int, E> {
                        <$int>::try_from(value).map_err(|_| {
                            out_of_range(value, <$int>::MIN as i128, <$int>::MAX as i128, value < 0)
                        })
                    }
                    fn visit_u64<E: de::Error>(self, value: u64) -> Result<$int, E> {
                        <$int>::try_from(value).map_err(|_| {
                            out_of_range(value, <$int>::MIN as i128, <$int>::MAX as i128, false)
                        })
                    }
                    // JSON Schema counts a number with a zero fraction (`1.0`) as an integer.
                    fn visit_f64<E: de::Error>(self, value: f64) -> Result<$int, E> {
                        if value.fract() != 0.0 || !value.is_finite() {
                            return Err(E::invalid_type(de::Unexpected::Float(value), &self));
                        }
                        if value < <$int>::MIN as f64 || value > <$int>::MAX as f64 {
                            return Err(out_of_range(
                                value,
                                <$int>::MIN as i128,
                                <$int>::MAX as i128,
                                value < 0.0,
                            ));
                        }
                        if state::integers_without_fraction() {
                            state::note(None, ViolationKind::IntegerWithFraction, || {
                                format!("{value:?} has a fraction part, which an OCPP 1.6 integer may not have")
                            });
                        }
                        Ok(value as $int)
                    }
                }
                deserializer.deserialize_any(IntegerVisitor)
            }
            fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.serialize(serializer)
            }
        }
    )*};
}

wire_integer!(u8, u16, u32, u64, i8, i16, i32, i64);

/// Exact decimals: read from JSON integers, or from JSON fractions through the shortest text
/// that round-trips their binary value (exact for up to 15 significant digits); written as
/// JSON numbers with exactly their decimal digits.
impl WireValue for Decimal {
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DecimalVisitor;
        impl Visitor<'_> for DecimalVisitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Decimal, E> {
                Ok(Decimal::from(value))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Decimal, E> {
                Ok(Decimal::from(value))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Decimal, E> {
                // `f64`'s `Display` writes the shortest decimal that reads back as the same
                // binary value, without an exponent.
                Decimal::from_str(&value.to_string())
                    .or_else(|_| Decimal::from_scientific(&format!("{value:e}")))
                    .map_err(|_| {
                        let error = E::custom(format_args!(
                            "{value} is out of the range of exact decimals"
                        ));
                        let kind = if value < 0.0 {
                            ViolationKind::BelowMinimum
                        } else {
                            ViolationKind::AboveMaximum
                        };
                        state::fail_at(None, kind, &error);
                        error
                    })
            }
        }
        deserializer.deserialize_any(DecimalVisitor)
    }

    fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.normalize().to_string();
        let raw =
            serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// Timestamps: RFC 3339 with any offset and any number of fraction digits (converted to UTC);
/// written in UTC with `Z` and at most three fraction digits (none when they are zero).
/// A timestamp without offset, or with a space for `T`, is read as UTC and noted.
impl WireValue for DateTime<Utc> {
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = DateTime<Utc>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DateTime<Utc>, E> {
                parse_timestamp(text).map_err(|error| {
                    let error = E::custom(error);
                    state::fail_at(None, ViolationKind::InvalidFormat, &error);
                    error
                })
            }
        }
        deserializer.deserialize_str(TimestampVisitor)
    }

    fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let format = if self.timestamp_subsec_millis() == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        serializer.serialize_str(&self.to_rfc3339_opts(format, true))
    }
}

/// Reads an RFC 3339 `date-time`, noting the lenient readings.
///
/// The year has four digits (RFC 3339's `date-fullyear`), before and after the conversion
/// to UTC, so that every timestamp read can be written back as RFC 3339.
pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    let time = parse_any_timestamp(text)?;
    let four_digit_year = text
        .as_bytes()
        .get(..5)
        .is_some_and(|start| start[..4].iter().all(u8::is_ascii_digit) && start[4] == b'-');
    if !four_digit_year || !(0..=9999).contains(&time.year()) {
        return Err(format!(
            "{text:?} is not an RFC 3339 date-time (the year must have four digits, in UTC too)"
        ));
    }
    Ok(time)
}

fn parse_any_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    let standard_separator = matches!(text.as_bytes().get(10), Some(b'T' | b't'));
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        if !standard_separator {
            state::note(None, ViolationKind::NonStandardTimestamp, || {
                format!("{text:?} separates date and time with a space instead of 'T'")
            });
        }
        return Ok(time.with_timezone(&Utc));
    }
    const WITHOUT_OFFSET: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"];
    for format in WITHOUT_OFFSET {
        if let Ok(time) = NaiveDateTime::parse_from_str(text, format) {
            state::note(None, ViolationKind::NonStandardTimestamp, || {
                format!("{text:?} has no time zone; read as UTC")
            });
            return Ok(time.and_utc());
        }
    }
    Err(format!("{text:?} is not an RFC 3339 date-time"))
}

impl<T: WireValue> WireValue for Vec<T> {
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArrayVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: WireValue> Visitor<'de> for ArrayVisitor<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                // The hint is bounded by the input already read, never trusted blindly.
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                loop {
                    let index = items.len();
                    let item = state::within(PathSegment::Index(index), || {
                        seq.next_element_seed(Read::<T>::default())
                    })?;
                    match item {
                        Some(item) => items.push(item),
                        None => return Ok(items),
                    }
                }
            }
        }
        deserializer.deserialize_seq(ArrayVisitor(std::marker::PhantomData))
    }

    fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Write))
    }
}

/// An optional field: `null` reads as absent, and is noted (the schemas allow leaving a field
/// out, not `null`), unless `null` is a value of the field's type (free-form JSON).
impl<T: WireValue> WireValue for Option<T> {
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if T::NULLABLE {
            return T::read(deserializer).map(Some);
        }
        struct OptionVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: WireValue> Visitor<'de> for OptionVisitor<T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value")
            }
            fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
                state::note(None, ViolationKind::NullValue, || {
                    "null where the field should be left out; read as absent".to_owned()
                });
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
                self.visit_none()
            }
            fn visit_some<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Option<T>, D::Error> {
                T::read(deserializer).map(Some)
            }
        }
        deserializer.deserialize_option(OptionVisitor(std::marker::PhantomData))
    }

    fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(&Write(value)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::DecodeScope;

    fn read<T: WireValue>(json: &str) -> Result<T, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        T::read(&mut deserializer)
    }

    fn write<T: WireValue>(value: &T) -> String {
        serde_json::to_string(&Write(value)).unwrap()
    }

    #[test]
    fn decimals_are_exact() {
        for text in [
            "2.8",
            "0.1",
            "15",
            "-3.25",
            "382.5",
            "123456789.123456",
            "0.0000001",
        ] {
            let value: Decimal = read(text).unwrap();
            assert_eq!(value, Decimal::from_str(text).unwrap(), "{text}");
            assert_eq!(write(&value), text);
        }
        assert_eq!(write(&Decimal::from_str("2.80").unwrap()), "2.8");
        assert_eq!(write(&read::<Decimal>("1e3").unwrap()), "1000");
        assert!(read::<Decimal>("\"2.8\"").is_err());
        assert!(read::<Decimal>("1e300").is_err());
    }

    #[test]
    fn integers_accept_zero_fractions_and_check_their_range() {
        assert_eq!(read::<u8>("7").unwrap(), 7);
        assert_eq!(read::<u8>("7.0").unwrap(), 7);
        assert!(read::<u8>("7.5").is_err());
        assert!(read::<u8>("256").is_err());
        assert!(read::<u32>("-1").is_err());
        assert_eq!(read::<i32>("-1").unwrap(), -1);
        assert!(read::<i32>("\"1\"").is_err());
    }

    #[test]
    fn timestamps() {
        let t: DateTime<Utc> = read("\"2024-03-01T10:00:00.123456789+02:00\"").unwrap();
        assert_eq!(write(&t), "\"2024-03-01T08:00:00.123Z\"");
        let t: DateTime<Utc> = read("\"2024-03-01t10:00:00z\"").unwrap();
        assert_eq!(write(&t), "\"2024-03-01T10:00:00Z\"");
        assert!(read::<DateTime<Utc>>("\"yesterday\"").is_err());
        assert!(read::<DateTime<Utc>>("\"2024-03-01T25:00:00Z\"").is_err());
        // Years RFC 3339 cannot write: signed, five digits, or out of range once in UTC.
        assert!(read::<DateTime<Utc>>("\"-2024-05-01 12:00:00.1234567\"").is_err());
        assert!(read::<DateTime<Utc>>("\"+2024-05-01T12:00:00Z\"").is_err());
        assert!(read::<DateTime<Utc>>("\"0000-01-01T00:30:00+01:00\"").is_err());
        assert!(read::<DateTime<Utc>>("\"9999-12-31T23:30:00-01:00\"").is_err());
        let t: DateTime<Utc> = read("\"0000-01-01T00:30:00Z\"").unwrap();
        assert_eq!(write(&t), "\"0000-01-01T00:30:00Z\"");

        let scope = DecodeScope::enter(crate::wire::Tracking::Paths, false);
        let t: DateTime<Utc> = read("\"2024-03-01T10:00:00\"").unwrap();
        assert_eq!(write(&t), "\"2024-03-01T10:00:00Z\"");
        let findings = scope.finish();
        assert_eq!(findings.notes.len(), 1);
        assert_eq!(findings.notes[0].kind, ViolationKind::NonStandardTimestamp);
    }

    #[test]
    fn arrays_track_the_failing_index() {
        let scope = DecodeScope::enter(crate::wire::Tracking::Paths, false);
        assert!(read::<Vec<u8>>("[1, 2, 300]").is_err());
        let findings = scope.finish();
        let failure = findings.failure.unwrap();
        assert_eq!(failure.path.to_string(), "$[2]");
        assert_eq!(failure.kind, ViolationKind::AboveMaximum);
    }
}
