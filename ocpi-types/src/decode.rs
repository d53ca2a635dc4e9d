//! One-stop decoding: JSON text or value to a typed object plus a validation
//! [`Report`].

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;
use crate::validate::{Issue, Mode, Report, Validate, Validator};

/// Decodes `json` into `T` and validates it in `mode`.
///
/// - Text that is not JSON, a missing required field, a value of the wrong JSON
///   type or an unparsable timestamp make decoding fail with [`Error::Json`],
///   whose `path` points at the offending value (for a missing field: at the
///   field, e.g. `$.evses[0].last_updated`), in both modes; to keep such an
///   object in lenient mode, use [`decode_partial()`](crate::decode_partial()).
/// - Fields the specification does not define are reported: errors in strict
///   mode, warnings in lenient mode.
/// - Everything else (lengths, enum values, patterns, ...) is reported by
///   [`Validate`].
///
/// ```
/// use ocpi_types::v221::Token;
/// use ocpi_types::{decode, Mode};
///
/// let json = r#"{"country_code": "DE", "party_id": "TNM", "uid": "012345678", "type": "NFC",
///   "contract_id": "DE8ACC12E46L89", "issuer": "TheNewMotion", "valid": true,
///   "whitelist": "ALLOWED", "last_updated": "2018-12-10T17:16:15Z", "colour": "red"}"#;
/// let (token, report) = decode::<Token>(json, Mode::Lenient).unwrap();
/// assert_eq!(token.r#type.as_str(), "NFC"); // kept as sent
/// assert!(report.is_ok());
/// assert_eq!(report.warnings[0].path, "$.type");
/// assert_eq!(report.warnings[1].path, "$.colour");
///
/// let (_, report) = decode::<Token>(json, Mode::Strict).unwrap();
/// assert_eq!(report.errors.len(), 2);
/// ```
pub fn decode<T: DeserializeOwned + Validate>(
    json: &str,
    mode: Mode,
) -> Result<(T, Report), Error> {
    let value: Value = serde_json::from_str(json).map_err(|e| Error::Json {
        path: "$".to_owned(),
        message: format!("not valid JSON: {e}"),
    })?;
    decode_value(&value, mode, "$")
}

/// Decodes a JSON value into `T` and validates it in `mode`; paths start at
/// `base` (e.g. `$.data[2]`). See [`decode()`].
pub fn decode_value<T: DeserializeOwned + Validate>(
    value: &Value,
    mode: Mode,
    base: &str,
) -> Result<(T, Report), Error> {
    let (decoded, unknown) = decode_raw::<T>(value).map_err(|f| f.into_error(base))?;
    let report = validate_decoded(&decoded, &unknown, mode, base, Vec::new());
    Ok((decoded, report))
}

/// Validates a decoded value and reports the fields the specification does not
/// define (`unknown`, as steps from the root of the decoded value); `gaps` are
/// the paths of stand-ins (see `Validator::with_gaps`).
pub(crate) fn validate_decoded<T: Validate>(
    decoded: &T,
    unknown: &[Vec<Step>],
    mode: Mode,
    base: &str,
    gaps: Vec<String>,
) -> Report {
    let mut v = Validator::with_base(mode, base).with_gaps(gaps);
    decoded.validate_at(&mut v);
    let mut report = v.finish();
    for steps in unknown {
        let issue = Issue {
            path: json_path(base, steps),
            message: "field is not defined by the specification".to_owned(),
        };
        match mode {
            Mode::Strict => report.errors.push(issue),
            Mode::Lenient => report.warnings.push(issue),
        }
    }
    report
}

/// One step of a path into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// Why [`decode_raw`] failed, with the location as steps from the root.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// Where: the offending value, or for a missing field the field itself.
    /// `None` when the location cannot be expressed (an enum variant, ...).
    pub(crate) steps: Option<Vec<Step>>,
    /// `true` for a missing required field.
    pub(crate) missing: bool,
    /// What is wrong.
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn into_error(self, base: &str) -> Error {
        let path = match &self.steps {
            Some(steps) => json_path(base, steps),
            None => format!("{base}.?"),
        };
        Error::Json {
            path,
            message: self.message,
        }
    }
}

/// Deserializes `value` into `T`, collecting the fields `T` does not define.
pub(crate) fn decode_raw<T: DeserializeOwned>(
    value: &Value,
) -> Result<(T, Vec<Vec<Step>>), Failure> {
    let mut unknown = Vec::new();
    let mut on_unknown = |path: serde_ignored::Path<'_>| unknown.push(ignored_steps(&path));
    let deserializer = serde_ignored::Deserializer::new(value, &mut on_unknown);
    let decoded: Result<T, _> = serde_path_to_error::deserialize(deserializer);
    match decoded {
        Ok(decoded) => Ok((decoded, unknown)),
        Err(e) => {
            let mut steps = tracked_steps(e.path());
            let mut message = e.inner().to_string();
            let missing = match missing_field(&message) {
                Some(field) => {
                    if let Some(steps) = steps.as_mut() {
                        steps.push(Step::Key(field));
                    }
                    message = "required field is missing".to_owned();
                    true
                }
                None => false,
            };
            Err(Failure {
                steps,
                missing,
                message,
            })
        }
    }
}

/// The JSON path of `steps` below `base`, e.g. `$.evses[0].uid`.
pub(crate) fn json_path(base: &str, steps: &[Step]) -> String {
    let mut out = base.to_owned();
    for step in steps {
        match step {
            Step::Key(key) => push_field(&mut out, key),
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

fn push_field(path: &mut String, name: &str) {
    let simple = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if simple {
        path.push('.');
        path.push_str(name);
    } else {
        path.push_str(&format!("[{name:?}]"));
    }
}

fn tracked_steps(path: &serde_path_to_error::Path) -> Option<Vec<Step>> {
    path.iter()
        .map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => Some(Step::Key(variant.clone())),
            serde_path_to_error::Segment::Unknown => None,
        })
        .collect()
}

fn ignored_steps(path: &serde_ignored::Path<'_>) -> Vec<Step> {
    fn walk(out: &mut Vec<Step>, path: &serde_ignored::Path<'_>) {
        use serde_ignored::Path;
        match path {
            Path::Root => {}
            Path::Seq { parent, index } => {
                walk(out, parent);
                out.push(Step::Index(*index));
            }
            Path::Map { parent, key } => {
                walk(out, parent);
                out.push(Step::Key(key.clone()));
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => walk(out, parent),
        }
    }
    let mut out = Vec::new();
    walk(&mut out, path);
    out
}
