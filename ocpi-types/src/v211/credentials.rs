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
    secret = [token];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let credentials: Credentials = serde_json::from_value(serde_json::json!({
            "token": "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2",
            "url": "https://example.com/ocpi/versions",
            "business_details": { "name": "Example" },
            "party_id": "EXA",
            "country_code": "NL"
        }))
        .unwrap();
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("ebf3b399"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("EXA"),
            "{shown}"
        );
    }
}
