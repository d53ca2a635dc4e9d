//! The reference CSMS: OCPP 1.6, 2.0.1 and 2.1 stations at
//! `ws://OCPP/ocpp/<tenant>/<station-id>` (and `wss://` with TLS), the admin HTTP API at
//! `http://API/` (OpenAPI document at `/openapi.json`), Prometheus metrics at
//! `http://METRICS/metrics` when asked for, on SQLite (the default, a file in the data
//! directory) or PostgreSQL.
//!
//! ```text
//! cargo run --example csms -- [--demo] [--data-dir DIR | --database FILE | --database-url URL]
//!     [--database-schema NAME] [--listen-ocpp 127.0.0.1:9000] [--listen-api 127.0.0.1:8080]
//!     [--system-key KEY] [--listen-metrics 127.0.0.1:9100] [--secret-key-file FILE]
//!     [--ocpi-url https://cpo.example.com/ocpi] [--nats-url URL] [--node-id NAME]
//!     [--listen-ocpp-tls ADDR --tls-cert PEM --tls-key PEM [--tls-client-ca PEM] [--tls-crl PEM]]
//! ```
//!
//! Each option can also be given as an environment variable, `CSMS_` and its name in capitals
//! with `_` for `-` (`CSMS_DATABASE_URL`, `CSMS_LISTEN_OCPP`, `CSMS_DEMO=true`, ...); the
//! command line wins. Options that do not go together (two databases, a schema without a
//! PostgreSQL URL, a TLS listener without its certificate and key, a CRL without client CA)
//! are refused with exit status 2, like unknown ones; `--help` describes them all.
//!
//! Stations connect at `/ocpp/<tenant>/<identity>`, `<tenant>` being their tenant's number,
//! and each is admitted only with what its own security profile requires: 1, its Basic
//! password; 2, TLS plus its password; 3, TLS with a client certificate whose common name
//! is its identity. Profile 0 (nothing) only in tenants whose `unsecured_stations` setting
//! allows it.
//!
//! - `--listen-ocpp-tls ADDR` with `--tls-cert` (the server's certificate chain) and
//!   `--tls-key` (its private key): a second listener, for `wss://` stations (profiles 2
//!   and 3, and 1). `--tls-client-ca` names the authorities that issue station
//!   certificates (profile 3; stations without a certificate are still served, and
//!   admitted by their own profile), `--tls-crl` their revocation lists.
//!
//! - `--data-dir DIR`: the SQLite file is `DIR/csms.db` (default: the working directory);
//!   `--database FILE` names the file itself; `--database-url` takes `sqlite:...` or
//!   `postgres://...` URLs. With PostgreSQL, `--database-schema NAME` keeps everything in
//!   that schema (created if missing), so several installations can share one database.
//! - `--secret-key-file FILE`: the key (64 hexadecimal digits) that webhook signing secrets
//!   and roaming partners' tokens are encrypted with in the database; made when the file does
//!   not exist, readable by its owner only. Default: `secret.key` beside the SQLite file; with
//!   `--database-url`, no default (webhooks cannot be created without one, nor partners
//!   registered). Keep it out of database backups. Secrets an earlier version kept in clear
//!   are sealed at start.
//! - Events (sessions, CDRs, connector status, locations, tariffs, station connections) are
//!   written to the outbox with the changes they report and delivered to the tenants'
//!   webhooks (`POST /webhooks`), signed per Standard Webhooks, by a worker in the process.
//! - OCPI 2.2.1 (the CPO role, and 2.1.1) is served under `/ocpi` on the API's listener:
//!   versions, credentials in both directions, Locations, Tariffs, Sessions and CDRs
//!   (Sender), Tokens (Receiver); sessions, CDRs, EVSE statuses, locations and tariffs are
//!   pushed to partners (in 2.1.1 to those that speak it). `--ocpi-url URL` is the public
//!   URL of `/ocpi` that partners use (behind a proxy, say); default
//!   `http://<api address>/ocpi`. Partners are added through the API
//!   (`POST /roaming-partners`).
//! - `--system-key KEY`: the key that creates tenants through the API (`POST /tenants`);
//!   without it, a random one is made and printed.
//! - `--listen-metrics ADDR`: serves Prometheus metrics at `http://ADDR/metrics`, on a
//!   listener of their own (no key: keep it on a private address). Without it, no metrics
//!   are served or collected.
//! - The API is served with `csms_core::api::serve` and the default `ApiLimits`: request
//!   headers within 10 s, bodies up to 1 MiB, 256 requests in flight, 60 s per request, a
//!   burst of 1000 then 200 requests a second per key.
//! - `--demo`: makes (or finds, when run again on the same database) a demo tenant, which
//!   allows unsecured stations, with a location, stations `DEMO-1` and `DEMO-2` (security
//!   profile 0, accepted), tokens
//!   `DEMOTAG1` (accepted) and `DEMOTAG2` (blocked), a tariff of 0.30 EUR/kWh plus 1.00 EUR
//!   per session with 21% VAT as the tenant's default, and a fresh admin API key, and prints
//!   the key and how to connect the simulated station.
//! - `--nats-url URL`: the NATS server of a cluster of csms processes sharing one PostgreSQL
//!   database (and schema); without it the process runs alone. `--node-id NAME` names this
//!   process among them: 1 to 64 ASCII letters, digits, `-` and `_` (default:
//!   `<host>-<pid>`). Every node shows every station online with the node holding it,
//!   commands through any node's API reach the station wherever it is connected, a station
//!   that moves to another node has its old connection closed, background work runs on
//!   one node at a time (see `csms_core::cluster`). The nodes' NATS subjects start with
//!   `csms`, or `csms.<schema>` with `--database-schema`, so that installations can share
//!   one NATS server. Give every node the same `--secret-key-file`. Alone too, the process
//!   keeps a lease in the database, so that stations a killed process left online are shown
//!   offline within seconds.
//!
//! Once the listeners are up it prints one line `csms ready ocpp=ADDR api=ADDR`, with
//! ` metrics=ADDR` and ` ocpp-tls=ADDR` after them when those are served (a port of 0 picks
//! a free one). Logs go to standard error, filtered by `RUST_LOG` (`EnvFilter` directives
//! such as `debug` or `info,sqlx=warn`; `info` when unset or empty). Ctrl-C (SIGINT) or
//! SIGTERM stops it cleanly: the listeners close, the background workers stop and the
//! stations are disconnected, and it exits with status 0.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::builder::{BoolishValueParser, NonEmptyStringValueParser};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use ev_backend::csms_core::api::axum::{self, routing::get};
use ev_backend::csms_core::api::{Api, ApiLimits, generate_key};
use ev_backend::csms_core::cluster::{self, Node, NodeConfig};
use ev_backend::csms_core::model::{
    Address, Connector, ConnectorStatus, Coordinates, Evse, NewApiKey, NewLocation, NewStation,
    NewTenant, NewToken, OpeningHours, Role, TariffScope, TenantId, TenantRole, TenantSettings,
    TokenKind, TokenStatus,
};
use ev_backend::csms_core::ocpp::{Csms, CsmsConfig};
use ev_backend::csms_core::outbox::{DeliveryConfig, WebhookSender};
use ev_backend::csms_core::roaming;
use ev_backend::csms_core::store::Page;
use ev_backend::csms_core::store::{PostgresStore, SecretKey, SqliteStore, Store, StoreError};
use ev_backend::csms_core::tariff::{Decimal, simple};
use ev_backend::ocpi_types::common::CiString;
use ev_backend::ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};
use ev_backend::ocpp_server::server::Server;
use ev_backend::ocpp_server::storage::PasswordHash;
use ev_backend::ocpp_server::tls::{self, ClientCertificates};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tracing::info;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// mimalloc: small allocations on several threads cost much less than with the system's
/// allocator (see the README's performance figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The reference CSMS: OCPP 1.6, 2.0.1 and 2.1 stations, the admin HTTP API and OCPI, on
/// SQLite or PostgreSQL.
///
/// Each option can also be given as the environment variable named after it (the command
/// line wins), such as CSMS_DATABASE_URL for --database-url and CSMS_DEMO=true for --demo.
/// Logs go to standard error, filtered by RUST_LOG (default: info). SIGTERM stops it cleanly,
/// as Ctrl-C does.
#[derive(Parser)]
#[command(name = "csms")]
struct Args {
    /// Makes (or finds, on the same database) a demo tenant with stations, tokens, a tariff
    /// and a fresh admin key, and prints how to connect the simulated station.
    #[arg(long, env = "CSMS_DEMO", value_parser = BoolishValueParser::new())]
    demo: bool,
    /// The directory of the SQLite file, DIR/csms.db (default: the working directory).
    #[arg(
        long,
        env = "CSMS_DATA_DIR",
        value_name = "DIR",
        conflicts_with_all = ["database", "database_url"]
    )]
    data_dir: Option<PathBuf>,
    /// The SQLite file itself.
    #[arg(
        long,
        env = "CSMS_DATABASE",
        value_name = "FILE",
        conflicts_with = "database_url"
    )]
    database: Option<PathBuf>,
    /// The database, as a sqlite: or postgres:// URL.
    #[arg(
        long,
        env = "CSMS_DATABASE_URL",
        value_name = "URL",
        value_parser = Database::from_url,
        hide_env_values = true
    )]
    database_url: Option<Database>,
    /// The PostgreSQL schema to keep everything in (created if missing), so that several
    /// installations can share one database.
    #[arg(
        long,
        env = "CSMS_DATABASE_SCHEMA",
        value_name = "NAME",
        requires = "database_url",
        value_parser = NonEmptyStringValueParser::new()
    )]
    database_schema: Option<String>,
    /// Where stations connect, at ws://ADDR/ocpp/<tenant>/<identity>.
    #[arg(
        long,
        env = "CSMS_LISTEN_OCPP",
        value_name = "ADDR",
        default_value = "127.0.0.1:9000",
        value_parser = NonEmptyStringValueParser::new()
    )]
    listen_ocpp: String,
    /// Where the admin HTTP API (and OCPI, under /ocpi) is served.
    #[arg(
        long,
        env = "CSMS_LISTEN_API",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080",
        value_parser = NonEmptyStringValueParser::new()
    )]
    listen_api: String,
    /// Where Prometheus metrics are served, at http://ADDR/metrics, without a key (keep it on
    /// a private address); without it, no metrics are served or collected.
    #[arg(
        long,
        env = "CSMS_LISTEN_METRICS",
        value_name = "ADDR",
        value_parser = NonEmptyStringValueParser::new()
    )]
    listen_metrics: Option<String>,
    /// The key that creates tenants through the API; without it, a random one is made and
    /// printed.
    #[arg(
        long,
        env = "CSMS_SYSTEM_KEY",
        value_name = "KEY",
        hide_env_values = true,
        value_parser = NonEmptyStringValueParser::new()
    )]
    system_key: Option<String>,
    /// The file of the key that webhook signing secrets and roaming partners' tokens are
    /// sealed with in the database, made when missing (default: secret.key beside the SQLite
    /// file; with --database-url, none, and webhooks cannot be created nor partners
    /// registered).
    #[arg(long, env = "CSMS_SECRET_KEY_FILE", value_name = "FILE")]
    secret_key_file: Option<PathBuf>,
    /// The public URL of the OCPI endpoints, which roaming partners use (default:
    /// http://<api address>/ocpi).
    #[arg(
        long,
        env = "CSMS_OCPI_URL",
        value_name = "URL",
        value_parser = NonEmptyStringValueParser::new()
    )]
    ocpi_url: Option<String>,
    /// The NATS server of a cluster of csms processes sharing one PostgreSQL database;
    /// without it the process runs alone.
    #[arg(
        long,
        env = "CSMS_NATS_URL",
        value_name = "URL",
        hide_env_values = true,
        value_parser = NonEmptyStringValueParser::new()
    )]
    nats_url: Option<String>,
    /// This process's name among the nodes of a cluster: 1 to 64 ASCII letters, digits, '-'
    /// and '_' (default: the host name and the process id, <host>-<pid>).
    #[arg(
        long,
        env = "CSMS_NODE_ID",
        value_name = "NAME",
        value_parser = node_id_arg,
        default_value_t = default_node_id(),
        hide_default_value = true
    )]
    node_id: String,
    /// The TLS listener, if any.
    #[command(flatten)]
    tls: TlsArgs,
}

