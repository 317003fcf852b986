//! The variant catalogue: each [`Variant`] is a way of answering that CONTRACT section 1
//! allows but that a merchant's integration may not expect — what a provider upgrade can
//! bring without breaking a rule. With a variant set the double still conforms (the selftest
//! and a plain run stay green); `pay-conformance diff` shows what changed.

use serde_json::Value;

use super::envelope::Reply;
use super::state::{Order, TradeState};

crate::variant_catalogue! {
    DetailExtraField = "detail-extra-field", "/v1/transaction/query",
        "adds a `confirmations` field (an integer) to the TransactionDetail (Q4 asks for the listed fields, not for no others)";
    OtherMsgTexts = "other-msg-texts", "*",
        "words every `msg` otherwise: `OK` for success, refusals capitalised (T4 asks for a string)";
    RecloseAnswers12001 = "reclose-answers-12001", "/v1/transaction/close",
        "refuses to close an already closed order with 12001 instead of answering 0 (X3 allows both)";
    ResponseTimestampSeconds = "response-timestamp-seconds", "*",
        "puts Unix seconds instead of milliseconds in `TTPay-Timestamp` (A6 names no unit)";
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `reply` as a provider with `variant` words it.
pub(crate) fn reword(reply: Reply, variant: Option<Variant>) -> Reply {
    match (reply, variant) {
        (
            Reply::Json {
                code,
                msg,
                data,
                signer,
            },
            Some(Variant::OtherMsgTexts),
        ) => {
            let msg = match msg.as_str() {
                "success" => "OK".to_owned(),
                other => {
                    let mut chars = other.chars();
                    chars.next().map_or_else(String::new, |first| {
                        first.to_uppercase().chain(chars).collect()
                    })
                }
            };
            Reply::Json {
                code,
                msg,
                data,
                signer,
            }
        }
        (reply, _) => reply,
    }
}

/// The time an answer is signed at: `now` (ms), or seconds with `response-timestamp-seconds`.
pub(crate) fn signed_at(now: i64, variant: Option<Variant>) -> i64 {
    match variant {
        Some(Variant::ResponseTimestampSeconds) => now / 1000,
        _ => now,
    }
}

/// A TransactionDetail as a provider with `variant` shows it.
pub(crate) fn extend_detail(detail: &mut Value, order: &Order, variant: Option<Variant>) {
    if variant == Some(Variant::DetailExtraField)
        && let Some(members) = detail.as_object_mut()
    {
        let confirmations = match order.trade_state {
            TradeState::Success => 20,
            _ => 0,
        };
        members.insert("confirmations".to_owned(), confirmations.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_is_named_and_found() {
        assert!(Variant::all().len() >= 4);
        for &v in Variant::all() {
            assert_eq!(Variant::from_name(v.name()), Some(v));
            assert!(!v.description().is_empty() && !v.endpoint().is_empty());
            assert_eq!(v.info().name, v.name());
        }
        assert_eq!(Variant::from_name("close-ignores-signature"), None);
    }

    #[test]
    fn other_msg_texts_rewords_only_msg() {
        let reply = reword(
            Reply::refuse(12002, "order does not exist", None),
            Some(Variant::OtherMsgTexts),
        );
        assert!(
            matches!(reply, Reply::Json { code: 12002, ref msg, .. } if msg == "Order does not exist")
        );
        let ok = reword(Reply::ok(None, None), Some(Variant::OtherMsgTexts));
        assert!(matches!(ok, Reply::Json { ref msg, .. } if msg == "OK"));
        assert_eq!(
            signed_at(1_764_000_000_123, Some(Variant::ResponseTimestampSeconds)),
            1_764_000_000
        );
    }
}
