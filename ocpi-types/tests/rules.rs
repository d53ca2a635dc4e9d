//! The cross-field rules of `ocpi_types::rules`: each broken rule is an error
//! in strict mode and a warning in lenient mode, at the path of the member that
//! breaks it; the spec example it starts from has no finding.

use ocpi_types::check::object_type;
use ocpi_types::{Mode, Report, Version, decode_partial, v221};
use serde_json::{Value, json};

fn example(file: &str) -> Value {
    let path = format!("{}/tests/spec-examples/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn report(version: Version, object: &str, value: &Value, mode: Mode) -> Report {
    let (_, report) = object_type(version, object)
        .expect("known object")
        .decode(value, mode, "$")
        .unwrap_or_else(|e| panic!("{object}: {e}"));
    report
}

fn paths(issues: &[ocpi_types::Issue]) -> Vec<&str> {
    issues.iter().map(|i| i.path.as_str()).collect()
}

/// `value` breaks exactly the rules reported at `expected` (in any order).
fn breaks(version: Version, object: &str, value: &Value, expected: &[&str]) {
    let strict = report(version, object, value, Mode::Strict);
    let mut errors = paths(&strict.errors);
    errors.sort_unstable();
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(errors, expected, "{object} strict: {strict:#?}");
    assert!(strict.warnings.is_empty(), "{strict:#?}");
    let lenient = report(version, object, value, Mode::Lenient);
    assert!(lenient.is_ok(), "{object} lenient: {lenient:#?}");
    let mut warnings = paths(&lenient.warnings);
    warnings.sort_unstable();
    assert_eq!(warnings, expected, "{object} lenient: {lenient:#?}");
}

fn holds(version: Version, object: &str, value: &Value) {
    breaks(version, object, value, &[]);
}

const V: Version = Version::V221;

#[test]
fn publish_allowed_to_only_when_not_published() {
    let mut location = example("location_example_uc4_limited_visibility.json");
    holds(V, "Location", &location);
    location["publish"] = true.into();
    breaks(V, "Location", &location, &["$.publish_allowed_to"]);
}

#[test]
fn publish_tokens_identify_a_token() {
    let mut location = example("location_example_uc4_limited_visibility.json");
    location["publish_allowed_to"] = json!([
        {},
        {"uid": "12345678905880"},
        {"visual_number": "12345-67"},
        {"group_id": "G1"},
        {"issuer": "NewMotion", "type": "RFID"}
    ]);
    breaks(
        V,
        "Location",
        &location,
        &[
            "$.publish_allowed_to[0]",
            "$.publish_allowed_to[1].type",
            "$.publish_allowed_to[2].issuer",
            "$.publish_allowed_to[4]",
        ],
    );
}

#[test]
fn regular_hours_exactly_when_not_24_7() {
    let mut hours = example("location_hours_opening_hours_with_exceptional_opening.json");
    let mut location = example("location_example.json");
    location["opening_times"] = hours.clone();
    holds(V, "Location", &location);

    hours["twentyfourseven"] = true.into();
    location["opening_times"] = hours.clone();
    breaks(V, "Location", &location, &["$.opening_times.regular_hours"]);

    hours["twentyfourseven"] = false.into();
    hours
        .as_object_mut()
        .expect("object")
        .remove("regular_hours");
    location["opening_times"] = hours;
    breaks(V, "Location", &location, &["$.opening_times.regular_hours"]);
}

#[test]
fn periods_end_after_they_begin() {
    let mut location = example("location_example.json");
    location["opening_times"] = json!({
        "twentyfourseven": false,
        "regular_hours": [
            {"weekday": 1, "period_begin": "08:00", "period_end": "20:00"},
            {"weekday": 2, "period_begin": "20:00", "period_end": "08:00"},
            {"weekday": 3, "period_begin": "18:00", "period_end": "00:00"},
            {"weekday": 4, "period_begin": "08:00", "period_end": "08:00"},
            {"weekday": 8, "period_begin": "08:00", "period_end": "20:00"}
        ],
        "exceptional_openings": [
            {"period_begin": "2018-12-25T05:00:00Z", "period_end": "2018-12-25T06:00:00Z"},
            {"period_begin": "2018-12-25T06:00:00Z", "period_end": "2018-12-25T05:00:00Z"}
        ],
        "exceptional_closings": [
            {"period_begin": "2018-12-25T05:00:00Z", "period_end": "2018-12-25T05:00:00Z"}
        ]
    });
    location["evses"][0]["status_schedule"] = json!([
        {"period_begin": "2018-12-25T05:00:00Z", "period_end": "2018-12-25T05:00:00Z",
         "status": "BLOCKED"},
        {"period_begin": "2018-12-25T05:00:00Z", "period_end": "2018-12-24T05:00:00Z",
         "status": "BLOCKED"}
    ]);
    breaks(
        V,
        "Location",
        &location,
        &[
            "$.evses[0].status_schedule[1].period_end",
            "$.opening_times.exceptional_closings[0].period_end",
            "$.opening_times.exceptional_openings[1].period_end",
            "$.opening_times.regular_hours[1].period_end",
            "$.opening_times.regular_hours[2].period_end",
            "$.opening_times.regular_hours[3].period_end",
            "$.opening_times.regular_hours[4].weekday",
        ],
    );
}

#[test]
fn tariff_validity_and_prices() {
    let mut tariff = example("tariff_1_simple_2hour.json");
    tariff["start_date_time"] = "2019-06-01T00:00:00Z".into();
    tariff["end_date_time"] = "2019-07-01T00:00:00Z".into();
    tariff["min_price"] = json!({"excl_vat": 0.50, "incl_vat": 0.60});
    tariff["max_price"] = json!({"excl_vat": 0.50, "incl_vat": 0.60});
    holds(V, "Tariff", &tariff);
    tariff["end_date_time"] = "2019-05-01T00:00:00Z".into();
    tariff["max_price"] = json!({"excl_vat": 0.40, "incl_vat": 0.50});
    let mut expected = vec!["$.end_date_time", "$.max_price", "$.max_price"];
    breaks(V, "Tariff", &tariff, &expected);
    tariff["max_price"] = json!({"excl_vat": 0.40});
    expected.pop();
    breaks(V, "Tariff", &tariff, &expected);
}

#[test]
fn tariff_restriction_ranges() {
    let mut tariff = example("tariff_1_simple_2hour.json");
    let restrictions = json!({
        "start_time": "22:00", "end_time": "06:00",
        "start_date": "2015-12-24", "end_date": "2015-12-27",
        "min_kwh": 0, "max_kwh": 20, "min_current": 6, "max_current": 32,
        "min_power": 5.5, "max_power": 5.5, "min_duration": 0, "max_duration": 1800
    });
    tariff["elements"][0]["restrictions"] = restrictions;
    holds(V, "Tariff", &tariff);
    let r = &mut tariff["elements"][0]["restrictions"];
    r["start_date"] = "2015-12-28".into();
    r["min_kwh"] = 21.into();
    r["min_current"] = 33.into();
    r["max_power"] = 5.4.into();
    r["min_duration"] = (-1).into();
    r["max_duration"] = (-2).into();
    let at = |m: &str| format!("$.elements[0].restrictions.{m}");
    let expected: Vec<String> = [
        "end_date",
        "max_kwh",
        "max_current",
        "max_power",
        "max_duration",
        "min_duration",
        "max_duration",
    ]
    .iter()
    .map(|m| at(m))
    .collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    breaks(V, "Tariff", &tariff, &expected);

    let mut tariff = example("tariff_1_simple_2hour.json");
    tariff["elements"][0]["restrictions"] = json!({"min_kwh": 20, "max_kwh": 10});
    for element in tariff["elements"].as_array_mut().expect("list") {
        for component in element["price_components"].as_array_mut().expect("list") {
            component.as_object_mut().expect("object").remove("vat");
        }
    }
    let mut v211 = serde_json::to_value(
        ocpi_types::v211::convert::tariff_to_v211(
            &serde_json::from_value::<v221::Tariff>(tariff).expect("tariff"),
        )
        .expect("converts"),
    )
    .expect("encodes");
    breaks(
        Version::V211,
        "Tariff",
        &v211,
        &["$.elements[0].restrictions.max_kwh"],
    );
    v211["elements"][0]["restrictions"]["max_kwh"] = 30.into();
    holds(Version::V211, "Tariff", &v211);
}

#[test]
fn session_times_and_periods() {
    let mut session = example("session_example_2_short_finished.json");
    holds(V, "Session", &session);
    session["end_date_time"] = "2015-06-29T22:00:00Z".into();
    let first = session["charging_periods"][0].clone();
    session["charging_periods"]
        .as_array_mut()
        .expect("list")
        .push(first);
    breaks(
        V,
        "Session",
        &session,
        &["$.end_date_time", "$.charging_periods"],
    );
}

#[test]
fn cdr_times_credit_and_parking() {
    let mut cdr = example("cdr_example.json");
    holds(V, "Cdr", &cdr);
    cdr["end_date_time"] = "2015-06-29T20:00:00Z".into();
    cdr["credit"] = true.into();
    cdr["total_parking_time"] = 2.into();
    breaks(
        V,
        "Cdr",
        &cdr,
        &[
            "$.end_date_time",
            "$.credit_reference_id",
            "$.total_parking_time",
        ],
    );
    // An unknown end is sent as the Unix epoch; a credit names its CDR.
    cdr["end_date_time"] = "1970-01-01T00:00:00Z".into();
    cdr["credit_reference_id"] = "12345".into();
    cdr["total_parking_time"] = 1.973.into();
    holds(V, "Cdr", &cdr);
}

#[test]
fn cdr_dimensions() {
    let mut cdr = example("cdr_example.json");
    cdr["charging_periods"][0]["dimensions"] = json!([
        {"type": "TIME", "volume": 1.973},
        {"type": "STATE_OF_CHARGE", "volume": 80},
        {"type": "POWER", "volume": 11}
    ]);
    breaks(
        V,
        "Cdr",
        &cdr,
        &[
            "$.charging_periods[0].dimensions[1].type",
            "$.charging_periods[0].dimensions[2].type",
        ],
    );
    // In a Session they are fine, but a state of charge is a percentage.
    let mut session = example("session_example_2_short_finished.json");
    session["charging_periods"][0]["dimensions"] = json!([
        {"type": "STATE_OF_CHARGE", "volume": 80},
        {"type": "POWER", "volume": 11}
    ]);
    holds(V, "Session", &session);
    session["charging_periods"][0]["dimensions"][0]["volume"] = 101.into();
    breaks(
        V,
        "Session",
        &session,
        &["$.charging_periods[0].dimensions[0].volume"],
    );
}

#[test]
fn start_session_names_the_evse_of_its_connector() {
    let token = example("token_example_1_app_user.json");
    let mut start = json!({
        "response_url": "https://www.server.com/ocpi/emsp/2.2.1/commands/START_SESSION/1",
        "token": token,
        "location_id": "LOC1",
        "evse_uid": "3256",
        "connector_id": "1"
    });
    holds(V, "StartSession", &start);
    start.as_object_mut().expect("object").remove("evse_uid");
    breaks(V, "StartSession", &start, &["$.evse_uid"]);
    start
        .as_object_mut()
        .expect("object")
        .remove("connector_id");
    holds(V, "StartSession", &start);
}

#[test]
fn rules_touching_a_gap_are_not_checked() {
    // `end_date_time` cannot be decoded; its stand-in must not be compared
    // with `start_date_time`.
    let mut tariff = example("tariff_1_simple_2hour.json");
    tariff["start_date_time"] = "2019-06-01T00:00:00Z".into();
    tariff["end_date_time"] = "next week".into();
    let (decoded, report) =
        decode_partial::<v221::Tariff>(&tariff, Mode::Lenient, "$").expect("partial");
    assert!(decoded.is_partial());
    assert_eq!(paths(&report.warnings), ["$.end_date_time"]);

    let mut hours = example("location_hours_opening_hours_with_exceptional_opening.json");
    hours["regular_hours"] = "weekdays".into();
    let (decoded, report) =
        decode_partial::<v221::Hours>(&hours, Mode::Lenient, "$").expect("partial");
    assert!(decoded.is_partial());
    assert_eq!(paths(&report.warnings), ["$.regular_hours"]);
}
