//! Parts 1 and 2: the whole suite against the embedded double — how fast it runs, and how well
//! its concurrency hides a provider's latency. Features and schemas are loaded once; each run
//! gets a fresh double and a fresh client, and only the run itself is timed.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cucumber::gherkin;
use serde::Serialize;

use crate::bench::{median, ms};
use crate::error::ConfigError;
use crate::http::SendStats;
use crate::runner::{Outcome, RunReport};
use crate::settings::{FileSection, RunSettings};
use crate::ttpay::double::{Double, DoubleConfig};
use crate::ttpay::suite;
use crate::ttpay::{TtpayArgs, TtpayRun, TtpaySettings};
use cucumber::gherkin::tagexpr::TagOperation;

/// Part 1.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteFigures {
    pub concurrency: u32,
    pub runs: Vec<SuiteRun>,
    pub median_ms: f64,
    pub min_ms: f64,
    /// Requests of a run ÷ the median wall time.
    pub requests_per_second: f64,
}

/// One run of part 1.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteRun {
    pub scenarios: usize,
    /// Scenarios that did not pass (a benchmark of a failing suite means little).
    pub not_passed: usize,
    pub requests: u32,
    pub wall_ms: f64,
}

/// Part 2, at one concurrency.
#[derive(Debug, Clone, Serialize)]
pub struct LatencyFigures {
    pub latency_ms: f64,
    pub concurrency: u32,
    pub scenarios: usize,
    pub not_passed: usize,
    pub requests: u32,
    pub wall_ms: f64,
    /// The most requests one scenario made, one after the other.
    pub longest_chain: u32,
    pub longest_scenario: String,
    /// `longest_chain × latency`: no run can be faster.
    pub chain_bound_ms: f64,
    /// `requests × latency ÷ concurrency`: what the concurrency limit alone allows.
    pub concurrency_bound_ms: f64,
    /// `wall ÷ chain_bound`: 1 means the suite's concurrency hides the latency entirely.
    pub ratio: f64,
}

/// What every run shares: parsed once.
pub(super) struct Loaded {
    pub features: Vec<gherkin::Feature>,
}

impl Loaded {
    pub fn new() -> Result<Loaded, ConfigError> {
        Ok(Loaded {
            features: suite::load_features(&[])?,
        })
    }
}

/// A run's outcome with its wall time and what its client sent.
pub(super) struct Timed {
    pub report: RunReport,
    pub wall: Duration,
    pub stats: Arc<SendStats>,
}

/// The configuration of a benchmark run: as `run` would resolve it with no flags, no file and
/// no environment, plus these.
pub(super) fn run_config(
    concurrency: u32,
    rate_limit: u32,
    tags: Option<&str>,
) -> Result<TtpayRun, ConfigError> {
    let tags = match tags {
        None => None,
        Some(expr) => Some((
            expr.to_owned(),
            expr.parse::<TagOperation>()
                .map_err(|e| ConfigError::Tags {
                    expr: expr.to_owned(),
                    message: e.to_string(),
                })?,
        )),
    };
    let settings = RunSettings {
        notify: crate::settings::NotifySettings::embedded(),
        concurrency: usize::try_from(concurrency).unwrap_or(usize::MAX),
        rate_limit,
        tags,
        ..RunSettings::embedded()
    };
    let ttpay = TtpaySettings::resolve(
        &TtpayArgs::default(),
        &mut FileSection::empty(),
        &|_| None,
        false,
    )?;
    TtpayRun::new(settings, ttpay)
}

/// One run against a fresh double started with `double`.
pub(super) async fn run_once(
    run: &TtpayRun,
    loaded: &Loaded,
    double: DoubleConfig,
) -> Result<Timed, ConfigError> {
    let double = Double::start(double).await;
    let credentials = suite::double_credentials(double.config());
    let client = run.client(&double.uri());
    let stats = client.stats();
    let label = format!("{} (bench)", double.uri());
    let started = Instant::now();
    let report = run
        .run_with_client(client, credentials, loaded.features.clone(), label)
        .await;
    let wall = started.elapsed();
    drop(double);
    Ok(Timed {
        report,
        wall,
        stats,
    })
}

fn not_passed(report: &RunReport) -> usize {
    report
        .scenarios
        .iter()
        .filter(|s| s.outcome != Outcome::Passed)
        .count()
}

