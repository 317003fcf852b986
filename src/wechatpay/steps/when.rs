//! `When`: creates, queries, the certificate download, and closes — right, by either id, by
//! whom, with malformed bodies, other methods, spoiled signatures and every SDK's form (W1, W4,
//! W6). Each keeps its answer as the last exchange; none judges it.

use std::sync::LazyLock;

use cucumber::gherkin::Step;
use cucumber::when;
use rand::Rng as _;
use regex::Regex;
use reqwest::Method;
use serde_json::json;

use super::{
    Key, close_body, close_call, close_path, create_call, fresh_out_trade_no, query_state,
};
use crate::findings::StepFailure;
use crate::wechatpay::client::{Call, Tamper};
use crate::wechatpay::crypto::ParamOrder;
use crate::wechatpay::world::{WechatpayWorld, Who};
use crate::world::StepResult;

/// Closes the order under test by `key` as `who`, with `body` (the default one when `None`).
async fn close(
    w: &mut WechatpayWorld,
    who: Who,
    key: Key,
    body: Option<Vec<u8>>,
    tamper: Tamper,
) -> StepResult {
    let ctx = w.ctx();
    let order = w.order()?.clone();
    let id = match key {
        Key::OutTradeNo => order.out_trade_no.clone(),
        Key::TransactionId => {
            match order.id.clone() {
                Some(id) => id,
                None => {
                    w.halt("G2", "closing by transaction_id: the target gave no id for the unpaid order (G2)".into());
                    return Ok(());
                }
            }
        }
    };
    let body = body.unwrap_or_else(|| close_body(&ctx, who));
    let call = close_call(&ctx, key, &id, Method::POST, body);
    w.send_last(&call, who, &tamper).await
}

#[when(regex = r"^the merchant creates an order$")]
async fn create(w: &mut WechatpayWorld) -> StepResult {
    let ctx = w.ctx();
    let call = create_call(&ctx, Who::Merchant, &fresh_out_trade_no(""))?;
    w.send_last(&call, Who::Merchant, &Tamper::None).await
}

#[when(regex = r"^the institution creates an order for a sub-merchant$")]
async fn create_sub(w: &mut WechatpayWorld) -> StepResult {
    let ctx = w.ctx();
    let call = create_call(&ctx, Who::Institution, &fresh_out_trade_no(""))?;
    w.send_last(&call, Who::Institution, &Tamper::None).await
}

#[when(regex = r"^the merchant creates it again with the same content$")]
async fn create_again(w: &mut WechatpayWorld) -> StepResult {
    let order = w.order()?.clone();
    w.send_last(&order.create, order.owner, &Tamper::None).await
}

#[when(regex = r"^the (?:merchant|institution) queries it$")]
async fn query(w: &mut WechatpayWorld) -> StepResult {
    query_state(w, true).await.map(|_| ())
}

#[when(regex = r"^the merchant downloads the platform certificates$")]
async fn download(w: &mut WechatpayWorld) -> StepResult {
    let call = Call {
        endpoint: "/v3/global/certificates".into(),
        method: Method::GET,
        target: "/v3/global/certificates".into(),
        body: Vec::new(),
    };
    w.send_last(&call, Who::Merchant, &Tamper::None).await
}

#[when(regex = r"^the merchant closes it$")]
async fn close_it(w: &mut WechatpayWorld) -> StepResult {
    close(w, Who::Merchant, Key::OutTradeNo, None, Tamper::None).await
}

#[when(regex = r"^the merchant closes it by (out_trade_no|transaction_id)$")]
async fn close_by(w: &mut WechatpayWorld, key: String) -> StepResult {
    close(w, Who::Merchant, Key::parse(&key), None, Tamper::None).await
}

#[when(regex = r"^the merchant closes it again$")]
async fn close_again(w: &mut WechatpayWorld) -> StepResult {
    close(w, Who::Merchant, Key::OutTradeNo, None, Tamper::None).await
}

#[when(regex = r"^the institution closes it$")]
async fn institution_closes(w: &mut WechatpayWorld) -> StepResult {
    close(w, Who::Institution, Key::OutTradeNo, None, Tamper::None).await
}

