//! The wiremock server a double answers on, started on a loopback port and stopped safely.

use std::net::TcpListener;

use wiremock::{MockServer, MockServerBuilder};

/// A running wiremock server that records no requests and is dropped off the async runtime.
pub struct MockHost {
    /// Always `Some` until dropped (see the `Drop` impl).
    server: Option<MockServer>,
}

impl MockHost {
    /// Starts on `127.0.0.1` and a random free port, or on `listener` when given.
    pub async fn start(listener: Option<TcpListener>) -> MockHost {
        let builder: MockServerBuilder = match listener {
            Some(listener) => MockServer::builder().listener(listener),
            None => MockServer::builder(),
        };
        MockHost {
            server: Some(builder.disable_request_recording().start().await),
        }
    }

    /// The server, to mount mocks on.
    pub fn server(&self) -> &MockServer {
        self.server
            .as_ref()
            .expect("the server lives until the host is dropped")
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        self.server
            .as_ref()
            .map(MockServer::uri)
            .unwrap_or_default()
    }
}

impl Drop for MockHost {
    /// wiremock's `MockServer` verifies its mocks when dropped, blocking on a nested executor
    /// that awaits a tokio lock. Inside a tokio task whose cooperative budget is spent, that
    /// lock never yields and the drop spins forever at 100% CPU. A plain thread has no budget.
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = std::thread::spawn(move || drop(server)).join();
        }
    }
}
