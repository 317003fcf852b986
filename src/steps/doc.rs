//! The step catalogue: what each step does, its parameters, whether it takes a table or a
//! docstring, and an example — for `pay-conformance steps` (text, `--markdown`, `--json`),
//! for `docs/steps.md`, and for the lint (table shapes, docstrings, did-you-mean).
//!
//! Each provider keeps a table of [`StepDoc`]s keyed by the step's regular expression
//! ([`crate::Provider::step_docs`]); the generic steps have theirs in
//! [`super::generic_docs::DOCS`]. A test holds every registered step to a doc, and every doc
//! to a step.

use std::fmt::Write as _;

use serde::Serialize;

use crate::world::StepInfo;

/// What a step's docstring holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Docstring {
    /// A JSON request body (`#(name)` substituted).
    JsonRequest,
    /// Expected JSON, with Karate-style markers (`#uuid`, `##string`, `#regex RE`).
    JsonExpected,
    /// Any text, sent as it is.
    Text,
}

/// The documentation of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StepDoc {
    /// The step's regular expression, exactly as registered.
    pub pattern: &'static str,
    /// What it does, in a sentence or two.
    pub summary: &'static str,
    /// Each capture of the pattern: `(name, what it may be)`.
    pub params: &'static [(&'static str, &'static str)],
    /// The table it takes, as its header reads (`| field | value |`).
    pub table: Option<&'static str>,
    pub docstring: Option<Docstring>,
    /// A use of it, as a feature file writes it (with its table or docstring).
    pub example: &'static str,
}

impl StepDoc {
    /// The number of columns of its table, if it takes one.
    pub fn table_columns(&self) -> Option<usize> {
        self.table.map(|t| t.matches('|').count().saturating_sub(1))
    }

    /// The example's first line without its keyword: the text a step must resemble.
    pub fn example_text(&self) -> &'static str {
        let line = self.example.lines().next().unwrap_or("").trim();
        ["Given ", "When ", "Then ", "And ", "But ", "* "]
            .iter()
            .find_map(|k| line.strip_prefix(k))
            .unwrap_or(line)
    }
}

/// One step of a provider with its doc (absent only if someone forgot to write it).
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[serde(flatten)]
    pub step: StepInfo,
    #[serde(flatten)]
    pub doc: Option<StepDoc>,
    /// Whether it is one of the engine's generic steps.
    pub generic: bool,
}

/// Every step of `steps`, in that order, with its doc: the engine's generic docs first, then
/// `docs` (the shared tables a provider registers, its own).
pub fn catalogue(steps: Vec<StepInfo>, docs: &[&[StepDoc]]) -> Vec<Entry> {
    let docs: Vec<(StepDoc, bool)> = super::generic_docs::DOCS
        .iter()
        .map(|d| (*d, true))
        .chain(docs.iter().flat_map(|t| t.iter()).map(|d| (*d, false)))
        .collect();
    steps
        .into_iter()
        .map(|step| {
            let found = docs.iter().find(|(d, _)| d.pattern == step.pattern);
            Entry {
                doc: found.map(|(d, _)| *d),
                generic: found.is_some_and(|(_, g)| *g),
                step,
            }
        })
        .collect()
}

/// Registered steps without a doc, and docs without a registered step (both empty = in step):
/// the generic docs and `own` must each have a step; a `shared` table (the notification
/// steps') counts only where one of its steps is registered.
pub fn mismatched(
    steps: Vec<StepInfo>,
    own: &[StepDoc],
    shared: &[&[StepDoc]],
) -> (Vec<String>, Vec<&'static str>) {
    let registered = |d: &StepDoc| steps.iter().any(|s| s.pattern == d.pattern);
    let used: Vec<&[StepDoc]> = shared
        .iter()
        .copied()
        .filter(|t| t.iter().any(registered))
        .collect();
    let orphans = super::generic_docs::DOCS
        .iter()
        .chain(used.iter().flat_map(|t| t.iter()))
        .chain(own)
        .filter(|d| !registered(d))
        .map(|d| d.pattern)
        .collect();
    let mut tables = used;
    tables.push(own);
    let undocumented = catalogue(steps.clone(), &tables)
        .into_iter()
        .filter(|e| e.doc.is_none())
        .map(|e| e.step.pattern)
        .collect();
    (undocumented, orphans)
}