/// What the command line says of the TLS listener for `wss://` stations.
#[derive(clap::Args)]
#[command(next_help_heading = "TLS listener")]
struct TlsArgs {
    /// A second listener for stations, with TLS (wss://): security profiles 2 and 3, and 1.
    #[arg(
        long = "listen-ocpp-tls",
        env = "CSMS_LISTEN_OCPP_TLS",
        value_name = "ADDR",
        requires_all = ["certificate", "key"],
        value_parser = NonEmptyStringValueParser::new()
    )]
    listen: Option<String>,
    /// The server's certificate chain (PEM).
    #[arg(long = "tls-cert", env = "CSMS_TLS_CERT", value_name = "PEM")]
    certificate: Option<PathBuf>,
    /// The server's private key (PEM).
    #[arg(long = "tls-key", env = "CSMS_TLS_KEY", value_name = "PEM")]
    key: Option<PathBuf>,
    /// The authorities that issue station certificates (security profile 3); stations
    /// without a certificate are still served, and admitted by their own profile.
    #[arg(long = "tls-client-ca", env = "CSMS_TLS_CLIENT_CA", value_name = "PEM")]
    client_ca: Option<PathBuf>,
    /// The revocation lists of station certificates (PEM).
    #[arg(
        long = "tls-crl",
        env = "CSMS_TLS_CRL",
        value_name = "PEM",
        requires = "client_ca"
    )]
    crl: Option<PathBuf>,
}

