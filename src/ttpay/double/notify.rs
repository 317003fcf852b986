//! Payment notifications (CONTRACT 1, "Callbacks"): when an order with a `notify_url` is paid,
//! the double POSTs the provider's encrypted notification to it and retries on the provider's
//! schedule until the merchant acknowledges it. The kit's [`Notifier`] keeps the schedule, the
//! bound on pending deliveries and the attempts; this file says what TTPay sends and what
//! acknowledges it.
//!
//! What the order shows: `notify_num` counts the attempts made; `notify_status` is 0 (nothing to
//! send: no `notify_url`, or not paid), 1 (pending: the next attempt is scheduled),
//! 2 (acknowledged), 3 (given up: the schedule ran out, or the queue was full).
//! The merchant acknowledges with HTTP 200 and a body `success` or `SUCCESS` (whitespace
//! around it is fine) or JSON `{"code": "SUCCESS"}`; anything else is a failed attempt.
//! Each attempt carries the detail as it is when sent (its `notify_num` counts the attempts
//! before it).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::crypt::encrypt_resource;
use super::detail::detail;
use super::router::lock;
use super::state::{State, TradeState, now_ms};
use crate::double::notifier::{self, Attempt, Inbox, Job, Notifier, Notify, Outgoing, Status};
use crate::ttpay::signing::{Authorization, nonce, response_message};

/// `notify_status`: nothing to send.
pub const NOTIFY_NONE: i64 = Status::None.code() as i64;
/// `notify_status`: an attempt is scheduled.
pub const NOTIFY_PENDING: i64 = Status::Pending.code() as i64;
/// `notify_status`: the merchant acknowledged.
pub const NOTIFY_DELIVERED: i64 = Status::Delivered.code() as i64;
/// `notify_status`: no more attempts (schedule ran out, or the queue was full).
pub const NOTIFY_GAVE_UP: i64 = Status::GaveUp.code() as i64;

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the receiver's answer acknowledges the notification.
pub(crate) fn acknowledges(status: u16, body: &str) -> bool {
    let body = body.trim();
    status == 200
        && (body == "success"
            || body == "SUCCESS"
            || serde_json::from_str::<Value>(body)
                .is_ok_and(|v| v.get("code").and_then(Value::as_str) == Some("SUCCESS")))
}

/// Queues the first attempt for a just-paid order, if it has somewhere to go.
pub(crate) fn on_paid(state: &mut State, transaction_id: &str) {
    let Some(order) = state.orders.get_mut(transaction_id) else {
        return;
    };
    if order.notify_url.is_empty() {
        return;
    }
    let queued = state
        .outbox
        .as_ref()
        .map_or(Status::None, |outbox| outbox.queue(transaction_id));
    order.notify_status = i64::from(queued.code());
}

/// Starts the notifier of a double: it runs until the handle is dropped.
pub(crate) fn spawn(
    state: Arc<Mutex<State>>,
    inbox: Inbox,
    schedule: Vec<Duration>,
    max_pending: usize,
) -> Notifier {
    let settings = notifier::Settings {
        schedule,
        max_pending,
        attempt_timeout: ATTEMPT_TIMEOUT,
        user_agent: Some("TTPay API (https://ttpay.io)"),
    };
    Notifier::spawn(TtpayNotify { state }, settings, inbox)
}

struct TtpayNotify {
    state: Arc<Mutex<State>>,
}

impl Notify for TtpayNotify {
    fn build(&self, job: &Job) -> Option<Outgoing> {
        let note = notification(&self.state, &job.id)?;
        let mut headers = vec![("content-type", "application/json".to_owned())];
        if let Some(authorization) = note.authorization {
            headers.push(("authorization", authorization));
        }
        Some(Outgoing {
            url: note.url,
            headers,
            body: note.body.into_bytes(),
        })
    }

    fn acknowledges(&self, status: u16, body: &str) -> bool {
        acknowledges(status, body)
    }

    /// Logs an attempt on its order (if still held), counting it when one was `sent`.
    fn record(&self, job: &Job, attempt: Attempt, status: Status, sent: bool) {
        let mut state = lock(&self.state);
        if let Some(order) = state.orders.get_mut(&job.id) {
            if sent {
                order.notify_num += 1;
            }
            order.notify_status = i64::from(status.code());
            order.deliveries.push(attempt);
        }
    }
}

/// One notification, ready to send.
struct Note {
    url: String,
    body: String,
    /// With [`NotifyForm::signed`](super::NotifyForm): the `Authorization` header.
    authorization: Option<String>,
}

/// The notification for a paid order still held, or `None`.
fn notification(state: &Mutex<State>, transaction_id: &str) -> Option<Note> {
    let state = lock(state);
    let order = state.orders.get(transaction_id)?;
    if order.trade_state != TradeState::Success || order.notify_url.is_empty() {
        return None;
    }
    let merchant = state.merchants.iter().find(|m| m.mch_id == order.mch_id)?;
    let now = now_ms();
    let plain = detail(order, now, None, true).to_string();
    let form = &state.notify_form;
    let resource = encrypt_resource(&merchant.secret, &form.associated_data, plain.as_bytes());
    let body = json!({
        "app_id": merchant.app_id,
        "mch_id": merchant.mch_id,
        "create_time": now,
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "resource": resource,
    })
    .to_string();
    let authorization = form.signed.then(|| {
        let timestamp = now.to_string();
        let nonce = nonce();
        let signature =
            merchant
                .secret
                .seal(&response_message(&timestamp, &nonce, body.as_bytes()));
        Authorization {
            app_id: merchant.app_id.clone(),
            mch_id: merchant.mch_id.clone(),
            nonce_str: nonce,
            timestamp,
            signature,
        }
        .to_header()
    });
    Some(Note {
        url: order.notify_url.clone(),
        body,
        authorization,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgements_are_the_documented_ones() {
        assert!(acknowledges(200, "success"));
        assert!(acknowledges(200, "SUCCESS\n"));
        assert!(acknowledges(200, r#"{"code": "SUCCESS", "message": "ok"}"#));
        assert!(!acknowledges(200, "fail"));
        assert!(!acknowledges(200, ""));
        assert!(!acknowledges(500, "success"));
        assert!(!acknowledges(200, r#"{"code": "FAIL"}"#));
    }
}
