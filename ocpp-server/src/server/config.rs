//! The settings of a [`Server`](super::Server).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ocpp_types::OcppVersion;
use ocpp_types::rpc::FrameLimits;
use ocpp_types::validate::ValidationOptions;

use super::limits::ConnectionLimits;
use crate::connection::Keepalive;
pub use crate::security::SecurityProfile;
use crate::security::ThrottleLimits;
use crate::session::SessionConfig;

/// Settings of a [`Server`](super::Server).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The path before the station identity, without slashes (default `ocpp`; empty: the
    /// identity is the whole path).
    pub prefix: String,
    /// Whether station identities are scoped by tenant (default `false`): stations connect
    /// at `/<prefix>/<tenant>/<identity>`, and the [`Storage`](crate::storage::Storage)
    /// finds each by its [`StationAddress`](crate::StationAddress), so that two tenants'
    /// stations of the same identity are two stations.
    pub tenant_in_path: bool,
    /// The versions accepted, in order of preference (default 2.1, 2.0.1, 1.6). A station
    /// is only ever put on one in which the server's [`Router`](crate::Router) handles
    /// something ([`Router::versions`](crate::Router::versions)); the others are not offered.
    pub versions: Vec<OcppVersion>,
    /// The version of a station that offers no subprotocol at all (default `None`: refused).
    pub version_without_subprotocol: Option<OcppVersion>,
    /// The security profile of stations whose record names none, and of unknown stations
    /// (default profile 0). A station whose record names a profile is admitted only with
    /// what that profile requires (see [`crate::security::admit`]).
    pub security: SecurityProfile,
    /// The TLS settings of the listener [`Server::bind`](super::Server::bind) opens: with
    /// them it serves `wss`, without plain `ws` (see [`crate::tls::server_config`]; more
    /// listeners, plain or TLS, with [`Server::listen`](super::Server::listen)).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Whether stations unknown to the storage may connect (default `true`), under
    /// [`Self::security`]: only possible with profiles 0 and 3, since profiles 1 and 2
    /// need a stored password.
    pub accept_unknown_stations: bool,
    /// How failed authentications are throttled, per identity and per source address.
    pub throttle: ThrottleLimits,
    /// How payloads are validated (default strict).
    pub validation: ValidationOptions,
    /// Validation options for particular stations, by identity.
    pub station_validation: HashMap<String, ValidationOptions>,
    /// How long our calls wait for their answer (default 30 s).
    pub call_timeout: Duration,
    /// The longest frame accepted (default 1 MiB); a longer one closes with 1009.
    pub frame_limits: FrameLimits,
    /// Malformed frames, and calls whose payload fails validation, tolerated over a
    /// connection's life before it is closed with 1008 (default 20). A station known to send
    /// payloads a little off the schema is better given lenient
    /// [`Self::station_validation`] than a larger budget.
    pub max_bad_frames: u32,
    /// Pings and dead-peer detection.
    pub keepalive: Keepalive,
    /// How long each step of the upgrade may take (default 10 s): the TLS handshake, then
    /// reading the request and admitting the station (which asks the storage) together;
    /// the answer's write is under [`Self::write_timeout`].
    pub handshake_timeout: Duration,
    /// How long [`Server::shutdown`](super::Server::shutdown) lets calls in flight finish (default 10 s).
    pub shutdown_grace: Duration,
    /// The WebSocket read buffer per connection in bytes (default 4 KiB); it grows for larger
    /// messages, up to the frame limit.
    pub read_buffer_size: usize,
    /// Whether a station offering permessage-deflate gets it (default `true`). A compressed
    /// message inflating past [`Self::frame_limits`] closes the connection with 1009.
    pub compression: bool,
    /// Whether compression may keep its context from one message to the next (default
    /// `false`). Sharing context compresses small, repetitive messages better but keeps a
    /// compressor and a decompressor (about 350 KiB) per compressed connection for its whole
    /// life; without it, they exist only while a message is handled.
    pub compression_context_takeover: bool,
    /// How many connections the server holds, in all and per source address, and how fast
    /// it takes new ones (see [`ConnectionLimits`] for the defaults). A connection counts
    /// from its TCP accept until it ends, handshake included; one over a limit is closed at
    /// once, before anything is read or written, and counted in
    /// [`CONNECTIONS_REFUSED`](crate::metrics::CONNECTIONS_REFUSED).
    pub connections: ConnectionLimits,
    /// How long writing to a connection may take (default 30 s): the handshake's answer, a
    /// batch of frames, a ping, a close frame. A peer that stops reading (its TCP window
    /// full) is dropped once it passes, rather than holding its task and memory forever.
    pub write_timeout: Duration,
    /// How long [`Server::shutdown`](super::Server::shutdown) waits, past
    /// [`Self::shutdown_grace`], for connections to close (default 5 s): then the tasks of
    /// those still open (peers not reading, handshakes, slow storage) are aborted.
    pub shutdown_timeout: Duration,
    /// How many incoming CALLs of a station may wait for their handler at once (default 4;
    /// OCPP lets a station have one); past it, a further CALL is answered with
    /// `RpcFrameworkError` at once. Each keeps its decoded request until answered.
    pub max_pending_incoming: usize,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            prefix: "ocpp".to_owned(),
            tenant_in_path: false,
            versions: vec![OcppVersion::V21, OcppVersion::V201, OcppVersion::V16],
            version_without_subprotocol: None,
            security: SecurityProfile::None,
            tls: None,
            accept_unknown_stations: true,
            throttle: ThrottleLimits::default(),
            validation: ValidationOptions::strict(),
            station_validation: HashMap::new(),
            call_timeout: SessionConfig::DEFAULT_CALL_TIMEOUT,
            frame_limits: FrameLimits::default(),
            max_bad_frames: 20,
            keepalive: Keepalive::default(),
            handshake_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            read_buffer_size: 4096,
            compression: true,
            compression_context_takeover: false,
            connections: ConnectionLimits::default(),
            write_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(5),
            max_pending_incoming: 4,
        }
    }
}
