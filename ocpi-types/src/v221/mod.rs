//! OCPI 2.2.1: every object of the ten modules.

pub mod cdrs;
pub mod charging_profiles;
pub mod commands;
pub mod credentials;
pub mod hub_client_info;
pub mod locations;
pub mod sessions;
pub mod tariffs;
pub mod tokens;
pub mod types;
pub mod versions;

pub use crate::common::{DisplayText, Price};
pub use cdrs::*;
pub use charging_profiles::*;
pub use commands::*;
pub use credentials::*;
pub use hub_client_info::*;
pub use locations::*;
pub use sessions::*;
pub use tariffs::*;
pub use tokens::*;
pub use types::*;
pub use versions::*;
