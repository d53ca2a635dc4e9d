//! OCPI 2.2.1 and 2.1.1 objects, envelope, status codes and paging, typed and validated.
//!
//! - [`v221`]: every object of OCPI 2.2.1, module by module;
//! - [`v211`]: the OCPI 2.1.1 objects that differ from 2.2.1, with conversions;
//! - [`common`]: strings, timestamps, exact numbers, the response envelope, status
//!   codes, pagination and HTTP headers;
//! - [`decode()`] and [`Validate`]: decoding with JSON paths, and validation in
//!   [`Mode::Strict`] or [`Mode::Lenient`];
//! - [`decode_partial()`]: lenient reading of objects that miss required fields
//!   or hold undecodable values, as [`Partial`] objects (see below);
//! - [`rules`]: the cross-field rules validation applies (e.g. a CDR's
//!   `end_date_time` not before its `start_date_time`);
//! - [`WithUnknown`]: an object with the top-level members the specification
//!   does not define, kept and written back;
//! - [`check`]: checking a partner's payload (an object, a list, or a response
//!   envelope) by object name, as the `ocpi-check` example does;
//! - [`schema`]: the JSON Schemas of the top-level objects.
//!
//! Decoding keeps what a partner sent whenever it can: strings of any length,
//! enum values the specification does not define (in an `Other` variant that
//! survives a round trip), timestamps with an offset. Validation reports every
//! violation with its JSON path; strict mode makes them errors, lenient mode
//! warnings.
//!
//! ```
//! use ocpi_types::v221::Connector;
//! use ocpi_types::{decode, Mode};
//!
//! let json = r#"{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
//!   "power_type": "AC_3_PHASE", "max_voltage": 230, "max_amperage": 16,
//!   "tariff_ids": ["a-tariff-id-that-is-longer-than-thirty-six-characters"],
//!   "last_updated": "2019-06-24T12:39:09Z"}"#;
//! let (connector, report) = decode::<Connector>(json, Mode::Strict).unwrap();
//! assert_eq!(connector.max_voltage, 230);
//! assert_eq!(report.errors[0].path, "$.tariff_ids[0]");
//! ```
//!
//! # Missing required fields: partial objects
//!
//! A typed value cannot lack a required field, and this crate never invents
//! one: there are no placeholder values. [`decode()`] therefore fails on a
//! missing required field or a value of the wrong JSON type in both modes. In
//! lenient mode, [`decode_partial()`] reads such an object as a [`Partial`]:
//! the JSON exactly as sent, plus the list of its [`Gap`]s (each missing or
//! undecodable value, with its JSON path, reported as a warning); the rest of
//! the object is validated as usual. [`Partial::complete_with`] fills the gaps
//! from a value the caller chooses (e.g. the stored version of the object) and
//! yields a complete, validated object. Strict mode reports the first gap as an
//! error, as before. The [`check`] API (and `ocpi-check --mode lenient`) uses
//! this: such an object is accepted as *partial*, with every gap listed. Two
//! examples of the specification need it (a PUT of an EVSE whose connector lacks
//! four required fields, a PUT of a Tariff without `last_updated`). See
//! [`partial`] for the details.
//!
//! Numbers are [`rust_decimal::Decimal`] and are written as JSON numbers with
//! their exact digits (see [`common::number`]); this needs `serde_json` as the
//! serializer.

#[macro_use]
mod macros;

pub mod check;
pub mod common;
mod decode;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod partial;
pub mod rules;
pub mod schema;
pub mod unknown;
pub mod v211;
pub mod v221;
pub mod validate;

pub use check::Version;
pub use decode::{decode, decode_value};
pub use error::Error;
pub use partial::{Decoded, Gap, GapKind, Partial, decode_partial};
pub use unknown::WithUnknown;
pub use validate::{Issue, Mode, Report, Validate, Validator};
