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
///   field, e.g. `$.evses[0].last_updated`).
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
    let mut unknown = Vec::new();
    let mut on_unknown = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(base, &path));
    let deserializer = serde_ignored::Deserializer::new(value, &mut on_unknown);
    let decoded: Result<T, _> = serde_path_to_error::deserialize(deserializer);
    let decoded = decoded.map_err(|e| {
        let mut path = tracked_path(base, e.path());
        let mut message = e.inner().to_string();
        if let Some(field) = missing_field(&message) {
            push_field(&mut path, &field);
            message = "required field is missing".to_owned();
        }
        Error::Json { path, message }
    })?;
    let mut v = Validator::with_base(mode, base);
    decoded.validate_at(&mut v);
    let mut report = Report::default();
    for path in unknown {
        let issue = Issue {
            path,
            message: "field is not defined by the specification".to_owned(),
        };
        match mode {
            Mode::Strict => report.errors.push(issue),
            Mode::Lenient => report.warnings.push(issue),
        }
    }
    let validation = v.finish();
    report.errors.splice(0..0, validation.errors);
    report.warnings.splice(0..0, validation.warnings);
    Ok((decoded, report))
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

fn tracked_path(base: &str, path: &serde_path_to_error::Path) -> String {
    let mut out = base.to_owned();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => push_field(&mut out, key),
            serde_path_to_error::Segment::Enum { variant } => push_field(&mut out, variant),
            serde_path_to_error::Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

fn ignored_path(base: &str, path: &serde_ignored::Path<'_>) -> String {
    fn walk(out: &mut String, path: &serde_ignored::Path<'_>) {
        use serde_ignored::Path;
        match path {
            Path::Root => {}
            Path::Seq { parent, index } => {
                walk(out, parent);
                out.push_str(&format!("[{index}]"));
            }
            Path::Map { parent, key } => {
                walk(out, parent);
                push_field(out, key);
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => walk(out, parent),
        }
    }
    let mut out = base.to_owned();
    walk(&mut out, path);
    out
}
