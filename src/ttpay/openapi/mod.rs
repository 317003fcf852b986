//! The OpenAPI 3.1 document of the TTPay / TokenPay API, built from the JSON Schemas of
//! `schemas/ttpay/`: they are its `components.schemas`, so `schemas/` stays the one source of
//! truth and the document cannot drift from what the suite checks.
//!
//! ```
//! use pay_conformance::checks::schema::SchemaSet;
//! use pay_conformance::ttpay::openapi;
//!
//! let doc = openapi::document(&SchemaSet::embedded()?)?;
//! assert_eq!(doc["openapi"], "3.1.0");
//! assert_eq!(
//!     doc["components"]["schemas"]["CreateRequest"]["properties"]["chain"]["$ref"],
//!     "#/components/schemas/Currency/$defs/chain"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod components;
mod examples;

use serde_json::{Value, json};

use crate::checks::schema::{SchemaError, SchemaSet};

pub use components::{component_name, rewrite_ref, schema_ref};

use super::Endpoint;

/// The version of OpenAPI the document is written in.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// The local double (`pay-conformance serve`), listed as a server beside the two brands.
pub const LOCAL_DOUBLE: &str = "http://127.0.0.1:12111";

/// The schemas the operations name, under `schemas/ttpay/`.
const OPERATION_SCHEMAS: [&str; 6] = [
    "create_request",
    "create_response",
    "query_request",
    "query_response",
    "close_request",
    "close_response",
];

/// Why the document cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error(transparent)]
    Schemas(#[from] SchemaError),
    #[error("schema {name} is missing from schemas/")]
    MissingSchema { name: String },
    #[error(
        "schema {schema} refers to `{reference}`, which is not a schema of schemas/ttpay/\n(hint: refer to a sibling file by name, e.g. `currency.json#/$defs/chain`)"
    )]
    UnresolvedRef { schema: String, reference: String },
    #[error("example {name} is missing")]
    MissingExample { name: String },
    #[error("example {name} is not valid JSON: {source}")]
    Example {
        name: String,
        #[source]
        source: serde_json::Error,
    },
}

/// The schemas of the crate's `schemas/`, as embedded at build time, as an OpenAPI document.
pub fn embedded() -> Result<Value, OpenApiError> {
    document(&SchemaSet::embedded()?)
}

/// The OpenAPI 3.1 document of the TTPay / TokenPay API whose component schemas are the
/// `ttpay/*` schemas of `schemas`.
pub fn document(schemas: &SchemaSet) -> Result<Value, OpenApiError> {
    for file in OPERATION_SCHEMAS {
        let name = format!("{}{file}.json", components::FOLDER);
        if schemas.raw(&name).is_none() {
            return Err(OpenApiError::MissingSchema { name });
        }
    }
    Ok(json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "TTPay / TokenPay transaction API v1",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Create, query and close crypto-payment orders.",
            "description": DESCRIPTION
        },
        "servers": [
            { "url": "https://api.ttpay.io", "description": "TTPay (profile ttpay)" },
            { "url": "https://api.tokenpay.me", "description": "TokenPay, the same API under another brand (profile tokenpay)" },
            { "url": LOCAL_DOUBLE, "description": "The embedded double: `pay-conformance serve --port 12111`" }
        ],
        "security": [{ "TTPaySignature": [] }],
        "tags": [{ "name": "transaction", "description": "Payment orders (CONTRACT.md section 1)" }],
        "paths": paths()?,
        "components": {
            "schemas": components::schemas(schemas)?,
            "headers": components::headers(),
            "parameters": components::parameters(),
            "securitySchemes": components::security_schemes()
        }
    }))
}

const DESCRIPTION: &str = "The TTPay (https://api.ttpay.io) and TokenPay (https://api.tokenpay.me) transaction API v1, \
as the pay-conformance suite reads it (CONTRACT.md section 1). The schemas are the suite's own JSON Schemas \
(`schemas/ttpay/`, draft 2020-12), each description naming the rule it states.\n\n\
- T1/T2: JSON over HTTP(S); create and close are POST; query is POST with a JSON body or GET with a query string.\n\
- T3/T4: every response is HTTP 200, `application/json`, one strict-JSON object: the envelope `code`, `msg`, `request_id`, and `data`.\n\
- T5: no input may get a 5xx, a non-JSON body or a dropped connection.\n\
- T6: `code` 0 is success; 100 parameter error, 103 invalid signature, 104 signature expired, 11000 operation failed, \
11001 too frequent, 11003 missing parameter, 12001 already exists, 12002 does not exist, 12003 data empty, \
20000 unknown application, 20001 application disabled, 20002 insufficient balance, 20003 insufficient quota, \
20004 rate limited, 20005 invalid parameter.\n\
- A1/A2: requests are signed in the `Authorization` header (see the security scheme); A6: responses are signed in \
`TTPay-Timestamp`, `TTPay-Nonce`, `TTPay-Signature`; A7: 5 requests per second per app_id.\n\
- C1–C7 create, Q1–Q9 query, X1–X6 close: see each operation.";

