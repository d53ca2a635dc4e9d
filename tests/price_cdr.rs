//! What the `price-cdr` example prints, built through the public API: the bundled sample CDR
//! and tariff give the checked-in report, and the example's failure cases fail.

use ev_backend::csms_core::tariff::cdr::{CdrOptions, Version, price_cdr_json};
use ev_backend::csms_core::tariff::{PeriodPricing, TariffError};
use serde_json::Value;

const CDR: &str = include_str!("../examples/data/tariff/cdr-evening.json");
const TARIFF: &str = include_str!("../examples/data/tariff/tariff-evening.json");
const EXPECTED: &str = include_str!("../examples/data/tariff/cdr-evening.expected.json");

#[test]
fn the_sample_cdr_gives_the_checked_in_report() {
    let report = price_cdr_json(CDR, Some(TARIFF), &CdrOptions::default()).expect("priced");
    let ours: Value = serde_json::from_str(&report.to_json()).expect("report JSON");
    let expected: Value = serde_json::from_str(EXPECTED).expect("expected JSON");
    assert_eq!(ours, expected);
}

#[test]
fn the_sample_report_explains_the_partner_invoice() {
    let report = price_cdr_json(CDR, Some(TARIFF), &CdrOptions::default()).expect("priced");
    // The partner billed parking from the moment charging stopped; the tariff's parking
    // fee only starts after three hours of session, in the middle of the parking period,
    // where the partner did not start a new period. Priced as the partner cut it, each
    // period with the tariff at its start, the parking is free and the first period's
    // energy is all before the evening price.
    let fields: Vec<&str> = report
        .differences
        .iter()
        .map(|d| d.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "total_cost.excl_vat",
            "total_cost.incl_vat",
            "total_parking_cost.excl_vat",
            "total_parking_cost.incl_vat",
        ]
    );
    assert_eq!(report.pricing.spanning_periods, [0, 2]);
    let text = report.to_text();
    assert!(text.contains("total_cost:             7.925 excl. VAT, 9.58925 incl. VAT (EUR)"));
    assert!(text.contains("the CDR lacks country_code, party_id"));
    assert!(
        text.contains("period 2: the period spans a restriction boundary: from 2024-11-05T18:30:00Z PARKING_TIME would be priced by element 3 at 6 per hour, where it is free at the period's start"),
        "{text}"
    );
    assert!(
        text.contains("split at the boundary it would cost 5 more excl. VAT, 6.05 more incl. VAT")
    );
    // Split at every boundary, as our own sessions are priced: 13.75.
    assert!(text.contains("the CDR would cost 13.75 excl. VAT, 16.6375 incl. VAT"));
    let split = report.split_total_cost.expect("split total");
    assert_eq!(split.excl_vat.to_string(), "13.75");
}

#[test]
fn the_sample_split_at_every_boundary_as_our_sessions_are() {
    let options = CdrOptions {
        periods: PeriodPricing::SplitAtEveryBoundary,
        ..CdrOptions::default()
    };
    let report = price_cdr_json(CDR, Some(TARIFF), &options).expect("priced");
    let text = report.to_text();
    assert!(text.contains("total_cost:             13.75 excl. VAT, 16.6375 incl. VAT (EUR)"));
    assert!(report.pricing.spanning_periods.is_empty());
    assert_eq!(report.split_total_cost, None);
    // Parking billed from three hours into the session: 50 minutes at 6.00.
    assert_eq!(report.pricing.total_parking_cost.excl_vat.to_string(), "5");
}

#[test]
fn a_credit_cdr_for_the_spec_cdr() {
    let cdr: Value = serde_json::from_str(include_str!(
        "../ocpi-types/tests/spec-examples/cdr_example.json"
    ))
    .expect("CDR JSON");
    let mut credit = cdr.clone();
    credit["id"] = Value::from("12345-C");
    credit["credit"] = Value::from(true);
    credit["credit_reference_id"] = Value::from("12345");
    credit["total_cost"] = serde_json::json!({"excl_vat": -4.00, "incl_vat": -4.40});
    credit["total_time_cost"] = serde_json::json!({"excl_vat": -4.00, "incl_vat": -4.40});
    let report = price_cdr_json(&credit.to_string(), None, &CdrOptions::default()).expect("priced");
    assert_eq!(report.pricing.total_cost.excl_vat.to_string(), "-4");
    assert_eq!(report.pricing.total_cost.incl_vat.to_string(), "-4.4");
    assert!(report.credit);
    // As for the CDR it credits, only the example's total_energy differs.
    assert_eq!(report.differences.len(), 1);
    assert_eq!(report.differences[0].field, "total_energy");
}

#[test]
fn the_spec_cdr_is_priced_with_its_own_tariff() {
    let cdr = include_str!("../ocpi-types/tests/spec-examples/cdr_example.json");
    let report = price_cdr_json(cdr, None, &CdrOptions::default()).expect("priced");
    assert_eq!(report.pricing.total_cost.excl_vat.to_string(), "4");
    assert_eq!(report.pricing.total_cost.incl_vat.to_string(), "4.4");
    // The example states 15.342 kWh, but its only charging period has no ENERGY dimension.
    assert_eq!(report.differences.len(), 1);
    assert_eq!(report.differences[0].field, "total_energy");
}

