//! Feature files as text and as Gherkin: where they come from ([`sources`]), how a parse error
//! reads ([`describe_syntax_error`]), the authoring mistakes caught when they are loaded
//! ([`lint`]), and the walk over their scenarios and tags every part of the engine shares. A
//! leaf: it knows no world, no provider and no run.

use cucumber::gherkin;

pub mod lint;
pub mod sources;
pub mod suggest;
pub mod syntax;

pub use lint::MAX_REPEAT_BYTES;

/// Every scenario of a feature, with its rule.
pub fn scenarios(
    feature: &gherkin::Feature,
) -> impl Iterator<Item = (Option<&gherkin::Rule>, &gherkin::Scenario)> {
    feature.scenarios.iter().map(|s| (None, s)).chain(
        feature
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s))),
    )
}

/// A scenario's tags with its feature's and rule's.
pub fn tags_of(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> Vec<String> {
    let mut tags: Vec<String> = feature
        .tags
        .iter()
        .chain(rule.iter().flat_map(|r| r.tags.iter()))
        .chain(scenario.tags.iter())
        .cloned()
        .collect();
    tags.dedup();
    tags
}

/// Where a feature came from, as reports show it.
pub fn path_of(feature: &gherkin::Feature) -> String {
    feature
        .path
        .as_deref()
        .map_or_else(|| feature.name.clone(), |p| p.display().to_string())
}

/// A Gherkin parse error as a person reads it: `path:line: … at `the line`` and a hint, not
/// the parser's set of expected tokens (`run` and `lint` say the same).
pub fn describe_syntax_error(path: &std::path::Path, text: &str, parser_message: &str) -> String {
    let line = syntax::error_line(parser_message).unwrap_or(1);
    let hint = syntax::hint(text, line);
    let line = syntax::open_docstring(text, line).unwrap_or(line);
    let shown = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim();
    format!(
        "{}:{line}: Gherkin syntax error at `{shown}`\n    hint: {hint}",
        path.display()
    )
}
