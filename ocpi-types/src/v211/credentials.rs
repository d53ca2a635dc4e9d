//! Credentials module of OCPI 2.1.1.

use crate::common::{OcpiString, Url};
use crate::v211::locations::BusinessDetails;

ocpi_object! {
    /// Credentials (2.1.1): one party per connection.
    pub struct Credentials {
        /// The credentials token, string(64).
        pub token: OcpiString<64>,
        /// URL of the versions endpoint.
        pub url: Url,
        /// Details of the party.
        pub business_details: BusinessDetails,
        /// ID of the party, string(3).
        pub party_id: OcpiString<3>,
        /// Country code, string(2).
        pub country_code: OcpiString<2>,
    }
}
