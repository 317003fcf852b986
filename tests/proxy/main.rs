//! `pay-conformance proxy` over real HTTP: merchants' clients (the suite itself, the example
//! integration, deliberately careless clients written in Python) talk to the proxy, the proxy
//! to a double; what passes must be unchanged, what the proxy reports must name the side and
//! the rule — and a conforming double with a conforming client must give no finding at all.

mod careless;
mod faults;
mod independent;
mod traffic;
mod wechatpay;
mod wire;

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub const BIN: &str = env!("CARGO_BIN_EXE_pay-conformance");

/// The merchants of the tests (not the double's built-in ones, which `serve` prints): the
/// proxy's double, the proxy's judge and every client read them from the environment.
pub const TTPAY_ENV: [(&str, &str); 7] = [
    ("TTPAY_APP_ID", "proxy-app-0001"),
    ("TTPAY_MCH_ID", "7100000001"),
    ("TTPAY_APP_SECRET", "proxy-test-secret-not-builtin-01"),
    ("TTPAY_OTHER_APP_ID", "proxy-app-0002"),
    ("TTPAY_OTHER_MCH_ID", "7100000002"),
    ("TTPAY_OTHER_APP_SECRET", "proxy-test-secret-not-builtin-02"),
    ("TTPAY_PAID_OUT_TRADE_NO", "PROXY-PAID-0001"),
];

/// A running `proxy`; killed when dropped, stopped with SIGTERM by [`Proxy::stop`].
pub struct Proxy {
    child: Option<Child>,
    pub url: String,
    out: Arc<Mutex<String>>,
    json: PathBuf,
    _dir: TempDir,
}

/// What a stopped proxy said.
pub struct Stopped {
    pub code: i32,
    pub stdout: String,
    pub report: serde_json::Value,
}

impl Stopped {
    /// The rules of `side`'s findings.
    pub fn rules(&self, side: &str) -> Vec<String> {
        self.report["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["side"] == side)
            .filter_map(|r| r["rule"].as_str())
            .flat_map(|r| r.split(','))
            .map(str::to_owned)
            .collect()
    }

    pub fn count(&self, side: &str) -> u64 {
        self.report[format!("{side}_findings")]
            .as_u64()
            .unwrap_or(0)
    }
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pc-proxy-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Proxy {
    /// `proxy --provider provider --upstream upstream` on a free port, with `extra` flags.
    pub fn start(provider: &str, upstream: &str, extra: &[&str]) -> Proxy {
        let dir = TempDir::new(provider);
        let json = dir.0.join("proxy.json");
        let mut child = Command::new(BIN)
            .args(["proxy", "--provider", provider, "--upstream", upstream])
            .args(["--listen", "127.0.0.1:0", "--notify-speedup", "1000"])
            .arg("--json")
            .arg(&json)
            .args(extra)
            .envs(TTPAY_ENV)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the proxy");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let out = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if line.starts_with("(Ctrl-C") {
                    let _ = tx.send(());
                }
                let mut out = sink.lock().unwrap();
                out.push_str(&line);
                out.push('\n');
            }
        });
        if rx.recv_timeout(std::time::Duration::from_secs(20)).is_err() {
            let _ = child.kill();
            let err = child
                .wait_with_output()
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned());
            panic!("the proxy did not start: {}\n{err:?}", out.lock().unwrap());
        }
        let url = out
            .lock()
            .unwrap()
            .lines()
            .next()
            .and_then(|l| l.split("listening on ").nth(1))
            .and_then(|l| l.split(',').next())
            .expect("the first line names the URL")
            .to_owned();
        Proxy {
            child: Some(child),
            url,
            out,
            json,
            _dir: dir,
        }
    }

    /// The `NAME=VALUE` words of the `export` lines it printed (how to reach its double).
    pub fn exports(&self) -> Vec<(String, String)> {
        self.out
            .lock()
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .flat_map(|l| {
                l.split("  #")
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter_map(|w| {
                let (k, v) = w.split_once('=')?;
                Some((k.to_owned(), v.trim_matches('\'').to_owned()))
            })
            .collect()
    }

    /// The first line it printed (`… listening on URL, forwarding to UPSTREAM`).
    pub fn first_line(&self) -> String {
        self.out
            .lock()
            .unwrap()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// SIGTERM; the exit code, what it printed, its JSON report.
    pub fn stop(mut self) -> Stopped {
        let mut child = self.child.take().unwrap();
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        let status = child.wait().expect("the proxy stops");
        // Let the reader thread take the last lines.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let stdout = self.out.lock().unwrap().clone();
        let text = std::fs::read_to_string(&self.json)
            .unwrap_or_else(|e| panic!("no JSON report ({e}); the proxy said:\n{stdout}"));
        Stopped {
            code: status.code().unwrap_or(-1),
            stdout,
            report: serde_json::from_str(&text).expect("the JSON report parses"),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `pay-conformance run` against `url` as a merchant would point it at the proxy (unpaced);
/// its exit code and output.
pub fn run_suite(provider: &str, url: &str, extra: &[&str]) -> (i32, String) {
    run_suite_with(provider, url, extra, &[])
}

/// [`run_suite`] with these environment variables too.
pub fn run_suite_with(
    provider: &str,
    url: &str,
    extra: &[&str],
    envs: &[(String, String)],
) -> (i32, String) {
    let out = Command::new(BIN)
        .args([
            "run",
            "--provider",
            provider,
            "--base-url",
            url,
            "--rate-limit",
            "0",
        ])
        .args([
            "--response-signatures",
            "strict",
            "--notify-schedule-scale",
            "0.001",
        ])
        .args(extra)
        .envs(TTPAY_ENV)
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run the suite");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}
