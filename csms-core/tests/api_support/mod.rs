//! What the admin API tests share: the API served over a real socket on a temporary SQLite
//! file, and a small HTTP/1.1 client.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use csms_core::api::{Api, ApiLimits, NoStations, StationDirectory};
use csms_core::model::TenantId;
use csms_core::ocpp::{Csms, CsmsConfig};
use csms_core::store::{PostgresStore, SqliteStore, Store};
use ocpp_server::server::Server;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A CSMS with its OCPP server, and its admin API.
pub struct CsmsWithApi {
    /// The API on the CSMS's store, which sees the server's stations.
    pub api: TestApi,
    /// The OCPP server.
    pub server: Arc<Server>,
    /// The API the store was made for (kept so that the store lives).
    _store: TestApi,
}

impl CsmsWithApi {
    /// A CSMS on a fresh SQLite file, its OCPP server on 127.0.0.1, and an API that sees
    /// its stations.
    pub async fn start() -> CsmsWithApi {
        let store = TestApi::start().await;
        let csms = Csms::new(store.sqlite.clone().unwrap(), CsmsConfig::default());
        let server = Arc::new(
            Server::bind(
                "127.0.0.1:0",
                csms.server_config(),
                csms.router(),
                csms.station_storage(),
            )
            .await
            .unwrap(),
        );
        let api = store.sharing_store_with(server.clone()).await;
        CsmsWithApi {
            api,
            server,
            _store: store,
        }
    }

    /// The endpoint of the stations of `tenant`.
    pub fn station_url(&self, tenant: TenantId) -> String {
        format!("ws://{}/ocpp/{tenant}", self.server.local_addr())
    }
}

/// The system key of test servers.
pub const SYSTEM_KEY: &str = "system-key-for-tests-0123456789";

/// An API served on 127.0.0.1 over a fresh SQLite file (or a fresh PostgreSQL schema).
pub struct TestApi {
    pub addr: SocketAddr,
    /// The store, whichever it is.
    pub store: Arc<dyn Store>,
    /// The SQLite store, when it is one.
    pub sqlite: Option<Arc<SqliteStore>>,
    postgres: Option<(Arc<PostgresStore>, String)>,
    path: PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApi {
    fn drop(&mut self) {
        self.server.abort();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

/// A name no other test, in this run or a concurrent one, uses.
fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn temp_db() -> PathBuf {
    std::env::temp_dir().join(format!("{}.db", unique("csms_api")))
}

async fn serve(router: csms_core::api::axum::Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    serve_with(router, ApiLimits::default()).await
}

/// Serves `router` as integrators do, with the connection limits of `limits`.
async fn serve_with(
    router: csms_core::api::axum::Router,
    limits: ApiLimits,
) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        csms_core::api::serve(listener, router, &limits, std::future::pending()).await;
    });
    (addr, server)
}

impl TestApi {
    /// An API with no station connected.
    pub async fn start() -> TestApi {
        TestApi::with_stations(Arc::new(NoStations)).await
    }

    /// An API with the live state of `stations`.
    pub async fn with_stations(stations: Arc<dyn StationDirectory>) -> TestApi {
        TestApi::serving(stations, ApiLimits::default()).await
    }

    /// An API with no station connected, with `limits` for its requests and connections.
    pub async fn with_limits(limits: ApiLimits) -> TestApi {
        TestApi::serving(Arc::new(NoStations), limits).await
    }

    async fn serving(stations: Arc<dyn StationDirectory>, limits: ApiLimits) -> TestApi {
        let path = temp_db();
        let store = Arc::new(SqliteStore::open(&path).await.expect("open SQLite"));
        let router = Api::new(store.clone(), stations)
            .with_system_key(SYSTEM_KEY)
            .with_limits(limits.clone())
            .router();
        let (addr, server) = serve_with(router, limits).await;
        TestApi {
            addr,
            store: store.clone(),
            sqlite: Some(store),
            postgres: None,
            path,
            server,
        }
    }

