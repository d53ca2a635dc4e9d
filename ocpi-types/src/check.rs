//! Checking a partner's payload by object name: the logic of the `ocpi-check`
//! example, as a library API.
//!
//! ```
//! use ocpi_types::check::{check_json, Version};
//! use ocpi_types::Mode;
//!
//! let payload = r#"{"data": [{"party_id": "TNM", "country_code": "NL", "role": "CPO",
//!     "status": "CONNECTED", "last_updated": "2019-06-24T12:39:09Z"}],
//!   "status_code": 1000, "timestamp": "2019-06-24T12:39:10Z"}"#;
//! let reports = check_json(Version::V221, "ClientInfo", Mode::Strict, payload).unwrap();
//! assert_eq!(reports.len(), 2); // the envelope and one object
//! assert_eq!(reports[1].path, "$.data[0]");
//! assert!(reports.iter().all(|r| r.ok));
//! ```

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::common::Response;
use crate::validate::{Issue, Mode, Report, Validate};
use crate::{Error, WithUnknown, decode_partial, decode_value, v211, v221};

/// An OCPI version this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// OCPI 2.1.1.
    V211,
    /// OCPI 2.2.1.
    V221,
}

impl Version {
    /// Both versions.
    pub const ALL: [Version; 2] = [Version::V211, Version::V221];

    /// The version number, e.g. `2.2.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V211 => "2.1.1",
            Version::V221 => "2.2.1",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Version {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "2.1.1" => Ok(Version::V211),
            "2.2.1" => Ok(Version::V221),
            other => Err(Error::Usage(format!(
                "unsupported OCPI version '{other}' (expected 2.1.1 or 2.2.1)"
            ))),
        }
    }
}

type DecodeFn = fn(&Value, Mode, &str) -> Result<(Value, Report), Error>;
type DecodePartialFn = fn(&Value, Mode, &str) -> Result<(Value, Report, bool), Error>;

/// A top-level object of one version: its name, its JSON Schema and a decoder.
#[derive(Debug)]
pub struct ObjectType {
    name: &'static str,
    schema: fn() -> schemars::Schema,
    decode: DecodeFn,
    decode_partial: DecodePartialFn,
}

impl ObjectType {
    /// The name, e.g. `Location` (as in the specification, CDR as `Cdr`, EVSE as `Evse`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The JSON Schema of the object.
    pub fn schema(&self) -> schemars::Schema {
        (self.schema)()
    }

    /// Decodes and validates one object at `base`; returns the object encoded
    /// again (as this crate writes it) and the findings. In lenient mode the
    /// top-level members the specification does not define are kept and
    /// written back (see [`WithUnknown`]); in strict mode they are dropped.
    pub fn decode(&self, value: &Value, mode: Mode, base: &str) -> Result<(Value, Report), Error> {
        (self.decode)(value, mode, base)
    }

    /// Like [`ObjectType::decode`], but in lenient mode an object that misses
    /// required fields or holds undecodable values is read as a
    /// [`Partial`](crate::Partial) object (see [`decode_partial`]): the value
    /// returned is then the object as sent, and the flag is `true`.
    pub fn decode_partial(
        &self,
        value: &Value,
        mode: Mode,
        base: &str,
    ) -> Result<(Value, Report, bool), Error> {
        (self.decode_partial)(value, mode, base)
    }

    /// Checks one object at `base`; in lenient mode, objects that miss required
    /// fields are accepted as partial objects (with a warning per gap).
    pub fn check(&self, value: &Value, mode: Mode, base: &str) -> ObjectReport {
        match self.decode_partial(value, mode, base) {
            Ok((_, report, partial)) => {
                let mut object_report = ObjectReport::new(base, self.name, report);
                object_report.partial = partial;
                object_report
            }
            Err(error) => ObjectReport::from_error(base, self.name, error),
        }
    }
}

fn encode<T: Serialize>(object: &T, base: &str) -> Result<Value, Error> {
    serde_json::to_value(object).map_err(|e| Error::Json {
        path: base.to_owned(),
        message: format!("cannot encode: {e}"),
    })
}

fn decode_encode<T>(value: &Value, mode: Mode, base: &str) -> Result<(Value, Report), Error>
where
    T: DeserializeOwned + Serialize + Validate,
{
    match mode {
        Mode::Strict => {
            let (object, report) = decode_value::<T>(value, mode, base)?;
            Ok((encode(&object, base)?, report))
        }
        Mode::Lenient => {
            let (object, report) = WithUnknown::<T>::decode(value, mode, base)?;
            Ok((encode(&object, base)?, report))
        }
    }
}

