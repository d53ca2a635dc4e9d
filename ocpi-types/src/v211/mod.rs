//! OCPI 2.1.1: the objects that differ from 2.2.1, and conversions.
//!
//! The OCPI 2.1.1 specification text is not part of this repository; these
//! types follow the published OCPI 2.1.1 document (with its d2 errata) as the
//! maintainers know it. The main differences from 2.2.1:
//!
//! - strings are `string(n)` (case-sensitive), identifiers mostly string(36)
//!   or string(39) (Location ids, EVSE uids);
//! - Location has `type` ([`LocationType`]) instead of `parking_type`, no
//!   `country_code`/`party_id`/`publish`, and requires `postal_code`;
//! - Connector has `voltage`, `amperage` and a single `tariff_id`;
//! - Session has `start_datetime`/`end_datetime`, `auth_id`, an embedded
//!   `location`, and `total_cost` as a number;
//! - CDR has `stop_date_time`, `auth_id`, an embedded `location` and totals as
//!   numbers;
//! - Tariff has no `type`, `min_price`, `max_price`, start/end date; price
//!   components have no `vat`;
//! - Token has `auth_id` and no `country_code`/`party_id`/`contract_id`;
//! - Commands answer with one [`CommandResponse`] (also as the asynchronous
//!   result); `reservation_id` is an integer;
//! - Credentials carry one `business_details`, `party_id` and `country_code`
//!   instead of a list of roles; version details have no interface roles.
//!
//! - EnergyMix's EnvironmentalImpact names its category `source` (2.2.1:
//!   `category`), so [`EnergyMix`] and [`EnvironmentalImpact`] are 2.1.1 types.
//!
//! Classes that are identical in both versions (GeoLocation, Hours, Image,
//! BusinessDetails, EnergySource, DisplayText, StatusSchedule, ...) are the
//! 2.2.1 types, re-exported here. The enums whose value sets differ have their
//! own 2.1.1 definition.
//!
//! [`convert`] converts between the versions where no information is lost and
//! fails with [`Error::Conversion`](crate::Error::Conversion) where it would be.

pub mod cdrs;
pub mod commands;
pub mod convert;
pub mod credentials;
pub mod locations;
pub mod sessions;
pub mod tariffs;
pub mod tokens;
pub mod versions;

pub use crate::common::DisplayText;
pub use cdrs::*;
pub use commands::*;
pub use credentials::*;
pub use locations::*;
pub use sessions::*;
pub use tariffs::*;
pub use tokens::*;
pub use versions::*;
