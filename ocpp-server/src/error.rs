//! The errors of the session layer.

use ocpp_types::OcppVersion;
use ocpp_types::rpc::EncodeError;

use crate::session::Role;

/// Why the application's command to a [`Session`](crate::Session) was refused.
///
/// Nothing was sent and no event will follow for a refused command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The queue of calls waiting for the one in flight is full.
    #[error("call queue full ({capacity} calls waiting)")]
    QueueFull {
        /// The configured capacity.
        capacity: usize,
    },
    /// The session is closed (or closing): nothing more is sent.
    #[error("session closed")]
    Closed,
    /// The session's OCPP version does not define this action.
    #[error("OCPP {version} has no action {action:?}")]
    UnknownAction {
        /// The action.
        action: String,
        /// The session's version.
        version: OcppVersion,
    },
    /// Our role may not send this action.
    #[error("a {role} may not send {action}")]
    NotAllowedForRole {
        /// The action.
        action: String,
        /// Our role.
        role: Role,
    },
    /// The action is a SEND but was used as a CALL, or the reverse.
    #[error("{action} is {}", if *is_send { "a SEND, not a CALL" } else { "a CALL, not a SEND" })]
    WrongMessageKind {
        /// The action.
        action: String,
        /// Whether the action is a SEND.
        is_send: bool,
    },
    /// A typed message of another OCPP version than the session's.
    #[error("message of OCPP {message} on an OCPP {session} session")]
    WrongVersion {
        /// The session's version.
        session: OcppVersion,
        /// The message's version.
        message: OcppVersion,
    },
    /// The session's version is not enabled by the crate features.
    #[error("OCPP {0} is not enabled in this build")]
    VersionNotEnabled(OcppVersion),
    /// [`Session::respond`](crate::Session::respond) with an id that is not an incoming CALL
    /// waiting for its answer (already answered, or never received).
    #[error("no incoming call {0:?} awaits an answer")]
    UnknownIncomingCall(String),
    /// The payload could not be encoded (for example it is not a JSON object).
    #[error(transparent)]
    Encode(#[from] EncodeError),
}
