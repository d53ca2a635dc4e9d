//! OCPP protocol versions and the WebSocket subprotocols that name them.

use std::fmt;
use std::str::FromStr;

/// An OCPP-J protocol version.
///
/// ```
/// use ocpp_types::OcppVersion;
///
/// let version: OcppVersion = "ocpp2.0.1".parse().unwrap();
/// assert_eq!(version, OcppVersion::V201);
/// assert_eq!(version.subprotocol(), "ocpp2.0.1");
/// assert_eq!(version.to_string(), "2.0.1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OcppVersion {
    /// OCPP 1.6-J, with the security extension.
    V16,
    /// OCPP 2.0.1.
    V201,
    /// OCPP 2.1.
    V21,
}

impl OcppVersion {
    /// Every version, oldest first.
    pub const ALL: [OcppVersion; 3] = [OcppVersion::V16, OcppVersion::V201, OcppVersion::V21];

    /// The WebSocket subprotocol name (`ocpp1.6`, `ocpp2.0.1`, `ocpp2.1`).
    pub const fn subprotocol(self) -> &'static str {
        match self {
            OcppVersion::V16 => "ocpp1.6",
            OcppVersion::V201 => "ocpp2.0.1",
            OcppVersion::V21 => "ocpp2.1",
        }
    }

    /// The version number as written in the specification (`1.6`, `2.0.1`, `2.1`).
    pub const fn as_str(self) -> &'static str {
        match self {
            OcppVersion::V16 => "1.6",
            OcppVersion::V201 => "2.0.1",
            OcppVersion::V21 => "2.1",
        }
    }

    /// The version a subprotocol name stands for, if any.
    pub fn from_subprotocol(name: &str) -> Option<OcppVersion> {
        OcppVersion::ALL
            .into_iter()
            .find(|version| version.subprotocol() == name)
    }

    /// Whether this version is one of the 2.x family (2.0.1, 2.1).
    pub const fn is_2x(self) -> bool {
        !matches!(self, OcppVersion::V16)
    }
}

impl fmt::Display for OcppVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text did not name an OCPP version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown OCPP version {0:?} (expected 1.6, 2.0.1 or 2.1)")]
pub struct UnknownVersion(pub String);

impl FromStr for OcppVersion {
    type Err = UnknownVersion;

    /// Accepts the version number (`1.6`, `2.0.1`, `2.1`) or the subprotocol name (`ocpp1.6`, ...).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let number = text.strip_prefix("ocpp").unwrap_or(text);
        OcppVersion::ALL
            .into_iter()
            .find(|version| version.as_str() == number)
            .ok_or_else(|| UnknownVersion(text.to_owned()))
    }
}

/// Which side of the connection may send a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// Sent by the charging station (charge point in 1.6) to the CSMS (central system in 1.6).
    ChargingStation,
    /// Sent by the CSMS to the charging station.
    Csms,
    /// Either side may send it (`DataTransfer`).
    Both,
}

impl Sender {
    /// Whether a message with this sender may be sent by a charging station.
    pub const fn from_station(self) -> bool {
        matches!(self, Sender::ChargingStation | Sender::Both)
    }

    /// Whether a message with this sender may be sent by the CSMS.
    pub const fn from_csms(self) -> bool {
        matches!(self, Sender::Csms | Sender::Both)
    }
}