fn decode_partial_encode<T>(
    value: &Value,
    mode: Mode,
    base: &str,
) -> Result<(Value, Report, bool), Error>
where
    T: DeserializeOwned + Serialize + Validate,
{
    if mode == Mode::Lenient {
        if let Ok((object, report)) = WithUnknown::<T>::decode(value, mode, base) {
            return Ok((encode(&object, base)?, report, false));
        }
    }
    let (decoded, report) = decode_partial::<T>(value, mode, base)?;
    Ok((encode(&decoded, base)?, report, decoded.is_partial()))
}

macro_rules! registry {
    ($($ty:ty => $name:literal),* $(,)?) => {
        &[$(ObjectType {
            name: $name,
            schema: || schemars::schema_for!($ty),
            decode: decode_encode::<$ty>,
            decode_partial: decode_partial_encode::<$ty>,
        }),*]
    };
}

static V221_OBJECTS: &[ObjectType] = registry! {
    v221::Version => "Version",
    v221::VersionDetails => "VersionDetails",
    v221::Credentials => "Credentials",
    v221::Location => "Location",
    v221::Evse => "Evse",
    v221::Connector => "Connector",
    v221::LocationPatch => "LocationPatch",
    v221::EvsePatch => "EvsePatch",
    v221::ConnectorPatch => "ConnectorPatch",
    v221::Session => "Session",
    v221::SessionPatch => "SessionPatch",
    v221::ChargingPreferences => "ChargingPreferences",
    v221::Cdr => "Cdr",
    v221::Tariff => "Tariff",
    v221::Token => "Token",
    v221::TokenPatch => "TokenPatch",
    v221::AuthorizationInfo => "AuthorizationInfo",
    v221::LocationReferences => "LocationReferences",
    v221::CancelReservation => "CancelReservation",
    v221::ReserveNow => "ReserveNow",
    v221::StartSession => "StartSession",
    v221::StopSession => "StopSession",
    v221::UnlockConnector => "UnlockConnector",
    v221::CommandResponse => "CommandResponse",
    v221::CommandResult => "CommandResult",
    v221::SetChargingProfile => "SetChargingProfile",
    v221::ChargingProfileResponse => "ChargingProfileResponse",
    v221::ActiveChargingProfileResult => "ActiveChargingProfileResult",
    v221::ChargingProfileResult => "ChargingProfileResult",
    v221::ClearProfileResult => "ClearProfileResult",
    v221::ActiveChargingProfile => "ActiveChargingProfile",
    v221::ClientInfo => "ClientInfo",
};

static V211_OBJECTS: &[ObjectType] = registry! {
    v211::Version => "Version",
    v211::VersionDetails => "VersionDetails",
    v211::Credentials => "Credentials",
    v211::Location => "Location",
    v211::Evse => "Evse",
    v211::Connector => "Connector",
    v211::Session => "Session",
    v211::Cdr => "Cdr",
    v211::Tariff => "Tariff",
    v211::Token => "Token",
    v211::AuthorizationInfo => "AuthorizationInfo",
    v211::LocationReferences => "LocationReferences",
    v211::ReserveNow => "ReserveNow",
    v211::StartSession => "StartSession",
    v211::StopSession => "StopSession",
    v211::UnlockConnector => "UnlockConnector",
    v211::CommandResponse => "CommandResponse",
};

/// The top-level objects of `version`.
pub fn object_types(version: Version) -> &'static [ObjectType] {
    match version {
        Version::V211 => V211_OBJECTS,
        Version::V221 => V221_OBJECTS,
    }
}

/// The object called `name` (case-insensitive; `CDR` and `EVSE` work too).
pub fn object_type(version: Version, name: &str) -> Result<&'static ObjectType, Error> {
    object_types(version)
        .iter()
        .find(|o| o.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let names: Vec<_> = object_types(version).iter().map(|o| o.name).collect();
            Error::Usage(format!(
                "unknown object '{name}' for OCPI {version}; known objects: {}",
                names.join(", ")
            ))
        })
}

