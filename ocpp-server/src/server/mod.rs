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
//! authentication by the station's own security profile, see [`crate::security`]), then the
//! [`Session`] loop. A station connecting at the address of a connected one replaces it: the
//! old connection is closed.
//!
//! One server may listen on several addresses ([`Server::listen`]), typically plain `ws` for
//! profiles 0 and 1 and TLS for profiles 2 and 3; every listener admits a station only with
//! what its profile requires (a profile-2 station is refused on the plain listener). [`Server::shutdown`] stops accepting, lets calls in flight finish (within
//! [`ServerConfig::shutdown_grace`]) and closes every connection with 1001.
//!
//! A station offering WebSocket compression (permessage-deflate, RFC 7692, which OCPP 2.0.1
//! and 2.1 require a CSMS to support) gets it unless [`ServerConfig::compression`] is off.
//!
//! # Limits
//!
//! * Connections: at most [`ConnectionLimits::max_total`](limits::ConnectionLimits) in all
//!   and `max_per_source` per source address (but for exempt sources: loopback, and a
//!   reverse proxy's address once configured), counted from the TCP accept until the
//!   connection ends (handshakes included), and new ones at most at the rates of
//!   [`ServerConfig::connections`]. A connection over a limit is closed at once, before
//!   anything is read or written (no HTTP 503: refusing then costs nothing and cannot
//!   block), and counted in [`metrics::CONNECTIONS_REFUSED`] by the
//!   [`Rejection`](limits::Rejection)'s label. See [`limits`] and [`Server::connections`].
//! * Time: the handshake (TLS, request, admission) within [`ServerConfig::handshake_timeout`];
//!   every write (the handshake's answer or refusal, a batch of frames, a ping, a close
//!   frame) within [`ServerConfig::write_timeout`], so that a peer that stops reading is
//!   dropped; [`Server::shutdown`] within `shutdown_grace` + `shutdown_timeout`, after which
//!   connections still open are aborted.
//! * Misbehaviour: malformed frames and calls with invalid payloads spend one budget,
//!   [`ServerConfig::max_bad_frames`], after which the connection closes with 1008.
//!
//! # Memory per connection
//!
//! With `F` = [`ServerConfig::frame_limits`]`.max_frame_len` (1 MiB by default), `R` =
//! [`ServerConfig::read_buffer_size`] (4 KiB), `P` = [`ServerConfig::max_pending_incoming`]
//! (4), and `k` the factor by which a decoded payload outweighs its text, a connection
//! holds at most about
//!
//! ```text
//! R + 3F + (1 + 2P)·k·F + W  (+ 2F + 350 KiB compressed, + about 100 KiB with TLS)
//! ```
//!
//! * `R + 2F`: reading, a frame being read and a message being assembled (frames and
//!   messages past `F` are refused, with 1009, before they are buffered);
//! * `F + k·F`: the message being handled, as text and decoded;
//! * `2P·k·F`: the decoded requests of incoming CALLs waiting for their handler (at most
//!   `P`; further ones are refused with `RpcFrameworkError`) and of SENDs whose handler
//!   waits (at most `P`; further ones are dropped);
//! * `W`: what we send: the frames of one batch being written (the answers and calls one
//!   input produced, bounded in time by the write timeout), the application's 16
//!   instructions waiting in the connection's channel and its calls queued behind the one
//!   in flight (at most 64): their sizes are the application's own;
//! * with compression, the compressed input and the inflated copy (`2F`, inflating past `F`
//!   closes with 1009) and a compressor and a decompressor (about 350 KiB: only while a
//!   message is handled, for the connection's life with
//!   [`ServerConfig::compression_context_takeover`]), and the compression layer's write
//!   buffer (64 KiB and one frame);
//! * with TLS, rustls's record buffers.
//!
//! `k` is about 1 to 3 for ordinary messages, but payloads made of many tiny objects decode
//! larger: a 2.0.1 sampled value `{"value":0}` (12 bytes) takes 384 bytes decoded, so `k`
//! may reach about 32, or twice that with a growing array's spare capacity. With the
//! defaults that is about 20 MiB for ordinary payloads and some 300 to 600 MiB at worst per
//! connection of an admitted station; a connection in its handshake holds little more than
//! its request head (at most 8 KiB), an idle one little more than `R`. Size
//! [`ConnectionLimits::max_total`](limits::ConnectionLimits), `P` and, if the stations
//! allow, `F` to the memory available.

