//! `pay-conformance bench --provider NAME…`: numbers, not tests. Four parts, each printing a
//! small table as it finishes, all of them bounded in count and time and talking only to
//! 127.0.0.1. What a provider offers is its [`ProviderBench`] ([`crate::Provider::bench`]):
//!
//! 1. `suite` — the whole suite against the embedded double, N times: wall time and requests/s;
//! 2. `latency` — the suite against a double that answers after a delay, against the lower bound
//!    set by the longest scenario's chain of dependent requests;
//! 3. `pacing` — a bounded subset at `--rate-limit N` against a double that enforces N/s;
//! 4. `load` — the provider's load generator (every request signed as a merchant signs it)
//!    against its `serve` (spawned) or `--target URL`s: requests/s, p50, p99 and errors at 1,
//!    16 and 64 connections. With two or more providers, each after the other in the same run,
//!    compared with the first.
//!
//! Parts 1–3 are the provider's own (a provider may offer none of them); part 4 is measured
//! here, by the same code for every provider. `--json FILE` writes every figure. Nothing here
//! asserts a timing: `cargo test` only checks that the flags parse and the arithmetic is right.

mod hook;
mod load;
mod serve;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use hook::{
    LoadGenerator, PooledOrders, ProviderBench, QueriesAndCreates, queries_and_creates,
    three_queries_one_create,
};
pub use load::{LoadLevel, Target, TargetLoad};

use crate::error::ConfigError;

/// The flags of `pay-conformance bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Measure this provider (repeatable: each after the other, in this order, in one run)
    /// [default: ttpay].
    #[arg(long = "provider", value_name = "NAME")]
    pub providers: Vec<String>,
    /// Run only these parts (repeatable) [default: all four].
    #[arg(long = "only", value_enum, value_name = "PART")]
    pub only: Vec<Part>,
    /// Part 1: runs of the whole suite.
    #[arg(long, default_value_t = 5, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=50))]
    pub runs: u32,
    /// Parts 1 and 2: scenarios in flight.
    #[arg(long, default_value_t = 32, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub suite_concurrency: u32,
    /// Part 2: the double's delay before every answer, in milliseconds.
    #[arg(long, default_value_t = 50, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub latency: u64,
    /// Part 3: requests per second per app_id, for the client's pacing and the double's limit.
    #[arg(long, default_value_t = 5, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub rate_limit: u32,
    /// Part 3: the bounded subset of scenarios [default: the provider's own].
    #[arg(long, value_name = "EXPR")]
    pub pacing_tags: Option<String>,
    /// Part 4: concurrent connections, one level after the other.
    #[arg(long, value_delimiter = ',', default_values_t = [1u32, 16, 64], value_name = "N,..",
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub connections: Vec<u32>,
    /// Part 4: seconds of load at each level.
    #[arg(long, default_value_t = 3, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub duration: u64,
    /// Part 4: offer this many requests per second in all (spread evenly over the
    /// connections, each on its own schedule) instead of sending back to back. Latency is
    /// then measured from when each request was due, so a target that falls behind shows it
    /// (no coordinated omission): the way to compare added latency below saturation.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub rate: Option<u32>,
    /// Part 4: measure this loopback base URL instead of a spawned `serve` (repeatable;
    /// `NAME=URL` names it; one `--provider` only). With two or more, each is compared with the
    /// first.
    #[arg(long = "target", value_name = "[NAME=]URL")]
    pub targets: Vec<String>,
    /// Write every figure as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// One part of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Suite,
    Latency,
    Pacing,
    Load,
}

/// Why a benchmark could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "invalid --target `{input}`: {reason}\n(hint: a loopback base URL, e.g. prism=http://127.0.0.1:4010)"
    )]
    Target { input: String, reason: String },
    #[error("cannot start `pay-conformance serve`: {0}")]
    Serve(String),
    #[error("load generator: {0}")]
    Load(String),
    #[error(
        "--target measures one provider, {0} given\n(hint: one `--provider` with `--target`, or no `--target` to spawn each provider's `serve`)"
    )]
    TargetsOfOneProvider(usize),
}

