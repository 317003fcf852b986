//! What each operation does to the orders (CONTRACT C, Q, X): create (unique per merchant),
//! query (the caller's orders only) and close (the NOTPAY → CLOSED lifecycle) — and the
//! endpoint faults that break exactly one rule each.

use serde_json::{Value, json};

use super::Fault;
use super::auth::Caller;
use super::detail::detail;
use super::envelope::{Reply, code};
use super::state::{Order, State, TradeState};
use super::validate::{self, Invalid, NewOrder, Params};
use crate::double::Ids;
use crate::double::notifier::Log;

/// The page a crashed backend's gateway sends (`502-on-wrong-type`).
const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
    <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// `POST /v1/transaction/prepayment`.
pub(crate) fn create(state: &mut State, caller: &Caller, params: &Params, now: i64) -> Reply {
    let signer = caller.signer();
    let refuse =
        |invalid: Invalid| match invalid.wrong_type && state.has(Fault::BadGatewayOnWrongType) {
            true => Reply::Raw {
                status: 502,
                mime: "text/html",
                body: BAD_GATEWAY_PAGE,
            },
            false => Reply::refuse(invalid.code, invalid.msg, signer),
        };
    let mch_id = caller.merchant.mch_id.clone();
    let mut params = params.clone();
    let mut refused_after_storing = None;
    if let Err(missing) = validate::missing_fields(&params) {
        match state.fault {
            Some(Fault::MissingFieldAccepted) => validate::fill_defaults(&mut params, &mch_id),
            Some(Fault::RefusedCreateStillStored) => {
                validate::fill_defaults(&mut params, &mch_id);
                refused_after_storing = Some(missing);
            }
            _ => return refuse(missing),
        }
    }
    let foreign_ok = state.has(Fault::ForeignMchIdAccepted);
    if let Err(invalid) = validate::check_mch_id(&params, &mch_id, true, foreign_ok) {
        return refuse(invalid);
    }
    let new = match validate::new_order(&params, state.fault, state.amount_unit) {
        Ok(new) => new,
        Err(invalid) => return refuse(invalid),
    };

    let existing = state
        .orders
        .id_by_trade_no(&mch_id, &new.out_trade_no)
        .map(str::to_owned);
    if let Some(id) = existing {
        match state.fault {
            Some(Fault::DuplicateCreatesSecondOrder) => {}
            Some(Fault::DuplicateOverwritesOrder) => {
                if let Some(order) = state.orders.get_mut(&id) {
                    overwrite(order, new);
                }
                return Reply::refuse(code::EXISTS, "out_trade_no already exists", signer);
            }
            _ => return Reply::refuse(code::EXISTS, "out_trade_no already exists", signer),
        }
    }

    let order = new_order(mch_id, new, now, &mut state.ids);
    let data = payment(&order.prepay_id, state.fault);
    state.orders.insert(order);
    match refused_after_storing {
        Some(missing) => Reply::refuse(missing.code, missing.msg, signer),
        None => Reply::ok(data, signer),
    }
}

/// A fresh `NOTPAY` order of `mch_id`.
fn new_order(mch_id: String, new: NewOrder, now: i64, ids: &mut Ids) -> Order {
    Order {
        mch_id,
        out_trade_no: new.out_trade_no,
        transaction_id: ids.hex(32),
        prepay_id: ids.hex(64),
        trade_state: TradeState::NotPay,
        description: new.description,
        attach: new.attach,
        to_address: new.to_address,
        notify_url: new.notify_url,
        amount: new.amount,
        currency: new.currency,
        expire_second: new.expire_second,
        create_time: now,
        pay_time: 0,
        close_time: 0,
        block_no: 0,
        block_time: 0,
        tx_id: String::new(),
        from_address: String::new(),
        notify_num: 0,
        notify_status: 0,
        deliveries: Log::default(),
    }
}

/// `duplicate-overwrites-order`: the second create's values replace the first's.
fn overwrite(order: &mut Order, new: NewOrder) {
    order.description = new.description;
    order.attach = new.attach;
    order.to_address = new.to_address;
    order.notify_url = new.notify_url;
    order.amount = new.amount;
    order.currency = new.currency;
    order.expire_second = new.expire_second;
}

/// `data` of a successful create (C5), as the fault bends it.
fn payment(prepay_id: &str, fault: Option<Fault>) -> Option<Value> {
    let url = format!("/pay/order?prepay_id={prepay_id}");
    let (prepay_id, payment_url) = match fault {
        Some(Fault::CreateWithoutData) => return None,
        Some(Fault::EmptyPrepayId) => ("", url),
        Some(Fault::PaymentUrlWithoutPrepayId) => (prepay_id, "/pay/order".to_owned()),
        Some(Fault::PaymentUrlNotAUrl) => (prepay_id, url.trim_start_matches('/').to_owned()),
        _ => (prepay_id, url),
    };
    Some(json!({"prepay_id": prepay_id, "payment_url": payment_url}))
}

