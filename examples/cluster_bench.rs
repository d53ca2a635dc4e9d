//! Cluster benchmark: what it costs to run several CSMS processes (nodes) on one PostgreSQL
//! database with NATS between them, and how fast they recover when one dies.
//!
//! ```text
//! cargo run --release --example cluster_bench -- [--stations 5000] [--list-stations 3000]
//!     [--commands 2000] [--requests 300] [--database-url URL] [--nats-url URL]
//! ```
//!
//! It needs PostgreSQL at `--database-url` (or `DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`) and a NATS server at `--nats-url` (or
//! `NATS_URL`, default `nats://127.0.0.1:4222`). Everything it makes lives in a schema of
//! its own, dropped at the end (if the run is interrupted, drop the `cluster_bench_*`
//! schema it names by hand), and its NATS subjects start with `csms.bench_<pid>`.
//!
//! Two nodes, A and B, run in this process on a multi-threaded tokio runtime, each as a
//! separate `csms` process would: its own `PostgresStore` (its own pool and caches) on the
//! shared schema, its own `Csms`, its own OCPP server, and [`Node::join`] with the default
//! heartbeat (1 s) and lease (5 s). Stations are OCPP 1.6 [`ChargePoint`]s of `ocpp-server`
//! that accept `TriggerMessage`; they do not boot (commands reach any connected station).
//! Each tenant takes stations without passwords and refuses unknown ones; its stations are
//! registered through the store.
//!
//! Three parts, each measured against a baseline of the same run (the machine may be
//! shared and noisy: the ratios say more than the absolute figures; nothing is asserted
//! on time):
//!
//! 1. **Command latency, local and through another node.** One station is connected to
//!    A. `--commands` `TriggerMessage` (`Heartbeat`) commands go through
//!    [`Commands::send`] with node A as route (local: A holds the station) and as many with
//!    node B (remote: B finds in the database that A holds it and asks A over NATS,
//!    request-reply), one at a time, local and remote in turn. `Commands::send` looks the
//!    station up and writes an audit row for every command, as every operator command
//!    does: that is part of the figures. The same is then measured with
//!    [`CommandRoute::run_command`] alone (no lookup, no audit row), which isolates the hop.
//!    Figures: mean, p50 and p99 of each, and remote / local.
//! 2. **Station list cost.** A tenant with `--list-stations` stations; `GET
//!    /stations?limit=100&offset=...` through A's admin API (served by
//!    `csms_core::api::serve`, rate limit off), every page in turn, `--requests` requests
//!    on one keep-alive connection: with no station connected, then with all connected
//!    (half to A, half to B), then with none connected again (how much the machine
//!    drifted). Figures: mean, p50 and p99 per request, and connected / none connected.
//! 3. **A node killed.** `--stations` stations connect to node A through a TCP balancer
//!    that sends each connection to the first of [A, B] that accepts it; each reconnects
//!    200 ms after its connection drops, doubling the wait after each failed attempt up to
//!    2 s (no jitter). Node A runs in a child process of this example (this program again,
//!    with a hidden `--role node-a`) and is killed with SIGKILL: no clean leave, its
//!    sockets closed by the kernel, its lease no longer renewed. From the kill, figures:
//!    when the first, 50%, 90% and all stations are connected to B (B's OCPP server,
//!    sampled every 5 ms); when B's database pool shows all of them online on B, and none
//!    online on A (they move as they reconnect; those that do not are set offline when A's
//!    lease runs out); when A's node row is gone (B took A out of the cluster: A renewed
//!    its lease up to a heartbeat before the kill and B looks once a heartbeat, so between
//!    lease − heartbeat and lease + heartbeat, 4 to 6 s). Database figures are sampled
//!    every 50 ms. The baseline is the cold start: how long the same stations took to
//!    connect to A through the balancer, 50 at a time, until the database showed them all.
//!
//! # Reading the figures
//!
//! - Part 1: what an operator waits for a command when the station is on another node
//!   than the API they call, as a multiple of the same command on the node that holds it.
//!   The `run_command` lines take the audit write and station lookup out: the cost of the
//!   hop itself (a database read of where the station is, and a NATS round trip).
//! - Part 2: whether showing live connection state makes the list slower when stations
//!   are connected (here, to this node and to another); a ratio within the drift between
//!   the two "none connected" lines is no difference.
//! - Part 3: how long stations are unreachable when their node dies, and how long the
//!   API of the surviving nodes shows a dead node's stations online (at most until they
//!   reconnect elsewhere, or until the dead node's lease runs out).
//!
//! # Open files
//!
//! Every connected station holds a socket on each side, so this process needs about two
//! per station of the larger of `--stations` and `--list-stations`; the run stops at once,
//! saying so, when `ulimit -n` is lower. The balancer of part 3 runs in a child process of
//! its own (`--role balancer`), with two sockets per station and more while stations
//! reconnect: in this process it would take the stations, the balancer and B past a limit
//! of 4 × `--stations` (20,000 with the default 5000).

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use ev_backend::csms_core::api::{self, Api, ApiLimits, generate_key};
use ev_backend::csms_core::cluster::{Node, NodeConfig};
use ev_backend::csms_core::model::{
    Actor, NewApiKey, NewStation, NewTenant, Role, TenantId, TenantRole, TenantSettings,
    UnknownStationPolicy,
};
use ev_backend::csms_core::ocpp::commands::{Command, CommandRoute, Commands, Outcome};
use ev_backend::csms_core::ocpp::{Csms, CsmsConfig, admission};
use ev_backend::csms_core::store::{
    ClusterStore, PostgresStore, StationStore, TenantStore, UserStore,
};
use ev_backend::ocpp_server::Router;
use ev_backend::ocpp_server::client::{Backoff, ChargePoint, ChargePointConfig, ClientError};
use ev_backend::ocpp_server::server::Server;
use ev_backend::ocpp_server::storage::PasswordHash;
use ev_backend::ocpp_types::{OcppVersion, v16};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// Any error, sendable between tasks.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The PostgreSQL database used when neither `--database-url` nor `DATABASE_URL` is given.
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The NATS server used when neither `--nats-url` nor `NATS_URL` is given.
const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";

