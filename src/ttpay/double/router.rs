//! The double as a [`Handler`] of the kit's server: one neutral [`DoubleRequest`] in, one
//! [`DoubleReply`] out. [`TtpayHandler`] routes the control API, drops the connection when
//! the `hangup-on-malformed-json` fault calls for it, runs the provider's pipeline for each
//! endpoint — authenticate, rate-limit, read the parameters, act, answer signed JSON — under
//! the state's lock, and answers every other path with HTTP 404 JSON. The server's own
//! refusals (413 body too large, 408, 400 framing) come back in the provider's envelope.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::Method;
use serde_json::json;

use super::Fault;
use super::auth::{Caller, Gate, authenticate};
use super::control::{self, CONTROL_PREFIX};
use super::endpoints;
use super::envelope::{Reply, code, render};
use super::state::{State, now_ms};
use super::validate;
use crate::double::server::{DoubleReply, DoubleRequest, Handler};
use crate::ttpay::{Endpoint, Merchant, TimestampUnit};

pub(crate) use crate::double::lock;

/// TTPay's double: the one implementation both `run`'s embedded double and `serve` answer with.
///
/// The lock is held only for what touches shared state (the rate limiter, the orders, the id
/// source): the fault is read under a first short lock, then the signature is checked and the
/// body parsed without it, and the answer is rendered and signed after it.
pub(crate) struct TtpayHandler {
    pub state: Arc<Mutex<State>>,
    pub latency: Option<Duration>,
    /// The state's merchants and timestamp unit, which never change after start.
    pub merchants: Vec<Merchant>,
    pub timestamp_unit: Option<TimestampUnit>,
}

impl Handler for TtpayHandler {
    fn handle(&self, request: DoubleRequest) -> DoubleReply {
        if request.path.starts_with(CONTROL_PREFIX) {
            return control::answer(&self.state, &request);
        }
        let Some(endpoint) = Endpoint::ALL.into_iter().find(|e| e.path() == request.path) else {
            return not_found(&request.path);
        };
        let now = now_ms();
        let fault = lock(&self.state).fault;
        let params = validate::params(&request);
        if fault == Some(Fault::HangupOnMalformedJson) && params.is_none() {
            return DoubleReply::Hangup;
        }
        let unknown_method = ![Method::GET, Method::POST].contains(&request.method);
        if fault == Some(Fault::HangupOnUnknownMethod) && unknown_method {
            return DoubleReply::Hangup;
        }
        let gate = Gate {
            merchants: &self.merchants,
            timestamp_unit: self.timestamp_unit,
            fault,
        };
        let checked = authenticate(&gate, endpoint, &request, now);
        let (reply, fault, request_id, variant) = {
            let mut state = lock(&self.state);
            let reply = match checked {
                Ok(caller) => serve(&mut state, endpoint, &request, &caller, params, now),
                Err(refusal) => refusal,
            };
            (reply, state.fault, state.ids.uuid(), state.variant)
        };
        let reply = super::variants::reword(reply, variant);
        let signed_at = super::variants::signed_at(now, variant);
        render(reply, fault, self.latency, signed_at, request_id)
    }

    /// The provider's envelope, unsigned (no caller is known yet), with the HTTP status the
    /// server chose (413, 408, 400): `{"code": 100, "msg": REASON, "request_id": UUID}`.
    fn refuse(&self, status: u16, reason: &str) -> DoubleReply {
        let body = json!({
            "code": code::PARAMETER,
            "msg": reason,
            "request_id": uuid::Uuid::new_v4().to_string(),
        });
        DoubleReply::json(status, &body)
    }
}

/// The provider's pipeline for one authenticated request, under the lock.
fn serve(
    state: &mut State,
    endpoint: Endpoint,
    request: &DoubleRequest,
    caller: &Caller,
    params: Option<validate::Params>,
    now: i64,
) -> Reply {
    let signer = caller.signer();
    if let Some(limiter) = state.limiter.as_mut()
        && !limiter.admit(&caller.merchant.app_id, Instant::now())
    {
        return Reply::refuse(code::TOO_FREQUENT, "too frequent, retry later", signer);
    }
    let is_get = request.method == Method::GET;
    let unknown_method = ![Method::GET, Method::POST].contains(&request.method);
    if unknown_method && state.has(Fault::Http500OnUnknownMethod) {
        return Reply::Raw {
            status: 500,
            mime: "text/plain; charset=utf-8",
            body: "Internal Server Error",
        };
    }
    let allowed = request.method == Method::POST
        || (endpoint == Endpoint::Query && is_get)
        || (endpoint == Endpoint::Close && unknown_method && state.has(Fault::PutCloseCloses))
        || (endpoint == Endpoint::Create && is_get && state.has(Fault::GetCreateCreates));
    if !allowed {
        let msg = format!("method {} is not allowed here", request.method);
        return Reply::refuse(code::PARAMETER, msg, signer);
    }
    let Some(params) = params else {
        if state.has(Fault::Http500OnMalformedJson) {
            return Reply::Raw {
                status: 500,
                mime: "text/plain; charset=utf-8",
                body: "Internal Server Error",
            };
        }
        return Reply::refuse(code::PARAMETER, "request body is not a json object", signer);
    };
    let mut params = params;
    if is_get && endpoint == Endpoint::Create {
        // `get-create-creates`: a framework that binds query strings to typed fields.
        for value in params.values_mut() {
            if let Some(number) = value.as_str().and_then(|s| s.parse::<i64>().ok()) {
                *value = number.into();
            }
        }
    }
    let reply = match endpoint {
        Endpoint::Create => endpoints::create(state, caller, &params, now),
        Endpoint::Query => endpoints::query(state, caller, &params, is_get, now),
        Endpoint::Close => endpoints::close(state, caller, &params, now),
    };
    match caller.refuse_after_acting {
        true => Reply::refuse(code::SIGNATURE, "invalid signature", signer),
        false => reply,
    }
}

/// Any path that is not an endpoint: HTTP 404 with a JSON envelope (the path cut to 200
/// characters).
fn not_found(path: &str) -> DoubleReply {
    let shown: String = path.chars().take(200).collect();
    let body = json!({
        "code": code::PARAMETER,
        "msg": format!("no such endpoint: {shown}"),
        "request_id": uuid::Uuid::new_v4().to_string(),
    });
    DoubleReply::json(404, &body)
}
