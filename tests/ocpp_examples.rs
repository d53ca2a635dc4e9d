//! The `central_system` and `charge_point` examples against each other, as processes over
//! loopback: a 1.6 and a 2.0.1 station each boot and run a full transaction, and the CSMS
//! counts their messages in its Prometheus metrics.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

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

/// Reads the CSMS's first lines for its two addresses.
fn addresses(child: &mut Child) -> (String, String) {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let (mut listen, mut metrics) = (None, None);
    while listen.is_none() || metrics.is_none() {
        let line = lines
            .next()
            .expect("the CSMS prints its addresses")
            .unwrap();
        if let Some(addr) = line.strip_prefix("listening on ") {
            listen = Some(addr.to_owned());
        } else if let Some(url) = line.strip_prefix("metrics on http://") {
            metrics = Some(url.trim_end_matches("/metrics").to_owned());
        }
    }
    (listen.unwrap(), metrics.unwrap())
}

fn scrape(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn simulated_stations_run_transactions_against_the_example_csms() {
    let csms = Command::new(example("central_system"))
        .args(["--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("central_system is built by cargo test");
    let mut csms = Running(csms);
    let (listen, metrics) = addresses(&mut csms.0);

    for (id, version) in [("CP-16", "1.6"), ("CP-201", "2.0.1")] {
        let output = Command::new(example("charge_point"))
            .args(["--url", &format!("ws://{listen}/ocpp"), "--id", id])
            .args(["--version", version, "--meter-interval", "0.05", "--once"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let log = String::from_utf8_lossy(&output.stdout);
        assert!(log.contains("transaction"), "{log}");
    }

    let metrics = scrape(&metrics);
    for expected in [
        r#"ocpp_messages_total{version="1.6",action="StartTransaction",direction="in",outcome="ok"} 1"#,
        r#"ocpp_messages_total{version="1.6",action="MeterValues",direction="in",outcome="ok"} 3"#,
        r#"ocpp_messages_total{version="2.0.1",action="TransactionEvent",direction="in",outcome="ok"} 5"#,
    ] {
        assert!(
            metrics.contains(expected),
            "{expected} missing in\n{metrics}"
        );
    }
}
