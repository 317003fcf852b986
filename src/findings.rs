//! What a run finds: deviations (the provider broke the contract), observations (worth
//! knowing, never a failure) and inconclusive results (the network kept us from deciding).

use std::fmt;

use serde::Serialize;

/// The provider broke a rule of the contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deviation {
    /// The rule id of CONTRACT.md (`C6`); for a QA's generic assertion, the scenario's rule tags.
    pub rule: String,
    /// The endpoint path the evidence came from (`/v1/transaction/query`).
    pub endpoint: String,
    /// JSON pointer into the response (`/data/trade_state`), or a pseudo-pointer for what is
    /// not in the body (`(http status)`, `(content-type)`, `(signature)`).
    pub pointer: String,
    /// What the contract wants, in words.
    pub expected: String,
    /// What came.
    pub actual: String,
    /// The provider's `request_id` of the response that shows it, when there was one.
    pub request_id: Option<String>,
}

impl Deviation {
    /// A deviation against `rule` at `endpoint`.
    pub fn new(
        rule: impl Into<String>,
        endpoint: impl Into<String>,
        pointer: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Self {
            rule: rule.into(),
            endpoint: endpoint.into(),
            pointer: pointer.into(),
            expected: expected.into(),
            actual: actual.into(),
            request_id: None,
        }
    }

    /// The same, with the provider's request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {} {}: expected {}, got {}",
            self.rule,
            self.endpoint,
            if self.pointer.is_empty() {
                "(body)"
            } else {
                &self.pointer
            },
            self.expected,
            self.actual
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request_id {id})")?;
        }
        Ok(())
    }
}

/// Something worth reporting that the contract does not make a failure (`observe` rules,
/// response signatures in `observe` mode, a refusal with an unexpected but allowed code).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    pub rule: String,
    pub endpoint: String,
    pub note: String,
    pub request_id: Option<String>,
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.rule, self.endpoint, self.note)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request_id {id})")?;
        }
        Ok(())
    }
}

/// The suite could not decide: transport failures, timeouts or rate limiting outlasted the
/// retries. Never a deviation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inconclusive {
    pub endpoint: String,
    pub reason: String,
}

impl fmt::Display for Inconclusive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.endpoint, self.reason)
    }
}

/// Everything one scenario found, gathered by its steps.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Findings {
    pub deviations: Vec<Deviation>,
    pub observations: Vec<Observation>,
    pub inconclusive: Option<Inconclusive>,
    /// Requests sent (after pacing and retries, each attempt counted once).
    pub requests: u32,
    /// The provider's request ids of every response, in order, for support tickets.
    pub request_ids: Vec<String>,
}

/// Why a step stopped its scenario. Its text is what cucumber records; the structured findings
/// stay in [`Findings`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum StepFailure {
    #[error("{count} deviation(s): {first}")]
    Deviations { count: usize, first: String },
    #[error("inconclusive: {0}")]
    Inconclusive(String),
    /// The feature file asks for something that cannot be done (bad JSON, an unknown
    /// endpoint name): a usage error of the scenario's author.
    #[error("{0}")]
    Usage(String),
}
