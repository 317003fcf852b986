//! The generic layer QA engineers use for what the domain steps do not reach: send any JSON
//! to an endpoint, and assert on the answer with Karate-style markers (`#uuid`, `##string`).
//! `#(name)` stands for a remembered value or one the provider knows — in a request and in an
//! expected answer alike.
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
//!
//! A provider registers these steps for its world with
//! `crate::generic_steps!(MyWorld);` in its steps module.

use std::sync::LazyLock;

use cucumber::gherkin::Step;
use regex::Regex;
use serde_json::Value;

use crate::checks::matcher::{mismatches, show};
use crate::findings::StepFailure;
use crate::world::{Party, ProviderWorld, StepResult, var};

static VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r##""#\((\w+)\)"|#\((\w+)\)"##).expect("static pattern"));

/// Registers the generic steps for `$world` (an identifier naming a type that implements
/// [`ProviderWorld`]).
#[macro_export]
#[doc(hidden)]
macro_rules! generic_steps {
    ($world:ident) => {
        mod generic_steps {
            use super::$world;
            use $crate::cucumber_reexport::gherkin::Step;
            use $crate::steps::generic as g;
            use $crate::world::StepResult;

            #[$crate::cucumber_reexport::when(
                regex = r"^I send to ([A-Za-z0-9_]+)( as the other merchant)?:$"
            )]
            async fn send_json(
                w: &mut $world,
                step: &Step,
                endpoint: String,
                who: String,
            ) -> StepResult {
                g::send_json(w, step, &endpoint, $crate::world::Party::parse(&who)).await
            }

            #[$crate::cucumber_reexport::then(regex = r"^the response code is (-?[0-9]+)$")]
            async fn code_is(w: &mut $world, code: i64) -> StepResult {
                g::expect_at(w, "/code", &::serde_json::Value::from(code))
            }

            #[$crate::cucumber_reexport::then(regex = r"^the response code is one of ([-0-9, ]+)$")]
            async fn code_is_one_of(w: &mut $world, codes: String) -> StepResult {
                g::code_is_one_of(w, &codes)
            }

            #[$crate::cucumber_reexport::then(
                regex = r"^((?:data|code|msg|message|detail|request_id)(?:\.\w+)*|/\S*) is (.+)$"
            )]
            async fn path_is(w: &mut $world, path: String, expected: String) -> StepResult {
                g::path_is(w, &path, &expected)
            }

            #[$crate::cucumber_reexport::then(regex = r"^the response matches:$")]
            async fn response_matches(w: &mut $world, step: &Step) -> StepResult {
                g::response_matches(w, step)
            }

            #[$crate::cucumber_reexport::then(regex = r#"^I remember (\S+) as "(\w+)"$"#)]
            async fn remember(w: &mut $world, path: String, name: String) -> StepResult {
                g::remember(w, &path, name)
            }
        }
    };
}

/// `When I send to ENDPOINT[ as the other merchant]:` with a JSON docstring.
pub async fn send_json<W: ProviderWorld>(
    w: &mut W,
    step: &Step,
    endpoint: &str,
    who: Party,
) -> StepResult {
    let text = step.docstring.as_deref().ok_or_else(|| {
        StepFailure::Usage(format!(
            "step \"{}\" needs a \"\"\" JSON docstring",
            step.value
        ))
    })?;
    let text = substitute(w, text)?;
    let body: Value = serde_json::from_str(&text).map_err(|e| {
        StepFailure::Usage(format!(
            "the request of \"{}\" is not JSON: {e}",
            step.value
        ))
    })?;
    w.send_json(endpoint, who, body).await
}

/// `#(name)` in `text` replaced by the JSON of its value (a quoted `"#(name)"` whole).
pub fn substitute<W: ProviderWorld>(w: &W, text: &str) -> Result<String, StepFailure> {
    let mut failure = None;
    let text = VAR.replace_all(text, |c: &regex::Captures<'_>| {
        let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        match var(w, name) {
            Ok(v) => v.to_string(),
            Err(e) => {
                failure = Some(e);
                String::new()
            }
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(text.into_owned()),
    }
}

/// `Then the response code is one of A, B`.
pub fn code_is_one_of<W: ProviderWorld>(w: &mut W, codes: &str) -> StepResult {
    let codes: Vec<i64> = codes
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let last = w.scenario().last()?.clone();
    let code = last.pointer("/code").and_then(Value::as_i64);
    if code.is_some_and(|c| codes.contains(&c)) {
        return Ok(());
    }
    let list = codes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let state = w.scenario_mut();
    let rule = state.rule();
    state.deviate_at(
        rule,
        &last,
        vec![(
            "/code".into(),
            format!("one of {list}"),
            show(last.pointer("/code")),
        )],
    )
}

/// `Then data.x is VALUE` (JSON, else text).
pub fn path_is<W: ProviderWorld>(w: &mut W, path: &str, expected: &str) -> StepResult {
    let expected = expected.trim();
    let expected = serde_json::from_str(expected).unwrap_or_else(|_| Value::from(expected));
    expect_at(w, &to_pointer(path), &expected)
}

/// `Then the response matches:` with expected JSON (markers, `#(name)` substituted).
pub fn response_matches<W: ProviderWorld>(w: &mut W, step: &Step) -> StepResult {
    let text = step.docstring.as_deref().unwrap_or("");
    let text = substitute(w, text)?;
    let expected: Value = serde_json::from_str(&text).map_err(|e| {
        StepFailure::Usage(format!(
            "the expected JSON of \"{}\" does not parse: {e}",
            step.value
        ))
    })?;
    expect_at(w, "", &expected)
}

/// `Then I remember data.x as "name"`.
pub fn remember<W: ProviderWorld>(w: &mut W, path: &str, name: String) -> StepResult {
    let value = w
        .scenario()
        .last()?
        .pointer(&to_pointer(path))
        .cloned()
        .ok_or_else(|| {
            StepFailure::Usage(format!(
                "the last response has nothing at {path} to remember"
            ))
        })?;
    w.scenario_mut().vars.insert(name, value);
    Ok(())
}

/// `data.currency.decimal` → `/data/currency/decimal`; a pointer stays as it is.
pub fn to_pointer(path: &str) -> String {
    if path.starts_with('/') || path.is_empty() {
        path.to_owned()
    } else {
        format!("/{}", path.replace('.', "/"))
    }
}

/// The last answer at `pointer` (the whole body for `""`) must match `expected`; each
/// mismatch is a deviation of the scenario's rules.
pub fn expect_at<W: ProviderWorld>(w: &mut W, pointer: &str, expected: &Value) -> StepResult {
    let last = w.scenario().last()?.clone();
    let actual = if pointer.is_empty() {
        last.json.as_ref().ok()
    } else {
        last.pointer(pointer)
    };
    let found = mismatches(expected, actual)
        .into_iter()
        .map(|m| (format!("{pointer}{}", m.pointer), m.expected, m.actual))
        .collect();
    let state = w.scenario_mut();
    let rule = state.rule();
    state.deviate_at(rule, &last, found)
}
