//! The part of `pay-conformance serve` that every provider's double shares, as the double reads
//! it ([`crate::app::ServeArgs`] are its flags), and the listener it serves on.

use std::time::Duration;

/// Orders a served double keeps by default.
pub const DEFAULT_MAX_ORDERS: usize = 100_000;

/// The shared part of `serve`, as the provider's double reads it.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub port: u16,
    pub seed: Option<u64>,
    pub max_orders: usize,
    pub notify_speedup: u32,
    pub fault: Option<String>,
    pub variant: Option<String>,
    pub latency: Option<Duration>,
    pub rate_limit: Option<u32>,
}

impl ServeSettings {
    /// A provider's double started by another command (`proxy --upstream double`, `explore`):
    /// any free port, every default but the fault, the variant and the notification speed.
    pub fn embedded(fault: Option<String>, variant: Option<String>, notify_speedup: u32) -> Self {
        ServeSettings {
            port: 0,
            seed: None,
            max_orders: DEFAULT_MAX_ORDERS,
            notify_speedup,
            fault,
            variant,
            latency: None,
            rate_limit: None,
        }
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
