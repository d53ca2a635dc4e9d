//! Reconnect storm: every station of a server reconnects and boots at the same moment after
//! a restart.
//!
//! ```text
//! cargo run --release --example reconnect_storm -- [--stations 5000] [--restart kill|graceful]
//! ```
//!
//! The OCPP server (the framework's [`Server`] with an [`InMemoryStorage`] and 1.6
//! `BootNotification` and `Heartbeat` handlers, default [`ServerConfig`]) runs in a child
//! process of this example. `--stations` simulated 1.6 stations connect to it over loopback,
//! all at once, and boot (the cold start). Then the server is restarted: killed (`kill`,
//! SIGKILL, as a crash) or shut down (`graceful`, SIGINT: the server closes every connection
//! with 1001), and, once every station saw its connection end, started again on the same
//! port. Every station then reconnects at the same instant and boots again.
//!
//! It reports how long the cold start and the storm took until every station was back and
//! booted (accepted), the errors (failed connections, refused or unanswered boots: there must
//! be none), and the server's memory: resident after the cold start, and the peak of the
//! restarted server (`VmHWM`) through the storm.
//!
//! Loopback sources are exempt from the server's limits per source address
//! ([`ConnectionLimits::exempt_loopback`](ev_backend::ocpp_server::server::limits::ConnectionLimits)),
//! so thousands of stations on 127.0.0.1 are not refused; each station and each server
//! connection holds a file descriptor, so `--stations 5000` needs a limit of about 10,500
//! open files for this process (`ulimit -n`).

#[path = "support/load.rs"]
mod load;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ev_backend::ocpp_server::Router;
use ev_backend::ocpp_server::server::{Server, ServerConfig};
use ev_backend::ocpp_server::storage::InMemoryStorage;
use ev_backend::ocpp_types::v16;
use load::{BoxError, Reply, ServerProcess, Station};
use tokio::sync::{mpsc, watch};

/// How to call it.
const USAGE: &str = "usage: reconnect_storm [--stations N] [--restart kill|graceful]";

/// The payload of every `BootNotification`.
const BOOT: &str = r#"{"chargePointVendor":"Storm","chargePointModel":"Reconnect"}"#;

/// How long the example waits for all stations in each phase before it gives up.
const PHASE_TIMEOUT: Duration = Duration::from_secs(180);

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, addr] = args.as_slice()
        && flag == "--serve"
    {
        return serve(addr);
    }
    let (mut stations, mut graceful) = (5000usize, false);
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match (arg.as_str(), iter.next().map(String::as_str)) {
            ("--stations", Some(n)) if n.parse::<usize>().is_ok() => {
                stations = n.parse()?;
            }
            ("--restart", Some("kill")) => graceful = false,
            ("--restart", Some("graceful")) => graceful = true,
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let errors = runtime.block_on(storm(stations, graceful))?;
    if errors > 0 {
        return Err(format!("{errors} errors").into());
    }
    Ok(())
}

/// What a station tells the example.
#[derive(Debug)]
enum Report {
    /// It booted (accepted) in the given phase.
    Booted,
    /// Its connection ended after it booted.
    Disconnected,
    /// It failed in this phase, and stops.
    Failed(String),
}

/// Runs the cold start, the restart and the storm; prints the report and returns the number
/// of errors.
async fn storm(stations: usize, graceful: bool) -> Result<usize, BoxError> {
    let mut server = start("127.0.0.1:0")?;
    let addr = server_addr(&server)?;
    let endpoint = format!("{addr}/ocpp");
    println!(
        "reconnect storm: {stations} stations (OCPP 1.6) on {endpoint}, restart by {}",
        if graceful {
            "graceful shutdown (SIGINT)"
        } else {
            "kill (SIGKILL)"
        }
    );
    // The phase stations are released into: 0 the cold start, 1 the storm.
    let (release, released) = watch::channel(0u32);
    let (reports, mut reported) = mpsc::unbounded_channel();
    let started = Instant::now();
    for index in 0..stations {
        tokio::spawn(station(
            endpoint.clone(),
            format!("STORM-{index}"),
            released.clone(),
            reports.clone(),
        ));
    }
    drop(reports);
    let mut errors = Vec::new();
    let booted = wait_for(&mut reported, stations, &mut errors, |r| {
        matches!(r, Report::Booted)
    })
    .await;
    let cold = started.elapsed();
    let rss_cold = load::rss_kib(server.process.id())?;
    let peak_cold = load::status_kib(server.process.id(), "VmHWM:")?;
    println!(
        "cold start: {booted} of {stations} connected and booted in {:.2} s; server memory {:.1} MiB \
         resident, peak {:.1} MiB",
        cold.as_secs_f64(),
        rss_cold as f64 / 1024.0,
        peak_cold as f64 / 1024.0
    );

    // The restart.
    let stopping = Instant::now();
    if graceful {
        tokio::task::block_in_place(|| server.process.stop(Duration::from_secs(30)));
    } else {
        drop(server);
    }
    let alive = booted;
    let gone = wait_for(&mut reported, alive, &mut errors, |r| {
        matches!(r, Report::Disconnected)
    })
    .await;
    println!(
        "restart: {gone} of {alive} stations saw their connection end within {:.2} s",
        stopping.elapsed().as_secs_f64()
    );
    server = start(&addr)?;
    let rss_fresh = load::rss_kib(server.process.id())?;
    let storm_started = Instant::now();
    release.send(1)?;
    let back = wait_for(&mut reported, gone, &mut errors, |r| {
        matches!(r, Report::Booted)
    })
    .await;
    let storm = storm_started.elapsed();
    let pid = server.process.id();
    let (rss_after, peak) = (load::rss_kib(pid)?, load::status_kib(pid, "VmHWM:")?);
    let own_peak = load::status_kib(std::process::id(), "VmHWM:")?;
    println!(
        "storm: {back} of {stations} stations reconnected and booted in {:.2} s after the server was \
         back ({:.0} boots/s)",
        storm.as_secs_f64(),
        back as f64 / storm.as_secs_f64()
    );
    println!(
        "server memory: {:.1} MiB at start, peak {:.1} MiB during the storm, {:.1} MiB resident \
         after it ({:.1} KiB per station); the stations' process peaked at {:.1} MiB",
        rss_fresh as f64 / 1024.0,
        peak as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        rss_after.saturating_sub(rss_fresh) as f64 / back.max(1) as f64,
        own_peak as f64 / 1024.0
    );
    let missing = stations - back.min(stations);
    println!(
        "errors: {} (failed connections or boots: {}; stations not back: {missing})",
        errors.len().max(missing),
        errors.len()
    );
    for error in errors.iter().take(10) {
        println!("  {error}");
    }
    release.send(2)?;
    Ok(errors.len().max(missing))
}

