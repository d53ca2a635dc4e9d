//! The WebSocket server: stations connect at `ws(s)://HOST:PORT/<prefix>/<station-id>`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ocpp_server::server::{Server, ServerConfig};
//! use ocpp_server::storage::InMemoryStorage;
//! use ocpp_server::Router;
//! use ocpp_types::v16;
//!
//! # async fn run() -> std::io::Result<()> {
//! let router = Router::new().on(|_ctx, _request: v16::HeartbeatRequest| async {
//!     Ok(v16::HeartbeatResponse { current_time: chrono::Utc::now() })
//! });
//! let server = Server::bind(
//!     "127.0.0.1:9000",
//!     ServerConfig::default(),
//!     router,
//!     Arc::new(InMemoryStorage::new()),
//! )
//! .await?;
//! // Later: call a connected station.
//! if let Some(station) = server.station("CP-1") {
//!     let _ = station.call(&v16::ClearCacheRequest::default()).await;
//! }
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Each connection runs in its own task: the HTTP upgrade (subprotocol negotiation and
//! authentication by security profile), then the [`Session`] loop. A station
//! connecting with the identity of a connected one replaces it: the old connection is
//! closed. [`Server::shutdown`] stops accepting, lets calls in flight finish (within
//! [`ServerConfig::shutdown_grace`]) and closes every connection with 1001.
//!
//! A station offering WebSocket compression (permessage-deflate, RFC 7692, which OCPP 2.0.1
//! and 2.1 require a CSMS to support) gets it unless [`ServerConfig::compression`] is off.

mod config;
mod handshake;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ocpp_types::OcppVersion;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role as WsRole;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::connection::{self, Peer, websocket_config};
use crate::deflate::{self, Codec, DeflateStream};
use crate::metrics;
use crate::router::Router;
use crate::session::{Role, Session, SessionConfig};
use crate::station::StationHandle;
use crate::storage::Storage;
use crate::tls;
pub use config::{SecurityProfile, ServerConfig};
use handshake::{Refusal, UpgradeRequest};

/// A connected station, as listed by [`Server::stations`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedStation {
    /// The identity.
    pub identity: String,
    /// The negotiated version.
    pub version: OcppVersion,
    /// When it connected.
    pub since: DateTime<Utc>,
}

struct Entry {
    connection: u64,
    handle: StationHandle,
    since: DateTime<Utc>,
}

