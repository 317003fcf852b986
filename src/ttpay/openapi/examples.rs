//! The examples of the OpenAPI document: the docs' own examples (the repaired fixtures under
//! `tests/fixtures/ttpay/`, embedded at build time) and a refusal for each operation.

use serde_json::{Value, json};

use super::OpenApiError;

/// The docs' examples, repaired (the docs end objects with a trailing comma, T3).
const FIXTURES: [(&str, &str); 5] = [
    (
        "create_request",
        include_str!("../../../tests/fixtures/ttpay/create_request.json"),
    ),
    (
        "create_response",
        include_str!("../../../tests/fixtures/ttpay/create_response.json"),
    ),
    (
        "query_response",
        include_str!("../../../tests/fixtures/ttpay/query_response.json"),
    ),
    (
        "close_request",
        include_str!("../../../tests/fixtures/ttpay/close_request.json"),
    ),
    (
        "close_response",
        include_str!("../../../tests/fixtures/ttpay/close_response.json"),
    ),
];

/// The docs' example `name` (`create_request`, …), parsed.
fn fixture(name: &str) -> Result<Value, OpenApiError> {
    let (_, text) = FIXTURES
        .iter()
        .find(|(fixture, _)| *fixture == name)
        .ok_or_else(|| OpenApiError::MissingExample {
            name: name.to_owned(),
        })?;
    serde_json::from_str(text).map_err(|source| OpenApiError::Example {
        name: name.to_owned(),
        source,
    })
}

/// One Example Object.
fn example(summary: &str, value: Value) -> Value {
    json!({ "summary": summary, "value": value })
}

/// A refusal envelope (T6): a non-zero `code`, no `data`.
fn refusal(code: i64, msg: &str, request_id: &str) -> Value {
    json!({ "code": code, "msg": msg, "request_id": request_id, "data": null })
}

/// Examples of the create request body.
pub(super) fn create_request() -> Result<Value, OpenApiError> {
    let mut monitor = fixture("create_request")?;
    if let Some(body) = monitor.as_object_mut() {
        body.insert("order_type".into(), json!("merchant_order"));
        body.insert(
            "out_trade_no".into(),
            json!("fb72xxxx-xxxx-xxxx-xxxx-xxxx8a7b52cd"),
        );
    }
    Ok(json!({
        "docs": example("The docs' example: a platform order of 9 USDT on TRON", fixture("create_request")?),
        "monitor_order": example("C4: a merchant_order (monitor order) names its to_address", monitor)
    }))
}

/// Examples of the create response.
pub(super) fn create_response() -> Result<Value, OpenApiError> {
    Ok(json!({
        "docs": example("The docs' example: created, with a relative payment_url (C5)", fixture("create_response")?),
        "missing_parameter": example(
            "C2: a required field is missing (100, 11003 or 20005)",
            refusal(11003, "missing required parameter", "5f6c2a1e-8d3b-4c7a-9e21-0b4f6d8a7c31"),
        ),
        "duplicate": example(
            "C6: the out_trade_no already exists",
            refusal(12001, "data already exists", "0d3e9b7a-2c41-4f58-8a6e-1b7c9d2e4f60"),
        )
    }))
}

/// Examples of the query request body (POST).
pub(super) fn query_request() -> Value {
    json!({
        "by_out_trade_no": example("Q1: by the merchant's order number", json!({
            "app_id": "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
            "mch_id": "1234567890",
            "out_trade_no": "fb722ca8-ed7b-444b-9f58-0b5c8a7b52cb"
        })),
        "by_transaction_id": example("Q1: by the platform's order number", json!({
            "app_id": "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
            "mch_id": "1234567890",
            "transaction_id": "e98b3029477f4bdcb971797a9d9e09ce"
        }))
    })
}

/// Examples of the query response.
pub(super) fn query_response() -> Result<Value, OpenApiError> {
    Ok(json!({
        "docs": example("The docs' example: a paid order (Q4, Q8)", fixture("query_response")?),
        "not_found": example(
            "Q3: no such order — refused with 12002 and no data",
            refusal(12002, "data does not exist", "7a1f3c5e-9b2d-4e6f-8a0c-2d4e6f8a0b1c"),
        ),
        "bad_signature": example(
            "A3: a wrong signature is refused with 103",
            refusal(103, "invalid signature", "3c5e7a9b-1d2f-4a6c-8e0b-4f6a8c0e2b4d"),
        )
    }))
}

/// Examples of the close request body.
pub(super) fn close_request() -> Result<Value, OpenApiError> {
    Ok(json!({
        "docs": example("The docs' example", fixture("close_request")?)
    }))
}

/// Examples of the close response.
pub(super) fn close_response() -> Result<Value, OpenApiError> {
    Ok(json!({
        "docs": example("The docs' example: closed (X1)", fixture("close_response")?),
        "not_found": example(
            "X4: no such transaction_id — refused",
            refusal(12002, "data does not exist", "9e1b3d5f-7a2c-4e6a-8c0e-6b8d0f2a4c6e"),
        ),
        "already_paid": example(
            "X2: a paid order cannot be closed — refused",
            refusal(11000, "operation failed", "2b4d6f8a-0c1e-4a3b-9d5f-8e0a2c4e6a8b"),
        )
    }))
}

/// Example values of the GET query's parameters, from the docs.
pub(super) fn query_parameter(name: &str) -> Value {
    match name {
        "out_trade_no" => json!("fb722ca8-ed7b-444b-9f58-0b5c8a7b52cb"),
        "transaction_id" => json!("e98b3029477f4bdcb971797a9d9e09ce"),
        _ => json!("1234567890"),
    }
}
