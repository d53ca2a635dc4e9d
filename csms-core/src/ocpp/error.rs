//! The errors of the OCPP layer, and the CallError each becomes.

use ocpp_server::ErrorReply;
use ocpp_types::ErrorCode;

use crate::model::RegistrationStatus;
use crate::store::StoreError;

/// Why a station's message was not handled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcppError {
    /// The store failed: answered `InternalError` (nothing was acknowledged that is not
    /// committed).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// No tenant registered the station (only BootNotification may come from such a station).
    #[error("station {0} is not registered")]
    UnknownStation(String),
    /// The station is registered but not accepted.
    #[error("station {identity} is {status}, not accepted")]
    NotAccepted {
        /// The station.
        identity: String,
        /// Its registration.
        status: RegistrationStatus,
    },
    /// A value in the message cannot be used.
    #[error("{path}: {reason}")]
    BadValue {
        /// The JSON path of the value.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl OcppError {
    /// The CallError answer: `InternalError` for store failures (details logged, not sent),
    /// `SecurityError` for stations not let in, `PropertyConstraintViolation` for bad values.
    pub fn reply(&self) -> ErrorReply {
        match self {
            OcppError::Store(error) => {
                tracing::error!(%error, "store failed; answering InternalError");
                ErrorReply::new(
                    ErrorCode::InternalError,
                    "the CSMS could not store this message",
                )
            }
            OcppError::UnknownStation(_) | OcppError::NotAccepted { .. } => {
                ErrorReply::new(ErrorCode::SecurityError, self.to_string())
            }
            OcppError::BadValue { .. } => {
                ErrorReply::new(ErrorCode::PropertyConstraintViolation, self.to_string())
            }
        }
    }
}

impl From<OcppError> for ErrorReply {
    fn from(error: OcppError) -> ErrorReply {
        error.reply()
    }
}
