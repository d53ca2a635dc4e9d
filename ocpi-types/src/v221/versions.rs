//! Versions module (`version_information_endpoint.asciidoc`).

use crate::common::Url;
use crate::validate::checks;

ocpi_object! {
    /// One supported version and where its details are.
    pub struct Version {
        /// The version number.
        pub version: VersionNumber,
        /// URL of the version details endpoint.
        pub url: Url,
    }
}

ocpi_object! {
    /// The endpoints of one version.
    pub struct VersionDetails {
        /// The version number.
        pub version: VersionNumber,
        /// The endpoints (at least one).
        #[schemars(length(min = 1))]
        pub endpoints: Vec<Endpoint> => checks::non_empty,
    }
}

ocpi_object! {
    /// One endpoint of a module.
    pub struct Endpoint {
        /// The module.
        pub identifier: ModuleId,
        /// Sender or receiver interface.
        pub role: InterfaceRole,
        /// URL of the endpoint.
        pub url: Url,
    }
}

ocpi_enum! {
    /// Which interface of a module an endpoint implements.
    pub enum InterfaceRole {
        /// Interface of the data owner; the receiver pulls.
        Sender = "SENDER",
        /// Interface of the receiver; the owner pushes.
        Receiver = "RECEIVER",
    }
}

ocpi_enum! {
    /// Module identifiers. Custom modules (e.g. `nltnm-tokens`) are kept as
    /// `NonStandard` values; strict validation reports them.
    pub enum ModuleId {
        /// CDRs.
        Cdrs = "cdrs",
        /// Charging Profiles.
        ChargingProfiles = "chargingprofiles",
        /// Commands.
        Commands = "commands",
        /// Credentials & Registration.
        Credentials = "credentials",
        /// Hub Client Info.
        HubClientInfo = "hubclientinfo",
        /// Locations.
        Locations = "locations",
        /// Sessions.
        Sessions = "sessions",
        /// Tariffs.
        Tariffs = "tariffs",
        /// Tokens.
        Tokens = "tokens",
    }
}

ocpi_enum! {
    /// Known OCPI versions.
    pub enum VersionNumber {
        /// 2.0.
        V2_0 = "2.0",
        /// 2.1 (deprecated, use 2.1.1).
        V2_1 = "2.1",
        /// 2.1.1.
        V2_1_1 = "2.1.1",
        /// 2.2 (deprecated, use 2.2.1).
        V2_2 = "2.2",
        /// 2.2.1.
        V2_2_1 = "2.2.1",
    }
}
