//! Decoding and validation of typed payloads: paths, codes, and the two modes.

use ocpp_types::validate::{ValidationOptions, ViolationKind};
use ocpp_types::{ErrorCode, OcppCall, OcppMessage, OcppVersion, Sender, v16, v21, v201};

fn strict() -> ValidationOptions {
    ValidationOptions::strict()
}

fn lenient() -> ValidationOptions {
    ValidationOptions::lenient()
}

#[test]
fn a_valid_payload_decodes_and_round_trips() {
    let payload = r#"{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2024-05-01T10:00:00.250+02:00","sampledValue":[{"value":"1234.5","measurand":"Energy.Active.Import.Register","unit":"kWh","phase":"L1-N","context":"Sample.Periodic"}]}]}"#;
    let decoded = v16::Request::decode("MeterValues", payload, &strict()).unwrap();
    assert!(decoded.warnings.is_empty());
    let v16::Request::MeterValues(request) = &decoded.value else {
        panic!("wrong variant: {:?}", decoded.value);
    };
    let sample = &request.meter_value[0].sampled_value[0];
    assert_eq!(
        sample.measurand,
        Some(v16::Measurand::EnergyActiveImportRegister)
    );
    assert_eq!(sample.phase, Some(v16::Phase::L1N));
    let written = serde_json::to_string(&decoded.value).unwrap();
    assert_eq!(
        written,
        r#"{"connectorId":1,"meterValue":[{"sampledValue":[{"context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","phase":"L1-N","unit":"kWh","value":"1234.5"}],"timestamp":"2024-05-01T08:00:00.250Z"}],"transactionId":42}"#
    );
}

#[test]
fn missing_field_is_an_occurrence_violation_with_its_path() {
    let payload = r#"{"chargingStation":{"vendorName":"Acme"},"reason":"PowerUp"}"#;
    let error = v201::Request::decode("BootNotification", payload, &strict()).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::OccurrenceConstraintViolation);
    assert_eq!(error.errors[0].path.to_string(), "$.chargingStation.model");
    assert_eq!(
        error.error_code().wire_name(OcppVersion::V16),
        "OccurenceConstraintViolation"
    );
}

#[test]
fn wrong_type_deep_in_an_array_names_the_index() {
    let payload = r#"{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"1"},{"value":2}]}]}"#;
    let error = v16::Request::decode("MeterValues", payload, &lenient()).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::TypeConstraintViolation);
    assert_eq!(
        error.errors[0].path.to_string(),
        "$.meterValue[0].sampledValue[1].value"
    );
}

#[test]
fn an_object_given_as_an_array_is_a_type_violation() {
    let payload = r#"{"chargingStation":["model","vendor"],"reason":"PowerUp"}"#;
    let error = v201::Request::decode("BootNotification", payload, &lenient()).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::TypeConstraintViolation);
    assert_eq!(error.errors[0].path.to_string(), "$.chargingStation");
}

#[test]
fn unknown_fields_are_errors_when_strict_and_warnings_when_lenient() {
    let payload = r#"{"chargePointVendor":"Acme","chargePointModel":"X","vendorExtra":{"a":1}}"#;
    let error = v16::Request::decode("BootNotification", payload, &strict()).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::FormatViolation);
    assert_eq!(error.errors[0].kind, ViolationKind::UnknownField);
    assert_eq!(error.errors[0].path.to_string(), "$.vendorExtra");
    assert_eq!(
        error.error_code().wire_name(OcppVersion::V16),
        "FormationViolation"
    );

    let decoded = v16::Request::decode("BootNotification", payload, &lenient()).unwrap();
    assert_eq!(decoded.warnings.len(), 1);
    assert_eq!(decoded.warnings[0].path.to_string(), "$.vendorExtra");
}

#[test]
fn custom_data_keeps_its_vendor_members() {
    let payload = r#"{"currentTime":"2024-05-01T10:00:00Z","customData":{"vendorId":"acme","plan":{"tier":2}}}"#;
    let decoded = v201::HeartbeatResponse::decode(payload, &strict()).unwrap();
    let custom = decoded.value.custom_data.as_ref().unwrap();
    assert_eq!(custom.vendor_id, "acme");
    assert_eq!(custom.extra["plan"]["tier"], 2);
    let back: serde_json::Value = serde_json::to_value(&decoded.value).unwrap();
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(payload).unwrap()
    );
}

