//! Karate-style fuzzy matching of JSON, for expected values written in feature files.
//!
//! An expected value is plain JSON, where a string may be a *marker*:
//!
//! | marker | matches |
//! |---|---|
//! | `#ignore` | anything, even absent |
//! | `#present` / `#notpresent` | any value / no value at all |
//! | `#null` / `#notnull` | `null` (or absent) / any present non-null value |
//! | `#string` `#number` `#integer` `#boolean` `#array` `#object` | a value of that type |
//! | `#uuid` | a string holding a UUID |
//! | `#nonempty` | a non-empty string, array or object |
//! | `#regex RE` | a string that matches `RE` in full |
//! | `##X` | absent, `null`, or whatever `#X` matches (optional) |
//!
//! Objects match when every expected key matches (extra keys are fine: providers add fields);
//! arrays when they have the same length and each element matches.
//!
//! ```
//! use pay_conformance::checks::matcher::mismatches;
//! use serde_json::json;
//!
//! let expected = json!({"code": 0, "request_id": "#uuid", "data": {"tx_id": "##string"}});
//! let actual = json!({"code": 0, "request_id": "08250916-a677-4a36-a090-323807ac644c", "data": {}});
//! assert!(mismatches(&expected, Some(&actual)).is_empty());
//! assert_eq!(mismatches(&json!({"code": "#string"}), Some(&actual))[0].pointer, "/code");
//! ```

use regex::Regex;
use serde_json::Value;

/// One place where the actual value is not what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// JSON pointer into the actual document.
    pub pointer: String,
    pub expected: String,
    pub actual: String,
}

/// Every mismatch between `expected` and `actual` (`None` = absent).
pub fn mismatches(expected: &Value, actual: Option<&Value>) -> Vec<Mismatch> {
    let mut out = Vec::new();
    compare(expected, actual, "", &mut out);
    out
}

/// A value for the report: compact JSON, redacted, cut to 120 characters.
pub fn show(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".to_owned(),
        // Redacted whole first: a signature cut to 117 characters would not be recognised.
        Some(v) => crate::redacted::Redacted::new(&v.to_string())
            .cut_chars(117, "...")
            .into_string(),
    }
}

/// Escapes one JSON pointer token (RFC 6901).
pub fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn compare(expected: &Value, actual: Option<&Value>, pointer: &str, out: &mut Vec<Mismatch>) {
    let miss = |out: &mut Vec<Mismatch>, what: String| {
        out.push(Mismatch {
            pointer: pointer.to_owned(),
            expected: what,
            actual: show(actual),
        })
    };
    match expected {
        Value::String(s) if s.starts_with('#') => {
            if let Err(what) = marker(s, actual) {
                miss(out, what);
            }
        }
        Value::Object(fields) => match actual {
            Some(Value::Object(got)) => {
                for (key, want) in fields {
                    let child = format!("{pointer}/{}", pointer_token(key));
                    compare(want, got.get(key), &child, out);
                }
            }
            _ => miss(out, "an object".to_owned()),
        },
        Value::Array(items) => match actual {
            Some(Value::Array(got)) if got.len() == items.len() => {
                for (i, want) in items.iter().enumerate() {
                    compare(want, got.get(i), &format!("{pointer}/{i}"), out);
                }
            }
            _ => miss(out, format!("an array of {} items", items.len())),
        },
        Value::Number(n) => {
            let same = actual
                .and_then(Value::as_f64)
                .zip(n.as_f64())
                .is_some_and(|(a, b)| a == b)
                && actual.is_some_and(Value::is_number);
            if !same {
                miss(out, n.to_string());
            }
        }
        other => {
            if actual != Some(other) {
                miss(out, other.to_string());
            }
        }
    }
}