/// Every figure of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BenchReport {
    /// Each provider's own parts (1–3), by provider name, then by part.
    pub providers: serde_json::Map<String, serde_json::Value>,
    /// Part 4: every target of every provider, in the order measured.
    pub load: Vec<TargetLoad>,
    /// Each further target against the first, level by level.
    pub ratios: Vec<Ratio>,
}

/// One target's throughput against the first target's, at one level.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    pub target: String,
    pub against: String,
    pub connections: u32,
    /// requests/s of `target` ÷ requests/s of `against`.
    pub throughput: f64,
    /// p50 of `target` ÷ p50 of `against`.
    pub p50: f64,
}

/// Runs the parts `args` asks for of `providers` (those `args` names, as the application found
/// them: each its name and what it offers to measure), printing each table as it is done. `exe` is this binary, spawned as
/// `serve --provider NAME` when no `--target` is given.
pub async fn run(
    args: &BenchArgs,
    providers: &[(&'static str, Option<&'static dyn ProviderBench>)],
    exe: &Path,
) -> Result<BenchReport, BenchError> {
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    if !targets.is_empty() && providers.len() != 1 {
        return Err(BenchError::TargetsOfOneProvider(providers.len()));
    }
    let mut report = BenchReport::default();
    for &(name, bench) in providers {
        let Some(bench) = bench else {
            println!("\n{name}: this provider offers nothing to measure");
            continue;
        };
        let parts = bench.own_parts(args).await?;
        if !parts.is_empty() {
            report
                .providers
                .insert(name.to_owned(), serde_json::Value::Object(parts));
        }
        if args.wants(Part::Load) {
            let duration = Duration::from_secs(args.duration);
            let pace = load::Pace {
                duration,
                rate: args.rate,
            };
            let load = load::run(name, bench, &targets, &args.connections, pace, exe);
            report.load.extend(load.await?);
        }
    }
    if args.wants(Part::Load) {
        report.ratios = ratios(&report.load);
        print!("{}", render_ratios(&report.ratios));
    }
    crate::redact::install_panic_hook();
    Ok(report)
}

impl BenchArgs {
    /// Whether `part` is to be measured (`--only` names it, or there is no `--only`).
    pub fn wants(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }
}

/// Writes `report` as JSON to `path`.
pub fn write_json(report: &BenchReport, path: &Path) -> Result<(), ConfigError> {
    let text = serde_json::to_string_pretty(report).unwrap_or_default();
    crate::fsutil::write_redacted(path, &text)
}

/// The `p`-th percentile (0 < p ≤ 100) of sorted `values` by the nearest-rank method: the
/// smallest value with at least p% of the values at or below it. `None` when empty.
///
/// ```
/// use pay_conformance::bench::percentile;
/// use std::time::Duration;
/// let ms = |n| Duration::from_millis(n);
/// let sorted = [ms(1), ms(2), ms(3), ms(4), ms(100)];
/// assert_eq!(percentile(&sorted, 50.0), Some(ms(3)));
/// assert_eq!(percentile(&sorted, 99.0), Some(ms(100)));
/// ```
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The median of unsorted `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Milliseconds, as a float for tables and JSON.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratios(load: &[TargetLoad]) -> Vec<Ratio> {
    let Some((first, rest)) = load.split_first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for other in rest {
        for level in &other.levels {
            let Some(base) = first
                .levels
                .iter()
                .find(|l| l.connections == level.connections)
            else {
                continue;
            };
            out.push(Ratio {
                target: other.name.clone(),
                against: first.name.clone(),
                connections: level.connections,
                throughput: level.per_second / base.per_second.max(f64::MIN_POSITIVE),
                p50: level.p50_ms / base.p50_ms.max(f64::MIN_POSITIVE),
            });
        }
    }
    out
}

fn render_ratios(ratios: &[Ratio]) -> String {
    let mut out = String::new();
    if ratios.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nside by side (each target ÷ the first)");
    let _ = writeln!(
        out,
        "  {:<32} {:>5}  {:>10}  {:>9}",
        "target ÷ first", "conns", "req/s ×", "p50 ×"
    );
    for r in ratios {
        let _ = writeln!(
            out,
            "  {:<32} {:>5}  {:>10.2}  {:>9.2}",
            format!("{} ÷ {}", r.target, r.against),
            r.connections,
            r.throughput,
            r.p50
        );
    }
    out
}

#[cfg(test)]
mod tests;
