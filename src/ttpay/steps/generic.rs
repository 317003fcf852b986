//! The generic layer QA engineers use for what the domain steps do not reach: send any JSON
//! to an endpoint, and assert on the answer with Karate-style markers (`#uuid`, `##string`).
//! `#(name)` in a request stands for a remembered value or one of the order's.
//!
//! ```gherkin
//! When I send to query:
//!   """
//!   {"mch_id": "#(mch_id)", "out_trade_no": "#(out_trade_no)"}
//!   """
//! Then the response code is 0
//! And data.trade_state is "NOTPAY"
//! And the response matches:
//!   """
//!   {"code": 0, "request_id": "#uuid", "data": {"tx_id": "#string", "attach": "##string"}}
//!   """
//! ```

use std::sync::LazyLock;

use cucumber::gherkin::Step;
use cucumber::{then, when};
use regex::Regex;
use serde_json::Value;

use super::calls::endpoint_named;
use super::{Payload, StepResult, Tamper, TtpayWorld, Who};
use crate::checks::matcher::{mismatches, show};
use crate::findings::StepFailure;

static VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r##""#\((\w+)\)"|#\((\w+)\)"##).expect("static pattern"));

#[when(regex = r"^I send to (\w+)( as the other merchant)?:$")]
async fn send_json(w: &mut TtpayWorld, step: &Step, endpoint: String, who: String) -> StepResult {
    let endpoint = endpoint_named(&endpoint)?;
    let text = step.docstring.as_deref().ok_or_else(|| {
        StepFailure::Usage(format!(
            "step \"{}\" needs a \"\"\" JSON docstring",
            step.value
        ))
    })?;
    let mut failure = None;
    let text = VAR.replace_all(text, |c: &regex::Captures<'_>| {
        let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        match w.var(name) {
            Ok(v) => v.to_string(),
            Err(e) => {
                failure = Some(e);
                String::new()
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let body: Value = serde_json::from_str(&text).map_err(|e| {
        StepFailure::Usage(format!(
            "the request of \"{}\" is not JSON: {e}",
            step.value
        ))
    })?;
    let who = if who.is_empty() {
        Who::Merchant
    } else {
        Who::Other
    };
    w.send_last(endpoint, who, Payload::Json(body), Tamper::None)
        .await
}

#[then(regex = r"^the response code is (-?\d+)$")]
async fn code_is(w: &mut TtpayWorld, code: i64) -> StepResult {
    expect_at(w, "/code", &Value::from(code))
}

#[then(regex = r"^the response code is one of ([-\d, ]+)$")]
async fn code_is_one_of(w: &mut TtpayWorld, codes: String) -> StepResult {
    let codes: Vec<i64> = codes
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let last = w.last()?.clone();
    if last.code().is_some_and(|c| codes.contains(&c)) {
        return Ok(());
    }
    let rule = w.rule();
    let list = codes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    w.deviate_at(
        &rule,
        &last,
        vec![(
            "/code".into(),
            format!("one of {list}"),
            show(last.pointer("/code")),
        )],
    )
}

#[then(regex = r"^((?:data|code|msg|request_id)(?:\.\w+)*|/\S*) is (.+)$")]
async fn path_is(w: &mut TtpayWorld, path: String, expected: String) -> StepResult {
    let expected =
        serde_json::from_str(expected.trim()).unwrap_or_else(|_| Value::from(expected.trim()));
    expect_at(w, &to_pointer(&path), &expected)
}

#[then(regex = r"^the response matches:$")]
async fn response_matches(w: &mut TtpayWorld, step: &Step) -> StepResult {
    let text = step.docstring.as_deref().unwrap_or("");
    let expected: Value = serde_json::from_str(text).map_err(|e| {
        StepFailure::Usage(format!(
            "the expected JSON of \"{}\" does not parse: {e}",
            step.value
        ))
    })?;
    expect_at(w, "", &expected)
}

#[then(regex = r#"^I remember (\S+) as "(\w+)"$"#)]
async fn remember(w: &mut TtpayWorld, path: String, name: String) -> StepResult {
    let value = w
        .last()?
        .pointer(&to_pointer(&path))
        .cloned()
        .ok_or_else(|| {
            StepFailure::Usage(format!(
                "the last response has nothing at {path} to remember"
            ))
        })?;
    w.vars.insert(name, value);
    Ok(())
}

/// `data.currency.decimal` → `/data/currency/decimal`; a pointer stays as it is.
fn to_pointer(path: &str) -> String {
    if path.starts_with('/') || path.is_empty() {
        path.to_owned()
    } else {
        format!("/{}", path.replace('.', "/"))
    }
}

fn expect_at(w: &mut TtpayWorld, pointer: &str, expected: &Value) -> StepResult {
    let last = w.last()?.clone();
    let actual = if pointer.is_empty() {
        last.json.as_ref().ok()
    } else {
        last.pointer(pointer)
    };
    let found = mismatches(expected, actual)
        .into_iter()
        .map(|m| (format!("{pointer}{}", m.pointer), m.expected, m.actual))
        .collect();
    let rule = w.rule();
    w.deviate_at(&rule, &last, found)
}