/// The findings for one object (or for the response envelope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectReport {
    /// Where the object is in the payload, e.g. `$`, `$[2]` or `$.data[0]`.
    pub path: String,
    /// What was checked: an object name or `response envelope`.
    pub object: String,
    /// `true` when there is no error.
    pub ok: bool,
    /// `true` when the object misses required fields or holds undecodable
    /// values and was accepted as a partial object (lenient mode only; every
    /// gap is among the warnings).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// The errors.
    pub errors: Vec<Issue>,
    /// The warnings.
    pub warnings: Vec<Issue>,
}

impl ObjectReport {
    fn new(path: &str, object: &str, report: Report) -> Self {
        ObjectReport {
            path: path.to_owned(),
            object: object.to_owned(),
            ok: report.is_ok(),
            partial: false,
            errors: report.errors,
            warnings: report.warnings,
        }
    }

    fn from_error(path: &str, object: &str, error: Error) -> Self {
        let issue = match error {
            Error::Json { path, message } => Issue { path, message },
            other => Issue {
                path: path.to_owned(),
                message: other.to_string(),
            },
        };
        ObjectReport {
            path: path.to_owned(),
            object: object.to_owned(),
            ok: false,
            partial: false,
            errors: vec![issue],
            warnings: Vec::new(),
        }
    }
}

/// Checks a payload holding `object`s of `version`: a single object, a JSON
/// array of them, or a full response envelope (`data`, `status_code`,
/// `timestamp`) around either.
///
/// Returns one report per object, preceded by one for the envelope when there
/// is one. Text that is not JSON gives a single failed report at `$`. Fails only
/// when `object` is unknown.
pub fn check_json(
    version: Version,
    object: &str,
    mode: Mode,
    json: &str,
) -> Result<Vec<ObjectReport>, Error> {
    let object_type = object_type(version, object)?;
    let value: Value = match serde_json::from_str(json) {
        Ok(value) => value,
        Err(e) => {
            return Ok(vec![ObjectReport::from_error(
                "$",
                object_type.name,
                Error::Json {
                    path: "$".to_owned(),
                    message: format!("not valid JSON: {e}"),
                },
            )]);
        }
    };
    Ok(check_value(object_type, mode, &value))
}

/// `true` when `value` looks like a response envelope rather than an object.
pub fn is_envelope(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.contains_key("status_code") && o.contains_key("timestamp"))
}

/// [`check_json`] on a parsed value.
pub fn check_value(object_type: &ObjectType, mode: Mode, value: &Value) -> Vec<ObjectReport> {
    let mut reports = Vec::new();
    let (data, base) = if is_envelope(value) {
        let envelope = match decode_value::<Response<Value>>(value, mode, "$") {
            Ok((envelope, mut report)) => {
                if envelope.status_code.is_success() && envelope.data.is_none() {
                    report.warnings.push(Issue {
                        path: "$.data".to_owned(),
                        message: "a success response without data".to_owned(),
                    });
                }
                ObjectReport::new("$", "response envelope", report)
            }
            Err(error) => ObjectReport::from_error("$", "response envelope", error),
        };
        reports.push(envelope);
        (value.get("data").filter(|d| !d.is_null()), "$.data")
    } else {
        (Some(value), "$")
    };
    match data {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                reports.push(object_type.check(item, mode, &format!("{base}[{i}]")));
            }
        }
        Some(item) => reports.push(object_type.check(item, mode, base)),
    }
    reports
}

/// A human-readable rendering of reports, one line per finding:
///
/// ```text
/// $.data[0] (Location): INVALID, 2 errors, 1 warning
///   error   $.data[0].evses[0].connectors[1].standard: unknown ConnectorType value "TYPE2"; expected one of: ...
/// ```
///
/// A partial object (lenient mode) is `valid but PARTIAL`.
pub fn render_text(reports: &[ObjectReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        out.push_str(&format!(
            "{} ({}): {}, {}, {}\n",
            r.path,
            r.object,
            match (r.ok, r.partial) {
                (true, false) => "valid",
                (true, true) => "valid but PARTIAL",
                (false, _) => "INVALID",
            },
            plural(r.errors.len(), "error"),
            plural(r.warnings.len(), "warning"),
        ));
        for e in &r.errors {
            out.push_str(&format!("  error   {}: {}\n", e.path, e.message));
        }
        for w in &r.warnings {
            out.push_str(&format!("  warning {}: {}\n", w.path, w.message));
        }
    }
    let invalid = reports.iter().filter(|r| !r.ok).count();
    out.push_str(&format!(
        "{} checked, {} valid, {} invalid\n",
        reports.len(),
        reports.len() - invalid,
        invalid
    ));
    out
}
