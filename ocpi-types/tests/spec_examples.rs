//! Every example file of the OCPI 2.2.1 specification (copied unchanged into
//! `tests/spec-examples/`) decodes in strict mode without findings and
//! round-trips to an equal JSON value; the examples that violate the
//! specification are listed with the reason, and lenient and strict mode are
//! checked against that reason.

mod support;

use std::path::PathBuf;

use ocpi_types::check::{Version as CheckVersion, check_json};
use ocpi_types::common::Response;
use ocpi_types::v221::*;
use ocpi_types::{Error, Mode, Report, Validate, decode_partial, decode_value};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn load(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/spec-examples")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn decode_at<T>(file: &str, pointer: &str, mode: Mode) -> Result<(Value, Value, Report), Error>
where
    T: DeserializeOwned + Serialize + Validate,
{
    let whole = load(file);
    let value = whole
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{file}: no {pointer}"))
        .clone();
    let (object, report) = decode_value::<T>(&value, mode, "$")?;
    let encoded = serde_json::to_value(&object).expect("encodes");
    Ok((value, encoded, report))
}

/// The example decodes in strict mode with no finding and round-trips.
fn valid<T>(file: &str, pointer: &str)
where
    T: DeserializeOwned + Serialize + Validate,
{
    let (input, output, report) =
        decode_at::<T>(file, pointer, Mode::Strict).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(
        report.errors.is_empty() && report.warnings.is_empty(),
        "{file}: {report:#?}"
    );
    assert!(
        support::json_eq(&input, &output),
        "{file} does not round-trip: {:?}",
        support::first_difference(&input, &output, "$")
    );
}

macro_rules! valid_examples {
    ($($test:ident: $ty:ty => $file:literal $(at $pointer:literal)?;)*) => {
        $(
            #[test]
            fn $test() {
                #[allow(unused_mut, unused_assignments)]
                let mut pointer = "";
                $(pointer = $pointer;)?
                valid::<$ty>($file, pointer);
            }
        )*
    };
}

valid_examples! {
    cdr_example: Cdr => "cdr_example.json";
    credentials_example: Credentials => "credentials_example.json";
    credentials_example2: Credentials => "credentials_example2.json";
    credentials_example3: Credentials => "credentials_example3.json";
    credentials_example4: Credentials => "credentials_example4.json";
    energymix_complete: EnergyMix => "location_energymix_example_complete.json" at "/energy_mix";
    energymix_energy_provider: EnergyMix => "location_energymix_example_energy_provider.json" at "/energy_mix";
    energymix_simple: EnergyMix => "location_energymix_example_simple.json" at "/energy_mix";
    location_example: Location => "location_example.json";
    location_parking_garage: Location => "location_example_parking_garage_opening_hours.json";
    location_uc2: Location => "location_example_uc2_destination_charger.json";
    location_uc3: Location => "location_example_uc3_destination_charger_not_published.json";
    location_uc4: Location => "location_example_uc4_limited_visibility.json";
    location_uc5: Location => "location_example_uc5_home_charge_point.json";
    hours_247: Hours => "location_hours_247_open_exception_closing.json";
    hours_closing: Hours => "location_hours_opening_hours_with_exceptional_closing.json";
    hours_opening: Hours => "location_hours_opening_hours_with_exceptional_opening.json";
    location_patch_location: LocationPatch => "location_patch_example_location.json";
    location_patch_remove_evse: EvsePatch => "location_patch_example_remove_evse.json";
    location_patch_status: EvsePatch => "location_patch_example_status.json";
    location_patch_tariff: ConnectorPatch => "location_patch_example_tariff.json";
    regular_hours: Hours => "location_regularhours_example.json" at "/opening_times";
    session_1: Session => "session_example_1_simple_start.json";
    session_2: Session => "session_example_2_short_finished.json";
    session_patch_charging_period: SessionPatch => "session_patch_example_charging_period.json";
    session_patch_total_cost: SessionPatch => "session_patch_example_total_cost.json";
    tariff_1: Tariff => "tariff_1_simple_2hour.json";
    tariff_2: Tariff => "tariff_2_alt_text.json";
    tariff_3: Tariff => "tariff_3_alt_url.json";
    tariff_4: Tariff => "tariff_4_complex.json";
    tariff_5: Tariff => "tariff_5_free_of_charge.json";
    tariff_6: Tariff => "tariff_6_025kwh_start_max_price.json";
    tariff_8: Tariff => "tariff_8_simple_025kwh.json";
    tariff_9: Tariff => "tariff_9_025kwh_start.json";
    tariff_10: Tariff => "tariff_10_025kwh_parking_start.json";
    tariff_11: Tariff => "tariff_11_not_possible_alt_text.json";
    tariff_12: Tariff => "tariff_12_025kwh_min_price.json";
    tariff_13: Tariff => "tariff_13_simple_3hour_5parking.json";
    tariff_14: Tariff => "tariff_14_step_size.json";
    tariff_15: Tariff => "tariff_15_reservation_5_euro_per_hour.json";
    tariff_16: Tariff => "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json";
    tariff_17: Tariff => "tariff_17_reservation_with_expire_fee.json";
    tariff_18: Tariff => "tariff_18_reservation_with_expire_time.json";
    tariffrestriction_max_duration: Tariff => "tariffrestriction_example_max_duration.json";
    tariffrestriction_max_power: Tariff => "tariffrestriction_example_max_power.json";
    token_1: Token => "token_example_1_app_user.json";
    token_2: Token => "token_example_2_full_rfid.json";
    token_patch: TokenPatch => "token_patch_example.json";
    token_put: Token => "token_put_example.json";
    envelope_get_token: Response<Token> => "transport_and_format_get_token_example.json";
    envelope_get_token_list: Response<Vec<Token>> => "transport_and_format_get_token_list_example.json";
    envelope_version_details: Response<VersionDetails> => "transport_and_format_version_details_example.json";
    envelope_version_info: Response<Vec<Version>> => "transport_and_format_version_info_example.json";
    display_text: DisplayText => "type_displaytext_example.json";
    version_details: VersionDetails => "version_details_example.json";
    version_details2: VersionDetails => "version_details_example2.json";
    versions_info: Vec<Version> => "versions_info_example.json";
}

/// Examples that violate the specification, with the reason.
struct Violating {
    file: &'static str,
    reason: &'static str,
    /// The path strict mode names (decoding stops at the first gap).
    strict_path: &'static str,
    /// Lenient mode reads the example as a partial object with exactly these
    /// gaps (missing or undecodable values), each a warning.
    gaps: &'static [&'static str],
    /// Further lenient warnings (e.g. fields the specification does not define).
    other_warnings: &'static [&'static str],
}

