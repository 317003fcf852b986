//! checks: what a response is compared against — the JSON Schemas of `schemas/` and the
//! Karate-style expected values of feature files.

pub mod json;
pub mod matcher;
pub mod schema;
