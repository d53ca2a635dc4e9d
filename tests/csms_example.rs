//! The `csms` example as a process: `--demo` on a temporary data directory with free ports,
//! the `charge_point` example charging at `DEMO-1`, and the admin API showing the station,
//! the session and its CDR; then the same database again with `--demo`. Also: configured by
//! its `CSMS_*` environment variables alone, stopped by SIGTERM, and a bad option refused.

#[path = "csms/common.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The path of an example built by `cargo test` next to this test binary.
fn example(name: &str) -> PathBuf {
    let mut path = std::env::current_exe().expect("test binary path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("examples").join(name)
}

/// Kills the CSMS when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A started CSMS: its addresses and the demo admin key.
struct Csms {
    _process: Running,
    /// The endpoint of the demo tenant's stations, as the printed simulator command has it.
    station_url: String,
    api: String,
    metrics: String,
    key: String,
}

fn start(data_dir: &Path) -> Csms {
    let mut child = common::csms_command()
        .args(["--demo", "--data-dir"])
        .arg(data_dir)
        .args([
            "--listen-ocpp",
            "127.0.0.1:0",
            "--listen-api",
            "127.0.0.1:0",
            "--listen-metrics",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the csms example is built by cargo test");
    let stdout: ChildStdout = child.stdout.take().expect("piped stdout");
    let process = Running(child);
    let mut key = None;
    let mut station_url = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("the CSMS prints lines");
        if let Some(found) = line.strip_prefix("demo admin key: ") {
            key = Some(found.to_owned());
        }
        if let Some(command) = line
            .trim()
            .strip_prefix("cargo run --example charge_point -- ")
        {
            let mut words = command.split_whitespace();
            assert_eq!(words.next(), Some("--url"), "{line}");
            station_url = words.next().map(str::to_owned);
        }
        if let Some(ready) = line.strip_prefix("csms ready ") {
            let mut ocpp = None;
            let mut api = None;
            let mut metrics = None;
            for part in ready.split(' ') {
                if let Some(addr) = part.strip_prefix("ocpp=") {
                    ocpp = Some(addr.to_owned());
                } else if let Some(addr) = part.strip_prefix("api=") {
                    api = Some(addr.to_owned());
                } else if let Some(addr) = part.strip_prefix("metrics=") {
                    metrics = Some(addr.to_owned());
                }
            }
            return Csms {
                _process: process,
                station_url: station_url
                    .filter(|url| url.starts_with(&format!("ws://{}/ocpp/", ocpp.expect("ocpp address"))))
                    .expect("the simulator's command line, at the OCPP address, is printed before ready"),
                api: api.expect("api address"),
                metrics: metrics.expect("metrics address"),
                key: key.expect("the demo key is printed before ready"),
            };
        }
    }
    panic!("the CSMS ended without saying it is ready");
}

/// One HTTP request; the status and the body (JSON, or the text as a JSON string).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let body = body.map(|body| body.to_string()).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: csms\r\nConnection: close\r\n");
    if let Some(key) = key {
        request.push_str(&format!("Authorization: Bearer {key}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, rest) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let text = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    body
}

#[test]
fn the_demo_csms_serves_stations_and_the_admin_api() {
    let dir = std::env::temp_dir().join(format!("csms_example_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let csms = start(&dir);
    let (status, health) = http(&csms.api, "GET", "/health", None, None);
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["store"], "ok");
    let (status, stations) = http(&csms.api, "GET", "/stations", Some(&csms.key), None);
    assert_eq!(status, 200, "{stations}");
    assert_eq!(stations["total"], 2);
    assert_eq!(stations["items"][0]["identity"], "DEMO-1");
    let (_, tokens) = http(&csms.api, "GET", "/tokens", Some(&csms.key), None);
    let statuses: Vec<(&str, &str)> = tokens["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|token| {
            (
                token["uid"].as_str().unwrap(),
                token["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("DEMOTAG1", "accepted"), ("DEMOTAG2", "blocked")]
    );
    let station_id = stations["items"][0]["id"].as_i64().unwrap();
    let (status, estimate) = http(
        &csms.api,
        "POST",
        "/estimate",
        Some(&csms.key),
        Some(json!({ "station_id": station_id, "energy_kwh": 10, "duration_minutes": 30 })),
    );
    assert_eq!(status, 200, "{estimate}");
    assert_eq!(estimate["total_cost"]["excl_vat"], json!(4));
    assert_eq!(estimate["total_cost"]["incl_vat"], json!(4.84));

    // The simulated station charges with the accepted tag.
    let output = Command::new(example("charge_point"))
        .args(["--url", &csms.station_url, "--id", "DEMO-1"])
        .args(["--version", "1.6", "--id-tag", "DEMOTAG1"])
        .args(["--meter-interval", "0.05", "--once"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, sessions) = http(&csms.api, "GET", "/sessions", Some(&csms.key), None);
    assert_eq!(sessions["total"], 1, "{sessions}");
    assert_eq!(sessions["items"][0]["status"], "completed");
    assert_eq!(sessions["items"][0]["token_uid"], "DEMOTAG1");
    let session = sessions["items"][0]["id"].as_i64().unwrap();
    let (status, cdr) = http(
        &csms.api,
        "GET",
        &format!("/sessions/{session}/cdr"),
        Some(&csms.key),
        None,
    );
    assert_eq!(status, 200, "{cdr}");
    assert_eq!(cdr["currency"], "EUR");
    // Metrics are not on the API's listener, but on their own.
    let (status, _) = http(&csms.api, "GET", "/metrics", None, None);
    assert_eq!(status, 404);
    let (status, metrics) = http(&csms.metrics, "GET", "/metrics", None, None);
    assert_eq!(status, 200);
    let metrics = metrics.as_str().unwrap();
    assert!(metrics.contains("ocpp_messages_total"), "{metrics}");
    assert!(
        metrics
            .contains(r#"csms_api_requests_total{method="GET",route="/stations",status="200"} 1"#),
        "{metrics}"
    );
    drop(csms);

    // Again on the same database: the demo is there once, with a new working key.
    let again = start(&dir);
    let (status, stations) = http(&again.api, "GET", "/stations", Some(&again.key), None);
    assert_eq!(status, 200, "{stations}");
    assert_eq!(stations["total"], 2);
    let (_, sessions) = http(&again.api, "GET", "/sessions", Some(&again.key), None);
    assert_eq!(sessions["total"], 1);
    let (_, tariffs) = http(&again.api, "GET", "/tariffs", Some(&again.key), None);
    assert_eq!(tariffs["total"], 1);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_csms_is_configured_by_its_environment_and_stops_on_sigterm() {
    let dir = common::TempDir::new("csms_example_env");
    let database = dir.path().join("from-env.db");
    let mut csms = common::Csms::start_with_env(
        &[],
        &[
            ("CSMS_DATABASE", database.to_str().unwrap()),
            ("CSMS_LISTEN_OCPP", "127.0.0.1:0"),
            ("CSMS_LISTEN_API", "127.0.0.1:0"),
            ("CSMS_DEMO", "true"),
        ],
    );
    // The demo tenant, in the file named, on free ports rather than the default ones.
    assert!(database.exists(), "no {}", database.display());
    assert!(!csms.ocpp.ends_with(":9000"), "{}", csms.ocpp);
    assert!(!csms.api.ends_with(":8080"), "{}", csms.api);
    let stations = csms.demo_api().get("/stations").expect(200);
    assert_eq!(stations["total"], 2, "{stations}");

    // SIGTERM stops it as Ctrl-C does: cleanly, with status 0.
    let status = csms
        .terminate(Duration::from_secs(10))
        .expect("the CSMS ends within 10 s of SIGTERM");
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn a_node_id_that_is_no_node_name_is_refused() {
    let on_the_command_line = {
        let mut command = common::csms_command();
        command.args(["--node-id", "a b"]);
        command
    };
    let in_the_environment = {
        let mut command = common::csms_command();
        command.env("CSMS_NODE_ID", "a b");
        command
    };
    for mut command in [on_the_command_line, in_the_environment] {
        let mut csms = Running(
            command
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the csms example is built by cargo test"),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = csms.0.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the CSMS started with a bad node id"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        let mut pipe = csms.0.stderr.take().unwrap();
        pipe.read_to_string(&mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--node-id"), "{stderr}");
    }
}
