//! What every provider's preflight shares (`ttpay::preflight`, `wechatpay::preflight`): before
//! any scenario, a few signed requests decide whether the target speaks the provider's API and
//! takes these credentials; if not, one diagnosis (exit 2) instead of a page of deviations that
//! are the configuration's fault. No answer at all is the network's: the preflight lets the
//! run go on, and its scenarios are inconclusive (exit 3).

use crate::error::ConfigError;
use crate::exchange::Exchange;

/// The diagnosis that stops a run before any scenario (`preflight: …`, exit 2).
pub fn diagnosis(what: impl Into<String>) -> ConfigError {
    ConfigError::Preflight(what.into())
}

/// What kind of body an answer carries, for a diagnosis: `HTML`, `JSON`, another MIME type,
/// or `(no content type)`.
pub fn content_kind(exchange: &Exchange) -> String {
    exchange
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| "(no content type)".to_owned(), mime_name)
}

/// `text/html; charset=utf-8` → `HTML`, `application/json` → `JSON`, else the MIME type.
pub fn mime_name(content_type: &str) -> String {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    match mime {
        "text/html" => "HTML".into(),
        "application/json" => "JSON".into(),
        other => other.chars().take(64).collect(),
    }
}

/// The diagnosis of a target that does not answer `api` at `base_url` + `path`.
pub fn not_the_api(
    api: &str,
    status: u16,
    kind: &str,
    base_url: &str,
    path: &str,
    hint: &str,
) -> ConfigError {
    diagnosis(format!(
        "this URL does not answer the {api} API (HTTP {status} {kind} at {base_url}{path}): {hint}"
    ))
}

/// The `message` (or `msg`) of a JSON answer for a diagnosis: redacted whole, then cut to 120
/// characters (a target that echoes our signature there shows none of it).
pub fn message(exchange: &Exchange) -> String {
    let text = ["/message", "/msg"]
        .iter()
        .find_map(|p| exchange.pointer(p).and_then(serde_json::Value::as_str))
        .unwrap_or("");
    crate::redact::redact(text).chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_names_are_short() {
        assert_eq!(mime_name("text/html; charset=utf-8"), "HTML");
        assert_eq!(mime_name("application/json"), "JSON");
        assert_eq!(mime_name("text/plain"), "text/plain");
    }
}
