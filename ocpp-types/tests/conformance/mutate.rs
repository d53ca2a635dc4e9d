//! Mutations of valid instances, each breaking one constraint of the schema at one place.

use ocpp_types::ErrorCode;
use ocpp_types::validate::ViolationKind;
use serde_json::{Value, json};

use super::generate::{Generator, decimal, step_places, text};
use super::rng::Rng;
use super::schema::{resolve, type_of, usize_keyword};
use super::subject::escape;

/// The ways an instance is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum MutationKind {
    /// A required member left out.
    DropRequired,
    /// A value of another JSON type (a string for a number, a number for a string, ...).
    WrongType,
    /// `null` for a member (the schemas never allow `null` where they give a type).
    Null,
    /// A string one character past `maxLength`.
    TooLong,
    /// A string the `enum` does not list.
    UnknownEnumValue,
    /// A member an object with `additionalProperties: false` does not define.
    ExtraProperty,
    /// A number below `minimum`.
    BelowMinimum,
    /// A number above `maximum`.
    AboveMaximum,
    /// A number that is not a multiple of `multipleOf`.
    NotMultipleOf,
    /// An array with fewer items than `minItems`.
    TooFewItems,
    /// An array with more items than `maxItems`.
    TooManyItems,
    /// A string that is not an RFC 3339 `date-time`.
    BadDateTime,
    /// An integer written with a zero fraction (`7.0`): an integer from draft-06 on, not in
    /// draft-04, whose integers have no fraction part.
    ZeroFraction,
}

impl MutationKind {
    pub(crate) const ALL: [MutationKind; 13] = [
        MutationKind::DropRequired,
        MutationKind::WrongType,
        MutationKind::Null,
        MutationKind::TooLong,
        MutationKind::UnknownEnumValue,
        MutationKind::ExtraProperty,
        MutationKind::BelowMinimum,
        MutationKind::AboveMaximum,
        MutationKind::NotMultipleOf,
        MutationKind::TooFewItems,
        MutationKind::TooManyItems,
        MutationKind::BadDateTime,
        MutationKind::ZeroFraction,
    ];

    /// The CallError code strict decoding must answer with.
    pub(crate) fn expected_code(self) -> ErrorCode {
        match self {
            MutationKind::DropRequired | MutationKind::TooFewItems | MutationKind::TooManyItems => {
                ErrorCode::OccurrenceConstraintViolation
            }
            MutationKind::WrongType
            | MutationKind::Null
            | MutationKind::BadDateTime
            | MutationKind::ZeroFraction => ErrorCode::TypeConstraintViolation,
            MutationKind::TooLong
            | MutationKind::UnknownEnumValue
            | MutationKind::BelowMinimum
            | MutationKind::AboveMaximum
            | MutationKind::NotMultipleOf => ErrorCode::PropertyConstraintViolation,
            MutationKind::ExtraProperty => ErrorCode::FormatViolation,
        }
    }

    /// Whether the mutated instance breaks the schema whatever its draft.
    pub(crate) fn always_invalid(self) -> bool {
        self != MutationKind::ZeroFraction
    }

    /// The warning lenient decoding must give instead of an error, for the deviations lenient
    /// decoding tolerates.
    pub(crate) fn lenient_warning(self) -> Option<ViolationKind> {
        match self {
            MutationKind::TooLong => Some(ViolationKind::TooLong),
            MutationKind::UnknownEnumValue => Some(ViolationKind::UnknownEnumValue),
            MutationKind::ExtraProperty => Some(ViolationKind::UnknownField),
            _ => None,
        }
    }
}

/// A place in an instance where a mutation applies.
#[derive(Debug, Clone)]
pub(crate) struct Site<'a> {
    pub(crate) kind: MutationKind,
    /// The value to change (for `DropRequired` and `ExtraProperty`: the object).
    pub(crate) pointer: String,
    /// The member to drop (`DropRequired`).
    pub(crate) member: Option<String>,
    /// Whether the value is an optional member of its object.
    pub(crate) optional: bool,
    /// The schema of the value, `$ref`s followed.
    pub(crate) node: &'a Value,
}

