//! Unit tests of the double, per concern: the handler is called directly (no sockets).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::endpoints::Endpoints;
use super::state::{State, lock, now_s};
use super::{DoubleConfig, Fault, PlatformMode, control};
use crate::double::server::{DoubleReply, DoubleRequest, Handler};
use crate::wechatpay::crypto::{ParamOrder, nonce, sign_request, verify_response};

mod faults;

struct T {
    h: Endpoints,
}

fn double(change: impl FnOnce(&mut DoubleConfig)) -> T {
    let mut config = DoubleConfig::builtin();
    config.close_min_age = Duration::ZERO;
    change(&mut config);
    let state = Arc::new(Mutex::new(State::new(&config)));
    T {
        h: Endpoints {
            state,
            config: Arc::new(config),
        },
    }
}

fn request(method: &str, target: &str, body: &[u8], auth: Option<String>) -> DoubleRequest {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    let mut headers = http::HeaderMap::new();
    if let Some(a) = auth {
        headers.insert(
            http::header::AUTHORIZATION,
            a.parse().expect("header value"),
        );
    }
    DoubleRequest {
        method: method.parse().expect("method"),
        path,
        query,
        headers,
        body: bytes::Bytes::copy_from_slice(body),
    }
}

impl T {
    fn send_as(&self, who: usize, method: &str, target: &str, body: &[u8]) -> DoubleReply {
        let m = &self.h.config.merchants[who];
        let auth = sign_request(
            &m.key,
            &m.mchid,
            &m.serial_no,
            method,
            target,
            body,
            now_s(),
            &nonce(),
        );
        self.h.handle(request(
            method,
            target,
            body,
            Some(auth.header_value(ParamOrder::Python)),
        ))
    }

    fn send(&self, method: &str, target: &str, body: &[u8]) -> DoubleReply {
        self.send_as(0, method, target, body)
    }

    fn create(&self, otn: &str) -> DoubleReply {
        let body = json!({"mchid": "1900000109", "appid": "wxd678efh567hg6787", "description": "d",
            "out_trade_no": otn, "notify_url": "https://example.com/n", "amount": {"total": 1, "currency": "HKD"}});
        self.send(
            "POST",
            "/v3/global/transactions/native",
            body.to_string().as_bytes(),
        )
    }

    fn close(&self, otn: &str) -> DoubleReply {
        let path = format!("/v3/global/transactions/out-trade-no/{otn}/close");
        self.send("POST", &path, br#"{"mchid":"1900000109"}"#)
    }

    fn state_of(&self, otn: &str) -> String {
        let target = format!("/v3/global/transactions/out-trade-no/{otn}?mchid=1900000109");
        let reply = self.send("GET", &target, b"");
        body(&reply)["trade_state"]
            .as_str()
            .unwrap_or("none")
            .to_owned()
    }
}

fn status(reply: &DoubleReply) -> u16 {
    match reply {
        DoubleReply::Answer { status, .. } => *status,
        DoubleReply::Hangup => 0,
    }
}

fn header<'a>(reply: &'a DoubleReply, name: &str) -> Option<&'a str> {
    match reply {
        DoubleReply::Answer { headers, .. } => headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str()),
        DoubleReply::Hangup => None,
    }
}

fn raw(reply: &DoubleReply) -> &[u8] {
    match reply {
        DoubleReply::Answer { body, .. } => body,
        DoubleReply::Hangup => b"",
    }
}

fn body(reply: &DoubleReply) -> Value {
    serde_json::from_slice(raw(reply)).unwrap_or(Value::Null)
}

fn verifies(t: &T, reply: &DoubleReply) -> bool {
    let key = t.h.config.platform_key.public_key();
    let (Some(ts), Some(n), Some(sig)) = (
        header(reply, "wechatpay-timestamp"),
        header(reply, "wechatpay-nonce"),
        header(reply, "wechatpay-signature"),
    ) else {
        return false;
    };
    verify_response(&key, ts, n, raw(reply), sig).is_ok()
}

