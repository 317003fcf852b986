//! A JSON body as a *shape*: every JSON pointer with its type, and — where the value is part of
//! the behaviour — its value, with generated values (ids, nonces, timestamps) replaced by
//! placeholders so that two runs line up.
//!
//! The value rule (documented in `docs/record-format.md`):
//! - `null`, booleans and numbers are values; an integer under a key that names a time
//!   (`…time…`, `…timestamp…`) is `<millis>` or `<seconds>` by its magnitude (0 stays 0);
//!   any other integer of 11 digits or more is `<digits>`, a `block_no` other than 0 `<block>`;
//! - a non-empty string under a key naming a nonce is `<nonce>`;
//! - a string is a value after its generated parts are replaced: a UUID by `<uuid>`, a run of
//!   16+ hex digits by `<hex>`, a 20+ character token of letters *and* digits (Base64, Base58
//!   addresses) by `<token>`, a run of 10+ digits by `<digits>` (`<millis>` / `<seconds>` under
//!   a time key), an RFC 3339 date-time by `<datetime>`, the port of a loopback URL
//!   (`http://127.0.0.1:<port>`: the suite's notification receiver) by `<port>`; what is still longer than [`MAX_VALUE_CHARS`] is not a value;
//! - objects and arrays have a type, never a value.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A string longer than this, after placeholders, is not a value (only its type is kept).
pub const MAX_VALUE_CHARS: usize = 96;

/// Pointers a shape keeps at most (a body of thousands of array items is cut, and says so).
pub const MAX_POINTERS: usize = 512;

/// The pointer standing for "the body is not JSON".
pub const NOT_JSON: &str = "not-json";

/// A body's shape: pointer → type, and pointer → value where the value is behaviour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// `""` is the root; types are `object`, `array`, `string`, `integer`, `number`,
    /// `boolean`, `null`, or `not-json` for a body that does not parse.
    pub types: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, Value>,
}

impl Shape {
    /// The shape of a JSON value.
    pub fn of(value: &Value) -> Shape {
        let mut shape = Shape::default();
        walk(value, String::new(), "", &mut shape);
        shape
    }

    /// The shape of a body as text: JSON, or `not-json` with the (placeholder) text as value
    /// when it is short.
    pub fn of_text(text: &str) -> Shape {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Shape::default();
        }
        match serde_json::from_str::<Value>(trimmed) {
            Ok(value) => Shape::of(&value),
            Err(_) => {
                let mut shape = Shape::default();
                shape.types.insert(String::new(), NOT_JSON.to_owned());
                if let Some(value) = string_value("", trimmed) {
                    shape.values.insert(String::new(), value);
                }
                shape
            }
        }
    }
}

fn walk(value: &Value, pointer: String, key: &str, shape: &mut Shape) {
    if shape.types.len() >= MAX_POINTERS {
        shape.types.insert("/…".to_owned(), "cut".to_owned());
        return;
    }
    shape
        .types
        .insert(pointer.clone(), type_name(value).to_owned());
    match value {
        Value::Object(members) => {
            for (k, v) in members {
                walk(v, format!("{pointer}/{}", escape(k)), k, shape);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{pointer}/{i}"), key, shape);
            }
        }
        other => {
            if let Some(v) = value_of(key, other) {
                shape.values.insert(pointer, v);
            }
        }
    }
}

/// The JSON type name of `value` (`integer` for a whole number).
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A JSON pointer token: `~` → `~0`, `/` → `~1`.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Whether a key names a time.
fn is_time_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("time") || key.contains("timestamp")
}

/// The behaviour value of a scalar under `key`, placeholders in, or `None` when it is not one.
pub fn value_of(key: &str, value: &Value) -> Option<Value> {
    match value {
        Value::Number(n) => Some(match n.as_i64() {
            Some(0) => value.clone(),
            Some(i) if is_time_key(key) => Value::String(time_placeholder(i.unsigned_abs())),
            Some(i) if i.unsigned_abs() >= 10_000_000_000 => Value::String("<digits>".into()),
            // A block number is the chain's, not the provider's behaviour.
            Some(_) if key.eq_ignore_ascii_case("block_no") => Value::String("<block>".into()),
            _ => value.clone(),
        }),
        Value::String(text) => string_value(key, text),
        Value::Object(_) | Value::Array(_) => None,
        _ => Some(value.clone()),
    }
}

