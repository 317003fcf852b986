//! Reading an answer as JSON, whatever its nesting: serde_json stops at 128 levels (its
//! recursion limit), yet JSON nested 200 deep is valid JSON. Valid is valid up to
//! [`MAX_DEPTH`] levels — far above any payment API's answer, which nests a handful — and a
//! body deeper than that is refused with that bound named (T3). Stack-safe at any depth: the
//! body is scanned once without recursion, cut into slices of at most [`STEP`] levels, each
//! slice parsed by serde_json on its own (the slices nested in it stand as strings). The value
//! kept holds the first [`STEP`] levels; deeper values stand as [`DEEPER`].

use serde::de::IgnoredAny;
use serde_json::Value;

/// The deepest nesting read; deeper is refused (T3).
pub const MAX_DEPTH: usize = 10_000;

/// Levels per slice: below serde_json's recursion limit of 128.
pub const STEP: usize = 100;

/// What stands in the kept value for a value nested deeper than [`STEP`] levels.
pub const DEEPER: &str = "(nested deeper than 100 levels: valid, not kept)";

/// `bytes` as JSON, or why it is not (the message T3 shows).
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => return Ok(value),
        Err(e) if !e.to_string().starts_with("recursion limit exceeded") => {
            return Err(e.to_string());
        }
        Err(_) => {}
    }
    let slices = Slices::scan(bytes)?;
    for slice in &slices.slices {
        let text = slices.text(bytes, slice.start, slice.end, &slice.inner);
        serde_json::from_slice::<IgnoredAny>(&text).map_err(|e| {
            format!(
                "{e} (in a value nested more than {} levels deep)",
                slice.depth - 1
            )
        })?;
    }
    let top = slices.text(bytes, 0, bytes.len(), &slices.top);
    serde_json::from_slice::<Value>(&top).map_err(|e| e.to_string())
}

/// A value that starts a new slice: where it is, how deep, and the slices right inside it.
struct Slice {
    start: usize,
    end: usize,
    depth: usize,
    inner: Vec<usize>,
}

struct Slices {
    slices: Vec<Slice>,
    /// The slices right inside the first [`STEP`] levels.
    top: Vec<usize>,
}

impl Slices {
    /// One pass, no recursion: strings skipped, brackets counted.
    fn scan(bytes: &[u8]) -> Result<Self, String> {
        let mut out = Slices {
            slices: Vec::new(),
            top: Vec::new(),
        };
        let mut open: Vec<usize> = Vec::new();
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (at, &b) in bytes.iter().enumerate() {
            if in_string {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(format!(
                            "nested deeper than {MAX_DEPTH} levels (this suite reads JSON up to {MAX_DEPTH} levels deep)"
                        ));
                    }
                    if depth > 1 && (depth - 1) % STEP == 0 {
                        let id = out.slices.len();
                        out.slices.push(Slice {
                            start: at,
                            end: bytes.len(),
                            depth,
                            inner: Vec::new(),
                        });
                        match open.last() {
                            Some(&parent) => out.slices[parent].inner.push(id),
                            None => out.top.push(id),
                        }
                        open.push(id);
                    }
                }
                b']' | b'}' if depth > 0 => {
                    if depth > 1
                        && (depth - 1) % STEP == 0
                        && let Some(id) = open.pop()
                    {
                        out.slices[id].end = at + 1;
                    }
                    depth -= 1;
                }
                _ => {}
            }
        }
        if depth > 0 {
            return Err(format!(
                "EOF while parsing: the body ends inside a value nested {depth} levels deep"
            ));
        }
        Ok(out)
    }

    /// `bytes[start..end]` with each slice of `inner` replaced by the string [`DEEPER`].
    fn text(&self, bytes: &[u8], start: usize, end: usize, inner: &[usize]) -> Vec<u8> {
        let mut text = Vec::with_capacity(end - start);
        let mut from = start;
        for &id in inner {
            let slice = &self.slices[id];
            text.extend_from_slice(&bytes[from..slice.start]);
            text.push(b'"');
            text.extend_from_slice(DEEPER.as_bytes());
            text.push(b'"');
            from = slice.end;
        }
        text.extend_from_slice(&bytes[from..end]);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize, inner: &str) -> String {
        format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn valid_json_is_valid_at_any_depth_up_to_the_bound() {
        for depth in [1, 99, 100, 101, 128, 129, 200, 1_000, MAX_DEPTH] {
            let text = format!(r#"{{"code":0,"data":{}}}"#, nested(depth - 1, "1"));
            let value = parse(text.as_bytes()).unwrap_or_else(|e| panic!("{depth}: {e}"));
            assert_eq!(value["code"], 0, "{depth}");
        }
        let deep = format!(r#"{{"a":{}}}"#, nested(300, r#"{"s":"]]}}[[\"","n":1}"#));
        assert!(parse(deep.as_bytes()).is_ok());
    }

    #[test]
    fn invalid_json_deep_down_is_still_invalid() {
        for inner in ["1,", "{\"a\"}", "tru", "1 2"] {
            let text = nested(250, inner);
            let err = parse(text.as_bytes()).unwrap_err();
            assert!(err.contains("nested more than"), "{inner}: {err}");
        }
        let unbalanced = format!("{}}}", "[".repeat(300));
        assert!(parse(unbalanced.as_bytes()).is_err());
        let unclosed = "[".repeat(300);
        assert!(parse(unclosed.as_bytes()).unwrap_err().contains("EOF"));
        assert!(parse(b"{\"a\":1,}").unwrap_err().contains("trailing comma"));
    }

    #[test]
    fn a_million_levels_are_refused_with_the_bound_not_a_crash() {
        let text = nested(1_000_000, "");
        let err = parse(text.as_bytes()).unwrap_err();
        assert!(err.contains("nested deeper than 10000 levels"), "{err}");
    }

    #[test]
    fn deeper_values_stand_as_a_placeholder() {
        let text = format!(r#"{{"data":{}}}"#, nested(150, "7"));
        let value = parse(text.as_bytes()).unwrap();
        let mut at = &value["data"];
        for _ in 0..99 {
            at = &at[0];
        }
        assert_eq!(at, DEEPER);
    }
}
