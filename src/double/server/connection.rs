//! One accepted connection from accept to close: hyper's HTTP/1.1 settings
//! ([`builder`]), driving hyper under the watchdog and the server's stop
//! signal ([`serve`]), and the lingering close that lets a client read a
//! refusal before the socket goes away.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::activity::{Activity, Tracked};
use super::service::DoubleService;
use super::{Handler, Limits};

/// How long in-flight requests may finish after `Server::shutdown`.
pub(super) const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// After the server closes its side, at most this long is spent reading (and
/// discarding) what the client still sends, so that its pending bytes do not
/// turn our FIN into a reset that destroys the answer it has not read yet.
const LINGER_TIME: Duration = Duration::from_secs(2);
/// ... and at most this many bytes.
const LINGER_BYTES: usize = 1024 * 1024;

/// hyper's HTTP/1.1 settings for `limits` (already normalized).
pub(super) fn builder(limits: &Limits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        // A client that shuts down its write side after the request still
        // gets the answer.
        .half_close(true)
        // Answers name their headers as the providers' pages write them (`Content-Type`,
        // `Wechatpay-Signature`; `Request-Id` — hyper title-cases, it cannot keep `-ID`).
        .title_case_headers(true)
        .max_header_size(limits.max_headers_bytes)
        .max_buf_size(limits.hyper_buf_size())
        // The watchdog keeps this deadline (hyper's would also cut idle
        // keep-alive connections at the same timeout).
        .header_read_timeout(None);
    builder
}

/// How hyper's part of a connection ended.
enum Ended {
    /// Answered and closed normally, or after hyper refused a bad head.
    Finished,
    /// The handler asked for a hang-up, or a deadline passed.
    Abrupt,
    /// The server is stopping.
    Stopped,
}

/// Serves one connection until it closes, a deadline passes, or the server
/// stops; then releases everything it holds.
pub(super) async fn serve(
    mut stream: TcpStream,
    builder: Arc<http1::Builder>,
    handler: Arc<dyn Handler>,
    limits: Arc<Limits>,
    mut stop: watch::Receiver<bool>,
) {
    // Answers are written whole; do not wait for the client's ACK.
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let ended = {
        let io = TokioIo::new(Tracked::new(&mut stream, Arc::clone(&activity)));
        let service = DoubleService {
            handler,
            limits: Arc::clone(&limits),
            activity: Arc::clone(&activity),
        };
        let conn = builder.serve_connection(io, service);
        tokio::pin!(conn);
        let ended = tokio::select! {
            result = conn.as_mut() => Some(classify(result, &activity)),
            () = activity.expired(&limits) => Some(Ended::Abrupt),
            _ = stop.wait_for(|stopping| *stopping) => None,
        };
        match ended {
            Some(ended) => ended,
            None => {
                conn.as_mut().graceful_shutdown();
                match tokio::time::timeout(SHUTDOWN_GRACE, conn).await {
                    Ok(result) => match classify(result, &activity) {
                        Ended::Abrupt => Ended::Abrupt,
                        _ => Ended::Stopped,
                    },
                    Err(_) => Ended::Stopped,
                }
            }
        }
    };
    match ended {
        Ended::Finished => linger(&mut stream).await,
        Ended::Stopped => {
            let _ = stream.shutdown().await;
        }
        Ended::Abrupt => {}
    }
}

fn classify(result: hyper::Result<()>, activity: &Activity) -> Ended {
    match result {
        Err(_) if activity.hung_up() => Ended::Abrupt,
        // An I/O error, a body cut short, or a head hyper refused with 4xx.
        Ok(()) | Err(_) => Ended::Finished,
    }
}

/// Half-closes, then reads and discards what the client still sends, bounded
/// by [`LINGER_TIME`] and [`LINGER_BYTES`].
async fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut total = 0usize;
        while total < LINGER_BYTES {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
}
