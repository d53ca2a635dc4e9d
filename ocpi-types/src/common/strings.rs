//! OCPI string types: `CiString(n)`, `string(n)`, `URL` and the patterned
//! strings (coordinates, local times and dates).
//!
//! Every string is stored in full, whatever its length or content; the limits
//! of the specification are checked by [`Validate`], so that lenient mode can
//! keep an over-long value and report it as a warning.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::validate::{Validate, Validator};

/// `true` for the characters the specification calls non-printable (Unicode
/// general category Cc: U+0000–U+001F and U+007F–U+009F).
fn is_non_printable(c: char) -> bool {
    c.is_control()
}

fn check_length(text: &str, max: usize, kind: &str, v: &mut Validator) {
    let len = text.chars().count();
    if len > max {
        v.violation(format!(
            "{kind}({max}) allows at most {max} characters, got {len}"
        ));
    }
}

macro_rules! string_common {
    ($name:ident $(<$n:ident>)?) => {
        impl$(<const $n: usize>)? $name$(<$n>)? {
            /// Wraps `text` as is (validation checks its length and content).
            pub fn new(text: impl Into<String>) -> Self {
                $name(text.into())
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl$(<const $n: usize>)? std::ops::Deref for $name$(<$n>)? {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl$(<const $n: usize>)? AsRef<str> for $name$(<$n>)? {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl$(<const $n: usize>)? fmt::Display for $name$(<$n>)? {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl$(<const $n: usize>)? From<&str> for $name$(<$n>)? {
            fn from(text: &str) -> Self {
                $name(text.to_owned())
            }
        }

        impl$(<const $n: usize>)? From<String> for $name$(<$n>)? {
            fn from(text: String) -> Self {
                $name(text)
            }
        }

        impl$(<const $n: usize>)? serde::Serialize for $name$(<$n>)? {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de $(, const $n: usize)?> serde::Deserialize<'de> for $name$(<$n>)? {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($name)
            }
        }
    };
}

/// `CiString(n)`: case-insensitive string of printable ASCII, at most `N`
/// characters. Equality and hashing ignore ASCII case.
#[derive(Debug, Clone, Default, PartialOrd, Ord)]
pub struct CiString<const N: usize>(String);
string_common!(CiString<N>);

impl<const N: usize> PartialEq for CiString<N> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl<const N: usize> Eq for CiString<N> {}

impl<const N: usize> Hash for CiString<N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl<const N: usize> Validate for CiString<N> {
    fn validate_at(&self, v: &mut Validator) {
        check_length(&self.0, N, "CiString", v);
        if let Some(c) = self.0.chars().find(|c| !(' '..='~').contains(c)) {
            v.violation(format!(
                "CiString allows printable ASCII only, found {}",
                describe_char(c)
            ));
        }
    }
}

impl<const N: usize> schemars::JsonSchema for CiString<N> {
    fn schema_name() -> Cow<'static, str> {
        format!("CiString{N}").into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "maxLength": N,
            "pattern": "^[ -~]*$"
        })
    }
}

/// `string(n)`: case-sensitive string of printable UTF-8, at most `N` characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OcpiString<const N: usize>(String);
string_common!(OcpiString<N>);

impl<const N: usize> Validate for OcpiString<N> {
    fn validate_at(&self, v: &mut Validator) {
        check_length(&self.0, N, "string", v);
        check_printable(&self.0, v);
    }
}

fn check_printable(text: &str, v: &mut Validator) {
    if let Some(c) = text.chars().find(|c| is_non_printable(*c)) {
        v.violation(format!(
            "string allows printable characters only, found {}",
            describe_char(c)
        ));
    }
}

fn describe_char(c: char) -> String {
    format!("U+{:04X} {:?}", u32::from(c), c)
}

/// Pattern of printable UTF-8 (no character of category Cc).
const PRINTABLE_PATTERN: &str = "^[^\\x00-\\x1F\\x7F-\\x9F]*$";

impl<const N: usize> schemars::JsonSchema for OcpiString<N> {
    fn schema_name() -> Cow<'static, str> {
        format!("string{N}").into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "maxLength": N,
            "pattern": PRINTABLE_PATTERN
        })
    }
}

/// A string without a length limit (e.g. `status_message`), printable UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(String);
string_common!(Text);

impl Validate for Text {
    fn validate_at(&self, v: &mut Validator) {
        check_printable(&self.0, v);
    }
}

impl schemars::JsonSchema for Text {
    fn schema_name() -> Cow<'static, str> {
        "string".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": PRINTABLE_PATTERN })
    }
}

/// Defines a string type with a fixed pattern: the pattern goes into the JSON
/// Schema, and `matches` (a hand-written matcher of the same pattern) is used by
/// validation.
macro_rules! patterned_string {
    ($(#[$meta:meta])* $name:ident, $max:expr, $pattern:expr, $what:expr, $matches:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);
        string_common!($name);

        impl $name {
            /// The pattern of the specification (anchored), as in the JSON Schema.
            pub const PATTERN: &'static str = $pattern;
            /// The maximum length of the specification.
            pub const MAX_LENGTH: usize = $max;

            /// `true` when the text has the format of the specification.
            pub fn is_well_formed(&self) -> bool {
                let matches: fn(&[u8]) -> bool = $matches;
                self.0.chars().count() <= $max && matches(self.0.as_bytes())
            }
        }

        impl Validate for $name {
            fn validate_at(&self, v: &mut Validator) {
                check_length(&self.0, $max, "string", v);
                if !self.is_well_formed() {
                    v.violation(format!("{:?} is not {} (pattern {})", self.0, $what, $pattern));
                }
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn inline_schema() -> bool {
                true
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "maxLength": $max,
                    "pattern": $pattern
                })
            }
        }
    };
}

