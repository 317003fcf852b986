//! `pay-conformance openapi`: the document is valid OpenAPI 3.1 (the OAI's meta-schema, offline),
//! its component schemas are valid JSON Schema 2020-12 and are the files of `schemas/ttpay/`,
//! every example validates against its operation's schema — and a broken one does not.

mod components;

use std::path::Path;
use std::process::Command;

use jsonschema::{Registry, Validator};
use pay_conformance::checks::schema::SchemaSet;
use pay_conformance::ttpay::openapi::{self, OpenApiError};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_pay-conformance");
const OAS_SCHEMA: &str = "https://spec.openapis.org/oas/3.1/schema/2022-10-07";
const OAS_SCHEMA_BASE: &str = "https://spec.openapis.org/oas/3.1/schema-base/2022-10-07";
const DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";
const DOC_URI: &str = "https://pay-conformance.local/openapi.json";

fn document() -> Value {
    openapi::embedded().expect("the document builds")
}

fn vendored(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openapi")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the vendored meta-schema is there");
    serde_json::from_str(&text).expect("the vendored meta-schema is JSON")
}

/// The official "schema-base" variant of 2022-10-07, as the OAI publishes it: the plain schema,
/// with every Schema Object validated by the OAS dialect (JSON Schema 2020-12 + OAS vocabulary).
fn schema_base() -> Value {
    json!({
        "$id": OAS_SCHEMA_BASE,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": OAS_SCHEMA,
        "properties": { "jsonSchemaDialect": { "$ref": "#/$defs/dialect" } },
        "$defs": {
            "dialect": { "const": DIALECT },
            "schema": {
                "$dynamicAnchor": "meta",
                "$ref": DIALECT,
                "properties": { "$schema": { "$ref": "#/$defs/dialect" } }
            }
        }
    })
}

/// A validator of OpenAPI documents against `root` (plain or schema-base), offline.
fn meta_validator(root: &str) -> Validator {
    let resources = [
        (OAS_SCHEMA.to_owned(), vendored("schema-2022-10-07.json")),
        (DIALECT.to_owned(), vendored("dialect-base.schema.json")),
        (
            "https://spec.openapis.org/oas/3.1/meta/base".to_owned(),
            vendored("meta-base.schema.json"),
        ),
        (OAS_SCHEMA_BASE.to_owned(), schema_base()),
    ];
    let mut builder = Registry::new();
    for (uri, schema) in &resources {
        builder = builder.add(uri, schema).expect("a valid URI");
    }
    let registry = builder.prepare().expect("the meta-schemas resolve offline");
    jsonschema::draft202012::options()
        .with_registry(&registry)
        .offline()
        .build(&json!({ "$ref": root }))
        .expect("the meta-schema compiles")
}

fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path().as_str()))
        .collect()
}

/// Validates instances against schemas inside `doc`, given by JSON pointer: every
/// `#/components/...` reference resolves against the document itself.
struct InDocument {
    registry: Registry<'static>,
}

impl InDocument {
    fn new(doc: &Value) -> Self {
        let registry = Registry::new()
            .add(DOC_URI, doc.clone())
            .expect("a valid URI")
            .prepare()
            .expect("the document's references resolve");
        InDocument { registry }
    }

