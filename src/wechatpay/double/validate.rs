//! What a close, create or query must carry (W4, G1, G2): the merchant scope a request names,
//! checked against the merchant who signed. Malformed input is 400 `PARAM_ERROR` with W3's
//! `detail`; a merchant id that is not the signer's is 401 `SIGN_ERROR`; an app id that is not
//! the merchant's 400 `APPID_MCHID_NOT_MATCH`; an unknown sub-merchant 400 `MCH_NOT_EXISTS`.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::config::DoubleMerchant;
use super::envelope::Failure;

/// Who an order belongs to: the signing merchant and, in institutional mode, the sub-merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    pub(crate) owner: String,
    pub(crate) sub_mchid: Option<String>,
}

/// A create request, checked (G1).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Create {
    pub(crate) scope: Scope,
    pub(crate) appid: String,
    pub(crate) out_trade_no: String,
    pub(crate) description: String,
    pub(crate) notify_url: Option<String>,
    pub(crate) total: i64,
    pub(crate) currency: String,
    pub(crate) body: Value,
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::param("#", "", "the request body is empty", "body"));
    }
    let text = String::from_utf8_lossy(body);
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::param("#", &text, "must be a JSON object", "body")),
        Err(_) => Err(Failure::param("#", &text, "is not valid JSON", "body")),
    }
}

fn string<'a>(map: &'a Map<String, Value>, field: &str, max: usize) -> Result<&'a str, Failure> {
    let pointer = format!("#/{field}");
    match map.get(field) {
        None => Err(Failure::param(&pointer, "", "is required", "body")),
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= max => Ok(s),
        Some(Value::String(s)) => Err(Failure::param(
            &pointer,
            s,
            &format!("must be 1 to {max} characters"),
            "body",
        )),
        Some(other) => Err(Failure::param(
            &pointer,
            &other.to_string(),
            "must be a string",
            "body",
        )),
    }
}

fn refuse_field(map: &Map<String, Value>, field: &str, why: &str) -> Result<(), Failure> {
    match map.get(field) {
        Some(v) => Err(Failure::param(
            &format!("#/{field}"),
            &v.to_string(),
            why,
            "body",
        )),
        None => Ok(()),
    }
}

/// The scope a body names (`mchid`, or `sp_mchid` + `sub_mchid`), checked against the signer.
/// `allowed` lists the other keys the body may hold (`None`: any).
fn body_scope(
    map: &Map<String, Value>,
    signer: &DoubleMerchant,
    allowed: Option<&[&str]>,
    check_mchid: bool,
) -> Result<Scope, Failure> {
    if let Some(allowed) = allowed
        && let Some(extra) = map.keys().find(|k| !allowed.contains(&k.as_str()))
    {
        return Err(Failure::param(
            &format!("#/{extra}"),
            extra,
            "is not a known field",
            "body",
        ));
    }
    if signer.institutional {
        refuse_field(map, "mchid", "is for common mode only")?;
        let sp = string(map, "sp_mchid", 32)?;
        let sub = string(map, "sub_mchid", 32)?;
        if check_mchid && sp != signer.mchid {
            return Err(Failure::sign_error(
                "sp_mchid is not the merchant who signed",
            ));
        }
        if !signer.sub_mchids.iter().any(|s| s == sub) {
            return Err(Failure::new(
                400,
                "MCH_NOT_EXISTS",
                "no such sub-merchant of this institution",
            ));
        }
        Ok(Scope {
            owner: signer.mchid.clone(),
            sub_mchid: Some(sub.to_owned()),
        })
    } else {
        refuse_field(map, "sp_mchid", "is for institutional mode only")?;
        refuse_field(map, "sub_mchid", "is for institutional mode only")?;
        let mchid = string(map, "mchid", 32)?;
        if check_mchid && mchid != signer.mchid {
            return Err(Failure::sign_error("mchid is not the merchant who signed"));
        }
        Ok(Scope {
            owner: signer.mchid.clone(),
            sub_mchid: None,
        })
    }
}

