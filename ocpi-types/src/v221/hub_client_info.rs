//! HubClientInfo module (`mod_hub_client_info.asciidoc`).

use crate::common::{CiString, DateTime};
use crate::v221::types::Role;

ocpi_object! {
    /// Connection status of a party connected to a Hub.
    pub struct ClientInfo {
        /// ID of the party.
        pub party_id: CiString<3>,
        /// Country code of the party.
        pub country_code: CiString<2>,
        /// Role of the party.
        pub role: Role,
        /// Status of the connection.
        pub status: ConnectionStatus,
        /// When this ClientInfo was last updated.
        pub last_updated: DateTime,
    }
}

ocpi_enum! {
    /// Status of a connection to a party.
    pub enum ConnectionStatus {
        /// Connected.
        Connected = "CONNECTED",
        /// Currently not connected.
        Offline = "OFFLINE",
        /// Planned, never connected.
        Planned = "PLANNED",
        /// No longer active.
        Suspended = "SUSPENDED",
    }
}
