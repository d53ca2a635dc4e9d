//! A schema-driven generator of valid instances.
//!
//! It follows `$ref`s into `definitions`, always writes `required` members and writes
//! optional ones at random, picks `enum` values, honours `maxLength` (random lengths up to
//! it, often with multi-byte characters, sometimes exactly at the limit), `minimum`,
//! `maximum` and `multipleOf`, `minItems` and `maxItems` (at most three items beyond
//! `minItems`), and the `date-time` and `uri` formats, and writes small JSON values where the
//! schema has no `type`. Objects whose schema allows further members get some. Enumerations
//! also take the values published errata add (`subject::ERRATA_ENUM_VALUES`).

use serde_json::{Map, Number, Value, json};

use super::rng::Rng;
use super::schema::{resolve, type_of, usize_keyword};
use super::subject::{ERRATA_ENUM_VALUES, escape, path_matches};

/// Characters for strings, by the number of bytes their UTF-8 takes; the one-byte set has
/// characters JSON must escape.
const ONE_BYTE: &[char] = &[
    'a', 'Z', '0', '7', '-', '_', ' ', '.', ':', '/', '"', '\\', '\t',
];
const MULTI_BYTE: &[char] = &['é', 'ß', 'Ω', 'ж', '€', '中', 'あ', '😀', '𝄞', '🔌'];

/// How strings are made: ASCII, mixed, or multi-byte characters only.
#[derive(Clone, Copy)]
enum Alphabet {
    Ascii,
    Mixed,
    MultiByte,
}

/// A string of `length` characters (Unicode code points).
pub(crate) fn text(rng: &mut Rng, length: usize, multi_byte_only: bool) -> String {
    let alphabet = if multi_byte_only {
        Alphabet::MultiByte
    } else {
        *rng.pick(&[
            Alphabet::Ascii,
            Alphabet::Ascii,
            Alphabet::Mixed,
            Alphabet::MultiByte,
        ])
    };
    (0..length)
        .map(|_| match alphabet {
            Alphabet::Ascii => *rng.pick(ONE_BYTE),
            Alphabet::MultiByte => *rng.pick(MULTI_BYTE),
            Alphabet::Mixed if rng.chance(1, 2) => *rng.pick(ONE_BYTE),
            Alphabet::Mixed => *rng.pick(MULTI_BYTE),
        })
        .collect()
}

/// A timestamp in the form the crate writes: RFC 3339 in UTC with `Z`, and either no
/// fraction or exactly three non-zero fraction digits.
pub(crate) fn timestamp(rng: &mut Rng) -> String {
    let date = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        rng.range(2000, 2037),
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 23),
        rng.range(0, 59),
        rng.range(0, 59)
    );
    if rng.chance(1, 2) {
        format!("{date}Z")
    } else {
        format!("{date}.{:03}Z", rng.range(1, 999))
    }
}

const URIS: &[&str] = &[
    "https://example.com/x",
    "ftp://files.example.org/firmware/1.2.3.bin",
    "wss://csms.example.net/ocpp/CP-0001",
    "http://[2001:db8::1]:8080/logs?from=2024-05-01",
    "urn:isbn:0451450523",
];

/// A JSON number for the decimal `mantissa / 10^scale`, written with its fraction digits
/// (or, for a whole number, at random as an integer or with `.0`).
pub(crate) fn decimal(rng: &mut Rng, mantissa: i64, scale: u32) -> Value {
    let divisor = 10_i64.pow(scale);
    if mantissa % divisor == 0 && rng.chance(1, 2) {
        return json!(mantissa / divisor);
    }
    let sign = if mantissa < 0 { "-" } else { "" };
    let magnitude = mantissa.unsigned_abs();
    let text = format!(
        "{sign}{}.{:0width$}",
        magnitude / divisor as u64,
        magnitude % divisor as u64,
        width = scale.max(1) as usize
    );
    Value::Number(Number::from_f64(text.parse().unwrap()).unwrap())
}

/// The number of decimal places of a `multipleOf` step such as `0.1` (the step is
/// `10^-places`), or `None` for other steps.
pub(crate) fn step_places(step: &Value) -> Option<u32> {
    let text = step.to_string();
    match text.split_once('.') {
        None if text == "1" => Some(0),
        Some(("0", fraction))
            if fraction.ends_with('1')
                && fraction.trim_end_matches('1').bytes().all(|b| b == b'0') =>
        {
            Some(fraction.len() as u32)
        }
        _ => None,
    }
}

/// Generates valid instances of one schema file.
#[derive(Clone, Copy)]
pub(crate) struct Generator<'a> {
    pub(crate) root: &'a Value,
    /// The probability (in percent) that an optional member is written.
    pub(crate) optional_percent: u64,
    /// The file's label, for the values errata add to its enumerations.
    pub(crate) label: &'a str,
}

