//! # pay-conformance
//!
//! A contract and conformance test suite for payment-provider APIs. The contract is data —
//! Gherkin scenarios in `features/<provider>/` and JSON Schemas in `schemas/<provider>/` —
//! and this crate is the engine that runs it against a provider, or against the embedded
//! double of one.
//!
//! ## The engine, and the providers beside it
//!
//! A provider implements [`Provider`]: its [`Rule`]s, its features and fault catalogue
//! ([`FaultInfo`]), how it reads its part of the configuration, and how it runs scenarios
//! ([`Configured`]). [`providers::all`] lists them; everything else is shared:
//!
//! - [`RunConfig`] resolves flags, the TOML file and the environment into [`RunSettings`] and
//!   the provider's own settings; [`RunConfig::run`] runs the suite and gives a
//!   [`RunReport`] of [`ScenarioRecord`]s, whose [`Verdict`] is the exit code.
//! - Steps gather evidence into an [`Exchange`] per request and judge it into [`Findings`]:
//!   [`Deviation`]s (exit 1), [`Observation`]s, [`Inconclusive`] results (exit 3).
//! - Every provider's world holds a [`ScenarioState`] and implements [`ProviderWorld`]; the
//!   generic QA steps ([`steps::generic`]) work on any of them.
//! - [`proof`]: the selftest (every fault caught) and rule coverage (no gaps).
//! - [`report`]: console, JUnit XML and JSON; every line through [`redact()`].
//! - [`double`]: what every provider's embedded double is built from.
//! - [`record`]: behaviour records of a run and what changed between two of them.
//!
//! ```
//! use pay_conformance::{RunArgs, RunConfig, Verdict};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let config = RunConfig::resolve(&RunArgs::default(), &|_| None).unwrap();
//! assert_eq!(config.provider.name(), "ttpay");
//! let report = config.run().await.unwrap();
//! assert_eq!(report.verdict(), Verdict::Conforming);
//! # }
//! ```

pub mod app;
pub mod bench;
pub mod checks;
pub mod contract;
pub mod deadline;
pub mod double;
pub mod error;
pub mod exchange;
pub mod explore;
pub mod explorer;
pub mod feature;
pub mod findings;
mod fsutil;
pub mod http;
pub mod judge;
pub mod lint;
pub mod notify;
pub mod outcome;
pub mod preflight;
pub mod proof;
pub mod provider;
pub mod providers;
pub mod proxy;
pub mod record;
pub mod redact;
pub mod redacted;
pub mod report;
pub mod runner;
pub mod select;
pub mod settings;
pub mod signer;
pub mod steps;
pub mod world;

pub mod ttpay;
pub mod wechatpay;

#[doc(hidden)]
pub use cucumber as cucumber_reexport;

pub use app::{RunArgs, RunConfig, ServeArgs};
pub use error::{ConfigError, exit};
pub use exchange::{Exchange, SignatureCheck};
pub use findings::{Deviation, Findings, Inconclusive, Observation, RuleList, StepFailure};
pub use provider::{Configured, FaultInfo, Provider, Rule, RuleKind, StepInfo};
pub use redact::redact;
pub use runner::{Outcome, RunReport, ScenarioRecord, Verdict};
pub use settings::{ResponseSignatures, RunSettings, Target};
pub use world::{Party, ProviderWorld, ScenarioState, StepResult};
