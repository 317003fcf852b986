//! Behaviour records (`run --record FILE`) and what changed between two of them
//! (`diff OLD NEW`, `run --baseline FILE`): how a provider answered each exchange of each
//! scenario — endpoint, method, status, the headers that matter, the body as a [`Shape`] —
//! with generated values replaced by placeholders so that two runs line up. The format is
//! `docs/record-format.md` (JSON Schema: `docs/record.schema.json`).
//!
//! ```
//! use pay_conformance::record::{Record, diff};
//! use pay_conformance::{RunArgs, RunConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let config = RunConfig::resolve(&RunArgs::default(), &|_| None).unwrap();
//! let old = Record::of(&config.run().await.unwrap(), config.provider.name());
//! let new = Record::of(&config.run().await.unwrap(), config.provider.name());
//! let changes = diff::diff(&old, &new, &Default::default());
//! assert_eq!(changes.breaking(), 0, "{changes:?}");
//! # }
//! ```

pub mod cli;
mod compare;
pub mod diff;
mod enums;
mod io;
pub mod render;
pub mod shape;
pub mod traffic;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

pub use io::{MAX_RECORD_BYTES, RecordError, comparable, load, parse, save, to_text};
pub use shape::Shape;

use crate::exchange::ExchangeRecord;
use crate::runner::{Outcome, RunReport, ScenarioRecord};

/// The format tag every record starts with; another one is refused.
pub const FORMAT: &str = "pay-conformance-record/1";

/// A run's behaviour record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Always [`FORMAT`].
    pub format: String,
    /// The provider (`ttpay`).
    pub provider: String,
    /// What was run against (the base URL, or the embedded double), redacted.
    pub target: String,
    /// The tool's version that wrote it.
    pub tool_version: String,
    /// The provider's settings of the run (query method, units…; never a secret), if known:
    /// two records made with other settings send other requests.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub settings: serde_json::Value,
    /// How many runs it was learned from (`--repeat N`).
    #[serde(default = "one")]
    pub runs: u32,
    /// Where two runs of the same provider differed: value changes there are noise.
    #[serde(default)]
    pub noise: BTreeSet<NoisePoint>,
    /// What the provider chose once for the whole run (C7: its amount reading); another
    /// choice in a later record is a breaking change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed: Vec<ObservationBehaviour>,
    pub scenarios: Vec<ScenarioBehaviour>,
}

fn one() -> u32 {
    1
}

/// An endpoint and a pointer (a body pointer, or `(http status)`, `(header NAME)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NoisePoint {
    pub endpoint: String,
    pub pointer: String,
}

/// One scenario: its identity (feature path and name, never a line number), how it ended, and
/// its exchanges in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioBehaviour {
    /// `features/ttpay/close.feature`.
    pub feature: String,
    /// The scenario's name; a repeated name gets ` #2`, ` #3` in file order.
    pub scenario: String,
    /// `passed`, `failed`, `skipped`, `inconclusive` or `error`.
    pub outcome: String,
    /// The deviations found, if any: rule, endpoint and pointer (no values: they are in the
    /// exchanges).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deviations: Vec<DeviationBehaviour>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<ObservationBehaviour>,
    #[serde(default)]
    pub exchanges: Vec<ExchangeBehaviour>,
}

impl ScenarioBehaviour {
    /// `features/ttpay/close.feature › An unpaid order is closed`.
    pub fn id(&self) -> String {
        format!("{} › {}", self.feature, self.scenario)
    }
}

/// Where a deviation was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeviationBehaviour {
    pub rule: String,
    pub endpoint: String,
    pub pointer: String,
}

/// An observation, its note with placeholders.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObservationBehaviour {
    pub rule: String,
    pub endpoint: String,
    pub note: String,
}

/// One exchange: what kind of request it was, and what came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeBehaviour {
    /// Its place in the scenario, from 0.
    pub index: usize,
    pub endpoint: String,
    pub method: String,
    /// What was sent (JSON body or query parameters), as a shape.
    pub request: Shape,
    pub status: u16,
    /// The headers that matter: `content-type` (its value), the signature headers and the
    /// request id (`<present>`, or a timestamp's placeholder).
    pub headers: BTreeMap<String, String>,
    pub body: Shape,
}

