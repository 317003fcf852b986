//! The provider's paths: routing, create (G1), query (G2), close (W1, W2, W4, W5) and the
//! platform certificate list (W7).

use std::sync::{Arc, Mutex};

use http::Method;
use serde_json::json;

use super::Fault;
use super::auth::signer;
use super::config::DoubleConfig;
use super::envelope::{Failure, Scope, answer, failure};
use super::state::{State, TradeState, lock, now_s};
use super::validate::{self, close_body, create_body, path_id, query_scope};
use super::{CONTROL_PREFIX, control};
use crate::double::server::{DoubleReply, DoubleRequest, Handler};
use crate::wechatpay::crypto::{aead_nonce, certificates_body};

/// The path prefixes of the transactions tree: the current one and the legacy one (W1).
pub const TRANSACTIONS_PREFIXES: [&str; 2] = ["/v3/global/transactions/", "/hk/v3/transactions/"];
/// The certificate list, global and (what wechatpayv3 calls) domestic.
pub const CERTIFICATES_PATHS: [&str; 2] = ["/v3/global/certificates", "/v3/certificates"];

/// The double as a [`Handler`] of the bounded server.
pub(crate) struct Endpoints {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) config: Arc<DoubleConfig>,
}

/// What a transactions path names.
enum Route {
    Create,
    Query(Key),
    Close(Key),
}

/// How a path names an order.
enum Key {
    OutTradeNo(String),
    Id(String),
}

impl Handler for Endpoints {
    fn handle(&self, request: DoubleRequest) -> DoubleReply {
        if request.path.starts_with(CONTROL_PREFIX) {
            return control::handle(&self.state, &self.config, &request);
        }
        let mut state = lock(&self.state);
        let config = &*self.config;
        let (result, scope) = route(&mut state, config, &request);
        match result {
            Ok(reply) => reply,
            Err(f) => failure(&mut state, config, f, scope),
        }
    }

    fn refuse(&self, status: u16, reason: &str) -> DoubleReply {
        let code = match status {
            413 => "PARAM_ERROR",
            _ => "INVALID_REQUEST",
        };
        let mut state = lock(&self.state);
        failure(
            &mut state,
            &self.config,
            Failure::new(status, code, reason),
            Scope::Other,
        )
    }
}

