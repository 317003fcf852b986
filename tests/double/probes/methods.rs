//! The probe of T7: methods the API does not document, signed as sent.

use pay_conformance::ttpay::{Endpoint, Merchant};
use reqwest::Method;
use serde_json::{Value, json};

use super::state;
use crate::client::{Answer, Auth, Harness};

/// Neither a success nor a 5xx nor a dropped connection.
fn refused(what: &str, answer: &Answer) -> Result<(), String> {
    ensure!(answer.status != 0, "T7: {what}: the connection was dropped");
    ensure!(answer.status < 500, "T7: {what}: HTTP {}", answer.status);
    ensure!(
        !(answer.status == 200 && answer.is_ok()),
        "T7: {what}: succeeded"
    );
    Ok(())
}

pub(super) async fn t7(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (out_trade_no, id) = h.new_order(me).await;
    let close = json!({"app_id": me.app_id, "mch_id": me.mch_id, "transaction_id": id});
    let close = close.to_string();
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let path = Endpoint::Close.path();
        let answer = h
            .send(me, method.clone(), path, close.as_bytes(), Auth::Signed)
            .await;
        refused(&format!("{method} close"), &answer)?;
        let detail = h.detail(me, &out_trade_no).await;
        ensure!(
            state(&detail) == "NOTPAY",
            "T7: after a {method} close the order is {:?}",
            detail["trade_state"]
        );
        let query = json!({"app_id": me.app_id, "mch_id": me.mch_id, "out_trade_no": out_trade_no});
        let path = Endpoint::Query.path();
        let answer = h
            .send(
                me,
                method.clone(),
                path,
                query.to_string().as_bytes(),
                Auth::Signed,
            )
            .await;
        refused(&format!("{method} query"), &answer)?;
    }
    // GET create, its parameters in the query string.
    let body = h.create_body(me, &json!({}));
    let mut url = reqwest::Url::parse("http://double.invalid").expect("static URL");
    url.set_path(Endpoint::Create.path());
    if let Some(members) = body.as_object() {
        let mut pairs = url.query_pairs_mut();
        for (key, value) in members {
            match value {
                Value::String(text) => pairs.append_pair(key, text),
                other => pairs.append_pair(key, &other.to_string()),
            };
        }
    }
    let path = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    let answer = h.send(me, Method::GET, &path, b"", Auth::Signed).await;
    refused("GET create", &answer)?;
    let created = body["out_trade_no"].as_str().unwrap_or_default();
    let found = h.query(me, "out_trade_no", created).await;
    ensure!(!found.shows_order(), "T7: a GET create created the order");
    Ok(())
}
