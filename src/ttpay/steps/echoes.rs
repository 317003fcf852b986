//! The Then steps on whether the order keeps and echoes what it was created with: no second
//! order for a duplicate (C6), the values kept (C6), both queries agreeing (Q1), the echo of
//! the create (Q6) and its amount (C7).

use cucumber::then;
use serde_json::Value;

use super::{StepResult, TtpayWorld, checks, detail, lookup};
use crate::checks::matcher::show;
use crate::findings::{Deviation, StepFailure};
use crate::ttpay::Endpoint;
use crate::ttpay::client::TtpayExchange as _;
use crate::ttpay::client::{Payload, Tamper};

#[then(regex = r"^no second order is created$")]
async fn no_second_order(w: &mut TtpayWorld) -> StepResult {
    let last = w.last()?.clone();
    let first = w.order()?.prepay_id.clone();
    match last.code() {
        Some(0) => {
            let again = last.pointer("/data/prepay_id").and_then(Value::as_str);
            if again.is_some() && again == first.as_deref() {
                return Ok(());
            }
            w.deviate_at(
                "C6",
                &last,
                vec![(
                    "/data/prepay_id".into(),
                    format!(
                        "a refusal (12001), or code 0 with the same prepay_id {}",
                        first.unwrap_or_default()
                    ),
                    format!(
                        "code 0 with prepay_id {}",
                        show(last.pointer("/data/prepay_id"))
                    ),
                )],
            )
        }
        Some(12001) => Ok(()),
        // T6: C6 names 12001 for the refusal of a duplicate.
        _ => w.deviate_at(
            "C6",
            &last,
            vec![(
                "/code".into(),
                "12001 (data already exists), or code 0 with the same prepay_id".into(),
                checks::refusal(&last),
            )],
        ),
    }
}

#[then(regex = r"^the order keeps the values it was created with$")]
async fn keeps_values(w: &mut TtpayWorld) -> StepResult {
    let order = w.order()?.clone();
    let body = lookup(w, order.owner, "out_trade_no", &order.out_trade_no)?;
    w.send_last(
        Endpoint::Query,
        order.owner,
        Payload::Json(body),
        Tamper::None,
    )
    .await?;
    let data = detail(w).await?;
    echo_under(w, "C6", &order.sent, &data)
}

#[then(regex = r"^both queries agree on every field but expire_second$")]
async fn queries_agree(w: &mut TtpayWorld) -> StepResult {
    let [by_out_trade_no, by_transaction_id] = w.queries.as_slice() else {
        return Err(StepFailure::Usage(
            "put \"When the merchant queries it both ways\" before this step".into(),
        ));
    };
    let (a, b) = (by_out_trade_no.clone(), by_transaction_id.clone());
    let mut found = Vec::new();
    for exchange in [&a, &b] {
        if exchange.code() != Some(0) {
            found.push(
                Deviation::new(
                    "Q1",
                    Endpoint::Query.path(),
                    "/code",
                    "0: the order is found",
                    checks::refusal(exchange),
                )
                .with_request_id(exchange.request_id()),
            );
        }
    }
    w.deviate(found)?;
    let differences = checks::agree(
        a.data().unwrap_or(&Default::default()),
        b.data().unwrap_or(&Default::default()),
    )
    .into_iter()
    .map(|(pointer, by_no, by_id)| {
        (
            pointer,
            format!("{by_no} (as found by out_trade_no)"),
            format!("{by_id} (by transaction_id)"),
        )
    })
    .collect();
    w.deviate_at("Q1", &b, differences)
}

#[then(regex = r"^the order echoes what was created$")]
async fn echoes(w: &mut TtpayWorld) -> StepResult {
    let data = detail(w).await?;
    let sent = w.order()?.sent.clone();
    echo_under(w, "Q6", &sent, &data)
}

/// The echo of `sent` in `data` under `rule` (Q6, C6), and its amount under the run's reading
/// (C7): the first order to show an amount decides it.
fn echo_under(
    w: &mut TtpayWorld,
    rule: &str,
    sent: &serde_json::Map<String, Value>,
    data: &serde_json::Map<String, Value>,
) -> StepResult {
    let last = w.last()?.clone();
    let ctx = w.ctx();
    let as_deviations = |rule: &str, found: Vec<(String, String, String)>| {
        found
            .into_iter()
            .map(|(pointer, expected, actual)| last.deviation(rule, pointer, expected, actual))
            .collect::<Vec<_>>()
    };
    let mut found = as_deviations(rule, checks::echoes(sent, data));
    found.extend(as_deviations(
        "C7",
        checks::amount::judge(sent, data, &ctx.amount_reading),
    ));
    w.deviate(found)
}
