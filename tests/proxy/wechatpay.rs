//! WeChat Pay through the proxy: the suite and both official SDKs (wechatpayv3,
//! wechatpay-axios-plugin) as the merchant's clients work as without it, and a conforming
//! double gives no provider finding; the SDKs' own requests give no merchant finding either.

use super::{Proxy, run_suite_with};
use crate::common::sdk::{self, SDK_HINT, Sdk};
use crate::common::skip;

#[test]
fn the_suite_through_the_proxy_conforms_and_the_double_has_no_finding() {
    let proxy = Proxy::start("wechatpay", "double", &[]);
    let exports = proxy.exports();
    assert!(
        exports
            .iter()
            .any(|(k, _)| k == "WECHATPAY_PRIVATE_KEY_FILE"),
        "{exports:?}"
    );
    let (code, out) = run_suite_with("wechatpay", &proxy.url, &[], &exports);
    assert_eq!(code, 0, "the suite through the proxy:\n{out}");
    let stopped = proxy.stop();
    assert_eq!(stopped.count("provider"), 0, "{}", stopped.stdout);
    // The suite's own negative scenarios are the merchant's findings, under their rules.
    let merchant = stopped.rules("merchant");
    for rule in ["W1", "W4", "W6"] {
        assert!(
            merchant.iter().any(|r| r == rule),
            "no merchant {rule}: {}",
            stopped.stdout
        );
    }
    assert_eq!(stopped.code, 4, "{}", stopped.stdout);
}

#[test]
fn both_sdks_through_the_proxy_work_and_send_what_the_contract_asks() {
    for which in [Sdk::Python, Sdk::Axios] {
        let test = format!("{} through the proxy", which.name());
        if skip::skipped(&test, sdk::unavailable(which), SDK_HINT) {
            continue;
        }
        let proxy = Proxy::start("wechatpay", "double", &[]);
        let env: std::collections::HashMap<String, String> = proxy.exports().into_iter().collect();
        let get = |k: &str| {
            env.get(k)
                .cloned()
                .unwrap_or_else(|| panic!("no {k} in {env:?}"))
        };
        let otn = format!("sdk-proxy-{}", std::process::id());
        let out = sdk::command(which)
            .args(["--base-url", &proxy.url])
            .args([
                "--mchid",
                &get("WECHATPAY_MCHID"),
                "--appid",
                &get("WECHATPAY_APPID"),
            ])
            .args(["--serial-no", &get("WECHATPAY_SERIAL_NO")])
            .args(["--private-key", &get("WECHATPAY_PRIVATE_KEY_FILE")])
            .args(["--apiv3-key", &get("WECHATPAY_APIV3_KEY")])
            .args(["--platform-cert", &get("WECHATPAY_PLATFORM_CERT_FILE")])
            .args([
                "--out-trade-no",
                &otn,
                "--create",
                "--query",
                "--expect",
                "accepted",
            ])
            .output()
            .expect("the SDK driver");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{test}: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stopped = proxy.stop();
        assert!(
            stopped.report["judged"].as_u64().unwrap() >= 3,
            "{test}: {}",
            stopped.stdout
        );
        assert_eq!(
            stopped.code, 0,
            "{test}: no finding of either side:\n{}",
            stopped.stdout
        );
    }
}
