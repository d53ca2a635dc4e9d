//! Our own cases, each a tariff, a (partial) CDR and totals worked out by hand, in
//! `tests/tariff/corpus/*.json`:
//!
//! ```json
//! {"description": "...", "worked": ["the arithmetic, step by step"],
//!  "timezone": "Europe/Amsterdam", "tariff": {...}, "cdr": {...},
//!  "expected": {"total_cost": {"excl_vat": 3.72, "incl_vat": 4.5012}, "total_energy": 12.34}}
//! ```
//!
//! `tariff` is optional (without it the CDR's own `tariffs` are used), and so is `timezone`
//! (the CDR's country may give it); `version` is `"2.1.1"` for a case whose tariff and CDR
//! are OCPI 2.1.1 objects (2.2.1 when absent); `expected` lists only the totals the case is
//! about.
//!
//! The totals are worked out split at every restriction boundary, as our own sessions are
//! priced ([`PeriodPricing::SplitAtEveryBoundary`]); `"periods": "at_period_start"` marks a
//! case worked out with each period priced whole at its start, as a partner's CDR is by
//! default. Every case is also priced the other way, and the two must agree: the same total,
//! or a warning for each period that spans a boundary and the split total in the report.

use std::path::Path;

use csms_core::tariff::PeriodPricing;
use csms_core::tariff::cdr::{CdrOptions, CdrReport, Version, price_cdr_value};
use csms_core::tariff::timezone::parse_zone;
use rust_decimal::Decimal;
use serde_json::Value;

fn decimal(v: &Value) -> Decimal {
    let text = v.to_string();
    text.parse()
        .or_else(|_| Decimal::from_scientific(&text))
        .unwrap_or_else(|_| panic!("not a number: {text}"))
}

fn ours(report: &CdrReport, field: &str) -> Value {
    let json: Value = serde_json::from_str(&report.to_json()).expect("report JSON");
    json[field].clone()
}

fn check(name: &str, case: &Value) -> Vec<String> {
    let options = CdrOptions {
        time_zone: case["timezone"]
            .as_str()
            .map(|z| parse_zone(z).expect("zone")),
        version: match case["version"].as_str() {
            None | Some("2.2.1") => Version::V221,
            Some("2.1.1") => Version::V211,
            Some(other) => panic!("{name}: unknown version {other}"),
        },
        periods: match case["periods"].as_str() {
            None | Some("split_at_every_boundary") => PeriodPricing::SplitAtEveryBoundary,
            Some("at_period_start") => PeriodPricing::TariffAtPeriodStart,
            Some(other) => panic!("{name}: unknown periods {other}"),
        },
        ..CdrOptions::default()
    };
    let report = match price_cdr_value(&case["cdr"], case.get("tariff"), &options) {
        Ok(r) => r,
        Err(e) => return vec![format!("{name}: pricing failed: {e}")],
    };
    let mut failures = Vec::new();
    // The other way of pricing the periods agrees.
    let (split, at_start) = {
        let other = CdrOptions {
            periods: match options.periods {
                PeriodPricing::SplitAtEveryBoundary => PeriodPricing::TariffAtPeriodStart,
                PeriodPricing::TariffAtPeriodStart => PeriodPricing::SplitAtEveryBoundary,
            },
            ..options.clone()
        };
        let other = match price_cdr_value(&case["cdr"], case.get("tariff"), &other) {
            Ok(r) => r,
            Err(e) => return vec![format!("{name}: pricing the other way failed: {e}")],
        };
        match options.periods {
            PeriodPricing::SplitAtEveryBoundary => (report.clone(), other),
            PeriodPricing::TariffAtPeriodStart => (other, report.clone()),
        }
    };
    let spanning = at_start.pricing.spanning_periods.len();
    let spanning_warnings = at_start
        .pricing
        .warnings
        .iter()
        .filter(|w| w.message.contains("spans a restriction boundary"))
        .count();
    let agrees = match at_start.split_total_cost {
        Some(total) => total == split.pricing.total_cost && spanning > 0,
        None => at_start.pricing.total_cost == split.pricing.total_cost && spanning == 0,
    };
    if !agrees || spanning_warnings != spanning {
        failures.push(format!(
            "{name}: split total {:?}, at period start {:?} with split total {:?}, {spanning} spanning periods, {spanning_warnings} warnings",
            split.pricing.total_cost, at_start.pricing.total_cost, at_start.split_total_cost
        ));
    }
    let expected = case["expected"].as_object().expect("expected totals");
    for (field, want) in expected {
        let got = ours(&report, field);
        let pairs: Vec<(String, &Value, &Value)> = match want {
            Value::Object(sides) => sides
                .iter()
                .map(|(side, w)| (format!("{field}.{side}"), w, &got[side]))
                .collect(),
            w => vec![(field.clone(), w, &got)],
        };
        for (path, w, g) in pairs {
            if g.is_null() || decimal(w).normalize() != decimal(g).normalize() {
                failures.push(format!("{name}: {path}: expected {w}, computed {g}"));
            }
        }
    }
    failures
}

#[test]
fn every_corpus_case_prices_as_worked_out_by_hand() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tariff/corpus");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    assert!(
        entries.len() >= 15,
        "the corpus has {} cases",
        entries.len()
    );
    let mut failures = Vec::new();
    for path in &entries {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let text = std::fs::read_to_string(path).expect("case file");
        let case: Value = serde_json::from_str(&text).expect("case JSON");
        assert!(case["worked"].is_array(), "{name} shows its arithmetic");
        failures.extend(check(name, &case));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