const VIOLATING: &[Violating] = &[
    Violating {
        file: "location_put_example_add_evse.json",
        reason: "a PUT of a full EVSE (not a PATCH: mod_locations says to put the full object \
                 with all its required fields), but its connector lacks the required power_type, \
                 max_voltage, max_amperage and last_updated; it has `floor` instead of \
                 `floor_level` and a number as `physical_reference` (string(16))",
        strict_path: "$.connectors[0].power_type",
        gaps: &[
            "$.connectors[0].last_updated",
            "$.connectors[0].max_amperage",
            "$.connectors[0].max_voltage",
            "$.connectors[0].power_type",
            "$.physical_reference",
        ],
        other_warnings: &["$.floor"],
    },
    Violating {
        file: "tariff_put_example.json",
        reason: "a PUT of a full Tariff (there is no Tariff PATCH), but it lacks the required \
                 last_updated",
        strict_path: "$.last_updated",
        gaps: &["$.last_updated"],
        other_warnings: &[],
    },
];

fn violating<T>(case: &Violating)
where
    T: DeserializeOwned + Serialize + Validate + std::fmt::Debug,
{
    let whole = load(case.file);
    // Strict mode: an error at the first gap, with plain and partial decoding.
    for strict in [
        decode_at::<T>(case.file, "", Mode::Strict).map(|_| ()),
        decode_partial::<T>(&whole, Mode::Strict, "$").map(|_| ()),
    ] {
        match strict {
            Err(Error::Json { path, .. }) => assert_eq!(path, case.strict_path, "{}", case.file),
            other => panic!(
                "{} ({}): strict mode gave {other:?}",
                case.file, case.reason
            ),
        }
    }
    // Lenient mode: plain decoding cannot give a `T` ...
    assert!(decode_at::<T>(case.file, "", Mode::Lenient).is_err());
    // ... partial decoding keeps the object as sent and names every gap.
    let (decoded, report) = decode_partial::<T>(&whole, Mode::Lenient, "$")
        .unwrap_or_else(|e| panic!("{}: {e}", case.file));
    assert!(report.is_ok(), "{}: {report:#?}", case.file);
    let partial = decoded.partial().expect("a partial object");
    let mut gaps: Vec<&str> = partial.gaps().iter().map(|g| g.path.as_str()).collect();
    gaps.sort_unstable();
    assert_eq!(gaps, case.gaps, "{}", case.file);
    let mut warnings: Vec<&str> = report.warnings.iter().map(|w| w.path.as_str()).collect();
    warnings.sort_unstable();
    let mut expected: Vec<&str> = case
        .gaps
        .iter()
        .chain(case.other_warnings)
        .copied()
        .collect();
    expected.sort_unstable();
    assert_eq!(warnings, expected, "{}: {report:#?}", case.file);
    assert_eq!(partial.object(), &whole, "{}: kept as sent", case.file);
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), whole);
}

