//! The fault catalogue: each [`Fault`] is one realistic way a provider breaks a rule of
//! CONTRACT section 1. With a fault set the double stays conforming in everything else, so a
//! suite run against it reports the rules that [`Fault::rules`] names and no other: the first
//! is the rule the fault is about, the others are the ones that cannot help failing with it
//! (a lower-case `trade_state` is also not the `NOTPAY` that Q7 expects).

use std::str::FromStr;

crate::fault_catalogue! {
    // Transport (T).
    TrailingCommaJson = "trailing-comma-json", ["T3"],
        "ends every response envelope with a trailing comma, as the docs' own examples do";
    TextHtmlContentType = "text-html-content-type", ["T3"],
        "labels every response `Content-Type: text/html`";
    Http500OnError = "http-500-on-error", ["T3", "T5", "T7"],
        "sends every refusal with HTTP status 500";
    HttpStatusMirrorsCode = "http-status-mirrors-code", ["T3"],
        "sends refusals with a 4xx HTTP status that mirrors the code (401, 404, 409, 429, 400)";
    RequestIdNotUuid = "request-id-not-uuid", ["T4"],
        "sends a `request_id` that is not a UUID (`req-<millis>-<n>`)";
    CodeAsString = "code-as-string", ["T4"],
        "sends `code` as a string (`\"0\"`)";
    EnvelopeWithoutMsg = "envelope-without-msg", ["T4"],
        "leaves `msg` out of every response";
    CreateWithoutData = "create-without-data", ["T4", "C5"],
        "answers a successful create with code 0 and no `data`";
    Http500OnMalformedJson = "500-on-malformed-json", ["T5"],
        "crashes with HTTP 500 and a plain-text page on a body that is not a JSON object";
    BadGatewayOnWrongType = "502-on-wrong-type", ["T5"],
        "crashes on a create field of the wrong JSON type: HTTP 502 and an HTML gateway page";
    HangupOnMalformedJson = "hangup-on-malformed-json", ["T5"],
        "drops the connection without an answer on a body that is not JSON";
    HtmlErrorOnBadAuthorization = "html-error-on-bad-authorization", ["T5", "T3", "T4"],
        "answers a missing or unreadable `Authorization` with HTTP 400 and an HTML page";
    PutCloseCloses = "put-close-closes", ["T7"],
        "serves a `PUT` (or `DELETE`, `PATCH`) to close like a `POST`: code 0, and the order is closed";
    GetCreateCreates = "get-create-creates", ["T7"],
        "serves a `GET` to create with the query string as its parameters: the order is created";
    Http500OnUnknownMethod = "500-on-unknown-method", ["T7"],
        "crashes with HTTP 500 and a plain-text page on `PUT`, `DELETE` or `PATCH`";
    HangupOnUnknownMethod = "hangup-on-unknown-method", ["T7"],
        "drops the connection without an answer on `PUT`, `DELETE` or `PATCH`";
    // Authentication (A).
    CloseIgnoresSignature = "close-ignores-signature", ["A3"],
        "serves a close whatever its signature, with code 0";
    RefusedCloseStillCloses = "refused-close-still-closes", ["A3"],
        "answers 103 to a close with a wrong signature, but closes the order anyway";
    BadSignatureCreateStored = "bad-signature-create-stored", ["A3"],
        "answers 103 to a create with a wrong signature, but stores the order anyway";
    StaleTimestampAccepted = "stale-timestamp-accepted", ["A4"],
        "accepts a signature timestamp of any age (no replay window)";
    UnknownAppServed = "unknown-app-served", ["A5"],
        "serves an unknown `app_id` as the first merchant, without checking its signature";
    UnsignedResponses = "unsigned-responses", ["A6"],
        "sends no `TTPay-Timestamp`, `TTPay-Nonce`, `TTPay-Signature` headers";
    WrongResponseSignature = "wrong-response-signature", ["A6"],
        "signs `TS\\nNONCE\\nBODY\\n` (with a trailing newline) instead of `TS\\nNONCE\\nBODY`";
    ResponseSignatureSkipsBody = "response-signature-skips-body", ["A6"],
        "signs only `TS\\nNONCE`, not the response body";
    // Create (C).
    MissingFieldAccepted = "missing-field-accepted", ["C2"],
        "fills a missing required create field with a default and creates the order";
    RefusedCreateStillStored = "refused-create-still-stored", ["C2"],
        "answers 11003 to a create missing a field, but stores the order with defaults";
    NegativeAmountAccepted = "negative-amount-accepted", ["C3"],
        "accepts an `amount` of zero or less";
    AmountStringAccepted = "amount-string-accepted", ["C3"],
        "accepts an `amount` sent as a string (`\"15000000\"`)";
    FractionalExpireAccepted = "fractional-expire-accepted", ["C3"],
        "accepts an `expire_second` that is not an integer (`1.5`, `\"600\"`), truncating it";
    ZeroExpireAccepted = "zero-expire-accepted", ["C3"],
        "accepts an `expire_second` of zero or less";
    UnknownChainAccepted = "unknown-chain-accepted", ["C3"],
        "accepts a `chain` it does not offer and makes up its currency";
    CurrencyNotOnChainAccepted = "currency-not-on-chain-accepted", ["C3"],
        "accepts a `currency` that the `chain` does not offer (BNB on TRON)";
    UnknownOrderTypeAccepted = "unknown-order-type-accepted", ["C3"],
        "accepts any `order_type`";
    UnknownLocaleAccepted = "unknown-locale-accepted", ["C3"],
        "accepts any `locale`";
    ForeignMchIdAccepted = "foreign-mch-id-accepted", ["C3"],
        "creates for a body `mch_id` that is not the signing app's merchant";
    MonitorOrderWithoutAddress = "monitor-order-without-address", ["C4"],
        "accepts a `merchant_order` (monitor order) without `to_address`";
    EmptyPrepayId = "empty-prepay-id", ["C5"],
        "answers a create with `prepay_id: \"\"`";
    PaymentUrlWithoutPrepayId = "payment-url-without-prepay-id", ["C5"],
        "answers a create with `payment_url: \"/pay/order\"`, without the prepay_id";
    PaymentUrlNotAUrl = "payment-url-not-a-url", ["C5"],
        "answers a create with a `payment_url` that is neither absolute nor starts with `/`";
    DuplicateCreatesSecondOrder = "duplicate-creates-second-order", ["C6"],
        "creates a second order for a repeated `out_trade_no`: code 0 with a new prepay_id";
    DuplicateOverwritesOrder = "duplicate-overwrites-order", ["C6"],
        "answers 12001 to a repeated `out_trade_no`, but replaces the order's values";
    // Query (Q).
    QueryByTransactionIdDiffers = "query-by-transaction-id-differs", ["Q1"],
        "by `transaction_id`, answers from a path that forgets the fee (`service_amount` 0)";
    QueryByTransactionIdNotFound = "query-by-transaction-id-not-found", ["Q1"],
        "cannot find any order by `transaction_id` (12002)";
    QueryWithoutIdsSucceeds = "query-without-ids-succeeds", ["Q2"],
        "answers a query with neither id with the merchant's latest order";
    UnknownOrderCodeZero = "unknown-order-code-zero", ["Q3", "Q9"],
        "answers a query for an unknown order with code 0 and `data: null`";
    UnknownOrderWithData = "unknown-order-with-data", ["Q3"],
        "answers a query for an unknown order with 12002 and `data: {}`";
    DetailMissingField = "detail-missing-field", ["Q4"],
        "leaves `service_amount_currency` out of the TransactionDetail";
    DetailOmitsEmptyValues = "detail-omits-empty-values", ["Q4", "Q7", "Q8"],
        "leaves zero and empty fields out of the TransactionDetail (Go's `omitempty`)";
    CurrencyMissingField = "currency-missing-field", ["Q4"],
        "leaves `sub_name` out of the `currency` object";
    TimeInSeconds = "time-in-seconds", ["Q4", "Q7"],
        "sends every time in Unix seconds instead of milliseconds";
    TimesAsStrings = "times-as-strings", ["Q4"],
        "sends every time as a string of digits";
    TradeStateLowercase = "trade-state-lowercase",
        ["Q5", "A3", "Q7", "Q8", "X1", "X2", "X3", "X6", "T7", "N3"],
        "sends `trade_state` in lower case (`notpay`)";
    TradeStateOutOfEnum = "trade-state-out-of-enum", ["Q5", "Q8", "X2", "N3"],
        "calls a paid order `PAID` instead of `SUCCESS`";
    DescriptionNotEchoed = "description-not-echoed", ["Q6"],
        "answers `description: \"\"` whatever was created";
    AmountInMajorUnits = "amount-in-major-units", ["C7"],
        "returns `amount` in major units for USDT orders (9 for 9000000 with 6 decimals) and in the smallest unit for the others: two readings in one run";
    ToAddressNotEchoed = "to-address-not-echoed", ["Q6"],
        "returns the platform's wallet as `to_address` instead of the one sent";
    NewOrderHasPayTime = "new-order-has-pay-time", ["Q7"],
        "shows a `pay_time` (its create time) on unpaid orders";
    ExpireTimeWrong = "expire-time-wrong", ["Q7"],
        "computes `expire_time` as `create_time + expire_second`, forgetting the × 1000";
    ExpireSecondInMs = "expire-second-in-ms", ["Q7"],
        "returns the remaining `expire_second` in milliseconds";
    TimesInUtcPlus8 = "times-in-utc-plus-8", ["Q7"],
        "shifts every time by 8 hours (local time read as UTC)";
    PaidOrderWithoutTxId = "paid-order-without-tx-id", ["Q8"],
        "shows a paid order with `tx_id: \"\"`";
    PaidOrderPayTimeZero = "paid-order-pay-time-zero", ["Q8"],
        "shows a paid order with `pay_time: 0`";
    OtherMerchantCanQuery = "other-merchant-can-query", ["Q9"],
        "finds any merchant's order for any caller";
    // Close (X).
    CloseDoesNotClose = "close-does-not-close", ["X1", "X3"],
        "answers a close with code 0 but the order stays `NOTPAY`";
    CloseTimeZero = "close-time-zero", ["X1"],
        "closes the order but leaves `close_time` 0";
    CloseTimeInSeconds = "close-time-in-seconds", ["X1"],
        "records `close_time` in Unix seconds, before the `create_time` in milliseconds";
    PaidOrderClosable = "paid-order-closable", ["X2"],
        "closes a paid order: code 0 and `CLOSED`";
    PaidCloseAnswersZero = "paid-close-answers-zero", ["X2"],
        "answers code 0 to closing a paid order (which stays `SUCCESS`)";
    RecloseMovesCloseTime = "reclose-moves-close-time", ["X3"],
        "moves `close_time` to now when a closed order is closed again";
    CloseUnknownSucceeds = "close-unknown-succeeds", ["X4"],
        "answers code 0 to closing a `transaction_id` that does not exist";
    CloseWithoutIdSucceeds = "close-without-id-succeeds", ["X5"],
        "answers code 0 to a close without `transaction_id`";
    OtherMerchantCanClose = "other-merchant-can-close", ["X6"],
        "lets any merchant close any merchant's order";
    ForeignCloseStillCloses = "foreign-close-still-closes", ["X6"],
        "answers 12002 to another merchant's close, but closes the order anyway";
    // Notifications (N).
    NotifyWithoutMchId = "notify-without-mch-id", ["N1"],
        "leaves `mch_id` out of the notification body";
    NotifyBadSignature = "notify-bad-signature", ["N1"],
        "signs notifications with an `Authorization` that does not verify (over another body)";
    NotifyWrongKey = "notify-wrong-key", ["N2"],
        "encrypts the notification's resource under another key than the app secret";
    NotifyWithoutTag = "notify-without-tag", ["N2"],
        "sends the ciphertext without its 16-byte GCM tag";
    NotifyWrongAmount = "notify-wrong-amount", ["N3"],
        "notifies an amount one smallest unit above the order's";
    NotifyNoRetry = "notify-no-retry", ["N4"],
        "gives up after the first attempt, whatever the merchant answered";
    NotifyRetriesTooSoon = "notify-retries-too-soon", ["N4"],
        "retries a refused notification at once instead of on the schedule";
    NotifyRetriesAfterSuccess = "notify-retries-after-success", ["N4"],
        "keeps retrying on the schedule after the merchant answered `success`";
    NotifyNotCounted = "notify-not-counted", ["N4"],
        "leaves `notify_num` at 0 whatever was sent";
    NotifySecondEvent = "notify-second-event", ["N5"],
        "sends a second payment event (another `tx_id`) after the first was acknowledged";
}

