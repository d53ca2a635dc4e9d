//! Conversions of Sessions and CDRs between OCPI 2.1.1 and 2.2.1: round trips
//! both ways from the spec examples, and the typed error, with its path, for
//! every value the other version cannot hold.

use ocpi_types::common::{CiString, DateTime, Price};
use ocpi_types::v211::convert::{
    CdrV221, Party, SessionV221, cdr_to_v211, cdr_to_v221, location_to_v211, published_cdr_to_v211,
    published_session_to_v211, session_to_v211, session_to_v221,
};
use ocpi_types::{Error, Mode, Validate, v211, v221};
use serde::de::DeserializeOwned;

fn example<T: DeserializeOwned>(file: &str) -> T {
    let path = format!("{}/tests/spec-examples/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn owner() -> Party {
    Party {
        country_code: CiString::from("BE"),
        party_id: CiString::from("BEC"),
    }
}

/// The 2.1.1 form of the spec's example Location (LOC1).
fn location_211() -> v211::Location {
    location_to_v211(&example("location_example.json")).expect("location converts")
}

/// The spec's finished session, without what 2.1.1 cannot hold (`incl_vat`,
/// the tariff of a charging period).
fn session_221() -> v221::Session {
    let mut session: v221::Session = example("session_example_2_short_finished.json");
    session.country_code = owner().country_code;
    session.party_id = owner().party_id;
    if let Some(cost) = session.total_cost.as_mut() {
        cost.incl_vat = None;
    }
    for period in &mut session.charging_periods {
        period.tariff_id = None;
    }
    session
}

/// The spec's CDR (at connector 1 of EVSE 3256 of LOC1), without what 2.1.1
/// cannot hold.
fn cdr_221() -> v221::Cdr {
    let mut cdr: v221::Cdr = example("cdr_example.json");
    cdr.total_cost.incl_vat = None;
    cdr.total_time_cost = None;
    cdr.charging_periods[0].tariff_id = None;
    for tariff in &mut cdr.tariffs {
        for element in &mut tariff.elements {
            for component in &mut element.price_components {
                component.vat = None;
            }
        }
    }
    cdr
}

fn conversion_path<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Conversion { path, .. }) => path,
        other => panic!("expected a conversion error, got {other:?}"),
    }
}

#[test]
fn sessions_round_trip_from_2_2_1() {
    let session = session_221();
    let location = location_211();
    let old = session_to_v211(&session, &location).expect("down");
    assert_eq!(old.auth_id.as_str(), "NL-TST-C12345678-S");
    assert_eq!(
        old.total_cost,
        Some(session.total_cost.as_ref().unwrap().excl_vat)
    );
    assert_eq!(old.location.evses.len(), 1);
    assert_eq!(old.location.evses[0].uid.as_str(), "3256");
    assert_eq!(old.location.evses[0].connectors.len(), 1);
    assert!(old.validate(Mode::Strict).is_ok());

    let SessionV221 {
        session: back,
        location: embedded,
    } = session_to_v221(&old, &owner(), &session.cdr_token).expect("up");
    assert_eq!(back, session);
    assert_eq!(embedded, old.location);
}

#[test]
fn sessions_round_trip_from_2_1_1() {
    let old = session_to_v211(&session_221(), &location_211()).expect("down");
    let json = serde_json::to_value(&old).expect("encodes");
    let (old, report) = ocpi_types::decode_value::<v211::Session>(&json, Mode::Strict, "$")
        .expect("decodes as 2.1.1");
    assert!(report.is_ok(), "{report:#?}");
    let up = session_to_v221(&old, &owner(), &session_221().cdr_token).expect("up");
    assert_eq!(
        session_to_v211(&up.session, &up.location).expect("down"),
        old
    );
}

