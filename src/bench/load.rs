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
    /// The requests per second offered (`--rate`); `None`: back to back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered_per_second: Option<u32>,
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

/// How long each level lasts, and how fast it sends.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub duration: Duration,
    /// Requests per second in all; `None`: each connection back to back.
    pub rate: Option<u32>,
}

/// Measures every target of `provider` (or its spawned `serve` when there is none) at every
/// level.
pub async fn run(
    provider: &str,
    bench: &dyn ProviderBench,
    targets: &[Target],
    connections: &[u32],
    pace: Pace,
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
    // A model merchant's client: it names itself (W1 asks for a User-Agent).
    let client = reqwest::Client::builder()
        .user_agent(concat!("pay-conformance-bench/", env!("CARGO_PKG_VERSION")))
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
            load.levels.push(level(&generator, n, pace).await);
        }
        print!("{}", render(&load, pace));
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

/// `connections` workers, each sending back to back (or on its share of `pace.rate`'s
/// schedule) until `pace.duration` has passed.
async fn level(generator: &Arc<dyn LoadGenerator>, connections: u32, pace: Pace) -> LoadLevel {
    let started = Instant::now();
    let deadline = started + pace.duration;
    // With a rate, worker `w` sends its `i`-th request at `(i × connections + w) / rate`.
    let period = pace
        .rate
        .map(|r| Duration::from_secs_f64(f64::from(connections) / f64::from(r.max(1))));
    let offset = |worker: u32| {
        pace.rate.map_or(Duration::ZERO, |r| {
            Duration::from_secs_f64(f64::from(worker) / f64::from(r.max(1)))
        })
    };
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let generator = Arc::clone(generator);
            let first = started + offset(worker);
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut i: u64 = 0;
                while Instant::now() < deadline && i < MAX_PER_WORKER {
                    let sent = match period {
                        Some(period) => {
                            let due = first + period.mul_f64(i as f64);
                            if due >= deadline {
                                break;
                            }
                            tokio::time::sleep_until(due.into()).await;
                            due
                        }
                        None => Instant::now(),
                    };
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
        offered_per_second: pace.rate,
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
pub fn render(load: &TargetLoad, pace: Pace) -> String {
    let mut out = String::new();
    let offered = pace.rate.map_or(String::new(), |r| {
        format!(", {r} req/s offered (latency from when each was due)")
    });
    let _ = writeln!(
        out,
        "\n4. throughput of {} ({}), {} s per level{offered}, {}",
        load.name,
        load.url,
        pace.duration.as_secs(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures::future::BoxFuture;

    /// Answers after `delay`, counting nothing but what the level counts.
    struct Slow(Duration);

    impl LoadGenerator for Slow {
        fn mix(&self) -> String {
            "test".into()
        }
        fn prepared(&self) -> usize {
            0
        }
        fn send(&self, _worker: u32, _i: u64) -> BoxFuture<'_, Result<(), String>> {
            let delay = self.0;
            Box::pin(async move {
                tokio::time::sleep(delay).await;
                Ok(())
            })
        }
    }

    #[tokio::test]
    async fn a_rate_sends_on_schedule_and_counts_the_wait_of_a_late_target() {
        let fast: Arc<dyn LoadGenerator> = Arc::new(Slow(Duration::from_millis(1)));
        let paced = Pace {
            duration: Duration::from_secs(1),
            rate: Some(200),
        };
        let on_time = level(&fast, 4, paced).await;
        // 200 due in the second (at most 201; fewer only on a machine too busy to keep time).
        assert!((150..=201).contains(&on_time.requests), "{on_time:?}");
        assert!(on_time.p50_ms < 100.0, "{on_time:?}");
        assert_eq!(on_time.offered_per_second, Some(200));
        // A target four times slower than the schedule: each request waits for the one before,
        // and the latency from when it was due grows past its service time.
        let slow: Arc<dyn LoadGenerator> = Arc::new(Slow(Duration::from_millis(20)));
        let behind = Pace {
            duration: Duration::from_millis(500),
            rate: Some(200),
        };
        let late = level(&slow, 1, behind).await;
        assert!(late.requests < 40, "{late:?}");
        assert!(late.max_ms > 100.0, "{late:?}");
    }
}
