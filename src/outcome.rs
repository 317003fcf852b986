//! The result of a run: one record per scenario, and the verdict that decides the exit code.

use std::time::Duration;

use serde::Serialize;

use crate::error::exit;
use crate::findings::Findings;

/// How a scenario ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// Deviations: the provider broke the contract.
    Failed,
    /// Not run: its fixture is not configured.
    Skipped(String),
    /// The network kept it from being decided.
    Inconclusive(String),
    /// The scenario itself could not be run as written (or the tool has a bug).
    Error(String),
}

/// One scenario's record.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioRecord {
    pub feature: String,
    /// `features/ttpay/close.feature:12`.
    pub location: String,
    pub name: String,
    pub tags: Vec<String>,
    /// The CONTRACT rule ids it checks (its `@X1`-style tags).
    pub rules: Vec<String>,
    pub outcome: Outcome,
    /// The step that stopped it, as written, with its line.
    pub failed_step: Option<String>,
    pub findings: Findings,
    #[serde(serialize_with = "as_millis")]
    pub duration: Duration,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// What was tested: the base URL or "embedded double".
    pub target: String,
    pub scenarios: Vec<ScenarioRecord>,
    /// What the provider chose once for the whole run where the contract lets it choose (C7:
    /// the amount reading), not any one scenario's finding.
    #[serde(default)]
    pub observations: Vec<crate::findings::Observation>,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
}

/// The one-line verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Conforming,
    Deviations,
    Error,
    Inconclusive,
    /// Stopped by Ctrl-C / SIGTERM: what finished is reported, nothing is concluded.
    Interrupted,
}

impl Verdict {
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Conforming => exit::CONFORMING,
            Verdict::Deviations => exit::DEVIATIONS,
            Verdict::Error => exit::USAGE,
            Verdict::Inconclusive => exit::INCONCLUSIVE,
            Verdict::Interrupted => exit::INTERRUPTED,
        }
    }
}

/// Counts by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub inconclusive: usize,
    pub errors: usize,
    pub deviations: usize,
    pub observations: usize,
    pub requests: u32,
}

impl RunReport {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for s in &self.scenarios {
            match s.outcome {
                Outcome::Passed => c.passed += 1,
                Outcome::Failed => c.failed += 1,
                Outcome::Skipped(_) => c.skipped += 1,
                Outcome::Inconclusive(_) => c.inconclusive += 1,
                Outcome::Error(_) => c.errors += 1,
            }
            c.deviations += s.findings.deviations.len();
            c.observations += s.findings.observations.len();
            c.requests += s.findings.requests;
        }
        c.observations += self.observations.len();
        c
    }

    /// Deviations win over errors, errors over inconclusive results.
    pub fn verdict(&self) -> Verdict {
        let c = self.counts();
        if crate::http::interrupted() {
            Verdict::Interrupted
        } else if c.failed > 0 {
            Verdict::Deviations
        } else if c.errors > 0 {
            Verdict::Error
        } else if c.inconclusive > 0 {
            Verdict::Inconclusive
        } else {
            Verdict::Conforming
        }
    }

    /// Every distinct rule id with a deviation, sorted.
    pub fn broken_rules(&self) -> Vec<String> {
        let mut rules: Vec<String> = self
            .scenarios
            .iter()
            .flat_map(|s| s.findings.deviations.iter())
            .flat_map(|d| d.rule.ids().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        rules.sort();
        rules.dedup();
        rules
    }
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}