#[test]
fn unknown_enum_values_survive_a_lenient_round_trip() {
    let payload = r#"{"connectorId":1,"errorCode":"NoError","status":"Parked"}"#;
    let error = v16::Request::decode("StatusNotification", payload, &strict()).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::PropertyConstraintViolation);
    assert_eq!(error.errors[0].path.to_string(), "$.status");

    let decoded = v16::Request::decode("StatusNotification", payload, &lenient()).unwrap();
    let v16::Request::StatusNotification(status) = &decoded.value else {
        panic!("wrong variant");
    };
    assert_eq!(
        status.status,
        v16::ChargePointStatus::Unrecognized("Parked".into())
    );
    assert_eq!(decoded.warnings[0].kind, ViolationKind::UnknownEnumValue);
    assert_eq!(
        serde_json::to_value(&decoded.value).unwrap(),
        serde_json::from_str::<serde_json::Value>(payload).unwrap()
    );
}

#[test]
fn over_long_strings_are_kept_when_lenient_and_overrides_raise_limits() {
    let serial = "S".repeat(50);
    let payload = format!(
        r#"{{"chargePointVendor":"Acme","chargePointModel":"X","chargePointSerialNumber":"{serial}"}}"#
    );
    let error = v16::BootNotificationRequest::decode(&payload, &strict()).unwrap_err();
    assert_eq!(error.errors[0].kind, ViolationKind::TooLong);
    assert_eq!(
        error.errors[0].path.to_string(),
        "$.chargePointSerialNumber"
    );

    let decoded = v16::BootNotificationRequest::decode(&payload, &lenient()).unwrap();
    assert_eq!(
        decoded.value.charge_point_serial_number.as_deref(),
        Some(serial.as_str())
    );
    assert_eq!(decoded.warnings.len(), 1);

    let options = strict()
        .with_max_length("BootNotification", "$.chargePointSerialNumber", 50)
        .unwrap();
    let decoded = v16::BootNotificationRequest::decode(&payload, &options).unwrap();
    assert!(decoded.warnings.is_empty());
    let longer = payload.replace(&serial, &"S".repeat(51));
    assert!(v16::BootNotificationRequest::decode(&longer, &options).is_err());
}

