//! Exit 1 only when the provider breaks the contract: a target that does not speak the API or
//! refuses these credentials is diagnosed before any scenario (exit 2), QA mistakes are caught
//! before anything is sent, the network is inconclusive, and every read is bounded.

mod bounded;
mod deadline;
mod flaky;
mod leaks;
mod nesting;
mod network;
mod notifications;
mod preflight;
mod proxy;
mod qa;
mod records;
mod secrets;
mod seen;
mod wx_preflight;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_pay-conformance");
pub const SECRET: &str = "S3CRET-verdicts-never-shown-0042";

/// `serve` on a free port; stopped when dropped.
pub struct Served {
    child: Child,
    pub url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` with the merchant of [`merchant`] and `extra` flags.
pub fn serve(extra: &[&str]) -> Served {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in merchant() {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("serve starts");
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("readable");
    let url = first.rsplit(' ').next().expect("the URL").to_owned();
    std::thread::spawn(move || for _ in lines {});
    Served { child, url }
}

/// The merchant `serve` knows, as environment variables.
pub fn merchant() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TTPAY_APP_ID", "app-verdicts"),
        ("TTPAY_MCH_ID", "7100000001"),
        ("TTPAY_APP_SECRET", SECRET),
        ("TTPAY_PAID_OUT_TRADE_NO", "PAID-VERDICTS-1"),
    ]
}

/// `run` with `args` and the merchant's environment, `env` overriding it.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.arg("run").args(args);
    for key in [
        "TTPAY_OTHER_APP_ID",
        "TTPAY_OTHER_MCH_ID",
        "TTPAY_OTHER_APP_SECRET",
    ] {
        command.env_remove(key);
    }
    for (k, v) in merchant().into_iter().chain(env.iter().copied()) {
        command.env(k, v);
    }
    command.output().expect("the binary runs")
}

/// A raw TCP target on the loopback: each connection on a thread of its own, its request read
/// (up to 64 KiB), then `answer` writes what it will; the URL.
pub fn raw_target(answer: impl Fn(&mut std::net::TcpStream) + Send + Copy + 'static) -> String {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut request = [0u8; 65536];
                let _ = stream.read(&mut request);
                answer(&mut stream);
            });
        }
    });
    url
}

/// No paid order configured: the runs against a wiremock target need none.
pub const NO_PAID_ORDER: &[(&str, &str)] = &[("TTPAY_PAID_OUT_TRADE_NO", "")];

/// [`run`] off the async workers, so that a test's wiremock server keeps answering; `env`
/// overrides the merchant's environment.
pub async fn run_async(args: Vec<String>, env: &'static [(&'static str, &'static str)]) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, env)
    })
    .await
    .expect("joins")
}

/// TTPay's refusal of a query of an order that does not exist.
pub fn not_found_body() -> serde_json::Value {
    serde_json::json!({
        "code": 12002,
        "msg": "data does not exist",
        "request_id": "3f0c2a4e-1d2b-4c5e-9f00-1234567890ab",
    })
}

/// [`not_found_body`], answered with HTTP 200.
pub fn not_found() -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_json(not_found_body())
}

/// Stdout and stderr together.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
