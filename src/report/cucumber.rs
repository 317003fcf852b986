//! The Cucumber JSON report (`--cucumber-json FILE`): the format cucumber-jvm's `json:` plugin
//! writes, which cucumber-html-reporter, Allure, and the Jenkins and GitLab Cucumber plugins
//! read. One element per feature file, one `scenario` element per scenario (its background
//! steps first), each step with its status: the steps before the one that stopped a scenario
//! passed, that one failed (with the deviations as its `error_message`), the rest are skipped.
//! Per-step times are not measured: a scenario's time is shared evenly by the steps it ran
//! (`duration` in nanoseconds, as the format has it).

use std::collections::HashMap;

use cucumber::gherkin;
use serde_json::{Value, json};

use crate::outcome::{Outcome, RunReport, ScenarioRecord};

/// The report as Cucumber JSON (redacted when written). `features` are the ones the run ran
/// (parsed and expanded), for their steps.
pub fn render(report: &RunReport, features: &[gherkin::Feature]) -> String {
    let records: HashMap<&str, &ScenarioRecord> = report
        .scenarios
        .iter()
        .map(|s| (s.location.as_str(), s))
        .collect();
    let mut out = Vec::new();
    for feature in features {
        let uri = crate::feature::path_of(feature);
        let feature_id = slug(&feature.name);
        let mut elements = Vec::new();
        for (rule, scenario) in crate::feature::scenarios(feature) {
            let location = format!("{uri}:{}", scenario.position.line);
            let Some(record) = records.get(location.as_str()) else {
                continue; // left out by --tags or --name
            };
            let background = feature
                .background
                .iter()
                .chain(rule.and_then(|r| r.background.as_ref()))
                .flat_map(|b| b.steps.iter());
            let steps: Vec<&gherkin::Step> = background.chain(scenario.steps.iter()).collect();
            elements.push(json!({
                "id": format!("{feature_id};{}", slug(&scenario.name)),
                "keyword": scenario.keyword,
                "type": "scenario",
                "name": scenario.name,
                "description": scenario.description.clone().unwrap_or_default(),
                "line": scenario.position.line,
                "tags": tags(&crate::feature::tags_of(feature, rule, scenario), scenario.position.line),
                "steps": step_results(record, &uri, &steps),
            }));
        }
        if elements.is_empty() {
            continue;
        }
        out.push(json!({
            "uri": uri,
            "id": feature_id,
            "keyword": feature.keyword,
            "name": feature.name,
            "description": feature.description.clone().unwrap_or_default(),
            "line": feature.position.line,
            "tags": tags(&feature.tags, feature.position.line),
            "elements": elements,
        }));
    }
    serde_json::to_string_pretty(&Value::Array(out)).unwrap_or_else(|_| "[]".into())
}

fn tags(tags: &[String], line: usize) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"name": format!("@{t}"), "line": line}))
            .collect(),
    )
}

/// `Close order` → `close-order`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// The line of the step that stopped the scenario, from `Then … (path:LINE)`.
fn failed_line(record: &ScenarioRecord) -> Option<usize> {
    let step = record.failed_step.as_deref()?;
    let inside = step.rsplit_once('(')?.1.strip_suffix(')')?;
    inside.rsplit_once(':')?.1.parse().ok()
}

fn step_results(record: &ScenarioRecord, uri: &str, steps: &[&gherkin::Step]) -> Value {
    let failed_at = failed_line(record);
    let stopped = match &record.outcome {
        Outcome::Passed => None,
        Outcome::Skipped(_) => Some(0),
        _ => Some(
            failed_at
                .and_then(|line| steps.iter().position(|s| s.position.line == line))
                .unwrap_or(steps.len().saturating_sub(1)),
        ),
    };
    let ran = match (&record.outcome, stopped) {
        (Outcome::Skipped(_), _) => 0,
        (_, Some(i)) => i + 1,
        (_, None) => steps.len(),
    };
    let each = if ran == 0 {
        0
    } else {
        record.duration.as_nanos() as u64 / ran as u64
    };
    let message = error_message(record);
    let out = steps.iter().enumerate().map(|(i, step)| {
        let (status, error) = match stopped {
            _ if matches!(record.outcome, Outcome::Skipped(_)) => ("skipped", None),
            Some(s) if i == s => ("failed", message.clone()),
            Some(s) if i > s => ("skipped", None),
            _ => ("passed", None),
        };
        let mut result = json!({"status": status});
        if status != "skipped" {
            result["duration"] = json!(each);
        }
        if let Some(e) = error {
            result["error_message"] = json!(e);
        }
        let mut step_json = json!({
            "keyword": format!("{} ", step.keyword.trim()),
            "name": step.value,
            "line": step.position.line,
            "match": {"location": format!("{uri}:{}", step.position.line)},
            "result": result,
        });
        if let Some(doc) = &step.docstring {
            step_json["doc_string"] = json!({"value": doc, "line": step.position.line + 1});
        }
        if let Some(table) = &step.table {
            step_json["rows"] =
                Value::Array(table.rows.iter().map(|r| json!({"cells": r})).collect());
        }
        step_json
    });
    Value::Array(out.collect())
}

fn error_message(record: &ScenarioRecord) -> Option<String> {
    let mut lines: Vec<String> = record
        .findings
        .deviations
        .iter()
        .map(|d| format!("deviation {d}"))
        .collect();
    match &record.outcome {
        Outcome::Inconclusive(reason) => lines.push(format!("inconclusive: {reason}")),
        Outcome::Error(message) => lines.push(format!("error: {message}")),
        _ => {}
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}
