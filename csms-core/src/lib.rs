//! The reference charging-station management system: data model, stores, tariff and CDR engine, HTTP APIs.
//!
//! - [`model`]: the domain model: tenants, users and API keys, tokens, vehicles, locations,
//!   stations with their EVSEs and connectors, charging sessions and meter values, tariffs
//!   and their assignments, CDRs, the audit log.
//! - [`store`]: the [`Store`](store::Store) trait family over that model, every method
//!   scoped by tenant, on SQLite and PostgreSQL; it is also `ocpp-server`'s station storage.
//! - [`tariff`]: the tariff and CDR engine. It prices charging sessions and CDRs with the whole
//!   OCPI 2.2.1 tariff model (and OCPI 2.1.1 tariffs), in exact decimals, and explains every
//!   number it produces.
//! - [`outbox`]: events written with the changes they report, delivered to webhooks.
//! - [`roaming`]: the CSMS as an OCPI CPO to its tenants' roaming partners.
//! - `cluster` (feature `cluster`): several CSMS processes on one database, with NATS
//!   between them.
//! - `api` (feature `http-api`): the admin HTTP API for operators, with its OpenAPI
//!   document.

#[cfg(feature = "http-api")]
pub mod api;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod model;
pub mod ocpp;
pub mod outbox;
pub mod roaming;
pub mod store;
pub mod tariff;
