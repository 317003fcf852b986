//! The double's faults, called directly: a response fault breaks only the close answer, a
//! state fault misbehaves as its catalogue entry says.

use super::*;

#[test]
fn response_faults_break_only_the_close_answer() {
    for (fault, check) in [
        (Fault::Unsigned204, "wechatpay-signature"),
        (Fault::NoRequestId, "request-id"),
    ] {
        let t = double(|c| c.fault = Some(fault));
        let created = t.create("F1");
        assert!(
            header(&created, check).is_some(),
            "{fault}: create stays right"
        );
        let closed = t.close("F1");
        assert!(header(&closed, check).is_none(), "{fault}");
    }
    for fault in [Fault::BadSignature, Fault::SignNoFinalNewline] {
        let t = double(|c| c.fault = Some(fault));
        t.create("F2");
        let closed = t.close("F2");
        assert!(!verifies(&t, &closed), "{fault}");
    }
    let t = double(|c| c.fault = Some(Fault::StaleResponseTimestamp));
    t.create("F3");
    let closed = t.close("F3");
    assert!(verifies(&t, &closed));
    let ts: i64 = header(&closed, "wechatpay-timestamp")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(now_s() - ts >= 3600);
}

#[test]
fn state_faults_misbehave_as_described() {
    let t = double(|c| c.fault = Some(Fault::ClosePaidOk));
    assert_eq!(
        status(&t.close(super::super::BUILTIN_PAID_OUT_TRADE_NO)),
        204
    );
    let t = double(|c| c.fault = Some(Fault::ErrorCodeNotString));
    assert!(body(&t.close("NONE"))["code"].is_number());
    let t = double(|c| c.fault = Some(Fault::ErrorNotJson));
    assert_eq!(header(&t.close("NONE"), "content-type"), Some("text/plain"));
    let t = double(|c| c.fault = Some(Fault::CreateNotIdempotent));
    assert_ne!(
        body(&t.create("G"))["code_url"],
        body(&t.create("G"))["code_url"]
    );
    let t = double(|c| c.fault = Some(Fault::WrongMethodCloses));
    t.create("M");
    assert_eq!(
        status(&t.send("GET", "/v3/global/transactions/out-trade-no/M/close", b"")),
        204
    );
    assert_eq!(t.state_of("M"), "CLOSED");
}
