//! The state of one scenario, whatever the provider: its rule tags, its findings, the last
//! exchange, the values QA steps remember and its payment notifications.

use serde_json::{Map, Value};

use crate::exchange::Exchange;
use crate::findings::{Deviation, Findings, RuleList, StepFailure};

/// What a step returns.
pub type StepResult = Result<(), StepFailure>;

/// The state of one scenario, whatever the provider.
#[derive(Debug, Default)]
pub struct ScenarioState {
    /// The rule ids the scenario is tagged with: the rule of a generic assertion.
    pub rules: Vec<String>,
    pub findings: Findings,
    /// The answer the `Then` steps look at.
    pub last: Option<Exchange>,
    /// Values remembered by QA steps, for `#(name)` in later requests.
    pub vars: Map<String, Value>,
    /// The scenario's payment notifications: its mailbox and what arrived.
    pub notify: super::Watch,
}

impl ScenarioState {
    /// Starts a scenario with these tags.
    pub fn begin(&mut self, tags: &[String]) {
        self.rules = tags
            .iter()
            .filter(|t| crate::contract::is_rule_tag(t))
            .cloned()
            .collect();
    }

    /// The rules a generic assertion stands for: the scenario's rule tags.
    pub fn rule(&self) -> RuleList {
        RuleList::from(self.rules.clone())
    }

    /// Records deviations; any at all stop the scenario.
    pub fn deviate(&mut self, deviations: Vec<Deviation>) -> StepResult {
        if deviations.is_empty() {
            return Ok(());
        }
        let first = deviations[0].to_string();
        self.findings.deviations.extend(deviations);
        Err(StepFailure::Deviations {
            count: self.findings.deviations.len(),
            first,
        })
    }

    /// Records `(pointer, expected, actual)` findings against `rule` on `exchange`.
    pub fn deviate_at(
        &mut self,
        rule: impl Into<RuleList>,
        exchange: &Exchange,
        found: Vec<(String, String, String)>,
    ) -> StepResult {
        let rule = rule.into();
        let deviations = found
            .into_iter()
            .map(|(pointer, expected, actual)| {
                exchange.deviation(rule.clone(), pointer, expected, actual)
            })
            .collect();
        self.deviate(deviations)
    }

    /// Stops the scenario as undecided: what it waited for at `endpoint` did not come (exit 3,
    /// never a deviation).
    pub fn inconclusive(&mut self, endpoint: &str, reason: String) -> StepResult {
        self.findings.inconclusive = Some(crate::findings::Inconclusive {
            endpoint: endpoint.to_owned(),
            reason: reason.clone(),
        });
        Err(StepFailure::Inconclusive(reason))
    }

    /// A step's failure, kept as the scenario's inconclusive finding when it is one.
    pub fn settle(&mut self, endpoint: &str, result: StepResult) -> StepResult {
        match result {
            Err(StepFailure::Inconclusive(reason)) => self.inconclusive(endpoint, reason),
            other => other,
        }
    }

    /// The last exchange, or a usage error naming what the step needs.
    pub fn last(&self) -> Result<&Exchange, StepFailure> {
        self.last.as_ref().ok_or_else(|| {
            StepFailure::Usage("no request was sent yet: put a When step before this Then".into())
        })
    }

    /// Notes an exchange: the provider's id of its answer, and its record for the reports.
    pub fn note(&mut self, exchange: &Exchange) {
        if let Some(id) = exchange.request_id() {
            self.findings.request_ids.push(id);
        }
        self.findings.note_exchange(exchange);
    }
}