fn what_it_takes(doc: &StepDoc) -> Option<String> {
    match (doc.table, doc.docstring) {
        (Some(t), _) => Some(format!("a table {t}")),
        (None, Some(Docstring::JsonRequest)) => Some("a \"\"\" docstring: the JSON body".into()),
        (None, Some(Docstring::JsonExpected)) => {
            Some("a \"\"\" docstring: expected JSON with markers".into())
        }
        (None, Some(Docstring::Text)) => Some("a \"\"\" docstring: the text sent".into()),
        (None, None) => None,
    }
}

/// The catalogue as a person reads it in a terminal.
pub fn render_text(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        let _ = writeln!(out, "{:<5} {}", e.step.keyword, e.step.pattern);
        let Some(doc) = &e.doc else {
            let _ = writeln!(out, "      (undocumented)\n");
            continue;
        };
        let _ = writeln!(out, "      {}", doc.summary);
        for (name, what) in doc.params {
            let _ = writeln!(out, "      - {name}: {what}");
        }
        if let Some(takes) = what_it_takes(doc) {
            let _ = writeln!(out, "      takes {takes}");
        }
        for line in doc.example.lines() {
            let _ = writeln!(out, "      | {line}");
        }
        out.push('\n');
    }
    out
}

/// The catalogue as `docs/steps.md`.
pub fn render_markdown(title: &str, name: &str, entries: &[Entry]) -> String {
    let mut out = format!(
        "# Steps of {}\n\nGenerated by `pay-conformance steps --markdown --provider {}`; a test \
         keeps it current. How to use them: [writing-features.md](writing-features.md).\n",
        title, name
    );
    for (title, generic) in [("Domain steps", false), ("Generic steps", true)] {
        let _ = writeln!(out, "\n## {title}\n");
        for e in entries.iter().filter(|e| e.generic == generic) {
            let Some(doc) = &e.doc else { continue };
            let _ = writeln!(out, "### {} {}\n", e.step.keyword, doc.example_text());
            let _ = writeln!(out, "{}\n", doc.summary);
            let _ = writeln!(out, "Pattern: `{}`\n", e.step.pattern.replace('`', "\\`"));
            for (name, what) in doc.params {
                let _ = writeln!(out, "- `{name}`: {what}");
            }
            if !doc.params.is_empty() {
                out.push('\n');
            }
            if let Some(takes) = what_it_takes(doc) {
                let _ = writeln!(out, "Takes {}.\n", takes.replace('|', "\\|"));
            }
            let _ = writeln!(out, "```gherkin\n{}\n```\n", doc.example);
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The catalogue as JSON, for editors.
pub fn render_json(entries: &[Entry]) -> String {
    serde_json::to_string_pretty(entries).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_step_of_every_provider_has_a_doc_and_every_doc_a_step() {
        for provider in crate::providers::all() {
            let (undocumented, orphans) = crate::provider::step_mismatches(*provider);
            assert!(
                undocumented.is_empty(),
                "{}: steps without a StepDoc: {undocumented:#?}",
                provider.name()
            );
            assert!(
                orphans.is_empty(),
                "{}: StepDocs of no step: {orphans:#?}",
                provider.name()
            );
        }
    }

    #[test]
    fn every_example_is_matched_by_its_own_pattern() {
        for provider in crate::providers::all() {
            for e in crate::provider::step_catalogue(*provider) {
                let doc = e.doc.expect("documented");
                let re = regex::Regex::new(doc.pattern).expect("a pattern");
                assert!(
                    re.is_match(doc.example_text()),
                    "{}: the example `{}` does not match `{}`",
                    provider.name(),
                    doc.example_text(),
                    doc.pattern
                );
                assert_eq!(
                    doc.table.is_some(),
                    doc.example.contains("\n  |"),
                    "{}",
                    doc.pattern
                );
            }
        }
    }

    #[test]
    fn docs_steps_md_is_current() {
        for provider in crate::providers::all() {
            let file = provider.steps_doc_file();
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs")
                .join(&file);
            let want = crate::provider::steps_markdown(*provider);
            let have = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                have == want,
                "docs/{file} is stale: regenerate it with `cargo run -- steps --markdown --provider {} > docs/{file}`",
                provider.name()
            );
        }
    }
}
