//! Negative cases for every top-level object of both versions: a missing
//! required field, an over-long string, an unknown enum value and a wrong
//! timestamp format, each reported at the right JSON path. Plus nested cases
//! on a specification example.

mod support;

use ocpi_types::check::{ObjectType, check_json, object_types};
use ocpi_types::{Error, Mode, Version};
use serde_json::Value;

struct Fixture {
    schema: Value,
    valid: Value,
}

fn fixture(object: &ObjectType) -> Fixture {
    let schema = serde_json::to_value(object.schema()).expect("schema");
    let mut valid = support::minimal(&schema, &schema);
    // The first dimension type, CURRENT, may only be used in Sessions.
    if valid.get("cdr_location").is_some() {
        if let Some(t) = valid.pointer_mut("/charging_periods/0/dimensions/0/type") {
            *t = "ENERGY".into();
        }
    }
    Fixture { schema, valid }
}

fn properties(f: &Fixture) -> Vec<(String, Value)> {
    f.schema["properties"]
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.clone(), support::resolve(v, &f.schema).clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn json_error(object: &ObjectType, value: &Value, mode: Mode) -> (String, String) {
    match object.decode(value, mode, "$") {
        Err(Error::Json { path, message }) => (path, message),
        other => panic!(
            "{}: expected a decoding error, got {other:?}",
            object.name()
        ),
    }
}

#[test]
fn minimal_instances_are_valid() {
    for version in Version::ALL {
        for object in object_types(version) {
            let f = fixture(object);
            let (_, report) = object
                .decode(&f.valid, Mode::Strict, "$")
                .unwrap_or_else(|e| panic!("{version} {}: {e}", object.name()));
            assert!(report.is_ok(), "{version} {}: {report:?}", object.name());
        }
    }
}

#[test]
fn missing_required_fields_are_named() {
    for version in Version::ALL {
        for object in object_types(version) {
            let f = fixture(object);
            for name in f.schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().expect("name");
                let mut value = f.valid.clone();
                value.as_object_mut().expect("object").remove(name);
                for mode in [Mode::Strict, Mode::Lenient] {
                    let (path, message) = json_error(object, &value, mode);
                    assert_eq!(path, format!("$.{name}"), "{version} {}", object.name());
                    assert_eq!(message, "required field is missing");
                }
                // Lenient partial reading keeps the object as sent and names the gap.
                let (kept, report, partial) = object
                    .decode_partial(&value, Mode::Lenient, "$")
                    .unwrap_or_else(|e| panic!("{version} {}: {e}", object.name()));
                assert!(partial && report.is_ok(), "{version} {}", object.name());
                assert_eq!(kept, value);
                assert_eq!(report.warnings[0].path, format!("$.{name}"));
                assert!(object.decode_partial(&value, Mode::Strict, "$").is_err());
            }
        }
    }
}

#[test]
fn unknown_top_level_fields_are_kept_in_lenient_mode_only() {
    for version in Version::ALL {
        for object in object_types(version) {
            let f = fixture(object);
            let mut value = f.valid.clone();
            value["x_partner_extension"] = serde_json::json!({"tier": "gold", "points": [1, 2]});
            let (kept, lenient) = object
                .decode(&value, Mode::Lenient, "$")
                .unwrap_or_else(|e| panic!("{version} {}: {e}", object.name()));
            assert!(lenient.is_ok());
            assert_eq!(lenient.warnings[0].path, "$.x_partner_extension");
            assert!(
                support::json_eq(&kept, &value),
                "{version} {}: {:?}",
                object.name(),
                support::first_difference(&value, &kept, "$")
            );
            let (kept, report, partial) = object
                .decode_partial(&value, Mode::Lenient, "$")
                .expect("decodes");
            assert!(!partial && report == lenient && support::json_eq(&kept, &value));
            let (dropped, strict) = object.decode(&value, Mode::Strict, "$").expect("decodes");
            assert_eq!(strict.errors[0].path, "$.x_partner_extension");
            assert!(dropped.get("x_partner_extension").is_none());
        }
    }
}

