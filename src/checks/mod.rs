//! checks: what a response is compared against

pub mod schema;
