//! Keeping the fields the specification does not define.
//!
//! Decoding into an object type drops the members it does not know (and
//! reports each one). A back end that stores what a partner sent and passes it
//! on may want to keep them: [`WithUnknown<T>`] is `T` plus the unknown
//! members of the top-level object, written back after `T`'s own fields.
//!
//! Only top-level members are kept. Keeping unknown members at every level
//! would need an extra field in every object type of the crate, which would
//! break every struct literal that builds them (other crates build Tariffs and
//! CDRs that way), and a generic wrapper cannot reach inside `T`. Unknown
//! members below the top level are still reported (validation names each of
//! them), but they are not kept.
//!
//! ```
//! use ocpi_types::v221::Token;
//! use ocpi_types::{Mode, WithUnknown};
//!
//! let json = serde_json::json!({"country_code": "DE", "party_id": "TNM", "uid": "012345678",
//!   "type": "RFID", "contract_id": "DE8ACC12E46L89", "issuer": "TheNewMotion", "valid": true,
//!   "whitelist": "ALLOWED", "last_updated": "2018-12-10T17:16:15Z",
//!   "x_loyalty_tier": {"level": "gold"}});
//! let (token, report) = WithUnknown::<Token>::decode(&json, Mode::Lenient, "$").unwrap();
//! assert_eq!(report.warnings[0].path, "$.x_loyalty_tier");
//! assert_eq!(token.uid.as_str(), "012345678"); // `Deref` to the Token
//! assert_eq!(serde_json::to_value(&token).unwrap(), json); // written back
//! ```

use std::ops::{Deref, DerefMut};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use crate::decode::{Step, decode_raw};
use crate::validate::{Mode, Report, Validate, Validator};

/// An object of type `T` with the members of the top-level JSON object that
/// `T` does not define, kept as sent. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub struct WithUnknown<T> {
    /// The object.
    pub value: T,
    /// Top-level members `T` does not define.
    unknown: Map<String, Value>,
    /// Where the undefined members were, at any level, in the order found.
    paths: Vec<Vec<Step>>,
}

impl<T> WithUnknown<T> {
    /// `value` without unknown members.
    pub fn new(value: T) -> Self {
        WithUnknown {
            value,
            unknown: Map::new(),
            paths: Vec::new(),
        }
    }

    /// The top-level members that `T` does not define, as sent.
    pub fn unknown(&self) -> &Map<String, Value> {
        &self.unknown
    }

    /// The object, dropping the unknown members.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The object and the unknown top-level members.
    pub fn into_parts(self) -> (T, Map<String, Value>) {
        (self.value, self.unknown)
    }
}

impl<T: DeserializeOwned> WithUnknown<T> {
    /// Decodes `value` into `T`, keeping the top-level members `T` does not
    /// define, and validates it in `mode` with paths from `base`, like
    /// [`decode_value`](crate::decode_value) (every undefined member, kept or
    /// not, is reported).
    pub fn decode(value: &Value, mode: Mode, base: &str) -> Result<(Self, Report), Error>
    where
        T: Validate,
    {
        let decoded = Self::from_value(value).map_err(|f| f.into_error(base))?;
        let mut v = Validator::with_base(mode, base);
        decoded.validate_at(&mut v);
        Ok((decoded, v.finish()))
    }

    fn from_value(value: &Value) -> Result<Self, crate::decode::Failure> {
        let (decoded, paths) = decode_raw::<T>(value)?;
        let mut unknown = Map::new();
        for steps in &paths {
            if let [Step::Key(key)] = steps.as_slice() {
                if let Some(member) = value.get(key) {
                    unknown.insert(key.clone(), member.clone());
                }
            }
        }
        Ok(WithUnknown {
            value: decoded,
            unknown,
            paths,
        })
    }
}

