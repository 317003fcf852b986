//! Cases from a request schema, as `proptest` strategies: a schema-valid body (every required
//! field, each optional one present or not) and up to [`MAX_MUTATIONS`] changes drawn from the
//! schema's own catalogue of wrong values — every field missing, null, of every wrong JSON
//! type, at and past its bounds, empty, too long, unicode and control characters, an enum's
//! outsiders, a field sent twice, an extra field, a body that is no JSON object. Shrinking is
//! proptest's: mutations drop out, optional fields go absent, values move to their simplest.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use super::mutations::whole_body_mutations;
use crate::explorer::{Case, Mutation, OTHER_METHODS, PICK_MADE_UP, Who};

/// Changes per case at most (a case with none is a random valid request).
pub const MAX_MUTATIONS: usize = 2;

/// Finds a schema by name (`acme/currency`), for `$ref`s.
pub type Resolve<'a> = &'a dyn Fn(&str) -> Option<Value>;

/// An endpoint's cases: first the sweep — each entry of the catalogue alone on a valid body,
/// signed by the merchant, then a valid body signed by another merchant, one whose signature
/// does not verify, one with no `Authorization`, one with a garbled one, one naming an order
/// of no one's and one with each of [`OTHER_METHODS`] — so that no wrong value is left to
/// chance; then random cases of up to [`MAX_MUTATIONS`] changes and any signer.
pub struct Cases {
    pub sweep: Vec<BoxedStrategy<Case>>,
    pub random: BoxedStrategy<Case>,
}

/// The cases of `endpoint` from its schema `name`, with the explorer's `extra` mutations
/// beside the schema's.
pub fn cases(
    endpoint: &str,
    name: &str,
    resolve: Resolve<'_>,
    extra: Vec<Mutation>,
) -> Result<Cases, String> {
    let root = resolve(name).ok_or_else(|| format!("no schema `{name}`"))?;
    let walker = Walker {
        resolve,
        document: name.to_owned(),
    };
    let object = walker.merged(&root);
    let fields = walker.object(&object, 0);
    let mut catalogue = Vec::new();
    walker.object_mutations("", &object, &mut catalogue, 0);
    catalogue.extend(whole_body_mutations(&object));
    catalogue.extend(extra);
    let endpoint = endpoint.to_owned();
    let case = |mutations: BoxedStrategy<Vec<Mutation>>,
                who: BoxedStrategy<Who>,
                pick: BoxedStrategy<u32>,
                method: Option<&'static str>| {
        let endpoint = endpoint.clone();
        (fields.clone(), mutations, who, pick)
            .prop_map(move |(fields, mutations, who, pick)| Case {
                endpoint: endpoint.clone(),
                fields: match fields {
                    Value::Object(map) => map,
                    _ => Map::new(),
                },
                mutations,
                who,
                pick,
                method: method.map(str::to_owned),
            })
            .boxed()
    };
    // Each sweep case names its own order (a pick that simplifying would turn into the first
    // order for all of them, which the first close closes).
    let spread = |n: usize| Just(u32::try_from(n * 389 % 1024).unwrap_or(0)).boxed();
    let mut sweep: Vec<BoxedStrategy<Case>> = catalogue
        .iter()
        .enumerate()
        .map(|(n, m)| {
            let mutations = Just(vec![m.clone()]).boxed();
            case(mutations, Just(Who::Merchant).boxed(), spread(n), None)
        })
        .collect();
    for who in [
        Who::OtherMerchant,
        Who::BadSignature,
        Who::Unsigned,
        Who::Garbled,
    ] {
        let pick = spread(sweep.len());
        sweep.push(case(
            Just(Vec::new()).boxed(),
            Just(who).boxed(),
            pick,
            None,
        ));
    }
    // A valid request naming an order of no one's (for the endpoints that name one).
    sweep.push(case(
        Just(Vec::new()).boxed(),
        Just(Who::Merchant).boxed(),
        Just(PICK_MADE_UP).boxed(),
        None,
    ));
    // A valid request with another method than the endpoint's.
    for method in OTHER_METHODS {
        let pick = spread(sweep.len());
        sweep.push(case(
            Just(Vec::new()).boxed(),
            Just(Who::Merchant).boxed(),
            pick,
            Some(method),
        ));
    }
    let who = prop_oneof![
        16 => Just(Who::Merchant),
        1 => Just(Who::OtherMerchant),
        1 => Just(Who::BadSignature),
        1 => Just(Who::Unsigned),
        1 => Just(Who::Garbled),
    ]
    .boxed();
    let random = case(
        prop::collection::vec(select(catalogue), 0..=MAX_MUTATIONS).boxed(),
        who,
        (0u32..1024).boxed(),
        None,
    );
    Ok(Cases { sweep, random })
}

pub(super) struct Walker<'a> {
    resolve: Resolve<'a>,
    /// The document `$ref`s are relative to (`acme/create_request`).
    document: String,
}

/// How deep objects nest before the walk stops (schemas of payment requests are shallow).
pub(super) const MAX_DEPTH: usize = 4;

