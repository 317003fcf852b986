//! What the lint checks in a step's JSON: that it parses, that every marker of an expected
//! value exists (`#regex RE` compiles), and which `#(name)` variables it uses.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::checks::matcher::is_marker;

static VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r##""#\((\w+)\)"|#\((\w+)\)"##).expect("static pattern"));

static MARKER_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^##?[a-z]+$").expect("static pattern"));

/// The markers, for did-you-mean.
pub const MARKERS: &[&str] = &[
    "#ignore",
    "#present",
    "#notpresent",
    "#null",
    "#notnull",
    "#string",
    "#number",
    "#integer",
    "#boolean",
    "#array",
    "#object",
    "#uuid",
    "#nonempty",
    "#regex",
];

/// Every `#(name)` in `text`, in order.
pub fn variables(text: &str) -> Vec<String> {
    VAR.captures_iter(text)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| m.as_str().to_owned())
        .collect()
}

/// `text` parsed as JSON once its `#(name)` are stood in for; the parser's complaint if not.
pub fn parse(text: &str) -> Result<Value, String> {
    let stood_in = VAR.replace_all(text, "null");
    serde_json::from_str(&stood_in).map_err(|e| e.to_string())
}

/// What is wrong with a marker-like string, if anything (`None` for a literal or a good one).
pub fn check_marker(text: &str) -> Option<String> {
    let inner = text
        .strip_prefix("##")
        .map_or(text.to_owned(), |i| format!("#{i}"));
    if let Some(pattern) = inner.strip_prefix("#regex ") {
        return Regex::new(&format!("^(?:{pattern})$")).err().map(|e| {
            format!(
                "`{text}`: the regular expression does not compile: {}",
                first_line(&e.to_string())
            )
        });
    }
    if is_marker(&inner) || !MARKER_LIKE.is_match(text) {
        return None;
    }
    let hint = crate::feature::suggest::closest(&inner, MARKERS.iter().copied())
        .map(|m| format!(" — did you mean `{m}`?"))
        .unwrap_or_default();
    Some(format!(
        "`{text}` is not a marker{hint} (markers: {})",
        MARKERS.join(" ")
    ))
}

fn first_line(text: &str) -> &str {
    text.lines()
        .rfind(|l| l.starts_with("error:"))
        .unwrap_or_else(|| text.lines().next().unwrap_or(""))
}

/// Every problem with the markers of an expected value.
pub fn check_markers(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(value, &mut out);
    out
}

fn walk(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with('#') => out.extend(check_marker(s)),
        Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
        Value::Object(map) => map.values().for_each(|v| walk(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(check_marker("#uuid"), None);
        assert_eq!(check_marker("##string"), None);
        assert_eq!(check_marker("#regex [A-Z]+"), None);
        assert!(
            check_marker("#regex [A-Z")
                .unwrap()
                .contains("does not compile")
        );
        assert!(
            check_marker("#uuidd")
                .unwrap()
                .contains("did you mean `#uuid`")
        );
        assert_eq!(check_marker("#hashtag with spaces"), None);
        assert_eq!(variables(r##"{"a": "#(x)", "b": #(y)}"##), ["x", "y"]);
        assert!(parse(r##"{"a": "#(x)", "b": #(y)}"##).is_ok());
        assert!(parse("{\"a\": }").is_err());
    }
}