mod config;
pub(crate) mod handshake;
pub mod limits;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ocpp_types::OcppVersion;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::{timeout, timeout_at};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role as WsRole;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::connection::{self, Peer, websocket_config};
use crate::deflate::{self, Codec, DeflateStream};
use crate::metrics;
use crate::router::Router;
use crate::security::{self, AuthThrottle, Denial, Presented, Transport};
use crate::session::{Role, Session, SessionConfig};
use crate::station::{Attachment, StationAddress, StationHandle};
use crate::storage::Storage;
use crate::tls;
pub use config::{SecurityProfile, ServerConfig};
use handshake::{Refusal, UpgradeRequest};
use limits::{Admission, Permit};

/// A connected station, as listed by [`Server::stations`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedStation {
    /// Where it connected: its tenant, if the server has tenants, and identity.
    pub address: StationAddress,
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
    stations: Mutex<HashMap<StationAddress, Entry>>,
    throttle: Mutex<AuthThrottle>,
    admission: Admission,
    next_connection: AtomicU64,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn stations(&self) -> std::sync::MutexGuard<'_, HashMap<StationAddress, Entry>> {
        self.stations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, AuthThrottle> {
        self.throttle
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
    listeners: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Listens on `addr` (with TLS if [`ServerConfig::tls`] is set) and serves stations with
    /// `router`, keeping station records in `storage`.
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
        let tls = config.tls.clone();
        let shared = Arc::new(Shared {
            throttle: Mutex::new(AuthThrottle::new(config.throttle)),
            admission: Admission::new(config.connections.clone()),
            config,
            router: Arc::new(router),
            storage,
            stations: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
            shutdown: watcher,
        });
        let server = Server {
            shared,
            local_addr,
            shutdown,
            listeners: Mutex::new(Vec::new()),
        };
        server.serve_listener(listener, tls);
        Ok(server)
    }

    /// Listens on `addr` too, with TLS if `tls` is given (see [`crate::tls::server_config`]),
    /// for the same stations: returns the address it listens on. Stations are admitted on
    /// every listener by the same rules ([`crate::security::admit`]).
    pub async fn listen(
        &self,
        addr: impl ToSocketAddrs,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        self.serve_listener(listener, tls);
        Ok(local_addr)
    }

    fn serve_listener(&self, listener: TcpListener, tls: Option<Arc<rustls::ServerConfig>>) {
        let local_addr = listener.local_addr().ok();
        info!(?local_addr, tls = tls.is_some(), "OCPP server listening");
        let task = tokio::spawn(accept_loop(
            listener,
            tls,
            Arc::clone(&self.shared),
            self.shutdown.subscribe(),
        ));
        self.listeners
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(task);
    }

    /// The address the server listens on (the first listener's, the one of
    /// [`Server::bind`]).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle to the station connected at `address` (an identity, on a server without
    /// tenants).
    pub fn station(&self, address: impl Into<StationAddress>) -> Option<StationHandle> {
        self.shared
            .stations()
            .get(&address.into())
            .map(|entry| entry.handle.clone())
    }

    /// The station connected at `address`, if one is.
    pub fn connected(&self, address: impl Into<StationAddress>) -> Option<ConnectedStation> {
        let address = address.into();
        let stations = self.shared.stations();
        let entry = stations.get(&address)?;
        Some(ConnectedStation {
            version: entry.handle.version(),
            since: entry.since,
            address,
        })
    }

    /// How many connections the server holds, those still in their handshake included
    /// (what [`ServerConfig::connections`] limits).
    pub fn connections(&self) -> usize {
        self.shared.admission.open()
    }

    /// How many stations are connected (admitted, past their handshake).
    pub fn station_count(&self) -> usize {
        self.shared.stations().len()
    }

    /// The connected stations, sorted by address.
    pub fn stations(&self) -> Vec<ConnectedStation> {
        let mut list: Vec<_> = self
            .shared
            .stations()
            .iter()
            .map(|(address, entry)| ConnectedStation {
                address: address.clone(),
                version: entry.handle.version(),
                since: entry.since,
            })
            .collect();
        list.sort_by(|a, b| a.address.cmp(&b.address));
        list
    }

    /// Stops accepting, lets calls in flight finish (at most
    /// [`ServerConfig::shutdown_grace`]), closes every connection with 1001 and waits for
    /// their tasks: at most [`ServerConfig::shutdown_timeout`] more, after which those left
    /// (peers that do not read, handshakes, a storage that does not answer) are aborted.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let listeners = std::mem::take(
            &mut *self
                .listeners
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        for listener in listeners {
            let _ = listener.await;
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
    tls: Option<Arc<rustls::ServerConfig>>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, remote)) => {
                    // Over a limit, the connection is closed before anything is read or
                    // written: refusing costs nothing and cannot block.
                    let permit = match shared.admission.try_open(remote.ip(), Instant::now()) {
                        Ok(permit) => permit,
                        Err(rejection) => {
                            metrics::refused(rejection.label());
                            debug!(%remote, %rejection, "connection closed at once");
                            drop(stream);
                            continue;
                        }
                    };
                    let shared = Arc::clone(&shared);
                    let tls = tls.clone();
                    connections.spawn(async move {
                        let _ = stream.set_nodelay(true);
                        serve(shared, stream, remote, tls, permit).await;
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
    // Connections drain their calls (at most `shutdown_grace`) and close; those still there
    // past `shutdown_timeout` more (peers not reading, handshakes, a storage that hangs) are
    // aborted, so that shutting down takes a bounded time.
    let config = &shared.config;
    let bound = config
        .shutdown_grace
        .saturating_add(config.shutdown_timeout);
    let ended = timeout(bound, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if ended.is_err() {
        warn!(
            left = connections.len(),
            "connections still open past the shutdown timeout: aborted"
        );
        connections.shutdown().await;
    }
}

/// Serves one TCP connection: TLS if its listener has it, the upgrade, then the session.
async fn serve(
    shared: Arc<Shared>,
    stream: TcpStream,
    remote: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
    permit: Permit,
) {
    // The connection's place among the limits, held until it ends.
    let _permit = permit;
    let span = info_span!(
        "connection",
        %remote,
        station = tracing::field::Empty,
        compressed = tracing::field::Empty
    );
    async move {
        match tls {
            Some(tls) => {
                let acceptor = tokio_rustls::TlsAcceptor::from(tls);
                let accepted =
                    timeout(shared.config.handshake_timeout, acceptor.accept(stream)).await;
                match accepted {
                    Ok(Ok(stream)) => {
                        let client_certificate = stream
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|chain| chain.first())
                            .and_then(tls::certificate_common_name);
                        let transport = Transport::Tls { client_certificate };
                        Box::pin(upgrade(shared, stream, transport, remote.ip())).await;
                    }
                    Ok(Err(error)) => {
                        metrics::refused("tls");
                        info!(%error, "TLS handshake failed");
                    }
                    Err(_) => metrics::refused("timeout"),
                }
            }
            None => Box::pin(upgrade(shared, stream, Transport::Plain, remote.ip())).await,
        }
    }
    .instrument(span)
    .await;
}

/// Runs the upgrade, then the session.
///
/// Each phase is a future of its own on the heap, so that what a connection keeps for its
/// whole life is the session's future alone, not the largest state of the handshake.
async fn upgrade<S>(shared: Arc<Shared>, stream: S, transport: Transport, source: IpAddr)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let upgraded = Box::pin(accept_upgrade(&shared, stream, transport, source)).await;
    if let Some((ws, admitted)) = upgraded {
        Box::pin(run_station(shared, ws, admitted)).await;
    }
}

/// Reads the upgrade request, authenticates and answers it: the WebSocket of an admitted
/// station, with its address and version.
async fn accept_upgrade<S>(
    shared: &Shared,
    mut stream: S,
    transport: Transport,
    source: IpAddr,
) -> Option<(WebSocketStream<DeflateStream<S>>, Admitted)>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let config = &shared.config;
    // Reading the request and admitting the station (which asks the storage) share the
    // handshake's time.
    let deadline = tokio::time::Instant::now() + config.handshake_timeout;
    let read = timeout_at(deadline, read_head(&mut stream)).await;
    let (request, rest) = match read {
        Ok(Ok(Ok(read))) => read,
        Ok(Ok(Err(refusal))) => {
            refuse(&mut stream, refusal, config.write_timeout).await;
            return None;
        }
        Ok(Err(_)) => return None,
        Err(_) => {
            metrics::refused("timeout");
            return None;
        }
    };
    let admitted = timeout_at(deadline, admit(shared, &request, transport, source))
        .await
        .unwrap_or_else(|_| Err(Refusal::new(503, "timeout", "admission timed out")));
    let accepted = match admitted {
        Ok(accepted) => accepted,
        Err(refusal) => {
            refuse(&mut stream, refusal, config.write_timeout).await;
            return None;
        }
    };
    let Admitted {
        address, version, ..
    } = &accepted;
    let (address, version) = (address.clone(), *version);
    let agreed = if config.compression {
        let offers = request.extensions.iter().map(String::as_str);
        deflate::server_accept(offers, config.compression_context_takeover)
    } else {
        None
    };
    let span = tracing::Span::current();
    span.record("station", tracing::field::display(&address));
    span.record("compressed", agreed.is_some());
    let answer = agreed.map(|agreed| agreed.header());
    debug!(
        offered = ?request.extensions,
        answer = answer.as_deref(),
        "compression negotiated"
    );
    let response = handshake::accept(&request.key, Some(version), answer.as_deref());
    let written = timeout(config.write_timeout, async {
        stream.write_all(response.as_bytes()).await?;
        stream.flush().await
    })
    .await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(_)) => return None,
        Err(_) => {
            metrics::refused("write_timeout");
            info!("handshake answer not written in time: the peer does not read");
            return None;
        }
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
    Some((ws, accepted))
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

