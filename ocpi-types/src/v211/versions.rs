//! Versions module of OCPI 2.1.1.

use crate::common::Url;
pub use crate::v221::versions::{Version, VersionNumber};
use crate::validate::checks;

ocpi_object! {
    /// The endpoints of one version (2.1.1: no interface roles).
    pub struct VersionDetails {
        /// The version number.
        pub version: VersionNumber,
        /// The endpoints (at least one).
        #[schemars(length(min = 1))]
        pub endpoints: Vec<Endpoint> => checks::non_empty,
    }
}

ocpi_object! {
    /// One endpoint (2.1.1).
    pub struct Endpoint {
        /// The module.
        pub identifier: ModuleId,
        /// URL of the endpoint.
        pub url: Url,
    }
}

ocpi_enum! {
    /// Module identifiers (2.1.1).
    pub enum ModuleId {
        /// CDRs.
        Cdrs = "cdrs",
        /// Commands.
        Commands = "commands",
        /// Credentials.
        Credentials = "credentials",
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
