//! Proof that every check can fail, for every provider: [`selftest`] runs the suite against
//! the conforming double (it must pass cleanly) and once per fault of the provider's catalogue
//! (each must be caught by a deviation of a rule it names); [`coverage`] maps every rule to
//! the scenarios tagged with it and the faults those scenarios were seen to catch.

pub mod coverage;
pub mod selftest;

pub use coverage::{RuleCoverage, coverage, render as render_coverage, scenarios_by_rule};
pub use selftest::{FaultResult, SelftestReport, judge, render as render_selftest};
