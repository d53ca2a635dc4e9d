//! The error type of the crate.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not JSON, or it does not fit the expected type (a missing
    /// required field, a wrong JSON type, an unparsable timestamp, ...).
    #[error("{path}: {message}")]
    Json {
        /// JSON path of the offending value, e.g. `$.evses[0].last_updated`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A timestamp that is not RFC 3339.
    #[error("invalid DateTime {0:?}: expected RFC 3339 UTC like 2015-06-29T20:39:09Z")]
    InvalidDateTime(String),
    /// A query parameter with an invalid value.
    #[error("invalid query parameter {name}: {message}")]
    InvalidParameter {
        /// The parameter.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// An HTTP header with an invalid value.
    #[error("invalid header {name}: {message}")]
    InvalidHeader {
        /// The header.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A conversion between OCPI versions would lose information.
    #[error("cannot convert {path}: {message}")]
    Conversion {
        /// JSON path of the value that has no counterpart in the other version.
        path: String,
        /// Why.
        message: String,
    },
    /// An unknown object name, version or mode was asked for.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}