/// The response headers of a signed response (A6).
fn signed_headers() -> Value {
    json!({
        "TTPay-Timestamp": { "$ref": "#/components/headers/TTPay-Timestamp" },
        "TTPay-Nonce": { "$ref": "#/components/headers/TTPay-Nonce" },
        "TTPay-Signature": { "$ref": "#/components/headers/TTPay-Signature" }
    })
}

/// A JSON body: its schema (a component) and its examples.
fn json_body(schema_file: &str, examples: Value) -> Value {
    json!({
        "application/json": {
            "schema": schema_ref(&format!("{}{schema_file}.json", components::FOLDER)),
            "examples": examples
        }
    })
}

/// The 200 answer of an operation (T3: every answer is a 200, refusals included).
fn ok_response(description: &str, schema_file: &str, examples: Value) -> Value {
    json!({
        "200": {
            "description": description,
            "headers": signed_headers(),
            "content": json_body(schema_file, examples)
        }
    })
}

/// One POST operation with a JSON body.
fn post(
    operation_id: &str,
    summary: &str,
    description: &str,
    (request, request_examples): (&str, Value),
    (response, response_examples): (&str, Value),
) -> Value {
    json!({
        "tags": ["transaction"],
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "parameters": [{ "$ref": "#/components/parameters/UserAgent" }],
        "requestBody": { "required": true, "content": json_body(request, request_examples) },
        "responses": ok_response(
            "The envelope (T3/T4): `code` 0 on success, a T6 status code on refusal.",
            response,
            response_examples,
        )
    })
}

/// The GET form of query (T2): the parameters in the query string, no body.
fn query_get() -> Result<Value, OpenApiError> {
    let request = format!("{COMPONENTS_QUERY_REQUEST}/properties");
    let parameter = |name: &str, required: bool, description: &str| {
        json!({
            "name": name,
            "in": "query",
            "required": required,
            "description": description,
            "schema": { "$ref": format!("{request}/{name}") },
            "example": examples::query_parameter(name)
        })
    };
    Ok(json!({
        "tags": ["transaction"],
        "operationId": "queryOrderByGet",
        "summary": "Query an order (GET, as in the docs' code examples)",
        "description": "T2: the docs' code examples send query as GET; the suite does so with `--query-method get`. \
    Q2: at least one of `out_trade_no` / `transaction_id` (the query string is the QueryRequest schema's object). \
    The signed URL (A2) includes the `?query`, the signed body is empty.",
        "parameters": [
            parameter("out_trade_no", false, "Q1/Q2: merchant order number; at least one of out_trade_no / transaction_id"),
            parameter("transaction_id", false, "Q1/Q2: platform order number; at least one of out_trade_no / transaction_id"),
            parameter("mch_id", true, "Q2: merchant ID"),
            { "$ref": "#/components/parameters/UserAgent" }
        ],
        "responses": ok_response(
            "The envelope; on code 0 `data` is a TransactionDetail (Q4), on refusal absent or null (Q3).",
            "query_response",
            examples::query_response()?,
        )
    }))
}

const COMPONENTS_QUERY_REQUEST: &str = "#/components/schemas/QueryRequest";

/// The four operations on three paths (T1).
fn paths() -> Result<Value, OpenApiError> {
    let create = post(
        "createOrder",
        "Create an order (prepayment)",
        "C1: the required fields; C3: invalid values are refused and create nothing; C4: a merchant_order needs a \
to_address; C5: on success `data.prepay_id` and `data.payment_url`; C6: `out_trade_no` is unique per merchant; \
C7: `amount` in the currency's smallest unit.",
        ("create_request", examples::create_request()?),
        ("create_response", examples::create_response()?),
    );
    let query = post(
        "queryOrder",
        "Query an order (POST, as in the docs' address line)",
        "Q1: by `out_trade_no` or `transaction_id`, the same order; Q2: at least one of them; Q3: an unknown order is \
refused (12002) with no data; Q4–Q8: `data` is a TransactionDetail; Q9: orders are private to their merchant.",
        ("query_request", examples::query_request()),
        ("query_response", examples::query_response()?),
    );
    let close = post(
        "closeOrder",
        "Close an order",
        "X1: closing a NOTPAY order answers 0 and the order becomes CLOSED; X2: a SUCCESS order cannot be closed; \
X3: closing a CLOSED order leaves it CLOSED; X4: an unknown transaction_id is refused; X5: transaction_id is \
required; X6: another merchant cannot close it. `data` may be absent or null.",
        ("close_request", examples::close_request()?),
        ("close_response", examples::close_response()?),
    );
    let mut paths = serde_json::Map::new();
    paths.insert(Endpoint::Create.path().into(), json!({ "post": create }));
    paths.insert(
        Endpoint::Query.path().into(),
        json!({ "post": query, "get": query_get()? }),
    );
    paths.insert(Endpoint::Close.path().into(), json!({ "post": close }));
    Ok(Value::Object(paths))
}
