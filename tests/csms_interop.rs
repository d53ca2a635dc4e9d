//! The reference CSMS (the `csms` example, as a process, `--demo` on a database of its own and
//! free ports) with charge points we did not write, installed from package registries:
//!
//! - the Python package `ocpp` (PyPI), in OCPP 1.6, 2.0.1 and 2.1
//!   (`tests/interop/station_against_csms.py`);
//! - the npm package `ocpp-rpc` in strict mode, which validates every message both ways
//!   against its bundled schemas, in OCPP 1.6, 2.0.1 and 2.1 (`tests/interop/npm/station.js`).
//!
//! Each station connects as the demo station `DEMO-1` with its version's subprotocol, boots,
//! sends its connector's status, authorizes the demo tokens `DEMOTAG1` (accepted) and
//! `DEMOTAG2` (blocked), charges 10 kWh with `DEMOTAG1` over half an hour (1.6
//! StartTransaction, MeterValues, StopTransaction; 2.x TransactionEvent Started, Updated,
//! Ended, each with the energy register), and frees its connector. The test then reads
//! through the admin API what the CSMS stored (the station's boot and connection, its
//! connector's status, the completed session with its energy and meter values, the priced
//! CDR), and sends two operator commands through the API: `get_variables` of
//! `HeartbeatInterval` (1.6 GetConfiguration, 2.x GetVariables), which the station answers
//! with the interval its boot was given, and a soft `reset`, which it accepts.
//!
//! Two more tests boot a station and close its connection: the CSMS must answer the Close
//! frame with one, which the peer's WebSocket library sees as a normal closure (1000).
//!
//! The Python interpreter is `$OCPP_PYTHON`, or `python3`, with the packages `ocpp` and
//! `websockets`; the npm packages come from `npm ci` in `tests/interop/npm` (Node.js 18 or
//! later as `node`). Without them the tests fail when `CI` is set, and otherwise say loudly
//! that they did not run.

#[path = "csms/common.rs"]
mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::{Api, Csms, TempDir};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The station the peers play, and the demo's tokens.
const IDENTITY: &str = "DEMO-1";
const TOKEN: &str = "DEMOTAG1";
const BLOCKED_TOKEN: &str = "DEMOTAG2";

/// The energy register the stations report, in Wh: at the start and at the end.
const METER_START_WH: i64 = 2500;
const METER_STOP_WH: i64 = 12500;

/// An OCPP implementation that plays the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    /// The Python package `ocpp`.
    Python,
    /// The npm package `ocpp-rpc`, in strict mode.
    Npm,
}

/// Fails under CI, or says loudly that the test did not run.
fn missing(what: &str, message: &str) {
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n*** {what} INTEROPERABILITY TEST NOT RUN: {message} ***\n");
}

