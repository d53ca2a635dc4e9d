//! Objects that miss required fields, or hold values that cannot be decoded:
//! partial objects.
//!
//! A typed value needs every required field, and a value of the right JSON
//! type in every field. Partners do not always send that: even the
//! specification's own examples of a PUT leave out required fields (an EVSE
//! whose connector has no `power_type`, a Tariff without `last_updated`). The
//! specification allows a receiver to discard such an object; a back end
//! that wants to keep it (to merge it with the version it already has, to show
//! it to an operator, ...) reads it with [`decode_partial`].
//!
//! # Design
//!
//! - **Strict mode stays strict.** [`decode_partial`] in [`Mode::Strict`] fails
//!   exactly like [`decode_value`](crate::decode_value): the first missing
//!   field or undecodable value is an [`Error::Json`] with its path.
//! - **Lenient mode keeps the object as sent.** When the object cannot be
//!   decoded, the result is a [`Partial`]: the JSON object exactly as the
//!   partner sent it (nothing is dropped, nothing is invented), plus its
//!   [`Gap`]s — each required field that is missing and each value that has the
//!   wrong JSON type or format, with its JSON path. Every gap is a warning in
//!   the report; the rest of the object is validated as usual (lengths, enum
//!   values, unknown fields, cross-field rules), so the report lists every
//!   finding, not just the first.
//! - **No placeholder escapes.** To validate around the gaps, the object is
//!   decoded once more with neutral stand-ins in the gaps (`""`, `0`, `false`,
//!   `[]`, `{}` or the Unix epoch, whichever fits the type). That typed value
//!   is used for validation only and then dropped; findings at or below a gap
//!   are not reported (they would describe the stand-in). Encoding a
//!   [`Partial`] writes the object as sent.
//! - **Completing is explicit.** [`Partial::complete_with`] fills every gap
//!   from a JSON value of the caller's choosing (typically the version of the
//!   object the receiver already stores, or the `last_updated` it assigns on
//!   receipt) and decodes the result as a complete `T`. A gap the fill does not
//!   cover is an error: the caller decides, the crate never guesses.
//!
//! A partial object is not a PATCH: a PATCH body has its own types
//! ([`LocationPatch`](crate::v221::LocationPatch), ...) in which every field
//! but `last_updated` is optional by definition, and decoding them needs no
//! gaps.
//!
//! ```
//! use ocpi_types::v221::Tariff;
//! use ocpi_types::{decode_partial, Decoded, Mode};
//!
//! let put = serde_json::json!({"country_code": "DE", "party_id": "ALL", "id": "12",
//!     "currency": "EUR", "elements": [{"price_components": [
//!         {"type": "TIME", "price": 2.00, "vat": 10.0, "step_size": 300}]}]});
//!
//! assert!(decode_partial::<Tariff>(&put, Mode::Strict, "$").is_err());
//!
//! let (decoded, report) = decode_partial::<Tariff>(&put, Mode::Lenient, "$").unwrap();
//! assert!(report.is_ok());
//! assert_eq!(report.warnings[0].path, "$.last_updated");
//! let Decoded::Partial(partial) = decoded else { panic!("not partial") };
//! assert_eq!(partial.object(), &put); // kept as sent
//!
//! let fill = serde_json::json!({"last_updated": "2019-06-24T12:39:09Z"});
//! let (tariff, report) = partial.complete_with(&fill, Mode::Strict).unwrap();
//! assert!(report.is_ok());
//! assert_eq!(tariff.id.as_str(), "12");
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;
use crate::decode::{Failure, Step, decode_raw, json_path, validate_decoded};
use crate::validate::{Issue, Mode, Report, Validate, is_at_or_below};

/// At most this many gaps are recorded; an object with more is not worth
/// keeping and fails to decode.
const MAX_GAPS: usize = 64;

/// At most this many decoding attempts are made for one object.
const MAX_ATTEMPTS: usize = 1024;

/// The result of [`decode_partial`]: a complete object, or a partial one.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded<T> {
    /// Every required field was present and decodable.
    Complete(T),
    /// Some were not (lenient mode only).
    Partial(Partial<T>),
}

impl<T> Decoded<T> {
    /// `true` for a partial object.
    pub fn is_partial(&self) -> bool {
        matches!(self, Decoded::Partial(_))
    }