    fn errors(&self, pointer: &str, instance: &Value) -> Vec<String> {
        let validator = jsonschema::draft202012::options()
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .offline()
            .build(&json!({ "$ref": format!("{DOC_URI}#{pointer}") }))
            .expect("the schema compiles");
        errors(&validator, instance)
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Every (schema pointer, example name, example value) of every operation's bodies.
fn examples(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            let at = format!("/paths/{}/{method}", escape(path));
            let bodies = [
                (
                    "/requestBody/content/application~1json",
                    &operation["requestBody"]["content"]["application/json"],
                ),
                (
                    "/responses/200/content/application~1json",
                    &operation["responses"]["200"]["content"]["application/json"],
                ),
            ];
            for (suffix, media) in bodies {
                let Some(named) = media["examples"].as_object() else {
                    continue;
                };
                for (name, example) in named {
                    let where_ = format!("{method} {path}{suffix} {name}");
                    out.push((
                        format!("{at}{suffix}/schema"),
                        where_,
                        example["value"].clone(),
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let plain = errors(&meta_validator(OAS_SCHEMA), &doc);
    assert!(
        plain.is_empty(),
        "not valid OpenAPI 3.1 (2022-10-07): {plain:#?}"
    );
    let base = errors(&meta_validator(OAS_SCHEMA_BASE), &doc);
    assert!(
        base.is_empty(),
        "not valid OpenAPI 3.1 (schema-base, 2020-12 dialect): {base:#?}"
    );
}

#[test]
fn the_meta_schema_check_can_fail() {
    let mut doc = document();
    doc["paths"]["/v1/transaction/close"]["post"]["responses"] = json!({});
    assert!(
        !errors(&meta_validator(OAS_SCHEMA), &doc).is_empty(),
        "empty responses accepted"
    );

    // Only schema-base validates a Schema Object as JSON Schema 2020-12, down to nested ones.
    let mut doc = document();
    doc["components"]["schemas"]["Currency"]["properties"]["decimal"]["type"] = json!(5);
    assert!(errors(&meta_validator(OAS_SCHEMA), &doc).is_empty());
    let base = errors(&meta_validator(OAS_SCHEMA_BASE), &doc);
    assert!(
        base.iter()
            .any(|e| e.contains("/components/schemas/Currency/properties/decimal/type")),
        "{base:#?}"
    );
}

#[test]
fn every_example_validates_against_its_operations_schema() {
    let doc = document();
    let in_doc = InDocument::new(&doc);
    let all = examples(&doc);
    assert!(all.len() >= 14, "too few examples: {}", all.len());
    let named = |wanted: &str| all.iter().any(|(_, name, _)| name.contains(wanted));
    for wanted in [
        "prepayment/requestBody",
        "prepayment/responses",
        "query/requestBody",
        "close/responses",
        "not_found",
    ] {
        assert!(named(wanted), "no example for {wanted}");
    }
    for (schema, name, value) in &all {
        let failures = in_doc.errors(schema, value);
        assert!(failures.is_empty(), "{name}: {failures:#?}");
    }
    let get = &doc["paths"]["/v1/transaction/query"]["get"]["parameters"];
    let mut query = serde_json::Map::new();
    for parameter in get
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "query")
    {
        let name = parameter["name"].as_str().expect("a name");
        query.insert(name.to_owned(), parameter["example"].clone());
    }
    assert_eq!(query.len(), 3, "out_trade_no, transaction_id, mch_id");
    let failures = in_doc.errors("/components/schemas/QueryRequest", &Value::Object(query));
    assert!(failures.is_empty(), "GET query parameters: {failures:#?}");
}

#[test]
fn a_broken_example_does_not_validate() {
    let doc = document();
    let in_doc = InDocument::new(&doc);
    let schema =
        "/paths/~1v1~1transaction~1query/post/responses/200/content/application~1json/schema";
    let mut paid = doc["paths"]["/v1/transaction/query"]["post"]["responses"]["200"]["content"]
        ["application/json"]["examples"]["docs"]["value"].clone();
    assert!(in_doc.errors(schema, &paid).is_empty());
    paid["data"]["trade_state"] = json!("PAID");
    let failures = in_doc.errors(schema, &paid);
    assert!(
        failures.iter().any(|e| e.contains("/data/trade_state")),
        "{failures:#?}"
    );

    let mut chain = paid.clone();
    chain["data"]["trade_state"] = json!("SUCCESS");
    chain["data"]["currency"]["chain"] = json!("SOLANA");
    let failures = in_doc.errors(schema, &chain);
    assert!(
        failures.iter().any(|e| e.contains("/data/currency/chain")),
        "{failures:#?}"
    );

    let create =
        "/paths/~1v1~1transaction~1prepayment/post/requestBody/content/application~1json/schema";
    let failures = in_doc.errors(
        create,
        &json!({"mch_id": "1", "order_type": "merchant_order"}),
    );
    assert!(
        failures.iter().any(|e| e.contains("to_address")),
        "C4 lost in the rewrite: {failures:#?}"
    );
}
