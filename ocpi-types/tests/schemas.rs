//! The JSON Schemas checked in under `schemas/ocpi/` match the code.
//!
//! Regenerate them with `OCPI_SCHEMAS_UPDATE=1 cargo test -p ocpi-types --test schemas`.

use std::path::PathBuf;

use ocpi_types::Version;
use ocpi_types::check::object_types;
use ocpi_types::schema::{schema_files, stale_schemas, write_schemas};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/ocpi")
}

#[test]
fn exported_schemas_are_up_to_date() {
    if std::env::var("OCPI_SCHEMAS_UPDATE").as_deref() == Ok("1") {
        write_schemas(&root()).expect("schemas written");
    }
    let stale = stale_schemas(&root()).expect("schemas readable");
    assert!(
        stale.is_empty(),
        "the JSON Schemas under schemas/ocpi are stale; run \
         `OCPI_SCHEMAS_UPDATE=1 cargo test -p ocpi-types --test schemas`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn one_schema_per_top_level_object() {
    for version in Version::ALL {
        let files = schema_files(version);
        assert_eq!(files.len(), object_types(version).len());
        for (name, text) in files {
            let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
            assert_eq!(
                schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{version} {name}"
            );
            assert!(
                jsonschema::meta::is_valid(&schema),
                "{version} {name} is not a valid schema"
            );
        }
    }
}