impl<T> Deref for WithUnknown<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for WithUnknown<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// `T`'s members, then the unknown ones. The unknown members can only come
/// from decoding, so they never repeat one of `T`'s.
impl<T: Serialize> Serialize for WithUnknown<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Both<'a, T> {
            #[serde(flatten)]
            value: &'a T,
            #[serde(flatten)]
            unknown: &'a Map<String, Value>,
        }
        Both {
            value: &self.value,
            unknown: &self.unknown,
        }
        .serialize(serializer)
    }
}

/// Reads `T` and keeps its unknown top-level members. An error names the JSON
/// path in its message; [`WithUnknown::decode`] gives it as a path.
impl<'de, T: DeserializeOwned> Deserialize<'de> for WithUnknown<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(|f| serde::de::Error::custom(f.into_error("$")))
    }
}

/// `T`'s findings, then one violation per member `T` does not define.
impl<T: Validate> Validate for WithUnknown<T> {
    fn validate_at(&self, v: &mut Validator) {
        self.value.validate_at(v);
        for steps in &self.paths {
            at_steps(v, steps, &mut |v| {
                v.violation("field is not defined by the specification");
            });
        }
    }
}

fn at_steps(v: &mut Validator, steps: &[Step], f: &mut dyn FnMut(&mut Validator)) {
    match steps.split_first() {
        None => f(v),
        Some((Step::Key(key), rest)) => v.field(key, |v| at_steps(v, rest, f)),
        Some((Step::Index(i), rest)) => v.index(*i, |v| at_steps(v, rest, f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v221::{Evse, Tariff};

    #[test]
    fn top_level_members_are_kept_nested_ones_reported() {
        let mut evse: Value =
            serde_json::from_str(include_str!("../tests/spec-examples/location_example.json"))
                .expect("example");
        let mut evse = evse["evses"][0].take();
        evse["x_note"] = "kept".into();
        evse["connectors"][0]["x_pin"] = 4.into();
        let (kept, report) = WithUnknown::<Evse>::decode(&evse, Mode::Strict, "$").unwrap();
        let paths: Vec<&str> = report.errors.iter().map(|e| e.path.as_str()).collect();
        let mut paths = paths.clone();
        paths.sort_unstable();
        assert_eq!(paths, ["$.connectors[0].x_pin", "$.x_note"]);
        assert_eq!(kept.unknown().len(), 1);
        let written = serde_json::to_value(&kept).unwrap();
        assert_eq!(written["x_note"], "kept");
        assert!(written["connectors"][0].get("x_pin").is_none());

        // The same findings as plain decoding.
        let (_, plain) = crate::decode_value::<Evse>(&evse, Mode::Strict, "$").unwrap();
        let mut plain: Vec<&str> = plain.errors.iter().map(|e| e.path.as_str()).collect();
        plain.sort_unstable();
        assert_eq!(plain, paths);
    }

    #[test]
    fn numbers_keep_their_digits_and_serde_works() {
        let json = r#"{"country_code":"DE","party_id":"ALL","id":"12","currency":"EUR",
            "elements":[{"price_components":[{"type":"TIME","price":2.0512,"step_size":300}]}],
            "last_updated":"2019-06-24T12:39:09Z","x_source":{"system":"legacy","rev":7}}"#;
        let tariff: WithUnknown<Tariff> = serde_json::from_str(json).unwrap();
        let text = serde_json::to_string(&tariff).unwrap();
        assert!(text.contains(r#""price":2.0512,"#), "{text}");
        let written: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            written["x_source"],
            serde_json::json!({"system": "legacy", "rev": 7})
        );
        let again: WithUnknown<Tariff> = serde_json::from_str(&text).unwrap();
        assert_eq!(again, tariff);
        assert_eq!(again.clone().into_parts().1.len(), 1);
        assert!(serde_json::from_str::<WithUnknown<Tariff>>(r#"{"id": 3}"#).is_err());
        let plain = WithUnknown::new(tariff.clone().into_inner());
        assert!(plain.unknown().is_empty());
    }
}
