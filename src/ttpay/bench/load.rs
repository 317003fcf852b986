//! Part 4: a load generator for any TTPay base URL on the loopback — `pay-conformance serve`
//! (spawned) by default, or the `--target`s given, e.g. a Prism mock of the same OpenAPI
//! document, all measured by the same code.
//!
//! One shared `reqwest` client; every request signed as the suite's client signs it (A1, A2).
//! First 16 orders are created; then at each level, `connections` workers send back to back for
//! a bounded time: three queries by `out_trade_no` of a created order for every create of a new
//! one. Any transport error, HTTP status other than 200, body that is not JSON, or `code` other
//! than 0 is an error. Response signatures are not checked (that is the suite's job, and a
//! generic mock does not sign).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Serialize;
use serde_json::{Value, json};

use super::serve::ServeChild;
use super::{BenchError, ms, percentile};
use crate::signer::{Signed, Signer as _};
use crate::ttpay::client::now_ms;
use crate::ttpay::double::DoubleConfig;
use crate::ttpay::signing::{self, MerchantSigner};
use crate::ttpay::{Endpoint, Merchant};

/// Orders created before the first level; the queries go round them.
const POOL: usize = 16;
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
    pub name: String,
    pub url: String,
    /// Orders created before the first level (their out_trade_no are queried).
    pub orders_created: usize,
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

/// Measures every target (or a spawned `serve` when there is none) at every level.
pub async fn run(
    targets: &[Target],
    connections: &[u32],
    duration: Duration,
    exe: &Path,
) -> Result<Vec<TargetLoad>, BenchError> {
    let mut serve = None;
    let targets = if targets.is_empty() {
        let child = ServeChild::spawn(exe).await?;
        let target = Target {
            name: "serve".into(),
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
    let merchant = DoubleConfig::builtin()
        .merchants
        .into_iter()
        .next()
        .ok_or_else(|| BenchError::Load("the double has no built-in merchant".into()))?;
    let mut out = Vec::new();
    for target in targets {
        let generator = Arc::new(Generator {
            client: client.clone(),
            base: target.url.clone(),
            merchant: merchant.clone(),
        });
        let pool = Arc::new(generator.create_pool().await);
        let mut load = TargetLoad {
            name: target.name.clone(),
            url: target.url.clone(),
            orders_created: pool.len(),
            levels: Vec::new(),
        };
        for &n in connections {
            load.levels
                .push(level(&generator, &pool, n, duration).await);
        }
        print!("{}", render(&load, duration));
        out.push(load);
    }
    drop(serve);
    Ok(out)
}

/// Signs and sends.
struct Generator {
    client: reqwest::Client,
    base: String,
    merchant: Merchant,
}

impl Generator {
    /// Creates [`POOL`] orders; the `out_trade_no` of each one created.
    async fn create_pool(&self) -> Vec<String> {
        let mut pool = Vec::new();
        for _ in 0..POOL {
            let out_trade_no = fresh_out_trade_no();
            if self.create(&out_trade_no).await.is_ok() {
                pool.push(out_trade_no);
            }
        }
        if pool.is_empty() {
            // Queries still go out (and count as errors if the target knows no such order).
            pool.push(fresh_out_trade_no());
        }
        pool
    }

    async fn create(&self, out_trade_no: &str) -> Result<(), String> {
        let body = json!({
            "app_id": self.merchant.app_id,
            "mch_id": self.merchant.mch_id,
            "out_trade_no": out_trade_no,
            "expire_second": 600,
            "amount": 15_000_000,
            "chain": "TRON",
            "currency": "TRX",
            "order_type": "platform_order",
            "description": "pay-conformance bench",
        });
        self.send(Endpoint::Create, &body).await
    }

    async fn query(&self, out_trade_no: &str) -> Result<(), String> {
        let body = json!({
            "app_id": self.merchant.app_id,
            "mch_id": self.merchant.mch_id,
            "out_trade_no": out_trade_no,
        });
        self.send(Endpoint::Query, &body).await
    }

    /// One signed `POST`; `Err` says why it does not count as a success.
    async fn send(&self, endpoint: Endpoint, body: &Value) -> Result<(), String> {
        let body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let timestamp = now_ms().to_string();
        let nonce = signing::nonce();
        let authorization = MerchantSigner::new(&self.merchant).authorization(&Signed::new(
            "POST",
            endpoint.path(),
            &timestamp,
            &nonce,
            &body,
        ));
        let response = self
            .client
            .post(format!("{}{}", self.base, endpoint.path()))
            .header(CONTENT_TYPE, "application/json")
            .header(AUTHORIZATION, authorization)
            .body(body)
            .send()
            .await
            .map_err(|e| crate::http::error_chain(&e))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| crate::http::error_chain(&e))?;
        if status != 200 {
            return Err(format!("{} answered HTTP {status}", endpoint.name()));
        }
        let code = serde_json::from_slice::<Value>(&bytes)
            .map_err(|e| format!("{} answered a body that is not JSON: {e}", endpoint.name()))?
            .get("code")
            .and_then(Value::as_i64);
        match code {
            Some(0) => Ok(()),
            other => Err(format!("{} answered code {other:?}", endpoint.name())),
        }
    }
}

fn fresh_out_trade_no() -> String {
    format!("bench-{}", uuid::Uuid::new_v4().simple())
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
    generator: &Arc<Generator>,
    pool: &Arc<Vec<String>>,
    connections: u32,
    duration: Duration,
) -> LoadLevel {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let (generator, pool) = (Arc::clone(generator), Arc::clone(pool));
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut i: u64 = 0;
                while Instant::now() < deadline && i < MAX_PER_WORKER {
                    let sent = Instant::now();
                    let outcome = if i % 4 == 3 {
                        generator.create(&fresh_out_trade_no()).await
                    } else {
                        let at = (u64::from(worker) + i) as usize % pool.len().max(1);
                        generator.query(&pool[at]).await
                    };
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
        "\n4. throughput of {} ({}), {} s per level, 3 queries : 1 create, {} orders pooled",
        load.name,
        load.url,
        duration.as_secs(),
        load.orders_created
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
