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

use super::detail::detail;
use super::faults::Fault;
use super::router::lock;
use super::state::{State, TradeState, now_ms};
use crate::double::notifier::{self, Attempt, Inbox, Job, Notifier, Notify, Outgoing, Status};
use crate::ttpay::AppSecret;
use crate::ttpay::crypto::encrypt_resource;
use crate::ttpay::crypto::{Authorization, nonce, response_message};

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
        let note = notification(&self.state, &job.id, job.event > 0)?;
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
        let counts = state.fault != Some(Fault::NotifyNotCounted);
        if let Some(order) = state.orders.get_mut(&job.id) {
            if sent && counts {
                order.notify_num += 1;
            }
            order.notify_status = i64::from(status.code());
            order.deliveries.push(attempt);
        }
    }

    /// The notification faults that change what follows an attempt (N4, N5).
    fn follow_up(&self, job: &Job, acknowledged: bool, more: bool) -> Vec<Job> {
        let fault = lock(&self.state).fault;
        match fault {
            Some(Fault::NotifyNoRetry) => Vec::new(),
            Some(Fault::NotifyRetriesAfterSuccess) if more => vec![job.retry()],
            Some(Fault::NotifySecondEvent) if acknowledged && job.event == 0 => {
                // The other event's first attempt comes at the schedule's second slot.
                vec![Job {
                    attempt: 1,
                    ..job.event(1)
                }]
            }
            _ if !acknowledged && more => vec![job.retry()],
            _ => Vec::new(),
        }
    }

    /// Fault `notify-retries-too-soon`: every retry at once.
    fn wait(&self, job: &Job, scheduled: Duration) -> Duration {
        let soon = lock(&self.state).fault == Some(Fault::NotifyRetriesTooSoon);
        if soon && job.attempt > 0 {
            Duration::ZERO
        } else {
            scheduled
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

/// The notification for a paid order still held, or `None` (`second_event`: fault
/// `notify-second-event`'s other payment).
fn notification(state: &Mutex<State>, transaction_id: &str, second_event: bool) -> Option<Note> {
    let state = lock(state);
    let order = state.orders.get(transaction_id)?;
    if order.trade_state != TradeState::Success || order.notify_url.is_empty() {
        return None;
    }
    let merchant = state.merchants.iter().find(|m| m.mch_id == order.mch_id)?;
    let fault = state.fault;
    let now = now_ms();
    // The order as the query shows it, whatever bends the query bends the notification too.
    let mut plain = detail(order, now, fault, true);
    bend_order(&mut plain, fault, second_event);
    let form = &state.notify_form;
    let key = match fault {
        Some(Fault::NotifyWrongKey) => AppSecret::new(WRONG_KEY).ok()?,
        _ => merchant.secret.clone(),
    };
    let mut resource = encrypt_resource(&key, &form.associated_data, plain.to_string().as_bytes());
    if fault == Some(Fault::NotifyWithoutTag) {
        without_tag(&mut resource);
    }
    let mut body = json!({
        "app_id": merchant.app_id,
        "mch_id": merchant.mch_id,
        "create_time": now,
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "resource": resource,
    });
    if fault == Some(Fault::NotifyWithoutMchId)
        && let Some(map) = body.as_object_mut()
    {
        map.remove("mch_id");
    }
    let body = body.to_string();
    let bad_signature = fault == Some(Fault::NotifyBadSignature);
    let authorization = (form.signed || bad_signature).then(|| {
        let timestamp = now.to_string();
        let nonce = nonce();
        let signed: &[u8] = if bad_signature {
            b"{}"
        } else {
            body.as_bytes()
        };
        let signature = merchant
            .secret
            .seal(&response_message(&timestamp, &nonce, signed));
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

/// The key fault `notify-wrong-key` encrypts with (32 bytes, not any merchant's).
const WRONG_KEY: &str = "NOT-THE-APP-SECRET-OF-ANY-MCH-00";

/// The order as a notification fault bends it.
fn bend_order(plain: &mut Value, fault: Option<Fault>, second_event: bool) {
    if fault == Some(Fault::NotifyWrongAmount)
        && let Some(amount) = plain.get("amount").and_then(Value::as_i64)
    {
        plain["amount"] = Value::from(amount + 1);
    }
    if second_event {
        let tx = plain
            .get("tx_id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        plain["tx_id"] = Value::from(format!("{tx}-second"));
    }
}

/// Fault `notify-without-tag`: the ciphertext less its last 16 bytes.
fn without_tag(resource: &mut Value) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some(sealed) = resource
        .get("ciphertext")
        .and_then(Value::as_str)
        .and_then(|c| b64.decode(c).ok())
    else {
        return;
    };
    let cut = sealed.len().saturating_sub(16);
    resource["ciphertext"] = Value::from(b64.encode(&sealed[..cut]));
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