/// The store's database: a SQLite file, or a SQLite or PostgreSQL URL.
#[derive(Clone)]
enum Database {
    SqliteFile(PathBuf),
    SqliteUrl(String),
    PostgresUrl(String),
}

impl Database {
    /// A `--database-url`: `sqlite:...` or `postgres://...` (`postgresql://...`).
    fn from_url(url: &str) -> Result<Database, String> {
        if url.starts_with("sqlite:") {
            Ok(Database::SqliteUrl(url.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Database::PostgresUrl(url.to_owned()))
        } else {
            Err("sqlite: or postgres:// URLs only".to_owned())
        }
    }
}

/// The longest node name.
const NODE_ID_MAX: usize = 64;

fn is_node_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A node name as given: 1 to 64 ASCII letters, digits, `-` and `_`.
fn node_id_arg(name: &str) -> Result<String, String> {
    if cluster::valid_node_id(name) {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "1 to {NODE_ID_MAX} ASCII letters, digits, '-' and '_' expected"
        ))
    }
}

/// The first tokens of the nodes' NATS subjects: `csms`, and the schema's name (what a
/// subject token cannot hold replaced by `_`) when there is one.
fn subjects(schema: Option<&str>) -> String {
    match schema {
        Some(schema) => {
            let token: String = schema
                .chars()
                .map(|c| if is_node_id_char(c) { c } else { '_' })
                .take(NODE_ID_MAX)
                .collect();
            format!("csms.{token}")
        }
        None => "csms".to_owned(),
    }
}

