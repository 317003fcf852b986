//! One probe per fault: what a client (or the suite) checks of the rule the fault breaks. A
//! conforming double passes every probe; the double with the fault fails its own.

use pay_conformance::wechatpay::crypto::{ParamOrder, read_certificates};
use pay_conformance::wechatpay::double::Fault;

use super::client::{Harness, Sign, ensure};

const CLOSE: &str = "/v3/global/transactions/out-trade-no/P1/close";
const BODY: &[u8] = br#"{"mchid":"1900000109"}"#;

/// A W3 failure body: JSON, `code` and `message` strings, `detail` an object when present;
/// `PARAM_ERROR` with `field`, `value`, `issue`.
fn w3(a: &super::client::Answer) -> Result<(), String> {
    ensure(a.status >= 400, format!("status {}", a.status))?;
    ensure(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "content-type is not JSON",
    )?;
    let v = a.json();
    ensure(
        v["code"].is_string() && v["message"].is_string(),
        format!("body {v}"),
    )?;
    ensure(
        v.get("detail").is_none_or(|d| d.is_object()),
        "detail is not an object",
    )?;
    if v["code"] == "PARAM_ERROR" {
        let d = &v["detail"];
        ensure(
            d["field"].is_string() && d["value"].is_string() && d["issue"].is_string(),
            "PARAM_ERROR without detail",
        )?;
    }
    Ok(())
}

/// A close of order P1 signed one way wrong must be refused 401 with no effect.
async fn refused(h: &Harness, path: &str, body: &[u8], sign: Sign) -> Result<(), String> {
    h.create("P1").await;
    let a = h.close_as(0, path, body, &sign).await;
    ensure(
        a.status == 401 && a.code() == "SIGN_ERROR",
        format!("answered {}", a.status),
    )?;
    ensure(
        h.state("P1").await == "NOTPAY",
        "the refused close had an effect",
    )
}

/// A close of an order `otn` (encoded as `path_id`) as sent must be accepted.
async fn accepted(
    h: &Harness,
    otn: &str,
    path_id: &str,
    body: &[u8],
    sign: Sign,
) -> Result<(), String> {
    h.create(otn).await;
    let path = format!("/v3/global/transactions/out-trade-no/{path_id}/close");
    let a = h.close_as(0, &path, body, &sign).await;
    ensure(
        a.status == 204,
        format!("a valid close answered {} {}", a.status, a.code()),
    )?;
    ensure(h.state(path_id).await == "CLOSED", "not closed")
}

