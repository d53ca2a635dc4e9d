//! The two sides of the comparison: the crate's decoder, and the independent validator's
//! findings with the known cases where the validator is wrong set aside.

use jsonschema::error::ValidationErrorKind;
use ocpp_types::decode::{DecodeError, Decoded};
use ocpp_types::validate::ValidationOptions;
use ocpp_types::{v16, v21, v201};
use serde_json::Value;

use super::schema::{Kind, SchemaFile, Version};

/// Decodes `payload` as the file's message with the version's `Request::decode` or
/// `Response::decode`, and re-encodes the typed value to JSON.
pub(crate) fn decode(
    file: &SchemaFile,
    payload: &str,
    options: &ValidationOptions,
) -> Result<Decoded<Value>, DecodeError> {
    fn encode<T: serde::Serialize>(decoded: Decoded<T>) -> Decoded<Value> {
        decoded.map(|value| serde_json::to_value(&value).expect("a decoded value encodes"))
    }
    let action = file.action.as_str();
    match (file.version, file.kind) {
        (Version::V16, Kind::Request) => v16::Request::decode(action, payload, options).map(encode),
        (Version::V16, Kind::Response) => {
            v16::Response::decode(action, payload, options).map(encode)
        }
        (Version::V201, Kind::Request) => {
            v201::Request::decode(action, payload, options).map(encode)
        }
        (Version::V201, Kind::Response) => {
            v201::Response::decode(action, payload, options).map(encode)
        }
        (Version::V21, Kind::Request) => v21::Request::decode(action, payload, options).map(encode),
        (Version::V21, Kind::Response) => {
            v21::Response::decode(action, payload, options).map(encode)
        }
    }
}

/// The actions a version defines: (name, whether it has a response).
pub(crate) fn actions(version: Version) -> Vec<(&'static str, bool)> {
    let table = match version {
        Version::V16 => v16::ACTIONS,
        Version::V201 => v201::ACTIONS,
        Version::V21 => v21::ACTIONS,
    };
    table
        .iter()
        .map(|info| (info.name, info.has_response))
        .collect()
}

/// One finding of the independent validator.
#[derive(Debug, Clone)]
pub(crate) struct SchemaError {
    /// The keyword that failed (`required`, `maxLength`, ...).
    pub(crate) keyword: String,
    /// The validator's instance path (a JSON Pointer).
    pub(crate) instance_path: String,
    /// Where the crate reports the same fault: the instance path, except that a missing
    /// required member or an unexpected member is reported at the member itself, one level
    /// below the object the validator names.
    pub(crate) located: Vec<String>,
    /// The value the finding is about, kept only for keywords a known difference names
    /// (copying every failing value would copy whole objects); `Null` otherwise.
    pub(crate) value: Value,
    pub(crate) message: String,
}

/// Escapes a member name for a JSON Pointer (RFC 6901).
pub(crate) fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Everything the validator finds wrong with `instance`.
pub(crate) fn schema_errors(
    validator: &jsonschema::Validator,
    instance: &Value,
) -> Vec<SchemaError> {
    validator
        .iter_errors(instance)
        .map(|error| {
            let instance_path = error.instance_path().as_str().to_owned();
            let located = match error.kind() {
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().unwrap_or_default();
                    vec![format!("{instance_path}/{}", escape(name))]
                }
                ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
                    .iter()
                    .map(|name| format!("{instance_path}/{}", escape(name)))
                    .collect(),
                _ => vec![instance_path.clone()],
            };
            let keyword = error.kind().keyword().to_owned();
            let named = KNOWN_VALIDATOR_DIFFERENCES
                .iter()
                .any(|d| d.keyword == keyword);
            let value = if named {
                error.instance().clone().into_owned()
            } else {
                Value::Null
            };
            // The validator's own message writes out the failing value, which for an object
            // is the whole object: short messages for the keywords that fail on objects.
            let message = match error.kind() {
                ValidationErrorKind::Required { property } => format!("{property} is required"),
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    format!("unexpected members {unexpected:?}")
                }
                ValidationErrorKind::FalseSchema => "false schema".to_owned(),
                ValidationErrorKind::Type { kind } if error.instance().is_object() => {
                    format!("an object is not of type {kind:?}")
                }
                _ => error.to_string(),
            };
            SchemaError {
                keyword,
                instance_path,
                located,
                value,
                message,
            }
        })
        .collect()
}

/// A case where the independent validator is wrong (or outdated) and the exact meaning wins.
#[derive(Debug)]
pub(crate) struct KnownValidatorDifference {
    /// The schema file (`1.6/StopTransaction.json`), or `None` for every file.
    pub(crate) file: Option<&'static str>,
    /// The keyword of the finding.
    pub(crate) keyword: &'static str,
    /// The instance path, with `*` for any one segment; `None` for any path.
    pub(crate) path: Option<&'static str>,
    /// Whether the entry applies to a finding about this value.
    pub(crate) applies_to: fn(&Value) -> bool,
    /// What is wrong with the finding.
    pub(crate) effect: Effect,
    /// Why the validator is wrong here.
    pub(crate) reason: &'static str,
}

/// What a known difference does to a finding of the validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// The finding is wrong: the value is valid.
    SetAside,
    /// The finding is right but names the object instead of the member at fault: it is
    /// located at the members of that object whose value is the one the finding names.
    LocateAtMember,
}

