//! The TransactionDetail a query answers with (CONTRACT Q4–Q8): every field present, times in
//! Unix milliseconds (0 for "not yet"), the amount in minor units, the remaining
//! `expire_second` — and the query faults that bend it.

use serde_json::{Map, Number, Value};

use super::Fault;
use super::chains;
use super::state::{Order, TradeState};

/// Eight hours, in milliseconds (`times-in-utc-plus-8`).
const UTC_PLUS_8_MS: i64 = 8 * 3600 * 1000;

/// `order` as the provider shows it at `now`; `via_transaction_id` says how it was found.
pub(crate) fn detail(
    order: &Order,
    now: i64,
    fault: Option<Fault>,
    via_transaction_id: bool,
) -> Value {
    let has = |f: Fault| fault == Some(f);
    let paid = order.trade_state == TradeState::Success;
    let time = |ms: i64| render_time(ms, fault);

    let trade_state = match (order.trade_state, fault) {
        (TradeState::Success, Some(Fault::TradeStateOutOfEnum)) => "PAID".to_owned(),
        (state, Some(Fault::TradeStateLowercase)) => state.as_str().to_ascii_lowercase(),
        (state, _) => state.as_str().to_owned(),
    };
    let expire_time = match has(Fault::ExpireTimeWrong) {
        true => order.create_time.saturating_add(order.expire_second),
        false => order.expire_time(),
    };
    // Remaining time only matters while the order can still be paid (the docs' paid example: 0).
    let remaining_ms = match order.trade_state {
        TradeState::NotPay => order.expire_time().saturating_sub(now).max(0),
        _ => 0,
    };
    let expire_second = match has(Fault::ExpireSecondInMs) {
        true => remaining_ms,
        false => remaining_ms / 1000,
    };
    let pay_time = match order.trade_state {
        TradeState::Success if has(Fault::PaidOrderPayTimeZero) => 0,
        TradeState::NotPay | TradeState::Closed if has(Fault::NewOrderHasPayTime) => {
            order.create_time
        }
        _ => order.pay_time,
    };
    let tx_id = match paid && has(Fault::PaidOrderWithoutTxId) {
        true => "",
        false => order.tx_id.as_str(),
    };
    let description = match has(Fault::DescriptionNotEchoed) {
        true => "",
        false => order.description.as_str(),
    };
    let platform_address = chains::platform_address(&order.currency.chain);
    let to_address = match (&order.to_address, has(Fault::ToAddressNotEchoed)) {
        (Some(sent), false) => sent.as_str(),
        _ => platform_address,
    };
    // Two readings in one run (C7): USDT orders in major units, the others in the smallest.
    let amount = match has(Fault::AmountInMajorUnits) && order.currency.currency == "USDT" {
        true => chains::scale_down(&order.amount, order.currency.decimal)
            .unwrap_or_else(|| order.amount.clone()),
        false => order.amount.clone(),
    };
    let service_amount = match via_transaction_id && has(Fault::QueryByTransactionIdDiffers) {
        true => Number::from(0),
        false => chains::service_amount(&order.amount),
    };
    let mut currency = order.currency.to_json();
    if has(Fault::CurrencyMissingField)
        && let Some(members) = currency.as_object_mut()
    {
        members.remove("sub_name");
    }

    let mut detail = Map::new();
    let mut put = |key: &str, value: Value| {
        detail.insert(key.to_owned(), value);
    };
    put("out_trade_no", order.out_trade_no.clone().into());
    put("transaction_id", order.transaction_id.clone().into());
    put("trade_state", trade_state.into());
    put("description", description.into());
    put("block_no", order.block_no.into());
    put("create_time", time(order.create_time));
    put("block_time", time(order.block_time));
    put("expire_time", time(expire_time));
    put("expire_second", expire_second.into());
    put("pay_time", time(pay_time));
    put("close_time", time(order.close_time));
    put("tx_id", tx_id.into());
    put("from_address", order.from_address.clone().into());
    put(
        "contract_address",
        order.currency.contract_address.clone().into(),
    );
    put("to_address", to_address.into());
    put("amount", Value::Number(amount));
    put("chain", order.currency.chain.clone().into());
    put("decimals", order.currency.decimal.into());
    if let Some(attach) = &order.attach {
        put("attach", attach.clone().into());
    }
    put("service_amount", Value::Number(service_amount));
    if !has(Fault::DetailMissingField) {
        put(
            "service_amount_currency",
            order.currency.currency.clone().into(),
        );
    }
    put("notify_url", order.notify_url.clone().into());
    put("notify_num", order.notify_num.into());
    put("notify_status", order.notify_status.into());
    put("status", if paid { 2 } else { 1 }.into());
    put("currency", currency);
    if has(Fault::DetailOmitsEmptyValues) {
        detail.retain(|_, value| !is_empty(value));
    }
    Value::Object(detail)
}

