//! TTPay's [`ProviderBench`]: parts 1–3 (`suite`, `latency`, `pacing`) against the embedded
//! double, and the load generator of part 4 (3 queries : 1 create, signed as A1/A2 say).

mod generator;
mod pacing;
mod suite;

use futures::FutureExt as _;
use futures::future::{BoxFuture, LocalBoxFuture};
use serde_json::{Map, Value};
use std::time::Duration;

pub use pacing::PacingFigures;
pub use suite::{LatencyFigures, SuiteFigures};

use crate::bench::{BenchArgs, BenchError, LoadGenerator, Part, ProviderBench};

/// Part 3's subset when `--pacing-tags` names none.
const PACING_TAGS: &str = "@create and @C3";

/// A figure as JSON.
fn json(figures: &impl serde::Serialize) -> Value {
    serde_json::to_value(figures).unwrap_or_default()
}

/// TTPay's benchmark.
pub struct TtpayBench;

impl ProviderBench for TtpayBench {
    fn own_parts<'a>(
        &'a self,
        args: &'a BenchArgs,
    ) -> LocalBoxFuture<'a, Result<Map<String, Value>, BenchError>> {
        async move {
            let mut out = Map::new();
            if args.wants(Part::Suite) {
                let figures = suite::throughput(args.runs, args.suite_concurrency).await?;
                print!("{}", suite::render_throughput(&figures));
                out.insert("suite".into(), json(&figures));
            }
            if args.wants(Part::Latency) {
                let latency = Duration::from_millis(args.latency);
                let rows = suite::latency(latency, args.suite_concurrency).await?;
                print!("{}", suite::render_latency(&rows));
                out.insert("latency".into(), json(&rows));
            }
            if args.wants(Part::Pacing) {
                let tags = args.pacing_tags.as_deref().unwrap_or(PACING_TAGS);
                let figures = pacing::run(args.rate_limit, tags).await?;
                print!("{}", pacing::render(&figures));
                out.insert("pacing".into(), json(&figures));
            }
            Ok(out)
        }
        .boxed_local()
    }

    fn env_prefix(&self) -> &'static str {
        "TTPAY_"
    }

    fn generator<'a>(
        &'a self,
        client: reqwest::Client,
        base: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn LoadGenerator>, BenchError>> {
        crate::bench::queries_and_creates(generator::Generator::prepare(client, base))
    }
}
