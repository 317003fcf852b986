//! `pay-conformance explore`: negative and boundary requests generated from a provider's request
//! schemas ([`cases`]), settled, signed and chained by its [`Explorer`], sent one after the other
//! (paced as the provider allows), and judged by the contract — the provider's `proxy` judge
//! plus what only the explorer knows. A case that breaks a rule is shrunk by proptest to a
//! minimal one ([`shrink`](Session::shrink)), printed with a curl command that reproduces it,
//! and saved for `--replay`.

pub mod cases;
mod mutations;
pub mod report;
mod send;

use std::time::Instant;

use proptest::strategy::{Strategy as _, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;

use crate::error::ConfigError;
use send::{found_of, key_of, seed_bytes};

use crate::explorer::{Case, Explorer};
use crate::findings::Deviation;
use crate::http::{Outgoing, Pacer, Transport};

/// What to explore.
#[derive(Debug, Clone)]
pub struct Options {
    /// Generated cases per endpoint.
    pub max_examples: u32,
    pub seed: u64,
    /// Only these endpoints (all when empty).
    pub endpoints: Vec<String>,
    /// Run exactly these cases instead of generating any (`--replay`).
    pub replay: Option<Vec<Case>>,
    /// Runs of a shrinking case at most, per finding.
    pub max_shrink: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_examples: 100,
            seed: 0,
            endpoints: Vec::new(),
            replay: None,
            max_shrink: 256,
        }
    }
}

/// A rule broken, with the smallest case that still breaks it.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    #[serde(flatten)]
    pub deviation: Deviation,
    /// The endpoint explored (`create`), whose case found it.
    pub explored: String,
    pub case: Case,
    /// The request the minimal case sent.
    pub method: String,
    pub url: String,
    /// The value of its body that must be new on every request (a create's order number),
    /// replaced by a fresh one in the reproduction.
    pub fresh: Option<String>,
    /// Its headers but `Authorization`.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The answer it got: status and body (its beginning).
    pub status: Option<u16>,
    pub answer: String,
    /// How many runs the shrinking took.
    pub shrink_runs: u32,
    /// Requests sent before it was first seen, shrinking excluded.
    pub requests_before: u64,
    /// How many generated cases broke it.
    pub cases: u64,
}

/// What an exploration did.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub provider: String,
    pub base_url: String,
    pub seed: u64,
    pub max_examples: u32,
    pub cases: u64,
    pub requests: u64,
    pub shrink_requests: u64,
    pub elapsed_ms: u128,
    /// Cases per endpoint.
    pub per_endpoint: Vec<(String, u64)>,
    pub findings: Vec<Found>,
    /// Why some cases could not be judged (the target did not answer a well-formed request).
    pub inconclusive: Vec<String>,
    pub limits: Vec<String>,
    /// The run stopped early (Ctrl-C, or the target stopped answering).
    pub stopped: Option<String>,
}

impl Outcome {
    /// 1 findings, 3 no finding but inconclusive cases, else 0.
    pub fn exit_code(&self) -> i32 {
        if !self.findings.is_empty() {
            crate::error::exit::DEVIATIONS
        } else if !self.inconclusive.is_empty() || self.stopped.is_some() {
            crate::error::exit::INCONCLUSIVE
        } else {
            crate::error::exit::CONFORMING
        }
    }
}

/// Inconclusive cases in a row after which the target is taken to be down.
/// How long to wait for an answer by default (`--timeout`).
pub const DEFAULT_TIMEOUT_S: u64 = 10;

/// Simplification steps of a sweep case's body at most.
const MAX_SIMPLIFY: usize = 4096;

const MAX_INCONCLUSIVE_IN_A_ROW: usize = 5;

/// What one run of a case showed.
#[derive(Debug, Default)]
struct Ran {
    findings: Vec<Deviation>,
    inconclusive: Option<String>,
    /// The case's own request and its answer.
    request: Option<Outgoing>,
    answer: Option<(u16, String)>,
    stop: bool,
}

/// One exploration: the explorer, the transport, the pacing, the counts.
pub struct Session<'a> {
    explorer: &'a mut dyn Explorer,
    transport: Transport,
    pacer: Pacer,
    seq: u64,
    requests: u64,
}

impl<'a> Session<'a> {
    /// A session sending at most `rate` requests a second (0: unpaced).
    pub fn new(explorer: &'a mut dyn Explorer, transport: Transport, rate: u32) -> Self {
        let pacer = Pacer::new(rate);
        Session {
            explorer,
            transport,
            pacer,
            seq: 0,
            requests: 0,
        }
    }

