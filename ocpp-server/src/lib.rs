//! Transport-agnostic OCPP-J RPC framework: the protocol core, a WebSocket server for a
//! CSMS, and the charge-point side.
//!
//! * [`Session`]: the per-connection protocol state machine, in plain synchronous code
//!   without I/O. A driver feeds it text frames and time, and pulls frames to send, events
//!   for the application and the next deadline. See the [`session`] module.
//! * [`server::Server`]: the WebSocket server (tokio-tungstenite) with subprotocol
//!   negotiation, security profiles 0 to 3, keep-alive, connection replacement and graceful
//!   shutdown.
//! * [`Router`]: typed `async fn` handlers per version and action; [`StationHandle`]: typed
//!   calls to a connected peer from anywhere, handlers included.
//! * [`storage::Storage`]: what the framework persists about stations, with an in-memory
//!   implementation.
//! * [`client::ChargePoint`]: the charge-point side, on the same core.
//! * [`metrics`]: what is recorded through the `metrics` facade; `tracing` spans name the
//!   connection and station.

pub mod client;
mod connection;
mod deflate;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod metrics;
mod router;
pub mod security;
pub mod server;
pub mod session;
mod station;
pub mod storage;
pub mod tls;

pub use connection::{CLOSE_GOING_AWAY, Keepalive};
pub use error::SessionError;
pub use router::{Context, Router};
pub use session::{
    AnyRequest, AnyResponse, CallId, CallOutcome, Close, ErrorReply, Event, IncomingCall,
    IncomingSend, Role, Session, SessionConfig, Warning,
};
pub use station::{Attachment, CallFailure, StationAddress, StationHandle};
