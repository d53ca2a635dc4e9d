//! Every OCPP-J message of OCPP 1.6 (core and security extension), 2.0.1 and 2.1.

mod error_code;
pub mod rpc;
mod version;

pub use error_code::ErrorCode;
pub use version::{OcppVersion, Sender, UnknownVersion};
