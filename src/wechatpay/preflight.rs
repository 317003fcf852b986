//! WeChat Pay's preflight ([`crate::preflight`]): before any scenario of a remote run, two
//! signed requests decide whether the target speaks the WeChat Pay API and takes these
//! credentials and platform key; if not, one diagnosis (exit 2).
//!
//! 1. A query of an order that cannot exist (as the merchant, then as the institution for its
//!    sub-merchant when one is configured). A conforming target answers it with a failure
//!    (404 `ORDER_NOT_EXIST` expected; G2 and W4 leave the code open, so any code but the ones
//!    below is understood, malformed or not — the scenarios judge W3). 401 `SIGN_ERROR` is our
//!    signature refused (or our merchant unknown, when its message says so); `MCH_NOT_EXISTS`,
//!    `NO_AUTH`, `ACCOUNT_ERROR` our merchant; an answer in no WeChat Pay shape (HTML, TTPay's
//!    `code`/`msg`) — or 404 `NOT_FOUND` there *and* at `/v3/global/certificates` — is not the
//!    API.
//! 2. A create of a one-unit order (G1, as the scenarios send it; closed when the run ends).
//!    400 `APPID_MCHID_NOT_MATCH` is our app id. Its 200 is the first answer W7 says must be
//!    signed: with a configured platform key (`WECHATPAY_PUBLIC_KEY_*`, or a certificate) whose
//!    id is not the answer's `Wechatpay-Serial`, or whose key does not verify it, the settings
//!    are wrong. Downloaded certificates are the target's own word: a mismatch there is W7's.
//!
//! No answer is the network's: the run goes on and its scenarios are inconclusive (exit 3).

use std::future::Future;

use serde_json::Value;

use super::client::{Call, Tamper};
use super::config::{Merchant, Platform};
use super::crypto::{PublicKey, verify_response};
use super::steps::{create_order, fresh_out_trade_no, query_call_of};
use super::world::{Who, WxContext};
use crate::error::ConfigError;
use crate::exchange::{Exchange, SignatureCheck};
use crate::preflight::{content_kind, diagnosis, message, not_the_api};
use crate::settings::ResponseSignatures;

/// Codes that refuse the merchant rather than the order.
const MERCHANT: [&str; 3] = ["MCH_NOT_EXISTS", "NO_AUTH", "ACCOUNT_ERROR"];
/// The path the first probe names in a diagnosis.
const QUERY: &str = "/v3/global/transactions/out-trade-no/{out_trade_no}";
/// The certificate list: a second look when the query path is not found.
const CERTIFICATES: &str = "/v3/global/certificates";

/// How the query probe was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// A 2xx, or a failure in WeChat Pay's shape that refuses the order: the scenarios judge.
    Understood,
    /// The signature (or the merchant) refused: the failure's status, code, message.
    SignRefused(u16, String, String),
    /// The merchant refused.
    Merchant(u16, String, String),
    /// No WeChat Pay answer here: the status, the kind of body, whether it is TTPay's.
    NotTheApi(u16, String, bool),
    /// Nothing came back.
    Unreachable,
}

/// Probes the target of `ctx` (its platform keys not loaded yet: `load` loads them after the
/// first probe, so that a URL that is not the API is said before a certificate download fails).
pub async fn run(
    ctx: &WxContext,
    platform: &Platform,
    signatures: ResponseSignatures,
    load: impl Future<Output = Result<(), ConfigError>>,
) -> Result<(), ConfigError> {
    let merchant = &ctx.merchant;
    if !understood(ctx, Who::Merchant, merchant, "WECHATPAY_", None).await? {
        return Ok(());
    }
    if let Some(i) = &ctx.institution {
        // The institution is WECHATPAY_SP_* when configured apart, else the merchant itself.
        let prefix = if i.sp.mchid == merchant.mchid && i.sp.serial_no == merchant.serial_no {
            "WECHATPAY_"
        } else {
            "WECHATPAY_SP_"
        };
        let sub = Some(i.sub_mchid.as_str());
        if !understood(ctx, Who::Institution, &i.sp, prefix, sub).await? {
            return Ok(());
        }
    }
    load.await?;
    let Ok(created) = create_order(ctx, Who::Merchant, "").await else {
        return Ok(());
    };
    let exchange = &created.answer;
    if refuses_appid(exchange) {
        return Err(diagnosis(format!(
            "the target refuses WECHATPAY_APPID `{}` for merchant `{}` ({} {} {:?}): check WECHATPAY_APPID (the app bound to WECHATPAY_MCHID)",
            merchant.appid,
            merchant.mchid,
            exchange.status,
            code(exchange).unwrap_or_default(),
            message(exchange)
        )));
    }
    if signatures != ResponseSignatures::Off
        && (200..300).contains(&exchange.status)
        && let Some(what) = platform_mismatch(exchange, platform)
    {
        return Err(diagnosis(format!(
            "the response signature does not verify with WECHATPAY_PUBLIC_KEY_ID / the platform certificate: {what}"
        )));
    }
    Ok(())
}