/// A broken instance.
#[derive(Debug, Clone)]
pub(crate) struct Mutation {
    pub(crate) kind: MutationKind,
    pub(crate) instance: Value,
    /// Where the crate must report the fault (a JSON Pointer).
    pub(crate) reported_at: String,
    /// The value or object changed.
    pub(crate) target: String,
    /// The value that was replaced, if one was.
    pub(crate) replaced: Option<Value>,
    /// Whether the value changed is an optional member of its object.
    pub(crate) optional_member: bool,
    /// What was done, in short.
    pub(crate) description: String,
}

impl Mutation {
    /// The warning lenient decoding must give instead of an error, for the deviations it
    /// tolerates: those of the kind, and `null` for an optional member.
    pub(crate) fn lenient_warning(&self) -> Option<ViolationKind> {
        match self.kind {
            MutationKind::Null if self.optional_member => Some(ViolationKind::NullValue),
            MutationKind::BadDateTime if self.non_standard_timestamp() => {
                Some(ViolationKind::NonStandardTimestamp)
            }
            kind => kind.lenient_warning(),
        }
    }

    fn non_standard_timestamp(&self) -> bool {
        self.instance
            .pointer(&self.target)
            .and_then(Value::as_str)
            .is_some_and(|text| NON_STANDARD_TIMESTAMPS.contains(&text))
    }

    /// What lenient decoding re-encodes: unknown members and `null` members are dropped,
    /// over-long strings and unlisted values kept, non-standard timestamps read as UTC.
    pub(crate) fn lenient_result(&self, original: &Value) -> Value {
        match self.kind {
            MutationKind::ExtraProperty => original.clone(),
            MutationKind::Null => {
                let mut expected = self.instance.clone();
                let (parent, member) = self.target.rsplit_once('/').unwrap();
                let member = member.replace("~1", "/").replace("~0", "~");
                expected
                    .pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .unwrap()
                    .remove(&member);
                expected
            }
            MutationKind::BadDateTime => {
                let mut expected = self.instance.clone();
                *expected.pointer_mut(&self.target).unwrap() = json!(AS_UTC);
                expected
            }
            _ => self.instance.clone(),
        }
    }

    /// What was done, with the replaced and the new value, for failure messages.
    pub(crate) fn describe(&self) -> String {
        match (&self.replaced, self.instance.pointer(&self.target)) {
            (Some(old), Some(new)) => format!(
                "{:?}: {} replaced by {}",
                self.target,
                abbreviate(old),
                abbreviate(new)
            ),
            _ => self.description.clone(),
        }
    }
}

/// Every site of `instance` (an instance of `root`) where a mutation applies.
pub(crate) fn sites<'a>(root: &'a Value, instance: &Value) -> Vec<Site<'a>> {
    let mut out = Vec::new();
    walk(root, root, instance, String::new(), false, &mut out);
    out
}

fn walk<'a>(
    root: &'a Value,
    node: &'a Value,
    value: &Value,
    pointer: String,
    optional: bool,
    out: &mut Vec<Site<'a>>,
) {
    let node = resolve(root, node);
    let mut site = |kind, member: Option<String>| {
        out.push(Site {
            kind,
            pointer: pointer.clone(),
            member,
            optional,
            node,
        })
    };
    let typed = type_of(node).is_some() || node.get("enum").is_some();
    if !pointer.is_empty() && typed {
        site(MutationKind::WrongType, None);
        site(MutationKind::Null, None);
    }
    if node.get("enum").is_some() {
        site(MutationKind::UnknownEnumValue, None);
    }
    if !typed {
        // A free value: nothing to break.
        return;
    }
    match value {
        Value::Object(object) => {
            let required = node.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                if object.contains_key(name) {
                    site(MutationKind::DropRequired, Some(name.to_owned()));
                }
            }
            if node.get("additionalProperties") == Some(&Value::Bool(false)) {
                site(MutationKind::ExtraProperty, None);
            }
            for (name, member) in object {
                if let Some(property) = node.get("properties").and_then(|p| p.get(name)) {
                    let optional = !required
                        .is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)));
                    walk(
                        root,
                        property,
                        member,
                        format!("{pointer}/{}", escape(name)),
                        optional,
                        out,
                    );
                }
            }
        }
        Value::Array(items) => {
            if usize_keyword(node, "minItems").is_some_and(|min| min > 0) {
                site(MutationKind::TooFewItems, None);
            }
            if usize_keyword(node, "maxItems").is_some() {
                site(MutationKind::TooManyItems, None);
            }
            let schema = node.get("items").expect("an array schema has items");
            for (index, item) in items.iter().enumerate() {
                walk(root, schema, item, format!("{pointer}/{index}"), false, out);
            }
        }
        Value::String(_) if node.get("enum").is_none() => {
            if node.get("maxLength").is_some() {
                site(MutationKind::TooLong, None);
            }
            if node.get("format").and_then(Value::as_str) == Some("date-time") {
                site(MutationKind::BadDateTime, None);
            }
        }
        Value::Number(number) => {
            if type_of(node) == Some("integer") && number.is_i64() {
                site(MutationKind::ZeroFraction, None);
            }
            if node.get("minimum").is_some() {
                site(MutationKind::BelowMinimum, None);
            }
            if node.get("maximum").is_some() {
                site(MutationKind::AboveMaximum, None);
            }
            if node.get("multipleOf").is_some() {
                site(MutationKind::NotMultipleOf, None);
            }
        }
        _ => {}
    }
}

