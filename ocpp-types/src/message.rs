//! Typed pairing of messages: each request knows its response, action, version and sender.

use std::fmt::Debug;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::decode::{self, DecodeError, Decoded};
use crate::validate::{Validate, ValidationOptions};
use crate::wire::WireValue;
use crate::{OcppVersion, Sender};

/// The payload of an OCPP message of one action and one version.
pub trait OcppMessage:
    WireValue
    + Validate
    + Serialize
    + DeserializeOwned
    + JsonSchema
    + Clone
    + Debug
    + PartialEq
    + Send
    + Sync
    + 'static
{
    /// The action name, as in the CALL frame (`BootNotification`).
    const ACTION: &'static str;
    /// The protocol version.
    const VERSION: OcppVersion;

    /// Decodes and validates a payload of this message.
    fn decode(payload: &str, options: &ValidationOptions) -> Result<Decoded<Self>, DecodeError> {
        decode::decode(Self::ACTION, payload, options)
    }
}

/// A message that starts an exchange: the payload of a CALL, or of a SEND (2.1).
pub trait OcppRequest: OcppMessage {
    /// Which side may send it.
    const SENDER: Sender;
}

/// The payload of a CALL, answered by a CALLRESULT carrying [`OcppCall::Response`].
///
/// ```
/// # #[cfg(feature = "v201")] {
/// use ocpp_types::{OcppCall, OcppMessage, OcppRequest, OcppVersion, Sender};
/// use ocpp_types::v201::{HeartbeatRequest, HeartbeatResponse};
///
/// fn describe<C: OcppCall>() -> String {
///     format!("{} {} from {:?}", C::VERSION, C::ACTION, C::SENDER)
/// }
/// assert_eq!(describe::<HeartbeatRequest>(), "2.0.1 Heartbeat from ChargingStation");
/// assert_eq!(<HeartbeatResponse as OcppMessage>::ACTION, "Heartbeat");
/// # }
/// ```
pub trait OcppCall: OcppRequest {
    /// The payload of the CALLRESULT.
    type Response: OcppResponse<Request = Self>;
}

/// The payload of a CALLRESULT.
pub trait OcppResponse: OcppMessage {
    /// The request it answers.
    type Request: OcppCall<Response = Self>;
}

/// The payload of a SEND message (OCPP 2.1): no response is expected.
pub trait OcppSend: OcppRequest {}

/// What a version says about one of its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionInfo {
    /// The action name.
    pub name: &'static str,
    /// Which side may send the request.
    pub sender: Sender,
    /// Whether the request is a CALL answered by a CALLRESULT (`false` for a SEND).
    pub has_response: bool,
}

