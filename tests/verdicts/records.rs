//! `diff` compares records of one provider only: a TTPay record against a WeChat Pay record,
//! or a record of a provider this build does not know, is a QA mistake (exit 2 naming both),
//! never "NO BEHAVIOUR CHANGE".

use std::process::Command;

use super::{BIN, run, serve, text};

fn diff(old: &std::path::Path, new: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .arg("diff")
        .args([old, new])
        .output()
        .expect("runs");
    (out.status.code(), text(&out))
}

#[test]
fn diff_of_records_of_two_providers_or_an_unknown_one_is_exit_2_naming_them() {
    let dir = std::env::temp_dir().join(format!("pc-verdict-records-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let served = serve(&[]);
    let ttpay = dir.join("ttpay.json");
    let out = run(
        &[
            "--base-url",
            &served.url,
            "--rate-limit",
            "0",
            "--tags",
            "@Q3",
            "--record",
            ttpay.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let wechatpay = dir.join("wechatpay.json");
    let out = Command::new(BIN)
        .args([
            "run",
            "--provider",
            "wechatpay",
            "--tags",
            "@W1",
            "--record",
        ])
        .arg(&wechatpay)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let recorded = std::fs::read_to_string(&ttpay).unwrap();
    assert!(recorded.contains("\"provider\": \"ttpay\""), "{recorded}");
    let unknown = dir.join("unknown.json");
    std::fs::write(
        &unknown,
        recorded.replace("\"provider\": \"ttpay\"", "\"provider\": \"paypal\""),
    )
    .unwrap();

    let (code, said) = diff(&ttpay, &wechatpay);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("different providers")
            && said.contains("`ttpay`")
            && said.contains("`wechatpay`"),
        "{said}"
    );
    assert!(!said.contains("NO BEHAVIOUR CHANGE"), "{said}");
    let (code, said) = diff(&unknown, &ttpay);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("`paypal`") && said.contains("does not know") && said.contains("ttpay"),
        "{said}"
    );
    let (code, said) = diff(&ttpay, &ttpay);
    assert_eq!(code, Some(0), "the same provider still diffs: {said}");
    let out = run(
        &["--tags", "@Q3", "--baseline", wechatpay.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("`wechatpay`"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