/// The node that holds the stations (and dies in part 3).
const NODE_A: &str = "A";
/// The other node.
const NODE_B: &str = "B";

/// Commands of each kind sent before the measured ones.
const WARMUP_COMMANDS: usize = 100;
/// Stations listed per page.
const PAGE_SIZE: usize = 100;
/// Stations connecting at once (registration: stations created at once).
const CONNECT_CONCURRENCY: usize = 50;
/// Attempts at a station's first connection before the run gives up.
const CONNECT_ATTEMPTS: u32 = 5;
/// How the stations of part 3 reconnect.
const RECONNECT: Backoff = Backoff {
    initial: Duration::from_millis(200),
    max: Duration::from_secs(2),
};
/// How long a wait for a state (stations connected, recorded) may take.
const STATE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long after the kill part 3 waits for every figure.
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(120);
/// How often B's OCPP server is sampled after the kill.
const SERVER_SAMPLE: Duration = Duration::from_millis(5);
/// How often the database is sampled after the kill.
const DATABASE_SAMPLE: Duration = Duration::from_millis(50);
/// File descriptors this process needs besides two per station (pools, NATS, listeners).
const SPARE_FILES: u64 = 512;

/// Cluster benchmark: command latency across nodes, station list cost, and recovery when a
/// node is killed (see the example's documentation).
#[derive(Parser)]
#[command(name = "cluster_bench")]
struct Args {
    /// Stations on node A when it is killed (part 3).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..))]
    stations: u32,
    /// Stations of the tenant whose list is read (part 2).
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u32).range(1..))]
    list_stations: u32,
    /// Commands measured through each node (part 1).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..))]
    commands: u32,
    /// List requests measured in each state (part 2).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    requests: u32,
    /// The PostgreSQL database (a schema of its own is made in it, and dropped).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    /// The NATS server between the nodes.
    #[arg(long, env = "NATS_URL", default_value = DEFAULT_NATS_URL)]
    nats_url: String,
    /// What a child process of the benchmark is.
    #[arg(long, hide = true, value_enum)]
    role: Option<ChildRole>,
    /// The schema (node A's child process).
    #[arg(long, hide = true)]
    schema: Option<String>,
    /// The NATS subject prefix (node A's child process).
    #[arg(long, hide = true)]
    subjects: Option<String>,
    /// Where the balancer sends connections, in order of preference.
    #[arg(long, hide = true, value_delimiter = ',')]
    backends: Vec<String>,
}

/// The child processes of part 3.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ChildRole {
    /// Node A, to be killed.
    NodeA,
    /// The TCP balancer in front of A and B.
    Balancer,
}

fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::builder()
                .with_default_directive(LevelFilter::ERROR.into())
                .from_env_lossy(),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    match args.role {
        Some(ChildRole::NodeA) => {
            let runtime = tokio::runtime::Runtime::new()?;
            return runtime.block_on(serve_node_a(&args));
        }
        Some(ChildRole::Balancer) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            return runtime.block_on(balance(args.backends));
        }
        None => {}
    }
    let stations = u64::from(args.stations.max(args.list_stations));
    check_open_files(2 * stations + SPARE_FILES)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run(&args))
}

