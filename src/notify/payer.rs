//! What pays an order so that the target sends its notification: the double's control API
//! (`POST {base}/_control/orders/{out_trade_no}/pay`, the embedded double and `serve`), the
//! user's `--pay-command`, a person (`--pay-interactive`), or nothing.
//!
//! A pay command runs as `sh -c CMD pay-conformance PAYMENT_URL OUT_TRADE_NO`: the values
//! are its arguments `$1` and `$2` (`{payment_url}` and `{out_trade_no}` in CMD are rewritten
//! to `"$1"` and `"$2"`), never text spliced into the shell line, so a payment URL with shell
//! characters in it runs nothing. Its stdout is discarded, at most 4 KiB of its stderr is
//! kept for the message, and it is killed at `--pay-timeout`.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt as _;

use crate::findings::StepFailure;
use crate::settings::{NotifySettings, PayMethod};

/// The stderr of a pay command kept for its error message, at most.
const STDERR_BYTES: u64 = 4096;
/// The control API's answer read, at most.
const CONTROL_ANSWER_BYTES: usize = 16 * 1024;

/// One run's payer.
#[derive(Debug, Clone)]
pub enum Payer {
    /// The double's control API at this base URL.
    Control {
        base_url: String,
        /// `None` when no HTTP client can be built (no TLS backend).
        client: Option<reqwest::Client>,
    },
    Command(String),
    Interactive,
    /// A remote target without a control API, and neither flag.
    Nothing,
}

impl Payer {
    /// The payer `settings` ask for against `base_url`.
    pub fn for_target(settings: &NotifySettings, base_url: &str, control: bool) -> Payer {
        match &settings.pay {
            PayMethod::Command(cmd) => Payer::Command(cmd.clone()),
            PayMethod::Interactive => Payer::Interactive,
            PayMethod::Auto if control => Payer::Control {
                base_url: base_url.trim_end_matches('/').to_owned(),
                client: crate::double::callback::client_for(
                    base_url,
                    Duration::from_secs(10),
                    None,
                ),
            },
            PayMethod::Auto => Payer::Nothing,
        }
    }

    /// Why nothing can pay, if nothing can.
    pub fn missing_reason(&self) -> Option<String> {
        matches!(self, Payer::Nothing).then(|| {
            "notifications: nothing pays an order of this target: give --pay-command 'CMD' ($1 the payment URL, $2 the out_trade_no) or --pay-interactive".into()
        })
    }

    /// Pays `out_trade_no`; a failure to pay is the user's setup (exit 2) or, when it times
    /// out, inconclusive.
    pub async fn pay(
        &self,
        out_trade_no: &str,
        payment_url: Option<&str>,
        timeout: Duration,
    ) -> Result<(), StepFailure> {
        match self {
            Payer::Control { base_url, client } => {
                control_pay(client, base_url, out_trade_no).await
            }
            Payer::Command(cmd) => {
                run_command(cmd, payment_url.unwrap_or(""), out_trade_no, timeout).await
            }
            Payer::Interactive => {
                eprintln!(
                    "pay-conformance: pay order {out_trade_no} within {} s: {}",
                    timeout.as_secs(),
                    payment_url.unwrap_or("(the target gave no payment URL)")
                );
                Ok(())
            }
            Payer::Nothing => Err(StepFailure::Usage(
                self.missing_reason().unwrap_or_default(),
            )),
        }
    }
}

/// Whether `base_url` answers the double's `GET /_control/health` with `{"status": "ok"}`.
pub async fn has_control_api(base_url: &str) -> bool {
    let Some(client) = crate::double::callback::client_for(base_url, Duration::from_secs(2), None)
    else {
        return false;
    };
    let url = format!("{}/_control/health", base_url.trim_end_matches('/'));
    let Ok(answer) = client.get(&url).send().await else {
        return false;
    };
    if answer.status() != 200 {
        return false;
    }
    let mut body = Vec::new();
    let mut stream = answer;
    while let Ok(Some(chunk)) = stream.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() > CONTROL_ANSWER_BYTES {
            return false;
        }
    }
    serde_json::from_slice::<serde_json::Value>(&body)
        .is_ok_and(|v| v.get("status").and_then(serde_json::Value::as_str) == Some("ok"))
}

