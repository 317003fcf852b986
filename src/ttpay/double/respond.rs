//! The wiremock side: one [`Responder`] per endpoint runs the provider's pipeline — authenticate,
//! rate-limit, read the parameters, act, answer signed JSON — under the state's lock, without
//! blocking. [`NotFound`] answers every other path; [`Hangup`] drops the connection when the
//! `hangup-on-malformed-json` fault calls for it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::http::Method;
use wiremock::{Match, Request, Respond, ResponseTemplate};

use super::Fault;
use super::auth::authenticate;
use super::endpoints;
use super::envelope::{Reply, code, render};
use super::state::{State, now_ms};
use super::validate;
use crate::ttpay::Endpoint;

/// The shared state, locked; a panic elsewhere never makes it unusable.
pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves one endpoint.
pub(crate) struct Responder {
    pub endpoint: Endpoint,
    pub state: Arc<Mutex<State>>,
    pub latency: Option<Duration>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let now = now_ms();
        let (reply, fault, request_id) = {
            let mut state = lock(&self.state);
            let reply = serve(&mut state, self.endpoint, request, now);
            (reply, state.fault, state.ids.uuid())
        };
        render(reply, fault, self.latency, now, request_id)
    }
}

/// The provider's pipeline for one request.
fn serve(state: &mut State, endpoint: Endpoint, request: &Request, now: i64) -> Reply {
    let caller = match authenticate(state, endpoint, request, now) {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
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
    let Some(params) = validate::params(request) else {
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
        Endpoint::Create => endpoints::create(state, &caller, &params, now),
        Endpoint::Query => endpoints::query(state, &caller, &params, is_get, now),
        Endpoint::Close => endpoints::close(state, &caller, &params, now),
    };
    match caller.refuse_after_acting {
        true => Reply::refuse(code::SIGNATURE, "invalid signature", signer),
        false => reply,
    }
}

/// Any path that is not an endpoint: HTTP 404 with a JSON envelope.
pub(crate) struct NotFound;

impl Respond for NotFound {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = json!({
            "code": code::PARAMETER,
            "msg": format!("no such endpoint: {}", request.url.path()),
            "request_id": uuid::Uuid::new_v4().to_string(),
        });
        ResponseTemplate::new(404).set_body_raw(body.to_string().into_bytes(), "application/json")
    }
}

/// Matches the requests a `hangup-on-malformed-json` provider crashes on.
pub(crate) struct Hangup {
    pub state: Arc<Mutex<State>>,
}

impl Match for Hangup {
    fn matches(&self, request: &Request) -> bool {
        let endpoint = Endpoint::ALL.iter().any(|e| e.path() == request.url.path());
        let state = lock(&self.state);
        let unknown_method = ![Method::GET, Method::POST].contains(&request.method);
        endpoint
            && ((state.has(Fault::HangupOnMalformedJson) && validate::body_is_malformed(request))
                || (state.has(Fault::HangupOnUnknownMethod) && unknown_method))
    }
}

/// The "error" a hangup answers with: hyper drops the connection.
pub(crate) fn connection_reset(_: &Request) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "hangup-on-malformed-json",
    )
}