impl Record {
    /// The record of `report`, a run of `provider`, redacted.
    pub fn of(report: &RunReport, provider: &str) -> Record {
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        let scenarios = report
            .scenarios
            .iter()
            .map(|s| {
                let feature = s
                    .location
                    .rsplit_once(':')
                    .map_or(s.location.as_str(), |(path, _)| path)
                    .to_owned();
                let n = seen.entry((feature.clone(), s.name.clone())).or_default();
                *n += 1;
                let name = match *n {
                    1 => s.name.clone(),
                    n => format!("{} #{n}", s.name),
                };
                scenario(s, feature, name)
            })
            .collect();
        Record {
            format: FORMAT.to_owned(),
            provider: provider.to_owned(),
            target: report.target.clone(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            settings: serde_json::Value::Null,
            runs: 1,
            noise: BTreeSet::new(),
            observed: observations(&report.observations),
            scenarios,
        }
        .redacted()
    }

    /// The same record, noting the provider's `settings` of the run (redacted).
    pub fn with_settings(mut self, settings: serde_json::Value) -> Record {
        self.settings = settings;
        self.redacted()
    }

    /// The record as it is written and read back: every string through [`crate::redact()`],
    /// so that a record in memory and one from a file compare alike.
    fn redacted(self) -> Record {
        let text = io::to_text(&self);
        io::parse(std::path::Path::new("(in memory)"), &text).unwrap_or(self)
    }

    /// The record of the first run with the noise learned from the others: every endpoint and
    /// pointer whose value differed between two runs of the same provider.
    pub fn learned(reports: &[RunReport], provider: &str) -> Option<Record> {
        let mut record = Record::of(reports.first()?, provider);
        for other in &reports[1..] {
            let other = Record::of(other, provider);
            record.noise.extend(diff::varying(&record, &other));
        }
        record.runs = u32::try_from(reports.len()).unwrap_or(u32::MAX);
        Some(record)
    }
}

fn scenario(s: &ScenarioRecord, feature: String, name: String) -> ScenarioBehaviour {
    let outcome = match s.outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Skipped(_) => "skipped",
        Outcome::Inconclusive(_) => "inconclusive",
        Outcome::Error(_) => "error",
    };
    let mut deviations: Vec<DeviationBehaviour> = s
        .findings
        .deviations
        .iter()
        .map(|d| DeviationBehaviour {
            rule: d.rule.to_string(),
            endpoint: d.endpoint.clone(),
            pointer: d.pointer.clone(),
        })
        .collect();
    deviations.sort();
    deviations.dedup();
    let observations = observations(&s.findings.observations);
    ScenarioBehaviour {
        feature,
        scenario: name,
        outcome: outcome.to_owned(),
        deviations,
        observations,
        exchanges: s
            .findings
            .exchanges
            .iter()
            .enumerate()
            .map(|(i, e)| exchange(i, e))
            .collect(),
    }
}

/// Observations as a record keeps them: notes with placeholders, sorted, once each.
fn observations(found: &[crate::findings::Observation]) -> Vec<ObservationBehaviour> {
    let mut out: Vec<ObservationBehaviour> = found
        .iter()
        .map(|o| ObservationBehaviour {
            rule: o.rule.to_string(),
            endpoint: o.endpoint.clone(),
            note: shape::placeholders("", &crate::redact::redact(&o.note)),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The headers whose presence (or value) is behaviour.
fn header(name: &str, value: &str) -> Option<String> {
    let name = name.to_ascii_lowercase();
    if name == "content-type" {
        return Some(value.to_ascii_lowercase().replace(' ', ""));
    }
    if name.contains("timestamp") {
        return Some(shape::placeholders(&name, value.trim()));
    }
    let matters = ["signature", "nonce", "serial", "request-id"];
    matters
        .iter()
        .any(|m| name.contains(m))
        .then(|| "<present>".to_owned())
}

fn exchange(index: usize, e: &ExchangeRecord) -> ExchangeBehaviour {
    let redacted = |text: &str| crate::redact::redact(text).into_owned();
    let request = match e.method.as_str() {
        "GET" => Shape::of(&query_params(&e.url)),
        _ => Shape::of_text(&redacted(&e.request_body)),
    };
    ExchangeBehaviour {
        index,
        endpoint: e.endpoint.clone(),
        method: e.method.clone(),
        request,
        status: e.status,
        headers: e
            .response_headers
            .iter()
            .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), header(k, v)?)))
            .collect(),
        body: Shape::of_text(&redacted(&e.response_body)),
    }
}

/// The query string of `url` as a JSON object of strings.
fn query_params(url: &str) -> serde_json::Value {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let members = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), serde_json::Value::String(decode(v)))
        })
        .collect();
    serde_json::Value::Object(members)
}
