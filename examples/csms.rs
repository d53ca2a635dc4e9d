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
//!     [--ocpi-url https://cpo.example.com/ocpi]
//!     [--listen-ocpp-tls ADDR --tls-cert PEM --tls-key PEM [--tls-client-ca PEM] [--tls-crl PEM]]
//! ```
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
//!   are encrypted with in the database; made when the file does not exist, readable by its
//!   owner only. Default: `secret.key` beside the SQLite file; with `--database-url`, no
//!   default (webhooks cannot be created without one). Keep it out of database backups.
//! - Events (sessions, CDRs, connector status, locations, tariffs, station connections) are
//!   written to the outbox with the changes they report and delivered to the tenants'
//!   webhooks (`POST /webhooks`), signed per Standard Webhooks, by a worker in the process.
//! - OCPI 2.2.1 (the CPO role, and 2.1.1) is served under `/ocpi` on the API's listener:
//!   versions, credentials in both directions, Locations, Tariffs, Sessions and CDRs
//!   (Sender), Tokens (Receiver); sessions, CDRs, EVSE statuses, locations and tariffs are
//!   pushed to 2.2.1 partners. `--ocpi-url URL` is the public
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
//!
//! Once the listeners are up it prints one line `csms ready ocpp=ADDR api=ADDR`, with
//! ` metrics=ADDR` and ` ocpp-tls=ADDR` after them when those are served (a port of 0 picks
//! a free one). Logs go to standard error (`RUST_LOG`-style filtering is not
//! configured: everything at INFO and above). Stop it with Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ev_backend::csms_core::api::axum::{self, routing::get};
use ev_backend::csms_core::api::{Api, ApiLimits, generate_key};
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

const USAGE: &str = "usage: csms [--demo] [--data-dir DIR | --database FILE | --database-url URL] \
                     [--database-schema NAME] [--listen-ocpp ADDR] [--listen-api ADDR] \
                     [--system-key KEY] [--listen-metrics ADDR] [--secret-key-file FILE] \
                     [--ocpi-url URL] \
                     [--listen-ocpp-tls ADDR --tls-cert PEM --tls-key PEM \
                     [--tls-client-ca PEM] [--tls-crl PEM]]";

/// What the command line says.
struct Args {
    demo: bool,
    database: Database,
    listen_ocpp: String,
    listen_api: String,
    /// Where Prometheus metrics are served; none: not at all.
    listen_metrics: Option<String>,
    system_key: Option<String>,
    /// The PostgreSQL schema to keep everything in.
    schema: Option<String>,
    /// The TLS listener, if any.
    tls: TlsArgs,
    /// The file of the key webhook secrets are sealed with.
    secret_key_file: Option<PathBuf>,
    /// The public URL of the OCPI endpoints.
    ocpi_url: Option<String>,
}

/// What the command line says of TLS.
#[derive(Default)]
struct TlsArgs {
    listen: Option<String>,
    certificate: Option<PathBuf>,
    key: Option<PathBuf>,
    client_ca: Option<PathBuf>,
    crl: Option<PathBuf>,
}

enum Database {
    SqliteFile(PathBuf),
    Url(String),
}

