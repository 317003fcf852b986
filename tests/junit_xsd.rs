//! The JUnit report of a real run (with a deviation) is valid against Jenkins' `junit-10.xsd`
//! (tests/fixtures/junit/), as `xmllint --schema` judges; `classname` carries no line number,
//! every `testsuite` has `time` and `timestamp`, a failure names its step.

use std::process::Command;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_pay-conformance");

#[test]
fn junit_is_valid_against_jenkins_junit_10_xsd() {
    let dir = std::env::temp_dir().join(format!("pc-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("junit.xml");
    let out = Command::new(BIN)
        .args(["run", "--fault", "close-ignores-signature", "--junit"])
        .arg(&path)
        .env_remove("TTPAY_APP_ID")
        .output()
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let xml = std::fs::read_to_string(&path).unwrap();
    for attr in xml.split("classname=\"").skip(1) {
        let value = attr.split('"').next().unwrap();
        assert!(
            !value.contains(':') && !value.contains(".feature"),
            "{value}"
        );
    }
    assert!(xml.contains("classname=\"features.ttpay.close\""), "{xml}");
    let suites = xml.matches("<testsuite ").count();
    assert!(suites > 0);
    for tag in xml.split("<testsuite ").skip(1) {
        let head = tag.split('>').next().unwrap();
        assert!(
            head.contains(" time=\"") && head.contains(" timestamp=\""),
            "{head}"
        );
    }
    // The run's observation (C7: the amount reading) is a property of every suite (the xsd
    // allows none on `testsuites`).
    assert_eq!(
        xml.matches("<property name=\"observation\" value=\"[C7] ")
            .count(),
        suites,
        "{xml}"
    );
    assert!(
        xml.contains("amounts are returned scaled by 10^decimals"),
        "{xml}"
    );
    assert!(xml.contains("at: Then the request is refused with code 103 (features/ttpay/authentication.feature:10)"), "{xml}");

    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/junit/junit-10.xsd"
    );
    let missing = common::skip::unusable("xmllint", &["--version"]);
    if common::skip::skipped(
        "tests/junit_xsd.rs (the XSD validation)",
        missing,
        "install xmllint: apt-get install libxml2-utils (.ci/run does)",
    ) {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    match Command::new("xmllint")
        .args(["--noout", "--schema", schema])
        .arg(&path)
        .output()
    {
        Err(e) => panic!("xmllint ran a moment ago and now does not: {e}"),
        Ok(v) => assert!(
            v.status.success(),
            "junit.xml is not valid against junit-10.xsd:\n{}",
            String::from_utf8_lossy(&v.stderr)
        ),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