#[test]
fn over_long_strings_are_errors_in_strict_and_warnings_in_lenient_mode() {
    let mut checked = 0;
    for version in Version::ALL {
        for object in object_types(version) {
            let f = fixture(object);
            for (name, property) in properties(&f) {
                let Some(max) = property.get("maxLength").and_then(Value::as_u64) else {
                    continue;
                };
                if property.get("format").is_some()
                    || support::schema_type(&property) != Some("string")
                {
                    continue;
                }
                let mut value = f.valid.clone();
                let long: String = match property["pattern"].as_str() {
                    Some(p) if p.contains(':') => {
                        format!("https://example.com/{}", "a".repeat(max as usize))
                    }
                    Some(p) if p.contains("[0-9]") => continue,
                    _ => "A".repeat(max as usize + 1),
                };
                value[&name] = Value::String(long);
                let path = format!("$.{name}");
                let (_, strict) = object.decode(&value, Mode::Strict, "$").expect("decodes");
                assert!(
                    strict
                        .errors
                        .iter()
                        .any(|e| e.path == path && e.message.contains("at most")),
                    "{version} {} {name}: {strict:?}",
                    object.name()
                );
                let (kept, lenient) = object.decode(&value, Mode::Lenient, "$").expect("decodes");
                assert!(lenient.is_ok(), "{version} {}: {lenient:?}", object.name());
                assert!(lenient.warnings.iter().any(|w| w.path == path));
                assert_eq!(kept[&name], value[&name], "the string is kept in full");
                checked += 1;
            }
        }
    }
    assert!(checked > 60, "only {checked} string fields checked");
}

