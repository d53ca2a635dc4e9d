//! Persistence benchmark of the CSMS, over loopback: how many meter-value messages per second
//! the real `csms` (the example, on SQLite or PostgreSQL) acknowledges, each answered only
//! after its store committed; at what latency and server CPU per message; whether every
//! acknowledged sampled value is stored exactly once; and how that compares with the bare
//! OCPP framework under the same stations and load.
//!
//! ```text
//! cargo build --release --examples
//! cargo run --release --example csms_load -- [--database sqlite|postgres] [--stations 100]
//!     [--seconds 10] [--resend-every 10] [--version 1.6|2.0.1]
//! ```
//!
//! Two servers run in turn, each in a child process:
//!
//! * `durable`: the `csms` example binary, found next to this one in the same target
//!   directory (build it first with `cargo build --release --examples`), started with free
//!   ports, a random system key and a fresh database: a SQLite file in a temporary
//!   directory, or a schema of its own (`--database-schema`) in the PostgreSQL database of
//!   `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`); both are removed at
//!   the end. A tenant with its admin key, the stations `LOAD-0001`... and one accepted
//!   token per station are made through the admin HTTP API only, as an operator would.
//! * `framework baseline`: [`Server`] of `ocpp-server` with typed handlers (1.6
//!   `MeterValues`, 2.0.1 `TransactionEvent`, and what a station needs to get there) that
//!   answer at once, over `InMemoryStorage` and no store: this example with
//!   `--serve-framework`.
//!
//! Against each, `--stations` simulated stations connect at `ws://ADDR/ocpp/<identity>`
//! (subprotocol `ocpp1.6` or `ocpp2.0.1`), boot, authorize and start a transaction, then
//! send, one call in flight, 1.6 `MeterValues` (with the transaction id) or 2.0.1
//! `TransactionEvent` `Updated` (with a growing `seqNo`), each with one meter value of ten
//! sampled values (energy register, active power, current and voltage of three phases,
//! state of charge, and temperature in 1.6 or frequency in 2.0.1, which has no temperature
//! measurand) stamped with a time that grows with every message of the station. Every
//! `--resend-every`-th message (0: none) is a resend: the previous payload again under a new
//! message id, as a station sends after losing a CALLRESULT. After a warm-up of one second,
//! `--seconds` are measured: messages acknowledged per second (CALLRESULTs arriving in the
//! window), latency p50/p99/max, CALLERRORs and timeouts (no answer in 30 s; the station
//! goes on with its next message), the server's CPU time (`utime + stime` of
//! `/proc/<pid>/stat` at both ends of the window; on PostgreSQL the database's own processes
//! are not counted) per acknowledged message, and its resident memory. Then the stations stop their transactions, and the sampled values
//! stored for the tenant's sessions (read through the admin API:
//! `GET /sessions/{id}/meter-values`) are compared with ten per distinct message
//! acknowledged (a resend counts once). A message never acknowledged (timeout, CALLERROR)
//! may or may not be stored: the report says how many there were.
//!
//! With two CPUs or more and `taskset`, the servers run on the first CPU this process may
//! use and this process (all the stations, on a single-threaded runtime) on the second.
//! The report gives the targets beside the figures and the durable figures as ratios of
//! the baseline's; the exit status is 0 whether or not they are met. The machine may be
//! shared: the ratios say more than the absolute figures.

#[path = "support/load.rs"]
mod load;

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use ev_backend::csms_core::api::generate_key;
use ev_backend::ocpp_server::Router;
use ev_backend::ocpp_server::server::{Server, ServerConfig};
use ev_backend::ocpp_server::storage::InMemoryStorage;
use ev_backend::ocpp_types::{v16, v201};
use load::{BoxError, CALL_TIMEOUT, LoopStats, Outgoing, Reply, ServerProcess, Station, Window};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// mimalloc, as in the csms example, so that the framework baseline this serves and the
/// durable server it is compared with allocate alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How to call it.
const USAGE: &str = "usage: csms_load [--database sqlite|postgres] [--stations N] [--seconds S] \
                     [--resend-every K] [--version 1.6|2.0.1]";

/// The PostgreSQL database used when `DATABASE_URL` is not set.
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How long the stations send before the measured window opens.
const WARMUP: Duration = Duration::from_secs(1);

/// How many sampled values each meter-value message carries.
const SAMPLES_PER_MESSAGE: u64 = 10;

/// The share of its CPU past which the load generator, not the server, may be the limit.
const GENERATOR_SATURATED: f64 = 0.85;

/// How long one request to the admin API may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// How many provisioning requests run at once.
const PROVISIONING_CONCURRENCY: usize = 8;

/// Target: messages acknowledged per second by the CSMS on SQLite, at least.
const TARGET_SQLITE_PER_SECOND: f64 = 20_000.0;
/// Target: messages acknowledged per second by the CSMS on PostgreSQL, at least.
const TARGET_POSTGRES_PER_SECOND: f64 = 10_000.0;
/// Target: the p99 latency of the CSMS, at most.
const TARGET_P99: Duration = Duration::from_millis(50);
/// Target: the CSMS's CPU time per acknowledged message, in µs, at most.
const TARGET_CPU_US: f64 = 50.0;

/// The store the CSMS runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Database {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh schema in the PostgreSQL database of `DATABASE_URL`.
    Postgres,
}

impl Database {
    /// Its name in the report.
    fn name(self) -> &'static str {
        match self {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        }
    }

    /// The throughput target on it.
    fn target_per_second(self) -> f64 {
        match self {
            Database::Sqlite => TARGET_SQLITE_PER_SECOND,
            Database::Postgres => TARGET_POSTGRES_PER_SECOND,
        }
    }
}

/// The OCPP version the stations speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// OCPP 1.6 (JSON).
    V16,
    /// OCPP 2.0.1.
    V201,
}

impl Version {
    /// Its name, as on the command line.
    fn name(self) -> &'static str {
        match self {
            Version::V16 => "1.6",
            Version::V201 => "2.0.1",
        }
    }

    /// The WebSocket subprotocol the stations offer.
    fn subprotocol(self) -> &'static str {
        match self {
            Version::V16 => "ocpp1.6",
            Version::V201 => "ocpp2.0.1",
        }
    }

    /// The action of the meter-value messages.
    fn meter_action(self) -> &'static str {
        match self {
            Version::V16 => "MeterValues",
            Version::V201 => "TransactionEvent",
        }
    }
}

/// What the command line says.
#[derive(Debug, Clone, Copy)]
struct Options {
    /// The store of the CSMS.
    database: Database,
    /// How many stations.
    stations: usize,
    /// How long the measured window is, in seconds.
    seconds: u64,
    /// Every this many messages one is a resend (0: none).
    resend_every: u64,
    /// The OCPP version.
    version: Version,
}

