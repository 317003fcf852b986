//! Exit 1 only when the provider breaks the contract: a target that does not speak the API or
//! refuses these credentials is diagnosed before any scenario (exit 2), QA mistakes are caught
//! before anything is sent, the network is inconclusive, and every read is bounded.

mod bounded;
mod deadline;
mod flaky;
mod leaks;
mod nesting;
mod network;
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

/// Stdout and stderr together.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
