//! The flags of `pay-conformance serve` that every provider's double shares; each provider
//! adds its own through [`crate::providers::ProviderServeArgs`].

use std::time::Duration;

use crate::providers::ProviderServeArgs;

/// Orders a served double keeps by default.
pub const DEFAULT_MAX_ORDERS: usize = 100_000;

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
    /// Delay every response by this many milliseconds.
    #[arg(long, value_name = "MS")]
    pub latency: Option<u64>,
    /// Refuse (as the provider does) beyond this many requests per second per merchant.
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    #[command(flatten)]
    pub providers: ProviderServeArgs,
}

/// The shared part of `serve`, as the provider's double reads it.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub port: u16,
    pub seed: Option<u64>,
    pub max_orders: usize,
    pub notify_speedup: u32,
    pub fault: Option<String>,
    pub latency: Option<Duration>,
    pub rate_limit: Option<u32>,
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

/// The listen backlog of `serve`: a crowd connecting at once waits here, not in SYN retries
/// (std's `bind` asks for 128; the kernel caps it at `net.core.somaxconn`).
const BACKLOG: u32 = 2048;

/// Binds `127.0.0.1:port` for `serve` with a [`BACKLOG`], or says plainly why not. Call it
/// within a tokio runtime (the socket is made with tokio, then handed back as a std listener).
pub fn bind(port: u16) -> Result<std::net::TcpListener, crate::error::ConfigError> {
    let listen = || {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))?;
        socket.listen(BACKLOG)?.into_std()
    };
    listen().map_err(|e: std::io::Error| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "is already in use".to_owned(),
            _ => format!("cannot be listened on: {e}"),
        };
        crate::error::ConfigError::Start(format!(
            "--port {port}: 127.0.0.1:{port} {why}\n(hint: pick another --port, or 0 for any free one)"
        ))
    })
}
