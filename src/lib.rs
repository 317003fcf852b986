//! # pay-conformance
//!
//! A contract and conformance test suite for payment-provider APIs. The contract is data —
//! Gherkin scenarios in `features/` and JSON Schemas in `schemas/` — and this crate is the
//! engine that runs it against a provider, or against the embedded double of one.
//!
//! - [`ttpay`]: the TTPay / TokenPay provider — signing, client, rules, steps, double.
//! - [`runner`]: runs features with cucumber and gathers one record per scenario.
//! - [`report`]: console, JUnit XML and JSON reports of a run.
//! - [`checks`]: what responses are compared against (schemas, Karate-style markers).
//! - [`config`]: the run's configuration from flags, a TOML file and the environment.
//! - [`http`]: the shared HTTP client, pacing and retries.
//! - [`bench`]: `pay-conformance bench`, the figures of the suite, the pacing and `serve`.

pub mod bench;
pub mod checks;
pub mod config;
pub mod error;
pub mod findings;
pub mod http;
pub mod redact;
pub mod report;
pub mod runner;
pub mod ttpay;

pub use error::{ConfigError, exit};
pub use findings::{Deviation, Findings, Inconclusive, Observation};
pub use runner::{Outcome, RunReport, ScenarioRecord, Verdict};