struct Shared {
    config: ServerConfig,
    router: Arc<Router>,
    storage: Arc<dyn Storage>,
    stations: Mutex<HashMap<String, Entry>>,
    next_connection: AtomicU64,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn stations(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.stations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running OCPP server. Dropping it stops accepting; [`Server::shutdown`] also ends the
/// connections gracefully.
pub struct Server {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    accept: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Listens on `addr` and serves stations with `router`, keeping station records in
    /// `storage`.
    pub async fn bind(
        addr: impl ToSocketAddrs,
        config: ServerConfig,
        router: Router,
        storage: Arc<dyn Storage>,
    ) -> io::Result<Server> {
        if config.security.uses_tls() && config.tls.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "security profiles 2 and 3 need a TLS configuration",
            ));
        }
        let mut config = config;
        let configured = std::mem::take(&mut config.versions);
        config.versions = served_versions(&configured, &router);
        if config.versions.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "no OCPP version both accepted ({configured:?}) and handled by the router ({:?})",
                    router.versions()
                ),
            ));
        }
        if config.versions.len() < configured.len() {
            info!(
                configured = ?configured,
                offered = ?config.versions,
                "versions without handlers are not offered to stations"
            );
        }
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (shutdown, watcher) = watch::channel(false);
        let shared = Arc::new(Shared {
            config,
            router: Arc::new(router),
            storage,
            stations: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
            shutdown: watcher.clone(),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared), watcher));
        info!(%local_addr, "OCPP server listening");
        Ok(Server {
            shared,
            local_addr,
            shutdown,
            accept: Some(accept),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle to the connected station `identity`.
    pub fn station(&self, identity: &str) -> Option<StationHandle> {
        self.shared
            .stations()
            .get(identity)
            .map(|entry| entry.handle.clone())
    }

    /// The connected stations, sorted by identity.
    pub fn stations(&self) -> Vec<ConnectedStation> {
        let mut list: Vec<_> = self
            .shared
            .stations()
            .iter()
            .map(|(identity, entry)| ConnectedStation {
                identity: identity.clone(),
                version: entry.handle.version(),
                since: entry.since,
            })
            .collect();
        list.sort_by(|a, b| a.identity.cmp(&b.identity));
        list
    }

    /// Stops accepting, lets calls in flight finish (at most
    /// [`ServerConfig::shutdown_grace`]), closes every connection with 1001 and waits for
    /// their tasks.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, remote)) => {
                    let shared = Arc::clone(&shared);
                    connections.spawn(async move {
                        let _ = stream.set_nodelay(true);
                        serve(shared, stream, remote).await;
                    });
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(error) => {
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Serves one TCP connection: TLS if configured, the upgrade, then the session.
async fn serve(shared: Arc<Shared>, stream: TcpStream, remote: SocketAddr) {
    let span = info_span!(
        "connection",
        %remote,
        station = tracing::field::Empty,
        compressed = tracing::field::Empty
    );
    async move {
        match shared
            .config
            .tls
            .clone()
            .filter(|_| shared.config.security.uses_tls())
        {
            Some(tls) => {
                let acceptor = tokio_rustls::TlsAcceptor::from(tls);
                let accepted =
                    timeout(shared.config.handshake_timeout, acceptor.accept(stream)).await;
                match accepted {
                    Ok(Ok(stream)) => {
                        let common_name = stream
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|chain| chain.first())
                            .and_then(tls::certificate_common_name);
                        Box::pin(upgrade(shared, stream, common_name)).await;
                    }
                    Ok(Err(error)) => {
                        metrics::refused("tls");
                        info!(%error, "TLS handshake failed");
                    }
                    Err(_) => metrics::refused("timeout"),
                }
            }
            None => Box::pin(upgrade(shared, stream, None)).await,
        }
    }
    .instrument(span)
    .await;
}

/// Runs the upgrade, then the session.
///
/// Each phase is a future of its own on the heap, so that what a connection keeps for its
/// whole life is the session's future alone, not the largest state of the handshake.
async fn upgrade<S>(shared: Arc<Shared>, stream: S, common_name: Option<String>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let upgraded = Box::pin(accept_upgrade(&shared, stream, common_name)).await;
    if let Some((ws, identity, version)) = upgraded {
        Box::pin(run_station(shared, ws, identity, version)).await;
    }
}

/// Reads the upgrade request, authenticates and answers it: the WebSocket of an admitted
/// station, with its identity and version.
async fn accept_upgrade<S>(
    shared: &Shared,
    mut stream: S,
    common_name: Option<String>,
) -> Option<(WebSocketStream<DeflateStream<S>>, String, OcppVersion)>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let read = timeout(shared.config.handshake_timeout, read_head(&mut stream)).await;
    let (request, rest) = match read {
        Ok(Ok(Ok(read))) => read,
        Ok(Ok(Err(refusal))) => {
            refuse(&mut stream, refusal).await;
            return None;
        }
        Ok(Err(_)) => return None,
        Err(_) => {
            metrics::refused("timeout");
            return None;
        }
    };
    let accepted = match admit(shared, &request, common_name).await {
        Ok(accepted) => accepted,
        Err(refusal) => {
            refuse(&mut stream, refusal).await;
            return None;
        }
    };
    let (identity, version) = accepted;
    let config = &shared.config;
    let agreed = if config.compression {
        let offers = request.extensions.iter().map(String::as_str);
        deflate::server_accept(offers, config.compression_context_takeover)
    } else {
        None
    };
    let span = tracing::Span::current();
    span.record("station", identity.as_str());
    span.record("compressed", agreed.is_some());
    let answer = agreed.map(|agreed| agreed.header());
    debug!(
        offered = ?request.extensions,
        answer = answer.as_deref(),
        "compression negotiated"
    );
    let response = handshake::accept(&request.key, Some(version), answer.as_deref());
    if stream.write_all(response.as_bytes()).await.is_err() || stream.flush().await.is_err() {
        return None;
    }
    let ws_config = websocket_config(config.frame_limits, config.read_buffer_size);
    let ws = match agreed {
        Some(agreed) => {
            let codec = Codec::server(agreed, config.frame_limits.max_frame_len);
            let stream = DeflateStream::new(stream, codec, &rest);
            WebSocketStream::from_raw_socket(stream, WsRole::Server, Some(ws_config)).await
        }
        None => {
            let stream = DeflateStream::plain(stream);
            WebSocketStream::from_partially_read(stream, rest, WsRole::Server, Some(ws_config))
                .await
        }
    };
    Some((ws, identity, version))
}

/// Reads the request head; returns it and any bytes read past it.
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> io::Result<Result<(UpgradeRequest, Vec<u8>), Refusal>> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0; 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&chunk[..n]);
        match handshake::parse(&head) {
            Ok(Some((request, len))) => return Ok(Ok((request, head.split_off(len)))),
            Ok(None) => {}
            Err(refusal) => return Ok(Err(refusal)),
        }
    }
}