/// Fails, saying what to do, when this process may open fewer than `needed` files.
fn check_open_files(needed: u64) -> Result<(), BoxError> {
    // Linux only; elsewhere the run finds out for itself.
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else {
        return Ok(());
    };
    let soft = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|soft| soft.parse::<u64>().ok());
    match soft {
        Some(soft) if soft < needed => Err(format!(
            "this run needs about {needed} open files (a socket on each side of every \
             station) but `ulimit -n` is {soft}: raise it (ulimit -n {needed}) or ask for \
             fewer --stations / --list-stations"
        )
        .into()),
        _ => Ok(()),
    }
}

/// Where the nodes meet.
#[derive(Debug, Clone)]
struct Services {
    database_url: String,
    nats_url: String,
    /// The schema of this run.
    schema: String,
    /// The first tokens of the nodes' NATS subjects.
    subjects: String,
}

/// Runs the benchmark on a schema of its own, dropped at the end whatever happened.
async fn run(args: &Args) -> Result<(), BoxError> {
    let pid = std::process::id();
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let services = Services {
        database_url: args.database_url.clone(),
        nats_url: args.nats_url.clone(),
        schema: format!("cluster_bench_{pid}_{nanos}"),
        subjects: format!("csms.bench_{pid}"),
    };
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "cluster_bench: nodes {NODE_A} and {NODE_B} on PostgreSQL schema {} with NATS \
         (subjects {}.*), {cpus} CPUs",
        services.schema, services.subjects
    );
    println!(
        "Wall-clock figures of a possibly busy machine: compare each with the baseline of \
         its part (the ratios)."
    );
    let measured = bench(args, &services).await;
    let dropped = drop_schema(&services).await;
    measured?;
    dropped
}

/// The three parts, on a fresh schema.
async fn bench(args: &Args, services: &Services) -> Result<(), BoxError> {
    progress("starting nodes A and B");
    let a = LocalNode::start(services, NODE_A).await?;
    let b = LocalNode::start(services, NODE_B).await?;
    let listed = create_tenant(&a.store, "listed", "LST").await?;
    let failover = create_tenant(&a.store, "failover", "FLV").await?;
    let started = Instant::now();
    let list_stations = args.list_stations as usize;
    let stations = args.stations as usize;
    register(&a.store, listed, list_stations, list_identity).await?;
    register(&a.store, failover, stations, failover_identity).await?;
    progress(&format!(
        "{} stations registered in {:.1} s",
        list_stations + stations,
        started.elapsed().as_secs_f64()
    ));
    let key = admin_key(&a.store, listed).await?;

    commands(args, &a, &b, listed).await?;
    listing(args, &a, &b, listed, &key).await?;
    a.stop().await;
    killed_node(args, services, &b, failover).await?;
    b.stop().await;
    Ok(())
}

