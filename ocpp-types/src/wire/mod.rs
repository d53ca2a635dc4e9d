//! How generated types meet the wire: serde plumbing shared by every message.
//!
//! Each generated struct and enum implements [`WireValue`], which reads and writes it as OCPP-J
//! JSON: numbers as exact decimals, timestamps as RFC 3339 UTC with at most three fraction
//! digits, enumerations with a catch-all that keeps unlisted values. While
//! [`crate::decode`] runs, readers also track the JSON path and note deviations (unknown
//! fields, `null` values, non-standard timestamps) so that they can be reported; used directly
//! through `serde_json`, the types decode leniently and silently.

mod state;
mod values;

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validate::{PathSegment, ViolationKind};
pub(crate) use state::{DecodeScope, Tracking, classify};

/// A type that knows how to read and write itself as OCPP-J JSON.
pub trait WireValue: Sized {
    /// Whether `null` is one of the type's own values (free-form JSON) rather than the absence
    /// of an optional field.
    const NULLABLE: bool = false;
    /// Whether integers in this message must be written without a fraction part. JSON Schema
    /// draft-04, which the OCPP 1.6 core schemas use, does not count `7.0` as an integer; later
    /// drafts do. Readers accept `7.0` either way and note it where it is not allowed.
    const INTEGERS_WITHOUT_FRACTION: bool = false;

    /// Reads a value.
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
    /// Writes the value.
    fn write<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

/// Adapts a [`WireValue`] to [`Serialize`].
#[derive(Debug)]
pub struct Write<'a, T>(pub &'a T);

impl<T: WireValue> Serialize for Write<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.write(serializer)
    }
}

/// Adapts a [`WireValue`] to [`DeserializeSeed`].
#[derive(Debug)]
pub struct Read<T>(PhantomData<T>);

impl<T> Default for Read<T> {
    fn default() -> Self {
        Read(PhantomData)
    }
}

impl<'de, T: WireValue> DeserializeSeed<'de> for Read<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::read(deserializer)
    }
}

/// An object key, borrowed from the input when it has no escapes.
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads the value of the known field `name` into `slot`.
#[inline]
pub fn read_field<'de, A: MapAccess<'de>, T: WireValue>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        let error = de::Error::duplicate_field(name);
        state::fail_at(
            Some(PathSegment::Field(Cow::Borrowed(name))),
            ViolationKind::InvalidJson,
            &error,
        );
        return Err(error);
    }
    let value = state::within(PathSegment::Field(Cow::Borrowed(name)), || {
        map.next_value_seed(Read::<T>::default())
    })?;
    *slot = Some(value);
    Ok(())
}

/// The value of a required field, or the error that it is missing.
#[inline]
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    match slot {
        Some(value) => Ok(value),
        None => {
            let error = E::missing_field(name);
            state::fail_at(
                Some(PathSegment::Field(Cow::Borrowed(name))),
                ViolationKind::MissingField,
                &error,
            );
            Err(error)
        }
    }
}

/// Skips the value of a field the schema does not define, noting it.
pub fn skip_unknown_field<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: Key<'de>,
) -> Result<(), A::Error> {
    state::note(
        Some(PathSegment::Field(Cow::Owned(key.0.into_owned()))),
        ViolationKind::UnknownField,
        || "field not defined by the schema".to_owned(),
    );
    map.next_value::<de::IgnoredAny>()?;
    Ok(())
}

/// Keeps the value of a field the schema does not define, for objects that allow them.
pub fn keep_unknown_field<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: Key<'de>,
    extra: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(), A::Error> {
    let value = map.next_value::<serde_json::Value>()?;
    extra.insert(key.0.into_owned(), value);
    Ok(())
}

