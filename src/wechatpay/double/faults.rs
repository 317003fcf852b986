//! The WeChat Pay double's fault catalogue: each fault a realistic way a provider breaks one
//! rule of `docs/contract-wechatpay.md`, the rule it is about first. The response-side faults
//! (W2, W7) change only the answers of close paths, so that a client can still create and query
//! the order it closes.

crate::fault_catalogue! {
    CreateNotIdempotent = "create-not-idempotent", ["G1"],
        "a second create with the same out_trade_no and content answers a new code_url";
    QueryStateLowercase = "query-state-lowercase", ["G2"],
        "a query answers trade_state in lower case (`notpay`), none of the documented states";
    EncodedIdNotDecoded = "encoded-id-not-decoded", ["W1"],
        "a percent-encoded path id is looked up as sent (`A%2A1`): the order is not found";
    LegacyPathMissing = "legacy-path-missing", ["W1"],
        "the legacy /hk/v3/transactions/… tree is not served (404); caught only with the legacy path setting";
    Close200WithBody = "close-200-with-body", ["W2"],
        "a successful close answers 200 with a signed `{}` instead of 204";
    Close200Empty = "close-200-empty", ["W2"],
        "a successful close answers 200 with an empty body instead of 204";
    QueryNotpayAfterClose = "query-notpay-after-close", ["W2"],
        "a closed order still reads NOTPAY in a query (the close is answered 204 but not applied)";
    ErrorNotJson = "error-not-json", ["W3"],
        "error answers are text/plain `CODE: message`";
    ErrorCodeNotString = "error-code-not-string", ["W3"],
        "error bodies carry `code` as a number (the HTTP status)";
    ParamErrorWithoutDetail = "param-error-without-detail", ["W3"],
        "PARAM_ERROR answers carry no `detail`";
    ErrorDetailNotObject = "error-detail-not-object", ["W3"],
        "error bodies carry `detail` as a string";
    ClosePaidOk = "close-paid-ok", ["W4"],
        "closing a SUCCESS order answers 204 and closes it (no ORDERPAID)";
    ClosedReopened = "closed-reopened", ["W4"],
        "closing a CLOSED order again answers 204 and makes it NOTPAY again";
    CloseUnknownOk = "close-unknown-ok", ["W4"],
        "closing an order that does not exist answers 204";
    OtherMerchantCloses = "other-merchant-closes", ["W4"],
        "close finds the order by its id alone: another merchant can close it";
    WrongMethodCloses = "wrong-method-closes", ["W4"],
        "GET, PUT or DELETE on a close path closes the order (204)";
    MalformedBody500 = "malformed-body-500", ["W4"],
        "a malformed close body gets 500 INTERNAL_SERVER_ERROR instead of a 4xx";
    BodyMchidUnchecked = "body-mchid-unchecked", ["W4"],
        "close does not compare the body mchid with the merchant who signed";
    CloseIgnoresSignature = "close-ignores-signature", ["W6"],
        "a close is carried out whatever its signature (the header is still parsed)";
    StaleRequestAccepted = "stale-request-accepted", ["W6"],
        "a request timestamp of any age is accepted";
    UnknownSerialAccepted = "unknown-serial-accepted", ["W6"],
        "the merchant's key is found by mchid alone: any serial_no is accepted";
    HeaderMchidUnchecked = "header-mchid-unchecked", ["W6"],
        "the key is found by serial_no alone: the Authorization mchid is not checked";
    ReserializedBody = "reserialized-body", ["W6"],
        "the signature is checked over the body re-serialized compactly, not over the bytes sent: JSON spaces are refused";
    FixedParamOrder = "fixed-param-order", ["W6"],
        "only the documented order of the Authorization parameters is accepted";
    SignedPathDecoded = "signed-path-decoded", ["W6", "W1"],
        "the signature is checked over the decoded path: percent-encoded ids are refused 401";
    Unsigned204 = "unsigned-204", ["W7"],
        "204 answers carry no Wechatpay-* headers";
    BadSignature = "bad-signature", ["W7"],
        "close answers are signed over another nonce than the header's";
    SignNoFinalNewline = "sign-no-final-newline", ["W7"],
        "close answers are signed over `TS\\nNONCE\\nBODY` without the final newline";
    StaleResponseTimestamp = "stale-response-timestamp", ["W7"],
        "close answers carry a Wechatpay-Timestamp an hour old (signed over it)";
    UnknownResponseSerial = "unknown-response-serial", ["W7"],
        "close answers name a Wechatpay-Serial of no platform key or certificate";
    NoRequestId = "no-request-id", ["W7"],
        "close answers carry no Request-ID";
    CertificateWrongSerial = "certificate-wrong-serial", ["W7"],
        "the certificate list gives each certificate a serial_no that is not its own";
    NotifyUnsigned = "notify-unsigned", ["WN1"],
        "payment notifications carry no Wechatpay-* signature headers";
    NotifyWrongSerial = "notify-wrong-serial", ["WN1"],
        "payment notifications name a Wechatpay-Serial of no platform key";
    NotifyBadSignature = "notify-bad-signature", ["WN1"],
        "payment notifications are signed over another body than the one sent";
    NotifyStaleTimestamp = "notify-stale-timestamp", ["WN1"],
        "payment notifications carry a Wechatpay-Timestamp an hour old (signed over it)";
    NotifyWrongKey = "notify-wrong-key", ["WN2"],
        "the notification's resource is encrypted under another key than the APIv3 key";
    NotifyMainlandNames = "notify-mainland-names", ["WN3"],
        "the notified transaction names the order transaction_id (the mainland API's name), not id";
    NotifyWrongAmount = "notify-wrong-amount", ["WN3"],
        "the notified transaction's amount.total is one more than the order's";
    NotifyNoRetry = "notify-no-retry", ["WN4"],
        "a refused notification is not retried";
    NotifyNewIdPerRetry = "notify-new-id-per-retry", ["WN4"],
        "each retry of a notification carries a new notification id";
    NotifyRetriesAfterAck = "notify-retries-after-ack", ["WN4"],
        "notifications keep coming on the schedule after a 2xx acknowledgement";
}

impl Fault {
    /// Whether the fault changes the signing of close answers (W7).
    pub(crate) fn breaks_close_signing(self) -> bool {
        matches!(
            self,
            Fault::Unsigned204
                | Fault::BadSignature
                | Fault::SignNoFinalNewline
                | Fault::StaleResponseTimestamp
                | Fault::UnknownResponseSerial
                | Fault::NoRequestId
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_covers_every_checked_rule_and_names_are_unique() {
        let names: HashSet<_> = Fault::all().iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), Fault::all().len());
        assert!(Fault::all().len() >= 20);
        for rule in [
            "G1", "G2", "W1", "W2", "W3", "W4", "W6", "W7", "WN1", "WN2", "WN3", "WN4",
        ] {
            assert!(
                Fault::all().iter().any(|f| f.rules()[0] == rule),
                "no fault about {rule}"
            );
        }
        for f in Fault::all() {
            assert_eq!(Fault::from_name(f.name()), Some(*f));
        }
        assert_eq!(Fault::from_name("no-such-fault"), None);
    }
}