#[test]
fn sessions_that_cannot_be_converted() {
    let location = location_211();
    let mut session = session_221();
    session.total_cost = Some(Price {
        excl_vat: 1.into(),
        incl_vat: Some(2.into()),
    });
    assert_eq!(
        conversion_path(session_to_v211(&session, &location)),
        "$.total_cost.incl_vat"
    );

    let mut session = session_221();
    session.authorization_reference = Some(CiString::from("ref"));
    assert_eq!(
        conversion_path(session_to_v211(&session, &location)),
        "$.authorization_reference"
    );

    let mut session = session_221();
    session.auth_method = v221::AuthMethod::Command;
    assert_eq!(
        conversion_path(session_to_v211(&session, &location)),
        "$.auth_method"
    );

    let mut session = session_221();
    session.status = v221::SessionStatus::Reservation;
    assert_eq!(
        conversion_path(session_to_v211(&session, &location)),
        "$.status"
    );

    let mut session = session_221();
    session.charging_periods[0].dimensions[0].r#type = v221::CdrDimensionType::StateOfCharge;
    assert_eq!(
        conversion_path(session_to_v211(&session, &location)),
        "$.charging_periods[0].dimensions[0].type"
    );
    let mut session = session_221();
    session.charging_periods[1].tariff_id = Some(CiString::from("12"));
    assert_eq!(
        conversion_path(session_to_v211(&session, &location)),
        "$.charging_periods[1].tariff_id"
    );

    for (field, path) in [
        ("location", "$.location_id"),
        ("evse", "$.evse_uid"),
        ("connector", "$.connector_id"),
    ] {
        let mut session = session_221();
        match field {
            "location" => session.location_id = CiString::from("LOC2"),
            "evse" => session.evse_uid = CiString::from("9999"),
            _ => session.connector_id = CiString::from("7"),
        }
        assert_eq!(conversion_path(session_to_v211(&session, &location)), path);
    }

    // Going up: the token must be the session's, the embedded Location must
    // name one EVSE and one connector, and FLAT is no 2.2.1 dimension.
    let old = session_to_v211(&session_221(), &location).expect("down");
    let mut token = session_221().cdr_token;
    token.contract_id = CiString::from("NL-TST-C00000000-S");
    assert_eq!(
        conversion_path(session_to_v221(&old, &owner(), &token)),
        "$.auth_id"
    );
    let token = session_221().cdr_token;
    let mut two = old.clone();
    two.location = location.clone();
    assert_eq!(
        conversion_path(session_to_v221(&two, &owner(), &token)),
        "$.location.evses"
    );
    let mut two = old.clone();
    let extra = two.location.evses[0].connectors[0].clone();
    two.location.evses[0].connectors.push(extra);
    assert_eq!(
        conversion_path(session_to_v221(&two, &owner(), &token)),
        "$.location.evses[0].connectors"
    );
    let mut flat = old;
    flat.charging_periods[0].dimensions[0].r#type = v211::CdrDimensionType::Flat;
    assert_eq!(
        conversion_path(session_to_v221(&flat, &owner(), &token)),
        "$.charging_periods[0].dimensions[0].type"
    );
}