/// Implements `Serialize`, `Deserialize` and [`WireValue`] for a generated struct.
///
/// Each field is listed as `rust_name: "wireName" required|optional`. A struct whose schema
/// allows members beyond its properties ends with `..extra_field`, a
/// `serde_json::Map<String, serde_json::Value>` that keeps them. A message of a draft-04 schema
/// starts with `#[integers_without_fraction]`.
#[macro_export]
#[doc(hidden)]
macro_rules! wire_object {
    (#[integers_without_fraction] $name:ident { $($body:tt)* }) => {
        $crate::wire_object!(@impl $name { $($body)* } true);
    };
    ($name:ident { $($body:tt)* }) => {
        $crate::wire_object!(@impl $name { $($body)* } false);
    };
    (@impl $name:ident { $($field:ident : $wire:literal $req:ident),* $(,)? $(.. $extra:ident $(,)?)? } $integers_without_fraction:literal) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<'de> ::serde::de::Visitor<'de> for ObjectVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<$name, A::Error> {
                        $(let mut $field = None;)*
                        $(let mut $extra = ::serde_json::Map::new();)?
                        while let Some(key) = map.next_key::<$crate::wire::Key<'de>>()? {
                            match key.as_str() {
                                $($wire => $crate::wire::read_field(&mut map, &mut $field, $wire)?,)*
                                _ => $crate::wire_object!(@unknown map key $($extra)?),
                            }
                        }
                        Ok($name {
                            $($field: $crate::wire_object!(@finish $req $field $wire),)*
                            $($extra,)?
                        })
                    }
                }
                deserializer.deserialize_map(ObjectVisitor)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap;
                let len = 0 $(+ $crate::wire_object!(@count $req self.$field))* $(+ self.$extra.len())?;
                #[allow(unused_mut)]
                let mut map = serializer.serialize_map(Some(len))?;
                $($crate::wire_object!(@write $req map self.$field, $wire);)*
                $(for (key, value) in &self.$extra {
                    map.serialize_entry(key, value)?;
                })?
                map.end()
            }
        }

        impl $crate::wire::WireValue for $name {
            const INTEGERS_WITHOUT_FRACTION: bool = $integers_without_fraction;
            fn read<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                <Self as ::serde::Deserialize>::deserialize(deserializer)
            }
            fn write<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                ::serde::Serialize::serialize(self, serializer)
            }
        }
    };
    (@unknown $map:ident $key:ident) => { $crate::wire::skip_unknown_field(&mut $map, $key)? };
    (@unknown $map:ident $key:ident $extra:ident) => {
        $crate::wire::keep_unknown_field(&mut $map, $key, &mut $extra)?
    };
    (@finish required $field:ident $wire:literal) => { $crate::wire::required($field, $wire)? };
    (@finish optional $field:ident $wire:literal) => { $field.flatten() };
    (@count required $value:expr) => { 1 };
    (@count optional $value:expr) => { usize::from($value.is_some()) };
    (@write required $map:ident $value:expr, $wire:literal) => {
        $map.serialize_entry($wire, &$crate::wire::Write(&$value))?
    };
    (@write optional $map:ident $value:expr, $wire:literal) => {
        if let Some(value) = &$value {
            $map.serialize_entry($wire, &$crate::wire::Write(value))?;
        }
    };
}

/// Implements `Serialize`, `Deserialize`, [`WireValue`] and
/// [`WireEnum`](crate::validate::WireEnum) for a generated enumeration with a catch-all
/// variant `Unrecognized(String)`.
///
/// Each value is listed as `Variant = "WireSpelling"`; further spellings that read as the
/// same variant follow as `| "Other"`.
#[macro_export]
#[doc(hidden)]
macro_rules! wire_enum {
    ($name:ident { $($variant:ident = $wire:literal $(| $alias:literal)*),* $(,)? }) => {
        impl $name {
            /// The value for a wire spelling; unlisted spellings are kept as `Unrecognized`.
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $($wire $(| $alias)* => $name::$variant,)*
                    other => $name::Unrecognized(other.to_owned()),
                }
            }

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unrecognized(text) => text,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(text: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok($name::from_wire(text))
            }
        }

        impl $crate::validate::WireEnum for $name {
            fn as_wire_str(&self) -> &str {
                self.as_str()
            }
            fn is_unrecognized(&self) -> bool {
                matches!(self, $name::Unrecognized(_))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                $crate::wire::read_enum(deserializer, $name::from_wire)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl $crate::wire::WireValue for $name {
            fn read<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                $crate::wire::read_enum(deserializer, $name::from_wire)
            }
            fn write<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "enum": [$($wire),*],
                })
            }
        }
    };
}

/// Reads an enumeration's wire string without copying it unless it is unlisted.
pub fn read_enum<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    from_wire: fn(&str) -> T,
) -> Result<T, D::Error> {
    struct EnumVisitor<T>(fn(&str) -> T);
    impl<T> Visitor<'_> for EnumVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
            Ok((self.0)(text))
        }
    }
    deserializer.deserialize_str(EnumVisitor(from_wire))
}
