//! The contract's text, as each provider builds it in ([`Provider::contract`]:
//! `docs/contract-<provider>.md`, each rule a `### ID — title` section). `pay-conformance rules
//! ID` prints a rule's section; a test keeps the ids of the docs, of the features' tags and of
//! the engine ([`Provider::rules`]) in agreement for every provider.
//!
//! [`Provider::contract`]: crate::Provider::contract
//! [`Provider::rules`]: crate::Provider::rules

use serde::Serialize;

/// Whether a rule is something a provider can break, or something the suite's own client
/// guarantees by how it sends (nothing to check in the provider's answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A provider can break it: it needs a scenario, and a fault that scenario catches.
    Checked,
    /// The client guarantees it (how requests are built, paced and signed).
    ByTheClient,
}

/// One rule of a provider's contract (`docs/contract-<provider>.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// `C6`, `W7`: a capital letter and digits, the tag scenarios carry (`@C6`).
    pub id: &'static str,
    /// One line: what the provider must do.
    pub title: &'static str,
    pub kind: RuleKind,
}

impl Rule {
    /// A rule a provider can break.
    pub const fn checked(id: &'static str, title: &'static str) -> Rule {
        Rule {
            id,
            title,
            kind: RuleKind::Checked,
        }
    }

    /// A rule the client guarantees.
    pub const fn by_the_client(id: &'static str, title: &'static str) -> Rule {
        Rule {
            id,
            title,
            kind: RuleKind::ByTheClient,
        }
    }
}

/// `@C6`, `@W7` (without the `@`): the shape of a rule id. Tags of that shape name the rules a
/// scenario checks; the runner and the reports read them so.
pub fn is_rule_tag(tag: &str) -> bool {
    let letters = tag.chars().take_while(char::is_ascii_uppercase).count();
    let digits = &tag[letters..];
    (1..=3).contains(&letters) && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// The id of a `### ID — title` heading.
fn heading_id(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("### ")?;
    let (id, _) = rest.split_once(" — ")?;
    is_rule_tag(id.trim()).then(|| id.trim())
}

/// Every rule id the document defines, in order.
pub fn rule_ids(document: &str) -> Vec<&str> {
    document.lines().filter_map(heading_id).collect()
}

/// The section of rule `id`: its heading and everything up to the next heading of its level
/// or above, trimmed.
pub fn section<'a>(document: &'a str, id: &str) -> Option<&'a str> {
    let mut start = None;
    let mut offset = 0;
    for line in document.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if let Some(s) = start {
            if trimmed.starts_with("### ")
                || trimmed.starts_with("## ")
                || trimmed.starts_with("# ")
            {
                return Some(document[s..offset].trim_end());
            }
        } else if heading_id(trimmed) == Some(id) {
            start = Some(offset);
        }
        offset += line.len();
    }
    start.map(|s| document[s..].trim_end())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rule_ids_are_a_capital_and_digits() {
        use super::is_rule_tag;
        assert!(is_rule_tag("C6") && is_rule_tag("Q10") && is_rule_tag("W7") && is_rule_tag("WN4"));
        assert!(!is_rule_tag("WN") && !is_rule_tag("ABCD1") && !is_rule_tag("W7a"));
        assert!(!is_rule_tag("create") && !is_rule_tag("needs-paid-order") && !is_rule_tag("C"));
    }

    use std::collections::BTreeSet;

    use super::*;

    /// Rules the docs define that the engine does not have yet, each with why. T7 is new in the
    /// contract (docs/contract-ttpay.md, "Who keeps which rule"): its scenarios and fault are to
    /// come.
    const NOT_YET_IN_THE_ENGINE: &[(&str, &str)] = &[];

    #[test]
    fn a_section_is_its_heading_and_text() {
        let doc = crate::Provider::contract(&crate::ttpay::TTPAY).unwrap();
        let c6 = section(doc, "C6").unwrap();
        assert!(
            c6.starts_with("### C6 — out_trade_no is unique per merchant"),
            "{c6}"
        );
        assert!(!c6.contains("### C7"), "{c6}");
        assert!(section(doc, "X6").unwrap().starts_with("### X6"));
        assert!(section(doc, "Z9").is_none());
    }

    #[test]
    fn docs_features_and_engine_agree_on_rule_ids() {
        for provider in crate::providers::all() {
            let name = provider.name();
            let doc = provider
                .contract()
                .unwrap_or_else(|| panic!("no docs/contract-{name}.md"));
            let documented: BTreeSet<&str> = rule_ids(doc).into_iter().collect();
            let engine: BTreeSet<&str> = provider.rules().iter().map(|r| r.id).collect();
            let pending: BTreeSet<&str> = NOT_YET_IN_THE_ENGINE
                .iter()
                .filter(|(p, _)| *p == name)
                .map(|(_, id)| *id)
                .collect();
            let missing: Vec<_> = documented
                .difference(&engine)
                .filter(|id| !pending.contains(*id))
                .collect();
            assert!(
                missing.is_empty(),
                "{name}: in the docs, not in Provider::rules: {missing:?}"
            );
            let undocumented: Vec<_> = engine.difference(&documented).collect();
            assert!(
                undocumented.is_empty(),
                "{name}: in Provider::rules, not in the docs: {undocumented:?}"
            );
            for id in &pending {
                assert!(
                    !engine.contains(id),
                    "{name}: {id} is in the engine now: drop it from NOT_YET_IN_THE_ENGINE"
                );
            }
            let features = provider.load_features(&[]).unwrap();
            for feature in &features {
                for (rule, scenario) in crate::feature::scenarios(feature) {
                    for tag in crate::feature::tags_of(feature, rule, scenario) {
                        if is_rule_tag(&tag) {
                            assert!(
                                engine.contains(tag.as_str()) && documented.contains(tag.as_str()),
                                "{name}: @{tag} of {} is not a rule of both the docs and the engine",
                                crate::feature::path_of(feature)
                            );
                        }
                    }
                }
            }
            for rule in provider.rules() {
                assert!(
                    section(doc, rule.id).is_some_and(|s| s.lines().count() > 1),
                    "{name}: {} has no text",
                    rule.id
                );
            }
        }
    }
}