#[test]
fn unknown_enum_values_are_kept_and_reported() {
    let mut checked = 0;
    for version in Version::ALL {
        for object in object_types(version) {
            let f = fixture(object);
            for (name, property) in properties(&f) {
                if property.get("enum").is_none()
                    || !f.valid.get(&name).is_some_and(Value::is_string)
                {
                    continue;
                }
                let mut value = f.valid.clone();
                value[&name] = Value::String("NOT_IN_THE_SPEC".to_owned());
                let path = format!("$.{name}");
                let (_, strict) = object.decode(&value, Mode::Strict, "$").expect("decodes");
                assert!(
                    strict
                        .errors
                        .iter()
                        .any(|e| e.path == path && e.message.contains("NOT_IN_THE_SPEC")),
                    "{version} {} {name}: {strict:?}",
                    object.name()
                );
                let (kept, lenient) = object.decode(&value, Mode::Lenient, "$").expect("decodes");
                assert!(lenient.is_ok() && lenient.warnings.iter().any(|w| w.path == path));
                assert_eq!(
                    kept[&name], "NOT_IN_THE_SPEC",
                    "the value survives the round trip"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 25, "only {checked} enum fields checked");
}

#[test]
fn malformed_timestamps_are_errors_and_offsets_violations() {
    let mut checked = 0;
    for version in Version::ALL {
        for object in object_types(version) {
            let f = fixture(object);
            for (name, property) in properties(&f) {
                if property.get("format").and_then(Value::as_str) != Some("date-time")
                    || f.valid.get(&name).is_none()
                {
                    continue;
                }
                let path = format!("$.{name}");
                let mut value = f.valid.clone();
                value[&name] = Value::String("24-06-2019 12:39".to_owned());
                for mode in [Mode::Strict, Mode::Lenient] {
                    let (error_path, message) = json_error(object, &value, mode);
                    assert_eq!(error_path, path);
                    assert!(message.contains("invalid DateTime"), "{message}");
                }
                value[&name] = Value::String("2019-06-24T14:39:09+02:00".to_owned());
                let (_, strict) = object.decode(&value, Mode::Strict, "$").expect("decodes");
                assert!(
                    strict
                        .errors
                        .iter()
                        .any(|e| e.path == path && e.message.contains("offset"))
                );
                let (kept, lenient) = object.decode(&value, Mode::Lenient, "$").expect("decodes");
                assert!(lenient.is_ok());
                assert_eq!(kept[&name], "2019-06-24T12:39:09Z");
                value[&name] = Value::String("2019-06-24T12:39:09".to_owned());
                let (_, report) = object.decode(&value, Mode::Strict, "$").expect("decodes");
                assert!(
                    report.is_ok(),
                    "a timestamp without designator is UTC: {report:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 25, "only {checked} timestamp fields checked");
}

#[test]
fn nested_violations_carry_their_full_path() {
    let text = include_str!("spec-examples/location_example.json");
    let mut location: Value = serde_json::from_str(text).expect("example");
    location["evses"][1]["connectors"][0]["standard"] = "TYPE2".into();
    location["evses"][0]["connectors"][0]["tariff_ids"][0] = "X".repeat(40).into();
    location["evses"][0]["capabilities"][0] = "TELEPORT".into();
    location["evses"][1]["colour"] = "green".into();
    location["coordinates"]["latitude"] = "51.0475,99".into();
    let json = location.to_string();
    let reports = check_json(Version::V221, "Location", Mode::Strict, &json).expect("known object");
    let paths: Vec<&str> = reports[0].errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.coordinates.latitude",
            "$.evses[0].capabilities[0]",
            "$.evses[0].connectors[0].tariff_ids[0]",
            "$.evses[1].connectors[0].standard",
            "$.evses[1].colour",
        ]
    );
    let reports =
        check_json(Version::V221, "Location", Mode::Lenient, &json).expect("known object");
    assert!(reports[0].ok);
    assert_eq!(reports[0].warnings.len(), 5);

    location["evses"][1]["connectors"][0]
        .as_object_mut()
        .expect("object")
        .remove("max_voltage");
    let reports = check_json(
        Version::V221,
        "Location",
        Mode::Strict,
        &location.to_string(),
    )
    .expect("known");
    assert_eq!(
        reports[0].errors[0].path,
        "$.evses[1].connectors[0].max_voltage"
    );
    // Lenient mode keeps the Location as a partial object and names the gap.
    let reports = check_json(
        Version::V221,
        "Location",
        Mode::Lenient,
        &location.to_string(),
    )
    .expect("known");
    assert!(reports[0].ok && reports[0].partial);
    assert_eq!(
        reports[0].warnings[0].path,
        "$.evses[1].connectors[0].max_voltage"
    );
    assert!(reports[0].warnings[0].message.contains("missing"));
    assert_eq!(reports[0].warnings.len(), 6);
    location["evses"][1]["connectors"][0]["max_voltage"] = "230".into();
    for mode in [Mode::Strict, Mode::Lenient] {
        let reports =
            check_json(Version::V221, "Location", mode, &location.to_string()).expect("known");
        let issues = match mode {
            Mode::Strict => &reports[0].errors,
            Mode::Lenient => &reports[0].warnings,
        };
        assert_eq!(issues[0].path, "$.evses[1].connectors[0].max_voltage");
        assert!(issues[0].message.contains("invalid type"), "{issues:?}");
    }
}

#[test]
fn envelopes_lists_and_bad_json() {
    let token = include_str!("spec-examples/token_example_1_app_user.json");
    let list = format!("[{token}, {{\"uid\": 1}}]");
    let reports = check_json(Version::V221, "token", Mode::Strict, &list).expect("known object");
    assert_eq!(reports.len(), 2);
    assert!(reports[0].ok);
    assert!(!reports[1].ok);
    assert_eq!(reports[1].path, "$[1]");
    assert_eq!(reports[1].errors[0].path, "$[1].uid");

    let envelope = format!(
        "{{\"data\": {token}, \"status_code\": 1234, \"timestamp\": \"2015-06-30T21:59:59Z\"}}"
    );
    let reports =
        check_json(Version::V221, "Token", Mode::Strict, &envelope).expect("known object");
    assert_eq!(reports[0].object, "response envelope");
    assert_eq!(reports[0].errors[0].path, "$.status_code");
    assert_eq!(reports[1].path, "$.data");
    assert!(reports[1].ok);

    let reports =
        check_json(Version::V221, "Token", Mode::Strict, "{not json").expect("known object");
    assert!(!reports[0].ok);
    assert!(check_json(Version::V221, "Teapot", Mode::Strict, "{}").is_err());
}

#[test]
fn text_rendering_names_every_finding() {
    let tariff = include_str!("spec-examples/tariff_put_example.json");
    let reports = check_json(Version::V221, "Tariff", Mode::Strict, tariff).expect("known object");
    let text = ocpi_types::check::render_text(&reports);
    assert_eq!(
        text,
        "$ (Tariff): INVALID, 1 error, 0 warnings\n  error   $.last_updated: required field is missing\n\
         1 checked, 0 valid, 1 invalid\n"
    );
}
