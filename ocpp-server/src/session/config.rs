//! Per-session settings.

use std::fmt;
use std::time::Duration;

use ocpp_types::rpc::FrameLimits;
use ocpp_types::validate::ValidationOptions;
use ocpp_types::{OcppVersion, Sender};

/// Which end of the connection this session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The CSMS: the peer is a charging station.
    Csms,
    /// The charging station: the peer is a CSMS.
    ChargingStation,
}

impl Role {
    /// The other end.
    pub const fn peer(self) -> Role {
        match self {
            Role::Csms => Role::ChargingStation,
            Role::ChargingStation => Role::Csms,
        }
    }

    /// Whether this role may send an action whose sender is `sender`.
    pub const fn may_send(self, sender: Sender) -> bool {
        match self {
            Role::Csms => sender.from_csms(),
            Role::ChargingStation => sender.from_station(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Csms => "CSMS",
            Role::ChargingStation => "charging station",
        })
    }
}

/// Settings of one [`Session`](super::Session).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The negotiated OCPP version.
    pub version: OcppVersion,
    /// Our role.
    pub role: Role,
    /// How long our CALL waits for its answer: [`DEFAULT_CALL_TIMEOUT`](Self::DEFAULT_CALL_TIMEOUT).
    pub call_timeout: Duration,
    /// How many calls may wait behind the one in flight (default 64).
    pub max_queued_calls: usize,
    /// How many incoming CALLs may wait for the application's answer at once (default 64);
    /// past it, a further CALL is answered with `RpcFrameworkError` at once.
    pub max_pending_incoming: usize,
    /// The longest frame accepted; a longer one closes the connection with 1009.
    pub frame_limits: FrameLimits,
    /// After this many malformed frames, and CALLs or SENDs whose payload fails validation
    /// (answered with a CALLERROR, or dropped), over the connection's life (default 20), the
    /// session asks for a close with 1008 (policy violation).
    pub max_bad_frames: u32,
    /// How payloads are validated, both incoming CALLs and the answers to our CALLs.
    pub validation: ValidationOptions,
}

impl SessionConfig {
    /// The default call timeout: 30 seconds.
    pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

    /// Defaults for a session of `version` in `role`, with strict validation.
    pub fn new(version: OcppVersion, role: Role) -> SessionConfig {
        SessionConfig {
            version,
            role,
            call_timeout: Self::DEFAULT_CALL_TIMEOUT,
            max_queued_calls: 64,
            max_pending_incoming: 64,
            frame_limits: FrameLimits::default(),
            max_bad_frames: 20,
            validation: ValidationOptions::strict(),
        }
    }
}