#[test]
fn create_is_idempotent_on_same_content_and_refuses_other_content() {
    let t = double(|_| {});
    let first = t.create("U1");
    assert_eq!(status(&first), 200);
    assert!(verifies(&t, &first));
    let again = t.create("U1");
    assert_eq!(body(&again)["code_url"], body(&first)["code_url"]);
    let body2 = json!({"mchid": "1900000109", "appid": "wxd678efh567hg6787", "description": "other",
        "out_trade_no": "U1", "amount": {"total": 2, "currency": "HKD"}});
    let other = t.send(
        "POST",
        "/v3/global/transactions/native",
        body2.to_string().as_bytes(),
    );
    assert_eq!(
        (status(&other), body(&other)["code"].clone()),
        (400, json!("INVALID_REQUEST"))
    );
}

#[test]
fn close_is_a_signed_204_and_the_order_is_closed() {
    let t = double(|_| {});
    t.create("U2");
    let reply = t.close("U2");
    assert_eq!(status(&reply), 204);
    assert!(raw(&reply).is_empty());
    assert!(verifies(&t, &reply));
    assert_eq!(
        header(&reply, "wechatpay-serial"),
        Some(super::BUILTIN_PLATFORM_SERIAL)
    );
    assert!(header(&reply, "request-id").is_some_and(|r| !r.is_empty()));
    assert_eq!(t.state_of("U2"), "CLOSED");
    let again = t.close("U2");
    assert_eq!(
        (status(&again), body(&again)["code"].clone()),
        (400, json!("ORDERCLOSED"))
    );
}

#[test]
fn paid_unknown_and_young_orders_are_refused_without_effect() {
    let t = double(|c| c.close_min_age = Duration::from_secs(300));
    let paid = t.close(super::BUILTIN_PAID_OUT_TRADE_NO);
    assert_eq!(
        (status(&paid), body(&paid)["code"].clone()),
        (403, json!("ORDERPAID"))
    );
    assert_eq!(t.state_of(super::BUILTIN_PAID_OUT_TRADE_NO), "SUCCESS");
    let unknown = t.close("NEVER");
    assert_eq!(
        (status(&unknown), body(&unknown)["code"].clone()),
        (404, json!("ORDER_NOT_EXIST"))
    );
    t.create("U3");
    let young = t.close("U3");
    assert_eq!(
        (status(&young), body(&young)["code"].clone()),
        (403, json!("RULE_LIMIT"))
    );
    assert_eq!(t.state_of("U3"), "NOTPAY");
    control::age(&mut lock(&t.h.state), "U3", None, 300).expect("aged");
    assert_eq!(status(&t.close("U3")), 204);
}