/// A time as sent: 0 stays 0; faults shift it, cut it to seconds or make it a string.
fn render_time(ms: i64, fault: Option<Fault>) -> Value {
    let value = match (ms, fault) {
        (0, _) => 0,
        (ms, Some(Fault::TimeInSeconds)) => ms / 1000,
        (ms, Some(Fault::TimesInUtcPlus8)) => ms.saturating_add(UTC_PLUS_8_MS),
        (ms, _) => ms,
    };
    match fault {
        Some(Fault::TimesAsStrings) => Value::String(value.to_string()),
        _ => Value::from(value),
    }
}

/// What Go's `omitempty` leaves out.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.as_f64() == Some(0.0),
        Value::String(text) => text.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ttpay::double::DoubleConfig;
    use crate::ttpay::double::state::{State, now_ms};

    fn paid() -> Order {
        let state = State::new(&DoubleConfig::builtin(), now_ms());
        let id = state.orders.id_by_trade_no("9000000001", "PAID-ORDER-0001");
        state.orders.get(id.unwrap()).cloned().unwrap()
    }

    #[test]
    fn the_paid_fixture_is_a_full_success_detail() {
        let now = now_ms();
        let value = detail(&paid(), now, None, false);
        for field in crate::ttpay::DETAIL_FIELDS {
            assert!(value.get(field).is_some(), "{field} missing");
        }
        assert_eq!(value["trade_state"], "SUCCESS");
        assert_eq!(value["decimals"], value["currency"]["decimal"]);
        assert!(value["pay_time"].as_i64().unwrap() > 0);
        assert!(value["block_no"].as_i64().unwrap() > 0);
        assert_eq!(value["close_time"], 0);
        assert_eq!(value["service_amount"], 45000);
        assert_eq!(value["status"], 2);
        let create = value["create_time"].as_i64().unwrap();
        assert_eq!(value["expire_time"].as_i64().unwrap(), create + 600_000);
    }

    #[test]
    fn query_faults_bend_only_what_they_name() {
        let order = paid();
        let now = now_ms();
        let plain = detail(&order, now, None, true);
        let bent = |fault| detail(&order, now, Some(fault), true);
        assert_eq!(bent(Fault::TradeStateOutOfEnum)["trade_state"], "PAID");
        assert_eq!(bent(Fault::TradeStateLowercase)["trade_state"], "success");
        assert_eq!(bent(Fault::PaidOrderWithoutTxId)["tx_id"], "");
        assert_eq!(bent(Fault::PaidOrderPayTimeZero)["pay_time"], 0);
        let on = |currency: &str| {
            let mut order = paid();
            order.currency = chains::currency("TRON", currency).unwrap();
            order.amount = Number::from(9_000_000);
            detail(&order, now, Some(Fault::AmountInMajorUnits), true)["amount"].clone()
        };
        assert_eq!((on("USDT"), on("TRX")), (9.into(), 9_000_000.into()));
        assert_eq!(
            bent(Fault::QueryByTransactionIdDiffers)["service_amount"],
            0
        );
        assert!(
            bent(Fault::DetailMissingField)
                .get("service_amount_currency")
                .is_none()
        );
        assert!(
            bent(Fault::DetailOmitsEmptyValues)
                .get("close_time")
                .is_none()
        );
        assert!(
            bent(Fault::CurrencyMissingField)["currency"]
                .get("sub_name")
                .is_none()
        );
        assert!(bent(Fault::TimesAsStrings)["create_time"].is_string());
        let seconds = bent(Fault::TimeInSeconds)["create_time"].as_i64().unwrap();
        assert_eq!(seconds, plain["create_time"].as_i64().unwrap() / 1000);
        let mut echoed = bent(Fault::DescriptionNotEchoed);
        assert_eq!(echoed["description"], "");
        echoed["description"] = plain["description"].clone();
        assert_eq!(echoed, plain);
    }
}