/// A fault name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault: {0}\n(hint: fault names are kebab-case, e.g. close-ignores-signature)")]
pub struct UnknownFault(pub String);

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Fault::from_name(name).ok_or_else(|| UnknownFault(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    const RULES: [&str; 33] = [
        "T3", "T4", "T5", "T7", "A3", "A4", "A5", "A6", "C2", "C3", "C4", "C5", "C6", "Q1", "Q2",
        "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9", "X1", "X2", "X3", "X4", "X5", "X6", "N1", "N2",
        "N3", "N4", "N5",
    ];

    #[test]
    fn every_fault_is_named_described_and_breaks_a_rule() {
        assert!(Fault::all().len() >= 34);
        let mut names = HashSet::new();
        for &fault in Fault::all() {
            assert!(names.insert(fault.name()), "duplicate name {fault}");
            assert!(
                fault
                    .name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{fault} is not kebab-case"
            );
            assert!(!fault.description().is_empty());
            assert!(!fault.rules().is_empty());
            assert_eq!(Fault::from_name(fault.name()), Some(fault));
            assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
        }
        assert_eq!(Fault::from_name("no-such-fault"), None);
        assert!("nope".parse::<Fault>().is_err());
    }

    #[test]
    fn faults_cover_every_rule_of_section_one() {
        let covered: HashSet<&str> = Fault::all()
            .iter()
            .flat_map(|fault| fault.rules().iter().copied())
            .collect();
        for rule in RULES {
            assert!(covered.contains(rule), "no fault breaks {rule}");
        }
    }
}