fn digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// `-?[0-9]{1,int_max}\.[0-9]{5,7}`
fn decimal_degrees(b: &[u8], int_max: usize) -> bool {
    let b = b.strip_prefix(b"-").unwrap_or(b);
    let Some(dot) = b.iter().position(|c| *c == b'.') else {
        return false;
    };
    let (int, frac) = (&b[..dot], &b[dot + 1..]);
    (1..=int_max).contains(&int.len())
        && digits(int)
        && (5..=7).contains(&frac.len())
        && digits(frac)
}

/// `([0-1][0-9]|2[0-3]):[0-5][0-9]`
fn hours_minutes(b: &[u8]) -> bool {
    matches!(b, [h1, h2, b':', m1, m2]
        if ((b'0'..=b'1').contains(h1) && h2.is_ascii_digit()
            || *h1 == b'2' && (b'0'..=b'3').contains(h2))
            && (b'0'..=b'5').contains(m1) && m2.is_ascii_digit())
}

/// `([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])`
fn calendar_date(b: &[u8]) -> bool {
    matches!(b, [y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2]
        if (*y1 == b'1' || *y1 == b'2') && digits(&[*y2, *y3, *y4])
            && (*mo1 == b'0' && (b'1'..=b'9').contains(mo2) || *mo1 == b'1' && (b'0'..=b'2').contains(mo2))
            && (*d1 == b'0' && (b'1'..=b'9').contains(d2)
                || (*d1 == b'1' || *d1 == b'2') && d2.is_ascii_digit()
                || *d1 == b'3' && (*d2 == b'0' || *d2 == b'1')))
}

fn url_like(b: &[u8]) -> bool {
    let Some(colon) = b.iter().position(|c| *c == b':') else {
        return false;
    };
    let (scheme, rest) = (&b[..colon], &b[colon + 1..]);
    matches!(scheme.first(), Some(c) if c.is_ascii_alphabetic())
        && scheme
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
        && rest.iter().all(|c| (b'!'..=b'~').contains(c))
}

patterned_string!(
    /// `URL`: a string(255) holding an absolute URL (scheme, colon, then
    /// printable ASCII without spaces).
    Url,
    255,
    "^[A-Za-z][A-Za-z0-9+.-]*:[!-~]*$",
    "an absolute URL",
    url_like
);

patterned_string!(
    /// Latitude in decimal degrees, string(10), e.g. `"50.770774"`.
    Latitude,
    10,
    "^-?[0-9]{1,2}\\.[0-9]{5,7}$",
    "a latitude in decimal degrees with 5 to 7 decimals",
    |b| decimal_degrees(b, 2)
);

patterned_string!(
    /// Longitude in decimal degrees, string(11), e.g. `"-126.104965"`.
    Longitude,
    11,
    "^-?[0-9]{1,3}\\.[0-9]{5,7}$",
    "a longitude in decimal degrees with 5 to 7 decimals",
    |b| decimal_degrees(b, 3)
);

patterned_string!(
    /// Local time of day `HH:MM` (24h, leading zeros), string(5).
    LocalTime,
    5,
    "^([0-1][0-9]|2[0-3]):[0-5][0-9]$",
    "a time of day HH:MM",
    hours_minutes
);

patterned_string!(
    /// Local calendar date `YYYY-MM-DD`, string(10).
    LocalDate,
    10,
    "^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
    "a date YYYY-MM-DD",
    calendar_date
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mode;

    #[test]
    fn patterns() {
        assert!(Latitude::from("50.770774").is_well_formed());
        assert!(Latitude::from("-5.1234567").is_well_formed());
        assert!(!Latitude::from("150.77077").is_well_formed());
        assert!(!Latitude::from("50.7707").is_well_formed());
        assert!(Longitude::from("-126.104965").is_well_formed());
        assert!(LocalTime::from("23:59").is_well_formed());
        assert!(!LocalTime::from("24:00").is_well_formed());
        assert!(!LocalTime::from("8:00").is_well_formed());
        assert!(LocalDate::from("2015-12-24").is_well_formed());
        assert!(!LocalDate::from("2015-13-24").is_well_formed());
        assert!(!LocalDate::from("2015-12-32").is_well_formed());
        assert!(Url::from("https://example.com/a?b=c").is_well_formed());
        assert!(!Url::from("example.com/a b").is_well_formed());
    }

    #[test]
    fn ci_string_rules() {
        let ok: CiString<3> = "TNM".into();
        assert!(ok.validate(Mode::Strict).is_ok());
        assert_eq!(ok, CiString::<3>::from("tnm"));
        let long: CiString<3> = "TNMX".into();
        let report = long.validate(Mode::Strict);
        assert_eq!(report.errors.len(), 1);
        assert!(long.validate(Mode::Lenient).is_ok());
        let tab: CiString<3> = "a\tb".into();
        assert!(!tab.validate(Mode::Strict).is_ok());
        let accent: CiString<3> = "é".into();
        assert!(!accent.validate(Mode::Strict).is_ok());
        let accent: OcpiString<3> = "é".into();
        assert!(accent.validate(Mode::Strict).is_ok());
    }
}