/// A CPO's own Session and CDR go to 2.1.1 without what 2.1.1 has no place for and that
/// changes no amount; what would change what they say still fails.
#[test]
fn a_cpos_own_sessions_and_cdrs_are_published_in_2_1_1() {
    let location = location_211();
    let mut session = session_221();
    session.total_cost = Some(Price {
        excl_vat: 1.into(),
        incl_vat: Some(2.into()),
    });
    session.authorization_reference = Some(CiString::from("ref"));
    session.auth_method = v221::AuthMethod::Command;
    session.charging_periods[1].tariff_id = Some(CiString::from("12"));
    let mut measured = session.charging_periods[0].dimensions[0].clone();
    measured.r#type = v221::CdrDimensionType::StateOfCharge;
    session.charging_periods[0]
        .dimensions
        .push(measured.clone());
    let mut only_measured = session.charging_periods[0].clone();
    only_measured.dimensions = vec![measured];
    session.charging_periods.push(only_measured);
    let old = published_session_to_v211(&session, &location).expect("published");
    assert_eq!(old.total_cost, Some(1.into()));
    assert_eq!(
        serde_json::to_value(&old.auth_method).unwrap(),
        "AUTH_REQUEST"
    );
    // The period of measurements alone is left out, as is the measurement of the other.
    assert_eq!(
        old.charging_periods.len(),
        session.charging_periods.len() - 1
    );
    assert_eq!(
        old.charging_periods[0].dimensions.len(),
        session.charging_periods[0].dimensions.len() - 1
    );
    let report = old.validate(Mode::Strict);
    assert!(report.is_ok(), "{report:?}");
    session.status = v221::SessionStatus::Reservation;
    assert_eq!(
        conversion_path(published_session_to_v211(&session, &location)),
        "$.status"
    );

    // The spec's CDR as it is: amounts with VAT, a cost breakdown, VAT in its tariff, a
    // charging period's tariff; with a session id and a reference besides.
    let full: v221::Cdr = example("cdr_example.json");
    let mut cdr = full.clone();
    cdr.session_id = Some(CiString::from("s"));
    cdr.authorization_reference = Some(CiString::from("r"));
    cdr.credit = Some(false);
    let old = published_cdr_to_v211(&cdr, &location).expect("published");
    assert_eq!(old.total_cost, full.total_cost.excl_vat);
    assert_eq!(old.total_energy, full.total_energy);
    assert_eq!(old.tariffs.len(), full.tariffs.len());
    let report = old.validate(Mode::Strict);
    assert!(report.is_ok(), "{report:?}");
    let mut reserved = full.clone();
    reserved.charging_periods[0].dimensions[0].r#type = v221::CdrDimensionType::ReservationTime;
    assert_eq!(
        conversion_path(published_cdr_to_v211(&reserved, &location)),
        "$.charging_periods[0].dimensions[0].type"
    );
    let mut credit = full;
    credit.credit = Some(true);
    credit.credit_reference_id = Some(CiString::from("c"));
    assert_eq!(
        conversion_path(published_cdr_to_v211(&credit, &location)),
        "$.credit"
    );
}

#[test]
fn cdrs_round_trip_from_2_2_1() {
    let cdr = cdr_221();
    let location = location_211();
    let old = cdr_to_v211(&cdr, &location).expect("down");
    assert_eq!(old.auth_id.as_str(), "DE8ACC12E46L89");
    assert_eq!(old.stop_date_time, cdr.end_date_time);
    assert_eq!(old.total_cost, cdr.total_cost.excl_vat);
    // The embedded Location carries the CDR's view of it.
    let evse = &old.location.evses[0];
    assert_eq!(
        evse.evse_id.as_ref().map(|e| e.as_str()),
        Some("BE*BEC*E041503003")
    );
    assert_eq!(evse.connectors[0].power_type.as_str(), "AC_1_PHASE");
    assert_eq!(
        old.location.name.as_ref().map(|n| n.as_str()),
        Some("Gent Zuid")
    );
    assert!(
        old.validate(Mode::Strict).is_ok(),
        "{:#?}",
        old.validate(Mode::Strict)
    );

    let CdrV221 {
        cdr: back,
        location: embedded,
    } = cdr_to_v221(&old, &owner(), &cdr.cdr_token).expect("up");
    assert_eq!(back, cdr);
    assert_eq!(embedded, old.location);
    assert_eq!(cdr_to_v211(&back, &embedded).expect("down again"), old);
}

