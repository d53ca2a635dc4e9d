//! Support code for the enums that the crate's `ocpi_enum!` macro defines.

use std::fmt;

/// What every OCPI enum of this crate provides (implemented by the enum macro).
pub trait WireEnum: Sized {
    /// The wire spelling.
    fn as_wire(&self) -> &str;
    /// Reads a wire spelling; an undefined one becomes the `NonStandard` variant.
    fn from_wire(wire: &str) -> Self;
    /// `false` for the `NonStandard` variant.
    fn is_known(&self) -> bool;
}

/// Reads the wire spelling of an enum value; used by the generated
/// `Deserialize` implementations.
#[derive(Debug)]
pub struct WireVisitor {
    name: &'static str,
}

impl WireVisitor {
    /// A visitor for the enum called `name` (used in error messages).
    pub fn new(name: &'static str) -> Self {
        WireVisitor { name }
    }
}

impl serde::de::Visitor<'_> for WireVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string ({} value)", self.name)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

/// `deserialize_with` helper for lists of cardinality `*`: a JSON `null` reads
/// as an empty list (partners send it; the value carries no information).
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let value: Option<Vec<T>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(value.unwrap_or_default())
}