/// `<millis>` for 12+ digits, `<seconds>` below.
fn time_placeholder(magnitude: u64) -> String {
    if magnitude >= 100_000_000_000 {
        "<millis>".to_owned()
    } else {
        "<seconds>".to_owned()
    }
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        .expect("static regex")
});
static HEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9a-fA-F]{16,}\b").expect("static regex"));
static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/_-]{20,}={0,2}").expect("static regex"));
static DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
        .expect("static regex")
});
static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{10,}").expect("static regex"));
static LOOPBACK_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(//(?:127\.0\.0\.1|localhost|\[::1\])):\d{1,5}\b").expect("static regex")
});

/// `text` with its generated parts replaced by placeholders.
pub fn placeholders(key: &str, text: &str) -> String {
    let text = LOOPBACK_PORT.replace_all(text, "$1:<port>");
    let text = DATETIME.replace_all(&text, "<datetime>");
    let text = UUID.replace_all(&text, "<uuid>");
    let text = HEX.replace_all(&text, "<hex>");
    let text = TOKEN.replace_all(&text, |c: &regex::Captures<'_>| {
        let token = &c[0];
        let letters = token.bytes().any(|b| b.is_ascii_alphabetic());
        let digits = token.bytes().any(|b| b.is_ascii_digit());
        if letters && digits {
            "<token>".to_owned()
        } else {
            token.to_owned()
        }
    });
    let time = is_time_key(key);
    DIGITS
        .replace_all(&text, |c: &regex::Captures<'_>| match time {
            true => time_placeholder(c[0].parse::<u64>().unwrap_or(u64::MAX)),
            false => "<digits>".to_owned(),
        })
        .into_owned()
}

/// A string's behaviour value: its placeholder form, if short enough.
fn string_value(key: &str, text: &str) -> Option<Value> {
    // A nonce is random by definition, whatever its length.
    if key.to_ascii_lowercase().contains("nonce") && !text.is_empty() {
        return Some(Value::String("<nonce>".into()));
    }
    let text = placeholders(key, text);
    (text.chars().count() <= MAX_VALUE_CHARS).then_some(Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_values_become_placeholders() {
        let body = json!({
            "code": 0, "msg": "success",
            "request_id": "3f0c2a4e-1b2c-4d5e-8f90-123456789abc",
            "data": {
                "prepay_id": "a".repeat(8) + "0123456789abcdef0123",
                "payment_url": "https://pay.example/pay/order?prepay_id=0123456789abcdef0123456789abcdef",
                "create_time": 1_764_000_000_000_i64, "close_time": 0, "pay_time": 1_764_000_000,
                "to_address": "TDoub1ePayerWalletOfTheFixtureXXX1", "ok": true, "n": null,
                "items": [{"a": 1}]
            }
        });
        let shape = Shape::of(&body);
        assert_eq!(shape.types["/code"], "integer");
        assert_eq!(shape.types["/data/items/0/a"], "integer");
        assert_eq!(shape.values["/msg"], "success");
        assert_eq!(shape.values["/request_id"], "<uuid>");
        assert_eq!(shape.values["/data/prepay_id"], "<hex>");
        assert_eq!(
            shape.values["/data/payment_url"],
            "https://pay.example/pay/order?prepay_id=<hex>"
        );
        assert_eq!(shape.values["/data/create_time"], "<millis>");
        assert_eq!(shape.values["/data/pay_time"], "<seconds>");
        assert_eq!(shape.values["/data/close_time"], 0);
        assert_eq!(shape.values["/data/to_address"], "<token>");
        assert_eq!(shape.values["/data/ok"], true);
        let when = placeholders("create_time", "2026-12-02T04:36:21+08:00");
        assert_eq!(when, "<datetime>");
        assert!(!shape.values.contains_key("/data"));
    }

    #[test]
    fn text_bodies_are_not_json() {
        let shape = Shape::of_text("<html>Bad Gateway</html>");
        assert_eq!(shape.types[""], NOT_JSON);
        assert_eq!(shape.values[""], "<html>Bad Gateway</html>");
        assert!(Shape::of_text("").types.is_empty());
        assert!(!Shape::of_text(&"x ".repeat(200)).values.contains_key(""));
    }
}