/// The query probe of `who`, signed by `signer` (configured by the `prefix` variables, acting
/// for `sub` in institutional mode): `Ok(true)` understood, `Ok(false)` no answer, `Err` the
/// diagnosis.
async fn understood(
    ctx: &WxContext,
    who: Who,
    signer: &Merchant,
    prefix: &str,
    sub: Option<&str>,
) -> Result<bool, ConfigError> {
    let query = query_call_of(ctx, who, &fresh_out_trade_no(""));
    let answer = match send(ctx, &query, signer).await {
        None => Answer::Unreachable,
        Some(exchange) => match judge(&exchange) {
            Answer::NotTheApi(404, _, _) if wechatpay_shaped(&exchange) => {
                certificates_answer(ctx, signer).await
            }
            other => other,
        },
    };
    let mchid = &signer.mchid;
    let what = match answer {
        Answer::Understood => return Ok(true),
        Answer::Unreachable => return Ok(false),
        Answer::NotTheApi(status, kind, ttpay) => {
            return Err(not_the_api(
                "WeChat Pay",
                status,
                &kind,
                ctx.client.base_url(),
                QUERY,
                &url_hint(ctx.client.base_url(), &kind, ttpay),
            ));
        }
        Answer::SignRefused(status, code, msg) if says_unknown_merchant(&msg) => format!(
            "unknown merchant: the target does not know {prefix}MCHID `{mchid}` ({status} {code} {msg:?}): check {prefix}MCHID (the merchant id of the merchant platform)"
        ),
        Answer::SignRefused(status, code, msg) => format!(
            "the target refuses our signature ({status} {code} {msg:?}) as merchant `{mchid}`: check {prefix}SERIAL_NO (the serial of the merchant's API certificate) and the key ({prefix}PRIVATE_KEY_FILE: that certificate's private key); a clock more than 5 minutes off is refused too"
        ),
        Answer::Merchant(status, code, msg) => match sub {
            Some(sub) => format!(
                "unknown merchant: the target refuses the institution `{mchid}` acting for WECHATPAY_SUB_MCHID `{sub}` ({status} {code} {msg:?}): check WECHATPAY_SUB_MCHID (a sub-merchant of {prefix}MCHID)"
            ),
            None => format!(
                "unknown merchant: the target refuses {prefix}MCHID `{mchid}` ({status} {code} {msg:?}): check {prefix}MCHID, and that the merchant may use this API"
            ),
        },
    };
    Err(diagnosis(what))
}

/// One signed call as `signer`; `None` when nothing came back.
async fn send(ctx: &WxContext, call: &Call, signer: &Merchant) -> Option<Exchange> {
    ctx.client.call(call, signer, &Tamper::None).await.ok()
}

/// The second look: the certificate list answered with anything but a 404 means the API is
/// there, and the query's 404 `NOT_FOUND` was its way of not finding the order.
async fn certificates_answer(ctx: &WxContext, signer: &Merchant) -> Answer {
    let call = Call {
        endpoint: CERTIFICATES.into(),
        method: reqwest::Method::GET,
        target: CERTIFICATES.into(),
        body: Vec::new(),
    };
    match send(ctx, &call, signer).await {
        None => Answer::Unreachable,
        Some(e) if e.status == 404 || !wechatpay_shaped(&e) => {
            Answer::NotTheApi(e.status, content_kind(&e), ttpay_shaped(&e))
        }
        Some(_) => Answer::Understood,
    }
}

fn judge(exchange: &Exchange) -> Answer {
    let status = exchange.status;
    if (200..300).contains(&status) {
        return Answer::Understood;
    }
    if !wechatpay_shaped(exchange) {
        // A front end's 5xx or 429 page is the network's trouble, not a wrong URL.
        if status >= 500 || status == 429 {
            return Answer::Unreachable;
        }
        return Answer::NotTheApi(status, content_kind(exchange), ttpay_shaped(exchange));
    }
    let code = code(exchange).unwrap_or_default();
    match code.as_str() {
        "SIGN_ERROR" => Answer::SignRefused(status, code, message(exchange)),
        _ if status == 401 => Answer::SignRefused(status, code, message(exchange)),
        c if MERCHANT.contains(&c) => Answer::Merchant(status, code, message(exchange)),
        "NOT_FOUND" if status == 404 => Answer::NotTheApi(404, content_kind(exchange), false),
        _ => Answer::Understood,
    }
}

/// A WeChat Pay failure's `code`: the JSON string, or the `CODE` of a text body `CODE: …` (a
/// W3 deviation, still the API's answer).
fn code(exchange: &Exchange) -> Option<String> {
    if let Some(code) = exchange.pointer("/code").and_then(Value::as_str) {
        return Some(code.chars().take(32).collect());
    }
    let text = String::from_utf8_lossy(exchange.body.get(..64).unwrap_or(&exchange.body));
    let (word, _) = text.split_once(':')?;
    let upper = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_';
    (!word.is_empty() && word.bytes().all(upper)).then(|| word.to_owned())
}