/// A value of another JSON type than `node` requires.
fn wrong_type(rng: &mut Rng, node: &Value) -> Value {
    let choices: Vec<Value> = match type_of(node) {
        Some("integer") => vec![json!("7"), json!(1.5), json!(true), json!([1])],
        Some("number") => vec![json!("7.5"), json!(true), json!({"value": 1})],
        Some("boolean") => vec![json!("true"), json!(1), json!(0)],
        Some("object") => vec![json!("text"), json!([]), json!(5)],
        Some("array") => vec![json!({}), json!("text"), json!(3)],
        // Strings, enumerations included.
        _ => vec![json!(42), json!(2.5), json!(true), json!({}), json!(["a"])],
    };
    rng.pick(&choices).clone()
}

/// A string the enumeration does not list: an invented value, or a listed one in another
/// case (values are case-sensitive).
fn unlisted(rng: &mut Rng, node: &Value) -> Value {
    let listed: Vec<&str> = node["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let first = *rng.pick(&listed);
    let candidates = [
        "NotAListedValue".to_owned(),
        first.to_lowercase(),
        first.to_uppercase(),
        format!("{first} "),
    ];
    let choice = rng.pick(&candidates);
    if listed.contains(&choice.as_str()) {
        json!("NotAListedValue")
    } else {
        json!(choice)
    }
}

/// A number outside `minimum` (`below`) or `maximum`, a multiple of `multipleOf` if there is one.
fn out_of_range(rng: &mut Rng, node: &Value, below: bool) -> Value {
    let bound = node[if below { "minimum" } else { "maximum" }]
        .as_f64()
        .unwrap();
    let by = rng.range(1, 10);
    if type_of(node) == Some("integer") {
        let bound = bound as i64;
        return json!(if below { bound - by } else { bound + by });
    }
    let places = node.get("multipleOf").and_then(step_places).unwrap_or(1);
    let factor = 10_i64.pow(places);
    let bound = (bound * factor as f64).round() as i64;
    decimal(rng, if below { bound - by } else { bound + by }, places)
}

/// A number within the bounds that is not a multiple of `multipleOf`.
fn not_multiple(rng: &mut Rng, node: &Value) -> Value {
    let places = step_places(&node["multipleOf"]).expect("multipleOf is a power of ten");
    let factor = 10_f64.powi(places as i32 + 1);
    let lo = node
        .get("minimum")
        .map_or(-1000, |m| (m.as_f64().unwrap() * factor).ceil() as i64);
    let hi = node.get("maximum").map_or(lo + 100_000, |m| {
        (m.as_f64().unwrap() * factor).floor() as i64
    });
    // A multiple of the step plus half a step.
    let mantissa = (rng.range(lo, hi) / 10) * 10 + 5;
    let mantissa = if mantissa > hi {
        mantissa - 10
    } else {
        mantissa
    };
    decimal(rng, mantissa, places + 1)
}

/// Timestamps without a time zone, or with a space for `T`: lenient decoding reads them as
/// this UTC time, with a warning.
const NON_STANDARD_TIMESTAMPS: &[&str] = &["2024-05-01T10:00:00", "2024-05-01 10:00:00Z"];
const AS_UTC: &str = "2024-05-01T10:00:00Z";

const BAD_TIMESTAMPS: &[&str] = &[
    "2024-02-30T10:00:00Z",
    "2024-05-01T24:30:00Z",
    "yesterday",
    "2024-05-01T10:00:00",
    "2024-05-01",
    "2024-05-01 10:00:00Z",
    "2024-05-01T10:00:00+0200",
];

const EXTRA_MEMBERS: &[&str] = &["unexpectedMember", "chargePointVendor2", "über/feld~"];

/// Applies the mutation of `site` to a copy of `instance`.
pub(crate) fn apply(
    site: &Site<'_>,
    instance: &Value,
    generator: &Generator<'_>,
    rng: &mut Rng,
) -> Mutation {
    let mut mutated = instance.clone();
    let target = mutated.pointer_mut(&site.pointer).expect("the site exists");
    let mut reported_at = site.pointer.clone();
    let mut replaced = None;
    let description = match site.kind {
        MutationKind::DropRequired => {
            let member = site.member.as_deref().unwrap();
            target.as_object_mut().unwrap().remove(member);
            reported_at = format!("{}/{}", site.pointer, escape(member));
            format!("dropped required member {member:?} of {:?}", site.pointer)
        }
        MutationKind::ExtraProperty => {
            let name = *rng.pick(EXTRA_MEMBERS);
            let object = target.as_object_mut().unwrap();
            if object.contains_key(name)
                || site
                    .node
                    .pointer(&format!("/properties/{}", escape(name)))
                    .is_some()
            {
                unreachable!("{name} is not a member of any schema");
            }
            object.insert(name.to_owned(), json!({"a": 1}));
            reported_at = format!("{}/{}", site.pointer, escape(name));
            format!("added member {name:?} to {:?}", site.pointer)
        }
        MutationKind::TooFewItems => {
            let min = usize_keyword(site.node, "minItems").unwrap();
            target.as_array_mut().unwrap().truncate(min - 1);
            format!(
                "{:?} cut to {} items (minItems {min})",
                site.pointer,
                min - 1
            )
        }
        MutationKind::TooManyItems => {
            let max = usize_keyword(site.node, "maxItems").unwrap();
            let items = target.as_array_mut().unwrap();
            // Items with only their required members: some limits are 1024 items.
            let minimal = Generator {
                optional_percent: 0,
                ..*generator
            };
            let item = minimal.value(rng, &site.node["items"], &format!("{}/0", site.pointer), 6);
            items.resize(max + 1, item);
            format!(
                "{:?} grown to {} items (maxItems {max})",
                site.pointer,
                max + 1
            )
        }
        kind => {
            let new = match kind {
                MutationKind::WrongType => wrong_type(rng, site.node),
                MutationKind::Null => Value::Null,
                MutationKind::TooLong => {
                    let max = usize_keyword(site.node, "maxLength").unwrap();
                    let multi_byte_only = rng.chance(1, 2);
                    Value::String(text(rng, max + 1, multi_byte_only))
                }
                MutationKind::UnknownEnumValue => unlisted(rng, site.node),
                MutationKind::BelowMinimum => out_of_range(rng, site.node, true),
                MutationKind::AboveMaximum => out_of_range(rng, site.node, false),
                MutationKind::NotMultipleOf => not_multiple(rng, site.node),
                MutationKind::BadDateTime => json!(rng.pick(BAD_TIMESTAMPS)),
                MutationKind::ZeroFraction => json!(target.as_i64().unwrap() as f64),
                _ => unreachable!(),
            };
            replaced = Some(std::mem::replace(target, new));
            format!("{:?} replaced", site.pointer)
        }
    };
    Mutation {
        kind: site.kind,
        instance: mutated,
        reported_at,
        target: site.pointer.clone(),
        replaced,
        optional_member: site.optional,
        description,
    }
}

/// JSON text, cut short when long.
pub(crate) fn abbreviate(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 300 {
        text
    } else {
        let head: String = text.chars().take(300).collect();
        format!("{head}… ({} characters)", text.chars().count())
    }
}
