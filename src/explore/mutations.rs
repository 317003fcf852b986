//! The wrong values of a request schema: for every property, missing, null, of each other JSON
//! type, at and past its bounds, empty, blank, too long, unicode and control characters, an
//! enum's outsiders and respellings; and of the body as a whole, an extra field, a field sent
//! twice, bodies that are no JSON object; and the body a case sends, its changes applied.

use serde_json::{Map, Value, json};

use super::cases::{MAX_DEPTH, Walker, forbidden, types};
use crate::explorer::{Case, Mutation};

impl Walker<'_> {
    /// The wrong values of every property of the object at `at`.
    pub(super) fn object_mutations(
        &self,
        at: &str,
        node: &Value,
        out: &mut Vec<Mutation>,
        depth: usize,
    ) {
        if depth >= MAX_DEPTH {
            return;
        }
        for (name, schema, required) in Self::properties(node) {
            let pointer = format!("{at}/{}", name.replace('~', "~0").replace('/', "~1"));
            let schema = self.deref(&schema);
            if forbidden(&schema) {
                out.push(set(&pointer, json!("x"), "a field not allowed here"));
                continue;
            }
            if required {
                out.push(Mutation::Remove {
                    field: pointer.clone(),
                });
            }
            self.value_mutations(&pointer, &schema, out, depth);
        }
    }

    fn value_mutations(&self, pointer: &str, node: &Value, out: &mut Vec<Mutation>, depth: usize) {
        out.push(set(pointer, Value::Null, "null"));
        let allowed = types(node);
        let numeric = allowed.iter().any(|t| *t == "integer" || *t == "number");
        let wrong: [(&str, Value); 6] = [
            (
                "string",
                if numeric {
                    json!("15000000")
                } else {
                    json!("x")
                },
            ),
            ("integer", json!(12345)),
            ("number", json!(1.5)),
            ("boolean", json!(true)),
            ("array", json!([])),
            ("object", json!({})),
        ];
        for (kind, value) in wrong {
            let accepted = allowed.contains(&kind)
                || (kind == "integer" && allowed.contains(&"number"))
                || (kind == "number" && allowed.contains(&"integer"));
            if !accepted {
                out.push(set(pointer, value, &format!("wrong type: {kind}")));
            }
        }
        if allowed.contains(&"string") || allowed.is_empty() {
            let max = node.get("maxLength").and_then(Value::as_u64);
            out.push(set(pointer, json!(""), "empty"));
            out.push(set(pointer, json!("   "), "blank"));
            let long = max.map_or(2048, |m| m + 1) as usize;
            out.push(set(pointer, json!("a".repeat(long)), "long"));
            out.push(set(pointer, json!("订单-ünï-🚀"), "unicode"));
            out.push(set(
                pointer,
                json!("a\u{0}b\u{1f}c\u{7f}"),
                "control characters",
            ));
            if let Some(first) = node
                .get("enum")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
            {
                out.push(set(pointer, json!("x-unknown-value"), "not in the enum"));
                for variant in [
                    first.to_uppercase(),
                    first.to_lowercase(),
                    format!("{first} "),
                ] {
                    if variant != first {
                        out.push(set(pointer, json!(variant), "not in the enum"));
                    }
                }
            }
        }
        if numeric {
            let integer = !allowed.contains(&"number");
            out.push(set(pointer, json!(0), "zero"));
            out.push(set(pointer, json!(-1), "negative"));
            out.push(set(pointer, json!(-0.5), "negative"));
            out.push(set(pointer, json!(9_007_199_254_740_993u64), "huge"));
            out.push(set(pointer, json!(1e30), "huge"));
            if integer {
                out.push(set(pointer, json!(1.5), "fractional"));
            } else {
                out.push(set(pointer, json!(0.000001), "tiny"));
            }
            if let Some(min) = node.get("minimum").and_then(Value::as_i64) {
                out.push(set(pointer, json!(min - 1), "below its minimum"));
            }
            if let Some(max) = node.get("maximum").and_then(Value::as_i64) {
                out.push(set(pointer, json!(max + 1), "above its maximum"));
            }
        }
        if allowed.contains(&"object") {
            self.object_mutations(pointer, &self.merged(node), out, depth + 1);
        }
    }
}

/// The mutations of the body as a whole: an extra field, each top-level field sent twice (first
/// with a wrong value), and bodies that are no JSON object.
pub(super) fn whole_body_mutations(object: &Value) -> Vec<Mutation> {
    let mut out = vec![set("/x_explore_extra", json!("x"), "an extra field")];
    for (name, _, _) in Walker::properties(object) {
        out.push(Mutation::Duplicate {
            field: format!("/{name}"),
            value: json!(-1),
        });
    }
    for (body, what) in [
        ("", "empty"),
        ("not json", "not JSON"),
        ("{", "cut short"),
        ("{\"a\":1,}", "a trailing comma"),
        ("[]", "an array"),
        ("null", "null"),
        ("\"text\"", "a string"),
    ] {
        out.push(Mutation::Raw {
            body: body.to_owned(),
            what: what.to_owned(),
        });
    }
    out
}

pub(super) fn set(pointer: &str, value: Value, what: &str) -> Mutation {
    Mutation::Set {
        field: pointer.to_owned(),
        value,
        what: what.to_owned(),
    }
}

/// The body `case` sends once settled: its mutations applied to `settled`, serialized
/// compactly (a duplicated key goes first, with its other value).
pub fn body(case: &Case, settled: Map<String, Value>) -> Vec<u8> {
    let mut root = Value::Object(settled);
    let mut twice = Vec::new();
    for mutation in &case.mutations {
        match mutation {
            Mutation::Raw { body, .. } => return body.clone().into_bytes(),
            Mutation::Remove { field } => {
                if let Some((parent, key)) = parent_of(&mut root, field) {
                    parent.remove(&key);
                }
            }
            Mutation::Set { field, value, .. } => {
                if let Some((parent, key)) = parent_of(&mut root, field) {
                    parent.insert(key, value.clone());
                }
            }
            Mutation::Duplicate { field, value } => {
                twice.push((field.trim_start_matches('/').to_owned(), value.clone()))
            }
        }
    }
    let Value::Object(map) = root else {
        return Vec::new();
    };
    if twice.is_empty() {
        return serde_json::to_vec(&map).unwrap_or_default();
    }
    let mut parts: Vec<String> = Vec::new();
    let pair = |k: &str, v: &Value| format!("{}:{v}", Value::String(k.to_owned()));
    for (k, v) in &twice {
        parts.push(pair(k, v));
    }
    for (k, v) in &map {
        parts.push(pair(k, v));
    }
    format!("{{{}}}", parts.join(",")).into_bytes()
}

/// The object holding `pointer`'s last token, and that token (objects only; `None` when a
/// parent is missing or no object).
fn parent_of<'a>(
    root: &'a mut Value,
    pointer: &str,
) -> Option<(&'a mut Map<String, Value>, String)> {
    let (parent, key) = pointer.rsplit_once('/')?;
    let key = key.replace("~1", "/").replace("~0", "~");
    root.pointer_mut(parent)?.as_object_mut().map(|m| (m, key))
}
