//! Credentials module (`credentials.asciidoc`).

use crate::common::{CiString, OcpiString, Url};
use crate::v221::locations::BusinessDetails;
use crate::v221::types::Role;
use crate::validate::checks;

ocpi_object! {
    /// The credentials a party gives another: its token, its versions URL and
    /// its roles.
    pub struct Credentials {
        /// The credentials token for the other party to authenticate with.
        pub token: OcpiString<64>,
        /// URL of the versions endpoint.
        pub url: Url,
        /// The roles this party provides (at least one).
        #[schemars(length(min = 1))]
        pub roles: Vec<CredentialsRole> => checks::non_empty,
    }
    secret = [token];
}

ocpi_object! {
    /// One role of a party.
    pub struct CredentialsRole {
        /// The role.
        pub role: Role,
        /// Details of the party.
        pub business_details: BusinessDetails,
        /// ID of the party (ISO-15118).
        pub party_id: CiString<3>,
        /// ISO-3166 alpha-2 country code.
        pub country_code: CiString<2>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let credentials: Credentials = serde_json::from_value(serde_json::json!({
            "token": "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2",
            "url": "https://example.com/ocpi/versions",
            "roles": []
        }))
        .unwrap();
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("ebf3b399"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("example.com"),
            "{shown}"
        );
    }
}