    /// An API on a fresh schema of the PostgreSQL database at `DATABASE_URL`; `None` (with a
    /// loud notice) when it is not set, a failure when `CI` is set.
    pub async fn postgres() -> Option<TestApi> {
        let Ok(url) = std::env::var("DATABASE_URL") else {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but DATABASE_URL is not: the PostgreSQL API tests must run");
            }
            eprintln!(
                "\n!!! DATABASE_URL is not set: SKIPPING the admin API tests on PostgreSQL !!!\n\
                 !!! set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run them    !!!\n"
            );
            return None;
        };
        let schema = unique("api");
        let store = Arc::new(
            PostgresStore::connect_in_schema(&url, &schema)
                .await
                .expect("PostgreSQL store connects"),
        );
        let router = Api::new(store.clone(), Arc::new(NoStations))
            .with_system_key(SYSTEM_KEY)
            .router();
        let (addr, server) = serve(router).await;
        Some(TestApi {
            addr,
            store: store.clone(),
            sqlite: None,
            postgres: Some((store, schema)),
            path: PathBuf::from("/nonexistent/postgres.db"),
            server,
        })
    }

    /// Drops the PostgreSQL schema of the test (call it when the test passed).
    pub async fn finish(self) {
        if let Some((store, schema)) = &self.postgres {
            sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .execute(store.pool())
                .await
                .expect("schema dropped");
            store.close().await;
        }
    }

    /// Another API on the same SQLite store, with the live state of `stations`.
    pub async fn sharing_store_with(&self, stations: Arc<dyn StationDirectory>) -> TestApi {
        let sqlite = self.sqlite.clone().expect("a SQLite test API");
        let router = Api::new(sqlite.clone(), stations)
            .with_system_key(SYSTEM_KEY)
            .router();
        let (addr, server) = serve(router).await;
        TestApi {
            addr,
            store: sqlite.clone(),
            sqlite: Some(sqlite),
            postgres: None,
            // The first one removes the file.
            path: PathBuf::from("/nonexistent/shared.db"),
            server,
        }
    }

    /// Sends a request; `body` is sent as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let body = body.map(|body| body.to_string());
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        if let Some(key) = key {
            head.push_str(&format!("Authorization: Bearer {key}\r\n"));
        }
        if let Some(body) = &body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        self.raw(format!("{head}{}", body.unwrap_or_default()).as_bytes())
            .await
    }

    /// Sends raw bytes and reads the response.
    pub async fn raw(&self, request: &[u8]) -> Response {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).await.unwrap();
        Response::parse(&bytes)
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.call("GET", path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Response {
        self.call("POST", path, Some(key), Some(&body)).await
    }

    pub async fn put(&self, path: &str, key: &str, body: Value) -> Response {
        self.call("PUT", path, Some(key), Some(&body)).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> Response {
        self.call("DELETE", path, Some(key), None).await
    }

    /// Creates a tenant with the system key, which lets stations of security profile 0 be
    /// registered (these tests are about the API, not station security); its admin key.
    pub async fn tenant(&self, name: &str, party: &str) -> String {
        let settings = json!({ "time_zone": "UTC", "currency": "EUR", "language": "en",
            "unknown_stations": "reject", "unsecured_stations": true });
        let created = self
            .post(
                "/tenants",
                SYSTEM_KEY,
                json!({ "name": name, "role": "CPO", "country_code": "NL", "party_id": party,
                    "settings": settings }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        created.body["admin_key"]["key"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates a key with `roles` with an admin key; the whole key.
    pub async fn key(&self, admin: &str, roles: &[&str]) -> String {
        let created = self
            .post(
                "/api-keys",
                admin,
                json!({ "name": "test", "roles": roles }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        created.body["key"].as_str().unwrap().to_owned()
    }
}

/// A response: status, headers (names in lower case) and JSON body (`Null` if empty).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub text: String,
}

impl Response {
    pub fn parse(bytes: &[u8]) -> Response {
        let text = String::from_utf8_lossy(bytes);
        let (head, rest) = text.split_once("\r\n\r\n").expect("an HTTP response");
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_owned()
        };
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&body).unwrap_or(Value::Null)
        };
        Response {
            status,
            headers,
            body: json,
            text: body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Asserts an error answer with this status and code, in the JSON error shape.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.body["error"]["code"], code, "{}", self.text);
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|message| !message.is_empty()),
            "{}",
            self.text
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
    }
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
