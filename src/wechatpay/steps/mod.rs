//! The steps of the WeChat Pay features (`features/wechatpay/STEPS.md`): `given` sets orders
//! up, `when` sends closes (right and spoiled), `then` asks [`super::checks`] to judge. The
//! requests themselves are built here, as W1 says, over the engine's generic QA steps.

pub(crate) mod docs;
mod given;
mod notifications;
mod then;
mod when;

crate::generic_steps!(WechatpayWorld);

use reqwest::Method;
use serde_json::{Value, json};

use super::checks;
use super::client::{Call, Tamper, encode_id};
use super::world::{Order, Pooled, WechatpayWorld, Who, WxContext};
use crate::findings::{Inconclusive, StepFailure};
use crate::world::fresh_id;

/// How a close names its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    OutTradeNo,
    TransactionId,
}

impl Key {
    fn parse(text: &str) -> Key {
        if text == "transaction_id" {
            Key::TransactionId
        } else {
            Key::OutTradeNo
        }
    }
}

/// Where creates and queries go whatever the path flavour: the Close Order page gives the
/// legacy `/hk/v3/…` form for the close path only.
const GLOBAL: &str = "/v3/global/transactions";

/// A fresh `out_trade_no` (at most 32 characters), containing `text` when given.
pub fn fresh_out_trade_no(text: &str) -> String {
    let id = fresh_id("pc");
    if text.is_empty() {
        id
    } else {
        format!("{}{text}{}", &id[..14], &id[14..20])
    }
}

/// `POST …/native`: a one-unit Native order of `who` (`Who::Institution`: for its sub-merchant).
pub fn create_call(ctx: &WxContext, who: Who, out_trade_no: &str) -> Result<Call, StepFailure> {
    let owner = match who {
        Who::Institution => {
            let i = ctx.institution.as_ref().ok_or_else(|| {
                StepFailure::Usage(
                    "this step needs an institution: tag the scenario @institutional".into(),
                )
            })?;
            let mut owner =
                json!({"sp_mchid": i.sp.mchid, "sp_appid": i.sp.appid, "sub_mchid": i.sub_mchid});
            if let Some(appid) = &i.sub_appid {
                owner["sub_appid"] = Value::from(appid.clone());
            }
            owner
        }
        Who::Merchant => json!({"mchid": ctx.merchant.mchid, "appid": ctx.merchant.appid}),
        Who::Other => {
            return Err(StepFailure::Usage(
                "orders are created by the merchant or the institution".into(),
            ));
        }
    };
    let mut body = owner;
    body["description"] = "pay-conformance close check".into();
    body["out_trade_no"] = out_trade_no.into();
    body["notify_url"] = ctx.notify_url.clone().into();
    body["amount"] = json!({"total": 1, "currency": ctx.currency});
    let prefix = GLOBAL;
    Ok(Call {
        endpoint: format!("{prefix}/native"),
        method: Method::POST,
        target: format!("{prefix}/native"),
        body: serde_json::to_vec(&body).unwrap_or_default(),
    })
}

/// The query string that names `who` (G2).
fn owner_query(ctx: &WxContext, who: Who) -> String {
    match (who, &ctx.institution, &ctx.other) {
        (Who::Institution, Some(i), _) => format!(
            "sp_mchid={}&sub_mchid={}",
            encode_id(&i.sp.mchid),
            encode_id(&i.sub_mchid)
        ),
        (Who::Other, _, Some(o)) => format!("mchid={}", encode_id(&o.mchid)),
        _ => format!("mchid={}", encode_id(&ctx.merchant.mchid)),
    }
}

/// `GET …/out-trade-no/{out_trade_no}?mchid=…` for the order's owner.
pub fn query_call(ctx: &WxContext, order: &Order) -> Call {
    query_call_of(ctx, order.owner, &order.out_trade_no)
}

/// `GET …/out-trade-no/{out_trade_no}?mchid=…` as `who`.
pub fn query_call_of(ctx: &WxContext, who: Who, out_trade_no: &str) -> Call {
    let prefix = GLOBAL;
    Call {
        endpoint: format!("{prefix}/out-trade-no/{{out_trade_no}}"),
        method: Method::GET,
        target: format!(
            "{prefix}/out-trade-no/{}?{}",
            encode_id(out_trade_no),
            owner_query(ctx, who)
        ),
        body: Vec::new(),
    }
}

/// The path of a close by `key` of `id`.
pub fn close_path(ctx: &WxContext, key: Key, id: &str) -> (String, String) {
    let prefix = ctx.client.flavour.transactions();
    match key {
        Key::OutTradeNo => (
            format!("{prefix}/out-trade-no/{{out_trade_no}}/close"),
            format!("{prefix}/out-trade-no/{}/close", encode_id(id)),
        ),
        Key::TransactionId => (
            format!("{prefix}/id/{{transaction_id}}/close"),
            format!("{prefix}/id/{}/close", encode_id(id)),
        ),
    }
}

