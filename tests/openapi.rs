//! `pay-conformance openapi`: the document is valid OpenAPI 3.1 (the OAI's meta-schema, offline),
//! its component schemas are valid JSON Schema 2020-12 and are the files of `schemas/ttpay/`,
//! every example validates against its operation's schema — and a broken one does not.

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

#[test]
fn every_schema_file_is_a_component_with_the_same_properties() {
    let doc = document();
    let components = doc["components"]["schemas"].as_object().expect("schemas");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/ttpay");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("schemas/ttpay") {
        let path = entry.expect("an entry").path();
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .expect("a name")
            .to_owned();
        let raw: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
        let name = openapi::component_name(&file);
        let component = components
            .get(&name)
            .unwrap_or_else(|| panic!("{file} is not component {name}"));
        assert_eq!(component["required"], raw["required"], "{file}");
        let keys = |v: &Value| {
            v["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect::<Vec<_>>())
        };
        assert_eq!(keys(component), keys(&raw), "{file}");
        assert!(
            component.get("$id").is_none() && component.get("$schema").is_none(),
            "{file}"
        );
        files += 1;
    }
    assert_eq!(
        components.len(),
        files,
        "a component that is no file of schemas/ttpay"
    );
    assert!(files >= 9);
}

fn refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => map.iter().for_each(|(key, value)| match value {
            Value::String(r) if key == "$ref" => out.push(r.clone()),
            other => refs(other, out),
        }),
        Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
        _ => {}
    }
}

#[test]
fn every_ref_points_inside_the_document() {
    let doc = document();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20);
    for reference in &all {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external ref {reference}"));
        assert!(doc.pointer(pointer).is_some(), "{reference} points nowhere");
    }
}

#[test]
fn a_ref_outside_schemas_ttpay_is_an_error() {
    let set = SchemaSet::embedded().expect("schemas");
    let file = "ttpay/create_request.json";
    let ok = |r: &str| openapi::rewrite_ref(r, file, &set).expect("rewritten");
    assert_eq!(ok("envelope.json"), "#/components/schemas/Envelope");
    assert_eq!(
        ok("currency.json#/$defs/chain"),
        "#/components/schemas/Currency/$defs/chain"
    );
    assert_eq!(
        ok("#/properties/amount"),
        "#/components/schemas/CreateRequest/properties/amount"
    );
    assert_eq!(
        ok("https://pay-conformance.local/schemas/ttpay/envelope.json"),
        "#/components/schemas/Envelope"
    );
    for bad in [
        "nowhere.json",
        "https://example.com/x.json",
        "../wechat/x.json",
        "currency.json#chain",
    ] {
        let error = openapi::rewrite_ref(bad, file, &set).expect_err(bad);
        assert!(
            matches!(error, OpenApiError::UnresolvedRef { .. }),
            "{bad}: {error}"
        );
        assert!(
            error
                .to_string()
                .starts_with("schema ttpay/create_request.json refers to"),
            "{error}"
        );
    }
}

#[test]
fn the_command_prints_or_writes_the_document() {
    let printed = Command::new(BIN)
        .arg("openapi")
        .output()
        .expect("the binary runs");
    assert_eq!(
        printed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let doc: Value = serde_json::from_slice(&printed.stdout).expect("stdout is the JSON document");
    assert_eq!(doc, document());

    let dir = std::env::temp_dir().join(format!("pay-conformance-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let file = dir.join("openapi.json");
    let written = Command::new(BIN)
        .args(["openapi", "--output"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(written.status.code(), Some(0));
    assert!(written.stdout.is_empty());
    assert_eq!(std::fs::read(&file).expect("written"), printed.stdout);

    let missing = dir.join("no-such-dir/openapi.json");
    let failed = Command::new(BIN)
        .args(["openapi", "--output"])
        .arg(&missing)
        .output()
        .expect("runs");
    assert_eq!(failed.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("pay-conformance: cannot write ") && stderr.contains("no-such-dir"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
