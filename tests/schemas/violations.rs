//! What a violation says: expected and actual, pointers, rules, names; the set's own errors.

use super::*;

#[test]
fn violations_say_what_was_expected_and_what_came() {
    let mut body = example("query_response");
    body["data"]["trade_state"] = json!("success");
    body["data"]["create_time"] = json!("1673407302044");
    body["data"]["currency"]
        .as_object_mut()
        .expect("object")
        .shift_remove("decimal");
    let violations = check("ttpay/query_response", &body);
    let expected = [
        (
            "/data/create_time",
            "integer",
            r#""1673407302044""#,
            "type",
            "Q4",
        ),
        (
            "/data/currency/decimal",
            "required property `decimal`",
            ABSENT,
            "required",
            "Q4",
        ),
        (
            "/data/trade_state",
            "one of NOTPAY, SUCCESS, CLOSED, REFUND",
            r#""success""#,
            "enum",
            "Q5",
        ),
    ]
    .map(
        |(pointer, expected, actual, keyword, rule)| SchemaViolation {
            pointer: pointer.to_owned(),
            expected: expected.to_owned(),
            actual: actual.to_owned(),
            keyword: keyword.to_owned(),
            rule: Some(rule.to_owned()),
        },
    );
    assert_eq!(violations, expected);
}

#[test]
fn missing_properties_are_each_reported() {
    let violations = check("ttpay/close_request", &json!({}));
    let pointers: Vec<_> = violations.iter().map(|v| v.pointer.as_str()).collect();
    assert_eq!(pointers, ["/mch_id", "/transaction_id"]);
}

#[test]
fn alternatives_are_spelled_out() {
    let violations = check("ttpay/query_request", &json!({"mch_id": "1"}));
    assert_eq!(violations.len(), 1);
    assert_eq!(
        violations[0].expected,
        "at least one of: required property `out_trade_no` | required property `transaction_id`"
    );
    let mut body = example("query_response");
    body["data"]["pay_time"] = json!(1673407329);
    let violations = check("ttpay/query_response", &body);
    assert_eq!(
        violations[0].expected,
        "at least one of: exactly 0 | a number >= 1000000000000"
    );
}

#[test]
fn actual_is_compact_and_truncated() {
    let mut body = example("query_response");
    body["data"]["trade_state"] = json!("X".repeat(500));
    let violations = check("ttpay/query_response", &body);
    let actual = &violations[0].actual;
    assert_eq!(actual.chars().count(), 121);
    assert!(actual.starts_with("\"XXX") && actual.ends_with('…'));
    body["data"]["trade_state"] = json!({"a": [1, 2]});
    let violations = check("ttpay/query_response", &body);
    assert!(
        violations.iter().all(|v| v.actual == r#"{"a":[1,2]}"#),
        "{violations:#?}"
    );
}

#[test]
fn names_work_with_or_without_extension() {
    let body = example("close_response");
    assert_eq!(
        check("ttpay/close_response", &body),
        check("ttpay/close_response.json", &body)
    );
    assert!(SCHEMAS.raw("ttpay/currency").is_some());
    assert!(SCHEMAS.raw("ttpay/nope").is_none());
}

#[test]
fn an_unknown_name_is_an_error_that_names_it() {
    let error = SCHEMAS
        .validate("ttpay/refund_response", &json!({}))
        .expect_err("unknown");
    assert!(matches!(error, SchemaError::Unknown { .. }));
    assert_eq!(error.to_string(), "unknown schema `ttpay/refund_response`");
}

#[test]
fn the_set_is_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<SchemaSet>();
    let set = Arc::new(SchemaSet::embedded().expect("compiles"));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let set = Arc::clone(&set);
            std::thread::spawn(move || {
                set.validate("ttpay/close_response", &example("close_response"))
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().expect("thread").expect("known").len(), 0);
    }
}

#[test]
fn violations_serialize() {
    let violations = check("ttpay/close_request", &json!({"mch_id": "1"}));
    assert_eq!(
        serde_json::to_value(&violations).expect("serializes"),
        json!([{"pointer": "/transaction_id", "expected": "required property `transaction_id`", "actual": "absent", "keyword": "required", "rule": "X5"}])
    );
}

fn doc(name: &str, body: Value) -> (String, Value) {
    let mut body = body;
    body["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    if body.get("$id").is_none() {
        body["$id"] = json!(format!("{ID_BASE}{name}"));
    }
    (name.to_owned(), body)
}

#[test]
fn a_wrong_id_is_refused_naming_the_file() {
    let error =
        SchemaSet::from_documents([doc("x/a.json", json!({"$id": "https://elsewhere/a.json"}))])
            .expect_err("wrong $id");
    assert!(matches!(error, SchemaError::Id { .. }));
    assert!(
        error.to_string().starts_with("schema x/a.json must have"),
        "{error}"
    );
}

#[test]
fn a_broken_schema_is_refused_naming_the_file() {
    let error =
        SchemaSet::from_documents([doc("x/a.json", json!({"type": 12}))]).expect_err("bad type");
    assert!(matches!(error, SchemaError::Compile { .. }));
    assert!(
        error
            .to_string()
            .starts_with("schema x/a.json does not compile: "),
        "{error}"
    );
}

#[test]
fn references_resolve_locally_and_never_online() {
    let set = SchemaSet::from_documents([
        doc("x/a.json", json!({"$ref": "b.json"})),
        doc("x/b.json", json!({"type": "integer"})),
    ])
    .expect("relative refs resolve");
    assert_eq!(
        set.validate("x/a", &json!("1")).expect("known")[0].expected,
        "integer"
    );
    let remote = SchemaSet::from_documents([doc(
        "x/c.json",
        json!({"$ref": "https://json-schema.org/no/such.json"}),
    )]);
    assert!(
        remote.is_err(),
        "a reference outside the set must not be fetched"
    );
}

#[test]
fn a_violation_names_the_rule_of_the_schema_part_it_breaks() {
    let mut body = example("query_response");
    body["data"]["tx_id"] = json!("");
    let violations = check("ttpay/query_response", &body);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].pointer, "/data/tx_id");
    assert_eq!(violations[0].rule.as_deref(), Some("Q8"), "{violations:#?}");
    let mut body = example("query_response");
    body["request_id"] = json!("not-a-uuid");
    let violations = check("ttpay/query_response", &body);
    assert_eq!(violations[0].rule.as_deref(), Some("T4"), "{violations:#?}");
}
