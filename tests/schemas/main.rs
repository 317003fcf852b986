//! The embedded JSON Schemas: they compile, the provider docs' own examples pass them, and
//! breaking one field of an example is reported at that field's JSON pointer.

mod violations;

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use pay_conformance::checks::schema::{ABSENT, ID_BASE, SchemaError, SchemaSet, SchemaViolation};
use rstest::rstest;
use serde_json::{Value, json};

static SCHEMAS: LazyLock<SchemaSet> =
    LazyLock::new(|| SchemaSet::embedded().expect("the embedded schemas compile"));

const NAMES: [&str; 17] = [
    "ttpay/close_request.json",
    "ttpay/close_response.json",
    "ttpay/create_request.json",
    "ttpay/create_response.json",
    "ttpay/currency.json",
    "ttpay/envelope.json",
    "ttpay/notification.json",
    "ttpay/query_request.json",
    "ttpay/query_response.json",
    "ttpay/transaction_detail.json",
    "wechatpay/certificates_response.json",
    "wechatpay/close_request.json",
    "wechatpay/create_request.json",
    "wechatpay/create_response.json",
    "wechatpay/error.json",
    "wechatpay/notification.json",
    "wechatpay/query_response.json",
];

/// A docs example from `tests/fixtures/ttpay/`, or a query request built from the docs' values
/// (the query page has no request example).
fn example(name: &str) -> Value {
    if name == "query_request" {
        return json!({
            "app_id": "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
            "mch_id": "1234567890",
            "out_trade_no": "fb722ca8-ed7b-444b-9f58-0b5c8a7b52cb"
        });
    }
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests/fixtures/ttpay", name]
        .iter()
        .collect::<PathBuf>()
        .with_extension("json");
    let text = std::fs::read_to_string(&path).expect("fixture is readable");
    serde_json::from_str(&text).expect("fixture is strict JSON")
}