    /// Explores every endpoint `options` names (or replays its cases), generating from the
    /// schemas `resolve` finds.
    pub async fn explore(
        &mut self,
        options: &Options,
        resolve: cases::Resolve<'_>,
        outcome: &mut Outcome,
    ) -> Result<(), ConfigError> {
        let started = Instant::now();
        outcome.seed = options.seed;
        outcome.max_examples = options.max_examples;
        outcome.limits = self.explorer.limits();
        let endpoints = self.explorer.endpoints();
        for wanted in &options.endpoints {
            if !endpoints.iter().any(|e| e.name == wanted) {
                return Err(ConfigError::Invalid {
                    what: format!(
                        "--endpoint {wanted}: no such endpoint (the explored ones: {})",
                        endpoints
                            .iter()
                            .map(|e| e.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        if let Some(cases) = &options.replay {
            for case in cases {
                if !endpoints.iter().any(|e| e.name == case.endpoint) {
                    return Err(ConfigError::Invalid {
                        what: format!(
                            "--replay: a case of endpoint `{}`, which is not explored",
                            case.endpoint
                        ),
                    });
                }
            }
            self.replay(cases, outcome).await;
            outcome.elapsed_ms = started.elapsed().as_millis();
            return Ok(());
        }
        for (index, endpoint) in endpoints.iter().enumerate() {
            if !options.endpoints.is_empty()
                && !options.endpoints.iter().any(|e| e == endpoint.name)
            {
                continue;
            }
            let generated = cases::cases(
                endpoint.name,
                endpoint.schema,
                resolve,
                self.explorer.extra_mutations(endpoint.name),
            )
            .map_err(|why| ConfigError::Start(format!("explore {}: {why}", endpoint.name)))?;
            let mut runner = TestRunner::new_with_rng(
                Config {
                    max_shrink_iters: options.max_shrink,
                    ..Config::default()
                },
                TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(options.seed, index)),
            );
            let mut cases = 0u64;
            let mut in_a_row = 0;
            let sweep = generated.sweep.len() as u64;
            while cases < sweep + u64::from(options.max_examples) {
                let strategy = usize::try_from(cases)
                    .ok()
                    .and_then(|n| generated.sweep.get(n))
                    .unwrap_or(&generated.random);
                if crate::http::stopping() {
                    outcome.stopped = Some("interrupted".into());
                    break;
                }
                // The generator's state before this case: its tree again, for each finding.
                let snapshot = runner.rng().clone();
                let mut tree = strategy
                    .new_tree(&mut runner)
                    .map_err(|e| ConfigError::Start(format!("explore {}: {e}", endpoint.name)))?;
                // A sweep case's body at its simplest (the required fields, each enum's first
                // value, numbers at their bounds): its one change is all that differs from the
                // plainest valid request, so a refusal is that change's.
                let swept = cases < sweep;
                if swept {
                    simplest(&mut *tree);
                }
                let case = tree.current();
                cases += 1;
                outcome.cases += 1;
                let before = self.requests;
                let ran = self.run(&case).await;
                if ran.stop {
                    outcome.stopped = Some("interrupted".into());
                    break;
                }
                if let Some(why) = &ran.inconclusive {
                    in_a_row += 1;
                    if outcome.inconclusive.len() < 20 {
                        outcome.inconclusive.push(why.clone());
                    }
                    if in_a_row >= MAX_INCONCLUSIVE_IN_A_ROW {
                        outcome.stopped = Some(format!(
                            "the target answered none of {in_a_row} cases in a row, nor a well-formed request: {why}"
                        ));
                        break;
                    }
                    continue;
                }
                in_a_row = 0;
                let mut fresh: Vec<Deviation> = Vec::new();
                for deviation in &ran.findings {
                    let key = key_of(deviation);
                    match outcome
                        .findings
                        .iter_mut()
                        .find(|f| key_of(&f.deviation) == key)
                    {
                        Some(found) => found.cases += 1,
                        None => fresh.push(deviation.clone()),
                    }
                }
                let mut tree = Some(tree);
                for deviation in &fresh {
                    if outcome
                        .findings
                        .iter()
                        .any(|f| key_of(&f.deviation) == key_of(deviation))
                    {
                        continue;
                    }
                    // The case's own tree for the first; the same tree again for the others.
                    let tree = match tree.take() {
                        Some(tree) => tree,
                        None => {
                            let mut again =
                                TestRunner::new_with_rng(Config::default(), snapshot.clone());
                            match strategy.new_tree(&mut again) {
                                Ok(mut tree) => {
                                    if swept {
                                        simplest(&mut *tree);
                                    }
                                    tree
                                }
                                Err(_) => continue,
                            }
                        }
                    };
                    let shrink_from = self.requests;
                    let mut found = self
                        .shrink(tree, &case, deviation, &ran, options.max_shrink)
                        .await;
                    outcome.shrink_requests += self.requests - shrink_from;
                    found.requests_before = before;
                    self.record(found, outcome);
                }
            }
            outcome.per_endpoint.push((endpoint.name.to_owned(), cases));
            if outcome.stopped.is_some() {
                break;
            }
        }
        outcome.requests = self.requests;
        outcome.elapsed_ms = started.elapsed().as_millis();
        Ok(())
    }

    fn record(&self, mut found: Found, outcome: &mut Outcome) {
        found.fresh = self
            .explorer
            .fresh_field(&found.explored)
            .and_then(|field| {
                serde_json::from_str::<serde_json::Value>(&found.body)
                    .ok()?
                    .get(field)?
                    .as_str()
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            });
        // Each finding as it is found.
        println!(
            "{}",
            crate::redact::redact(&report::finding_text(&found, outcome))
        );
        outcome.findings.push(found);
    }

    /// Runs `cases` as they are, no shrinking.
    async fn replay(&mut self, cases: &[Case], outcome: &mut Outcome) {
        for case in cases {
            outcome.cases += 1;
            let ran = self.run(case).await;
            if ran.stop {
                outcome.stopped = Some("interrupted".into());
                break;
            }
            if let Some(why) = ran.inconclusive.clone() {
                outcome.inconclusive.push(why);
            }
            for deviation in &ran.findings {
                let mut found = found_of(case, deviation, &ran, 0);
                found.requests_before = self.requests;
                self.record(found, outcome);
            }
        }
        outcome.requests = self.requests;
    }
}

/// `tree` simplified as far as it goes (bounded).
fn simplest(tree: &mut dyn ValueTree<Value = Case>) {
    let mut steps = 0;
    while steps < MAX_SIMPLIFY && tree.simplify() {
        steps += 1;
    }
}
