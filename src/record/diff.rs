//! What changed between two records, exchange by exchange (same scenario, same place in it),
//! each change of a kind:
//!
//! - **breaking**: a field gone or of another type, a header that matters gone, a request the
//!   scenario no longer gets to make, a new deviation — and a value change (below) in a
//!   scenario that does not conform in both records;
//! - **allowed**: a value changed for the same request — a code, an enum, a boolean, a `msg`, a
//!   unit, an HTTP status, a header's value; success became refusal or the reverse — in a
//!   scenario that conforms in both records: the contract lets a provider answer either way,
//!   and an integration must take both;
//! - enum values over the whole record (`record/enums.rs`): one gone is breaking, a new one
//!   additive;
//! - **additive**: a new field, a new header, an extra exchange, a new observation, a scenario
//!   that failed now passing;
//! - **noise**: any change where two records of the same provider already differ (learned:
//!   [`Record::noise`], `diff --noise`), and value changes of request ids, nonces and
//!   remaining times and order ids, known to vary.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::compare::exchange_changes;
use super::{NoisePoint, Record, ScenarioBehaviour};

/// Keys whose values vary between any two runs.
pub const KNOWN_VARYING: &[&str] = &[
    "request_id",
    "nonce",
    "nonce_str",
    "expire_second",
    "out_trade_no",
    "transaction_id",
    "prepay_id",
];

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Breaking,
    Allowed,
    Additive,
    Noise,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Breaking => "breaking",
            Kind::Allowed => "allowed",
            Kind::Additive => "additive",
            Kind::Noise => "noise",
        }
    }
}

/// One change, where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: Kind,
    pub endpoint: String,
    /// A body pointer, or `(http status)`, `(header NAME)`, `(exchange)`, `(outcome)`,
    /// `(observation)`.
    pub pointer: String,
    /// What changed, in words: `code 0 → 12001 (success became refusal)`.
    pub what: String,
    /// `feature › scenario`, and the exchange's index in it.
    pub scenario: String,
    pub index: Option<usize>,
}

/// Everything that changed, and what could not be compared.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    pub changes: Vec<Change>,
    pub notes: Vec<String>,
}

impl Changes {
    pub fn count(&self, kind: Kind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }

    pub fn breaking(&self) -> usize {
        self.count(Kind::Breaking)
    }

    /// 1 with a breaking change, else 0 (additive and allowed changes only get a note).
    pub fn exit_code(&self) -> i32 {
        match self.breaking() {
            0 => crate::error::exit::CONFORMING,
            _ => crate::error::exit::DEVIATIONS,
        }
    }
}

/// Options of a diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// More noise: where `OLD` and a second record of the old provider differ.
    pub noise: BTreeSet<NoisePoint>,
}

/// The changes from `old` to `new`.
pub fn diff(old: &Record, new: &Record, options: &DiffOptions) -> Changes {
    let mut out = Changes::default();
    if old.provider != new.provider {
        out.notes.push(format!(
            "the records are of different providers ({} and {})",
            old.provider, new.provider
        ));
    }
    let (a, b) = (how_sent(&old.settings), how_sent(&new.settings));
    if !a.is_null() && !b.is_null() && a != b {
        out.notes.push(format!(
            "the records were made with other settings: {a} and {b}"
        ));
    }
    out.changes.extend(observed_changes(old, new));
    let noise: BTreeSet<&NoisePoint> = old
        .noise
        .iter()
        .chain(&new.noise)
        .chain(&options.noise)
        .collect();
    let news: HashMap<String, &ScenarioBehaviour> =
        new.scenarios.iter().map(|s| (s.id(), s)).collect();
    let mut only_old = 0;
    let mut sent_otherwise = 0;
    for o in &old.scenarios {
        let Some(n) = news.get(&o.id()) else {
            only_old += 1;
            continue;
        };
        if o.outcome == "skipped" || n.outcome == "skipped" {
            continue;
        }
        let conforming = o.outcome == "passed" && n.outcome == "passed";
        sent_otherwise += o
            .exchanges
            .iter()
            .zip(&n.exchanges)
            .filter(|(a, b)| a.request != b.request)
            .count();
        for (endpoint, pointer, kind, what, index) in scenario_changes(o, n) {
            let kind = classify(kind, &endpoint, &pointer, conforming, &noise);
            out.changes.push(Change {
                kind,
                endpoint,
                pointer,
                what,
                scenario: o.id(),
                index,
            });
        }
    }
    out.changes
        .extend(super::enums::changes(old, new).into_iter().map(|mut c| {
            c.kind = classify(c.kind, &c.endpoint, &c.pointer, false, &noise);
            c
        }));
    let olds: BTreeSet<String> = old.scenarios.iter().map(ScenarioBehaviour::id).collect();
    let only_new = new
        .scenarios
        .iter()
        .filter(|s| !olds.contains(&s.id()))
        .count();
    if sent_otherwise > 0 {
        out.notes.push(format!(
            "{sent_otherwise} request(s) were sent otherwise (another suite version or configuration?): changes in their answers may be the suite's"
        ));
    }
    if only_old + only_new > 0 {
        out.notes.push(format!(
            "not compared: {only_old} scenario(s) only in the old record, {only_new} only in the new one"
        ));
    }
    out
}