/// This process's node name when none is given, `<host>-<pid>`: the host name with what a
/// node name cannot hold replaced by `-`, shortened to fit, and `csms` when it is unknown.
fn default_node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|host| host.trim().to_owned())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "csms".to_owned());
    let pid = format!("-{}", std::process::id());
    host.chars()
        .map(|c| if is_node_id_char(c) { c } else { '-' })
        .take(NODE_ID_MAX - pid.len())
        .chain(pid.chars())
        .collect()
}

impl Args {
    /// The command line and the environment, checked; exits with a usage error (status 2)
    /// on options that do not go together.
    fn parse_checked() -> Args {
        let args = Args::parse();
        if args.database_schema.is_some()
            && !matches!(args.database_url, Some(Database::PostgresUrl(_)))
        {
            Args::command()
                .error(
                    ErrorKind::ArgumentConflict,
                    "--database-schema needs a postgres:// --database-url",
                )
                .exit();
        }
        if args.nats_url.is_some() && !matches!(args.database_url, Some(Database::PostgresUrl(_))) {
            Args::command()
                .error(
                    ErrorKind::ArgumentConflict,
                    "--nats-url needs a postgres:// --database-url: the nodes of a cluster \
                     share one PostgreSQL database",
                )
                .exit();
        }
        args
    }

