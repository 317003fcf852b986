//! The flags of `pay-conformance serve` that every provider's double shares; each provider
//! adds its own through [`crate::providers::ProviderServeArgs`].

use std::time::Duration;

use crate::providers::ProviderServeArgs;
use crate::settings::ServeSettings;
use crate::settings::serve::DEFAULT_MAX_ORDERS;

/// The flags of `pay-conformance serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The provider whose double to serve [default: the first provider of `pay-conformance providers`].
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 12111)]
    pub port: u16,
    /// Seed the generated ids (order ids, request ids, payment defaults): the same seed and
    /// the same requests give the same ids. Random without it.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Keep at most this many orders; the oldest go first, never the paid fixture. Also bounds
    /// the notifications waiting for a retry.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ORDERS,
          value_parser = at_least_one)]
    pub max_orders: usize,
    /// Run the provider's notification retry schedule N times faster: 1000 makes 15 s into
    /// 15 ms.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub notify_speedup: u32,
    /// Break one rule on purpose (see `pay-conformance faults`).
    #[arg(long, value_name = "NAME")]
    pub fault: Option<String>,
    /// Answer in a way the contract allows but integrations may not expect (see
    /// `pay-conformance variants`).
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Delay every response by this many milliseconds.
    #[arg(long, value_name = "MS")]
    pub latency: Option<u64>,
    /// Refuse (as the provider does) beyond this many requests per second per merchant.
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    #[command(flatten)]
    pub providers: ProviderServeArgs,
}

impl ServeArgs {
    /// The shared settings.
    pub fn settings(&self) -> ServeSettings {
        ServeSettings {
            port: self.port,
            seed: self.seed,
            max_orders: self.max_orders,
            notify_speedup: self.notify_speedup,
            fault: self.fault.clone(),
            variant: self.variant.clone(),
            latency: self.latency.map(Duration::from_millis),
            rate_limit: self.rate_limit,
        }
    }
}

/// A count of at least 1.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}