/// A choice made once per run (C7's amount reading) that is another one now: breaking — an
/// integration reads every order the old way. One only in one record is not compared (the
/// scenarios that decide it may not have run).
fn observed_changes(old: &Record, new: &Record) -> Vec<Change> {
    old.observed
        .iter()
        .filter_map(|o| {
            let n = new
                .observed
                .iter()
                .find(|n| n.rule == o.rule && n.endpoint == o.endpoint)?;
            (n.note != o.note).then(|| Change {
                kind: Kind::Breaking,
                endpoint: o.endpoint.clone(),
                pointer: "(observed for the run)".into(),
                what: format!("[{}] was: {}; now: {}", o.rule, o.note, n.note),
                scenario: "(the whole run)".into(),
                index: None,
            })
        })
        .collect()
}

/// The settings that change what is sent: all but who the merchant is.
fn how_sent(settings: &serde_json::Value) -> serde_json::Value {
    let mut settings = settings.clone();
    if let Some(members) = settings.as_object_mut() {
        members.retain(|k, _| !["merchant", "app_id", "mch_id"].contains(&k.as_str()));
    }
    settings
}

/// Where two records of the same provider differ: the noise they teach.
pub fn varying(a: &Record, b: &Record) -> BTreeSet<NoisePoint> {
    let mut a = a.clone();
    a.noise.clear();
    let mut b = b.clone();
    b.noise.clear();
    diff(&a, &b, &DiffOptions::default())
        .changes
        .into_iter()
        .filter(|c| c.kind != Kind::Noise && c.index.is_some())
        .map(|c| NoisePoint {
            endpoint: c.endpoint,
            pointer: c.pointer,
        })
        .collect()
}

fn classify(
    kind: Kind,
    endpoint: &str,
    pointer: &str,
    conforming: bool,
    noise: &BTreeSet<&NoisePoint>,
) -> Kind {
    let point = NoisePoint {
        endpoint: endpoint.to_owned(),
        pointer: pointer.to_owned(),
    };
    let last = pointer.rsplit('/').next().unwrap_or_default();
    if noise.contains(&point) || (kind == Kind::Allowed && KNOWN_VARYING.contains(&last)) {
        return Kind::Noise;
    }
    // A value change is allowed where the scenario conforms in both records, else breaking.
    match kind {
        Kind::Allowed if !conforming => Kind::Breaking,
        other => other,
    }
}

type Raw = (String, String, Kind, String, Option<usize>);

fn scenario_changes(o: &ScenarioBehaviour, n: &ScenarioBehaviour) -> Vec<Raw> {
    let mut out: Vec<Raw> = Vec::new();
    let olds: BTreeSet<_> = o.deviations.iter().collect();
    let news: BTreeSet<_> = n.deviations.iter().collect();
    for new in news.difference(&olds) {
        let what = format!(
            "new deviation of {} (scenario {} → {})",
            new.rule, o.outcome, n.outcome
        );
        out.push((
            new.endpoint.clone(),
            new.pointer.clone(),
            Kind::Breaking,
            what,
            None,
        ));
    }
    for gone in olds.difference(&news) {
        let what = format!(
            "deviation of {} gone (scenario {} → {})",
            gone.rule, o.outcome, n.outcome
        );
        out.push((
            gone.endpoint.clone(),
            gone.pointer.clone(),
            Kind::Additive,
            what,
            None,
        ));
    }
    if o.outcome != n.outcome && olds == news {
        let kind = match n.outcome.as_str() {
            "passed" => Kind::Additive,
            _ => Kind::Breaking,
        };
        let what = format!("scenario {} → {}", o.outcome, n.outcome);
        out.push(("(scenario)".into(), "(outcome)".into(), kind, what, None));
    }
    let len = o.exchanges.len().max(n.exchanges.len());
    for i in 0..len {
        match (o.exchanges.get(i), n.exchanges.get(i)) {
            (Some(a), Some(b)) if a.endpoint != b.endpoint || a.method != b.method => {
                let what = format!(
                    "request #{i} was {} {}, now {} {}: the scenario took another path",
                    a.method, a.endpoint, b.method, b.endpoint
                );
                out.push((
                    a.endpoint.clone(),
                    "(exchange)".into(),
                    Kind::Breaking,
                    what,
                    Some(i),
                ));
                break;
            }
            (Some(a), Some(b)) => {
                for (pointer, kind, what) in exchange_changes(a, b) {
                    out.push((a.endpoint.clone(), pointer, kind, what, Some(i)));
                }
            }
            (Some(a), None) => {
                let what = match n.outcome.as_str() {
                    "passed" => format!("requests from #{i} on not made any more"),
                    _ => format!("requests from #{i} on not made any more (the scenario stopped)"),
                };
                out.push((
                    a.endpoint.clone(),
                    "(exchange)".into(),
                    Kind::Breaking,
                    what,
                    Some(i),
                ));
                break;
            }
            (None, Some(b)) => {
                let what = format!("extra requests from #{i} on");
                out.push((
                    b.endpoint.clone(),
                    "(exchange)".into(),
                    Kind::Additive,
                    what,
                    Some(i),
                ));
                break;
            }
            (None, None) => {}
        }
    }
    let olds: BTreeSet<_> = o.observations.iter().collect();
    let news: BTreeSet<_> = n.observations.iter().collect();
    for gone in olds.difference(&news) {
        let what = format!("observation gone: [{}] {}", gone.rule, gone.note);
        out.push((
            gone.endpoint.clone(),
            "(observation)".into(),
            Kind::Additive,
            what,
            None,
        ));
    }
    for new in news.difference(&olds) {
        let what = format!("new observation: [{}] {}", new.rule, new.note);
        out.push((
            new.endpoint.clone(),
            "(observation)".into(),
            Kind::Additive,
            what,
            None,
        ));
    }
    out
}
