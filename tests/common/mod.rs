//! Helpers every test crate shares: the binary, `serve` on a free port, and the clock.
#![allow(dead_code)] // each test crate uses a part

pub mod front;
pub mod sdk;
pub mod skip;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The `pay-conformance` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_pay-conformance");

/// Every provider variable a test must not inherit from the machine's environment.
pub const PROVIDER_VARIABLES: [&str; 7] = [
    "TTPAY_APP_ID",
    "TTPAY_MCH_ID",
    "TTPAY_APP_SECRET",
    "TTPAY_OTHER_APP_ID",
    "TTPAY_OTHER_MCH_ID",
    "TTPAY_OTHER_APP_SECRET",
    "TTPAY_PAID_OUT_TRADE_NO",
];

/// The binary with `args`, none of the machine's provider variables inherited (TTPay's,
/// and every `WECHATPAY_*`).
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for name in PROVIDER_VARIABLES {
        command.env_remove(name);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("WECHATPAY_") {
            command.env_remove(name);
        }
    }
    command
}

/// A finished command's stdout and stderr together.
pub fn printed(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `pay-conformance serve --port 0 EXTRA…`, killed when dropped; its stdout is kept.
pub struct Served {
    child: Child,
    pub url: String,
    pub output: Arc<Mutex<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Whether the process is still running (it never exits on its own: an exit is a crash).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// What `serve` printed so far.
    pub fn printed(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }
}

/// Starts `serve` on a free port with `extra` flags and `env` variables, and reads its URL
/// off the first line of its output.
pub fn serve(extra: &[&str], env: &[(&str, &str)]) -> Served {
    let mut command = command(&["serve", "--port", "0"]);
    command
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("serve starts");
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("readable");
    let url = first
        .rsplit(' ')
        .next()
        .expect("the URL ends the first line")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let output = Arc::new(Mutex::new(format!("{first}\n")));
    let sink = Arc::clone(&output);
    // Keep draining so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Ok(mut all) = sink.lock() {
                all.push_str(&line);
                all.push('\n');
            }
        }
    });
    Served { child, url, output }
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_millis()).expect("fits")
}

/// `serve --provider wechatpay` with its keys in `keys_dir`, and the `WECHATPAY_*` variables
/// it prints for a run against it.
pub fn serve_wechatpay(keys_dir: &std::path::Path) -> (Served, Vec<(String, String)>) {
    let dir = keys_dir.to_str().expect("a UTF-8 path");
    let served = serve(&["--provider", "wechatpay", "--keys-dir", dir], &[]);
    let started = std::time::Instant::now();
    while !served.printed().contains("# then:") {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "serve printed no variables: {}",
            served.printed()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let env = served
        .printed()
        .lines()
        .filter_map(|line| line.strip_prefix("export "))
        .flat_map(|words| words.split(' '))
        .filter_map(|word| word.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect();
    (served, env)
}