    /// The complete object, if it is one.
    pub fn complete(self) -> Option<T> {
        match self {
            Decoded::Complete(value) => Some(value),
            Decoded::Partial(_) => None,
        }
    }

    /// The partial object, if it is one.
    pub fn partial(&self) -> Option<&Partial<T>> {
        match self {
            Decoded::Complete(_) => None,
            Decoded::Partial(partial) => Some(partial),
        }
    }
}

/// A complete object is written as this crate writes `T`; a partial one as it
/// was sent.
impl<T: Serialize> Serialize for Decoded<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Decoded::Complete(value) => value.serialize(serializer),
            Decoded::Partial(partial) => partial.object.serialize(serializer),
        }
    }
}

/// Why a member of a partial object could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GapKind {
    /// A required field is missing.
    Missing,
    /// The value has the wrong JSON type or format (e.g. a number where the
    /// specification wants a string, an unparsable timestamp).
    Undecodable {
        /// What is wrong, as the decoder saw it.
        message: String,
    },
}

/// One place where a partial object could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// JSON path, from the base given to [`decode_partial`], e.g.
    /// `$.connectors[0].power_type`.
    pub path: String,
    /// JSON pointer relative to the object, e.g. `/connectors/0/power_type`;
    /// [`Partial::complete_with`] looks the fill value up here.
    pub pointer: String,
    /// Missing or undecodable.
    #[serde(flatten)]
    pub kind: GapKind,
    #[serde(skip)]
    steps: Vec<Step>,
}

/// An object of type `T` that lacks required fields or holds undecodable
/// values: the JSON as sent plus the list of [`Gap`]s. See the
/// [module documentation](self).
pub struct Partial<T> {
    object: Value,
    gaps: Vec<Gap>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Partial<T> {
    /// The object exactly as it was sent.
    pub fn object(&self) -> &Value {
        &self.object
    }

    /// The object exactly as it was sent.
    pub fn into_object(self) -> Value {
        self.object
    }

    /// Where the object could not be decoded, in document order of discovery.
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }
}

impl<T: DeserializeOwned + Validate> Partial<T> {
    /// Fills every gap with the value found at the same place in `fill` (a
    /// missing field is added, an undecodable value is replaced) and decodes
    /// the result as a complete `T`, validated in `mode`, with paths from `$`.
    ///
    /// A `null` in `fill` drops an optional value that could not be decoded
    /// (it decodes as absent); the caller says so explicitly.
    ///
    /// Fails with [`Error::Json`] at the first gap that `fill` does not cover,
    /// or when the filled object still cannot be decoded.
    pub fn complete_with(&self, fill: &Value, mode: Mode) -> Result<(T, Report), Error> {
        let mut merged = self.object.clone();
        for gap in &self.gaps {
            let value = fill.pointer(&gap.pointer).ok_or_else(|| Error::Json {
                path: json_path("$", &gap.steps),
                message: "the fill has no value for this gap of the partial object".to_owned(),
            })?;
            if !set_at(&mut merged, &gap.steps, value.clone()) {
                return Err(Error::Json {
                    path: json_path("$", &gap.steps),
                    message: "the partial object has no place for this value".to_owned(),
                });
            }
        }
        crate::decode_value(&merged, mode, "$")
    }
}

impl<T> fmt::Debug for Partial<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partial")
            .field("type", &std::any::type_name::<T>())
            .field("object", &self.object)
            .field("gaps", &self.gaps)
            .finish()
    }
}

