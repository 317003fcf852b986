//! Gherkin syntax errors as a person can act on them: the file and line, the line itself,
//! and a hint — not the parser's set of expected tokens.

use super::suggest;

const KEYWORDS: &[&str] = &[
    "Feature:",
    "Rule:",
    "Background:",
    "Scenario:",
    "Scenario Outline:",
    "Scenario Template:",
    "Example:",
    "Examples:",
    "Scenarios:",
];

const STEP_KEYWORDS: &[&str] = &["Given", "When", "Then", "And", "But", "*"];

/// The line the parser stopped at (1-based), from its message `Error at LINE:COL: …`.
pub fn error_line(message: &str) -> Option<usize> {
    let rest = message.split("Error at ").nth(1)?;
    rest.split(':').next()?.trim().parse().ok()
}

/// The line of a docstring opened before `line` and never closed, if there is one.
pub fn open_docstring(text: &str, line: usize) -> Option<usize> {
    let mut open = None;
    for (i, l) in text.lines().enumerate().take(line.saturating_sub(1)) {
        let t = l.trim_start();
        if t.starts_with("\"\"\"") || t.starts_with("```") {
            open = if open.is_some() { None } else { Some(i + 1) };
        }
    }
    open
}

/// What to do about a syntax error at `line` of `text`.
pub fn hint(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.get(line.saturating_sub(1)).map_or("", |l| l.trim());
    let before = &lines[..line.saturating_sub(1).min(lines.len())];
    if open_docstring(text, line).is_some() {
        return "a \"\"\" docstring is not closed: end it with a line of \"\"\"".into();
    }
    if at.starts_with('|') {
        return "a table row must follow a step or `Examples:`, start and end with `|`, and have \
                as many cells as the rows above it"
            .into();
    }
    let first_word = at.split_whitespace().next().unwrap_or("");
    if STEP_KEYWORDS.contains(&first_word) {
        let in_scenario = before.iter().any(|l| {
            let t = l.trim_start();
            ["Scenario", "Background:", "Example:"]
                .iter()
                .any(|k| t.starts_with(k))
        });
        if !in_scenario {
            return "steps belong under a `Scenario:` or `Background:` line".into();
        }
        return "check the lines above: a table or docstring may not be closed, or a keyword is \
                misspelt"
            .into();
    }
    if let Some((head, _)) = at.split_once(':') {
        let head = format!("{head}:");
        if !KEYWORDS.contains(&head.as_str())
            && let Some(k) = suggest::closest(&head, KEYWORDS.iter().copied())
        {
            return format!("`{head}` is not a Gherkin keyword: did you mean `{k}`?");
        }
    }
    if let Some(k) = suggest::closest(first_word, STEP_KEYWORDS.iter().copied())
        && first_word.len() > 2
        && k != "*"
    {
        return format!("`{first_word}` is not a step keyword: did you mean `{k}`?");
    }
    if at.starts_with('@') {
        return "a tag line holds tags only (`@C6 @query`), right above a Feature, Rule, \
                Scenario or Examples"
            .into();
    }
    "each line is a keyword (Feature:, Rule:, Background:, Scenario:, Scenario Outline:, \
     Examples:), a step (Given/When/Then/And/But), a tag (@…), a table row (|…|), a docstring \
     (\"\"\") or a comment (# …); free text only right under Feature: or Scenario:"
        .into()
}
