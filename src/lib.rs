//! # pay-conformance
//!
//! A contract and conformance test suite for payment-provider APIs.

pub mod ttpay;
