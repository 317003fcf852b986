//! One probe per CONTRACT rule: a few requests that check the rule the way a suite would, and
//! nothing else. The conforming double passes them all; each fault fails exactly the probes of
//! the rules it lists (`Fault::rules`), and always its first one.

use std::collections::BTreeSet;

use pay_conformance::ttpay::Endpoint;
use pay_conformance::ttpay::double::{DoubleConfig, Fault};
use serde_json::{Value, json};

use crate::client::{Answer, Auth, Harness};

macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+));
        }
    };
}

mod create;
mod methods;
mod notify;
mod orders;
mod transport;

use create::{c2, c3_c4, c5, c6};
use methods::t7;
use orders::{c7, privacy, q1, q4, q5, q6, q7, q8, x1_x3, x2};
use transport::{a3, a6, t3, t4, t5};

/// The rules probed, in the order they run: X2 last, as a faulty X2 may close the paid order.
pub const PROBED: [&str; 29] = [
    "T3", "T4", "T5", "T7", "A3", "A4", "A5", "A6", "C2", "C3", "C4", "C5", "C6", "C7", "Q1", "Q2",
    "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9", "X1", "X3", "X4", "X5", "X6", "X2",
];

/// Checks `rule` against the harness's double.
pub async fn check(h: &Harness, rule: &str) -> Result<(), String> {
    let (me, other) = (h.merchant(0), h.merchant(1));
    match rule {
        "T3" => t3(h, &me).await,
        "T4" => t4(h, &me).await,
        "T5" => t5(h, &me).await,
        "T7" => t7(h, &me).await,
        "C7" => c7(h, &me).await,
        "A3" => a3(h, &me).await,
        "A4" | "A5" => {
            let auth = if rule == "A4" {
                Auth::Stale
            } else {
                Auth::UnknownApp
            };
            let body = json!({"app_id": me.app_id, "mch_id": me.mch_id, "out_trade_no": "X"});
            let answer = h.post_as(&me, Endpoint::Query, &body, auth).await;
            let codes: &[i64] = if rule == "A4" {
                &[103, 104]
            } else {
                &[20000, 103]
            };
            ensure!(
                code_in(&answer, codes),
                "{rule}: answered {:?}",
                answer.code()
            );
            Ok(())
        }
        "A6" => a6(h, &me).await,
        "C2" => c2(h, &me).await,
        "C3" | "C4" => c3_c4(h, &me, &other, rule).await,
        "C5" => c5(h, &me).await,
        "C6" => c6(h, &me).await,
        "Q1" => q1(h, &me).await,
        "Q2" => {
            let body = json!({"app_id": me.app_id, "mch_id": me.mch_id});
            let answer = h.post(&me, Endpoint::Query, &body).await;
            ensure!(
                code_in(&answer, &[100, 11003, 20005]),
                "Q2: {:?}",
                answer.code()
            );
            Ok(())
        }
        "Q3" => {
            let answer = h.query(&me, "out_trade_no", "NO-SUCH-ORDER").await;
            ensure!(!answer.is_ok(), "Q3: an unknown order answered code 0");
            ensure!(answer.data().is_null(), "Q3: data {}", answer.data());
            Ok(())
        }
        "Q4" => q4(h, &me).await,
        "Q5" => q5(h, &me).await,
        "Q6" => q6(h, &me).await,
        "Q7" => q7(h, &me).await,
        "Q8" => q8(h, &me).await,
        "Q9" | "X6" => privacy(h, &me, &other, rule).await,
        "X1" | "X3" => x1_x3(h, &me, rule).await,
        "X2" => x2(h, &me).await,
        "X4" => {
            let answer = h.close(&me, "0123456789abcdef0123456789abcdef").await;
            ensure!(!answer.is_ok(), "X4: closing an unknown order answered 0");
            Ok(())
        }
        "X5" => {
            let body = json!({"app_id": me.app_id, "mch_id": me.mch_id});
            let answer = h.post(&me, Endpoint::Close, &body).await;
            ensure!(!answer.is_ok(), "X5: a close without id answered 0");
            Ok(())
        }
        _ => Err(format!("no probe for {rule}")),
    }
}
fn code_in(answer: &Answer, codes: &[i64]) -> bool {
    answer.code().is_some_and(|code| codes.contains(&code))
}

fn state(detail: &Value) -> &str {
    detail["trade_state"].as_str().unwrap_or_default()
}
/// A detail without its one time-dependent field.
fn without_expire_second(mut detail: Value) -> Value {
    if let Some(members) = detail.as_object_mut() {
        members.remove("expire_second");
    }
    detail
}
/// The probes that fail against a double with `fault`.
async fn failing(fault: Option<Fault>) -> BTreeSet<&'static str> {
    let h = Harness::start(
        DoubleConfig::builtin()
            .with_notify_speedup(1000)
            .with_fault(fault),
    )
    .await;
    let mut failing = notify::failing(&h).await;
    for rule in PROBED {
        if check(&h, rule).await.is_err() {
            failing.insert(rule);
        }
    }
    failing
}

#[tokio::test]
async fn the_conforming_double_passes_every_probe() {
    let h = Harness::start(DoubleConfig::builtin().with_notify_speedup(1000)).await;
    let broken = notify::failing(&h).await;
    assert!(broken.is_empty(), "notification probes fail: {broken:?}");
    for rule in PROBED {
        if let Err(problem) = check(&h, rule).await {
            panic!("{problem}");
        }
    }
}

#[tokio::test]
async fn every_fault_breaks_exactly_the_rules_it_lists() {
    let mut problems = Vec::new();
    for &fault in Fault::all() {
        let failing = failing(Some(fault)).await;
        let listed: BTreeSet<&str> = fault
            .rules()
            .iter()
            .copied()
            .filter(|r| PROBED.contains(r) || notify::RULES.contains(r))
            .collect();
        if !failing.contains(fault.rules()[0]) || failing != listed {
            problems.push(format!("{fault}: lists {listed:?}, breaks {failing:?}"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