/// The cases where the independent validator is wrong, each with its reason. Every entry
/// must be met by the run (the main test checks it), so the list cannot go stale.
///
/// `multipleOf: 0.1` is not here: jsonschema 0.60 decides it on the shortest decimal text
/// of the number, so it calls 2.8 valid as the exact meaning does (a validator dividing binary
/// floats would not). `multiple_of_is_decided_on_decimals_not_binary_floats` asserts the
/// exact meaning for both the crate and the validator, so a validator that got it wrong
/// would need an entry here.
pub(crate) static KNOWN_VALIDATOR_DIFFERENCES: &[KnownValidatorDifference] = &[
    KnownValidatorDifference {
        file: Some("1.6/StopTransaction.json"),
        keyword: "enum",
        path: Some("/transactionData/*/sampledValue/*/unit"),
        applies_to: |value| value == "Celsius",
        effect: Effect::SetAside,
        reason: "the OCPP-J 1.6 errata sheet (2025-04) adds \"Celsius\" beside the misspelt \
                 \"Celcius\" to StopTransaction's sampled-value unit, as MeterValues.json \
                 already has; the 2019 schema file lacks it, the crate follows the errata",
    },
    KnownValidatorDifference {
        file: None,
        keyword: "falseSchema",
        path: None,
        applies_to: |_| true,
        effect: Effect::LocateAtMember,
        reason: "for an object schema with `additionalProperties: false` and no `properties` \
                 (1.6 LogStatusNotificationResponse, SecurityEventNotificationResponse, \
                 SignedFirmwareStatusNotificationResponse), jsonschema reports an unexpected \
                 member as a `false` schema failing at the object's path, with the member's \
                 value; the fault is the member, which the crate names",
    },
];

/// Values the crate accepts beyond the `enum` of a schema file, from published errata:
/// (file, instance path with `*` for any one segment, values). The generator writes them too;
/// the validator, which reads the file as published, needs a known difference for each.
pub(crate) static ERRATA_ENUM_VALUES: &[(&str, &str, &[&str])] = &[(
    "1.6/StopTransaction.json",
    "/transactionData/*/sampledValue/*/unit",
    &["Celsius"],
)];

/// Whether `path` matches `pattern`, where `*` stands for any one segment.
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, s)| *p == "*" || p == s)
}

/// The known difference that makes `error` wrong, if any.
pub(crate) fn known_difference(
    file: &SchemaFile,
    error: &SchemaError,
) -> Option<&'static KnownValidatorDifference> {
    KNOWN_VALIDATOR_DIFFERENCES.iter().find(|difference| {
        difference.file.is_none_or(|f| f == file.label)
            && difference.keyword == error.keyword
            && difference
                .path
                .is_none_or(|pattern| path_matches(pattern, &error.instance_path))
            && (difference.applies_to)(&error.value)
    })
}

/// The validator's findings, with those a known difference sets aside taken out and those it
/// relocates moved.
pub(crate) struct Verdict {
    pub(crate) errors: Vec<SchemaError>,
    /// The findings a known difference applied to, and the difference.
    pub(crate) set_aside: Vec<(SchemaError, &'static KnownValidatorDifference)>,
}

impl Verdict {
    pub(crate) fn new(
        file: &SchemaFile,
        validator: &jsonschema::Validator,
        instance: &Value,
    ) -> Verdict {
        let mut errors = Vec::new();
        let mut set_aside = Vec::new();
        for mut error in schema_errors(validator, instance) {
            let Some(difference) = known_difference(file, &error) else {
                errors.push(error);
                continue;
            };
            set_aside.push((error.clone(), difference));
            if difference.effect == Effect::LocateAtMember {
                let object = instance
                    .pointer(&error.instance_path)
                    .and_then(Value::as_object);
                error.located = object
                    .into_iter()
                    .flatten()
                    .filter(|(_, value)| **value == error.value)
                    .map(|(name, _)| format!("{}/{}", error.instance_path, escape(name)))
                    .collect();
                errors.push(error);
            }
        }
        Verdict { errors, set_aside }
    }

    /// Whether the instance is valid, by the exact meaning of the schema.
    pub(crate) fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// A one-line description.
    pub(crate) fn describe(&self) -> String {
        let mut text = if self.errors.is_empty() {
            "valid".to_owned()
        } else {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|e| format!("{} at {:?}: {}", e.keyword, e.instance_path, e.message))
                .collect();
            format!("invalid: {}", list.join("; "))
        };
        for (error, difference) in &self.set_aside {
            text.push_str(&format!(
                " (known difference {:?}: {} at {:?}, {})",
                difference.effect,
                error.keyword,
                error.instance_path,
                difference.reason.split(';').next().unwrap_or_default()
            ));
        }
        text
    }
}

/// A one-line description of the crate's verdict.
pub(crate) fn describe_decoded(result: &Result<Decoded<Value>, DecodeError>) -> String {
    match result {
        Ok(decoded) if decoded.warnings.is_empty() => "accepted".to_owned(),
        Ok(decoded) => format!(
            "accepted with warnings [{}]",
            decoded
                .warnings
                .iter()
                .map(|w| format!("{:?} at {:?}", w.kind, w.path.to_pointer()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(error) => format!(
            "rejected with {:?}: [{}]",
            error.error_code(),
            error
                .errors
                .iter()
                .map(|e| format!("{:?} at {:?}: {}", e.kind, e.path.to_pointer(), e.message))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