#[test]
fn cdrs_that_cannot_be_converted() {
    let location = location_211();
    let full: v221::Cdr = example("cdr_example.json");
    assert_eq!(
        conversion_path(cdr_to_v211(&full, &location)),
        "$.total_cost.incl_vat"
    );
    let price = || Price {
        excl_vat: 1.into(),
        incl_vat: None,
    };
    type Change = Box<dyn Fn(&mut v221::Cdr)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "$.session_id",
            Box::new(|c| c.session_id = Some(CiString::from("s"))),
        ),
        (
            "$.authorization_reference",
            Box::new(|c| c.authorization_reference = Some(CiString::from("r"))),
        ),
        (
            "$.total_fixed_cost",
            Box::new(move |c| c.total_fixed_cost = Some(price())),
        ),
        (
            "$.total_energy_cost",
            Box::new(move |c| c.total_energy_cost = Some(price())),
        ),
        (
            "$.total_time_cost",
            Box::new(move |c| c.total_time_cost = Some(price())),
        ),
        (
            "$.total_parking_cost",
            Box::new(move |c| c.total_parking_cost = Some(price())),
        ),
        (
            "$.total_reservation_cost",
            Box::new(move |c| c.total_reservation_cost = Some(price())),
        ),
        (
            "$.invoice_reference_id",
            Box::new(|c| c.invoice_reference_id = Some(CiString::from("i"))),
        ),
        ("$.credit", Box::new(|c| c.credit = Some(false))),
        (
            "$.credit_reference_id",
            Box::new(|c| c.credit_reference_id = Some(CiString::from("c"))),
        ),
        (
            "$.home_charging_compensation",
            Box::new(|c| c.home_charging_compensation = Some(true)),
        ),
        (
            "$.cdr_location.state",
            Box::new(|c| c.cdr_location.state = Some("Oost-Vlaanderen".into())),
        ),
        (
            "$.cdr_location.id",
            Box::new(|c| c.cdr_location.id = CiString::from("LOC2")),
        ),
        (
            "$.cdr_location.evse_uid",
            Box::new(|c| c.cdr_location.evse_uid = CiString::from("1")),
        ),
        (
            "$.cdr_location.connector_id",
            Box::new(|c| c.cdr_location.connector_id = CiString::from("9")),
        ),
        (
            "$.cdr_location.connector_power_type",
            Box::new(|c| c.cdr_location.connector_power_type = v221::PowerType::Ac2Phase),
        ),
        (
            "$.tariffs[0].max_price",
            Box::new(|c| {
                c.tariffs[0].max_price = Some(Price {
                    excl_vat: 10.into(),
                    incl_vat: None,
                })
            }),
        ),
        (
            "$.charging_periods[0].tariff_id",
            Box::new(|c| c.charging_periods[0].tariff_id = Some(CiString::from("12"))),
        ),
        (
            "$.auth_method",
            Box::new(|c| c.auth_method = v221::AuthMethod::Command),
        ),
    ];
    for (path, change) in cases {
        let mut cdr = cdr_221();
        change(&mut cdr);
        assert_eq!(conversion_path(cdr_to_v211(&cdr, &location)), path);
    }

    let old = cdr_to_v211(&cdr_221(), &location).expect("down");
    let token = cdr_221().cdr_token;
    let mut no_evse_id = old.clone();
    no_evse_id.location.evses[0].evse_id = None;
    assert_eq!(
        conversion_path(cdr_to_v221(&no_evse_id, &owner(), &token)),
        "$.location.evses[0].evse_id"
    );
    let mut other_token = token.clone();
    other_token.contract_id = CiString::from("DE8ACC12E46L00");
    assert_eq!(
        conversion_path(cdr_to_v221(&old, &owner(), &other_token)),
        "$.auth_id"
    );
    let mut flat = old;
    flat.charging_periods[0].dimensions[0].r#type = v211::CdrDimensionType::Flat;
    assert_eq!(
        conversion_path(cdr_to_v221(&flat, &owner(), &token)),
        "$.charging_periods[0].dimensions[0].type"
    );
}

#[test]
fn cross_field_rules_apply_to_2_1_1_sessions_and_cdrs() {
    let mut cdr = cdr_to_v211(&cdr_221(), &location_211()).expect("down");
    assert!(cdr.validate(Mode::Strict).is_ok());
    cdr.stop_date_time = DateTime::parse("2015-06-29T20:00:00Z").expect("timestamp");
    let report = cdr.validate(Mode::Strict);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].path, "$.stop_date_time");
    assert!(cdr.validate(Mode::Lenient).is_ok());

    let mut session = session_to_v211(&session_221(), &location_211()).expect("down");
    session.end_datetime = Some(DateTime::parse("2015-06-29T20:00:00Z").expect("timestamp"));
    let report = session.validate(Mode::Strict);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].path, "$.end_datetime");
}

#[test]
fn a_connector_with_its_power_goes_to_2_1_1_without_it() {
    let connector: v221::Connector = serde_json::from_value(serde_json::json!({
        "id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
        "max_voltage": 400, "max_amperage": 32, "max_electric_power": 22000,
        "last_updated": "2026-03-01T10:00:00Z"
    }))
    .unwrap();
    let down = ocpi_types::v211::convert::connector_to_v211(&connector).unwrap();
    assert_eq!((down.voltage, down.amperage), (400, 32));
    let back = ocpi_types::v211::convert::connector_to_v221(&down).unwrap();
    assert_eq!(back.max_electric_power, None);
}
