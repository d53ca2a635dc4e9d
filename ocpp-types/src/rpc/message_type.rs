//! The message type number that opens every OCPP-J frame.

use std::fmt;

use crate::OcppVersion;

/// The kind of an OCPP-J frame, given by the number in its first element.
///
/// ```
/// use ocpp_types::OcppVersion;
/// use ocpp_types::rpc::MessageType;
///
/// assert_eq!(MessageType::from_number(3), Some(MessageType::CallResult));
/// assert_eq!(MessageType::Send.number(), 6);
/// assert!(!MessageType::Send.exists_in(OcppVersion::V201));
/// assert!(MessageType::Send.exists_in(OcppVersion::V21));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageType {
    /// `2`: a request, `[2, "<id>", "<Action>", {payload}]`.
    Call,
    /// `3`: the successful response to a CALL, `[3, "<id>", {payload}]`.
    CallResult,
    /// `4`: the error response to a CALL, `[4, "<id>", "<code>", "<description>", {details}]`.
    CallError,
    /// `5` (OCPP 2.1 only): the receiver of a CALLRESULT reports it could not accept it,
    /// `[5, "<id>", "<code>", "<description>", {details}]`.
    CallResultError,
    /// `6` (OCPP 2.1 only): a request that expects no response,
    /// `[6, "<id>", "<Action>", {payload}]`.
    Send,
}

impl MessageType {
    /// Every message type, in number order.
    pub const ALL: [MessageType; 5] = [
        MessageType::Call,
        MessageType::CallResult,
        MessageType::CallError,
        MessageType::CallResultError,
        MessageType::Send,
    ];

    /// The number that stands for this type on the wire (2 to 6).
    pub const fn number(self) -> u8 {
        match self {
            MessageType::Call => 2,
            MessageType::CallResult => 3,
            MessageType::CallError => 4,
            MessageType::CallResultError => 5,
            MessageType::Send => 6,
        }
    }

    /// The type a wire number stands for in some version, if any.
    ///
    /// Use [`MessageType::exists_in`] to know whether a given version has it.
    pub const fn from_number(number: u64) -> Option<MessageType> {
        match number {
            2 => Some(MessageType::Call),
            3 => Some(MessageType::CallResult),
            4 => Some(MessageType::CallError),
            5 => Some(MessageType::CallResultError),
            6 => Some(MessageType::Send),
            _ => None,
        }
    }

    /// Whether `version` has this message type: CALLRESULTERROR and SEND only exist in 2.1.
    pub const fn exists_in(self, version: OcppVersion) -> bool {
        match self {
            MessageType::Call | MessageType::CallResult | MessageType::CallError => true,
            MessageType::CallResultError | MessageType::Send => {
                matches!(version, OcppVersion::V21)
            }
        }
    }

    /// How many elements a frame of this type has, the type number included.
    pub const fn element_count(self) -> usize {
        match self {
            MessageType::CallResult => 3,
            MessageType::Call | MessageType::Send => 4,
            MessageType::CallError | MessageType::CallResultError => 5,
        }
    }

    /// The name the specification uses (`CALL`, `CALLRESULT`, `CALLERROR`, `CALLRESULTERROR`,
    /// `SEND`).
    pub const fn name(self) -> &'static str {
        match self {
            MessageType::Call => "CALL",
            MessageType::CallResult => "CALLRESULT",
            MessageType::CallError => "CALLERROR",
            MessageType::CallResultError => "CALLRESULTERROR",
            MessageType::Send => "SEND",
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back() {
        for message_type in MessageType::ALL {
            assert_eq!(
                MessageType::from_number(u64::from(message_type.number())),
                Some(message_type)
            );
        }
        for number in [0, 1, 7, 8, u64::MAX] {
            assert_eq!(MessageType::from_number(number), None);
        }
    }

    #[test]
    fn types_per_version() {
        for version in [OcppVersion::V16, OcppVersion::V201] {
            assert!(MessageType::Call.exists_in(version));
            assert!(MessageType::CallResult.exists_in(version));
            assert!(MessageType::CallError.exists_in(version));
            assert!(!MessageType::CallResultError.exists_in(version));
            assert!(!MessageType::Send.exists_in(version));
        }
        assert!(
            MessageType::ALL
                .into_iter()
                .all(|message_type| message_type.exists_in(OcppVersion::V21))
        );
    }
}
