//! `pay-conformance bench`: numbers, not tests. Four parts, each printing a small table as it
//! finishes, all of them bounded in count and time and talking only to 127.0.0.1:
//!
//! 1. `suite` — the whole suite against the embedded double, N times: wall time and requests/s;
//! 2. `latency` — the suite against a double that answers after a delay, against the lower bound
//!    set by the longest scenario's chain of dependent requests;
//! 3. `pacing` — a bounded subset at `--rate-limit N` against a double that enforces N/s per
//!    app_id: the rate achieved, and how many 11001 answers came (there must be none);
//! 4. `load` — a load generator against `serve` (spawned) or `--target URL`s: requests/s, p50,
//!    p99 and errors at 1, 16 and 64 connections.
//!
//! `--json FILE` writes every figure. Nothing here asserts a timing: `cargo test` only checks
//! that the flags parse and that the arithmetic is right.

mod load;
mod pacing;
mod serve;
mod suite;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use load::{LoadLevel, Target, TargetLoad};
pub use pacing::PacingFigures;
pub use suite::{LatencyFigures, SuiteFigures};

use crate::error::ConfigError;

/// The flags of `pay-conformance bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
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
    /// Part 3: the bounded subset of scenarios.
    #[arg(long, default_value = "@create and @C3", value_name = "EXPR")]
    pub pacing_tags: String,
    /// Part 4: concurrent connections, one level after the other.
    #[arg(long, value_delimiter = ',', default_values_t = [1u32, 16, 64], value_name = "N,..",
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub connections: Vec<u32>,
    /// Part 4: seconds of load at each level.
    #[arg(long, default_value_t = 3, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub duration: u64,
    /// Part 4: measure this loopback base URL instead of a spawned `serve` (repeatable;
    /// `NAME=URL` names it). With two or more, each is compared with the first.
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
}

/// Every figure of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BenchReport {
    pub suite: Option<SuiteFigures>,
    pub latency: Vec<LatencyFigures>,
    pub pacing: Option<PacingFigures>,
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

/// Runs the parts `args` asks for, printing each table as it is done. `exe` is this binary,
/// spawned as `serve` when no `--target` is given.
pub async fn run(args: &BenchArgs, exe: &Path) -> Result<BenchReport, BenchError> {
    let wants = |part| args.only.is_empty() || args.only.contains(&part);
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut report = BenchReport::default();
    if wants(Part::Suite) {
        let figures = suite::throughput(args.runs, args.suite_concurrency).await?;
        print!("{}", suite::render_throughput(&figures));
        report.suite = Some(figures);
    }
    if wants(Part::Latency) {
        let latency = Duration::from_millis(args.latency);
        report.latency = suite::latency(latency, args.suite_concurrency).await?;
        print!("{}", suite::render_latency(&report.latency));
    }
    if wants(Part::Pacing) {
        let figures = pacing::run(args.rate_limit, &args.pacing_tags).await?;
        print!("{}", pacing::render(&figures));
        report.pacing = Some(figures);
    }
    if wants(Part::Load) {
        let duration = Duration::from_secs(args.duration);
        report.load = load::run(&targets, &args.connections, duration, exe).await?;
        report.ratios = ratios(&report.load);
        print!("{}", render_ratios(&report.ratios));
    }
    crate::redact::install_panic_hook();
    Ok(report)
}

/// Writes `report` as JSON to `path`.
pub fn write_json(report: &BenchReport, path: &Path) -> Result<(), ConfigError> {
    let text = serde_json::to_string_pretty(report).unwrap_or_default();
    crate::report::write_file(path, &text)
}

/// The `p`-th percentile (0 < p ≤ 100) of sorted `values` by the nearest-rank method: the
/// smallest value with at least p% of the values at or below it. `None` when empty.
///
/// ```
/// use pay_conformance::providers::bench::percentile;
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
        "  {:<24} {:>5}  {:>10}  {:>9}",
        "target ÷ first", "conns", "req/s ×", "p50 ×"
    );
    for r in ratios {
        let _ = writeln!(
            out,
            "  {:<24} {:>5}  {:>10.2}  {:>9.2}",
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