/// Reads the command line (without the program name).
fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        database: Database::Sqlite,
        stations: 100,
        seconds: 10,
        resend_every: 10,
        version: Version::V16,
    };
    let mut given = args.iter();
    while let Some(flag) = given.next() {
        let value = given
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} takes a number, not {value:?}"))
        };
        match flag.as_str() {
            "--database" => {
                options.database = match value.as_str() {
                    "sqlite" => Database::Sqlite,
                    "postgres" | "postgresql" => Database::Postgres,
                    other => return Err(format!("unknown database {other:?}")),
                }
            }
            "--stations" => {
                options.stations = usize::try_from(number()?)
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--stations takes at least 1")?;
            }
            "--seconds" => {
                options.seconds = Some(number()?)
                    .filter(|n| *n > 0)
                    .ok_or("--seconds takes at least 1")?;
            }
            "--resend-every" => {
                options.resend_every = Some(number()?)
                    .filter(|k| *k != 1)
                    .ok_or("--resend-every takes 0 (no resends) or at least 2")?;
            }
            "--version" => {
                options.version = match value.as_str() {
                    "1.6" => Version::V16,
                    "2.0.1" => Version::V201,
                    other => return Err(format!("unknown OCPP version {other:?}")),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

/// Runs the benchmark; with `--serve-framework`, the framework server of the baseline.
fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve-framework") {
        return serve_framework();
    }
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let options = match parse_options(&args) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("csms_load: {problem}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let csms = std::env::current_exe()?.with_file_name("csms");
    if !csms.is_file() {
        eprintln!(
            "csms_load: the csms example is not built: {} is missing.\n\
             Build it first with `cargo build --release --examples`.",
            csms.display()
        );
        std::process::exit(1);
    }
    println!(
        "csms_load: OCPP {}, {}, {} s warm-up then {} s measured, {}, {} sampled values per \
         message",
        options.version.name(),
        count(options.stations as u64, "station"),
        WARMUP.as_secs(),
        options.seconds,
        match options.resend_every {
            0 => "no resends".to_owned(),
            k => format!("one message in {k} a resend of the previous one"),
        },
        SAMPLES_PER_MESSAGE
    );
    // Before the runtime starts its threads, so that they inherit the CPU.
    let pinning = Pinning::pin();
    let runtime = if pinning.generator_cpu.is_some() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
    };
    if let Err(error) = runtime.block_on(run(&csms, options, &pinning)) {
        eprintln!("csms_load: {error}");
        std::process::exit(1);
    }
    Ok(())
}

/// Both runs and the report.
async fn run(csms: &Path, options: Options, pinning: &Pinning) -> Result<(), BoxError> {
    println!();
    println!("durable: the csms example on {}", options.database.name());
    let durable = durable(csms, options, pinning).await?;
    println!();
    println!("framework baseline: ocpp-server Server, typed handlers, InMemoryStorage, no store");
    let baseline = baseline(options, pinning).await?;
    println!();
    report_targets(options, &durable, &baseline);
    Ok(())
}

/// Where the servers and this process run.
struct Pinning {
    /// The CPU of the servers, when pinned.
    server_cpu: Option<usize>,
    /// The CPU of this process, when pinned.
    generator_cpu: Option<usize>,
}

impl Pinning {
    /// Pins this process to the second CPU it may use and keeps the first for the servers,
    /// with `taskset`; says what it did.
    fn pin() -> Pinning {
        let unpinned = Pinning {
            server_cpu: None,
            generator_cpu: None,
        };
        let cpus = allowed_cpus();
        if cpus.len() < 2 {
            println!(
                "pinning: only {} CPU available: servers and load generator run unpinned",
                cpus.len()
            );
            return unpinned;
        }
        let quiet = |command: &mut Command| {
            command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        if !quiet(Command::new("taskset").arg("--version")) {
            println!(
                "pinning: taskset (util-linux) not found: servers and load generator run unpinned"
            );
            return unpinned;
        }
        let (server, generator) = (cpus[0], cpus[1]);
        let own = std::process::id().to_string();
        if !quiet(Command::new("taskset").args(["-a", "-p", "-c", &generator.to_string(), &own])) {
            println!("pinning: taskset could not pin this process: everything runs unpinned");
            return unpinned;
        }
        println!(
            "pinning: servers on CPU {server}, load generator (this process, one thread) on CPU \
             {generator}"
        );
        Pinning {
            server_cpu: Some(server),
            generator_cpu: Some(generator),
        }
    }

    /// The command that runs `program` as a server: through `taskset -c CPU` when pinned.
    fn server_command(&self, program: &Path) -> Command {
        match self.server_cpu {
            Some(cpu) => {
                let mut command = Command::new("taskset");
                command.arg("-c").arg(cpu.to_string()).arg(program);
                command
            }
            None => Command::new(program),
        }
    }
}

/// The CPUs this process may run on (`Cpus_allowed_list` of `/proc/self/status`), or as
/// many as the standard library sees when that cannot be read.
fn allowed_cpus() -> Vec<usize> {
    let listed = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
                .map(parse_cpu_list)
        })
        .filter(|cpus| !cpus.is_empty());
    listed.unwrap_or_else(|| {
        let count = std::thread::available_parallelism().map_or(1, |n| n.get());
        (0..count).collect()
    })
}

/// Reads a CPU list such as `0-3,6`.
fn parse_cpu_list(list: &str) -> Vec<usize> {
    let mut cpus = Vec::new();
    for part in list.trim().split(',').filter(|part| !part.is_empty()) {
        match part.split_once('-') {
            Some((from, to)) => {
                if let (Ok(from), Ok(to)) =
                    (from.trim().parse::<usize>(), to.trim().parse::<usize>())
                {
                    cpus.extend(from..=to);
                }
            }
            None => cpus.extend(part.trim().parse::<usize>().ok()),
        }
    }
    cpus
}