/// Answers the refusal, within `write_timeout`, and closes.
async fn refuse<S: AsyncWrite + Unpin>(stream: &mut S, refusal: Refusal, write_timeout: Duration) {
    metrics::refused(refusal.label);
    info!(
        status = refusal.status,
        reason = refusal.reason,
        "upgrade refused"
    );
    let answer = async {
        stream.write_all(refusal.response().as_bytes()).await?;
        stream.shutdown().await
    };
    if timeout(write_timeout, answer).await.is_err() {
        debug!("refusal not written in time: the peer does not read");
    }
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

/// A station let in: where it connected, on which version, with what the storage attached
/// to its connection.
struct Admitted {
    address: StationAddress,
    version: OcppVersion,
    attachment: Option<Attachment>,
}

/// Decides whether the station may connect, or why not.
async fn admit(
    shared: &Shared,
    request: &UpgradeRequest,
    transport: Transport,
    source: IpAddr,
) -> Result<Admitted, Refusal> {
    let config = &shared.config;
    if *shared.shutdown.borrow() {
        return Err(Refusal::new(503, "shutdown", "server shutting down"));
    }
    let address = handshake::address(&request.path, &config.prefix, config.tenant_in_path)?;
    let version = handshake::negotiate(
        request.protocols.as_deref(),
        &config.versions,
        config.version_without_subprotocol,
    )?;
    let identity = address.identity().to_owned();
    if let Err(wait) = shared.throttle().begin(&identity, source, Instant::now()) {
        return Err(Refusal::throttled(wait));
    }
    let record = shared.storage.station(&address).await.map_err(|error| {
        shared.throttle().abandoned(&identity, source);
        // What failed is logged, never told to a peer that has not authenticated.
        warn!(%error, "station storage unavailable at the handshake");
        Refusal::new(503, "storage", "service unavailable")
    })?;
    let basic = request
        .authorization
        .as_deref()
        .and_then(handshake::basic_credentials);
    let default_profile = config.security;
    let accept_unknown = config.accept_unknown_stations;
    let checks_a_password = basic.is_some();
    let attachment = record.as_ref().and_then(|record| record.attachment.clone());
    let decide = move || {
        let presented = Presented {
            transport: &transport,
            basic: basic
                .as_ref()
                .map(|(user, password)| (user.as_str(), password.as_str())),
        };
        match &record {
            Some(record) => security::admit(
                record.security_profile.unwrap_or(default_profile),
                &identity,
                &presented,
                record.password.as_ref(),
            ),
            None if accept_unknown => security::admit(default_profile, &identity, &presented, None),
            None => {
                security::check_without_station(&presented);
                Err(Denial::UnknownStation)
            }
        }
    };
    // Checking a password is deliberately slow: off the connections' threads. Without
    // credentials nothing is hashed, and the decision is taken here.
    let decision = if checks_a_password {
        tokio::task::spawn_blocking(decide)
            .await
            .unwrap_or(Err(Denial::UnknownStation))
    } else {
        decide()
    };
    let identity = address.identity();
    match decision {
        Ok(()) => {
            shared.throttle().succeeded(identity, source);
            Ok(Admitted {
                address,
                version,
                attachment,
            })
        }
        Err(denial) => {
            shared.throttle().failed(identity, source, Instant::now());
            metrics::refused(denial.label());
            info!(denial = denial.label(), %denial, "station not admitted");
            Err(Refusal::unauthorized())
        }
    }
}

async fn run_station<S>(shared: Arc<Shared>, ws: WebSocketStream<S>, admitted: Admitted)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Admitted {
        address,
        version,
        attachment,
    } = admitted;
    let config = &shared.config;
    let mut session_config = SessionConfig::new(version, Role::Csms);
    session_config.call_timeout = config.call_timeout;
    session_config.frame_limits = config.frame_limits;
    session_config.max_bad_frames = config.max_bad_frames;
    session_config.max_pending_incoming = config.max_pending_incoming;
    session_config.validation = config
        .station_validation
        .get(address.identity())
        .unwrap_or(&config.validation)
        .clone();
    let Ok(session) = Session::new(session_config) else {
        return;
    };
    let (sender, instructions) = mpsc::channel(16);
    let handle = StationHandle::new(address.clone(), version, sender).attached(attachment);
    let connection = shared.next_connection.fetch_add(1, Ordering::Relaxed);
    let since = Utc::now();
    let replaced = shared.stations().insert(
        address.clone(),
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
    let mut listed = Listed {
        shared: Arc::clone(&shared),
        address: address.clone(),
        connection,
        version,
        left: false,
    };
    info!(%version, "station connected");
    record_connection(&shared, &address, Some(version)).await;
    let peer = Peer {
        handle,
        instructions,
        router: Arc::clone(&shared.router),
        storage: Some(Arc::clone(&shared.storage)),
        keepalive: config.keepalive,
        shutdown: shared.shutdown.clone(),
        grace: config.shutdown_grace,
        write_timeout: config.write_timeout,
    };
    let ended = connection::run(ws, session, peer).await;
    info!(%ended, "station disconnected");
    if listed.leave() {
        record_connection(&shared, &address, None).await;
    }
}

/// A connected station's entry in the server's list and gauge, left when the connection
/// ends, and also when its task is aborted (a shutdown past its timeout).
struct Listed {
    shared: Arc<Shared>,
    address: StationAddress,
    connection: u64,
    version: OcppVersion,
    left: bool,
}

impl Listed {
    /// Leaves the list: whether this connection was still the station's current one.
    fn leave(&mut self) -> bool {
        if std::mem::replace(&mut self.left, true) {
            return false;
        }
        metrics::connected(self.version, -1.0);
        let mut stations = self.shared.stations();
        let current = stations
            .get(&self.address)
            .is_some_and(|entry| entry.connection == self.connection);
        if current {
            stations.remove(&self.address);
        }
        current
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        if self.leave() {
            // Aborted: the storage learns of the disconnection if it still can.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let shared = Arc::clone(&self.shared);
                let address = self.address.clone();
                runtime.spawn(async move { record_connection(&shared, &address, None).await });
            }
        }
    }
}

async fn record_connection(
    shared: &Shared,
    address: &StationAddress,
    version: Option<OcppVersion>,
) {
    if let Err(error) = shared
        .storage
        .record_connection(address, version, Utc::now())
        .await
    {
        warn!(%error, "connection state not recorded");
    }
}