/// The Python interpreter with `ocpp` (and its 2.1 module) installed, or `None` (after
/// saying so) outside CI.
fn python() -> Option<String> {
    let python = std::env::var("OCPP_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let works = Command::new(&python)
        .args(["-c", "import ocpp.v16, ocpp.v201, ocpp.v21, websockets"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if works {
        return Some(python);
    }
    missing(
        "PYTHON",
        &format!(
            "{python} cannot import the Python packages `ocpp` (2.1 or later) and \
             `websockets`: install them (python3 -m venv .venv && .venv/bin/pip install \
             ocpp==2.1.0 websockets==17.4) and set OCPP_PYTHON=.venv/bin/python"
        ),
    );
    None
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Node.js with `ocpp-rpc` installed in `tests/interop/npm`, or `None` (after saying so)
/// outside CI.
fn node() -> Option<String> {
    let node = std::env::var("OCPP_NODE").unwrap_or_else(|_| "node".to_owned());
    let npm_dir = interop_dir().join("npm");
    let works = Command::new(&node)
        .current_dir(&npm_dir)
        .args(["-e", "require('ocpp-rpc')"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if works {
        return Some(node);
    }
    missing(
        "NPM",
        &format!(
            "{node} cannot load the npm package `ocpp-rpc` from {}: install Node.js 18 or \
             later and run `npm ci` there",
            npm_dir.display()
        ),
    );
    None
}

/// The demo CSMS on a database of its own, on free ports, and the demo tenant's admin key.
fn start_demo(dir: &TempDir) -> (Csms, Api) {
    Csms::start_demo(dir, &[])
}

/// A peer's station process: its JSON lines as they come, killed when dropped.
struct Station {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// What it printed on standard error.
    stderr: Arc<Mutex<String>>,
    /// The lines read so far.
    seen: Vec<Value>,
}

impl Station {
    fn spawn(mut command: Command) -> Station {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the peer's station starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            sink.lock().unwrap().push_str(&text);
        });
        Station {
            child,
            lines,
            stderr,
            seen: Vec::new(),
        }
    }

    /// Everything it said so far, for failure messages.
    fn transcript(&self) -> String {
        let mut text: Vec<String> = self.seen.iter().map(Value::to_string).collect();
        let stderr = self.stderr.lock().unwrap();
        if !stderr.is_empty() {
            text.push(format!("stderr:\n{stderr}"));
        }
        text.join("\n")
    }

    /// Waits (at most 60 s) for its line of `step`; fails on an `error` line or its exit.
    #[track_caller]
    fn wait_for(&mut self, step: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let value: Value = serde_json::from_str(&line).unwrap_or(json!({
                        "step": "unparsed", "line": line
                    }));
                    self.seen.push(value.clone());
                    if value["step"] == "error" {
                        // Let standard error arrive.
                        let _ = self.child.wait();
                        std::thread::sleep(Duration::from_millis(100));
                        panic!("the station failed before {step}:\n{}", self.transcript());
                    }
                    if value["step"] == step {
                        return value;
                    }
                }
                Err(error) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    std::thread::sleep(Duration::from_millis(100));
                    panic!(
                        "no {step} from the station ({error}):\n{}",
                        self.transcript()
                    );
                }
            }
        }
    }

    /// The lines of `step` read so far.
    fn steps(&self, step: &str) -> Vec<&Value> {
        self.seen.iter().filter(|v| v["step"] == step).collect()
    }

    /// Waits (at most 30 s) for it to exit, and checks that it succeeded.
    #[track_caller]
    fn finish(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the station did not exit:\n{}",
                self.transcript()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(1)) {
            self.seen
                .push(serde_json::from_str(&line).unwrap_or(json!({ "line": line })));
        }
        assert!(
            status.success(),
            "the station failed:\n{}",
            self.transcript()
        );
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The command that runs the peer's station script, or `None` when the peer is not installed
/// (outside CI).
fn peer_command(peer: Peer) -> Option<Command> {
    Some(match peer {
        Peer::Python => {
            let mut command = Command::new(python()?);
            command.arg(interop_dir().join("station_against_csms.py"));
            command
        }
        Peer::Npm => {
            let mut command = Command::new(node()?);
            command
                .current_dir(interop_dir().join("npm"))
                .arg("station.js");
            command
        }
    })
}

/// The peer's station (`peer_command`) against `ocpp_url`. `mode` is `session` (the whole
/// exchange) or `boot` (boot, then close).
fn station(mut command: Command, ocpp_url: &str, version: &str, mode: &str) -> Station {
    command.args([ocpp_url, IDENTITY, version, TOKEN, BLOCKED_TOKEN, mode]);
    Station::spawn(command)
}

fn decimal(value: &Value) -> Decimal {
    match value {
        Value::Number(number) => number.to_string().parse().unwrap(),
        Value::String(text) => text.parse().unwrap(),
        other => panic!("not a decimal: {other}"),
    }
}

fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a time: {value}"))
}

/// A meter value's energy register reading in Wh, if it is one.
fn register_wh(value: &Value) -> Option<Decimal> {
    if value["measurand"] != "Energy.Active.Import.Register" {
        return None;
    }
    let reading = decimal(&value["value"]);
    match value["unit"].as_str() {
        Some("kWh") => Some(reading * Decimal::ONE_THOUSAND),
        Some("Wh") | None => Some(reading),
        Some(_) => None,
    }
}