/// The close body of `who` (W1): `{"mchid"}`, or `{"sp_mchid", "sub_mchid"}`.
pub fn close_body(ctx: &WxContext, who: Who) -> Vec<u8> {
    let body = match (who, &ctx.institution, &ctx.other) {
        (Who::Institution, Some(i), _) => json!({"sp_mchid": i.sp.mchid, "sub_mchid": i.sub_mchid}),
        (Who::Other, _, Some(o)) => json!({"mchid": o.mchid}),
        _ => json!({"mchid": ctx.merchant.mchid}),
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// A close of `id` by `key` with these body bytes.
pub fn close_call(ctx: &WxContext, key: Key, id: &str, method: Method, body: Vec<u8>) -> Call {
    let (endpoint, target) = close_path(ctx, key, id);
    Call {
        endpoint,
        method,
        target,
        body,
    }
}

/// Creates an order of `who` (containing `text` in its `out_trade_no`): the order and the
/// create's answer, unjudged (the pre-pass of W5 and the `Given`s share it).
pub async fn create_order(ctx: &WxContext, who: Who, text: &str) -> Result<Pooled, Inconclusive> {
    let out_trade_no = fresh_out_trade_no(text);
    let call = create_call(ctx, who, &out_trade_no).map_err(|e| Inconclusive {
        endpoint: "/native".into(),
        reason: e.to_string(),
    })?;
    place(ctx, who, out_trade_no, call).await
}

/// Sends the create `call` of `out_trade_no` as `who` (the merchant, or the institution's
/// service provider) and answers the order it made.
pub async fn place(
    ctx: &WxContext,
    who: Who,
    out_trade_no: String,
    call: Call,
) -> Result<Pooled, Inconclusive> {
    let signer = match who {
        Who::Institution => ctx.institution.as_ref().map_or(&ctx.merchant, |i| &i.sp),
        _ => &ctx.merchant,
    };
    let created = std::time::Instant::now();
    let answer = ctx.client.call(&call, signer, &Tamper::None).await?;
    ctx.note_created(who, &call, &answer);
    let code_url = answer
        .pointer("/code_url")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Pooled {
        order: Order {
            owner: who,
            out_trade_no,
            id: None,
            create: call,
            code_url,
            created,
        },
        answer,
    })
}

/// Queries the order under test as its owner: its state, judged as G2 (and kept as the last
/// exchange when `keep`).
pub async fn query_state(
    w: &mut WechatpayWorld,
    keep: bool,
) -> Result<(String, crate::exchange::Exchange), StepFailure> {
    let ctx = w.ctx();
    let order = w.order()?.clone();
    let exchange = w
        .send(&query_call(&ctx, &order), order.owner, &Tamper::None)
        .await?;
    if keep {
        w.state.last = Some(exchange.clone());
    }
    match checks::queried(&exchange) {
        Ok(state) => {
            if let Some(id) = exchange
                .pointer("/id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                && let Some(o) = w.order.as_mut()
            {
                o.id = Some(id.to_owned());
            }
            Ok((state, exchange))
        }
        Err(found) => {
            // An id that needs percent-encoding is W1's evidence too (its path is the encoded one).
            let rule = if encode_id(&order.out_trade_no) == order.out_trade_no {
                "G2"
            } else {
                "G2,W1"
            };
            w.judge(rule, &exchange, found)?;
            Err(StepFailure::Usage(
                "unreachable: a G2 deviation was recorded".into(),
            ))
        }
    }
}

/// The call of the generic `When I send to ENDPOINT:` step: `create`, `query` or `close` (the
/// order's, by `out_trade_no`), with `body` as its JSON.
pub fn generic_call(w: &WechatpayWorld, endpoint: &str, body: &Value) -> Result<Call, StepFailure> {
    let ctx = w.ctx();
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    match endpoint {
        "create" => {
            let mut call = create_call(&ctx, Who::Merchant, "x")?;
            call.body = bytes;
            Ok(call)
        }
        "query" => Ok(query_call(&ctx, w.order()?)),
        "close" => Ok(close_call(
            &ctx,
            Key::OutTradeNo,
            &w.order()?.out_trade_no,
            Method::POST,
            bytes,
        )),
        other => Err(StepFailure::Usage(format!(
            "unknown endpoint `{other}`\n(hint: create, query or close)"
        ))),
    }
}

/// The rules a generic judgement of this scenario stands for: its rule tags.
pub fn scenario_rules(w: &WechatpayWorld) -> String {
    let rules: Vec<String> = w.state.rules.clone();
    if rules.is_empty() {
        "W4".into()
    } else {
        rules.join(",")
    }
}

/// Stops a step when the scenario was halted earlier.
pub fn halted(w: &WechatpayWorld) -> bool {
    w.halted.is_some()
}

/// Makes sure there is a last exchange to judge.
pub fn last(w: &WechatpayWorld) -> Result<crate::exchange::Exchange, StepFailure> {
    w.state.last().cloned()
}
