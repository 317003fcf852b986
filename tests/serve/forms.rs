//! The three notification forms (CONTRACT "Callbacks"), each read by independent code: Python
//! `cryptography` in `decrypt.py` (skipped, saying so, when it is missing; failed under `CI=true`).
//!
//! | flags | `associated_data` (AAD) | `Authorization` |
//! |---|---|---|
//! | (none) | `transaction` | none |
//! | `--notify-associated-data ""` | left out (no AAD) | none |
//! | `--notify-signed` | `transaction` | `TTPAY-AES-256-ECB …` over `TS\nNONCE\nBODY` |

use std::process::Command;

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::client::{Client, SECRET, eventually, serve};

/// Why the Python reader cannot run here, if it cannot.
/// Whether `test` is skipped for want of Python's `cryptography` (under `CI=true` it fails).
pub fn python_missing(test: &str) -> bool {
    crate::common::skip::skipped(
        &format!("tests/serve/forms.rs ({test})"),
        crate::common::skip::python_cryptography_missing(),
        crate::common::skip::PIP_CRYPTOGRAPHY,
    )
}

/// Pays an order whose notify_url is a receiver; answers (body, authorization) as received.
async fn one_notification(flags: &[&str]) -> (Vec<u8>, Option<String>) {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("success"))
        .mount(&receiver)
        .await;
    let mut args = vec!["--notify-speedup", "1000"];
    args.extend_from_slice(flags);
    let served = serve(&args, &[]);
    let client = Client::new(&served.url);
    client
        .create("FORM-1", &format!("{}/notify", receiver.uri()))
        .await;
    let (status, _) = client.control("POST", "orders/FORM-1/pay", b"").await;
    assert_eq!(status, 200);
    eventually(|| async { !receiver.received_requests().await.unwrap().is_empty() }).await;
    let requests = receiver.received_requests().await.unwrap();
    let first = &requests[0];
    let auth = first
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (first.body.clone(), auth)
}

fn read_in_python(body: &[u8], auth: Option<&str>) -> Value {
    let dir = std::env::temp_dir().join(format!("pc-forms-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("body.json");
    std::fs::write(&file, body).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/serve/decrypt.py");
    let mut command = Command::new("python3");
    command.arg(script).arg(SECRET).arg(&file);
    if let Some(auth) = auth {
        command.arg(auth);
    }
    let out = command.output().expect("python3 runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("decrypt.py prints json")
}

#[tokio::test]
async fn each_notification_form_decrypts_with_independent_code() {
    if python_missing("notification forms") {
        return;
    }
    let (body, auth) = one_notification(&[]).await;
    assert_eq!(auth, None);
    let read = read_in_python(&body, None);
    assert_eq!(read["associated_data"], "transaction");
    assert_eq!(read["detail"]["trade_state"], "SUCCESS");
    assert_eq!(read["detail"]["out_trade_no"], "FORM-1");
    assert_eq!(
        read["detail"]["amount"], 15_000_000_000_000u64,
        "15000000 major"
    );

    let (body, auth) = one_notification(&["--notify-associated-data", ""]).await;
    assert_eq!(auth, None);
    let read = read_in_python(&body, None);
    assert_eq!(read["associated_data"], Value::Null, "left out");
    assert_eq!(read["detail"]["trade_state"], "SUCCESS");

    let (body, auth) = one_notification(&["--notify-signed"]).await;
    let auth = auth.expect("an Authorization header");
    assert!(
        auth.starts_with("TTPAY-AES-256-ECB app_id=double-app-0001,"),
        "{auth}"
    );
    let read = read_in_python(&body, Some(&auth));
    assert_eq!(read["signature_ok"], true, "{read}");
    assert_eq!(read["detail"]["trade_state"], "SUCCESS");
}

#[tokio::test]
async fn the_integration_example_runs_against_serve() {
    if python_missing("integration example") {
        return;
    }
    let served = serve(&["--notify-speedup", "1000"], &[]);
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/integration.py");
    let out = Command::new("python3")
        .arg(example)
        .arg(&served.url)
        .env_remove("TTPAY_APP_ID")
        .env_remove("TTPAY_MCH_ID")
        .env_remove("TTPAY_APP_SECRET")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
