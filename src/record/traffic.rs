//! A behaviour record of live traffic (`proxy --record FILE`), for `diff` like a run's: one
//! entry per kind of exchange — method, endpoint, HTTP status and the envelope's `code` —
//! holding the first exchange of that kind and the provider's deviations seen on any of them.
//! Two records of the same integration's traffic (before and after a provider upgrade) then
//! line up kind by kind; a kind only one of them saw is listed as not compared, never as a
//! change. Bounded: [`MAX_KINDS`] kinds, the first ones kept.

use std::collections::{BTreeMap, BTreeSet};

use super::{DeviationBehaviour, FORMAT, Record, ScenarioBehaviour, exchange};
use crate::exchange::ExchangeRecord;
use crate::findings::Deviation;

/// Kinds of exchange kept at most.
pub const MAX_KINDS: usize = 256;

/// The feature name every entry of a traffic record carries.
pub const FEATURE: &str = "(proxied traffic)";

#[derive(Debug)]
struct Kind {
    first: ExchangeRecord,
    seen: u64,
    deviations: BTreeSet<DeviationBehaviour>,
}

/// Collects the kinds of exchange a proxy sees.
#[derive(Debug, Default)]
pub struct Recorder {
    kinds: BTreeMap<String, Kind>,
    /// Exchanges of a kind past [`MAX_KINDS`], not recorded.
    pub dropped: u64,
}

impl Recorder {
    /// Notes one exchange and the deviations the provider's answer showed on it.
    pub fn note(&mut self, exchange: &ExchangeRecord, provider: &[&Deviation]) {
        let key = kind_of(exchange);
        if !self.kinds.contains_key(&key) && self.kinds.len() >= MAX_KINDS {
            self.dropped += 1;
            return;
        }
        let kind = self.kinds.entry(key).or_insert_with(|| Kind {
            first: exchange.clone(),
            seen: 0,
            deviations: BTreeSet::new(),
        });
        kind.seen += 1;
        kind.deviations
            .extend(provider.iter().map(|d| DeviationBehaviour {
                rule: d.rule.to_string(),
                endpoint: d.endpoint.clone(),
                pointer: d.pointer.clone(),
            }));
    }

    /// The kinds seen so far.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The record of what was seen, as `diff` reads it (redacted).
    pub fn record(&self, provider: &str, target: &str) -> Record {
        let scenarios = self
            .kinds
            .iter()
            .map(|(key, kind)| ScenarioBehaviour {
                feature: FEATURE.to_owned(),
                scenario: key.clone(),
                outcome: if kind.deviations.is_empty() {
                    "passed"
                } else {
                    "failed"
                }
                .to_owned(),
                deviations: kind.deviations.iter().cloned().collect(),
                observations: Vec::new(),
                exchanges: vec![exchange(0, &kind.first)],
            })
            .collect();
        Record {
            format: FORMAT.to_owned(),
            provider: provider.to_owned(),
            target: target.to_owned(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            settings: serde_json::Value::Null,
            runs: 1,
            noise: BTreeSet::new(),
            observed: Vec::new(),
            scenarios,
        }
        .redacted()
    }
}

/// `POST /v1/transaction/prepayment -> 200 code 0`: what makes two exchanges comparable.
fn kind_of(e: &ExchangeRecord) -> String {
    let code = serde_json::from_str::<serde_json::Value>(&e.response_body)
        .ok()
        .and_then(|body| match body.get("code") {
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::String(s)) => Some(format!("{s:?}")),
            _ => None,
        });
    let path = e.endpoint.split('?').next().unwrap_or("");
    match code {
        Some(code) => format!("{} {path} -> {} code {code}", e.method, e.status),
        None => format!("{} {path} -> {}", e.method, e.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redacted::Redacted;

    fn exchange(body: &str, amount_key: &str) -> ExchangeRecord {
        ExchangeRecord {
            endpoint: "/v1/transaction/prepayment".into(),
            method: "POST".into(),
            url: "http://127.0.0.1:1/v1/transaction/prepayment".into(),
            request_headers: vec![],
            request_body: Redacted::new(&format!("{{\"{amount_key}\": 1}}")),
            status: 200,
            response_headers: vec![("content-type".into(), "application/json".into())],
            response_body: Redacted::new(body),
            request_id: None,
            elapsed_ms: 1.0,
        }
    }

    #[test]
    fn kinds_are_keyed_by_method_endpoint_status_and_code_and_bounded() {
        let mut recorder = Recorder::default();
        recorder.note(&exchange(r#"{"code":0,"data":{"a":1}}"#, "amount"), &[]);
        recorder.note(&exchange(r#"{"code":0,"data":{"a":2}}"#, "amount"), &[]);
        let deviation = Deviation::new("C5", "/v1/transaction/prepayment", "/data", "x", "y");
        recorder.note(&exchange(r#"{"code":100}"#, "amount"), &[&deviation]);
        assert_eq!(recorder.len(), 2);
        let record = recorder.record("ttpay", "http://upstream");
        let names: Vec<&str> = record
            .scenarios
            .iter()
            .map(|s| s.scenario.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "POST /v1/transaction/prepayment -> 200 code 0",
                "POST /v1/transaction/prepayment -> 200 code 100"
            ]
        );
        assert_eq!(record.scenarios[1].outcome, "failed");
        assert_eq!(record.scenarios[1].deviations[0].rule, "C5");
        for n in 0..MAX_KINDS + 10 {
            recorder.note(&exchange(&format!(r#"{{"code":{n}}}"#), "amount"), &[]);
        }
        assert_eq!(recorder.len(), MAX_KINDS);
        assert!(recorder.dropped >= 10);
    }
}