impl<T> Clone for Partial<T> {
    fn clone(&self) -> Self {
        Partial {
            object: self.object.clone(),
            gaps: self.gaps.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> PartialEq for Partial<T> {
    fn eq(&self, other: &Self) -> bool {
        self.object == other.object && self.gaps == other.gaps
    }
}

/// Written as the object that was sent.
impl<T> Serialize for Partial<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.object.serialize(serializer)
    }
}

/// Decodes `value` into `T` when it can, and otherwise, in lenient mode, keeps
/// it as a [`Partial`] object; validates in `mode` with paths from `base`.
///
/// - A complete object is reported exactly as by
///   [`decode_value`](crate::decode_value).
/// - In [`Mode::Strict`], an object with a gap fails like
///   [`decode_value`](crate::decode_value).
/// - In [`Mode::Lenient`], an object with gaps gives [`Decoded::Partial`];
///   every gap is a warning at its path, the rest of the object is validated.
///   Fails only when the value is not a JSON object of the right shape at all
///   (e.g. a string where an object is expected), or has more than 64 gaps.
pub fn decode_partial<T: DeserializeOwned + Validate>(
    value: &Value,
    mode: Mode,
    base: &str,
) -> Result<(Decoded<T>, Report), Error> {
    let first = match decode_raw::<T>(value) {
        Ok((decoded, unknown)) => {
            let report = validate_decoded(&decoded, &unknown, mode, base, Vec::new());
            return Ok((Decoded::Complete(decoded), report));
        }
        Err(failure) => failure,
    };
    if mode == Mode::Strict {
        return Err(first.into_error(base));
    }
    let mut probe = value.clone();
    let mut gaps: Vec<Gap> = Vec::new();
    let mut failure = first;
    for _ in 0..MAX_ATTEMPTS {
        let steps = match &failure.steps {
            Some(steps) if !steps.is_empty() => steps.clone(),
            _ => return Err(failure.into_error(base)),
        };
        if !gaps.iter().any(|g| steps.starts_with(&g.steps)) {
            if gaps.len() == MAX_GAPS {
                return Err(Error::Json {
                    path: base.to_owned(),
                    message: format!("more than {MAX_GAPS} missing or undecodable values"),
                });
            }
            gaps.push(Gap {
                path: json_path(base, &steps),
                pointer: pointer(&steps),
                kind: if failure.missing {
                    GapKind::Missing
                } else {
                    GapKind::Undecodable {
                        message: failure.message.clone(),
                    }
                },
                steps: steps.clone(),
            });
        }
        match fill_gap::<T>(&mut probe, &steps) {
            Filled::Decoded(decoded, unknown) => {
                let report = partial_report(&decoded, &unknown, &gaps, base);
                let partial = Partial {
                    object: value.clone(),
                    gaps,
                    _type: PhantomData,
                };
                return Ok((Decoded::Partial(partial), report));
            }
            Filled::Next(next) => failure = next,
            Filled::Impossible => return Err(failure.into_error(base)),
        }
    }
    Err(Error::Json {
        path: base.to_owned(),
        message: "too many missing or undecodable values".to_owned(),
    })
}

enum Filled<T> {
    /// The probe decodes now.
    Decoded(T, Vec<Vec<Step>>),
    /// The gap is filled; decoding stops at the next one.
    Next(Failure),
    /// No stand-in fits (or the place cannot be reached).
    Impossible,
}

/// Neutral stand-ins, one per JSON type; the string is a timestamp so that it
/// also fits `DateTime`.
fn stand_ins() -> [Value; 6] {
    [
        Value::String("1970-01-01T00:00:00Z".to_owned()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::Object(serde_json::Map::new()),
        Value::String("00:00".to_owned()),
    ]
}

fn fill_gap<T: DeserializeOwned>(probe: &mut Value, steps: &[Step]) -> Filled<T> {
    for stand_in in stand_ins() {
        if !set_at(probe, steps, stand_in) {
            return Filled::Impossible;
        }
        match decode_raw::<T>(probe) {
            Ok((decoded, unknown)) => return Filled::Decoded(decoded, unknown),
            Err(next) => {
                let same_place = next.steps.as_deref() == Some(steps) && !next.missing;
                if !same_place {
                    return Filled::Next(next);
                }
            }
        }
    }
    Filled::Impossible
}

fn partial_report<T: Validate>(
    decoded: &T,
    unknown: &[Vec<Step>],
    gaps: &[Gap],
    base: &str,
) -> Report {
    let paths = gaps.iter().map(|g| g.path.clone()).collect();
    let checked = validate_decoded(decoded, unknown, Mode::Lenient, base, paths);
    let outside = |issue: &Issue| !gaps.iter().any(|g| is_at_or_below(&issue.path, &g.path));
    let mut report = Report::default();
    for gap in gaps {
        let message = match &gap.kind {
            GapKind::Missing => {
                "required field is missing; the object is kept as a partial object".to_owned()
            }
            GapKind::Undecodable { message } => {
                format!("{message}; kept as sent in a partial object")
            }
        };
        report.warnings.push(Issue {
            path: gap.path.clone(),
            message,
        });
    }
    report
        .errors
        .extend(checked.errors.into_iter().filter(outside));
    report
        .warnings
        .extend(checked.warnings.into_iter().filter(outside));
    report
}

/// Sets the value at `steps`; the parent must exist. Returns `false` when it
/// cannot be reached.
fn set_at(root: &mut Value, steps: &[Step], value: Value) -> bool {
    let Some((last, parents)) = steps.split_last() else {
        return false;
    };
    let mut node = root;
    for step in parents {
        let next = match (step, node) {
            (Step::Key(key), Value::Object(map)) => map.get_mut(key),
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i),
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => return false,
        }
    }
    match (last, node) {
        (Step::Key(key), Value::Object(map)) => {
            map.insert(key.clone(), value);
            true
        }
        (Step::Index(i), Value::Array(items)) => match items.get_mut(*i) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// RFC 6901 pointer of `steps`.
fn pointer(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        out.push('/');
        match step {
            Step::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v221::{Evse, Location};

    #[test]
    fn pointers_escape_keys() {
        let steps = [
            Step::Key("a/b~c".to_owned()),
            Step::Index(3),
            Step::Key("x".to_owned()),
        ];
        assert_eq!(pointer(&steps), "/a~1b~0c/3/x");
    }

    #[test]
    fn nested_gaps_are_listed_and_their_findings_dropped() {
        let evse = serde_json::json!({
            "uid": "1", "status": "AVAILABLE", "physical_reference": 3,
            "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
                            "tariff_ids": ["X".repeat(40)]}],
            "coordinates": {"latitude": "51.047599"}
        });
        let (decoded, report) = decode_partial::<Evse>(&evse, Mode::Lenient, "$.data").unwrap();
        let partial = decoded.partial().expect("partial");
        let mut paths: Vec<&str> = partial.gaps().iter().map(|g| g.path.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "$.data.connectors[0].last_updated",
                "$.data.connectors[0].max_amperage",
                "$.data.connectors[0].max_voltage",
                "$.data.connectors[0].power_type",
                "$.data.coordinates.longitude",
                "$.data.last_updated",
                "$.data.physical_reference",
            ]
        );
        assert!(report.is_ok());
        // the over-long tariff id is still reported, nothing about stand-ins
        let warnings: Vec<&str> = report.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(warnings.len(), paths.len() + 1);
        assert!(warnings.contains(&"$.data.connectors[0].tariff_ids[0]"));
        assert_eq!(partial.object(), &evse);
        assert_eq!(serde_json::to_value(&decoded).unwrap(), evse);
    }

    #[test]
    fn complete_objects_and_hopeless_values() {
        let text = include_str!("../tests/spec-examples/location_example.json");
        let value: Value = serde_json::from_str(text).unwrap();
        let (decoded, report) = decode_partial::<Location>(&value, Mode::Lenient, "$").unwrap();
        assert!(!decoded.is_partial() && report.warnings.is_empty());
        assert!(decoded.complete().is_some());
        for hopeless in [Value::from("a location"), Value::from(3), Value::Null] {
            assert!(decode_partial::<Location>(&hopeless, Mode::Lenient, "$").is_err());
        }
        let many: serde_json::Map<String, Value> =
            (0..100).map(|i| (format!("{i}"), Value::from(i))).collect();
        let list = Value::Array(vec![Value::Object(many); 100]);
        let wrapped = serde_json::json!({ "evses": list });
        assert!(decode_partial::<Location>(&wrapped, Mode::Lenient, "$").is_err());
    }

    #[test]
    fn completing_needs_every_gap_filled() {
        let evse = serde_json::json!({"uid": "1", "status": "AVAILABLE",
            "connectors": [], "last_updated": "2019-06-24T12:39:09Z", "floor_level": 1});
        let (decoded, _) = decode_partial::<Evse>(&evse, Mode::Lenient, "$").unwrap();
        let partial = decoded.partial().expect("partial").clone();
        assert!(matches!(
            partial.gaps()[0].kind,
            GapKind::Undecodable { .. }
        ));
        assert!(
            partial
                .complete_with(&serde_json::json!({}), Mode::Strict)
                .is_err()
        );
        let (evse, report) = partial
            .complete_with(&serde_json::json!({"floor_level": "1"}), Mode::Lenient)
            .unwrap();
        assert_eq!(evse.floor_level.as_ref().map(|f| f.as_str()), Some("1"));
        assert_eq!(report.warnings[0].path, "$.connectors");
        let (evse, _) = partial
            .complete_with(&serde_json::json!({"floor_level": null}), Mode::Lenient)
            .unwrap();
        assert!(evse.floor_level.is_none());
    }
}
