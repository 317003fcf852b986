//! What a provider gives `bench`: its own parts (the suite, latency hiding, pacing — each
//! printed and returned as JSON) and a load generator for part 4, which the engine drives.

use futures::future::{BoxFuture, LocalBoxFuture};
use serde_json::{Map, Value};

use super::{BenchArgs, BenchError};

/// A provider's benchmark ([`crate::Provider::bench`]).
pub trait ProviderBench: Send + Sync {
    /// The parts 1–3 `args` asks for that this provider has, each table printed as it is done;
    /// their figures by part name (empty when it has none of them).
    fn own_parts<'a>(
        &'a self,
        args: &'a BenchArgs,
    ) -> LocalBoxFuture<'a, Result<Map<String, Value>, BenchError>>;

    /// The prefix of the environment variables a spawned `serve` must not see (it runs with
    /// the built-in merchants), e.g. `ACME_`.
    fn env_prefix(&self) -> &'static str;

    /// A load generator against `base` (a loopback base URL), sending through `client`. It may
    /// send requests first (e.g. create the orders its queries ask for).
    fn generator<'a>(
        &'a self,
        client: reqwest::Client,
        base: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn LoadGenerator>, BenchError>>;
}

/// Sends one request of the provider's mix at a time, signed as a merchant signs it, and says
/// whether the answer is a success as the provider's API defines it.
pub trait LoadGenerator: Send + Sync {
    /// The mix, as the table's title shows it, e.g. "3 queries : 1 create, 16 orders pooled".
    fn mix(&self) -> String;

    /// Requests it sent before the first level (counted by the soak).
    fn prepared(&self) -> usize;

    /// Request number `i` of `worker`; `Err` says why it does not count as a success.
    fn send(&self, worker: u32, i: u64) -> BoxFuture<'_, Result<(), String>>;
}

/// What a "3 queries : 1 create" generator says of its provider: the orders it created before
/// the first level, how to create one and how to query one; [`QueriesAndCreates`] makes the
/// [`LoadGenerator`] of it.
pub trait PooledOrders: Send + Sync + 'static {
    /// The out_trade_no of the orders created before the first level.
    fn pool(&self) -> &[String];

    /// What the mix's title says after "3 queries : 1 create, N orders pooled".
    fn note(&self) -> &'static str {
        ""
    }

    /// A fresh out_trade_no for a create.
    fn fresh_out_trade_no(&self) -> String;

    /// Creates the order `out_trade_no`; `Err` says why it does not count as a success.
    fn create(&self, out_trade_no: &str) -> impl Future<Output = Result<(), String>> + Send;

    /// Queries the order `out_trade_no`.
    fn query(&self, out_trade_no: &str) -> impl Future<Output = Result<(), String>> + Send;
}

/// The "3 queries : 1 create" [`LoadGenerator`] of a provider's [`PooledOrders`].
pub struct QueriesAndCreates<P>(pub P);

impl<P: PooledOrders> LoadGenerator for QueriesAndCreates<P> {
    fn mix(&self) -> String {
        let pooled = self.0.pool().len();
        format!(
            "3 queries : 1 create, {pooled} orders pooled{}",
            self.0.note()
        )
    }

    fn prepared(&self) -> usize {
        self.0.pool().len()
    }

    fn send(&self, worker: u32, i: u64) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let pool = self.0.pool();
            match three_queries_one_create(worker, i, pool.len()) {
                None => self.0.create(&self.0.fresh_out_trade_no()).await,
                Some(at) => self.0.query(&pool[at]).await,
            }
        })
    }
}

/// What [`ProviderBench::generator`] returns for a generator that `prepare` makes: the
/// "3 queries : 1 create" mix of its orders, boxed.
pub fn queries_and_creates<'a, P: PooledOrders>(
    prepare: impl Future<Output = Result<P, BenchError>> + Send + 'a,
) -> BoxFuture<'a, Result<Box<dyn LoadGenerator>, BenchError>> {
    Box::pin(async move {
        let generator = prepare.await?;
        Ok(Box::new(QueriesAndCreates(generator)) as Box<dyn LoadGenerator>)
    })
}

/// The "3 queries : 1 create" mix both providers' generators send: request `i` of `worker` is
/// a create (`None`) or a query of the order at this index of a pool of `pool` orders.
pub fn three_queries_one_create(worker: u32, i: u64, pool: usize) -> Option<usize> {
    (i % 4 != 3).then(|| (u64::from(worker) + i) as usize % pool.max(1))
}
