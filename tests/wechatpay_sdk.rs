//! Two SDKs merchants really use — PyPI `wechatpayv3` 2.0.4 and npm `wechatpay-axios-plugin`
//! 0.9.6, driven by `tests/sdk/` — as clients of the embedded WeChat Pay double, in both platform
//! modes: a fresh close is a 204 the SDK accepts (and the order is `CLOSED`), a paid order's close
//! surfaces `ORDERPAID`, and each response-side fault the SDK can see is refused by it. A stale
//! response timestamp is refused by the axios plugin only: wechatpayv3 never checks it (recorded
//! in tests/sdk/README.md, asserted here as that SDK's known gap).
//!
//! Skipped, saying so in `cargo test`'s output (failed instead under `CI=true`), when `python3` cannot import `wechatpayv3` (also tried with
//! `tests/sdk/.python` on `PYTHONPATH`) or `node` / `tests/sdk/node_modules` is missing:
//! `pip install -r tests/sdk/requirements.txt`, `npm ci --prefix tests/sdk`.

use std::path::Path;
use std::time::Duration;

use pay_conformance::wechatpay::double::serve::{
    CERT_FILE, KEY_FILES, PUBLIC_KEY_FILE, config_with_keys,
};
use pay_conformance::wechatpay::double::{BUILTIN_APIV3_KEY, Double, Fault, PlatformMode};
use serde_json::Value;

mod common;

use common::sdk::{SDK_HINT, Sdk, unavailable};

/// One driver run: the JSON line it printed, or why there is none.
fn drive(
    sdk: Sdk,
    double: &Double,
    dir: &Path,
    otn: &str,
    extra: &[&str],
    expect: &str,
) -> Result<Value, String> {
    let c = double.config();
    let m = &c.merchants[0];
    let key = dir.join(KEY_FILES[0]).display().to_string();
    let mut args: Vec<String> = vec![
        "--base-url".into(),
        double.uri(),
        "--mchid".into(),
        m.mchid.clone(),
        "--appid".into(),
        m.appid.clone(),
        "--serial-no".into(),
        m.serial_no.clone(),
        "--private-key".into(),
        key,
        "--apiv3-key".into(),
        BUILTIN_APIV3_KEY.into(),
        "--out-trade-no".into(),
        otn.into(),
        "--expect".into(),
        expect.into(),
    ];
    match c.mode {
        PlatformMode::PublicKey => args.extend([
            "--platform-public-key".into(),
            dir.join(PUBLIC_KEY_FILE).display().to_string(),
            "--public-key-id".into(),
            c.public_key_id.clone(),
        ]),
        PlatformMode::Certificate => {
            args.extend([
                "--platform-cert".into(),
                dir.join(CERT_FILE).display().to_string(),
            ]);
        }
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let mut command = common::sdk::command(sdk);
    let out = command.args(&args).output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("");
    let v: Value = serde_json::from_str(line).map_err(|_| {
        format!(
            "no JSON line; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if out.status.success() {
        Ok(v)
    } else {
        Err(format!("expected {expect}, got {v}"))
    }
}

/// A case: its name, the fault in force, `--expect`, extra flags, and the order state after.
struct Case {
    name: &'static str,
    fault: Option<Fault>,
    expect: &'static str,
    paid: bool,
}

fn cases(sdk: Sdk) -> Vec<Case> {
    let case = |name, fault, expect| Case {
        name,
        fault,
        expect,
        paid: false,
    };
    let stale = if sdk == Sdk::Python {
        "accepted"
    } else {
        "rejected"
    };
    vec![
        case("fresh close", None, "accepted"),
        Case {
            name: "paid order",
            fault: None,
            expect: "ORDERPAID",
            paid: true,
        },
        case("unsigned 204", Some(Fault::Unsigned204), "rejected"),
        case("wrong signature", Some(Fault::BadSignature), "rejected"),
        case(
            "no final newline",
            Some(Fault::SignNoFinalNewline),
            "rejected",
        ),
        case(
            "unknown serial",
            Some(Fault::UnknownResponseSerial),
            "rejected",
        ),
        case(
            "stale timestamp",
            Some(Fault::StaleResponseTimestamp),
            stale,
        ),
    ]
}

async fn run_mode(mode: PlatformMode, sdks: &[Sdk], table: &mut Vec<String>) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "pay-conformance-sdk-{}-{}",
        std::process::id(),
        mode.name()
    ));
    let mut config = config_with_keys(&dir).expect("keys written");
    config.mode = mode;
    config.close_min_age = Duration::ZERO;
    let double = Double::start(config).await;
    let mut failures = Vec::new();
    for (s, sdk) in sdks.iter().enumerate() {
        for (i, case) in cases(*sdk).into_iter().enumerate() {
            double.set_fault(case.fault);
            let otn = if case.paid {
                double.config().paid_out_trade_no.clone()
            } else {
                format!("SDK{}{s}{i}", mode.name().len())
            };
            let mut extra = vec!["--query"];
            if !case.paid {
                extra.push("--create");
            }
            if mode == PlatformMode::Certificate && case.fault.is_none() && !case.paid {
                extra.push("--download-certs");
            }
            let (sdk, double_ref, dir_ref, expect) = (*sdk, &double, dir.clone(), case.expect);
            let result = tokio::task::block_in_place(|| {
                drive(sdk, double_ref, &dir_ref, &otn, &extra, expect)
            });
            let after = double
                .inspect(&otn)
                .ok()
                .and_then(|v| v["order"]["trade_state"].as_str().map(str::to_owned));
            let verdict = match &result {
                Ok(v) => format!(
                    "{} (status {}, →{})",
                    if v["rejected"] == true {
                        "rejected"
                    } else if v["ok"] == true {
                        "accepted"
                    } else {
                        "failed"
                    },
                    v["status"],
                    after.clone().unwrap_or_default()
                ),
                Err(e) => format!("UNEXPECTED: {e}"),
            };
            table.push(format!(
                "| {} | {} | {} | expected {} | {verdict} |",
                mode.name(),
                sdk.name(),
                case.name,
                case.expect
            ));
            match result {
                Err(e) => {
                    failures.push(format!("{} {} {}: {e}", mode.name(), sdk.name(), case.name))
                }
                Ok(_)
                    if case.expect == "accepted"
                        && case.fault.is_none()
                        && after.as_deref() != Some("CLOSED") =>
                {
                    failures.push(format!(
                        "{} {} {}: the order is {after:?}, not CLOSED",
                        mode.name(),
                        sdk.name(),
                        case.name
                    ));
                }
                Ok(_) if case.paid && after.as_deref() != Some("SUCCESS") => {
                    failures.push(format!(
                        "{} {} paid order: it is {after:?}",
                        mode.name(),
                        sdk.name()
                    ));
                }
                Ok(_) => {}
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sdks_close_against_the_double_and_refuse_its_response_faults() {
    let mut sdks = Vec::new();
    for sdk in [Sdk::Python, Sdk::Axios] {
        let test = format!("tests/wechatpay_sdk.rs ({})", sdk.name());
        if !common::skip::skipped(&test, unavailable(sdk), SDK_HINT) {
            sdks.push(sdk);
        }
    }
    if sdks.is_empty() {
        return;
    }
    let mut table = vec![
        "| mode | SDK | case | contract | outcome |".to_owned(),
        "|---|---|---|---|---|".to_owned(),
    ];
    let mut failures = Vec::new();
    for mode in [PlatformMode::PublicKey, PlatformMode::Certificate] {
        failures.extend(run_mode(mode, &sdks, &mut table).await);
    }
    eprintln!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
