//! The rules of WeChat Pay's close contract (`docs/contract-wechatpay.md`). All but W5 can be
//! broken by a provider, so they are checked: W1 is the client's as far as paths, bodies
//! and headers go, but a provider breaks it by refusing percent-encoded ids or the legacy close
//! tree (the double's faults do both), so it is checked too. W5 is not a provider's to break —
//! it is observed only — and the client keeps it by waiting out the minimum age (once) before
//! it closes; an aged order that does not close is a W2 deviation.

use crate::provider::Rule;

/// Every rule, checked ones first.
pub static RULES: &[Rule] = &[
    Rule::checked(
        "G1",
        "a Native create answers 200 with a code_url; the same create again, the same code_url",
    ),
    Rule::checked(
        "G2",
        "a query answers 200 with out_trade_no, trade_state (and id when known)",
    ),
    Rule::checked(
        "W2",
        "a successful close is 204 with an empty body (never 200) and the order is CLOSED",
    ),
    Rule::checked(
        "W3",
        "a failure is 4xx/5xx, application/json, {code, message, detail?}",
    ),
    Rule::checked(
        "W4",
        "paid, closed, unknown, foreign orders, other methods and malformed bodies are refused; nothing changes",
    ),
    Rule::checked(
        "W6",
        "every SDK's signed form is accepted; a wrong signature is 401 SIGN_ERROR with no effect",
    ),
    Rule::checked(
        "W7",
        "2xx answers are signed by the platform and carry a Request-ID (strict / observe / off)",
    ),
    Rule::checked(
        "W1",
        "ids percent-encoded and the legacy close tree are accepted (paths, bodies and headers themselves are the client's)",
    ),
    Rule::checked(
        "WN1",
        "a payment notification is a POST signed by the platform over TS\\nNONCE\\nBODY\\n, its timestamp within 300 s",
    ),
    Rule::checked(
        "WN2",
        "its body is the documented event; the resource decrypts under the APIv3 key with its associated_data",
    ),
    Rule::checked(
        "WN3",
        "the notified transaction has the Global names (id) and agrees with the query",
    ),
    Rule::checked(
        "WN4",
        "a non-2xx answer is retried on the schedule, a 2xx stops it, one notification id for every retry",
    ),
    Rule::by_the_client(
        "W5",
        "the minimum close age: observed only (a young order's refusal is never a failure); the client waits it out once (close_min_age_seconds)",
    ),
];
