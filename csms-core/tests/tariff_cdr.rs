//! Pricing what roaming partners send: credit CDRs, lenient reading (`null`, timestamps
//! without zero padding, periods out of order), periods priced with the tariff at their
//! start, and OCPI 2.1.1 CDRs whose tariff has an energy mix.

mod tariff;
use tariff::common::*;

use csms_core::tariff::cdr::{CdrOptions, CdrReport, Version, price_cdr_value};
use csms_core::tariff::{Consumption, PeriodPricing, TariffError, price, price_at_period_starts};
use serde_json::{Value, json};

/// The CDR example of OCPI 2.2.1 (`cdr_example.json`): 1.973 hours at 2.00 per hour plus
/// 10% VAT, steps of 5 minutes: 4.00 / 4.40.
fn spec_cdr() -> Value {
    let path = format!(
        "{}/../ocpi-types/tests/spec-examples/cdr_example.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("example")).expect("JSON")
}

fn priced(cdr: &Value) -> CdrReport {
    price_cdr_value(cdr, None, &CdrOptions::default()).expect("priced")
}

fn fields(report: &CdrReport) -> Vec<&str> {
    report
        .differences
        .iter()
        .map(|d| d.field.as_str())
        .collect()
}

fn warned(report: &CdrReport, text: &str) -> bool {
    report
        .pricing
        .warnings
        .iter()
        .any(|w| w.message.contains(text))
}

// Credit CDRs.

/// The credit CDR of the example: "the values in the total_cost field SHALL contain the
/// negative amounts of the original CDR" (mod_cdrs, Credit CDRs).
fn credit_cdr() -> Value {
    let mut cdr = spec_cdr();
    cdr["id"] = json!("12345-C");
    cdr["credit"] = json!(true);
    cdr["credit_reference_id"] = json!("12345");
    cdr["total_cost"] = json!({"excl_vat": -4.00, "incl_vat": -4.40});
    cdr["total_time_cost"] = json!({"excl_vat": -4.00, "incl_vat": -4.40});
    cdr
}

#[test]
fn a_credit_cdr_prices_to_negative_totals() {
    let report = priced(&credit_cdr());
    assert!(report.credit);
    assert_eq!(report.credit_reference_id.as_deref(), Some("12345"));
    assert_amount(report.pricing.total_cost, "-4", "-4.4");
    assert_amount(report.pricing.total_time_cost, "-4", "-4.4");
    assert_amount(report.pricing.tariffs[0].cost, "-4", "-4.4");
    let line = &report.pricing.breakdown[0];
    assert_amount(line.cost, "-4", "-4.4");
    // Volumes and prices stay as in the CDR it credits.
    assert_eq!(line.billed_volume, d("7200"));
    assert_eq!(line.price, d("2"));
    assert_eq!(report.pricing.total_time, d("1.973"));
    assert!(warned(&report, "a credit CDR, for the CDR 12345"));
    // The stated negative totals check out (the example's total_energy never did: its only
    // period has no ENERGY dimension).
    assert_eq!(fields(&report), ["total_energy"]);
    let json: Value = serde_json::from_str(&report.to_json()).expect("report JSON");
    assert_eq!(json["total_cost"]["excl_vat"], json!(-4));
    assert_eq!(json["credit"], json!(true));
}

#[test]
fn a_credit_cdr_is_checked_with_its_negative_total_cost() {
    // A positive total_cost in a credit CDR is a difference.
    let mut cdr = credit_cdr();
    cdr["total_cost"] = json!({"excl_vat": 4.00, "incl_vat": 4.40});
    let report = priced(&cdr);
    assert_eq!(
        fields(&report),
        ["total_cost.excl_vat", "total_cost.incl_vat", "total_energy"]
    );
    assert_eq!(report.differences[0].stated, d("4"));
    assert_eq!(report.differences[0].computed, d("-4"));
    // The other costs may be stated with either sign: only total_cost SHALL be negative.
    let mut cdr = credit_cdr();
    cdr["total_time_cost"] = json!({"excl_vat": 4.00, "incl_vat": 4.40});
    assert_eq!(fields(&priced(&cdr)), ["total_energy"]);
    // A wrong amount is a difference whatever its sign.
    cdr["total_time_cost"] = json!({"excl_vat": -3.50, "incl_vat": -3.85});
    assert_eq!(
        fields(&priced(&cdr)),
        [
            "total_time_cost.excl_vat",
            "total_time_cost.incl_vat",
            "total_energy"
        ]
    );
}

#[test]
fn credit_flags_that_do_not_go_together_are_warned_about() {
    let mut cdr = credit_cdr();
    cdr.as_object_mut()
        .expect("object")
        .remove("credit_reference_id");
    let report = priced(&cdr);
    assert!(report.credit);
    assert!(warned(&report, "without credit_reference_id"));
    // A reference without credit: a normal CDR, with a warning.
    let mut cdr = spec_cdr();
    cdr["credit_reference_id"] = json!("12344");
    let report = priced(&cdr);
    assert!(!report.credit);
    assert_amount(report.pricing.total_cost, "4", "4.4");
    assert!(warned(&report, "without credit: true"));
}

// Lenient reading.

#[test]
fn null_optional_fields_are_read_as_absent() {
    let mut cdr = spec_cdr();
    for field in [
        "session_id",
        "authorization_reference",
        "meter_id",
        "total_fixed_cost",
        "total_energy_cost",
        "total_parking_time",
        "total_parking_cost",
        "total_reservation_cost",
        "remark",
        "invoice_reference_id",
        "credit",
        "credit_reference_id",
        "signed_data",
    ] {
        cdr[field] = Value::Null;
    }
    cdr["charging_periods"][0]["tariff_id"] = Value::Null;
    let tariff = &mut cdr["tariffs"][0];
    for field in [
        "type",
        "tariff_alt_text",
        "tariff_alt_url",
        "min_price",
        "max_price",
        "start_date_time",
        "end_date_time",
        "energy_mix",
    ] {
        tariff[field] = Value::Null;
    }
    tariff["elements"][0]["restrictions"] = Value::Null;
    tariff["elements"][0]["price_components"][0]["vat"] = Value::Null;
    let report = priced(&cdr);
    // No VAT now: 4.00 on both sides.
    assert_amount(report.pricing.total_cost, "4", "4");
    assert!(!report.credit);
    let warning = report
        .pricing
        .warnings
        .iter()
        .find(|w| w.message.starts_with("the CDR has null for"))
        .expect("a warning lists the nulls");
    assert!(
        warning.message.contains("$.session_id"),
        "{}",
        warning.message
    );
    assert!(warning.message.contains("and "), "{}", warning.message);
    // The stated totals that are null are not compared.
    assert_eq!(
        fields(&report),
        [
            "total_cost.incl_vat",
            "total_time_cost.incl_vat",
            "total_energy"
        ]
    );
}

#[test]
fn a_null_that_pricing_needs_is_missing() {
    let mut cdr = spec_cdr();
    cdr["charging_periods"] = Value::Null;
    let error = price_cdr_value(&cdr, None, &CdrOptions::default()).expect_err("fails");
    assert!(matches!(error, TariffError::InvalidJson { .. }), "{error}");
}

#[test]
fn timestamps_without_zero_padding_are_read() {
    let mut cdr = spec_cdr();
    cdr["start_date_time"] = json!("2015-6-29T21:39:9Z");
    cdr["end_date_time"] = json!("2015-6-29T23:37:32Z");
    cdr["charging_periods"][0]["start_date_time"] = json!("2015-6-29T21:39:9Z");
    let report = priced(&cdr);
    assert_amount(report.pricing.total_cost, "4", "4.4");
    assert_eq!(report.pricing.breakdown[0].start, t("2015-06-29T21:39:09Z"));
    assert_eq!(report.to_json(), priced(&spec_cdr()).to_json());
}

#[test]
fn periods_out_of_order_are_sorted_with_a_warning() {
    // Half an hour of charging, then parking, sent parking first.
    let tariff = json!({"country_code": "NL", "party_id": "EXA", "id": "T", "currency": "EUR",
        "last_updated": "2024-03-01T00:00:00Z", "elements": [{"price_components": [
            {"type": "ENERGY", "price": 0.30, "step_size": 1},
            {"type": "PARKING_TIME", "price": 2.00, "step_size": 60}]}]});
    let charging = json!({"start_date_time": "2024-03-01T10:00:00Z", "dimensions": [
        {"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 0.5}]});
    let parking = json!({"start_date_time": "2024-03-01T10:30:00Z", "dimensions": [
        {"type": "PARKING_TIME", "volume": 0.25}]});
    let cdr = |periods: Value| {
        json!({"currency": "EUR", "end_date_time": "2024-03-01T10:45:00Z",
               "charging_periods": periods, "tariffs": [tariff.clone()]})
    };
    let in_order = priced(&cdr(json!([charging.clone(), parking.clone()])));
    let reversed = priced(&cdr(json!([parking, charging])));
    assert_amount(reversed.pricing.total_cost, "3.5", "3.5");
    assert_eq!(reversed.pricing.total_cost, in_order.pricing.total_cost);
    assert!(warned(&reversed, "not in time order; they were sorted"));
    assert!(!warned(&in_order, "not in time order"));
    // Breakdown lines keep the periods' input indices.
    assert_eq!(reversed.pricing.breakdown[0].periods, Some((1, 1)));
}

// Each period priced with the tariff at its start.

fn evening_tariff() -> Value {
    json!({"country_code": "NL", "party_id": "EXA", "id": "EVENING", "currency": "EUR",
        "last_updated": "2024-03-01T00:00:00Z", "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.45, "step_size": 1}],
             "restrictions": {"start_time": "17:00", "end_time": "21:00"}},
            {"price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 1}]}]})
}

fn evening_cdr(periods: Value) -> Value {
    json!({"currency": "EUR", "end_date_time": "2024-03-01T17:30:00Z",
           "cdr_location": {"country": "NLD", "time_zone": "UTC"},
           "charging_periods": periods, "tariffs": [evening_tariff()]})
}

fn utc() -> CdrOptions {
    CdrOptions {
        time_zone: Some(chrono_tz::UTC),
        ..CdrOptions::default()
    }
}

#[test]
fn a_period_across_a_time_of_day_boundary_is_priced_at_its_start() {
    // 10 kWh from 16:30 to 17:30 in one period: the evening price starts at 17:00.
    let cdr = evening_cdr(
        json!([{"start_date_time": "2024-03-01T16:30:00Z", "dimensions": [
        {"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 1}]}]),
    );
    let report = price_cdr_value(&cdr, None, &utc()).expect("priced");
    // All 10 kWh at 0.30, the price at 16:30.
    assert_amount(report.pricing.total_cost, "3", "3");
    assert_eq!(report.pricing.breakdown.len(), 1);
    assert_eq!(report.pricing.spanning_periods, [0]);
    let warning = report
        .pricing
        .warnings
        .iter()
        .find(|w| w.period == Some(0) && w.message.contains("spans a restriction boundary"))
        .expect("the period's warning");
    assert!(
        warning.message.contains(
            "from 2024-03-01T17:00:00Z ENERGY would be priced by element 0 at 0.45 per kWh, not by element 1 at 0.3 per kWh"
        ),
        "{}",
        warning.message
    );
    assert!(
        warning.message.contains("0.75 more excl. VAT"),
        "{}",
        warning.message
    );
    // Split at 17:00: 5 kWh at 0.30 and 5 at 0.45.
    let split = report.split_total_cost.expect("the split total");
    assert_amount(split, "3.75", "3.75");
    assert!(warned(&report, "the CDR would cost 3.75 excl. VAT"));

    // Our own sessions are priced split, and so is the CDR when asked.
    let options = CdrOptions {
        periods: PeriodPricing::SplitAtEveryBoundary,
        ..utc()
    };
    let ours = price_cdr_value(&cdr, None, &options).expect("priced");
    assert_amount(ours.pricing.total_cost, "3.75", "3.75");
    assert!(ours.pricing.spanning_periods.is_empty());
    assert_eq!(ours.split_total_cost, None);
    assert!(!warned(&ours, "spans a restriction boundary"));
}

#[test]
fn periods_cut_at_the_boundary_are_priced_the_same_both_ways() {
    let cdr = evening_cdr(json!([
        {"start_date_time": "2024-03-01T16:30:00Z", "dimensions": [
            {"type": "ENERGY", "volume": 5}, {"type": "TIME", "volume": 0.5}]},
        {"start_date_time": "2024-03-01T17:00:00Z", "dimensions": [
            {"type": "ENERGY", "volume": 5}, {"type": "TIME", "volume": 0.5}]}]));
    let report = price_cdr_value(&cdr, None, &utc()).expect("priced");
    assert_amount(report.pricing.total_cost, "3.75", "3.75");
    assert!(report.pricing.spanning_periods.is_empty());
    assert_eq!(report.split_total_cost, None);
    assert!(!warned(&report, "spans a restriction boundary"));
}

#[test]
fn a_period_past_max_duration_is_priced_at_its_start() {
    // 2.00 per hour for the first half hour, 1.00 after; one period of an hour.
    let tariff = tariff(
        r#"{"country_code": "NL", "party_id": "EXA", "id": "T", "currency": "EUR",
            "last_updated": "2024-03-01T00:00:00Z", "elements": [
            {"price_components": [{"type": "TIME", "price": 2.00, "step_size": 1}],
             "restrictions": {"max_duration": 1800}},
            {"price_components": [{"type": "TIME", "price": 1.00, "step_size": 1}]}]}"#,
    );
    let session = Consumption::new(vec![period(
        "2024-03-01T10:00:00Z",
        &[("ENERGY", "5"), ("TIME", "1")],
    )]);
    let as_cut =
        price_at_period_starts(&tariff, &session, &in_zone(chrono_tz::UTC)).expect("priced");
    assert_amount(as_cut.total_cost, "2", "2");
    assert_eq!(as_cut.spanning_periods, [0]);
    let warning = &as_cut
        .warnings
        .iter()
        .find(|w| w.message.contains("spans a restriction boundary"))
        .expect("warning")
        .message;
    assert!(
        warning.contains("from 2024-03-01T10:30:00Z TIME would be priced by element 1 at 1 per hour, not by element 0 at 2 per hour"),
        "{warning}"
    );
    assert!(warning.contains("0.5 less excl. VAT"), "{warning}");
    let split = price(&tariff, &session, &in_zone(chrono_tz::UTC)).expect("priced");
    assert_amount(split.total_cost, "1.5", "1.5");
    assert!(split.spanning_periods.is_empty());
}

#[test]
fn the_energy_before_a_period_decides_its_kwh_tier() {
    // 0.40 per kWh up to 10 kWh, 0.25 from there; two periods of 8 kWh.
    let tariff = tariff(
        r#"{"country_code": "NL", "party_id": "EXA", "id": "T", "currency": "EUR",
            "last_updated": "2024-03-01T00:00:00Z", "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.40, "step_size": 1}],
             "restrictions": {"max_kwh": 10}},
            {"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}]}"#,
    );
    let session = Consumption::new(vec![
        period("2024-03-01T10:00:00Z", &[("ENERGY", "8"), ("TIME", "0.5")]),
        period("2024-03-01T10:30:00Z", &[("ENERGY", "8"), ("TIME", "0.5")]),
    ]);
    let as_cut =
        price_at_period_starts(&tariff, &session, &in_zone(chrono_tz::UTC)).expect("priced");
    // The second period starts at 8 kWh, under the tier: all 16 kWh at 0.40.
    assert_amount(as_cut.total_cost, "6.4", "6.4");
    assert_eq!(as_cut.spanning_periods, [1]);
    // Split at 10 kWh: 10 at 0.40, 6 at 0.25.
    let split = price(&tariff, &session, &in_zone(chrono_tz::UTC)).expect("priced");
    assert_amount(split.total_cost, "5.5", "5.5");
}

// OCPI 2.1.1.

#[test]
fn a_2_1_1_cdr_whose_tariff_has_an_energy_mix() {
    let cdr = json!({
        "id": "12345", "start_date_time": "2015-06-29T21:39:09Z",
        "stop_date_time": "2015-06-29T23:37:32Z", "currency": "EUR",
        "location": {"country": "BEL", "time_zone": "Europe/Brussels"},
        "tariffs": [{"id": "12", "currency": "EUR",
            "elements": [{"price_components": [{"type": "TIME", "price": 2.00, "step_size": 300}]}],
            "energy_mix": {"is_green_energy": false,
                "energy_sources": [{"source": "NUCLEAR", "percentage": 100}],
                "environ_impact": [{"source": "NUCLEAR_WASTE", "amount": 0.0006},
                                   {"source": "CARBON_DIOXIDE", "amount": 372}]},
            "last_updated": "2015-06-29T20:39:09Z"}],
        "charging_periods": [{"start_date_time": "2015-06-29T21:39:09Z",
            "dimensions": [{"type": "TIME", "volume": 1.973}]}],
        "total_cost": 4.00, "total_energy": 0, "total_time": 1.973,
        "last_updated": "2015-06-29T22:01:13Z"
    });
    let options = CdrOptions {
        version: Version::V211,
        ..CdrOptions::default()
    };
    let report = price_cdr_value(&cdr, None, &options).expect("priced");
    assert_amount(report.pricing.total_cost, "4", "4");
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    assert!(
        !report
            .pricing
            .warnings
            .iter()
            .any(|w| w.message.contains("energy_mix")),
        "{:?}",
        report.pricing.warnings
    );
}