/// `POST` (JSON body) or `GET` (query string) `/v1/transaction/query`.
pub(crate) fn query(
    state: &State,
    caller: &Caller,
    params: &Params,
    is_get: bool,
    now: i64,
) -> Reply {
    let signer = caller.signer();
    let mch_id = caller.merchant.mch_id.as_str();
    let ids = validate::check_mch_id(params, mch_id, !is_get, false).and_then(|()| {
        Ok((
            validate::optional_text(params, "out_trade_no")?,
            validate::optional_text(params, "transaction_id")?,
        ))
    });
    let (out_trade_no, transaction_id) = match ids {
        Ok(ids) => ids,
        Err(invalid) => return Reply::refuse(invalid.code, invalid.msg, signer),
    };
    let anyone = state.has(Fault::OtherMerchantCanQuery);
    let found = match (&out_trade_no, &transaction_id) {
        (None, None) if state.has(Fault::QueryWithoutIdsSucceeds) => state
            .orders
            .latest_of(mch_id)
            .and_then(|id| state.orders.get(id)),
        (None, None) => {
            return Reply::refuse(
                code::MISSING,
                "missing required parameter: out_trade_no or transaction_id",
                signer,
            );
        }
        (_, Some(_)) if state.has(Fault::QueryByTransactionIdNotFound) => None,
        (_, Some(id)) => state.orders.get(id).filter(|order| {
            (anyone || order.mch_id == mch_id)
                && out_trade_no
                    .as_ref()
                    .is_none_or(|n| *n == order.out_trade_no)
        }),
        (Some(trade_no), None) => {
            let own = state.orders.id_by_trade_no(mch_id, trade_no);
            let any = || state.orders.id_by_trade_no_anywhere(trade_no);
            own.or_else(|| anyone.then(any).flatten())
                .and_then(|id| state.orders.get(id))
        }
    };
    match found {
        Some(order) => {
            let mut data = detail(order, now, state.fault, transaction_id.is_some());
            super::variants::extend_detail(&mut data, order, state.variant);
            Reply::ok(Some(data), signer)
        }
        None if state.has(Fault::UnknownOrderCodeZero) => Reply::ok(Some(Value::Null), signer),
        None if state.has(Fault::UnknownOrderWithData) => {
            Reply::refuse(code::NOT_FOUND, "order does not exist", signer).with_data(json!({}))
        }
        None => Reply::refuse(code::NOT_FOUND, "order does not exist", signer),
    }
}

/// `POST /v1/transaction/close`.
pub(crate) fn close(state: &mut State, caller: &Caller, params: &Params, now: i64) -> Reply {
    let signer = caller.signer();
    let mch_id = caller.merchant.mch_id.as_str();
    let id = validate::check_mch_id(params, mch_id, true, false)
        .and_then(|()| validate::optional_text(params, "transaction_id"));
    let id = match id {
        Ok(Some(id)) => id,
        Ok(None) if state.has(Fault::CloseWithoutIdSucceeds) => return Reply::ok(None, signer),
        Ok(None) => {
            return Reply::refuse(
                code::MISSING,
                "missing required parameter: transaction_id",
                signer,
            );
        }
        Err(invalid) => return Reply::refuse(invalid.code, invalid.msg, signer),
    };
    let fault = state.fault;
    let reclose_refused = state.variant == Some(super::Variant::RecloseAnswers12001);
    let not_found = || Reply::refuse(code::NOT_FOUND, "order does not exist", signer);
    let Some(order) = state.orders.get_mut(&id) else {
        return match fault {
            Some(Fault::CloseUnknownSucceeds) => Reply::ok(None, signer),
            _ => not_found(),
        };
    };
    if order.mch_id != mch_id {
        return match fault {
            Some(Fault::OtherMerchantCanClose) => close_order(order, fault, now, signer),
            Some(Fault::ForeignCloseStillCloses) => {
                close_order(order, fault, now, signer);
                not_found()
            }
            _ => not_found(),
        };
    }
    if reclose_refused && order.trade_state == TradeState::Closed {
        return Reply::refuse(code::EXISTS, "order is already closed", signer);
    }
    close_order(order, fault, now, signer)
}

/// NOTPAY → CLOSED at `now` (X1); SUCCESS is refused (X2); CLOSED stays as it is (X3).
fn close_order(
    order: &mut Order,
    fault: Option<Fault>,
    now: i64,
    signer: Option<&crate::ttpay::AppSecret>,
) -> Reply {
    match (order.trade_state, fault) {
        (TradeState::NotPay, Some(Fault::CloseDoesNotClose)) => {}
        (TradeState::NotPay, _) => {
            order.trade_state = TradeState::Closed;
            order.close_time = match fault {
                Some(Fault::CloseTimeZero) => 0,
                Some(Fault::CloseTimeInSeconds) => now / 1000,
                _ => now,
            };
        }
        (TradeState::Success, Some(Fault::PaidOrderClosable)) => {
            order.trade_state = TradeState::Closed;
            order.close_time = now;
        }
        (TradeState::Success, Some(Fault::PaidCloseAnswersZero)) => {}
        (TradeState::Success, _) => {
            return Reply::refuse(code::INVALID, "order is paid and cannot be closed", signer);
        }
        (TradeState::Closed, Some(Fault::RecloseMovesCloseTime)) => order.close_time = now,
        (TradeState::Closed, _) => {}
    }
    Reply::ok(None, signer)
}
