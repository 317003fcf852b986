//! The JSON Schemas (draft 2020-12) of the provider APIs, embedded from `schemas/` at build time
//! and compiled once, offline: every `$ref` between them resolves through a local registry.

use std::collections::BTreeMap;
use std::fmt;

use include_dir::{Dir, DirEntry, include_dir};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Registry, ValidationError, Validator};
use serde_json::Value;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");

/// Every schema's `$id` is this prefix followed by its name (`ttpay/envelope.json`).
pub const ID_BASE: &str = "https://pay-conformance.local/schemas/";

/// How `actual` reads when the property the schema requires is not there.
pub const ABSENT: &str = "absent";

/// How many characters of the offending value `actual` keeps.
const ACTUAL_MAX_CHARS: usize = 120;

/// The compiled schemas, keyed by name (`ttpay/query_response.json`).
///
/// Compiled once; `Send + Sync`, so one set can be shared in an `Arc` by every scenario.
///
/// ```
/// use pay_conformance::checks::schema::SchemaSet;
/// use serde_json::json;
///
/// let schemas = SchemaSet::embedded()?;
/// let body = json!({"code": 0, "msg": "ok", "request_id": "9b9e08ab-48e5-4efa-83e7-97e5e3fe3d0c"});
/// let violations = schemas.validate("ttpay/create_response", &body)?;
/// assert_eq!(violations.len(), 1);
/// assert_eq!(violations[0].pointer, "/data");
/// assert_eq!(violations[0].expected, "required property `data`");
/// assert_eq!(violations[0].actual, "absent");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SchemaSet {
    schemas: BTreeMap<String, Compiled>,
}

struct Compiled {
    raw: Value,
    validator: Validator,
}

/// One way an instance fails a schema.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SchemaViolation {
    /// JSON pointer into the instance, `""` for the root; for a missing required property, the
    /// pointer of that property.
    pub pointer: String,
    /// What the schema wants, in words: `integer`, `one of NOTPAY, SUCCESS, CLOSED, REFUND`,
    /// `required property `data``.
    pub expected: String,
    /// The offending value as compact JSON, truncated to about 120 characters; [`ABSENT`] for a
    /// missing property.
    pub actual: String,
    /// The JSON Schema keyword that failed: `type`, `enum`, `required`, `format`, …
    pub keyword: String,
    /// The contract rule the failing part of the schema states: the `Q8` of the nearest
    /// `"description": "Q8: …"` above the failing keyword, if any.
    pub rule: Option<String>,
}

/// Why a schema set cannot be built, or a schema name is not in it.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("unknown schema `{name}`")]
    Unknown { name: String },
    #[error("schema {name} is not valid JSON: {source}")]
    Parse {
        name: String,
        source: serde_json::Error,
    },
    #[error("schema {name} must have \"$id\": \"{expected}\", it has {found}")]
    Id {
        name: String,
        expected: String,
        found: String,
    },
    #[error("the schemas do not resolve: {source}")]
    Resolve {
        source: Box<jsonschema::ReferencingError>,
    },
    #[error("schema {name} does not compile: {message}")]
    Compile { name: String, message: String },
}