async fn control_pay(
    client: &Option<reqwest::Client>,
    base_url: &str,
    out_trade_no: &str,
) -> Result<(), StepFailure> {
    let client = client
        .as_ref()
        .ok_or_else(|| StepFailure::Usage("no HTTP client for the control API".into()))?;
    let id =
        percent_encoding::utf8_percent_encode(out_trade_no, percent_encoding::NON_ALPHANUMERIC);
    let url = format!("{base_url}/_control/orders/{id}/pay");
    let answer = client.post(&url).send().await.map_err(|e| {
        StepFailure::Inconclusive(format!(
            "the control API did not pay {out_trade_no}: {}",
            crate::http::error_chain(&e)
        ))
    })?;
    let status = answer.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let mut body = Vec::new();
    let mut stream = answer;
    while let Ok(Some(chunk)) = stream.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= CONTROL_ANSWER_BYTES {
            break;
        }
    }
    Err(StepFailure::Usage(format!(
        "the control API refused to pay {out_trade_no}: HTTP {status} {}",
        String::from_utf8_lossy(&body[..body.len().min(CONTROL_ANSWER_BYTES)])
    )))
}

async fn run_command(
    cmd: &str,
    payment_url: &str,
    out_trade_no: &str,
    timeout: Duration,
) -> Result<(), StepFailure> {
    let script = cmd
        .replace("{payment_url}", "\"$1\"")
        .replace("{out_trade_no}", "\"$2\"");
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg("pay-conformance")
        .arg(payment_url)
        .arg(out_trade_no)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| StepFailure::Usage(format!("--pay-command cannot start: {e}")))?;
    let mut stderr = String::new();
    let mut pipe = child.stderr.take();
    let finished = tokio::time::timeout(timeout, async {
        if let Some(pipe) = pipe.as_mut() {
            let _ = pipe.take(STDERR_BYTES).read_to_string(&mut stderr).await;
        }
        child.wait().await
    })
    .await;
    match finished {
        Err(_) => {
            let _ = child.kill().await;
            Err(StepFailure::Inconclusive(format!(
                "--pay-command did not finish paying {out_trade_no} within {} s (--pay-timeout)",
                timeout.as_secs()
            )))
        }
        Ok(Err(e)) => Err(StepFailure::Usage(format!("--pay-command: {e}"))),
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(StepFailure::Usage(format!(
            "--pay-command failed for {out_trade_no} ({status}): {}",
            crate::redact(stderr.trim())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pay_command_gets_the_values_as_arguments_never_as_shell_text() {
        let dir = std::env::temp_dir().join(format!("pc-pay-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("paid");
        let cmd = format!(
            "printf '%s|%s' {{payment_url}} {{out_trade_no}} > {}",
            out.display()
        );
        let url = "https://pay.example/x?a=1&b=$(touch /tmp/pwned-pc);`id`";
        run_command(&cmd, url, "OTN-1", Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            format!("{url}|OTN-1")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_failing_or_slow_pay_command_says_so() {
        let failed = run_command(
            "echo no wallet >&2; exit 3",
            "",
            "OTN-2",
            Duration::from_secs(5),
        )
        .await;
        match failed {
            Err(StepFailure::Usage(m)) => {
                assert!(m.contains("no wallet") && m.contains("OTN-2"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        let slow = run_command("sleep 5", "", "OTN-3", Duration::from_millis(100)).await;
        assert!(
            matches!(slow, Err(StepFailure::Inconclusive(_))),
            "{slow:?}"
        );
    }
}