impl<'a> Generator<'a> {
    pub(crate) fn new(root: &'a Value, label: &'a str) -> Generator<'a> {
        Generator {
            root,
            optional_percent: 50,
            label,
        }
    }

    /// A valid instance of the whole schema.
    pub(crate) fn instance(&self, rng: &mut Rng) -> Value {
        self.value(rng, self.root, "", 0)
    }

    /// A valid instance of `node`, a part of the schema, found at `path` (a JSON Pointer).
    pub(crate) fn value(&self, rng: &mut Rng, node: &Value, path: &str, depth: usize) -> Value {
        let node = resolve(self.root, node);
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            let mut values = values.clone();
            for (file, pattern, added) in ERRATA_ENUM_VALUES {
                if *file == self.label && path_matches(pattern, path) {
                    values.extend(added.iter().map(|v| json!(v)));
                }
            }
            return rng.pick(&values).clone();
        }
        match type_of(node) {
            Some("object") => self.object(rng, node, path, depth),
            Some("array") => {
                let min = usize_keyword(node, "minItems").unwrap_or(0);
                // Short arrays, shorter when nested, so that instances stay small.
                let extra = match depth {
                    0..=1 => 3,
                    2..=3 => 2,
                    _ => 1,
                };
                let mut count = min + rng.len(0, extra);
                if let Some(max) = usize_keyword(node, "maxItems") {
                    count = count.min(max);
                }
                let items = node.get("items").expect("an array schema has items");
                Value::Array(
                    (0..count)
                        .map(|i| self.value(rng, items, &format!("{path}/{i}"), depth + 1))
                        .collect(),
                )
            }
            Some("string") => Value::String(self.string(rng, node)),
            Some("integer") => json!(integer(rng, node)),
            Some("number") => number(rng, node),
            Some("boolean") => Value::Bool(rng.chance(1, 2)),
            None => free_value(rng, 0),
            Some(other) => panic!("unexpected type {other}"),
        }
    }

    fn object(&self, rng: &mut Rng, node: &Value, path: &str, depth: usize) -> Value {
        let required: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut object = Map::new();
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let wanted = required.contains(&name.as_str())
                    || (depth < 12 && rng.below(100) < self.optional_percent);
                if wanted {
                    let at = format!("{path}/{}", escape(name));
                    object.insert(name.clone(), self.value(rng, property, &at, depth + 1));
                }
            }
        }
        if node.get("additionalProperties") != Some(&Value::Bool(false)) && rng.chance(1, 3) {
            for _ in 0..rng.len(1, 2) {
                let name = *rng.pick(&["vendorExtension", "x", "naïve-клю/ч~", "count"]);
                if node.pointer(&format!("/properties/{name}")).is_none() {
                    object.insert(name.to_owned(), free_value(rng, 0));
                }
            }
        }
        Value::Object(object)
    }

    fn string(&self, rng: &mut Rng, node: &Value) -> String {
        let max = usize_keyword(node, "maxLength");
        match node.get("format").and_then(Value::as_str) {
            Some("date-time") => return timestamp(rng),
            Some("uri") => {
                let uri = *rng.pick(URIS);
                if max.is_none_or(|max| uri.chars().count() <= max) {
                    return uri.to_owned();
                }
                return "urn:x".to_owned();
            }
            Some(other) => panic!("unexpected format {other}"),
            None => {}
        }
        // Long limits (certificates, signed data) are met less often: they make big payloads.
        let at_limit = match max {
            Some(max) if max > 1000 => rng.chance(1, 50),
            _ => rng.chance(1, 4),
        };
        let length = match max {
            Some(max) if at_limit => max,
            Some(max) => rng.len(0, max.min(40)),
            None => rng.len(0, 40),
        };
        // At the limit, often only multi-byte characters: a length counted in bytes would
        // reject them.
        let multi_byte_only = Some(length) == max && rng.chance(1, 2);
        text(rng, length, multi_byte_only)
    }
}

/// An integer within `minimum` and `maximum` (within `i32` where the schema has no bound),
/// often at a bound.
pub(crate) fn integer(rng: &mut Rng, node: &Value) -> i64 {
    let lo = node
        .get("minimum")
        .map(|m| m.as_f64().unwrap().ceil() as i64)
        .unwrap_or(i64::from(i32::MIN));
    let hi = node
        .get("maximum")
        .map(|m| m.as_f64().unwrap().floor() as i64)
        .unwrap_or(i64::from(i32::MAX));
    match rng.below(6) {
        0 => lo,
        1 => hi,
        2 => rng.range(lo, hi.min(lo.saturating_add(100))),
        3 => rng.range(lo.max(-1000), hi.min(1000).max(lo.max(-1000))),
        _ => rng.range(lo, hi),
    }
}

/// A number with few decimal places within `minimum` and `maximum`, and a multiple of
/// `multipleOf` (always a power of ten in the schemas).
pub(crate) fn number(rng: &mut Rng, node: &Value) -> Value {
    let scale = match node.get("multipleOf") {
        Some(step) => step_places(step).expect("multipleOf is a power of ten"),
        None => rng.range(0, 3) as u32,
    };
    let factor = 10_f64.powi(scale as i32);
    let lo = node
        .get("minimum")
        .map(|m| (m.as_f64().unwrap() * factor).ceil() as i64)
        .unwrap_or(-1_000_000 * factor as i64);
    let hi = node
        .get("maximum")
        .map(|m| (m.as_f64().unwrap() * factor).floor() as i64)
        .unwrap_or(1_000_000 * factor as i64);
    let mantissa = match rng.below(5) {
        0 => lo,
        1 => hi,
        2 => rng.range(lo, hi.min(lo + 1000)),
        _ => rng.range(lo, hi),
    };
    decimal(rng, mantissa, scale)
}

/// A small JSON value of any type, for members the schema leaves free.
pub(crate) fn free_value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth >= 2 { 5 } else { 7 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(1, 2)),
        2 => json!(rng.range(-1000, 1_000_000)),
        3 => {
            let scale = rng.range(1, 2) as u32;
            let mantissa = rng.range(-100_000, 100_000);
            decimal(rng, mantissa, scale)
        }
        4 => {
            let length = rng.len(0, 12);
            Value::String(text(rng, length, false))
        }
        5 => Value::Array(
            (0..rng.len(0, 2))
                .map(|_| free_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut object = Map::new();
            for _ in 0..rng.len(0, 2) {
                let name = *rng.pick(&["a", "b", "ключ", "x y"]);
                object.insert(name.to_owned(), free_value(rng, depth + 1));
            }
            Value::Object(object)
        }
    }
}