impl Walker<'_> {
    /// `node` with its `$ref` followed (within its document or to a sibling one).
    pub(super) fn deref(&self, node: &Value) -> Value {
        let mut node = node.clone();
        for _ in 0..8 {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
            let document = match file.strip_suffix(".json") {
                Some(file) => match self.document.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/{file}"),
                    None => file.to_owned(),
                },
                None => self.document.clone(),
            };
            let Some(target) = (self.resolve)(&document).and_then(|d| d.pointer(fragment).cloned())
            else {
                break;
            };
            let mut merged = target;
            if let (Some(m), Some(own)) = (merged.as_object_mut(), node.as_object()) {
                for (k, v) in own {
                    if k != "$ref" {
                        m.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
            node = merged;
        }
        node
    }

    /// An object schema with the first branch of its `oneOf` / `anyOf` merged in (its
    /// required fields required; a field it forbids, `not: {}`, kept out of valid bodies).
    pub(super) fn merged(&self, node: &Value) -> Value {
        let mut node = self.deref(node);
        let branch = ["oneOf", "anyOf"]
            .iter()
            .find_map(|k| {
                node.get(*k)
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
            })
            .cloned();
        if let (Some(branch), Some(map)) = (branch, node.as_object_mut()) {
            let mut required: Vec<Value> = map
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for r in branch
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !required.contains(r) {
                    required.push(r.clone());
                }
            }
            map.insert("required".into(), Value::Array(required));
            let props = map
                .entry("properties")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(std::mem::take)
                .unwrap_or_default();
            let mut props = props;
            for (k, v) in branch
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let own = props.get(k).cloned().unwrap_or_else(|| json!({}));
                let mut own = own;
                if let (Some(o), Some(b)) = (own.as_object_mut(), v.as_object()) {
                    for (bk, bv) in b {
                        o.insert(bk.clone(), bv.clone());
                    }
                }
                props.insert(k.clone(), own);
            }
            map.insert("properties".into(), Value::Object(props));
        }
        node
    }

    pub(super) fn properties(node: &Value) -> Vec<(String, Value, bool)> {
        let required: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        node.get("properties")
            .and_then(Value::as_object)
            .map(|props| {
                props
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone(), required.contains(&k.as_str())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A valid object: every required property, each optional one or not; forbidden ones never.
    pub(super) fn object(&self, node: &Value, depth: usize) -> BoxedStrategy<Value> {
        let mut parts: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        if depth < MAX_DEPTH {
            for (name, schema, required) in Self::properties(node) {
                let schema = self.deref(&schema);
                if forbidden(&schema) {
                    continue;
                }
                let key = name.clone();
                let value = self.valid(&schema, depth + 1);
                parts.push(if required {
                    value.prop_map(move |v| Some((key.clone(), v))).boxed()
                } else {
                    proptest::option::of(value.prop_map(move |v| (key.clone(), v))).boxed()
                });
            }
        }
        parts
            .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect()))
            .boxed()
    }

    /// A value `node` accepts.
    pub(super) fn valid(&self, node: &Value, depth: usize) -> BoxedStrategy<Value> {
        let node = self.deref(node);
        if let Some(values) = node
            .get("enum")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        {
            return select(values.clone()).boxed();
        }
        if let Some(value) = node.get("const") {
            return Just(value.clone()).boxed();
        }
        if let Some(values) = node
            .get("examples")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        {
            return select(values.clone()).boxed();
        }
        match types(&node).first().copied().unwrap_or("string") {
            "object" => self.object(&self.merged(&node), depth),
            "array" => {
                let items = node.get("items").cloned().unwrap_or_else(|| json!({}));
                prop::collection::vec(self.valid(&items, depth + 1), 0..=2)
                    .prop_map(Value::Array)
                    .boxed()
            }
            "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
            "integer" => {
                let (lo, hi) = int_bounds(&node);
                (lo..=hi).prop_map(|n| json!(n)).boxed()
            }
            "number" => {
                let (lo, hi) = int_bounds(&node);
                prop_oneof![
                    (lo..=hi).prop_map(|n| json!(n)),
                    (lo.max(0) * 100 + 1..=hi * 100).prop_map(|c| json!(c as f64 / 100.0)),
                ]
                .boxed()
            }
            _ => {
                let min = node.get("minLength").and_then(Value::as_u64).unwrap_or(1);
                let max = node
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .unwrap_or(24)
                    .min(24)
                    .max(min);
                let pattern = match node.get("pattern").and_then(Value::as_str) {
                    Some(p) => p.trim_start_matches('^').trim_end_matches('$').to_owned(),
                    None => format!("[A-Za-z0-9]{{{min},{max}}}"),
                };
                match proptest::string::string_regex(&pattern) {
                    Ok(s) => s.prop_map(Value::String).boxed(),
                    Err(_) => Just(Value::String("x".repeat(min as usize))).boxed(),
                }
            }
        }
    }
}

/// A schema no value passes (`not: {}`): the field may not be sent.
pub(super) fn forbidden(node: &Value) -> bool {
    node.get("not")
        .is_some_and(|n| n.as_object().is_some_and(Map::is_empty))
}

/// The JSON types a schema names (its enum's, when it names none).
pub(super) fn types(node: &Value) -> Vec<&'static str> {
    const ALL: [&str; 7] = [
        "string", "integer", "number", "boolean", "array", "object", "null",
    ];
    let named: Vec<&str> = match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => match node
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            Some(Value::String(_)) => vec!["string"],
            Some(Value::Number(_)) => vec!["number"],
            _ => Vec::new(),
        },
    };
    ALL.into_iter().filter(|t| named.contains(t)).collect()
}

/// The range valid integers are drawn from: the schema's bounds, else 1 to a million.
pub(super) fn int_bounds(node: &Value) -> (i64, i64) {
    let lo = node
        .get("minimum")
        .and_then(Value::as_i64)
        .or_else(|| {
            node.get("exclusiveMinimum")
                .and_then(Value::as_i64)
                .map(|m| m + 1)
        })
        .unwrap_or(1);
    let hi = node
        .get("maximum")
        .and_then(Value::as_i64)
        .or_else(|| {
            node.get("exclusiveMaximum")
                .and_then(Value::as_i64)
                .map(|m| m - 1)
        })
        .unwrap_or(lo.saturating_add(1_000_000));
    (lo, hi.max(lo))
}

#[cfg(test)]
#[path = "cases_tests.rs"]
mod tests;
