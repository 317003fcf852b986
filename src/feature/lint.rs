//! Authoring mistakes in feature files, caught when they are loaded — before anything is
//! sent — with file and line: an unknown marker (`#uuidd`, `#int`), a `#regex` that does not
//! compile, a `#(name)` nothing defines, a `#repeat` over its bound, a table of the wrong
//! shape. At run time each of these would be an error at best and a false deviation at worst.

use std::collections::HashSet;
use std::sync::LazyLock;

use cucumber::gherkin;
use regex::Regex;
use serde_json::Value;

use crate::checks::matcher::is_marker;

/// `#repeat(TEXT, N)` makes at most this many bytes: enough for any size limit worth checking
/// (T5's 8 KiB, a server's 1 MiB), never enough to exhaust the machine.
pub const MAX_REPEAT_BYTES: usize = 16 * 1024 * 1024;

/// What a provider's feature files may use beyond the engine's own markers and generators.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vocabulary {
    /// The names `#(name)` may use without a step remembering them first.
    pub known: &'static [&'static str],
    /// The provider's table-cell generators (`#other_mch_id`).
    pub generators: &'static [&'static str],
    /// How many cells every row of a step's table has, when all its table steps agree.
    pub table_columns: Option<usize>,
}

static VAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"#\((\w+)\)").expect("static"));
static REMEMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^I remember \S+ as "(\w+)"$"#).expect("static"));
static PATH_IS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:data|code|msg|message|detail|request_id)(?:\.\w+)*|/\S*) is (.+)$")
        .expect("static")
});

/// The engine's own table-cell generators.
const GENERATORS: [&str; 2] = ["#absent", "#unique"];
/// Names every world knows.
const ALWAYS_KNOWN: [&str; 2] = ["unique", "now_ms"];

/// Every authoring problem of `features`, as `file:line: what` (empty: none). `vocabulary`
/// `None` skips the `#(name)` check (a provider that has not said what it knows).
pub fn lint(features: &[gherkin::Feature], vocabulary: Option<&Vocabulary>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for feature in features {
        let path = super::path_of(feature);
        for (rule, scenario) in super::scenarios(feature) {
            let steps = feature
                .background
                .iter()
                .chain(rule.and_then(|r| r.background.as_ref()))
                .flat_map(|b| b.steps.iter())
                .chain(scenario.steps.iter());
            let mut remembered: HashSet<String> = HashSet::new();
            for step in steps {
                for problem in step_problems(step, vocabulary, &remembered) {
                    let line = format!("{path}:{}: {problem}", step.position.line);
                    if seen.insert(line.clone()) {
                        problems.push(line);
                    }
                }
                if let Some(c) = REMEMBER.captures(&step.value) {
                    remembered.insert(c[1].to_owned());
                }
            }
        }
    }
    problems
}

fn step_problems(
    step: &gherkin::Step,
    vocabulary: Option<&Vocabulary>,
    remembered: &HashSet<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut texts: Vec<&str> = vec![&step.value];
    if let Some(doc) = &step.docstring {
        texts.push(doc);
    }
    if let Some(table) = &step.table {
        texts.extend(table.rows.iter().flatten().map(String::as_str));
    }
    if let Some(vocabulary) = vocabulary {
        for text in &texts {
            for c in VAR.captures_iter(text) {
                let name = &c[1];
                let known = vocabulary.known.contains(&name)
                    || ALWAYS_KNOWN.contains(&name)
                    || remembered.contains(name);
                if !known {
                    out.push(format!(
                        "`#({name})` is defined by nothing before this step: remember it first (`Then I remember … as \"{name}\"`), or use one of {}, unique, now_ms",
                        vocabulary.known.join(", ")
                    ));
                }
            }
        }
    }
    // Expected values: `Then data.x is "#marker"` and `Then the response matches:`.
    if let Some(c) = PATH_IS.captures(&step.value) {
        let value = c[1].trim();
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::from(value));
        markers(&value, &mut out);
    }
    if step.value == "the response matches:"
        && let Some(doc) = &step.docstring
    {
        let plain = VAR.replace_all(doc, "0");
        match serde_json::from_str::<Value>(&plain) {
            Ok(value) => markers(&value, &mut out),
            Err(e) => out.push(format!("the expected JSON does not parse: {e}")),
        }
    }
    if let Some(table) = &step.table {
        let generators = vocabulary.map_or(&[][..], |v| v.generators);
        if let Some(columns) = vocabulary.and_then(|v| v.table_columns)
            && let Some(row) = table.rows.iter().find(|r| r.len() != columns)
        {
            out.push(format!(
                "the table of \"{}\" has a row of {} cell(s); its rows have {columns}: | field | value |",
                step.value,
                row.len()
            ));
        }
        for cell in table.rows.iter().flatten() {
            if let Some(problem) = cell_problem(cell.trim(), generators) {
                out.push(problem);
            }
        }
    }
    out
}

