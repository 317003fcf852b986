//! The WeChat Pay double's TEST-ONLY keys are published: a run against a target off the
//! loopback refuses them as the merchant's key (exit 2, before any request).

use std::process::Command;

#[test]
fn a_run_off_the_loopback_refuses_the_published_test_key() {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/wechatpay/double/test_keys/TEST-ONLY-merchant-1900000109.key.pem"
    );
    // 192.0.2.1 is TEST-NET-1: nothing answers there, so only a refusal before any request
    // ends this run at once with exit 2.
    let out = Command::new(env!("CARGO_BIN_EXE_pay-conformance"))
        .args([
            "run",
            "--provider",
            "wechatpay",
            "--base-url",
            "http://192.0.2.1:9",
        ])
        .env("WECHATPAY_MCHID", "1900000109")
        .env("WECHATPAY_APPID", "wxd678efh567hg6787")
        .env(
            "WECHATPAY_SERIAL_NO",
            "3775B6A45ACD588826D15E583A95F5DD12345678",
        )
        .env("WECHATPAY_PRIVATE_KEY_FILE", key)
        .env("WECHATPAY_APIV3_KEY", "PayConformanceDoubleApiV3Key0001")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("WECHATPAY_PRIVATE_KEY_FILE is one of the published TEST-ONLY keys"),
        "{stderr}"
    );
}