fn route(
    state: &mut State,
    config: &DoubleConfig,
    request: &DoubleRequest,
) -> (Result<DoubleReply, Failure>, Scope) {
    if CERTIFICATES_PATHS.contains(&request.path.as_str()) {
        return (certificates(state, config, request), Scope::Other);
    }
    let legacy_off = state.has(Fault::LegacyPathMissing);
    let rest = TRANSACTIONS_PREFIXES
        .iter()
        .enumerate()
        .filter(|(i, _)| !(legacy_off && *i == 1))
        .find_map(|(_, prefix)| request.path.strip_prefix(prefix));
    let Some(rest) = rest else {
        return (
            Err(Failure::new(404, "NOT_FOUND", "no such path")),
            Scope::Other,
        );
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let decoded = |raw: &str| -> Result<String, Failure> {
        if state.has(Fault::EncodedIdNotDecoded) {
            Ok(raw.to_owned())
        } else {
            path_id(raw)
        }
    };
    let route = match parts.as_slice() {
        ["native"] => Ok(Route::Create),
        ["out-trade-no", otn] => decoded(otn).map(|k| Route::Query(Key::OutTradeNo(k))),
        ["id", id] => decoded(id).map(|k| Route::Query(Key::Id(k))),
        ["out-trade-no", otn, "close"] => decoded(otn).map(|k| Route::Close(Key::OutTradeNo(k))),
        ["id", id, "close"] => decoded(id).map(|k| Route::Close(Key::Id(k))),
        _ => Err(Failure::new(404, "NOT_FOUND", "no such path")),
    };
    match route {
        Ok(Route::Create) => (create(state, config, request), Scope::Other),
        Ok(Route::Query(key)) => (query(state, config, request, &key), Scope::Other),
        Ok(Route::Close(key)) => (close(state, config, request, &key), Scope::Close),
        Err(f) => (Err(f), Scope::Other),
    }
}

/// The signer's index after the signature, the rate limit.
fn admitted(
    state: &mut State,
    config: &DoubleConfig,
    request: &DoubleRequest,
    close: bool,
) -> Result<usize, Failure> {
    let who = signer(config, state.fault, request, close)?;
    if !state.admit(&config.merchants[who].mchid) {
        return Err(Failure::new(
            429,
            "FREQUENCY_LIMITED",
            "too many requests, slow down",
        ));
    }
    Ok(who)
}

fn find(state: &State, scope: &validate::Scope, key: &Key, anyone: bool) -> Option<String> {
    let owned = |id: &String| {
        state
            .orders
            .get(id)
            .is_some_and(|o| anyone || (o.owner == scope.owner && o.sub_mchid == scope.sub_mchid))
    };
    match key {
        Key::Id(id) => Some(id.clone()).filter(owned),
        Key::OutTradeNo(otn) if anyone => state
            .arrival
            .iter()
            .rev()
            .find(|id| {
                state
                    .orders
                    .get(*id)
                    .is_some_and(|o| o.out_trade_no == *otn)
            })
            .cloned(),
        Key::OutTradeNo(otn) => state
            .by_out_trade_no(&scope.owner, scope.sub_mchid.as_deref(), otn)
            .map(str::to_owned),
    }
}

fn create(
    state: &mut State,
    config: &DoubleConfig,
    request: &DoubleRequest,
) -> Result<DoubleReply, Failure> {
    if request.method != Method::POST {
        return Err(Failure::new(405, "REQUIRE_POST_METHOD", "use POST"));
    }
    let who = admitted(state, config, request, false)?;
    let c = create_body(&request.body, &config.merchants[who])?;
    let existing = state
        .by_out_trade_no(
            &c.scope.owner,
            c.scope.sub_mchid.as_deref(),
            &c.out_trade_no,
        )
        .map(str::to_owned);
    if let Some(id) = existing {
        let renew = state.has(Fault::CreateNotIdempotent);
        let fresh_url = format!("weixin://wxpay/bizpayurl/up?pr={}", state.ids.hex(16));
        let order = state.orders.get_mut(&id).ok_or_else(Failure::not_found)?;
        if order.created_with != c.body {
            return Err(Failure::new(
                400,
                "INVALID_REQUEST",
                "out_trade_no is already used with other content",
            ));
        }
        match order.state {
            TradeState::Success => return Err(Failure::new(403, "ORDERPAID", "order paid")),
            TradeState::Closed => return Err(Failure::new(400, "ORDERCLOSED", "order closed")),
            TradeState::NotPay => {}
        }
        if renew {
            order.code_url = fresh_url;
        }
        let body = json!({"code_url": order.code_url});
        return Ok(answer(state, config, 200, Some(&body), Scope::Other));
    }
    let id = state.insert(
        c.scope.owner,
        c.scope.sub_mchid,
        c.appid,
        c.out_trade_no,
        c.description,
        c.notify_url,
        (c.total, c.currency),
        c.body,
        now_s(),
    );
    let code_url = state
        .orders
        .get(&id)
        .map(|o| o.code_url.clone())
        .unwrap_or_default();
    Ok(answer(
        state,
        config,
        200,
        Some(&json!({"code_url": code_url})),
        Scope::Other,
    ))
}

fn query(
    state: &mut State,
    config: &DoubleConfig,
    request: &DoubleRequest,
    key: &Key,
) -> Result<DoubleReply, Failure> {
    if request.method != Method::GET {
        return Err(Failure::new(405, "METHOD_NOT_ALLOWED", "use GET"));
    }
    let who = admitted(state, config, request, false)?;
    let scope = query_scope(request.query.as_deref(), &config.merchants[who])?;
    let id = find(state, &scope, key, false).ok_or_else(Failure::not_found)?;
    let lower = state.has(Fault::QueryStateLowercase);
    let body = state
        .orders
        .get(&id)
        .map(|o| o.query_view(lower))
        .ok_or_else(Failure::not_found)?;
    Ok(answer(state, config, 200, Some(&body), Scope::Other))
}

fn close(
    state: &mut State,
    config: &DoubleConfig,
    request: &DoubleRequest,
    key: &Key,
) -> Result<DoubleReply, Failure> {
    let wrong_method = request.method != Method::POST;
    if wrong_method && !state.has(Fault::WrongMethodCloses) {
        return Err(Failure::new(405, "REQUIRE_POST_METHOD", "use POST"));
    }
    let who = admitted(state, config, request, true)?;
    let signer = &config.merchants[who];
    let check_mchid = !state.has(Fault::BodyMchidUnchecked);
    let scope = match close_body(&request.body, signer, check_mchid) {
        Ok(scope) => scope,
        Err(_) if wrong_method => validate::Scope {
            owner: signer.mchid.clone(),
            sub_mchid: signer
                .sub_mchids
                .first()
                .cloned()
                .filter(|_| signer.institutional),
        },
        Err(f) if f.code == "PARAM_ERROR" && state.has(Fault::MalformedBody500) => {
            return Err(Failure::new(500, "INTERNAL_SERVER_ERROR", "internal error"));
        }
        Err(f) => return Err(f),
    };
    let anyone = state.has(Fault::OtherMerchantCloses);
    let Some(id) = find(state, &scope, key, anyone) else {
        if state.has(Fault::CloseUnknownOk) {
            return Ok(closed_answer(state, config));
        }
        return Err(Failure::not_found());
    };
    let fault = state.fault;
    let now = now_s();
    let min_age = i64::try_from(config.close_min_age.as_secs()).unwrap_or(i64::MAX);
    let order = state.orders.get_mut(&id).ok_or_else(Failure::not_found)?;
    match order.state {
        TradeState::Success if fault != Some(Fault::ClosePaidOk) => {
            return Err(Failure::new(403, "ORDERPAID", "order paid"));
        }
        TradeState::Closed if fault == Some(Fault::ClosedReopened) => {
            order.state = TradeState::NotPay;
            order.closed_s = None;
            return Ok(closed_answer(state, config));
        }
        TradeState::Closed => return Err(Failure::new(400, "ORDERCLOSED", "order closed")),
        TradeState::NotPay if now.saturating_sub(order.created_s) < min_age => {
            return Err(Failure::new(
                403,
                "RULE_LIMIT",
                format!("an order can be closed {min_age} s after it is created"),
            ));
        }
        _ => {}
    }
    if fault != Some(Fault::QueryNotpayAfterClose) {
        order.state = TradeState::Closed;
        order.closed_s = Some(now);
    }
    Ok(closed_answer(state, config))
}

/// The answer of a successful close: 204 (or what a W2 fault makes of it).
fn closed_answer(state: &mut State, config: &DoubleConfig) -> DoubleReply {
    match state.fault {
        Some(Fault::Close200WithBody) => answer(state, config, 200, Some(&json!({})), Scope::Close),
        Some(Fault::Close200Empty) => answer(state, config, 200, None, Scope::Close),
        _ => answer(state, config, 204, None, Scope::Close),
    }
}

fn certificates(
    state: &mut State,
    config: &DoubleConfig,
    request: &DoubleRequest,
) -> Result<DoubleReply, Failure> {
    if request.method != Method::GET {
        return Err(Failure::new(405, "METHOD_NOT_ALLOWED", "use GET"));
    }
    admitted(state, config, request, false)?;
    let mut body = certificates_body(&[&config.platform_cert], &config.apiv3_key, aead_nonce)
        .map_err(|e| Failure::new(500, "SYSTEM_ERROR", e.to_string()))?;
    if state.has(Fault::CertificateWrongSerial)
        && let Some(entry) = body.pointer_mut("/data/0/serial_no")
    {
        *entry = json!("10AA00000000000000000000000000000000BEEF");
    }
    Ok(answer(state, config, 200, Some(&body), Scope::Other))
}