    /// The store's database: the URL, the file or the file in the data directory.
    fn database(&self) -> Database {
        match (&self.database_url, &self.database, &self.data_dir) {
            (Some(url), _, _) => url.clone(),
            (None, Some(file), _) => Database::SqliteFile(file.clone()),
            (None, None, dir) => {
                Database::SqliteFile(dir.as_deref().unwrap_or(Path::new("")).join("csms.db"))
            }
        }
    }
}

/// `url` without the user name and password it may carry, to be logged.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{}", &rest[authority_end..]),
        None => url.to_owned(),
    }
}

#[tokio::main]
async fn main() {
    // What went wrong, in words (a database or NATS server that cannot be reached, a
    // listener's address in use), and exit status 1.
    if let Err(error) = start().await {
        eprintln!("csms: {error}");
        std::process::exit(1);
    }
}

async fn start() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse_checked();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::builder()
                .with_default_directive(LevelFilter::INFO.into())
                .from_env_lossy(),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    // Without a metrics listener no recorder is installed: nothing collects what nobody reads.
    let prometheus = match &args.listen_metrics {
        Some(_) => Some(PrometheusBuilder::new().install_recorder()?),
        None => None,
    };
    let database = args.database();
    let secret_key = match (&args.secret_key_file, &database) {
        (Some(path), _) => Some(SecretKey::load_or_create(path)?),
        (None, Database::SqliteFile(database)) => Some(SecretKey::load_or_create(
            database.with_file_name("secret.key"),
        )?),
        (None, _) => {
            tracing::warn!(
                "no --secret-key-file: webhooks cannot be created, nor roaming partners registered"
            );
            None
        }
    };
    match database {
        Database::SqliteFile(path) => {
            info!(path = %path.display(), "SQLite store");
            let mut store = SqliteStore::open(&path).await?;
            if let Some(key) = secret_key {
                store = store.with_secret_key(key);
                sealed_at_start(store.seal_secrets_kept_in_clear().await?);
            }
            run(Arc::new(store), &args, prometheus).await
        }
        Database::SqliteUrl(url) => {
            let mut store = SqliteStore::connect(&url).await?;
            if let Some(key) = secret_key {
                store = store.with_secret_key(key);
                sealed_at_start(store.seal_secrets_kept_in_clear().await?);
            }
            run(Arc::new(store), &args, prometheus).await
        }
        Database::PostgresUrl(url) => {
            info!(schema = args.database_schema, "PostgreSQL store");
            let mut store = match &args.database_schema {
                Some(schema) => PostgresStore::connect_in_schema(&url, schema).await?,
                None => PostgresStore::connect(&url).await?,
            };
            if let Some(key) = secret_key {
                store = store.with_secret_key(key);
                sealed_at_start(store.seal_secrets_kept_in_clear().await?);
            }
            run(Arc::new(store), &args, prometheus).await
        }
    }
}

/// Logs how many secrets an earlier version had kept in clear were sealed at start.
fn sealed_at_start(sealed: usize) {
    if sealed > 0 {
        info!(sealed, "secrets kept in clear by an earlier version sealed");
    }
}