pub async fn check(h: &Harness, fault: Fault) -> Result<(), String> {
    if let Some(result) = super::notify_probes::check(h, fault).await {
        return result;
    }
    match fault {
        Fault::CreateNotIdempotent => {
            let a = h.create("P1").await.json();
            let b = h.create("P1").await.json();
            ensure(
                a["code_url"].is_string() && a["code_url"] == b["code_url"],
                "a new code_url",
            )
        }
        Fault::QueryStateLowercase => {
            h.create("P1").await;
            let s = h.state("P1").await;
            ensure(
                [
                    "SUCCESS",
                    "REFUND",
                    "NOTPAY",
                    "CLOSED",
                    "REVOKED",
                    "USERPAYING",
                    "PAYERROR",
                ]
                .contains(&s.as_str()),
                s,
            )
        }
        Fault::EncodedIdNotDecoded => accepted(h, "P*1", "P%2A1", BODY, Sign::default()).await,
        Fault::LegacyPathMissing => {
            h.create("P1").await;
            let a = h
                .close_as(
                    0,
                    "/hk/v3/transactions/out-trade-no/P1/close",
                    BODY,
                    &Sign::default(),
                )
                .await;
            ensure(
                a.status == 204,
                format!("legacy close answered {}", a.status),
            )
        }
        Fault::Close200WithBody | Fault::Close200Empty => {
            h.create("P1").await;
            let a = h.close("P1").await;
            ensure(
                a.status == 204 && a.body.is_empty(),
                format!("close answered {}", a.status),
            )
        }
        Fault::QueryNotpayAfterClose => accepted(h, "P1", "P1", BODY, Sign::default()).await,
        Fault::ErrorNotJson | Fault::ErrorCodeNotString | Fault::ErrorDetailNotObject => {
            w3(&h.close("NOSUCH").await)
        }
        Fault::ParamErrorWithoutDetail => {
            h.create("P1").await;
            w3(&h.close_as(0, CLOSE, b"{}", &Sign::default()).await)
        }
        Fault::ClosePaidOk => {
            let paid = h.double.config().paid_out_trade_no.clone();
            let a = h.close(&paid).await;
            ensure(
                a.code() == "ORDERPAID",
                format!("paid close answered {}", a.status),
            )?;
            ensure(h.state(&paid).await == "SUCCESS", "paid order closed")
        }
        Fault::ClosedReopened => {
            h.create("P1").await;
            h.close("P1").await;
            let a = h.close("P1").await;
            ensure(
                a.status == 204 || a.code() == "ORDERCLOSED",
                format!("second close {}", a.status),
            )?;
            ensure(
                h.state("P1").await == "CLOSED",
                "a closed order is no longer CLOSED",
            )
        }
        Fault::CloseUnknownOk => {
            let a = h.close("NOSUCH").await;
            ensure(
                a.status >= 400,
                format!("closing nothing answered {}", a.status),
            )
        }
        Fault::OtherMerchantCloses => {
            h.create("P1").await;
            let a = h
                .close_as(1, CLOSE, br#"{"mchid":"1900000110"}"#, &Sign::default())
                .await;
            ensure(
                a.status >= 400,
                format!("other merchant's close answered {}", a.status),
            )?;
            ensure(
                h.state("P1").await == "NOTPAY",
                "another merchant closed it",
            )
        }
        Fault::WrongMethodCloses => {
            h.create("P1").await;
            let a = h.send(0, "GET", CLOSE, b"", &Sign::default()).await;
            ensure(a.status >= 400, format!("GET answered {}", a.status))?;
            ensure(h.state("P1").await == "NOTPAY", "GET closed it")
        }
        Fault::MalformedBody500 => {
            h.create("P1").await;
            let a = h.close_as(0, CLOSE, b"not json", &Sign::default()).await;
            ensure(
                (400..500).contains(&a.status),
                format!("malformed body answered {}", a.status),
            )
        }
        Fault::BodyMchidUnchecked => {
            h.create("P1").await;
            let a = h
                .close_as(0, CLOSE, br#"{"mchid":"1999999999"}"#, &Sign::default())
                .await;
            ensure(
                (400..500).contains(&a.status),
                format!("foreign body mchid answered {}", a.status),
            )?;
            ensure(h.state("P1").await == "NOTPAY", "closed")
        }
        Fault::CloseIgnoresSignature => {
            refused(
                h,
                CLOSE,
                BODY,
                Sign {
                    other_key: true,
                    ..Sign::default()
                },
            )
            .await
        }
        Fault::StaleRequestAccepted => {
            refused(
                h,
                CLOSE,
                BODY,
                Sign {
                    age_s: 3600,
                    ..Sign::default()
                },
            )
            .await
        }
        Fault::UnknownSerialAccepted => {
            refused(
                h,
                CLOSE,
                BODY,
                Sign {
                    serial: Some("1234567890ABCDEF1234567890ABCDEF12345678".into()),
                    ..Sign::default()
                },
            )
            .await
        }
        Fault::HeaderMchidUnchecked => {
            refused(
                h,
                CLOSE,
                BODY,
                Sign {
                    header_mchid: Some("1900000110".into()),
                    ..Sign::default()
                },
            )
            .await
        }
        Fault::ReserializedBody => {
            accepted(
                h,
                "P1",
                "P1",
                br#"{"mchid": "1900000109"}"#,
                Sign::default(),
            )
            .await
        }
        Fault::FixedParamOrder => {
            accepted(
                h,
                "P1",
                "P1",
                BODY,
                Sign {
                    order: Some(ParamOrder::Python),
                    ..Sign::default()
                },
            )
            .await
        }
        Fault::SignedPathDecoded => accepted(h, "P*2", "P%2A2", BODY, Sign::default()).await,
        Fault::Unsigned204
        | Fault::BadSignature
        | Fault::SignNoFinalNewline
        | Fault::StaleResponseTimestamp
        | Fault::UnknownResponseSerial
        | Fault::NoRequestId => {
            h.create("P1").await;
            let a = h.close("P1").await;
            match h.signing_problem(&a) {
                None => Ok(()),
                Some(p) => Err(p),
            }
        }
        Fault::CertificateWrongSerial => {
            let a = h
                .send(0, "GET", "/v3/global/certificates", b"", &Sign::default())
                .await;
            ensure(
                h.signing_problem(&a).is_none(),
                "certificates answer not signed",
            )?;
            read_certificates(&a.json(), &h.double.config().apiv3_key)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        // Judged by `notify_probes::check` above.
        _ => Err(format!("no probe for {fault}")),
    }
}
