//! Commands module (`mod_commands.asciidoc`): the command requests,
//! CommandResponse and CommandResult.

use crate::common::enums::null_as_empty;
use crate::common::{CiString, DateTime, DisplayText, Url};
use crate::v221::tokens::Token;

ocpi_object! {
    /// CANCEL_RESERVATION request.
    pub struct CancelReservation {
        /// Where to POST the CommandResult.
        pub response_url: Url,
        /// The reservation to cancel.
        pub reservation_id: CiString<36>,
    }
}

ocpi_object! {
    /// The CPO's immediate answer to a command request.
    pub struct CommandResponse {
        /// Response of the CPO.
        pub result: CommandResponseType,
        /// Timeout for the command in seconds.
        #[schemars(range(min = 0))]
        pub timeout: i64 => crate::validate::checks::non_negative,
        /// Human-readable description.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub message: Vec<DisplayText>,
    }
}

ocpi_object! {
    /// The result of a command, as reported by the Charge Point.
    pub struct CommandResult {
        /// Result of the command.
        pub result: CommandResultType,
        /// Human-readable description.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub message: Vec<DisplayText>,
    }
}

ocpi_object! {
    /// RESERVE_NOW request.
    pub struct ReserveNow {
        /// Where to POST the CommandResult.
        pub response_url: Url,
        /// The token to reserve for.
        pub token: Token,
        /// When the reservation ends.
        pub expiry_date: DateTime,
        /// Reservation ID.
        pub reservation_id: CiString<36>,
        /// Location to reserve at.
        pub location_id: CiString<36>,
        /// Specific EVSE.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evse_uid: Option<CiString<36>>,
        /// Reference to the authorization given by the eMSP.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub authorization_reference: Option<CiString<36>>,
    }
}

ocpi_object! {
    /// START_SESSION request.
    pub struct StartSession {
        /// Where to POST the CommandResult.
        pub response_url: Url,
        /// The token to start the session with.
        pub token: Token,
        /// Location to start at.
        pub location_id: CiString<36>,
        /// EVSE to start at (required with `connector_id`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evse_uid: Option<CiString<36>>,
        /// Connector to start at.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub connector_id: Option<CiString<36>>,
        /// Reference to the authorization given by the eMSP.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub authorization_reference: Option<CiString<36>>,
    }
    rules = crate::rules::start_session;
}

ocpi_object! {
    /// STOP_SESSION request.
    pub struct StopSession {
        /// Where to POST the CommandResult.
        pub response_url: Url,
        /// The session to stop.
        pub session_id: CiString<36>,
    }
}

ocpi_object! {
    /// UNLOCK_CONNECTOR request.
    pub struct UnlockConnector {
        /// Where to POST the CommandResult.
        pub response_url: Url,
        /// Location ID.
        pub location_id: CiString<36>,
        /// EVSE UID.
        pub evse_uid: CiString<36>,
        /// Connector ID.
        pub connector_id: CiString<36>,
    }
}

ocpi_enum! {
    /// The CPO's answer to a command request.
    pub enum CommandResponseType {
        /// Not supported.
        NotSupported = "NOT_SUPPORTED",
        /// Rejected by the CPO.
        Rejected = "REJECTED",
        /// Accepted by the CPO.
        Accepted = "ACCEPTED",
        /// Unknown session.
        UnknownSession = "UNKNOWN_SESSION",
    }
}

ocpi_enum! {
    /// The Charge Point's result of a command.
    pub enum CommandResultType {
        /// Accepted.
        Accepted = "ACCEPTED",
        /// The reservation was canceled.
        CanceledReservation = "CANCELED_RESERVATION",
        /// EVSE occupied.
        EvseOccupied = "EVSE_OCCUPIED",
        /// EVSE inoperative or faulted.
        EvseInoperative = "EVSE_INOPERATIVE",
        /// Execution failed.
        Failed = "FAILED",
        /// Not supported.
        NotSupported = "NOT_SUPPORTED",
        /// Rejected.
        Rejected = "REJECTED",
        /// No response from the Charge Point in time.
        Timeout = "TIMEOUT",
        /// Unknown reservation.
        UnknownReservation = "UNKNOWN_RESERVATION",
    }
}

ocpi_enum! {
    /// The commands.
    pub enum CommandType {
        /// Cancel a reservation.
        CancelReservation = "CANCEL_RESERVATION",
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
