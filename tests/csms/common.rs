//! What the CSMS tests share: the `csms` and `charge_point` examples as processes, and a
//! small HTTP client for the admin API.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ev_backend::csms_core::model::{ChargingSession, TenantId};
use ev_backend::csms_core::store::{SessionStore, StationStore};
use serde_json::Value;

/// The path of an example built by `cargo test` next to this test binary.
pub(crate) fn example(name: &str) -> PathBuf {
    let mut path = std::env::current_exe().expect("test binary path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("examples").join(name)
}

/// The `csms` example's command, without the `CSMS_*` variables of the tests' environment:
/// only what a test gives it configures it.
pub(crate) fn csms_command() -> Command {
    let mut command = Command::new(example("csms"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CSMS_") {
            command.env_remove(name);
        }
    }
    command
}

/// A directory of its own under the system's temporary directory, removed at the end.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port that was free a moment ago, for a process that must come back on the same address.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `csms` example, killed when dropped.
pub(crate) struct Csms {
    child: Child,
    /// The OCPP endpoint of the demo tenant's stations (the URL to which a station's
    /// identity is appended), such as `ws://127.0.0.1:9000/ocpp/1`; without `--demo`, the
    /// endpoint without a tenant.
    pub(crate) ocpp_url: String,
    /// The OCPP listener's address, such as `127.0.0.1:9000`.
    pub(crate) ocpp: String,
    /// The TLS listener's address, when it serves one (`--listen-ocpp-tls`).
    pub(crate) ocpp_tls: Option<String>,
    /// The admin API's address, such as `127.0.0.1:8080`.
    pub(crate) api: String,
    /// What it printed on standard output, line by line, as it comes.
    lines: mpsc::Receiver<String>,
    /// The lines read so far.
    pub(crate) printed: Vec<String>,
}

impl Csms {
    /// Starts `csms` with `args` and waits until it says it is ready.
    pub(crate) fn start(args: &[&str]) -> Csms {
        Csms::start_with_env(args, &[])
    }

    /// Starts `csms` with `args` and the environment variables `envs` (its options as
    /// `CSMS_*` variables, say), and waits until it says it is ready.
    pub(crate) fn start_with_env(args: &[&str], envs: &[(&str, &str)]) -> Csms {
        let mut child = csms_command()
            .args(args)
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            // Its log (INFO and above) would drown the test output; what the tests need it
            // prints on standard output.
            .stderr(Stdio::null())
            .spawn()
            .expect("the csms example is built by cargo test");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut csms = Csms {
            child,
            ocpp_url: String::new(),
            ocpp: String::new(),
            ocpp_tls: None,
            api: String::new(),
            lines,
            printed: Vec::new(),
        };
        let ready = csms.wait_for_line(|line| line.starts_with("csms ready "));
        for field in ready.split_whitespace() {
            if let Some(addr) = field.strip_prefix("ocpp=") {
                csms.ocpp = addr.to_owned();
                csms.ocpp_url = format!("ws://{addr}/ocpp");
            } else if let Some(addr) = field.strip_prefix("api=") {
                csms.api = addr.to_owned();
            } else if let Some(addr) = field.strip_prefix("ocpp-tls=") {
                csms.ocpp_tls = Some(addr.to_owned());
            }
        }
        assert!(!csms.api.is_empty(), "no API address in {ready:?}");
        // With --demo, the simulator's command line names the demo tenant's endpoint.
        let demo_url = csms.printed.iter().find_map(|line| {
            let mut words = line.split_whitespace();
            words.find(|word| *word == "--url")?;
            words.next().map(str::to_owned)
        });
        if let Some(url) = demo_url {
            csms.ocpp_url = url;
        }
        csms
    }

    /// The demo tenant's number, as its stations' endpoint names it.
    pub(crate) fn demo_tenant(&self) -> i64 {
        self.ocpp_url
            .rsplit('/')
            .next()
            .and_then(|tenant| tenant.parse().ok())
            .unwrap_or_else(|| panic!("no tenant in {}", self.ocpp_url))
    }

    /// The OCPP endpoint of the stations of tenant `tenant` (its number).
    pub(crate) fn tenant_url(&self, tenant: &serde_json::Value) -> String {
        format!("ws://{}/ocpp/{tenant}", self.ocpp)
    }

    /// Waits (at most 60 s) for a line of standard output that `wanted` accepts.
    pub(crate) fn wait_for_line(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.printed.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(error) => panic!("csms printed no such line: {error}"),
            }
        }
    }

    /// Sends the process SIGTERM, as a service manager stops it, and waits at most `within`
    /// for it to end: its exit status, or `None` when it is still running then.
    pub(crate) fn terminate(&mut self, within: Duration) -> Option<ExitStatus> {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(kill.expect("kill runs").success(), "kill -TERM {pid}");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// `csms --demo` on a database of its own in `dir`, on free ports, with `extra` options,
    /// and an API client with the demo tenant's admin key (as it prints it).
    pub(crate) fn start_demo(dir: &TempDir, extra: &[&str]) -> (Csms, Api) {
        let database = dir.path().join("csms.db");
        let mut args = vec![
            "--demo",
            "--database",
            database.to_str().unwrap(),
            "--listen-ocpp",
            "127.0.0.1:0",
            "--listen-api",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        let mut csms = Csms::start(&args);
        let api = csms.demo_api();
        (csms, api)
    }

    /// An API client with the demo tenant's admin key, as `--demo` prints it.
    pub(crate) fn demo_api(&mut self) -> Api {
        const PREFIX: &str = "demo admin key: ";
        let printed = self.printed.iter().find(|line| line.starts_with(PREFIX));
        let line = match printed {
            Some(line) => line.clone(),
            None => self.wait_for_line(|line| line.starts_with(PREFIX)),
        };
        self.api(line[PREFIX.len()..].trim())
    }

    /// An API client with `key`.
    pub(crate) fn api(&self, key: &str) -> Api {
        Api {
            addr: self.api.clone(),
            key: Some(key.to_owned()),
        }
    }
}

impl Drop for Csms {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the simulated station to the end of its transaction (`--once`).
pub(crate) fn charge(url: &str, id: &str, version: &str, id_tag: &str, extra: &[&str]) -> Output {
    station(url, id, version, id_tag, extra)
        .output()
        .expect("the charge_point example is built by cargo test")
}

/// The simulated station's command, to start it in the background.
pub(crate) fn station(url: &str, id: &str, version: &str, id_tag: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(example("charge_point"));
    command
        .args([
            "--url",
            url,
            "--id",
            id,
            "--version",
            version,
            "--id-tag",
            id_tag,
        ])
        .args(["--meter-interval", "0.05", "--meter-values", "3", "--once"])
        .args(extra);
    command
}

/// A simulated station left running (the `charge_point` example without `--once`): it runs
/// its first transaction (`meter_values` values, `meter_interval` seconds apart), then stays
/// connected, reconnects when its connection drops, and answers remote commands (a remote
/// start runs another transaction). Killed when dropped.
pub(crate) struct RunningStation(Child);

impl RunningStation {
    pub(crate) fn start(
        url: &str,
        id: &str,
        version: &str,
        id_tag: &str,
        meter_interval: &str,
        meter_values: &str,
    ) -> RunningStation {
        let child = Command::new(example("charge_point"))
            .args(["--url", url, "--id", id, "--version", version])
            .args(["--id-tag", id_tag, "--meter-interval", meter_interval])
            .args(["--meter-values", meter_values])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the charge_point example is built by cargo test");
        RunningStation(child)
    }
}

impl Drop for RunningStation {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An answer of the admin API.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Value,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body, after checking the status.
    #[track_caller]
    pub(crate) fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {:#}", self.body);
        self.body
    }
}

/// A minimal HTTP/1.1 client for the admin API (one connection per request).
#[derive(Debug, Clone)]
pub(crate) struct Api {
    pub(crate) addr: String,
    pub(crate) key: Option<String>,
}

impl Api {
    pub(crate) fn get(&self, path: &str) -> Response {
        self.request("GET", path, None)
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> Response {
        self.request("POST", path, Some(body))
    }

    pub(crate) fn put(&self, path: &str, body: &Value) -> Response {
        self.request("PUT", path, Some(body))
    }

    pub(crate) fn patch(&self, path: &str, body: &Value) -> Response {
        self.request("PATCH", path, Some(body))
    }

    pub(crate) fn delete(&self, path: &str) -> Response {
        self.request("DELETE", path, None)
    }

    pub(crate) fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let mut stream = TcpStream::connect(&self.addr).expect("the API listens");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let body = body.map(|body| body.to_string()).unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        if let Some(key) = &self.key {
            head.push_str(&format!("Authorization: Bearer {key}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        parse_response(&raw)
    }
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(key, value)| {
        key.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|_| {
            panic!(
                "status {status}: the body is not JSON: {}",
                String::from_utf8_lossy(&body)
            )
        })
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = data
            .windows(2)
            .position(|window| window == b"\r\n")
            .expect("a chunk size");
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..end])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .expect("a hexadecimal chunk size");
        data = &data[end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// The sessions of the station `identity` of `tenant` in `store` (none if it is unknown).
pub(crate) async fn sessions_of(
    store: &(impl SessionStore + StationStore),
    tenant: TenantId,
    identity: &str,
) -> Vec<ChargingSession> {
    let Some(station) = store.station_by_identity(tenant, identity).await.unwrap() else {
        return Vec::new();
    };
    let from = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap();
    store
        .sessions_started_between(station.tenant_id, from, to)
        .await
        .unwrap()
        .into_iter()
        .filter(|session| session.station_id == station.id)
        .collect()
}