/// Part 1: `runs` runs of the whole suite at `concurrency`.
pub async fn throughput(runs: u32, concurrency: u32) -> Result<SuiteFigures, ConfigError> {
    let loaded = Loaded::new()?;
    let config = run_config(concurrency, 0, None)?;
    let mut out = Vec::new();
    for _ in 0..runs {
        let timed = run_once(&config, &loaded, DoubleConfig::builtin()).await?;
        out.push(SuiteRun {
            scenarios: timed.report.scenarios.len(),
            not_passed: not_passed(&timed.report),
            requests: timed.report.counts().requests,
            wall_ms: ms(timed.wall),
        });
    }
    let walls: Vec<f64> = out.iter().map(|r| r.wall_ms).collect();
    let median_ms = median(&walls).unwrap_or(0.0);
    let min_ms = walls.iter().copied().fold(f64::INFINITY, f64::min);
    let requests = out.first().map_or(0, |r| r.requests);
    Ok(SuiteFigures {
        concurrency,
        median_ms,
        min_ms,
        requests_per_second: f64::from(requests) / (median_ms / 1000.0).max(f64::MIN_POSITIVE),
        runs: out,
    })
}

/// Part 2: the suite against a double that waits `latency` before every answer, once at
/// `concurrency` and once with every scenario in flight at the same time.
pub async fn latency(
    latency: Duration,
    concurrency: u32,
) -> Result<Vec<LatencyFigures>, ConfigError> {
    let loaded = Loaded::new()?;
    let scenarios: usize = loaded
        .features
        .iter()
        .map(|f| f.scenarios.len() + f.rules.iter().map(|r| r.scenarios.len()).sum::<usize>())
        .sum();
    let everything = u32::try_from(scenarios)
        .unwrap_or(u32::MAX)
        .max(concurrency);
    let mut levels = vec![concurrency];
    if everything > concurrency {
        levels.push(everything);
    }
    let mut out = Vec::new();
    for concurrency in levels {
        let config = run_config(concurrency, 0, None)?;
        let double = DoubleConfig {
            latency: Some(latency),
            ..DoubleConfig::builtin()
        };
        let timed = run_once(&config, &loaded, double).await?;
        out.push(latency_figures(&timed, latency, concurrency));
    }
    Ok(out)
}

fn latency_figures(timed: &Timed, latency: Duration, concurrency: u32) -> LatencyFigures {
    let report = &timed.report;
    let longest = report.scenarios.iter().max_by_key(|s| s.findings.requests);
    let longest_chain = longest.map_or(0, |s| s.findings.requests);
    let requests = report.counts().requests;
    let chain_bound_ms = f64::from(longest_chain) * ms(latency);
    let concurrency_bound_ms = f64::from(requests) * ms(latency) / f64::from(concurrency.max(1));
    let wall_ms = ms(timed.wall);
    LatencyFigures {
        latency_ms: ms(latency),
        concurrency,
        scenarios: report.scenarios.len(),
        not_passed: not_passed(report),
        requests,
        wall_ms,
        longest_chain,
        longest_scenario: longest.map_or_else(String::new, |s| s.location.clone()),
        chain_bound_ms,
        concurrency_bound_ms,
        ratio: wall_ms / chain_bound_ms.max(f64::MIN_POSITIVE),
    }
}

/// Part 1's table.
pub fn render_throughput(f: &SuiteFigures) -> String {
    let mut out = String::new();
    let first = f.runs.first();
    let _ = writeln!(
        out,
        "\n1. suite vs embedded double ({} runs, {} scenarios in flight)",
        f.runs.len(),
        f.concurrency
    );
    let _ = writeln!(
        out,
        "  {:>9}  {:>8}  {:>10}  {:>10}  {:>8}  {:>10}",
        "scenarios", "requests", "median ms", "min ms", "req/s", "not passed"
    );
    let _ = writeln!(
        out,
        "  {:>9}  {:>8}  {:>10.1}  {:>10.1}  {:>8.0}  {:>10}",
        first.map_or(0, |r| r.scenarios),
        first.map_or(0, |r| r.requests),
        f.median_ms,
        f.min_ms,
        f.requests_per_second,
        f.runs.iter().map(|r| r.not_passed).sum::<usize>()
    );
    out
}

/// Part 2's table.
pub fn render_latency(rows: &[LatencyFigures]) -> String {
    let mut out = String::new();
    let Some(first) = rows.first() else {
        return out;
    };
    let _ = writeln!(
        out,
        "\n2. suite vs a double with {:.0} ms latency (longest chain: {} requests, {})",
        first.latency_ms, first.longest_chain, first.longest_scenario
    );
    let _ = writeln!(
        out,
        "  {:>11}  {:>8}  {:>9}  {:>14}  {:>18}  {:>12}",
        "in flight", "requests", "wall ms", "chain bound ms", "concurrency bound", "wall ÷ chain"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "  {:>11}  {:>8}  {:>9.0}  {:>14.0}  {:>18.0}  {:>12.2}",
            r.concurrency, r.requests, r.wall_ms, r.chain_bound_ms, r.concurrency_bound_ms, r.ratio
        );
    }
    out
}
