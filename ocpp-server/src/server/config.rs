//! The settings of a [`Server`](super::Server) and the security profiles it enforces.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ocpp_types::OcppVersion;
use ocpp_types::rpc::FrameLimits;
use ocpp_types::validate::ValidationOptions;

use crate::connection::Keepalive;
use crate::session::SessionConfig;

/// How stations authenticate (OCPP security profiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityProfile {
    /// 0: no authentication, plain `ws` (development only).
    None,
    /// 1: HTTP Basic authentication over plain `ws`; the user must be the station identity.
    Basic,
    /// 2: TLS (server certificate) plus HTTP Basic authentication.
    TlsBasic,
    /// 3: TLS with client certificates; the identity is the certificate's common name.
    TlsClientCertificate,
}

impl SecurityProfile {
    /// The profile's number in OCPP.
    pub const fn number(self) -> u8 {
        match self {
            SecurityProfile::None => 0,
            SecurityProfile::Basic => 1,
            SecurityProfile::TlsBasic => 2,
            SecurityProfile::TlsClientCertificate => 3,
        }
    }

    pub(crate) const fn uses_tls(self) -> bool {
        matches!(
            self,
            SecurityProfile::TlsBasic | SecurityProfile::TlsClientCertificate
        )
    }

    pub(crate) const fn uses_password(self) -> bool {
        matches!(self, SecurityProfile::Basic | SecurityProfile::TlsBasic)
    }
}

/// Settings of a [`Server`](super::Server).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The path before the station identity, without slashes (default `ocpp`; empty: the
    /// identity is the whole path).
    pub prefix: String,
    /// The versions accepted, in order of preference (default 2.1, 2.0.1, 1.6). A station
    /// is only ever put on one in which the server's [`Router`](crate::Router) handles
    /// something ([`Router::versions`](crate::Router::versions)); the others are not offered.
    pub versions: Vec<OcppVersion>,
    /// The version of a station that offers no subprotocol at all (default `None`: refused).
    pub version_without_subprotocol: Option<OcppVersion>,
    /// How stations authenticate (default profile 0).
    pub security: SecurityProfile,
    /// The TLS settings, required by profiles 2 and 3 (see [`crate::tls::server_config`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Whether stations unknown to the storage may connect (default `true`; only possible
    /// with profiles 0 and 3, since profiles 1 and 2 need a stored password).
    pub accept_unknown_stations: bool,
    /// How payloads are validated (default strict).
    pub validation: ValidationOptions,
    /// Validation options for particular stations, by identity.
    pub station_validation: HashMap<String, ValidationOptions>,
    /// How long our calls wait for their answer (default 30 s).
    pub call_timeout: Duration,
    /// The longest frame accepted (default 1 MiB); a longer one closes with 1009.
    pub frame_limits: FrameLimits,
    /// Malformed frames tolerated over a connection's life before it is closed (default 20).
    pub max_bad_frames: u32,
    /// Pings and dead-peer detection.
    pub keepalive: Keepalive,
    /// How long the upgrade (TLS and HTTP) may take (default 10 s).
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
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            prefix: "ocpp".to_owned(),
            versions: vec![OcppVersion::V21, OcppVersion::V201, OcppVersion::V16],
            version_without_subprotocol: None,
            security: SecurityProfile::None,
            tls: None,
            accept_unknown_stations: true,
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
        }
    }
}