/// A close body: `{"mchid"}` in common mode, `{"sp_mchid", "sub_mchid"}` in institutional mode.
pub(crate) fn close_body(
    body: &[u8],
    signer: &DoubleMerchant,
    check_mchid: bool,
) -> Result<Scope, Failure> {
    let map = object(body)?;
    let allowed: &[&str] = if signer.institutional {
        &["sp_mchid", "sub_mchid"]
    } else {
        &["mchid"]
    };
    body_scope(&map, signer, Some(allowed), check_mchid)
}

/// A Native create body (G1). Other fields (`trade_type`, `attach`, …) are allowed.
pub(crate) fn create_body(body: &[u8], signer: &DoubleMerchant) -> Result<Create, Failure> {
    let map = object(body)?;
    let scope = body_scope(&map, signer, None, true)?;
    let appid = if signer.institutional {
        refuse_field(&map, "appid", "is for common mode only")?;
        string(&map, "sp_appid", 32)?
    } else {
        string(&map, "appid", 32)?
    };
    // As a real account: the app must be the one bound to the merchant (D-CLOSE's code).
    if appid != signer.appid {
        return Err(Failure::new(
            400,
            "APPID_MCHID_NOT_MATCH",
            "appid does not belong to mchid",
        ));
    }
    let description = string(&map, "description", 127)?;
    let out_trade_no = string(&map, "out_trade_no", 32)?;
    let notify_url = match map.get("notify_url") {
        None => None,
        Some(_) => Some(string(&map, "notify_url", 256)?.to_owned()),
    };
    let amount = match map.get("amount") {
        Some(Value::Object(a)) => a,
        Some(other) => {
            return Err(Failure::param(
                "#/amount",
                &other.to_string(),
                "must be an object",
                "body",
            ));
        }
        None => return Err(Failure::param("#/amount", "", "is required", "body")),
    };
    let total = match amount.get("total") {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|t| t > 0) => n.as_i64().unwrap_or(1),
        Some(other) => {
            return Err(Failure::param(
                "#/amount/total",
                &other.to_string(),
                "must be a positive integer",
                "body",
            ));
        }
        None => return Err(Failure::param("#/amount/total", "", "is required", "body")),
    };
    let currency = match amount.get("currency") {
        Some(Value::String(c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
            c.clone()
        }
        Some(other) => {
            return Err(Failure::param(
                "#/amount/currency",
                &other.to_string(),
                "must be an ISO 4217 code",
                "body",
            ));
        }
        None => {
            return Err(Failure::param(
                "#/amount/currency",
                "",
                "is required",
                "body",
            ));
        }
    };
    Ok(Create {
        scope,
        appid: appid.to_owned(),
        out_trade_no: out_trade_no.to_owned(),
        description: description.to_owned(),
        notify_url,
        total,
        currency,
        body: Value::Object(map),
    })
}

/// The scope of a query string (`mchid=…`, or `sp_mchid=…&sub_mchid=…`), checked against the
/// signer.
pub(crate) fn query_scope(query: Option<&str>, signer: &DoubleMerchant) -> Result<Scope, Failure> {
    let mut map = Map::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        map.insert(decode(k), Value::String(decode(v)));
    }
    body_scope(&map, signer, None, true).map_err(|mut f| {
        if let Some(detail) = f.detail.as_mut() {
            detail["location"] = Value::from("query");
            if let Some(field) = detail["field"]
                .as_str()
                .map(|s| s.trim_start_matches("#/").to_owned())
            {
                detail["field"] = Value::from(field);
            }
        }
        f
    })
}

/// A path id, percent-decoded (`A%2A1` → `A*1`).
pub(crate) fn path_id(raw: &str) -> Result<String, Failure> {
    let id = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| Failure::param(raw, raw, "is not UTF-8 once decoded", "url"))?;
    if id.is_empty() || id.chars().count() > 32 {
        return Err(Failure::param(
            raw,
            raw,
            "must be 1 to 32 characters",
            "url",
        ));
    }
    Ok(id.into_owned())
}
