//! Transport-agnostic OCPP-J RPC framework.
//!
//! The heart is [`Session`]: the per-connection protocol state machine, in plain synchronous
//! code without I/O. A driver (such as a WebSocket task) feeds it text frames and time, and
//! pulls frames to send, events to hand to the application and the next deadline. See the
//! [`session`] module for the order in which a driver calls its methods.

mod error;
pub mod session;

pub use error::SessionError;
pub use session::{
    AnyRequest, AnyResponse, CallId, CallOutcome, Close, ErrorReply, Event, IncomingCall,
    IncomingSend, Role, Session, SessionConfig, Warning,
};