/// Declares a version's actions: the pairing traits of every message, the action table, and
/// the `Request` and `Response` enums that dispatch on the action name.
#[macro_export]
#[doc(hidden)]
macro_rules! ocpp_actions {
    (
        version: $version:ident;
        calls: { $($action:ident: $sender:ident => $request:ident, $response:ident;)* }
        sends: { $($send_action:ident: $send_sender:ident => $send:ident;)* }
    ) => {
        $(
            impl $crate::OcppMessage for $request {
                const ACTION: &'static str = stringify!($action);
                const VERSION: $crate::OcppVersion = $crate::OcppVersion::$version;
            }
            impl $crate::OcppRequest for $request {
                const SENDER: $crate::Sender = $crate::Sender::$sender;
            }
            impl $crate::OcppCall for $request {
                type Response = $response;
            }
            impl $crate::OcppMessage for $response {
                const ACTION: &'static str = stringify!($action);
                const VERSION: $crate::OcppVersion = $crate::OcppVersion::$version;
            }
            impl $crate::OcppResponse for $response {
                type Request = $request;
            }
        )*
        $(
            impl $crate::OcppMessage for $send {
                const ACTION: &'static str = stringify!($send_action);
                const VERSION: $crate::OcppVersion = $crate::OcppVersion::$version;
            }
            impl $crate::OcppRequest for $send {
                const SENDER: $crate::Sender = $crate::Sender::$send_sender;
            }
            impl $crate::OcppSend for $send {}
        )*

        /// Every action of this version: the CALLs in alphabetical order, then the SEND messages.
        pub const ACTIONS: &[$crate::ActionInfo] = &[
            $($crate::ActionInfo {
                name: stringify!($action),
                sender: $crate::Sender::$sender,
                has_response: true,
            },)*
            $($crate::ActionInfo {
                name: stringify!($send_action),
                sender: $crate::Sender::$send_sender,
                has_response: false,
            },)*
        ];

        /// What this version says about `action`, if it defines it.
        pub fn action_info(action: &str) -> Option<&'static $crate::ActionInfo> {
            ACTIONS.iter().find(|info| info.name == action)
        }

        /// The payload of any CALL (or SEND) of this version.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Request {
            $(
                #[doc = concat!("`", stringify!($action), "`.")]
                $action($request),
            )*
            $(
                #[doc = concat!("`", stringify!($send_action), "` (SEND: no response).")]
                $send_action($send),
            )*
        }

        impl Request {
            /// The action name.
            pub fn action(&self) -> &'static str {
                match self {
                    $(Request::$action(_) => stringify!($action),)*
                    $(Request::$send_action(_) => stringify!($send_action),)*
                }
            }

            /// The payload itself, boxed for downcasting to its type (as a router that
            /// dispatches to typed handlers does).
            pub fn into_any(self) -> ::std::boxed::Box<dyn ::std::any::Any + Send> {
                match self {
                    $(Request::$action(payload) => ::std::boxed::Box::new(payload),)*
                    $(Request::$send_action(payload) => ::std::boxed::Box::new(payload),)*
                }
            }

            /// Decodes and validates the payload of `action`.
            pub fn decode(
                action: &str,
                payload: &str,
                options: &$crate::validate::ValidationOptions,
            ) -> ::std::result::Result<$crate::decode::Decoded<Request>, $crate::decode::DecodeError> {
                match action {
                    $(stringify!($action) => $crate::decode::decode::<$request>(action, payload, options)
                        .map(|decoded| decoded.map(Request::$action)),)*
                    $(stringify!($send_action) => $crate::decode::decode::<$send>(action, payload, options)
                        .map(|decoded| decoded.map(Request::$send_action)),)*
                    _ => Err($crate::decode::DecodeError::unknown_action(action)),
                }
            }

            /// Checks the payload's constraints.
            pub fn validate_with(&self, options: &$crate::validate::ValidationOptions) -> $crate::validate::Report {
                use $crate::validate::Validate;
                match self {
                    $(Request::$action(payload) => payload.validate_with(options, stringify!($action)),)*
                    $(Request::$send_action(payload) => payload.validate_with(options, stringify!($send_action)),)*
                }
            }
        }

        impl ::serde::Serialize for Request {
            /// Writes the payload alone, as it goes into a CALL frame.
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    $(Request::$action(payload) => payload.serialize(serializer),)*
                    $(Request::$send_action(payload) => payload.serialize(serializer),)*
                }
            }
        }

        $(impl ::std::convert::From<$request> for Request {
            fn from(payload: $request) -> Request {
                Request::$action(payload)
            }
        })*
        $(impl ::std::convert::From<$send> for Request {
            fn from(payload: $send) -> Request {
                Request::$send_action(payload)
            }
        })*

        /// The payload of any CALLRESULT of this version.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Response {
            $(
                #[doc = concat!("`", stringify!($action), "`.")]
                $action($response),
            )*
        }

        impl Response {
            /// The action name.
            pub fn action(&self) -> &'static str {
                match self {
                    $(Response::$action(_) => stringify!($action),)*
                }
            }

            /// Decodes and validates the CALLRESULT payload of `action`.
            pub fn decode(
                action: &str,
                payload: &str,
                options: &$crate::validate::ValidationOptions,
            ) -> ::std::result::Result<$crate::decode::Decoded<Response>, $crate::decode::DecodeError> {
                match action {
                    $(stringify!($action) => $crate::decode::decode::<$response>(action, payload, options)
                        .map(|decoded| decoded.map(Response::$action)),)*
                    _ => Err($crate::decode::DecodeError::unknown_action(action)),
                }
            }

            /// Checks the payload's constraints.
            pub fn validate_with(&self, options: &$crate::validate::ValidationOptions) -> $crate::validate::Report {
                use $crate::validate::Validate;
                match self {
                    $(Response::$action(payload) => payload.validate_with(options, stringify!($action)),)*
                }
            }
        }

        impl ::serde::Serialize for Response {
            /// Writes the payload alone, as it goes into a CALLRESULT frame.
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    $(Response::$action(payload) => payload.serialize(serializer),)*
                }
            }
        }

        $(impl ::std::convert::From<$response> for Response {
            fn from(payload: $response) -> Response {
                Response::$action(payload)
            }
        })*
    };
}
