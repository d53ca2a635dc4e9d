//! Declarative macros that define OCPI enums and objects together with their
//! validation rules.

/// Defines an OCPI enum: a Rust enum with one variant per value of the
/// specification plus `NonStandard(String)`, which keeps any value the specification
/// does not define exactly as it was sent (so it survives a round trip).
///
/// Generates `Serialize`/`Deserialize` (the wire spelling), `JsonSchema` (a
/// string enum of the defined values), `Display`, `From<&str>` and
/// [`Validate`](crate::Validate) (a `NonStandard` value is a violation).
macro_rules! ocpi_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
            /// A value the specification does not define, kept exactly as sent.
            NonStandard(String),
        }

        impl $name {
            /// Every value the specification defines, in the order of the specification.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::NonStandard(other) => other.as_str(),
                }
            }

            /// Reads a wire spelling; a spelling the specification does not
            /// define becomes `NonStandard`.
            pub fn from_wire(wire: &str) -> Self {
                match wire {
                    $($wire => $name::$variant,)+
                    other => $name::NonStandard(other.to_owned()),
                }
            }

            /// `false` for `NonStandard`.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::NonStandard(_))
            }
        }

        impl $crate::common::enums::WireEnum for $name {
            fn as_wire(&self) -> &str {
                self.as_str()
            }

            fn from_wire(wire: &str) -> Self {
                $name::from_wire(wire)
            }

            fn is_known(&self) -> bool {
                $name::is_known(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(wire: &str) -> Self {
                $name::from_wire(wire)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer
                    .deserialize_str($crate::common::enums::WireVisitor::new(stringify!($name)))
                    .map(|wire| $name::from_wire(&wire))
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> ::std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "enum": [$($wire),+]
                })
            }
        }

        impl $crate::validate::Validate for $name {
            fn validate_at(&self, v: &mut $crate::validate::Validator) {
                if let $name::NonStandard(other) = self {
                    v.violation(format!(
                        "unknown {} value {:?}; expected one of: {}",
                        stringify!($name),
                        other,
                        [$($wire),+].join(", ")
                    ));
                }
            }
        }
    };
}

/// Defines an OCPI object: a struct with `Serialize`, `Deserialize` and
/// `JsonSchema` derives and a [`Validate`](crate::Validate) implementation that
/// validates every field at its JSON path, plus the extra per-field checks
/// written after `=>`, plus the cross-field rules of the object written after
/// the struct as `rules = path::to::function;` (a `fn(&Self, &mut Validator)`,
/// see [`crate::rules`]). Fields holding secrets (credentials tokens) are named after that
/// as `secret = [field, ...];`: `Debug` then shows `<redacted>` in their place.
macro_rules! ocpi_object {
    (@validate $name:ident { $( $field:ident $(=> $check:expr)? ),* } $(rules = $rules:path;)?) => {
        impl $crate::validate::Validate for $name {
            #[allow(unused_variables)]
            fn validate_at(&self, v: &mut $crate::validate::Validator) {
                $(
                    v.field(stringify!($field), |v| {
                        $crate::validate::Validate::validate_at(&self.$field, v);
                        $( ($check)(&self.$field, v); )?
                    });
                )*
                $( $rules(self, v); )?
            }
        }
    };
    // An object holding secrets, named after `secret =`: its `Debug` shows `<redacted>` in
    // their place.
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty $(=> $check:expr)?
            ),* $(,)?
        }
        $(rules = $rules:path;)?
        secret = [$($secret:ident),+ $(,)?];
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                const SECRETS: &[&str] = &[$(stringify!($secret)),+];
                let mut out = f.debug_struct(stringify!($name));
                $(
                    if SECRETS.contains(&stringify!($field)) {
                        out.field(stringify!($field), &"<redacted>");
                    } else {
                        out.field(stringify!($field), &self.$field);
                    }
                )*
                out.finish()
            }
        }

        ocpi_object!(@validate $name { $( $field $(=> $check)? ),* } $(rules = $rules;)?);
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty $(=> $check:expr)?
            ),* $(,)?
        }
        $(rules = $rules:path;)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
        }

        ocpi_object!(@validate $name { $( $field $(=> $check)? ),* } $(rules = $rules;)?);
    };
}
