//! One step, linted: bound to exactly one definition (or the closest suggested), its table and
//! docstring of the shape the definition takes, the markers of its expected JSON, and its
//! `#(name)` variables known or remembered before use.

use std::collections::BTreeSet;

use cucumber::gherkin::Step;

use super::{Def, Finding, closest, json};
use crate::steps::doc::Docstring;

pub(super) fn lint_step(
    defs: &[Def],
    step: &Step,
    known: &mut BTreeSet<String>,
    path: &str,
    out: &mut Vec<Finding>,
) {
    let line = step.position.line;
    let mut push = |message: String, hint: Option<String>| {
        out.push(Finding {
            path: path.to_owned(),
            line,
            message,
            hint,
        })
    };
    let text = format!("{} {}", step.keyword.trim(), step.value);
    let matches: Vec<&Def> = defs
        .iter()
        .filter(|d| d.ty == step.ty && d.re.is_match(&step.value))
        .collect();
    let def = match matches.as_slice() {
        [one] => *one,
        [] => {
            let other_kind = defs.iter().find(|d| d.re.is_match(&step.value));
            let hint = match other_kind {
                Some(d) => Some(format!(
                    "it is a `{}` step: write it after a {} (or as `{} …`)",
                    d.entry.step.keyword, d.entry.step.keyword, d.entry.step.keyword
                )),
                None => {
                    let same_kind = defs.iter().filter(|d| d.ty == step.ty);
                    let candidates: Vec<&str> = same_kind
                        .filter_map(|d| d.entry.doc.as_ref().map(|doc| doc.example_text()))
                        .collect();
                    closest(&step.value, candidates.iter().copied())
                        .or_else(|| {
                            closest(
                                &step.value,
                                defs.iter().filter_map(|d| {
                                    d.entry.doc.as_ref().map(|doc| doc.example_text())
                                }),
                            )
                        })
                        .map(|s| {
                            format!(
                                "did you mean \"{s}\"? (`pay-conformance steps` lists every step)"
                            )
                        })
                        .or_else(|| Some("`pay-conformance steps` lists every step".into()))
                }
            };
            push(format!("unknown step \"{text}\""), hint);
            return;
        }
        many => {
            push(
                format!("step \"{text}\" matches {} definitions", many.len()),
                Some(
                    many.iter()
                        .map(|d| d.entry.step.pattern.clone())
                        .collect::<Vec<_>>()
                        .join("  |  "),
                ),
            );
            return;
        }
    };
    let Some(doc) = def.entry.doc.as_ref() else {
        return;
    };
    // Tables.
    match (doc.table_columns(), &step.table) {
        (Some(cols), Some(table)) => {
            if let Some(bad) = table.rows.iter().find(|r| r.len() != cols) {
                push(
                    format!(
                        "the table of \"{text}\" has rows of {} cells; it takes {cols}",
                        bad.len()
                    ),
                    Some(format!("write it as {}", doc.table.unwrap_or_default())),
                );
            }
        }
        (Some(_), None) => push(
            format!("\"{text}\" needs a table"),
            Some(format!(
                "add rows {} under it",
                doc.table.unwrap_or_default()
            )),
        ),
        (None, Some(_)) => push(
            format!("\"{text}\" takes no table"),
            Some(format!("e.g. {}", doc.example)),
        ),
        (None, None) => {}
    }
    // Docstrings.
    match (doc.docstring, &step.docstring) {
        (Some(kind), Some(text_of)) => {
            if kind != Docstring::Text {
                match json::parse(text_of) {
                    Err(e) => push(
                        format!("the JSON of \"{text}\" does not parse: {e}"),
                        Some(
                            "the docstring must be one JSON value; `#(name)` may stand for a value"
                                .into(),
                        ),
                    ),
                    Ok(value) if kind == Docstring::JsonExpected => {
                        for problem in json::check_markers(&value) {
                            push(problem, None);
                        }
                    }
                    Ok(_) => {}
                }
            }
        }
        (Some(_), None) => push(
            format!("\"{text}\" needs a \"\"\" docstring"),
            Some(format!("e.g.\n{}", doc.example)),
        ),
        (None, Some(_)) => push(
            format!("\"{text}\" takes no docstring"),
            Some(format!("e.g. {}", doc.example)),
        ),
        (None, None) => {}
    }
    // A marker as the value of `PATH is VALUE`.
    if let Some(c) = def.re.captures(&step.value)
        && doc.pattern.ends_with(r" is (.+)$")
        && let Some(value) = c.get(2)
        && value.as_str().starts_with('#')
        && let Some(problem) = json::check_marker(value.as_str().trim())
    {
        push(problem, None);
    }
    // Variables: used only once known or remembered.
    let mut used = Vec::new();
    if let Some(d) = &step.docstring {
        used.extend(json::variables(d));
    }
    for row in step.table.iter().flat_map(|t| t.rows.iter()) {
        for cell in row {
            used.extend(json::variables(cell));
        }
    }
    used.extend(json::variables(&step.value));
    for name in used {
        if !known.contains(&name) {
            push(
                format!("`#({name})` is used before it is remembered"),
                Some(format!(
                    "remember it in an earlier step (`Then I remember data.x as \"{name}\"`), or use one of {}",
                    known.iter().cloned().collect::<Vec<_>>().join(", ")
                )),
            );
        }
    }
    if doc.pattern == r#"^I remember (\S+) as "(\w+)"$"#
        && let Some(name) = def.re.captures(&step.value).and_then(|c| c.get(2))
    {
        known.insert(name.as_str().to_owned());
    }
}