async fn run<S: Store + 'static>(
    store: Arc<S>,
    args: &Args,
    prometheus: Option<PrometheusHandle>,
) -> Result<(), Box<dyn std::error::Error>> {
    let system_key = match &args.system_key {
        Some(key) => key.clone(),
        None => {
            let (prefix, secret) = generate_key()?;
            let key = format!("system.{prefix}{secret}");
            println!("system key (creates tenants, this run only): {key}");
            key
        }
    };
    let demo = if args.demo {
        Some(demo(store.as_ref()).await?)
    } else {
        None
    };

    let csms = Csms::new(
        Arc::clone(&store),
        CsmsConfig {
            node_id: args.node_id.clone(),
            ..CsmsConfig::default()
        },
    );
    // This process as a node: alone, or with the others through NATS.
    let mut node_config = NodeConfig::new(&args.node_id);
    node_config.subjects = subjects(args.database_schema.as_deref());
    let node = Node::join(Arc::clone(&store), node_config, args.nats_url.as_deref()).await?;
    // The reconciliation job: sessions that ended without their CDR or their count on the
    // token (the process stopped between a stop and what follows it) are settled at start
    // and every minute after, by one node of the cluster at a time.
    let settling = {
        let csms = csms.clone();
        let node = node.clone();
        tokio::spawn(async move {
            let every_minute = std::time::Duration::from_secs(60);
            let mut every = tokio::time::interval(every_minute);
            loop {
                every.tick().await;
                if !node
                    .holds_duty("settle-ended-sessions", 2 * every_minute + every_minute / 2)
                    .await
                {
                    continue;
                }
                if let Err(error) = csms
                    .settle_ended_sessions(chrono::Duration::seconds(30))
                    .await
                {
                    tracing::warn!(%error, "ended sessions not settled");
                }
            }
        })
    };
    // The outbox's events out to the tenants' webhooks and roaming partners.
    let (stop_delivering, delivering_stopped) = tokio::sync::watch::channel(false);
    let delivering = {
        let sender = WebhookSender::new(Arc::clone(&store), DeliveryConfig::default())?;
        let mut stopped = delivering_stopped.clone();
        tokio::spawn(async move {
            sender
                .run(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        })
    };
    let pushing = {
        let pusher = roaming::PartnerPusher::new(Arc::clone(&store), DeliveryConfig::default())?;
        let mut stopped = delivering_stopped;
        tokio::spawn(async move {
            pusher
                .run(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        })
    };
    let server = Arc::new(
        Server::bind(
            &args.listen_ocpp,
            csms.server_config(),
            csms.router(),
            node.station_storage(csms.station_storage()),
        )
        .await?,
    );
    node.serve(&server).await?;
    let ocpp_addr = server.local_addr();
    let tls_addr = match &args.tls.listen {
        Some(listen) => Some(server.listen(listen, Some(tls_config(&args.tls)?)).await?),
        None => None,
    };

    let limits = ApiLimits::default();
    let listener = TcpListener::bind(&args.listen_api).await?;
    let api_addr = listener.local_addr()?;
    // OCPI under /ocpi on the API's listener, at the public URL partners use.
    let ocpi_url = match &args.ocpi_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{api_addr}/ocpi"),
    };
    // Partners' and operators' commands reach the stations through the node: here, or on
    // the node holding them (the node holds the server weakly: it still shuts down below).
    let ocpi = roaming::cpo_server(
        Arc::clone(&store),
        roaming::server_config(&ocpi_url),
        Some(Arc::new(node.clone())),
    )?;
    let router = Api::new(Arc::clone(&store), Arc::new(node.clone()))
        .with_system_key(system_key)
        .with_limits(limits.clone())
        .with_roaming(Arc::new(ocpi))
        .router();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut metrics_addr = String::new();
    let mut metrics_task = None;
    if let (Some(addr), Some(prometheus)) = (&args.listen_metrics, prometheus) {
        let metrics_listener = TcpListener::bind(addr).await?;
        metrics_addr = format!(" metrics={}", metrics_listener.local_addr()?);
        metrics_task = Some(tokio::spawn(serve_metrics(
            metrics_listener,
            prometheus,
            stopped,
        )));
    }

    if let Some((tenant, key)) = demo {
        print_demo(tenant, &key, ocpp_addr, api_addr);
    }
    // Before saying it is ready, so that a signal sent upon that line is not lost.
    let shutdown = stop_signal()?;
    let tls_field = tls_addr.map_or(String::new(), |addr| format!(" ocpp-tls={addr}"));
    println!("csms ready ocpp={ocpp_addr} api={api_addr}{metrics_addr}{tls_field}");
    info!(
        %ocpp_addr,
        %api_addr,
        ?tls_addr,
        node_id = %args.node_id,
        nats_url = args.nats_url.as_deref().map(without_credentials),
        "CSMS ready"
    );

    ev_backend::csms_core::api::serve(listener, router, &limits, shutdown).await;
    let _ = stop.send(true);
    if let Some(task) = metrics_task {
        let _ = task.await;
    }
    settling.abort();
    let _ = stop_delivering.send(true);
    let _ = delivering.await;
    let _ = pushing.await;
    info!(stations = server.station_count(), "shutting down");
    if let Ok(server) = Arc::try_unwrap(server) {
        server.shutdown().await;
    }
    node.leave().await;
    Ok(())
}

/// Resolves at the first Ctrl-C (SIGINT) or SIGTERM. The handlers are installed at once, not
/// when the future is first polled, so a signal that comes in between is not missed.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => info!("interrupted"),
            _ = terminate.recv() => info!("terminated"),
        }
    })
}

