//! How a diff is shown: grouped by endpoint, then by kind, each distinct change once with the
//! scenarios that show it; or as JSON for CI. Every line through [`crate::redact()`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::diff::{Change, Changes, Kind};

/// Scenarios named under one change at most (the others are counted).
const MAX_NAMED: usize = 2;

/// Distinct changes (pointer, what) and where each was seen.
type Group<'a> = BTreeMap<(&'a str, &'a str), Vec<&'a Change>>;

/// The diff for people; `show_noise` lists the noise too.
pub fn text(changes: &Changes, show_noise: bool) -> String {
    let mut out = String::new();
    let shown: Vec<&Change> = changes
        .changes
        .iter()
        .filter(|c| show_noise || c.kind != Kind::Noise)
        .collect();
    let mut by_endpoint: BTreeMap<&str, BTreeMap<Kind, Group<'_>>> = BTreeMap::new();
    for c in &shown {
        by_endpoint
            .entry(c.endpoint.as_str())
            .or_default()
            .entry(c.kind)
            .or_default()
            .entry((c.pointer.as_str(), c.what.as_str()))
            .or_default()
            .push(c);
    }
    for (endpoint, kinds) in &by_endpoint {
        let _ = writeln!(out, "{endpoint}");
        for (kind, group) in kinds {
            let _ = writeln!(out, "  {}", kind.as_str());
            for ((pointer, what), seen) in group {
                let pointer = if pointer.is_empty() {
                    "(body)"
                } else {
                    pointer
                };
                let _ = writeln!(out, "    {pointer}  {what}");
                let _ = writeln!(out, "      in {}", scenarios(seen));
            }
        }
    }
    for note in &changes.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out, "{}", summary(changes, show_noise));
    crate::redact::redact(&out).into_owned()
}

/// The last line: the counts, and what the exit code means.
pub fn summary(changes: &Changes, show_noise: bool) -> String {
    let [b, a, d, n] =
        [Kind::Breaking, Kind::Allowed, Kind::Additive, Kind::Noise].map(|k| changes.count(k));
    let noise = match (n, show_noise) {
        (0, _) => String::new(),
        (n, true) => format!("; {n} noise"),
        (n, false) => format!("; {n} noise hidden (--show-noise)"),
    };
    let head = if b > 0 {
        "BREAKING CHANGES"
    } else if a + d > 0 {
        "NO BREAKING CHANGE (note: allowed or additive changes only — exit 0)"
    } else {
        "NO BEHAVIOUR CHANGE"
    };
    format!("{head} — {b} breaking, {a} allowed, {d} additive{noise}")
}

fn scenarios(seen: &[&Change]) -> String {
    let mut names: Vec<(String, Vec<usize>)> = Vec::new();
    for c in seen {
        match names.iter_mut().find(|(name, _)| *name == c.scenario) {
            Some((_, indexes)) => indexes.extend(c.index),
            None => names.push((c.scenario.clone(), c.index.into_iter().collect())),
        }
    }
    let more = names.len().saturating_sub(MAX_NAMED);
    let mut text = names
        .iter()
        .take(MAX_NAMED)
        .map(|(name, indexes)| match indexes.as_slice() {
            [] => name.clone(),
            [i] => format!("{name} (exchange #{i})"),
            many => {
                let list: Vec<String> = many.iter().map(|i| format!("#{i}")).collect();
                format!("{name} (exchanges {})", list.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    if more > 0 {
        let _ = write!(text, "; and {more} more scenario(s)");
    }
    text
}

/// The diff as JSON (`diff --json`): the counts, the exit code, and every change shown.
pub fn json(changes: &Changes, show_noise: bool) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        format: &'static str,
        breaking: usize,
        allowed: usize,
        additive: usize,
        noise: usize,
        exit_code: i32,
        changes: Vec<&'a Change>,
        notes: &'a [String],
    }
    let out = Out {
        format: "pay-conformance-diff/1",
        breaking: changes.count(Kind::Breaking),
        allowed: changes.count(Kind::Allowed),
        additive: changes.count(Kind::Additive),
        noise: changes.count(Kind::Noise),
        exit_code: changes.exit_code(),
        changes: changes
            .changes
            .iter()
            .filter(|c| show_noise || c.kind != Kind::Noise)
            .collect(),
        notes: &changes.notes,
    };
    let text = serde_json::to_string_pretty(&out).unwrap_or_default();
    crate::redact::redact(&text).into_owned() + "\n"
}
