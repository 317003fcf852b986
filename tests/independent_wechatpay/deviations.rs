//! Deviations of the independent server, each caught or only observed as the contract says; a remote run without credentials.

use super::*;

fn assert_caught(deviate: &str, rule: &str) {
    if python_missing(deviate) {
        return;
    }
    let keys = make_keys();
    let server = start(&keys, Mode::Download, &["--deviate", deviate]);
    let all = run_suite(&server.url, &keys.env(Mode::Download), &[]);
    assert!(all.starts_with("exit code Some(1)\n"), "{deviate}: {all}");
    assert!(all.contains("DEVIATIONS FOUND"), "{deviate}: {all}");
    assert!(
        all.contains(&format!("deviation {rule} ")),
        "--deviate {deviate} should be reported as a deviation of {rule}: {all}"
    );
}

macro_rules! caught {
    ($($test:ident: $name:literal => $rule:literal,)*) => {
        $(
            #[test]
            fn $test() {
                assert_caught($name, $rule);
            }
        )*
    };
}

caught! {
    close_200_with_body_is_w2: "close-200-with-body" => "W2",
    close_200_empty_is_w2: "close-200-empty" => "W2",
    close_paid_ok_is_w4: "close-paid-ok" => "W4",
    close_get_allowed_is_w4: "close-get-allowed" => "W4",
    ignore_body_mchid_is_w4: "ignore-body-mchid" => "W4",
    error_not_json_is_w3: "error-not-json" => "W3",
    error_no_code_is_w3: "error-no-code" => "W3",
    skip_timestamp_check_is_w6: "skip-timestamp-check" => "W6",
    skip_signature_check_is_w6: "skip-signature-check" => "W6",
    unsigned_204_is_w7: "unsigned-204" => "W7",
    bad_signature_is_w7: "bad-signature" => "W7",
    sign_no_final_newline_is_w7: "sign-no-final-newline" => "W7",
    stale_response_timestamp_is_w7: "stale-response-timestamp" => "W7",
    unknown_serial_is_w7: "unknown-serial" => "W7",
    no_request_id_is_w7: "no-request-id" => "W7",
    notify_mainland_names_is_wn3: "notify-mainland-names" => "WN3",
}

#[test]
fn a_missing_signature_type_is_only_observed() {
    // CONTRACT W7: `Wechatpay-Signature-Type` is expected, its absence an observation.
    if python_missing("no-signature-type") {
        return;
    }
    let keys = make_keys();
    let server = start(&keys, Mode::Download, &["--deviate", "no-signature-type"]);
    let all = run_suite(&server.url, &keys.env(Mode::Download), &[]);
    assert!(all.starts_with("exit code Some(0)\n"), "{all}");
    assert!(
        all.contains("observation [W7]") && all.contains("Wechatpay-Signature-Type"),
        "{all}"
    );
}

#[test]
fn in_observe_mode_a_bad_response_signature_is_an_observation() {
    if python_missing("observe mode") {
        return;
    }
    let keys = make_keys();
    let server = start(&keys, Mode::Download, &["--deviate", "bad-signature"]);
    let all = run_suite(
        &server.url,
        &keys.env(Mode::Download),
        &["--response-signatures", "observe"],
    );
    assert!(all.starts_with("exit code Some(0)\n"), "{all}");
    assert!(
        all.contains("observation [W7]") && all.contains("Wechatpay-Signature"),
        "{all}"
    );
}

#[test]
fn a_remote_run_without_credentials_is_a_usage_error() {
    let out = Command::new(BIN)
        .args([
            "run",
            "--provider",
            "wechatpay",
            "--base-url",
            "http://127.0.0.1:9",
        ])
        .env_remove("WECHATPAY_MCHID")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WECHATPAY_MCHID"), "{err}");
}
