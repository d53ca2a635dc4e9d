//! The official schema files: which message each one describes, how to walk it, and the
//! independent validator built from it.

use std::fmt;
use std::path::PathBuf;

use serde_json::Value;

/// An OCPP version whose schemas live in `schemas/ocpp/<dir>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V16,
    V201,
    V21,
}

impl Version {
    pub(crate) const ALL: [Version; 3] = [Version::V16, Version::V201, Version::V21];

    /// The folder of the version's schema files.
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Version::V16 => "1.6",
            Version::V201 => "2.0.1",
            Version::V21 => "2.1",
        }
    }

    /// How many schema files the version has.
    pub(crate) fn file_count(self) -> usize {
        match self {
            Version::V16 => 78,
            Version::V201 => 128,
            Version::V21 => 181,
        }
    }
}

/// Whether a schema describes a request (CALL or SEND) or a response (CALLRESULT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Request,
    Response,
}

/// One official schema file and the message it describes.
#[derive(Debug, Clone)]
pub(crate) struct SchemaFile {
    pub(crate) version: Version,
    pub(crate) action: String,
    pub(crate) kind: Kind,
    /// `1.6/StopTransaction.json`: how failures name the file.
    pub(crate) label: String,
    pub(crate) schema: Value,
}

impl fmt::Display for SchemaFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:?} of {})", self.label, self.kind, self.action)
    }
}

/// The folder holding the version folders of the official schemas.
pub(crate) fn schema_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/ocpp")
}

/// The action and kind a schema file describes, from its name: in 1.6 `X.json` is the
/// request of X and `XResponse.json` its response; in 2.x `XRequest.json` and
/// `XResponse.json`, and 2.1's `NotifyPeriodicEventStream.json` is a SEND request.
pub(crate) fn classify(version: Version, stem: &str) -> Option<(String, Kind)> {
    if let Some(action) = stem.strip_suffix("Response") {
        return Some((action.to_owned(), Kind::Response));
    }
    match version {
        Version::V16 => Some((stem.to_owned(), Kind::Request)),
        Version::V201 | Version::V21 => {
            if let Some(action) = stem.strip_suffix("Request") {
                Some((action.to_owned(), Kind::Request))
            } else if version == Version::V21 && stem == "NotifyPeriodicEventStream" {
                Some((stem.to_owned(), Kind::Request))
            } else {
                None
            }
        }
    }
}

/// Every schema file of `version`, sorted by name.
pub(crate) fn load(version: Version) -> Vec<SchemaFile> {
    let dir = schema_root().join(version.dir());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let stem = name.strip_suffix(".json").unwrap();
            let (action, kind) = classify(version, stem)
                .unwrap_or_else(|| panic!("{}/{name}: not a request or response", version.dir()));
            let text = std::fs::read_to_string(dir.join(&name)).unwrap();
            let schema: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
                .unwrap_or_else(|e| panic!("{}/{name}: {e}", version.dir()));
            SchemaFile {
                version,
                action,
                kind,
                label: format!("{}/{name}", version.dir()),
                schema,
            }
        })
        .collect()
}

/// Every schema file of every version.
pub(crate) fn load_all() -> Vec<SchemaFile> {
    Version::ALL.into_iter().flat_map(load).collect()
}

/// `node` with its `$ref`s (all of the form `#/definitions/Name`) followed.
pub(crate) fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            return node;
        };
        let name = reference
            .strip_prefix("#/definitions/")
            .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        node = root
            .get("definitions")
            .and_then(|definitions| definitions.get(name))
            .unwrap_or_else(|| panic!("dangling $ref {reference}"));
    }
    panic!("$ref chain too long");
}

/// The schema's `type`, if it has one.
pub(crate) fn type_of(node: &Value) -> Option<&str> {
    node.get("type").and_then(Value::as_str)
}

/// A non-negative integer keyword (`maxLength`, `minItems`, ...).
pub(crate) fn usize_keyword(node: &Value, keyword: &str) -> Option<usize> {
    node.get(keyword)
        .and_then(Value::as_u64)
        .map(|n| usize::try_from(n).unwrap())
}

/// The draft a file is written in, from its `$schema`: the 1.6 core files are draft-04
/// (with `id`), every other file draft-06 (with `$id`).
pub(crate) fn draft_of(file: &SchemaFile) -> jsonschema::Draft {
    let declared = file.schema.get("$schema").and_then(Value::as_str);
    match declared {
        Some("http://json-schema.org/draft-04/schema#") => {
            assert!(
                file.schema.get("id").is_some() && file.schema.get("$id").is_none(),
                "{}: a draft-04 file names itself with `id`",
                file.label
            );
            jsonschema::Draft::Draft4
        }
        Some("http://json-schema.org/draft-06/schema#") => {
            assert!(
                file.schema.get("$id").is_some() && file.schema.get("id").is_none(),
                "{}: a draft-06 file names itself with `$id`",
                file.label
            );
            jsonschema::Draft::Draft6
        }
        other => panic!("{}: unexpected $schema {other:?}", file.label),
    }
}

/// The independent validator of a file: the draft its `$schema` names, formats asserted
/// (unknown ones refused), and no retrieval of anything outside the file.
pub(crate) fn validator_for(file: &SchemaFile) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(draft_of(file))
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .offline()
        .build(&file.schema)
        .unwrap_or_else(|e| panic!("{}: the validator rejects the schema: {e}", file.label))
}