impl SchemaSet {
    /// Every `*.json` under the crate's `schemas/` directory, as embedded at build time.
    pub fn embedded() -> Result<SchemaSet, SchemaError> {
        let mut files = Vec::new();
        collect(&EMBEDDED, &mut files);
        let documents = files
            .into_iter()
            .map(|(name, bytes)| {
                serde_json::from_slice(bytes)
                    .map(|raw| (name.clone(), raw))
                    .map_err(|source| SchemaError::Parse { name, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        SchemaSet::from_documents(documents)
    }

    /// A set from parsed documents, each named by its path under `schemas/`. Each document's
    /// `$id` must be [`ID_BASE`] followed by its name, so that relative `$ref`s resolve.
    pub fn from_documents(
        documents: impl IntoIterator<Item = (String, Value)>,
    ) -> Result<SchemaSet, SchemaError> {
        let documents: BTreeMap<String, Value> = documents.into_iter().collect();
        let resolve = |source| SchemaError::Resolve {
            source: Box::new(source),
        };
        let mut builder = Registry::new();
        for (name, raw) in &documents {
            let expected = format!("{ID_BASE}{name}");
            let found = raw.get("$id").and_then(Value::as_str);
            if found != Some(expected.as_str()) {
                let found = found.map_or_else(|| "none".to_owned(), |id| format!("\"{id}\""));
                let name = name.clone();
                return Err(SchemaError::Id {
                    name,
                    expected,
                    found,
                });
            }
            builder = builder.add(&expected, raw).map_err(resolve)?;
        }
        let registry = builder.prepare().map_err(resolve)?;
        let options = jsonschema::draft202012::options()
            .with_registry(&registry)
            .should_validate_formats(true)
            .offline();
        let mut schemas = BTreeMap::new();
        for (name, raw) in &documents {
            let validator = options.build(raw).map_err(|error| SchemaError::Compile {
                name: name.clone(),
                message: error.to_string(),
            })?;
            let raw = raw.clone();
            schemas.insert(name.clone(), Compiled { raw, validator });
        }
        Ok(SchemaSet { schemas })
    }

    /// The schema names, sorted: `ttpay/close_request.json`, `ttpay/close_response.json`, …
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.schemas.keys().map(String::as_str)
    }

    /// The schema document itself, by name with or without `.json`.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.get(name).map(|compiled| &compiled.raw)
    }

    /// Every way `instance` fails the schema `name` (with or without `.json`), sorted by
    /// pointer; empty when it is valid. `Err` only when there is no such schema.
    pub fn validate(
        &self,
        name: &str,
        instance: &Value,
    ) -> Result<Vec<SchemaViolation>, SchemaError> {
        let compiled = self.get(name).ok_or_else(|| SchemaError::Unknown {
            name: name.to_owned(),
        })?;
        let mut violations: Vec<SchemaViolation> = Vec::new();
        for error in compiled.validator.iter_errors(instance) {
            let mut violation = violation(&error);
            violation.rule = error
                .absolute_keyword_location()
                .and_then(|uri| self.rule_at(uri.as_str()));
            if !violations.contains(&violation) {
                violations.push(violation);
            }
        }
        violations.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        Ok(violations)
    }

    /// The rule id of the nearest described schema object at or above `uri`
    /// (`…/transaction_detail.json#/then/properties/pay_time/exclusiveMinimum` → `Q8`).
    fn rule_at(&self, uri: &str) -> Option<String> {
        let (document, fragment) = uri.split_once('#').unwrap_or((uri, ""));
        let raw = self.raw(document.strip_prefix(ID_BASE)?)?;
        let mut pointer = percent_decode(fragment);
        loop {
            let described = raw
                .pointer(&pointer)
                .and_then(|node| node.get("description"))
                .and_then(Value::as_str)
                .and_then(rule_prefix);
            if described.is_some() {
                return described;
            }
            let cut = pointer.rfind('/')?;
            pointer.truncate(cut);
        }
    }

    fn get(&self, name: &str) -> Option<&Compiled> {
        self.schemas
            .get(name)
            .or_else(|| self.schemas.get(&format!("{name}.json")))
    }
}

impl fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

/// Every `*.json` file under `dir`, named by its path with `/` separators.
fn collect(dir: &Dir<'static>, out: &mut Vec<(String, &'static [u8])>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => collect(sub, out),
            DirEntry::File(file) if file.path().extension().is_some_and(|e| e == "json") => {
                let parts: Vec<_> = file.path().iter().map(|p| p.to_string_lossy()).collect();
                out.push((parts.join("/"), file.contents()));
            }
            DirEntry::File(_) => {}
        }
    }
}

