//! OCPI 2.1.1 objects are read with their 2.1.1 field names where 2.1.1 and 2.2.1 differ,
//! and carry no field that only 2.2.1 defines (the 2.1.1 text: `mod_locations.md` section
//! 4.8 EnvironmentalImpact, `mod_commands.md` section 3.1 CommandResponse).

use ocpi_types::common::CiString;
use ocpi_types::v211::convert::{Party, location_to_v211, location_to_v221, tariff_to_v221};
use ocpi_types::{Mode, decode, v211, v221};

fn owner() -> Party {
    Party {
        country_code: CiString::from("BE"),
        party_id: CiString::from("BEC"),
    }
}

/// The "Complete" EnergyMix example of 2.1.1 `mod_locations.md` (section 4.5).
const ENERGY_MIX_211: &str = r#"{
    "is_green_energy": false,
    "energy_sources": [
        { "source": "GENERAL_GREEN",  "percentage": 35.9 },
        { "source": "GAS",            "percentage": 6.3  },
        { "source": "COAL",           "percentage": 33.2 },
        { "source": "GENERAL_FOSSIL", "percentage": 2.9 },
        { "source": "NUCLEAR",        "percentage": 21.7 }
    ],
    "environ_impact": [
        { "source": "NUCLEAR_WASTE",  "amount": 0.0006 },
        { "source": "CARBON_DIOXIDE", "amount": 372 }
    ],
    "supplier_name": "E.ON Energy Deutschland",
    "energy_product_name": "E.ON DirektStrom eco"
}"#;

fn tariff_211_with_energy_mix() -> String {
    format!(
        r#"{{"id": "12", "currency": "EUR",
            "elements": [{{"price_components": [{{"type": "TIME", "price": 2.00, "step_size": 300}}]}}],
            "energy_mix": {ENERGY_MIX_211},
            "last_updated": "2015-06-29T20:39:09Z"}}"#
    )
}

#[test]
fn environmental_impact_is_read_with_source_in_2_1_1() {
    let (mix, report) = decode::<v211::EnergyMix>(ENERGY_MIX_211, Mode::Strict).expect("decodes");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(mix.environ_impact.len(), 2);
    assert_eq!(mix.environ_impact[1].source.as_str(), "CARBON_DIOXIDE");
    // Written back with the 2.1.1 name.
    let json = serde_json::to_value(&mix).expect("serializes");
    assert_eq!(json["environ_impact"][0]["source"], "NUCLEAR_WASTE");
    assert!(json["environ_impact"][0].get("category").is_none());
    // The 2.2.1 name is not the 2.1.1 one.
    let with_category = ENERGY_MIX_211.replace(
        r#""source": "NUCLEAR_WASTE""#,
        r#""category": "NUCLEAR_WASTE""#,
    );
    assert!(decode::<v211::EnergyMix>(&with_category, Mode::Lenient).is_err());
}

#[test]
fn a_2_1_1_tariff_with_an_energy_mix_is_read_and_converted() {
    let (tariff, report) =
        decode::<v211::Tariff>(&tariff_211_with_energy_mix(), Mode::Strict).expect("decodes");
    assert!(report.is_ok(), "{report:?}");
    let up = tariff_to_v221(&tariff, &owner()).expect("converts");
    let mix = up.energy_mix.expect("energy mix");
    assert_eq!(mix.environ_impact[0].category.as_str(), "NUCLEAR_WASTE");
    assert_eq!(
        mix.environ_impact[1].amount,
        "372".parse().expect("decimal")
    );
    let json = serde_json::to_value(&mix).expect("serializes");
    assert_eq!(json["environ_impact"][1]["category"], "CARBON_DIOXIDE");
}

#[test]
fn a_location_energy_mix_goes_both_ways() {
    // The spec's example Location, with the "complete" 2.2.1 energy mix example.
    let read = |file: &str| -> serde_json::Value {
        let path = format!("{}/tests/spec-examples/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("example");
        serde_json::from_str(&text).expect("JSON")
    };
    let mut location = read("location_example.json");
    location["energy_mix"] = read("location_energymix_example_complete.json")["energy_mix"].clone();
    let location: v221::Location = serde_json::from_value(location).expect("2.2.1 location");
    let down = location_to_v211(&location).expect("converts down");
    let json = serde_json::to_value(&down).expect("serializes");
    let impact = &json["energy_mix"]["environ_impact"][0];
    assert!(
        impact.get("source").is_some() && impact.get("category").is_none(),
        "{impact}"
    );
    let (read, report) =
        decode::<v211::Location>(&json.to_string(), Mode::Strict).expect("2.1.1 reads it");
    assert!(report.is_ok(), "{report:?}");
    let up = location_to_v221(&read, &owner()).expect("converts up");
    assert_eq!(up.energy_mix, location.energy_mix);
}

#[test]
fn a_2_1_1_command_response_has_only_a_result() {
    let (response, report) =
        decode::<v211::CommandResponse>(r#"{"result": "ACCEPTED"}"#, Mode::Strict)
            .expect("decodes");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(response.result.as_str(), "ACCEPTED");
    // `message` (and `timeout`) came with 2.2: not defined by 2.1.1.
    let json = r#"{"result": "REJECTED", "message": [{"language": "en", "text": "busy"}]}"#;
    let (_, report) = decode::<v211::CommandResponse>(json, Mode::Strict).expect("decodes");
    assert_eq!(report.errors.len(), 1, "{report:?}");
    assert_eq!(report.errors[0].path, "$.message");
}