/// Waits until `count` reports match `wanted` (or [`PHASE_TIMEOUT`] passes), collecting
/// failures in `errors`, each of which takes one from `count`. Returns how many matched.
async fn wait_for(
    reported: &mut mpsc::UnboundedReceiver<Report>,
    count: usize,
    errors: &mut Vec<String>,
    wanted: impl Fn(&Report) -> bool,
) -> usize {
    let deadline = tokio::time::Instant::now() + PHASE_TIMEOUT;
    let mut matched = 0;
    let mut failed = 0;
    while matched + failed < count {
        match tokio::time::timeout_at(deadline, reported.recv()).await {
            Ok(Some(Report::Failed(error))) => {
                errors.push(error);
                failed += 1;
            }
            Ok(Some(report)) if wanted(&report) => matched += 1,
            Ok(Some(report)) => errors.push(format!("unexpected {report:?}")),
            Ok(None) | Err(_) => {
                errors.push(format!(
                    "{} stations gave no word in {} s",
                    count - matched - failed,
                    PHASE_TIMEOUT.as_secs()
                ));
                break;
            }
        }
    }
    matched
}

/// One station: connects and boots in each phase it is released into, then waits for its
/// connection to end.
async fn station(
    endpoint: String,
    identity: String,
    mut released: watch::Receiver<u32>,
    reports: mpsc::UnboundedSender<Report>,
) {
    for phase in 0..2u32 {
        if released.wait_for(|p| *p >= phase).await.is_err() {
            return;
        }
        let mut station = match Station::connect(&endpoint, &identity, "ocpp1.6").await {
            Ok(station) => station,
            Err(error) => {
                let _ = reports.send(Report::Failed(format!("{identity}: connect: {error}")));
                return;
            }
        };
        match station
            .call("BootNotification", BOOT, load::CALL_TIMEOUT)
            .await
        {
            Ok(reply) if accepted(&reply) => {
                let _ = reports.send(Report::Booted);
            }
            Ok(reply) => {
                let _ = reports.send(Report::Failed(format!(
                    "{identity}: boot: {}",
                    reply.describe()
                )));
                return;
            }
            Err(error) => {
                let _ = reports.send(Report::Failed(format!("{identity}: boot: {error}")));
                return;
            }
        }
        if phase == 1 {
            // Hold the connection until the example ends.
            let _ = released.wait_for(|p| *p >= 2).await;
            station.close().await;
            return;
        }
        station.closed().await;
        let _ = reports.send(Report::Disconnected);
    }
}

/// Whether a reply is a BootNotification accepted.
fn accepted(reply: &Reply) -> bool {
    reply
        .payload()
        .is_some_and(|payload| payload["status"] == "Accepted")
}

/// A server in a child process.
struct Child {
    /// The process.
    process: ServerProcess,
}

/// Starts the server on `addr` in a child process: this example with `--serve ADDR`.
fn start(addr: &str) -> Result<Child, BoxError> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["--serve", addr]);
    let process = ServerProcess::start(
        command,
        |line| line.starts_with("listening on "),
        load::CALL_TIMEOUT,
    )?;
    Ok(Child { process })
}

/// The address the server printed.
fn server_addr(server: &Child) -> Result<String, BoxError> {
    Ok(server
        .process
        .ready
        .trim()
        .strip_prefix("listening on ")
        .ok_or("the server did not start")?
        .to_owned())
}

/// The server side, in the child process: shuts down on SIGINT.
fn serve(addr: &str) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let router = Router::new()
            .on(|_ctx, _: v16::BootNotificationRequest| async {
                Ok(v16::BootNotificationResponse {
                    status: v16::RegistrationStatus::Accepted,
                    current_time: Utc::now(),
                    interval: 300,
                })
            })
            .on(|_ctx, _: v16::HeartbeatRequest| async {
                Ok(v16::HeartbeatResponse {
                    current_time: Utc::now(),
                })
            });
        let server = Server::bind(
            addr,
            ServerConfig::default(),
            router,
            Arc::new(InMemoryStorage::new()),
        )
        .await?;
        println!("listening on {}", server.local_addr());
        tokio::signal::ctrl_c().await?;
        server.shutdown().await;
        Ok(())
    })
}
