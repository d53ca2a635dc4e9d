//! The reference charging-station management system: data model, stores, tariff and CDR engine, HTTP APIs.
//!
//! - [`tariff`]: the tariff and CDR engine. It prices charging sessions and CDRs with the whole
//!   OCPI 2.2.1 tariff model (and OCPI 2.1.1 tariffs), in exact decimals, and explains every
//!   number it produces.

pub mod tariff;
