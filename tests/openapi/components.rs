//! The schema files as the document's components, and its `$ref`s; the `openapi` command.

use super::*;

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