async fn refuse<S: AsyncWrite + Unpin>(stream: &mut S, refusal: Refusal) {
    metrics::refused(refusal.label);
    info!(
        status = refusal.status,
        reason = refusal.reason,
        "upgrade refused"
    );
    let _ = stream.write_all(refusal.response().as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The versions of `configured` (in its order of preference) that a station may be put
/// on: those in which `router` handles something, so that no station is ever put on a
/// version whose every message would be refused. A router without any handler (a server
/// that only calls its stations) serves every configured version alike.
fn served_versions(configured: &[OcppVersion], router: &Router) -> Vec<OcppVersion> {
    if router.is_empty() {
        return configured.to_vec();
    }
    let handled = router.versions();
    configured
        .iter()
        .copied()
        .filter(|version| handled.contains(version))
        .collect()
}

/// Decides whether the station may connect: its identity and version, or why not.
async fn admit(
    shared: &Shared,
    request: &UpgradeRequest,
    common_name: Option<String>,
) -> Result<(String, OcppVersion), Refusal> {
    let config = &shared.config;
    if *shared.shutdown.borrow() {
        return Err(Refusal::new(503, "shutdown", "server shutting down"));
    }
    let identity = handshake::identity(&request.path, &config.prefix)?;
    let version = handshake::negotiate(
        request.protocols.as_deref(),
        &config.versions,
        config.version_without_subprotocol,
    )?;
    let record =
        shared.storage.station(&identity).await.map_err(|error| {
            Refusal::new(503, "storage", format!("storage unavailable: {error}"))
        })?;
    let unauthorized = |reason: &str| Refusal::new(401, "unauthorized", reason.to_owned());
    if config.security.uses_password() {
        let (user, password) = request
            .authorization
            .as_deref()
            .and_then(handshake::basic_credentials)
            .ok_or_else(|| unauthorized("Basic authentication required"))?;
        if user != identity {
            return Err(unauthorized("the user must be the station identity"));
        }
        let hash = record
            .as_ref()
            .and_then(|record| record.password.as_ref())
            .ok_or_else(|| unauthorized("wrong station or password"))?;
        if !hash.verify(&password) {
            return Err(unauthorized("wrong station or password"));
        }
    }
    if config.security == SecurityProfile::TlsClientCertificate
        && common_name.as_deref() != Some(identity.as_str())
    {
        return Err(Refusal::new(
            403,
            "unauthorized",
            "the client certificate is not the station's",
        ));
    }
    if record.is_none() && !config.accept_unknown_stations {
        return Err(Refusal::new(403, "unknown_station", "unknown station"));
    }
    Ok((identity, version))
}

async fn run_station<S>(
    shared: Arc<Shared>,
    ws: WebSocketStream<S>,
    identity: String,
    version: OcppVersion,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let config = &shared.config;
    let mut session_config = SessionConfig::new(version, Role::Csms);
    session_config.call_timeout = config.call_timeout;
    session_config.frame_limits = config.frame_limits;
    session_config.max_bad_frames = config.max_bad_frames;
    session_config.validation = config
        .station_validation
        .get(&identity)
        .unwrap_or(&config.validation)
        .clone();
    let Ok(session) = Session::new(session_config) else {
        return;
    };
    let (sender, instructions) = mpsc::channel(16);
    let handle = StationHandle::new(identity.as_str().into(), version, sender);
    let connection = shared.next_connection.fetch_add(1, Ordering::Relaxed);
    let since = Utc::now();
    let replaced = shared.stations().insert(
        identity.clone(),
        Entry {
            connection,
            handle: handle.clone(),
            since,
        },
    );
    if let Some(old) = replaced {
        info!("replaces the station's earlier connection");
        old.handle.try_close(1000, "replaced by a new connection");
    }
    metrics::connected(version, 1.0);
    info!(%version, "station connected");
    record_connection(&shared, &identity, Some(version)).await;
    let peer = Peer {
        handle,
        instructions,
        router: Arc::clone(&shared.router),
        storage: Some(Arc::clone(&shared.storage)),
        keepalive: config.keepalive,
        shutdown: shared.shutdown.clone(),
        grace: config.shutdown_grace,
    };
    let ended = connection::run(ws, session, peer).await;
    info!(%ended, "station disconnected");
    metrics::connected(version, -1.0);
    let current = {
        let mut stations = shared.stations();
        let current = stations
            .get(&identity)
            .is_some_and(|entry| entry.connection == connection);
        if current {
            stations.remove(&identity);
        }
        current
    };
    if current {
        record_connection(&shared, &identity, None).await;
    }
}

async fn record_connection(shared: &Shared, identity: &str, version: Option<OcppVersion>) {
    if let Err(error) = shared
        .storage
        .record_connection(identity, version, Utc::now())
        .await
    {
        warn!(%error, "connection state not recorded");
    }
}