/// A directory of its own under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    /// Makes `<tmp>/csms_load-<pid>_<nanos>`.
    fn new() -> Result<TempDir, BoxError> {
        let path = std::env::temp_dir().join(format!("csms_load-{}", unique_suffix()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `<pid>_<nanoseconds since the epoch>`: a name no other run has.
fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{}_{nanos}", std::process::id())
}

// ---------------------------------------------------------------------------------------
// The durable run: the csms example.
// ---------------------------------------------------------------------------------------

/// The outcome of the durable run.
struct Durable {
    /// What the stations measured.
    driven: Driven,
    /// What is stored, counted through the admin API, or why it could not be.
    stored: Result<Stored, String>,
}

/// What the admin API shows of the tenant's sessions after the run.
struct Stored {
    /// Sessions.
    sessions: u64,
    /// Sessions completed.
    completed: u64,
    /// Sampled values stored for them.
    values: u64,
}

/// The durable run, with its database made and removed around it.
async fn durable(csms: &Path, options: Options, pinning: &Pinning) -> Result<Durable, BoxError> {
    let dir = TempDir::new()?;
    let postgres = match options.database {
        Database::Sqlite => None,
        Database::Postgres => {
            let url =
                std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
            Some((url, format!("csms_load_{}", unique_suffix())))
        }
    };
    let outcome = durable_in(csms, &dir, postgres.as_ref(), options, pinning).await;
    if let Some((url, schema)) = &postgres {
        match drop_schema(url, schema).await {
            Ok(()) => println!("  dropped schema {schema}"),
            Err(error) => println!("  could not drop schema {schema}: {error}"),
        }
    }
    outcome
}

/// The durable run proper: start the CSMS, provision, load, count what is stored, stop.
async fn durable_in(
    csms: &Path,
    dir: &TempDir,
    postgres: Option<&(String, String)>,
    options: Options,
    pinning: &Pinning,
) -> Result<Durable, BoxError> {
    let (prefix, secret) = generate_key()?;
    let system_key = format!("system.{prefix}{secret}");
    let log_path = dir.0.join("csms.log");
    let mut command = pinning.server_command(csms);
    command.args([
        "--listen-ocpp",
        "127.0.0.1:0",
        "--listen-api",
        "127.0.0.1:0",
        "--system-key",
        &system_key,
    ]);
    match postgres {
        None => {
            let file = dir.0.join("csms.db");
            println!("  database: {}", file.display());
            command.arg("--database").arg(file);
        }
        Some((url, schema)) => {
            println!("  database: {url}, schema {schema}");
            command.args(["--database-url", url, "--database-schema", schema]);
        }
    }
    command
        .env("NO_COLOR", "1")
        .stderr(Stdio::from(File::create(&log_path)?));
    let server = ServerProcess::start(
        command,
        |line| line.starts_with("csms ready "),
        Duration::from_secs(60),
    )
    .map_err(|error| {
        format!(
            "the csms example did not start: {error}; the end of its log:\n{}",
            log_tail(&log_path, 8)
        )
    })?;
    let field = |name: &str| {
        server
            .ready
            .split_whitespace()
            .find_map(|field| field.strip_prefix(name))
            .map(str::to_owned)
    };
    let (Some(ocpp), Some(api)) = (field("ocpp="), field("api=")) else {
        return Err(format!("no addresses in {:?}", server.ready).into());
    };
    println!("  {}", server.ready);

    let started = Instant::now();
    let (admin, tenant) = provision(&api, &system_key, options.stations).await?;
    println!(
        "  provisioned through the admin API in {:.1} s: a tenant with its admin key, {}, {}",
        started.elapsed().as_secs_f64(),
        count(options.stations as u64, "station"),
        count(options.stations as u64, "accepted token")
    );

    let driven = drive(&format!("{ocpp}/ocpp/{tenant}"), server.id(), options).await;
    report_run(&driven);
    let stored = count_stored(&admin)
        .await
        .map_err(|error| error.to_string());
    report_stored(&driven, &stored);

    let clean = server.stop(Duration::from_secs(15));
    if !clean {
        println!("  the csms did not stop within 15 s of SIGINT: killed");
    }
    report_log(&log_path);
    Ok(Durable { driven, stored })
}

/// The last `lines` lines of the file at `path`.
fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|line| format!("    {}", load::shorten(line, 300)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Says how many errors and warnings the CSMS logged, and the first of each.
fn report_log(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let level = |line: &str, wanted: &str| line.split_whitespace().take(3).any(|w| w == wanted);
    let errors: Vec<&str> = text.lines().filter(|l| level(l, "ERROR")).collect();
    let warnings: Vec<&str> = text.lines().filter(|l| level(l, "WARN")).collect();
    println!(
        "  server log: {} errors, {} warnings",
        errors.len(),
        warnings.len()
    );
    for (kind, lines) in [("error", &errors), ("warning", &warnings)] {
        if let Some(first) = lines.first() {
            println!("    first {kind}: {}", load::shorten(first, 300));
        }
    }
}

/// Drops the run's PostgreSQL schema and all in it.
async fn drop_schema(url: &str, schema: &str) -> Result<(), BoxError> {
    let work = async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        let sql = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        sqlx::query(&sql).execute(&pool).await?;
        pool.close().await;
        Ok::<_, BoxError>(())
    };
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .map_err(|_| "no answer from PostgreSQL in 60 s")?
}

// ---------------------------------------------------------------------------------------
// The admin API: a minimal HTTP/1.1 client, provisioning and counting.
// ---------------------------------------------------------------------------------------

/// How many times a request the API's rate limit refused is sent again (a second apart):
/// provisioning thousands of stations and tokens goes past the limit's burst.
const RATE_LIMITED_RETRIES: usize = 120;

/// A client of the admin API with one key (a connection per request). Not `Debug`: it
/// holds the key.
#[derive(Clone)]
struct Http {
    /// `host:port`.
    addr: String,
    /// The bearer key.
    key: String,
}

impl Http {
    /// Sends one request and reads the whole answer: its status and body.
    async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Vec<u8>), BoxError> {
        let body = body.map(Value::to_string).unwrap_or_default();
        let exchange = async {
            let mut stream = TcpStream::connect(&self.addr).await?;
            let mut head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
                 Authorization: Bearer {}\r\nContent-Length: {}\r\n",
                self.addr,
                self.key,
                body.len()
            );
            if !body.is_empty() {
                head.push_str("Content-Type: application/json\r\n");
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await?;
            Ok::<_, BoxError>(raw)
        };
        let raw = tokio::time::timeout(HTTP_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("{method} {path}: no answer in {} s", HTTP_TIMEOUT.as_secs()))??;
        parse_response(&raw).map_err(|error| format!("{method} {path}: {error}").into())
    }

    /// Sends one request and reads its JSON answer, which must come with `status`. A
    /// request refused by the API's rate limit (429) is sent again a second later.
    async fn json(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        status: u16,
    ) -> Result<Value, BoxError> {
        let (mut got, mut answer) = self.request(method, path, body).await?;
        for _ in 0..RATE_LIMITED_RETRIES {
            if got != 429 {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            (got, answer) = self.request(method, path, body).await?;
        }
        if got != status {
            return Err(format!(
                "{method} {path}: status {got}, not {status}: {}",
                load::shorten(&String::from_utf8_lossy(&answer), 300)
            )
            .into());
        }
        Ok(serde_json::from_slice(&answer)?)
    }
}

/// The status and body of a raw HTTP/1.1 answer (with `Content-Length`, chunks, or up to
/// the end of the connection).
fn parse_response(raw: &[u8]) -> Result<(u16, Vec<u8>), BoxError> {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or("no HTTP head in the answer")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("no status line in the answer")?;
    let mut chunked = false;
    let mut length = None;
    for (name, value) in lines.filter_map(|line| line.split_once(':')) {
        if name.trim().eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.trim().eq_ignore_ascii_case("chunked");
        } else if name.trim().eq_ignore_ascii_case("content-length") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let body = &raw[split + 4..];
    let body = if chunked {
        dechunk(body)?
    } else {
        match length {
            Some(length) => body
                .get(..length)
                .ok_or("the answer is cut short")?
                .to_vec(),
            None => body.to_vec(),
        }
    };
    Ok((status, body))
}

/// The body of a chunked answer.
fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut out = Vec::new();
    loop {
        let end = data
            .windows(2)
            .position(|window| window == b"\r\n")
            .ok_or("a chunk without its size")?;
        let size = String::from_utf8_lossy(&data[..end]);
        let size = size.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| "a bad chunk size")?;
        data = &data[end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or("a chunk cut short")?);
        data = data.get(size + 2..).ok_or("a chunk cut short")?;
    }
}

