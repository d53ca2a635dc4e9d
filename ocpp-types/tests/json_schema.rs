//! Every generated type describes itself with `schemars`, in its wire names.

use ocpp_types::{v16, v21, v201};
use schemars::schema_for;
use serde_json::{Value, json};

#[test]
fn schemas_use_wire_names_and_list_enum_values() {
    let schema = serde_json::to_value(schema_for!(v16::BootNotificationRequest)).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    assert!(properties.contains_key("chargePointVendor"));
    assert!(properties.contains_key("chargeBoxSerialNumber"));
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, ["chargePointModel", "chargePointVendor"]);

    let schema = serde_json::to_value(schema_for!(v16::Measurand)).unwrap();
    let values = schema["enum"].as_array().unwrap();
    assert_eq!(values.len(), 22);
    assert!(values.contains(&json!("Energy.Active.Import.Register")));
}

#[test]
fn numbers_and_timestamps_are_described_as_on_the_wire() {
    let schema = serde_json::to_value(schema_for!(v201::MeterValuesRequest)).unwrap();
    let text = schema.to_string();
    assert!(text.contains(r#""format":"date-time""#), "{text}");
    let sampled = &schema["$defs"]["SampledValue"]["properties"]["value"];
    assert_eq!(sampled["type"], "number", "{sampled}");
}

#[test]
fn a_payload_validates_against_the_exported_schema() {
    let schema = serde_json::to_value(schema_for!(v21::BootNotificationRequest)).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let payload =
        json!({"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}});
    assert!(validator.is_valid(&payload));
    let wrong = json!({"reason": 5, "chargingStation": {"model": "M", "vendorName": "V"}});
    assert!(!validator.is_valid(&wrong));
}