#[test]
fn violating_examples() {
    violating::<Evse>(&VIOLATING[0]);
    violating::<Tariff>(&VIOLATING[1]);
}

/// The check API (and `ocpi-check`) accepts both in lenient mode as partial
/// objects, and rejects them in strict mode.
#[test]
fn violating_examples_are_checked_as_partial_objects() {
    for (case, object) in VIOLATING.iter().zip(["Evse", "Tariff"]) {
        let text = serde_json::to_string(&load(case.file)).expect("encodes");
        let strict = check_json(CheckVersion::V221, object, Mode::Strict, &text).expect("known");
        assert!(!strict[0].ok && !strict[0].partial, "{}", case.file);
        assert_eq!(strict[0].errors[0].path, case.strict_path);
        let lenient = check_json(CheckVersion::V221, object, Mode::Lenient, &text).expect("known");
        assert!(lenient[0].ok && lenient[0].partial, "{}", case.file);
        assert_eq!(
            lenient[0].warnings.len(),
            case.gaps.len() + case.other_warnings.len()
        );
    }
}

/// A receiver completes the Tariff PUT with the `last_updated` it assigns,
/// and the EVSE PUT with the connector data it already stores.
#[test]
fn violating_examples_can_be_completed() {
    let (decoded, _) =
        decode_partial::<Tariff>(&load("tariff_put_example.json"), Mode::Lenient, "$")
            .expect("partial");
    let fill = serde_json::json!({"last_updated": "2019-06-24T12:39:09Z"});
    let (tariff, report) = decoded
        .partial()
        .expect("partial")
        .complete_with(&fill, Mode::Strict)
        .expect("complete");
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(tariff.elements[0].price_components[0].step_size, 300);

    let (decoded, _) = decode_partial::<Evse>(
        &load("location_put_example_add_evse.json"),
        Mode::Lenient,
        "$",
    )
    .expect("partial");
    let stored = serde_json::json!({
        "physical_reference": "3",
        "connectors": [{"power_type": "AC_3_PHASE", "max_voltage": 220, "max_amperage": 16,
                        "last_updated": "2019-06-24T12:39:09Z"}]
    });
    let partial = decoded.partial().expect("partial");
    let (evse, report) = partial
        .complete_with(&stored, Mode::Lenient)
        .expect("complete");
    assert_eq!(evse.connectors[0].max_voltage, 220);
    assert_eq!(
        evse.physical_reference.as_ref().map(|p| p.as_str()),
        Some("3")
    );
    let paths: Vec<&str> = report.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(paths, ["$.floor"]);
    assert!(partial.complete_with(&fill, Mode::Lenient).is_err());
}

/// Every file in the directory is covered by one of the tests above.
#[test]
fn every_example_is_covered() {
    let source = include_str!("spec_examples.rs");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/spec-examples");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("examples dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".json") {
            count += 1;
            assert!(
                source.contains(&format!("\"{name}\"")),
                "{name} is not tested"
            );
        }
    }
    assert_eq!(count, 59);
}
