//! The reference CSMS as a user meets it: the `csms` example started with `--demo` as a
//! process, simulated stations (the `charge_point` example) over real WebSockets, and the
//! admin API over real HTTP.
//!
//! - a full charging session for a 1.6 and a 2.0.1 station, from boot to the priced CDR;
//! - the underground garage: renters with two cards each charge at any station, a blocked
//!   card is refused, and one API call tells where a renter charged and how much;
//! - tenant isolation: a second tenant's key and stations see and change nothing of the
//!   first tenant's.

#[path = "csms/common.rs"]
mod common;

use common::{Api, Csms, TempDir, charge};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The key that creates tenants, given to the CSMS.
const SYSTEM_KEY: &str = "scenario-system-key-0123456789";

/// The demo CSMS on a database of its own, on free ports, and the demo tenant's admin key.
fn start_demo(dir: &TempDir) -> (Csms, Api) {
    Csms::start_demo(dir, &["--system-key", SYSTEM_KEY])
}

fn decimal(value: &Value) -> Decimal {
    match value {
        Value::Number(number) => number.to_string().parse().unwrap(),
        Value::String(text) => text.parse().unwrap(),
        other => panic!("not a decimal: {other}"),
    }
}

/// The id of the station with `identity`.
fn station_id(api: &Api, identity: &str) -> i64 {
    let stations = api.get("/stations?limit=500").expect(200);
    stations["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|station| station["identity"] == identity)
        .and_then(|station| station["id"].as_i64())
        .unwrap_or_else(|| panic!("no station {identity} in {stations:#}"))
}

fn sessions(api: &Api, query: &str) -> Vec<Value> {
    let page = api.get(&format!("/sessions?{query}")).expect(200);
    page["items"].as_array().unwrap().clone()
}

#[track_caller]
fn assert_charged(output: &std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn full_session(identity: &str, version: &str) {
    let dir = TempDir::new("csms-scenario");
    let (csms, api) = start_demo(&dir);
    let output = charge(&csms.ocpp_url, identity, version, "DEMOTAG1", &[]);
    assert_charged(&output, identity);

    let station = station_id(&api, identity);
    // The server records the disconnection once it sees the socket close, which may be
    // after the simulator has exited.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let detail = loop {
        let detail = api.get(&format!("/stations/{station}")).expect(200);
        if detail["online"] == false || std::time::Instant::now() > deadline {
            break detail;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(detail["online"], false, "{detail:#}");
    assert_eq!(detail["connection"], Value::Null, "{detail:#}");
    assert_eq!(
        detail["vendor"], "EV Backend",
        "the boot is recorded: {detail:#}"
    );
    assert_eq!(detail["ocpp_version"], version, "{detail:#}");
    // The simulator ends with its connector free again.
    assert_eq!(detail["connectors"][0]["status"], "Available", "{detail:#}");
    let boots = api.get(&format!("/stations/{station}/boots")).expect(200);
    assert!(!boots.as_array().unwrap().is_empty(), "{boots:#}");

    let found = sessions(&api, &format!("station={station}"));
    assert_eq!(found.len(), 1, "{found:#?}");
    let session = &found[0];
    assert_eq!(session["status"], "completed", "{session:#}");
    assert_eq!(session["token_uid"], "DEMOTAG1");
    let energy_wh = decimal(&session["energy_wh"]);
    // Three meter values of at least 1 Wh each.
    assert!(energy_wh >= Decimal::from(3), "{session:#}");
    assert_eq!(
        energy_wh,
        decimal(&session["meter_stop_wh"]) - decimal(&session["meter_start_wh"])
    );
    let values = api
        .get(&format!("/sessions/{}/meter-values", session["id"]))
        .expect(200);
    assert!(!values.as_array().unwrap().is_empty(), "{values:#}");

    // The demo tariff: 0.30 EUR per kWh and 1.00 EUR per session, 21% VAT. CDR totals are
    // exact (no rounding to cents: that is for invoices).
    let cdr = api
        .get(&format!("/sessions/{}/cdr", session["id"]))
        .expect(200);
    assert_eq!(decimal(&cdr["energy_wh"]), energy_wh, "{cdr:#}");
    assert_eq!(cdr["currency"], "EUR");
    // The OCPI 2.2.1 CDR of the session, for roaming partners.
    let ocpi = &cdr["details"]["ocpi_cdr"];
    assert_eq!(ocpi["cdr_token"]["uid"], "DEMOTAG1", "{cdr:#}");
    assert_eq!(
        ocpi["cdr_location"]["evse_id"],
        "NL*DEM*E1".replace('1', &identity[5..])
    );
    assert_eq!(
        decimal(&ocpi["total_cost"]["excl_vat"]),
        decimal(&cdr["total_cost_excl_vat"])
    );
    let excl = Decimal::ONE + Decimal::new(30, 2) * energy_wh / Decimal::from(1000);
    let incl = excl * Decimal::new(121, 2);
    assert_eq!(decimal(&cdr["total_cost_excl_vat"]), excl, "{cdr:#}");
    assert_eq!(decimal(&cdr["total_cost_incl_vat"]), incl, "{cdr:#}");

    // The blocked demo token is refused: no second session.
    let output = charge(&csms.ocpp_url, identity, version, "DEMOTAG2", &[]);
    assert!(!output.status.success(), "DEMOTAG2 is blocked");
    assert_eq!(sessions(&api, &format!("station={station}")).len(), 1);
}

#[test]
fn a_1_6_station_charges_from_boot_to_priced_cdr() {
    full_session("DEMO-1", "1.6");
}

#[test]
fn a_2_0_1_station_charges_from_boot_to_priced_cdr() {
    full_session("DEMO-2", "2.0.1");
}

/// Creates a renter with two RFID cards; the second one blocked when `block_second`.
fn renter(api: &Api, name: &str, cards: [&str; 2], block_second: bool) -> i64 {
    let user = api
        .post("/users", &json!({"name": name, "roles": ["renter"]}))
        .expect(201);
    let id = user["id"].as_i64().unwrap();
    for (n, uid) in cards.into_iter().enumerate() {
        let status = if block_second && n == 1 {
            "blocked"
        } else {
            "accepted"
        };
        api.post(
            "/tokens",
            &json!({"uid": uid, "kind": "RFID", "status": status, "owner": id, "restrictions": {}}),
        )
        .expect(201);
    }
    id
}

#[test]
fn garage_renters_charge_anywhere_and_their_charging_is_one_call_away() {
    let dir = TempDir::new("csms-garage");
    let (csms, api) = start_demo(&dir);
    let anna = renter(&api, "Anna (spot B-12)", ["A1A1A1A1", "A2A2A2A2"], false);
    let boris = renter(&api, "Boris (spot B-14)", ["B1B1B1B1", "B2B2B2B2"], true);

    // Anna charges at both stations with both cards, Boris at one with his good card.
    for (identity, version, card) in [
        ("DEMO-1", "1.6", "A1A1A1A1"),
        ("DEMO-2", "2.0.1", "A2A2A2A2"),
        ("DEMO-2", "2.0.1", "B1B1B1B1"),
    ] {
        let output = charge(&csms.ocpp_url, identity, version, card, &[]);
        assert_charged(&output, card);
    }
    // Boris's blocked card is refused at any station.
    for (identity, version) in [("DEMO-1", "1.6"), ("DEMO-2", "2.0.1")] {
        let output = charge(&csms.ocpp_url, identity, version, "B2B2B2B2", &[]);
        assert!(!output.status.success(), "B2B2B2B2 is blocked");
    }

    // Where did Anna charge, and how much energy: one call.
    let annas = sessions(&api, &format!("owner={anna}"));
    assert_eq!(annas.len(), 2, "{annas:#?}");
    let stations: Vec<i64> = annas
        .iter()
        .map(|session| session["station_id"].as_i64().unwrap())
        .collect();
    assert!(stations.contains(&station_id(&api, "DEMO-1")));
    assert!(stations.contains(&station_id(&api, "DEMO-2")));
    for session in &annas {
        assert_eq!(session["status"], "completed");
        assert!(
            decimal(&session["energy_wh"]) > Decimal::ZERO,
            "{session:#}"
        );
    }
    let boris_sessions = sessions(&api, &format!("owner={boris}"));
    assert_eq!(boris_sessions.len(), 1, "{boris_sessions:#?}");
    assert_eq!(boris_sessions[0]["token_uid"], "B1B1B1B1");
}

/// The Basic password of the other tenant's station.
const OTHER_PASSWORD: &str = "1c9e7a5f3b2d8e6a4c0f";

#[test]
fn a_tenant_sees_changes_and_commands_nothing_of_another() {
    let dir = TempDir::new("csms-isolation");
    let (csms, demo) = start_demo(&dir);
    // A second tenant, with its own station and token.
    let created = csms
        .api(SYSTEM_KEY)
        .post(
            "/tenants",
            &json!({"name": "Other CPO", "role": "CPO", "country_code": "DE", "party_id": "OTH"}),
        )
        .expect(201);
    let other = csms.api(
        created["admin_key"]["key"]
            .as_str()
            .expect("the tenant's first key"),
    );
    // A tenant that does not allow unsecured stations refuses to register one.
    other
        .post(
            "/stations",
            &json!({"identity": "OTHER-1", "security_profile": 0, "registration": "accepted"}),
        )
        .expect(400);
    let other_station = other
        .post(
            "/stations",
            &json!({"identity": "OTHER-1", "security_profile": 1,
                    "password": OTHER_PASSWORD, "registration": "accepted"}),
        )
        .expect(201);
    let other_url = csms.tenant_url(&created["tenant"]["id"]);
    let credentials = ["--password", OTHER_PASSWORD];
    other
        .post(
            "/tokens",
            &json!({"uid": "OTHERTAG", "kind": "RFID", "status": "accepted", "restrictions": {}}),
        )
        .expect(201);

    // The demo tenant's session, token and station.
    let output = charge(&csms.ocpp_url, "DEMO-1", "1.6", "DEMOTAG1", &[]);
    assert_charged(&output, "DEMO-1");
    let station = station_id(&demo, "DEMO-1");
    let session = sessions(&demo, &format!("station={station}"))[0]["id"].clone();
    let tokens = demo.get("/tokens?limit=500").expect(200);
    let token = tokens["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|token| token["uid"] == "DEMOTAG1")
        .unwrap()["id"]
        .clone();

    // Not visible...
    for path in [
        format!("/stations/{station}"),
        format!("/sessions/{session}"),
        format!("/sessions/{session}/cdr"),
        format!("/tokens/{token}"),
    ] {
        other.get(&path).expect(404);
    }
    for list in [
        "/stations",
        "/sessions",
        "/tokens",
        "/cdrs",
        "/tariffs",
        "/users",
    ] {
        let page = other.get(list).expect(200);
        let text = page.to_string();
        assert!(
            !text.contains("DEMO-1") && !text.contains("DEMOTAG1"),
            "{list}: {page:#}"
        );
    }
    // ...nor changeable...
    other
        .put(
            &format!("/tokens/{token}/status"),
            &json!({"status": "blocked"}),
        )
        .expect(404);
    other.delete(&format!("/stations/{station}")).expect(404);
    // ...nor commandable.
    other
        .post(
            &format!("/stations/{station}/commands"),
            &json!({"command": "reset", "kind": "soft"}),
        )
        .expect(404);
    let demo_token = demo.get(&format!("/tokens/{token}")).expect(200);
    assert_eq!(demo_token["status"], "accepted");

    // The other tenant's station cannot use the demo tenant's token, and the demo tenant's
    // station cannot use the other's.
    let output = charge(&other_url, "OTHER-1", "1.6", "DEMOTAG1", &credentials);
    assert!(
        !output.status.success(),
        "DEMOTAG1 is not the other tenant's"
    );
    // Nor does the other tenant's station get in without its password, or at the demo
    // tenant's endpoint.
    let output = charge(&other_url, "OTHER-1", "1.6", "OTHERTAG", &[]);
    assert!(!output.status.success(), "OTHER-1 needs its password");
    let output = charge(&csms.ocpp_url, "OTHER-1", "1.6", "OTHERTAG", &credentials);
    assert!(!output.status.success(), "OTHER-1 is not the demo tenant's");
    let output = charge(&csms.ocpp_url, "DEMO-1", "1.6", "OTHERTAG", &[]);
    assert!(
        !output.status.success(),
        "OTHERTAG is not the demo tenant's"
    );
    let output = charge(&other_url, "OTHER-1", "1.6", "OTHERTAG", &credentials);
    assert_charged(&output, "OTHER-1");
    let theirs = other.get("/sessions").expect(200);
    assert_eq!(theirs["total"], 1, "{theirs:#}");
    assert_eq!(
        theirs["items"][0]["station_id"], other_station["id"],
        "{theirs:#}"
    );
}
