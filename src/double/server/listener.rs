//! The running server ([`Server`]): binding a std listener into tokio, the
//! accept loop under `max_connections`, and stopping (on `shutdown().await`
//! gracefully, on drop at once) so that the port and every task are freed.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::connection::{self, SHUTDOWN_GRACE};
use super::{Handler, Limits};

/// Pause after an accept error such as EMFILE, so the loop never spins.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A running server; stops (and frees everything) when dropped or on
/// `shutdown().await`.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `listener` with `handler` within `limits` (normalized, see
    /// [`Limits::normalized`]) on the current tokio runtime, until shutdown.
    /// Must be awaited on a runtime with I/O and time enabled (tokio panics
    /// otherwise); fails only if the listener cannot be registered.
    pub async fn start(
        listener: std::net::TcpListener,
        handler: Arc<dyn Handler>,
        limits: Limits,
    ) -> io::Result<Server> {
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        let addr = listener.local_addr()?;
        let (stop, stopping) = watch::channel(false);
        let limits = Arc::new(limits.normalized());
        let task = tokio::spawn(accept_loop(listener, handler, limits, stopping));
        Ok(Server {
            addr,
            stop,
            task: Some(task),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT` (IPv6 in brackets), without a trailing slash.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting and frees the port at once; lets in-flight requests
    /// finish for up to one second (idle connections close immediately);
    /// then aborts what is left. Returns when every task has ended.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    /// Aborts the accept loop, which drops the listener and aborts every
    /// connection task (no grace).
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    limits: Arc<Limits>,
    mut stopping: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let builder = Arc::new(connection::builder(&limits));
    // Dropping the set (abort of this task) aborts every connection.
    let mut connections = JoinSet::new();
    loop {
        // Beyond `max_connections`, wait here: new clients queue in the
        // kernel's backlog. Finished connections are reaped meanwhile so the
        // set never holds more than `max_connections` entries.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        match accepted {
            Ok((stream, _peer)) => {
                let conn = connection::serve(
                    stream,
                    Arc::clone(&builder),
                    Arc::clone(&handler),
                    Arc::clone(&limits),
                    stopping.clone(),
                );
                connections.spawn(async move {
                    conn.await;
                    drop(permit);
                });
            }
            // The peer gave up before we accepted: nothing to back off for.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            // EMFILE/ENFILE/ENOBUFS...: wait for descriptors to free up.
            Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_millis(200), drain).await;
    connections.shutdown().await;
}
