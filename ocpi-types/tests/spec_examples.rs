//! Every example file of the OCPI 2.2.1 specification (copied unchanged into
//! `tests/spec-examples/`) decodes in strict mode without findings and
//! round-trips to an equal JSON value; the examples that violate the
//! specification are listed with the reason, and lenient and strict mode are
//! checked against that reason.

mod support;

use std::path::PathBuf;

use ocpi_types::common::Response;
use ocpi_types::v221::*;
use ocpi_types::{Error, Mode, Report, Validate, decode_value};
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
    /// The path strict mode must name (an error).
    strict_path: &'static str,
    /// Whether lenient mode can still decode the example (missing required
    /// fields and wrong JSON types cannot be kept in a typed value).
    lenient_decodes: bool,
}

const VIOLATING: &[Violating] = &[
    Violating {
        file: "location_put_example_add_evse.json",
        reason: "the EVSE's connector lacks the required power_type, max_voltage, max_amperage and \
                 last_updated; it has `floor` instead of `floor_level` and a number as \
                 `physical_reference`",
        strict_path: "$.connectors[0].power_type",
        lenient_decodes: false,
    },
    Violating {
        file: "tariff_put_example.json",
        reason: "the Tariff lacks the required last_updated",
        strict_path: "$.last_updated",
        lenient_decodes: false,
    },
];

fn violating<T>(case: &Violating)
where
    T: DeserializeOwned + Serialize + Validate,
{
    let strict = decode_at::<T>(case.file, "", Mode::Strict);
    let strict_paths: Vec<String> = match &strict {
        Err(Error::Json { path, .. }) => vec![path.clone()],
        Err(other) => panic!("{}: {other}", case.file),
        Ok((_, _, report)) => report.errors.iter().map(|e| e.path.clone()).collect(),
    };
    assert!(
        strict_paths.iter().any(|p| p == case.strict_path),
        "{} ({}): strict mode named {strict_paths:?}, expected {}",
        case.file,
        case.reason,
        case.strict_path
    );
    let lenient = decode_at::<T>(case.file, "", Mode::Lenient);
    match (lenient, case.lenient_decodes) {
        (Ok((_, _, report)), true) => assert!(report.is_ok(), "{}: {report:#?}", case.file),
        (Err(Error::Json { path, .. }), false) => {
            assert_eq!(path, case.strict_path, "{}", case.file)
        }
        (other, _) => panic!("{}: unexpected lenient result {other:?}", case.file),
    }
}

#[test]
fn violating_examples() {
    violating::<Evse>(&VIOLATING[0]);
    violating::<Tariff>(&VIOLATING[1]);
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
