//! What a run finds: deviations (the provider broke the contract), observations (worth
//! knowing, never a failure) and inconclusive results (the network kept us from deciding).

use std::fmt;

use serde::Serialize;

/// The rule ids a finding is about: one (`C6`) for the suite's own checks, the scenario's
/// rule tags for a QA's generic assertion. Reports show them joined by commas (`C6,Q1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleList(Vec<String>);

impl RuleList {
    /// The ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Whether `id` is one of them.
    pub fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|r| r == id)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for RuleList {
    /// One id, or several joined by commas.
    fn from(ids: &str) -> Self {
        RuleList(
            ids.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }
}

impl From<String> for RuleList {
    fn from(ids: String) -> Self {
        RuleList::from(ids.as_str())
    }
}

impl From<&String> for RuleList {
    fn from(ids: &String) -> Self {
        RuleList::from(ids.as_str())
    }
}

impl From<&RuleList> for RuleList {
    fn from(ids: &RuleList) -> Self {
        ids.clone()
    }
}

impl From<Vec<String>> for RuleList {
    fn from(ids: Vec<String>) -> Self {
        RuleList(ids)
    }
}

impl PartialEq<&str> for RuleList {
    /// `C6` equals a list of that one rule; `C6,Q1` the list of both, in that order.
    fn eq(&self, other: &&str) -> bool {
        let mut theirs = other.split(',').map(str::trim).filter(|s| !s.is_empty());
        self.ids().all(|id| theirs.next() == Some(id)) && theirs.next().is_none()
    }
}

impl fmt::Display for RuleList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("untagged")
        } else {
            f.write_str(&self.0.join(","))
        }
    }
}

impl Serialize for RuleList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The provider broke a rule of the contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deviation {
    /// The rule of the contract (`C6`); for a QA's generic assertion, the scenario's rule tags.
    pub rule: RuleList,
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
    /// A dropped connection: a deviation only if the target answered every well-formed
    /// request of the run (else inconclusive, judged when the run ends).
    #[serde(skip)]
    pub if_steady: bool,
}

impl Deviation {
    /// A deviation against `rule` at `endpoint`.
    pub fn new(
        rule: impl Into<RuleList>,
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
            if_steady: false,
        }
    }

    /// A request to a path that is none of the API's, against `rule`; `expected` says which
    /// are.
    pub fn unknown_path(rule: &str, path: &str, expected: &str) -> Self {
        Deviation::new(rule, path, "(path)", expected, path)
    }

    /// The maker of deviations at one `endpoint`: `at(endpoint)(rule, pointer, expected,
    /// actual)`.
    pub fn at(endpoint: &str) -> impl Fn(&str, &str, &str, String) -> Deviation + '_ {
        move |rule, pointer, expected, actual| {
            Deviation::new(rule, endpoint, pointer, expected, actual)
        }
    }

    /// The same, holding only if the target turns out steady ([`Deviation::if_steady`]).
    pub fn if_steady(mut self) -> Self {
        self.if_steady = true;
        self
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
    pub rule: RuleList,
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

/// A scenario keeps the records of at most this many exchanges.
pub const MAX_EXCHANGES: usize = 64;

/// Everything one scenario found, gathered by its steps.
/// The finding an exchange shows (here, beside what it makes, so the exchange itself stays a
/// leaf that knows no finding).
impl crate::exchange::Exchange {
    /// A deviation of `rule` shown by this exchange: its endpoint and request id filled in.
    pub fn deviation(
        &self,
        rule: impl Into<RuleList>,
        pointer: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Deviation {
        Deviation::new(rule, self.endpoint.clone(), pointer, expected, actual)
            .with_request_id(self.request_id())
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Findings {
    pub deviations: Vec<Deviation>,
    pub observations: Vec<Observation>,
    pub inconclusive: Option<Inconclusive>,
    /// Requests sent (after pacing and retries, each attempt counted once).
    pub requests: u32,
    /// The provider's request ids of every response, in order, for support tickets.
    pub request_ids: Vec<String>,
    /// The exchanges of the scenario, in order (at most [`MAX_EXCHANGES`]), for the reports
    /// that show the HTTP behind a finding; kept only for scenarios that did not pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<crate::exchange::ExchangeRecord>,
    /// The exchanges as they happened, not yet redacted into [`Findings::exchanges`]: the
    /// runner turns them into records only for what the reports will show (a scenario that did
    /// not pass, `--record`, `--log-http`) and drops the rest — redacting every exchange of
    /// every passing scenario was a third of a run's CPU. Never serialized, never printed.
    #[serde(skip)]
    pub pending: Pending,
}

/// Exchanges waiting to become records (see [`Findings::pending`]); its `Debug` shows only
/// how many, so no secret of theirs can reach a panic message or a log.
#[derive(Clone, Default)]
pub struct Pending(Vec<crate::exchange::Exchange>);

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pending({} exchanges)", self.0.len())
    }
}

impl Findings {
    /// Notes an exchange for the reports (at most [`MAX_EXCHANGES`]).
    pub fn note_exchange(&mut self, exchange: &crate::exchange::Exchange) {
        if self.exchange_count() < MAX_EXCHANGES {
            self.pending.0.push(exchange.clone());
        }
    }

    /// The exchanges noted so far, recorded or pending.
    pub fn exchange_count(&self) -> usize {
        self.exchanges.len() + self.pending.0.len()
    }

    /// Keeps the first `n` exchanges noted.
    pub fn truncate_exchanges(&mut self, n: usize) {
        let recorded = self.exchanges.len();
        if n <= recorded {
            self.exchanges.truncate(n);
            self.pending.0.clear();
        } else {
            self.pending.0.truncate(n - recorded);
        }
    }

    /// The pending exchanges made records (redacted) when `keep`, else dropped.
    pub fn settle_exchanges(&mut self, keep: bool) {
        let pending = std::mem::take(&mut self.pending.0);
        if keep {
            self.exchanges
                .extend(pending.iter().map(crate::exchange::ExchangeRecord::of));
        }
    }
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