/// Checks one marker; `Err` says what was wanted.
fn marker(marker: &str, actual: Option<&Value>) -> Result<(), String> {
    if let Some(inner) = marker.strip_prefix("##") {
        return match actual {
            None | Some(Value::Null) => Ok(()),
            _ => self::marker(&format!("#{inner}"), actual)
                .map_err(|what| format!("{what}, null or absent")),
        };
    }
    let ok = |cond: bool, what: &str| if cond { Ok(()) } else { Err(what.to_owned()) };
    let present = actual.filter(|v| !v.is_null());
    match marker {
        "#ignore" => Ok(()),
        "#present" => ok(actual.is_some(), "present"),
        "#notpresent" => ok(actual.is_none(), "absent"),
        "#null" => ok(present.is_none(), "null"),
        "#notnull" => ok(present.is_some(), "not null"),
        "#string" => ok(present.is_some_and(Value::is_string), "a string"),
        "#number" => ok(present.is_some_and(Value::is_number), "a number"),
        "#integer" => ok(
            present.is_some_and(|v| v.is_i64() || v.is_u64()),
            "an integer",
        ),
        "#boolean" => ok(present.is_some_and(Value::is_boolean), "a boolean"),
        "#array" => ok(present.is_some_and(Value::is_array), "an array"),
        "#object" => ok(present.is_some_and(Value::is_object), "an object"),
        "#uuid" => ok(
            present
                .and_then(Value::as_str)
                .is_some_and(|s| uuid::Uuid::try_parse(s).is_ok() && s.len() == 36),
            "a UUID",
        ),
        "#nonempty" => ok(
            match present {
                Some(Value::String(s)) => !s.is_empty(),
                Some(Value::Array(a)) => !a.is_empty(),
                Some(Value::Object(o)) => !o.is_empty(),
                _ => false,
            },
            "non-empty",
        ),
        m if m.starts_with("#regex ") => {
            let pattern = &m["#regex ".len()..];
            let re = Regex::new(&format!("^(?:{pattern})$"))
                .map_err(|e| format!("a valid #regex marker ({e})"))?;
            ok(
                present
                    .and_then(Value::as_str)
                    .is_some_and(|s| re.is_match(s)),
                &format!("a string matching /{pattern}/"),
            )
        }
        // Not a marker after all: a literal string that starts with '#'.
        literal => ok(
            actual.and_then(Value::as_str) == Some(literal),
            &format!("\"{literal}\""),
        ),
    }
}

/// Whether `text` names a known marker (for checking feature files before a run).
pub fn is_marker(text: &str) -> bool {
    let t = text.trim_start_matches('#');
    text.starts_with('#')
        && (matches!(
            t,
            "ignore"
                | "present"
                | "notpresent"
                | "null"
                | "notnull"
                | "string"
                | "number"
                | "integer"
                | "boolean"
                | "array"
                | "object"
                | "uuid"
                | "nonempty"
        ) || t.starts_with("regex "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case(json!("#string"), Some(json!("x")), true)]
    #[case(json!("#string"), Some(json!(1)), false)]
    #[case(json!("#string"), None, false)]
    #[case(json!("##string"), None, true)]
    #[case(json!("##string"), Some(json!(null)), true)]
    #[case(json!("##string"), Some(json!(2)), false)]
    #[case(json!("#notnull"), Some(json!(null)), false)]
    #[case(json!("#null"), None, true)]
    #[case(json!("#notpresent"), Some(json!(null)), false)]
    #[case(json!("#integer"), Some(json!(1.5)), false)]
    #[case(json!("#integer"), Some(json!(15)), true)]
    #[case(json!("#uuid"), Some(json!("f23ade4a-e5ca-48f4-a4bb-59114ac360ba")), true)]
    #[case(json!("#uuid"), Some(json!("f23ade4ae5ca48f4a4bb59114ac360ba")), false)]
    #[case(json!("#regex [A-Z]+"), Some(json!("NOTPAY")), true)]
    #[case(json!("#regex [A-Z]+"), Some(json!("notpay")), false)]
    #[case(json!("#nonempty"), Some(json!("")), false)]
    #[case(json!(0), Some(json!(0.0)), true)]
    #[case(json!(0), Some(json!("0")), false)]
    #[case(json!({"a": 1}), Some(json!({"a": 1, "b": 2})), true)]
    #[case(json!([1, 2]), Some(json!([1])), false)]
    #[case(json!("#hashtag"), Some(json!("#hashtag")), true)]
    fn markers(#[case] expected: Value, #[case] actual: Option<Value>, #[case] ok: bool) {
        assert_eq!(mismatches(&expected, actual.as_ref()).is_empty(), ok);
    }

    #[test]
    fn reports_the_pointer_of_each_mismatch() {
        let got = mismatches(
            &json!({"data": {"a/b": 1, "list": [0, "#string"]}}),
            Some(&json!({"data": {"a/b": 2, "list": [0, 3]}})),
        );
        let pointers: Vec<_> = got.iter().map(|m| m.pointer.as_str()).collect();
        assert_eq!(pointers, ["/data/a~1b", "/data/list/1"]);
        assert_eq!(got[1].expected, "a string");
        assert_eq!(got[1].actual, "3");
    }
}
