//! Test support: a double with a few scripted routes ([`Scripted`]), a
//! hand-rolled raw-TCP HTTP/1.1 client ([`Raw`]), and process probes (file
//! descriptor limit, RSS). Every read here is bounded by a timeout.

mod abuse;
mod basic;
mod bodies;
mod crowd;
mod malformed;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::{DoubleReply, DoubleRequest, Handler, Limits, Server};

/// Longest wait for any single answer in a test.
pub(super) const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// Serialises the tests that open thousands of sockets or measure RSS and
/// timings, so they neither share the fd budget nor each other's noise.
pub(super) static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Routes: `/ok`, `/echo` (method path query body-length; any other path
/// too), `/refuse` (405), `/bad` (400), `/hangup`, `/close`, `/delay?ms=N`,
/// `/big?mb=N` (N MiB body), `/panic`, `/bad-header`.
pub(super) struct Scripted;

impl Handler for Scripted {
    fn handle(&self, r: DoubleRequest) -> DoubleReply {
        let text = |status: u16, body: String| DoubleReply::Answer {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into_bytes(),
            delay: None,
        };
        match r.path.as_str() {
            "/ok" => text(200, "ok".into()),
            "/refuse" => text(405, "method not allowed".into()),
            "/bad" => text(400, "bad".into()),
            "/hangup" => DoubleReply::Hangup,
            "/close" => DoubleReply::Answer {
                status: 200,
                headers: vec![("connection".into(), "close".into())],
                body: b"bye".to_vec(),
                delay: None,
            },
            "/panic" => panic!("scripted panic"),
            "/bad-header" => DoubleReply::Answer {
                status: 200,
                headers: vec![("bad header".into(), "x".into())],
                body: vec![],
                delay: None,
            },
            "/big" => {
                let mb = r
                    .query
                    .as_deref()
                    .and_then(|q| q.strip_prefix("mb="))
                    .and_then(|v| v.parse().ok());
                text(200, "z".repeat(mb.unwrap_or(1usize) << 20))
            }
            "/delay" => {
                let ms = r
                    .query
                    .as_deref()
                    .and_then(|q| q.strip_prefix("ms="))
                    .and_then(|v| v.parse().ok());
                DoubleReply::Answer {
                    status: 200,
                    headers: vec![],
                    body: b"late".to_vec(),
                    delay: Some(Duration::from_millis(ms.unwrap_or(0))),
                }
            }
            _ => {
                let q = r.query.unwrap_or_default();
                text(
                    200,
                    format!("{} {} {} {}", r.method, r.path, q, r.body.len()),
                )
            }
        }
    }
}

/// Starts [`Scripted`] on 127.0.0.1 with `limits`.
pub(super) async fn start(limits: Limits) -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    Server::start(listener, Arc::new(Scripted), limits)
        .await
        .expect("start")
}

/// Limits with short timeouts, for tests that wait for them.
pub(super) fn quick() -> Limits {
    Limits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        keep_alive_idle: Duration::from_secs(2),
        ..Limits::default()
    }
}

/// One parsed answer.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Answer {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A raw TCP client: writes bytes as given, parses answers by Content-Length.
pub(super) struct Raw<S = TcpStream> {
    pub(super) stream: S,
    buf: Vec<u8>,
}

impl Raw {
    pub(super) async fn connect(addr: SocketAddr) -> Raw {
        let stream = timeout(ANSWER_WAIT, TcpStream::connect(addr))
            .await
            .expect("connect in time")
            .expect("connect");
        Raw::over(stream)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Raw<S> {
    pub(super) async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// `GET path` with keep-alive.
    pub(super) async fn get(&mut self, path: &str) -> Option<Answer> {
        let request = format!("GET {path} HTTP/1.1\r\nhost: t\r\n\r\n");
        self.send(request.as_bytes()).await.ok()?;
        self.answer().await
    }
}

impl<S: AsyncRead + Unpin> Raw<S> {
    /// A client over any byte stream (e.g. the read half of a split socket).
    pub(super) fn over(stream: S) -> Raw<S> {
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    /// The next answer, or `None` on close, reset or timeout.
    pub(super) async fn answer(&mut self) -> Option<Answer> {
        timeout(ANSWER_WAIT, self.read_answer())
            .await
            .ok()
            .flatten()
    }

    async fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Some(())
            }
        }
    }

    async fn read_answer(&mut self) -> Option<Answer> {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let mut answer = Answer {
            status,
            headers,
            body: Vec::new(),
        };
        let len: usize = answer
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while self.buf.len() < len {
            self.fill().await?;
        }
        answer.body = self.buf.drain(..len).collect();
        Some(answer)
    }

    /// True when the server closes (EOF or reset) within `wait` with no bytes.
    pub(super) async fn closed_within(&mut self, wait: Duration) -> bool {
        let mut byte = [0u8; 1];
        matches!(
            timeout(wait, self.stream.read(&mut byte)).await,
            Ok(Ok(0) | Err(_))
        )
    }
}

/// Requirement 6: after any abuse, a fresh connection gets a correct answer.
pub(super) async fn assert_healthy(addr: SocketAddr) {
    let mut raw = Raw::connect(addr).await;
    let answer = raw.get("/echo?after=abuse").await.expect("healthy answer");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "GET /echo after=abuse 0");
}

/// Raises the soft open-file limit towards `wanted` (never above the hard
/// limit); returns the limit now in force.
pub(super) fn raise_fd_limit(wanted: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < wanted {
            let raised = libc::rlimit {
                rlim_cur: wanted.min(lim.rlim_max),
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    lim.rlim_cur
}

/// Resident set size of this process, in KiB (0 if unknown).
pub(super) fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