/// Whether an answer is in a WeChat Pay shape, however malformed: a `code` string, a JSON
/// object with a `message` (W3's failure without its code), or the platform's signature
/// headers. TTPay's envelope (`code` a number and `msg`) and HTML pages are not.
fn wechatpay_shaped(exchange: &Exchange) -> bool {
    let signed = ["wechatpay-serial", "wechatpay-signature"]
        .iter()
        .any(|h| exchange.headers.contains_key(*h));
    signed || code(exchange).is_some() || exchange.pointer("/message").is_some()
}

/// Whether it looks like TTPay's envelope (`code` a number, `msg`).
fn ttpay_shaped(exchange: &Exchange) -> bool {
    exchange.pointer("/code").is_some_and(Value::is_i64) && exchange.pointer("/msg").is_some()
}

fn url_hint(base_url: &str, kind: &str, ttpay: bool) -> String {
    let trimmed = base_url.trim_end_matches('/');
    if ttpay {
        "it answers in TTPay's envelope (`code` a number, `msg`): is it a TTPay target? (run it with --provider ttpay)".into()
    } else if trimmed.ends_with("/v3") || trimmed.ends_with("/v3/global") {
        "--base-url ends with /v3: give the host only (the suite adds /v3/global/…)".into()
    } else if kind == "HTML" {
        "is --base-url a WeChat Pay API host (e.g. https://apihk.mch.weixin.qq.com), not a web page?"
            .into()
    } else {
        "is --base-url a WeChat Pay API host (e.g. https://apihk.mch.weixin.qq.com)?".into()
    }
}

/// Whether a 401's message says the merchant itself is unknown (rather than its key).
fn says_unknown_merchant(msg: &str) -> bool {
    let m = msg.to_lowercase();
    let merchant = ["mchid", "merchant", "商户号"]
        .iter()
        .any(|w| m.contains(w));
    let unknown = ["unknown", "not a merchant", "not exist", "不存在"]
        .iter()
        .any(|w| m.contains(w));
    let key = ["serial", "序列号", "signature", "签名"]
        .iter()
        .any(|w| m.contains(w));
    merchant && unknown && !key
}

/// Whether a create was refused for its app id: `APPID_MCHID_NOT_MATCH`, or a parameter
/// failure whose `detail.field` is the app id.
fn refuses_appid(exchange: &Exchange) -> bool {
    if (200..300).contains(&exchange.status) {
        return false;
    }
    let field = exchange
        .pointer("/detail/field")
        .and_then(Value::as_str)
        .unwrap_or("");
    code(exchange).as_deref() == Some("APPID_MCHID_NOT_MATCH") || field.ends_with("appid")
}

/// What is wrong with the configured platform key, judged on a 2xx answer: `None` when it
/// verifies, or when the answer is not signed at all (W7's to judge), or when the keys were
/// downloaded (the target's own word).
fn platform_mismatch(exchange: &Exchange, platform: &Platform) -> Option<String> {
    if exchange.signature == SignatureCheck::Valid {
        return None;
    }
    let get = |name: &str| exchange.headers.get(name).and_then(|v| v.to_str().ok());
    let ts = get("wechatpay-timestamp")?;
    let nonce = get("wechatpay-nonce")?;
    let signature = get("wechatpay-signature")?;
    let serial: String = get("wechatpay-serial")?.trim().chars().take(64).collect();
    let (id, key, names): (&str, &PublicKey, [&str; 2]) = match platform {
        Platform::PublicKey { id, key } => (
            id,
            key,
            ["WECHATPAY_PUBLIC_KEY_ID", "WECHATPAY_PUBLIC_KEY_FILE"],
        ),
        Platform::Certificate(cert) => (
            cert.serial(),
            cert.public_key(),
            [
                "the serial of WECHATPAY_PLATFORM_CERT_FILE",
                "WECHATPAY_PLATFORM_CERT_FILE",
            ],
        ),
        Platform::Download => return None,
    };
    let verifies = verify_response(key, ts, nonce, &exchange.body, signature).is_ok();
    let named = serial.eq_ignore_ascii_case(id);
    let [id_name, key_name] = names;
    match (named, verifies) {
        // Only the clock is off: W7's to judge.
        (true, true) => None,
        (false, true) => Some(format!(
            "the target names its key `{serial}`, {id_name} is `{id}` (the key of {key_name} is the right one): set it to `{serial}`"
        )),
        (false, false) => Some(format!(
            "the target signs with `{serial}`, {id_name} is `{id}`, and the key of {key_name} does not verify its answers: configure this target's platform key and its id"
        )),
        (true, false) => Some(format!(
            "the target names `{serial}` as configured, but the key of {key_name} does not verify its answers: is it this target's platform key?"
        )),
    }
}

#[cfg(test)]
#[path = "preflight_tests.rs"]
mod tests;
