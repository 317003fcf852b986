//! Part 4: the load generator's driver, the same for every provider: at each level,
//! `connections` workers send the provider's [`LoadGenerator`] requests back to back for a
//! bounded time, against the provider's `serve` (spawned) or the `--target`s given (e.g. a
//! Prism mock of the same OpenAPI document), all measured by the same code.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::serve::ServeChild;
use super::{BenchError, LoadGenerator, ProviderBench, ms, percentile};

/// A worker stops after this many requests at one level, whatever the time.
const MAX_PER_WORKER: u64 = 1_000_000;
/// Per request, connect included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A base URL to measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub name: String,
    pub url: String,
}

impl Target {
    /// Reads `[NAME=]URL`; the URL must be `http(s)` on the loopback.
    pub fn parse(input: &str) -> Result<Target, BenchError> {
        let is_name = |n: &str| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let (name, url) = match input.split_once('=') {
            Some((name, url)) if is_name(name) => (Some(name), url),
            _ => (None, input),
        };
        let invalid = |reason: String| BenchError::Target {
            input: input.to_owned(),
            reason,
        };
        let parsed = reqwest::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid(format!("scheme `{}` is not http", parsed.scheme())));
        }
        let host = parsed.host_str().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            return Err(invalid("the benchmark only talks to the loopback".into()));
        }
        let url = url.trim_end_matches('/').to_owned();
        let name = name.map_or_else(
            || {
                parsed
                    .port_or_known_default()
                    .map_or(url.clone(), |p| format!("port {p}"))
            },
            str::to_owned,
        );
        Ok(Target { name, url })
    }
}

/// One target's figures, level by level.
#[derive(Debug, Clone, Serialize)]
pub struct TargetLoad {
    pub provider: String,
    pub name: String,
    pub url: String,
    /// Requests sent before the first level (e.g. the orders the queries ask for).
    pub orders_created: usize,
    /// The mix of requests, as the generator describes it.
    pub mix: String,
    pub levels: Vec<LoadLevel>,
}

/// One level.
#[derive(Debug, Clone, Serialize)]
pub struct LoadLevel {
    pub connections: u32,
    /// From the start until the last worker's last answer.
    pub elapsed_ms: f64,
    pub requests: u64,
    pub errors: u64,
    /// The first error seen, to say what went wrong.
    pub first_error: Option<String>,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Measures every target of `provider` (or its spawned `serve` when there is none) at every
/// level.
pub async fn run(
    provider: &str,
    bench: &dyn ProviderBench,
    targets: &[Target],
    connections: &[u32],
    duration: Duration,
    exe: &Path,
) -> Result<Vec<TargetLoad>, BenchError> {
    let mut serve = None;
    let targets = if targets.is_empty() {
        let child = ServeChild::spawn(exe, provider, bench.env_prefix()).await?;
        let target = Target {
            name: format!("{} serve", provider),
            url: child.uri().to_owned(),
        };
        serve = Some(child);
        vec![target]
    } else {
        targets.to_vec()
    };
    let max = connections.iter().copied().max().unwrap_or(1);
    crate::http::install_crypto_provider();
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(usize::try_from(max).unwrap_or(256))
        .build()
        .map_err(|e| BenchError::Load(crate::http::error_chain(&e)))?;
    let mut out = Vec::new();
    for target in targets {
        let generator: Arc<dyn LoadGenerator> =
            Arc::from(bench.generator(client.clone(), &target.url).await?);
        let mut load = TargetLoad {
            provider: provider.to_owned(),
            name: target.name.clone(),
            url: target.url.clone(),
            orders_created: generator.prepared(),
            mix: generator.mix(),
            levels: Vec::new(),
        };
        for &n in connections {
            load.levels.push(level(&generator, n, duration).await);
        }
        print!("{}", render(&load, duration));
        out.push(load);
    }
    drop(serve);
    Ok(out)
}

/// What one worker saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

/// `connections` workers, each sending back to back until `duration` has passed.
async fn level(
    generator: &Arc<dyn LoadGenerator>,
    connections: u32,
    duration: Duration,
) -> LoadLevel {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let generator = Arc::clone(generator);
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut i: u64 = 0;
                while Instant::now() < deadline && i < MAX_PER_WORKER {
                    let sent = Instant::now();
                    let outcome = generator.send(worker, i).await;
                    tally.latencies.push(sent.elapsed());
                    if let Err(e) = outcome {
                        tally.errors += 1;
                        tally.first_error.get_or_insert(e);
                    }
                    i += 1;
                }
                tally
            })
        })
        .collect();
    let mut all = Tally::default();
    for worker in workers {
        match worker.await {
            Ok(tally) => {
                all.latencies.extend(tally.latencies);
                all.errors += tally.errors;
                if all.first_error.is_none() {
                    all.first_error = tally.first_error;
                }
            }
            Err(e) => {
                all.errors += 1;
                all.first_error.get_or_insert(format!("worker failed: {e}"));
            }
        }
    }
    let elapsed = started.elapsed();
    all.latencies.sort_unstable();
    let at = |p| percentile(&all.latencies, p).map_or(0.0, ms);
    let requests = all.latencies.len() as u64;
    LoadLevel {
        connections,
        elapsed_ms: ms(elapsed),
        requests,
        errors: all.errors,
        first_error: all.first_error,
        per_second: requests as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE),
        p50_ms: at(50.0),
        p99_ms: at(99.0),
        max_ms: at(100.0),
    }
}

/// One target's table.
pub fn render(load: &TargetLoad, duration: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n4. throughput of {} ({}), {} s per level, {}",
        load.name,
        load.url,
        duration.as_secs(),
        load.mix
    );
    let _ = writeln!(
        out,
        "  {:>5}  {:>8}  {:>9}  {:>8}  {:>8}  {:>8}  {:>6}",
        "conns", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    for l in &load.levels {
        let _ = writeln!(
            out,
            "  {:>5}  {:>8}  {:>9.0}  {:>8.2}  {:>8.2}  {:>8.1}  {:>6}",
            l.connections, l.requests, l.per_second, l.p50_ms, l.p99_ms, l.max_ms, l.errors
        );
        if let Some(e) = &l.first_error {
            let _ = writeln!(out, "         first error: {e}");
        }
    }
    out
}
