//! # pay-conformance
//!
//! A contract and conformance test suite for payment-provider APIs.

pub mod checks;
pub mod ttpay;
