//! Helpers of the differential conformance test (`tests/schema_conformance.rs`): the schema
//! files, a schema-driven instance generator, mutations, and the two verdicts.

pub(crate) mod compare;
pub(crate) mod generate;
pub(crate) mod mutate;
pub(crate) mod rng;
pub(crate) mod schema;
pub(crate) mod subject;