/// Resolves at the first Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Serves `/metrics` on `listener` until `stop` turns true, and renders what was recorded
/// every few seconds even when nobody scrapes, so that it does not pile up.
async fn serve_metrics(
    listener: TcpListener,
    prometheus: PrometheusHandle,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let upkeep = prometheus.clone();
    let upkeep = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    let router = axum::Router::new().route(
        "/metrics",
        get(move || {
            let prometheus = prometheus.clone();
            async move { prometheus.render() }
        }),
    );
    let shutdown = async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    ev_backend::csms_core::api::serve(listener, router, &ApiLimits::default(), shutdown).await;
    upkeep.abort();
}

/// The TLS settings of the command line: the server's certificate and key, and, with a
/// client CA, optional client certificates (revoked ones refused with a CRL).
fn tls_config(
    args: &TlsArgs,
) -> Result<Arc<tls::rustls::ServerConfig>, Box<dyn std::error::Error>> {
    let (Some(certificate), Some(key)) = (&args.certificate, &args.key) else {
        unreachable!("--listen-ocpp-tls requires --tls-cert and --tls-key");
    };
    let crls = match &args.crl {
        Some(path) => tls::read_crls(path)?,
        None => Vec::new(),
    };
    let clients = match &args.client_ca {
        Some(path) => ClientCertificates::Optional {
            roots: tls::read_roots(path)?,
            crls,
        },
        None => ClientCertificates::None,
    };
    Ok(tls::listener_config(
        tls::read_certificates(certificate)?,
        tls::read_private_key(key)?,
        clients,
    )?)
}

fn print_demo(tenant: TenantId, key: &str, ocpp: SocketAddr, api: SocketAddr) {
    println!("demo admin key: {key}");
    println!("connect the simulated station:");
    println!(
        "  cargo run --example charge_point -- --url ws://{ocpp}/ocpp/{tenant} --id DEMO-1 --version 1.6 --id-tag DEMOTAG1"
    );
    println!("then look at it:");
    println!("  curl -H 'Authorization: Bearer {key}' http://{api}/stations");
    println!("  curl -H 'Authorization: Bearer {key}' http://{api}/sessions");
}

/// The demo tenant: the first tenant named as it is.
const DEMO_TENANT: &str = "Demo CPO";

/// The demo tenant's objects, made once: found by the tenant's name when they exist.
/// Returns the tenant and a fresh admin key of it.
async fn demo<S: Store>(store: &S) -> Result<(TenantId, String), Box<dyn std::error::Error>> {
    let mut found = None;
    let mut page = Page {
        offset: 0,
        limit: 100,
    };
    while found.is_none() {
        let tenants = store.list_tenants(page).await?;
        if tenants.items.is_empty() {
            break;
        }
        page.offset += tenants.items.len() as u64;
        found = tenants.items.into_iter().find(|t| t.name == DEMO_TENANT);
    }
    let tenant = match found {
        Some(tenant) => {
            info!(tenant = %tenant.id, "demo tenant found");
            tenant.id
        }
        None => {
            let tenant = store
                .create_tenant(&NewTenant {
                    name: DEMO_TENANT.to_owned(),
                    role: TenantRole::Cpo,
                    country_code: "NL".to_owned(),
                    party_id: "DEM".to_owned(),
                    settings: TenantSettings {
                        time_zone: "Europe/Amsterdam".to_owned(),
                        // DEMO-1 and DEMO-2 connect without credentials.
                        unsecured_stations: true,
                        ..TenantSettings::default()
                    },
                })
                .await?;
            info!(tenant = %tenant.id, "demo tenant created");
            tenant.id
        }
    };
    demo_objects(store, tenant).await?;

    let (prefix, secret) = generate_key()?;
    store
        .create_api_key(
            tenant,
            &NewApiKey {
                user_id: None,
                name: "demo admin".to_owned(),
                prefix: prefix.clone(),
                secret_hash: PasswordHash::of_random_secret(&secret)?,
                roles: vec![Role::Admin],
                expires_at: None,
            },
        )
        .await?;
    Ok((tenant, format!("{prefix}.{secret}")))
}

