//! Classes of `types.asciidoc` shared by both versions: `DisplayText` and `Price`.

use rust_decimal::Decimal;

use crate::common::OcpiString;
use crate::common::number::{self, Number};

ocpi_object! {
    /// Text to be displayed to an end user, in one language.
    pub struct DisplayText {
        /// Language code (ISO 639-1).
        pub language: OcpiString<2>,
        /// The text (no markup), string(512).
        pub text: OcpiString<512>,
    }
}

ocpi_object! {
    /// A price or cost, excluding and optionally including VAT.
    pub struct Price {
        /// Price/cost excluding VAT.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub excl_vat: Decimal,
        /// Price/cost including VAT.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "number::option::serialize", deserialize_with = "number::option::deserialize")]
        #[schemars(with = "Option<Number>")]
        pub incl_vat: Option<Decimal>,
    }
}