#[when(
    regex = r"^the merchant closes an order that does not exist by (out_trade_no|transaction_id)$"
)]
async fn close_missing(w: &mut WechatpayWorld, key: String) -> StepResult {
    let ctx = w.ctx();
    let key = Key::parse(&key);
    let id = match key {
        Key::OutTradeNo => fresh_out_trade_no(""),
        Key::TransactionId => format!(
            "4200000000{:022}",
            rand::rng().random_range(0..10u128.pow(22))
        ),
    };
    let call = close_call(
        &ctx,
        key,
        &id,
        Method::POST,
        close_body(&ctx, Who::Merchant),
    );
    w.send_last(&call, Who::Merchant, &Tamper::None).await
}

#[when(regex = r"^the other merchant closes it by (out_trade_no|transaction_id)$")]
async fn other_closes(w: &mut WechatpayWorld, key: String) -> StepResult {
    close(w, Who::Other, Key::parse(&key), None, Tamper::None).await
}

#[when(
    regex = r"^the merchant closes it with a body (without mchid|with mchid as a number|that is not JSON|that is empty|with institutional fields)$"
)]
async fn close_malformed(w: &mut WechatpayWorld, case: String) -> StepResult {
    let ctx = w.ctx();
    let mchid = ctx.merchant.mchid.clone();
    let number = if !mchid.is_empty() && mchid.bytes().all(|b| b.is_ascii_digit()) {
        mchid.clone()
    } else {
        "1900000109".into()
    };
    let sub = ctx
        .institution
        .as_ref()
        .map_or_else(|| "1900000001".to_owned(), |i| i.sub_mchid.clone());
    let body = match case.as_str() {
        "without mchid" => b"{}".to_vec(),
        "with mchid as a number" => format!(r#"{{"mchid":{number}}}"#).into_bytes(),
        "that is not JSON" => format!("mchid={mchid}").into_bytes(),
        "that is empty" => Vec::new(),
        _ => serde_json::to_vec(&json!({"mchid": mchid, "sp_mchid": mchid, "sub_mchid": sub}))
            .unwrap_or_default(),
    };
    close(w, Who::Merchant, Key::OutTradeNo, Some(body), Tamper::None).await
}

#[when(regex = r"^the institution closes it with a body (without sub_mchid|with a mchid as well)$")]
async fn institution_malformed(w: &mut WechatpayWorld, case: String) -> StepResult {
    let i = w.institution()?;
    let body = if case == "without sub_mchid" {
        json!({"sp_mchid": i.sp.mchid})
    } else {
        json!({"sp_mchid": i.sp.mchid, "sub_mchid": i.sub_mchid, "mchid": i.sp.mchid})
    };
    close(
        w,
        Who::Institution,
        Key::OutTradeNo,
        Some(serde_json::to_vec(&body).unwrap_or_default()),
        Tamper::None,
    )
    .await
}

#[when(
    regex = r"^the merchant closes it naming (an unknown mchid|the other merchant's mchid) in the body$"
)]
async fn close_naming(w: &mut WechatpayWorld, whom: String) -> StepResult {
    let mchid = if whom.starts_with("the other") {
        w.merchant(Who::Other)?.mchid
    } else {
        format!("19{:08}", rand::rng().random_range(0..100_000_000u32))
    };
    let body = serde_json::to_vec(&json!({"mchid": mchid})).unwrap_or_default();
    close(w, Who::Merchant, Key::OutTradeNo, Some(body), Tamper::None).await
}

#[when(regex = r"^the merchant sends ([A-Za-z0-9_]+) to the order's close path$")]
async fn other_method(w: &mut WechatpayWorld, method: String) -> StepResult {
    let method = match method.as_str() {
        "GET" => Method::GET,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        "PATCH" => Method::PATCH,
        other => {
            return Err(StepFailure::Usage(format!(
                "`{other}`: one of GET, PUT, DELETE, PATCH"
            )));
        }
    };
    let ctx = w.ctx();
    let order = w.order()?.clone();
    let body = if method == Method::PUT || method == Method::PATCH {
        close_body(&ctx, Who::Merchant)
    } else {
        Vec::new()
    };
    let call = close_call(&ctx, Key::OutTradeNo, &order.out_trade_no, method, body);
    w.send_last(&call, Who::Merchant, &Tamper::None).await
}