async fn demo_objects<S: Store>(store: &S, tenant: TenantId) -> Result<(), StoreError> {
    let location = match store.station_by_identity(tenant, "DEMO-1").await? {
        Some(station) => station.location_id,
        None => {
            let location = store
                .create_location(
                    tenant,
                    &NewLocation {
                        name: "Demo garage".to_owned(),
                        address: Address {
                            street: "Stationsplein 1".to_owned(),
                            postal_code: Some("1012 AB".to_owned()),
                            city: "Amsterdam".to_owned(),
                            state: None,
                            country: "NLD".to_owned(),
                        },
                        coordinates: Some(Coordinates {
                            latitude: Decimal::new(52_378_900, 6),
                            longitude: Decimal::new(4_900_200, 6),
                        }),
                        time_zone: "Europe/Amsterdam".to_owned(),
                        opening_hours: OpeningHours::default(),
                        parking_spots: Vec::new(),
                    },
                )
                .await?;
            Some(location.id)
        }
    };
    for (n, identity) in ["DEMO-1", "DEMO-2"].into_iter().enumerate() {
        let station = match store.station_by_identity(tenant, identity).await? {
            Some(station) => station,
            None => {
                let mut station = NewStation::accepted(identity);
                station.location_id = location;
                store.create_station(tenant, &station).await?
            }
        };
        // One EVSE with a Type 2 socket of 22 kW, as the simulator has.
        if store.evses(tenant, station.id).await?.is_empty() {
            let evse = Evse {
                tenant_id: tenant,
                station_id: station.id,
                evse_id: 1,
                uid: Some(format!("NL*DEM*E{}", n + 1)),
                status: ConnectorStatus::Unavailable,
            };
            store.upsert_evse(tenant, &evse).await?;
            let connector = Connector {
                tenant_id: tenant,
                station_id: station.id,
                evse_id: 1,
                connector_id: 1,
                standard: Some(ConnectorType::Iec62196T2),
                format: Some(ConnectorFormat::Socket),
                power_type: Some(PowerType::Ac3Phase),
                max_voltage: Some(230),
                max_amperage: Some(32),
                max_power_w: Some(22_000),
                status: ConnectorStatus::Unavailable,
                error_code: None,
                vendor_error_code: None,
                status_at: None,
            };
            store.upsert_connector(tenant, &connector).await?;
        }
    }
    for (uid, status) in [
        ("DEMOTAG1", TokenStatus::Accepted),
        ("DEMOTAG2", TokenStatus::Blocked),
    ] {
        if store.token_by_uid(tenant, uid).await?.is_none() {
            let mut token = NewToken::accepted(uid, TokenKind::Rfid);
            token.status = status;
            store.create_token(tenant, &token).await?;
        }
    }
    let tariff = match store.tariff_by_ocpi_id(tenant, "DEMO").await? {
        Some(tariff) => tariff,
        None => {
            let vat = Some(Decimal::from(21));
            let mut tariff = simple::per_kwh("EUR", Decimal::new(30, 2), vat);
            let flat = simple::per_session("EUR", Decimal::from(1), vat);
            tariff.elements.extend(flat.elements);
            tariff.country_code = CiString::from("NL");
            tariff.party_id = CiString::from("DEM");
            tariff.id = CiString::from("DEMO");
            store.create_tariff(tenant, &tariff).await?
        }
    };
    store
        .assign_tariff(tenant, &TariffScope::TenantDefault, tariff.id)
        .await?;
    Ok(())
}