/// A table cell that starts with `#` must be a generator.
fn cell_problem(cell: &str, generators: &[&str]) -> Option<String> {
    if !cell.starts_with('#')
        || cell.starts_with("#(")
        || GENERATORS.contains(&cell)
        || generators.contains(&cell)
    {
        return None;
    }
    if let Some(args) = cell
        .strip_prefix("#repeat(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let count = args
            .rsplit_once(',')
            .map(|(unit, n)| (unit, n.trim().parse::<usize>()));
        return match count {
            Some((unit, Ok(n))) if unit.trim().len().saturating_mul(n) <= MAX_REPEAT_BYTES => None,
            Some((_, Ok(_))) => Some(format!(
                "`{cell}` is over the limit of {} bytes",
                MAX_REPEAT_BYTES
            )),
            _ => Some(format!("`{cell}`: write #repeat(TEXT, COUNT)")),
        };
    }
    let word = &cell[1..];
    if word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        let mut known: Vec<&str> = GENERATORS.to_vec();
        known.extend_from_slice(generators);
        known.push("#repeat(TEXT, COUNT)");
        known.push("#(name)");
        return Some(format!(
            "unknown generator `{cell}` in a table cell (one of {})",
            known.join(", ")
        ));
    }
    None
}

/// Every string of an expected value that starts with `#` must be a known marker.
fn markers(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with('#') && !s.starts_with("#(") => {
            if let Some(problem) = marker_problem(s) {
                out.push(problem);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| markers(v, out)),
        Value::Object(fields) => fields.values().for_each(|v| markers(v, out)),
        _ => {}
    }
}

const MARKERS: [&str; 14] = [
    "ignore",
    "present",
    "notpresent",
    "null",
    "notnull",
    "string",
    "number",
    "integer",
    "boolean",
    "array",
    "object",
    "uuid",
    "nonempty",
    "regex RE",
];

fn marker_problem(text: &str) -> Option<String> {
    let bare = text.trim_start_matches('#');
    if let Some(pattern) = bare.strip_prefix("regex ") {
        return Regex::new(&format!("^(?:{pattern})$"))
            .err()
            .map(|e| format!("`{text}`: the regular expression does not compile: {e}"));
    }
    if is_marker(text) {
        return None;
    }
    // `#hashtag` words that are no marker: a literal would be written without the `#`
    // ambiguity; an expected value that looks like a marker and is none is a typo.
    if bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        let closest = MARKERS
            .iter()
            .min_by_key(|m| {
                (
                    !m.starts_with(bare) && !bare.starts_with(*m),
                    super::suggest::exact_distance(bare, m),
                )
            })
            .copied()
            .unwrap_or("string");
        return Some(format!(
            "unknown marker `{text}` (did you mean `#{closest}`? markers: #{})",
            MARKERS.join(", #")
        ));
    }
    None
}

/// `Err` when the tag expression `text` selects no scenario of `features`: it names the
/// expression and the existing tags closest to the ones it uses.
pub fn check_selection(
    features: &[gherkin::Feature],
    text: &str,
    expr: &gherkin::tagexpr::TagOperation,
) -> Result<(), String> {
    use cucumber::tag::Ext as _;
    let mut all: Vec<String> = Vec::new();
    for feature in features {
        for (rule, scenario) in super::scenarios(feature) {
            let tags = super::tags_of(feature, rule, scenario);
            if expr.eval(tags.iter()) {
                return Ok(());
            }
            all.extend(tags);
        }
    }
    all.sort();
    all.dedup();
    let used: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter_map(|w| w.strip_prefix('@'))
        .collect();
    let mut closest: Vec<String> = Vec::new();
    for word in &used {
        if all.iter().any(|t| t == word) {
            continue;
        }
        let mut ranked: Vec<&String> = all.iter().collect();
        ranked.sort_by_key(|t| super::suggest::distance(word, t));
        for tag in ranked.into_iter().take(3) {
            let tag = format!("@{tag}");
            if !closest.contains(&tag) {
                closest.push(tag);
            }
        }
    }
    let hint = if closest.is_empty() {
        "every tag it names exists, but no scenario has them together".to_owned()
    } else {
        format!("closest existing tags: {}", closest.join(", "))
    };
    Err(format!(
        "--tags `{text}` matches no scenario\n(hint: {hint}; `pay-conformance rules` lists the rules)"
    ))
}
