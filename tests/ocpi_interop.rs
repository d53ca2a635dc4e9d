//! The `csms` example as an OCPI 2.2.1 CPO against an eMSP we did not write: one built on the
//! PyPI package `extrawest-ocpi` (import name `py_ocpi`, a FastAPI framework for OCPI
//! servers), run by `tests/interop/ocpi/emsp.py` on 127.0.0.1:
//!
//! - direction A: an operator adds the eMSP through the admin API; the eMSP registers with
//!   token A (versions, version details, credentials), and the partner shows connected with
//!   the eMSP's endpoints;
//! - the eMSP pulls the Locations (one object a page, following `Link`) and the Tariffs, and
//!   one EVSE, each validated by py_ocpi's own schemas;
//! - a driver of the eMSP: its token pushed to the CPO's Tokens Receiver, it charges at a
//!   simulated station (the `charge_point` example); the CPO pushes the session as it starts
//!   and ends, its CDR and the EVSE's status to py_ocpi's receivers, and serves the session
//!   and CDR on pull; a tariff the operator adds is pushed, and deleted there once deleted;
//! - direction B: the eMSP issues a token A, the operator registers the CPO with it, and the
//!   eMSP holds the CPO's credentials afterwards;
//! - the same registration both ways and pulls with eMSPs of OCPI 2.1.1, and a charge by a
//!   driver of such an eMSP, its session and CDR pushed to it in 2.1.1 and its CDR pulled;
//! - real-time authorization: tokens pushed with the whitelist rule `NEVER` are authorized at
//!   the eMSP's Tokens Sender (`POST {tokens}/{uid}/authorize`, with the token's type and the
//!   station's location) when a station presents them: the one the eMSP allows charges, the
//!   one it answers `NOT_ALLOWED` is refused at the station; an `ALLOWED_OFFLINE` token the
//!   eMSP does not know (it answers 404) is refused too;
//! - START_SESSION: with a station connected and idle (the `charge_point` example left
//!   running after its first transaction), the eMSP POSTs START_SESSION for its app user to
//!   the CPO's Commands Receiver, with a `response_url` at its own Commands module; the
//!   answer is `ACCEPTED`, the station runs the session (its Authorize asked of the eMSP in
//!   real time), the eMSP receives the `ACCEPTED` CommandResult (read by py_ocpi's schema)
//!   at its `response_url`, and the session shows in the admin API and is pushed to the
//!   eMSP.
//!
//! The interpreter is `$OCPP_PYTHON` (default `python3`), with `extrawest-ocpi` and `uvicorn`
//! (`.ci/run` installs them). Without them the test fails when `CI` is set, and otherwise
//! says loudly that it did not run.

#[path = "csms/common.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{Csms, TempDir};
use serde_json::{Value, json};

