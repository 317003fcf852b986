//! The table-cell generators: `#absent`, `#unique`, `#repeat(TEXT, N)`, `#(name)` and a
//! provider's own, and the values (`unique`, `now_ms`) any scenario may name.

use serde_json::Value;

use super::ProviderWorld;
use crate::findings::StepFailure;

pub use crate::feature::MAX_REPEAT_BYTES;

/// A remembered value, or one the provider knows; `unique` and `now_ms` for anyone.
pub fn var<W: ProviderWorld>(w: &W, name: &str) -> Result<Value, StepFailure> {
    if let Some(v) = w.scenario().vars.get(name) {
        return Ok(v.clone());
    }
    let found = match name {
        "unique" => Some(Value::from(fresh_id("pc"))),
        "now_ms" => Some(Value::from(now_ms())),
        _ => w.known(name),
    };
    found.ok_or_else(|| {
        StepFailure::Usage(format!(
            "`#({name})` is not known here: remember it first (`Then I remember … as \"{name}\"`), or use one of {}, unique, now_ms",
            w.known_names().join(", ")
        ))
    })
}

/// The value of a table cell: JSON if it reads as JSON, else the text; with the generators
/// `#absent` (no value: the field is left out), `#unique`, `#repeat(TEXT, N)`, `#(name)` and
/// the provider's own.
pub fn cell<W: ProviderWorld>(w: &W, text: &str) -> Result<Option<Value>, StepFailure> {
    let text = text.trim();
    if text == "#absent" {
        return Ok(None);
    }
    if text == "#unique" {
        return Ok(Some(Value::from(fresh_id("pc"))));
    }
    if let Some(value) = w.generate(text) {
        return Ok(Some(value));
    }
    if let Some(args) = text
        .strip_prefix("#repeat(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return repeat(text, args).map(|s| Some(Value::from(s)));
    }
    if let Some(name) = text.strip_prefix("#(").and_then(|r| r.strip_suffix(')')) {
        return var(w, name).map(Some);
    }
    Ok(Some(
        serde_json::from_str(text).unwrap_or_else(|_| Value::from(text)),
    ))
}

/// `#repeat(TEXT, COUNT)`, bounded by [`MAX_REPEAT_BYTES`].
fn repeat(text: &str, args: &str) -> Result<String, StepFailure> {
    let (unit, count) = args
        .rsplit_once(',')
        .ok_or_else(|| StepFailure::Usage(format!("`{text}`: write #repeat(TEXT, COUNT)")))?;
    let count: usize = count
        .trim()
        .parse()
        .map_err(|_| StepFailure::Usage(format!("`{text}`: COUNT must be a whole number")))?;
    let unit = unit.trim();
    let bytes = unit.len().saturating_mul(count);
    if bytes > MAX_REPEAT_BYTES {
        return Err(StepFailure::Usage(format!(
            "`{text}` makes {bytes} bytes, over the limit of {MAX_REPEAT_BYTES}"
        )));
    }
    Ok(unit.repeat(count))
}

/// A fresh id: `prefix-` and 24 hex digits.
pub fn fresh_id(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..24]
    )
}

pub use crate::double::notifier::now_ms;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_is_bounded() {
        assert_eq!(repeat("#repeat(ab, 3)", "ab, 3").unwrap(), "ababab");
        let e = repeat("#repeat(x, 10000000000)", "x, 10000000000").unwrap_err();
        assert!(e.to_string().contains("limit"), "{e}");
        assert!(repeat("#repeat(x)", "x").is_err());
    }
}
