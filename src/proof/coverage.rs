//! Which scenarios check each rule of a provider's contract: the map `pay-conformance rules`
//! prints, with the faults that prove those scenarios can fail (see [`super::selftest`]).

use std::collections::BTreeMap;

use cucumber::gherkin;

use crate::provider::{Rule, RuleKind};
use crate::runner;

/// Rule id → the locations (`features/ttpay/close.feature:7`) of the scenarios tagged with it.
pub fn scenarios_by_rule(features: &[gherkin::Feature]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for feature in features {
        for (rule, scenario) in runner::scenarios(feature) {
            let location = format!("{}:{}", runner::path_of(feature), scenario.position.line);
            for tag in runner::tags_of(feature, rule, scenario) {
                if crate::provider::is_rule_tag(&tag) {
                    let entry = map.entry(tag).or_default();
                    if !entry.contains(&location) {
                        entry.push(location.clone());
                    }
                }
            }
        }
    }
    map
}

/// One rule's coverage: the scenarios that check it and the faults they were seen to catch.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleCoverage {
    pub id: &'static str,
    pub title: &'static str,
    pub scenarios: Vec<String>,
    /// Faults naming this rule under which a scenario tagged with it reported a deviation of
    /// it in the selftest; those about this rule first.
    pub proven_by: Vec<&'static str>,
}

impl RuleCoverage {
    /// A rule with no scenario, or whose scenarios no fault has been seen to fail.
    pub fn is_gap(&self) -> bool {
        self.scenarios.is_empty() || self.proven_by.is_empty()
    }
}

/// The coverage of every checked rule of `rules`, from the features and a selftest run.
pub fn coverage(
    rules: &[Rule],
    features: &[gherkin::Feature],
    selftest: &super::selftest::SelftestReport,
) -> Vec<RuleCoverage> {
    let by_rule = scenarios_by_rule(features);
    rules
        .iter()
        .filter(|r| r.kind == RuleKind::Checked)
        .map(|&Rule { id, title, .. }| {
            let scenarios = by_rule.get(id).cloned().unwrap_or_default();
            let mut proven: Vec<_> = selftest
                .faults
                .iter()
                .filter(|f| f.rules.contains(&id))
                .filter(|f| {
                    f.deviations
                        .iter()
                        .any(|(at, rules)| scenarios.contains(at) && rules.contains(id))
                })
                .collect();
            proven.sort_by_key(|f| f.rules.first() != Some(&id));
            let proven_by = proven.iter().map(|f| f.fault).collect();
            RuleCoverage {
                id,
                title,
                scenarios,
                proven_by,
            }
        })
        .collect()
}

/// The table `pay-conformance rules` prints.
pub fn render(rules: &[Rule], coverage: &[RuleCoverage]) -> String {
    use std::fmt::Write as _;
    let mut out =
        String::from("rule  scenarios  proven by faults                            what\n");
    for c in coverage {
        let faults = if c.proven_by.is_empty() {
            "GAP: no fault caught".to_owned()
        } else {
            let mut text = c.proven_by.join(", ");
            if text.len() > 42 {
                text = format!("{} (+{} more)", c.proven_by[0], c.proven_by.len() - 1);
            }
            text
        };
        let scenarios = if c.scenarios.is_empty() {
            "GAP".to_owned()
        } else {
            c.scenarios.len().to_string()
        };
        let _ = writeln!(
            out,
            "{:<4}  {scenarios:<9}  {faults:<42}  {}",
            c.id, c.title
        );
    }
    let gaps: Vec<&str> = coverage
        .iter()
        .filter(|c| c.is_gap())
        .map(|c| c.id)
        .collect();
    let _ = writeln!(
        out,
        "\nenforced by the client rather than checked: {}",
        rules
            .iter()
            .filter(|r| r.kind == RuleKind::ByTheClient)
            .map(|r| r.id)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if gaps.is_empty() {
        let _ = writeln!(
            out,
            "gaps: none — every rule has a scenario and a fault that proves it can fail"
        );
    } else {
        let _ = writeln!(out, "gaps: {}", gaps.join(", "));
    }
    out
}