#[test]
fn failures_are_typed_errors() {
    // A time-dependent tariff in a country with several time zones, and no --timezone.
    let cdr = CDR.replace("\"NLD\"", "\"USA\"");
    let error = price_cdr_json(&cdr, Some(TARIFF), &CdrOptions::default()).expect_err("fails");
    assert!(
        matches!(error, TariffError::TimeZoneRequired { .. }),
        "{error}"
    );
    // Another currency than the tariff's.
    let cdr = CDR.replace("\"currency\": \"EUR\"", "\"currency\": \"KGS\"");
    let error = price_cdr_json(&cdr, Some(TARIFF), &CdrOptions::default()).expect_err("fails");
    assert!(
        matches!(error, TariffError::CurrencyMismatch { .. }),
        "{error}"
    );
    // No tariff at all.
    let error = price_cdr_json(CDR, None, &CdrOptions::default()).expect_err("fails");
    assert_eq!(error, TariffError::NoTariff);
    // Not JSON.
    assert!(price_cdr_json("{", Some(TARIFF), &CdrOptions::default()).is_err());
}

#[test]
fn an_ocpi_2_1_1_cdr_and_tariff() {
    let tariff = r#"{"id": "11", "currency": "EUR", "last_updated": "2016-01-01T00:00:00Z",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1},
                                            {"type": "FLAT", "price": 1, "step_size": 1}]}]}"#;
    let cdr = r#"{"id": "C1", "start_date_time": "2016-01-01T10:00:00Z",
        "stop_date_time": "2016-01-01T11:00:00Z", "currency": "EUR", "total_cost": 6,
        "charging_periods": [{"start_date_time": "2016-01-01T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 20}, {"type": "TIME", "volume": 1}]}]}"#;
    let options = CdrOptions {
        version: Version::V211,
        ..CdrOptions::default()
    };
    let report = price_cdr_json(cdr, Some(tariff), &options).expect("priced");
    assert_eq!(report.pricing.total_cost.excl_vat.to_string(), "6");
    assert_eq!(report.pricing.total_cost.incl_vat.to_string(), "6");
    assert!(report.differences.is_empty());
    assert!(report.pricing.warnings[0].message.contains("no VAT"));
}

#[test]
fn periods_that_name_different_tariffs_are_priced_with_each() {
    let cdr = include_str!("../examples/data/tariff/cdr-profile-switch.json");
    let report = price_cdr_json(cdr, None, &CdrOptions::default()).expect("priced");
    // The CDR states the totals worked out by hand; ours agree.
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    let p = &report.pricing;
    let shares: Vec<(&str, String, String)> = p
        .tariffs
        .iter()
        .map(|t| {
            (
                t.id.as_str(),
                t.cost.excl_vat.to_string(),
                t.cost.incl_vat.to_string(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        [
            ("REGULAR", "5".to_owned(), "6.05".to_owned()),
            ("FAST", "6.25".to_owned(), "7.5625".to_owned()),
        ]
    );
    let text = report.to_text();
    assert!(
        text.contains("tariffs:\n  REGULAR: 5 excl. VAT, 6.05 incl. VAT"),
        "{text}"
    );
    assert!(
        text.contains("Energy period 1 tariff FAST element 0"),
        "{text}"
    );
    assert!(
        text.contains("period 2: the period names no tariff_id"),
        "{text}"
    );
    let json: Value = serde_json::from_str(&report.to_json()).expect("report JSON");
    assert_eq!(json["tariffs"][1]["id"], "FAST");
    assert_eq!(json["breakdown"][3]["tariff"], 1);

    // Given explicitly, several tariffs are chosen from by the periods too; a tariff the
    // periods name that is missing is an error.
    let tariffs: Value = serde_json::from_str(cdr).expect("CDR JSON");
    let only_fast = serde_json::to_string(&Value::Array(vec![
        tariffs["tariffs"][1].clone(),
        tariffs["tariffs"][1].clone(),
    ]))
    .expect("JSON");
    let error = price_cdr_json(cdr, Some(&only_fast), &CdrOptions::default()).expect_err("fails");
    assert_eq!(
        error,
        TariffError::UnknownTariff {
            period: 0,
            id: "REGULAR".to_owned()
        }
    );
    // One tariff given explicitly prices every period.
    let regular = serde_json::to_string(&tariffs["tariffs"][0]).expect("JSON");
    let report = price_cdr_json(cdr, Some(&regular), &CdrOptions::default()).expect("priced");
    assert_eq!(report.pricing.tariffs.len(), 1);
    assert!(
        report
            .pricing
            .warnings
            .iter()
            .any(|w| w.message.contains("priced with it too"))
    );
}
