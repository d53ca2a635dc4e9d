//! Shared test support.
pub mod common;
