//! One exchange against its counterpart: status, the headers that matter, the body's shape.
//! A value change comes out as [`Kind::Allowed`]; the diff makes it breaking where the
//! scenario does not conform in both records.

use std::collections::{BTreeMap, BTreeSet};

use super::ExchangeBehaviour;
use super::diff::Kind;
use super::shape::Shape;

/// The changes of one exchange: (pointer, kind, what).
pub fn exchange_changes(
    a: &ExchangeBehaviour,
    b: &ExchangeBehaviour,
) -> Vec<(String, Kind, String)> {
    let mut out = Vec::new();
    if a.status != b.status {
        let class = |s: u16| (200..300).contains(&s);
        let turn = match (class(a.status), class(b.status)) {
            (true, false) => " (a 2xx became an error status)",
            (false, true) => " (an error status became 2xx)",
            _ => "",
        };
        let what = format!("HTTP {} → {}{turn}", a.status, b.status);
        out.push(("(http status)".to_owned(), Kind::Allowed, what));
    }
    headers(&a.headers, &b.headers, &mut out);
    body(&a.body, &b.body, &mut out);
    out
}

fn headers(
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
    out: &mut Vec<(String, Kind, String)>,
) {
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        let pointer = format!("(header {name})");
        match (a.get(name), b.get(name)) {
            (Some(_), None) => out.push((pointer, Kind::Breaking, "header gone".to_owned())),
            (None, Some(_)) => out.push((pointer, Kind::Additive, "new header".to_owned())),
            (Some(x), Some(y)) if x != y => {
                out.push((pointer, Kind::Allowed, format!("`{x}` → `{y}`")));
            }
            _ => {}
        }
    }
}

fn parent(pointer: &str) -> &str {
    pointer.rsplit_once('/').map_or("", |(p, _)| p)
}

fn body(a: &Shape, b: &Shape, out: &mut Vec<(String, Kind, String)>) {
    let root = (a.types.get(""), b.types.get(""));
    if let (Some(x), Some(y)) = root
        && x != y
    {
        out.push((String::new(), Kind::Breaking, format!("body {x} → {y}")));
        return;
    }
    for (pointer, ty) in &a.types {
        match b.types.get(pointer) {
            None if pointer.is_empty() || b.types.contains_key(parent(pointer)) => {
                out.push((
                    pointer.clone(),
                    Kind::Breaking,
                    format!("field gone (was {ty})"),
                ));
            }
            Some(other) if other != ty => {
                out.push((
                    pointer.clone(),
                    Kind::Breaking,
                    format!("type {ty} → {other}"),
                ));
            }
            Some(_) => {
                let (x, y) = (a.values.get(pointer), b.values.get(pointer));
                if x != y {
                    out.push((pointer.clone(), Kind::Allowed, value_change(pointer, x, y)));
                }
            }
            None => {}
        }
    }
    for (pointer, ty) in &b.types {
        if !a.types.contains_key(pointer)
            && (pointer.is_empty() || a.types.contains_key(parent(pointer)))
        {
            out.push((pointer.clone(), Kind::Additive, format!("new field ({ty})")));
        }
    }
}

fn value_change(
    pointer: &str,
    x: Option<&serde_json::Value>,
    y: Option<&serde_json::Value>,
) -> String {
    let show =
        |v: Option<&serde_json::Value>| v.map_or("(not a value)".to_owned(), ToString::to_string);
    let zero =
        |v: Option<&serde_json::Value>| v.is_some_and(|v| v == 0 || v == "0" || v == "SUCCESS");
    let turn = match (pointer == "/code", zero(x), zero(y)) {
        (true, true, false) => " (success became refusal)",
        (true, false, true) => " (refusal became success)",
        _ => "",
    };
    let what = if pointer == "/code" { "code" } else { "value" };
    format!("{what} {} → {}{turn}", show(x), show(y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(status: u16, body: serde_json::Value) -> ExchangeBehaviour {
        ExchangeBehaviour {
            index: 0,
            endpoint: "/v1/x".into(),
            method: "POST".into(),
            request: Shape::default(),
            status,
            headers: [("x-signature".to_owned(), "<present>".to_owned())].into(),
            body: Shape::of(&body),
        }
    }

    fn kinds(a: &ExchangeBehaviour, b: &ExchangeBehaviour) -> Vec<(String, Kind)> {
        exchange_changes(a, b)
            .into_iter()
            .map(|(p, k, _)| (p, k))
            .collect()
    }

    #[test]
    fn fields_types_values_and_headers() {
        let a = exchange(
            200,
            json!({"code": 0, "data": {"s": "A", "n": 1, "o": {"x": 1}}}),
        );
        assert!(exchange_changes(&a, &a).is_empty());
        let mut b = exchange(
            200,
            json!({"code": 12001, "data": {"s": "B", "n": "1", "new": true}}),
        );
        b.headers.clear();
        let found = kinds(&a, &b);
        let has = |p: &str, k: Kind| found.contains(&(p.to_owned(), k));
        assert!(has("/code", Kind::Allowed), "{found:?}");
        assert!(has("/data/s", Kind::Allowed));
        assert!(has("/data/n", Kind::Breaking));
        assert!(has("/data/o", Kind::Breaking));
        assert!(
            !found.iter().any(|(p, _)| p == "/data/o/x"),
            "only the topmost gone field"
        );
        assert!(has("/data/new", Kind::Additive));
        assert!(has("(header x-signature)", Kind::Breaking));
        let what = exchange_changes(&a, &b);
        assert!(
            what.iter()
                .any(|(_, _, w)| w.contains("success became refusal"))
        );
        let c = exchange(
            500,
            json!({"code": 0, "data": {"s": "A", "n": 1, "o": {"x": 1}}}),
        );
        assert_eq!(
            kinds(&a, &c),
            vec![("(http status)".to_owned(), Kind::Allowed)]
        );
    }

    #[test]
    fn a_body_that_is_no_longer_json_is_one_change() {
        let a = exchange(200, json!({"code": 0}));
        let mut b = a.clone();
        b.body = Shape::of_text("<html>502</html>");
        let found = kinds(&a, &b);
        assert_eq!(found, vec![(String::new(), Kind::Breaking)]);
    }
}
