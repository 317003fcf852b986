//! `pay-conformance serve --provider NAME --port 0`, spawned as a child for the load generator
//! to measure over HTTP like any other target. The child runs with the built-in merchants (the
//! provider's variables are removed from its environment) and is killed when the handle is
//! dropped.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::BenchError;

/// How long the child may take to print its address.
const STARTUP: Duration = Duration::from_secs(20);

/// A running `serve` child.
#[derive(Debug)]
pub(super) struct ServeChild {
    child: Child,
    uri: String,
}

impl ServeChild {
    /// Spawns `exe serve --provider NAME --port 0` without the variables starting with
    /// `env_prefix`, and waits for its `listening on URI` line.
    pub async fn spawn(
        exe: &Path,
        provider: &str,
        env_prefix: &str,
    ) -> Result<ServeChild, BenchError> {
        let mut command = Command::new(exe);
        command
            .args(["serve", "--provider", provider, "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with(env_prefix) {
                command.env_remove(name);
            }
        }
        let mut child = command
            .spawn()
            .map_err(|e| BenchError::Serve(format!("{}: {e}", exe.display())))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err(BenchError::Serve("no stdout".into()));
        };
        // Read every line until the child ends, so that its later prints never meet a closed
        // pipe; hand over the address as soon as it shows.
        let (found, address) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some((_, uri)) = line.split_once("listening on ")
                    && let Some(found) = found.take()
                {
                    let _ = found.send(uri.trim().to_owned());
                }
            }
        });
        let uri = match tokio::time::timeout(STARTUP, address).await {
            Ok(Ok(uri)) => uri,
            outcome => {
                let _ = child.kill();
                let _ = child.wait();
                let why = match outcome {
                    Err(_) => format!("no address within {STARTUP:?}"),
                    _ => "it exited before printing its address".to_owned(),
                };
                return Err(BenchError::Serve(why));
            }
        };
        Ok(ServeChild { child, uri })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> &str {
        &self.uri
    }
}

impl Drop for ServeChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