#[test]
fn signatures_are_checked_before_anything_happens() {
    let t = double(|_| {});
    t.create("U4");
    let path = "/v3/global/transactions/out-trade-no/U4/close";
    let no_auth =
        t.h.handle(request("POST", path, br#"{"mchid":"1900000109"}"#, None));
    assert_eq!(
        (status(&no_auth), body(&no_auth)["code"].clone()),
        (401, json!("SIGN_ERROR"))
    );
    let m = &t.h.config.merchants[0];
    let auth = sign_request(
        &m.key,
        &m.mchid,
        &m.serial_no,
        "POST",
        path,
        br#"{"mchid":"1900000109"} "#,
        now_s(),
        &nonce(),
    );
    let changed = t.h.handle(request(
        "POST",
        path,
        br#"{"mchid":"1900000109"}"#,
        Some(auth.header_value(ParamOrder::Documented)),
    ));
    assert_eq!(status(&changed), 401);
    let stale = sign_request(
        &m.key,
        &m.mchid,
        &m.serial_no,
        "POST",
        path,
        br#"{"mchid":"1900000109"}"#,
        now_s() - 301,
        &nonce(),
    );
    let stale = t.h.handle(request(
        "POST",
        path,
        br#"{"mchid":"1900000109"}"#,
        Some(stale.header_value(ParamOrder::PhpAxios)),
    ));
    assert_eq!(status(&stale), 401);
    assert_eq!(t.state_of("U4"), "NOTPAY");
    let spaced = t.send("POST", path, br#"{"mchid": "1900000109"}"#);
    assert_eq!(status(&spaced), 204);
}

#[test]
fn methods_bodies_and_other_merchants_are_refused() {
    let t = double(|_| {});
    t.create("U5");
    let path = "/v3/global/transactions/out-trade-no/U5/close";
    for method in ["GET", "PUT", "DELETE"] {
        let r = t.send(method, path, b"");
        assert_eq!(
            (status(&r), body(&r)["code"].clone()),
            (405, json!("REQUIRE_POST_METHOD"))
        );
    }
    for bad in [
        &b""[..],
        b"{}",
        b"not json",
        br#"{"mchid":1900000109}"#,
        br#"{"mchid":"1900000109","sp_mchid":"1","sub_mchid":"2"}"#,
    ] {
        let r = t.send("POST", path, bad);
        assert_eq!(status(&r), 400, "{}", String::from_utf8_lossy(bad));
        assert_eq!(body(&r)["code"], "PARAM_ERROR");
        assert!(body(&r)["detail"]["issue"].is_string());
    }
    let foreign = t.send("POST", path, br#"{"mchid":"1900000110"}"#);
    assert_eq!(status(&foreign), 401);
    let other = t.send_as(1, "POST", path, br#"{"mchid":"1900000110"}"#);
    assert_eq!(status(&other), 404);
    assert_eq!(t.state_of("U5"), "NOTPAY");
}

#[test]
fn institution_closes_its_sub_merchants_order_and_encoded_ids_work() {
    let t = double(|_| {});
    let create = json!({"sp_mchid": "1900000100", "sp_appid": "wxd678efh567hg6799", "sub_mchid": "1900000201",
        "description": "d", "out_trade_no": "I*1", "amount": {"total": 1, "currency": "HKD"}});
    let r = t.send_as(
        2,
        "POST",
        "/hk/v3/transactions/native",
        create.to_string().as_bytes(),
    );
    assert_eq!(status(&r), 200);
    let q = "/v3/global/transactions/out-trade-no/I%2A1?sp_mchid=1900000100&sub_mchid=1900000201";
    let query = t.send_as(2, "GET", q, b"");
    assert_eq!(body(&query)["trade_state"], "NOTPAY");
    let id = body(&query)["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 32);
    let bad = t.send_as(
        2,
        "POST",
        &format!("/v3/global/transactions/id/{id}/close"),
        br#"{"sp_mchid":"1900000100"}"#,
    );
    assert_eq!(body(&bad)["code"], "PARAM_ERROR");
    let ok = t.send_as(
        2,
        "POST",
        &format!("/v3/global/transactions/id/{id}/close"),
        br#"{"sp_mchid":"1900000100","sub_mchid":"1900000201"}"#,
    );
    assert_eq!(status(&ok), 204);
}

#[test]
fn public_key_mode_names_the_key_id_and_certificates_decrypt() {
    let t = double(|c| c.mode = PlatformMode::PublicKey);
    let r = t.send("GET", "/v3/global/certificates", b"");
    assert_eq!(
        header(&r, "wechatpay-serial"),
        Some(super::BUILTIN_PUBLIC_KEY_ID)
    );
    let certs = crate::wechatpay::crypto::read_certificates(&body(&r), &t.h.config.apiv3_key)
        .expect("decrypts");
    assert_eq!(certs[0].serial(), super::BUILTIN_PLATFORM_SERIAL);
}

#[test]
fn orders_are_bounded_and_the_paid_fixture_stays() {
    let t = double(|c| c.max_orders = 3);
    for i in 0..6 {
        assert_eq!(status(&t.create(&format!("B{i}"))), 200);
    }
    let state = lock(&t.h.state);
    assert_eq!(state.orders.len(), 3);
    assert!(state.orders.contains_key(&state.paid_id));
    assert!(state.by_out_trade_no("1900000109", None, "B5").is_some());
    assert!(state.by_out_trade_no("1900000109", None, "B0").is_none());
}
