//! Tokens module (`mod_tokens.asciidoc`): Token, AuthorizationInfo,
//! LocationReferences, EnergyContract.

use crate::common::enums::null_as_empty;
use crate::common::{CiString, DateTime, DisplayText, OcpiString};
use crate::v221::sessions::ProfileType;

ocpi_object! {
    /// The answer to a real-time authorization request.
    pub struct AuthorizationInfo {
        /// Whether charging is allowed.
        pub allowed: AllowedType,
        /// The complete Token.
        pub token: Token,
        /// The location the authorization is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub location: Option<LocationReferences>,
        /// Reference to this authorization.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub authorization_reference: Option<CiString<36>>,
        /// Text for the EV driver.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub info: Option<DisplayText>,
    }
}

ocpi_object! {
    /// A token (RFID card, app user, ...) of an eMSP.
    pub struct Token {
        /// Country code of the eMSP that owns this Token.
        pub country_code: CiString<2>,
        /// ID of the eMSP that owns this Token.
        pub party_id: CiString<3>,
        /// Unique ID (with `type`) of the token.
        pub uid: CiString<36>,
        /// Type of the token.
        pub r#type: TokenType,
        /// Contract ID.
        pub contract_id: CiString<36>,
        /// Number printed on the token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visual_number: Option<OcpiString<64>>,
        /// Issuing company.
        pub issuer: OcpiString<64>,
        /// Groups tokens that work as one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub group_id: Option<CiString<36>>,
        /// Whether the token is valid.
        pub valid: bool,
        /// Whitelisting allowed for this token.
        pub whitelist: WhitelistType,
        /// Preferred language (ISO 639-1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub language: Option<OcpiString<2>>,
        /// Default charging profile type.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub default_profile_type: Option<ProfileType>,
        /// The driver's own energy contract.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub energy_contract: Option<EnergyContract>,
        /// When this Token was last updated.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// A PATCH of a Token: the fields to change, and `last_updated`.
    pub struct TokenPatch {
        /// See [`Token::country_code`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub country_code: Option<CiString<2>>,
        /// See [`Token::party_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub party_id: Option<CiString<3>>,
        /// See [`Token::uid`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub uid: Option<CiString<36>>,
        /// See [`Token::type`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub r#type: Option<TokenType>,
        /// See [`Token::contract_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub contract_id: Option<CiString<36>>,
        /// See [`Token::visual_number`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visual_number: Option<OcpiString<64>>,
        /// See [`Token::issuer`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub issuer: Option<OcpiString<64>>,
        /// See [`Token::group_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub group_id: Option<CiString<36>>,
        /// See [`Token::valid`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub valid: Option<bool>,
        /// See [`Token::whitelist`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub whitelist: Option<WhitelistType>,
        /// See [`Token::language`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub language: Option<OcpiString<2>>,
        /// See [`Token::default_profile_type`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub default_profile_type: Option<ProfileType>,
        /// See [`Token::energy_contract`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub energy_contract: Option<EnergyContract>,
        /// Required in every PATCH.
        pub last_updated: DateTime,
    }
}

ocpi_enum! {
    /// Whether a token may charge.
    pub enum AllowedType {
        /// Allowed to charge (at this location).
        Allowed = "ALLOWED",
        /// Blocked.
        Blocked = "BLOCKED",
        /// Expired.
        Expired = "EXPIRED",
        /// Not enough credit.
        NoCredit = "NO_CREDIT",
        /// Valid, but not allowed at this location.
        NotAllowed = "NOT_ALLOWED",
    }
}

ocpi_object! {
    /// The driver's own energy supplier and contract.
    pub struct EnergyContract {
        /// Name of the energy supplier.
        pub supplier_name: OcpiString<64>,
        /// Contract ID at the supplier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub contract_id: Option<OcpiString<64>>,
    }
}

ocpi_object! {
    /// The location (and EVSEs) an authorization request is for.
    pub struct LocationReferences {
        /// Location ID.
        pub location_id: CiString<36>,
        /// EVSE UIDs within the location.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub evse_uids: Vec<CiString<36>>,
    }
}

ocpi_enum! {
    /// Type of a token.
    pub enum TokenType {
        /// One-time token generated by a server or app.
        AdHocUser = "AD_HOC_USER",
        /// Token of an app user.
        AppUser = "APP_USER",
        /// Other type.
        Other = "OTHER",
        /// RFID token.
        Rfid = "RFID",
    }
}

ocpi_enum! {
    /// Whitelisting allowed for a token.
    pub enum WhitelistType {
        /// Always whitelisted; real-time authorization not allowed.
        Always = "ALWAYS",
        /// Whitelisting and real-time authorization allowed.
        Allowed = "ALLOWED",
        /// Whitelisting only when the eMSP cannot be reached.
        AllowedOffline = "ALLOWED_OFFLINE",
        /// Only real-time authorization.
        Never = "NEVER",
    }
}