/// Drops the schema of the run (again, when a station's last write deadlocks with it).
async fn drop_schema(services: &Services) -> Result<(), BoxError> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&services.database_url)
        .await?;
    let statement = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", services.schema);
    let mut attempt = 0;
    let dropped = loop {
        attempt += 1;
        match sqlx::query(&statement).execute(&pool).await {
            Ok(_) => break Ok(()),
            Err(error) if attempt >= 5 => break Err(error),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    pool.close().await;
    dropped.map_err(|error| format!("schema {} not dropped: {error}", services.schema).into())
}

/// A node in this process: its store, CSMS, cluster membership and OCPP server.
struct LocalNode {
    store: Arc<PostgresStore>,
    csms: Csms<PostgresStore>,
    node: Node<PostgresStore>,
    server: Arc<Server>,
}

impl LocalNode {
    /// Starts node `name` as a `csms` process does, with an OCPP server on a free port.
    async fn start(services: &Services, name: &str) -> Result<LocalNode, BoxError> {
        let store = Arc::new(
            PostgresStore::connect_in_schema(&services.database_url, &services.schema).await?,
        );
        let csms = Csms::new(
            Arc::clone(&store),
            CsmsConfig {
                node_id: name.to_owned(),
                ..CsmsConfig::default()
            },
        );
        let mut config = NodeConfig::new(name);
        config.subjects = services.subjects.clone();
        let node = Node::join(Arc::clone(&store), config, Some(services.nats_url.as_str())).await?;
        let server = Arc::new(
            Server::bind(
                "127.0.0.1:0",
                csms.server_config(),
                csms.router(),
                node.station_storage(csms.station_storage()),
            )
            .await?,
        );
        node.serve(&server).await?;
        Ok(LocalNode {
            store,
            csms,
            node,
            server,
        })
    }

    /// Where the stations of `tenant` connect to this node.
    fn url(&self, tenant: TenantId) -> String {
        format!("ws://{}/ocpp/{}", self.server.local_addr(), tenant.0)
    }

    /// Stops as a `csms` process does: the OCPP server, then leaves the cluster.
    async fn stop(self) {
        let LocalNode {
            store,
            node,
            server,
            ..
        } = self;
        // Another holder of the server (none is left by now) would stop it when dropped.
        if let Ok(server) = Arc::try_unwrap(server) {
            server.shutdown().await;
        }
        node.leave().await;
        store.close().await;
    }
}

/// A tenant whose stations connect without a password and whose unknown stations are
/// refused.
async fn create_tenant(
    store: &PostgresStore,
    name: &str,
    party_id: &str,
) -> Result<TenantId, BoxError> {
    let tenant = store
        .create_tenant(&NewTenant {
            name: name.to_owned(),
            role: TenantRole::Cpo,
            country_code: "NL".to_owned(),
            party_id: party_id.to_owned(),
            settings: TenantSettings {
                unknown_stations: UnknownStationPolicy::Reject,
                unsecured_stations: true,
                ..TenantSettings::default()
            },
        })
        .await?;
    Ok(tenant.id)
}

/// The identity of station `n` of part 1 and 2 (identities are unique across tenants).
fn list_identity(n: usize) -> String {
    format!("LIST-{n:05}")
}

/// The identity of station `n` of part 3.
fn failover_identity(n: usize) -> String {
    format!("FAIL-{n:05}")
}

/// Registers `count` accepted stations of `tenant`, named by `identity`.
async fn register(
    store: &PostgresStore,
    tenant: TenantId,
    count: usize,
    identity: fn(usize) -> String,
) -> Result<(), BoxError> {
    let created: Vec<_> = stream::iter(0..count)
        .map(|n| async move {
            store
                .create_station(tenant, &NewStation::accepted(identity(n)))
                .await
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    for station in created {
        station?;
    }
    Ok(())
}

/// An admin API key of `tenant`: `<prefix>.<secret>`.
async fn admin_key(store: &PostgresStore, tenant: TenantId) -> Result<String, BoxError> {
    let (prefix, secret) = generate_key()?;
    store
        .create_api_key(
            tenant,
            &NewApiKey {
                user_id: None,
                name: "cluster bench".to_owned(),
                prefix: prefix.clone(),
                secret_hash: PasswordHash::of_random_secret(&secret)?,
                roles: vec![Role::Admin],
                expires_at: None,
            },
        )
        .await?;
    Ok(format!("{prefix}.{secret}"))
}

/// What a station answers: it accepts every TriggerMessage.
fn station_router() -> Router {
    Router::new().on(|_ctx, _request: v16::TriggerMessageRequest| async {
        Ok(v16::TriggerMessageResponse {
            status: v16::TriggerMessageStatus::Accepted,
        })
    })
}

/// Connects an OCPP 1.6 station `identity` to `url` (trying again a few times when the
/// first attempts fail).
async fn connect_station(
    url: String,
    identity: String,
    reconnect: Option<Backoff>,
) -> Result<ChargePoint, ClientError> {
    let mut config = ChargePointConfig::new(url, identity);
    config.versions = vec![OcppVersion::V16];
    config.reconnect = reconnect;
    let mut attempt = 1;
    loop {
        match ChargePoint::connect(config.clone(), station_router()).await {
            Err(_) if attempt < CONNECT_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            connected => return connected,
        }
    }
}

/// Connects `count` stations, [`CONNECT_CONCURRENCY`] at a time, station `n` to the URL
/// `target(n)` gives with the identity it gives.
async fn connect_many(
    count: usize,
    target: impl Fn(usize) -> (String, String),
    reconnect: Option<Backoff>,
) -> Result<Vec<ChargePoint>, BoxError> {
    let connected: Vec<_> = stream::iter(0..count)
        .map(|n| {
            let (url, identity) = target(n);
            connect_station(url, identity, reconnect)
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let mut stations = Vec::with_capacity(count);
    for station in connected {
        stations.push(station.map_err(|error| format!("a station did not connect: {error}"))?);
    }
    Ok(stations)
}

/// How many stations of `tenant` the database shows online on A and on B.
async fn online(store: &PostgresStore, tenant: TenantId) -> Result<(i64, i64), BoxError> {
    let counts = sqlx::query_as::<_, (i64, i64)>(
        "SELECT count(*) FILTER (WHERE online AND node_id = $2), \
                count(*) FILTER (WHERE online AND node_id = $3) \
         FROM stations WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .bind(NODE_A)
    .bind(NODE_B)
    .fetch_one(store.pool())
    .await?;
    Ok(counts)
}

/// Polls `done` every 50 ms until it holds, for at most [`STATE_TIMEOUT`].
async fn wait_until<F>(what: &str, mut done: impl FnMut() -> F) -> Result<(), BoxError>
where
    F: Future<Output = Result<bool, BoxError>>,
{
    let deadline = Instant::now() + STATE_TIMEOUT;
    while !done().await? {
        if Instant::now() > deadline {
            return Err(format!("not in {} s: {what}", STATE_TIMEOUT.as_secs()).into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Prints a figure of the report under its label.
fn row(label: &str, value: impl std::fmt::Display) {
    println!("     {label:<48} {value}");
}

/// Says what the run is doing, on standard error.
fn progress(what: &str) {
    eprintln!("[cluster_bench] {what}");
}

/// Part 1: commands to a station on A, through A and through B.
async fn commands(
    args: &Args,
    a: &LocalNode,
    b: &LocalNode,
    tenant: TenantId,
) -> Result<(), BoxError> {
    let count = args.commands as usize;
    let identity = list_identity(0);
    progress(&format!(
        "part 1: {count} commands through each node to {identity} on A"
    ));
    let station = connect_station(a.url(tenant), identity.clone(), None).await?;
    wait_until("the station recorded on A", || async {
        let node = b.store.station_node(tenant, &identity).await?;
        Ok(node.as_deref() == Some(NODE_A))
    })
    .await?;
    let command = Command::TriggerMessage {
        message: "Heartbeat".to_owned(),
        evse: None,
        connector: None,
    };
    let address = admission::address(tenant, &identity);
    let (through_a, through_b) = (a.csms.commands(), b.csms.commands());
    let mut failed = Failures::default();

    let mut send = async |commands: &Commands<PostgresStore>,
                          node: &LocalNode,
                          samples: Option<&mut Vec<Duration>>| {
        let sent = commands.send(tenant, Actor::System, &identity, &node.node, &command);
        let (took, result) = timed(sent).await;
        failed.note(result?.outcome);
        if let Some(samples) = samples {
            samples.push(took);
        }
        Ok::<_, BoxError>(())
    };
    for _ in 0..WARMUP_COMMANDS {
        send(&through_a, a, None).await?;
        send(&through_b, b, None).await?;
    }
    let (mut local, mut remote) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for _ in 0..count {
        send(&through_a, a, Some(&mut local)).await?;
        send(&through_b, b, Some(&mut remote)).await?;
    }

    let mut route = async |node: &LocalNode, samples: Option<&mut Vec<Duration>>| {
        let (took, result) = timed(node.node.run_command(&address, &command)).await;
        failed.note(result.outcome);
        if let Some(samples) = samples {
            samples.push(took);
        }
    };
    for _ in 0..WARMUP_COMMANDS {
        route(a, None).await;
        route(b, None).await;
    }
    let (mut route_local, mut route_remote) =
        (Vec::with_capacity(count), Vec::with_capacity(count));
    for _ in 0..count {
        route(a, Some(&mut route_local)).await;
        route(b, Some(&mut route_remote)).await;
    }
    station.close().await;
    failed.report()?;

    println!();
    println!(
        "1. Command latency: TriggerMessage (Heartbeat) to one OCPP 1.6 station connected to \
         A, {count} through each node, one at a time, local and remote in turn"
    );
    println!(
        "   Commands::send, as the admin API runs every operator command (station looked up, \
         command run, audit row written):"
    );
    let (local, remote) = (Stats::of(&mut local), Stats::of(&mut remote));
    row("local  (through A, which holds the station)", local);
    row("remote (through B: NATS request-reply to A)", remote);
    row("remote / local", remote.ratio(&local));
    println!(
        "   CommandRoute::run_command alone (no lookup, no audit row; B reads where the \
         station is from the database, then asks A):"
    );
    let (route_local, route_remote) = (Stats::of(&mut route_local), Stats::of(&mut route_remote));
    row("local  (node A)", route_local);
    row("remote (node B)", route_remote);
    row("remote / local", route_remote.ratio(&route_local));
    Ok(())
}

/// Commands that were not accepted.
#[derive(Debug, Default)]
struct Failures {
    count: usize,
    first: Option<Outcome>,
}

impl Failures {
    fn note(&mut self, outcome: Outcome) {
        if outcome != Outcome::Accepted {
            self.count += 1;
            self.first.get_or_insert(outcome);
        }
    }

    /// Fails when a command was not accepted: the figures would not be those of commands.
    fn report(&self) -> Result<(), BoxError> {
        match self.first {
            None => Ok(()),
            Some(first) => Err(format!(
                "{} commands not accepted (the first: {first:?})",
                self.count
            )
            .into()),
        }
    }
}

/// Runs `future`, timing it.
async fn timed<T>(future: impl Future<Output = T>) -> (Duration, T) {
    let started = Instant::now();
    let output = future.await;
    (started.elapsed(), output)
}

/// Mean and percentiles of latencies.
#[derive(Debug, Clone, Copy)]
struct Stats {
    mean: Duration,
    p50: Duration,
    p99: Duration,
}

impl Stats {
    /// Of `samples` (sorted in place).
    fn of(samples: &mut [Duration]) -> Stats {
        samples.sort_unstable();
        let at = |p: f64| {
            let index = ((samples.len() as f64 * p) as usize).min(samples.len().saturating_sub(1));
            samples.get(index).copied().unwrap_or_default()
        };
        let total: Duration = samples.iter().sum();
        Stats {
            mean: total / u32::try_from(samples.len().max(1)).unwrap_or(u32::MAX),
            p50: at(0.50),
            p99: at(0.99),
        }
    }

    /// These figures as multiples of `baseline`'s.
    fn ratio(&self, baseline: &Stats) -> String {
        let times = |this: Duration, that: Duration| this.as_secs_f64() / that.as_secs_f64();
        format!(
            "mean {:>6.2}x     p50 {:>6.2}x     p99 {:>6.2}x",
            times(self.mean, baseline.mean),
            times(self.p50, baseline.p50),
            times(self.p99, baseline.p99)
        )
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "mean {:>7.3} ms  p50 {:>7.3} ms  p99 {:>7.3} ms",
            ms(self.mean),
            ms(self.p50),
            ms(self.p99)
        )
    }
}

/// Part 2: the station list through A's admin API, with no station connected and with all.
async fn listing(
    args: &Args,
    a: &LocalNode,
    b: &LocalNode,
    tenant: TenantId,
    key: &str,
) -> Result<(), BoxError> {
    let count = args.list_stations as usize;
    let requests = args.requests as usize;
    progress(&format!(
        "part 2: {requests} list requests in each state, {count} stations"
    ));
    let mut limits = ApiLimits::default();
    limits.rate_limit = None;
    let router = Api::new(Arc::clone(&a.store), Arc::new(a.node.clone()))
        .with_limits(limits.clone())
        .router();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let serving = tokio::spawn(async move {
        api::serve(listener, router, &limits, std::future::pending()).await;
    });

    let offline = list(addr, key, count, requests, false).await?;
    progress(&format!(
        "part 2: connecting {count} stations, half to A, half to B"
    ));
    let stations = connect_many(
        count,
        |n| {
            let node = if n % 2 == 0 { a } else { b };
            (node.url(tenant), list_identity(n))
        },
        None,
    )
    .await?;
    let on_a = count.div_ceil(2) as i64;
    wait_until("every station online in the database", || async {
        Ok(online(&a.store, tenant).await? == (on_a, count as i64 - on_a))
    })
    .await?;
    let connected = list(addr, key, count, requests, true).await?;
    drop(stations);
    wait_until("every station offline in the database", || async {
        Ok(online(&a.store, tenant).await? == (0, 0)
            && a.server.station_count() == 0
            && b.server.station_count() == 0)
    })
    .await?;
    let again = list(addr, key, count, requests, false).await?;
    serving.abort();

    println!();
    println!(
        "2. Station list: GET /stations?limit={PAGE_SIZE}&offset=... through A's admin API, \
         every page in turn, {requests} requests in each state, {count} stations in the tenant"
    );
    row("none connected", offline);
    let on_b = count as i64 - on_a;
    row(
        &format!("all connected ({on_a} on A, {on_b} on B)"),
        connected,
    );
    row("connected / none connected", connected.ratio(&offline));
    row("none connected again (drift check)", again);
    Ok(())
}

/// Lists the stations: one pass over every page, then `requests` measured requests, page
/// after page; checks that each page has its stations, online or not as `online` says.
async fn list(
    addr: SocketAddr,
    key: &str,
    count: usize,
    requests: usize,
    expect_online: bool,
) -> Result<Stats, BoxError> {
    // A fresh connection: the API closes those idle past its header read timeout.
    let mut http = Http::connect(addr, key).await?;
    let pages = count.div_ceil(PAGE_SIZE);
    let mut samples = Vec::with_capacity(requests);
    for n in 0..pages + requests {
        let offset = (n % pages) * PAGE_SIZE;
        let path = format!("/stations?limit={PAGE_SIZE}&offset={offset}");
        let (took, answer) = timed(http.get(&path)).await;
        let (status, body) = answer?;
        if status != 200 {
            return Err(format!("GET {path}: {status} {}", String::from_utf8_lossy(&body)).into());
        }
        let page: Value = serde_json::from_slice(&body)?;
        let items = page["items"].as_array().ok_or("a list without items")?;
        let expected = PAGE_SIZE.min(count - offset);
        let as_expected = items
            .iter()
            .filter(|station| station["online"] == expect_online)
            .count();
        if items.len() != expected || as_expected != expected {
            return Err(format!(
                "GET {path}: {} stations, {as_expected} of them with online = {expect_online}; \
                 {expected} expected",
                items.len()
            )
            .into());
        }
        if n >= pages {
            samples.push(took);
        }
    }
    Ok(Stats::of(&mut samples))
}

/// A minimal HTTP/1.1 client on one keep-alive connection, with an API key.
struct Http {
    connection: BufReader<TcpStream>,
    host: String,
    authorization: String,
}

impl Http {
    async fn connect(addr: SocketAddr, key: &str) -> Result<Http, BoxError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Http {
            connection: BufReader::new(stream),
            host: addr.to_string(),
            authorization: format!("Bearer {key}"),
        })
    }

    /// The status and body of `GET path`.
    async fn get(&mut self, path: &str) -> Result<(u16, Vec<u8>), BoxError> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\n\r\n",
            self.host, self.authorization
        );
        self.connection
            .get_mut()
            .write_all(request.as_bytes())
            .await?;
        let mut line = String::new();
        if self.connection.read_line(&mut line).await? == 0 {
            return Err("the API closed the connection".into());
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|status| status.parse().ok())
            .ok_or_else(|| format!("not an HTTP status line: {line:?}"))?;
        let mut length = None;
        loop {
            line.clear();
            if self.connection.read_line(&mut line).await? == 0 {
                return Err("the API closed the connection in the headers".into());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.ok_or("an answer without Content-Length")?];
        self.connection.read_exact(&mut body).await?;
        Ok((status, body))
    }
}

/// Part 3: node A, in a child process, killed with every station on it.
async fn killed_node(
    args: &Args,
    services: &Services,
    b: &LocalNode,
    tenant: TenantId,
) -> Result<(), BoxError> {
    let count = args.stations as usize;
    progress("part 3: starting node A in a child process, and the balancer");
    let mut node_a = Child::start(&[
        "--role",
        "node-a",
        "--database-url",
        &services.database_url,
        "--nats-url",
        &services.nats_url,
        "--schema",
        &services.schema,
        "--subjects",
        &services.subjects,
    ])
    .await?;
    let backends = format!("{},{}", node_a.addr, b.server.local_addr());
    let balancer = Child::start(&["--role", "balancer", "--backends", &backends]).await?;
    let url = format!("ws://{}/ocpp/{}", balancer.addr, tenant.0);

    progress(&format!(
        "part 3: connecting {count} stations through the balancer"
    ));
    let started = Instant::now();
    let stations = connect_many(
        count,
        |n| (url.clone(), failover_identity(n)),
        Some(RECONNECT),
    )
    .await?;
    wait_until("every station online on A in the database", || async {
        Ok(online(&b.store, tenant).await? == (count as i64, 0))
    })
    .await?;
    let cold_start = started.elapsed();
    if b.server.station_count() != 0 {
        return Err("stations connected to B while A was alive".into());
    }

    progress("part 3: killing node A (SIGKILL)");
    node_a.process.start_kill()?;
    let killed = Instant::now();
    let deadline = killed + FAILOVER_TIMEOUT;
    let since = || killed.elapsed();
    let server_side = async {
        let marks = [1, count.div_ceil(2), (count * 9).div_ceil(10), count];
        let mut reached = [None; 4];
        while reached[3].is_none() && Instant::now() < deadline {
            let on_b = b.server.station_count();
            for (mark, at) in marks.iter().zip(reached.iter_mut()) {
                if on_b >= *mark && at.is_none() {
                    *at = Some(since());
                }
            }
            tokio::time::sleep(SERVER_SAMPLE).await;
        }
        reached
    };
    let database_side = async {
        let (mut none_on_a, mut all_on_b, mut a_gone) = (None, None, None);
        while (none_on_a.is_none() || all_on_b.is_none() || a_gone.is_none())
            && Instant::now() < deadline
        {
            let (on_a, on_b) = online(&b.store, tenant).await?;
            let gone = b.store.node(NODE_A).await?.is_none();
            let now = since();
            if on_a == 0 {
                none_on_a.get_or_insert(now);
            }
            if on_b == count as i64 {
                all_on_b.get_or_insert(now);
            }
            if gone {
                a_gone.get_or_insert(now);
            }
            tokio::time::sleep(DATABASE_SAMPLE).await;
        }
        Ok::<_, BoxError>((none_on_a, all_on_b, a_gone))
    };
    let (server_side, database_side) = tokio::join!(server_side, database_side);
    let [first_on_b, half_on_b, ninety_on_b, all_on_b] = server_side;
    let (none_online_on_a, all_online_on_b, node_a_gone) = database_side?;
    let _ = node_a.process.wait().await;

    progress("part 3: disconnecting the stations");
    drop(stations);
    wait_until("every station disconnected from B", || async {
        Ok(b.server.station_count() == 0)
    })
    .await?;
    drop(balancer);

    let seconds = |at: Option<Duration>| match at {
        Some(at) => format!("{:>6.2} s", at.as_secs_f64()),
        None => format!("not within {} s", FAILOVER_TIMEOUT.as_secs()),
    };
    let config = NodeConfig::new(NODE_A);
    println!();
    println!(
        "3. Node A killed (SIGKILL) holding {count} stations, behind a TCP balancer (A, else B); \
         stations reconnect {} ms after a drop, doubling to {} s; lease {} s, heartbeat {} s",
        RECONNECT.initial.as_millis(),
        RECONNECT.max.as_secs(),
        config.lease.as_secs(),
        config.heartbeat.as_secs()
    );
    println!(
        "   baseline: cold start, {count} stations connected through the balancer to A, \
         {CONNECT_CONCURRENCY} at a time, and online in the database: {:.2} s",
        cold_start.as_secs_f64()
    );
    println!("   from the kill:");
    row("first station connected to B", seconds(first_on_b));
    row(
        "50% / 90% / 100% connected to B (B's server)",
        format!(
            "{} / {} / {}",
            seconds(half_on_b),
            seconds(ninety_on_b),
            seconds(all_on_b)
        ),
    );
    row(
        &format!("all {count} online on B in the database"),
        seconds(all_online_on_b),
    );
    row(
        "none online on A in the database",
        seconds(none_online_on_a),
    );
    // A renewed its lease up to a heartbeat before the kill; B looks every heartbeat.
    let (earliest, latest) = (
        config.lease - config.heartbeat,
        config.lease + config.heartbeat,
    );
    row(
        "A taken out of the cluster (its node row gone)",
        format!(
            "{}   (expected {}-{} s: lease -/+ heartbeat)",
            seconds(node_a_gone),
            earliest.as_secs(),
            latest.as_secs()
        ),
    );
    if let (Some(all), Some(gone)) = (all_online_on_b, node_a_gone) {
        println!(
            "   all online on B / cold start {:.2}x; A taken out / lease {:.2}x",
            all.as_secs_f64() / cold_start.as_secs_f64(),
            gone.as_secs_f64() / config.lease.as_secs_f64()
        );
    }
    let recovered = [all_on_b, all_online_on_b, none_online_on_a, node_a_gone];
    if recovered.iter().any(Option::is_none) {
        return Err(format!(
            "the cluster did not recover within {} s",
            FAILOVER_TIMEOUT.as_secs()
        )
        .into());
    }
    Ok(())
}

/// A child process of this example (`--role ...`), killed when dropped; it ends by itself
/// when this process goes away (its standard input closes).
struct Child {
    process: tokio::process::Child,
    /// The address it listens on.
    addr: String,
}

impl Child {
    /// Runs this program again with `args` and waits for the address it listens on.
    async fn start(args: &[&str]) -> Result<Child, BoxError> {
        let mut process = tokio::process::Command::new(std::env::current_exe()?)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = process.stdout.take().ok_or("no standard output")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(STATE_TIMEOUT, lines.next_line())
            .await
            .map_err(|_| "a child process was not ready in time")??
            .ok_or("a child process ended before it was ready")?;
        let addr = line
            .strip_prefix("listening ")
            .ok_or_else(|| format!("a child process said {line:?}"))?
            .to_owned();
        Ok(Child { process, addr })
    }
}

/// Tells the parent where this child listens, then ends when the parent's end of standard
/// input closes (the parent is gone).
fn listening(addr: SocketAddr) -> Result<(), BoxError> {
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening {addr}")?;
    stdout.flush()?;
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    Ok(())
}

/// `--role node-a`: node A, until killed.
async fn serve_node_a(args: &Args) -> Result<(), BoxError> {
    let services = Services {
        database_url: args.database_url.clone(),
        nats_url: args.nats_url.clone(),
        schema: args.schema.clone().ok_or("--schema is needed")?,
        subjects: args.subjects.clone().ok_or("--subjects is needed")?,
    };
    let node = LocalNode::start(&services, NODE_A).await?;
    listening(node.server.local_addr())?;
    std::future::pending::<()>().await;
    Ok(())
}

/// `--role balancer`: a TCP balancer that sends each connection to the first of `backends`
/// that accepts it.
async fn balance(backends: Vec<String>) -> Result<(), BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    listening(listener.local_addr()?)?;
    let backends = Arc::new(backends);
    loop {
        let Ok((mut client, _)) = listener.accept().await else {
            // Out of file descriptors for a moment: the station tries again later.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let backends = Arc::clone(&backends);
        tokio::spawn(async move {
            for backend in backends.iter() {
                if let Ok(mut node) = TcpStream::connect(backend).await {
                    let _ = client.set_nodelay(true);
                    let _ = node.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut node).await;
                    return;
                }
            }
        });
    }
}
