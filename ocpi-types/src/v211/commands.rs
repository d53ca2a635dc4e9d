//! Commands module of OCPI 2.1.1.

use crate::common::{DateTime, OcpiString, Url};
use crate::v211::tokens::Token;

ocpi_object! {
    /// The answer to a command, both the immediate one and the asynchronous
    /// result POSTed to `response_url` (2.1.1). It has only `result`: the
    /// `timeout` and `message` fields came with 2.2.
    pub struct CommandResponse {
        /// The result.
        pub result: CommandResponseType,
    }
}

ocpi_object! {
    /// RESERVE_NOW request (2.1.1).
    pub struct ReserveNow {
        /// Where to POST the result.
        pub response_url: Url,
        /// The token.
        pub token: Token,
        /// End of the reservation.
        pub expiry_date: DateTime,
        /// Reservation ID (an integer in 2.1.1).
        pub reservation_id: i64,
        /// Location ID, string(39).
        pub location_id: OcpiString<39>,
        /// EVSE UID, string(39).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evse_uid: Option<OcpiString<39>>,
    }
}

ocpi_object! {
    /// START_SESSION request (2.1.1).
    pub struct StartSession {
        /// Where to POST the result.
        pub response_url: Url,
        /// The token.
        pub token: Token,
        /// Location ID, string(39).
        pub location_id: OcpiString<39>,
        /// EVSE UID, string(39).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evse_uid: Option<OcpiString<39>>,
    }
}

ocpi_object! {
    /// STOP_SESSION request (2.1.1).
    pub struct StopSession {
        /// Where to POST the result.
        pub response_url: Url,
        /// Session ID, string(36).
        pub session_id: OcpiString<36>,
    }
}

ocpi_object! {
    /// UNLOCK_CONNECTOR request (2.1.1).
    pub struct UnlockConnector {
        /// Where to POST the result.
        pub response_url: Url,
        /// Location ID, string(39).
        pub location_id: OcpiString<39>,
        /// EVSE UID, string(39).
        pub evse_uid: OcpiString<39>,
        /// Connector ID, string(36).
        pub connector_id: OcpiString<36>,
    }
}

ocpi_enum! {
    /// Result of a command (2.1.1).
    pub enum CommandResponseType {
        /// Not supported.
        NotSupported = "NOT_SUPPORTED",
        /// Rejected.
        Rejected = "REJECTED",
        /// Accepted.
        Accepted = "ACCEPTED",
        /// Timeout.
        Timeout = "TIMEOUT",
        /// Unknown session.
        UnknownSession = "UNKNOWN_SESSION",
    }
}

ocpi_enum! {
    /// The commands (2.1.1).
    pub enum CommandType {
        /// Reserve an EVSE.
        ReserveNow = "RESERVE_NOW",
        /// Start a session.
        StartSession = "START_SESSION",
        /// Stop a session.
        StopSession = "STOP_SESSION",
        /// Unlock a connector.
        UnlockConnector = "UNLOCK_CONNECTOR",
    }
}