fn usage(problem: &str) -> ! {
    eprintln!("csms: {problem}\n{USAGE}");
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut args = Args {
        demo: false,
        database: Database::SqliteFile(PathBuf::from("csms.db")),
        listen_ocpp: "127.0.0.1:9000".to_owned(),
        listen_api: "127.0.0.1:8080".to_owned(),
        listen_metrics: None,
        system_key: None,
        schema: None,
        secret_key_file: None,
        ocpi_url: None,
        tls: TlsArgs::default(),
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        if arg == "--demo" {
            args.demo = true;
            continue;
        }
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let Some(value) = given.next() else {
            usage(&format!("{arg} needs a value"));
        };
        match arg.as_str() {
            "--data-dir" => {
                args.database = Database::SqliteFile(PathBuf::from(value).join("csms.db"))
            }
            "--database" => args.database = Database::SqliteFile(PathBuf::from(value)),
            "--database-url" => args.database = Database::Url(value),
            "--listen-ocpp" => args.listen_ocpp = value,
            "--listen-api" => args.listen_api = value,
            "--listen-metrics" => args.listen_metrics = Some(value),
            "--system-key" => args.system_key = Some(value),
            "--database-schema" => args.schema = Some(value),
            "--secret-key-file" => args.secret_key_file = Some(PathBuf::from(value)),
            "--ocpi-url" => args.ocpi_url = Some(value.trim_end_matches('/').to_owned()),
            "--listen-ocpp-tls" => args.tls.listen = Some(value),
            "--tls-cert" => args.tls.certificate = Some(PathBuf::from(value)),
            "--tls-key" => args.tls.key = Some(PathBuf::from(value)),
            "--tls-client-ca" => args.tls.client_ca = Some(PathBuf::from(value)),
            "--tls-crl" => args.tls.crl = Some(PathBuf::from(value)),
            other => usage(&format!("unknown option {other}")),
        }
    }
    args
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    let args = parse_args();
    if args.schema.is_some()
        && !matches!(&args.database, Database::Url(url) if !url.starts_with("sqlite:"))
    {
        usage("--database-schema needs a postgres:// --database-url");
    }
    // Without a metrics listener no recorder is installed: nothing collects what nobody reads.
    let prometheus = match &args.listen_metrics {
        Some(_) => Some(PrometheusBuilder::new().install_recorder()?),
        None => None,
    };
    let secret_key = match (&args.secret_key_file, &args.database) {
        (Some(path), _) => Some(SecretKey::load_or_create(path)?),
        (None, Database::SqliteFile(database)) => Some(SecretKey::load_or_create(
            database.with_file_name("secret.key"),
        )?),
        (None, Database::Url(_)) => {
            tracing::warn!("no --secret-key-file: webhooks cannot be created");
            None
        }
    };
    match &args.database {
        Database::SqliteFile(path) => {
            info!(path = %path.display(), "SQLite store");
            let mut store = SqliteStore::open(path).await?;
            if let Some(key) = secret_key {
                store = store.with_secret_key(key);
            }
            run(Arc::new(store), &args, prometheus).await
        }
        Database::Url(url) if url.starts_with("sqlite:") => {
            let mut store = SqliteStore::connect(url).await?;
            if let Some(key) = secret_key {
                store = store.with_secret_key(key);
            }
            run(Arc::new(store), &args, prometheus).await
        }
        Database::Url(url)
            if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
        {
            info!(schema = args.schema, "PostgreSQL store");
            let mut store = match &args.schema {
                Some(schema) => PostgresStore::connect_in_schema(url, schema).await?,
                None => PostgresStore::connect(url).await?,
            };
            if let Some(key) = secret_key {
                store = store.with_secret_key(key);
            }
            run(Arc::new(store), &args, prometheus).await
        }
        Database::Url(_) => usage("--database-url takes sqlite: or postgres:// URLs"),
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

    let csms = Csms::new(Arc::clone(&store), CsmsConfig::default());
    // The reconciliation job: sessions that ended without their CDR or their count on the
    // token (the process stopped between a stop and what follows it) are settled at start
    // and every minute after.
    let settling = {
        let csms = csms.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
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
            csms.station_storage(),
        )
        .await?,
    );
    let ocpp_addr = server.local_addr();
    let tls_addr = match &args.tls.listen {
        Some(listen) => Some(server.listen(listen, Some(tls_config(&args.tls)?)).await?),
        None => None,
    };

    let limits = ApiLimits::default();
    let listener = TcpListener::bind(&args.listen_api).await?;
    let api_addr = listener.local_addr()?;
    // OCPI under /ocpi on the API's listener, at the public URL partners use.
    let ocpi_url = args
        .ocpi_url
        .clone()
        .unwrap_or_else(|| format!("http://{api_addr}/ocpi"));
    // Partners' commands reach the stations connected to the OCPP server (held weakly: it
    // still shuts down below).
    let ocpi = roaming::cpo_server(
        Arc::clone(&store),
        roaming::server_config(&ocpi_url),
        Some(Arc::new(Arc::downgrade(&server))),
    )?;
    let router = Api::new(Arc::clone(&store), server.clone())
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
    let tls_field = tls_addr.map_or(String::new(), |addr| format!(" ocpp-tls={addr}"));
    println!("csms ready ocpp={ocpp_addr} api={api_addr}{metrics_addr}{tls_field}");
    info!(%ocpp_addr, %api_addr, ?tls_addr, "CSMS ready");

    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
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
    Ok(())
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
        usage("--listen-ocpp-tls needs --tls-cert and --tls-key");
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
        None if args.crl.is_some() => usage("--tls-crl needs --tls-client-ca"),
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
