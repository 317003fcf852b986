//! The rules of TTPay's contract (`docs/contract-ttpay.md`): those a provider can break, each
//! with scenarios and faults that prove them, and those the suite's client guarantees by how
//! it sends.

use crate::provider::Rule;

/// Every rule, checked ones first.
pub static RULES: &[Rule] = &[
    Rule::checked("T3", "HTTP 200, application/json, strict JSON object"),
    Rule::checked(
        "T4",
        "envelope: code, msg, request_id (UUID); data on success",
    ),
    Rule::checked(
        "T5",
        "malformed input gets a JSON refusal: no 5xx, no garbage, no hang-up",
    ),
    Rule::checked(
        "T7",
        "an undocumented method is refused with no effect, no 5xx, no drop; the connection stays usable",
    ),
    Rule::checked(
        "A3",
        "a wrong signature is refused with 103 and has no effect",
    ),
    Rule::checked("A4", "a timestamp an hour old is refused (104 or 103)"),
    Rule::checked("A5", "an unknown app_id is refused (20000 or 103)"),
    Rule::checked("A6", "responses are signed (strict / observe / off)"),
    Rule::checked(
        "C2",
        "a create missing a required field is refused and creates nothing",
    ),
    Rule::checked("C3", "invalid values are refused and create nothing"),
    Rule::checked("C4", "a monitor order without to_address is refused"),
    Rule::checked(
        "C5",
        "success: prepay_id, and a payment_url that contains it",
    ),
    Rule::checked(
        "C6",
        "out_trade_no is unique per merchant; a duplicate yields no second order",
    ),
    Rule::checked(
        "C7",
        "the amount reads back as sent or × 10^decimals, one way for every order of the run",
    ),
    Rule::checked("Q1", "query by out_trade_no and by transaction_id agree"),
    Rule::checked("Q2", "a query with neither id is refused"),
    Rule::checked(
        "Q3",
        "a query for a missing order is refused (12002) with no data",
    ),
    Rule::checked(
        "Q4",
        "data is a complete TransactionDetail; times in Unix ms",
    ),
    Rule::checked(
        "Q5",
        "trade_state is NOTPAY, SUCCESS, CLOSED or REFUND, in that case",
    ),
    Rule::checked("Q6", "the order echoes what create sent"),
    Rule::checked(
        "Q7",
        "a new order is NOTPAY, unpaid, unclosed, created now, expiring on time",
    ),
    Rule::checked("Q8", "a SUCCESS order has its payment recorded"),
    Rule::checked("Q9", "orders are private to their merchant"),
    Rule::checked("X1", "closing a NOTPAY order closes it, with a close_time"),
    Rule::checked("X2", "closing a SUCCESS order is refused; it stays SUCCESS"),
    Rule::checked(
        "X3",
        "closing a CLOSED order again keeps it CLOSED at the same close_time",
    ),
    Rule::checked(
        "X4",
        "closing a transaction_id that does not exist is refused",
    ),
    Rule::checked("X5", "a close without transaction_id is refused"),
    Rule::checked("X6", "another merchant cannot close an order"),
    Rule::checked(
        "N1",
        "a paid order's notification: POST, the documented JSON, the order's merchant; a signature, if any, verifies",
    ),
    Rule::checked(
        "N2",
        "its resource decrypts: AES-256-GCM under the app secret, nonce bytes, tag appended, AAD",
    ),
    Rule::checked("N3", "the notified order agrees with the query"),
    Rule::checked(
        "N4",
        "an answer other than success is retried on the schedule, success stops it, notify_num counts",
    ),
    Rule::checked("N5", "one payment event per order"),
    Rule::by_the_client(
        "T1",
        "JSON over HTTP(S) to the three paths, app_id and mch_id in the body",
    ),
    Rule::by_the_client(
        "T2",
        "create and close are POST; query POST or GET (--query-method)",
    ),
    Rule::by_the_client(
        "T6",
        "the business status codes: the vocabulary of the other rules",
    ),
    Rule::by_the_client(
        "A1",
        "every request carries the TTPAY-AES-256-ECB Authorization header",
    ),
    Rule::by_the_client("A2", "the request signature (--timestamp-unit)"),
    Rule::by_the_client(
        "A7",
        "5 requests per second per app_id: paced, 11001/20004 waited out (--rate-limit)",
    ),
    Rule::by_the_client("C1", "the required and optional fields of create"),
];