#[test]
fn max_length_counts_characters_not_bytes() {
    // 20 characters, 40 bytes: valid.
    let vendor = "é".repeat(20);
    let payload = format!(r#"{{"chargePointVendor":"{vendor}","chargePointModel":"X"}}"#);
    assert!(v16::BootNotificationRequest::decode(&payload, &strict()).is_ok());
    let payload = payload.replace(&vendor, &format!("{vendor}é"));
    assert!(v16::BootNotificationRequest::decode(&payload, &strict()).is_err());
}

#[test]
fn null_for_an_optional_field() {
    let payload = r#"{"chargePointVendor":"Acme","chargePointModel":"X","iccid":null}"#;
    let error = v16::BootNotificationRequest::decode(payload, &strict()).unwrap_err();
    assert_eq!(error.errors[0].kind, ViolationKind::NullValue);
    assert_eq!(error.error_code(), ErrorCode::TypeConstraintViolation);
    let decoded = v16::BootNotificationRequest::decode(payload, &lenient()).unwrap();
    assert_eq!(decoded.value.iccid, None);
    assert_eq!(decoded.warnings[0].path.to_string(), "$.iccid");
}

#[test]
fn timestamps_without_time_zone_are_read_as_utc_when_lenient() {
    let payload = r#"{"currentTime":"2024-05-01T10:00:00.5"}"#;
    let error = v16::HeartbeatResponse::decode(payload, &strict()).unwrap_err();
    assert_eq!(error.errors[0].kind, ViolationKind::NonStandardTimestamp);
    let decoded = v16::HeartbeatResponse::decode(payload, &lenient()).unwrap();
    assert_eq!(
        serde_json::to_string(&decoded.value).unwrap(),
        r#"{"currentTime":"2024-05-01T10:00:00.500Z"}"#
    );
    let bad = v16::HeartbeatResponse::decode(r#"{"currentTime":"noon"}"#, &lenient()).unwrap_err();
    assert_eq!(bad.errors[0].kind, ViolationKind::InvalidFormat);
    assert_eq!(bad.errors[0].path.to_string(), "$.currentTime");
}

#[test]
fn numbers_are_exact_and_multiple_of_is_checked_exactly() {
    // SetChargingProfile 1.6: limit has multipleOf 0.1.
    let payload = r#"{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":2.8}]}}}"#;
    let decoded = v16::Request::decode("SetChargingProfile", payload, &strict()).unwrap();
    assert!(
        serde_json::to_string(&decoded.value)
            .unwrap()
            .contains(r#""limit":2.8"#)
    );
    let bad = payload.replace("2.8", "2.85");
    let error = v16::Request::decode("SetChargingProfile", &bad, &strict()).unwrap_err();
    assert_eq!(error.errors[0].kind, ViolationKind::NotMultipleOf);
    assert_eq!(
        error.errors[0].path.to_string(),
        "$.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"
    );
}

#[test]
fn celsius_is_accepted_in_both_spellings() {
    for unit in ["Celcius", "Celsius"] {
        let payload = format!(
            r#"{{"transactionId":1,"meterStop":10,"timestamp":"2024-05-01T10:00:00Z","transactionData":[{{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{{"value":"21","measurand":"Temperature","unit":"{unit}"}}]}}]}}"#
        );
        let decoded = v16::Request::decode("StopTransaction", &payload, &strict()).unwrap();
        assert!(
            serde_json::to_string(&decoded.value)
                .unwrap()
                .contains(unit)
        );
    }
}

#[test]
fn unknown_actions_are_not_implemented() {
    let error = v201::Request::decode("MakeCoffee", "{}", &lenient()).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::NotImplemented);
}

#[test]
fn out_of_range_integers_name_their_bound() {
    // 2.1 NotifyEVChargingNeeds: evseId has minimum 1.
    let error = v21::Request::decode(
        "NotifyEVChargingNeeds",
        r#"{"evseId":0,"chargingNeeds":{"requestedEnergyTransfer":"DC"}}"#,
        &strict(),
    )
    .unwrap_err();
    assert_eq!(error.errors[0].kind, ViolationKind::BelowMinimum);
    assert_eq!(error.errors[0].path.to_string(), "$.evseId");
    assert_eq!(error.error_code(), ErrorCode::PropertyConstraintViolation);
}

#[test]
fn pairing_and_action_tables() {
    fn action_of<C: OcppCall>() -> (&'static str, Sender) {
        (C::ACTION, C::SENDER)
    }
    assert_eq!(
        action_of::<v16::RemoteStartTransactionRequest>(),
        ("RemoteStartTransaction", Sender::Csms)
    );
    assert_eq!(
        action_of::<v201::TransactionEventRequest>(),
        ("TransactionEvent", Sender::ChargingStation)
    );
    assert_eq!(v16::ACTIONS.len(), 39);
    assert_eq!(v201::ACTIONS.len(), 64);
    assert_eq!(v21::ACTIONS.len(), 91);
    let stream = v21::action_info("NotifyPeriodicEventStream").unwrap();
    assert!(!stream.has_response);
    assert_eq!(v21::ACTIONS.iter().filter(|a| !a.has_response).count(), 1);
    assert_eq!(
        <v21::NotifyPeriodicEventStream as OcppMessage>::VERSION,
        OcppVersion::V21
    );
    assert_eq!(
        v16::action_info("DataTransfer").unwrap().sender,
        Sender::Both
    );
}

#[test]
fn null_is_a_value_of_free_form_data() {
    let payload = r#"{"vendorId":"Acme","data":null}"#;
    let decoded = v201::DataTransferRequest::decode(payload, &strict()).unwrap();
    assert_eq!(decoded.value.data, Some(serde_json::Value::Null));
    assert_eq!(
        serde_json::to_string(&decoded.value).unwrap(),
        r#"{"data":null,"vendorId":"Acme"}"#
    );
}

#[test]
fn integers_with_a_fraction_are_tolerated_only_where_the_schema_allows_them() {
    // 1.6 core schemas are draft-04: `300.0` is not an integer there.
    let payload = r#"{"currentTime":"2024-05-01T10:00:00Z","interval":300.0,"status":"Accepted"}"#;
    let error = v16::BootNotificationResponse::decode(payload, &strict()).unwrap_err();
    assert_eq!(error.errors[0].kind, ViolationKind::IntegerWithFraction);
    assert_eq!(error.errors[0].path.to_string(), "$.interval");
    let decoded = v16::BootNotificationResponse::decode(payload, &lenient()).unwrap();
    assert_eq!(decoded.value.interval, 300);
    // 2.0.1 schemas are draft-06, where it is.
    let decoded = v201::BootNotificationResponse::decode(payload, &strict()).unwrap();
    assert_eq!(decoded.value.interval, 300);
}