/// A command through the admin API: the answer, after checking that the station accepted it.
#[track_caller]
fn send_command(api: &Api, station: i64, command: Value) -> Value {
    let response = api.post(&format!("/stations/{station}/commands"), &command);
    let result = response.expect(200);
    assert_eq!(result["outcome"], "accepted", "{command}: {result:#}");
    assert_eq!(result["error"], Value::Null, "{command}: {result:#}");
    result
}

/// The whole exchange of `peer` in `version` with the demo CSMS, and what the API shows of it.
fn against_the_csms(peer: Peer, version: &str) {
    offering(peer, version, version);
}

/// [`against_the_csms`] with a station that offers the versions of `offer` (comma-separated,
/// preferred first) and must land on `version`.
fn offering(peer: Peer, offer: &str, version: &str) {
    let started = Instant::now();
    let Some(command) = peer_command(peer) else {
        return;
    };
    let dir = TempDir::new("csms-interop");
    let (csms, api) = start_demo(&dir);
    let mut station = station(command, &csms.ocpp_url, offer, "session");
    let two = version != "1.6";

    // What the station was answered.
    let connected = station.wait_for("connected");
    assert_eq!(
        connected["subprotocol"],
        format!("ocpp{version}"),
        "{connected}"
    );
    let boot = station.wait_for("boot");
    assert_eq!(boot["status"], "Accepted", "{boot}");
    let interval = boot["interval"].as_i64().expect("a boot interval");
    assert!(interval > 0, "{boot}");
    station.wait_for("ready");
    let authorized: Vec<(&str, &str)> = station
        .steps("authorize")
        .iter()
        .map(|v| (v["token"].as_str().unwrap(), v["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        authorized,
        [(TOKEN, "Accepted"), (BLOCKED_TOKEN, "Blocked")],
        "{}",
        station.transcript()
    );
    let transcript = station.transcript();
    if two {
        for step in ["started", "updated", "ended"] {
            assert_eq!(station.steps(step).len(), 1, "{transcript}");
        }
        // The events with the token get its status.
        assert_eq!(station.steps("started")[0]["status"], "Accepted");
        assert_eq!(station.steps("ended")[0]["status"], "Accepted");
        // The demo tariff: 1.00 EUR per session and 0.30 EUR per kWh, 21% VAT: the Ended
        // event is answered with the cost of 10 kWh, tax included.
        let cost = &station.steps("ended")[0]["total_cost"];
        assert_eq!(decimal(cost), Decimal::new(484, 2), "{transcript}");
    } else {
        let start = station.steps("started")[0];
        assert_eq!(start["status"], "Accepted", "{transcript}");
        assert!(start["transaction_id"].as_i64().is_some(), "{transcript}");
        assert_eq!(station.steps("stopped")[0]["status"], "Accepted");
    }

    // What the CSMS stored: the station, its boot and its connection.
    let stations = api.get("/stations").expect(200);
    let detail = stations["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["identity"] == IDENTITY)
        .unwrap_or_else(|| panic!("no {IDENTITY}: {stations:#}"))
        .clone();
    let station_id = detail["id"].as_i64().unwrap();
    let (vendor, model, firmware) = match peer {
        Peer::Python => ("mobilityhouse", "ocpp-python", "ocpp 2.1.0"),
        Peer::Npm => ("ocpp-rpc", "node-station", "ocpp-rpc 2.2.1"),
    };
    assert_eq!(detail["vendor"], vendor, "{detail:#}");
    assert_eq!(detail["model"], model, "{detail:#}");
    assert_eq!(detail["firmware_version"], firmware, "{detail:#}");
    assert_eq!(detail["ocpp_version"], version, "{detail:#}");
    assert_eq!(detail["online"], true, "{detail:#}");
    assert_eq!(detail["connection"]["version"], version, "{detail:#}");
    assert!(detail["last_boot_at"].is_string(), "{detail:#}");
    // The demo's connector was Unavailable until the station said otherwise.
    assert_eq!(detail["connectors"][0]["status"], "Available", "{detail:#}");
    let boots = api
        .get(&format!("/stations/{station_id}/boots"))
        .expect(200);
    assert_eq!(boots.as_array().unwrap().len(), 1, "{boots:#}");

    // The session: completed, 10 kWh over half an hour, with the token.
    let sessions = api
        .get(&format!("/sessions?station={station_id}"))
        .expect(200);
    assert_eq!(sessions["total"], 1, "{sessions:#}");
    let session = sessions["items"][0].clone();
    let session_id = session["id"].as_i64().unwrap();
    assert_eq!(session["status"], "completed", "{session:#}");
    assert_eq!(session["token_uid"], TOKEN, "{session:#}");
    assert!(session["token_id"].is_i64(), "{session:#}");
    assert_eq!(session["evse_id"], 1, "{session:#}");
    assert_eq!(session["connector_id"], 1, "{session:#}");
    assert_eq!(session["stop_reason"], "Local", "{session:#}");
    assert_eq!(session["offline"], false, "{session:#}");
    assert_eq!(
        decimal(&session["meter_start_wh"]),
        Decimal::from(METER_START_WH),
        "{session:#}"
    );
    assert_eq!(
        decimal(&session["meter_stop_wh"]),
        Decimal::from(METER_STOP_WH),
        "{session:#}"
    );
    assert_eq!(
        decimal(&session["energy_wh"]),
        Decimal::from(METER_STOP_WH - METER_START_WH),
        "{session:#}"
    );
    let duration = time(&session["stopped_at"]) - time(&session["started_at"]);
    assert_eq!(duration, chrono::TimeDelta::minutes(30), "{session:#}");
    if two {
        assert_eq!(session["last_seq_no"], 2, "{session:#}");
    }

    // Its meter values: the energy register in time order (the 6 kWh sample in kWh), and
    // in 1.6 the power sampled beside it.
    let values = api
        .get(&format!("/sessions/{session_id}/meter-values"))
        .expect(200);
    let readings: Vec<Decimal> = values
        .as_array()
        .unwrap()
        .iter()
        .filter_map(register_wh)
        .collect();
    let expected: &[i64] = if two {
        &[METER_START_WH, 6000, METER_STOP_WH]
    } else {
        // 1.6 has the start in StartTransaction's meterStart, not as a sample.
        &[6000, METER_STOP_WH]
    };
    let expected: Vec<Decimal> = expected.iter().copied().map(Decimal::from).collect();
    assert_eq!(readings, expected, "{values:#}");
    let power = values
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["measurand"] == "Power.Active.Import")
        .count();
    assert_eq!(power, usize::from(!two), "{values:#}");

    // Its CDR, priced with the demo tariff.
    let cdr = api.get(&format!("/sessions/{session_id}/cdr")).expect(200);
    assert_eq!(
        decimal(&cdr["energy_wh"]),
        Decimal::from(METER_STOP_WH - METER_START_WH),
        "{cdr:#}"
    );
    assert_eq!(cdr["currency"], "EUR", "{cdr:#}");
    assert_eq!(
        decimal(&cdr["total_cost_excl_vat"]),
        Decimal::from(4),
        "{cdr:#}"
    );
    assert_eq!(
        decimal(&cdr["total_cost_incl_vat"]),
        Decimal::new(484, 2),
        "{cdr:#}"
    );
    assert_eq!(cdr["token_uid"], TOKEN, "{cdr:#}");
    assert_eq!(
        cdr["details"]["ocpi_cdr"]["cdr_token"]["uid"], TOKEN,
        "{cdr:#}"
    );

    // Operator commands through the API, answered by the station.
    let read = send_command(
        &api,
        station_id,
        json!({"command": "get_variables", "variables": [
            {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}
        ]}),
    );
    let value = if two {
        let result = &read["response"]["getVariableResult"][0];
        assert_eq!(result["attributeStatus"], "Accepted", "{read:#}");
        assert_eq!(result["component"]["name"], "OCPPCommCtrlr", "{read:#}");
        assert_eq!(result["variable"]["name"], "HeartbeatInterval", "{read:#}");
        result["attributeValue"].clone()
    } else {
        let key = &read["response"]["configurationKey"][0];
        assert_eq!(key["key"], "HeartbeatInterval", "{read:#}");
        assert_eq!(read["response"]["unknownKey"], Value::Null, "{read:#}");
        key["value"].clone()
    };
    assert_eq!(value, interval.to_string(), "{read:#}");
    let reset = send_command(
        &api,
        station_id,
        json!({"command": "reset", "kind": "soft"}),
    );
    assert_eq!(reset["status"], "Accepted", "{reset:#}");
    assert_eq!(reset["response"]["status"], "Accepted", "{reset:#}");

    station.wait_for("done");
    station.finish();
    // What the station received: the version's requests.
    let received: Vec<Value> = station
        .steps("command")
        .into_iter()
        .map(|command| {
            let mut command = command.clone();
            command.as_object_mut().unwrap().remove("step");
            command
        })
        .collect();
    let expected = if two {
        vec![
            json!({"action": "GetVariables", "component": "OCPPCommCtrlr",
                   "variable": "HeartbeatInterval"}),
            json!({"action": "Reset", "type": "OnIdle"}),
        ]
    } else {
        vec![
            json!({"action": "GetConfiguration", "keys": ["HeartbeatInterval"]}),
            json!({"action": "Reset", "type": "Soft"}),
        ]
    };
    assert_eq!(received, expected, "{}", station.transcript());
    // Both commands are in the audit log.
    let audit = api.get("/audit?limit=500").expect(200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["target"] == format!("station:{IDENTITY}"))
        .filter_map(|entry| entry["action"].as_str())
        .filter(|action| ["station.get_variables", "station.reset"].contains(action))
        .collect();
    assert_eq!(actions.len(), 2, "{audit:#}");
    // The station closed the connection: the CSMS notices.
    let deadline = Instant::now() + Duration::from_secs(10);
    let detail = loop {
        let detail = api.get(&format!("/stations/{station_id}")).expect(200);
        if detail["online"] == false || Instant::now() > deadline {
            break detail;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(detail["online"], false, "{detail:#}");
    assert_eq!(detail["connection"], Value::Null, "{detail:#}");
    eprintln!(
        "{peer:?} {version} against the csms: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn python_ocpp_16_station_against_the_csms() {
    against_the_csms(Peer::Python, "1.6");
}

#[test]
fn python_ocpp_201_station_against_the_csms() {
    against_the_csms(Peer::Python, "2.0.1");
}

#[test]
fn python_ocpp_21_station_against_the_csms() {
    against_the_csms(Peer::Python, "2.1");
}

/// Current 2.1-capable firmware offers 2.1 and 2.0.1: the CSMS, which serves both, puts it on
/// 2.1, where everything works.
#[test]
fn python_ocpp_station_offering_21_and_201_lands_on_21() {
    offering(Peer::Python, "2.1,2.0.1", "2.1");
}

#[test]
fn npm_ocpp_rpc_16_station_against_the_csms() {
    against_the_csms(Peer::Npm, "1.6");
}

#[test]
fn npm_ocpp_rpc_201_station_against_the_csms() {
    against_the_csms(Peer::Npm, "2.0.1");
}

#[test]
fn npm_ocpp_rpc_21_station_against_the_csms() {
    against_the_csms(Peer::Npm, "2.1");
}

/// A station that closes the connection gets the CSMS's Close frame in answer (RFC 6455,
/// section 5.5.1), so its WebSocket library reports a normal closure (1000), not an abnormal
/// one (1006).
fn closing_gets_a_close_frame(peer: Peer, version: &str) {
    let Some(command) = peer_command(peer) else {
        return;
    };
    let dir = TempDir::new("csms-interop-close");
    let (csms, _api) = start_demo(&dir);
    let mut station = station(command, &csms.ocpp_url, version, "boot");
    station.wait_for("boot");
    let closed = station.wait_for("closed");
    station.wait_for("done");
    station.finish();
    assert_eq!(
        closed["code"],
        1000,
        "the CSMS did not answer the station's Close frame:\n{}",
        station.transcript()
    );
}

#[test]
fn python_ocpp_station_closing_gets_a_close_frame() {
    closing_gets_a_close_frame(Peer::Python, "2.0.1");
}

#[test]
fn npm_ocpp_rpc_station_closing_gets_a_close_frame() {
    closing_gets_a_close_frame(Peer::Npm, "1.6");
}
