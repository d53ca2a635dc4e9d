//! The domain model of the CSMS: plain values, one file per area, shared by every store.
//!
//! Every row belongs to a [`Tenant`]; every value here that is stored carries its
//! [`TenantId`]. Identifiers are numbers the store assigns ([`TenantId`], [`StationId`], ...);
//! names that come from the field (a station identity, a token uid, a 2.0.1 transaction id)
//! are kept as the strings they are.
//!
//! - [`tenant`]: tenants and their settings.
//! - [`user`]: users, their roles, and API keys.
//! - [`token`]: authorization tokens, their restrictions and usage counters.
//! - [`vehicle`]: vehicles, linked to users and tokens.
//! - [`location`]: locations, opening hours and parking spots.
//! - [`station`]: charging stations, their boot log, EVSEs and connectors.
//! - [`session`]: charging sessions (transactions) and their meter values.
//! - [`tariff`]: OCPI tariffs and what they are assigned to.
//! - [`cdr`]: charge detail records, issued once per finished session.
//! - [`configuration`]: station configuration (1.6 keys, 2.0.1 variables).
//! - [`reservation`]: reservations of an EVSE or a station for a token.
//! - [`charging_profile`]: charging profiles sent to stations.
//! - [`invoice`]: invoices grouping a user's CDRs of a period.
//! - [`roaming`]: OCPI roaming partners.
//! - [`event`]: events in the outbox, written with the changes they report.
//! - [`webhook`]: webhook subscriptions and their delivery log.
//! - [`audit`]: the audit log.
//!
//! Enumerations are stored and written as short stable names (`as_str`/`parse`), so a
//! value read back from a database is the value that was written.

/// Declares a store-assigned numeric identifier.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

/// Declares an enumeration stored and serialized as fixed names.
macro_rules! text_enum {
    (
        $(#[$doc:meta])*
        $name:ident {
            $($(#[$vdoc:meta])* $variant:ident = $text:literal,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stored and serialized name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The value with the stored name `text`, if there is one.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod audit;
pub mod cdr;
pub mod charging_profile;
pub mod configuration;
pub mod event;
pub mod invoice;
pub mod location;
pub mod node;
pub mod reservation;
pub mod roaming;
pub mod session;
pub mod station;
pub mod tariff;
pub mod tenant;
pub mod token;
pub mod user;
pub mod vehicle;
pub mod webhook;

pub use audit::{Actor, AuditEntry, AuditId, NewAuditEntry};
pub use cdr::{Cdr, CdrFilter, CdrId, NewCdr};
pub use charging_profile::{ChargingProfileCriteria, SentChargingProfile};
pub use configuration::{ConfigurationKey, VariableKey, VariableValue};
pub use event::{ConnectorStatusChange, EventId, EventKind, OutboxEvent, StationPresence};
pub use invoice::{Invoice, InvoiceId, NewInvoice};
pub use location::{
    Address, Coordinates, Location, LocationId, NewLocation, OpeningHours, ParkingSpot,
};
pub use node::{ClusterNode, DeadNode};
pub use reservation::{
    NewReservation, PartnerReservation, Reservation, ReservationId, ReservationStatus,
};
pub use roaming::{
    CommandResultDue, NewRoamingPartner, PartnerDelivery, PartnerDeliveryId, PartnerEndpoint,
    PartnerStatus, ProfileResult, ProfileResultDue, RoamingPartner, RoamingPartnerId, RoamingToken,
    TokenHash,
};
pub use session::{
    AuthMethod, ChargingSession, MeterRecorded, MeterReport, MeterTarget, MeterValue, NewSession,
    SessionFilter, SessionId, SessionStart, SessionStatus, SessionStop, StationMeterValue,
    TransactionRef, UnknownStop,
};
pub use station::{
    BootLogEntry, Connector, ConnectorStatus, Evse, NewStation, RegistrationStatus, Station,
    StationDetails, StationFilter, StationId, StatusReport,
};
pub use tariff::{StoredTariff, TariffAssignment, TariffId, TariffScope};
pub use tenant::{NewTenant, Tenant, TenantId, TenantRole, TenantSettings, UnknownStationPolicy};
pub use token::{
    NewToken, TimeWindow, Token, TokenFilter, TokenId, TokenKind, TokenRestrictions, TokenStatus,
    TokenUsage,
};
pub use user::{ApiKey, ApiKeyId, NewApiKey, NewUser, Role, User, UserId, UserUpdate};
pub use vehicle::{NewVehicle, Vehicle, VehicleId};
pub use webhook::{
    AttemptOutcome, DeliveryId, DeliveryStatus, NewDelivery, NewWebhook, Webhook, WebhookDelivery,
    WebhookId,
};

/// The OCPP version of a station, as stored (`1.6`, `2.0.1`, `2.1`).
pub(crate) fn ocpp_version_from_str(text: &str) -> Option<ocpp_types::OcppVersion> {
    ocpp_types::OcppVersion::ALL
        .into_iter()
        .find(|version| version.as_str() == text)
}

/// A station's OCPP version with serde, written as `1.6`, `2.0.1` or `2.1`.
pub(crate) mod ocpp_version_serde {
    use ocpp_types::OcppVersion;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<OcppVersion>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(version) => serializer.serialize_some(version.as_str()),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OcppVersion>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => super::ocpp_version_from_str(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown OCPP version {text}"))),
        }
    }
}

/// A [`ocpp_server::storage::PasswordHash`] with serde, written in its stored form (an Argon2id
/// PHC string, or the `sha256$salt$hash` of earlier versions).
pub(crate) mod hash_serde {
    use ocpp_server::storage::PasswordHash;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<PasswordHash>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(hash) => serializer.serialize_some(&hash.to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<PasswordHash>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => PasswordHash::parse(&text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(
                    "not a password hash (Argon2id PHC string or sha256$salt$hash)",
                )
            }),
        }
    }
}
