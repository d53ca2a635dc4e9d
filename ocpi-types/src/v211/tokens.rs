//! Tokens module of OCPI 2.1.1.

use crate::common::enums::null_as_empty;
use crate::common::{DateTime, DisplayText, OcpiString};
pub use crate::v221::tokens::{AllowedType as Allowed, WhitelistType};

ocpi_object! {
    /// A token (2.1.1).
    pub struct Token {
        /// Unique ID, string(36).
        pub uid: OcpiString<36>,
        /// Type.
        pub r#type: TokenType,
        /// eMA-ID / contract ID used in sessions and CDRs, string(36).
        pub auth_id: OcpiString<36>,
        /// Number printed on the token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visual_number: Option<OcpiString<64>>,
        /// Issuing company.
        pub issuer: OcpiString<64>,
        /// Whether the token is valid.
        pub valid: bool,
        /// Whitelisting allowed.
        pub whitelist: WhitelistType,
        /// Preferred language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub language: Option<OcpiString<2>>,
        /// Last update.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// The answer to a real-time authorization request (2.1.1).
    pub struct AuthorizationInfo {
        /// Whether charging is allowed.
        pub allowed: Allowed,
        /// The location the authorization is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub location: Option<LocationReferences>,
        /// Text for the driver.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub info: Option<DisplayText>,
    }
}

ocpi_object! {
    /// Location, EVSEs and connectors of an authorization request (2.1.1).
    pub struct LocationReferences {
        /// Location ID, string(39).
        pub location_id: OcpiString<39>,
        /// EVSE UIDs, string(39).
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub evse_uids: Vec<OcpiString<39>>,
        /// Connector IDs, string(36).
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub connector_ids: Vec<OcpiString<36>>,
    }
}

ocpi_enum! {
    /// Type of a token (2.1.1).
    pub enum TokenType {
        /// Other type.
        Other = "OTHER",
        /// RFID.
        Rfid = "RFID",
    }
}
