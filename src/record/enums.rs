//! Enum values across a whole record: at each endpoint and pointer whose values are all
//! SCREAMING_CASE words (`SUCCESS`, `NOTPAY`, `TRON`, `ORDERPAID`), a value the old record
//! shows somewhere and the new one nowhere is an **enum value gone** (breaking), and the
//! reverse a **new enum value** (additive).

use std::collections::{BTreeMap, BTreeSet};

use super::Record;
use super::diff::{Change, Kind};

type Values<'a> = BTreeMap<(&'a str, &'a str), BTreeSet<&'a str>>;

/// Every (endpoint, pointer) of `record`'s response bodies with the string values seen there.
fn values(record: &Record) -> Values<'_> {
    let mut out: Values<'_> = BTreeMap::new();
    for s in record.scenarios.iter().filter(|s| s.outcome != "skipped") {
        for e in &s.exchanges {
            for (pointer, value) in &e.body.values {
                if let Some(text) = value.as_str() {
                    out.entry((e.endpoint.as_str(), pointer.as_str()))
                        .or_default()
                        .insert(text);
                }
            }
        }
    }
    out
}

fn is_enum_word(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The enum values gone and new from `old` to `new`.
pub fn changes(old: &Record, new: &Record) -> Vec<Change> {
    let (before, after) = (values(old), values(new));
    let mut out = Vec::new();
    for (key, was) in &before {
        let Some(now) = after.get(key) else { continue };
        if !was.iter().chain(now.iter()).all(|v| is_enum_word(v)) {
            continue;
        }
        let (endpoint, pointer) = *key;
        let mut push = |kind, what: String| {
            out.push(Change {
                kind,
                endpoint: endpoint.to_owned(),
                pointer: pointer.to_owned(),
                what,
                scenario: "(the whole record)".to_owned(),
                index: None,
            });
        };
        for gone in was.difference(now) {
            push(
                Kind::Breaking,
                format!("enum value {gone} seen nowhere any more"),
            );
        }
        for added in now.difference(was) {
            push(Kind::Additive, format!("new enum value {added}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn enum_words_are_screaming_case() {
        use super::is_enum_word;
        assert!(is_enum_word("SUCCESS") && is_enum_word("ORDER_PAID") && is_enum_word("USDT"));
        assert!(!is_enum_word("success") && !is_enum_word("<hex>") && !is_enum_word("Order x"));
    }
}
