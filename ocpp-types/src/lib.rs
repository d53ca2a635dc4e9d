//! Every OCPP-J message of OCPP 1.6 (core and security extension), 2.0.1 and 2.1, generated
//! from the official JSON schemas, with the OCPP-J RPC frames and validation.
//!
//! - [`v16`], [`v201`], [`v21`]: one module per version (cargo features of the same names, all
//!   on by default) with a struct per request and response, an enum per schema enumeration,
//!   and `Request`/`Response` enums that decode any payload of the version by action name.
//! - [`OcppCall`], [`OcppResponse`], [`OcppSend`]: the typed pairing of each request with its
//!   response, action name, version and sender.
//! - [`decode`](mod@decode) and [`validate`]: decoding with strict or lenient validation;
//!   every violation names its JSON path and the CallError code the version prescribes.
//! - [`rpc`]: the OCPP-J frames (CALL, CALLRESULT, CALLERROR, and 2.1's CALLRESULTERROR and
//!   SEND).
//! - [`check`]: checking logs of frames, pairing each CALLRESULT with its CALL.
//!
//! Wire types: numbers are exact [`rust_decimal::Decimal`]s, timestamps
//! [`chrono::DateTime<Utc>`](chrono::DateTime) read with any offset and written in UTC with at
//! most three fraction digits; every enumeration keeps values its schema does not list in an
//! `Unrecognized` variant.
//!
//! ```
//! # #[cfg(feature = "v16")] {
//! use ocpp_types::v16::{BootNotificationRequest, Request};
//! use ocpp_types::validate::ValidationOptions;
//!
//! let payload = r#"{"chargePointVendor":"Acme","chargePointModel":"Wallbox 22"}"#;
//! let decoded = Request::decode("BootNotification", payload, &ValidationOptions::strict()).unwrap();
//! let Request::BootNotification(boot) = decoded.value else { unreachable!() };
//! assert_eq!(boot.charge_point_vendor, "Acme");
//! # }
//! ```

pub mod check;
pub mod decode;
mod error_code;
mod message;
pub mod rpc;
pub mod validate;
mod version;
#[doc(hidden)]
pub mod wire;

#[cfg(feature = "v16")]
#[rustfmt::skip]
pub mod v16;
#[cfg(feature = "v201")]
#[rustfmt::skip]
pub mod v201;
#[cfg(feature = "v21")]
#[rustfmt::skip]
pub mod v21;

pub use error_code::ErrorCode;
pub use message::{ActionInfo, OcppCall, OcppMessage, OcppRequest, OcppResponse, OcppSend};
pub use version::{OcppVersion, Sender, UnknownVersion};