/// One change to an example: set the value at a pointer, or remove it.
#[derive(Debug, Clone)]
enum Edit {
    Set(&'static str, Value),
    Remove(&'static str),
}
use Edit::{Remove, Set};

fn apply(mut doc: Value, edits: &[Edit]) -> Value {
    for edit in edits {
        let (pointer, value) = match edit {
            Set(pointer, value) => (*pointer, Some(value.clone())),
            Remove(pointer) => (*pointer, None),
        };
        if pointer.is_empty() {
            doc = value.expect("the root can only be replaced");
            continue;
        }
        let (parent, key) = pointer.rsplit_once('/').expect("pointer starts with /");
        let parent = doc
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .expect("the parent is an object");
        match value {
            Some(value) => parent.insert(key.to_owned(), value),
            None => parent.shift_remove(key),
        };
    }
    doc
}

fn check(schema: &str, instance: &Value) -> Vec<SchemaViolation> {
    SCHEMAS
        .validate(schema, instance)
        .expect("the schema exists")
}

#[test]
fn every_schema_compiles_and_is_listed() {
    assert_eq!(SCHEMAS.names().collect::<Vec<_>>(), NAMES);
}

#[test]
fn every_schema_is_2020_12_with_its_own_id() {
    for name in NAMES {
        let raw = SCHEMAS.raw(name).expect("listed names have a document");
        assert_eq!(
            raw["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        assert_eq!(raw["$id"], format!("{ID_BASE}{name}"), "{name}");
    }
}

/// Every property's description quotes a rule id (`Q5: …`), or the property is a bare `$ref` to
/// a schema that has one; the suite shows them in deviation reports.
#[test]
fn every_property_has_a_description_with_a_rule_id() {
    fn walk(name: &str, at: &str, schema: &Value) {
        let Some(object) = schema.as_object() else {
            return;
        };
        if let Some(properties) = object.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                let described = property["description"].as_str().is_some_and(|d| {
                    let id = d.split(':').next().unwrap_or_default();
                    !id.is_empty() && id.split('/').all(pay_conformance::provider::is_rule_tag)
                });
                let bare_ref = property.get("$ref").is_some()
                    && property.as_object().is_some_and(|p| p.len() == 1);
                assert!(
                    described || bare_ref,
                    "{name}{at}/properties/{key} has no rule id"
                );
            }
        }
        // The properties of an `if` are a condition, not a constraint: nothing to describe.
        for (key, sub) in object.iter().filter(|(key, _)| *key != "if") {
            walk(name, &format!("{at}/{key}"), sub);
        }
    }
    for name in NAMES {
        walk(name, "#", SCHEMAS.raw(name).expect("listed"));
    }
}

#[rstest]
#[case("ttpay/create_request", "create_request")]
#[case("ttpay/create_response", "create_response")]
#[case("ttpay/query_request", "query_request")]
#[case("ttpay/query_response", "query_response")]
#[case("ttpay/close_request", "close_request")]
#[case("ttpay/close_response", "close_response")]
#[case("ttpay/envelope.json", "close_response")]
#[case("ttpay/transaction_detail.json", "query_response")]
fn docs_examples_are_valid(#[case] schema: &str, #[case] fixture: &str) {
    let mut instance = example(fixture);
    if schema.ends_with("transaction_detail.json") {
        instance = instance["data"].take();
    }
    assert_eq!(check(schema, &instance), [], "{fixture} against {schema}");
}

#[rstest]
#[case::create_error_without_data("create_response", vec![Set("/code", json!(100)), Remove("/data")])]
#[case::create_error_with_null_data("create_response", vec![Set("/code", json!(11003)), Set("/data", Value::Null)])]
#[case::create_absolute_payment_url("create_response", vec![Set("/data/payment_url", json!("https://pay.example/pay/order?prepay_id=1"))])]
#[case::query_refused_without_data("query_response", vec![Set("/code", json!(12002)), Remove("/data")])]
#[case::query_refused_with_null_data("query_response", vec![Set("/code", json!(12002)), Set("/data", Value::Null)])]
#[case::unknown_extra_fields("query_response", vec![Set("/trace", json!({"x": 1})), Set("/data/fee_rate", json!(0.003)), Set("/data/currency/icon", json!(""))])]
#[case::new_order_not_paid("query_response", vec![
    Set("/data/trade_state", json!("NOTPAY")), Set("/data/pay_time", json!(0)), Set("/data/block_time", json!(0)),
    Set("/data/block_no", json!(0)), Set("/data/tx_id", json!("")), Set("/data/from_address", json!("")), Remove("/data/attach"),
])]
#[case::closed_order("query_response", vec![Set("/data/trade_state", json!("CLOSED")), Set("/data/pay_time", json!(0)), Set("/data/close_time", json!(1673407402044_i64))])]
#[case::close_with_data("close_response", vec![Set("/data", json!({"transaction_id": "e98b"}))])]
#[case::close_refused("close_response", vec![Set("/code", json!(12002)), Set("/data", Value::Null)])]
#[case::query_by_transaction_id("query_request", vec![Remove("/out_trade_no"), Set("/transaction_id", json!("e98b3029477f4bdcb971797a9d9e09ce"))])]
#[case::merchant_order_with_address("create_request", vec![Set("/order_type", json!("merchant_order"))])]
#[case::platform_order_minimal("create_request", vec![
    Remove("/app_id"), Remove("/description"), Remove("/to_address"), Remove("/attach"), Remove("/locale"), Remove("/notify_url"), Remove("/return_url"),
])]
#[case::amount_in_smallest_unit("create_request", vec![Set("/amount", json!(15000000)), Set("/chain", json!("BSC")), Set("/locale", json!("en"))])]
fn valid_variants(#[case] fixture: &str, #[case] edits: Vec<Edit>) {
    let instance = apply(example(fixture), &edits);
    assert_eq!(
        check(&format!("ttpay/{fixture}"), &instance),
        [],
        "{edits:?}"
    );
}

