//! Types shared by the modules and versions: strings, timestamps, numbers,
//! the response envelope, status codes, pagination and HTTP headers.

pub mod datetime;
pub mod enums;
pub mod envelope;
pub mod headers;
pub mod number;
pub mod paging;
pub mod status;
pub mod strings;
pub mod types;

pub use datetime::DateTime;
pub use envelope::Response;
pub use headers::{CredentialsToken, RequestIds, RoutingHeaders, TokenEncoding};
pub use paging::{PageRequest, PageResponseHeaders};
pub use status::{StatusClass, StatusCode};
pub use strings::{CiString, Latitude, LocalDate, LocalTime, Longitude, OcpiString, Text, Url};
pub use types::{DisplayText, Price};