/// The Python interpreter with `py_ocpi` and `uvicorn`, or `None` (after saying so) outside CI.
fn python() -> Option<String> {
    let python = std::env::var("OCPP_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let works = Command::new(&python)
        .args(["-c", "import py_ocpi, uvicorn, httpx"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if works {
        return Some(python);
    }
    let message = format!(
        "{python} cannot import the Python packages `py_ocpi` (extrawest-ocpi) and `uvicorn`: \
         install them (python3 -m venv .venv && .venv/bin/pip install extrawest-ocpi==2025.7.16 \
         uvicorn==0.55.0) and set OCPP_PYTHON=.venv/bin/python"
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n*** OCPI INTEROPERABILITY TEST NOT RUN: {message} ***\n");
    None
}

/// The py_ocpi eMSP, running: its versions URL, and a line-by-line conversation with it.
struct Emsp {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    port: u16,
    versions_url: String,
}

impl Emsp {
    /// An eMSP of party `NL`/`party_id` on a free port, with the script's `extra` options.
    fn start(python: &str, party_id: &str, extra: &[&str]) -> Emsp {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/ocpi/emsp.py");
        let mut child = Command::new(python)
            .args([script, "--party-id", party_id])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the eMSP starts");
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut emsp = Emsp {
            child,
            stdin,
            lines,
            port: 0,
            versions_url: String::new(),
        };
        let ready = emsp.next_line();
        assert_eq!(ready["event"], "ready", "{ready}");
        emsp.port = ready["port"].as_u64().expect("a port") as u16;
        emsp.versions_url = ready["versions_url"].as_str().expect("a URL").to_owned();
        emsp
    }

    fn next_line(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the eMSP answers within 20 s");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"))
    }

    /// Sends a command and returns its answer, whether it succeeded or not.
    fn try_call(&mut self, command: Value) -> Value {
        writeln!(self.stdin, "{command}").expect("the eMSP reads its commands");
        self.stdin.flush().unwrap();
        self.next_line()
    }

    /// Sends a command that must succeed.
    #[track_caller]
    fn call(&mut self, command: Value) -> Value {
        let answer = self.try_call(command.clone());
        assert_eq!(answer["ok"], true, "{command} failed: {answer:#}");
        answer
    }

    /// The URL of one of the eMSP's endpoints in OCPI 2.2.1 (py_ocpi serves them below
    /// `/ocpi/emsp/2.2.1/`, with a trailing slash).
    fn endpoint(&self, module: &str) -> String {
        format!("http://127.0.0.1:{}/ocpi/emsp/2.2.1/{module}/", self.port)
    }
}

impl Drop for Emsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `(module, role, url)` of each endpoint the admin API shows for a partner.
fn shown_endpoints(partner: &Value) -> Vec<(String, String, String)> {
    partner["endpoints"]
        .as_array()
        .unwrap_or_else(|| panic!("endpoints: {partner:#}"))
        .iter()
        .map(|e| {
            (
                e["module"].as_str().unwrap().to_owned(),
                e["role"].as_str().unwrap().to_owned(),
                e["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// What py_ocpi's eMSP publishes in OCPI 2.2.1, as its version details list it.
fn emsp_endpoints(emsp: &Emsp) -> Vec<(String, String, String)> {
    [
        ("credentials", "RECEIVER"),
        ("locations", "RECEIVER"),
        ("tariffs", "RECEIVER"),
        ("sessions", "RECEIVER"),
        ("cdrs", "RECEIVER"),
        ("tokens", "SENDER"),
        ("commands", "SENDER"),
    ]
    .iter()
    .map(|(module, role)| (module.to_string(), role.to_string(), emsp.endpoint(module)))
    .collect()
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

#[test]
fn the_csms_registers_with_and_is_pulled_by_a_py_ocpi_emsp() {
    let Some(python) = python() else { return };
    let dir = TempDir::new("ocpi-interop");
    let (csms, api) = Csms::start_demo(&dir, &[]);
    let mut emsp = Emsp::start(&python, "EMP", &[]);

    // Direction A: the operator adds the eMSP; the eMSP registers with token A.
    let created = api
        .post(
            "/roaming-partners",
            &json!({"country_code": "NL", "party_id": "EMP", "role": "EMSP",
                    "name": "py_ocpi eMSP"}),
        )
        .expect(201);
    let partner = created["partner"]["id"].as_i64().expect("an id");
    let token_a = created["token_a"].as_str().expect("token A");
    let versions_url = created["versions_url"].as_str().expect("versions URL");
    assert_eq!(versions_url, format!("http://{}/ocpi/versions", csms.api));
    let registered = emsp.call(json!({"cmd": "register", "versions_url": versions_url,
                                      "token": token_a}));
    assert_eq!(registered["version"], "2.2.1", "{registered:#}");
    // The CPO's credentials, as py_ocpi's Credentials schema read them (it lowercases
    // case-insensitive strings such as party ids, which OCPI allows).
    let theirs = &registered["credentials"];
    assert_eq!(theirs["url"], versions_url);
    let roles = theirs["roles"].as_array().expect("roles");
    assert!(
        roles.iter().any(|role| role["role"] == "CPO"
            && role["party_id"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("DEM")
            && role["country_code"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("NL")),
        "the demo tenant's own party: {theirs:#}"
    );
    assert_ne!(theirs["token"], token_a, "token C is a new token");
    let modules: Vec<&str> = registered["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["identifier"].as_str().unwrap())
        .collect();
    for module in ["credentials", "locations", "tariffs"] {
        assert!(modules.contains(&module), "{registered:#}");
    }
    let shown = api.get(&format!("/roaming-partners/{partner}")).expect(200);
    assert_eq!(shown["status"], "connected", "{shown:#}");
    assert_eq!(shown["version"], "2.2.1");
    assert_eq!(shown["versions_url"], emsp.versions_url.as_str());
    assert_eq!(shown["can_call"], true);
    assert_eq!(
        sorted(shown_endpoints(&shown)),
        sorted(emsp_endpoints(&emsp)),
        "the eMSP's endpoints as py_ocpi publishes them"
    );
    // Token A is spent: registering again with it is refused.
    let again = emsp.try_call(json!({"cmd": "register", "versions_url": versions_url,
                                     "token": token_a}));
    assert_eq!(again["ok"], false, "{again:#}");

    // A second location (coordinates, no stations: published without EVSEs), so that the
    // Locations come in two pages of one.
    let second = api
        .post(
            "/locations",
            &json!({"name": "Interop Depot", "address": {"street": "Kade 2",
                    "city": "Amsterdam", "country": "NLD"},
                    "coordinates": {"latitude": 52.370216, "longitude": 4.895168},
                    "time_zone": "Europe/Amsterdam",
                    "opening_hours": {"twenty_four_seven": true}, "parking_spots": []}),
        )
        .expect(201);
    let second_id = second["id"].to_string();

    // The pulls, one object a page, each object validated by py_ocpi's schemas.
    let pulled = emsp.call(json!({"cmd": "pull", "module": "locations", "limit": 1}));
    let pages = pulled["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2, "two pages of one: {pulled:#}");
    assert_eq!(pages[0]["x_total_count"], "2", "{pulled:#}");
    assert_eq!(pages[0]["x_limit"], "1", "{pulled:#}");
    assert!(
        pages[0]["link"]
            .as_str()
            .unwrap_or("")
            .contains("rel=\"next\""),
        "{pulled:#}"
    );
    assert!(pages[1]["link"].is_null(), "no next page: {pulled:#}");
    let locations = pulled["objects"].as_array().unwrap();
    assert_eq!(locations.len(), 2);
    let demo = locations
        .iter()
        .find(|l| l["evses"].as_array().is_some_and(|e| !e.is_empty()))
        .expect("the demo location with its EVSEs");
    let other = locations
        .iter()
        .find(|l| l["id"].as_str() == Some(second_id.as_str()))
        .expect("the second location");
    assert_eq!(other["name"], "Interop Depot");
    assert_eq!(demo["party_id"], "DEM");
    assert_eq!(demo["country_code"], "NL");
    let demo_id = demo["id"].as_str().expect("an id");
    let uids: Vec<&str> = demo["evses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, ["NL*DEM*E1", "NL*DEM*E2"]);
    let evse = emsp.call(json!({"cmd": "get", "module": "locations",
                                "path": format!("{demo_id}/NL*DEM*E2"), "schema": "EVSE"}));
    assert_eq!(evse["object"]["uid"], "NL*DEM*E2", "{evse:#}");

    let tariffs = emsp.call(json!({"cmd": "pull", "module": "tariffs", "limit": 1}));
    let objects = tariffs["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 1, "the demo tariff: {tariffs:#}");
    assert_eq!(objects[0]["currency"], "EUR");
    assert_eq!(tariffs["pages"][0]["x_total_count"], "1");

    // A tariff the operator adds is pushed to py_ocpi's Tariffs receiver (PUT); deleted, it
    // is deleted there (DELETE).
    let added = api
        .post(
            "/tariffs",
            &json!({
                "country_code": "NL", "party_id": "DEM", "id": "SHORT-LIVED", "currency": "EUR",
                "elements": [{"price_components": [
                    {"type": "ENERGY", "price": 0.5, "vat": 21.0, "step_size": 1}]}],
                "last_updated": "2026-01-01T00:00:00Z"
            }),
        )
        .expect(201);
    // (py_ocpi keeps the id, case-insensitive in OCPI, in lowercase.)
    let received = |emsp: &mut Emsp| {
        emsp.call(json!({"cmd": "state"}))["objects"]["tariffs"]
            .as_object()
            .is_some_and(|tariffs| {
                tariffs
                    .keys()
                    .any(|id| id.eq_ignore_ascii_case("SHORT-LIVED"))
            })
    };
    wait_for("the new tariff pushed", || {
        received(&mut emsp).then_some(())
    });
    api.delete(&format!("/tariffs/{}", added["id"])).expect(204);
    wait_for("the tariff deleted at the eMSP", || {
        (!received(&mut emsp)).then_some(())
    });

    // A driver of the eMSP: its token pushed to the CPO (validated by py_ocpi's schema), it
    // charges at DEMO-1; the CPO pushes the session as it starts and ends, and its CDR, to
    // py_ocpi's receivers, and serves them on pull.
    let token = json!({
        "country_code": "NL", "party_id": "EMP", "uid": "ROAMPY01", "type": "RFID",
        "contract_id": "NL-EMP-C00000001-X", "issuer": "py_ocpi eMSP", "valid": true,
        "whitelist": "ALLOWED", "last_updated": "2026-03-01T10:00:00Z"});
    let state = a_driver_charges(&mut emsp, &csms, &api, partner, token);
    let sessions = state["objects"]["sessions"].as_object().unwrap();
    assert_eq!(sessions.len(), 1, "{state:#}");
    let session = sessions.values().next().unwrap();
    assert_eq!(
        session["cdr_token"]["uid"]
            .as_str()
            .map(str::to_uppercase)
            .as_deref(),
        Some("ROAMPY01")
    );
    assert_eq!(session["location_id"], demo_id);
    let cdr = state["objects"]["cdrs"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(cdr["session_id"], session["id"], "{cdr:#}");
    assert_eq!(cdr["currency"], "EUR");
    let pulled = emsp.call(json!({"cmd": "pull", "module": "sessions"}));
    assert_eq!(pulled["objects"].as_array().unwrap().len(), 1, "{pulled:#}");
    let pulled = emsp.call(json!({"cmd": "pull", "module": "cdrs"}));
    assert_eq!(pulled["objects"].as_array().unwrap().len(), 1, "{pulled:#}");
    let log = api
        .get(&format!("/roaming-partners/{partner}/pushes?limit=100"))
        .expect(200);
    let delivered: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|push| push["status"] == "delivered")
        .map(|push| push["event"].as_str().unwrap())
        .collect();
    for event in [
        "session.started",
        "session.ended",
        "cdr.issued",
        "location.changed",
        "evse.status_changed",
    ] {
        assert!(delivered.contains(&event), "{event} not delivered: {log:#}");
    }

    // Direction B: a second eMSP party (its own py_ocpi platform) issues a token A; the
    // operator registers the CPO with it.
    let mut emsp = Emsp::start(&python, "EM2", &[]);
    let their_token_a = emsp.call(json!({"cmd": "issue_token_a"}))["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = api
        .post(
            "/roaming-partners",
            &json!({"country_code": "NL", "party_id": "EM2", "role": "EMSP",
                    "name": "py_ocpi eMSP 2"}),
        )
        .expect(201)["partner"]["id"]
        .as_i64()
        .expect("an id");
    let done = api
        .post(
            &format!("/roaming-partners/{other}/register"),
            &json!({"versions_url": emsp.versions_url, "token": their_token_a}),
        )
        .expect(200);
    assert_eq!(done["status"], "connected", "{done:#}");
    assert_eq!(done["version"], "2.2.1");
    assert_eq!(done["versions_url"], emsp.versions_url.as_str());
    assert_eq!(done["can_call"], true);
    assert_eq!(
        sorted(shown_endpoints(&done)),
        sorted(emsp_endpoints(&emsp))
    );
    let state = emsp.call(json!({"cmd": "state"}));
    let held: Vec<&Value> = state["partners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["direction"] == "B")
        .collect();
    assert_eq!(held.len(), 1, "{state:#}");
    let ours = held[0];
    assert_eq!(ours["versions_url"], versions_url, "{ours:#}");
    assert_eq!(ours["version"], "2.2.1");
    let token = ours["token"].as_str().unwrap();
    assert!(!token.is_empty() && token != their_token_a, "{ours:#}");
    assert!(
        ours["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|role| role["role"] == "CPO"
                && role["party_id"]
                    .as_str()
                    .unwrap()
                    .eq_ignore_ascii_case("DEM")),
        "{ours:#}"
    );
    assert!(
        ours["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["identifier"] == "locations" && e["role"] == "SENDER"),
        "the CPO's endpoints: {ours:#}"
    );
    // The token the CPO gave it works: it pulls the tariffs with it.
    let tariffs = emsp.call(json!({"cmd": "pull", "module": "tariffs"}));
    assert_eq!(tariffs["objects"][0]["currency"], "EUR", "{tariffs:#}");
    // Its token A is spent.
    let failed = api
        .post(
            &format!("/roaming-partners/{other}/register"),
            &json!({"versions_url": emsp.versions_url, "token": their_token_a}),
        )
        .expect(502);
    assert_eq!(failed["error"]["code"], "partner_failed", "{failed:#}");
}

/// The same with eMSPs that speak OCPI 2.1.1 only, a driver of theirs charging with the
/// session and CDR pushed to them in 2.1.1.
#[test]
fn a_py_ocpi_emsp_of_ocpi_2_1_1_registers_both_ways_and_pulls() {
    let Some(python) = python() else { return };
    let dir = TempDir::new("ocpi-interop-211");
    let (csms, api) = Csms::start_demo(&dir, &[]);

    // Direction A.
    let mut emsp = Emsp::start(&python, "E21", &["--versions", "2.1.1"]);
    let created = api
        .post(
            "/roaming-partners",
            &json!({"country_code": "NL", "party_id": "E21", "role": "EMSP", "name": "E21"}),
        )
        .expect(201);
    let partner = created["partner"]["id"].as_i64().expect("an id");
    let registered = emsp.call(json!({"cmd": "register", "version": "2.1.1",
        "versions_url": created["versions_url"], "token": created["token_a"]}));
    assert_eq!(registered["version"], "2.1.1", "{registered:#}");
    let shown = api.get(&format!("/roaming-partners/{partner}")).expect(200);
    assert_eq!(shown["status"], "connected", "{shown:#}");
    assert_eq!(shown["version"], "2.1.1");
    let pulled = emsp.call(json!({"cmd": "pull", "module": "locations", "limit": 1}));
    let uids: Vec<&str> = pulled["objects"][0]["evses"]
        .as_array()
        .unwrap_or_else(|| panic!("the demo location's EVSEs: {pulled:#}"))
        .iter()
        .map(|e| e["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, ["NL*DEM*E1", "NL*DEM*E2"], "{pulled:#}");
    let tariffs = emsp.call(json!({"cmd": "pull", "module": "tariffs"}));
    assert_eq!(tariffs["objects"][0]["currency"], "EUR", "{tariffs:#}");

    // A driver of the eMSP (a 2.1.1 Token, without a type in its URL) charges at DEMO-1: the
    // CPO pushes the session and its CDR in 2.1.1, which py_ocpi's 2.1.1 receivers take, and
    // serves them on pull.
    let token = json!({
        "country_code": "NL", "party_id": "E21", "uid": "ROAMPY21", "type": "RFID",
        "auth_id": "NL-E21-C00000021-X", "issuer": "py_ocpi eMSP", "valid": true,
        "whitelist": "ALLOWED", "last_updated": "2026-03-01T10:00:00Z"});
    let state = a_driver_charges(&mut emsp, &csms, &api, partner, token);
    let session = state["objects"]["sessions"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(session["auth_id"], "NL-E21-C00000021-X", "{session:#}");
    assert_eq!(
        session["location"]["evses"][0]["uid"], "NL*DEM*E1",
        "{session:#}"
    );
    assert!(
        session.get("cdr_token").is_none(),
        "a 2.1.1 Session: {session:#}"
    );
    let cdr = state["objects"]["cdrs"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(cdr["auth_id"], "NL-E21-C00000021-X", "{cdr:#}");
    assert_eq!(cdr["location"]["evses"][0]["uid"], "NL*DEM*E1", "{cdr:#}");
    assert!(
        cdr.get("session_id").is_none() && cdr.get("cdr_token").is_none(),
        "a 2.1.1 CDR: {cdr:#}"
    );
    let pushes = api
        .get(&format!("/roaming-partners/{partner}/pushes?limit=100"))
        .expect(200);
    assert!(
        pushes["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|push| push["status"] != "failed"),
        "{pushes:#}"
    );
    let pulled = emsp.call(json!({"cmd": "pull", "module": "cdrs"}));
    assert_eq!(
        pulled["objects"].as_array().map(Vec::len),
        Some(1),
        "the CDR on pull: {pulled:#}"
    );

    // Direction B.
    let mut emsp = Emsp::start(&python, "E22", &["--versions", "2.1.1"]);
    let token_a = emsp.call(json!({"cmd": "issue_token_a"}))["token"].clone();
    let other = api
        .post(
            "/roaming-partners",
            &json!({"country_code": "NL", "party_id": "E22", "role": "EMSP", "name": "E22"}),
        )
        .expect(201)["partner"]["id"]
        .as_i64()
        .expect("an id");
    let done = api
        .post(
            &format!("/roaming-partners/{other}/register"),
            &json!({"versions_url": emsp.versions_url, "token": token_a}),
        )
        .expect(200);
    assert_eq!(done["status"], "connected", "{done:#}");
    assert_eq!(done["version"], "2.1.1");
    let state = emsp.call(json!({"cmd": "state"}));
    assert_eq!(state["partners"][0]["version"], "2.1.1", "{state:#}");
    let tariffs = emsp.call(json!({"cmd": "pull", "module": "tariffs"}));
    assert_eq!(tariffs["objects"][0]["currency"], "EUR", "{tariffs:#}");
}

/// The eMSP pushes its driver's `token` to the CPO, the driver charges with it at DEMO-1 (a
/// 1.6 transaction), and the eMSP's state is returned once the CPO has pushed it the
/// completed session and its CDR (at most 30 s; the partner's push log in the panic
/// otherwise).
fn a_driver_charges(
    emsp: &mut Emsp,
    csms: &Csms,
    api: &common::Api,
    partner: i64,
    token: Value,
) -> Value {
    let uid = token["uid"].as_str().expect("a uid").to_owned();
    let pushed = emsp.call(json!({"cmd": "push_token", "token": token}));
    assert_eq!(pushed["http_status"], 201, "{pushed:#}");
    let output = common::charge(&csms.ocpp_url, "DEMO-1", "1.6", &uid, &[]);
    assert!(
        output.status.success(),
        "the eMSP's driver charges: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let state = emsp.call(json!({"cmd": "state"}));
        let completed = state["objects"]["sessions"]
            .as_object()
            .is_some_and(|sessions| sessions.values().any(|s| s["status"] == "COMPLETED"));
        let cdr = state["objects"]["cdrs"]
            .as_object()
            .is_some_and(|cdrs| !cdrs.is_empty());
        if completed && cdr {
            return state;
        }
        if std::time::Instant::now() >= deadline {
            let log = api.get(&format!("/roaming-partners/{partner}/pushes?limit=100"));
            panic!(
                "no completed session and CDR pushed in 30 s: {:#}\nreceived: {state:#}",
                log.body
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The id of the station `identity` in the admin API.
fn station_id(api: &common::Api, identity: &str) -> i64 {
    let stations = api.get("/stations?limit=500").expect(200);
    stations["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|station| station["identity"] == identity)
        .and_then(|station| station["id"].as_i64())
        .unwrap_or_else(|| panic!("no station {identity}: {stations:#}"))
}

/// The sessions of station `station` (its id) charged with token `uid`, in the admin API.
fn sessions_of(api: &common::Api, station: i64, uid: &str) -> Vec<Value> {
    let page = api
        .get(&format!("/sessions?station={station}&limit=100"))
        .expect(200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|session| session["token_uid"] == uid)
        .cloned()
        .collect()
}

/// Asks `probe` every 100 ms, for at most 30 s, until it has an answer.
#[track_caller]
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(std::time::Instant::now() < deadline, "in 30 s: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The real-time authorizations the eMSP was asked of token `uid`.
fn authorizations_of(state: &Value, uid: &str) -> Vec<Value> {
    state["authorizations"]
        .as_array()
        .unwrap_or_else(|| panic!("authorizations: {state:#}"))
        .iter()
        .filter(|asked| {
            asked["uid"]
                .as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(uid))
        })
        .cloned()
        .collect()
}

/// A token of the eMSP `NL`/`EMP` with `uid`, `type` and whitelist rule `whitelist`.
fn emsp_token(uid: &str, r#type: &str, whitelist: &str) -> Value {
    json!({"country_code": "NL", "party_id": "EMP", "uid": uid, "type": r#type,
           "contract_id": format!("NL-EMP-C{uid}-X"), "issuer": "py_ocpi eMSP", "valid": true,
           "whitelist": whitelist, "last_updated": "2026-03-01T10:00:00Z"})
}

#[test]
fn a_py_ocpi_emsp_authorizes_in_real_time_and_starts_a_session_by_command() {
    let Some(python) = python() else { return };
    let dir = TempDir::new("ocpi-interop-realtime");
    let (csms, api) = Csms::start_demo(&dir, &[]);
    let mut emsp = Emsp::start(&python, "EMP", &[]);

    // The eMSP registers (direction A), and pulls the locations.
    let created = api
        .post(
            "/roaming-partners",
            &json!({"country_code": "NL", "party_id": "EMP", "role": "EMSP",
                    "name": "py_ocpi eMSP"}),
        )
        .expect(201);
    let registered = emsp.call(json!({"cmd": "register",
        "versions_url": created["versions_url"], "token": created["token_a"]}));
    assert_eq!(registered["version"], "2.2.1", "{registered:#}");
    let pulled = emsp.call(json!({"cmd": "pull", "module": "locations"}));
    let demo_id = pulled["objects"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the demo location: {pulled:#}"))
        .to_owned();
    let demo_1 = station_id(&api, "DEMO-1");
    let demo_2 = station_id(&api, "DEMO-2");

    // Real-time authorization: a token whose whitelist rule is NEVER is authorized at the
    // eMSP (POST {tokens}/{uid}/authorize), which allows it: its driver charges at DEMO-1.
    let pushed = emsp.call(json!({"cmd": "push_token",
                                  "token": emsp_token("ROAMRT01", "RFID", "NEVER")}));
    assert_eq!(pushed["http_status"], 201, "{pushed:#}");
    let output = common::charge(&csms.ocpp_url, "DEMO-1", "1.6", "ROAMRT01", &[]);
    assert!(
        output.status.success(),
        "the eMSP allows its driver: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let state = emsp.call(json!({"cmd": "state"}));
    let asked = authorizations_of(&state, "ROAMRT01");
    assert!(!asked.is_empty(), "the CPO asked the eMSP: {state:#}");
    for asked in &asked {
        assert_eq!(asked["type"], "RFID", "{asked:#}");
        assert_eq!(
            asked["location"]["location_id"],
            demo_id.as_str(),
            "{asked:#}"
        );
        assert_eq!(asked["allowed"], "ALLOWED", "{asked:#}");
        assert_eq!(
            asked["partner"], 0,
            "with the token the eMSP gave: {asked:#}"
        );
    }
    let sessions = sessions_of(&api, demo_1, "ROAMRT01");
    assert_eq!(sessions.len(), 1, "{sessions:#?}");
    assert_eq!(sessions[0]["status"], "completed", "{sessions:#?}");

    // A token the eMSP refuses (NOT_ALLOWED) is refused at the station.
    emsp.call(json!({"cmd": "push_token", "allowed": "NOT_ALLOWED",
                     "token": emsp_token("ROAMRT02", "RFID", "NEVER")}));
    let output = common::charge(&csms.ocpp_url, "DEMO-1", "1.6", "ROAMRT02", &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("ROAMRT02 not authorized"),
        "the eMSP refuses its token: {stderr}"
    );
    let state = emsp.call(json!({"cmd": "state"}));
    let asked = authorizations_of(&state, "ROAMRT02");
    assert_eq!(asked.len(), 1, "the station's Authorize: {state:#}");
    assert_eq!(asked[0]["allowed"], "NOT_ALLOWED", "{state:#}");
    assert!(sessions_of(&api, demo_1, "ROAMRT02").is_empty());

    // A token the CPO holds as ALLOWED_OFFLINE, which the eMSP does not know: the eMSP
    // answers its real-time authorization with HTTP 404, as OCPI has it, and the CPO
    // refuses it (only an eMSP that cannot be reached leaves the decision to the token).
    emsp.call(json!({"cmd": "push_token", "keep": false,
                     "token": emsp_token("ROAMRT03", "RFID", "ALLOWED_OFFLINE")}));
    let output = common::charge(&csms.ocpp_url, "DEMO-1", "1.6", "ROAMRT03", &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("ROAMRT03 not authorized"),
        "the eMSP does not know the token: {stderr}"
    );
    let state = emsp.call(json!({"cmd": "state"}));
    let asked = authorizations_of(&state, "ROAMRT03");
    assert_eq!(asked.len(), 1, "the station's Authorize: {state:#}");
    assert!(asked[0]["allowed"].is_null(), "not the eMSP's: {state:#}");
    assert!(sessions_of(&api, demo_1, "ROAMRT03").is_empty());

    // START_SESSION: DEMO-2, connected and idle after its first transaction, is asked by
    // the eMSP to start a session for its app user, whose whitelist rule is NEVER too.
    let token = emsp_token("ROAMCS01", "APP_USER", "NEVER");
    emsp.call(json!({"cmd": "push_token", "token": token}));
    let _station =
        common::RunningStation::start(&csms.ocpp_url, "DEMO-2", "1.6", "DEMOTAG1", "0.05", "3");
    wait_for("DEMO-2 idle after its first transaction", || {
        let detail = api.get(&format!("/stations/{demo_2}")).expect(200);
        let done = sessions_of(&api, demo_2, "DEMOTAG1")
            .iter()
            .any(|session| session["status"] == "completed");
        (done && detail["online"] == true && detail["connectors"][0]["status"] == "Available")
            .then_some(())
    });
    // The simulator takes itself for idle a moment after the CSMS stored its connector's
    // Available (once it has the answer to that StatusNotification); until then it would
    // refuse a remote start.
    std::thread::sleep(Duration::from_millis(500));
    let sent = emsp.call(json!({"cmd": "send_command", "command": "START_SESSION",
        "uid": "start-1", "body": {"token": token, "location_id": demo_id,
                                   "evse_uid": "NL*DEM*E2"}}));
    let response = &sent["response"];
    assert_eq!(response["result"], "ACCEPTED", "{sent:#}");
    assert!(response["timeout"].as_i64().unwrap() > 0, "{sent:#}");
    let result = wait_for("the CommandResult at the eMSP's response_url", || {
        let state = emsp.call(json!({"cmd": "state"}));
        state["command_results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|posted| posted["uid"] == "start-1")
            .cloned()
    });
    assert_eq!(result["result"]["result"], "ACCEPTED", "{result:#}");
    assert_eq!(
        result["partner"], 0,
        "with the token the eMSP gave: {result:#}"
    );
    // The station runs the session: its Authorize is asked of the eMSP in real time, with
    // the token's type; the session is the admin API's and is pushed to the eMSP.
    let session = wait_for("the START_SESSION's session completed", || {
        sessions_of(&api, demo_2, "ROAMCS01")
            .into_iter()
            .find(|session| session["status"] == "completed")
    });
    assert_eq!(session["evse_id"], 1, "{session:#}");
    let state = emsp.call(json!({"cmd": "state"}));
    let asked = authorizations_of(&state, "ROAMCS01");
    assert!(!asked.is_empty(), "{state:#}");
    assert!(
        asked
            .iter()
            .all(|asked| asked["type"] == "APP_USER" && asked["allowed"] == "ALLOWED"),
        "{asked:#?}"
    );
    let pushed = wait_for("the session pushed to the eMSP, completed", || {
        let state = emsp.call(json!({"cmd": "state"}));
        state["objects"]["sessions"]
            .as_object()?
            .values()
            .find(|s| {
                s["status"] == "COMPLETED"
                    && s["cdr_token"]["uid"]
                        .as_str()
                        .is_some_and(|uid| uid.eq_ignore_ascii_case("ROAMCS01"))
            })
            .cloned()
    });
    // (py_ocpi's schemas lowercase case-insensitive strings.)
    assert_eq!(pushed["location_id"], demo_id.as_str(), "{pushed:#}");
    assert!(
        pushed["evse_uid"]
            .as_str()
            .is_some_and(|uid| uid.eq_ignore_ascii_case("NL*DEM*E2")),
        "{pushed:#}"
    );
    assert_eq!(pushed["cdr_token"]["type"], "APP_USER", "{pushed:#}");
}
