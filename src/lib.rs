//! OCPP and OCPI building blocks for EV-charging back ends.
//!
//! This facade re-exports the member crates so that one dependency brings the
//! whole family:
//!
//! - [`ocpp_types`]: every OCPP-J message of 1.6, 2.0.1 and 2.1, RPC frames and validation;
//! - [`ocpp_server`]: the transport-agnostic OCPP-J RPC framework;
//! - [`ocpi_types`]: OCPI 2.2.1 and 2.1.1 objects;
//! - [`ocpi_server`]: OCPI over HTTP (routes, credentials exchange, client);
//! - [`csms_core`]: the reference charging-station management system.

pub use csms_core;
pub use ocpi_server;
pub use ocpi_types;
pub use ocpp_server;
pub use ocpp_types;