#[rstest]
#[case::t4_data_missing_on_success("create_response", vec![Remove("/data")], "/data", "required")]
#[case::t4_data_null_on_success("query_response", vec![Set("/data", Value::Null)], "/data", "type")]
#[case::t4_code_as_string("query_response", vec![Set("/code", json!("0"))], "/code", "type")]
#[case::t4_code_as_float("create_response", vec![Set("/code", json!(0.5))], "/code", "type")]
#[case::t4_msg_missing("close_response", vec![Remove("/msg")], "/msg", "required")]
#[case::t4_request_id_not_uuid("query_response", vec![Set("/request_id", json!("08250916a6774a36a090323807ac644c-"))], "/request_id", "format")]
#[case::t4_request_id_number("close_response", vec![Set("/request_id", json!(42))], "/request_id", "type")]
#[case::t4_body_not_object("close_response", vec![Set("", json!([1, 2]))], "", "type")]
#[case::c5_payment_url_empty("create_response", vec![Set("/data/payment_url", json!(""))], "/data/payment_url", "minLength")]
#[case::c5_payment_url_not_url_or_path("create_response", vec![Set("/data/payment_url", json!("pay/order?prepay_id=1"))], "/data/payment_url", "pattern")]
#[case::c5_prepay_id_missing("create_response", vec![Remove("/data/prepay_id")], "/data/prepay_id", "required")]
#[case::q3_refused_with_data("query_response", vec![Set("/code", json!(12002))], "/data", "type")]
#[case::q4_transaction_id_missing("query_response", vec![Remove("/data/transaction_id")], "/data/transaction_id", "required")]
#[case::q4_create_time_string("query_response", vec![Set("/data/create_time", json!("1673407302044"))], "/data/create_time", "type")]
#[case::q4_create_time_float("query_response", vec![Set("/data/create_time", json!(1.5))], "/data/create_time", "type")]
#[case::q4_create_time_in_seconds("query_response", vec![Set("/data/create_time", json!(1673407302))], "/data/create_time", "anyOf")]
#[case::q4_expire_second_negative("query_response", vec![Set("/data/expire_second", json!(-1))], "/data/expire_second", "minimum")]
#[case::q4_amount_string("query_response", vec![Set("/data/amount", json!("15000000"))], "/data/amount", "type")]
#[case::q4_decimal_missing("query_response", vec![Remove("/data/currency/decimal")], "/data/currency/decimal", "required")]
#[case::q4_currency_chain_unknown("query_response", vec![Set("/data/currency/chain", json!("SOLANA"))], "/data/currency/chain", "enum")]
#[case::q4_chain_unknown("query_response", vec![Set("/data/chain", json!("SOLANA"))], "/data/chain", "enum")]
#[case::q5_trade_state_lowercase("query_response", vec![Set("/data/trade_state", json!("success"))], "/data/trade_state", "enum")]
#[case::q5_trade_state_paid("query_response", vec![Set("/data/trade_state", json!("PAID"))], "/data/trade_state", "enum")]
#[case::q8_success_without_pay_time("query_response", vec![Set("/data/pay_time", json!(0))], "/data/pay_time", "exclusiveMinimum")]
#[case::q8_success_without_tx_id("query_response", vec![Set("/data/tx_id", json!(""))], "/data/tx_id", "minLength")]
#[case::c1_mch_id_missing("create_request", vec![Remove("/mch_id")], "/mch_id", "required")]
#[case::c1_out_trade_no_empty("create_request", vec![Set("/out_trade_no", json!(""))], "/out_trade_no", "minLength")]
#[case::c3_amount_string("create_request", vec![Set("/amount", json!("9"))], "/amount", "type")]
#[case::c3_amount_negative("create_request", vec![Set("/amount", json!(-1))], "/amount", "exclusiveMinimum")]
#[case::c3_amount_zero("create_request", vec![Set("/amount", json!(0))], "/amount", "exclusiveMinimum")]
#[case::c3_expire_second_zero("create_request", vec![Set("/expire_second", json!(0))], "/expire_second", "exclusiveMinimum")]
#[case::c3_expire_second_float("create_request", vec![Set("/expire_second", json!(600.5))], "/expire_second", "type")]
#[case::c3_chain_solana("create_request", vec![Set("/chain", json!("SOLANA"))], "/chain", "enum")]
#[case::c3_order_type_other("create_request", vec![Set("/order_type", json!("other"))], "/order_type", "enum")]
#[case::c3_locale_fr("create_request", vec![Set("/locale", json!("fr"))], "/locale", "enum")]
#[case::c4_merchant_order_without_to_address("create_request", vec![Set("/order_type", json!("merchant_order")), Remove("/to_address")], "/to_address", "required")]
#[case::c4_merchant_order_empty_to_address("create_request", vec![Set("/order_type", json!("merchant_order")), Set("/to_address", json!(""))], "/to_address", "minLength")]
#[case::q2_query_with_neither_id("query_request", vec![Remove("/out_trade_no")], "", "anyOf")]
#[case::q2_query_mch_id_missing("query_request", vec![Remove("/mch_id")], "/mch_id", "required")]
#[case::x5_close_without_transaction_id("close_request", vec![Remove("/transaction_id")], "/transaction_id", "required")]
fn one_broken_field_is_reported_at_its_pointer(
    #[case] fixture: &str,
    #[case] edits: Vec<Edit>,
    #[case] pointer: &str,
    #[case] keyword: &str,
) {
    let instance = apply(example(fixture), &edits);
    let violations = check(&format!("ttpay/{fixture}"), &instance);
    assert!(!violations.is_empty(), "{edits:?} should be invalid");
    for violation in &violations {
        assert_eq!(violation.pointer, pointer, "{violations:#?}");
    }
    assert!(
        violations.iter().any(|v| v.keyword == keyword),
        "{violations:#?}"
    );
}
