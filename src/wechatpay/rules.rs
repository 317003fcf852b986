//! The rules of WeChat Pay's close contract (`docs/contract-wechatpay.md`): those a provider
//! can break, each with scenarios that gather evidence for it, and the one the suite's client
//! keeps by how it sends.

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
        "W5",
        "a young order's close is never a failure (observed only; close_min_age_seconds)",
    ),
    Rule::checked(
        "W6",
        "every SDK's signed form is accepted; a wrong signature is 401 SIGN_ERROR with no effect",
    ),
    Rule::checked(
        "W7",
        "2xx answers are signed by the platform and carry a Request-ID (strict / observe / off)",
    ),
    Rule::by_the_client(
        "W1",
        "paths, bodies, headers, percent-encoded ids signed as sent: how the client sends (accepting encoded ids is checked under W6)",
    ),
];
