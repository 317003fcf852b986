//! `components` of the OpenAPI document: every schema of `schemas/ttpay/` as a component schema,
//! its `$ref`s rewritten to `#/components/schemas/…`, plus the signed-response headers and the
//! `Authorization` security scheme (A1, A2, A6).

use serde_json::{Map, Value, json};

use super::OpenApiError;
use crate::checks::schema::{ID_BASE, SchemaSet};

/// The folder of `schemas/` this provider's schemas live in.
pub(super) const FOLDER: &str = "ttpay/";

/// Where component schemas live in the document.
const COMPONENTS: &str = "#/components/schemas/";

/// The component name of a schema file: `ttpay/transaction_detail.json` → `TransactionDetail`.
pub fn component_name(file: &str) -> String {
    let stem = file.rsplit('/').next().unwrap_or(file);
    let stem = stem.strip_suffix(".json").unwrap_or(stem);
    stem.split(['_', '-'])
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// `#/components/schemas/<Name>`: a reference to the component of a schema file.
pub fn schema_ref(file: &str) -> Value {
    json!({ "$ref": format!("{COMPONENTS}{}", component_name(file)) })
}

/// Every schema under `schemas/ttpay/`, keyed by component name, `$id` and `$schema` dropped and
/// every `$ref` rewritten into the document.
pub(super) fn schemas(set: &SchemaSet) -> Result<Map<String, Value>, OpenApiError> {
    let mut out = Map::new();
    for file in set.names().filter(|name| name.starts_with(FOLDER)) {
        let raw = set.raw(file).ok_or_else(|| OpenApiError::MissingSchema {
            name: file.to_owned(),
        })?;
        let mut schema = raw.clone();
        if let Value::Object(map) = &mut schema {
            map.remove("$id");
            map.remove("$schema");
        }
        rewrite_refs(&mut schema, file, set)?;
        out.insert(component_name(file), schema);
    }
    Ok(out)
}

/// Rewrites, in place, every `"$ref": "<string>"` under `node` of the schema file `file`.
fn rewrite_refs(node: &mut Value, file: &str, set: &SchemaSet) -> Result<(), OpenApiError> {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(reference) if key == "$ref" => {
                        *reference = rewrite_ref(reference, file, set)?;
                    }
                    // Instances, not schemas: a `$ref` key in them is data.
                    _ if key == "const" || key == "enum" || key == "examples" => {}
                    _ => rewrite_refs(value, file, set)?,
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|item| rewrite_refs(item, file, set)),
        _ => Ok(()),
    }
}

/// The document-internal form of `reference`, as written in the schema file `file`:
///
/// - `envelope.json` → `#/components/schemas/Envelope`
/// - `currency.json#/$defs/chain` → `#/components/schemas/Currency/$defs/chain`
/// - `#/$defs/unix_ms` in `transaction_detail.json` → `#/components/schemas/TransactionDetail/$defs/unix_ms`
/// - the absolute `https://pay-conformance.local/schemas/ttpay/envelope.json` like `envelope.json`
///
/// A reference to anything else (another host, a plain-name anchor) is an error: the document
/// must stand alone.
pub fn rewrite_ref(reference: &str, file: &str, set: &SchemaSet) -> Result<String, OpenApiError> {
    let unresolved = || OpenApiError::UnresolvedRef {
        schema: file.to_owned(),
        reference: reference.to_owned(),
    };
    let (target, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let target = if target.is_empty() {
        file.to_owned()
    } else if let Some(name) = target.strip_prefix(ID_BASE) {
        name.to_owned()
    } else if target.contains(':') || target.starts_with('/') || target.contains("..") {
        return Err(unresolved());
    } else {
        let dir = file.rfind('/').map_or("", |cut| &file[..=cut]);
        format!("{dir}{target}")
    };
    if !target.starts_with(FOLDER) || set.raw(&target).is_none() {
        return Err(unresolved());
    }
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(unresolved());
    }
    Ok(format!("{COMPONENTS}{}{fragment}", component_name(&target)))
}

/// The headers of a signed response (A6), as `components.headers`.
pub(super) fn headers() -> Value {
    json!({
        "TTPay-Timestamp": {
            "description": "A6: the response's timestamp, Unix milliseconds, one of the three lines the response signature covers.",
            "schema": { "type": "string", "pattern": "^[0-9]+$" },
            "example": "1673407302044"
        },
        "TTPay-Nonce": {
            "description": "A6: the response's nonce, a random string covered by the response signature.",
            "schema": { "type": "string", "minLength": 1 },
            "example": "Qh7Uy2lVxg0b8oZkR3nWmS5tJdE9aCf1"
        },
        "TTPay-Signature": {
            "description": "A6: Base64 of AES-256-ECB (PKCS#7 padding, key = the app secret as 32 UTF-8 bytes) over `TS\\nNONCE\\nBODY`, BODY the raw response body. Integrators report production does not always send it: the suite checks it strictly, as an observation, or not at all.",
            "schema": { "type": "string", "contentEncoding": "base64", "minLength": 1 }
        }
    })
}

/// The `Authorization` header as a security scheme (A1, A2).
pub(super) fn security_schemes() -> Value {
    json!({
        "TTPaySignature": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A1: every request carries `Authorization: TTPAY-AES-256-ECB app_id=APP_ID,mch_id=MCH_ID,nonce_str=NONCE,timestamp=TS,signature=SIG` — comma-separated `key=value`, no quotes.\n\nA2: `SIG` is Base64 of AES-256-ECB with PKCS#7 padding, key = the app secret as its 32 UTF-8 bytes, over the four lines `URL\\nTS\\nNONCE\\nBODY` with no trailing newline: `URL` is the path plus `?query` when there is one, `TS` Unix time in milliseconds (some of the docs' examples use seconds), `NONCE` 32 random alphanumerics, `BODY` exactly the bytes sent (empty for a GET). A3–A5: a wrong signature is refused with 103, an hour-old timestamp with 104 or 103, an unknown app_id with 20000 or 103."
        }
    })
}

/// The optional `User-Agent` header, one per brand (profile).
pub(super) fn parameters() -> Value {
    json!({
        "UserAgent": {
            "name": "User-Agent",
            "in": "header",
            "required": false,
            "description": "The brand's User-Agent, as in every code example of the docs: `TTPay API (https://ttpay.io)` (profile ttpay) or `tokenpay API (https://tokenpay.me)` (profile tokenpay).",
            "schema": { "type": "string" },
            "examples": {
                "ttpay": { "value": "TTPay API (https://ttpay.io)" },
                "tokenpay": { "value": "tokenpay API (https://tokenpay.me)" }
            }
        }
    })
}
