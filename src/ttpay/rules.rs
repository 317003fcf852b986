//! The rules of CONTRACT.md section 1, and which scenarios check each: the map `pay-conformance
//! rules` prints, with the faults that prove those scenarios can fail (see [`super::selftest`]).

use std::collections::BTreeMap;

use cucumber::gherkin;

use crate::runner;

/// Rules a provider can break: each needs a scenario, and a fault that the scenario catches.
pub const CHECKED: &[(&str, &str)] = &[
    ("T3", "HTTP 200, application/json, strict JSON object"),
    (
        "T4",
        "envelope: code, msg, request_id (UUID); data on success",
    ),
    (
        "T5",
        "malformed input gets a JSON refusal: no 5xx, no garbage, no hang-up",
    ),
    (
        "A3",
        "a wrong signature is refused with 103 and has no effect",
    ),
    ("A4", "a timestamp an hour old is refused (104 or 103)"),
    ("A5", "an unknown app_id is refused (20000 or 103)"),
    ("A6", "responses are signed (strict / observe / off)"),
    (
        "C2",
        "a create missing a required field is refused and creates nothing",
    ),
    ("C3", "invalid values are refused and create nothing"),
    ("C4", "a monitor order without to_address is refused"),
    (
        "C5",
        "success: prepay_id, and a payment_url that contains it",
    ),
    (
        "C6",
        "out_trade_no is unique per merchant; a duplicate yields no second order",
    ),
    ("Q1", "query by out_trade_no and by transaction_id agree"),
    ("Q2", "a query with neither id is refused"),
    (
        "Q3",
        "a query for a missing order is refused (12002) with no data",
    ),
    (
        "Q4",
        "data is a complete TransactionDetail; times in Unix ms",
    ),
    (
        "Q5",
        "trade_state is NOTPAY, SUCCESS, CLOSED or REFUND, in that case",
    ),
    ("Q6", "the order echoes what create sent"),
    (
        "Q7",
        "a new order is NOTPAY, unpaid, unclosed, created now, expiring on time",
    ),
    ("Q8", "a SUCCESS order has its payment recorded"),
    ("Q9", "orders are private to their merchant"),
    ("X1", "closing a NOTPAY order closes it, with a close_time"),
    ("X2", "closing a SUCCESS order is refused; it stays SUCCESS"),
    (
        "X3",
        "closing a CLOSED order again keeps it CLOSED at the same close_time",
    ),
    (
        "X4",
        "closing a transaction_id that does not exist is refused",
    ),
    ("X5", "a close without transaction_id is refused"),
    ("X6", "another merchant cannot close an order"),
];

/// Rules about how the suite itself sends: enforced by the client, not checks of a provider.
pub const BY_THE_CLIENT: &[(&str, &str)] = &[
    (
        "T1",
        "JSON over HTTP(S) to the three paths, app_id and mch_id in the body",
    ),
    (
        "T2",
        "create and close are POST; query POST or GET (--query-method)",
    ),
    (
        "T6",
        "the business status codes: the vocabulary of the other rules",
    ),
    (
        "A1",
        "every request carries the TTPAY-AES-256-ECB Authorization header",
    ),
    ("A2", "the request signature (--timestamp-unit)"),
    (
        "A7",
        "5 requests per second per app_id: paced, 11001/20004 waited out (--rate-limit)",
    ),
    ("C1", "the required and optional fields of create"),
    (
        "C7",
        "amounts in the currency's smallest unit (--amount-unit)",
    ),
];

/// Rule id → the locations (`features/ttpay/close.feature:7`) of the scenarios tagged with it.
pub fn scenarios_by_rule(features: &[gherkin::Feature]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for feature in features {
        for (rule, scenario) in runner::scenarios(feature) {
            let location = format!("{}:{}", runner::path_of(feature), scenario.position.line);
            for tag in runner::tags_of(feature, rule, scenario) {
                if super::world::is_rule_id(&tag) {
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

/// The coverage of every rule in [`CHECKED`], from the features and a selftest run.
pub fn coverage(
    features: &[gherkin::Feature],
    selftest: &super::selftest::SelftestReport,
) -> Vec<RuleCoverage> {
    let by_rule = scenarios_by_rule(features);
    CHECKED
        .iter()
        .map(|&(id, title)| {
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
pub fn render(coverage: &[RuleCoverage]) -> String {
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
        BY_THE_CLIENT
            .iter()
            .map(|(id, _)| *id)
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
