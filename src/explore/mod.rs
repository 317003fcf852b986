//! `pay-conformance explore`: negative and boundary requests generated from a provider's request
//! schemas ([`cases`]), settled, signed and chained by its [`Explorer`], sent one after the other
//! (paced as the provider allows), and judged by the contract — the provider's `proxy` judge
//! plus what only the explorer knows. A case that breaks a rule is shrunk by proptest to a
//! minimal one ([`shrink`](Session::shrink)), printed with a curl command that reproduces it,
//! and saved for `--replay`.

pub mod cases;
pub mod report;

use std::collections::BTreeSet;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::strategy::{Strategy as _, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;

use crate::error::ConfigError;
use crate::explorer::{Case, Explorer};
use crate::findings::Deviation;
use crate::http::{Incoming, Outgoing, Pacer, Transport, TransportError};
use crate::judge::{Body, Proxied, Side};

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
            let (strategy, _) = cases::cases(
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
            while cases < u64::from(options.max_examples) {
                if crate::http::stopping() {
                    outcome.stopped = Some("interrupted".into());
                    break;
                }
                // The generator's state before this case: its tree again, for each finding.
                let snapshot = runner.rng().clone();
                let tree = strategy
                    .new_tree(&mut runner)
                    .map_err(|e| ConfigError::Start(format!("explore {}: {e}", endpoint.name)))?;
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
                                Ok(tree) => tree,
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

    /// proptest's shrinking of a failing case: simpler while it still breaks the same rule at
    /// the same place, back when it does not.
    async fn shrink(
        &mut self,
        mut tree: Box<dyn ValueTree<Value = Case>>,
        case: &Case,
        deviation: &Deviation,
        ran: &Ran,
        max: u32,
    ) -> Found {
        let key = key_of(deviation);
        let mut best = found_of(case, deviation, ran, 0);
        let mut runs = 0;
        if tree.simplify() {
            while runs < max {
                runs += 1;
                let candidate = tree.current();
                let ran = self.run(&candidate).await;
                if ran.stop {
                    break;
                }
                let same = ran.findings.iter().find(|d| key_of(d) == key);
                match same {
                    Some(d) => {
                        best = found_of(&candidate, d, &ran, runs);
                        if !tree.simplify() {
                            break;
                        }
                    }
                    None => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
        }
        best.shrink_runs = runs;
        best.cases = 1;
        best
    }

    /// One run of `case`: settled, sent, judged, followed up.
    async fn run(&mut self, case: &Case) -> Ran {
        let mut ran = Ran::default();
        let mut body = case.fields.clone();
        self.explorer.settle(case, &mut body);
        let bytes = cases::body(case, body);
        let request = self.explorer.request(case, &bytes);
        ran.request = Some(request.clone());
        let exchange = match self.send(&request).await {
            Ok(exchange) => exchange,
            Err(TransportError::Interrupted | TransportError::Deadline) => {
                ran.stop = true;
                return ran;
            }
            Err(e) => {
                // No answer. The input's doing only if the target answers a well-formed
                // request at once, on a connection of its own.
                let probe = self.explorer.probe();
                match self.send(&probe).await {
                    Ok(_) => ran.findings.push(Deviation::new(
                        self.explorer.no_answer_rule(),
                        path_of(&request.url),
                        "(connection)",
                        "an answer (a JSON refusal of the input)",
                        format!("no answer: {e}"),
                    )),
                    Err(again) => {
                        ran.inconclusive = Some(format!(
                            "{} {}: {e}; a well-formed request then: {again}",
                            request.method, request.url
                        ))
                    }
                }
                return ran;
            }
        };
        ran.answer = Some((
            exchange.status,
            String::from_utf8_lossy(
                &exchange.response_body.bytes[..exchange.response_body.bytes.len().min(2048)],
            )
            .into_owned(),
        ));
        ran.findings
            .extend(provider_findings(self.explorer.judge(case, &exchange)));
        for next in self.explorer.follow_ups(case, &exchange) {
            match self.send(&next).await {
                Ok(followed) => ran
                    .findings
                    .extend(provider_findings(self.explorer.judge(case, &followed))),
                Err(TransportError::Interrupted | TransportError::Deadline) => {
                    ran.stop = true;
                    break;
                }
                Err(e) => {
                    ran.inconclusive = Some(format!("{} {}: {e}", next.method, next.url));
                    break;
                }
            }
        }
        dedupe(&mut ran.findings);
        ran
    }

    /// Sends one request (paced, never retried: a create may have taken effect), and gives the
    /// exchange as the judge reads it.
    async fn send(&mut self, request: &Outgoing) -> Result<Proxied, TransportError> {
        let ticket = self.pacer.wait("explore").await;
        let at = SystemTime::now();
        self.requests += 1;
        let answer = self.transport.send_once(request).await;
        self.pacer.answered(ticket);
        let answer: Incoming = answer?;
        self.seq += 1;
        Ok(proxied(self.seq, at, request, answer))
    }
}

fn provider_findings(verdict: crate::judge::Verdict) -> impl Iterator<Item = Deviation> {
    verdict
        .findings
        .into_iter()
        .filter(|f| f.side == Side::Provider)
        .map(|f| f.deviation)
}

fn dedupe(findings: &mut Vec<Deviation>) {
    let mut seen = BTreeSet::new();
    findings.retain(|d| seen.insert(key_of(d)));
}

/// What makes two findings the same: rule, endpoint, pointer.
fn key_of(d: &Deviation) -> (String, String, String) {
    (d.rule.to_string(), d.endpoint.clone(), d.pointer.clone())
}

fn found_of(case: &Case, deviation: &Deviation, ran: &Ran, shrink_runs: u32) -> Found {
    let (method, url, headers, body) = match &ran.request {
        Some(r) => (
            r.method.to_string(),
            r.url.clone(),
            r.headers
                .iter()
                .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
            String::from_utf8_lossy(&r.body).into_owned(),
        ),
        None => Default::default(),
    };
    Found {
        deviation: deviation.clone(),
        explored: case.endpoint.clone(),
        case: case.clone(),
        method,
        url,
        headers,
        fresh: None,
        body,
        status: ran.answer.as_ref().map(|a| a.0),
        answer: ran.answer.as_ref().map(|a| a.1.clone()).unwrap_or_default(),
        shrink_runs,
        requests_before: 0,
        cases: 1,
    }
}

/// `/v1/x` of `http://host/v1/x?q`.
fn path_of(url: &str) -> String {
    let path = crate::signer::path_and_query(url);
    path.split('?').next().unwrap_or("").to_owned()
}

/// The exchange as a judge reads it.
fn proxied(seq: u64, at: SystemTime, request: &Outgoing, answer: Incoming) -> Proxied {
    let target = crate::signer::path_and_query(&request.url);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.clone(), None),
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    Proxied {
        seq,
        at,
        method: request.method.clone(),
        path,
        query,
        request_headers: headers,
        request_body: Body {
            bytes: Bytes::from(request.body.clone()),
            over_cap: false,
        },
        status: answer.status,
        response_headers: answer.headers,
        response_body: Body {
            bytes: Bytes::from(answer.body),
            over_cap: answer.over_cap,
        },
        elapsed: answer.elapsed,
    }
}

/// The 32 bytes of the generator's seed for the `index`th endpoint.
fn seed_bytes(seed: u64, index: usize) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&seed.to_le_bytes());
    out[8..16].copy_from_slice(&(index as u64).to_le_bytes());
    out[16..].copy_from_slice(b"pay-conformance!");
    out
}

/// How long to wait for an answer by default (`--timeout`).
pub const DEFAULT_TIMEOUT_S: u64 = 10;