/// The identity of station `number` (from 0): `LOAD-0001`...
fn identity(number: usize) -> String {
    format!("LOAD-{:04}", number + 1)
}

/// The token of station `number` (from 0): `TAG-0001`...
fn id_tag(number: usize) -> String {
    format!("TAG-{:04}", number + 1)
}

/// Creates, through the admin API only, a tenant (whose creation makes its first admin
/// key), `stations` stations (security profile 0: the tenant allows unsecured stations)
/// and an accepted token for each; returns the client with the tenant's admin key, and the
/// tenant's number.
async fn provision(api: &str, system_key: &str, stations: usize) -> Result<(Http, i64), BoxError> {
    let system = Http {
        addr: api.to_owned(),
        key: system_key.to_owned(),
    };
    let tenant = json!({
        "name": "csms_load CPO",
        "role": "CPO",
        "country_code": "NL",
        "party_id": "LDT",
        "admin_key_name": "csms_load admin",
        "settings": {
            "time_zone": "UTC",
            "currency": "EUR",
            "language": "en",
            "unknown_stations": "reject",
            "unsecured_stations": true,
        },
    });
    let created = system.json("POST", "/tenants", Some(&tenant), 201).await?;
    let tenant = created["tenant"]["id"]
        .as_i64()
        .ok_or("POST /tenants answered no tenant id")?;
    let key = created["admin_key"]["key"]
        .as_str()
        .ok_or("POST /tenants answered no admin key")?;
    let admin = Http {
        addr: api.to_owned(),
        key: key.to_owned(),
    };
    let numbers: Vec<usize> = (0..stations).collect();
    for batch in numbers.chunks(PROVISIONING_CONCURRENCY) {
        let tasks: Vec<_> = batch
            .iter()
            .map(|&number| {
                let admin = admin.clone();
                tokio::spawn(async move {
                    let station = json!({
                        "identity": identity(number),
                        "security_profile": 0,
                        "registration": "accepted",
                    });
                    admin.json("POST", "/stations", Some(&station), 201).await?;
                    let token = json!({
                        "uid": id_tag(number),
                        "kind": "RFID",
                        "status": "accepted",
                        "restrictions": {},
                    });
                    admin.json("POST", "/tokens", Some(&token), 201).await?;
                    Ok::<_, BoxError>(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
    }
    Ok((admin, tenant))
}

/// Counts the tenant's sessions and their stored sampled values through the admin API.
async fn count_stored(admin: &Http) -> Result<Stored, BoxError> {
    let mut stored = Stored {
        sessions: 0,
        completed: 0,
        values: 0,
    };
    let mut ids = Vec::new();
    loop {
        let page = admin
            .json(
                "GET",
                &format!("/sessions?limit=500&offset={}", ids.len()),
                None,
                200,
            )
            .await?;
        let items = page["items"]
            .as_array()
            .ok_or("GET /sessions answered no items")?;
        for session in items {
            ids.push(session["id"].as_i64().ok_or("a session without an id")?);
            if session["status"] == "completed" {
                stored.completed += 1;
            }
        }
        let total = page["total"].as_u64().unwrap_or_default();
        if items.is_empty() || ids.len() as u64 >= total {
            break;
        }
    }
    stored.sessions = ids.len() as u64;
    for id in ids {
        let path = format!("/sessions/{id}/meter-values");
        let (status, body) = admin.request("GET", &path, None).await?;
        if status != 200 {
            return Err(format!("GET {path}: status {status}").into());
        }
        // Counted without building the values.
        let values: Vec<serde::de::IgnoredAny> = serde_json::from_slice(&body)?;
        stored.values += values.len() as u64;
    }
    Ok(stored)
}

// ---------------------------------------------------------------------------------------
// The framework baseline.
// ---------------------------------------------------------------------------------------

/// The baseline run: this example with `--serve-framework`, in a child process.
async fn baseline(options: Options, pinning: &Pinning) -> Result<Driven, BoxError> {
    let mut command = pinning.server_command(&std::env::current_exe()?);
    command.arg("--serve-framework");
    let server = ServerProcess::start(
        command,
        |line| line.starts_with("listening on "),
        CALL_TIMEOUT,
    )?;
    let addr = server
        .ready
        .trim()
        .strip_prefix("listening on ")
        .ok_or("the framework server did not start")?
        .to_owned();
    let driven = drive(&format!("{addr}/ocpp"), server.id(), options).await;
    report_run(&driven);
    drop(server);
    Ok(driven)
}

/// The framework server, in the child process: typed handlers that answer at once.
fn serve_framework() -> Result<(), BoxError> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let server = Server::bind(
            "127.0.0.1:0",
            ServerConfig::default(),
            framework_router(),
            Arc::new(InMemoryStorage::new()),
        )
        .await?;
        println!("listening on {}", server.local_addr());
        std::future::pending::<()>().await;
        Ok(())
    })
}

/// What the stations need answered, in both versions, without a store.
fn framework_router() -> Router {
    let transactions = Arc::new(AtomicI32::new(1));
    let accepted = || v16::IdTagInfo {
        status: v16::AuthorizationStatus::Accepted,
        expiry_date: None,
        parent_id_tag: None,
    };
    let token_accepted = || v201::IdTokenInfo::new(v201::AuthorizationStatus::Accepted);
    Router::new()
        .on(|_ctx, _: v16::BootNotificationRequest| async {
            Ok(v16::BootNotificationResponse {
                status: v16::RegistrationStatus::Accepted,
                current_time: Utc::now(),
                interval: 300,
            })
        })
        .on(move |_ctx, _: v16::AuthorizeRequest| async move {
            Ok(v16::AuthorizeResponse {
                id_tag_info: accepted(),
            })
        })
        .on(move |_ctx, _: v16::StartTransactionRequest| {
            let transaction_id = transactions.fetch_add(1, Ordering::Relaxed);
            async move {
                Ok(v16::StartTransactionResponse {
                    id_tag_info: accepted(),
                    transaction_id,
                })
            }
        })
        .on(|_ctx, _: v16::StopTransactionRequest| async {
            Ok(v16::StopTransactionResponse { id_tag_info: None })
        })
        .on(|_ctx, _: v16::MeterValuesRequest| async { Ok(v16::MeterValuesResponse {}) })
        .on(|_ctx, _: v201::BootNotificationRequest| async {
            Ok(v201::BootNotificationResponse::new(
                Utc::now(),
                300,
                v201::RegistrationStatus::Accepted,
            ))
        })
        .on(move |_ctx, _: v201::AuthorizeRequest| async move {
            Ok(v201::AuthorizeResponse::new(token_accepted()))
        })
        .on(
            move |_ctx, event: v201::TransactionEventRequest| async move {
                Ok(v201::TransactionEventResponse {
                    id_token_info: event.id_token.as_ref().map(|_| token_accepted()),
                    ..Default::default()
                })
            },
        )
}

// ---------------------------------------------------------------------------------------
// The stations.
// ---------------------------------------------------------------------------------------

/// The timestamps of one station: the wall clock, but always at least a microsecond after
/// the previous one, so that each message has a time of its own.
struct Clock {
    /// The last timestamp given, in microseconds since the epoch.
    last_micros: i64,
}

impl Clock {
    /// The next timestamp, in RFC 3339 with microseconds.
    fn next(&mut self) -> String {
        self.last_micros = Utc::now().timestamp_micros().max(self.last_micros + 1);
        DateTime::from_timestamp_micros(self.last_micros)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Micros, true)
    }
}

/// What a sampled value is: measurand, phase, location and unit.
type SampleKind = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

/// The ten sampled values of a 1.6 message.
const SAMPLES_V16: [SampleKind; 10] = [
    ("Energy.Active.Import.Register", None, "Outlet", "Wh"),
    ("Power.Active.Import", None, "Outlet", "W"),
    ("Current.Import", Some("L1"), "Outlet", "A"),
    ("Current.Import", Some("L2"), "Outlet", "A"),
    ("Current.Import", Some("L3"), "Outlet", "A"),
    ("Voltage", Some("L1-N"), "Outlet", "V"),
    ("Voltage", Some("L2-N"), "Outlet", "V"),
    ("Voltage", Some("L3-N"), "Outlet", "V"),
    ("SoC", None, "EV", "Percent"),
    ("Temperature", None, "Body", "Celsius"),
];

/// The ten sampled values of a 2.0.1 message: those of 1.6 but the temperature, which
/// 2.0.1 has no measurand for, replaced by the frequency.
const SAMPLES_V201: [SampleKind; 10] = [
    SAMPLES_V16[0],
    SAMPLES_V16[1],
    SAMPLES_V16[2],
    SAMPLES_V16[3],
    SAMPLES_V16[4],
    SAMPLES_V16[5],
    SAMPLES_V16[6],
    SAMPLES_V16[7],
    SAMPLES_V16[8],
    ("Frequency", None, "Outlet", "Hz"),
];

/// The transaction of a station.
enum Transaction {
    /// A 1.6 transaction id, given by the server.
    V16(i64),
    /// A 2.0.1 transaction id, chosen by the station.
    V201(String),
}

/// What a charging station sends: its meter values and its stop.
struct Meters {
    /// The station's token.
    id_tag: String,
    /// Its transaction.
    transaction: Transaction,
    /// Its timestamps.
    clock: Clock,
    /// The `seqNo` of its last TransactionEvent (2.0.1).
    seq_no: u64,
    /// Distinct meter-value messages made so far.
    messages: u64,
    /// The energy register, in Wh.
    energy_wh: u64,
}

impl Meters {
    /// The payload of the next (new) meter-value message.
    fn next_payload(&mut self) -> String {
        self.messages += 1;
        self.energy_wh += 5;
        let timestamp = self.clock.next();
        match &self.transaction {
            Transaction::V16(transaction) => {
                let samples = self.samples(Version::V16);
                format!(
                    r#"{{"connectorId":1,"transactionId":{transaction},"meterValue":[{{"timestamp":"{timestamp}","sampledValue":[{samples}]}}]}}"#
                )
            }
            Transaction::V201(transaction) => {
                self.seq_no += 1;
                let seq_no = self.seq_no;
                let samples = self.samples(Version::V201);
                format!(
                    r#"{{"eventType":"Updated","timestamp":"{timestamp}","triggerReason":"MeterValuePeriodic","seqNo":{seq_no},"transactionInfo":{{"transactionId":"{transaction}"}},"meterValue":[{{"timestamp":"{timestamp}","sampledValue":[{samples}]}}]}}"#
                )
            }
        }
    }

    /// The ten sampled values of the current message, as JSON array items.
    fn samples(&self, version: Version) -> String {
        let n = self.messages;
        let wiggle = (n % 7) as f64 / 10.0;
        let values = [
            self.energy_wh.to_string(),
            (11_000 + (n % 7) * 10).to_string(),
            format!("{:.1}", 16.0 + wiggle),
            format!("{:.1}", 15.9 + wiggle),
            format!("{:.1}", 16.1 + wiggle),
            format!("{:.1}", 230.0 + wiggle),
            format!("{:.1}", 229.8 + wiggle),
            format!("{:.1}", 230.2 + wiggle),
            (20 + (n / 50) % 80).to_string(),
            match version {
                Version::V16 => format!("{:.1}", 31.0 + wiggle),
                Version::V201 => format!("{:.2}", 49.9 + wiggle / 5.0),
            },
        ];
        let kinds = match version {
            Version::V16 => &SAMPLES_V16,
            Version::V201 => &SAMPLES_V201,
        };
        let mut out = String::with_capacity(1500);
        for (i, ((measurand, phase, location, unit), value)) in kinds.iter().zip(values).enumerate()
        {
            if i > 0 {
                out.push(',');
            }
            let phase = phase
                .map(|phase| format!(r#","phase":"{phase}""#))
                .unwrap_or_default();
            // Writing to a String cannot fail.
            let _ = match version {
                Version::V16 => write!(
                    out,
                    r#"{{"value":"{value}","context":"Sample.Periodic","measurand":"{measurand}"{phase},"location":"{location}","unit":"{unit}"}}"#
                ),
                Version::V201 => write!(
                    out,
                    r#"{{"value":{value},"context":"Sample.Periodic","measurand":"{measurand}"{phase},"location":"{location}","unitOfMeasure":{{"unit":"{unit}"}}}}"#
                ),
            };
        }
        out
    }

    /// The action and payload that stop the transaction.
    fn stop(&mut self) -> (&'static str, String) {
        let timestamp = self.clock.next();
        let (id_tag, energy) = (&self.id_tag, self.energy_wh);
        match &self.transaction {
            Transaction::V16(transaction) => (
                "StopTransaction",
                format!(
                    r#"{{"transactionId":{transaction},"idTag":"{id_tag}","meterStop":{energy},"timestamp":"{timestamp}","reason":"Local"}}"#
                ),
            ),
            Transaction::V201(transaction) => {
                self.seq_no += 1;
                let seq_no = self.seq_no;
                (
                    "TransactionEvent",
                    format!(
                        r#"{{"eventType":"Ended","timestamp":"{timestamp}","triggerReason":"StopAuthorized","seqNo":{seq_no},"transactionInfo":{{"transactionId":"{transaction}","stoppedReason":"Local"}},"idToken":{{"idToken":"{id_tag}","type":"ISO14443"}}}}"#
                    ),
                )
            }
        }
    }
}

/// A station with its transaction running, ready for the load.
struct Charging {
    /// Its number (from 0).
    number: usize,
    /// Its connection.
    station: Station,
    /// What it sends.
    meters: Meters,
}

/// How a step of a station's start or stop went wrong.
enum StepError {
    /// A CALLERROR.
    CallError(String),
    /// No answer in time.
    Timeout(String),
    /// Anything else: refused, unreadable, or the connection failed.
    Failed(String),
}

/// One call of a station's start or stop; unless `status_at` is empty, the answer must have
/// `"Accepted"` at that path.
async fn step(
    station: &mut Station,
    action: &str,
    payload: &str,
    status_at: &[&str],
) -> Result<Value, StepError> {
    match station.call(action, payload, CALL_TIMEOUT).await {
        Ok(reply @ Reply::Result(_)) => {
            let answer = reply
                .payload()
                .ok_or_else(|| StepError::Failed(format!("{action}: an unreadable answer")))?;
            if !status_at.is_empty() {
                let status = status_at
                    .iter()
                    .try_fold(&answer, |value, key| value.get(key))
                    .and_then(Value::as_str)
                    .unwrap_or("no status");
                if status != "Accepted" {
                    return Err(StepError::Failed(format!("{action} answered {status}")));
                }
            }
            Ok(answer)
        }
        Ok(reply @ Reply::Error(_)) => Err(StepError::CallError(format!(
            "{action}: {}",
            reply.describe()
        ))),
        Ok(reply @ Reply::Timeout) => Err(StepError::Timeout(format!(
            "{action}: {}",
            reply.describe()
        ))),
        Err(error) => Err(StepError::Failed(format!("{action}: {error}"))),
    }
}

/// Connects station `number`, boots it, authorizes its token and starts its transaction.
async fn set_up(endpoint: String, number: usize, version: Version) -> Result<Charging, StepError> {
    let identity = identity(number);
    let id_tag = id_tag(number);
    let mut station = Station::connect(&endpoint, &identity, version.subprotocol())
        .await
        .map_err(|error| StepError::Failed(format!("connect: {error}")))?;
    let mut clock = Clock { last_micros: 0 };
    let transaction = match version {
        Version::V16 => {
            let boot = r#"{"chargePointVendor":"EV-Backend","chargePointModel":"csms_load"}"#;
            step(&mut station, "BootNotification", boot, &["status"]).await?;
            let authorize = format!(r#"{{"idTag":"{id_tag}"}}"#);
            let status = ["idTagInfo", "status"];
            step(&mut station, "Authorize", &authorize, &status).await?;
            let start = format!(
                r#"{{"connectorId":1,"idTag":"{id_tag}","meterStart":0,"timestamp":"{}"}}"#,
                clock.next()
            );
            let answer = step(&mut station, "StartTransaction", &start, &status).await?;
            let id = answer["transactionId"].as_i64().ok_or_else(|| {
                StepError::Failed("StartTransaction answered no transactionId".to_owned())
            })?;
            Transaction::V16(id)
        }
        Version::V201 => {
            let boot = r#"{"reason":"PowerUp","chargingStation":{"vendorName":"EV-Backend","model":"csms_load"}}"#;
            step(&mut station, "BootNotification", boot, &["status"]).await?;
            let token = format!(r#"{{"idToken":"{id_tag}","type":"ISO14443"}}"#);
            let status = ["idTokenInfo", "status"];
            let authorize = format!(r#"{{"idToken":{token}}}"#);
            step(&mut station, "Authorize", &authorize, &status).await?;
            let transaction = format!("TX-{identity}");
            let started = format!(
                r#"{{"eventType":"Started","timestamp":"{}","triggerReason":"Authorized","seqNo":0,"transactionInfo":{{"transactionId":"{transaction}","chargingState":"Charging"}},"evse":{{"id":1,"connectorId":1}},"idToken":{token}}}"#,
                clock.next()
            );
            step(&mut station, "TransactionEvent", &started, &status).await?;
            Transaction::V201(transaction)
        }
    };
    Ok(Charging {
        number,
        station,
        meters: Meters {
            id_tag,
            transaction,
            clock,
            seq_no: 0,
            messages: 0,
            energy_wh: 0,
        },
    })
}

/// What one station's load and stop came to.
struct StationOutcome {
    /// Its number (from 0).
    number: usize,
    /// Its closed loop.
    stats: LoopStats,
    /// Its stop; `None` when it was not tried (the connection had failed).
    stop: Option<Result<(), StepError>>,
}

/// Runs a station's closed loop of meter values over `window`, every `resend_every`-th
/// message a resend of the previous one, then stops its transaction.
async fn charge(charging: Charging, window: Window, resend_every: u64) -> StationOutcome {
    let Charging {
        number,
        mut station,
        mut meters,
    } = charging;
    let action = match meters.transaction {
        Transaction::V16(_) => Version::V16.meter_action(),
        Transaction::V201(_) => Version::V201.meter_action(),
    };
    let (mut count, mut distinct) = (0u64, 0u64);
    let mut previous = String::new();
    let stats = load::closed_loop(&mut station, window, || {
        count += 1;
        if resend_every > 0 && count % resend_every == 0 && distinct > 0 {
            return Outgoing {
                action,
                payload: previous.clone(),
                distinct,
            };
        }
        distinct += 1;
        previous = meters.next_payload();
        Outgoing {
            action,
            payload: previous.clone(),
            distinct,
        }
    })
    .await;
    let stop = if stats.failure.is_none() {
        let (action, payload) = meters.stop();
        Some(step(&mut station, action, &payload, &[]).await.map(drop))
    } else {
        None
    };
    station.close().await;
    StationOutcome {
        number,
        stats,
        stop,
    }
}

/// What went wrong, counted, with a few examples.
#[derive(Default)]
struct Trouble {
    /// CALLERRORs (start, load and stop).
    call_errors: u64,
    /// Calls without an answer in time.
    timeouts: u64,
    /// Connections that failed and starts refused.
    failures: u64,
    /// The first few, described.
    examples: Vec<String>,
}

impl Trouble {
    /// Keeps `text` if there are fewer than three examples yet.
    fn example(&mut self, text: String) {
        if self.examples.len() < 3 {
            self.examples.push(text);
        }
    }

    /// Counts a failed step of station `number`.
    fn step(&mut self, number: usize, error: StepError) {
        let text = match error {
            StepError::CallError(text) => {
                self.call_errors += 1;
                text
            }
            StepError::Timeout(text) => {
                self.timeouts += 1;
                text
            }
            StepError::Failed(text) => {
                self.failures += 1;
                text
            }
        };
        self.example(format!("{}: {text}", identity(number)));
    }
}

/// What the stations measured against one server.
#[derive(Default)]
struct Driven {
    /// Stations that got their transaction started.
    ready: usize,
    /// The measured window.
    measured: Duration,
    /// Latencies of the messages acknowledged in the window, sorted.
    latencies: Vec<Duration>,
    /// Meter-value calls sent.
    sent: u64,
    /// Meter-value calls acknowledged, in the window or not.
    acknowledged: u64,
    /// Distinct meter-value messages sent (a resend counts once).
    distinct_sent: u64,
    /// Distinct meter-value messages acknowledged at least once.
    distinct_acknowledged: u64,
    /// Transactions stopped with a CALLRESULT.
    stopped: usize,
    /// What went wrong.
    trouble: Trouble,
    /// The server's CPU time over the window, in seconds.
    server_cpu: Option<f64>,
    /// This process's CPU time over the window, in seconds.
    generator_cpu: Option<f64>,
    /// The server's resident memory at the end of the window, in KiB.
    rss_kib: Option<u64>,
    /// The server's peak resident memory so far, in KiB.
    peak_rss_kib: Option<u64>,
}

impl Driven {
    /// Messages acknowledged per second of the window.
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.measured.as_secs_f64().max(1e-9)
    }

    /// The server's CPU time per message acknowledged in the window, in µs.
    fn cpu_per_message_us(&self) -> Option<f64> {
        let cpu = self.server_cpu?;
        (!self.latencies.is_empty()).then(|| cpu * 1e6 / self.latencies.len() as f64)
    }

    /// The `p` latency quantile.
    fn latency(&self, p: f64) -> Duration {
        load::percentile(&self.latencies, p)
    }

    /// The longest latency.
    fn max_latency(&self) -> Duration {
        self.latencies.last().copied().unwrap_or_default()
    }
}

/// Sets up the stations against the OCPP server's endpoint `endpoint` (`ADDR/PATH`; process
/// `server_pid`), runs the load, reads the server's CPU time and memory at both ends of the
/// measured window, and stops the transactions.
async fn drive(endpoint: &str, server_pid: u32, options: Options) -> Driven {
    let mut driven = Driven {
        measured: Duration::from_secs(options.seconds),
        ..Driven::default()
    };
    let setups: Vec<_> = (0..options.stations)
        .map(|number| tokio::spawn(set_up(endpoint.to_owned(), number, options.version)))
        .collect();
    let mut ready = Vec::new();
    for (number, setup) in setups.into_iter().enumerate() {
        match setup.await {
            Ok(Ok(charging)) => ready.push(charging),
            Ok(Err(error)) => driven.trouble.step(number, error),
            Err(error) => driven
                .trouble
                .step(number, StepError::Failed(error.to_string())),
        }
    }
    driven.ready = ready.len();
    println!(
        "  stations: {} of {} booted, authorized and charging",
        driven.ready, options.stations
    );
    if ready.is_empty() {
        return driven;
    }

    let measure_from = Instant::now() + WARMUP;
    let measure_until = measure_from + driven.measured;
    let window = Window {
        stop_sending: measure_until,
        measure_from,
        measure_until,
        timeout: CALL_TIMEOUT,
    };
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|charging| tokio::spawn(charge(charging, window, options.resend_every)))
        .collect();
    let own = std::process::id();
    tokio::time::sleep_until(measure_from.into()).await;
    let before = (load::cpu_seconds(server_pid), load::cpu_seconds(own));
    tokio::time::sleep_until(measure_until.into()).await;
    let after = (load::cpu_seconds(server_pid), load::cpu_seconds(own));
    driven.rss_kib = load::rss_kib(server_pid).ok();
    driven.peak_rss_kib = load::status_kib(server_pid, "VmHWM:").ok();
    if let ((Ok(server_before), Ok(generator_before)), (Ok(server_after), Ok(generator_after))) =
        (before, after)
    {
        driven.server_cpu = Some(server_after - server_before);
        driven.generator_cpu = Some(generator_after - generator_before);
    }

    for task in tasks {
        let outcome = match task.await {
            Ok(outcome) => outcome,
            Err(error) => {
                driven.trouble.failures += 1;
                driven
                    .trouble
                    .example(format!("a station task failed: {error}"));
                continue;
            }
        };
        let stats = outcome.stats;
        driven.latencies.extend(stats.latencies);
        driven.sent += stats.sent;
        driven.acknowledged += stats.acknowledged;
        driven.distinct_sent += stats.distinct_sent;
        driven.distinct_acknowledged += stats.distinct_acknowledged;
        driven.trouble.call_errors += stats.call_errors;
        driven.trouble.timeouts += stats.timeouts;
        let station = identity(outcome.number);
        if let Some(error) = stats.first_call_error {
            driven.trouble.example(format!("{station}: {error}"));
        }
        if stats.timeouts > 0 {
            driven.trouble.example(format!(
                "{station}: {} without an answer in {} s",
                count(stats.timeouts, "call"),
                CALL_TIMEOUT.as_secs()
            ));
        }
        if let Some(failure) = stats.failure {
            driven.trouble.failures += 1;
            driven.trouble.example(format!("{station}: {failure}"));
        }
        match outcome.stop {
            Some(Ok(())) => driven.stopped += 1,
            Some(Err(error)) => driven.trouble.step(outcome.number, error),
            None => {}
        }
    }
    driven.latencies.sort_unstable();
    driven
}

// ---------------------------------------------------------------------------------------
// The report.
// ---------------------------------------------------------------------------------------

/// `n` and `thing`, in the plural unless `n` is 1.
fn count(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// A duration in milliseconds, for the report.
fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}

/// A memory size in KiB as MiB, for the report.
fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".to_owned(), |kib| {
        format!("{:.1} MiB", kib as f64 / 1024.0)
    })
}

/// Prints what the stations measured against one server.
fn report_run(driven: &Driven) {
    if driven.ready > 0 {
        println!(
            "  {:.1} s measured: {:.0} messages/s acknowledged; latency p50 {}, p99 {}, max {}",
            driven.measured.as_secs_f64(),
            driven.per_second(),
            ms(driven.latency(0.50)),
            ms(driven.latency(0.99)),
            ms(driven.max_latency())
        );
        let window = driven.measured.as_secs_f64().max(1e-9);
        println!(
            "  server: {} CPU per message ({}), RSS {} (peak {}); load generator {}",
            driven
                .cpu_per_message_us()
                .map_or("?".to_owned(), |us| format!("{us:.1} µs")),
            driven.server_cpu.map_or("?".to_owned(), |cpu| format!(
                "{:.2} CPUs busy",
                cpu / window
            )),
            mib(driven.rss_kib),
            mib(driven.peak_rss_kib),
            driven.generator_cpu.map_or("?".to_owned(), |cpu| format!(
                "{:.2} CPUs busy",
                cpu / window
            )),
        );
        if driven
            .generator_cpu
            .is_some_and(|cpu| cpu / window > GENERATOR_SATURATED)
        {
            println!(
                "  (the load generator was nearly saturated: the server may do more than this)"
            );
        }
        println!(
            "  whole run: {} meter-value calls, {} acknowledged; {} distinct messages, {} \
             acknowledged; transactions stopped: {} of {}",
            driven.sent,
            driven.acknowledged,
            driven.distinct_sent,
            driven.distinct_acknowledged,
            driven.stopped,
            driven.ready
        );
    }
    let trouble = &driven.trouble;
    println!(
        "  CallErrors {}, timeouts {}, failed connections or starts {}",
        trouble.call_errors, trouble.timeouts, trouble.failures
    );
    for example in &trouble.examples {
        println!("    e.g. {}", load::shorten(example, 300));
    }
}

/// Prints the stored sampled values against those acknowledged.
fn report_stored(driven: &Driven, stored: &Result<Stored, String>) {
    let expected = driven.distinct_acknowledged * SAMPLES_PER_MESSAGE;
    let unacknowledged = driven.distinct_sent - driven.distinct_acknowledged;
    match stored {
        Ok(stored) => {
            let verdict = if stored.values == expected {
                "equal".to_owned()
            } else if stored.values < expected {
                format!(
                    "NOT equal: {} acknowledged values are missing",
                    expected - stored.values
                )
            } else if stored.values <= expected + unacknowledged * SAMPLES_PER_MESSAGE {
                format!(
                    "NOT equal: {} more, from messages never acknowledged",
                    stored.values - expected
                )
            } else {
                format!(
                    "NOT equal: {} more than all messages sent (duplicates)",
                    stored.values - expected
                )
            };
            println!(
                "  stored versus acknowledged: stored {} of expected {} sampled values: {verdict}",
                stored.values, expected
            );
            println!(
                "    ({} distinct messages acknowledged × {SAMPLES_PER_MESSAGE}, resends counted \
                 once; {} sessions, {} completed)",
                driven.distinct_acknowledged, stored.sessions, stored.completed
            );
        }
        Err(error) => println!(
            "  stored versus acknowledged: could not count the stored values (expected \
             {expected}): {error}"
        ),
    }
    if unacknowledged > 0 {
        println!(
            "    {} never acknowledged: up to {} more values may be stored",
            count(unacknowledged, "distinct message"),
            unacknowledged * SAMPLES_PER_MESSAGE
        );
    }
}

/// Prints the durable figures beside their targets, and as ratios of the baseline's.
fn report_targets(options: Options, durable: &Durable, baseline: &Driven) {
    let driven = &durable.driven;
    let measured = !driven.latencies.is_empty();
    let per_second = driven.per_second();
    let target = options.database.target_per_second();
    let p99 = driven.latency(0.99);
    let cpu = driven.cpu_per_message_us();
    let expected = driven.distinct_acknowledged * SAMPLES_PER_MESSAGE;
    let (stored, stored_ok) = match &durable.stored {
        Ok(stored) => (
            format!("{} of {expected}", stored.values),
            stored.values == expected,
        ),
        Err(_) => (format!("? of {expected}"), false),
    };
    println!(
        "targets (durable, {}, OCPP {}, {}):",
        options.database.name(),
        options.version.name(),
        count(options.stations as u64, "station")
    );
    let rows = [
        (
            "throughput",
            format!("{per_second:.0} messages/s"),
            format!(">= {target:.0} messages/s"),
            measured && per_second >= target,
        ),
        (
            "p99 latency",
            ms(p99),
            format!("<= {}", ms(TARGET_P99)),
            measured && p99 <= TARGET_P99,
        ),
        (
            "server CPU",
            cpu.map_or("?".to_owned(), |us| format!("{us:.1} µs/message")),
            format!("<= {TARGET_CPU_US:.0} µs/message"),
            cpu.is_some_and(|us| us <= TARGET_CPU_US),
        ),
        ("stored", stored, "== expected".to_owned(), stored_ok),
        (
            "CallErrors",
            driven.trouble.call_errors.to_string(),
            "none".to_owned(),
            driven.trouble.call_errors == 0,
        ),
        (
            "timeouts",
            driven.trouble.timeouts.to_string(),
            "none".to_owned(),
            driven.trouble.timeouts == 0,
        ),
    ];
    for (name, figure, target, ok) in rows {
        let verdict = if ok { "met" } else { "MISSED" };
        println!("  {name:<12} {figure:>20}   target {target:<22} {verdict}");
    }
    if driven.trouble.failures > 0 {
        println!(
            "  (and {} failed connections or starts)",
            driven.trouble.failures
        );
    }
    if options.database == Database::Postgres {
        println!("  (server CPU: the csms process only, not PostgreSQL's)");
    }
    println!("durable / framework baseline (same stations and load):");
    let base = baseline.per_second();
    if base > 0.0 {
        println!(
            "  throughput ratio       {:.3}  ({per_second:.0} vs {base:.0} messages/s)",
            per_second / base
        );
    } else {
        println!("  throughput ratio       ?  (the baseline acknowledged nothing)");
    }
    match (cpu, baseline.cpu_per_message_us()) {
        (Some(ours), Some(base)) if base > 0.0 => println!(
            "  CPU per message ratio  {:.2}x  ({ours:.1} vs {base:.1} µs)",
            ours / base
        ),
        _ => println!("  CPU per message ratio  ?  (no CPU figure)"),
    }
}
