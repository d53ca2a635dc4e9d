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

use std::path::Path;

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
        ..CdrOptions::default()
    };
    let report = match price_cdr_value(&case["cdr"], case.get("tariff"), &options) {
        Ok(r) => r,
        Err(e) => return vec![format!("{name}: pricing failed: {e}")],
    };
    let mut failures = Vec::new();
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
