//! OCPI `number`: exact decimals ([`rust_decimal::Decimal`]) written as JSON numbers.
//!
//! Use it as a serde adapter on `Decimal` fields:
//!
//! ```
//! use rust_decimal::Decimal;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Price {
//!     #[serde(with = "ocpi_types::common::number")]
//!     excl_vat: Decimal,
//! }
//!
//! let price: Price = serde_json::from_str(r#"{"excl_vat": 0.25}"#).unwrap();
//! assert_eq!(price.excl_vat, Decimal::new(25, 2));
//! assert_eq!(serde_json::to_string(&price).unwrap(), r#"{"excl_vat":0.25}"#);
//! ```
//!
//! Writing emits the decimal's exact text through [`serde_json::value::RawValue`],
//! so no float ever takes part; this works with `serde_json` serializers only
//! (other serializers receive serde_json's raw-value marker).
//!
//! Reading accepts JSON integers exactly. A JSON number with a fraction or an
//! exponent reaches serde as an `f64` (serde_json parses it with
//! `float_roundtrip`); it is converted through the shortest text that round-trips
//! that `f64`, which reproduces the sent digits exactly when the number has at
//! most 15 significant digits. OCPI numbers have 4 decimals and a "sufficiently
//! large" integer part, so this is exact in practice.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserializer, Serializer};

/// Writes `value` as a JSON number with its exact decimal digits.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    let raw = serde_json::value::RawValue::from_string(value.to_string())
        .map_err(serde::ser::Error::custom)?;
    serde::Serialize::serialize(&raw, serializer)
}

/// Reads a JSON number into an exact decimal.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(NumberVisitor)
}

struct NumberVisitor;

impl serde::de::Visitor<'_> for NumberVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON number")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("number is not finite"));
        }
        // `Display` for f64 gives the shortest text that round-trips, without exponent.
        let text = v.to_string();
        Decimal::from_str(&text).map_err(|_| {
            E::custom(format!(
                "number {text} does not fit an exact decimal (at most 28 significant digits)"
            ))
        })
    }
}

/// The same adapter for `Option<Decimal>` (use with `default` and
/// `skip_serializing_if = "Option::is_none"`).
pub mod option {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    /// Writes `Some` as a JSON number and `None` as `null`.
    pub fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serialize(v, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a JSON number or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        deserializer.deserialize_option(OptionVisitor)
    }

    struct OptionVisitor;

    impl<'de> serde::de::Visitor<'de> for OptionVisitor {
        type Value = Option<Decimal>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON number or null")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::deserialize(d).map(Some)
        }
    }
}

/// JSON Schema of an OCPI number (`{"type": "number"}`), for
/// `#[schemars(with = "Number")]` on `Decimal` fields.
#[derive(Debug)]
pub struct Number;

impl schemars::JsonSchema for Number {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "number".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number" })
    }
}