fn violation(error: &ValidationError<'_>) -> SchemaViolation {
    let (pointer, expected) = describe(error);
    let actual = match error.kind() {
        ValidationErrorKind::Required { .. } => ABSENT.to_owned(),
        _ => truncate(error.instance().to_string()),
    };
    let keyword = error.kind().keyword().to_owned();
    SchemaViolation {
        pointer,
        expected,
        actual,
        keyword,
        rule: None,
    }
}

/// The pointer an error is about (the missing property itself for `required`) and, in words,
/// what the schema wants there.
fn describe(error: &ValidationError<'_>) -> (String, String) {
    let mut pointer = error.instance_path().as_str().to_owned();
    let expected = match error.kind() {
        ValidationErrorKind::Required { property } => {
            let property = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            pointer.push('/');
            pointer.push_str(&property.replace('~', "~0").replace('/', "~1"));
            format!("required property `{property}`")
        }
        ValidationErrorKind::Type {
            kind: TypeKind::Single(ty),
        } => ty.to_string(),
        ValidationErrorKind::Type {
            kind: TypeKind::Multiple(types),
        } => {
            let types: Vec<_> = types.iter().map(|ty| ty.to_string()).collect();
            types.join(" or ")
        }
        ValidationErrorKind::Enum { options } => match options.as_array() {
            Some(options) => {
                let options: Vec<_> = options.iter().map(plain).collect();
                format!("one of {}", options.join(", "))
            }
            None => format!("one of {}", plain(options)),
        },
        ValidationErrorKind::Constant { expected_value } => {
            format!("exactly {}", plain(expected_value))
        }
        ValidationErrorKind::Format { format } => format!("a string in format {format}"),
        ValidationErrorKind::Minimum { limit } => format!("a number >= {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("a number > {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("a number <= {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("a number < {limit}"),
        ValidationErrorKind::MinLength { limit: 1 } => "a non-empty string".to_owned(),
        ValidationErrorKind::MinLength { limit } => format!("at least {limit} characters"),
        ValidationErrorKind::MaxLength { limit } => format!("at most {limit} characters"),
        ValidationErrorKind::Pattern { pattern } => format!("a string matching `{pattern}`"),
        ValidationErrorKind::AnyOf { context } => {
            format!("at least one of: {}", alternatives(&pointer, context))
        }
        ValidationErrorKind::OneOfNotValid { context } => {
            format!("exactly one of: {}", alternatives(&pointer, context))
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "exactly one of the alternatives, more than one matches".to_owned()
        }
        ValidationErrorKind::Not { schema } => format!("not {schema}"),
        ValidationErrorKind::FalseSchema => "nothing (the schema is false)".to_owned(),
        _ => error.masked().to_string(),
    };
    (pointer, expected)
}

/// The branches of an `anyOf` / `oneOf`, each as what it wants, `|`-separated.
fn alternatives(pointer: &str, context: &[Vec<ValidationError<'static>>]) -> String {
    let branches: Vec<String> = context
        .iter()
        .map(|errors| {
            let parts: Vec<String> = errors
                .iter()
                .map(
                    |error| match (error.instance_path().as_str(), describe(error).1) {
                        (at, expected) if at == pointer => expected,
                        (at, expected) => format!("{expected} at {at}"),
                    },
                )
                .collect();
            parts.join(" and ")
        })
        .collect();
    branches.join(" | ")
}

/// A value as people read it in `expected`: a string without its quotes, anything else as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `Q8` of `"Q8: a SUCCESS order …"`.
fn rule_prefix(description: &str) -> Option<String> {
    let (id, _) = description.split_once(':')?;
    crate::contract::is_rule_tag(id).then(|| id.to_owned())
}

/// Undoes the percent-encoding of a URI fragment (`%24ref` → `$ref`).
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The offending value, redacted whole, then cut.
fn truncate(text: String) -> String {
    crate::redacted::Redacted::new(&text)
        .cut_chars(ACTUAL_MAX_CHARS, "…")
        .into_string()
}
