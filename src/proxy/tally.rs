//! What the proxy has found so far, bounded whatever the traffic: a count per side and rule,
//! the first few examples of each with the exchange behind them (redacted), the observations
//! by rule, and the upstream failures. The reports are written from it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::judge::ProxiedExt as _;
use crate::exchange::ExchangeRecord;
use crate::findings::Observation;
use crate::judge::{Finding, Proxied, Side, Verdict};

/// Examples kept per side and rule (and per observed rule).
pub const EXAMPLES: usize = 3;
/// Upstream failures kept as examples.
const FAILURES: usize = 5;

/// One finding as the reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// The exchange's number in the traffic.
    pub seq: u64,
    #[serde(flatten)]
    pub finding: Finding,
    pub exchange: ExchangeRecord,
}

/// Every finding of one side under one rule.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleTally {
    pub count: u64,
    pub examples: Vec<Example>,
}

/// An upstream failure, as the reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub seq: u64,
    pub method: String,
    pub url: String,
    pub status: u16,
    pub why: String,
}

/// The observations under one rule.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Observed {
    pub count: u64,
    pub examples: Vec<Observation>,
}

/// Everything found, bounded.
#[derive(Debug, Default, Serialize)]
pub struct Tally {
    /// Exchanges judged.
    pub judged: u64,
    /// Exchanges with no finding.
    pub clean: u64,
    /// `(side, rule)` → its findings.
    #[serde(serialize_with = "by_side")]
    pub rules: BTreeMap<(Side, String), RuleTally>,
    pub observations: BTreeMap<String, Observed>,
    pub failures: Vec<Failure>,
    /// The kinds of exchange seen, for `--record` (`None`: not asked for).
    #[serde(skip)]
    pub behaviour: Option<crate::record::traffic::Recorder>,
}

fn by_side<S: serde::Serializer>(
    rules: &BTreeMap<(Side, String), RuleTally>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq as _;
    #[derive(Serialize)]
    struct Row<'a> {
        side: Side,
        rule: &'a str,
        #[serde(flatten)]
        tally: &'a RuleTally,
    }
    let mut seq = s.serialize_seq(Some(rules.len()))?;
    for ((side, rule), tally) in rules {
        seq.serialize_element(&Row {
            side: *side,
            rule,
            tally,
        })?;
    }
    seq.end()
}

/// The record of a judged exchange as the reports show it (redacted), under the endpoint the
/// judge named.
pub fn record_of(exchange: &Proxied, verdict: &Verdict) -> ExchangeRecord {
    let endpoint = verdict.endpoint.as_deref().unwrap_or(&exchange.path);
    ExchangeRecord::of(&exchange.exchange(
        endpoint,
        verdict.request_id.clone(),
        crate::exchange::SignatureCheck::NotApplicable,
    ))
}

impl Tally {
    /// Adds what the judge said of `exchange`; the findings that are new examples (for the
    /// console to show), the others only counted.
    pub fn add(&mut self, exchange: &Proxied, mut verdict: Verdict) -> Vec<Example> {
        self.judged += 1;
        // The exchange's record (redacted), made once, when first needed.
        let mut record: Option<ExchangeRecord> = None;
        if let Some(behaviour) = &mut self.behaviour {
            let record = record.get_or_insert_with(|| record_of(exchange, &verdict));
            let provider: Vec<_> = verdict
                .findings
                .iter()
                .filter(|f| f.side == Side::Provider)
                .map(|f| &f.deviation)
                .collect();
            behaviour.note(record, &provider);
        }
        if verdict.findings.is_empty() {
            self.clean += 1;
        }
        for observation in std::mem::take(&mut verdict.observations) {
            let observed = self
                .observations
                .entry(observation.rule.to_string())
                .or_default();
            observed.count += 1;
            if observed.examples.len() < EXAMPLES {
                observed.examples.push(observation);
            }
        }
        let mut new = Vec::new();
        for finding in std::mem::take(&mut verdict.findings) {
            let key = (finding.side, finding.deviation.rule.to_string());
            let tally = self.rules.entry(key.clone()).or_default();
            tally.count += 1;
            if tally.examples.len() < EXAMPLES {
                let example = Example {
                    seq: exchange.seq,
                    finding,
                    exchange: record
                        .get_or_insert_with(|| record_of(exchange, &verdict))
                        .clone(),
                };
                new.push(example.clone());
                tally.examples.push(example);
            }
        }
        new
    }

    /// Counts an upstream failure, keeping the first few.
    pub fn failure(&mut self, failure: Failure) {
        if self.failures.len() < FAILURES {
            self.failures.push(failure);
        }
    }

    /// How many findings `side` has.
    pub fn count(&self, side: Side) -> u64 {
        self.rules
            .iter()
            .filter(|((s, _), _)| *s == side)
            .map(|(_, t)| t.count)
            .sum()
    }
}
