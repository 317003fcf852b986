//! Every double fault of the input-validation rules is found by `explore` alone, under its
//! rule, and shrunk to a request of at most one change beyond the required fields.

use serde_json::Value;

use super::{explore, findings};

/// The required fields of each explored body (the schemas' `required`).
fn required(provider: &str, endpoint: &str) -> &'static [&'static str] {
    match (provider, endpoint) {
        ("ttpay", "create") => &[
            "mch_id",
            "out_trade_no",
            "expire_second",
            "amount",
            "chain",
            "currency",
            "order_type",
        ],
        ("ttpay", "query") => &["mch_id", "out_trade_no"],
        ("ttpay", "close") => &["mch_id", "transaction_id"],
        ("wechatpay", "create") => &[
            "mchid",
            "appid",
            "description",
            "out_trade_no",
            "notify_url",
            "amount",
        ],
        ("wechatpay", "close") => &["mchid"],
        _ => &[],
    }
}

/// Explores `endpoint` of the double with `fault`; the findings under `rule`, each checked
/// to be minimal.
fn found(provider: &str, fault: &str, endpoint: &str, rule: &str) -> Vec<Value> {
    // TTPay's endpoints one at a time; WeChat Pay's close needs the orders its creates make.
    // The default number of random cases: the sweep (each wrong value alone) finds every one
    // of these, whatever the seed.
    let mut args = vec!["--provider", provider, "--fault", fault, "--seed", "3"];
    if provider == "ttpay" {
        // A close of a real order needs the creates before it.
        if endpoint == "close"
            && fault != "close-without-id-succeeds"
            && fault != "close-unknown-succeeds"
        {
            args.extend(["--endpoint", "create"]);
        }
        args.extend(["--endpoint", endpoint]);
    }
    let (code, printed, report) = explore(&args, &[]);
    assert_eq!(code, 1, "{fault}: {printed}");
    let all = findings(&report);
    let under: Vec<Value> = all
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.split(',').any(|r| r == rule))
        })
        .cloned()
        .collect();
    assert!(!under.is_empty(), "{fault}: no {rule} finding in {all:#?}");
    for f in &under {
        let case = &f["case"];
        let endpoint = case["endpoint"].as_str().unwrap_or(endpoint);
        let changes = case["mutations"].as_array().map_or(0, Vec::len);
        let extra: Vec<&String> = case["fields"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !required(provider, endpoint).contains(&k.as_str()))
            .collect();
        assert!(
            changes + extra.len() <= 1,
            "{fault}: not minimal: {changes} changes and optional fields {extra:?}: {f:#}"
        );
    }
    // The console shows how to reproduce it.
    assert!(printed.contains("curl -sS -X "), "{printed}");
    // Signed by `sign`, unless the case sent no signature (then none, or `$A: garbled…`).
    let signed = under
        .iter()
        .any(|f| !["unsigned", "garbled"].contains(&f["case"]["who"].as_str().unwrap_or("")));
    assert!(
        !signed || printed.contains("pay-conformance sign --header"),
        "{printed}"
    );
    under
}

#[test]
fn ttpay_c2_c3_c4_faults_are_found_and_shrunk() {
    for (fault, rule) in [
        ("missing-field-accepted", "C2"),
        ("refused-create-still-stored", "C2"),
        ("negative-amount-accepted", "C3"),
        ("amount-string-accepted", "C3"),
        ("fractional-expire-accepted", "C3"),
        ("zero-expire-accepted", "C3"),
        ("unknown-chain-accepted", "C3"),
        ("currency-not-on-chain-accepted", "C3"),
        ("unknown-order-type-accepted", "C3"),
        ("unknown-locale-accepted", "C3"),
        ("foreign-mch-id-accepted", "C3"),
        ("monitor-order-without-address", "C4"),
    ] {
        found("ttpay", fault, "create", rule);
    }
}

#[test]
fn ttpay_t5_faults_are_found_and_shrunk() {
    for fault in [
        "500-on-malformed-json",
        "502-on-wrong-type",
        "hangup-on-malformed-json",
    ] {
        found("ttpay", fault, "create", "T5");
    }
}

#[test]
fn ttpay_query_and_close_refusals_are_found() {
    found("ttpay", "query-without-ids-succeeds", "query", "Q2");
    found("ttpay", "close-without-id-succeeds", "close", "X5");
    found("ttpay", "close-unknown-succeeds", "close", "X4");
}

#[test]
fn wechatpay_w3_w4_faults_are_found_and_shrunk() {
    for (fault, rule) in [
        ("malformed-body-500", "W4"),
        ("body-mchid-unchecked", "W4"),
        ("close-unknown-ok", "W4"),
        ("param-error-without-detail", "W3"),
        ("error-not-json", "W3"),
        ("error-code-not-string", "W3"),
        ("error-detail-not-object", "W3"),
    ] {
        found("wechatpay", fault, "close", rule);
    }
}

#[test]
fn ttpay_authorization_and_method_faults_are_found_by_the_sweep() {
    for (fault, endpoint, rule) in [
        ("html-error-on-bad-authorization", "create", "T5"),
        ("500-on-unknown-method", "create", "T7"),
        ("hangup-on-unknown-method", "create", "T5"),
        ("put-close-closes", "close", "T7"),
        ("refused-close-still-closes", "close", "A3"),
        ("close-ignores-signature", "close", "A3"),
    ] {
        let under = found("ttpay", fault, endpoint, rule);
        let case = &under[0]["case"];
        match fault {
            "html-error-on-bad-authorization" => {
                assert!(
                    ["unsigned", "garbled"].contains(&case["who"].as_str().unwrap()),
                    "{case}"
                )
            }
            "refused-close-still-closes" | "close-ignores-signature" => {}
            _ => assert!(case["method"].is_string(), "{fault}: {case}"),
        }
    }
}