#[when(
    regex = r#"^the merchant closes it (signed with another key|with one byte of the body changed|signed for another path|signed as a GET|with an unknown serial_no|naming another mchid in the Authorization|with a timestamp 301 seconds old|with a timestamp 301 seconds ahead|with a timestamp an hour old|with a timestamp in milliseconds|without an Authorization header|with the Authorization scheme "([^"]*)")$"#
)]
async fn close_spoiled(w: &mut WechatpayWorld, how: String, scheme: String) -> StepResult {
    let ctx = w.ctx();
    let tamper = match how.as_str() {
        "signed with another key" => Tamper::OtherKey,
        "with one byte of the body changed" => Tamper::BodyByteChanged,
        "signed for another path" => {
            Tamper::OtherPath(close_path(&ctx, Key::OutTradeNo, &fresh_out_trade_no("")).1)
        }
        "signed as a GET" => Tamper::SignedAsGet,
        "with an unknown serial_no" => Tamper::UnknownSerial,
        "naming another mchid in the Authorization" => {
            Tamper::OtherMchid(ctx.other.as_ref().map(|o| o.mchid.clone()))
        }
        "with a timestamp 301 seconds old" => Tamper::TimestampOffset(-301),
        "with a timestamp 301 seconds ahead" => Tamper::TimestampOffset(301),
        "with a timestamp an hour old" => Tamper::TimestampOffset(-3600),
        "with a timestamp in milliseconds" => Tamper::TimestampMillis,
        "without an Authorization header" => Tamper::NoAuthorization,
        _ => Tamper::Scheme(scheme),
    };
    close(w, Who::Merchant, Key::OutTradeNo, None, tamper).await
}

#[when(
    regex = r#"^the merchant closes it with the Authorization parameters in the order "([^"]*)"$"#
)]
async fn close_in_order(w: &mut WechatpayWorld, order: String) -> StepResult {
    let names: Vec<&str> = order.split(',').map(str::trim).collect();
    let found = ParamOrder::ALL
        .into_iter()
        .find(|o| o.names().as_slice() == names.as_slice());
    let Some(order) = found else {
        return Err(StepFailure::Usage(format!(
            "`{order}` is no SDK's order\n(hint: one of {})",
            ParamOrder::ALL.map(|o| o.names().join(",")).join("; ")
        )));
    };
    close(
        w,
        Who::Merchant,
        Key::OutTradeNo,
        None,
        Tamper::Order(order),
    )
    .await
}

#[when(regex = r"^the merchant closes it with a nonce of ([0-9]+) characters$")]
async fn close_with_nonce(w: &mut WechatpayWorld, length: usize) -> StepResult {
    if !(1..=32).contains(&length) {
        return Err(StepFailure::Usage(format!(
            "a nonce of {length} characters: W6 accepts 1 to 32"
        )));
    }
    close(
        w,
        Who::Merchant,
        Key::OutTradeNo,
        None,
        Tamper::NonceLength(length),
    )
    .await
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#\((\w+)\)").expect("static pattern"));

#[when(regex = r"^the merchant closes it with exactly the body:$")]
async fn close_exactly(w: &mut WechatpayWorld, step: &Step) -> StepResult {
    let text = step.docstring.as_deref().ok_or_else(|| {
        StepFailure::Usage(format!("step \"{}\" needs a \"\"\" docstring", step.value))
    })?;
    let text = text.strip_prefix('\n').unwrap_or(text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut failure = None;
    let body = PLACEHOLDER.replace_all(text, |c: &regex::Captures<'_>| {
        match crate::world::var(&*w, &c[1]) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(e) => {
                failure = Some(e);
                String::new()
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let body = body.into_owned().into_bytes();
    close(w, Who::Merchant, Key::OutTradeNo, Some(body), Tamper::None).await
}
